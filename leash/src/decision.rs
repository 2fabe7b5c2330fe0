//! Every decision a budget makes, made visible: a `tracing` event (target
//! `leash`) under the `tracing` feature, and a counter, gauge or histogram
//! through the `metrics` facade under the `metrics` feature, so existing
//! exporters (Prometheus, OpenTelemetry) pick them up unchanged.
//!
//! Every event carries `site` (the budget's name) and `module`; metrics
//! carry the same two labels.
//!
//! | decision | event message | metric |
//! | --- | --- | --- |
//! | attempt started | `attempt` (trace) | `leash_attempts_total` |
//! | retry after a delay | `retrying` | `leash_retries_total`, `leash_retry_delay_seconds` |
//! | gave up, attempts used up | `retry budget exhausted` | `leash_retries_exhausted_total` |
//! | shared budget refused a retry | `retry refused by the shared budget` | `leash_retries_throttled_total` (+ `budget`) |
//! | attempt panicked | `attempt panicked` | `leash_attempt_panics_total` |
//! | switched target | `switching target` | `leash_switches_total` |
//! | every switch used | `switching budget exhausted` | `leash_switching_exhausted_total` |
//! | fell back | `fell back` | `leash_fallbacks_total` |
//! | waited for a concurrency slot | `waited for a concurrency slot` | `leash_concurrency_wait_seconds` |
//! | rejected by a concurrency limit | `concurrency budget full, call rejected` | `leash_concurrency_rejected_total` |
//! | executions running | — | `leash_concurrency_in_flight` (gauge) |

// Events and metrics read different fields: without both features some
// parameters are unused.
#![cfg_attr(
    not(all(feature = "tracing", feature = "metrics")),
    allow(unused_variables)
)]

use std::time::Duration;

use crate::registry::BudgetSite;

#[cfg(feature = "metrics")]
macro_rules! labels {
    ($site:expr $(, $key:literal => $value:expr)*) => {
        [
            ("site", $site.name()),
            ("module", $site.module()),
            $(($key, $value),)*
        ]
    };
}

pub(crate) fn attempt(site: &BudgetSite, attempt: u32) {
    #[cfg(feature = "tracing")]
    tracing::trace!(target: "leash", site = site.name(), module = site.module(), attempt, "attempt");
    #[cfg(feature = "metrics")]
    metrics::counter!("leash_attempts_total", &labels!(site)).increment(1);
}

pub(crate) fn retrying(site: &BudgetSite, attempt: u32, max_attempts: u32, delay: Duration) {
    #[cfg(feature = "tracing")]
    tracing::info!(
        target: "leash",
        site = site.name(),
        module = site.module(),
        attempt,
        max_attempts,
        delay_ms = delay.as_secs_f64() * 1e3,
        "retrying"
    );
    #[cfg(feature = "metrics")]
    {
        metrics::counter!("leash_retries_total", &labels!(site)).increment(1);
        metrics::histogram!("leash_retry_delay_seconds", &labels!(site)).record(delay);
    }
}

pub(crate) fn gave_up(site: &BudgetSite, attempts: u32) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        target: "leash",
        site = site.name(),
        module = site.module(),
        attempts,
        "retry budget exhausted"
    );
    #[cfg(feature = "metrics")]
    metrics::counter!("leash_retries_exhausted_total", &labels!(site)).increment(1);
}

pub(crate) fn throttled(site: &BudgetSite, budget: &'static str, attempt: u32) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        target: "leash",
        site = site.name(),
        module = site.module(),
        budget,
        attempt,
        "retry refused by the shared budget"
    );
    #[cfg(feature = "metrics")]
    metrics::counter!(
        "leash_retries_throttled_total",
        &labels!(site, "budget" => budget)
    )
    .increment(1);
}

pub(crate) fn panicked(site: &BudgetSite, attempt: u32) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        target: "leash",
        site = site.name(),
        module = site.module(),
        attempt,
        "attempt panicked"
    );
    #[cfg(feature = "metrics")]
    metrics::counter!("leash_attempt_panics_total", &labels!(site)).increment(1);
}

pub(crate) fn switched(site: &BudgetSite, switch: u32, from: usize, to: usize) {
    #[cfg(feature = "tracing")]
    tracing::info!(
        target: "leash",
        site = site.name(),
        module = site.module(),
        switch,
        from,
        target = to,
        "switching target"
    );
    #[cfg(feature = "metrics")]
    metrics::counter!("leash_switches_total", &labels!(site)).increment(1);
}

pub(crate) fn switching_exhausted(site: &BudgetSite, calls: u32) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        target: "leash",
        site = site.name(),
        module = site.module(),
        calls,
        "switching budget exhausted"
    );
    #[cfg(feature = "metrics")]
    metrics::counter!("leash_switching_exhausted_total", &labels!(site)).increment(1);
}

pub(crate) fn fell_back(site: &BudgetSite, reason: &'static str) {
    #[cfg(feature = "tracing")]
    tracing::info!(
        target: "leash",
        site = site.name(),
        module = site.module(),
        reason,
        "fell back"
    );
    #[cfg(feature = "metrics")]
    metrics::counter!("leash_fallbacks_total", &labels!(site, "reason" => reason)).increment(1);
}

pub(crate) fn waited(site: &BudgetSite, waited: Duration) {
    #[cfg(feature = "tracing")]
    tracing::debug!(
        target: "leash",
        site = site.name(),
        module = site.module(),
        waited_ms = waited.as_secs_f64() * 1e3,
        "waited for a concurrency slot"
    );
    #[cfg(feature = "metrics")]
    metrics::histogram!("leash_concurrency_wait_seconds", &labels!(site)).record(waited);
}

pub(crate) fn rejected(site: &BudgetSite) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        target: "leash",
        site = site.name(),
        module = site.module(),
        "concurrency budget full, call rejected"
    );
    #[cfg(feature = "metrics")]
    metrics::counter!("leash_concurrency_rejected_total", &labels!(site)).increment(1);
}

pub(crate) fn in_flight(site: &BudgetSite, running: u64) {
    #[cfg(feature = "metrics")]
    metrics::gauge!("leash_concurrency_in_flight", &labels!(site)).set(running as f64);
}
