//! The bundled sample (`leash check demo`, the README's first command) shows
//! every implemented lint.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// The lint of each finding the README's first command gives, in order.
fn demo_lints() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(env!("CARGO_BIN_EXE_leash"))
        .args(["check", "--format", "json", "demo"])
        .current_dir(root)
        .output()
        .expect("leash runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("JSON line");
            v["lint"].as_str().expect("lint name").to_string()
        })
        .collect()
}

#[test]
fn demo_shows_every_lint() {
    let seen: BTreeSet<String> = demo_lints().into_iter().collect();
    assert!(!seen.contains("parse_error"), "the demo parses: {seen:?}");
    for lint in leash_lints::rules::ALL {
        let wanted = lint.check.is_some() || lint.name == "missing_reason";
        if wanted && lint.name != "unknown_lint" {
            assert!(
                seen.contains(lint.name),
                "demo/ has no example of `{}` (seen: {seen:?})",
                lint.name
            );
        }
    }
}

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md")
}

/// The README's set-up comment says how many findings of how many lints the
/// demo gives; the demo gives exactly that.
#[test]
fn readme_counts_the_demo_findings() {
    let lints = demo_lints();
    let distinct: BTreeSet<&String> = lints.iter().collect();
    let claim = format!(
        "check demo      # leash on the bundled sample service: {} findings of {} lints",
        lints.len(),
        distinct.len()
    );
    assert!(readme().contains(&claim), "README should say: {claim}");
}

/// Every lint is in the README's table with its group and default level, and
/// the default policy it states is the one applied.
#[test]
fn readme_lists_every_lint_and_the_default_policy() {
    let text = readme();
    for lint in leash_lints::rules::ALL {
        let row = format!(
            "| `{}` | {} | {} |",
            lint.name,
            lint.group,
            lint.default_level.as_str()
        );
        assert!(text.contains(&row), "README has no row starting {row}");
    }
    for group in leash_lints::groups() {
        assert!(text.contains(&format!("`{group}`")), "group {group}");
    }
    assert!(text.contains("and `all` every lint"));
    let policy = leash_lints::Policy::default();
    for (key, value) in [
        ("max_retry_attempts", policy.max_retry_attempts),
        ("max_switches", policy.max_switches),
        ("max_amplification", policy.max_amplification),
    ] {
        let stated = format!("(`{key} = {value}`)");
        assert!(text.contains(&stated), "README should state {stated}");
    }
    assert_eq!(policy.max_concurrency, None);
    assert!(text.contains("(`max_concurrency` unset)"));
}
