//! `leash check --fix`, `--unsafe-fixes`, `--diff` and `--add-allow` on
//! copies of small crates in temporary directories, and the suggestions the
//! machine-readable formats carry.

use std::path::Path;
use std::process::{Command, Output};

/// A backon strategy with no jitter: `.with_jitter()` is a safe fix.
const BACKON: &str = "use backon::ExponentialBuilder;

pub fn lockstep() -> ExponentialBuilder {
    ExponentialBuilder::default().with_max_times(16)
}
";

const BACKON_FIXED: &str = "use backon::ExponentialBuilder;

pub fn lockstep() -> ExponentialBuilder {
    ExponentialBuilder::default().with_max_times(16).with_jitter()
}
";

/// A silent fallback in a file that logs with `tracing`: tracing the error
/// is a fix that may not compile (the error may not be `Display`).
const FALLBACK: &str = "pub struct Rules;

pub struct Pricing {
    http: reqwest::Client,
}

impl Pricing {
    pub async fn rules(&self) -> Option<Rules> {
        match self.fetch_rules().await {
            Ok(rules) => Some(rules),
            Err(_) => None,
        }
    }

    pub async fn rules_or_default(&self) -> Vec<u8> {
        match self.fetch().await {
            Ok(body) => body,
            Err(_) => Vec::new(),
        }
    }

    async fn fetch(&self) -> Result<Vec<u8>, reqwest::Error> {
        tracing::debug!(\"fetching\");
        Ok(self.http.get(\"http://rules\").send().await?.bytes().await?.to_vec())
    }

    async fn fetch_rules(&self) -> Result<Rules, reqwest::Error> {
        Ok(Rules)
    }
}
";

/// A reqwest client built with no timeout: the fix's value is a guess.
const CLIENT: &str = "pub fn client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder().user_agent(\"svc\").build()
}
";

fn leash(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leash"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("leash runs")
}

fn leash_env(dir: &Path, args: &[&str], var: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leash"))
        .args(args)
        .env(var, "1")
        .current_dir(dir)
        .output()
        .expect("leash runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn krate(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"f\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    for (rel, text) in files {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap()
}

/// Whether a text parses, as leash (which reports a file that does not as
/// `parse_error`) reads it.
fn parses(text: &str) -> bool {
    let dir = krate(&[("src/lib.rs", text)]);
    let o = leash(
        dir.path(),
        &[
            "check",
            "--no-cache",
            "-A",
            "all",
            "-W",
            "parse_error",
            "--format",
            "json",
        ],
    );
    o.status.code() == Some(0) && stdout(&o).is_empty()
}

#[test]
fn fix_applies_machine_applicable_suggestions_and_the_finding_disappears() {
    let dir = krate(&[("src/lib.rs", BACKON)]);
    let before = leash(dir.path(), &["check", "--no-cache", "--format", "concise"]);
    assert_eq!(before.status.code(), Some(1));
    assert!(stdout(&before).contains("[retry_without_jitter]"));

    let fixed = leash(dir.path(), &["check", "--no-cache", "--fix"]);
    assert_eq!(fixed.status.code(), Some(0), "{}", stderr(&fixed));
    assert_eq!(stdout(&fixed), "");
    assert!(
        stderr(&fixed).starts_with("fixed 1 finding in 1 file\n0 findings in 1 file in "),
        "{}",
        stderr(&fixed)
    );
    assert_eq!(read(dir.path(), "src/lib.rs"), BACKON_FIXED);
    assert!(parses(BACKON_FIXED));
    // Nothing left to fix: a second run changes nothing.
    let again = leash(dir.path(), &["check", "--no-cache", "--fix"]);
    assert_eq!(again.status.code(), Some(0));
    assert!(stderr(&again).starts_with("fixed 0 findings in 0 files\n"));
    assert_eq!(read(dir.path(), "src/lib.rs"), BACKON_FIXED);
}

#[test]
fn maybe_incorrect_fixes_need_unsafe_fixes_and_placeholders_are_never_applied() {
    let dir = krate(&[("src/lib.rs", FALLBACK), ("src/client.rs", CLIENT)]);
    std::fs::write(
        dir.path().join("src/lib.rs"),
        format!("{FALLBACK}\nmod client;\n"),
    )
    .unwrap();
    let original = read(dir.path(), "src/lib.rs");
    // Safe fixes only: neither file changes; both findings stay.
    let safe = leash(
        dir.path(),
        &["check", "--no-cache", "--fix", "--format", "concise"],
    );
    assert_eq!(safe.status.code(), Some(1));
    assert_eq!(read(dir.path(), "src/lib.rs"), original);
    assert_eq!(read(dir.path(), "src/client.rs"), CLIENT);
    assert!(stdout(&safe).contains("[silent_fallback]"));
    assert!(stdout(&safe).contains("[missing_timeout]"));

    let fixed = leash(
        dir.path(),
        &[
            "check",
            "--no-cache",
            "--fix",
            "--unsafe-fixes",
            "--format",
            "concise",
        ],
    );
    assert_eq!(fixed.status.code(), Some(1), "{}", stderr(&fixed));
    let text = read(dir.path(), "src/lib.rs");
    assert!(
        text.contains("match self.fetch().await.inspect_err(|e| tracing::warn!(error = %e, \"fetch failed; falling back\")) {"),
        "{text}"
    );
    assert!(parses(&text));
    // The fallback is traced now: only the timeout (a placeholder) is left.
    let out = stdout(&fixed);
    assert!(!out.contains("[silent_fallback]"), "{out}");
    assert!(
        out.contains("src/client.rs:2:50: warning[missing_timeout]"),
        "{out}"
    );
    assert_eq!(read(dir.path(), "src/client.rs"), CLIENT);
    assert!(stderr(&fixed).starts_with("fixed 1 finding in 1 file\n"));
}

#[test]
fn diff_prints_the_change_and_writes_nothing() {
    let dir = krate(&[("src/lib.rs", BACKON)]);
    let o = leash(dir.path(), &["check", "--no-cache", "--diff"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o),
        "--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -1,5 +1,5 @@\n use backon::ExponentialBuilder;\n \n pub fn lockstep() -> ExponentialBuilder {\n-    ExponentialBuilder::default().with_max_times(16)\n+    ExponentialBuilder::default().with_max_times(16).with_jitter()\n }\n"
    );
    assert_eq!(stderr(&o), "1 fix would change 1 file\n");
    assert_eq!(read(dir.path(), "src/lib.rs"), BACKON);
    // Nothing to change: exit 0.
    let clean = krate(&[("src/lib.rs", BACKON_FIXED)]);
    let o = leash(clean.path(), &["check", "--no-cache", "--diff"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "");
    assert_eq!(stderr(&o), "0 fixes would change 0 files\n");
}

#[test]
fn a_fix_that_breaks_the_parse_leaves_the_file_untouched() {
    let dir = krate(&[("src/lib.rs", BACKON)]);
    // A debug-build hook makes every fixed text unparsable.
    let o = leash_env(
        dir.path(),
        &["check", "--no-cache", "--fix", "--format", "concise"],
        "LEASH_TEST_BREAK_FIXES",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with("error: src/lib.rs: fixes left out: the fixed text does not parse (the file is unchanged by them)\nfixed 0 findings in 0 files\n"),
        "{}",
        stderr(&o)
    );
    assert_eq!(read(dir.path(), "src/lib.rs"), BACKON);
    assert!(stdout(&o).contains("[retry_without_jitter]"));
}

#[test]
fn fix_keeps_permissions() {
    let dir = krate(&[("src/lib.rs", BACKON)]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let p = dir.path().join("src/lib.rs");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        let o = leash(dir.path(), &["check", "--no-cache", "--fix"]);
        assert_eq!(o.status.code(), Some(0));
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        // No temporary file is left beside it.
        let names: Vec<_> = std::fs::read_dir(dir.path().join("src"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("lib.rs")]);
    }
}

#[test]
fn add_allow_suppresses_every_finding_once() {
    let src = "pub fn start() {\n    let (_a, _b) = std::sync::mpsc::channel::<u8>(); let (_c, _d) = std::sync::mpsc::channel::<u8>();\n    if true {\n        let (_e, _f) = std::sync::mpsc::channel::<u8>();\n    }\n}\n";
    let dir = krate(&[("src/lib.rs", src)]);
    let args = ["check", "--no-cache", "--confidence", "low"];
    assert_eq!(leash(dir.path(), &args).status.code(), Some(1));
    let o = leash(
        dir.path(),
        &[
            "check",
            "--no-cache",
            "--confidence",
            "low",
            "--add-allow",
            "legacy, see #12",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "2 suppressions added to 1 file\n");
    let expected = "pub fn start() {\n    // leash: allow(unbounded_channel) -- legacy, see #12\n    let (_a, _b) = std::sync::mpsc::channel::<u8>(); let (_c, _d) = std::sync::mpsc::channel::<u8>();\n    if true {\n        // leash: allow(unbounded_channel) -- legacy, see #12\n        let (_e, _f) = std::sync::mpsc::channel::<u8>();\n    }\n}\n";
    assert_eq!(read(dir.path(), "src/lib.rs"), expected);
    // Every finding is suppressed now, and a second run adds nothing.
    let after = leash(dir.path(), &args);
    assert_eq!(after.status.code(), Some(0), "{}", stdout(&after));
    let again = leash(
        dir.path(),
        &[
            "check",
            "--no-cache",
            "--confidence",
            "low",
            "--add-allow",
            "legacy, see #12",
        ],
    );
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(stderr(&again), "0 suppressions added to 0 files\n");
    assert_eq!(read(dir.path(), "src/lib.rs"), expected);
}

#[test]
fn add_allow_beside_an_existing_suppression_keeps_it_working() {
    let src = "pub fn start() {\n    // leash: allow(missing_timeout) -- internal service\n    let _c = reqwest::Client::new(); let (_a, _b) = std::sync::mpsc::channel::<u8>();\n}\n";
    let dir = krate(&[("src/lib.rs", src)]);
    let args = [
        "check",
        "--no-cache",
        "--confidence",
        "low",
        "--format",
        "concise",
    ];
    let before = leash(dir.path(), &args);
    assert_eq!(stdout(&before).matches("[unbounded_channel]").count(), 1);
    assert!(!stdout(&before).contains("[missing_timeout]"));
    let o = leash(
        dir.path(),
        &[
            "check",
            "--no-cache",
            "--confidence",
            "low",
            "--add-allow",
            "legacy",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        read(dir.path(), "src/lib.rs"),
        "pub fn start() {\n    // leash: allow(missing_timeout) -- internal service\n    // leash: allow(unbounded_channel) -- legacy\n    let _c = reqwest::Client::new(); let (_a, _b) = std::sync::mpsc::channel::<u8>();\n}\n"
    );
    // Both comments reach the line: nothing is reported.
    let after = leash(dir.path(), &args);
    assert_eq!(after.status.code(), Some(0), "{}", stdout(&after));
}

#[test]
fn conflicting_and_incomplete_fix_flags_are_usage_errors() {
    let dir = krate(&[("src/lib.rs", BACKON)]);
    let o = leash(dir.path(), &["check", "--unsafe-fixes"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: --unsafe-fixes widens what --fix or --diff applies: give one of them too\n"
    );
    let o = leash(dir.path(), &["check", "--fix", "--diff"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("'--fix' cannot be used with '--diff'"));
    // They print no report: a report's flags would be ignored.
    let o = leash(dir.path(), &["check", "--diff", "--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("'--diff' cannot be used with '--format <FORMAT>'"));
    let o = leash(
        dir.path(),
        &["check", "--add-allow", "r", "--baseline", "b.json"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("'--add-allow <REASON>' cannot be used with '--baseline <FILE>'"));
    // `--staged` checks copies of the staged blobs: nothing to write back.
    for flag in [&["--fix"][..], &["--diff"], &["--add-allow", "r"]] {
        let mut args = vec!["check", "--staged"];
        args.extend_from_slice(flag);
        let o = leash(dir.path(), &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains("cannot be used with"), "{}", stderr(&o));
    }
    let o = leash(dir.path(), &["check", "--add-allow", " "]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with("error: --add-allow needs a reason on one line"));
    assert_eq!(read(dir.path(), "src/lib.rs"), BACKON);
}

#[test]
fn formats_carry_the_suggestions() {
    let dir = krate(&[("src/lib.rs", BACKON)]);
    // rustc's JSON: a `help` child whose span holds the replacement.
    let o = leash(
        dir.path(),
        &["check", "--no-cache", "--message-format", "json"],
    );
    let msg: serde_json::Value = serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
    let children = msg["message"]["children"].as_array().unwrap();
    let fix = children
        .iter()
        .find(|c| c["message"] == "add `.with_jitter()`")
        .expect("a suggestion child");
    assert_eq!(fix["level"], "help");
    let span = &fix["spans"][0];
    assert_eq!(span["suggested_replacement"], ".with_jitter()");
    assert_eq!(span["suggestion_applicability"], "MachineApplicable");
    assert_eq!(span["line_start"], 4);
    assert_eq!(span["column_start"], 53);
    assert_eq!(span["column_end"], 53);
    assert_eq!(span["byte_start"], span["byte_end"]);
    let byte = span["byte_start"].as_u64().unwrap() as usize;
    assert_eq!(&BACKON[byte - 4..byte], "(16)");
    let suppress = children
        .iter()
        .find(|c| c["message"] == "suppress `retry_without_jitter` here with a reason")
        .expect("a suppression child");
    assert_eq!(
        suppress["spans"][0]["suggested_replacement"],
        "    // leash: allow(retry_without_jitter) -- <reason>\n"
    );
    assert_eq!(
        suppress["spans"][0]["suggestion_applicability"],
        "HasPlaceholders"
    );

    // JSON Lines: a `fixes` array.
    let o = leash(dir.path(), &["check", "--no-cache", "--format", "json"]);
    let line: serde_json::Value = serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
    assert_eq!(
        line["fixes"][0],
        serde_json::json!({
            "message": "add `.with_jitter()`",
            "applicability": "MachineApplicable",
            "edits": [{"line": 4, "column": 53, "end_line": 4, "end_column": 53, "replacement": ".with_jitter()"}],
        })
    );
    assert_eq!(line["fixes"][1]["applicability"], "HasPlaceholders");

    // Human: a `help:` line with the suggestion (not the suppression).
    let o = leash(dir.path(), &["check", "--no-cache"]);
    let text = stdout(&o);
    assert!(
        text.contains("= help: add `.with_jitter()` (`leash check --fix` applies it)"),
        "{text}"
    );
    assert!(!text.contains("<reason>"), "{text}");
}
