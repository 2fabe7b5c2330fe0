//! `leash budgets`: the inventory of every budget decision in the code.

use super::{usage_error, write_atomically, BudgetsArgs, RulesFormat};
use crate::config::Config;
use crate::driver::{self, RunOptions};
use crate::walk;
use leash_lints::Level;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

pub fn budgets(args: BudgetsArgs) -> ExitCode {
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
    let rows = crate::budgets::rows(&result);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = match args.format {
        RulesFormat::Human => crate::budgets::print_table(&rows, &mut out),
        RulesFormat::Json => crate::budgets::print_json(&rows, &mut out),
    };
    if let Err(e) = written.and_then(|_| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            say!("error: cannot write output: {e}");
            return ExitCode::from(2);
        }
    }
    if let Some(path) = &args.graph {
        let dot = crate::budgets::graph_dot(&result);
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
