//! UI tests: every `ui-tests/*.rs` fixture is checked by the real binary and its
//! human output compared with the `.stdout` file beside it. `BLESS=1 cargo test
//! --test ui` rewrites the expectations. A fixture may start with
//! `// leash-flags: ...` to pass extra flags.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui-tests");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("ui-tests/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs") || p.is_dir())
        .collect();
    out.sort();
    out
}

fn run_fixture(path: &Path) -> String {
    run_fixture_with(path, &[])
}

fn run_fixture_with(path: &Path, extra: &[&str]) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // A directory is one fixture spanning several files; its flags are in main.rs.
    let first = if path.is_dir() {
        path.join("main.rs")
    } else {
        path.to_path_buf()
    };
    let text = std::fs::read_to_string(first).unwrap_or_default();
    let mut args: Vec<String> = vec![
        "check".into(),
        "--no-config".into(),
        "--color".into(),
        "never".into(),
        "--quiet".into(),
    ];
    if let Some(flags) = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("// leash-flags:"))
    {
        args.extend(flags.split_whitespace().map(str::to_string));
    }
    if args.iter().any(|a| a == "--config") {
        args.retain(|a| a != "--no-config");
    }
    // A flag the fixture sets itself (with its value) is not given twice.
    let mut extra = extra.iter();
    while let Some(a) = extra.next() {
        if *a == "--confidence" && args.iter().any(|x| x == a) {
            extra.next();
            continue;
        }
        args.push(a.to_string());
    }
    let rel = path.strip_prefix(root).expect("fixture under the crate");
    args.push(rel.to_string_lossy().into_owned());
    let out = Command::new(env!("CARGO_BIN_EXE_leash"))
        .args(&args)
        .current_dir(root)
        .output()
        .expect("runs leash");
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "{}: exit {code}: {}",
        rel.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

#[test]
fn ui_fixtures_match_expected_output() {
    let bless = std::env::var_os("BLESS").is_some_and(|v| v != "0");
    let mut failures = Vec::new();
    let fixtures = fixtures();
    assert!(!fixtures.is_empty(), "no fixtures found");
    for fixture in &fixtures {
        let actual = run_fixture(fixture);
        let expected_path = if fixture.is_dir() {
            fixture.with_file_name(format!(
                "{}.stdout",
                fixture.file_name().unwrap().to_string_lossy()
            ))
        } else {
            fixture.with_extension("stdout")
        };
        if bless {
            std::fs::write(&expected_path, &actual).expect("write expectation");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != actual {
            failures.push(format!(
                "{}: output differs from {}\n--- expected\n{expected}\n--- actual\n{actual}",
                fixture.display(),
                expected_path.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures differ (BLESS=1 to update):\n{}",
        failures.len(),
        fixtures.len(),
        failures.join("\n")
    );
}

/// The prefilter skips files and bodies no lint can report on; it must never
/// drop one a lint would report. Every fixture and the demo, both tiers and
/// every lint, give the same findings with and without it. Fixtures are
/// copied with their `leash-flags` line emptied: a file naming `leash`
/// outside its bodies is never blanked, and the test must see the blanking.
#[test]
fn prefilter_drops_nothing_a_lint_reports() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let copy = tempfile::tempdir().unwrap();
    let mut inputs = Vec::new();
    for input in fixtures().into_iter().chain([root.join("demo")]) {
        let rel = input.strip_prefix(root).unwrap().to_path_buf();
        let files: Vec<PathBuf> = if input.is_dir() {
            walk(&input)
        } else {
            vec![input.clone()]
        };
        let mut flags = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            let mut lines: Vec<&str> = text.split('\n').collect();
            if let Some(first) = lines.first_mut() {
                if let Some(f) = first.strip_prefix("// leash-flags:") {
                    flags.extend(f.split_whitespace().map(str::to_string));
                    *first = "";
                }
            }
            let target = copy.path().join(f.strip_prefix(root).unwrap());
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(&target, lines.join("\n")).unwrap();
        }
        // Configuration files of a fixture come along.
        if flags.iter().any(|f| f == "--config") {
            continue;
        }
        inputs.push((rel, flags));
    }
    let run = |rel: &Path, flags: &[String], prefilter: bool| {
        let mut args: Vec<String> = [
            "check",
            "--no-config",
            "--no-cache",
            "--format",
            "json",
            "-W",
            "all",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(flags.iter().cloned());
        if !flags.iter().any(|f| f == "--confidence") {
            args.extend(["--confidence".to_string(), "low".to_string()]);
        }
        if !prefilter {
            args.push("--no-prefilter".into());
        }
        args.push(rel.to_string_lossy().into_owned());
        let out = Command::new(env!("CARGO_BIN_EXE_leash"))
            .args(&args)
            .current_dir(copy.path())
            .output()
            .expect("runs leash");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let mut differing = Vec::new();
    for (rel, flags) in &inputs {
        let filtered = run(rel, flags, true);
        let unfiltered = run(rel, flags, false);
        if filtered != unfiltered {
            differing.push(format!(
                "{}\n--- with the prefilter\n{filtered}\n--- without\n{unfiltered}",
                rel.display()
            ));
        }
    }
    assert!(inputs.len() > 40, "fixtures found: {}", inputs.len());
    assert!(differing.is_empty(), "{}", differing.join("\n"));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn every_lint_has_a_fixture() {
    let names: Vec<String> = fixtures()
        .iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    for lint in leash_lints::rules::ALL {
        if lint.check.is_none() && lint.name != "parse_error" && lint.name != "missing_reason" {
            continue;
        }
        assert!(
            names
                .iter()
                .any(|n| n == lint.name || n.starts_with(&format!("{}_", lint.name))),
            "lint `{}` has no ui-tests fixture",
            lint.name
        );
    }
}

/// `#[leash::allow(..)]` is checked by the macro crate, which cannot depend
/// on the analyser: its list of names must hold every lint, group and `all`.
#[test]
fn macro_crate_knows_every_lint_name() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let markers = std::fs::read_to_string(root.join("leash-macros/src/markers.rs")).unwrap();
    let start = markers.find("const LINTS: &[&str] = &[").expect("the list");
    let list = &markers[start..start + markers[start..].find("];").expect("its end")];
    let names = leash_lints::rules::ALL
        .iter()
        .map(|l| l.name)
        .chain(leash_lints::groups())
        .chain(["all"]);
    for name in names {
        assert!(
            list.contains(&format!("\"{name}\"")),
            "leash-macros/src/markers.rs does not know `{name}`"
        );
    }
}
