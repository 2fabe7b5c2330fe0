// leash-flags: -A concurrency -A fallback -A switching -A timeout -A budget -A retry_without_backoff
// A reconnect supervisor: success moves on to use the connection, and a
// shutdown check is not an attempt bound.
use std::time::Duration;

const RECONNECT_INTERVAL: Duration = Duration::from_secs(2);

struct Shared;
impl Shared {
    fn is_closed(&self) -> bool {
        false
    }
}
async fn connect(_url: &str) -> Result<u32, String> {
    Ok(1)
}
async fn serve(_c: u32) {}

async fn supervise(shared: &Shared, url: &str) {
    while !shared.is_closed() {
        match connect(url).await {
            Ok(conn) => serve(conn).await,
            Err(e) => {
                eprintln!("connect failed: {e}");
                tokio::time::sleep(RECONNECT_INTERVAL).await;
            }
        }
    }
}
