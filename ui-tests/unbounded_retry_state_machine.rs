// leash-flags: -A concurrency -A fallback -A switching -A timeout -A budget -A retry_without_jitter
// A poll state machine: `return Poll::Pending` suspends, it does not give up;
// and the state variable is not an attempt counter.
use std::task::{Context, Poll};

enum State {
    Idle,
    Connected(u32),
}

struct Reconnect {
    state: State,
}

fn ready(_c: u32, _cx: &mut Context<'_>) -> Poll<Result<(), String>> {
    Poll::Ready(Ok(()))
}

impl Reconnect {
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), String>> {
        loop {
            match &mut self.state {
                State::Idle => self.state = State::Connected(1),
                State::Connected(c) => match ready(*c, cx) {
                    Poll::Ready(Ok(())) => return Poll::Ready(Ok(())),
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Err(_)) => self.state = State::Idle,
                },
            }
        }
    }
}
