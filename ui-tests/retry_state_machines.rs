// leash-flags: -A concurrency -A fallback -A switching -A timeout -A budget
// Poll state machines: a failure that moves to a state which does not issue
// the failed call again (it reconnects, and a failed reconnect leaves) is not
// a retry; one that goes straight back to the failed call is.
use std::task::{Context, Poll};

type Res<T> = Result<T, String>;

struct Service;
impl Service {
    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Res<()>> {
        Poll::Ready(Ok(()))
    }
}
struct Maker;
impl Maker {
    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Res<()>> {
        Poll::Ready(Ok(()))
    }
    fn make(&mut self) -> Res<Service> {
        Ok(Service)
    }
}

enum Link {
    Idle,
    Up(Service),
}

struct Reconnecting {
    state: Link,
    maker: Maker,
    error: Option<String>,
}

impl Reconnecting {
    // silent: a failed service goes back to Idle, which reconnects; a failed
    // reconnect leaves
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Res<()>> {
        loop {
            match &mut self.state {
                Link::Idle => {
                    match self.maker.poll_ready(cx) {
                        Poll::Ready(r) => r?,
                        Poll::Pending => return Poll::Pending,
                    }
                    match self.maker.make() {
                        Ok(s) => self.state = Link::Up(s),
                        Err(e) => {
                            self.error = Some(e);
                            break;
                        }
                    }
                }
                Link::Up(service) => match service.poll_ready(cx) {
                    Poll::Ready(Ok(())) => return Poll::Ready(Ok(())),
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Err(_)) => self.state = Link::Idle,
                },
            }
        }
        Poll::Ready(Ok(()))
    }

    // reported: Idle builds a service that cannot fail and polls it again
    fn poll_again(&mut self, cx: &mut Context<'_>) -> Poll<Res<()>> {
        loop {
            match &mut self.state {
                Link::Idle => self.state = Link::Up(Service),
                Link::Up(service) => match service.poll_ready(cx) {
                    Poll::Ready(Ok(())) => return Poll::Ready(Ok(())),
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Err(_)) => self.state = Link::Idle,
                },
            }
        }
    }
}

enum Phase {
    Serving,
    Restarting(Maker),
}

struct Worker {
    phase: Phase,
}

impl Worker {
    fn check(&mut self) -> Res<()> {
        Ok(())
    }
    fn restart(&mut self) {
        self.phase = Phase::Restarting(Maker);
    }

    // silent: a failed check restarts the service (a restart that fails
    // panics) before the worker polls itself again
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        match self.phase {
            Phase::Serving => match self.check() {
                Ok(()) => Poll::Pending,
                Err(_) => {
                    self.restart();
                    self.poll(cx)
                }
            },
            Phase::Restarting(ref mut maker) => {
                let _service = maker.make().unwrap_or_else(|e| panic!("cannot restart: {e}"));
                self.phase = Phase::Serving;
                self.poll(cx)
            }
        }
    }

    // reported: polls itself again on the same failure
    fn poll_hot(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        match self.check() {
            Ok(()) => Poll::Pending,
            Err(_) => self.poll_hot(cx),
        }
    }
}

struct Frames {
    pending: Vec<Res<u32>>,
}

impl Frames {
    // silent: after a bad frame the stream moves on to the next frame
    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Res<u32>>> {
        match self.pending.pop() {
            None => Poll::Ready(None),
            Some(Ok(f)) => Poll::Ready(Some(Ok(f))),
            Some(Err(e)) => {
                eprintln!("dropping a bad frame: {e}");
                self.poll_next(cx)
            }
        }
    }
}

// A pinned state machine (pin-project style) whose failure falls through (no
// `else`) to a state that asks by another route, and leaves if that fails
// too: no retry. Falling through back to the same state is one (reported).
mod pinned {
    use std::pin::Pin;
    use std::task::{Context, Poll};

    pub enum State {
        Both { logs: Option<Result<u32, String>> },
        ByHash { call: Call },
        Done,
    }

    pub struct Call;

    pub struct Fut {
        pub state: State,
    }

    impl Fut {
        pub fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<u32, String>> {
            let mut this = self.project();
            loop {
                match this.state.as_mut().project() {
                    StateProj::Both { logs } => {
                        let result = logs.take().expect("ready");
                        if let Ok(n) = result {
                            if let Some(n) = matching(n) {
                                this.state.set(State::Done);
                                return Poll::Ready(Ok(n));
                            }
                        }
                        let Some(client) = this.client.as_ref() else {
                            return Poll::Ready(Err("dropped".into()));
                        };
                        let call = client.by_hash();
                        this.state.set(State::ByHash { call });
                    }
                    StateProj::ByHash { call } => match call.poll(cx) {
                        Poll::Ready(Ok(n)) => return Poll::Ready(Ok(n)),
                        Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                        Poll::Pending => return Poll::Pending,
                    },
                    StateProj::Done => return Poll::Pending,
                }
            }
        }
    }

    pub struct Again {
        pub state: State,
    }

    impl Again {
        pub fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<u32, String>> {
            let mut this = self.project();
            loop {
                match this.state.as_mut().project() {
                    StateProj::Both { logs } => {
                        let result = logs.take().expect("ready");
                        if let Ok(n) = result {
                            if let Some(n) = matching(n) {
                                this.state.set(State::Done);
                                return Poll::Ready(Ok(n));
                            }
                        }
                        let Some(client) = this.client.as_ref() else {
                            return Poll::Ready(Err("dropped".into()));
                        };
                        let logs = client.fetch();
                        this.state.set(State::Both { logs: Some(logs) });
                    }
                    _ => return Poll::Pending,
                }
            }
        }
    }
}
