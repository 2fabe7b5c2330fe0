//! `leash check --staged` (the `leash-changed` pre-commit hook): the staged
//! content is checked, never untracked files or unstaged edits.

use std::path::Path;
use std::process::{Command, Output};

const CLEAN: &str =
    "fn main() {\n    let (_tx, _rx) = std::sync::mpsc::sync_channel::<u8>(8);\n}\n";
const UNBOUNDED: &str = "fn main() {\n    let (_tx, _rx) = std::sync::mpsc::channel::<u8>();\n}\n";

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn check_staged(dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leash"))
        .args([
            "check",
            "--confidence",
            "low",
            "--format",
            "concise",
            "--staged",
        ])
        .current_dir(dir)
        .env_remove("LEASH_CACHE_DIR")
        .output()
        .expect("leash runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn only_staged_content_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    std::fs::create_dir(d.join("src")).unwrap();
    std::fs::write(d.join("src/committed.rs"), CLEAN).unwrap();
    std::fs::write(d.join("src/old.rs"), UNBOUNDED).unwrap();
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "start"]);

    // An unstaged edit, an untracked file, and a finding already committed:
    // nothing is being committed, nothing is reported.
    std::fs::write(d.join("src/committed.rs"), UNBOUNDED).unwrap();
    std::fs::write(d.join("src/untracked.rs"), UNBOUNDED).unwrap();
    let out = check_staged(d);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(stdout(&out), "");

    // A staged finding is reported, from the staged content even after the
    // working tree fixed it again.
    std::fs::write(d.join("src/staged.rs"), format!("\n{UNBOUNDED}")).unwrap();
    git(d, &["add", "src/staged.rs"]);
    std::fs::write(d.join("src/staged.rs"), CLEAN).unwrap();
    let out = check_staged(d);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        "src/staged.rs:3:22: warning[unbounded_channel] unbounded channel: `std::sync::mpsc::channel` has no capacity limit\n"
    );
    // `--show-files` lists what is staged, nothing untracked.
    let out = Command::new(env!("CARGO_BIN_EXE_leash"))
        .args(["check", "--staged", "--show-files"])
        .current_dir(d)
        .output()
        .unwrap();
    assert_eq!(
        stdout(&out),
        "src/committed.rs\nsrc/old.rs\nsrc/staged.rs\n"
    );
    // Staging the fix clears it; the unstaged and untracked findings still do not count.
    git(d, &["add", "src/staged.rs"]);
    assert_eq!(check_staged(d).status.code(), Some(0));
    assert!(
        !d.join(".leash_cache").exists(),
        "staged copies are not cached"
    );

    // Outside a repository it is a usage error that says so.
    let bare = tempfile::tempdir().unwrap();
    std::fs::write(bare.path().join("a.rs"), UNBOUNDED).unwrap();
    let out = check_staged(bare.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--staged: "));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not in a git repository"));
}
