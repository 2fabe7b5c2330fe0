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
