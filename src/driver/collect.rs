//! The outcomes of every file as the run's result: each finding placed in
//! its file, scoped (test-only modules, files no module declares), given its
//! level and confidence, and put in order.

use super::read::{lexer_error_in_words, LEXER_MESSAGE};
use super::{CheckedFile, FileOutcome, Located, RunOptions, RunResult};
use crate::source_map::LineIndex;
use leash_lints::{Fact, Level};
use std::collections::HashSet;
use std::path::PathBuf;

pub(super) fn result(
    outcomes: Vec<FileOutcome>,
    paths: &[PathBuf],
    opts: &RunOptions,
) -> RunResult {
    let facts: HashSet<Fact> = outcomes
        .iter()
        .flat_map(|o| o.facts.iter().cloned())
        .collect();
    let mut files = Vec::with_capacity(outcomes.len());
    let mut findings = Vec::new();
    let mut internal_errors = Vec::new();
    let mut unparsed = 0;
    let mut bytes = 0;
    let (mut prefiltered, mut cache_hits) = (0, 0);
    let mut budgets = Vec::new();
    let mut summaries = Vec::new();
    let mut test_modules = crate::scope::TestModules::default();
    for (i, (o, path)) in outcomes.into_iter().zip(paths).enumerate() {
        bytes += o.bytes;
        if opts.inventory {
            budgets.extend(o.budgets.into_iter().map(|b| (i, b)));
            if !o.summaries.is_empty() {
                summaries.push((i, o.summaries));
            }
        }
        prefiltered += usize::from(o.prefiltered);
        cache_hits += usize::from(o.cache_hit);
        if !o.parsed {
            unparsed += 1;
        }
        internal_errors.extend(o.problems);
        let line_index = o.source.as_deref().map(LineIndex::new);
        // A module its parent declares test-only is test code (checked only
        // for files with findings: the parent is read once).
        let reach = if o.findings.is_empty() || opts.named_files.contains(path) {
            crate::scope::ModuleReach::Compiled
        } else {
            test_modules.reach(path)
        };
        let test_only = !opts.include_tests
            && matches!(
                reach,
                crate::scope::ModuleReach::TestOnly | crate::scope::ModuleReach::BuildScript
            );
        for mut f in o.findings.into_iter().filter(|_| !test_only) {
            // A file no module declares is not built: what it shows is no
            // risk of the program (contract v2.0: `low` where undecided),
            // and failing to read it loses nothing.
            if reach == crate::scope::ModuleReach::Undeclared {
                f.confidence = leash_lints::Confidence::Low;
            }
            if f.unless_any.iter().any(|fact| facts.contains(fact)) {
                continue;
            }
            if !f.only_if_any.is_empty() && !f.only_if_any.iter().any(|fact| facts.contains(fact)) {
                continue;
            }
            let level = opts.level_in_file(f.lint, path);
            if level == Level::Allow || f.confidence < opts.min_confidence {
                continue;
            }
            let (byte_start, byte_end) = match (&o.source, &line_index) {
                (Some(src), Some(idx)) => {
                    let s = idx.offset(src, f.span.start.line.max(1), f.span.start.column);
                    let e = idx
                        .offset(src, f.span.end.line.max(1), f.span.end.column)
                        .max(s);
                    (s, e)
                }
                _ => (0, 0),
            };
            if f.lint == "parse_error" && f.message.ends_with(LEXER_MESSAGE) {
                let at = o.source.as_deref().map(|s| &s[byte_start.min(s.len())..]);
                let (message, label) = lexer_error_in_words(at);
                f.message = format!("could not parse this file: {message}");
                f.label = label.to_string();
            }
            if let (Some(src), Some(idx)) = (&o.source, &line_index) {
                let line = &src[idx.line_range(src, f.span.start.line.saturating_sub(1))];
                f.suggestions
                    .extend(leash_lints::suppress::suppression(line, &f));
            }
            findings.push(Located {
                file: i,
                level,
                finding: f,
                byte_start,
                byte_end,
            });
        }
        files.push(CheckedFile {
            path: path.clone(),
            display: o.display,
            source: o.source,
            parsed: o.parsed,
            line_index,
        });
    }
    findings.sort_by(|a, b| {
        let (fa, fb) = (&files[a.file].display, &files[b.file].display);
        fa.cmp(fb)
            .then(a.finding.span.start.cmp(&b.finding.span.start))
            .then(a.finding.lint.cmp(b.finding.lint))
            .then(a.finding.message.cmp(&b.finding.message))
    });
    RunResult {
        files,
        walk_errors: Vec::new(),
        findings,
        internal_errors,
        unparsed,
        bytes,
        prefiltered,
        cache_hits,
        budgets,
        summaries,
    }
}
