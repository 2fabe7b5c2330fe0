//! One file's analysis in one pass: from the cache when it proves the file
//! unchanged, else read, prefiltered, analysed (whole, or only the lints a
//! phase-two redo re-runs) and stored.

use super::read::{file_problem, read_source};
use super::{display_path, BenchMode, FileOutcome, RunOptions};
use crate::cache::{content_hash, Cache, Kept};
use leash_lints::body_filter::{BlankedFn, BodyFilter, Keep};
use leash_lints::{
    analyze_source, lint_by_name, phase_two_enabled, AnalysisOptions, Finding, PhaseTwo, Prefilter,
    Problem,
};
use std::collections::HashSet;
use std::path::Path;

/// What phase one decided for a file.
pub(super) struct Ctx<'a> {
    pub(super) opts: &'a RunOptions,
    pub(super) enabled: &'a (dyn Fn(&str) -> bool + Sync),
    pub(super) prefilter: Option<Prefilter>,
    pub(super) body_filter: Option<BodyFilter>,
    pub(super) cache: Option<Cache>,
}

impl<'a> Ctx<'a> {
    /// The prefilters and the cache a run uses, from its options.
    pub(super) fn new(opts: &'a RunOptions, enabled: &'a (dyn Fn(&str) -> bool + Sync)) -> Self {
        let filtered = !opts.perf.no_prefilter && opts.perf.bench.is_none();
        let prefilter = filtered
            .then(|| Prefilter::for_lints(enabled))
            .filter(|p| !p.passes_everything());
        // The inventory (`leash budgets`) lists every decision, in every body.
        let body_filter = (filtered && !opts.inventory)
            .then(|| BodyFilter::for_lints(enabled, opts.include_tests))
            .flatten();
        // Cross-file call chains need every file's functions (a name defined
        // twice is ambiguous): with bodies blanked, a file without trigger
        // words costs only the parse of its signatures.
        let prefilter = prefilter.filter(|_| {
            body_filter.is_none() || !phase_two_enabled(PhaseTwo::CallSummaries, enabled)
        });
        let cache = match (&opts.perf.cache_dir, opts.perf.bench) {
            (Some(dir), None) => Some(Cache::open(
                dir,
                &opts.config.project_root,
                &settings_key(opts, enabled),
            )),
            _ => None,
        };
        Ctx {
            opts,
            enabled,
            prefilter,
            body_filter,
            cache,
        }
    }
}

/// How a pass analyses a file.
#[derive(Default)]
pub(super) struct Pass<'a> {
    /// Leave a file without any of these words for a later pass (`deferred`).
    pub(super) defer_unless: Option<&'a Prefilter>,
    /// More bodies to keep, and how the result records them.
    pub(super) keep: Option<(Keep<'a>, Kept)>,
    /// A second look at an analysed file: the words that make it worth one, how
    /// many bodies the last analysis blanked (no fewer blanked: unchanged,
    /// reported as `prefiltered`), and which functions, when it recorded them.
    /// Skips the cache lookup.
    pub(super) redo: Option<(&'a Prefilter, usize, Option<&'a [BlankedFn]>)>,
    /// With `redo`: re-run only the lints in `Scope` and merge into the last result.
    pub(super) scoped: Option<(&'a Scope, &'a FileOutcome)>,
}

/// What a phase-two redo can change: the findings of `unbounded_spawn` (a new
/// spawn wrapper called per item) and the call-graph summaries of functions
/// on the way to a retry site (`retry_amplification`). Re-running only those,
/// over a text with only their bodies kept, costs a fraction of a full analysis.
pub(super) struct Scope {
    filter: BodyFilter,
    wrappers: bool,
    fns: bool,
}

impl Scope {
    pub(super) fn new(wrappers: bool, fns: bool, include_tests: bool) -> Option<Scope> {
        let filter =
            BodyFilter::for_lints(&|lint: &str| Self::runs(wrappers, fns, lint), include_tests)?;
        Some(Scope {
            filter,
            wrappers,
            fns,
        })
    }

    fn runs(wrappers: bool, fns: bool, lint: &str) -> bool {
        match lint_by_name(lint).and_then(|l| l.phase_two) {
            Some(PhaseTwo::SpawnWrappers) => wrappers,
            Some(PhaseTwo::CallSummaries) => fns,
            None => false,
        }
    }

    fn enabled(&self, lint: &str) -> bool {
        Self::runs(self.wrappers, self.fns, lint)
    }
}

fn analyze_path(path: &Path, cx: &Ctx, pass: &Pass) -> FileOutcome {
    match analyze_or_skip(path, cx, pass) {
        Ok(o) => o,
        Err(o) => *o,
    }
}

/// `Err` is an outcome decided before a full analysis: from the cache, a
/// file that cannot be read, a benchmark stop, a deferred or skipped file.
fn analyze_or_skip(path: &Path, cx: &Ctx, pass: &Pass) -> Result<FileOutcome, Box<FileOutcome>> {
    let opts = cx.opts;
    let key = cx
        .cache
        .as_ref()
        .map(|c| c.key_of(path))
        .unwrap_or_default();
    // The cache first: a file whose metadata proves it unchanged is not even
    // read, unless its text is needed for output. The metadata is taken before
    // the content is read: a change after it shows in the next run's.
    let stat = match (&cx.cache, opts.perf.bench) {
        (Some(_), None) => std::fs::metadata(path)
            .ok()
            .and_then(|m| crate::cache::Stat::of(&m)),
        _ => None,
    };
    if let (Some(cache), Some(stat), None) = (&cx.cache, &stat, pass.redo) {
        if let Some(hit) = cache.get_unchanged(&key, stat) {
            let source = if hit.needs_source() {
                Some(read_source(path, display_path(path), opts)?.1)
            } else {
                None
            };
            return Err(Box::new(cached_outcome(
                hit,
                display_path(path),
                source,
                stat.len(),
            )));
        }
    }
    let (display, src, bytes) = read_source(path, display_path(path), opts)?;
    match opts.perf.bench {
        Some(BenchMode::Read) => return Err(Box::new(bench_outcome(display, true, bytes))),
        Some(BenchMode::Parse) => {
            let parsed = leash_lints::analysis::parse_only(&src);
            return Err(Box::new(bench_outcome(display, parsed, bytes)));
        }
        None => {}
    }
    // A redo wants more than the cached result; its own result replaces it.
    let cache = cx.cache.as_ref();
    let hash = cache.map(|_| content_hash(src.as_bytes()));
    if let (Some(cache), Some(hash), None) = (cache, &hash, pass.redo) {
        if let Some(hit) = cache.get(&key, hash, bytes) {
            cache.refresh(&key, stat.filter(|s| s.len() == bytes));
            let source = hit.needs_source().then_some(src);
            return Err(Box::new(cached_outcome(hit, display, source, bytes)));
        }
    }
    let skipped = |prefiltered: bool, deferred: bool| {
        let mut o = bench_outcome(display.clone(), true, bytes);
        (o.prefiltered, o.deferred) = (prefiltered, deferred);
        o
    };
    if pass
        .defer_unless
        .is_some_and(|words| !words.needs_parse(src.as_bytes()))
    {
        return Err(Box::new(skipped(false, true)));
    }
    // A redo that keeps functions on the way to a retry site keeps the file's
    // own helpers they call as well: one look instead of one per call level.
    let keep = pass.keep.as_ref().map(|(k, _)| k);
    let local = match (pass.redo, keep.and_then(|k| k.fns)) {
        (Some(_), Some(fns)) => {
            leash_lints::body_filter::with_local_callees(&src, fns, !opts.include_tests)
        }
        _ => None,
    };
    let widened = local.as_ref().zip(keep).map(|(fns, k)| Keep {
        per_item_calls: k.per_item_calls,
        fns: Some(fns),
    });
    let keep = widened.as_ref().or(keep);
    let Some(redo) = redo_changes(&src, cx, pass, keep) else {
        return Err(Box::new(skipped(true, false)));
    };
    if prefilter_skips(&src, cx, pass) {
        return Err(Box::new(skipped(true, false)));
    }
    let (mut analysis, merged) = analyse(&display, &src, cx, pass, keep, redo.blanked_before);
    let problems = analysis
        .problems
        .iter()
        .map(|p| match p {
            Problem::LintPanicked { lint, message } => {
                format!("{display}: internal error in lint `{lint}`: {message}")
            }
        })
        .collect();
    let mut kept = pass
        .keep
        .as_ref()
        .map(|(_, k)| k.clone())
        .unwrap_or_default();
    if let Some(fns) = local {
        kept.fns = fns.into_iter().collect();
        kept.fns.sort_unstable();
    }
    if let (Some(cache), Some(hash)) = (cache, hash) {
        // A lint that panicked is retried on the next run, not remembered.
        if analysis.problems.is_empty() {
            let stat = stat.filter(|s| s.len() == bytes);
            cache.put(&key, hash, bytes, stat, &kept, &analysis);
        }
    }
    // Keep the text for output: files with findings, and files where cross-file
    // findings may still land (they have retry sites).
    let source = (!analysis.findings.is_empty() || analysis.suppressions.is_some()).then_some(src);
    Ok(FileOutcome {
        budgets: analysis.budgets,
        summaries: analysis.summaries,
        suppressions: analysis.suppressions,
        display,
        source,
        parsed: analysis.parsed,
        findings: analysis.findings,
        facts: analysis.facts,
        problems,
        bytes,
        blanked: analysis.blanked_bodies,
        // A merged result blanks what the last one did, less what the redo kept.
        blanked_fns: if merged {
            redo.still_fns
        } else {
            Some(std::mem::take(&mut analysis.blanked_fns))
        },
        kept,
        ..FileOutcome::default()
    })
}

/// What a phase-two redo found before analysing: how many bodies the full
/// filter blanks now, and which of the functions the last look blanked
/// still are (when it recorded them).
#[derive(Default)]
struct Redo {
    blanked_before: Option<usize>,
    still_fns: Option<Vec<BlankedFn>>,
}

/// For a redo, what it changes; `None` when nothing: only a body the last
/// pass blanked, and now kept for one of the names, changes the result.
fn redo_changes(src: &str, cx: &Ctx, pass: &Pass, keep: Option<&Keep>) -> Option<Redo> {
    let (Some((words, blanked, fns)), Some(bf)) = (pass.redo, &cx.body_filter) else {
        return Some(Redo::default());
    };
    let still = match (fns, keep) {
        (Some(fns), Some(k)) => bf.still_blanked(src, k, fns),
        _ => None,
    };
    let mut blanked_before = None;
    let unchanged = match (&still, fns) {
        (Some(still), Some(fns)) => {
            blanked_before = Some(blanked.saturating_sub(fns.len() - still.len()));
            still.len() == fns.len()
        }
        _ => {
            !words.needs_parse(src.as_bytes()) || {
                let now = bf.count_blanked(src, keep);
                blanked_before = Some(now);
                now == blanked
            }
        }
    };
    (!unchanged).then_some(Redo {
        blanked_before,
        still_fns: still,
    })
}

/// A text holding none of the words the pass looks for is not parsed,
/// unless its brackets do not balance (then it is, for its `parse_error`).
fn prefilter_skips(src: &str, cx: &Ctx, pass: &Pass) -> bool {
    let filter = pass
        .redo
        .map(|(words, _, _)| words)
        .or(cx.prefilter.as_ref());
    filter.is_some_and(|filter| {
        !filter.needs_parse(src.as_bytes())
            && (!(cx.enabled)("parse_error")
                || (leash_lints::nesting::brackets_balanced(src)
                    && leash_lints::nesting::max_nesting_depth(src)
                        <= leash_lints::nesting::MAX_NESTING))
    })
}

/// The analysis of a text: for a scoped redo only the lints it re-runs,
/// merged into the last result (`true`), else every enabled lint.
fn analyse(
    display: &str,
    src: &str,
    cx: &Ctx,
    pass: &Pass,
    keep: Option<&Keep>,
    blanked_before: Option<usize>,
) -> (leash_lints::FileAnalysis, bool) {
    let opts = cx.opts;
    // A suppression or declaration concerns every lint: such a file is redone
    // whole, and so is one whose last analysis had a problem.
    let scoped = pass
        .scoped
        .filter(|(_, base)| base.problems.is_empty() && !src.contains("leash"));
    if let Some((scope, base)) = scoped {
        let keep = Keep {
            per_item_calls: keep
                .and_then(|k| k.per_item_calls)
                .filter(|_| scope.wrappers),
            fns: keep.and_then(|k| k.fns).filter(|_| scope.fns),
        };
        let enabled = |lint: &str| scope.enabled(lint);
        let options = opts.analysis(&enabled, Some(&scope.filter), Some(&keep));
        let part = analyze_source(display, src, &options);
        // A text that did not parse this time is analysed whole below.
        if part.parsed && part.problems.is_empty() {
            return (merge(base, part, scope, keep.fns, blanked_before), true);
        }
    }
    let options = AnalysisOptions {
        inventory: opts.inventory,
        ..opts.analysis(cx.enabled, cx.body_filter.as_ref(), keep)
    };
    let whole = analyze_source(display, src, &options);
    (whole, false)
}

/// The last result of a file, with what a scoped redo re-ran replaced: the
/// findings of its lints and the summaries of the functions it kept for the
/// call graph.
fn merge(
    base: &FileOutcome,
    part: leash_lints::FileAnalysis,
    scope: &Scope,
    fns: Option<&HashSet<String>>,
    blanked: Option<usize>,
) -> leash_lints::FileAnalysis {
    let mut findings: Vec<Finding> = base
        .findings
        .iter()
        .filter(|f| !scope.enabled(f.lint))
        .cloned()
        .collect();
    findings.extend(part.findings.into_iter().filter(|f| scope.enabled(f.lint)));
    let mut facts = base.facts.clone();
    for fact in part.facts {
        if !facts.contains(&fact) {
            facts.push(fact);
        }
    }
    let mut summaries = base.summaries.clone();
    if let Some(fns) = fns {
        for s in part.summaries.into_iter().filter(|s| fns.contains(&s.name)) {
            if let Some(slot) = summaries
                .iter_mut()
                .find(|b| b.name == s.name && b.span == s.span)
            {
                *slot = s;
            }
        }
    }
    leash_lints::FileAnalysis {
        findings,
        facts,
        parsed: true,
        blanked_bodies: blanked.unwrap_or(base.blanked),
        summaries,
        suppressions: base.suppressions.clone(),
        ..leash_lints::FileAnalysis::default()
    }
}

fn cached_outcome(
    hit: crate::cache::Cached,
    display: String,
    source: Option<String>,
    bytes: u64,
) -> FileOutcome {
    FileOutcome {
        source,
        summaries: hit.summaries,
        suppressions: hit.suppressions,
        display,
        parsed: hit.parsed,
        findings: hit.findings,
        facts: hit.facts,
        bytes,
        blanked: hit.blanked,
        kept: hit.kept,
        cache_hit: true,
        ..FileOutcome::default()
    }
}

fn bench_outcome(display: String, parsed: bool, bytes: u64) -> FileOutcome {
    FileOutcome {
        display,
        parsed,
        bytes,
        ..FileOutcome::default()
    }
}

/// Runs `analyze_path`, turning a panic outside the lints into an internal error.
pub(super) fn guarded(p: &Path, cx: &Ctx, pass: &Pass) -> FileOutcome {
    // A panic outside the lints (which catch their own) must not stop the run.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| analyze_path(p, cx, pass))) {
        Ok(o) => o,
        Err(_) => {
            let mut o = file_problem(
                display_path(p),
                "internal error while analysing this file".into(),
                0,
            );
            o.problems.push(format!(
                "{}: internal error while analysing this file",
                display_path(p)
            ));
            o
        }
    }
}

/// Everything besides file contents that changes a file's analysis (the cache key).
pub(super) fn settings_key(opts: &RunOptions, enabled: &dyn Fn(&str) -> bool) -> String {
    let lints: Vec<&str> = leash_lints::rules::ALL
        .iter()
        .map(|l| l.name)
        .filter(|n| enabled(n))
        .collect();
    format!(
        "lints={lints:?} policy={:?} tests={} prefilter={} max_file_size={}",
        opts.config.policy, opts.include_tests, !opts.perf.no_prefilter, opts.max_file_size
    )
}
