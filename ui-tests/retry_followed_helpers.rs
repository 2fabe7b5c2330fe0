// leash-flags: -A concurrency -A fallback -A switching -A timeout -A budget
// Bounds and delays followed into the file's own functions and methods on
// `self`; the operation named through wrappers; jitter towards a single local
// peer is low confidence (hidden by default).
use std::time::Duration;

type Res<T> = Result<T, String>;

struct Policy {
    tries: u32,
    max: u32,
}

impl Policy {
    // gives up after `max` tries
    fn pause(&mut self) -> Option<Duration> {
        if self.tries >= self.max {
            return None;
        }
        self.tries += 1;
        Some(Duration::from_millis(100))
    }
}

struct Client {
    policy: Policy,
}

fn send() -> Res<u32> {
    Ok(1)
}
fn jitter(d: Duration) -> Duration {
    d
}

impl Client {
    // silent: `self.policy.pause()` is a bound (it returns None after the
    // maximum), and the delay it gives is opaque
    fn send_bounded(&mut self) -> Res<u32> {
        loop {
            match send() {
                Ok(v) => return Ok(v),
                Err(e) => {
                    let Some(d) = self.policy.pause() else {
                        return Err(e);
                    };
                    std::thread::sleep(jitter(d));
                }
            }
        }
    }

    // waits before it tries
    fn send_settled(&mut self) -> Res<u32> {
        self.settle();
        send()
    }
    fn settle(&self) {
        std::thread::sleep(Duration::from_millis(50));
    }

    // reported (unbounded) with the wait named; not a hot retry
    fn send_forever(&mut self) -> u32 {
        loop {
            if let Ok(v) = self.send_settled() {
                return v;
            }
        }
    }
}

async fn reconnect_once() -> Res<()> {
    Ok(())
}

// reported: named after the call inside `Box::pin`, and it waits on one
// branch of the failure only (which silences retry_without_backoff)
async fn reconnect(busy: bool) {
    loop {
        match Box::pin(reconnect_once()).await {
            Ok(()) => break,
            Err(_) if busy => tokio::time::sleep(Duration::from_secs(1)).await,
            Err(_) => {}
        }
    }
}

fn connect(_addr: &str) -> Res<u32> {
    Ok(1)
}

// jitter is low confidence: the peer is this machine
fn connect_local_daemon() -> u32 {
    for _ in 0..5 {
        if let Ok(c) = connect("127.0.0.1:7000") {
            return c;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    0
}

// reported: a fleet of clients reaching one remote service
fn connect_remote() -> u32 {
    for _ in 0..5 {
        if let Ok(c) = connect("db.internal:5432") {
            return c;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    0
}
