//! The bundled sample (`leash check demo`, the README's first command) shows
//! every implemented lint.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

#[test]
fn demo_shows_every_lint() {
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
    let seen: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("JSON line");
            v["lint"].as_str().expect("lint name").to_string()
        })
        .collect();
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
