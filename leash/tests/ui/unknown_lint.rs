#[leash::allow(unbounded_retries, reason = "typo")]
fn typo() {}

#[leash::allow(frobnicate, reason = "not a lint")]
fn unknown() {}

#[leash::allow(retry(budget), reason = "bad shape")]
fn list() {}

#[leash::allow(reason = "no lint named")]
fn nothing() {}

fn main() {}
