//! Behaviour of `#[leash::retry]` and `leash::Retry` on real threads and a
//! real tokio runtime.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use leash::{BudgetKind, Jitter, Retry};

#[derive(Debug, Clone, PartialEq)]
enum Error {
    Transient,
    Fatal,
}

impl From<std::num::ParseIntError> for Error {
    fn from(_: std::num::ParseIntError) -> Self {
        Error::Fatal
    }
}

fn is_transient(e: &Error) -> bool {
    matches!(e, Error::Transient)
}

fn report(name: &str) -> leash::BudgetReport {
    leash::budgets()
        .into_iter()
        .find(|b| b.name == name)
        .unwrap_or_else(|| panic!("budget {name} not registered"))
}

static ALWAYS_CALLS: AtomicU32 = AtomicU32::new(0);

#[leash::retry(attempts = 3, backoff = "1ms..2ms")]
fn always_fails() -> Result<(), Error> {
    ALWAYS_CALLS.fetch_add(1, Ordering::SeqCst);
    Err(Error::Transient)
}

#[test]
fn retries_stop_at_attempts_and_return_last_error() {
    assert_eq!(always_fails(), Err(Error::Transient));
    assert_eq!(ALWAYS_CALLS.load(Ordering::SeqCst), 3);
    let r = report("always_fails");
    assert_eq!((r.attempts, r.retries, r.exhausted), (3, 2, 1));
    assert_eq!(r.file, file!());
    let source = include_str!("retry.rs").lines().nth(r.line as usize - 1);
    assert!(
        source.unwrap().contains("fn always_fails"),
        "line {}",
        r.line
    );
    assert_eq!(
        r.to_string(),
        format!(
            "retry always_fails ({}:{}) attempts=3 backoff=1ms..2ms jitter=Full: \
             3 attempts, 2 retries, 1 exhausted",
            file!(),
            r.line
        )
    );
    assert_eq!(r.module, module_path!());
    assert!(matches!(
        r.kind,
        BudgetKind::Retry { attempts: 3, min_backoff, max_backoff, jitter: Jitter::Full, .. }
            if min_backoff == Duration::from_millis(1) && max_backoff == Duration::from_millis(2)
    ));
}

static FLAKY_CALLS: AtomicU32 = AtomicU32::new(0);

#[leash::retry(attempts = 5, backoff = "1ms..1ms", jitter = "none")]
fn flaky(succeed_on: u32) -> Result<u32, Error> {
    let n = FLAKY_CALLS.fetch_add(1, Ordering::SeqCst) + 1;
    if n < succeed_on {
        return Err(Error::Transient);
    }
    Ok(n)
}

#[test]
fn success_ends_the_loop() {
    assert_eq!(flaky(3), Ok(3));
    let r = report("flaky");
    assert_eq!((r.attempts, r.retries, r.exhausted), (3, 2, 0));
}

static WHEN_CALLS: AtomicU32 = AtomicU32::new(0);

#[leash::retry(attempts = 4, backoff = "1ms..2ms", when = is_transient)]
fn fatal_then_nothing(text: &str) -> Result<u32, Error> {
    WHEN_CALLS.fetch_add(1, Ordering::SeqCst);
    // `?` converts the error with `From`, as in any fn.
    let n: u32 = text.parse()?;
    Ok(n)
}

#[test]
fn when_is_honoured() {
    assert_eq!(fatal_then_nothing("x"), Err(Error::Fatal));
    assert_eq!(WHEN_CALLS.load(Ordering::SeqCst), 1);
    assert_eq!(fatal_then_nothing("7"), Ok(7));
    let r = report("fatal_then_nothing");
    assert_eq!((r.attempts, r.retries, r.exhausted), (2, 0, 0));
}

#[leash::retry(attempts = 3, backoff = "1ms..1ms", when = |e: &Error| *e == Error::Transient)]
fn consumes(mut items: Vec<u32>, (a, b): (u32, u32), _: u8) -> Result<usize, Error> {
    items.push(a + b);
    if items.len() < 10 {
        // Each attempt sees a fresh clone of the arguments.
        assert_eq!(items.len(), 3);
        return Err(Error::Transient);
    }
    Ok(items.len())
}

#[test]
fn by_value_arguments_are_cloned_per_attempt() {
    assert_eq!(consumes(vec![1, 2], (3, 4), 0), Err(Error::Transient));
    assert_eq!(report("consumes").attempts, 3);
}

struct Client {
    calls: u32,
    log: Mutex<Vec<u32>>,
}

impl Client {
    #[leash::retry(attempts = 3, backoff = "1ms..2ms")]
    fn bump(&mut self, by: u32) -> Result<u32, Error> {
        self.calls += by;
        if self.calls < 3 {
            Err(Error::Transient)
        } else {
            Ok(self.calls)
        }
    }

    #[leash::retry(attempts = 2, backoff = "1ms..2ms")]
    fn record(&self, value: u32) -> Result<(), Error> {
        self.log.lock().unwrap().push(value);
        Err(Error::Transient)
    }

    #[leash::retry(attempts = 3, backoff = "1ms..2ms", sleep = tokio::time::sleep)]
    async fn bump_async(&mut self, by: u32) -> Result<u32, Error> {
        tokio::task::yield_now().await;
        self.calls += by;
        if self.calls < 6 {
            Err(Error::Transient)
        } else {
            Ok(self.calls)
        }
    }
}

#[test]
fn methods_work() {
    let mut client = Client {
        calls: 0,
        log: Mutex::new(Vec::new()),
    };
    assert_eq!(client.bump(1), Ok(3));
    assert_eq!(client.record(9), Err(Error::Transient));
    assert_eq!(*client.log.lock().unwrap(), [9, 9]);
}

#[tokio::test]
async fn async_methods_work() {
    let mut client = Client {
        calls: 3,
        log: Mutex::new(Vec::new()),
    };
    assert_eq!(client.bump_async(1).await, Ok(6));
    assert_eq!(report("bump_async").retries, 2);
}

static ASYNC_CALLS: AtomicU32 = AtomicU32::new(0);

#[leash::retry(attempts = 4, backoff = "1ms..20ms", when = is_transient, sleep = tokio::time::sleep)]
async fn fetch(key: String) -> Result<String, Error> {
    ASYNC_CALLS.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(1)).await;
    if key == "fatal" {
        return Err(Error::Fatal);
    }
    Err(Error::Transient)
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_fn_retries_under_tokio() {
    // The generated future stays `Send`, so it can be spawned.
    let spawned = tokio::spawn(assert_send(fetch("fatal".to_string())));
    assert_eq!(spawned.await.unwrap(), Err(Error::Fatal));
    ASYNC_CALLS.store(0, Ordering::SeqCst);
    let started = Instant::now();
    assert_eq!(fetch("k".to_string()).await, Err(Error::Transient));
    assert_eq!(ASYNC_CALLS.load(Ordering::SeqCst), 4);
    // Three delays of at least 1ms each.
    assert!(started.elapsed() >= Duration::from_millis(3));
    assert_eq!(fetch("fatal".to_string()).await, Err(Error::Fatal));
    assert_eq!(ASYNC_CALLS.load(Ordering::SeqCst), 5);
    let r = report("fetch");
    assert_eq!((r.attempts, r.retries, r.exhausted), (6, 3, 1));
}

#[cfg(feature = "tokio")]
#[leash::retry(attempts = 2, backoff = "1ms..1ms")]
async fn default_sleep() -> Result<(), Error> {
    Err(Error::Transient)
}

#[cfg(feature = "tokio")]
#[tokio::test]
async fn tokio_feature_gives_a_default_sleep() {
    assert_eq!(default_sleep().await, Err(Error::Transient));
    assert_eq!(report("default_sleep").attempts, 2);
}

#[leash::retry(attempts = 3, backoff = "1ms..1ms")]
fn generic<T: Clone + std::fmt::Debug>(value: T) -> std::io::Result<T> {
    let _ = &value;
    Err(std::io::Error::other("nope"))
}

#[leash::retry(attempts = 2, backoff = "1ms..1ms")]
fn opaque(fail: bool) -> Result<impl std::fmt::Display, Error> {
    if fail {
        return Err(Error::Transient);
    }
    Ok(5)
}

#[test]
fn impl_trait_results_work() {
    assert_eq!(opaque(false).unwrap().to_string(), "5");
    assert!(opaque(true).is_err());
}

#[test]
fn generic_fns_and_result_aliases_work() {
    assert!(generic(5u8).is_err());
    assert!(generic("x").is_err());
    assert_eq!(report("generic").attempts, 6);
}

/// The delays the inline API asks for between attempts, recorded by the
/// sleep it is given (no clock: a loaded machine cannot change them).
fn measure(jitter: Jitter, min: Duration, max: Duration, attempts: u32) -> Vec<Duration> {
    let asked = std::sync::Arc::new(Mutex::new(Vec::new()));
    let record = asked.clone();
    let retry = Retry::new(attempts)
        .backoff(min, max)
        .jitter(jitter)
        .sleep_with(move |d: Duration| {
            record.lock().unwrap().push(d);
            std::future::ready(())
        });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let _ = runtime.block_on(retry.run_async(|| async { Err::<(), _>(Error::Transient) }));
    let delays = asked.lock().unwrap().clone();
    delays
}

#[test]
fn backoff_delays_are_within_bounds_and_jittered() {
    let (min, max) = (Duration::from_millis(1), Duration::from_millis(20));
    let mut all = Vec::new();
    for _ in 0..4 {
        let delays = measure(Jitter::Full, min, max, 6);
        assert_eq!(delays.len(), 5);
        for d in &delays {
            assert!(*d >= min, "{d:?} below the lower bound");
            assert!(*d <= max, "{d:?} above the upper bound");
        }
        all.extend(delays);
    }
    // Jittered: the same retry number does not always sleep the same time.
    let rounded: std::collections::HashSet<_> = all.iter().map(|d| d.as_micros() / 500).collect();
    assert!(rounded.len() > 3, "delays look constant: {all:?}");
}

#[test]
fn no_jitter_grows_exponentially() {
    let delays = measure(
        Jitter::None,
        Duration::from_millis(2),
        Duration::from_millis(8),
        5,
    );
    let expected = [2, 4, 8, 8].map(Duration::from_millis);
    assert_eq!(delays, expected);
}

#[test]
fn inline_retry_honours_when_and_attempts() {
    let mut calls = 0;
    let result: Result<(), Error> = Retry::new(5)
        .backoff(Duration::from_millis(1), Duration::from_millis(2))
        .when(is_transient)
        .run(|| {
            calls += 1;
            Err(if calls < 2 {
                Error::Transient
            } else {
                Error::Fatal
            })
        });
    assert_eq!(result, Err(Error::Fatal));
    assert_eq!(calls, 2);

    let mut calls = 0;
    let result: Result<(), Error> = Retry::new(3)
        .backoff(Duration::from_millis(1), Duration::from_millis(2))
        .run(|| {
            calls += 1;
            Err(Error::Transient)
        });
    assert_eq!(result, Err(Error::Transient));
    assert_eq!(calls, 3);
    let inline = leash::budgets()
        .into_iter()
        .filter(|b| b.name == "retry" && b.file == file!())
        .map(|b| b.attempts)
        .sum::<u64>();
    assert!(inline >= 5);
}

#[tokio::test]
async fn inline_run_async() {
    let calls = AtomicU32::new(0);
    let result = Retry::new(3)
        .backoff(Duration::from_millis(1), Duration::from_millis(2))
        .sleep_with(tokio::time::sleep)
        .run_async(|| async {
            let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
            if n < 3 {
                Err(Error::Transient)
            } else {
                Ok(n)
            }
        })
        .await;
    assert_eq!(result, Ok(3));
}
