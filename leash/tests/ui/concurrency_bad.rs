#[leash::concurrency(max = 0)]
fn zero() {}

#[leash::concurrency(max = 4, on_full = "drop")]
fn drop_mode() {}

#[leash::concurrency(max = 4, on_full = "reject")]
fn reject_without_error() -> Result<(), ()> {
    Ok(())
}

#[leash::concurrency(max = 4, on_full = "reject", error = make_error)]
fn reject_without_result() {}

fn make_error() {}

fn main() {}
