//! Declared budgets: the enforced, policy-checked way to bound retries and
//! concurrency.

#[derive(Debug)]
pub struct InventoryError;

// budget_exceeds_policy: 50 attempts is a bound on paper and a retry storm in
// production; the workspace policy allows at most 10.
#[leash::retry(attempts = 50, backoff = "10ms..1s")]
pub async fn reserve_stock(sku: u64) -> Result<u64, InventoryError> {
    let _ = sku;
    Err(InventoryError)
}

// The same operation within the policy.
#[leash::retry(attempts = 4, backoff = "100ms..5s")]
pub async fn release_stock(sku: u64) -> Result<u64, InventoryError> {
    Ok(sku)
}

// missing_reason: a suppression must say why it is safe.
// leash: allow(unbounded_channel)
pub fn audit_log() -> std::sync::mpsc::Receiver<String> {
    let (_tx, rx) = std::sync::mpsc::channel();
    rx
}

// retry_amplification: checkout retries, and so does reserve_stock below it:
// one failing order becomes 3 x 50 calls to the inventory service.
#[leash::retry(attempts = 3, backoff = "200ms..2s")]
pub async fn checkout(sku: u64) -> Result<u64, InventoryError> {
    reserve_stock(sku).await
}
