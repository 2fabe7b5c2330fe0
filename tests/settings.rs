//! Where leash keeps its state, layered configuration (`extend`, a member's
//! metadata, `[[overrides]]`), file-level suppressions, `--show-settings` and
//! `--show-files`.

use std::path::Path;
use std::process::{Command, Output};

const UNBOUNDED: &str = "fn main() {\n    let (_tx, _rx) = std::sync::mpsc::channel::<u8>();\n}\n";

/// Runs leash from `dir`, with no cache directory from the environment and
/// both confidence tiers shown (one-line queues have no visible producer).
fn leash(dir: &Path, args: &[&str]) -> Output {
    leash_env(dir, args, None)
}

fn leash_env(dir: &Path, args: &[&str], cache_env: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_leash"));
    let mut args = args.to_vec();
    if args.first() == Some(&"check") {
        args.splice(1..1, ["--confidence", "low"]);
    }
    cmd.args(args)
        .current_dir(dir)
        .env_remove("LEASH_CACHE_DIR");
    if let Some(env) = cache_env {
        cmd.env("LEASH_CACHE_DIR", env);
    }
    cmd.output().expect("leash runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(dir: &Path, rel: &str, text: impl AsRef<[u8]>) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// The cache files (`v*.json`) directly in `dir`.
fn cache_files(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
            .count()
    })
}

/// `path:line lint` of each finding, from `--format concise`.
fn findings(o: &Output) -> Vec<String> {
    stdout(o).lines().map(str::to_string).collect()
}

#[test]
fn cache_lives_at_the_workspace_root_wherever_leash_runs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "Cargo.toml", "[workspace]\nmembers = [\"svc\"]\n");
    write(d, "svc/Cargo.toml", "[package]\nname = \"svc\"\n");
    write(d, "svc/src/lib.rs", UNBOUNDED);
    let src = d.join("svc/src");
    let out = leash(&src, &["check", "--format", "concise", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(cache_files(&d.join(".leash_cache")), 1);
    assert!(!src.join(".leash_cache").exists());
    assert!(!d.join("svc/.leash_cache").exists());
    // The same findings from the cache, from another directory, and without it.
    let stats = Command::new(env!("CARGO_BIN_EXE_leash"))
        .args(["check", "--confidence", "low", "--format", "concise", "svc"])
        .current_dir(d)
        .env_remove("LEASH_CACHE_DIR")
        .env("LEASH_STATS", "1")
        .output()
        .unwrap();
    assert!(
        stderr(&stats).contains("cache_hits=1"),
        "{}",
        stderr(&stats)
    );
    let uncached = leash(&src, &["check", "--format", "concise", "--no-cache", "."]);
    assert_eq!(findings(&uncached), findings(&out));
    assert_eq!(
        findings(&out),
        ["lib.rs:2:22: warning[unbounded_channel] unbounded channel: `std::sync::mpsc::channel` has no capacity limit"]
    );
}

#[test]
fn cache_lives_beside_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "Cargo.toml", "[workspace]\nmembers = [\"svc\"]\n");
    write(d, "svc/leash.toml", "");
    write(d, "svc/src/lib.rs", UNBOUNDED);
    let out = leash(&d.join("svc/src"), &["check", "."]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(cache_files(&d.join("svc/.leash_cache")), 1);
    assert!(!d.join(".leash_cache").exists());
    assert!(!d.join("svc/src/.leash_cache").exists());
}

#[test]
fn cache_dir_flag_and_environment_move_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "leash.toml", "");
    write(d, "src/lib.rs", UNBOUNDED);
    let (flag, env) = (d.join("by-flag"), d.join("by-env"));
    let out = leash(d, &["check", "--cache-dir", flag.to_str().unwrap(), "src"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(cache_files(&flag), 1);
    let out = leash_env(d, &["check", "src"], Some(&env));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(cache_files(&env), 1);
    // The flag wins over the environment.
    std::fs::remove_dir_all(&flag).unwrap();
    let out = leash_env(
        d,
        &["check", "--cache-dir", flag.to_str().unwrap(), "src"],
        Some(&d.join("unused")),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(cache_files(&flag), 1);
    assert!(!d.join("unused").exists());
    assert!(!d.join(".leash_cache").exists());
    // `--cache-dir` with `--no-cache` is a contradiction.
    let out = leash(d, &["check", "--no-cache", "--cache-dir", "x", "src"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn extend_layers_a_base_under_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "shared/base.toml",
        "exclude = [\"**/generated\"]\n[lints]\nconcurrency = \"deny\"\nsilent_fallback = \"allow\"\n",
    );
    write(
        d,
        "app/leash.toml",
        "extend = \"../shared/base.toml\"\nexclude = [\"vendor\"]\n[lints]\nunbounded_channel = \"warn\"\n",
    );
    write(d, "app/src/lib.rs", UNBOUNDED);
    write(
        d,
        "app/src/spawn.rs",
        "fn f(v: Vec<u8>) {\n    for x in v {\n        std::thread::spawn(move || x);\n    }\n}\n",
    );
    write(d, "app/generated/a.rs", UNBOUNDED);
    write(d, "app/vendor/b.rs", UNBOUNDED);
    let app = d.join("app");
    let out = leash(&app, &["check", "--format", "concise", "."]);
    let lines = findings(&out);
    // The file's own key wins for the channel; the base's group level still
    // holds for the spawn; both files' excludes apply (each relative to its file).
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with("src/lib.rs:2:22: warning[unbounded_channel]"),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("src/spawn.rs:3:9: error[unbounded_spawn]"),
        "{lines:?}"
    );
    // `-v` names both files, base first.
    let out = leash(&app, &["check", "-v", "-q", "."]);
    let base = std::fs::canonicalize(d.join("shared/base.toml")).unwrap();
    let top = std::fs::canonicalize(d.join("app/leash.toml")).unwrap();
    assert!(
        stderr(&out).contains(&format!(
            "configuration: {} (layered under the next)\nconfiguration: {}\n",
            base.display(),
            top.display()
        )),
        "{}",
        stderr(&out)
    );
    // `extends`, as an organisation's base policy is often spelt, is the same key.
    write(
        d,
        "app/leash.toml",
        "extends = \"../shared/base.toml\"\nexclude = [\"vendor\"]\n[lints]\nunbounded_channel = \"warn\"\n",
    );
    let out = leash(&app, &["check", "--format", "concise", "."]);
    assert_eq!(findings(&out).len(), 2, "{:?}", findings(&out));
}

#[test]
fn extend_errors_name_the_file_and_the_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "src/lib.rs", UNBOUNDED);
    write(d, "leash.toml", "extend = \"a.toml\"\n");
    write(d, "a.toml", "extend = \"b.toml\"\n");
    write(d, "b.toml", "extend = \"a.toml\"\n");
    let out = leash(d, &["check", "src"]);
    assert_eq!(out.status.code(), Some(2));
    let root = std::fs::canonicalize(d).unwrap();
    let name = |f: &str| root.join(f).display().to_string();
    assert_eq!(
        stderr(&out),
        format!(
            "error: bad configuration: `extend` cycle: {} -> {} -> {} -> {}\n",
            name("leash.toml"),
            name("a.toml"),
            name("b.toml"),
            name("a.toml")
        )
    );
    write(d, "leash.toml", "\nextend = \"missing.toml\"\n");
    let out = leash(d, &["check", "src"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = stderr(&out);
    assert!(
        stderr.starts_with("error: bad configuration: ")
            && stderr.contains("leash.toml:2:10: `extend`: ")
            && stderr.ends_with("missing.toml is not a file\n"),
        "{stderr}"
    );
}

#[test]
fn member_metadata_is_layered_on_the_root_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "leash.toml",
        "[lints]\nunbounded_channel = \"deny\"\nunbounded_spawn = \"allow\"\n",
    );
    write(
        d,
        "svc/Cargo.toml",
        "[package]\nname = \"svc\"\n[package.metadata.leash.lints]\nunbounded_spawn = \"warn\"\n",
    );
    write(d, "svc/src/lib.rs", UNBOUNDED);
    write(
        d,
        "svc/src/spawn.rs",
        "fn f(v: Vec<u8>) {\n    for x in v {\n        std::thread::spawn(move || x);\n    }\n}\n",
    );
    let out = leash(&d.join("svc"), &["check", "--format", "concise", "src"]);
    let lines = findings(&out);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].contains("error[unbounded_channel]"),
        "root level kept: {lines:?}"
    );
    assert!(
        lines[1].contains("warning[unbounded_spawn]"),
        "member level wins: {lines:?}"
    );
    // The state lives at the outermost configuration.
    assert!(d.join(".leash_cache").is_dir());
    assert!(!d.join("svc/.leash_cache").exists());
}

#[test]
fn overrides_set_levels_per_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "leash.toml",
        "[lints]\nunbounded_spawn = \"allow\"\n\n[[overrides]]\nfiles = [\"src/legacy\"]\nlints = { unbounded_channel = \"allow\" }\n\n[[overrides]]\nfiles = [\"src/workers/*.rs\"]\nlints = { concurrency = \"deny\" }\n",
    );
    write(d, "src/lib.rs", UNBOUNDED);
    write(d, "src/legacy/old.rs", UNBOUNDED);
    write(d, "src/workers/pool.rs", UNBOUNDED);
    write(
        d,
        "src/workers/spawn.rs",
        "fn f(v: Vec<u8>) {\n    for x in v {\n        std::thread::spawn(move || x);\n    }\n}\n",
    );
    let out = leash(d, &["check", "--format", "concise", "src"]);
    let lines: Vec<String> = findings(&out)
        .iter()
        .map(|l| l.split(' ').take(2).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        lines,
        [
            "src/lib.rs:2:22: warning[unbounded_channel]",
            "src/workers/pool.rs:2:22: error[unbounded_channel]",
            "src/workers/spawn.rs:3:9: error[unbounded_spawn]",
        ]
    );
    // A bad override is a configuration error.
    write(
        d,
        "leash.toml",
        "[[overrides]]\nfiles = [\"src\"]\nlints = { unbounded_chanel = \"allow\" }\n",
    );
    let out = leash(d, &["check", "src"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean `unbounded_channel`?"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn file_level_suppressions_cover_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let body = "fn a() {\n    let _ = std::sync::mpsc::channel::<u8>();\n}\nfn b() {\n    let _ = std::sync::mpsc::channel::<u8>();\n}\n";
    write(d, "comment.rs", format!("//! Generated.\n// leash: allow-file(unbounded_channel) -- generated from the schema\n\n{body}"));
    write(
        d,
        "attr.rs",
        format!("#![leash::allow(concurrency, reason = \"vendored\")]\n{body}"),
    );
    write(
        d,
        "noreason.rs",
        format!("// leash: allow-file(unbounded_channel)\n{body}"),
    );
    write(
        d,
        "attr_noreason.rs",
        format!("#![leash::allow(unbounded_channel)]\n{body}"),
    );
    write(
        d,
        "late.rs",
        format!("{body}// leash: allow-file(unbounded_channel) -- too late\n"),
    );
    let out = leash(
        d,
        &[
            "check",
            "--format",
            "concise",
            "--report-unused-allows",
            ".",
        ],
    );
    let lines: Vec<String> = findings(&out)
        .iter()
        .map(|l| l.split(' ').take(2).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        lines,
        [
            "attr_noreason.rs:1:1: error[missing_reason]",
            "late.rs:2:13: warning[unbounded_channel]",
            "late.rs:5:13: warning[unbounded_channel]",
            "late.rs:7:1: warning[unused_allow]",
            "noreason.rs:1:1: error[missing_reason]",
        ]
    );
}

#[test]
fn show_settings_says_where_each_value_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "base.toml",
        "confidence = \"low\"\n[policy]\nmax_switches = 3\n[lints]\nretry = \"deny\"\n",
    );
    write(
        d,
        "leash.toml",
        "extend = \"base.toml\"\nexclude = [\"gen\"]\n[lints]\nunbounded_retry = \"allow\"\n[[overrides]]\nfiles = [\"tests\"]\nlints = { all = \"allow\" }\n",
    );
    write(d, "src/lib.rs", UNBOUNDED);
    let out = leash(
        d,
        &[
            "check",
            "--show-settings",
            "-A",
            "missing_timeout",
            "--exclude",
            "tmp",
            "src",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let root = std::fs::canonicalize(d).unwrap();
    let (base, top) = (
        root.join("base.toml").display().to_string(),
        root.join("leash.toml").display().to_string(),
    );
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    let want = [
        format!("configuration: {base}"),
        format!("configuration: {top} (layered on the above)"),
        format!("cache-dir = {}", root.join(".leash_cache").display()),
        format!("confidence = low ({base})"),
        "include-tests = false (default)".to_string(),
        format!("exclude = gen ({top})"),
        "exclude = tmp (command line)".to_string(),
        "policy.max_retry_attempts = 10 (default)".to_string(),
        "policy.max_concurrency = none (default)".to_string(),
        format!("policy.max_switches = 3 ({base})"),
        "policy.max_amplification = 10 (default)".to_string(),
        format!("lints.unbounded_retry = allow ({top})"),
        format!("lints.retry_without_backoff = deny ({base})"),
    ];
    assert_eq!(lines[..want.len()], want, "{text}");
    assert!(
        text.contains("\nlints.missing_timeout = allow (command line)\n"),
        "{text}"
    );
    assert!(
        text.contains("\nlints.unbounded_channel = warn (default)\n"),
        "{text}"
    );
    assert!(
        text.ends_with(&format!(
            "overrides[0].files = tests ({top})\noverrides[0].lints.all = allow\n"
        )),
        "{text}"
    );
    assert!(!d.join(".leash_cache").exists(), "nothing analysed");
}

#[test]
fn show_files_lists_what_would_be_checked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "leash.toml", "exclude = [\"src/gen\"]\n");
    write(d, "src/lib.rs", UNBOUNDED);
    write(d, "src/a/b.rs", UNBOUNDED);
    write(d, "src/gen/x.rs", UNBOUNDED);
    write(d, "src/notes.txt", "");
    let out = leash(d, &["check", "--show-files", "src"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "src/a/b.rs\nsrc/lib.rs\n");
    assert_eq!(stderr(&out), "");
    assert!(!d.join(".leash_cache").exists(), "nothing analysed");
    let out = leash(d, &["check", "--show-files", "--statistics", "src"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot be used with"),
        "{}",
        stderr(&out)
    );
}
