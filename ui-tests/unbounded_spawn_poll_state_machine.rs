// leash-flags: -A retry -A fallback -A switching -A budget -A timeout -A unbounded_fan_out -A unbounded_channel
// A spawn stored in the state's single slot inside a poll loop runs one task
// at a time: the handle is polled to completion before the next spawn
// (contract v2.0), so nothing is reported.
use tokio::task::spawn_blocking;

enum State {
    Idle(Option<Vec<u8>>),
    Busy(tokio::task::JoinHandle<Vec<u8>>),
}

struct Reader(State);

impl Reader {
    fn poll_next(&mut self) {
        loop {
            match &mut self.0 {
                State::Idle(buf) => {
                    let mut buf = buf.take().unwrap_or_default();
                    self.0 = State::Busy(spawn_blocking(move || {
                        buf.push(0);
                        buf
                    }));
                }
                State::Busy(_) => return,
            }
        }
    }
}

// Silent: the monitor is taken out of its slot, so it is spawned at most
// once however often the loop turns.
impl Monitor {
    async fn execute(mut self) {
        while self.is_alive() {
            self.check_server().await;
            if let Some(rtt) = self.pending_rtt_monitor.take() {
                tokio::spawn(rtt.execute());
            }
        }
    }
}

// Reported: a fresh value every round is not taken out of a slot.
async fn per_request(mut rx: Receiver<Job>) {
    loop {
        if let Some(job) = rx.recv().await {
            tokio::spawn(job.run());
        }
    }
}
