//! Clients for the inventory service and the legacy stock feed.

use std::net::TcpStream;
use std::time::Duration;

/// missing_timeout: reqwest's default client has no request timeout; one
/// inventory call that never answers holds an order handler forever.
pub fn inventory_client() -> reqwest::Client {
    reqwest::Client::new()
}

/// missing_timeout: a connect timeout alone still lets a slow response hang.
pub fn inventory_client_connect_only() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(2))
        .build()
}

/// The fix: bound every request.
pub fn inventory_client_bounded() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(10))
        .build()
}

/// missing_timeout: a blocking connect to an unreachable host waits for the
/// operating system's timeout (minutes).
pub fn stock_feed(addr: &str) -> std::io::Result<TcpStream> {
    TcpStream::connect(addr)
}

/// The fix: `connect_timeout`, and read/write timeouts on the stream.
pub fn stock_feed_bounded(addr: std::net::SocketAddr) -> std::io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(3))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    Ok(stream)
}
