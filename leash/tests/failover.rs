//! Switching budgets: call counts, order, wrap-around and exhaustion.

use std::sync::Mutex;
use std::time::Duration;

use leash::{BudgetKind, Failover, FailoverError, Jitter};

#[test]
fn tries_targets_in_order_until_one_succeeds() {
    let mut calls = Vec::new();
    let result = Failover::new(5).run(&["a", "b", "c"], |t| {
        calls.push(*t);
        if *t == "b" {
            Ok(*t)
        } else {
            Err("down")
        }
    });
    assert_eq!(result, Ok("b"));
    assert_eq!(calls, ["a", "b"]);
}

#[test]
fn makes_max_switches_plus_one_calls_wrapping_around() {
    let mut calls = Vec::new();
    let result: Result<(), _> = Failover::new(4).run(&["a", "b"], |t| {
        calls.push(*t);
        Err(calls.len())
    });
    assert_eq!(calls, ["a", "b", "a", "b", "a"]);
    assert_eq!(
        result,
        Err(FailoverError::Exhausted {
            last: 5,
            tried: vec![0, 1, 0, 1, 0]
        })
    );
}

#[test]
fn zero_switches_is_one_call() {
    let mut calls = 0;
    let result: Result<(), _> = Failover::new(0).run(&[1, 2, 3], |_| {
        calls += 1;
        Err("down")
    });
    assert_eq!(calls, 1);
    assert_eq!(
        result.unwrap_err().to_string(),
        "every target failed (1 calls, targets [0]); last error: down"
    );
}

#[test]
fn no_targets_is_an_error_not_a_panic() {
    let targets: [&str; 0] = [];
    let result: Result<(), FailoverError<()>> = Failover::new(3).run(&targets, |_| Ok(()));
    assert_eq!(result, Err(FailoverError::NoTargets));
}

#[test]
fn counters_are_reported_per_site() {
    let failover = Failover::new(2);
    let _: Result<(), _> = failover.run(&["a", "b", "c"], |_| Err(()));
    let _ = failover.run(
        &["a", "b", "c"],
        |t| if *t == "b" { Ok(()) } else { Err(()) },
    );
    let report = leash::budgets()
        .into_iter()
        .find(|b| {
            b.kind == BudgetKind::Switching { max_switches: 2 } && b.file.ends_with("failover.rs")
        })
        .unwrap();
    assert_eq!(
        (report.attempts, report.switches, report.exhausted),
        (5, 3, 1)
    );
    assert!(report
        .to_string()
        .starts_with("switching failover (leash/tests/failover.rs:"));
}

/// A sleep that records the delays asked for instead of waiting.
fn recording(delays: &Mutex<Vec<Duration>>) -> impl Fn(Duration) -> std::future::Ready<()> + '_ {
    move |delay| {
        delays.lock().unwrap().push(delay);
        std::future::ready(())
    }
}

#[tokio::test]
async fn async_jobs_wait_between_rounds_only() {
    let delays = Mutex::new(Vec::new());
    let mut calls = Vec::new();
    let result: Result<(), _> = Failover::new(5)
        .backoff(Duration::from_millis(10), Duration::from_millis(100))
        .jitter(Jitter::None)
        .sleep_with(recording(&delays))
        .run_async(&["a", "b"], |t| {
            calls.push(*t);
            async { Err("down") }
        })
        .await;
    assert!(matches!(
        result,
        Err(FailoverError::Exhausted { last: "down", .. })
    ));
    assert_eq!(calls, ["a", "b", "a", "b", "a", "b"]);
    // Rounds start at calls 3 and 5: two waits, growing.
    assert_eq!(
        *delays.lock().unwrap(),
        [Duration::from_millis(10), Duration::from_millis(20)]
    );
}
