//! GitLab Code Quality report: a JSON array of Code Climate issues.

use crate::driver::RunResult;
use crate::fingerprint::{stable_hash, Anchors};
use leash_lints::Level;
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;

pub fn emit(
    result: &RunResult,
    anchors: &Anchors,
    root: &Path,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let issues: Vec<Value> = result
        .findings
        .iter()
        .zip(&anchors.rel_paths)
        .zip(&anchors.fingerprints)
        .map(|((f, rel), fp)| {
            json!({
                "type": "issue",
                "description": f.finding.message,
                "check_name": f.finding.lint,
                "fingerprint": fp,
                "severity": if f.level == Level::Deny { "major" } else { "minor" },
                "location": {
                    "path": rel,
                    "lines": { "begin": f.finding.span.start.line.max(1) },
                },
            })
        })
        .collect();
    // What could not be read, as a blocker at the path: a quality gate must
    // not pass over a part of the tree nobody checked (the run exits 2).
    let issues: Vec<Value> = issues
        .into_iter()
        .chain(result.walk_errors.iter().map(|e| {
            let path = relative(&e.path, root).unwrap_or_else(|| e.display.clone());
            json!({
                "type": "issue",
                "description": format!("not checked: {}", e.message),
                "check_name": "leash::not_checked",
                "fingerprint": stable_hash(&["not_checked", &path]),
                "severity": "blocker",
                "location": { "path": path, "lines": { "begin": 1 } },
            })
        }))
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    out.write_all(b"\n")
}

/// `path` relative to the repository root, with `/` separators.
fn relative(path: &Path, root: &Path) -> Option<String> {
    let abs = std::path::absolute(path).ok()?;
    let rel = abs.strip_prefix(root).ok()?;
    Some(rel.to_string_lossy().replace('\\', "/"))
}
