#[derive(Debug)]
pub struct Error;

pub async fn charge(order: u64) -> Result<(), Error> {
    let amount = price(order);
    crate::gateway::Gateway::send(amount).await
}

pub async fn status(order: u64) -> Result<u64, Error> {
    Ok(price(order))
}

fn price(order: u64) -> u64 {
    order * 100
}
