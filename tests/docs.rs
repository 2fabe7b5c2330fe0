//! The lint pages under `docs/lints/` are what `leash docs` generates, SARIF
//! links to them, and the README's lint table lists exactly the known lints.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn leash(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leash"))
        .args(args)
        .current_dir(dir)
        .env_remove("LEASH_CACHE_DIR")
        .output()
        .expect("leash runs")
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Fails while a committed page differs from the binary's: CI runs this.
#[test]
fn committed_lint_pages_are_current() {
    let out = leash(&repo(), &["docs", "--check", "docs/lints"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "docs/lints is stale; run `cargo run -- docs`:\n{}",
        stderr(&out)
    );
    for lint in leash_lints::rules::ALL {
        let page = std::fs::read_to_string(repo().join(format!("docs/lints/{}.md", lint.name)))
            .expect("page");
        let explained = leash(&repo(), &["explain", lint.name]);
        assert_eq!(
            String::from_utf8_lossy(&explained.stdout),
            page,
            "{}",
            lint.name
        );
    }
}

#[test]
fn docs_check_names_missing_changed_and_extra_pages() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(leash(d, &["docs", "pages"]).status.code(), Some(0));
    assert_eq!(
        leash(d, &["docs", "--check", "pages"]).status.code(),
        Some(0)
    );
    std::fs::write(d.join("pages/unbounded_retry.md"), "edited by hand\n").unwrap();
    std::fs::remove_file(d.join("pages/parse_error.md")).unwrap();
    std::fs::write(d.join("pages/old_lint.md"), "gone\n").unwrap();
    let out = leash(d, &["docs", "--check", "pages"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "pages/unbounded_retry.md is out of date\npages/parse_error.md is missing\n\
         pages/old_lint.md documents no lint\nrun `leash docs pages` to regenerate the pages\n"
    );
    // Writing again restores them (the extra page is left for a person to remove).
    assert_eq!(leash(d, &["docs", "pages"]).status.code(), Some(0));
    std::fs::remove_file(d.join("pages/old_lint.md")).unwrap();
    assert_eq!(
        leash(d, &["docs", "--check", "pages"]).status.code(),
        Some(0)
    );
}

#[test]
fn sarif_rules_link_to_their_pages() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.rs"), "fn main() {}\n").unwrap();
    let out = leash(dir.path(), &["check", "--format", "sarif", "a.rs"]);
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    assert_eq!(rules.len(), leash_lints::rules::ALL.len());
    for rule in rules {
        let id = rule["id"].as_str().unwrap();
        assert_eq!(
            rule["helpUri"],
            format!("https://github.com/leash-rs/leash/blob/main/docs/lints/{id}.md")
        );
        assert!(repo().join(format!("docs/lints/{id}.md")).is_file(), "{id}");
    }
}

/// The rows of the README's lint table name exactly the lints `leash rules`
/// lists, in the same order.
#[test]
fn readme_lint_table_lists_exactly_the_known_lints() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = readme
        .split("\n## Lints\n")
        .nth(1)
        .expect("a Lints section");
    let rows: Vec<&str> = section
        .lines()
        .skip_while(|l| !l.starts_with("| lint |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.split('`').nth(1).unwrap_or(""))
        .collect();
    let rules = leash(&repo(), &["rules"]);
    let known: Vec<String> = String::from_utf8_lossy(&rules.stdout)
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
        .collect();
    assert_eq!(rows, known);
}
