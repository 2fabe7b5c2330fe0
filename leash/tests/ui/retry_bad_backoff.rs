#[leash::retry(attempts = 3, backoff = "5s..100ms")]
fn inverted() -> Result<(), ()> {
    Ok(())
}

#[leash::retry(attempts = 3, backoff = "100..5s")]
fn no_unit() -> Result<(), ()> {
    Ok(())
}

#[leash::retry(attempts = 3, backoff = "1h..2h")]
fn hours() -> Result<(), ()> {
    Ok(())
}

#[leash::retry(attempts = 3, backoff = "5s")]
fn not_a_range() -> Result<(), ()> {
    Ok(())
}

fn main() {}
