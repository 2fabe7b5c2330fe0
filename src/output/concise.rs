//! One line per finding, as ruff's `concise` and cargo's `short` formats:
//! `path:line:col: level[lint] message`. A file-level problem (no position)
//! has no line and column.

use super::{level_name, positions};
use crate::driver::RunResult;
use std::io::Write;

pub fn emit(result: &RunResult, out: &mut dyn Write) -> std::io::Result<()> {
    for f in &result.findings {
        let path = &result.files[f.file].display;
        let level = level_name(f.level);
        let (lint, message) = (f.finding.lint, &f.finding.message);
        if f.finding.span.start.line == 0 {
            writeln!(out, "{path}: {level}[{lint}] {message}")?;
        } else {
            let (line, col, _, _) = positions(f);
            writeln!(out, "{path}:{line}:{col}: {level}[{lint}] {message}")?;
        }
    }
    Ok(())
}

/// `--statistics`: how many findings each lint gave at each level, most
/// frequent first (ties by lint name), as ruff prints them.
pub fn emit_statistics(result: &RunResult, out: &mut dyn Write) -> std::io::Result<()> {
    let mut counts: std::collections::BTreeMap<(&str, &str), usize> = Default::default();
    for f in &result.findings {
        *counts
            .entry((f.finding.lint, level_name(f.level)))
            .or_default() += 1;
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    // Stable: equal counts keep the map's lint order.
    rows.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    let count_width = rows.iter().map(|(_, n)| n.to_string().len()).max();
    let lint_width = rows.iter().map(|((lint, _), _)| lint.len()).max();
    for ((lint, level), n) in &rows {
        let summary = leash_lints::lint_by_name(lint).map_or("", |l| l.summary);
        writeln!(
            out,
            "{n:>cw$}  {lint:<lw$}  {level:<7}  {summary}",
            cw = count_width.unwrap_or(0),
            lw = lint_width.unwrap_or(0),
        )?;
    }
    Ok(())
}
