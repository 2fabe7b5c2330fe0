// leash-flags: -A retry_without_backoff -A retry_without_jitter -A concurrency -A fallback -A timeout -A switching -A budget
// A failure path that takes the next number from a shared atomic counter and
// leaves when it reaches the limit is bounded like `attempts += 1` (v2.0:
// a counter incremented in the loop and compared against a limit).
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

// silent: each failed setup counts against `n_tasks`
async fn worker(counter: Arc<AtomicUsize>, n_tasks: usize) {
    loop {
        match setup().await {
            Ok(conn) => {
                if run(conn).await {
                    return;
                }
            }
            Err(_) => {
                if counter.fetch_add(1, Ordering::Relaxed) >= n_tasks {
                    return;
                }
            }
        }
    }
}

// reported: the counter is read, never moved, so nothing bounds the retries
async fn watcher(counter: Arc<AtomicUsize>, n_tasks: usize) {
    loop {
        match setup().await {
            Ok(conn) => {
                if run(conn).await {
                    return;
                }
            }
            Err(_) => {
                if counter.load(Ordering::Relaxed) >= n_tasks {
                    return;
                }
            }
        }
    }
}

struct Conn;
async fn setup() -> Result<Conn, std::io::Error> {
    Ok(Conn)
}
async fn run(_c: Conn) -> bool {
    true
}
