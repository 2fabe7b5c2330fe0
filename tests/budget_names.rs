//! `[budgets.NAME]` in the policy: shared retry budgets defined once, their
//! numbers checked when the configuration is read.

use std::process::Command;

fn check_with(config: &str) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("leash.toml"), config).unwrap();
    std::fs::write(
        dir.path().join("lib.rs"),
        "#[leash::retry(attempts = 2, backoff = \"1ms..2ms\", budget = \"payments\")]\n\
         fn pay() -> Result<(), ()> { Ok(()) }\n",
    )
    .unwrap();
    Command::new(env!("CARGO_BIN_EXE_leash"))
        .args(["check", "--color", "never", "lib.rs"])
        .current_dir(dir.path())
        .output()
        .expect("leash runs")
}

#[test]
fn a_defined_budget_passes() {
    let out =
        check_with("[budgets.payments]\nretry_ratio = 0.2\nttl = \"10s\"\nmin_per_sec = 10\n");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn an_undefined_budget_is_an_error() {
    let out = check_with("[budgets.search]\n");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "error[budget_exceeds_policy]: retry budget `payments` is not defined in the policy"
        ),
        "{text}"
    );
}

#[test]
fn numbers_out_of_range_are_configuration_errors() {
    for (config, message) in [
        (
            "[budgets.payments]\nttl = \"2h\"\n",
            "[budgets.payments]: ttl = \"2h\" is not a duration from \"1s\" to \"60s\"",
        ),
        (
            "[budgets.payments]\nretry_ratio = 2000.0\n",
            "[budgets.payments]: retry_ratio = 2000 is outside 0..=1000",
        ),
        (
            "[budgets.payments]\nmin_per_sec = 5000000000\n",
            "[budgets.payments]: min_per_sec = 5000000000 is too large",
        ),
        (
            "[budgets.payments]\nratio = 0.2\n",
            "unknown field `ratio`, expected one of `retry_ratio`, `ttl`, `min_per_sec`",
        ),
    ] {
        let out = check_with(config);
        assert_eq!(out.status.code(), Some(2), "{config}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{config}: {stderr}");
    }
}

/// Runs `leash check ARGS` in a project whose policy defines `payments`,
/// `search` and `ledger`; `lib.rs` names `payments` in an attribute and
/// `src/setup.rs` names `ledger` through `RetryBudget::named`.
fn project_run(args: &[&str], base: Option<&str>) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut config = String::new();
    if let Some(base) = base {
        std::fs::write(root.join("base.toml"), base).unwrap();
        config.push_str("extend = \"base.toml\"\n");
    }
    config.push_str("[budgets.payments]\n\n[budgets.search]\nttl = \"10s\"\n\n[budgets.ledger]\n");
    std::fs::write(root.join("leash.toml"), config).unwrap();
    std::fs::create_dir(root.join("src")).unwrap();
    std::fs::write(
        root.join("src/lib.rs"),
        "#[leash::retry(attempts = 2, backoff = \"1ms..2ms\", budget = \"payments\")]\n\
         fn pay() -> Result<(), ()> { Ok(()) }\n",
    )
    .unwrap();
    std::fs::write(
        root.join("src/setup.rs"),
        "fn setup() { let _ = leash::RetryBudget::named(\"ledger\"); }\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_leash"))
        .args(["check", "--color", "never"])
        .args(args)
        .current_dir(root)
        .output()
        .expect("leash runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn a_definition_no_code_names_is_reported_where_it_is_written() {
    let (code, text) = project_run(&[], None);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains(
            "warning[budget_exceeds_policy]: retry budget `search` is defined in the policy but no code names it\n  ┌─ leash.toml:3:10\n"
        ),
        "{text}"
    );
    // Named in an attribute or through `RetryBudget::named`: used.
    assert!(!text.contains("`payments` is defined"), "{text}");
    assert!(!text.contains("`ledger` is defined"), "{text}");
}

#[test]
fn a_run_over_part_of_the_project_does_not_judge_use() {
    let (code, text) = project_run(&["src/lib.rs"], None);
    assert_eq!(code, Some(0), "{text}");
    let (code, text) = project_run(&["src"], None);
    assert_eq!(code, Some(0), "{text}");
}

#[test]
fn definitions_of_an_extended_base_are_not_checked_for_use() {
    let (_, text) = project_run(&[], Some("[budgets.billing]\n"));
    assert!(!text.contains("`billing`"), "{text}");
    assert!(text.contains("`search` is defined"), "{text}");
}

#[test]
fn unused_definitions_follow_the_lint_level() {
    let (code, text) = project_run(&["-A", "budget_exceeds_policy"], None);
    assert_eq!(code, Some(0), "{text}");
    assert!(!text.contains("is defined in the policy"), "{text}");
}
