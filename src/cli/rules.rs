//! `leash rules` and `leash explain`: what each lint is, from its declaration.

use super::{usage_error, write_failed, RulesFormat};
use crate::{config, docs};
use std::io::Write;
use std::process::ExitCode;

pub fn rules(format: RulesFormat) -> ExitCode {
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

pub fn explain(name: &str) -> ExitCode {
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
