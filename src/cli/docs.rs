//! `leash docs`: writes (or checks) one Markdown page per lint.

use super::{usage_error, write_atomically};
use std::process::ExitCode;

pub fn docs(dir: &std::path::Path, check: bool) -> ExitCode {
    if check {
        let stale = crate::docs::stale(dir);
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
    for (name, text) in crate::docs::pages() {
        let path = dir.join(name);
        if let Err(e) = write_atomically(&path, text.as_bytes()) {
            return usage_error(&format!("cannot write {}: {e}", path.display()));
        }
    }
    ExitCode::SUCCESS
}
