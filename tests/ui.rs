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
