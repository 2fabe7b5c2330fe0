// leash-flags: -A retry -A unbounded_spawn -A unbounded_fan_out -A fallback -A timeout -A switching -A budget
// Producers whose every round waits for a timer, or that send a count they
// were given (v2.0: not a repeating path driven by input), next to ones that
// send what arrives and are reported.
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

// silent: each round waits for its slot on the clock, after a deadline check
async fn paced_tickets(qps: f64, dead_line: Instant) -> mpsc::UnboundedReceiver<()> {
    let (tx, rx) = mpsc::unbounded_channel();
    let start = Instant::now();
    tokio::spawn(async move {
        for i in 0.. {
            if Instant::now() > dead_line {
                break;
            }
            tokio::time::sleep_until((start + Duration::from_secs_f64(i as f64 / qps)).into())
                .await;
            let _ = tx.send(());
        }
    });
    rx
}

// silent: a burst of `rate` tickets after each tick
async fn burst_tickets(n_tasks: usize, rate: usize, every: Duration) -> mpsc::UnboundedReceiver<()> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut n = 0;
        while n + rate < n_tasks {
            tokio::time::sleep(every).await;
            for _ in 0..rate {
                let _ = tx.send(());
            }
            n += rate;
        }
    });
    rx
}

// silent: as many tickets as asked for, once
fn fixed_tickets(n_tasks: usize) -> mpsc::UnboundedReceiver<()> {
    let (tx, rx) = mpsc::unbounded_channel();
    for _ in 0..n_tasks {
        let _ = tx.send(());
    }
    rx
}

// reported: what each tick fetches is sent item by item
async fn polled_batches(source: Source) -> mpsc::UnboundedReceiver<u32> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            for item in source.poll().await {
                let _ = tx.send(item);
            }
        }
    });
    rx
}

// reported: a range over the items walks what arrived
async fn indexed(source: Source) -> mpsc::UnboundedReceiver<u32> {
    let (tx, rx) = mpsc::unbounded_channel();
    let items = source.poll().await;
    for i in 0..items.len() {
        let _ = tx.send(items[i]);
    }
    rx
}

// reported: the wait is on one branch only, not every round
async fn forward_until_idle(source: Source) -> mpsc::UnboundedReceiver<u32> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(item) = source.next().await {
            if item == 0 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            let _ = tx.send(item);
        }
    });
    rx
}

// reported: the loop's header reads the stream; the wait only slows it
async fn stream_then_wait(mut source: Source) -> mpsc::UnboundedReceiver<u32> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(item) = source.next().await {
            tokio::time::sleep(Duration::from_millis(10)).await;
            let _ = tx.send(item);
        }
    });
    rx
}

// reported: a count read from the request is input
async fn count_from_request(source: Source, header: &str) -> mpsc::UnboundedReceiver<u32> {
    let (tx, rx) = mpsc::unbounded_channel();
    let n: u32 = header.parse().unwrap_or(0);
    for i in 0..n {
        let _ = tx.send(i);
    }
    drop(source);
    rx
}

struct Source;
impl Source {
    async fn poll(&self) -> Vec<u32> {
        Vec::new()
    }
    async fn next(&self) -> Option<u32> {
        None
    }
}
