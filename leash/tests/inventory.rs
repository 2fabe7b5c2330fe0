//! `leash::budgets()` tells the truth: one entry per declared value at a
//! site, panics counted as failed attempts, cancelled backoffs not counted
//! as retries made.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use leash::{BudgetKind, Concurrency, OnFull, Retry};

/// One call site, several values; with the line of that site.
fn limit(max: usize) -> (Concurrency, u32) {
    (Concurrency::new(max), line!())
}

#[test]
fn two_limits_built_at_one_site_with_different_max_are_two_entries() {
    let (small, line) = limit(2);
    let (large, _) = limit(10);
    let _s = [small.acquire_blocking(), small.acquire_blocking()];
    let _l: Vec<_> = (0..10).map(|_| large.acquire_blocking()).collect();
    let mut here: Vec<_> = leash::budgets()
        .into_iter()
        .filter(|b| b.file.ends_with("inventory.rs") && b.line == line)
        .map(|b| (b.kind, b.current, b.peak))
        .collect();
    here.sort_by_key(|(_, current, _)| *current);
    let wait = |max| BudgetKind::Concurrency {
        max,
        on_full: OnFull::Wait,
    };
    assert_eq!(here, [(wait(2), 2, 2), (wait(10), 10, 10)]);
}

fn other_limit(max: usize) -> Concurrency {
    Concurrency::new(max)
}

#[test]
fn instances_with_the_same_value_at_one_site_share_an_entry() {
    let (a, b) = (other_limit(3), other_limit(3));
    let _a = a.acquire_blocking();
    let _b = b.acquire_blocking();
    let threes: Vec<_> = leash::budgets()
        .into_iter()
        .filter(|r| {
            r.file.ends_with("inventory.rs")
                && r.kind
                    == BudgetKind::Concurrency {
                        max: 3,
                        on_full: OnFull::Wait,
                    }
        })
        .collect();
    assert_eq!(threes.len(), 1);
    assert_eq!(threes[0].current, 2);
}

fn panicking_site() -> Retry {
    Retry::new(3).backoff(Duration::ZERO, Duration::ZERO)
}

#[test]
fn a_panic_is_a_failed_attempt_and_goes_on_unwinding() {
    let calls = AtomicU32::new(0);
    let caught = std::panic::catch_unwind(|| {
        let _: Result<(), ()> = panicking_site().run(|| {
            if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                Err(())
            } else {
                panic!("boom")
            }
        });
    });
    assert!(caught.is_err(), "the panic was resumed");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "no attempt after the panic"
    );
    let report = retry_report(3, Duration::ZERO);
    assert_eq!((report.attempts, report.retries, report.panics), (2, 1, 1));
    assert!(report
        .to_string()
        .ends_with("2 attempts, 1 retries, 0 exhausted, 1 panicked"));
}

static MACRO_CALLS: AtomicU32 = AtomicU32::new(0);

#[leash::retry(attempts = 5, backoff = "0ms..0ms")]
fn panics_on_second() -> Result<(), ()> {
    if MACRO_CALLS.fetch_add(1, Ordering::SeqCst) == 1 {
        panic!("boom");
    }
    Err(())
}

#[test]
fn the_attribute_counts_panics_too() {
    assert!(std::panic::catch_unwind(panics_on_second).is_err());
    let report = leash::budgets()
        .into_iter()
        .find(|b| b.name == "panics_on_second")
        .unwrap();
    assert_eq!((report.attempts, report.retries, report.panics), (2, 1, 1));
}

/// A sleep that never ends: the retry is cancelled during its backoff.
struct Forever;

impl Future for Forever {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

struct NoWake;

impl Wake for NoWake {
    fn wake(self: Arc<Self>) {}
}

fn poll_once<F: Future>(fut: F) -> Poll<F::Output> {
    let mut fut = std::pin::pin!(fut);
    let waker = Waker::from(Arc::new(NoWake));
    fut.as_mut().poll(&mut Context::from_waker(&waker))
}

/// The report of the inline retry declared here with this lower backoff.
/// The report of this file's retry site with these values: the attempts
/// tell the sites apart (the macro's site has the same backoff as
/// `panicking_site`, and tests run in parallel).
fn retry_report(attempts: u32, min_backoff: Duration) -> leash::BudgetReport {
    leash::budgets()
        .into_iter()
        .find(|b| {
            b.file.ends_with("inventory.rs")
                && matches!(b.kind, BudgetKind::Retry { attempts: a, min_backoff: m, .. }
                    if a == attempts && m == min_backoff)
        })
        .unwrap()
}

fn cancelled_site() -> Retry<leash::RetryAll, fn(Duration) -> Forever> {
    Retry::new(3).sleep_with((|_| Forever) as fn(Duration) -> Forever)
}

#[test]
fn a_retry_cancelled_during_its_backoff_is_not_counted_as_made() {
    let retry = cancelled_site();
    let pending = poll_once(retry.run_async(|| async { Err::<(), ()>(()) }));
    assert!(pending.is_pending(), "waiting in the backoff; dropped here");
    let report = retry_report(3, Duration::from_millis(100));
    assert_eq!(
        (report.attempts, report.retries, report.exhausted),
        (1, 0, 0)
    );
}
