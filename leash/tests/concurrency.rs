//! Behaviour of `#[leash::concurrency]` and `leash::Concurrency` on real
//! threads and a real tokio runtime.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use leash::{BudgetKind, Concurrency, OnFull};

fn report(name: &str) -> leash::BudgetReport {
    leash::budgets()
        .into_iter()
        .find(|b| b.name == name)
        .unwrap_or_else(|| panic!("budget {name} not registered"))
}

/// Counts callers inside a section and remembers the highest count seen.
struct Gauge {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl Gauge {
    const fn new() -> Self {
        Gauge {
            now: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        }
    }

    fn enter(&self) {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
    }

    fn leave(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }
}

static SYNC_GAUGE: Gauge = Gauge::new();

#[leash::concurrency(max = 4)]
fn limited_sync(id: usize) -> usize {
    SYNC_GAUGE.enter();
    thread::sleep(Duration::from_millis(3));
    SYNC_GAUGE.leave();
    id
}

#[test]
fn sync_fn_never_exceeds_max_across_threads() {
    let start = Arc::new(Barrier::new(32));
    let handles: Vec<_> = (0..32)
        .map(|id| {
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                limited_sync(id)
            })
        })
        .collect();
    let mut ids: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    ids.sort_unstable();
    assert_eq!(ids, (0..32).collect::<Vec<_>>());
    let peak = SYNC_GAUGE.peak.load(Ordering::SeqCst);
    assert!(peak <= 4, "peak {peak} exceeds max");
    assert!(peak >= 2, "calls were serialised: peak {peak}");
    let r = report("limited_sync");
    assert!(r.peak <= 4 && r.peak >= 1);
    assert_eq!((r.current, r.rejections), (0, 0));
    assert_eq!(
        r.kind,
        BudgetKind::Concurrency {
            max: 4,
            on_full: OnFull::Wait
        }
    );
}

static ASYNC_GAUGE: Gauge = Gauge::new();

#[leash::concurrency(max = 3)]
async fn limited_async(id: usize) -> usize {
    ASYNC_GAUGE.enter();
    tokio::time::sleep(Duration::from_millis(3)).await;
    ASYNC_GAUGE.leave();
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_fn_never_exceeds_max_across_tasks() {
    let tasks: Vec<_> = (0..32).map(|id| tokio::spawn(limited_async(id))).collect();
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap();
    }
    assert_eq!(total, (0..32).sum::<usize>());
    let peak = ASYNC_GAUGE.peak.load(Ordering::SeqCst);
    assert!(peak <= 3, "peak {peak} exceeds max");
    assert!(peak >= 2, "calls were serialised: peak {peak}");
    let r = report("limited_async");
    assert!(r.peak <= 3 && r.peak >= 2);
    assert_eq!((r.current, r.rejections), (0, 0));
}

#[derive(Debug, PartialEq)]
enum Error {
    Busy,
}

fn busy() -> Error {
    Error::Busy
}

static HOLD: Barrier = Barrier::new(2);

#[leash::concurrency(max = 1, on_full = "reject", error = busy)]
fn exclusive(hold: bool) -> Result<u32, Error> {
    if hold {
        HOLD.wait(); // entered
        HOLD.wait(); // asked to leave
    }
    Ok(1)
}

#[test]
fn reject_mode_returns_the_error() {
    let holder = thread::spawn(|| exclusive(true));
    HOLD.wait();
    assert_eq!(exclusive(false), Err(Error::Busy));
    assert_eq!(exclusive(false), Err(Error::Busy));
    HOLD.wait();
    assert_eq!(holder.join().unwrap(), Ok(1));
    assert_eq!(exclusive(false), Ok(1));
    let r = report("exclusive");
    assert_eq!((r.rejections, r.peak, r.current), (2, 1, 0));
    assert_eq!(
        r.kind,
        BudgetKind::Concurrency {
            max: 1,
            on_full: OnFull::Reject
        }
    );
}

struct Service {
    served: AtomicUsize,
}

impl Service {
    #[leash::concurrency(max = 2)]
    async fn serve(&self) -> usize {
        tokio::task::yield_now().await;
        self.served.fetch_add(1, Ordering::SeqCst) + 1
    }

    #[leash::concurrency(max = 2, on_full = "wait")]
    fn serve_sync(&mut self) -> usize {
        *self.served.get_mut() += 1;
        *self.served.get_mut()
    }
}

#[tokio::test]
async fn methods_work() {
    let mut service = Service {
        served: AtomicUsize::new(0),
    };
    assert_eq!(service.serve().await, 1);
    assert_eq!(service.serve_sync(), 2);
}

#[test]
fn inline_limiter_bounds_threads() {
    let limit = Arc::new(Concurrency::new(5));
    let gauge = Arc::new(Gauge::new());
    let handles: Vec<_> = (0..32)
        .map(|_| {
            let (limit, gauge) = (Arc::clone(&limit), Arc::clone(&gauge));
            thread::spawn(move || {
                limit.run(|| {
                    gauge.enter();
                    thread::sleep(Duration::from_millis(2));
                    gauge.leave();
                })
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert!(gauge.peak.load(Ordering::SeqCst) <= 5);
    assert_eq!(limit.in_use(), 0);

    let first = limit.try_acquire();
    assert!(first.is_some());
    let rest: Vec<_> = (0..4).map(|_| limit.try_acquire().unwrap()).collect();
    assert!(limit.try_acquire().is_none());
    drop(rest);
    let r = leash::budgets()
        .into_iter()
        .find(|b| b.name == "concurrency" && b.file == file!() && b.rejections > 0)
        .expect("inline limiter registered");
    assert_eq!(r.current, 1, "only `first` is still held");
    assert!(r.peak <= 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inline_limiter_bounds_tasks() {
    let limit = Arc::new(Concurrency::new(2));
    let gauge = Arc::new(Gauge::new());
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let (limit, gauge) = (Arc::clone(&limit), Arc::clone(&gauge));
            tokio::spawn(async move {
                limit
                    .run_async(async {
                        gauge.enter();
                        tokio::time::sleep(Duration::from_millis(1)).await;
                        gauge.leave();
                    })
                    .await
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let peak = gauge.peak.load(Ordering::SeqCst);
    assert!((1..=2).contains(&peak), "peak {peak}");
}
