#[leash::retry(attempts = 3, backoff = "1ms..2ms", max = 4)]
fn retry_with_max() -> Result<(), ()> {
    Ok(())
}

#[leash::retry(attempts = 3, attempts = 4, backoff = "1ms..2ms")]
fn twice() -> Result<(), ()> {
    Ok(())
}

#[leash::retry(attempts = 3, backoff = "1ms..2ms", sleep = std::thread::sleep)]
fn sync_with_sleep() -> Result<(), ()> {
    Ok(())
}

#[leash::concurrency(max = 4, attempts = 3)]
fn concurrency_with_attempts() {}

#[leash::fallback(reason = "ok", why = "no")]
fn fallback_with_why() {}

fn main() {}
