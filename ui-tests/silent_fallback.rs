// leash-flags: -A retry -A concurrency -A timeout -A switching --confidence low
// Errors replaced by a default, a skip or nothing, and near-misses that leave a trace.
use std::time::Duration;

fn load_limits(client: &Client) -> Limits {
    match client.fetch_limits() {
        Ok(l) => l,
        Err(_) => Limits::default(),
    }
}

fn cached_token(store: &Store) -> String {
    store.read_token().unwrap_or_else(|_| String::from("anonymous"))
}

fn quota(db: &Db, user: u64) -> u64 {
    db.quota(user).ok().unwrap_or(100)
}

fn refresh(cache: &mut Cache, source: &Source) {
    match source.pull() {
        Ok(data) => cache.replace(data),
        Err(_) => {
            // keep the old data
        }
    }
}

fn sync_all(items: &[Item], remote: &Remote) {
    for item in items {
        let Ok(copy) = remote.upload(item) else { continue };
        copy.commit();
    }
}

fn sizes(paths: &[Path]) -> Vec<u64> {
    let mut out = Vec::new();
    for p in paths {
        let size = if let Ok(m) = std::fs::metadata(p) { m.len() } else { 0 };
        out.push(size);
    }
    out
}

// ---- near-misses: nothing below is reported ----

fn logged(client: &Client) -> Limits {
    match client.fetch_limits() {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(error = %e, "limits unavailable, using defaults");
            Limits::default()
        }
    }
}

fn counted(client: &Client) -> Limits {
    client.fetch_limits().unwrap_or_else(|_| {
        metrics::increment_counter("limits_fallback");
        Limits::default()
    })
}

fn inspected(store: &Store) -> String {
    store
        .read_token()
        .inspect_err(|e| eprintln!("token: {e}"))
        .unwrap_or_else(|_| String::from("anonymous"))
}

fn conversions(raw: &str) -> (u16, String) {
    let port = match raw.parse::<u16>() {
        Ok(p) => p,
        Err(_) => 8080,
    };
    let home = std::env::var("HOME").unwrap_or_else(|_| "/".to_string());
    (port, home)
}

fn to_none(client: &Client) -> Option<Limits> {
    match client.fetch_limits() {
        Ok(l) => Some(l),
        Err(_) => None,
    }
}

fn to_bool(client: &Client) -> bool {
    match client.ping() {
        Ok(_) => true,
        Err(_) => false,
    }
}

fn propagated(client: &Client) -> Result<Limits, Error> {
    match client.fetch_limits() {
        Ok(l) => Ok(l),
        Err(_) => Err(Error::Unavailable),
    }
}

fn exits(client: &Client) -> Option<Limits> {
    let Ok(l) = client.fetch_limits() else { return None };
    Some(l)
}

fn specific_variant(client: &Client) -> Limits {
    match client.fetch_limits() {
        Ok(l) => l,
        Err(FetchError::NotFound) => Limits::default(),
        Err(e) => panic!("{e}"),
    }
}

fn plain_unwrap_or(client: &Client) -> Limits {
    client.fetch_limits().unwrap_or_default()
}

fn option_only(map: &Map) -> u32 {
    map.get("k").copied().unwrap_or(0)
}

fn retry(client: &Client) -> Limits {
    loop {
        match client.fetch_limits() {
            Ok(l) => return l,
            Err(_) => {
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
        }
    }
}

fn parameter(res: &Result<u32, Error>) -> u32 {
    match res {
        Ok(v) => *v,
        Err(_) => 0,
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.inner.lock() {
            Ok(g) => write!(f, "{:?}", *g),
            Err(_) => write!(f, "<poisoned>"),
        }
    }
}

#[leash::fallback(reason = "the default limits are safe until the next refresh")]
fn declared(client: &Client) -> Limits {
    client.fetch_limits().unwrap_or_else(|_| Limits::default())
}
