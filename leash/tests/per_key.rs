//! Concurrency per key: keys are independent, each bounded, idle keys go.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;

use leash::{BudgetKind, Concurrency, OnFull};

#[test]
fn keys_are_independent() {
    let limit = Concurrency::per_key(2);
    let a1 = limit.try_acquire("a").unwrap();
    let _a2 = limit.try_acquire("a").unwrap();
    assert!(limit.try_acquire("a").is_none());
    let _b1 = limit.try_acquire("b").unwrap();
    let _b2 = limit.try_acquire("b").unwrap();
    assert!(limit.try_acquire("b").is_none());
    drop(a1);
    assert!(limit.try_acquire("a").is_some());
}

#[test]
fn idle_keys_are_dropped() {
    let limit = Concurrency::per_key(1);
    for key in 0..10_000u32 {
        limit.run(key, || ());
    }
    assert_eq!(limit.keys(), 0);
    let held = limit.acquire_blocking(7);
    assert_eq!(limit.keys(), 1);
    drop(held);
    assert_eq!(limit.keys(), 0);
}

/// Threads on four keys at once: every key reaches its limit side by side
/// with the others (a barrier holds them all inside together), and no key
/// ever goes past it.
#[test]
fn per_key_peaks_with_keys_running_side_by_side() {
    const KEYS: usize = 4;
    const MAX: usize = 3;
    let limit = Concurrency::per_key(MAX);
    let inside: Mutex<HashMap<usize, usize>> = Mutex::new(HashMap::new());
    let peaks: Mutex<HashMap<usize, usize>> = Mutex::new(HashMap::new());
    let all_in = Barrier::new(KEYS * MAX);
    let waiting = AtomicUsize::new(0);
    let (limit, inside, peaks_ref, all_in, waiting) = (&limit, &inside, &peaks, &all_in, &waiting);
    thread::scope(|scope| {
        for key in 0..KEYS {
            // Twice the limit per key: the second half waits its turn.
            for _ in 0..2 * MAX {
                scope.spawn(move || {
                    let _permit = limit.acquire_blocking(key);
                    let now = {
                        let mut inside = inside.lock().unwrap();
                        let n = inside.entry(key).or_default();
                        *n += 1;
                        *n
                    };
                    {
                        let mut peaks = peaks_ref.lock().unwrap();
                        let peak = peaks.entry(key).or_default();
                        *peak = (*peak).max(now);
                    }
                    // The first MAX holders of every key meet here at once.
                    if waiting.fetch_add(1, Ordering::SeqCst) < KEYS * MAX {
                        all_in.wait();
                    }
                    *inside.lock().unwrap().get_mut(&key).unwrap() -= 1;
                });
            }
        }
    });
    let peaks = peaks.into_inner().unwrap();
    assert_eq!(peaks.len(), KEYS);
    assert!(peaks.values().all(|&p| p <= MAX), "{peaks:?}");
    assert_eq!(limit.keys(), 0);
}

#[test]
fn the_report_keeps_the_peak_of_one_key() {
    // Tests run side by side: find this site by its line, not by its state.
    let (line, limit) = (line!(), Concurrency::per_key(2));
    let _a = limit.try_acquire('a').unwrap();
    let _a2 = limit.try_acquire('a').unwrap();
    let _b = limit.try_acquire('b').unwrap();
    assert!(limit.try_acquire('a').is_none());
    let report = leash::budgets()
        .into_iter()
        .find(|b| {
            b.name == "concurrency_per_key" && b.file.ends_with("per_key.rs") && b.line == line
        })
        .unwrap();
    assert_eq!(
        report.kind,
        BudgetKind::ConcurrencyPerKey {
            max: 2,
            on_full: OnFull::Wait
        }
    );
    assert_eq!((report.peak, report.rejections), (2, 1));
}

static HOST_GATE: Mutex<()> = Mutex::new(());

#[derive(Debug, PartialEq)]
struct Busy;

#[leash::concurrency(max = 1, per = host, on_full = "reject", error = || Busy)]
fn fetch(host: &str, hold: bool) -> Result<String, Busy> {
    if hold {
        let _gate = HOST_GATE.lock().unwrap();
    }
    Ok(host.to_uppercase())
}

#[leash::concurrency(max = 2, per = tenant)]
async fn render(tenant: u64, gate: Arc<tokio::sync::Semaphore>) -> u64 {
    gate.acquire().await.unwrap().forget();
    tenant
}

#[test]
fn the_attribute_keys_on_the_named_parameter() {
    let gate = HOST_GATE.lock().unwrap();
    thread::scope(|scope| {
        let holder = scope.spawn(|| fetch("a", true));
        // Wait until the holder is inside (it shows as running).
        while !leash::budgets()
            .iter()
            .any(|b| b.name == "fetch" && b.current == 1)
        {
            thread::yield_now();
        }
        assert_eq!(fetch("a", false), Err(Busy), "host a is full");
        assert_eq!(fetch("b", false), Ok("B".to_string()), "host b is not");
        drop(gate);
        assert_eq!(holder.join().unwrap(), Ok("A".to_string()));
    });
    let report = leash::budgets()
        .into_iter()
        .find(|b| b.name == "fetch")
        .unwrap();
    assert_eq!(
        report.kind,
        BudgetKind::ConcurrencyPerKey {
            max: 1,
            on_full: OnFull::Reject
        }
    );
    assert_eq!(report.rejections, 1);
}

#[tokio::test]
async fn async_functions_wait_per_key() {
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let tasks: Vec<_> = [1, 1, 1, 2]
        .into_iter()
        .map(|tenant| tokio::spawn(render(tenant, Arc::clone(&gate))))
        .collect();
    // Two of tenant 1 and the one of tenant 2 get in; the third of tenant 1 waits.
    while !leash::budgets()
        .iter()
        .any(|b| b.name == "render" && b.current == 3)
    {
        tokio::task::yield_now().await;
    }
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    let report = leash::budgets()
        .into_iter()
        .find(|b| b.name == "render")
        .unwrap();
    assert_eq!((report.current, report.peak), (3, 2));
    gate.add_permits(4);
    let mut done = Vec::new();
    for task in tasks {
        done.push(task.await.unwrap());
    }
    assert_eq!(done, [1, 1, 1, 2]);
    let report = leash::budgets()
        .into_iter()
        .find(|b| b.name == "render")
        .unwrap();
    assert_eq!((report.current, report.peak), (0, 2));
}

struct NoWake;

impl std::task::Wake for NoWake {
    fn wake(self: Arc<Self>) {}
}

/// A waiter that gives up (its future dropped) does not keep its key.
#[test]
fn a_cancelled_waiter_leaves_no_key_behind() {
    use std::future::Future;
    let limit = Concurrency::per_key(1);
    let held = limit.try_acquire("k").unwrap();
    {
        let waiter = limit.acquire("k");
        let mut waiter = std::pin::pin!(waiter);
        let waker = std::task::Waker::from(Arc::new(NoWake));
        let mut cx = std::task::Context::from_waker(&waker);
        assert!(waiter.as_mut().poll(&mut cx).is_pending());
    }
    assert_eq!(limit.keys(), 1);
    drop(held);
    assert_eq!(limit.keys(), 0);
}

/// Many threads letting go of one key at the same moment: the last of them
/// must see itself as the last and remove the key, however their releases
/// interleave.
#[test]
fn a_key_let_go_by_many_threads_at_once_is_dropped() {
    const THREADS: usize = 8;
    const ROUNDS: usize = 2_000;
    let limit = Concurrency::per_key(THREADS);
    for _ in 0..ROUNDS {
        let all_in = Barrier::new(THREADS);
        thread::scope(|scope| {
            for _ in 0..THREADS {
                scope.spawn(|| {
                    let _permit = limit.acquire_blocking("host");
                    all_in.wait();
                });
            }
        });
        assert_eq!(limit.keys(), 0, "an idle key stayed in the map");
    }
}
