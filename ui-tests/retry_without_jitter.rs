// leash-flags: -A concurrency -A fallback -A switching -A timeout -A budget -A unbounded_retry -A retry_without_backoff
// Deterministic retry delays, and jittered / opaque near-misses.
use std::time::Duration;

const RETRY_DELAY: Duration = Duration::from_millis(250);

fn send() -> Result<u32, String> {
    Ok(1)
}
fn delay_for(_attempt: u32) -> Duration {
    Duration::from_millis(10)
}

// positive: a literal
fn literal() -> Option<u32> {
    for _ in 0..5 {
        if let Ok(v) = send() {
            return Some(v);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

// positive: a const
fn constant() -> u32 {
    loop {
        match send() {
            Ok(v) => return v,
            Err(_) => std::thread::sleep(RETRY_DELAY),
        }
    }
}

// positive: doubling a local, capped
fn doubling() -> Option<u32> {
    let mut backoff = Duration::from_millis(50);
    for _ in 0..5 {
        match send() {
            Ok(v) => return Some(v),
            Err(_) => {}
        }
        std::thread::sleep(backoff);
        backoff = (backoff * 2).min(Duration::from_secs(1));
    }
    None
}

// negative: jitter in the local that feeds the delay
fn jittered(attempt: u32) -> Option<u32> {
    for _ in 0..5 {
        if let Ok(v) = send() {
            return Some(v);
        }
        let wait = Duration::from_millis(100 * 2u64.pow(attempt)).mul_f64(rand::random::<f64>());
        std::thread::sleep(wait);
    }
    None
}

// negative: the delay comes from an opaque helper
fn opaque() -> Option<u32> {
    for attempt in 0..5 {
        if let Ok(v) = send() {
            return Some(v);
        }
        std::thread::sleep(delay_for(attempt));
    }
    None
}

// negative: not a retry loop (a periodic tick)
fn periodic() {
    loop {
        std::thread::sleep(Duration::from_secs(1));
        let _ = tick();
    }
}
fn tick() -> u32 {
    0
}
