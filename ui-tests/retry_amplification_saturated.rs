// leash-flags: -A unbounded_retry -A retry_without_jitter -A retry_without_backoff
// Attempt counts whose product does not fit in a u64: the product printed is a
// lower bound, and the message says so.
#[leash::retry(attempts = 18446744073709551615, backoff = "100ms..2s")]
fn sync_all() -> u32 {
    for _ in 0..4 {
        if let Ok(v) = fetch() {
            return v;
        }
    }
    0
}
