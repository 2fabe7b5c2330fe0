// Default tier: a spawn per item is reported when input drives the loop;
// a single slot, reply-paced work and configured sets stay silent.
use std::collections::HashMap;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};

// Reported: one task per accepted connection.
async fn serve(listener: TcpListener) {
    loop {
        let (conn, _) = listener.accept().await.unwrap();
        tokio::spawn(handle(conn));
    }
}

// Silent: each request carries the reply sender its caller waits on.
async fn dispatch(mut requests: mpsc::Receiver<(Request, oneshot::Sender<Reply>)>) {
    while let Some((req, reply_tx)) = requests.recv().await {
        tokio::spawn(answer(req, reply_tx));
    }
}

enum State {
    Idle,
    Pending(tokio::task::JoinHandle<u8>),
}

// Silent: the handle replaces the previous one; one task at a time.
fn poll_next(state: &mut State) {
    loop {
        *state = match state {
            State::Idle => State::Pending(tokio::task::spawn_blocking(read_chunk)),
            State::Pending(_) => return,
        };
    }
}

struct Router {
    routes: HashMap<String, Route>,
}

impl Router {
    // Silent by default (low): one task per configured route.
    fn start(&self) {
        for route in self.routes.values() {
            tokio::spawn(route.clone().run());
        }
    }
}

// Silent by default (low): happy eyeballs over one host's addresses.
async fn connect_any(host: &str) {
    let addrs = tokio::net::lookup_host(host).await.unwrap();
    for addr in addrs {
        tokio::spawn(try_connect(addr));
    }
}

// Reported: the send awaited in the loop goes to the peer's connection, not
// to a bounded queue, so it paces nothing.
async fn relay(listener: TcpListener, mut control: Framed) {
    loop {
        if control.send(Heartbeat).await.is_err() {
            return;
        }
        if let Ok((conn, _)) = listener.accept().await {
            tokio::spawn(forward(conn));
        }
    }
}

// Low: the servers were built one per configured entry, so the spawn loop
// walks a configured set.
async fn run_servers(config: Config) {
    let mut servers = Vec::new();
    for inst in config.server {
        servers.push(Server::build(inst).await);
    }
    for server in servers {
        tokio::spawn(async move { server.run().await });
    }
}

// High: one server per connection accepted.
async fn run_per_peer(listener: TcpListener) {
    let mut servers = Vec::new();
    while let Ok((conn, _)) = listener.accept().await {
        servers.push(Server::for_peer(conn));
    }
    for server in servers {
        tokio::spawn(async move { server.run().await });
    }
}

// Low: a snapshot of the configured backends, through a local.
impl Balancer {
    async fn check_all(&self) {
        let backends = self.backends.load();
        let jobs = backends.iter().map(|backend| tokio::spawn(check(backend.clone())));
        futures::future::join_all(jobs).await;
    }
}

// Low: one task per store of the cluster's topology.
async fn per_store(pd: PdClient) {
    let stores = pd.all_stores().await.unwrap();
    for store in stores {
        tokio::spawn(scan_store(store));
    }
}

// High: one task per key the caller asked for.
async fn per_key(pd: PdClient, keys: Vec<Key>) {
    let regions = pd.regions_for(keys).await.unwrap();
    for region in regions {
        tokio::spawn(scan_region(region));
    }
}
