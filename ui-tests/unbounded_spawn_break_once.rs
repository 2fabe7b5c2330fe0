// leash-flags: -A retry -A fallback -A switching -A budget -A timeout -A unbounded_fan_out -A unbounded_channel
// A spawn on a path that leaves the loop right after runs once, not per
// iteration; a loop over a constant array is a fixed set; a loop over the workers
// of a pool starts the pool.
const SHARDS: [u32; 3] = [1, 2, 3];

async fn once(mut events: std::collections::VecDeque<u32>) -> u32 {
    loop {
        let ev = events.pop_front().unwrap_or(0);
        if ev > 1 {
            tokio::spawn(async move { ev });
            break ev;
        }
    }
}

fn fixed(workers: Vec<Worker>) {
    for shard in SHARDS {
        std::thread::spawn(move || shard);
    }
    for worker in workers {
        tokio::task::spawn_blocking(move || worker.run());
    }
}

struct Worker;
impl Worker {
    fn run(self) {}
}
