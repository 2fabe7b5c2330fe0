// leash-flags: --config ui-tests/budget_policy.toml --confidence low
// Budgets built with the leash crate's types: a switching budget per job
// (`Failover`), concurrency per key, a shared retry budget, counted
// fallbacks. Policy: max_switches = 3, max_concurrency = 32.
use leash::prelude::*;
use std::time::Duration;

fn replicas() -> Failover {
    Failover::new(2) // within max_switches
}

fn every_replica_forever() -> Failover {
    Failover::new(40) // beyond max_switches
}

async fn query(replicas: &[String]) -> Result<Row, FailoverError<Error>> {
    leash::Failover::new(3)
        .backoff(Duration::from_millis(50), Duration::from_secs(1))
        .run_async(replicas, |replica| fetch_row(replica))
        .await
}

fn per_tenant() -> leash::ConcurrencyPerKey<u64> {
    leash::Concurrency::per_key(64) // beyond max_concurrency
}

#[leash::concurrency(max = 8, per = host)]
async fn download(host: &str, path: &str) -> Vec<u8> {
    get(host, path).await
}

#[leash::retry(attempts = 3, backoff = "100ms..2s", budget = "payments")]
async fn charge(card: Card) -> Result<Receipt, Error> {
    gateway(card).await
}

fn price(id: u64) -> u64 {
    // Counted at its site: not a silent fallback.
    lookup_price(id).unwrap_or_else(|_| leash::fall_back("a stale price beats an error page", 0))
}

fn discount(id: u64) -> u64 {
    match lookup_discount(id) {
        Ok(d) => d,
        Err(_) => fall_back("no discount when the service is down", 0),
    }
}

fn shipping(id: u64) -> u64 {
    lookup_shipping(id).unwrap_or_else(|_| 0) // silent: reported
}
