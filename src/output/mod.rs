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
pub fn positions(f: &Located) -> (usize, usize, usize, usize) {
    let s = f.finding.span.start;
    let e = f.finding.span.end;
    (s.line.max(1), s.column + 1, e.line.max(1), e.column + 1)
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
