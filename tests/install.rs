//! What the README and docs tell a new user to run to install leash works as
//! written: no crates.io package, no release tag, and the repository's action
//! and pre-commit hooks name flags the binary has.

use std::path::{Path, PathBuf};
use std::process::Command;

const REPOSITORY: &str = "https://github.com/leash-rs/leash";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The user-facing documents: the README and every page of docs/ (reviews and
/// measurements are records, not instructions).
fn documents() -> Vec<(String, String)> {
    let mut out = vec![("README.md".to_string(), read("README.md"))];
    for entry in std::fs::read_dir(repo().join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            let name = format!("docs/{}", path.file_name().unwrap().to_string_lossy());
            if name != "docs/performance.md" && name != "docs/findings-review.md" {
                out.push((name.clone(), read(&name)));
            }
        }
    }
    out
}

#[test]
fn every_install_command_installs_from_the_repository() {
    let mut seen = 0;
    for (name, text) in documents() {
        for line in text.lines().filter(|l| l.contains("cargo install")) {
            seen += 1;
            let from_git = line.contains(&format!("--git {REPOSITORY} leash-cli"));
            let from_clone = line.contains("cargo install --locked --path .");
            assert!(
                from_git || from_clone,
                "{name}: `{line}` installs from neither the repository nor a clone"
            );
            assert!(
                line.contains("--locked"),
                "{name}: `{line}` without --locked"
            );
        }
    }
    assert!(seen >= 4, "the install commands were not found");
}

#[test]
fn no_document_pins_a_release_tag_that_does_not_exist() {
    for (name, text) in documents() {
        for line in text.lines() {
            let trimmed = line.trim_start();
            if let Some(rev) = trimmed.strip_prefix("rev:") {
                assert!(
                    rev.trim_start().starts_with("<commit SHA>"),
                    "{name}: `{line}` pins something other than a commit"
                );
            }
            assert!(
                !trimmed.contains("leash-rs/leash@v"),
                "{name}: `{line}` names a tag"
            );
        }
    }
}

/// Each hook's `entry` is a valid `leash check` command line (run here with
/// `--show-files`, which parses every flag and checks nothing).
#[test]
fn pre_commit_hooks_run_valid_commands() {
    let hooks = read(".pre-commit-hooks.yaml");
    let ids: Vec<&str> = hooks
        .lines()
        .filter_map(|l| l.strip_prefix("- id: "))
        .collect();
    assert_eq!(ids, ["leash", "leash-changed"]);
    let entries: Vec<&str> = hooks
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("entry: "))
        .collect();
    assert_eq!(
        entries,
        ["leash check --force-exclude", "leash check --staged"]
    );
    // A repository, as pre-commit runs in one (`--staged` reads its index).
    let dir = tempfile::tempdir().unwrap();
    let init = Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(init.success());
    for entry in entries {
        let args: Vec<&str> = entry.split(' ').skip(1).collect();
        let out = Command::new(env!("CARGO_BIN_EXE_leash"))
            .args(&args)
            .arg("--show-files")
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{entry}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(
        hooks.contains("  pass_filenames: false\n"),
        "leash-changed reads the index itself"
    );
}

/// `action.yml`: a composite action with the documented inputs, the binary
/// cached on the leash commit, installed from the repository, and the
/// documented use pinned to a commit.
#[test]
fn the_github_action_installs_caches_and_runs_leash() {
    let action = read("action.yml");
    let inputs: Vec<&str> = action
        .split("\ninputs:\n")
        .nth(1)
        .expect("inputs")
        .split("\nruns:\n")
        .next()
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("  ")?.strip_suffix(':'))
        .filter(|l| !l.starts_with(' '))
        .collect();
    assert_eq!(
        inputs,
        ["version", "args", "format", "sarif-file", "upload-sarif"]
    );
    for needle in [
        "  using: composite\n",
        "uses: actions/cache@v4",
        "key: leash-${{ runner.os }}-${{ runner.arch }}-${{ steps.ref.outputs.ref }}",
        "if: steps.cache.outputs.cache-hit != 'true'",
        &format!("--git {REPOSITORY} --rev \"$REF\" leash-cli"),
        r#"if ! [[ "$ref" =~ ^[0-9a-f]{40}$ ]]; then"#,
        "leash check --format sarif $ARGS > \"$SARIF_FILE\"",
        "uses: github/codeql-action/upload-sarif@v3",
    ] {
        assert!(action.contains(needle), "action.yml lacks {needle}");
    }
    // Inputs reach the shell through the environment, never pasted into a script.
    for line in action
        .lines()
        .filter(|l| l.trim_start().starts_with("run:"))
    {
        assert!(!line.contains("${{"), "{line}");
    }
    let docs = read("docs/integrations.md");
    assert!(docs.contains("      - uses: leash-rs/leash@<commit SHA>\n"));
    assert!(Path::new(&repo().join("action.yml")).is_file());
}
