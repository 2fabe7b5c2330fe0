// Default tier: a fan-out is reported when its items come from input and
// each one performs an operation; joining started work, or reaching every
// member of a configured set, stays silent.
use futures::future::{join_all, try_join_all};

// Reported: one request per id the caller passed in, all at once.
async fn fetch_all(client: &Client, ids: Vec<u64>) -> Vec<Item> {
    join_all(ids.iter().map(|id| client.get_item(*id))).await
}

// Reported: one lookup per line read from the file.
async fn resolve_file(path: &str, resolver: &Resolver) {
    let names = tokio::fs::read_to_string(path).await.unwrap();
    let lookups: Vec<_> = names.lines().map(|n| resolver.lookup(n)).collect();
    let _ = try_join_all(lookups).await;
}

// Silent: the work already runs; these only wait for it.
async fn wait_for_workers(jobs: Vec<Job>) {
    let mut handles = Vec::new();
    for job in jobs {
        handles.push(tokio::spawn(job.run()));
    }
    let _ = join_all(handles).await;
}

// Silent: waiting on reply receivers.
async fn gather(receivers: Vec<tokio::sync::oneshot::Receiver<u8>>) {
    let _ = join_all(receivers).await;
}

struct Cluster {
    nodes: Vec<Node>,
}

impl Cluster {
    // Silent by default (low): every node of the configured cluster is the
    // operation, and configuration sets its size.
    async fn ping_all(&self) {
        let _ = join_all(self.nodes.iter().map(|n| n.ping())).await;
    }
}

// Silent by default (low): pooled connections, however they reach here.
async fn flush_all(connections: &mut Vec<Connection>) {
    let _ = join_all(connections.iter_mut().map(|c| c.flush())).await;
}

// Silent: the closure converts what each receiver yields; the requests were
// sent before.
async fn combine(receivers: Vec<(Addr, Receiver<Value>)>) -> Vec<Value> {
    join_all(receivers.into_iter().map(|(addr, receiver)| async move {
        let result = convert(receiver.await);
        result.unwrap_or_else(|_| Value::from(addr))
    }))
    .await
}

// Silent at the default tier: a map of the cluster's node connections is the
// topology, even when it comes in as a parameter.
async fn write_all_nodes(writers: &mut HashMap<Server, Connection>, frame: Frame) {
    join_all(writers.values_mut().map(|conn| conn.write(frame.clone()))).await;
}

// A `FromIterator` impl spawns what its caller collects: the caller owns
// the count (low).
impl<F: Future> FromIterator<F> for AllOf<F> {
    fn from_iter<I: IntoIterator<Item = F>>(iter: I) -> Self {
        AllOf(Box::pin(join_all(iter.into_iter().map(|f| f.boxed()))))
    }
}


// Silent at the default tier: the work per subscriber is a send on its own
// channel, in memory.
async fn notify_subscribers(subscribers: Vec<Sender<Token>>, token: Result<Token, Error>) {
    join_all(subscribers.iter().map(|sender| {
        let response = match &token {
            Ok(t) => Ok(convert(t)),
            Err(e) => Err(convert_error(e)),
        };
        sender.send(response)
    }))
    .await;
}

impl Alerts {
    // Silent (low): a copy of this object's own registry taken in a block
    // under its lock; the parameter only picks the tenant.
    pub async fn visible(&self, session: Session) -> Vec<Alert> {
        let tenant = tenant_of(&session);
        let all: Vec<Alert> = {
            let guard = self.alerts.read().await;
            if let Some(alerts) = guard.get(tenant) {
                alerts.values().cloned().collect()
            } else {
                vec![]
            }
        };
        let checks: Vec<_> = all.into_iter().map(|a| async move { authorize(&session, a).await }).collect();
        futures::future::join_all(checks).await
    }

    // Reported: what an `if let` in the block binds comes from a request.
    pub async fn notify(&self, req: Request) {
        let targets: Vec<Target> = {
            if let Some(targets) = req.targets {
                targets
            } else {
                vec![]
            }
        };
        futures::future::join_all(targets.iter().map(|t| self.client.post(t))).await;
    }

    // Silent (low): each id the caller passes must be a relay this pool
    // already holds (a miss leaves with an error): the pool's members bound
    // how many run at once.
    pub async fn send_to(&self, ids: Vec<u64>, msg: Msg) -> Result<(), Error> {
        let relays = self.relays.read().await;
        let mut futures = Vec::new();
        for id in ids {
            let relay = relays.get(&id).ok_or(Error::NotFound)?;
            futures.push(relay.send(msg.clone()));
        }
        futures::future::join_all(futures).await;
        Ok(())
    }

    // Reported: a miss does not leave; a new connection stands in for it.
    pub async fn send_or_dial(&self, ids: Vec<u64>, msg: Msg) {
        let relays = self.relays.read().await;
        let mut futures = Vec::new();
        for id in ids {
            let relay = relays.get(&id).cloned().unwrap_or_else(|| Relay::dial(id));
            futures.push(relay.send(msg.clone()));
        }
        futures::future::join_all(futures).await;
    }
}
