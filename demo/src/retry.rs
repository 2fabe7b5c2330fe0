//! Calls to the inventory service and the subscriber broker, with the retry
//! habits that hurt at scale, next to the shapes leash accepts.

use rand::Rng;
use std::time::Duration;

const INVENTORY_URL: &str = "http://inventory.internal/v1/stock";
const BROKER_RETRY: Duration = Duration::from_secs(2);
const MAX_ATTEMPTS: u32 = 5;
const MAX_BACKOFF: Duration = Duration::from_secs(5);

pub struct Stock {
    pub available: u32,
}

pub struct Broker;

impl Broker {
    pub async fn connect(_addr: &str) -> Result<Broker, std::io::Error> {
        Ok(Broker)
    }
    pub async fn run(&self) {}
}

async fn fetch_stock(client: &reqwest::Client, sku: &str) -> Result<Stock, reqwest::Error> {
    let resp = client
        .get(format!("{INVENTORY_URL}/{sku}"))
        .send()
        .await?
        .error_for_status()?;
    let available = resp.text().await?.trim().parse().unwrap_or(0);
    Ok(Stock { available })
}

/// unbounded_retry + retry_without_backoff: when the inventory service is down
/// every enrichment task spins on it forever, as fast as requests fail.
pub async fn stock_or_spin(client: &reqwest::Client, sku: &str) -> Stock {
    loop {
        match fetch_stock(client, sku).await {
            Ok(stock) => return stock,
            Err(e) => tracing::warn!("inventory lookup failed: {e}"),
        }
    }
}

/// unbounded_retry + retry_without_jitter: the broker connection is retried
/// forever, every notifier instance on the same fixed two-second beat.
pub async fn broker_supervisor(addr: &str) {
    loop {
        match Broker::connect(addr).await {
            Ok(broker) => broker.run().await,
            Err(e) => {
                tracing::error!("broker connect failed: {e}");
                tokio::time::sleep(BROKER_RETRY).await;
            }
        }
    }
}

/// What to write instead: a declared number of attempts, exponential backoff
/// capped at MAX_BACKOFF, and full jitter.
pub async fn stock_with_budget(
    client: &reqwest::Client,
    sku: &str,
) -> Result<Stock, reqwest::Error> {
    let mut backoff = Duration::from_millis(100);
    let mut attempt = 0;
    loop {
        match fetch_stock(client, sku).await {
            Ok(stock) => return Ok(stock),
            Err(e) => {
                attempt += 1;
                if attempt >= MAX_ATTEMPTS {
                    return Err(e);
                }
                let wait = rand::thread_rng().gen_range(Duration::ZERO..=backoff);
                tokio::time::sleep(wait).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}
