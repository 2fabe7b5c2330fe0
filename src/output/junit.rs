//! JUnit XML: one failing test case per finding and one errored case per file
//! or directory that could not be read (one passing case when clean), for CI
//! systems that only read test reports.

use crate::driver::RunResult;
use crate::fingerprint::Anchors;
use std::io::Write;

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters other than tab/newline are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

pub fn emit(result: &RunResult, anchors: &Anchors, out: &mut dyn Write) -> std::io::Result<()> {
    let n = result.findings.len();
    // A file or directory that could not be read is an errored test case.
    let errors = result.walk_errors.len();
    let tests = (n + errors).max(1);
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="leash" tests="{tests}" failures="{n}" errors="{errors}">"#
    )?;
    writeln!(
        out,
        r#"  <testsuite name="leash" tests="{tests}" failures="{n}" errors="{errors}">"#
    )?;
    if n + errors == 0 {
        writeln!(out, r#"    <testcase name="leash" classname="leash"/>"#)?;
    }
    for (f, rel) in result.findings.iter().zip(&anchors.rel_paths) {
        let line = f.finding.span.start.line.max(1);
        let col = f.finding.span.start.column + 1;
        writeln!(
            out,
            r#"    <testcase name="{}" classname="{}" file="{}" line="{line}">"#,
            xml_escape(&format!("{}: {rel}:{line}:{col}", f.finding.lint)),
            xml_escape(rel),
            xml_escape(rel),
        )?;
        let mut body = format!("{rel}:{line}:{col}: {}", f.finding.message);
        if let Some(h) = &f.finding.help {
            body.push_str(&format!("\nhelp: {h}"));
        }
        writeln!(
            out,
            r#"      <failure type="{}" message="{}">{}</failure>"#,
            xml_escape(f.finding.lint),
            xml_escape(&f.finding.message),
            xml_escape(&body)
        )?;
        writeln!(out, "    </testcase>")?;
    }
    for e in &result.walk_errors {
        let path = xml_escape(&e.display);
        writeln!(
            out,
            r#"    <testcase name="not checked: {path}" classname="{path}" file="{path}">"#,
        )?;
        writeln!(
            out,
            r#"      <error type="unreadable" message="{}">{path}: {}</error>"#,
            xml_escape(&e.message),
            xml_escape(&e.message)
        )?;
        writeln!(out, "    </testcase>")?;
    }
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")
}
