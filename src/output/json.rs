//! JSON Lines: one object per finding, then one `{"error", "path"}` object per
//! file or directory that could not be read.

use super::{level_name, positions};
use crate::driver::RunResult;
use serde_json::json;
use std::io::Write;

pub fn emit(result: &RunResult, out: &mut dyn Write) -> std::io::Result<()> {
    for f in &result.findings {
        let file = &result.files[f.file];
        let (line, column, end_line, end_column) = positions(f);
        let labels: Vec<_> = f
            .finding
            .labels
            .iter()
            .map(|l| {
                json!({
                    "message": l.message,
                    "line": l.span.start.line,
                    "column": l.span.start.column + 1,
                    "end_line": l.span.end.line,
                    "end_column": l.span.end.column + 1,
                })
            })
            .collect();
        let obj = json!({
            "lint": f.finding.lint,
            "level": level_name(f.level),
            "confidence": f.finding.confidence.as_str(),
            "message": f.finding.message,
            "path": file.display,
            "line": line,
            "column": column,
            "end_line": end_line,
            "end_column": end_column,
            "label": f.finding.label,
            "help": f.finding.help,
            "note": f.finding.note,
            "labels": labels,
            "fixes": f.finding.suggestions.iter().map(super::suggestion_json).collect::<Vec<_>>(),
        });
        serde_json::to_writer(&mut *out, &obj)?;
        out.write_all(b"\n")?;
    }
    // Then what could not be read, one line each (the run exits 2).
    for e in &result.walk_errors {
        serde_json::to_writer(&mut *out, &json!({ "error": e.message, "path": e.display }))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
