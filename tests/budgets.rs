//! `leash budgets`: the inventory and the retry call graph.

use std::path::Path;
use std::process::Command;

fn leash(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_leash"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .output()
        .expect("leash runs")
}

#[test]
fn inventory_lists_declared_and_inferred_budgets() {
    let out = leash(&[
        "budgets",
        "--format",
        "json",
        "ui-tests/retry_amplification",
        "ui-tests/unbounded_channel.rs",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let find = |path: &str, line: u64| {
        rows.iter()
            .find(|r| r["path"] == path && r["line"] == line)
            .cloned()
    };
    let declared =
        find("ui-tests/retry_amplification/gateway.rs", 6).expect("declared retry listed");
    assert_eq!(declared["kind"], "retry");
    assert_eq!(declared["bound"], "5");
    assert_eq!(declared["source"], "declared");
    let strategy = find("ui-tests/retry_amplification/main.rs", 33).expect("strategy listed");
    assert_eq!(
        strategy["bound"], "2",
        "the .take(2) of the strategy bound to a local"
    );
    let queue = find("ui-tests/unbounded_channel.rs", 8).expect("unbounded queue listed");
    assert_eq!(queue["bound"], "unbounded");
    let bounded = find("ui-tests/unbounded_channel.rs", 22).expect("bounded queue listed");
    assert_eq!(bounded["bound"], "64");
}

#[test]
fn graph_shows_where_retries_multiply() {
    let out = leash(&["budgets", "ui-tests/retry_amplification", "--graph", "-"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("digraph retries"));
    assert!(
        text.contains("\"Checkout::place_order\" -> \"charge\""),
        "{text}"
    );
    assert!(text.contains("\"charge\" -> \"Gateway::send\""), "{text}");
    assert!(
        !text.contains("\"Checkout::place_order_later\" ->"),
        "spawned work is not followed: {text}"
    );
    let table = leash(&["budgets", "ui-tests/retry_amplification"]);
    assert!(String::from_utf8_lossy(&table.stdout).contains("budget decisions"));
}
