pub struct Warehouse {
    url: String,
}

impl Warehouse {
    pub async fn insert(&self, rows: &[u8]) -> Result<(), String> {
        for _ in 0..4 {
            match post(&self.url, rows).await {
                Ok(()) => return Ok(()),
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(rand::random::<u64>() % 50)).await,
            }
        }
        Err("insert failed".into())
    }

    pub async fn columns(&self) -> Result<String, String> {
        get(&self.url).await
    }
}
