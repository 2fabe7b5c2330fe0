// leash-flags: -A unbounded_retry -A retry_without_backoff -A retry_without_jitter
// A retry reached from another retry's body multiplies attempts; one reached
// only on the way out (`return inner()` after the loop gave up) runs once.
use std::time::Duration;

async fn open_session() -> Result<Session, Error> {
    for _ in 0..5 {
        match try_open().await {
            Ok(s) => return Ok(s),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    Err(Error::GaveUp)
}

// Reported: each of the 3 attempts runs the 5 attempts of `open_session`.
async fn query_with_retry() -> Result<Rows, Error> {
    for _ in 0..3 {
        match open_session().await {
            Ok(s) => return s.query().await,
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    Err(Error::GaveUp)
}

// Silent: the idle pool is tried a few times; when it is empty, a new
// session is opened once, on the way out of the loop.
async fn acquire(pool: &Pool) -> Result<Session, Error> {
    for _ in 0..3 {
        match pool.pop_idle().await {
            Ok(s) => return Ok(s),
            Err(PoolError::Empty) => return open_session().await,
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
    Err(Error::GaveUp)
}
