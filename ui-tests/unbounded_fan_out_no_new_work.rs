// Default tier: fan-outs that add no work (waiting for started tasks, a
// permit per item, a parameter handed on) or that reach a configured set
// stay silent; a fan-out of requests over decoded input is reported.
use futures::future::{join_all, try_join_all};
use futures::stream::FuturesUnordered;
use std::collections::HashMap;

struct Entry {
    writer_handle: Option<tokio::task::JoinHandle<()>>,
    sender: Option<Sender>,
}

// Silent: each future closes a sender and waits for a task already running.
async fn close_all(entries: Vec<Entry>) {
    let pending: FuturesUnordered<_> = entries
        .into_iter()
        .map(|mut entry| async move {
            if let Some(s) = entry.sender.take() {
                s.close();
            }
            wait_for_task(entry.writer_handle.take()).await
        })
        .collect();
    drop(pending);
}

// Reported: each future makes a request for an item that was decoded.
async fn fetch_decoded(client: &Client, body: &[u8]) {
    let ids = decode_ids(body);
    join_all(ids.iter().map(|id| client.get(*id))).await;
}

// Silent: every future first waits for its permit.
async fn search_all(client: &Client, splits: Vec<Split>, permits: Vec<PermitFuture>) {
    let futures: Vec<_> = splits
        .iter()
        .zip(permits)
        .map(|(split, search_permit)| async move {
            let _permit = search_permit.await;
            client.search(split).await
        })
        .collect();
    join_all(futures).await;
}

// Silent by default (low): a generic wrapper; the caller owns the count.
pub fn join_everything<I>(iter: I) -> futures::future::JoinAll<I::Item>
where
    I: IntoIterator,
    I::Item: std::future::Future,
{
    join_all(iter)
}

struct Metastore {
    state: tokio::sync::RwLock<State>,
    pending: HashMap<u64, u64>,
}

impl Metastore {
    // Silent by default (low): a filtered copy of this object's own indexes.
    async fn describe_all(&self) {
        let guard = self.state.read().await;
        let ids: Vec<u64> = guard.indexes.keys().copied().collect();
        drop(guard);
        try_join_all(ids.into_iter().map(|id| self.describe(id))).await.ok();
    }

    // Silent by default (low): the parameter is this object's drained map.
    fn flush(&mut self) {
        let requests = self.pending.drain().collect();
        self.trim(requests);
    }

    async fn trim(&self, requests: HashMap<u64, u64>) {
        join_all(requests.into_iter().map(|(log, at)| self.trim_log(log, at))).await;
    }
}

// Silent by default (low): the results of a fan-out over partitions have
// one item per partition.
async fn clear_marks(shard: &Shard, partition_ids: Vec<u32>) {
    let results = join_all(partition_ids.iter().map(|p| shard.read(*p))).await;
    let mut clears = Vec::new();
    for (p, stale) in results {
        if stale {
            clears.push(shard.clear(p));
        }
    }
    join_all(clears).await;
}

// Silent by default (low): one connection per answer of the service's SRV
// record.
async fn open_tunnels(resolver: &Resolver, service: &str) {
    let urls: Vec<Url> = resolver.srv_lookup(service).await.unwrap().iter().map(to_url).collect();
    join_all(urls.into_iter().map(|u| connect(u))).await;
}

// Silent by default (low): one batch per server group, keyed by server.
async fn run_batches(client: &Client, ops: &[Op]) {
    let plan = plan_by_server(ops);
    let mut batches = Vec::new();
    for (server, ids) in plan.groups.iter().enumerate() {
        batches.push(client.send_batch(server, ids));
    }
    join_all(batches).await;
}
