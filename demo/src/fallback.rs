//! Pricing lookups with a remote rules service and a set of replica endpoints.
//!
//! Two problems leash reports here: a silent fallback to stale prices when the
//! rules service fails, and an endless `.cycle()` failover over the replicas.

use std::collections::HashMap;
use std::time::Duration;

pub struct PriceRules {
    pub discounts: HashMap<String, u32>,
}

impl Default for PriceRules {
    fn default() -> Self {
        PriceRules {
            discounts: HashMap::new(),
        }
    }
}

pub struct Pricing {
    http: reqwest::Client,
    rules_url: String,
    replicas: Vec<String>,
}

impl Pricing {
    /// silent_fallback: a failing rules service silently means "no discounts".
    pub async fn rules(&self) -> PriceRules {
        match self.fetch_rules().await {
            Ok(rules) => rules,
            Err(_) => PriceRules::default(),
        }
    }

    async fn fetch_rules(&self) -> Result<PriceRules, reqwest::Error> {
        let discounts = self
            .http
            .get(&self.rules_url)
            .send()
            .await?
            .json::<HashMap<String, u32>>()
            .await?;
        Ok(PriceRules { discounts })
    }

    /// uncontrolled_switching: when every replica is down this loops forever.
    pub async fn quote(&self, sku: &str) -> String {
        for replica in self.replicas.iter().cycle() {
            let url = format!("{replica}/quote/{sku}");
            match self.http.get(&url).send().await {
                Ok(resp) => return resp.text().await.unwrap_or_default(),
                Err(e) => {
                    eprintln!("replica {replica} failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        String::new()
    }
}
