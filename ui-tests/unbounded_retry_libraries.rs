// leash-flags: -A concurrency -A fallback -A switching -A timeout -A budget 
// Library retry strategies resolved through `use` imports.
use backon::ExponentialBuilder;
use tokio_retry::strategy::{jitter, ExponentialBackoff, FixedInterval};
use tokio_retry::Retry;

async fn op() -> Result<u32, String> {
    Ok(1)
}

async fn strategies() {
    // unbounded and no jitter
    let _ = Retry::spawn(ExponentialBackoff::from_millis(10).factor(2), op).await;
    // bounded with jitter: fine
    let _ = Retry::spawn(FixedInterval::from_millis(100).map(jitter).take(3), op).await;
    // backon: no max times, no jitter
    let _b = ExponentialBuilder::default().without_max_times();
    // backon: no max times, but a total delay stops it; with jitter: fine
    let _t = ExponentialBuilder::default()
        .with_jitter()
        .without_max_times()
        .with_total_delay(Some(std::time::Duration::from_secs(60)));
    // backon: no max times and no total delay (`None`), with jitter
    let _n = ExponentialBuilder::default().with_jitter().without_max_times().with_total_delay(None);
    // backon: default max times, with jitter: fine
    let _c = ExponentialBuilder::default().with_jitter();
    // backoff crate: no max elapsed time, handed to a retry
    let d = backoff::ExponentialBackoff {
        max_elapsed_time: None,
        ..Default::default()
    };
    let _ = backoff::future::retry(d, op).await;
    // tryhard: u32::MAX retries and no backoff
    let _ = tryhard::retry_fn(op).retries(u32::MAX).await;
}

// Under a deadline: every retry with this strategy stops when `timeout`
// expires, whether the strategy is written in the call, bound to a local or
// built by a helper (jitter is still missing).
fn deadline_strategy() -> impl Iterator<Item = std::time::Duration> {
    tokio_retry::strategy::FibonacciBackoff::from_millis(250)
}

async fn under_deadline() {
    let d = std::time::Duration::from_secs(300);
    let _ = tokio::time::timeout(d, Retry::spawn(FixedInterval::from_millis(100).map(jitter), op)).await;
    let local = FixedInterval::from_millis(100).map(jitter);
    let _ = tokio::time::timeout(d, Retry::spawn(local, op)).await;
    let _ = tokio::time::timeout(d, Retry::spawn(deadline_strategy(), op)).await;
}

// Reported: the helper's strategy is also used once without a deadline.
fn mixed_strategy() -> impl Iterator<Item = std::time::Duration> {
    FixedInterval::from_millis(100).map(jitter)
}

async fn mixed() {
    let d = std::time::Duration::from_secs(300);
    let _ = tokio::time::timeout(d, Retry::spawn(mixed_strategy(), op)).await;
    let _ = Retry::spawn(mixed_strategy(), op).await;
}

// Reported: a deadline around a constructor that keeps the strategy for
// later retries bounds the connect, not the retries.
async fn keeps_strategy() {
    let d = std::time::Duration::from_secs(5);
    let _ = tokio::time::timeout(d, Service::connect_with_retry(FixedInterval::from_millis(100).map(jitter))).await;
}
