// leash-flags: -A retry -A fallback -A switching -A budget -A timeout -A unbounded_fan_out -A unbounded_channel
// A spawn nested in an enum constructor inside a poll loop is still a spawn per
// turn of the loop (the constructor is not a spawn wrapper).
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
