//! The command line: the arguments of each subcommand (clap) and what runs
//! them, one file per subcommand.

mod budgets;
mod check;
mod docs;
mod integrate;
mod rules;

use crate::config::Config;
use crate::server;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
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
        #[arg(default_value = crate::docs::PAGES_DIR)]
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
    #[arg(long, value_name = "BYTES", default_value_t = crate::driver::DEFAULT_MAX_FILE_SIZE)]
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

/// Parses the command line and runs the subcommand.
pub fn run() -> ExitCode {
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
        Command::Check(args) => check::check(*args, as_cargo_subcommand),
        Command::Rules { format } => rules::rules(format),
        Command::Budgets(args) => budgets::budgets(args),
        Command::Explain { lint } => rules::explain(&lint),
        Command::Docs { dir, check } => docs::docs(&dir, check),
        Command::Server => match server::run() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => usage_error(&format!("server: {e}")),
        },
    };
    if crate::STDERR_FAILED.load(std::sync::atomic::Ordering::Relaxed) {
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

/// A write to standard output failed: a closed pipe (`leash rules | head`)
/// ends the run quietly; anything else (a full disk) is an error.
fn write_failed(e: &std::io::Error) -> ExitCode {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return ExitCode::SUCCESS;
    }
    let _ = writeln!(std::io::stderr(), "error: cannot write output: {e}");
    ExitCode::from(2)
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
