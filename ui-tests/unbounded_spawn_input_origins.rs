// Default tier (v2.0): a spawn in a `for` reports `high` only when input
// drives what the loop walks: a parameter that names input (a request, a
// batch, any iterator the caller hands over), what was read or received, an
// item of either. A set built from the object's own state, or of an origin
// the source does not show, stays silent here (it is `low`), and so does a
// task awaited through a wrapper before the next one starts. A `while` or
// `loop` reports only when it takes input each round and no timer paces it;
// the streams of one QUIC connection are bounded by its stream limit.
use std::sync::Arc;

pub struct Peering {
    known: std::sync::RwLock<Known>,
}

impl Peering {
    // Silent: the peers to ping come from this object's own table.
    pub async fn ping_round(self: Arc<Self>) {
        loop {
            let (to_ping, _to_retry) = {
                let known = self.known.read().unwrap();
                let mut to_ping = vec![];
                for (id, info) in known.list.iter() {
                    if info.due {
                        to_ping.push(*id);
                    }
                }
                (to_ping, Vec::<u64>::new())
            };
            for id in to_ping {
                tokio::spawn(self.clone().ping(id));
            }
            tokio::time::sleep(PING_INTERVAL).await;
        }
    }

    async fn ping(self: Arc<Self>, _id: u64) {}
}

// Reported: one task per split of each request passed in.
pub async fn search(requests: Vec<LeafRequest>) {
    let mut tasks = tokio::task::JoinSet::new();
    for request in requests {
        for split in request.splits {
            tasks.spawn(async move { search_split(split).await });
        }
    }
    while tasks.join_next().await.is_some() {}
}

// Reported: one task per table of an event batch received.
pub async fn write_batch(events: Vec<Event>, client: Client) -> Result<(), E> {
    let mut by_table: HashMap<u32, Vec<Row>> = HashMap::new();
    let mut it = events.into_iter();
    while let Some(event) = it.next() {
        by_table.entry(event.table).or_default().push(event.row);
    }
    let mut join_set = tokio::task::JoinSet::new();
    for (table, rows) in by_table {
        let client = client.clone();
        join_set.spawn(async move { client.insert_rows(table, rows).await });
    }
    Ok(())
}

// Silent: one blocking task at a time, awaited through a wrapper.
pub async fn encrypt_all(mut blocks: Receiver<Block>) {
    while let Some(block) = blocks.recv().await {
        let sealed = tokio::task::spawn_blocking(move || seal(block))
            .with_context(Context::current())
            .await
            .unwrap();
        store(sealed);
    }
}

// Silent: a timer paces the rounds; one task per period.
pub async fn advertise(self_: Arc<System>, stop: watch::Receiver<bool>) {
    while !*stop.borrow() {
        tokio::spawn(self_.clone().advertise_once());
        tokio::select! {
            _ = tokio::time::sleep(DISCOVERY_INTERVAL) => {},
            _ = stop.changed() => {},
        }
    }
}

// Silent: the streams of one QUIC connection, which its stream limit bounds.
pub async fn serve_streams(conn: quinn::Connection) {
    while let Ok((send, recv)) = conn.accept_bi().await {
        tokio::spawn(handle_stream(send, recv));
    }
}

// Reported: an accept loop, through a mapping accept, with a sleep only
// after a failed accept.
pub async fn serve(listener: Listener) {
    loop {
        let (stream, peer) = match listener.accept_map(|s| Metered::new(s)).await {
            Ok(s) => s,
            Err(_) => {
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        tokio::spawn(handle(stream, peer));
    }
}

// Silent: a parameter that does not say it is input is what the caller
// passes, often configuration (the addresses a subscriber is given).
pub async fn subscribe_all(addresses: Vec<String>) {
    for address in addresses {
        tokio::spawn(subscribe(address));
    }
}

// Silent: the registered handlers of an event, one task each: the name is
// handlers (its last word), whatever they handle.
pub async fn dispatch(event: Arc<Event>, raw_event_handlers: Vec<Arc<dyn RawEventHandler>>) {
    for handler in raw_event_handlers {
        let event = event.clone();
        tokio::spawn(async move { handler.raw_event(event).await });
    }
}

// Reported: the events themselves, one task each.
pub async fn dispatch_each(raw_events: Vec<Event>, handler: Arc<dyn RawEventHandler>) {
    for event in raw_events {
        let handler = handler.clone();
        tokio::spawn(async move { handler.raw_event(Arc::new(event)).await });
    }
}

// Reported: any iterator the caller hands over, one task per item.
pub fn spawn_each<I, F>(tasks: I)
where
    I: IntoIterator<Item = F>,
    F: std::future::Future<Output = ()> + Send + 'static,
{
    for task in tasks {
        tokio::spawn(task);
    }
}

// Reported: a parameter named for the requests it carries.
pub async fn forward(req_batch: Vec<Forward>, client: Client) {
    for item in req_batch {
        let client = client.clone();
        tokio::spawn(async move { client.send(item).await });
    }
}

// Silent: a parameter named for a collection of streams (log streams of a
// registry, partitions of a plan) names how many there are, not the items
// one of them carries.
pub async fn create_streams(streams: Vec<String>) {
    let mut join_set = tokio::task::JoinSet::new();
    for stream_name in streams {
        join_set.spawn(async move { create_stream(stream_name).await });
    }
    while join_set.join_next().await.is_some() {}
}

// Silent: the members of a process-wide registry (a static), listed in
// memory, are what was registered, not input.
pub fn sync_all(tenant: &str) {
    for stream in REGISTRY.streams.list(tenant) {
        tokio::spawn(async move { upload(stream).await });
    }
}

// Reported: a single stream, read until it ends, one task per item.
pub async fn serve(event_stream: EventStream) {
    let mut events = event_stream;
    while let Some(event) = events.next().await {
        tokio::spawn(handle_event(event));
    }
}
