// leash-flags: -A retry -A concurrency -A timeout -A switching --confidence low
// A chain of fallbacks is one finding, at the outermost call; its name is the
// first operation of the chain.
fn access_time(meta: &Metadata) -> SystemTime {
    meta.accessed()
        .or_else(|_| meta.modified())
        .or_else(|_| meta.created())
        .unwrap_or_else(|_| SystemTime::now())
}
