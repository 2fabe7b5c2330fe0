//! rustc-style diagnostics through `codespan-reporting`, long lines clipped
//! around the labels (see [`super::excerpt`]).

use super::excerpt::Excerpt;
use super::level_name;
use crate::driver::{Located, RunResult};
use codespan_reporting::diagnostic::{Diagnostic, Label, Severity};
use codespan_reporting::term::{self, termcolor::WriteColor};

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
    let config = term::Config::default();
    for f in findings {
        let file = &result.files[f.file];
        let severity = match level_name(f.level) {
            "error" => Severity::Error,
            _ => Severity::Warning,
        };
        // A file-level problem has no position worth showing.
        let text = match (&file.source, &file.line_index) {
            (Some(src), Some(idx)) if f.finding.span.start.line > 0 => Some((src.as_str(), idx)),
            _ => None,
        };
        let Some((src, idx)) = text else {
            // No text to show (unreadable, binary, too large): one line.
            out.set_color(&term::Styles::default().header(severity).clone())?;
            write!(out, "{}[{}]", level_name(f.level), f.finding.lint)?;
            out.reset()?;
            writeln!(out, ": {}: {}", file.display, f.finding.message)?;
            continue;
        };
        let mut ranges = Vec::with_capacity(1 + f.finding.labels.len());
        ranges.push(f.byte_start..f.byte_end);
        for l in &f.finding.labels {
            let s = idx.offset(src, l.span.start.line.max(1), l.span.start.column);
            let e = idx
                .offset(src, l.span.end.line.max(1), l.span.end.column)
                .max(s);
            ranges.push(s..e);
        }
        // Only the lines shown, long ones clipped around the labels.
        let (excerpt, ranges) = Excerpt::new(
            &file.display,
            src,
            idx,
            &ranges,
            (config.start_context_lines, config.end_context_lines),
        );
        let mut labels =
            vec![Label::primary((), ranges[0].clone()).with_message(f.finding.label.clone())];
        for (l, r) in f.finding.labels.iter().zip(&ranges[1..]) {
            labels.push(Label::secondary((), r.clone()).with_message(l.message.clone()));
        }
        let mut notes = Vec::new();
        if let Some(h) = &f.finding.help {
            notes.push(format!("help: {h}"));
        }
        for s in &f.finding.suggestions {
            if !leash_lints::suppress::is_suppression(s) {
                notes.push(super::suggestion_line(s));
            }
        }
        if let Some(n) = &f.finding.note {
            notes.push(format!("note: {n}"));
        }
        if f.finding.confidence == leash_lints::Confidence::Low {
            notes.push(format!("note: {}", super::LOW_CONFIDENCE));
        }
        let diag = Diagnostic::new(severity)
            .with_code(f.finding.lint)
            .with_message(f.finding.message.clone())
            .with_labels(labels)
            .with_notes(notes);
        // The error's kind is kept: a closed pipe ends the run quietly.
        term::emit_to_write_style(out, &config, &excerpt, &diag).map_err(|e| match e {
            codespan_reporting::files::Error::Io(e) => e,
            other => std::io::Error::other(other),
        })?;
    }
    Ok(())
}
