//! `leash`: finds retry and concurrency anti-patterns in Rust source.

mod budgets;
mod config;
mod driver;
mod output;
mod source_map;
mod walk;

use clap::{Args, Parser, Subcommand, ValueEnum};
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};
use config::Config;
use driver::RunOptions;
use leash_lints::Level;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

const EXIT_HELP: &str = "Exit status:\n  0  no findings at or above the failing level\n  1  findings\n  2  usage error, bad configuration, or internal error";

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
    Check(CheckArgs),
    /// List every lint with its group, default level and summary.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
        format: RulesFormat,
    },
    /// List every retry, concurrency, queue, switching and fallback decision
    /// with its bound (declared or inferred).
    Budgets(BudgetsArgs),
    /// Print a lint's documentation.
    Explain {
        /// The lint name (see `leash rules`).
        lint: String,
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
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, PartialOrd, Ord)]
enum FailLevel {
    Warn,
    Deny,
}

#[derive(Args)]
struct CheckArgs {
    /// Files or directories to check.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Worker threads (default: one per core).
    #[arg(short = 'j', long)]
    jobs: Option<usize>,
    /// Set a lint (or group) to warn.
    #[arg(short = 'W', long = "warn", value_name = "LINT")]
    warn: Vec<String>,
    /// Set a lint (or group) to deny.
    #[arg(short = 'D', long = "deny", value_name = "LINT")]
    deny: Vec<String>,
    /// Set a lint (or group) to allow (off).
    #[arg(short = 'A', long = "allow", value_name = "LINT")]
    allow: Vec<String>,
    /// Check `#[cfg(test)]` modules and `#[test]` functions too.
    #[arg(long)]
    include_tests: bool,
    /// Use this configuration file instead of searching for one.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    config: Option<PathBuf>,
    /// Ignore configuration files.
    #[arg(long)]
    no_config: bool,
    /// Skip files matching this glob (in addition to the configuration's).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
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
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli.command {
        Command::Check(args) => check(args),
        Command::Rules { format } => rules(format),
        Command::Budgets(args) => budgets_cmd(args),
        Command::Explain { lint } => explain(&lint),
    }
}

fn usage_error(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

fn check(args: CheckArgs) -> ExitCode {
    let start = std::time::Instant::now();
    let mut overrides = Vec::new();
    for (names, level) in [
        (&args.warn, Level::Warn),
        (&args.deny, Level::Deny),
        (&args.allow, Level::Allow),
    ] {
        for n in names {
            if n != "all"
                && leash_lints::lint_by_name(n).is_none()
                && !leash_lints::groups().contains(&n.as_str())
            {
                return usage_error(&format!(
                    "unknown lint `{n}` (run `leash rules` for the list)"
                ));
            }
            overrides.push((n.clone(), level));
        }
    }
    let config = if args.no_config {
        Ok(Config {
            root: std::env::current_dir().unwrap_or_default(),
            ..Config::default()
        })
    } else if let Some(path) = &args.config {
        Config::load(path)
    } else {
        Config::discover(
            args.paths
                .first()
                .map(PathBuf::as_path)
                .unwrap_or(std::path::Path::new(".")),
        )
    };
    let config = match config {
        Ok(c) => c,
        Err(e) => return usage_error(&format!("bad configuration: {e}")),
    };
    let mut globs = config.exclude.clone();
    globs.extend(args.exclude.iter().cloned());
    let excludes = match walk::Excludes::new(&globs, &config.root) {
        Ok(e) => e,
        Err(e) => return usage_error(&e),
    };
    let walked = walk::walk(&args.paths, &excludes);
    for (path, err) in &walked.errors {
        eprintln!("error: {}: {err}", driver::display_path(path));
    }
    let walk_failed = walked.bad_roots > 0;
    if args.verbose {
        match &config.source {
            Some(p) => eprintln!("configuration: {}", p.display()),
            None => {
                eprintln!("configuration: defaults (no leash.toml or Cargo.toml metadata found)")
            }
        }
    }
    let include_tests = args.include_tests || config.include_tests;
    let opts = RunOptions {
        config,
        overrides,
        include_tests,
        jobs: args.jobs,
        max_file_size: args.max_file_size,
        inventory: false,
    };
    let result = driver::run(&walked.files, &opts);

    let emitted = match args.format {
        Format::Human => {
            let choice = match args.color {
                Color::Always => ColorChoice::Always,
                Color::Never => ColorChoice::Never,
                Color::Auto if std::io::IsTerminal::is_terminal(&std::io::stdout()) => {
                    ColorChoice::Auto
                }
                Color::Auto => ColorChoice::Never,
            };
            let mut out = StandardStream::stdout(choice);
            output::human::emit(&result, &mut out)
        }
        Format::Json => {
            let stdout = std::io::stdout();
            let mut lock = std::io::BufWriter::new(stdout.lock());
            output::json::emit(&result, &mut lock).and_then(|_| lock.flush())
        }
    };
    if let Err(e) = emitted {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write output: {e}");
            return ExitCode::from(2);
        }
    }
    for err in &result.internal_errors {
        eprintln!("error: {err}");
    }
    if !args.quiet {
        eprintln!("{}", output::summary(&result, start.elapsed().as_millis()));
    }
    if args.verbose {
        let secs = start.elapsed().as_secs_f64().max(1e-9);
        eprintln!(
            "read {:.1} MB at {:.1} MB/s",
            result.bytes as f64 / 1e6,
            result.bytes as f64 / 1e6 / secs
        );
    }
    if !result.internal_errors.is_empty() || walk_failed {
        return ExitCode::from(2);
    }
    let threshold = match args.fail_level {
        FailLevel::Warn => Level::Warn,
        FailLevel::Deny => Level::Deny,
    };
    if result.findings.iter().any(|f| f.level >= threshold) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
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
        if r.is_err() {
            break;
        }
    }
    ExitCode::SUCCESS
}

fn explain(name: &str) -> ExitCode {
    match leash_lints::lint_by_name(name) {
        Some(lint) => {
            println!(
                "# {} ({}, {} by default)\n",
                lint.name,
                lint.group,
                lint.default_level.as_str()
            );
            println!("{}\n", lint.summary);
            print!("{}", lint.docs);
            ExitCode::SUCCESS
        }
        None => usage_error(&format!(
            "unknown lint `{name}` (run `leash rules` for the list)"
        )),
    }
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
    let excludes = match walk::Excludes::new(&config.exclude, &config.root) {
        Ok(e) => e,
        Err(e) => return usage_error(&e),
    };
    let walked = walk::walk(&args.paths, &excludes);
    for (path, err) in &walked.errors {
        eprintln!("error: {}: {err}", driver::display_path(path));
    }
    if walked.bad_roots > 0 {
        return ExitCode::from(2);
    }
    let include_tests = args.include_tests || config.include_tests;
    // The inventory lists every decision, whatever the lint levels say.
    let opts = RunOptions {
        config,
        overrides: vec![("all".to_string(), Level::Warn)],
        include_tests,
        jobs: None,
        max_file_size: driver::DEFAULT_MAX_FILE_SIZE,
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
            eprintln!("error: cannot write output: {e}");
            return ExitCode::from(2);
        }
    }
    if let Some(path) = &args.graph {
        let dot = budgets::graph_dot(&result);
        if path.as_os_str() == "-" {
            print!("{dot}");
        } else if let Err(e) = write_atomically(path, dot.as_bytes()) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    for err in &result.internal_errors {
        eprintln!("error: {err}");
    }
    if result.internal_errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

/// Writes a file so that readers see the old or the new contents, never a mix.
fn write_atomically(path: &std::path::Path, data: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, data)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
