//! The `leash` binary end to end: exit codes, JSON shape, configuration,
//! suppressions, test-code skipping, and inputs that must not stop a run.

use std::path::Path;
use std::process::{Command, Output};

const UNBOUNDED: &str = "fn main() {\n    let (_tx, _rx) = std::sync::mpsc::channel::<u8>();\n}\n";
const CLEAN: &str =
    "fn main() {\n    let (_tx, _rx) = std::sync::mpsc::sync_channel::<u8>(8);\n}\n";

/// Runs leash; `check` shows both confidence tiers: these tests are about the
/// command line, and their one-line queues have no visible producer.
fn leash(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leash"))
        .args(with_low_confidence(args))
        .current_dir(dir)
        .output()
        .expect("leash runs")
}

fn with_low_confidence<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut out = args.to_vec();
    if out.first() == Some(&"check") && !out.contains(&"--confidence") {
        out.insert(1, "--confidence");
        out.insert(2, "low");
    }
    out
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

fn json_lines(o: &Output) -> Vec<serde_json::Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

#[test]
fn exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "clean/src/lib.rs", CLEAN);
    write(dir.path(), "dirty/src/lib.rs", UNBOUNDED);
    assert_eq!(
        leash(dir.path(), &["check", "clean"]).status.code(),
        Some(0)
    );
    assert_eq!(
        leash(dir.path(), &["check", "dirty"]).status.code(),
        Some(1)
    );
    // A warning does not fail a deny-level gate.
    assert_eq!(
        leash(dir.path(), &["check", "--fail-level", "deny", "dirty"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        leash(
            dir.path(),
            &[
                "check",
                "-D",
                "unbounded_channel",
                "--fail-level",
                "deny",
                "dirty"
            ]
        )
        .status
        .code(),
        Some(1)
    );
    assert_eq!(
        leash(dir.path(), &["check", "-A", "unbounded_channel", "dirty"])
            .status
            .code(),
        Some(0)
    );
    // Usage errors.
    assert_eq!(
        leash(dir.path(), &["check", "--format", "nope"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        leash(dir.path(), &["check", "-W", "no_such_lint", "clean"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        leash(dir.path(), &["check", "does-not-exist"])
            .status
            .code(),
        Some(2)
    );
    let help = leash(dir.path(), &["check", "--help"]);
    assert!(
        stdout(&help).contains("Exit status"),
        "--help documents exit codes"
    );
}

#[test]
fn json_shape_and_relative_paths() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "b.rs", UNBOUNDED);
    write(dir.path(), "a/x.rs", UNBOUNDED);
    let out = leash(dir.path(), &["check", "--format", "json", "."]);
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2);
    for key in [
        "lint",
        "level",
        "message",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "help",
    ] {
        assert!(lines[0].get(key).is_some(), "missing {key}");
    }
    assert_eq!(
        lines[0]["path"], "a/x.rs",
        "sorted by path, relative to cwd"
    );
    assert_eq!(lines[1]["path"], "b.rs");
    assert_eq!(lines[0]["line"], 2);
    assert_eq!(lines[0]["column"], 22);
    assert_eq!(lines[0]["level"], "warning");
    assert!(stderr(&out).contains("2 findings in 2 files"));
}

#[test]
fn output_is_deterministic_across_thread_counts() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..40 {
        write(dir.path(), &format!("f{i:02}.rs"), UNBOUNDED);
    }
    let one = stdout(&leash(
        dir.path(),
        &["check", "--format", "json", "-j", "1", "."],
    ));
    let many = stdout(&leash(
        dir.path(),
        &["check", "--format", "json", "-j", "8", "."],
    ));
    assert_eq!(one, many);
    assert_eq!(one.lines().count(), 40);
}

#[test]
fn config_is_found_by_walking_up() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "leash.toml",
        "[lints]\nunbounded_channel = \"allow\"\n",
    );
    write(dir.path(), "crate/src/deep/lib.rs", UNBOUNDED);
    let sub = dir.path().join("crate/src");
    assert_eq!(leash(&sub, &["check", "."]).status.code(), Some(0));
    // --no-config ignores it.
    assert_eq!(
        leash(&sub, &["check", "--no-config", "."]).status.code(),
        Some(1)
    );
}

#[test]
fn config_in_cargo_metadata_and_levels_by_group() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Cargo.toml",
        "[workspace]\nmembers = []\n\n[workspace.metadata.leash]\nexclude = [\"gen\"]\n[workspace.metadata.leash.lints]\nconcurrency = \"deny\"\n",
    );
    write(dir.path(), "src/lib.rs", UNBOUNDED);
    write(dir.path(), "gen/out.rs", UNBOUNDED);
    let out = leash(dir.path(), &["check", "--format", "json", "."]);
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1, "gen/ is excluded: {}", stdout(&out));
    assert_eq!(lines[0]["level"], "error", "group level applies");
}

#[test]
fn non_table_package_metadata_is_ignored() {
    // Cargo accepts any value as `package.metadata`; one that is not a table
    // holds no leash configuration, and the run goes on with the defaults.
    for metadata in ["3", "\"leash\"", "[1, 2]", "true", "1979-05-27"] {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "Cargo.toml",
            format!("[package]\nname = \"leash-user\"\nmetadata = {metadata}\n"),
        );
        write(dir.path(), "src/lib.rs", UNBOUNDED);
        let out = leash(dir.path(), &["check", "--format", "json", "."]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "metadata = {metadata}: {}",
            stderr(&out)
        );
        assert!(
            !stderr(&out).contains("Cargo.toml"),
            "metadata = {metadata}: {}",
            stderr(&out)
        );
        assert_eq!(json_lines(&out).len(), 1, "metadata = {metadata}");
    }
    // A `leash` entry that is not a table is still a configuration error.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"x\"\n[package.metadata]\nleash = 3\n",
    );
    write(dir.path(), "src/lib.rs", UNBOUNDED);
    assert_eq!(leash(dir.path(), &["check", "."]).status.code(), Some(2));
}

#[test]
fn bad_config_is_a_clear_error_with_position() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/lib.rs", CLEAN);
    write(
        dir.path(),
        "leash.toml",
        "[lints]\nunbounded_chanel = \"warn\"\n",
    );
    let out = leash(dir.path(), &["check", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("leash.toml:2:1: unknown lint `unbounded_chanel`"),
        "{}",
        stderr(&out)
    );

    write(
        dir.path(),
        "leash.toml",
        "[lints]\nunbounded_channel = \"loud\"\n",
    );
    let out = leash(dir.path(), &["check", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("leash.toml:2:21: unknown level `loud`"),
        "{}",
        stderr(&out)
    );

    write(dir.path(), "leash.toml", "colour = true\n");
    let out = leash(dir.path(), &["check", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("leash.toml:1:1") && stderr(&out).contains("unknown field `colour`"),
        "{}",
        stderr(&out)
    );

    write(
        dir.path(),
        "leash.toml",
        "[policy]\nmax_retry_attempts = \"ten\"\n",
    );
    let out = leash(dir.path(), &["check", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("leash.toml:2:"), "{}", stderr(&out));
}

#[test]
fn suppression_comments() {
    let dir = tempfile::tempdir().unwrap();
    let src = "fn a() {\n    // leash: allow(unbounded_channel) -- one message at start-up\n    let _ = std::sync::mpsc::channel::<u8>();\n}\n\
               fn b() {\n    let _ = std::sync::mpsc::channel::<u8>(); // leash: allow(concurrency) -- group name\n}\n\
               // leash: allow(unbounded_channel) -- the whole item\nfn c() {\n    let _ = 1;\n    let _ = std::sync::mpsc::channel::<u8>();\n}\n\
               fn d() {\n    let _ = std::sync::mpsc::channel::<u8>();\n}\n";
    write(dir.path(), "lib.rs", src);
    let lines = json_lines(&leash(dir.path(), &["check", "--format", "json", "lib.rs"]));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["line"], 14);
}

#[test]
fn test_code_is_skipped_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let src =
        "#[cfg(test)]\nmod tests {\n    fn t() { let _ = std::sync::mpsc::channel::<u8>(); }\n}\n\
               #[test]\nfn u() { let _ = std::sync::mpsc::channel::<u8>(); }\n";
    write(dir.path(), "lib.rs", src);
    assert_eq!(
        leash(dir.path(), &["check", "lib.rs"]).status.code(),
        Some(0)
    );
    let lines = json_lines(&leash(
        dir.path(),
        &["check", "--format", "json", "--include-tests", "lib.rs"],
    ));
    assert_eq!(lines.len(), 2);
}

#[test]
fn gitignore_and_target_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".gitignore", "ignored/\n");
    write(dir.path(), "ignored/a.rs", UNBOUNDED);
    write(dir.path(), "target/debug/build/b.rs", UNBOUNDED);
    write(dir.path(), "src/c.rs", CLEAN);
    let out = leash(dir.path(), &["check", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stderr(&out).contains("0 findings in 1 file"));
}

#[test]
fn bad_inputs_are_reported_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "good.rs", UNBOUNDED);
    write(d, "syntax.rs", "fn broken( {\n");
    write(d, "latin1.rs", b"fn main() { let s = \"caf\xe9\"; }\n");
    write(d, "binary.rs", b"\x7fELF\x00\x00\x01\x02");
    // rustc compiles a NUL byte inside a string literal: this is source.
    let mut nul = b"fn f() -> &'static str { \"a\x00b\" }\n".to_vec();
    nul.extend_from_slice(UNBOUNDED.as_bytes());
    write(d, "nul_in_literal.rs", nul);
    write(d, "empty.rs", "");
    write(
        d,
        "deep_parens.rs",
        format!(
            "fn f() {{ let x = {}1{}; }}",
            "(".repeat(100_000),
            ")".repeat(100_000)
        ),
    );
    write(
        d,
        "deep_blocks.rs",
        format!("fn f() {}{}", "{".repeat(100_000), "}".repeat(100_000)),
    );
    // Nesting real code uses (well below the guard) still parses on the worker stacks.
    write(
        d,
        "nested_ok.rs",
        format!("fn f() -> u8 {{ {}1{} }}", "(".repeat(200), ")".repeat(200)),
    );
    let huge = "// padding\n".repeat(50 * 1024 * 1024 / 11 + 1);
    write(d, "huge.rs", huge);
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(d.join("loop_a"), d.join("loop_b")).unwrap();
        std::os::unix::fs::symlink(d.join("loop_b"), d.join("loop_a")).unwrap();
        std::fs::create_dir(d.join("cycle")).unwrap();
        std::os::unix::fs::symlink(d.join("cycle"), d.join("cycle/self")).unwrap();
    }
    let out = leash(d, &["check", "--format", "json", "."]);
    // The symbolic-link loops are parts of the tree not read: the run goes on
    // and reports everything else, but cannot pass.
    #[cfg(unix)]
    let expected = Some(2);
    #[cfg(not(unix))]
    let expected = Some(1);
    assert_eq!(out.status.code(), expected, "{}", stderr(&out));
    let lines = json_lines(&out);
    #[cfg(unix)]
    {
        let mut unread: Vec<&str> = lines
            .iter()
            .filter(|l| l.get("error").is_some())
            .map(|l| l["path"].as_str().unwrap())
            .collect();
        unread.sort_unstable();
        assert_eq!(unread, ["cycle/self", "loop_a", "loop_b"]);
    }
    let msg_for = |file: &str| -> String {
        lines
            .iter()
            .find(|l| l["path"] == file)
            .map(|l| {
                format!(
                    "{}: {}",
                    l["lint"].as_str().unwrap(),
                    l["message"].as_str().unwrap()
                )
            })
            .unwrap_or_default()
    };
    assert!(
        msg_for("good.rs").starts_with("unbounded_channel"),
        "the good file is still checked"
    );
    assert!(msg_for("syntax.rs").starts_with("parse_error: could not parse"));
    assert!(
        msg_for("latin1.rs").contains("not valid UTF-8"),
        "{}",
        msg_for("latin1.rs")
    );
    assert!(msg_for("binary.rs").contains("binary file"));
    assert!(
        msg_for("nul_in_literal.rs").starts_with("unbounded_channel"),
        "{}",
        msg_for("nul_in_literal.rs")
    );
    assert!(msg_for("deep_parens.rs").contains("nesting too deep"));
    assert!(msg_for("deep_blocks.rs").contains("nesting too deep"));
    assert!(msg_for("huge.rs").contains("too large"));
    assert_eq!(msg_for("empty.rs"), "", "an empty file is valid Rust");
    assert_eq!(msg_for("nested_ok.rs"), "");
    let err = stderr(&out);
    assert!(
        !err.contains("panicked") && !err.contains("internal error"),
        "{err}"
    );
    assert!(err.contains("6 files could not be parsed"), "{err}");
}

#[test]
fn rules_and_explain() {
    let dir = tempfile::tempdir().unwrap();
    let out = leash(dir.path(), &["rules"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.contains("unbounded_channel") && text.contains("concurrency") && text.contains("warn")
    );
    let out = leash(dir.path(), &["explain", "unbounded_channel"]);
    assert_eq!(out.status.code(), Some(0));
    for section in ["What it does", "Why is this bad?", "Example", "Use instead"] {
        assert!(stdout(&out).contains(section), "missing section {section}");
    }
    assert_eq!(
        leash(dir.path(), &["explain", "nope"]).status.code(),
        Some(2)
    );
}

#[test]
fn level_flags_apply_in_command_line_order() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "lib.rs", UNBOUNDED);
    let only = leash(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "-A",
            "all",
            "-W",
            "unbounded_channel",
            "lib.rs",
        ],
    );
    assert_eq!(json_lines(&only).len(), 1, "the later -W wins");
    let none = leash(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "-W",
            "unbounded_channel",
            "-A",
            "all",
            "lib.rs",
        ],
    );
    assert_eq!(json_lines(&none).len(), 0, "the later -A wins");
}

/// Bodies blanked by the item prefilter come back where cross-file results
/// need them (a function between two retries, a task wrapper called per item),
/// from a cold run and from the cache alike: the findings equal those of a run
/// that parses everything.
#[test]
fn item_prefilter_loses_no_cross_file_finding() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui-tests/item_prefilter");
    let dir = tempfile::tempdir().unwrap();
    for name in ["main.rs", "store.rs", "disk.rs", "tasks.rs", "same_file.rs"] {
        let text = std::fs::read(fixture.join(name)).unwrap();
        write(dir.path(), &format!("src/{name}"), text);
    }
    let json = |args: &[&str]| {
        let mut all = vec!["check", "--no-config", "--format", "json"];
        all.extend_from_slice(args);
        all.push("src");
        let o = leash(dir.path(), &all);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        stdout(&o)
    };
    let everything = json(&["--no-prefilter", "--no-cache"]);
    let lints: Vec<String> = everything
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["lint"].to_string())
        .collect();
    assert!(
        lints.iter().any(|l| l.contains("retry_amplification")),
        "{everything}"
    );
    assert!(
        lints.iter().any(|l| l.contains("unbounded_spawn")),
        "{everything}"
    );
    assert!(everything.contains("same_file.rs"), "{everything}");
    assert_eq!(json(&["--no-cache"]), everything, "cold, item prefilter");
    assert_eq!(json(&["-j", "1"]), everything, "first run, cache written");
    assert_eq!(json(&["-j", "1"]), everything, "warm run, from the cache");
}

/// An unchanged file (same length and modification time) is taken from the
/// cache without being read; a change of content with the same length but a new
/// time is seen.
#[test]
fn cache_trusts_length_and_time_only_when_both_match() {
    use std::time::{Duration, SystemTime};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.rs");
    let set_time = |ago: u64| {
        let f = std::fs::File::options().write(true).open(&path).unwrap();
        f.set_modified(SystemTime::now() - Duration::from_secs(ago))
            .unwrap();
    };
    write(dir.path(), "a.rs", UNBOUNDED);
    set_time(3600);
    let args = ["check", "--format", "json", "a.rs"];
    let cold = leash(dir.path(), &args);
    assert_eq!(cold.status.code(), Some(1));
    let warm = leash(dir.path(), &args);
    assert_eq!(stdout(&warm), stdout(&cold));
    // Same length, other content (no queue any more), another time: analysed again.
    let renamed = UNBOUNDED.replace("mpsc::channel", "mpsc::xhannel");
    assert_eq!(renamed.len(), UNBOUNDED.len());
    write(dir.path(), "a.rs", &renamed);
    set_time(1800);
    let changed = leash(dir.path(), &args);
    assert_eq!(changed.status.code(), Some(0), "{}", stdout(&changed));
}

/// Sets a file's modification time (the status-change time moves with it).
fn set_mtime(path: &Path, time: std::time::SystemTime) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(time).unwrap();
}

/// The `cache_hits` count that `LEASH_STATS` prints.
fn cache_hits(o: &Output) -> usize {
    stderr(o)
        .split("cache_hits=")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .expect("LEASH_STATS prints cache_hits")
}

/// Two checkouts under one configuration (one cache), with the same relative
/// path, length and modification time (as files unpacked from crates.io
/// archives have) but different content: each run reports its own findings,
/// from either checkout and after the two are swapped.
#[test]
fn cache_keeps_two_checkouts_apart() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "leash.toml", "");
    let no_queue = UNBOUNDED.replace("mpsc::channel", "mpsc::xhannel");
    assert_eq!(no_queue.len(), UNBOUNDED.len());
    write(d, "one/src/lib.rs", UNBOUNDED);
    write(d, "two/src/lib.rs", &no_queue);
    let time = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    set_mtime(&d.join("one/src/lib.rs"), time);
    set_mtime(&d.join("two/src/lib.rs"), time);
    let run = |checkout: &str| {
        let out = leash(
            &d.join(checkout),
            &["check", "--format", "json", "src/lib.rs"],
        );
        (out.status.code(), json_lines(&out).len())
    };
    assert_eq!(run("one"), (Some(1), 1));
    assert_eq!(run("two"), (Some(0), 0));
    // Both again, now from the cache.
    assert_eq!(run("one"), (Some(1), 1));
    assert_eq!(run("two"), (Some(0), 0));
    // Swapped: each path now holds the other's file.
    std::fs::rename(d.join("one"), d.join("swap")).unwrap();
    std::fs::rename(d.join("two"), d.join("one")).unwrap();
    std::fs::rename(d.join("swap"), d.join("two")).unwrap();
    assert_eq!(run("one"), (Some(0), 0));
    assert_eq!(run("two"), (Some(1), 1));
}

/// An edit in place that keeps the length and puts the modification time
/// back is seen; an unchanged file is still taken from the cache unread.
#[test]
fn cache_sees_an_edit_that_keeps_length_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let path = d.join("a.rs");
    write(d, "a.rs", UNBOUNDED);
    let time = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    set_mtime(&path, time);
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_leash"))
            .args(["check", "--no-config", "--confidence", "low"])
            .args(["--format", "json", "a.rs"])
            .env("LEASH_STATS", "1")
            .current_dir(d)
            .output()
            .unwrap()
    };
    let cold = run();
    assert_eq!((json_lines(&cold).len(), cache_hits(&cold)), (1, 0));
    let warm = run();
    assert_eq!((json_lines(&warm).len(), cache_hits(&warm)), (1, 1));
    write(
        d,
        "a.rs",
        UNBOUNDED.replace("mpsc::channel", "mpsc::xhannel"),
    );
    set_mtime(&path, time);
    assert_eq!(
        std::fs::metadata(&path).unwrap().len(),
        UNBOUNDED.len() as u64
    );
    let edited = run();
    assert_eq!(edited.status.code(), Some(0), "{}", stdout(&edited));
    assert_eq!((json_lines(&edited).len(), cache_hits(&edited)), (0, 0));
    assert_eq!(cache_hits(&run()), 1, "the new content is cached in turn");
}

/// A queue fed once per accepted connection: the producer is in sight.
const FED_QUEUE: &str = "async fn serve(l: tokio::net::TcpListener) {\n    \
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();\n    \
    loop {\n        let (c, _) = l.accept().await.unwrap();\n        let _ = tx.send(c);\n    }\n}\n";

/// A queue whose sender is handed away: nothing shows a producer.
const HANDED_AWAY: &str = "fn make() -> tokio::sync::mpsc::UnboundedSender<u8> {\n    \
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();\n    tx\n}\n";

#[test]
fn confidence_tiers_default_to_high() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "fed.rs", FED_QUEUE);
    write(d, "away.rs", HANDED_AWAY);
    let shown = |args: &[&str]| -> Vec<(String, String)> {
        let mut all = vec!["check", "--no-config", "--no-cache", "--format", "json"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["fed.rs", "away.rs"]);
        // Not through `leash()`, which asks for both tiers.
        let out = Command::new(env!("CARGO_BIN_EXE_leash"))
            .args(&all)
            .current_dir(d)
            .output()
            .unwrap();
        json_lines(&out)
            .iter()
            .map(|f| {
                (
                    f["path"].as_str().unwrap().to_string(),
                    f["confidence"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(shown(&[]), [("fed.rs".into(), "high".into())]);
    assert_eq!(
        shown(&["--confidence", "low"]),
        [
            ("away.rs".into(), "low".into()),
            ("fed.rs".into(), "high".into())
        ]
    );
    // The configuration can ask for the low tier, and a bad value is an error.
    write(d, "leash.toml", "confidence = \"low\"\n");
    let out = Command::new(env!("CARGO_BIN_EXE_leash"))
        .args(["check", "--no-cache", "--format", "json", "away.rs"])
        .current_dir(d)
        .output()
        .unwrap();
    assert_eq!(json_lines(&out).len(), 1, "{}", stderr(&out));
    write(d, "leash.toml", "confidence = \"medium\"\n");
    let out = Command::new(env!("CARGO_BIN_EXE_leash"))
        .args(["check", "away.rs"])
        .current_dir(d)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("leash.toml:1:14: unknown confidence `medium`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn test_directories_and_test_modules_are_out_of_scope() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "Cargo.toml", "[package]\nname = \"x\"\n");
    write(d, "src/lib.rs", "mod net;\n#[cfg(test)]\nmod helpers;\n");
    write(d, "src/net.rs", FED_QUEUE);
    write(d, "src/helpers.rs", FED_QUEUE);
    write(d, "tests/it.rs", FED_QUEUE);
    write(d, "benches/b.rs", FED_QUEUE);
    write(d, "examples/e.rs", FED_QUEUE);
    write(d, "build.rs", FED_QUEUE);
    let paths = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["check", "--no-config", "--no-cache", "--format", "json"];
        all.extend_from_slice(args);
        json_lines(&leash(d, &all))
            .iter()
            .map(|f| f["path"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(paths(&["."]), ["src/net.rs"]);
    assert_eq!(
        paths(&["--include-tests", "."]),
        [
            "benches/b.rs",
            "build.rs",
            "examples/e.rs",
            "src/helpers.rs",
            "src/net.rs",
            "tests/it.rs"
        ]
    );
    // Named on the command line, test code is checked.
    assert_eq!(paths(&["src/helpers.rs"]), ["src/helpers.rs"]);
    assert_eq!(paths(&["tests"]), ["tests/it.rs"]);
}

#[test]
fn a_module_no_parent_declares_is_low() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "Cargo.toml", "[package]\nname = \"x\"\n");
    write(d, "src/lib.rs", "mod net;\n");
    write(d, "src/net.rs", FED_QUEUE);
    write(d, "src/old/mod.rs", "mod relay;\n");
    write(d, "src/old/relay.rs", FED_QUEUE);
    let tiers = |args: &[&str]| -> Vec<(String, String)> {
        let mut all = vec!["check", "--no-config", "--no-cache", "--format", "json"];
        all.extend_from_slice(args);
        let out = Command::new(env!("CARGO_BIN_EXE_leash"))
            .args(&all)
            .current_dir(d)
            .output()
            .unwrap();
        json_lines(&out)
            .iter()
            .map(|f| {
                let path = f["path"].as_str().unwrap().to_string();
                (path, f["confidence"].as_str().unwrap().to_string())
            })
            .collect()
    };
    assert_eq!(tiers(&["."]), [("src/net.rs".into(), "high".into())]);
    assert_eq!(
        tiers(&["--confidence", "low", "."]),
        [
            ("src/net.rs".into(), "high".into()),
            ("src/old/relay.rs".into(), "low".into())
        ]
    );
    // Named on the command line, the file is checked as it is.
    assert_eq!(
        tiers(&["src/old/relay.rs"]),
        [("src/old/relay.rs".into(), "high".into())]
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_failed_write_is_an_error_not_success() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.rs", UNBOUNDED);
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    // Standard error full (the summary, an error message): no panic, exit 2.
    for args in [&["check", "a.rs"][..], &["check", "nope.rs"][..]] {
        let out = Command::new(env!("CARGO_BIN_EXE_leash"))
            .args(args)
            .current_dir(dir.path())
            .stderr(full())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    for args in [
        &["rules"][..],
        &["explain", "unbounded_retry"][..],
        &["--help"][..],
        &["check", "--no-cache", "a.rs"][..],
        &["check", "--no-cache", "--format", "json", "a.rs"][..],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_leash"))
            .args(with_low_confidence(args))
            .current_dir(dir.path())
            .stdout(full())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{args:?}");
    }
}

/// A path named on the command line that is neither a regular file nor a
/// directory (a device, a FIFO) is reported and fails the run, not skipped.
#[cfg(unix)]
#[test]
fn special_files_named_on_the_command_line_fail_the_run() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.rs", CLEAN);
    let fifo = dir.path().join("pipe.rs");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    for special in ["/dev/null", "pipe.rs"] {
        let out = leash(dir.path(), &["check", "--no-cache", "a.rs", special]);
        assert_eq!(out.status.code(), Some(2), "{special}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!(
                "error: {special}: not a regular file or directory"
            )),
            "{}",
            stderr(&out)
        );
    }
}

/// Two queues and an unbounded, immediate retry: findings of three lints, one
/// of them twice.
fn three_lints(dir: &Path) {
    write(
        dir,
        "src/main.rs",
        "fn main() {\n    let (_tx, _rx) = std::sync::mpsc::channel::<u8>();\n    let (_a, _b) = std::sync::mpsc::channel::<u8>();\n}\n",
    );
    write(
        dir,
        "src/lib.rs",
        "pub fn f() {\n    loop {\n        if g().is_ok() { break; }\n    }\n}\nfn g() -> Result<(), ()> { Ok(()) }\n",
    );
}

const CONCISE: &str = "\
src/lib.rs:2:5: warning[unbounded_retry] unbounded retry: `g` is retried until it succeeds, with no attempt limit
src/lib.rs:3:12: warning[retry_without_backoff] retry without backoff: after a failure of `g` the next attempt starts at once
src/main.rs:2:22: error[unbounded_channel] unbounded channel: `std::sync::mpsc::channel` has no capacity limit
src/main.rs:3:20: error[unbounded_channel] unbounded channel: `std::sync::mpsc::channel` has no capacity limit
";

#[test]
fn concise_format_is_one_line_per_finding() {
    let dir = tempfile::tempdir().unwrap();
    three_lints(dir.path());
    let args = ["check", "--no-config", "-D", "unbounded_channel"];
    let out = leash(dir.path(), &[&args[..], &["--format", "concise"]].concat());
    assert_eq!(stdout(&out), CONCISE);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("4 findings in 2 files"),
        "{}",
        stderr(&out)
    );
    // Cargo's spelling of the same thing.
    let out = leash(
        dir.path(),
        &[&args[..], &["--message-format=short"]].concat(),
    );
    assert_eq!(stdout(&out), CONCISE);
    // A problem with the whole file has no line and column.
    write(dir.path(), "src/blob.rs", [0xff, 0xfe, 0x00]);
    let out = leash(
        dir.path(),
        &["check", "--no-config", "--format", "concise", "src/blob.rs"],
    );
    let text = stdout(&out);
    assert!(
        text.starts_with("src/blob.rs: warning[parse_error] "),
        "{text}"
    );
    assert_eq!(text.lines().count(), 1, "{text}");
}

#[test]
fn statistics_count_each_lint_most_frequent_first() {
    let dir = tempfile::tempdir().unwrap();
    three_lints(dir.path());
    let out = leash(
        dir.path(),
        &[
            "check",
            "--no-config",
            "-D",
            "unbounded_channel",
            "--statistics",
        ],
    );
    assert_eq!(
        stdout(&out),
        "\
2  unbounded_channel      error    a channel or queue with no capacity limit
1  retry_without_backoff  warning  a retry loop that re-attempts immediately after a failure
1  unbounded_retry        warning  a retry loop or retry strategy with no attempt bound
"
    );
    assert_eq!(out.status.code(), Some(1));
    // A table cannot be a machine-readable report.
    let out = leash(dir.path(), &["check", "--statistics", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--statistics"), "{}", stderr(&out));
}

#[test]
fn output_file_holds_the_report_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    three_lints(dir.path());
    write(dir.path(), "reports/old.txt", "");
    let out = leash(
        dir.path(),
        &[
            "check",
            "--no-config",
            "-D",
            "unbounded_channel",
            "--format",
            "concise",
            "--output-file",
            "reports/leash.txt",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).starts_with("4 findings in 2 files"),
        "{}",
        stderr(&out)
    );
    let written = std::fs::read_to_string(dir.path().join("reports/leash.txt")).unwrap();
    assert_eq!(written, CONCISE);
    // Written beside, then renamed: no temporary file is left behind.
    let mut names: Vec<_> = std::fs::read_dir(dir.path().join("reports"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["leash.txt", "old.txt"]);
    // Human output in a file has no colour codes, even when asked for.
    let out = leash(
        dir.path(),
        &[
            "check",
            "--no-config",
            "--color",
            "always",
            "--output-file",
            "human.txt",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let human = std::fs::read_to_string(dir.path().join("human.txt")).unwrap();
    assert!(human.starts_with("warning[unbounded_retry]: "), "{human}");
    assert!(!human.contains('\u{1b}'), "{human}");
    // A file that cannot be written fails the run.
    let out = leash(
        dir.path(),
        &["check", "--output-file", "missing/dir/leash.txt"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot write output: missing/dir/leash.txt: "),
        "{}",
        stderr(&out)
    );
}

#[test]
fn misspelt_lint_names_get_a_suggestion_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/lib.rs", UNBOUNDED);
    let suggestion = "did you mean `unbounded_channel`?";
    for args in [
        &["check", "-A", "unbounded_chanel"][..],
        &["check", "-D", "unbounded-channel"],
        &["explain", "unbounded_chanel"],
    ] {
        let out = leash(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(
            stderr(&out),
            format!(
                "error: unknown lint `{}`: {suggestion} (run `leash rules` for the list)\n",
                args[args.len() - 1]
            )
        );
    }
    // Groups and `all` are suggested too; a name far from every lint is not.
    let out = leash(dir.path(), &["check", "-A", "concurency"]);
    assert!(
        stderr(&out).contains("did you mean `concurrency`?"),
        "{}",
        stderr(&out)
    );
    let out = leash(dir.path(), &["explain", "fast_path"]);
    assert_eq!(
        stderr(&out),
        "error: unknown lint `fast_path` (run `leash rules` for the list)\n"
    );
    // The configuration.
    write(
        dir.path(),
        "leash.toml",
        "[lints]\nsilent_fallbak = \"deny\"\n",
    );
    let out = leash(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "leash.toml:2:1: unknown lint `silent_fallbak`: did you mean `silent_fallback`?"
        ),
        "{}",
        stderr(&out)
    );
    std::fs::remove_file(dir.path().join("leash.toml")).unwrap();
    // Comments and attributes: the `unknown_lint` finding's help.
    write(
        dir.path(),
        "src/lib.rs",
        "// leash: allow(unbounded_chanel) -- start-up only\nfn a() {}\n\n#[leash::allow(retry_without_jiter, reason = \"tests\")]\nfn b() {}\n",
    );
    let out = leash(dir.path(), &["check", "--format", "json"]);
    let found = json_lines(&out);
    let helps: Vec<(&str, &str)> = found
        .iter()
        .map(|f| (f["message"].as_str().unwrap(), f["help"].as_str().unwrap()))
        .collect();
    assert_eq!(
        helps,
        [
            (
                "unknown lint `unbounded_chanel` in suppression",
                "did you mean `unbounded_channel`?"
            ),
            (
                "unknown lint `retry_without_jiter` in `#[leash::allow]`",
                "did you mean `retry_without_jitter`?"
            )
        ]
    );
}

#[test]
fn deny_warnings_and_fail_level_error_as_clippy_users_type_them() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/lib.rs", UNBOUNDED);
    let concise = ["check", "--format", "concise", "-q"];
    // `-D warnings`: every warning is an error, wherever the flag stands.
    for args in [
        &["-D", "warnings", "-W", "unbounded_channel"][..],
        &["-W", "unbounded_channel", "-D", "warnings"],
    ] {
        let out = leash(dir.path(), &[&concise[..], args].concat());
        assert!(
            stdout(&out).contains(": error[unbounded_channel] "),
            "{args:?}: {}",
            stdout(&out)
        );
        let gate = [&concise[..], args, &["--fail-level", "error"]].concat();
        assert_eq!(leash(dir.path(), &gate).status.code(), Some(1));
    }
    // An allowed lint stays allowed.
    let out = leash(
        dir.path(),
        &[&concise[..], &["-D", "warnings", "-A", "all"]].concat(),
    );
    assert_eq!((stdout(&out).as_str(), out.status.code()), ("", Some(0)));
    // `--fail-level error` is `deny`: a warning passes it.
    let out = leash(
        dir.path(),
        &[&concise[..], &["--fail-level", "error"]].concat(),
    );
    assert!(
        stdout(&out).contains(": warning[unbounded_channel] "),
        "{}",
        stdout(&out)
    );
    assert_eq!(out.status.code(), Some(0));
    let out = leash(
        dir.path(),
        &[&concise[..], &["--fail-level", "warning"]].concat(),
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_file_named_on_the_command_line_is_checked_even_if_excluded() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "leash.toml", "exclude = [\"generated\"]\n");
    write(dir.path(), "generated/queues.rs", UNBOUNDED);
    write(dir.path(), "src/lib.rs", CLEAN);
    let json = ["check", "--format", "json"];
    // Walking a directory skips it.
    assert!(json_lines(&leash(dir.path(), &json)).is_empty());
    // Naming it asks for it, as with ruff.
    let named = [&json[..], &["generated/queues.rs"]].concat();
    let found = json_lines(&leash(dir.path(), &named));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["path"], "generated/queues.rs");
    // Unless the exclusions are forced (pre-commit names every staged file).
    let forced = [&named[..], &["--force-exclude"]].concat();
    assert!(json_lines(&leash(dir.path(), &forced)).is_empty());
}

#[test]
fn a_missing_path_is_an_error_and_nothing_more() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/lib.rs", UNBOUNDED);
    for format in ["human", "json", "concise"] {
        let out = leash(dir.path(), &["check", "--format", format, "src", "srx"]);
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(stdout(&out), "", "{format}");
        assert_eq!(
            stderr(&out),
            "error: srx: No such file or directory (os error 2)\n",
            "{format}"
        );
    }
}

#[test]
fn no_rust_files_is_said_and_passes_as_with_ruff() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "empty/README.md", "no Rust here\n");
    let out = leash(dir.path(), &["check", "empty"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "");
    assert_eq!(stderr(&out), "warning: no Rust files found under empty\n");
    // The reports CI steps read are still written.
    let out = leash(dir.path(), &["check", "--format", "sarif", "empty"]);
    assert_eq!(out.status.code(), Some(0));
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sarif["runs"][0]["results"], serde_json::json!([]));
    assert_eq!(stderr(&leash(dir.path(), &["check", "-q", "empty"])), "");
}

#[test]
fn syntax_errors_are_told_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "unclosed.rs",
            "fn f( {\n",
            "1:7",
            "this `{` is never closed",
        ),
        (
            "stray.rs",
            "fn f() {}\n}\n",
            "2:1",
            "this `}` has no matching opening delimiter",
        ),
        (
            "mismatched.rs",
            "fn f() { let x = (1]; }\n",
            "1:20",
            "this `]` has no matching opening delimiter",
        ),
        (
            "string.rs",
            "fn f() { let s = \"abc;\n}\n",
            "1:18",
            "this string or character literal is never closed",
        ),
        (
            "comment.rs",
            "fn f() { /* note\n}\n",
            "1:10",
            "this block comment is never closed",
        ),
        (
            "backtick.rs",
            "fn f() { let x = 1 ` 2; }\n",
            "1:20",
            "the character '`' is not part of Rust's syntax",
        ),
    ];
    let mut expected = String::new();
    for (name, text, at, words) in cases {
        write(dir.path(), name, text);
        expected.push_str(&format!(
            "{name}:{at}: warning[parse_error] could not parse this file: {words}\n"
        ));
    }
    let out = leash(
        dir.path(),
        &["check", "--no-prefilter", "--format", "concise", "."],
    );
    let mut lines: Vec<&str> = expected.lines().collect();
    lines.sort();
    assert_eq!(stdout(&out), lines.join("\n") + "\n");
    assert!(!stderr(&out).contains("token stream"), "{}", stderr(&out));
}
