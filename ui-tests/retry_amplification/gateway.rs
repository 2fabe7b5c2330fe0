use crate::payments::Error;

pub struct Gateway;

impl Gateway {
    #[leash::retry(attempts = 5, backoff = "50ms..1s")]
    pub async fn send(amount: u64) -> Result<(), Error> {
        let _ = amount;
        Ok(())
    }
}
