//! `leash`: finds retry and concurrency anti-patterns in Rust source.

/// Set when a write to standard error failed (other than a closed pipe): the
/// run then exits 2.
static STDERR_FAILED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `eprintln!` that does not panic when standard error cannot be written (a
/// full disk): the failure is remembered and the run exits 2. A closed pipe
/// is not a failure: the reader stopped reading.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stderr(), $($arg)*) {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                crate::STDERR_FAILED.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        }
    }};
}

mod atomic;
mod baseline;
mod budgets;
mod cargo;
// Parsing allocates and frees millions of small nodes: with the system
// allocator malloc/free were a quarter of the profile; mimalloc cuts CPU time
// by 20-25% and lowers the peak on large files.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its position in the v3 option enum, as
/// in v2; a test checks the default behind it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Workers parse one file after another: mimalloc returning the freed pages of
/// earlier files to the OS, and the kernel zeroing them again for later ones,
/// cost about a twentieth of a run (system time 0.15-0.2 s -> 0.08 s on the
/// labelled crates). Peak memory is unchanged (it is set by
/// the largest files in flight).
fn keep_freed_memory() {
    // SAFETY: sets a process-wide allocator option; no memory is touched.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}

mod cache;
mod config;
mod diff;
mod docs;
mod driver;
mod fingerprint;
mod fix;
mod integrate;
mod output;
mod policy_use;
mod scope;
mod server;
mod settings;
mod source_map;
mod walk;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use codespan_reporting::term::termcolor::{ColorChoice, NoColor, StandardStream, WriteColor};
use config::Config;
use driver::RunOptions;
use leash_lints::Level;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

const EXIT_HELP: &str = "Exit status:\n  0  no findings at or above the failing level\n  1  findings\n  2  usage error, bad configuration, a path or part of the tree that could not be read, output that could not be written, or internal error";

#[derive(Parser)]
#[command(name = "leash", version, about = "Finds unbounded retries, unbounded concurrency, silent fallbacks and missing timeouts in Rust code", after_help = EXIT_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check Rust sources (default: the current directory).
    #[command(after_help = EXIT_HELP)]
    Check(Box<CheckArgs>),
    /// List every lint with its group, default level and summary.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
        format: RulesFormat,
    },
    /// List every retry, concurrency, queue, switching and fallback decision
    /// with its bound (declared or inferred).
    Budgets(BudgetsArgs),
    /// Run a language server over standard input and output, for editors:
    /// diagnostics as you type, quick fixes, and lint documentation on hover
    /// (see docs/editors.md).
    Server,
    /// Print a lint's documentation.
    Explain {
        /// The lint name (see `leash rules`).
        lint: String,
    },
    /// Write one Markdown page per lint (what `explain` prints) and an index
    /// to DIR, or with `--check` say which pages differ (exit 1).
    Docs {
        /// The directory of the pages.
        #[arg(default_value = docs::PAGES_DIR)]
        dir: PathBuf,
        /// Write nothing: exit 1 when a page is missing, differs, or documents
        /// no lint.
        #[arg(long)]
        check: bool,
    },
}

#[derive(Args)]
struct BudgetsArgs {
    /// Files or directories to inventory.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
    format: RulesFormat,
    /// Write the retry call graph as Graphviz DOT to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    graph: Option<PathBuf>,
    /// Include `#[cfg(test)]` code.
    #[arg(long)]
    include_tests: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum RulesFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    /// rustc-style diagnostics.
    Human,
    /// One line per finding: `path:line:col: level[lint] message`.
    Concise,
    /// One JSON object per finding (JSON Lines).
    Json,
    /// SARIF 2.1.0 (GitHub code scanning and other SARIF viewers).
    Sarif,
    /// GitHub Actions annotations (`::warning file=..::message`).
    Github,
    /// GitLab Code Quality report.
    Gitlab,
    /// JUnit XML test report.
    Junit,
    /// Cargo's JSON messages, as `--message-format=json` (for editors).
    RustcJson,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
enum ConfidenceArg {
    High,
    Low,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, PartialOrd, Ord)]
enum FailLevel {
    /// Warnings and errors (also `warning`).
    #[value(alias = "warning")]
    Warn,
    /// Errors only, the findings printed as `error[..]` (also `error`).
    #[value(alias = "error")]
    Deny,
}

/// What `--diff` and `--add-allow` cannot be given with: they print no
/// report (so no format, statistics or report file), read files from disk
/// (not standard input), and look at every finding (no baseline or diff
/// filter). `--staged` checks copies of the staged blobs: there is nothing
/// on disk to write.
const NO_REPORT_CONFLICTS: [&str; 11] = [
    "stdin_filename",
    "write_baseline",
    "baseline",
    "diff_base",
    "format",
    "message_format",
    "statistics",
    "output_file",
    "with_clippy",
    "fix",
    "staged",
];

#[derive(Args)]
struct CheckArgs {
    /// `-W/-D/-A` as given, in command-line order (filled after parsing).
    #[arg(skip)]
    level_order: Vec<(String, Level)>,
    /// Files or directories to check (default: the current directory, or the
    /// Cargo workspace's members under `cargo leash` and with `-p`).
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Cargo's message format: `json` (or `json-diagnostic-*`) is `--format
    /// rustc-json`, for rust-analyzer's `check.overrideCommand`; `short` is
    /// `--format concise`; `human` is `--format human`.
    #[arg(long, value_name = "FMT", conflicts_with = "format")]
    message_format: Option<String>,
    /// Print how many findings each lint gave, most frequent first, instead
    /// of the findings.
    #[arg(long)]
    statistics: bool,
    /// Write the report to this file instead of standard output (replaced
    /// whole: readers never see a partial report).
    #[arg(long, value_name = "PATH")]
    output_file: Option<PathBuf>,
    /// Also run `cargo clippy --message-format=json` and pass its messages
    /// through (with `--message-format=json`, for the editor).
    #[arg(long)]
    with_clippy: bool,
    /// Check only this Cargo workspace member.
    #[arg(short = 'p', long = "package", value_name = "PKG")]
    package: Option<String>,
    /// The Cargo.toml of the workspace to check.
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// Report only findings that are not in this baseline file.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record the current findings in this baseline file and exit.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    write_baseline: Option<PathBuf>,
    /// With `--baseline`: rewrite the baseline without the entries now fixed.
    #[arg(long, requires = "baseline")]
    prune_baseline: bool,
    /// Report only findings on lines added or changed since this git revision.
    #[arg(long, value_name = "REV")]
    diff_base: Option<String>,
    /// Check what would be committed: the staged content of the files (not
    /// the working tree's), reporting only findings on lines the index
    /// changes against HEAD; untracked files and unstaged edits are not seen
    /// (for the `leash-changed` pre-commit hook).
    #[arg(long, conflicts_with_all = ["diff_base", "stdin_filename"])]
    staged: bool,
    /// Read the source from standard input and report it as this path.
    #[arg(long, value_name = "PATH")]
    stdin_filename: Option<PathBuf>,
    /// Apply the fixes that are safe to apply (machine-applicable
    /// suggestions) to the files, then report what is left.
    #[arg(long, conflicts_with_all = ["diff", "stdin_filename", "write_baseline", "staged"])]
    fix: bool,
    /// With `--fix` or `--diff`: also apply the fixes that may change
    /// behaviour or not compile (maybe-incorrect suggestions). Suggestions
    /// with a placeholder are never applied.
    #[arg(long)]
    unsafe_fixes: bool,
    /// Print what `--fix` would change as a unified diff and write nothing
    /// (exit 1 when there is a change). No report is printed.
    #[arg(long, conflicts_with_all = NO_REPORT_CONFLICTS)]
    diff: bool,
    /// Write `// leash: allow(LINT) -- REASON` above every line with a finding
    /// (to adopt leash in existing code; a second run adds nothing). No
    /// report is printed.
    #[arg(long, value_name = "REASON", conflicts_with_all = NO_REPORT_CONFLICTS, conflicts_with = "diff")]
    add_allow: Option<String>,
    /// Report `// leash: allow(..)` comments that suppress nothing (`unused_allow`).
    #[arg(long)]
    report_unused_allows: bool,
    /// Worker threads (default: one per core).
    #[arg(short = 'j', long)]
    jobs: Option<usize>,
    /// Set a lint (or group) to warn.
    #[arg(short = 'W', long = "warn", value_name = "LINT")]
    warn: Vec<String>,
    /// Set a lint (or group) to deny; `-D warnings` makes every warning an error.
    #[arg(short = 'D', long = "deny", value_name = "LINT")]
    deny: Vec<String>,
    /// Set a lint (or group) to allow (off).
    #[arg(short = 'A', long = "allow", value_name = "LINT")]
    allow: Vec<String>,
    /// Check test code too: `tests/`, `benches/`, `examples/`, `build.rs`,
    /// `#[cfg(test)]` modules and `#[test]` functions.
    #[arg(long)]
    include_tests: bool,
    /// Lowest confidence shown: `high` (default) shows what the source proves
    /// a risk; `low` also shows constructs whose risk the source does not show.
    #[arg(long, value_enum)]
    confidence: Option<ConfidenceArg>,
    /// Use this configuration file instead of searching for one.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    config: Option<PathBuf>,
    /// Ignore configuration files.
    #[arg(long)]
    no_config: bool,
    /// Skip files matching this glob (in addition to the configuration's).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Apply the exclusions to files named on the command line (and to
    /// `--stdin-filename`) too; otherwise a named file is always checked.
    #[arg(long)]
    force_exclude: bool,
    /// Lowest level that makes the exit status 1.
    #[arg(long, value_enum, default_value_t = FailLevel::Warn)]
    fail_level: FailLevel,
    /// When to use colours in human output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Skip (and report) files larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = driver::DEFAULT_MAX_FILE_SIZE)]
    max_file_size: u64,
    /// Do not print the summary line.
    #[arg(short, long)]
    quiet: bool,
    /// Also print the configuration used and the throughput.
    #[arg(short, long)]
    verbose: bool,
    /// Do not read or write the result cache (`.leash_cache/`).
    #[arg(long)]
    no_cache: bool,
    /// Keep the result cache in this directory (default: `.leash_cache/` at
    /// the project root; also `LEASH_CACHE_DIR`).
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    cache_dir: Option<PathBuf>,
    /// Parse every file and every function body, even those containing none of
    /// the enabled lints' words (findings are the same; syntax errors inside
    /// skipped code are reported too).
    #[arg(long)]
    no_prefilter: bool,
    /// Print the configuration this run would use, each value with the file
    /// it came from (or `default`, or `command line`), and exit.
    #[arg(long, conflicts_with_all = SHOW_CONFLICTS)]
    show_settings: bool,
    /// Print the files this run would check, one per line, and exit.
    #[arg(long, conflicts_with_all = SHOW_CONFLICTS, conflicts_with = "show_settings")]
    show_files: bool,
    /// Benchmark baselines: stop after reading (`read`) or parsing (`parse`) each file.
    #[arg(long, value_enum, hide = true)]
    bench_mode: Option<BenchArg>,
}

/// What `--show-settings` and `--show-files` cannot be combined with: they
/// print instead of checking, so these would be ignored.
const SHOW_CONFLICTS: [&str; 6] = [
    "statistics",
    "output_file",
    "baseline",
    "write_baseline",
    "diff_base",
    "with_clippy",
];

#[derive(Clone, Copy, ValueEnum)]
enum BenchArg {
    Read,
    Parse,
}

fn main() -> ExitCode {
    keep_freed_memory();
    // `cargo leash check` runs `cargo-leash leash check`.
    let mut argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let as_cargo_subcommand = argv.get(1).is_some_and(|a| a == "leash");
    if as_cargo_subcommand {
        argv.remove(1);
        // `cargo leash` and `cargo leash --format sarif` mean `check`.
        let explicit = argv
            .get(1)
            .and_then(|a| a.to_str())
            .is_some_and(names_a_subcommand);
        if !explicit {
            argv.insert(1, "check".into());
        }
    }
    let parsed = Cli::command()
        .try_get_matches_from(argv)
        .and_then(|m| Cli::from_arg_matches(&m).map(|c| (c, m)));
    let cli = match parsed {
        Ok((mut c, matches)) => {
            if let (Command::Check(args), Some(sub)) =
                (&mut c.command, matches.subcommand_matches("check"))
            {
                args.level_order = level_flags_in_order(sub);
            }
            c
        }
        Err(e) => {
            // Help and version go to stdout: a failed write there is an error too.
            let printed = e.print();
            let failed = printed.is_err_and(|e| e.kind() != std::io::ErrorKind::BrokenPipe);
            return if e.use_stderr() || failed {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let code = match cli.command {
        Command::Check(args) => check(*args, as_cargo_subcommand),
        Command::Rules { format } => rules(format),
        Command::Budgets(args) => budgets_cmd(args),
        Command::Explain { lint } => explain(&lint),
        Command::Docs { dir, check } => docs_cmd(&dir, check),
        Command::Server => match server::run() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => usage_error(&format!("server: {e}")),
        },
    };
    if STDERR_FAILED.load(std::sync::atomic::Ordering::Relaxed) {
        ExitCode::from(2)
    } else {
        code
    }
}

/// Whether `arg`, first after `cargo leash`, is a subcommand (or the top-level
/// help or version flag) rather than a `check` argument. Read from the command
/// definition itself, so a new subcommand needs no second list.
fn names_a_subcommand(arg: &str) -> bool {
    let mut cli = Cli::command();
    // Building adds clap's own `help` subcommand and `-h`/`-V` flags.
    cli.build();
    let subcommand = cli
        .get_subcommands()
        .any(|s| s.get_name() == arg || s.get_all_aliases().any(|a| a == arg));
    let top_level_flag = cli.get_arguments().any(|a| {
        a.get_long()
            .is_some_and(|l| arg.strip_prefix("--") == Some(l))
            || a.get_short().is_some_and(|c| arg == format!("-{c}"))
    });
    subcommand || top_level_flag
}

/// `-W/-D/-A` values with their position on the command line, in that order.
fn level_flags_in_order(m: &clap::ArgMatches) -> Vec<(String, Level)> {
    let mut all: Vec<(usize, String, Level)> = Vec::new();
    for (id, level) in [
        ("warn", Level::Warn),
        ("deny", Level::Deny),
        ("allow", Level::Allow),
    ] {
        if let (Some(idx), Some(vals)) = (m.indices_of(id), m.get_many::<String>(id)) {
            all.extend(idx.zip(vals).map(|(i, v)| (i, v.clone(), level)));
        }
    }
    all.sort_by_key(|(i, _, _)| *i);
    all.into_iter().map(|(_, n, l)| (n, l)).collect()
}

fn usage_error(msg: &str) -> ExitCode {
    say!("error: {msg}");
    ExitCode::from(2)
}

fn check(mut args: CheckArgs, as_cargo_subcommand: bool) -> ExitCode {
    let start = std::time::Instant::now();
    let format = match args.message_format.as_deref() {
        None => args.format,
        Some(f) if f.starts_with("json") => Format::RustcJson,
        Some("human") => Format::Human,
        Some("short") => Format::Concise,
        Some(other) => {
            return usage_error(&format!(
                "unsupported --message-format `{other}` (use `json`, `short` or `human`)"
            ))
        }
    };
    if args.statistics && !matches!(format, Format::Human | Format::Concise) {
        return usage_error(
            "--statistics prints a table: it replaces the human or concise report, not a machine-readable one",
        );
    }
    if args.with_clippy && format != Format::RustcJson {
        return usage_error("--with-clippy needs --message-format=json");
    }
    if args.unsafe_fixes && !args.fix && !args.diff {
        return usage_error(
            "--unsafe-fixes widens what --fix or --diff applies: give one of them too",
        );
    }
    if let Some(reason) = &args.add_allow {
        if reason.trim().is_empty() || reason.contains(['\n', '\r']) {
            return usage_error(
                "--add-allow needs a reason on one line: `--add-allow \"legacy code, reviewed in #123\"`",
            );
        }
    }
    let ws = match integrate::workspace_paths(&mut args, as_cargo_subcommand, format) {
        Ok(ws) => ws,
        Err(e) => return usage_error(&e),
    };
    if args.paths.is_empty() {
        args.paths.push(PathBuf::from("."));
    }
    let stdin_text = match &args.stdin_filename {
        Some(name) => {
            let mut text = String::new();
            if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut text) {
                return usage_error(&format!("cannot read standard input: {e}"));
            }
            args.paths = vec![name.clone()];
            Some(text)
        }
        None => None,
    };
    let mut overrides = Vec::new();
    // Later flags win: `-A all -W unbounded_retry` checks only that lint.
    let order = if args.level_order.is_empty() {
        let mut v: Vec<(String, Level)> = Vec::new();
        v.extend(args.warn.iter().map(|n| (n.clone(), Level::Warn)));
        v.extend(args.deny.iter().map(|n| (n.clone(), Level::Deny)));
        v.extend(args.allow.iter().map(|n| (n.clone(), Level::Allow)));
        v
    } else {
        args.level_order.clone()
    };
    // `-D warnings` (as with rustc and Clippy) turns every warning shown into
    // an error, whatever the order of the other flags; the last of `-D/-W/-A
    // warnings` wins.
    let mut warnings = Level::Warn;
    for (n, level) in &order {
        if n == "warnings" {
            warnings = *level;
            continue;
        }
        if n != "all"
            && leash_lints::lint_by_name(n).is_none()
            && !leash_lints::groups().contains(&n.as_str())
        {
            return usage_error(&config::unknown_lint(n));
        }
        overrides.push((n.clone(), *level));
    }
    let first_path = args
        .paths
        .first()
        .map(PathBuf::as_path)
        .unwrap_or(std::path::Path::new("."));
    let config = if args.no_config {
        Ok(Config::defaults(first_path))
    } else if let Some(path) = &args.config {
        Config::load(path)
    } else {
        Config::discover(first_path)
    };
    let mut config = match config {
        Ok(c) => c,
        Err(e) => return usage_error(&format!("bad configuration: {e}")),
    };
    config
        .exclude
        .extend(args.exclude.iter().map(|g| config::RootedGlob {
            glob: g.clone(),
            root: config.root.clone(),
            source: None,
        }));
    // `unused_allow` speaks only when asked for, and then at least as a warning.
    if !args.report_unused_allows {
        overrides.push(("unused_allow".into(), Level::Allow));
    } else if driver::with_flags(&overrides, "unused_allow", config.level_of("unused_allow"))
        == Level::Allow
    {
        overrides.push(("unused_allow".into(), Level::Warn));
    }
    let cache_dir = (!args.no_cache).then(|| cache_dir(args.cache_dir.as_deref(), &config));
    if args.show_settings {
        let mut out = std::io::stdout().lock();
        return match settings::write(&mut out, &config, &overrides, cache_dir.as_deref()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => write_failed(&e),
        };
    }
    let mut excludes = match walk::Excludes::new(&config.exclude) {
        Ok(e) => e,
        Err(e) => return usage_error(&e),
    };
    excludes.force = args.force_exclude;
    let mut stdin_file = None;
    let walked = match (&stdin_text, &args.stdin_filename) {
        (Some(text), Some(name)) => {
            if excludes.force && excludes.is_excluded(name) {
                walk::Walked {
                    files: Vec::new(),
                    errors: Vec::new(),
                }
            } else {
                match integrate::StdinFile::create(name, text) {
                    Ok(f) => {
                        let files = vec![f.path.clone()];
                        stdin_file = Some(f);
                        walk::Walked {
                            files,
                            errors: Vec::new(),
                        }
                    }
                    Err(e) => return usage_error(&format!("cannot stage standard input: {e}")),
                }
            }
        }
        _ => walk::walk(
            &args.paths,
            &excludes,
            args.include_tests || config.include_tests,
        ),
    };
    for (path, err) in &walked.errors {
        say!("error: {}: {err}", driver::display_path(path));
    }
    // A path asked for that is missing (or not a file or directory) is a usage
    // error: nothing is checked, and no summary says "0 findings".
    if walked.errors.iter().any(|(p, _)| args.paths.contains(p)) {
        return ExitCode::from(2);
    }
    let staged_tree = if args.staged {
        match diff::StagedTree::create(&walked.files, first_path) {
            Ok(tree) => Some(tree),
            Err(e) => return usage_error(&e),
        }
    } else {
        None
    };
    if args.show_files {
        // Under `--staged`, the files whose staged content would be checked.
        let listed: Vec<&PathBuf> = match &staged_tree {
            Some(tree) => tree.files.iter().map(|(_, original)| original).collect(),
            None => walked.files.iter().collect(),
        };
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        let written = listed
            .iter()
            .try_for_each(|f| writeln!(out, "{}", driver::display_path(f)))
            .and_then(|()| out.flush());
        return match written {
            Ok(()) if walked.errors.is_empty() => ExitCode::SUCCESS,
            Ok(()) => ExitCode::from(2),
            Err(e) => write_failed(&e),
        };
    }
    let mut walked = walked;
    if let Some(tree) = &staged_tree {
        walked.files = tree.files.iter().map(|(copy, _)| copy.clone()).collect();
    }
    // Nothing to check is no failure (as with ruff), but it is said: a typo'd
    // directory or a misplaced exclude would otherwise look like a clean tree.
    // The reports are still written (empty), for the CI steps that read them.
    let nothing_found = walked.files.is_empty() && walked.errors.is_empty() && stdin_text.is_none();
    if nothing_found && !args.quiet {
        let paths: Vec<String> = args.paths.iter().map(|p| driver::display_path(p)).collect();
        let staged = if args.staged { "staged " } else { "" };
        say!(
            "warning: no {staged}Rust files found under {}",
            paths.join(", ")
        );
    }
    // Part of the tree was not read: the run cannot pass (as ripgrep exits 2).
    let walk_failed = !walked.errors.is_empty();
    if args.verbose {
        if config.layers.is_empty() {
            say!("configuration: defaults (no leash.toml or Cargo.toml metadata found)");
        }
        for (i, p) in config.layers.iter().enumerate() {
            let role = if i + 1 == config.layers.len() {
                ""
            } else {
                " (layered under the next)"
            };
            say!("configuration: {}{role}", p.display());
        }
    }
    let include_tests = args.include_tests || config.include_tests;
    let min_confidence = match args.confidence {
        Some(ConfidenceArg::High) => leash_lints::Confidence::High,
        Some(ConfidenceArg::Low) => leash_lints::Confidence::Low,
        None => config.confidence,
    };
    let config_file = config.source.clone();
    if let (true, Some(dir)) = (args.verbose, &cache_dir) {
        say!("cache: {}", dir.display());
    }
    let perf = driver::PerfOptions {
        no_prefilter: args.no_prefilter,
        // Standard input and staged copies live under new temporary names every
        // time: an entry for them would never be found again.
        cache_dir: cache_dir
            .filter(|_| args.bench_mode.is_none() && args.stdin_filename.is_none() && !args.staged),
        bench: args.bench_mode.map(|b| match b {
            BenchArg::Read => driver::BenchMode::Read,
            BenchArg::Parse => driver::BenchMode::Parse,
        }),
    };
    // What the run says besides the report, and whether a fix failed.
    let mut notes = Vec::new();
    let mut fix_failed = false;
    let opts = RunOptions {
        config,
        overrides,
        include_tests,
        min_confidence,
        named_files: args.paths.iter().filter(|p| p.is_file()).cloned().collect(),
        jobs: args.jobs,
        max_file_size: args.max_file_size,
        inventory: false,
        perf,
    };
    let clippy = if args.with_clippy {
        match integrate::Clippy::spawn(args.package.as_deref(), args.manifest_path.as_deref()) {
            Ok(c) => Some(c),
            Err(e) => return usage_error(&e),
        }
    } else {
        None
    };
    let mut result = run_checks(&walked.files, &opts, warnings);
    if args.fix || args.diff || args.add_allow.is_some() {
        match fix_files(&args, &result, &opts, warnings, walk_failed) {
            Ok(fixed) => {
                if !args.quiet {
                    notes.push(fixed.note);
                }
                fix_failed = fixed.failed;
                if fixed.changed {
                    result = run_checks(&walked.files, &opts, warnings);
                }
            }
            Err(code) => return code,
        }
    }
    if opts.config.source.is_some() && policy_use::covers_project(&args.paths, &opts.config.root) {
        policy_use::report_unused(&mut result, &opts, &walked.files);
    }
    result.walk_errors = walked
        .errors
        .iter()
        .map(|(path, err)| driver::WalkError {
            path: path.clone(),
            display: driver::display_path(path),
            message: err.clone(),
        })
        .collect();
    if let (Some(staged), Some(name)) = (&stdin_file, &args.stdin_filename) {
        staged.restore_names(&mut result, name);
    }
    drop(stdin_file);
    if let Some(tree) = staged_tree {
        tree.restore_names(&mut result);
    }

    // Repository-relative paths and fingerprints, for the formats and modes that use them.
    let needs_anchors = args.baseline.is_some()
        || args.write_baseline.is_some()
        || matches!(
            format,
            Format::Sarif | Format::Github | Format::Gitlab | Format::Junit
        );
    let root = if needs_anchors {
        fingerprint::repo_root()
    } else {
        PathBuf::new()
    };
    let mut anchors = if needs_anchors {
        fingerprint::compute(&result, &root)
    } else {
        fingerprint::Anchors::default()
    };
    if let Some(path) = &args.write_baseline {
        let b = baseline::Baseline::from_findings(&result, &anchors);
        if let Err(e) = b.write_atomic(path) {
            return usage_error(&format!("cannot write baseline {}: {e}", path.display()));
        }
        for err in &result.internal_errors {
            say!("error: {err}");
        }
        if !args.quiet {
            say!(
                "wrote {} finding{} to baseline {}",
                b.findings.len(),
                if b.findings.len() == 1 { "" } else { "s" },
                path.display()
            );
        }
        return if result.internal_errors.is_empty() && !walk_failed {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(2)
        };
    }
    if let Some(path) = &args.baseline {
        let b = match baseline::Baseline::load(path) {
            Ok(b) => b,
            Err(e) => return usage_error(&e),
        };
        let applied = b.apply(&anchors);
        integrate::retain(&mut result, &mut anchors, &applied.new);
        notes.push(format!(
            "baseline: {} known finding{} not shown, {} baseline entr{} fixed",
            applied.still_present.len(),
            if applied.still_present.len() == 1 {
                ""
            } else {
                "s"
            },
            applied.fixed,
            if applied.fixed == 1 { "y" } else { "ies" },
        ));
        if args.prune_baseline {
            if applied.fixed > 0 {
                let pruned = baseline::Baseline {
                    version: baseline::VERSION,
                    findings: applied.still_present,
                };
                if let Err(e) = pruned.write_atomic(path) {
                    return usage_error(&format!("cannot write baseline {}: {e}", path.display()));
                }
                notes.push(format!(
                    "baseline: removed {} fixed entr{} from {}",
                    applied.fixed,
                    if applied.fixed == 1 { "y" } else { "ies" },
                    path.display()
                ));
            }
        } else if applied.fixed > 0 {
            notes.push("baseline: --prune-baseline removes the fixed entries".into());
        }
    }
    let changes = match (&args.diff_base, args.staged) {
        (Some(rev), _) => Some(diff::changes_since(rev, &args.paths[0])),
        (None, true) => Some(diff::staged_changes(&args.paths[0])),
        (None, false) => None,
    };
    if let Some(changes) = changes {
        let changes = match changes {
            Ok(c) => c,
            Err(e) => return usage_error(&e),
        };
        let keep: Vec<bool> = (0..result.findings.len())
            .map(|i| changes.keep(&result, i))
            .collect();
        integrate::retain(&mut result, &mut anchors, &keep);
    }

    let report = Report {
        result: &result,
        anchors: &anchors,
        root: &root,
        config_file: config_file.as_deref(),
        workspace: ws.as_ref(),
        format,
        statistics: args.statistics,
    };
    let emitted = match &args.output_file {
        Some(path) => {
            let mut text = NoColor::new(Vec::new());
            match report.write(&mut text) {
                Ok(()) => write_atomically(path, &text.into_inner())
                    .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
                Err(e) => Err(e),
            }
        }
        None if format == Format::Human && !args.statistics => {
            let choice = match args.color {
                Color::Always => ColorChoice::Always,
                Color::Never => ColorChoice::Never,
                Color::Auto if std::io::IsTerminal::is_terminal(&std::io::stdout()) => {
                    ColorChoice::Auto
                }
                Color::Auto => ColorChoice::Never,
            };
            report.write(&mut StandardStream::stdout(choice))
        }
        None => {
            let mut out = NoColor::new(std::io::BufWriter::new(std::io::stdout().lock()));
            report.write(&mut out).and_then(|_| out.flush())
        }
    };
    let clippy_failed = match clippy {
        Some(c) => match c.pass_through() {
            Ok(ok) => !ok,
            Err(e) => {
                say!("error: cargo clippy: {e}");
                true
            }
        },
        None => false,
    };
    if let Err(e) = emitted {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            say!("error: cannot write output: {e}");
            return ExitCode::from(2);
        }
    }
    for err in &result.internal_errors {
        say!("error: {err}");
    }
    if !args.quiet {
        for n in &notes {
            say!("{n}");
        }
        if !nothing_found {
            say!("{}", output::summary(&result, start.elapsed().as_millis()));
        }
    }
    if args.verbose {
        let secs = start.elapsed().as_secs_f64().max(1e-9);
        say!(
            "read {:.1} MB at {:.1} MB/s",
            result.bytes as f64 / 1e6,
            result.bytes as f64 / 1e6 / secs
        );
    }
    if std::env::var_os("LEASH_STATS").is_some() {
        say!(
            "stats: files={} bytes={} unparsed={} prefiltered={} cache_hits={} ms={}",
            result.files.len(),
            result.bytes,
            result.unparsed,
            result.prefiltered,
            result.cache_hits,
            start.elapsed().as_millis()
        );
    }
    if !result.internal_errors.is_empty() || walk_failed || fix_failed {
        return ExitCode::from(2);
    }
    let threshold = match args.fail_level {
        FailLevel::Warn => Level::Warn,
        FailLevel::Deny => Level::Deny,
    };
    if clippy_failed || result.findings.iter().any(|f| f.level >= threshold) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// What `--fix` did, for the report that follows it.
struct Fixed {
    /// `fixed N findings in M files`.
    note: String,
    /// A file was changed: the report checks the files again.
    changed: bool,
    /// A file could not be fixed or written: the run exits 2.
    failed: bool,
}

/// `--fix`, `--diff` or `--add-allow` on a run's findings (`walk_failed`:
/// part of the tree could not be read). `--diff` and `--add-allow` end the
/// run (`Err` with its exit status), as does output that cannot be written;
/// `--fix` is followed by the report.
fn fix_files(
    args: &CheckArgs,
    result: &driver::RunResult,
    opts: &RunOptions,
    warnings: Level,
    walk_failed: bool,
) -> Result<Fixed, ExitCode> {
    let recheck = |path: &str, text: &str| recheck(path, text, opts, warnings);
    let mut stdout = std::io::stdout().lock();
    let action = match (&args.add_allow, args.diff) {
        (Some(reason), _) => fix::Action::AddAllow { reason },
        (None, true) => fix::Action::Diff {
            unsafe_fixes: args.unsafe_fixes,
            out: &mut stdout,
        },
        (None, false) => fix::Action::Write {
            unsafe_fixes: args.unsafe_fixes,
        },
    };
    let done = match fix::run(result, &recheck, action) {
        Ok(done) => done,
        Err(e) => {
            say!("error: cannot write output: {e}");
            return Err(ExitCode::from(2));
        }
    };
    drop(stdout);
    for file in &done.broke_parse {
        say!("error: {file}: fixes left out: the fixed text does not parse (the file is unchanged by them)");
    }
    for e in &done.errors {
        say!("error: {e}");
    }
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let failed = !done.errors.is_empty() || !done.broke_parse.is_empty();
    if args.fix {
        return Ok(Fixed {
            note: format!(
                "fixed {} in {}",
                plural(done.applied, "finding", "findings"),
                plural(done.files, "file", "files")
            ),
            changed: done.files > 0,
            failed,
        });
    }
    if !args.quiet {
        let (what, verb) = if args.diff {
            (plural(done.applied, "fix", "fixes"), "would change")
        } else {
            (
                plural(done.applied, "suppression", "suppressions"),
                "added to",
            )
        };
        say!("{what} {verb} {}", plural(done.files, "file", "files"));
    }
    Err(
        if failed || walk_failed || !result.internal_errors.is_empty() {
            ExitCode::from(2)
        } else if args.diff && done.files > 0 {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        },
    )
}

/// Checks `files`, with `-D/-W/-A warnings` (`warnings`) applied to the
/// findings at warn level.
fn run_checks(files: &[PathBuf], opts: &RunOptions, warnings: Level) -> driver::RunResult {
    let mut result = driver::run(files, opts);
    match warnings {
        Level::Deny => {
            for f in result
                .findings
                .iter_mut()
                .filter(|f| f.level == Level::Warn)
            {
                f.level = Level::Deny;
            }
        }
        Level::Allow => {
            let keep: Vec<bool> = result
                .findings
                .iter()
                .map(|f| f.level != Level::Warn)
                .collect();
            integrate::retain(&mut result, &mut fingerprint::Anchors::default(), &keep);
        }
        Level::Warn => {}
    }
    result
}

/// The findings `check` would show in one file's `text` (between rounds of
/// `--fix`), with `-A warnings` applied.
fn recheck(
    path: &str,
    text: &str,
    opts: &RunOptions,
    warnings: Level,
) -> Vec<leash_lints::Finding> {
    driver::check_text(path, text, opts)
        .into_iter()
        .filter(|(level, _)| *level != Level::Warn || warnings != Level::Allow)
        .map(|(_, f)| f)
        .collect()
}

/// What `check` prints, and where it takes it from.
struct Report<'a> {
    result: &'a driver::RunResult,
    anchors: &'a fingerprint::Anchors,
    root: &'a std::path::Path,
    config_file: Option<&'a std::path::Path>,
    workspace: Option<&'a cargo::Workspace>,
    format: Format,
    statistics: bool,
}

impl Report<'_> {
    fn write<W: WriteColor>(&self, out: &mut W) -> std::io::Result<()> {
        let r = self.result;
        if self.statistics {
            return output::concise::emit_statistics(r, out);
        }
        match self.format {
            Format::Human => output::human::emit(r, out),
            Format::Concise => output::concise::emit(r, out),
            Format::Json => output::json::emit(r, out),
            Format::Sarif => output::sarif::emit(r, self.anchors, self.root, self.config_file, out),
            Format::Github => output::github::emit(r, self.anchors, out),
            Format::Gitlab => output::gitlab::emit(r, self.anchors, self.root, out),
            Format::Junit => output::junit::emit(r, self.anchors, out),
            Format::RustcJson => output::rustc_json::emit(r, self.workspace, out),
        }
    }
}

fn rules(format: RulesFormat) -> ExitCode {
    let mut out = std::io::stdout().lock();
    for lint in leash_lints::rules::ALL {
        let r = match format {
            RulesFormat::Human => writeln!(
                out,
                "{:<24} {:<12} {:<6} {}",
                lint.name,
                lint.group,
                lint.default_level.as_str(),
                lint.summary
            ),
            RulesFormat::Json => writeln!(
                out,
                "{}",
                serde_json::json!({
                    "name": lint.name,
                    "group": lint.group,
                    "default_level": lint.default_level.as_str(),
                    "summary": lint.summary,
                })
            ),
        };
        if let Err(e) = r {
            return write_failed(&e);
        }
    }
    ExitCode::SUCCESS
}

/// A write to standard output failed: a closed pipe (`leash rules | head`)
/// ends the run quietly; anything else (a full disk) is an error.
fn write_failed(e: &std::io::Error) -> ExitCode {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return ExitCode::SUCCESS;
    }
    let _ = writeln!(std::io::stderr(), "error: cannot write output: {e}");
    ExitCode::from(2)
}

fn explain(name: &str) -> ExitCode {
    match leash_lints::lint_by_name(name) {
        Some(lint) => {
            let text = docs::explanation(lint);
            match std::io::stdout().lock().write_all(text.as_bytes()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => write_failed(&e),
            }
        }
        None => usage_error(&config::unknown_lint(name)),
    }
}

fn docs_cmd(dir: &std::path::Path, check: bool) -> ExitCode {
    if check {
        let stale = docs::stale(dir);
        for problem in &stale {
            say!("{}/{problem}", dir.display());
        }
        if stale.is_empty() {
            return ExitCode::SUCCESS;
        }
        say!("run `leash docs {}` to regenerate the pages", dir.display());
        return ExitCode::from(1);
    }
    if let Err(e) = std::fs::create_dir_all(dir) {
        return usage_error(&format!("cannot create {}: {e}", dir.display()));
    }
    for (name, text) in docs::pages() {
        let path = dir.join(name);
        if let Err(e) = write_atomically(&path, text.as_bytes()) {
            return usage_error(&format!("cannot write {}: {e}", path.display()));
        }
    }
    ExitCode::SUCCESS
}

fn budgets_cmd(args: BudgetsArgs) -> ExitCode {
    let first = args
        .paths
        .first()
        .map(PathBuf::as_path)
        .unwrap_or(std::path::Path::new("."));
    let config = match Config::discover(first) {
        Ok(c) => c,
        Err(e) => return usage_error(&format!("bad configuration: {e}")),
    };
    let excludes = match walk::Excludes::new(&config.exclude) {
        Ok(e) => e,
        Err(e) => return usage_error(&e),
    };
    let walked = walk::walk(
        &args.paths,
        &excludes,
        args.include_tests || config.include_tests,
    );
    for (path, err) in &walked.errors {
        say!("error: {}: {err}", driver::display_path(path));
    }
    if !walked.errors.is_empty() {
        return ExitCode::from(2);
    }
    let include_tests = args.include_tests || config.include_tests;
    // The inventory lists every decision, whatever the lint levels say.
    let opts = RunOptions {
        config,
        overrides: vec![("all".to_string(), Level::Warn)],
        include_tests,
        min_confidence: leash_lints::Confidence::Low,
        named_files: args.paths.iter().filter(|p| p.is_file()).cloned().collect(),
        jobs: None,
        max_file_size: driver::DEFAULT_MAX_FILE_SIZE,
        // The inventory needs every file's summaries: no prefilter, no cache.
        perf: driver::PerfOptions {
            no_prefilter: true,
            ..Default::default()
        },
        inventory: true,
    };
    let result = driver::run(&walked.files, &opts);
    let rows = budgets::rows(&result);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = match args.format {
        RulesFormat::Human => budgets::print_table(&rows, &mut out),
        RulesFormat::Json => budgets::print_json(&rows, &mut out),
    };
    if let Err(e) = written.and_then(|_| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            say!("error: cannot write output: {e}");
            return ExitCode::from(2);
        }
    }
    if let Some(path) = &args.graph {
        let dot = budgets::graph_dot(&result);
        if path.as_os_str() == "-" {
            if let Err(e) = std::io::stdout().lock().write_all(dot.as_bytes()) {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    say!("error: cannot write output: {e}");
                    return ExitCode::from(2);
                }
            }
        } else if let Err(e) = write_atomically(path, dot.as_bytes()) {
            say!("error: cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    for err in &result.internal_errors {
        say!("error: {err}");
    }
    if result.internal_errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

/// The result cache's directory: `--cache-dir`, else `LEASH_CACHE_DIR`, else
/// `.leash_cache/` at the project root (beside the configuration, or at the
/// workspace root), wherever leash runs from.
fn cache_dir(flag: Option<&std::path::Path>, config: &Config) -> PathBuf {
    flag.map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("LEASH_CACHE_DIR")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .unwrap_or_else(|| config.project_root.join(".leash_cache"))
}

/// Writes a file so that readers see the old or the new contents, never a mix.
fn write_atomically(path: &std::path::Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    crate::atomic::write(path, |mut file| {
        file.write_all(data)?;
        Ok(file)
    })
}

#[cfg(test)]
mod allocator_tests {
    #[test]
    fn purge_delay_option_is_the_one_set() {
        // mimalloc v3's default purge delay is 1000 ms (options.c): the index names it.
        // SAFETY: reads a process-wide allocator option.
        let delay = unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        assert_eq!(delay, 1000);
    }
}
