//! Runs the analysis over files in parallel and resolves cross-file facts:
//! `read` turns a path into source text, `analyze` a text into a file's
//! outcome (through the cache and the prefilters), `cross_file` the
//! outcomes into what needs them all (spawn wrappers, call chains), and
//! `run` puts the phases together and the findings in order.

mod analyze;
mod collect;
mod cross_file;
mod read;

use analyze::{guarded, Ctx, Pass};
use cross_file::{add_cross_file_findings, phase_two, spawn_wrappers, Packages};
use leash_lints::{lint_by_name, phase_two_enabled, PhaseTwo};

use crate::cache::Kept;
use crate::config::Config;
use crate::source_map::LineIndex;
use leash_lints::body_filter::{BlankedFn, BodyFilter, Keep};
use leash_lints::{analyze_source, AnalysisOptions, Fact, Finding, Level, Prefilter};
use rayon::prelude::*;
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

    /// The options of one file's analysis under this run's policy and scope:
    /// the lints `enabled`, the bodies `body_filter` blanks less those `keep`
    /// keeps, and nothing for the inventory (see [`RunOptions::inventory`]).
    fn analysis<'a>(
        &'a self,
        enabled: &'a (dyn Fn(&str) -> bool + Sync),
        body_filter: Option<&'a BodyFilter>,
        keep: Option<&'a Keep<'a>>,
    ) -> AnalysisOptions<'a> {
        AnalysisOptions {
            policy: &self.config.policy,
            include_tests: self.include_tests,
            enabled,
            inventory: false,
            body_filter,
            keep,
        }
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

pub fn run(paths: &[PathBuf], opts: &RunOptions) -> RunResult {
    let started = std::time::Instant::now();
    let enabled = |lint: &str| opts.enabled(lint);
    let cx = Ctx::new(opts, &enabled);
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
    let mut outcomes = phase_one(paths, &cx, &in_pool);
    if std::env::var_os("LEASH_STATS").is_some() {
        let blanked = outcomes.iter().filter(|o| o.blanked > 0).count();
        say!(
            "phase one: {blanked} files with blanked bodies ({} ms)",
            started.elapsed().as_millis()
        );
    }
    // Phase two: a file the prefilter skipped, or a body it blanked, may still
    // call a function another file declared a fact about (a crate-local spawn
    // wrapper, a delay helper), or one on the way to a retry site in its package
    // (for `retry_amplification`), by a name without any trigger word. Analyse
    // such files again, keeping the bodies that name one; the calls they add can
    // put their own functions on the way to a retry site, so repeat.
    let mut packages = Packages::default();
    phase_two(&mut outcomes, paths, &cx, &in_pool, &mut packages, started);
    if let Some(cache) = cx.cache {
        cache.save();
    }
    add_cross_file_findings(&mut outcomes, opts, &mut packages);
    collect::result(outcomes, paths, opts)
}

/// Phase one. Files that can define a spawn wrapper go first; the others
/// then know every wrapper, and keep the bodies that call one per item.
fn phase_one(paths: &[PathBuf], cx: &Ctx, in_pool: &cross_file::InPool) -> Vec<FileOutcome> {
    let wrappers_read =
        |n: &str| lint_by_name(n).is_some_and(|l| l.phase_two == Some(PhaseTwo::SpawnWrappers));
    let spawn_words = (cx.body_filter.is_some()
        && phase_two_enabled(PhaseTwo::SpawnWrappers, cx.enabled))
    .then(|| Prefilter::for_lints(&wrappers_read));
    let first = Pass {
        defer_unless: spawn_words.as_ref(),
        ..Pass::default()
    };
    let mut outcomes: Vec<FileOutcome> = in_pool(&|| {
        paths
            .par_iter()
            .with_max_len(1)
            .map(|p| guarded(p, cx, &first))
            .collect()
    });
    let mut deferred: Vec<usize> = (0..outcomes.len())
        .filter(|&i| outcomes[i].deferred)
        .collect();
    if deferred.is_empty() {
        return outcomes;
    }
    // Largest first (their sizes are known now): a big file started last
    // would leave the other workers idle at the end of the batch.
    deferred.sort_by_key(|&i| std::cmp::Reverse(outcomes[i].bytes));
    let (wrappers, key) = spawn_wrappers(&outcomes, cx);
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
            .map(|&i| guarded(&paths[i], cx, &rest))
            .collect()
    });
    for (&i, o) in deferred.iter().zip(done) {
        outcomes[i] = o;
    }
    outcomes
}
/// The findings `leash check FILE` shows for one file whose text is `text`
/// (an editor's unsaved buffer, a file between rounds of `--fix`), with
/// their levels: the file alone, so its own facts are all that is known.
pub fn check_text(path: &str, text: &str, opts: &RunOptions) -> Vec<(Level, Finding)> {
    // As `run` does: a lint on in some `[[overrides]]` entry is analysed,
    // and each finding takes the level of its file.
    let shown = |lint: &str| opts.enabled(lint);
    let analysis = analyze_source(path, text, &opts.analysis(&shown, None, None));
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
