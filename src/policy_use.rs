//! `[budgets.NAME]` definitions that no code names. A definition nobody uses
//! is a policy that decides nothing: either the code forgot to name it or the
//! policy kept a budget the code no longer has.
//!
//! Asked only of a run that reads the whole project (a path at or above the
//! configuration's directory): a run over a few files cannot know what the
//! rest of the project names. Only the top configuration layer's definitions
//! are checked; a base it extends is shared by projects that each use a few.

use crate::config::BudgetDefinition;
use crate::driver::{CheckedFile, Located, RunOptions, RunResult};
use crate::source_map::LineIndex;
use leash_lints::{Finding, Level, Pos, Span};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const LINT: &str = "budget_exceeds_policy";

/// Whether the paths checked hold the whole project that `config_dir` governs.
pub fn covers_project(paths: &[PathBuf], config_dir: &Path) -> bool {
    let config_dir = canonical(config_dir);
    paths
        .iter()
        .any(|p| p.is_dir() && config_dir.starts_with(canonical(p)))
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Adds a finding for every definition of the top layer that none of `files`
/// names. Unreadable files were reported by the run already; they name nothing.
pub fn report_unused(result: &mut RunResult, opts: &RunOptions, files: &[PathBuf]) {
    let definitions = &opts.config.budget_definitions;
    // A definition waiting for its first use is worth a warning, not a
    // failed build, whatever the lint's level for budgets the code exceeds.
    let level = opts.level_of(LINT).min(Level::Warn);
    if definitions.is_empty() || level == Level::Allow {
        return;
    }
    let named: BTreeSet<String> = files
        .iter()
        .filter_map(|f| std::fs::read(f).ok())
        .filter_map(|bytes| String::from_utf8(bytes).ok())
        .flat_map(|text| leash_lints::rules::budget_exceeds_policy::shared_budget_names(&text))
        .collect();
    let unused: Vec<&BudgetDefinition> = definitions
        .iter()
        .filter(|d| !named.contains(&d.name))
        .collect();
    let Some(first) = unused.first() else {
        return;
    };
    let Ok(text) = std::fs::read_to_string(&first.file) else {
        return;
    };
    let index = LineIndex::new(&text);
    let file = result.files.len();
    for definition in &unused {
        let span = definition.span.start.min(text.len())..definition.span.end.min(text.len());
        let finding = Finding::new(
            LINT,
            Span::new(position(&text, &index, span.start), position(&text, &index, span.end)),
            format!("retry budget `{}` is defined in the policy but no code names it", definition.name),
        )
        .label("defined here, used nowhere")
        .help(format!(
            "name it where the retries are declared (`#[leash::retry(.., budget = \"{0}\")]` or `leash::RetryBudget::named(\"{0}\")`), or remove `[budgets.{0}]`",
            definition.name
        ))
        .note("the policy's `[budgets]` is the one definition of the shared budgets: one the code does not name bounds nothing");
        result.findings.push(Located {
            file,
            level,
            finding,
            byte_start: span.start,
            byte_end: span.end,
        });
    }
    result.files.push(CheckedFile {
        path: first.file.clone(),
        display: crate::driver::display_path(&first.file),
        line_index: Some(index),
        source: Some(text),
        parsed: false,
    });
}

/// The line (1-based) and column (0-based, in chars) of a byte offset.
fn position(text: &str, index: &LineIndex, offset: usize) -> Pos {
    let line = index.line_of(offset);
    let start = index.line_range(text, line).start;
    Pos {
        line: line + 1,
        column: text.get(start..offset).map_or(0, |s| s.chars().count()),
    }
}
