// Retries that reach other retries across three files: checkout (here) ->
// payments.rs -> gateway.rs.
mod gateway;
mod payments;

use tokio_retry::strategy::FixedInterval;
use tokio_retry::Retry;

pub struct Checkout;

impl Checkout {
    #[leash::retry(attempts = 3, backoff = "100ms..2s")]
    pub async fn place_order(&self, order: u64) -> Result<(), payments::Error> {
        payments::charge(order).await
    }

    // Calls inside a spawned task are another task's business.
    #[leash::retry(attempts = 3, backoff = "100ms..2s")]
    pub async fn place_order_later(&self, order: u64) -> Result<(), payments::Error> {
        tokio::spawn(async move { payments::charge(order).await });
        Ok(())
    }

    // No retry below: nothing multiplies.
    #[leash::retry(attempts = 3, backoff = "100ms..2s")]
    pub async fn lookup(&self, order: u64) -> Result<u64, payments::Error> {
        payments::status(order).await
    }
}

pub async fn refund(order: u64) -> Result<(), payments::Error> {
    let strategy = FixedInterval::from_millis(100).take(2);
    Retry::spawn(strategy, || gateway::Gateway::send(order)).await
}
