//! Shared retry budgets: a storm of failing calls stays within the budget.

use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

use leash::{BudgetKind, Retry, RetryBudget};

fn report(name: &str, kind: fn(&BudgetKind) -> bool) -> leash::BudgetReport {
    leash::budgets()
        .into_iter()
        .find(|b| b.name == name && kind(&b.kind))
        .unwrap_or_else(|| panic!("budget {name} not registered"))
}

static STORM_CALLS: AtomicU64 = AtomicU64::new(0);

#[leash::retry(attempts = 3, backoff = "0ms..0ms", budget = "storm")]
fn always_fails() -> Result<(), &'static str> {
    STORM_CALLS.fetch_add(1, Ordering::Relaxed);
    Err("down")
}

/// The default budget (10 s, 10 a second, 20 %): 1000 failing calls make
/// 1000 first attempts, 20 % of them in retries and a reserve of 100, not
/// the 3000 calls three attempts each would make.
#[test]
fn a_storm_of_failing_calls_stays_within_the_default_budget() {
    for _ in 0..1000 {
        assert_eq!(always_fails(), Err("down"));
    }
    let calls = STORM_CALLS.load(Ordering::Relaxed);
    assert!(calls <= 1200 + 100, "{calls} calls");
    assert!(calls > 1000, "the reserve pays for some retries: {calls}");

    let site = report("always_fails", |k| matches!(k, BudgetKind::Retry { .. }));
    assert_eq!(site.attempts, calls);
    assert_eq!(site.retries, calls - 1000);
    assert_eq!(
        site.throttled + site.exhausted,
        1000,
        "every call ends one way"
    );
    assert!(site.to_string().contains("budget=storm"), "{site}");
    assert!(site.to_string().contains(" throttled"), "{site}");

    let budget = report("storm", |k| matches!(k, BudgetKind::SharedRetry { .. }));
    assert_eq!(
        budget.kind,
        BudgetKind::SharedRetry {
            ttl: Duration::from_secs(10),
            min_per_sec: 10,
            retry_ratio: 0.2
        }
    );
    assert_eq!(budget.attempts, 1000, "first attempts paid in");
    assert_eq!(budget.retries, site.retries);
    assert_eq!(budget.throttled, site.throttled);
}

/// Callers on many threads share one budget; retries still stay within it.
#[test]
fn threads_share_one_budget() {
    let budget = RetryBudget::named("threads");
    let calls = AtomicU64::new(0);
    thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                for _ in 0..125 {
                    let _: Result<(), ()> = Retry::new(3)
                        .backoff(Duration::ZERO, Duration::ZERO)
                        .budget(budget)
                        .run(|| {
                            calls.fetch_add(1, Ordering::Relaxed);
                            Err(())
                        });
                }
            });
        }
    });
    let calls = calls.load(Ordering::Relaxed);
    assert!((1000..=1300).contains(&calls), "{calls} calls");
}

/// Without a budget every call uses all its attempts.
#[test]
fn without_a_budget_every_attempt_is_made() {
    let mut calls = 0;
    for _ in 0..100 {
        let _: Result<(), ()> = Retry::new(3)
            .backoff(Duration::ZERO, Duration::ZERO)
            .run(|| {
                calls += 1;
                Err(())
            });
    }
    assert_eq!(calls, 300);
}

#[test]
fn a_refused_retry_returns_the_last_error() {
    let empty = RetryBudget::configure("empty", Duration::from_secs(1), 0, 0.0).unwrap();
    let mut errors = vec!["second", "first"];
    let result: Result<(), &str> = Retry::new(5)
        .backoff(Duration::ZERO, Duration::ZERO)
        .budget(empty)
        .run(|| Err(errors.pop().unwrap_or("later")));
    assert_eq!(result, Err("first"));
    assert_eq!(errors, ["second"], "no retry was made");
}

#[test]
fn successes_pay_in_too() {
    let budget = RetryBudget::configure("half", Duration::from_secs(1), 0, 0.5).unwrap();
    for _ in 0..4 {
        let _: Result<(), ()> = Retry::new(2).budget(budget).run(|| Ok(()));
    }
    assert_eq!(budget.available(), 2);
}

#[test]
fn configuring_a_budget_in_use_fails() {
    RetryBudget::named("in-use");
    let err = RetryBudget::configure("in-use", Duration::from_secs(1), 1, 0.1).unwrap_err();
    assert_eq!(
        err.to_string(),
        "retry budget `in-use` is already in use: configure it before its first use"
    );
}
