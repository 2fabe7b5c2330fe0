//! What needs every file's outcome: crate-local spawn wrappers, functions on
//! the way to a retry site in another file (phase two), and retries that
//! reach retries across files.

use super::analyze::{guarded, Ctx, Pass, Scope};
use super::{package_of, FileOutcome, RunOptions};
use crate::cache::Kept;
use leash_lints::body_filter::Keep;
use leash_lints::{phase_two_enabled, PhaseTwo, Prefilter};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

/// Rounds of phase two: how many calls deep a chain of functions whose bodies
/// were blanked is followed back to a retry site (as deep as
/// `retry_amplification` follows calls).
const MAX_CALL_ROUNDS: usize = 9;

/// The function name a fact is about: `spawn_task` for `crate::rt::spawn_task/2`.
fn fact_fn_name(name: &str) -> &str {
    let name = name.split('/').next().unwrap_or(name);
    name.rsplit("::").next().unwrap_or(name)
}

/// Runs a batch of analyses on the worker pool.
pub(super) type InPool<'a> =
    dyn Fn(&(dyn Fn() -> Vec<FileOutcome> + Sync)) -> Vec<FileOutcome> + 'a;

/// The crate-local spawn wrappers found so far (sorted names), and a key for
/// the set (0 for none). Spawn wrappers are read across the whole run; a call
/// to one matters on every iteration of a loop or a closure (`unbounded_spawn`).
pub(super) fn spawn_wrappers(outcomes: &[FileOutcome], cx: &Ctx) -> (Vec<String>, u64) {
    if !phase_two_enabled(PhaseTwo::SpawnWrappers, cx.enabled) {
        return (Vec::new(), 0);
    }
    let mut names: Vec<String> = outcomes
        .iter()
        .flat_map(|o| &o.facts)
        .filter(|f| f.kind == leash_lints::FactKind::SpawnWrapper)
        .map(|f| fact_fn_name(&f.name).to_string())
        .collect();
    names.sort_unstable();
    names.dedup();
    if names.is_empty() {
        return (names, 0);
    }
    // Stored in the cache: a hash that is the same in every build (XXH3).
    let key = xxhash_rust::xxh3::xxh3_64(names.join("\n").as_bytes());
    (names, key.max(1))
}

pub(super) fn phase_two(
    outcomes: &mut [FileOutcome],
    paths: &[PathBuf],
    cx: &Ctx,
    in_pool: &InPool,
    packages: &mut Packages,
    started: std::time::Instant,
) {
    if cx.body_filter.is_none() && cx.prefilter.is_none() {
        return;
    }
    let follow_calls = phase_two_enabled(PhaseTwo::CallSummaries, cx.enabled);
    let (wrappers, wrappers_key) = spawn_wrappers(outcomes, cx);
    let wrapper_words = (!wrappers.is_empty())
        .then(|| Prefilter::for_identifiers(wrappers.iter().map(String::as_str)));
    // Per file: functions whose bodies must be kept (on the way to a retry site).
    let mut want: HashMap<usize, HashSet<String>> = HashMap::new();
    let stats = std::env::var_os("LEASH_STATS").is_some();
    let everything = Prefilter::all();
    // What a revisit re-runs (see `Scope`): wrappers only, functions only, both.
    let scopes: Vec<Option<Scope>> = [(true, false), (false, true), (true, true)]
        .into_iter()
        .map(|(w, f)| Scope::new(w, f, cx.opts.include_tests))
        .collect();
    for round in 0..MAX_CALL_ROUNDS {
        if follow_calls {
            for (file, name) in reachable_fns(outcomes, packages) {
                if outcomes[file].blanked > 0 {
                    want.entry(file).or_default().insert(name);
                }
            }
        }
        // A file needs another look when it has blanked bodies (or was not
        // parsed) and its last analysis did not keep what is wanted now. A
        // result from the cache says what it kept, so an unchanged tree
        // re-checks without any of this.
        let needs_fns = |i: usize| {
            want.get(&i)
                .is_some_and(|w| w.iter().any(|n| !outcomes[i].kept.fns.contains(n)))
        };
        // Its last analysis did not know every spawn wrapper.
        let needs_wrappers =
            |i: usize| wrappers_key != 0 && outcomes[i].kept.wrappers != wrappers_key;
        let mut again: Vec<usize> = (0..outcomes.len())
            .filter(|&i| outcomes[i].prefiltered || outcomes[i].blanked > 0)
            .filter(|&i| needs_wrappers(i) || needs_fns(i))
            .collect();
        again.sort_by_key(|&i| std::cmp::Reverse(outcomes[i].bytes));
        if again.is_empty() {
            break;
        }
        let plans: Vec<(usize, bool, Kept)> = again
            .iter()
            .map(|&i| {
                let mut fns: Vec<String> = outcomes[i].kept.fns.clone();
                fns.extend(want.get(&i).into_iter().flatten().cloned());
                fns.sort_unstable();
                fns.dedup();
                let kept = Kept {
                    wrappers: wrappers_key,
                    fns,
                };
                (i, needs_fns(i), kept)
            })
            .collect();
        // Which lints each redo re-runs: a file whose wrappers are stale, one
        // that must keep more functions, or both.
        let scope_of = |i: usize, for_fns: bool| match (needs_wrappers(i), for_fns) {
            (true, false) => scopes[0].as_ref(),
            (false, true) => scopes[1].as_ref(),
            _ => scopes[2].as_ref(),
        };
        let fn_sets: Vec<HashSet<String>> = plans
            .iter()
            .map(|(_, _, k)| k.fns.iter().cloned().collect())
            .collect();
        let redone: Vec<FileOutcome> = in_pool(&|| {
            (0..plans.len())
                .into_par_iter()
                .with_max_len(1)
                .map(|k| {
                    let (i, for_fns, kept) = &plans[k];
                    let file = match &wrapper_words {
                        Some(w) if !for_fns => w,
                        _ => &everything,
                    };
                    let pass = Pass {
                        defer_unless: None,
                        keep: Some((
                            Keep {
                                per_item_calls: wrapper_words.as_ref(),
                                fns: Some(&fn_sets[k]),
                            },
                            kept.clone(),
                        )),
                        redo: Some((
                            file,
                            outcomes[*i].blanked,
                            outcomes[*i].blanked_fns.as_deref(),
                        )),
                        scoped: scope_of(*i, *for_fns).map(|s| (s, &outcomes[*i])),
                    };
                    guarded(&paths[*i], cx, &pass)
                })
                .collect()
        });
        if stats {
            let n = redone.iter().filter(|o| !o.prefiltered).count();
            say!(
                "phase two, round {round}: {n} of {} files re-analysed ({} ms)",
                again.len(),
                started.elapsed().as_millis()
            );
        }
        for ((i, _, kept), o) in plans.into_iter().zip(redone) {
            if o.prefiltered {
                // Nothing more kept: the result stands, and holds for this too.
                if let Some(cache) = &cx.cache {
                    cache.mark_kept(&cache.key_of(&paths[i]), &kept);
                }
                outcomes[i].kept = kept;
            } else {
                outcomes[i] = o;
            }
        }
    }
}

/// The package of each file (see [`package_of`]), looked up once per file:
/// the summaries are joined in every round of phase two.
#[derive(Default)]
pub(super) struct Packages(Vec<Option<String>>);

/// Runs `f` on the function summaries of every file that has some, each with
/// its package.
fn with_summaries<R>(
    outcomes: &[FileOutcome],
    packages: &mut Packages,
    f: impl FnOnce(&[leash_lints::amplification::FileSummaries]) -> R,
) -> R {
    packages.0.resize(outcomes.len(), None);
    for (o, p) in outcomes.iter().zip(&mut packages.0) {
        if p.is_none() && !o.summaries.is_empty() {
            *p = Some(package_of(&o.display));
        }
    }
    let files: Vec<leash_lints::amplification::FileSummaries> = outcomes
        .iter()
        .zip(&packages.0)
        .enumerate()
        .filter(|(_, (o, _))| !o.summaries.is_empty())
        .map(
            |(i, (o, package))| leash_lints::amplification::FileSummaries {
                file: i,
                package: package.as_deref().unwrap_or_default(),
                path: &o.display,
                fns: &o.summaries,
            },
        )
        .collect();
    f(&files)
}

/// (file, function) pairs `retry_amplification` may follow from a retry site.
fn reachable_fns(outcomes: &[FileOutcome], packages: &mut Packages) -> HashSet<(usize, String)> {
    with_summaries(outcomes, packages, leash_lints::amplification::reachable)
}

/// Findings that need every file's summaries: retries reaching other retries.
pub(super) fn add_cross_file_findings(
    outcomes: &mut [FileOutcome],
    opts: &RunOptions,
    packages: &mut Packages,
) {
    let found = with_summaries(outcomes, packages, |files| {
        leash_lints::rules::retry_amplification::cross_file_findings(files, &opts.config.policy)
    });
    for (file, finding) in found {
        let o = &mut outcomes[file];
        let allowed = o
            .suppressions
            .as_mut()
            .is_some_and(|s| s.allows(finding.lint, &finding.span));
        if !allowed {
            o.findings.push(finding);
        }
    }
}
