// Default tier: spawns gated by a permit or a live-task count, a handle kept
// in one slot, reply-paced jobs and sets that configuration sizes stay
// silent; a spawn per received item with none of these is reported.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Semaphore};

static LIVE: AtomicUsize = AtomicUsize::new(0);

// Silent: the permit comes from an associated call and moves into the task.
async fn fetch_loop(limit: Arc<Semaphore>, mut jobs: mpsc::Receiver<Job>) {
    loop {
        let permit = Semaphore::acquire_owned(limit.clone()).await.unwrap();
        let Some(job) = jobs.recv().await else { return };
        tokio::spawn(run(job, permit));
    }
}

// Silent: each job waits for the permit its provider hands out first.
async fn run_planned(planned: Vec<Planned>) {
    for Planned { job, permit_future } in planned {
        let permit = permit_future.await;
        tokio::spawn(run(job, permit));
    }
}

// Silent: the loop sleeps while the live tasks are at the limit, before it
// takes the next batch.
async fn drain(mut queue: Queue, max: usize) {
    loop {
        let live = LIVE.load(Ordering::Relaxed);
        if live >= max {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        }
        for item in queue.receive_batch().await {
            tokio::spawn(work(item));
        }
    }
}

// Reported: the same loop with no gate.
async fn drain_ungated(mut queue: Queue) {
    loop {
        for item in queue.receive_batch().await {
            tokio::spawn(work(item));
        }
    }
}

enum Segment {
    OnDisk(u64),
    Loading { handle: tokio::task::JoinHandle<Vec<u8>> },
}

impl Segment {
    // Silent: the handle is bound, then stored in the one state slot.
    fn poll_load(&mut self) {
        loop {
            match self {
                Segment::OnDisk(id) => {
                    let handle = tokio::spawn(load(*id));
                    *self = Segment::Loading { handle };
                }
                Segment::Loading { .. } => return,
            }
        }
    }
}

struct Job {
    input: String,
    reply_tx: oneshot::Sender<String>,
}

// Silent: each job carries the reply sender its producer awaits.
async fn transform(mut jobs: mpsc::Receiver<Job>) {
    while let Some(Job { input, reply_tx }) = jobs.recv().await {
        tokio::spawn(async move {
            let _ = reply_tx.send(input.to_uppercase());
        });
    }
}

// Silent by default (low): one thread per shard of the configuration,
// through a tuple binding.
fn start_shards(config: &Config) {
    let (assignments, _total) = plan_shards(&config.sharding);
    for assignment in assignments {
        std::thread::spawn(move || serve_shard(assignment));
    }
}

// Silent by default (low): every caller passes the configured senders.
async fn supervise(inputs: Vec<Input>) {
    for input in inputs {
        tokio::spawn(async move { input.run().await });
    }
}

async fn main_loop(cfg: Config) {
    let mut senders = Vec::new();
    for sender in cfg.senders {
        senders.push(Input::from(sender));
    }
    supervise(senders).await;
}

// Reported: a private function whose caller passes what it decoded.
async fn supervise_decoded(inputs: Vec<Input>) {
    for input in inputs {
        tokio::spawn(async move { input.run().await });
    }
}

async fn from_wire(bytes: &[u8]) {
    supervise_decoded(decode_inputs(bytes)).await;
}
