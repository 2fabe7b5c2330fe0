#[leash::retry(attempts = 3, backoff = "1ms..2ms", jitter = "partial")]
fn partial() -> Result<(), ()> {
    Ok(())
}

fn main() {}
