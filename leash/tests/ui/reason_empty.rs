#[leash::fallback(reason = "")]
fn empty() {}

#[leash::allow(unbounded_spawn, reason = "   ")]
fn blank() {}

#[leash::fallback(reason = 3)]
fn not_a_string() {}

fn main() {}
