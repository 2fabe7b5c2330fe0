//! GitHub Actions workflow commands: one `::warning`/`::error` annotation per
//! finding, escaped as the runner expects.

use super::positions;
use crate::driver::RunResult;
use crate::fingerprint::Anchors;
use leash_lints::Level;
use std::io::Write;

/// Escaping for the message part of a workflow command.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping for a property value (`file=`, `title=`): also `:` and `,`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn emit(result: &RunResult, anchors: &Anchors, out: &mut dyn Write) -> std::io::Result<()> {
    for (f, rel) in result.findings.iter().zip(&anchors.rel_paths) {
        let command = if f.level == Level::Deny {
            "error"
        } else {
            "warning"
        };
        let mut props = format!("file={}", escape_property(rel));
        if f.finding.span.start.line > 0 {
            let (line, col, end_line, end_col) = positions(f);
            props.push_str(&format!(
                ",line={line},col={col},endLine={end_line},endColumn={end_col}"
            ));
        }
        props.push_str(&format!(",title={}", escape_property(f.finding.lint)));
        let mut message = f.finding.message.clone();
        if let Some(h) = &f.finding.help {
            message.push_str(&format!("\nhelp: {h}"));
        }
        if let Some(n) = &f.finding.note {
            message.push_str(&format!("\nnote: {n}"));
        }
        writeln!(out, "::{command} {props}::{}", escape_data(&message))?;
    }
    for e in &result.walk_errors {
        writeln!(
            out,
            "::error file={},title=leash::{}",
            escape_property(&e.display),
            escape_data(&format!("not checked: {}", e.message))
        )?;
    }
    Ok(())
}
