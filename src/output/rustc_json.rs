//! Cargo's JSON message format (`cargo check --message-format=json`): one
//! `compiler-message` line per finding, so editors that run a check command
//! (rust-analyzer's `check.overrideCommand`) show findings inline.

use super::excerpt::clip_columns;
use super::{human, level_name};
use crate::cargo::Workspace;
use crate::driver::{CheckedFile, Located, RunResult};
use crate::fingerprint::{absolute, line_text};
use codespan_reporting::term::termcolor::NoColor;
use leash_lints::Span;
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;

pub fn emit(
    result: &RunResult,
    workspace: Option<&Workspace>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let cwd = std::env::current_dir().unwrap_or_default();
    for f in &result.findings {
        let file = &result.files[f.file];
        let abs = absolute(&file.path);
        let located = workspace.and_then(|ws| ws.locate(&abs));
        let (package_id, manifest_path, target) = match located {
            Some((pkg, target)) => (
                pkg.id.clone(),
                pkg.manifest_path.to_string_lossy().into_owned(),
                target.map_or_else(|| synthetic_target(&abs), |t| t.raw.clone()),
            ),
            None => (
                format!("path+file://{}#0.0.0", cwd.to_string_lossy()),
                cwd.join("Cargo.toml").to_string_lossy().into_owned(),
                synthetic_target(&abs),
            ),
        };
        let file_name = match workspace.map(|ws| abs.strip_prefix(&ws.root)) {
            Some(Ok(rel)) => rel.to_string_lossy().into_owned(),
            _ => file.display.clone(),
        };
        let mut spans = vec![span_json(
            file,
            &file_name,
            f.finding.span,
            true,
            &f.finding.label,
        )];
        for l in &f.finding.labels {
            if l.span.start.line > 0 {
                spans.push(span_json(file, &file_name, l.span, false, &l.message));
            }
        }
        let mut children = Vec::new();
        let low = (f.finding.confidence == leash_lints::Confidence::Low)
            .then(|| super::LOW_CONFIDENCE.to_string());
        for (level, text) in [
            ("help", &f.finding.help),
            ("note", &f.finding.note),
            ("note", &low),
        ] {
            if let Some(text) = text {
                children.push(json!({
                    "$message_type": "diagnostic",
                    "message": text,
                    "code": null,
                    "level": level,
                    "spans": [],
                    "children": [],
                    "rendered": null,
                }));
            }
        }
        // As rustc carries a suggestion: a `help` child whose spans hold the
        // replacements (rust-analyzer offers them as quick fixes).
        for s in &f.finding.suggestions {
            let spans: Vec<Value> = s
                .edits
                .iter()
                .map(|e| {
                    let mut span = span_json(file, &file_name, e.span, true, "");
                    span["suggested_replacement"] = json!(e.replacement);
                    span["suggestion_applicability"] = json!(s.applicability.as_str());
                    span
                })
                .collect();
            children.push(json!({
                "$message_type": "diagnostic",
                "message": s.message,
                "code": null,
                "level": "help",
                "spans": spans,
                "children": [],
                "rendered": null,
            }));
        }
        let msg = json!({
            "reason": "compiler-message",
            "package_id": package_id,
            "manifest_path": manifest_path,
            "target": target,
            "message": {
                "$message_type": "diagnostic",
                "message": f.finding.message,
                "code": {
                    "code": format!("leash::{}", f.finding.lint),
                    "explanation": leash_lints::lint_by_name(f.finding.lint).map(|l| l.docs),
                },
                "level": level_name(f.level),
                "spans": spans,
                "children": children,
                "rendered": rendered(result, f),
            },
            "confidence": f.finding.confidence.as_str(),
        });
        serde_json::to_writer(&mut *out, &msg)?;
        out.write_all(b"\n")?;
    }
    // What could not be read: an error with no span, as cargo prints one
    // about a file it cannot open (the run exits 2).
    for e in &result.walk_errors {
        let message = format!("leash could not check {}: {}", e.display, e.message);
        let msg = json!({
            "reason": "compiler-message",
            "package_id": format!("path+file://{}#0.0.0", cwd.to_string_lossy()),
            "manifest_path": cwd.join("Cargo.toml").to_string_lossy(),
            "target": synthetic_target(&absolute(&e.path)),
            "message": {
                "$message_type": "diagnostic",
                "message": message,
                "code": { "code": "leash::not_checked", "explanation": null },
                "level": "error",
                "spans": [],
                "children": [],
                "rendered": format!("error: {message}\n"),
            },
        });
        serde_json::to_writer(&mut *out, &msg)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

fn rendered(result: &RunResult, f: &Located) -> String {
    let mut buf = NoColor::new(Vec::new());
    if human::emit_findings(result, std::iter::once(f), &mut buf).is_err() {
        return f.finding.message.clone();
    }
    String::from_utf8_lossy(&buf.into_inner()).into_owned()
}

fn synthetic_target(file: &Path) -> Value {
    let name = file
        .file_stem()
        .map(|s| s.to_string_lossy().replace('-', "_"))
        .unwrap_or_else(|| "main".into());
    json!({
        "kind": ["lib"],
        "crate_types": ["lib"],
        "name": name,
        "src_path": file.to_string_lossy(),
        "edition": "2021",
        "doc": false,
        "doctest": false,
        "test": false,
    })
}

/// A span in rustc's terms: 1-based lines, 1-based columns counted in Unicode
/// scalar values with an exclusive end, byte offsets into the file.
fn span_json(file: &CheckedFile, file_name: &str, span: Span, primary: bool, label: &str) -> Value {
    let start_line = span.start.line.max(1);
    let end_line = span.end.line.max(start_line);
    let column_start = span.start.column + 1;
    let column_end = if end_line == start_line {
        (span.end.column + 1).max(column_start)
    } else {
        span.end.column + 1
    };
    let (byte_start, byte_end) = match (&file.source, &file.line_index) {
        (Some(src), Some(idx)) => {
            let s = idx.offset(src, start_line, span.start.column);
            let e = idx.offset(src, end_line, span.end.column).max(s);
            (s, e)
        }
        _ => (0, 0),
    };
    let text: Vec<Value> = (start_line..=end_line)
        .map(|line| {
            let t = line_text(file, line);
            let hs = if line == start_line { column_start } else { 1 };
            let he = if line == end_line {
                column_end
            } else {
                t.chars().count() + 1
            };
            // A long line is clipped around the highlight (columns move with it).
            let (t, hs, he) = clip_columns(t, hs - 1, he.max(hs) - 1);
            json!({ "text": t, "highlight_start": hs + 1, "highlight_end": he + 1 })
        })
        .collect();
    json!({
        "file_name": file_name,
        "byte_start": byte_start,
        "byte_end": byte_end,
        "line_start": start_line,
        "line_end": end_line,
        "column_start": column_start,
        "column_end": column_end,
        "is_primary": primary,
        "text": text,
        "label": if label.is_empty() { Value::Null } else { json!(label) },
        "suggested_replacement": null,
        "suggestion_applicability": null,
        "expansion": null,
    })
}
