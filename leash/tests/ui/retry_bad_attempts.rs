#[leash::retry(attempts = 0, backoff = "1ms..2ms")]
fn zero() -> Result<(), ()> {
    Ok(())
}

#[leash::retry(attempts = "3", backoff = "1ms..2ms")]
fn string() -> Result<(), ()> {
    Ok(())
}

#[leash::retry(backoff = "1ms..2ms")]
fn missing() -> Result<(), ()> {
    Ok(())
}

fn main() {}
