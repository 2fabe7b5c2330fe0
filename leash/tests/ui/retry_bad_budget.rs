#[leash::retry(attempts = 3, backoff = "1ms..2ms", budget = payments)]
fn not_a_string() -> Result<(), ()> {
    Ok(())
}

#[leash::retry(attempts = 3, backoff = "1ms..2ms", budget = "")]
fn empty() -> Result<(), ()> {
    Ok(())
}

#[leash::retry(attempts = 3, backoff = "1ms..2ms", budget = "pay ments")]
fn with_a_space() -> Result<(), ()> {
    Ok(())
}

#[leash::retry(attempts = 3, backoff = "1ms..2ms", budget)]
fn without_a_value() -> Result<(), ()> {
    Ok(())
}

#[leash::retry(attempts = 3, backoff = "1ms..2ms", budget = "a", budget = "b")]
fn twice() -> Result<(), ()> {
    Ok(())
}

fn main() {}
