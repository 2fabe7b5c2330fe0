//! rustc-style diagnostics through `codespan-reporting`.

use super::level_name;
use crate::driver::{Located, RunResult};
use codespan_reporting::diagnostic::{Diagnostic, Label, Severity};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, termcolor::WriteColor};
use std::collections::HashMap;

pub fn emit(result: &RunResult, out: &mut dyn WriteColor) -> std::io::Result<()> {
    emit_findings(result, result.findings.iter(), out)
}

/// Renders some of a run's findings (the rustc JSON format carries each
/// finding's rendering).
pub fn emit_findings<'a>(
    result: &RunResult,
    findings: impl Iterator<Item = &'a Located>,
    out: &mut dyn WriteColor,
) -> std::io::Result<()> {
    let mut files = SimpleFiles::new();
    let mut ids = HashMap::new();
    let config = term::Config::default();
    for f in findings {
        let file = &result.files[f.file];
        let fid = match (&file.source, ids.get(&f.file)) {
            (Some(_), Some(id)) => Some(*id),
            (Some(src), None) => {
                let id = files.add(file.display.clone(), src.as_str());
                ids.insert(f.file, id);
                Some(id)
            }
            (None, _) => None,
        };
        // A file-level problem has no position worth showing.
        let fid = fid.filter(|_| f.finding.span.start.line > 0);
        let severity = match level_name(f.level) {
            "error" => Severity::Error,
            _ => Severity::Warning,
        };
        let Some(fid) = fid else {
            // No text to show (unreadable, binary, too large): one line.
            out.set_color(&term::Styles::default().header(severity).clone())?;
            write!(out, "{}[{}]", level_name(f.level), f.finding.lint)?;
            out.reset()?;
            writeln!(out, ": {}: {}", file.display, f.finding.message)?;
            continue;
        };
        let src = file.source.as_deref().unwrap_or("");
        let idx = file
            .line_index
            .as_ref()
            .expect("line index is built with the source");
        let mut labels = vec![
            Label::primary(fid, f.byte_start..f.byte_end).with_message(f.finding.label.clone())
        ];
        for l in &f.finding.labels {
            let s = idx.offset(src, l.span.start.line.max(1), l.span.start.column);
            let e = idx
                .offset(src, l.span.end.line.max(1), l.span.end.column)
                .max(s);
            labels.push(Label::secondary(fid, s..e).with_message(l.message.clone()));
        }
        let mut notes = Vec::new();
        if let Some(h) = &f.finding.help {
            notes.push(format!("help: {h}"));
        }
        if let Some(n) = &f.finding.note {
            notes.push(format!("note: {n}"));
        }
        if f.finding.confidence == leash_lints::Confidence::Low {
            notes.push(format!("note: {}", super::rustc_json::LOW_CONFIDENCE));
        }
        let diag = Diagnostic::new(severity)
            .with_code(f.finding.lint)
            .with_message(f.finding.message.clone())
            .with_labels(labels)
            .with_notes(notes);
        term::emit_to_write_style(out, &config, &files, &diag).map_err(std::io::Error::other)?;
    }
    Ok(())
}
