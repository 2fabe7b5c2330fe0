//! The integration formats and modes, each checked against its consumer's
//! schema or parser, by running the real binary on temporary projects.

use std::path::Path;
use std::process::{Command, Output, Stdio};

const LEASH: &str = env!("CARGO_BIN_EXE_leash");

/// One `unbounded_channel` finding per call.
const CHANNEL: &str = "std::sync::mpsc::channel::<u8>()";

/// `check` shows both confidence tiers: the fixtures' one-line queues have no
/// visible producer, and these tests are about the integrations.
fn run_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut args = args.to_vec();
    let check = args.iter().position(|a| *a == "check").filter(|&i| i <= 1);
    if let (Some(i), false) = (check, args.contains(&"--confidence")) {
        args.splice(i + 1..i + 1, ["--confidence", "low"]);
    }
    let mut cmd = Command::new(LEASH);
    cmd.args(&args)
        .current_dir(dir)
        .env_remove("CARGO")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("runs leash");
    if let Some(text) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("writes stdin");
    }
    child.wait_with_output().expect("leash finishes")
}

fn stdout(o: &Output) -> String {
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).expect("utf-8 stdout")
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

/// A project (not a git repository, not a Cargo package) with two findings,
/// one on a line with non-ASCII text before it.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "src/main.rs",
        &format!(
            "fn main() {{\n    let (tx, rx) = {CHANNEL};\n    let s = \"héllo, wörld\"; let (a, b) = {CHANNEL};\n}}\n"
        ),
    );
    dir
}

fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let dir = project();
    let out = run_in(
        dir.path(),
        &["check", "--no-config", "--format", "sarif"],
        None,
    );
    let sarif: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("SARIF is JSON");
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("schemas/sarif-schema-2.1.0.json"))
            .expect("schema is JSON");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "schema violations: {errors:#?}");

    let run = &sarif["runs"][0];
    // The validated report carries fixes: the suppression every finding has.
    let fix = run["results"]
        .as_array()
        .expect("results")
        .iter()
        .find_map(|r| r["fixes"].get(0))
        .expect("a result with fixes");
    let replacement = &fix["artifactChanges"][0]["replacements"][0];
    assert!(replacement["insertedContent"]["text"]
        .as_str()
        .is_some_and(|t| t.contains("// leash: allow(")));
    assert_eq!(
        replacement["deletedRegion"]["startColumn"],
        replacement["deletedRegion"]["endColumn"]
    );
    assert_eq!(fix["properties"]["applicability"], "HasPlaceholders");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "leash");
    assert!(driver["version"].is_string() && driver["informationUri"].is_string());
    let rules = driver["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    for lint in [
        "unbounded_channel",
        "unbounded_retry",
        "missing_reason",
        "unused_allow",
    ] {
        assert!(ids.contains(&lint), "rule {lint} listed");
    }
    for r in rules {
        assert!(r["help"]["markdown"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
        assert!(
            r["shortDescription"]["text"].is_string() && r["fullDescription"]["text"].is_string()
        );
        assert!(["none", "note", "warning", "error"]
            .contains(&r["defaultConfiguration"]["level"].as_str().unwrap_or("")));
    }
    let channel = &rules[ids
        .iter()
        .position(|&i| i == "unbounded_channel")
        .expect("listed")];
    assert!(channel["help"]["markdown"]
        .as_str()
        .is_some_and(|m| m.contains("## What it does")));
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 2);
    let mut fingerprints = Vec::new();
    for r in results {
        let idx = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        assert_eq!(r["level"], "warning");
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "src/main.rs");
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        for k in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(loc["region"][k].as_u64().is_some_and(|v| v > 0), "{k}");
        }
        fingerprints.push(r["partialFingerprints"]["leashFingerprint/v1"].clone());
    }
    // The second finding's column counts characters, not bytes.
    let second = &results[1]["locations"][0]["physicalLocation"]["region"];
    let line = "    let s = \"héllo, wörld\"; let (a, b) = ";
    assert_eq!(second["startColumn"], line.chars().count() + 1);
    assert_ne!(fingerprints[0], fingerprints[1]);
}

#[test]
fn sarif_fingerprints_survive_unrelated_edits() {
    let dir = project();
    let fps = |dir: &Path| -> Vec<serde_json::Value> {
        let out = run_in(dir, &["check", "--no-config", "--format", "sarif"], None);
        let sarif: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
        sarif["runs"][0]["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| r["partialFingerprints"].clone())
            .collect()
    };
    let before = fps(dir.path());
    let src = std::fs::read_to_string(dir.path().join("src/main.rs")).expect("read");
    write(
        dir.path(),
        "src/main.rs",
        &format!("// a header comment\n\nuse std::fmt;\n{src}\nfn other() {{}}\n"),
    );
    assert_eq!(before, fps(dir.path()));
}

fn unescape(s: &str) -> String {
    s.replace("%0A", "\n")
        .replace("%0D", "\r")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

#[test]
fn github_annotations_follow_the_workflow_command_syntax() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "src/a,b:100%.rs",
        &format!("fn f() {{\n    let _c = {CHANNEL};\n}}\n"),
    );
    let out = run_in(
        dir.path(),
        &[
            "check",
            "--no-config",
            "--format",
            "github",
            "-D",
            "unbounded_channel",
        ],
        None,
    );
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{text}");
    let rest = lines[0].strip_prefix("::error ").expect("deny is ::error");
    let (props, message) = rest.split_once("::").expect("`::` before the message");
    let props: Vec<(&str, &str)> = props
        .split(',')
        .map(|p| p.split_once('=').expect("key=value"))
        .collect();
    let keys: Vec<&str> = props.iter().map(|(k, _)| *k).collect();
    assert_eq!(
        keys,
        ["file", "line", "col", "endLine", "endColumn", "title"]
    );
    assert_eq!(unescape(props[0].1), "src/a,b:100%.rs");
    assert_eq!(props[0].1, "src/a%2Cb%3A100%25.rs");
    assert_eq!(props[1].1, "2");
    assert_eq!(props[2].1, "14");
    assert_eq!(props[5].1, "unbounded_channel");
    assert!(!message.contains('\n'));
    assert!(unescape(message).contains("\nhelp: "));

    let warn = run_in(
        dir.path(),
        &["check", "--no-config", "--format", "github"],
        None,
    );
    assert!(stdout(&warn).starts_with("::warning file="));
}

#[test]
fn gitlab_code_quality_report_has_the_required_fields() {
    let dir = project();
    let out = run_in(
        dir.path(),
        &["check", "--no-config", "--format", "gitlab"],
        None,
    );
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let issues = report.as_array().expect("an array");
    assert_eq!(issues.len(), 2);
    let mut fps = std::collections::HashSet::new();
    for i in issues {
        assert!(i["description"].is_string());
        assert_eq!(i["check_name"], "unbounded_channel");
        assert!(fps.insert(i["fingerprint"].as_str().expect("fingerprint").to_string()));
        assert!(["info", "minor", "major", "critical", "blocker"]
            .contains(&i["severity"].as_str().expect("severity")));
        assert_eq!(i["location"]["path"], "src/main.rs");
        assert!(i["location"]["lines"]["begin"]
            .as_u64()
            .is_some_and(|l| l >= 1));
    }
    let clean = tempfile::tempdir().expect("tempdir");
    write(clean.path(), "lib.rs", "pub fn f() {}\n");
    let out = run_in(
        clean.path(),
        &["check", "--no-config", "--format", "gitlab"],
        None,
    );
    assert_eq!(stdout(&out).trim(), "[]");
}

#[test]
fn junit_report_has_one_failure_per_finding() {
    let dir = project();
    let out = run_in(
        dir.path(),
        &["check", "--no-config", "--format", "junit"],
        None,
    );
    let xml = stdout(&out);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"));
    assert_eq!(xml.matches("<failure ").count(), 2);
    assert_eq!(xml.matches("<testcase ").count(), 2);
    assert!(xml.trim_end().ends_with("</testsuites>"));
}

fn compiler_messages(text: &str) -> Vec<cargo_metadata::CompilerMessage> {
    cargo_metadata::Message::parse_stream(text.as_bytes())
        .map(|m| match m.expect("reads a line") {
            cargo_metadata::Message::CompilerMessage(c) => c,
            other => panic!("not a compiler message: {other:?}"),
        })
        .collect()
}

#[test]
fn message_format_json_parses_as_cargo_messages() {
    let dir = project();
    // A Cargo package, so package ids and targets come from `cargo metadata`.
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"demo-app\"\nversion = \"0.3.0\"\nedition = \"2021\"\n",
    );
    let out = run_in(dir.path(), &["check", "--message-format=json"], None);
    let text = stdout(&out);
    let msgs = compiler_messages(&text);
    assert_eq!(msgs.len(), 2);
    let source = std::fs::read_to_string(dir.path().join("src/main.rs")).expect("read");
    for m in &msgs {
        assert!(
            m.package_id.repr.contains("demo-app"),
            "{}",
            m.package_id.repr
        );
        assert_eq!(m.target.name, "demo-app");
        assert_eq!(
            m.message.level,
            cargo_metadata::diagnostic::DiagnosticLevel::Warning
        );
        let code = m.message.code.as_ref().expect("code");
        assert_eq!(code.code, "leash::unbounded_channel");
        assert!(m
            .message
            .rendered
            .as_deref()
            .is_some_and(|r| r.contains("unbounded_channel")));
        assert!(m
            .message
            .children
            .iter()
            .any(|c| c.level == cargo_metadata::diagnostic::DiagnosticLevel::Help));
        let span = &m.message.spans[0];
        assert!(span.is_primary);
        assert_eq!(span.file_name, "src/main.rs");
        assert!(span.expansion.is_none() && span.suggested_replacement.is_none());
        // Byte offsets point at the call; columns count chars, end exclusive.
        let snippet = &source[span.byte_start as usize..span.byte_end as usize];
        assert_eq!(snippet, CHANNEL);
        let line = &span.text[0];
        let chars: Vec<char> = line.text.chars().collect();
        let highlighted: String = chars[span.column_start - 1..span.column_end - 1]
            .iter()
            .collect();
        assert_eq!(highlighted, CHANNEL);
        assert_eq!(line.highlight_start, span.column_start);
        assert_eq!(line.highlight_end, span.column_end);
    }
    let non_ascii = &msgs[1].message.spans[0];
    assert_eq!(non_ascii.line_start, 3);
    assert_ne!(
        non_ascii.column_start - 1,
        non_ascii.byte_start as usize - source.find("    let s").expect("line 3"),
        "columns are in chars, not bytes"
    );
    // The alias.
    let alias = run_in(dir.path(), &["check", "--format", "rustc-json"], None);
    assert_eq!(compiler_messages(&stdout(&alias)).len(), 2);
}

#[cfg(unix)]
#[test]
fn with_clippy_passes_clippy_messages_through() {
    use std::os::unix::fs::PermissionsExt;
    let dir = project();
    // A stand-in for cargo: no metadata, and a clippy that prints one message.
    let fake = dir.path().join("fake-cargo");
    std::fs::write(
        &fake,
        "#!/bin/sh\nif [ \"$1\" = clippy ]; then echo \"{\\\"reason\\\":\\\"build-finished\\\",\\\"success\\\":true,\\\"args\\\":\\\"$*\\\"}\"; exit 0; fi\nexit 101\n",
    )
    .expect("write fake cargo");
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let out = Command::new(LEASH)
        .args([
            "check",
            "--no-config",
            "--confidence",
            "low",
            "--message-format=json",
            "--with-clippy",
        ])
        .current_dir(dir.path())
        .env("CARGO", &fake)
        .output()
        .expect("runs");
    let text = stdout(&out);
    let kinds: Vec<String> = json_lines(&text)
        .iter()
        .map(|v| v["reason"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        kinds,
        ["compiler-message", "compiler-message", "build-finished"]
    );
    assert!(text.contains("clippy --message-format=json"));
    let usage = run_in(dir.path(), &["check", "--with-clippy"], None);
    assert_eq!(usage.status.code(), Some(2));
}

fn findings(dir: &Path, extra: &[&str]) -> (Vec<serde_json::Value>, String, Option<i32>) {
    let mut args = vec!["check", "--no-config", "--format", "json"];
    args.extend_from_slice(extra);
    let out = run_in(dir, &args, None);
    if out.status.code() == Some(2) {
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        return (Vec::new(), err, Some(2));
    }
    let text = stdout(&out);
    (
        json_lines(&text),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}

#[test]
fn baseline_round_trip() {
    let dir = project();
    write(
        dir.path(),
        "src/other.rs",
        &format!("pub fn g() {{\n    let _q = {CHANNEL};\n    let _r = {CHANNEL};\n}}\n"),
    );
    let base = dir.path().join("leash-baseline.json");
    let out = run_in(
        dir.path(),
        &[
            "check",
            "--no-config",
            "--write-baseline",
            "leash-baseline.json",
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&base).expect("baseline written"))
            .expect("JSON");
    assert_eq!(written["findings"].as_array().expect("findings").len(), 4);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("ls")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary file left behind");

    // Shift lines and edit elsewhere: nothing new.
    let main = std::fs::read_to_string(dir.path().join("src/main.rs")).expect("read");
    write(
        dir.path(),
        "src/main.rs",
        &format!("use std::fmt::Write;\n\n// moved down\n{main}\nfn unrelated() -> u32 {{ 42 }}\n"),
    );
    let other = std::fs::read_to_string(dir.path().join("src/other.rs")).expect("read");
    write(
        dir.path(),
        "src/other.rs",
        &format!(
            "\n\n{}",
            other.replace("pub fn g() {", "pub fn g() {\n    let unrelated = 3;")
        ),
    );
    let (found, stderr, code) = findings(dir.path(), &["--baseline", "leash-baseline.json"]);
    assert!(found.is_empty(), "{found:?}");
    assert_eq!(code, Some(0));
    assert!(
        stderr.contains("4 known findings not shown, 0 baseline entries fixed"),
        "{stderr}"
    );

    // A real new finding: exactly one.
    let other = std::fs::read_to_string(dir.path().join("src/other.rs")).expect("read");
    write(
        dir.path(),
        "src/other.rs",
        &format!("{other}\npub fn h() {{\n    let _n = {CHANNEL};\n}}\n"),
    );
    let (found, _, code) = findings(dir.path(), &["--baseline", "leash-baseline.json"]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["path"], "src/other.rs");
    assert_eq!(code, Some(1));

    // A duplicate of a baselined line is new too (occurrence index).
    let other = std::fs::read_to_string(dir.path().join("src/other.rs")).expect("read");
    write(
        dir.path(),
        "src/other.rs",
        &other.replace(
            "    let _r =",
            &format!("    let _q = {CHANNEL};\n    let _r ="),
        ),
    );
    let (found, _, _) = findings(dir.path(), &["--baseline", "leash-baseline.json"]);
    assert_eq!(found.len(), 2, "{found:?}");

    // Fix one baselined finding, then prune.
    write(dir.path(), "src/other.rs", "pub fn g() {}\n");
    let (found, stderr, _) = findings(dir.path(), &["--baseline", "leash-baseline.json"]);
    assert!(found.is_empty());
    assert!(
        stderr.contains("2 known findings not shown, 2 baseline entries fixed"),
        "{stderr}"
    );
    let (_, stderr, _) = findings(
        dir.path(),
        &["--baseline", "leash-baseline.json", "--prune-baseline"],
    );
    assert!(stderr.contains("removed 2 fixed entries"), "{stderr}");
    let pruned: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&base).expect("read")).expect("JSON");
    assert_eq!(pruned["findings"].as_array().expect("findings").len(), 2);

    // A broken baseline is a usage error.
    std::fs::write(&base, "{not json").expect("write");
    let (_, _, code) = findings(dir.path(), &["--baseline", "leash-baseline.json"]);
    assert_eq!(code, Some(2));
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("runs git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn diff_base_reports_only_changed_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "src/lib.rs",
        &format!(
            "pub fn a() {{\n    let _x = {CHANNEL};\n}}\n\npub fn b() {{\n    let _y = 1;\n}}\n"
        ),
    );
    git(d, &["init", "-q"]);
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "init"]);
    // Unchanged old finding, shifted down; one changed line with a new finding.
    write(
        d,
        "src/lib.rs",
        &format!("// new header\npub fn a() {{\n    let _x = {CHANNEL};\n}}\n\npub fn b() {{\n    let _y = {CHANNEL};\n}}\n"),
    );
    // An untracked file counts as new.
    write(
        d,
        "src/new.rs",
        &format!("pub fn c() {{\n    let _z = {CHANNEL};\n}}\n"),
    );
    let (found, _, code) = findings(d, &["--diff-base", "HEAD"]);
    let at: Vec<(String, u64)> = found
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        at,
        [("src/lib.rs".to_string(), 7), ("src/new.rs".to_string(), 2)]
    );
    assert_eq!(code, Some(1));
    // Run from a subdirectory, checking a path: the diff is the repository's.
    let (found, _, _) = findings(&d.join("src"), &["--diff-base", "HEAD", "lib.rs"]);
    assert_eq!(found.len(), 1);
    let (_, _, code) = findings(d, &["--diff-base", "no-such-rev"]);
    assert_eq!(code, Some(2));
}

#[test]
fn stdin_is_reported_under_the_given_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = format!("fn f() {{\n    let _c = {CHANNEL};\n}}\n");
    let out = run_in(
        dir.path(),
        &[
            "check",
            "--no-config",
            "--format",
            "json",
            "--stdin-filename",
            "src/editing.rs",
        ],
        Some(&src),
    );
    let found = json_lines(&stdout(&out));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["path"], "src/editing.rs");
    assert_eq!(found[0]["line"], 2);
    // The name is asked for, as a file named on the command line: checked
    // even when excluded, unless the exclusions are forced (as with ruff).
    let excluded = [
        "check",
        "--no-config",
        "--format",
        "json",
        "--exclude",
        "src/**",
        "--stdin-filename",
        "src/editing.rs",
    ];
    let out = run_in(dir.path(), &excluded, Some(&src));
    assert_eq!(json_lines(&stdout(&out)).len(), 1);
    let out = run_in(
        dir.path(),
        &[&excluded[..], &["--force-exclude"]].concat(),
        Some(&src),
    );
    assert_eq!(stdout(&out), "");
    // An unsaved file uses the configuration it will have once saved, found
    // by walking up from where it will be, above the current directory too.
    write(
        dir.path(),
        "leash.toml",
        "exclude = [\"src/generated\"]\n[lints]\nunbounded_channel = \"deny\"\n",
    );
    std::fs::create_dir_all(dir.path().join("src")).expect("mkdir");
    let unsaved = [
        "check",
        "--format",
        "json",
        "--force-exclude",
        "--stdin-filename",
    ];
    let out = run_in(
        &dir.path().join("src"),
        &[&unsaved[..], &["new/module.rs"]].concat(),
        Some(&src),
    );
    let found = json_lines(&stdout(&out));
    assert_eq!(found[0]["path"], "new/module.rs");
    assert_eq!(found[0]["level"], "error");
    let out = run_in(
        &dir.path().join("src"),
        &[&unsaved[..], &["generated/module.rs"]].concat(),
        Some(&src),
    );
    assert_eq!(stdout(&out), "");
}

#[test]
fn report_unused_allows() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "lib.rs",
        &format!(
            "pub fn f() {{\n    // leash: allow(unbounded_channel) -- start-up only\n    let _used = {CHANNEL};\n    // leash: allow(unbounded_channel) -- stale\n    let _bounded = std::sync::mpsc::sync_channel::<u8>(4);\n}}\n"
        ),
    );
    let (found, _, _) = findings(dir.path(), &[]);
    assert!(found.is_empty(), "{found:?}");
    let (found, _, code) = findings(dir.path(), &["--report-unused-allows"]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["lint"], "unused_allow");
    assert_eq!(found[0]["line"], 4);
    assert_eq!(code, Some(1));
    // A disabled lint's suppressions are not called unused.
    let (found, _, _) = findings(
        dir.path(),
        &["--report-unused-allows", "-A", "unbounded_channel"],
    );
    assert!(found.is_empty(), "{found:?}");
}

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "Cargo.toml",
        "[workspace]\nmembers = [\"alpha\", \"beta\"]\nresolver = \"2\"\n",
    );
    for (name, var) in [("alpha", "_a"), ("beta", "_b")] {
        write(
            d,
            &format!("{name}/Cargo.toml"),
            &format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        );
        write(
            d,
            &format!("{name}/src/lib.rs"),
            &format!("pub fn f() {{\n    let {var} = {CHANNEL};\n}}\n"),
        );
    }
    // Not part of any member: never checked under cargo.
    write(
        d,
        "scratch/notes.rs",
        &format!("fn x() {{ let _s = {CHANNEL}; }}\n"),
    );
    dir
}

fn paths_of(found: &[serde_json::Value]) -> Vec<String> {
    found
        .iter()
        .map(|f| f["path"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn cargo_subcommand_checks_workspace_members() {
    let dir = workspace();
    let d = dir.path();
    // What cargo runs for `cargo leash check`: `leash` as the first argument.
    let out = run_in(
        d,
        &["leash", "check", "--no-config", "--format", "json"],
        None,
    );
    assert_eq!(
        paths_of(&json_lines(&stdout(&out))),
        ["alpha/src/lib.rs", "beta/src/lib.rs"]
    );
    let out = run_in(
        d,
        &[
            "leash",
            "check",
            "--no-config",
            "--format",
            "json",
            "-p",
            "beta",
        ],
        None,
    );
    assert_eq!(paths_of(&json_lines(&stdout(&out))), ["beta/src/lib.rs"]);
    // `cargo leash` with no subcommand means `check`.
    let out = run_in(
        d,
        &[
            "leash",
            "--no-config",
            "--confidence",
            "low",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(json_lines(&stdout(&out)).len(), 2);
    let out = run_in(d, &["leash", "check", "--no-config", "-p", "gamma"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("alpha, beta"));

    // The `cargo-leash` binary, as cargo invokes it.
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-leash"))
        .args([
            "leash",
            "check",
            "--no-config",
            "--confidence",
            "low",
            "--format",
            "json",
            "-p",
            "alpha",
        ])
        .current_dir(d)
        .env_remove("CARGO")
        .output()
        .expect("runs cargo-leash");
    assert_eq!(paths_of(&json_lines(&stdout(&out))), ["alpha/src/lib.rs"]);
}

/// The subcommands `leash --help` lists, read from its `Commands:` section.
fn subcommands_in_help() -> Vec<String> {
    let help = Command::new(LEASH)
        .arg("--help")
        .output()
        .expect("runs leash");
    let text = String::from_utf8_lossy(&help.stdout).into_owned();
    text.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

#[test]
fn cargo_subcommand_knows_every_subcommand() {
    let dir = workspace();
    let d = dir.path();
    let subcommands = subcommands_in_help();
    assert!(subcommands.len() >= 5, "{subcommands:?}");
    // Each one, after `cargo leash`, is that subcommand, not a path to check.
    for sub in &subcommands {
        // `help` takes a subcommand, not `--help`.
        let (args, usage) = match sub.as_str() {
            "help" => (
                ["leash", "help", "budgets"],
                "Usage: leash budgets".to_string(),
            ),
            _ => (["leash", sub, "--help"], format!("Usage: leash {sub}")),
        };
        let out = run_in(d, &args, None);
        assert!(
            stdout(&out).contains(&usage),
            "cargo {}: {}",
            args.join(" "),
            stdout(&out)
        );
    }
    let out = run_in(d, &["leash", "budgets", "--format", "json"], None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = json_lines(&stdout(&out));
    assert_eq!(paths_of(&rows).len(), 3, "{rows:?}");
    assert!(rows.iter().all(|r| r["kind"] == "queue"), "{rows:?}");
    // A top-level flag is still the flag.
    let out = run_in(d, &["leash", "--version"], None);
    assert!(stdout(&out).starts_with("leash "), "{}", stdout(&out));
}

/// A tree with nothing to report but a part that cannot be read: a symbolic
/// link looping to its ancestor, and (unless running as root, who reads it
/// anyway) a directory without permissions. Every format exits 2, and each
/// machine-readable one records what was not read.
#[cfg(unix)]
#[test]
fn unread_parts_of_the_tree_fail_the_run_in_every_format() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "tree/clean.rs", "fn f() {}\n");
    std::fs::create_dir_all(d.join("tree/sub")).expect("mkdir");
    std::os::unix::fs::symlink("..", d.join("tree/sub/up")).expect("symlink");
    write(d, "tree/locked/hidden.rs", "fn g() {}\n");
    let locked = d.join("tree/locked");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let locked_out = std::fs::read_dir(&locked).is_err();
    let mut unread = vec!["tree/sub/up"];
    if locked_out {
        unread.push("tree/locked");
    }
    let check = |format: &str| {
        run_in(
            d,
            &[
                "check",
                "--no-config",
                "--no-cache",
                "--format",
                format,
                "tree",
            ],
            None,
        )
    };
    for format in [
        "human",
        "json",
        "sarif",
        "github",
        "gitlab",
        "junit",
        "rustc-json",
    ] {
        let out = check(format);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{format}: {stderr}");
        for path in &unread {
            assert!(
                stderr.contains(&format!("error: {path}: ")),
                "{format}: {stderr}"
            );
        }
    }
    let text = |o: Output| String::from_utf8(o.stdout).expect("utf-8");
    let errors: Vec<serde_json::Value> = json_lines(&text(check("json")));
    let mut paths: Vec<&str> = errors.iter().map(|e| e["path"].as_str().unwrap()).collect();
    paths.sort_unstable();
    let mut expected = unread.clone();
    expected.sort_unstable();
    assert_eq!(paths, expected, "{errors:?}");
    assert!(errors
        .iter()
        .all(|e| !e["error"].as_str().unwrap().is_empty()));

    let sarif: serde_json::Value = serde_json::from_str(&text(check("sarif"))).expect("JSON");
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), unread.len());
    for path in &unread {
        assert!(
            notes.iter().any(|n| {
                n["level"] == "error"
                    && n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == *path
            }),
            "{path}: {notes:?}"
        );
    }
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("schemas/sarif-schema-2.1.0.json")).expect("schema");
    let validator = jsonschema::options()
        .build(&schema)
        .expect("schema compiles");
    assert!(validator.is_valid(&sarif));

    let xml = text(check("junit"));
    assert!(
        xml.contains(&format!(r#"failures="0" errors="{}""#, unread.len())),
        "{xml}"
    );
    assert_eq!(xml.matches("<error ").count(), unread.len());
    assert!(!xml.contains(r#"<testcase name="leash" classname="leash"/>"#));

    // GitLab: a blocker at each unread path, so the quality gate sees it.
    let gitlab: serde_json::Value = serde_json::from_str(&text(check("gitlab"))).expect("JSON");
    let blockers: Vec<&serde_json::Value> = gitlab
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["check_name"] == "leash::not_checked")
        .collect();
    assert_eq!(blockers.len(), unread.len(), "{gitlab}");
    for path in &unread {
        assert!(
            blockers
                .iter()
                .any(|i| i["severity"] == "blocker" && i["location"]["path"] == *path),
            "{path}: {gitlab}"
        );
    }
    let fingerprints: std::collections::HashSet<&str> = blockers
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(fingerprints.len(), unread.len());

    // rustc JSON: an error message with no span per unread path.
    let messages = json_lines(&text(check("rustc-json")));
    let unread_messages: Vec<&serde_json::Value> = messages
        .iter()
        .filter(|m| m["message"]["code"]["code"] == "leash::not_checked")
        .collect();
    assert_eq!(unread_messages.len(), unread.len(), "{messages:?}");
    for path in &unread {
        assert!(
            unread_messages.iter().any(|m| {
                m["reason"] == "compiler-message"
                    && m["message"]["level"] == "error"
                    && m["message"]["message"]
                        .as_str()
                        .unwrap()
                        .starts_with(&format!("leash could not check {path}: "))
            }),
            "{path}: {messages:?}"
        );
    }

    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// A reader that stops early (`leash check | head -1`) ends the run quietly,
/// with the status the findings give, in every format.
#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_the_run_quietly_with_the_same_status() {
    let dir = tempfile::tempdir().expect("tempdir");
    // More output than a pipe holds in every format, so every writer meets the closed end.
    let mut src = String::new();
    for i in 0..300 {
        src.push_str(&format!("fn f{i}() {{ let (_t, _r) = {CHANNEL}; }}\n"));
    }
    write(dir.path(), "many.rs", &src);
    for format in [
        "human",
        "json",
        "sarif",
        "github",
        "gitlab",
        "junit",
        "rustc-json",
    ] {
        let mut child = Command::new(LEASH)
            .args(["check", "--no-config", "--no-cache", "--confidence", "low"])
            .args(["--format", format, "many.rs"])
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("runs leash");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("leash finishes");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{format}: {stderr}");
        assert!(
            !stderr.contains("error") && !stderr.contains("panicked"),
            "{format}: {stderr}"
        );
    }
}
