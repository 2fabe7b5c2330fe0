// leash-flags: -A retry -A unbounded_spawn -A unbounded_fan_out -A fallback -A timeout -A switching -A budget
// Unbounded queues whose producers are paced by what each message carries or
// by what each round waits for (v2.0: not unpaced input), next to one that
// is not paced and is reported.
use std::sync::Arc;
use tokio::sync::{mpsc, Semaphore};

struct Listener;
impl Listener {
    async fn poll(&self) -> u32 {
        1
    }
}

// silent: every message holds a permit of the slot semaphore
async fn poll_with_slots(l: Listener, slots: Arc<Semaphore>) {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(consume(rx));
    loop {
        let permit = slots.clone().acquire_owned().await.unwrap();
        let task = l.poll().await;
        let _ = tx.send((task, permit));
    }
}

// silent: the queue carries handles of tasks that already run
async fn track_started(l: Listener) {
    let (handles_tx, handles_rx) = mpsc::unbounded_channel();
    tokio::spawn(drain(handles_rx));
    loop {
        let task = l.poll().await;
        let handle = tokio::spawn(async move { task });
        let _ = handles_tx.send(handle);
    }
}

// silent: each round also waits for a bounded queue's consumer
async fn request_per_visitor(listener: tokio::net::TcpListener, visitors: mpsc::Sender<tokio::net::TcpStream>) {
    let (requests_tx, requests_rx) = mpsc::unbounded_channel();
    tokio::spawn(consume(requests_rx));
    while let Ok((conn, _)) = listener.accept().await {
        let _ = requests_tx.send(true);
        let _ = visitors.send(conn).await;
    }
}

// silent: one message per pooled connection, a count from constants
const TCP_POOL: usize = 8;
const UDP_POOL: usize = 2;
fn fill_pool(tcp: bool) {
    let (fill_tx, fill_rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || drop(fill_rx));
    let size = if tcp { TCP_POOL } else { UDP_POOL };
    for _ in 0..size {
        let _ = fill_tx.send(true);
    }
}

// reported: every accepted connection is queued, and nothing paces the loop
async fn queue_connections(listener: tokio::net::TcpListener) {
    let (conn_tx, conn_rx) = mpsc::unbounded_channel();
    tokio::spawn(consume(conn_rx));
    while let Ok((conn, _)) = listener.accept().await {
        let _ = conn_tx.send(conn);
    }
}

async fn consume<T>(_rx: mpsc::UnboundedReceiver<T>) {}
async fn drain<T>(_rx: mpsc::UnboundedReceiver<T>) {}
