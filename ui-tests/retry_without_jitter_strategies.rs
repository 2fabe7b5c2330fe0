// leash-flags: -A concurrency -A fallback -A switching -A timeout -A budget -A unbounded_retry
// Library strategies: jitter applied later in the same function to the
// strategy's binding counts, and a strategy that never retries needs none.
use backon::ExponentialBuilder;
use std::time::Duration;

// silent: the binding gets `.with_jitter()` when jitter is on
fn configured(jitter: bool) -> ExponentialBuilder {
    let builder = ExponentialBuilder::default().with_max_delay(Duration::from_secs(30));
    let builder = if jitter { builder.with_jitter() } else { builder };
    builder
}

// silent: never retries
fn no_retry() -> ExponentialBuilder {
    ExponentialBuilder::default().with_max_times(0)
}

// reported: retries with the same delays in every client
fn lockstep() -> ExponentialBuilder {
    ExponentialBuilder::default().with_max_times(16)
}
