// leash-flags: -A concurrency -A fallback -A switching -A timeout -A budget -A unbounded_retry -A retry_without_jitter
// Failure paths that reach the next attempt with no delay, and near-misses.
use std::time::Duration;

fn send() -> Result<u32, String> {
    Ok(1)
}
enum Action {
    Wait,
    Redirect,
    Now,
    Stop,
}
fn classify(_e: &str) -> Action {
    Action::Wait
}

// positive: bounded, but hot
fn hot_bounded() -> Option<u32> {
    for attempt in 0..5 {
        match send() {
            Ok(v) => return Some(v),
            Err(e) => eprintln!("attempt {attempt} failed: {e}"),
        }
    }
    None
}

// positive: explicit continue with no wait
fn hot_continue() -> u32 {
    loop {
        let Ok(v) = send() else {
            continue;
        };
        return v;
    }
}

// negative (v2.0): a delay on any branch of the failure path counts, even
// when the failure splits into arms of which only some wait
fn split(limit: u32) -> Result<u32, String> {
    let mut n = 0;
    loop {
        match send() {
            Ok(v) => return Ok(v),
            Err(e) => {
                n += 1;
                if n > limit {
                    return Err(e);
                }
                match classify(&e) {
                    Action::Wait => std::thread::sleep(Duration::from_millis(100)),
                    Action::Redirect => {}
                    Action::Now => {}
                    Action::Stop => return Err(e),
                }
            }
        }
    }
}

// negative: waits on the failure path
fn waits() -> Option<u32> {
    for _ in 0..5 {
        if let Ok(v) = send() {
            return Some(v);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    None
}

// negative: a conditional delay counts
fn conditional(slow: bool) -> Option<u32> {
    for _ in 0..5 {
        match send() {
            Ok(v) => return Some(v),
            Err(_) => {
                if slow {
                    std::thread::sleep(Duration::from_millis(200));
                }
            }
        }
    }
    None
}

// negative: a crate-local helper that sleeps
fn pause() {
    std::thread::sleep(Duration::from_millis(50));
}
fn helper_waits() -> Option<u32> {
    for _ in 0..5 {
        if let Ok(v) = send() {
            return Some(v);
        }
        pause();
    }
    None
}

// negative: `executor.delay(..)` is a delay
struct Exec;
impl Exec {
    fn delay(&self, _d: Duration) {}
}
fn executor_delay(ex: &Exec) -> Option<u32> {
    for _ in 0..5 {
        if let Ok(v) = send() {
            return Some(v);
        }
        ex.delay(Duration::from_millis(10));
    }
    None
}

// Reported: a declared budget whose longest wait is zero retries at once.
#[leash::retry(attempts = 3, backoff = "0ms..0ms")]
fn declared_hot() -> Result<(), std::io::Error> {
    Ok(())
}

// Silent: a declared budget that waits.
#[leash::retry(attempts = 3, backoff = "0ms..50ms")]
fn declared_paced() -> Result<(), std::io::Error> {
    Ok(())
}
