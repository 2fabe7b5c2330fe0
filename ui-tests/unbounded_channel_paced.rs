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
    async fn poll_batch(&self, _done: Vec<u32>) -> Vec<u32> {
        Vec::new()
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

// silent: the loop that queues each round's results also takes them off
// (a consumer feeding its own queue cannot outrun itself)
async fn poll_work(scheduler: Listener) {
    let (status_tx, mut status_rx) = mpsc::unbounded_channel();
    loop {
        let statuses = take_statuses(&mut status_rx);
        let tasks = scheduler.poll_batch(statuses).await;
        for task in tasks {
            let _ = status_tx.send(task);
        }
    }
}

// silent: a task per started action sends once when it ends, and the
// loop that starts them drains the queue in a `select!` arm
async fn run_actions(mut updates: Updates) {
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    loop {
        tokio::select! {
            Some(action) = updates.next() => {
                let done_tx = done_tx.clone();
                tokio::spawn(async move { let _ = done_tx.send(action); });
            }
            Some(done) = done_rx.recv() => drop(done),
        }
    }
}

// silent: the worker's loop handles the results through its own method
struct Worker {
    results_rx: mpsc::UnboundedReceiver<u32>,
    results_tx: mpsc::UnboundedSender<u32>,
}

impl Worker {
    fn new() -> Self {
        let (results_tx, results_rx) = mpsc::unbounded_channel();
        Worker { results_rx, results_tx }
    }

    async fn run(&mut self, mut updates: Updates) {
        while let Some(item) = updates.next().await {
            self.handle_results().await;
            self.send_one(item);
        }
    }

    async fn handle_results(&mut self) {
        tokio::select! {
            _ = self.results_rx.recv() => {}
        }
    }

    fn send_one(&self, item: u32) {
        let _ = self.results_tx.send(item);
    }
}

// reported: the consumer loop also starts a task per connection that
// loops on its own, sending what it reads
async fn read_loops(listener: tokio::net::TcpListener) {
    let (lines_tx, mut lines_rx) = mpsc::unbounded_channel();
    loop {
        tokio::select! {
            Ok((conn, _)) = listener.accept() => {
                let lines_tx = lines_tx.clone();
                tokio::spawn(async move {
                    loop {
                        let line = read_line(&conn).await;
                        let _ = lines_tx.send(line);
                    }
                });
            }
            Some(line) = lines_rx.recv() => drop(line),
        }
    }
}

// reported: the loop hands each new receiver away (not drained in the
// round), and a reader's `next()` is not this type's receiving method
struct Events {
    events_rx: mpsc::UnboundedReceiver<u32>,
}

impl Events {
    async fn next(&mut self) -> Option<u32> {
        self.events_rx.recv().await
    }
}

async fn forward_events(mut reader: Updates) {
    let (events_tx, events_rx) = mpsc::unbounded_channel();
    let _events = Events { events_rx };
    loop {
        let event = reader.next().await;
        let _ = events_tx.send(event.unwrap_or(0));
    }
}

struct Updates;
impl Updates {
    async fn next(&mut self) -> Option<u32> {
        None
    }
}

fn take_statuses<T>(_rx: &mut mpsc::UnboundedReceiver<T>) -> Vec<T> {
    Vec::new()
}

async fn read_line(_conn: &tokio::net::TcpStream) -> u32 {
    0
}

async fn consume<T>(_rx: mpsc::UnboundedReceiver<T>) {}
async fn drain<T>(_rx: mpsc::UnboundedReceiver<T>) {}
