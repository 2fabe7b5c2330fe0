// leash-flags: -A retry -A unbounded_spawn -A unbounded_fan_out -A fallback -A timeout -A switching -A budget
// Unbounded queues with no producer that repeats with input (v2.0): a
// placeholder whose receiver is dropped at once, a consumer that puts work
// back on its own queue, a send retried until it is accepted once, messages
// that hold a reservation of a memory budget, and a loop that calls a method
// of another type with the same name. Beside them, a queue fed from a socket
// loop is reported.
use tokio::sync::mpsc;

struct Socket;
impl Socket {
    async fn read(&self) -> Vec<u8> {
        Vec::new()
    }
}

struct Budget;
struct Lease;
impl Budget {
    fn reserve(&self, _bytes: usize) -> Lease {
        Lease
    }
}

// low: the receiver is dropped at once, so no message can wait in the queue
struct Offsets {
    store: mpsc::UnboundedSender<u64>,
}
impl Offsets {
    fn placeholder() -> Self {
        let (store, _) = mpsc::unbounded_channel();
        Offsets { store }
    }
    async fn pump(&self, socket: Socket) {
        loop {
            let offset = socket.read().await.len() as u64;
            let _ = self.store.send(offset);
        }
    }
}

// low: the consumer takes one job off and puts at most one back
async fn crawl_one_level() {
    let (jobs_tx, mut jobs_rx) = mpsc::unbounded_channel::<u32>();
    let _ = jobs_tx.send(0);
    while let Some(depth) = jobs_rx.recv().await {
        if depth < 3 {
            let _ = jobs_tx.send(depth + 1);
        }
    }
}

// low: each message holds a lease of the memory budget until it is consumed
async fn append_with_leases(socket: Socket, budget: Budget) {
    let (records_tx, records_rx) = mpsc::unbounded_channel();
    tokio::spawn(consume(records_rx));
    loop {
        let record = socket.read().await;
        let lease = budget.reserve(record.len());
        let _ = records_tx.send((record, lease));
    }
}

// low: the loop retries one send until it is accepted, then leaves
async fn dispatch_once(op: u32) {
    let (ops_tx, ops_rx) = mpsc::unbounded_channel();
    tokio::spawn(consume(ops_rx));
    let mut op = op;
    loop {
        if let Err(mpsc::error::SendError(back)) = ops_tx.send(op) {
            op = back;
            continue;
        } else {
            break;
        }
    }
}

// low: the loop calls `Timer::wake`, not the `Client::wake` that sends
struct Client {
    events: mpsc::UnboundedSender<()>,
}
impl Client {
    fn wake(&self) {
        let _ = self.events.send(());
    }
}
struct Timer;
impl Timer {
    fn new() -> Self {
        Timer
    }
    fn wake(&mut self) {}
}
async fn run_timer(socket: Socket) -> Client {
    let (events, events_rx) = mpsc::unbounded_channel();
    tokio::spawn(consume(events_rx));
    let mut timer = Timer::new();
    loop {
        if socket.read().await.is_empty() {
            break;
        }
        timer.wake();
    }
    Client { events }
}

// reported: every read from the socket is queued, and nothing paces the loop
async fn forward(socket: Socket) {
    let (bytes_tx, bytes_rx) = mpsc::unbounded_channel();
    tokio::spawn(consume(bytes_rx));
    loop {
        let bytes = socket.read().await;
        if bytes_tx.send(bytes).is_err() {
            break;
        }
    }
}

async fn consume<T>(_rx: mpsc::UnboundedReceiver<T>) {}

// not reported: a channel made anew on every round takes that round's one
// message (a wait with a timeout on another thread)
fn run_hooks(hooks: Vec<Hook>) {
    for hook in hooks {
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = done_tx.send(hook.wait());
        });
        let _ = done_rx.recv_timeout(std::time::Duration::from_secs(5));
    }
}

// reported: the same loop sending into one channel made before it
fn run_hooks_shared(hooks: Vec<Hook>) {
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    for hook in hooks {
        let done_tx = done_tx.clone();
        std::thread::spawn(move || {
            let _ = done_tx.send(hook.wait());
        });
    }
    drop(done_rx);
}

// reported: a channel made inside the read loop but kept across rounds in a
// map, one per stream; every chunk read is queued on it
struct StreamSender {
    inner: mpsc::UnboundedSender<Vec<u8>>,
}

impl StreamSender {
    fn send(&self, chunk: Vec<u8>) {
        let _ = self.inner.send(chunk);
    }
}

async fn demux(socket: Socket) {
    let mut streams = std::collections::HashMap::new();
    loop {
        let chunk = socket.read().await;
        let sender = if let Some(sender) = streams.remove(&chunk.len()) {
            sender
        } else {
            let (inner, rx) = mpsc::unbounded_channel();
            tokio::spawn(consume(rx));
            StreamSender { inner }
        };
        sender.send(chunk.clone());
        streams.insert(chunk.len(), sender);
    }
}

// not reported: the per-message closure of `try_for_each` sends once, on the
// message that ends the stream (the error it returns stops the stream)
fn watch_close(read: impl futures::TryStream<Ok = Frame, Error = E>) -> mpsc::UnboundedReceiver<u16> {
    let (code_tx, code_rx) = mpsc::unbounded_channel();
    let _ = read.try_for_each(move |frame| {
        let code_tx = code_tx.clone();
        async move {
            match frame {
                Frame::Close(code) => {
                    let _ = code_tx.send(code);
                    return Err(E::Closed);
                }
                Frame::Data(_) => {}
            }
            Ok(())
        }
    });
    code_rx
}

// reported: the same closure sending on every message
fn watch_all(read: impl futures::TryStream<Ok = Frame, Error = E>) -> mpsc::UnboundedReceiver<Frame> {
    let (frame_tx, frame_rx) = mpsc::unbounded_channel();
    let _ = read.try_for_each(move |frame| {
        let frame_tx = frame_tx.clone();
        async move {
            let _ = frame_tx.send(frame);
            Ok(())
        }
    });
    frame_rx
}

// not reported: a message per signal the process receives (a window resize),
// at a person's pace, not with load
fn forward_resizes(mut signals: Signals, resize_tx: mpsc::UnboundedSender<u16>) {
    loop {
        for signal in signals.wait() {
            let _ = resize_tx.send(signal);
        }
    }
}

fn start_resizes(signals: Signals) -> mpsc::UnboundedReceiver<u16> {
    let (resize_tx, resize_rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || forward_resizes(signals, resize_tx));
    resize_rx
}

// reported: a collection named for signals is input like any other
fn publish(signals: Vec<u16>) -> mpsc::UnboundedReceiver<u16> {
    let (order_tx, order_rx) = mpsc::unbounded_channel();
    for signal in signals.iter() {
        let _ = order_tx.send(*signal);
    }
    order_rx
}
