#[leash::allow(unbounded_retry)]
fn no_reason() {}

#[leash::fallback]
fn fallback_without_reason() {}

fn main() {}
