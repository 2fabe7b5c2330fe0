//! Runs the analysis over files in parallel and resolves cross-file facts.

use crate::cache::{content_hash, Cache, Kept};
use crate::config::Config;
use crate::source_map::LineIndex;
use leash_lints::body_filter::{BlankedFn, BodyFilter, Keep};
use leash_lints::{analyze_source, AnalysisOptions, Fact, Finding, Level, Prefilter, Problem};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Files larger than this are reported and skipped (generated code, data).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

pub struct RunOptions {
    pub config: Config,
    /// CLI overrides, applied after the configuration file.
    pub overrides: Vec<(String, Level)>,
    pub include_tests: bool,
    /// The lowest confidence shown (`high` by default).
    pub min_confidence: leash_lints::Confidence,
    /// Files named on the command line: analysed even when test-only.
    pub named_files: Vec<PathBuf>,
    pub jobs: Option<usize>,
    pub max_file_size: u64,
    pub perf: PerfOptions,
    /// Collect the budget inventory and keep function summaries (`leash budgets`).
    pub inventory: bool,
}

/// Speed settings: none of them changes the findings.
#[derive(Debug, Clone, Default)]
pub struct PerfOptions {
    /// Parse every file, even those the prefilter proves finding-free.
    pub no_prefilter: bool,
    /// The result cache's directory (`None`: no cache).
    pub cache_dir: Option<PathBuf>,
    /// Benchmark baselines: stop after reading, or after parsing.
    pub bench: Option<BenchMode>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BenchMode {
    Read,
    Parse,
}

impl RunOptions {
    /// A lint's level outside any `[[overrides]]`.
    pub fn level_of(&self, lint: &str) -> Level {
        self.with_flags(lint, self.config.level_of(lint))
    }

    /// A lint's level in one file: the configuration's (overrides included),
    /// then the command line's flags.
    pub fn level_in_file(&self, lint: &str, file: &Path) -> Level {
        self.with_flags(lint, self.config.level_in_file(lint, file))
    }

    /// Whether a lint is on in some file: analysed at all.
    pub fn enabled(&self, lint: &str) -> bool {
        self.level_of(lint) != Level::Allow
            || self.config.overrides.iter().any(|o| {
                o.level_of(lint)
                    .is_some_and(|l| self.with_flags(lint, l) != Level::Allow)
            })
    }

    fn with_flags(&self, lint: &str, level: Level) -> Level {
        with_flags(&self.overrides, lint, level)
    }
}

/// `level` after the command line's `-W/-D/-A` flags (in order) that name the
/// lint, its group or `all`.
pub fn with_flags(flags: &[(String, Level)], lint: &str, mut level: Level) -> Level {
    for (name, lv) in flags {
        if lint_or_group(name, lint) {
            level = *lv;
        }
    }
    level
}

/// Whether a level key (a lint, a group or `all`) sets `lint`.
fn lint_or_group(key: &str, lint: &str) -> bool {
    let group = leash_lints::lint_by_name(lint).map(|l| l.group);
    key == lint || Some(key) == group || key == "all"
}

/// One reported finding, located in a file.
#[derive(Debug, Clone)]
pub struct Located {
    pub file: usize,
    pub level: Level,
    pub finding: Finding,
    pub byte_start: usize,
    pub byte_end: usize,
}

/// A checked file: its display path, and its text when it has findings.
#[allow(dead_code)] // `path` and `parsed` are for the output formats
pub struct CheckedFile {
    pub path: PathBuf,
    pub display: String,
    pub source: Option<String>,
    pub parsed: bool,
    pub line_index: Option<LineIndex>,
}

/// A file or directory the walk could not read (filled in by the caller).
pub struct WalkError {
    pub path: PathBuf,
    pub display: String,
    pub message: String,
}

pub struct RunResult {
    pub files: Vec<CheckedFile>,
    /// Parts of the tree not read: any of these makes the exit 2.
    pub walk_errors: Vec<WalkError>,
    pub findings: Vec<Located>,
    /// Internal errors: lint panics and the like. Any of these makes the exit 2.
    pub internal_errors: Vec<String>,
    pub unparsed: usize,
    pub bytes: u64,
    /// Files the prefilter proved finding-free (not parsed).
    pub prefiltered: usize,
    /// Files whose results came from the cache.
    pub cache_hits: usize,
    /// With [`RunOptions::inventory`]: budget decisions by file index.
    pub budgets: Vec<(usize, leash_lints::inventory::BudgetEntry)>,
    /// With [`RunOptions::inventory`]: function summaries by file index.
    pub summaries: Vec<(usize, Vec<leash_lints::callgraph::FnSummary>)>,
}

#[derive(Default)]
struct FileOutcome {
    budgets: Vec<leash_lints::inventory::BudgetEntry>,
    summaries: Vec<leash_lints::callgraph::FnSummary>,
    suppressions: Option<leash_lints::suppress::Suppressions>,
    display: String,
    source: Option<String>,
    parsed: bool,
    findings: Vec<Finding>,
    facts: Vec<Fact>,
    problems: Vec<String>,
    bytes: u64,
    /// Not parsed: the prefilter found none of the enabled lints' words.
    prefiltered: bool,
    /// How many function bodies were blanked before parsing (see
    /// `leash_lints::body_filter`).
    blanked: usize,
    /// What was kept beyond the lints' own words (phase two).
    kept: Kept,
    /// The function bodies blanked, when known (not from the cache): a redo
    /// checks them alone instead of scanning the file again.
    blanked_fns: Option<Vec<BlankedFn>>,
    /// Left for a later pass (see `Pass::defer_unless`).
    deferred: bool,
    cache_hit: bool,
}

/// The path as shown to the user: relative to the current directory when under it.
pub fn display_path(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let shown = match (&cwd, path.is_absolute()) {
        (Some(cwd), true) => path
            .strip_prefix(cwd)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| path.to_path_buf()),
        _ => path
            .strip_prefix("./")
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| path.to_path_buf()),
    };
    shown.to_string_lossy().replace('\\', "/")
}

/// What `syn` says of a file its lexer cannot split into tokens, whatever
/// the cause.
const LEXER_MESSAGE: &str = "cannot parse string into token stream";

/// The lexer's error in words, from the text where it stopped: an opening
/// delimiter never closed, a closing one with no match, a string or comment
/// never closed, or a character Rust does not have.
fn lexer_error_in_words(at: Option<&str>) -> (String, &'static str) {
    let rest = at.unwrap_or("");
    let Some(c) = rest.chars().next() else {
        return (
            "the text cannot be split into Rust tokens (an unclosed delimiter, string or comment, or a character Rust does not have)".into(),
            "cannot read the text from here",
        );
    };
    let string_start = rest
        .trim_start_matches(['b', 'c', 'r'])
        .trim_start_matches('#')
        .starts_with(['"', '\'']);
    match c {
        '(' | '[' | '{' => (format!("this `{c}` is never closed"), "never closed"),
        ')' | ']' | '}' => (
            format!("this `{c}` has no matching opening delimiter"),
            "closes nothing open here",
        ),
        '/' if rest.starts_with("/*") => (
            "this block comment is never closed".into(),
            "comment never closed",
        ),
        _ if string_start => (
            "this string or character literal is never closed".into(),
            "never closed",
        ),
        _ => (
            format!("the character {c:?} is not part of Rust's syntax"),
            "not valid Rust",
        ),
    }
}

fn file_problem(display: String, message: String, bytes: u64) -> FileOutcome {
    let f =
        Finding::new("parse_error", leash_lints::Span::default(), message).label("file skipped");
    FileOutcome {
        display,
        findings: vec![f],
        bytes,
        ..FileOutcome::default()
    }
}

/// Reads a file as Rust source text (without a byte-order mark), or says why not.
fn read_source(
    path: &Path,
    display: String,
    opts: &RunOptions,
) -> Result<(String, String, u64), Box<FileOutcome>> {
    let bytes = match std::fs::metadata(path) {
        Ok(m) if m.len() > opts.max_file_size => {
            return Err(Box::new(file_problem(
                display,
                format!(
                "file too large to analyse ({} bytes; the limit is {} bytes, see --max-file-size)",
                m.len(),
                opts.max_file_size
            ),
                0,
            )))
        }
        Ok(m) => m.len(),
        Err(e) => {
            return Err(Box::new(file_problem(
                display,
                format!("cannot read file: {e}"),
                0,
            )))
        }
    };
    let data = match std::fs::read(path) {
        Ok(d) => d,
        Err(e) => {
            return Err(Box::new(file_problem(
                display,
                format!("cannot read file: {e}"),
                0,
            )))
        }
    };
    if looks_binary(&data) {
        return Err(Box::new(file_problem(
            display,
            "binary file (contains NUL bytes), not Rust source".into(),
            bytes,
        )));
    }
    let mut text = match String::from_utf8(data) {
        Ok(t) => t,
        Err(e) if memchr_nul(&e.as_bytes()[..e.as_bytes().len().min(8192)]) => {
            return Err(Box::new(file_problem(
                display,
                "binary file (contains NUL bytes), not Rust source".into(),
                bytes,
            )));
        }
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            return Err(Box::new(file_problem(
                display,
                format!("file is not valid UTF-8 (invalid byte at offset {at})"),
                bytes,
            )));
        }
    };
    // A byte-order mark is not Rust syntax; columns are counted after it.
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok((display, text, bytes))
}

fn memchr_nul(b: &[u8]) -> bool {
    b.contains(&0)
}

/// Text with many NUL bytes (UTF-16, an object file that happens to be valid
/// UTF-8) is not Rust source; a few NULs are what rustc accepts inside
/// string literals and comments, so such a file is parsed like any other.
fn looks_binary(data: &[u8]) -> bool {
    let head = &data[..data.len().min(8192)];
    let nuls = head.iter().filter(|&&b| b == 0).count();
    nuls > 0 && nuls * 16 > head.len()
}

/// What phase one decided for a file.
struct Ctx<'a> {
    opts: &'a RunOptions,
    enabled: &'a (dyn Fn(&str) -> bool + Sync),
    prefilter: Option<Prefilter>,
    body_filter: Option<BodyFilter>,
    cache: Option<Cache>,
}

/// How a pass analyses a file.
#[derive(Default)]
struct Pass<'a> {
    /// Leave a file without any of these words for a later pass (`deferred`).
    defer_unless: Option<&'a Prefilter>,
    /// More bodies to keep, and how the result records them.
    keep: Option<(Keep<'a>, Kept)>,
    /// A second look at an analysed file: the words that make it worth one, how
    /// many bodies the last analysis blanked (no fewer blanked: unchanged,
    /// reported as `prefiltered`), and which functions, when it recorded them.
    /// Skips the cache lookup.
    redo: Option<(&'a Prefilter, usize, Option<&'a [BlankedFn]>)>,
    /// With `redo`: re-run only the lints in `Scope` and merge into the last result.
    scoped: Option<(&'a Scope, &'a FileOutcome)>,
}

/// What a phase-two redo can change: the findings of `unbounded_spawn` (a new
/// spawn wrapper called per item) and the call-graph summaries of functions
/// on the way to a retry site (`retry_amplification`). Re-running only those,
/// over a text with only their bodies kept, costs a fraction of a full analysis.
struct Scope {
    filter: BodyFilter,
    wrappers: bool,
    fns: bool,
}

impl Scope {
    fn new(wrappers: bool, fns: bool, include_tests: bool) -> Option<Scope> {
        let filter =
            BodyFilter::for_lints(&|lint: &str| Self::runs(wrappers, fns, lint), include_tests)?;
        Some(Scope {
            filter,
            wrappers,
            fns,
        })
    }

    fn runs(wrappers: bool, fns: bool, lint: &str) -> bool {
        (wrappers && lint == "unbounded_spawn") || (fns && lint == "retry_amplification")
    }

    fn enabled(&self, lint: &str) -> bool {
        Self::runs(self.wrappers, self.fns, lint)
    }
}

fn analyze_path(path: &Path, cx: &Ctx, pass: &Pass) -> FileOutcome {
    let opts = cx.opts;
    let display = display_path(path);
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
            let source = if !hit.findings.is_empty() || hit.suppressions.is_some() {
                match read_source(path, display.clone(), opts) {
                    Ok((_, src, _)) => Some(src),
                    Err(o) => return *o,
                }
            } else {
                None
            };
            return cached_outcome(hit, display, source, stat.len());
        }
    }
    let (display, src, bytes) = match read_source(path, display, opts) {
        Ok(r) => r,
        Err(o) => return *o,
    };
    match opts.perf.bench {
        Some(BenchMode::Read) => return bench_outcome(display, true, bytes),
        Some(BenchMode::Parse) => {
            let parsed = leash_lints::analysis::parse_only(&src);
            return bench_outcome(display, parsed, bytes);
        }
        None => {}
    }
    // A redo wants more than the cached result; its own result replaces it.
    let cache = cx.cache.as_ref();
    let hash = cache.map(|_| content_hash(src.as_bytes()));
    if let (Some(cache), Some(hash), None) = (cache, &hash, pass.redo) {
        if let Some(hit) = cache.get(&key, hash, bytes) {
            cache.refresh(&key, stat.filter(|s| s.len() == bytes));
            let source = (!hit.findings.is_empty() || hit.suppressions.is_some()).then_some(src);
            return cached_outcome(hit, display, source, bytes);
        }
    }
    if pass
        .defer_unless
        .is_some_and(|words| !words.needs_parse(src.as_bytes()))
    {
        let mut o = bench_outcome(display, true, bytes);
        o.deferred = true;
        return o;
    }
    let keep = pass.keep.as_ref().map(|(k, _)| k);
    // A redo that keeps functions on the way to a retry site keeps the file's
    // own helpers they call as well: one look instead of one per call level.
    let local = match (pass.redo, keep.and_then(|k| k.fns)) {
        (Some(_), Some(fns)) => {
            leash_lints::body_filter::with_local_callees(&src, fns, !opts.include_tests)
        }
        _ => None,
    };
    let widened;
    let keep = match (&local, keep) {
        (Some(fns), Some(k)) => {
            widened = Keep {
                per_item_calls: k.per_item_calls,
                fns: Some(fns),
            };
            Some(&widened)
        }
        _ => keep,
    };
    // How many bodies the full filter blanks now (a redo measures it first),
    // and which functions, when the last look recorded them.
    let mut blanked_before = None;
    let mut still_fns = None;
    if let (Some((words, blanked, fns)), Some(bf)) = (pass.redo, &cx.body_filter) {
        // Only a body the last pass blanked, and now kept for one of the names,
        // changes the result.
        let still = match (fns, keep) {
            (Some(fns), Some(k)) => bf.still_blanked(&src, k, fns),
            _ => None,
        };
        let unchanged = match (&still, fns) {
            (Some(still), Some(fns)) => {
                blanked_before = Some(blanked.saturating_sub(fns.len() - still.len()));
                still.len() == fns.len()
            }
            _ => {
                !words.needs_parse(src.as_bytes()) || {
                    let now = bf.count_blanked(&src, keep);
                    blanked_before = Some(now);
                    now == blanked
                }
            }
        };
        if unchanged {
            let mut o = bench_outcome(display, true, bytes);
            o.prefiltered = true;
            return o;
        }
        still_fns = still;
    }
    let filter = pass
        .redo
        .map(|(words, _, _)| words)
        .or(cx.prefilter.as_ref());
    if let Some(filter) = filter {
        // A file with unbalanced brackets is parsed anyway, for its `parse_error`.
        if !filter.needs_parse(src.as_bytes())
            && (!(cx.enabled)("parse_error")
                || (leash_lints::nesting::brackets_balanced(&src)
                    && leash_lints::nesting::max_nesting_depth(&src)
                        <= leash_lints::analysis::MAX_NESTING))
        {
            let mut o = bench_outcome(display, true, bytes);
            o.prefiltered = true;
            return o;
        }
    }
    // A suppression or declaration concerns every lint: such a file is redone
    // whole, and so is one whose last analysis had a problem.
    let scoped = pass
        .scoped
        .filter(|(_, base)| base.problems.is_empty() && !src.contains("leash"));
    let mut analysis = None;
    if let Some((scope, base)) = scoped {
        let keep = Keep {
            per_item_calls: keep
                .and_then(|k| k.per_item_calls)
                .filter(|_| scope.wrappers),
            fns: keep.and_then(|k| k.fns).filter(|_| scope.fns),
        };
        let enabled = |lint: &str| scope.enabled(lint);
        let part = analyze_source(
            &display,
            &src,
            &AnalysisOptions {
                policy: &opts.config.policy,
                include_tests: opts.include_tests,
                enabled: &enabled,
                inventory: false,
                body_filter: Some(&scope.filter),
                keep: Some(&keep),
            },
        );
        // A text that did not parse this time is analysed whole below.
        if part.parsed && part.problems.is_empty() {
            analysis = Some(merge(base, part, scope, keep.fns, blanked_before));
        }
    }
    let enabled = cx.enabled;
    // A merged result blanks what the last one did, less what the redo kept.
    let merged = analysis.is_some();
    let mut analysis = analysis.unwrap_or_else(|| {
        analyze_source(
            &display,
            &src,
            &AnalysisOptions {
                policy: &opts.config.policy,
                include_tests: opts.include_tests,
                enabled,
                inventory: opts.inventory,
                body_filter: cx.body_filter.as_ref(),
                keep,
            },
        )
    });
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
            cache.put(
                &key,
                hash,
                bytes,
                stat.filter(|s| s.len() == bytes),
                analysis.parsed,
                analysis.blanked_bodies,
                &kept,
                &analysis.findings,
                &analysis.facts,
                &analysis.summaries,
                analysis.suppressions.as_ref(),
            );
        }
    }
    // Keep the text for output: files with findings, and files where cross-file
    // findings may still land (they have retry sites).
    let source = (!analysis.findings.is_empty() || analysis.suppressions.is_some()).then_some(src);
    FileOutcome {
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
        blanked_fns: if merged {
            still_fns
        } else {
            Some(std::mem::take(&mut analysis.blanked_fns))
        },
        kept,
        ..FileOutcome::default()
    }
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
fn guarded(p: &Path, cx: &Ctx, pass: &Pass) -> FileOutcome {
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
fn settings_key(opts: &RunOptions, enabled: &dyn Fn(&str) -> bool) -> String {
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

pub fn run(paths: &[PathBuf], opts: &RunOptions) -> RunResult {
    let started = std::time::Instant::now();
    let enabled = |lint: &str| opts.enabled(lint);
    let prefilter = (!opts.perf.no_prefilter && opts.perf.bench.is_none())
        .then(|| Prefilter::for_lints(&enabled))
        .filter(|p| !p.passes_everything());
    // The inventory (`leash budgets`) lists every decision, in every body.
    let body_filter = (!opts.perf.no_prefilter && opts.perf.bench.is_none() && !opts.inventory)
        .then(|| BodyFilter::for_lints(&enabled, opts.include_tests))
        .flatten();
    // Cross-file call chains need every file's functions (a name defined twice
    // is ambiguous): with bodies blanked, a file without trigger words costs
    // only the parse of its signatures.
    let prefilter = prefilter.filter(|_| body_filter.is_none() || !enabled("retry_amplification"));
    let cache = match (&opts.perf.cache_dir, opts.perf.bench) {
        (Some(dir), None) => Some(Cache::open(
            dir,
            &opts.config.project_root,
            &settings_key(opts, &enabled),
        )),
        _ => None,
    };
    let cx = Ctx {
        opts,
        enabled: &enabled,
        prefilter,
        body_filter,
        cache,
    };
    // Deeply nested (but accepted) code recurses in syn and in the lints: give
    // every worker a large stack (reserved address space, touched only when used).
    let mut builder = rayon::ThreadPoolBuilder::new().stack_size(64 * 1024 * 1024);
    if let Some(j) = opts.jobs {
        builder = builder.num_threads(j.max(1));
    }
    let pool = builder.build().ok();
    let in_pool = |f: &(dyn Fn() -> Vec<FileOutcome> + Sync)| match &pool {
        Some(pool) => pool.install(f),
        None => f(),
    };
    // Phase one. Files that can define a spawn wrapper go first; the others
    // then know every wrapper, and keep the bodies that call one per item.
    let spawn_words = (cx.body_filter.is_some() && enabled("unbounded_spawn"))
        .then(|| Prefilter::for_lints(&|n: &str| n == "unbounded_spawn"));
    let first = Pass {
        defer_unless: spawn_words.as_ref(),
        ..Pass::default()
    };
    let mut outcomes: Vec<FileOutcome> = in_pool(&|| {
        paths
            .par_iter()
            .with_max_len(1)
            .map(|p| guarded(p, &cx, &first))
            .collect()
    });
    let mut deferred: Vec<usize> = (0..outcomes.len())
        .filter(|&i| outcomes[i].deferred)
        .collect();
    // Largest first (their sizes are known now): a big file started last
    // would leave the other workers idle at the end of the batch.
    deferred.sort_by_key(|&i| std::cmp::Reverse(outcomes[i].bytes));
    if !deferred.is_empty() {
        let (wrappers, key) = spawn_wrappers(&outcomes, &cx);
        let words = (!wrappers.is_empty())
            .then(|| Prefilter::for_identifiers(wrappers.iter().map(String::as_str)));
        let rest = Pass {
            keep: Some((
                Keep {
                    per_item_calls: words.as_ref(),
                    fns: None,
                },
                Kept {
                    wrappers: key,
                    fns: Vec::new(),
                },
            )),
            ..Pass::default()
        };
        let done: Vec<FileOutcome> = in_pool(&|| {
            deferred
                .par_iter()
                .with_max_len(1)
                .map(|&i| guarded(&paths[i], &cx, &rest))
                .collect()
        });
        for (&i, o) in deferred.iter().zip(done) {
            outcomes[i] = o;
        }
    }
    // Phase two: a file the prefilter skipped, or a body it blanked, may still
    // call a function another file declared a fact about (a crate-local spawn
    // wrapper, a delay helper), or one on the way to a retry site in its package
    // (for `retry_amplification`), by a name without any trigger word. Analyse
    // such files again, keeping the bodies that name one; the calls they add can
    // put their own functions on the way to a retry site, so repeat.
    if std::env::var_os("LEASH_STATS").is_some() {
        let blanked = outcomes.iter().filter(|o| o.blanked > 0).count();
        say!(
            "phase one: {blanked} files with blanked bodies ({} ms)",
            started.elapsed().as_millis()
        );
    }
    let mut packages = Packages::default();
    phase_two(&mut outcomes, paths, &cx, &in_pool, &mut packages, started);
    if let Some(cache) = cx.cache {
        cache.save();
    }
    add_cross_file_findings(&mut outcomes, opts, &mut packages);

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
type InPool<'a> = dyn Fn(&(dyn Fn() -> Vec<FileOutcome> + Sync)) -> Vec<FileOutcome> + 'a;

/// The crate-local spawn wrappers found so far (sorted names), and a key for
/// the set (0 for none). Spawn wrappers are read across the whole run; a call
/// to one matters on every iteration of a loop or a closure (`unbounded_spawn`).
fn spawn_wrappers(outcomes: &[FileOutcome], cx: &Ctx) -> (Vec<String>, u64) {
    if !(cx.enabled)("unbounded_spawn") {
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
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    names.hash(&mut h);
    (names, h.finish().max(1))
}

fn phase_two(
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
    let follow_calls = (cx.enabled)("retry_amplification");
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
struct Packages(Vec<Option<String>>);

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

/// The findings `leash check FILE` shows for one file whose text is `text`
/// (an editor's unsaved buffer, a file between rounds of `--fix`), with
/// their levels: the file alone, so its own facts are all that is known.
pub fn check_text(path: &str, text: &str, opts: &RunOptions) -> Vec<(Level, Finding)> {
    // As `run` does: a lint on in some `[[overrides]]` entry is analysed,
    // and each finding takes the level of its file.
    let shown = |lint: &str| opts.enabled(lint);
    let analysis = analyze_source(
        path,
        text,
        &AnalysisOptions {
            policy: &opts.config.policy,
            include_tests: opts.include_tests,
            enabled: &shown,
            inventory: false,
            body_filter: None,
            keep: None,
        },
    );
    let facts = &analysis.facts;
    let idx = LineIndex::new(text);
    analysis
        .findings
        .into_iter()
        .filter(|f| {
            !f.unless_any.iter().any(|fact| facts.contains(fact))
                && (f.only_if_any.is_empty()
                    || f.only_if_any.iter().any(|fact| facts.contains(fact)))
                && f.confidence >= opts.min_confidence
        })
        .filter_map(|mut f| {
            let level = opts.level_in_file(f.lint, Path::new(path));
            let line = &text[idx.line_range(text, f.span.start.line.saturating_sub(1))];
            f.suggestions
                .extend(leash_lints::suppress::suppression(line, &f));
            (level != Level::Allow).then_some((level, f))
        })
        .collect()
}

/// Findings that need every file's summaries: retries reaching other retries.
fn add_cross_file_findings(
    outcomes: &mut [FileOutcome],
    opts: &RunOptions,
    packages: &mut Packages,
) {
    let found = with_summaries(outcomes, packages, |files| {
        leash_lints::amplification::find(files, &opts.config.policy)
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

/// The directory of the nearest `Cargo.toml` above a file (its package), or
/// "" when there is none. Looked up once per directory.
pub fn package_of(path: &str) -> String {
    thread_local! {
        static SEEN: std::cell::RefCell<std::collections::HashMap<PathBuf, String>> =
            std::cell::RefCell::new(std::collections::HashMap::new());
    }
    let mut dir = Path::new(path).parent().map(Path::to_path_buf);
    let start = dir.clone();
    let found = loop {
        let Some(d) = dir else { break String::new() };
        if let Some(hit) = SEEN.with(|s| s.borrow().get(&d).cloned()) {
            break hit;
        }
        let probe = if d.as_os_str().is_empty() {
            Path::new(".")
        } else {
            d.as_path()
        };
        if probe.join("Cargo.toml").is_file() {
            break d.to_string_lossy().into_owned();
        }
        dir = d.parent().map(Path::to_path_buf);
    };
    if let Some(s) = start {
        SEEN.with(|m| m.borrow_mut().insert(s, found.clone()));
    }
    found
}
