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

#[test]
fn budgets_built_with_the_runtime_crate_are_listed() {
    let out = leash(&[
        "budgets",
        "--format",
        "json",
        "ui-tests/leash_runtime_budgets.rs",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let rows: Vec<(String, String, u64, String)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|r| r["source"] == "declared")
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_string(),
                r["bound"].as_str().unwrap().to_string(),
                r["line"].as_u64().unwrap(),
                r["what"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let row = |kind: &str, bound: &str, line: u64, what: &str| {
        (kind.to_string(), bound.to_string(), line, what.to_string())
    };
    assert_eq!(
        rows,
        [
            row(
                "switching",
                "2",
                9,
                "`Failover`: switches per job (declared)"
            ),
            row(
                "switching",
                "40",
                13,
                "`Failover`: switches per job (declared)"
            ),
            row(
                "switching",
                "3",
                17,
                "`Failover`: switches per job (declared)"
            ),
            row(
                "concurrency",
                "64",
                24,
                "`Concurrency::per_key`: at most this many at once per key (declared)"
            ),
            row(
                "concurrency",
                "8",
                27,
                "`download` runs at most this many at once per `host` (declared)"
            ),
            row(
                "retry",
                "3",
                32,
                "`charge` retries (declared, paid from retry budget `payments`)"
            ),
            row(
                "fallback",
                "unknown",
                39,
                "counted fallback (declared: a stale price beats an error page)"
            ),
            row(
                "fallback",
                "unknown",
                45,
                "counted fallback (declared: no discount when the service is down)"
            ),
        ]
    );
}

#[test]
fn graph_names_the_shared_retry_budget() {
    let out = leash(&[
        "budgets",
        "ui-tests/leash_runtime_budgets.rs",
        "--graph",
        "-",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "\"charge\" [label=\"charge\\nretries: 3 attempts\\npaid from retry budget payments\", style=bold];"
        ),
        "{text}"
    );
}
