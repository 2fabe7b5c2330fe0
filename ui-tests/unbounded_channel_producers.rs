// Default tier: a queue is reported when the file shows a producer that the
// consumer does not pace; the other shapes stay silent.
use std::sync::mpsc;
use tokio::net::TcpListener;
use tokio::sync::{mpsc as tmpsc, oneshot};

// Reported: every accepted connection queues its frames, as fast as they come.
async fn ingest(listener: TcpListener) {
    let (frames, mut pending) = tmpsc::unbounded_channel();
    tokio::spawn(async move { while let Some(f) = pending.recv().await { store(f).await } });
    loop {
        let (conn, _) = listener.accept().await.unwrap();
        let frames = frames.clone();
        tokio::spawn(async move { frames.send(read_frame(conn).await) });
    }
}

// Reported: the sender is kept in a field and fed by a read loop elsewhere.
struct Bridge {
    out: tmpsc::UnboundedSender<Vec<u8>>,
}

impl Bridge {
    fn new() -> Bridge {
        let (out, _rx) = tmpsc::unbounded_channel();
        Bridge { out }
    }

    async fn pump(&self, mut socket: Socket) {
        while let Some(packet) = socket.next_packet().await {
            let _ = self.out.send(packet);
        }
    }
}

// Silent: a start-up result, sent once.
fn start_worker() -> u32 {
    let (ready, wait) = mpsc::channel();
    std::thread::spawn(move || ready.send(init()));
    wait.recv().unwrap()
}

// Silent: reply-paced requests, each caller waits for its answer.
struct Handle {
    requests: tmpsc::UnboundedSender<(Query, oneshot::Sender<Answer>)>,
}

impl Handle {
    fn new() -> Handle {
        let (requests, _rx) = tmpsc::unbounded_channel();
        Handle { requests }
    }

    async fn ask_all(&self, queries: Vec<Query>) {
        for q in queries {
            let (reply, answer) = oneshot::channel();
            let _ = self.requests.send((q, reply));
            let _ = answer.await;
        }
    }
}

// Silent: the sender is handed away, no producer in sight (low tier).
fn make_sink() -> tmpsc::UnboundedSender<u8> {
    let (tx, _rx) = tmpsc::unbounded_channel();
    tx
}

// Silent: the producer checks the queue's length before each send.
fn forward(mut input: Socket) {
    let (tx, _rx) = crossbeam_channel::unbounded();
    while let Some(m) = input.next_message() {
        if tx.len() >= 1024 {
            continue;
        }
        let _ = tx.send(m);
    }
}

// Silent at the default tier: the only repeating send is a timer's.
async fn keepalive(sock: WebSocket) {
    let (out, mut outgoing) = tmpsc::unbounded_channel();
    tokio::spawn(async move { while let Some(m) = outgoing.recv().await { sock.send(m).await } });
    let mut timer = tokio::time::interval(PING_INTERVAL);
    loop {
        timer.tick().await;
        if out.send(Message::Ping).is_err() {
            break;
        }
    }
}
