//! `leash check`: walk, analyse, fix, filter by baseline or diff, report.

use super::integrate;
use super::{
    cache_dir, usage_error, write_atomically, write_failed, BenchArg, CheckArgs, Color,
    ConfidenceArg, FailLevel, Format,
};
use crate::config::{self, Config};
use crate::driver::{self, RunOptions};
use crate::{baseline, cargo, diff, fingerprint, fix, output, policy_use, settings, walk};
use codespan_reporting::term::termcolor::{ColorChoice, NoColor, StandardStream, WriteColor};
use leash_lints::Level;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit 0 clean, 1 findings, 2 usage error, unread input or internal error.
pub fn check(args: CheckArgs, as_cargo_subcommand: bool) -> ExitCode {
    match run(args, as_cargo_subcommand) {
        Ok(code) | Err(code) => code,
    }
}

/// The run, phase by phase; `Err` ends it early with that status.
fn run(mut args: CheckArgs, as_cargo_subcommand: bool) -> Result<ExitCode, ExitCode> {
    let start = std::time::Instant::now();
    let format = output_format(&args)?;
    let ws = integrate::workspace_paths(&mut args, as_cargo_subcommand, format)
        .map_err(|e| usage_error(&e))?;
    if args.paths.is_empty() {
        args.paths.push(PathBuf::from("."));
    }
    let stdin_text = read_stdin(&mut args)?;
    let (mut overrides, warnings) = level_flags(&args)?;
    let config = load_config(&args)?;
    overrides.extend(unused_allow_level(&args, &config, &overrides));
    let cache_dir = (!args.no_cache).then(|| cache_dir(args.cache_dir.as_deref(), &config));
    if args.show_settings {
        let mut out = std::io::stdout().lock();
        return Ok(
            match settings::write(&mut out, &config, &overrides, cache_dir.as_deref()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => write_failed(&e),
            },
        );
    }
    let inputs = Inputs::gather(&args, &config, stdin_text.as_deref())?;
    if args.show_files {
        return Ok(inputs.show_files());
    }
    let nothing_found = inputs.nothing_found(&args);
    // Part of the tree was not read: the run cannot pass (as ripgrep exits 2).
    let walk_failed = !inputs.walked.errors.is_empty();
    if args.verbose {
        say_configuration(&config, cache_dir.as_deref());
    }
    let config_file = config.source.clone();
    let opts = run_options(&args, config, overrides, cache_dir);
    let clippy = if args.with_clippy {
        let c = integrate::Clippy::spawn(args.package.as_deref(), args.manifest_path.as_deref());
        Some(c.map_err(|e| usage_error(&e))?)
    } else {
        None
    };
    let (mut result, mut said) = analyse(&args, &opts, inputs, warnings)?;
    said.nothing_found = nothing_found;
    said.walk_failed = walk_failed;

    let (root, mut anchors) = anchors(&args, format, &result);
    if let Some(path) = &args.write_baseline {
        return Ok(write_baseline(&args, path, &result, &anchors, walk_failed));
    }
    if let Some(path) = &args.baseline {
        said.notes
            .extend(apply_baseline(&args, path, &mut result, &mut anchors)?);
    }
    keep_changed(&args, &mut result, &mut anchors)?;

    let report = Report {
        result: &result,
        anchors: &anchors,
        root: &root,
        config_file: config_file.as_deref(),
        workspace: ws.as_ref(),
        format,
        statistics: args.statistics,
    };
    let emitted = report.emit(&args);
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
            return Err(ExitCode::from(2));
        }
    }
    Ok(said.conclude(&args, &result, clippy_failed, start))
}

/// What a run has to say besides its report, and what makes it fail.
#[derive(Default)]
struct Said {
    notes: Vec<String>,
    nothing_found: bool,
    walk_failed: bool,
    fix_failed: bool,
}

impl Said {
    /// Prints the errors, notes and summary; the exit status.
    fn conclude(
        &self,
        args: &CheckArgs,
        result: &driver::RunResult,
        clippy_failed: bool,
        start: std::time::Instant,
    ) -> ExitCode {
        for err in &result.internal_errors {
            say!("error: {err}");
        }
        if !args.quiet {
            for n in &self.notes {
                say!("{n}");
            }
            if !self.nothing_found {
                say!("{}", output::summary(result, start.elapsed().as_millis()));
            }
        }
        say_throughput(args, result, start);
        if !result.internal_errors.is_empty() || self.walk_failed || self.fix_failed {
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
}

/// Runs the lints (again after `--fix` changed files) and the checks of the
/// whole project; the findings under the user's names.
fn analyse(
    args: &CheckArgs,
    opts: &RunOptions,
    inputs: Inputs,
    warnings: Level,
) -> Result<(driver::RunResult, Said), ExitCode> {
    let mut said = Said::default();
    let files = &inputs.walked.files;
    let mut result = run_checks(files, opts, warnings);
    if args.fix || args.diff || args.add_allow.is_some() {
        let walk_failed = !inputs.walked.errors.is_empty();
        let fixed = fix_files(args, &result, opts, warnings, walk_failed)?;
        if !args.quiet {
            said.notes.push(fixed.note);
        }
        said.fix_failed = fixed.failed;
        if fixed.changed {
            result = run_checks(files, opts, warnings);
        }
    }
    if opts.config.source.is_some() && policy_use::covers_project(&args.paths, &opts.config.root) {
        policy_use::report_unused(&mut result, opts, files);
    }
    inputs.finish(args, &mut result);
    Ok((result, said))
}

/// Repository-relative paths and fingerprints, for the formats and modes
/// that use them (the repository root, or nothing).
fn anchors(
    args: &CheckArgs,
    format: Format,
    result: &driver::RunResult,
) -> (PathBuf, fingerprint::Anchors) {
    let needed = args.baseline.is_some()
        || args.write_baseline.is_some()
        || matches!(
            format,
            Format::Sarif | Format::Github | Format::Gitlab | Format::Junit
        );
    if !needed {
        return (PathBuf::new(), fingerprint::Anchors::default());
    }
    let root = fingerprint::repo_root();
    let anchors = fingerprint::compute(result, &root);
    (root, anchors)
}

/// The report's format, and the combinations of flags that make no sense.
fn output_format(args: &CheckArgs) -> Result<Format, ExitCode> {
    let format = match args.message_format.as_deref() {
        None => args.format,
        Some(f) if f.starts_with("json") => Format::RustcJson,
        Some("human") => Format::Human,
        Some("short") => Format::Concise,
        Some(other) => {
            return Err(usage_error(&format!(
                "unsupported --message-format `{other}` (use `json`, `short` or `human`)"
            )))
        }
    };
    if args.statistics && !matches!(format, Format::Human | Format::Concise) {
        return Err(usage_error(
            "--statistics prints a table: it replaces the human or concise report, not a machine-readable one",
        ));
    }
    if args.with_clippy && format != Format::RustcJson {
        return Err(usage_error("--with-clippy needs --message-format=json"));
    }
    if args.unsafe_fixes && !args.fix && !args.diff {
        return Err(usage_error(
            "--unsafe-fixes widens what --fix or --diff applies: give one of them too",
        ));
    }
    if let Some(reason) = &args.add_allow {
        if reason.trim().is_empty() || reason.contains(['\n', '\r']) {
            return Err(usage_error(
                "--add-allow needs a reason on one line: `--add-allow \"legacy code, reviewed in #123\"`",
            ));
        }
    }
    Ok(format)
}

/// With `--stdin-filename`: standard input, checked under that name.
fn read_stdin(args: &mut CheckArgs) -> Result<Option<String>, ExitCode> {
    let Some(name) = &args.stdin_filename else {
        return Ok(None);
    };
    let mut text = String::new();
    if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut text) {
        return Err(usage_error(&format!("cannot read standard input: {e}")));
    }
    args.paths = vec![name.clone()];
    Ok(Some(text))
}

/// `-W/-D/-A` as level overrides in command-line order, and the level
/// `warnings` gives to every warning shown.
fn level_flags(args: &CheckArgs) -> Result<(Vec<(String, Level)>, Level), ExitCode> {
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
    let mut overrides = Vec::new();
    for (n, level) in order {
        if n == "warnings" {
            warnings = level;
            continue;
        }
        if n != "all"
            && leash_lints::lint_by_name(&n).is_none()
            && !leash_lints::groups().contains(&n.as_str())
        {
            return Err(usage_error(&config::unknown_lint(&n)));
        }
        overrides.push((n, level));
    }
    Ok((overrides, warnings))
}

/// `unused_allow` speaks only when asked for, and then at least as a
/// warning: the level to force, if any.
fn unused_allow_level(
    args: &CheckArgs,
    config: &Config,
    overrides: &[(String, Level)],
) -> Option<(String, Level)> {
    let asked = driver::with_flags(overrides, "unused_allow", config.level_of("unused_allow"));
    let level = match (args.report_unused_allows, asked) {
        (false, _) => Level::Allow,
        (true, Level::Allow) => Level::Warn,
        (true, _) => return None,
    };
    Some(("unused_allow".into(), level))
}

/// The configuration: none, the file named, or the one found above the first
/// path; the command line's excludes added.
fn load_config(args: &CheckArgs) -> Result<Config, ExitCode> {
    let first_path = first_path(args);
    let config = if args.no_config {
        Ok(Config::defaults(first_path))
    } else if let Some(path) = &args.config {
        Config::load(path)
    } else {
        Config::discover(first_path)
    };
    let mut config = config.map_err(|e| usage_error(&format!("bad configuration: {e}")))?;
    let root = config.root.clone();
    config
        .exclude
        .extend(args.exclude.iter().map(|g| config::RootedGlob {
            glob: g.clone(),
            root: root.clone(),
            source: None,
        }));
    Ok(config)
}

fn first_path(args: &CheckArgs) -> &std::path::Path {
    args.paths
        .first()
        .map(PathBuf::as_path)
        .unwrap_or(std::path::Path::new("."))
}

/// What the run reads: the files walked, or standard input staged under its
/// name, or the staged copies of `--staged`.
struct Inputs {
    walked: walk::Walked,
    stdin_file: Option<integrate::StdinFile>,
    staged_tree: Option<diff::StagedTree>,
}

impl Inputs {
    fn gather(args: &CheckArgs, config: &Config, stdin: Option<&str>) -> Result<Self, ExitCode> {
        let mut excludes = walk::Excludes::new(&config.exclude).map_err(|e| usage_error(&e))?;
        excludes.force = args.force_exclude;
        let mut stdin_file = None;
        let none = || walk::Walked {
            files: Vec::new(),
            errors: Vec::new(),
        };
        let walked = match (stdin, &args.stdin_filename) {
            (Some(_), Some(name)) if excludes.force && excludes.is_excluded(name) => none(),
            (Some(text), Some(name)) => {
                let f = integrate::StdinFile::create(name, text)
                    .map_err(|e| usage_error(&format!("cannot stage standard input: {e}")))?;
                let files = vec![f.path.clone()];
                stdin_file = Some(f);
                walk::Walked { files, ..none() }
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
        // A path asked for that is missing (or not a file or directory) is a
        // usage error: nothing is checked, and no summary says "0 findings".
        if walked.errors.iter().any(|(p, _)| args.paths.contains(p)) {
            return Err(ExitCode::from(2));
        }
        let staged_tree = if args.staged {
            Some(
                diff::StagedTree::create(&walked.files, first_path(args))
                    .map_err(|e| usage_error(&e))?,
            )
        } else {
            None
        };
        let mut inputs = Inputs {
            walked,
            stdin_file,
            staged_tree,
        };
        if let (Some(tree), false) = (&inputs.staged_tree, args.show_files) {
            inputs.walked.files = tree.files.iter().map(|(copy, _)| copy.clone()).collect();
        }
        Ok(inputs)
    }

    /// Nothing to check is no failure (as with ruff), but it is said: a
    /// typo'd directory or a misplaced exclude would otherwise look like a
    /// clean tree. The reports are still written (empty), for the CI steps
    /// that read them.
    fn nothing_found(&self, args: &CheckArgs) -> bool {
        let none = self.walked.files.is_empty()
            && self.walked.errors.is_empty()
            && args.stdin_filename.is_none();
        if none && !args.quiet {
            let paths: Vec<String> = args.paths.iter().map(|p| driver::display_path(p)).collect();
            let staged = if args.staged { "staged " } else { "" };
            say!(
                "warning: no {staged}Rust files found under {}",
                paths.join(", ")
            );
        }
        none
    }

    /// `--show-files`: under `--staged`, the files whose staged content would
    /// be checked.
    fn show_files(&self) -> ExitCode {
        let listed: Vec<&PathBuf> = match &self.staged_tree {
            Some(tree) => tree.files.iter().map(|(_, original)| original).collect(),
            None => self.walked.files.iter().collect(),
        };
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        let written = listed
            .iter()
            .try_for_each(|f| writeln!(out, "{}", driver::display_path(f)))
            .and_then(|()| out.flush());
        match written {
            Ok(()) if self.walked.errors.is_empty() => ExitCode::SUCCESS,
            Ok(()) => ExitCode::from(2),
            Err(e) => write_failed(&e),
        }
    }

    /// Puts the user's names back on what was read under temporary names, and
    /// records what could not be read.
    fn finish(self, args: &CheckArgs, result: &mut driver::RunResult) {
        result.walk_errors = self
            .walked
            .errors
            .iter()
            .map(|(path, err)| driver::WalkError {
                path: path.clone(),
                display: driver::display_path(path),
                message: err.clone(),
            })
            .collect();
        if let (Some(staged), Some(name)) = (&self.stdin_file, &args.stdin_filename) {
            staged.restore_names(result, name);
        }
        if let Some(tree) = &self.staged_tree {
            tree.restore_names(result);
        }
    }
}

fn say_configuration(config: &Config, cache_dir: Option<&std::path::Path>) {
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
    if let Some(dir) = cache_dir {
        say!("cache: {}", dir.display());
    }
}

fn run_options(
    args: &CheckArgs,
    config: Config,
    overrides: Vec<(String, Level)>,
    cache_dir: Option<PathBuf>,
) -> RunOptions {
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
    RunOptions {
        include_tests: args.include_tests || config.include_tests,
        min_confidence: match args.confidence {
            Some(ConfidenceArg::High) => leash_lints::Confidence::High,
            Some(ConfidenceArg::Low) => leash_lints::Confidence::Low,
            None => config.confidence,
        },
        config,
        overrides,
        named_files: args.paths.iter().filter(|p| p.is_file()).cloned().collect(),
        jobs: args.jobs,
        max_file_size: args.max_file_size,
        inventory: false,
        perf,
    }
}

/// `--write-baseline`: records the findings and ends the run.
fn write_baseline(
    args: &CheckArgs,
    path: &std::path::Path,
    result: &driver::RunResult,
    anchors: &fingerprint::Anchors,
    walk_failed: bool,
) -> ExitCode {
    let b = baseline::Baseline::from_findings(result, anchors);
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
    if result.internal_errors.is_empty() && !walk_failed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

/// `--baseline`: drops the known findings (and with `--prune-baseline`
/// removes the fixed entries); returns what to say about it.
fn apply_baseline(
    args: &CheckArgs,
    path: &std::path::Path,
    result: &mut driver::RunResult,
    anchors: &mut fingerprint::Anchors,
) -> Result<Vec<String>, ExitCode> {
    let b = baseline::Baseline::load(path).map_err(|e| usage_error(&e))?;
    let applied = b.apply(anchors);
    integrate::retain(result, anchors, &applied.new);
    let plural = |n: usize, one: &str, many: &str| if n == 1 { one } else { many }.to_string();
    let mut notes = vec![format!(
        "baseline: {} known finding{} not shown, {} baseline entr{} fixed",
        applied.still_present.len(),
        plural(applied.still_present.len(), "", "s"),
        applied.fixed,
        plural(applied.fixed, "y", "ies"),
    )];
    if args.prune_baseline {
        if applied.fixed > 0 {
            let pruned = baseline::Baseline {
                version: baseline::VERSION,
                findings: applied.still_present,
            };
            if let Err(e) = pruned.write_atomic(path) {
                return Err(usage_error(&format!(
                    "cannot write baseline {}: {e}",
                    path.display()
                )));
            }
            notes.push(format!(
                "baseline: removed {} fixed entr{} from {}",
                applied.fixed,
                plural(applied.fixed, "y", "ies"),
                path.display()
            ));
        }
    } else if applied.fixed > 0 {
        notes.push("baseline: --prune-baseline removes the fixed entries".into());
    }
    Ok(notes)
}

/// `--diff-base` and `--staged`: only the findings on changed lines.
fn keep_changed(
    args: &CheckArgs,
    result: &mut driver::RunResult,
    anchors: &mut fingerprint::Anchors,
) -> Result<(), ExitCode> {
    let changes = match (&args.diff_base, args.staged) {
        (Some(rev), _) => diff::changes_since(rev, &args.paths[0]),
        (None, true) => diff::staged_changes(&args.paths[0]),
        (None, false) => return Ok(()),
    };
    let changes = changes.map_err(|e| usage_error(&e))?;
    let keep: Vec<bool> = (0..result.findings.len())
        .map(|i| changes.keep(result, i))
        .collect();
    integrate::retain(result, anchors, &keep);
    Ok(())
}

/// `--verbose` throughput, and `LEASH_STATS` counters for benchmarks.
fn say_throughput(args: &CheckArgs, result: &driver::RunResult, start: std::time::Instant) {
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
    /// Writes the report to `--output-file` (atomically) or standard output.
    fn emit(&self, args: &CheckArgs) -> std::io::Result<()> {
        match &args.output_file {
            Some(path) => {
                let mut text = NoColor::new(Vec::new());
                self.write(&mut text)?;
                write_atomically(path, &text.into_inner())
                    .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))
            }
            None if self.format == Format::Human && !self.statistics => {
                let choice = match args.color {
                    Color::Always => ColorChoice::Always,
                    Color::Never => ColorChoice::Never,
                    Color::Auto if std::io::IsTerminal::is_terminal(&std::io::stdout()) => {
                        ColorChoice::Auto
                    }
                    Color::Auto => ColorChoice::Never,
                };
                self.write(&mut StandardStream::stdout(choice))
            }
            None => {
                let mut out = NoColor::new(std::io::BufWriter::new(std::io::stdout().lock()));
                self.write(&mut out).and_then(|_| out.flush())
            }
        }
    }

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
