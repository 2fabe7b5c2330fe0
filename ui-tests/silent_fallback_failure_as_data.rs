// leash-flags: -A retry -A concurrency -A timeout -A switching --confidence low
// When the success side yields nothing (`None`) or the value carries a flag, the
// failure side reports the failure as data rather than hiding it.
fn panic_message(result: std::thread::Result<()>, slot: &Slot) -> Option<String> {
    if result.is_err() {
        slot.take_message()
    } else {
        None
    }
}

async fn wait_for(dur: Duration, guard: Guard) -> (Guard, Timed) {
    match timeout(dur, wait(guard)).await {
        Ok(g) => (g, Timed(false)),
        Err(_) => (relock().await, Timed(true)),
    }
}
