//! GitLab Code Quality report: a JSON array of Code Climate issues.

use crate::driver::RunResult;
use crate::fingerprint::Anchors;
use leash_lints::Level;
use serde_json::{json, Value};
use std::io::Write;

pub fn emit(result: &RunResult, anchors: &Anchors, out: &mut dyn Write) -> std::io::Result<()> {
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
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    out.write_all(b"\n")
}
