//! Hostile and unusual inputs: leash must report and go on, never crash, and
//! stay fast. Each test runs the real binary (debug build in CI, so sizes are
//! kept small where the work scales with them).

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn leash(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leash"))
        .current_dir(cwd)
        // Robustness, not confidence: every finding counts.
        .args(["check", "--no-config", "--no-cache", "--format", "json"])
        .args(["--confidence", "low"])
        .args(args)
        .output()
        .expect("leash runs")
}

/// Exit 0 or 1 (never 2 = internal error, never a signal), no panic text.
fn assert_survived(out: &Output, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0) | Some(1)),
        "{what}: exit {:?}\n{stderr}",
        out.status
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("overflow"),
        "{what}: {stderr}"
    );
}

fn findings(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

#[test]
fn deep_nesting_of_every_kind_is_refused_or_analysed_never_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let n = 100_000;
    let cases: Vec<(&str, String)> = vec![
        (
            "parens",
            format!("fn f() {{ let x = {}1{}; }}", "(".repeat(n), ")".repeat(n)),
        ),
        (
            "not",
            format!("fn f() {{ let x = {}true; }}", "!".repeat(n)),
        ),
        ("neg", format!("fn f() {{ let x = {}1; }}", "- ".repeat(n))),
        ("refs", format!("fn f() {{ let x = {}1; }}", "&".repeat(n))),
        ("deref", format!("fn f() {{ let x = {}p; }}", "*".repeat(n))),
        (
            "closures",
            format!("fn f() {{ let x = {}1; }}", "|| ".repeat(n)),
        ),
        ("returns", format!("fn f() {{ {}1; }}", "return ".repeat(n))),
        ("assign", format!("fn f() {{ {}1; }}", "a = ".repeat(n))),
        ("ranges", format!("fn f() {{ {}1; }}", ".. ".repeat(n))),
        (
            "else_if",
            format!("fn f() {{ {}{{ 2 }}; }}", "if a { 1 } else ".repeat(n / 4)),
        ),
        (
            "binop",
            format!("fn f() {{ let x = 1{}; }}", " + 1".repeat(n)),
        ),
        (
            "method_chain",
            format!("fn f() {{ x{}; }}", ".a()".repeat(n)),
        ),
        (
            "await",
            format!("async fn f() {{ x{}; }}", ".await".repeat(n)),
        ),
        ("try", format!("fn f() {{ x{}; }}", "?".repeat(n))),
        (
            "type_generic",
            format!("type T = {}u8{};", "Option<".repeat(n), ">".repeat(n)),
        ),
        ("type_ref", format!("type T = {}u8;", "&".repeat(n))),
        ("type_ptr", format!("type T = {}u8;", "*const ".repeat(n))),
        ("type_fn", format!("type T = {}u8;", "fn() -> ".repeat(n))),
        (
            "pattern_ref",
            format!("fn f() {{ let {}x = 1; }}", "&".repeat(n)),
        ),
        (
            "pattern_tuple",
            format!("fn f() {{ let {}x{} = 1; }}", "(".repeat(n), ",)".repeat(n)),
        ),
        (
            "macro",
            format!("fn f() {{ {}{}; }}", "m!(".repeat(n), ")".repeat(n)),
        ),
        (
            "vec_macro",
            format!("fn f() {{ {}{}; }}", "vec![".repeat(n), "]".repeat(n)),
        ),
        (
            "blocks",
            format!("fn f() {}{}", "{".repeat(n), "}".repeat(n)),
        ),
        ("unclosed", "fn f() { ".repeat(n)),
        (
            "modules",
            format!("{}{}", "mod m { ".repeat(n), "}".repeat(n)),
        ),
    ];
    for (name, src) in &cases {
        let path = dir.path().join(format!("{name}.rs"));
        std::fs::write(&path, src).unwrap();
        for extra in [&["--no-prefilter"][..], &[][..]] {
            let mut args = extra.to_vec();
            args.push(path.to_str().unwrap());
            let out = leash(dir.path(), &args);
            assert_survived(&out, name);
        }
    }
    // Just under the guards, ordinary deep code is analysed, not refused.
    let ok = format!(
        "fn f() {{ let x = {}{}true{}; let (tx, rx) = std::sync::mpsc::channel::<u8>(); }}",
        "(!".repeat(200),
        "!".repeat(1000),
        ")".repeat(200)
    );
    std::fs::write(dir.path().join("ok.rs"), ok).unwrap();
    let out = leash(dir.path(), &["ok.rs"]);
    assert_survived(&out, "ok");
    let f = findings(&out);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["lint"], "unbounded_channel");
}

/// Chains just under the guard (8192 tokens) must be analysed without
/// overflowing the workers' 64 MiB stacks, with every lint on: this catches a
/// lint that recurses much deeper per level than `syn` does. (Release builds:
/// debug frames are several times larger.)
#[cfg(not(debug_assertions))]
#[test]
fn chains_just_under_the_guard_are_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let n = 8000;
    let cases: Vec<(&str, String)> = vec![
        (
            "not",
            format!("fn f() {{ let x = {}true; }}", "!".repeat(n)),
        ),
        ("returns", format!("fn f() {{ {}1; }}", "return ".repeat(n))),
        (
            "closures",
            format!("fn f() {{ let x = {}1; }}", "|x| ".repeat(n / 3)),
        ),
        (
            "type_generic",
            format!(
                "type T = {}u8{};",
                "Option<".repeat(n / 3),
                ">".repeat(n / 3)
            ),
        ),
        ("type_ref", format!("type T = {}u8;", "& ".repeat(n))),
        (
            "else_if",
            format!("fn f() {{ {}{{ 2 }}; }}", "if a { 1 } else ".repeat(n / 6)),
        ),
        (
            "deep_mixed",
            format!(
                "fn f() {{ loop {{ let x = {}{}1{}; }} }}",
                "(".repeat(250),
                "!".repeat(n - 600),
                ")".repeat(250)
            ),
        ),
    ];
    for (name, src) in &cases {
        std::fs::write(dir.path().join(format!("{name}.rs")), src).unwrap();
        let out = leash(
            dir.path(),
            &["--no-prefilter", "-W", "all", &format!("{name}.rs")],
        );
        assert_survived(&out, name);
        assert!(findings(&out).is_empty(), "{name}: {:?}", findings(&out));
    }
}

#[test]
fn huge_file_is_skipped_quickly_and_a_raised_limit_analyses_a_large_one() {
    let dir = tempfile::tempdir().unwrap();
    // 100 MB (sparse: the size check comes before any read).
    let big = dir.path().join("big.rs");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(100 * 1024 * 1024)
        .unwrap();
    let start = Instant::now();
    let out = leash(dir.path(), &["big.rs"]);
    assert!(start.elapsed() < Duration::from_secs(10));
    assert_survived(&out, "big");
    let f = findings(&out);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["lint"], "parse_error");
    assert!(f[0]["message"].as_str().unwrap().contains("too large"));

    // An ordinary file of ~0.7 MB (kept small: the test binary is a debug build),
    // first over a lowered limit, then under a raised one.
    let mut src = String::new();
    for i in 0..12_000 {
        src.push_str(&format!(
            "pub fn f{i}(x: u32) -> u32 {{ let y = x * {i}; y + 1 }}\n"
        ));
    }
    let lines = src.lines().count();
    src.push_str("pub fn last() { let (_tx, _rx) = std::sync::mpsc::channel::<u8>(); }\n");
    std::fs::write(dir.path().join("large.rs"), &src).unwrap();
    let out = leash(dir.path(), &["--max-file-size", "500000", "large.rs"]);
    assert_eq!(findings(&out)[0]["lint"], "parse_error");
    let out = leash(dir.path(), &["--max-file-size", "134217728", "large.rs"]);
    assert_survived(&out, "large");
    let f = findings(&out);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["lint"], "unbounded_channel");
    assert_eq!(f[0]["line"], lines + 1);
}

#[test]
fn a_file_of_more_bracket_groups_than_memory_allows_is_refused_not_parsed() {
    // 2.1 million empty blocks in 4.2 MB: a syntax tree of several GB (in a
    // function that spawns, so the prefilter keeps the file).
    let dir = tempfile::tempdir().unwrap();
    let src = format!(
        "fn f() {{ loop {{ tokio::spawn(async {{}}); }} {} }}\n",
        "{}".repeat(2_100_000)
    );
    std::fs::write(dir.path().join("groups.rs"), &src).unwrap();
    let start = Instant::now();
    let out = leash(dir.path(), &["groups.rs"]);
    assert!(start.elapsed() < Duration::from_secs(20));
    assert_survived(&out, "groups");
    let f = findings(&out);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["lint"], "parse_error");
    let message = f[0]["message"].as_str().unwrap();
    assert!(message.contains("too many bracket groups"), "{message}");
}

#[test]
fn many_tiny_files() {
    // 20,000 files rather than 100,000: the walk, read and prefilter costs are
    // linear, and 100,000 files make CI slow on small runners and can exhaust
    // inodes in tmpfs; `bench/run --all` covers 21,000 real files.
    let dir = tempfile::tempdir().unwrap();
    let n = 20_000;
    for i in 0..n {
        let sub = dir.path().join(format!("d{}", i / 1000));
        if i % 1000 == 0 {
            std::fs::create_dir_all(&sub).unwrap();
        }
        let body = if i == 12_345 {
            "fn f() { let (_tx, _rx) = std::sync::mpsc::channel::<u8>(); }\n".to_string()
        } else {
            format!("pub fn f{i}() -> u32 {{ {i} }}\n")
        };
        std::fs::write(sub.join(format!("f{i}.rs")), body).unwrap();
    }
    let out = leash(dir.path(), &["."]);
    assert_survived(&out, "tiny");
    let f = findings(&out);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["path"], "d12/f12345.rs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("in {n} files")), "{stderr}");
}

#[test]
fn crlf_bom_tabs_and_wide_unicode_columns_are_editor_columns() {
    let dir = tempfile::tempdir().unwrap();
    // BOM, CRLF line ends, a tab, CJK and an emoji before the call: columns are
    // 1-based counts of characters (a tab and a wide character count one each).
    let src = "\u{feff}// 文件 🦀\r\nfn f() {\r\n\tlet (名, _r) = /* ü🦀 */ std::sync::mpsc::channel::<u8>();\r\n}\r\n";
    std::fs::write(dir.path().join("u.rs"), src).unwrap();
    let out = leash(dir.path(), &["u.rs"]);
    assert_survived(&out, "unicode");
    let f = findings(&out);
    assert_eq!(f.len(), 1, "{f:?}");
    let line3 = "\tlet (名, _r) = /* ü🦀 */ std::sync::mpsc::channel::<u8>();";
    let col = line3.split("std::").next().unwrap().chars().count() + 1;
    assert_eq!(f[0]["line"], 3);
    assert_eq!(f[0]["column"], col);
    // The human output shows the same line and column, and the right text.
    let out = Command::new(env!("CARGO_BIN_EXE_leash"))
        .current_dir(dir.path())
        .args([
            "check",
            "--no-config",
            "--no-cache",
            "--confidence",
            "low",
            "--color",
            "never",
            "u.rs",
        ])
        .output()
        .unwrap();
    let human = String::from_utf8_lossy(&out.stdout);
    assert!(human.contains(&format!("u.rs:3:{col}")), "{human}");
}

#[test]
fn paths_with_spaces_and_non_ascii() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("my crate").join("ünïcødé 文件");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(
        sub.join("a file.rs"),
        "fn f() { let (_t, _r) = std::sync::mpsc::channel::<u8>(); }\n",
    )
    .unwrap();
    let out = leash(dir.path(), &["my crate"]);
    assert_survived(&out, "paths");
    let f = findings(&out);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["path"], "my crate/ünïcødé 文件/a file.rs");
    // Given as a file argument, too.
    let out = leash(dir.path(), &["my crate/ünïcødé 文件/a file.rs"]);
    assert_eq!(findings(&out).len(), 1);
}

#[test]
fn not_rust_text_is_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bin.rs"), b"fn f() {}\0\x01\x02").unwrap();
    std::fs::write(dir.path().join("latin1.rs"), b"// caf\xe9\nfn f() {}\n").unwrap();
    std::fs::write(dir.path().join("empty.rs"), b"").unwrap();
    std::fs::write(dir.path().join("bom_only.rs"), "\u{feff}").unwrap();
    let out = leash(dir.path(), &["."]);
    assert_survived(&out, "text");
    let msgs: Vec<String> = findings(&out)
        .iter()
        .map(|f| format!("{} {}", f["path"], f["message"]))
        .collect();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert!(msgs
        .iter()
        .any(|m| m.contains("bin.rs") && m.contains("NUL")));
    assert!(msgs
        .iter()
        .any(|m| m.contains("latin1.rs") && m.contains("UTF-8")));
}

#[test]
fn cache_is_used_and_never_trusted_when_stale_or_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.rs");
    std::fs::write(
        &file,
        "fn f() { let (_t, _r) = std::sync::mpsc::channel::<u8>(); }\n",
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_leash"))
            .current_dir(dir.path())
            .env("LEASH_STATS", "1")
            .args([
                "check",
                "--no-config",
                "--confidence",
                "low",
                "--format",
                "json",
            ])
            .args(extra)
            .arg("a.rs")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        let hits = stderr
            .split("cache_hits=")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .and_then(|s| s.parse::<usize>().ok())
            .unwrap_or(usize::MAX);
        (findings(&out), hits)
    };
    let (cold, hits) = run(&[]);
    assert_eq!((cold.len(), hits), (1, 0));
    let (warm, hits) = run(&[]);
    assert_eq!((warm.clone(), hits), (cold.clone(), 1));
    // --no-cache: not read.
    assert_eq!(run(&["--no-cache"]).1, 0);
    // Other settings: another cache.
    assert_eq!(run(&["-A", "unbounded_channel"]), (vec![], 0));
    // Changed content (same length): re-analysed.
    std::fs::write(
        &file,
        "fn f() { let (_t, _r) = std::sync::mpsc::sync_channel::<u8>(1); }",
    )
    .unwrap();
    let (changed, hits) = run(&[]);
    assert_eq!((changed.len(), hits), (0, 0));
    // Corrupt cache files: ignored and rewritten.
    for e in std::fs::read_dir(dir.path().join(".leash_cache"))
        .unwrap()
        .flatten()
    {
        if e.path().extension().is_some_and(|x| x == "json") {
            std::fs::write(e.path(), b"\x00garbage{").unwrap();
        }
    }
    let (again, hits) = run(&[]);
    assert_eq!((again.len(), hits), (0, 0));
    assert_eq!(run(&[]).1, 1);
}

/// One 200 KB line holding several findings: each finding shows a window of
/// the line around its span (marked `...` where clipped), not the whole line,
/// in the human and rustc-JSON formats, with the file's line and column.
#[test]
fn long_lines_are_clipped_around_each_finding() {
    let dir = tempfile::tempdir().unwrap();
    let padding = "let _x = 1; ".repeat(2000);
    let queue = "std::sync::mpsc::channel::<u8>()";
    let n = 8;
    let mut line = String::from("fn f() { ");
    for _ in 0..n {
        line.push_str(&padding);
        line.push_str(&format!("let (_t, _r) = {queue}; "));
    }
    line.push_str(&padding);
    line.push_str("}\n");
    assert!(line.len() > 200_000);
    std::fs::write(dir.path().join("long.rs"), &line).unwrap();
    let json = leash(dir.path(), &["long.rs"]);
    assert_survived(&json, "json");
    let columns: Vec<u64> = findings(&json)
        .iter()
        .map(|f| f["column"].as_u64().unwrap())
        .collect();
    assert_eq!(columns.len(), n, "{columns:?}");
    let per_finding_limit = 20_000;

    let human = Command::new(env!("CARGO_BIN_EXE_leash"))
        .current_dir(dir.path())
        .args(["check", "--no-config", "--no-cache", "--confidence", "low"])
        .args(["--color", "never", "long.rs"])
        .output()
        .unwrap();
    assert_survived(&human, "human");
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.len() < n * per_finding_limit, "{} bytes", text.len());
    for column in &columns {
        assert!(text.contains(&format!("long.rs:1:{column}\n")), "{column}");
    }
    let snippets: Vec<&str> = text.lines().filter(|l| l.starts_with("1 │ ")).collect();
    assert_eq!(snippets.len(), n);
    for s in snippets {
        assert!(s.contains(queue) && s.contains("..."), "{s}");
    }

    let rustc = Command::new(env!("CARGO_BIN_EXE_leash"))
        .current_dir(dir.path())
        .args(["check", "--no-config", "--no-cache", "--confidence", "low"])
        .args(["--format", "rustc-json", "long.rs"])
        .output()
        .unwrap();
    assert_survived(&rustc, "rustc-json");
    let messages = findings(&rustc);
    assert_eq!(messages.len(), n);
    for (m, column) in messages.iter().zip(&columns) {
        assert!(
            m.to_string().len() < per_finding_limit,
            "{}",
            m.to_string().len()
        );
        let span = &m["message"]["spans"][0];
        assert_eq!(span["column_start"], *column);
        let shown = &span["text"][0];
        let text: Vec<char> = shown["text"].as_str().unwrap().chars().collect();
        let (hs, he) = (
            shown["highlight_start"].as_u64().unwrap() as usize,
            shown["highlight_end"].as_u64().unwrap() as usize,
        );
        assert_eq!(text[hs - 1..he - 1].iter().collect::<String>(), queue);
        assert!(m["message"]["rendered"].as_str().unwrap().contains(queue));
    }
}
