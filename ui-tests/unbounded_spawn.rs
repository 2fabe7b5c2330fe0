// leash-flags: -A retry -A fallback -A switching -A budget -A timeout -A unbounded_fan_out -A unbounded_channel
// Spawns per connection or item, through every import shape, and near-misses.
use std::sync::Arc;
use std::thread;
use tokio::net::TcpListener;
use tokio::spawn as go;
use tokio::sync::Semaphore;
use tokio::task::{self, JoinSet};

async fn accept_loop(listener: TcpListener) -> std::io::Result<()> {
    loop {
        let (socket, _) = listener.accept().await?;
        tokio::spawn(async move { drop(socket) });
    }
}

async fn per_message(mut rx: tokio::sync::mpsc::Receiver<u32>) {
    while let Some(msg) = rx.recv().await {
        go(async move { msg });
    }
}

fn per_item(uploads: Vec<String>) {
    for p in uploads.iter() {
        task::spawn_blocking(move || p.len());
    }
    for i in 0..uploads.len() {
        thread::Builder::new().name(format!("w{i}")).spawn(move || i).unwrap();
    }
    uploads.into_iter().for_each(|p| {
        thread::spawn(move || p);
    });
}

async fn through_receivers(requests: Vec<u32>, rt: tokio::runtime::Runtime) {
    let mut set = JoinSet::new();
    for x in requests.clone() {
        set.spawn(async move { x });
    }
    for x in requests.clone() {
        tokio::runtime::Handle::current().spawn(async move { x });
    }
    for x in requests {
        rt.spawn(async move { x });
    }
}

fn spawn_task<F: std::future::Future<Output = ()> + Send + 'static>(fut: F) {
    tokio::spawn(fut);
}

async fn through_wrapper(listener: TcpListener) {
    while let Ok((socket, _)) = listener.accept().await {
        spawn_task(async move { drop(socket) });
    }
}

// Near-misses: worker pools, bounds, one-at-a-time.

fn worker_pools(config: &Config) {
    for i in 0..4 {
        thread::spawn(move || i);
    }
    for i in 0..num_cpus::get() {
        thread::spawn(move || i);
    }
    for i in 0..config.workers {
        thread::spawn(move || i);
    }
    for name in ["a", "b"] {
        thread::spawn(move || name);
    }
    let mut n = 0;
    while n < config.min_idle {
        thread::spawn(|| ());
        n += 1;
    }
}

async fn with_semaphore(listener: TcpListener) -> std::io::Result<()> {
    let limit = Arc::new(Semaphore::new(64));
    loop {
        let permit = limit.clone().acquire_owned().await.unwrap();
        let (socket, _) = listener.accept().await?;
        tokio::spawn(async move {
            drop(socket);
            drop(permit);
        });
    }
}

async fn with_joinset_limit(items: Vec<u32>) {
    let mut set = JoinSet::new();
    for x in items {
        if set.len() >= 16 {
            set.join_next().await;
        }
        set.spawn(async move { x });
    }
}

async fn with_bounded_channel(items: Vec<u32>, tx: tokio::sync::mpsc::Sender<u32>) {
    for x in items {
        tx.send(x).await.unwrap();
        tokio::spawn(async move { x });
    }
}

async fn one_at_a_time(items: Vec<u32>) {
    for x in items.clone() {
        tokio::spawn(async move { x }).await.unwrap();
    }
    for x in items {
        let h = thread::spawn(move || x);
        h.join().unwrap();
    }
}

#[leash::concurrency(max = 32, reason = "the caller holds the permits")]
async fn declared(listener: TcpListener) {
    while let Ok((socket, _)) = listener.accept().await {
        tokio::spawn(async move { drop(socket) });
    }
}

fn not_in_a_loop() {
    tokio::spawn(async {});
    let maybe: Option<u32> = None;
    let _ = maybe.map(|x| tokio::spawn(async move { x }));
}

struct Config {
    workers: usize,
    min_idle: usize,
}

fn len_through_a_local(uploads: Vec<String>) {
    let n = uploads.len();
    for i in 0..n {
        std::thread::spawn(move || i);
    }
}

fn capped_by_workers(paths: Vec<String>, workers: usize) {
    for i in 0..workers.min(paths.len()) {
        std::thread::spawn(move || i);
    }
}
