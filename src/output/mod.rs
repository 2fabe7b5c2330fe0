//! Reporting formats.

pub mod concise;
pub mod excerpt;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod junit;
pub mod rustc_json;
pub mod sarif;

use crate::driver::{Located, RunResult};

/// 1-based line and column of a finding's start and end, as editors show them.
/// The note a `low` confidence finding carries in text forms.
pub const LOW_CONFIDENCE: &str =
    "low confidence: the construct matches, but the source does not show that it is a risk";

pub fn positions(f: &Located) -> (usize, usize, usize, usize) {
    let s = f.finding.span.start;
    let e = f.finding.span.end;
    (s.line.max(1), s.column + 1, e.line.max(1), e.column + 1)
}

/// A suggestion in one line: `help: add `.with_jitter()`: `.with_jitter()`
/// (`leash check --fix` applies it)`.
pub fn suggestion_line(s: &leash_lints::Suggestion) -> String {
    let mut line = format!("help: {}", s.message);
    if let [edit] = s.edits.as_slice() {
        let text = edit.replacement.trim();
        if !text.is_empty() && !text.contains('\n') && !s.message.contains(text) {
            line.push_str(&format!(": `{text}`"));
        }
    }
    match s.applicability {
        leash_lints::Applicability::MachineApplicable => {
            line.push_str(" (`leash check --fix` applies it)")
        }
        leash_lints::Applicability::MaybeIncorrect => {
            line.push_str(" (`leash check --fix --unsafe-fixes` applies it; check the result)")
        }
        leash_lints::Applicability::HasPlaceholders => line.push_str(" (choose the value)"),
    }
    line
}

/// A suggestion's edits as JSON: 1-based lines and columns (columns in
/// Unicode scalar values, the end exclusive), and the replacement text.
pub fn suggestion_json(s: &leash_lints::Suggestion) -> serde_json::Value {
    let edits: Vec<serde_json::Value> = s
        .edits
        .iter()
        .map(|e| {
            serde_json::json!({
                "line": e.span.start.line,
                "column": e.span.start.column + 1,
                "end_line": e.span.end.line,
                "end_column": e.span.end.column + 1,
                "replacement": e.replacement,
            })
        })
        .collect();
    serde_json::json!({
        "message": s.message,
        "applicability": s.applicability.as_str(),
        "edits": edits,
    })
}

pub fn level_name(l: leash_lints::Level) -> &'static str {
    match l {
        leash_lints::Level::Deny => "error",
        _ => "warning",
    }
}

/// `N findings in M files (K files could not be parsed) in T ms`.
pub fn summary(result: &RunResult, millis: u128) -> String {
    let n = result.findings.len();
    let m = result.files.len();
    let mut s = format!(
        "{n} finding{} in {m} file{}",
        if n == 1 { "" } else { "s" },
        if m == 1 { "" } else { "s" }
    );
    if result.unparsed > 0 {
        s.push_str(&format!(
            " ({} file{} could not be parsed)",
            result.unparsed,
            if result.unparsed == 1 { "" } else { "s" }
        ));
    }
    s.push_str(&format!(" in {millis} ms"));
    s
}
