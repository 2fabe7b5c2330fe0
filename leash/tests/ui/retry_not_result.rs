#[leash::retry(attempts = 3, backoff = "1ms..2ms")]
fn unit() {}

#[leash::retry(attempts = 3, backoff = "1ms..2ms")]
fn number() -> u32 {
    1
}

#[leash::retry(attempts = 3, backoff = "1ms..2ms")]
struct NotAFunction;

#[leash::retry(attempts = 3, backoff = "1ms..2ms")]
const fn constant() -> Result<(), ()> {
    Ok(())
}

fn main() {}
