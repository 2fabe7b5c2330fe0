//! TCP front end and fan-out to subscribers: where concurrency needs a cap.

use futures::future::join_all;
use futures::stream::{self, StreamExt};
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

pub struct Subscriber {
    pub url: String,
}

/// At most this many order connections are served at once.
const MAX_CONNECTIONS: usize = 256;
/// At most this many subscriber notifications are in flight at once.
const MAX_IN_FLIGHT: usize = 16;

/// unbounded_spawn: one task per accepted connection and nothing caps how many
/// run at once; a burst of clients (or clients that never finish) exhausts
/// memory and file descriptors.
pub async fn serve_orders(listener: TcpListener) -> std::io::Result<()> {
    loop {
        let (socket, _peer) = listener.accept().await?;
        tokio::spawn(handle_connection(socket));
    }
}

/// The fix: a permit per connection, moved into the task; `accept` waits while
/// the server is full.
pub async fn serve_orders_bounded(listener: TcpListener) -> std::io::Result<()> {
    let limit = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let permit = limit
            .clone()
            .acquire_owned()
            .await
            .expect("semaphore never closed");
        let (socket, _peer) = listener.accept().await?;
        tokio::spawn(async move {
            handle_connection(socket).await;
            drop(permit);
        });
    }
}

/// A worker pool sized by configuration is not reported.
pub fn start_workers(workers: usize) {
    for id in 0..workers {
        tokio::spawn(async move { run_worker(id).await });
    }
}

/// unbounded_fan_out: every subscriber is notified at the same moment; ten
/// thousand subscribers are ten thousand concurrent requests.
pub async fn notify_all(subscribers: &[Subscriber], order_id: u64) {
    let _ = join_all(subscribers.iter().map(|s| notify(s, order_id))).await;
}

/// The fix: at most `MAX_IN_FLIGHT` notifications in flight.
pub async fn notify_all_bounded(subscribers: &[Subscriber], order_id: u64) {
    stream::iter(subscribers)
        .map(|s| notify(s, order_id))
        .buffer_unordered(MAX_IN_FLIGHT)
        .collect::<Vec<_>>()
        .await;
}

async fn handle_connection(_socket: TcpStream) {}

async fn run_worker(_id: usize) {}

/// One notification: a connection to the subscriber.
async fn notify(subscriber: &Subscriber, _order_id: u64) {
    let _ = TcpStream::connect(subscriber.url.as_str()).await;
}
