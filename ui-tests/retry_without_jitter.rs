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

// Reported: doubling from a literal, capped by configuration: a cap does not
// randomise the delay.
async fn connect_with_cap(pool: &Pool) -> Result<Conn, Error> {
    let mut delay = Duration::from_secs(0);
    loop {
        match pool.manager.connect().await {
            Ok(conn) => return Ok(conn),
            Err(e) => {
                pool.forward_error(e);
                delay = max(Duration::from_millis(200), delay);
                delay = min(pool.statics.connection_timeout / 2, delay * 2);
                sleep(delay).await;
            }
        }
    }
}

// Reported: when the server sends no Retry-After, the fallback is a fixed
// exponential schedule.
async fn call_with_retry_after(client: &Client, req: Request) -> Result<Response, Error> {
    let mut attempts = 0;
    let mut backoff_attempt = 0;
    loop {
        let retry_after = match client.execute(req.clone()).await {
            Ok(resp) => return Ok(resp),
            Err(e) => e.retry_after(),
        };
        if attempts >= 5 {
            return Err(Error::RateLimited);
        }
        let delay = retry_after.unwrap_or_else(|| {
            let delay = Duration::from_millis(100).saturating_mul(2_u32.saturating_pow(backoff_attempt));
            backoff_attempt += 1;
            delay.min(Duration::from_secs(8))
        });
        attempts += 1;
        tokio::time::sleep(delay).await;
    }
}

// Silent: the other operand comes from an opaque helper, which may randomise.
fn capped_by_helper(policy: &Policy) -> Option<u32> {
    let mut backoff = Duration::from_millis(50);
    for _ in 0..5 {
        if let Ok(v) = send() {
            return Some(v);
        }
        std::thread::sleep(backoff.min(policy.next_delay()));
        backoff *= 2;
    }
    None
}
