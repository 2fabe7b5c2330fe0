// leash-flags: -A concurrency -A fallback -A switching -A timeout -A budget -A retry_without_backoff -A retry_without_jitter
// Retry loops with no attempt bound, and bounded / non-retry near-misses.
use std::time::{Duration, Instant};

const MAX_ATTEMPTS: u32 = 5;

fn connect(_addr: &str) -> Result<u32, String> {
    Err("down".into())
}
fn fetch() -> Result<u32, String> {
    Ok(1)
}

// positive: retry until success, nothing stops it
fn until_success(addr: &str) -> u32 {
    loop {
        match connect(addr) {
            Ok(c) => return c,
            Err(e) => {
                eprintln!("connect failed: {e}");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

// positive: only fatal errors leave; transient ones retry forever
fn fatal_only() -> Result<u32, String> {
    loop {
        match fetch() {
            Ok(v) => return Ok(v),
            Err(e) if e.is_empty() => return Err(e),
            Err(_) => continue,
        }
    }
}

// positive: `while op().is_err()`
fn while_is_err(addr: &str) {
    while connect(addr).is_err() {
        std::thread::sleep(Duration::from_secs(1));
    }
}

// positive: a counter that only logs
fn counter_only_logs() -> u32 {
    let mut retries = 0;
    loop {
        retries += 1;
        if retries == 3 {
            eprintln!("still retrying");
        }
        if let Ok(v) = fetch() {
            return v;
        }
    }
}

// positive: recursive retry with the same arguments
fn recursive(addr: &str) -> u32 {
    match connect(addr) {
        Ok(c) => c,
        Err(_) => recursive(addr),
    }
}

// negative: attempt counter compared with a limit
fn counted() -> Result<u32, String> {
    let mut attempts = 0;
    loop {
        match fetch() {
            Ok(v) => return Ok(v),
            Err(e) => {
                attempts += 1;
                if attempts >= MAX_ATTEMPTS {
                    return Err(e);
                }
            }
        }
    }
}

// negative: a finite range of attempts
fn ranged() -> Option<u32> {
    for _attempt in 0..MAX_ATTEMPTS {
        if let Ok(v) = fetch() {
            return Some(v);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

// negative: a deadline
fn deadline() -> Option<u32> {
    let start = Instant::now();
    loop {
        match fetch() {
            Ok(v) => return Some(v),
            Err(_) if start.elapsed() > Duration::from_secs(10) => return None,
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

// negative: declared budget
#[leash::retry(attempts = 5, backoff = "100ms..5s")]
fn declared() -> u32 {
    loop {
        if let Ok(v) = fetch() {
            return v;
        }
    }
}

// negative: an event loop that handles one item per iteration
fn event_loop(rx: std::sync::mpsc::Receiver<u32>) {
    loop {
        let Ok(item) = rx.recv() else { break };
        if let Err(e) = handle(item) {
            eprintln!("item failed: {e}");
        }
    }
}
fn handle(_i: u32) -> Result<(), String> {
    Ok(())
}

// negative: failover pass over alternatives
fn failover(addrs: &[&str]) -> Option<u32> {
    for addr in addrs {
        if let Ok(c) = connect(addr) {
            return Some(c);
        }
    }
    None
}

// negative: failure leaves the loop
fn failure_breaks() -> Option<u32> {
    loop {
        match fetch() {
            Ok(v) if v > 0 => return Some(v),
            Ok(_) => continue,
            Err(_) => break None,
        }
    }
}

// negative: compare-and-swap loop
fn cas(a: &std::sync::atomic::AtomicU32) {
    let mut cur = a.load(std::sync::atomic::Ordering::Relaxed);
    loop {
        match a.compare_exchange_weak(cur, cur + 1, std::sync::atomic::Ordering::AcqRel, std::sync::atomic::Ordering::Relaxed) {
            Ok(_) => return,
            Err(actual) => cur = actual,
        }
    }
}

// negative: WouldBlock readiness loop
fn readiness(s: &mut std::net::TcpStream, buf: &mut [u8]) -> std::io::Result<usize> {
    use std::io::Read;
    loop {
        match s.read(buf) {
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
}

// negative: recursion with an attempt count moving to a base case
fn recursive_bounded(addr: &str, left: u32) -> Option<u32> {
    match connect(addr) {
        Ok(c) => Some(c),
        Err(_) if left > 0 => recursive_bounded(addr, left - 1),
        Err(_) => None,
    }
}
