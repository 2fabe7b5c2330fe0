//! Retry and concurrency budgets as code.
//!
//! `leash` turns the budgets that the `leash` analyser asks for into code
//! that enforces them and reports on them at run time:
//!
//! - [`macro@retry`]: `#[leash::retry(attempts = 3, backoff = "100ms..5s")]`
//!   on a `fn` or `async fn` returning `Result` retries its body with
//!   exponential, jittered backoff.
//! - [`macro@concurrency`]: `#[leash::concurrency(max = 64)]` lets at most
//!   `max` calls of a function run at once, process-wide.
//! - [`macro@fallback`] and [`macro@allow`]: reasoned declarations read by
//!   the analyser; they leave the item unchanged.
//! - [`Retry`] and [`Concurrency`]: the same budgets for inline code.
//! - [`RetryBudget`]: a retry budget shared by many calls (`Retry::budget`,
//!   `#[retry(budget = "name")]`), the one that stops a retry storm.
//! - [`Concurrency::per_key`] (`#[concurrency(per = param)]`): a limit per
//!   host, tenant or shard.
//! - [`Failover`]: a switching budget per job.
//! - [`fall_back`]: a fallback counted at its site.
//! - [`budgets`]: every budget used so far, with its counters.
//!
//! Glob-import [`prelude`] rather than the crate root: the root also holds
//! [`macro@allow`], which would clash with the built-in `#[allow]`.
//!
//! ```
//! #[derive(Debug)]
//! enum Error { Busy, Invalid }
//!
//! fn is_transient(e: &Error) -> bool {
//!     matches!(e, Error::Busy)
//! }
//!
//! #[leash::retry(attempts = 3, backoff = "1ms..10ms", when = is_transient)]
//! fn fetch(id: u32) -> Result<u32, Error> {
//!     if id == 0 { Err(Error::Invalid) } else { Ok(id) }
//! }
//!
//! assert!(fetch(7).is_ok());
//! assert!(leash::budgets().iter().any(|b| b.name == "fetch"));
//! ```
//!
//! # Features
//! - `tokio`: `tokio::time::sleep` is the default async sleep.
//! - `tracing`: a `tracing` event (target `leash`) for every decision:
//!   attempt, retry after a delay, gave up, refused by a shared budget,
//!   panicked, switched target, fell back, waited for or rejected by a
//!   concurrency limit.
//! - `metrics`: the same decisions as counters, gauges and histograms
//!   through the `metrics` facade (any `metrics` exporter, such as
//!   Prometheus or OpenTelemetry, works unchanged). The names are listed in
//!   `decision.rs` and the crate's README.

mod budget;
mod concurrency;
mod decision;
mod failover;
mod registry;
mod retry;

pub use budget::{BudgetInUse, RetryBudget};
pub use concurrency::{Concurrency, ConcurrencyPerKey, KeyPermit, Permit};
pub use failover::{Failover, FailoverError};
pub use registry::{budgets, BudgetKind, BudgetReport, BudgetSite, OnFull};
pub use retry::{backoff_delay, DefaultSleep, Jitter, Retry, RetryAll, RetryIf, Sleeper};

/// Returns `value` as a fallback, counting the use at this call site (see
/// [`budgets`]; a `tracing` event and a `metrics` counter with those
/// features). The analyser reads a `fall_back` call as a fallback that
/// leaves a trace, so `silent_fallback` does not report it.
///
/// ```
/// fn price(id: u32) -> Result<u32, &'static str> { Err("pricing is down") }
///
/// let shown = price(7).unwrap_or_else(|_| leash::fall_back("a stale price beats an error page", 0));
/// assert_eq!(shown, 0);
/// assert!(leash::budgets().iter().any(|b| b.fallbacks == 1));
/// ```
///
/// (A function rather than a `fallback!` macro: the name `fallback` is
/// taken by the [`macro@fallback`] attribute.)
#[track_caller]
pub fn fall_back<T>(reason: &'static str, value: T) -> T {
    let site = registry::inline_site(
        std::panic::Location::caller(),
        BudgetKind::Fallback { reason },
    );
    site.fallbacks
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    decision::fell_back(site, reason);
    value
}

/// Retries a `fn` or `async fn` returning `Result`.
///
/// ```
/// use std::sync::Mutex;
///
/// #[derive(Debug, PartialEq)]
/// enum Error { Timeout, NotFound }
///
/// fn is_transient(e: &Error) -> bool {
///     *e == Error::Timeout
/// }
///
/// struct Client { log: Mutex<Vec<String>> }
///
/// impl Client {
///     #[leash::retry(attempts = 3, backoff = "1ms..10ms", jitter = "full", when = is_transient)]
///     fn fetch(&self, key: String) -> Result<u32, Error> {
///         self.log.lock().unwrap().push(key); // `key` is a fresh clone each attempt
///         Err(Error::Timeout)
///     }
/// }
///
/// let client = Client { log: Mutex::new(Vec::new()) };
/// assert_eq!(client.fetch("a".into()), Err(Error::Timeout));
/// assert_eq!(client.log.lock().unwrap().len(), 3);
/// ```
///
/// On an `async fn`, give a sleep unless the `tokio` feature is on:
///
/// ```
/// # async fn my_sleep(_: std::time::Duration) {}
/// #[leash::retry(attempts = 2, backoff = "1ms..1ms", sleep = my_sleep)]
/// async fn ping() -> Result<(), std::io::Error> {
///     Ok(())
/// }
/// ```
///
/// Arguments:
/// - `attempts = N` (required, `N >= 1`): attempts in all, the first included.
/// - `backoff = "A..B"` (required): delays between attempts grow
///   exponentially from `A` and stay within `A..=B`; units `us`, `ms`, `s`,
///   `m` (`"0ms..0ms"` for no delay).
/// - `jitter = "full" | "equal" | "none"` (default `"full"`), see [`Jitter`].
/// - `when = path` (default: every error): a `fn(&E) -> bool`; errors for
///   which it returns false are returned at once.
/// - `sleep = path` (async fns only): a `fn(Duration) -> impl Future`;
///   defaults to `tokio::time::sleep` with the `tokio` feature. Sync
///   functions sleep with `std::thread::sleep`.
/// - `budget = "name"`: every call also draws on the shared
///   [`RetryBudget::named`] budget `name` (letters, digits, `_`, `-`, `.`):
///   first attempts deposit into it, retries withdraw from it, and a retry it
///   refuses ends the call with the last error, counted as throttled. A
///   policy file can define the name under `[budgets.name]`; `leash check`
///   reports a name the policy does not define.
///
/// ```
/// #[leash::retry(attempts = 3, backoff = "1ms..10ms", budget = "payments")]
/// fn charge(cents: u64) -> Result<u64, std::io::Error> {
///     Ok(cents)
/// }
/// assert_eq!(charge(5).unwrap(), 5);
/// ```
///
/// The body runs once per attempt; the last result is returned. Every
/// argument taken by value is cloned for each attempt, so it must be
/// `Clone` (reference arguments and `self` receivers are used as they are).
/// `return` inside the body ends the attempt with that result.
pub use leash_macros::retry;

/// Limits a `fn` or `async fn` to `max` concurrent executions, process-wide.
///
/// ```
/// #[derive(Debug, PartialEq)]
/// struct Overloaded;
///
/// #[leash::concurrency(max = 64)]
/// async fn render(page: u32) -> String {
///     format!("page {page}") // at most 64 renders at once
/// }
///
/// #[leash::concurrency(max = 8, on_full = "reject", error = || Overloaded)]
/// fn upload(bytes: &[u8]) -> Result<usize, Overloaded> {
///     Ok(bytes.len()) // Err(Overloaded) when 8 uploads are running
/// }
///
/// assert_eq!(upload(b"abc"), Ok(3));
/// ```
///
/// Arguments:
/// - `max = N` (required, `N >= 1`).
/// - `on_full = "wait" | "reject"` (default `"wait"`): sync functions block
///   the thread until a slot is free, async functions wait asynchronously.
///   With `"reject"` the function returns `Err(From::from(error()))` at once.
/// - `error = path` (required with `"reject"`): a function returning the
///   error value.
/// - `per = param`: the limit holds per value of the parameter `param`
///   (a host, tenant or shard) instead of process-wide; its type must be
///   `Hash`. Keys are independent and an idle key is dropped, as with
///   [`Concurrency::per_key`].
///
/// ```
/// #[leash::concurrency(max = 2, per = host)]
/// fn fetch(host: &str, path: &str) -> String {
///     format!("{host}{path}") // at most 2 fetches per host at once
/// }
/// assert_eq!(fetch("example.org", "/"), "example.org/");
/// ```
pub use leash_macros::concurrency;

/// Declares a fallback as intended, with the reason why (read by the
/// analyser; no run-time effect).
///
/// ```
/// #[leash::fallback(reason = "the cache is optional; serving stale data beats failing")]
/// fn cached_or_default() -> u32 { 0 }
/// ```
pub use leash_macros::fallback;

/// Silences `leash` lints on an item, with the reason why (read by the
/// analyser; no run-time effect). Lint names: `unbounded_retry`,
/// `retry_without_backoff`, `retry_without_jitter`, `retry_amplification`,
/// `unbounded_spawn`, `unbounded_fan_out`, `unbounded_channel`,
/// `silent_fallback`, `uncontrolled_switching`, `missing_timeout`,
/// `budget_exceeds_policy`, `missing_reason`, and the groups `retry`,
/// `concurrency`, `fallback`, `switching`, `timeout`, `budget`.
///
/// ```
/// #[leash::allow(unbounded_channel, reason = "bounded by the number of workers")]
/// fn channel() {}
/// ```
///
/// Always write it as `#[leash::allow(..)]`: importing it by name (or with
/// `use leash::*`) makes the built-in `#[allow(..)]` ambiguous. Glob-import
/// [`prelude`] instead.
pub use leash_macros::allow;

/// The macros and types most code needs, for a glob import.
///
/// Prefer `use leash::prelude::*` to `use leash::*`: the latter also imports
/// the [`macro@allow`] attribute, which makes the built-in `#[allow(..)]`
/// ambiguous in that module. Write `#[leash::allow(..)]` in full instead.
pub mod prelude {
    pub use crate::{
        budgets, concurrency, fall_back, fallback, retry, Concurrency, Failover, Jitter, Retry,
        RetryBudget,
    };
}

/// Support for the code generated by `leash-macros`. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::concurrency::{ConcurrencyKey, StaticKeyedLimiter, StaticLimiter};
    pub use crate::retry::{Attempt, RetryLoop, RetryResult};
    pub use crate::{BudgetKind, BudgetSite, DefaultSleep, Jitter, RetryBudget, Sleeper};
    pub use core::time::Duration;
    pub use std::sync::OnceLock;

    /// The shared budget `name`, looked up once per `#[retry]` function.
    pub fn named_budget(
        cell: &'static OnceLock<&'static RetryBudget>,
        name: &'static str,
    ) -> &'static RetryBudget {
        cell.get_or_init(|| RetryBudget::named(name))
    }

    /// Clones a by-value argument of a `#[retry]` function for one attempt.
    #[diagnostic::on_unimplemented(
        message = "`#[leash::retry]` clones every by-value argument for each attempt, but `{Self}` is not `Clone`",
        label = "must be `Clone`",
        note = "implement or derive `Clone`, or take the argument by reference"
    )]
    pub trait CloneForRetry: Sized {
        fn clone_for_retry(&self) -> Self;
    }

    impl<T: Clone> CloneForRetry for T {
        fn clone_for_retry(&self) -> Self {
            self.clone()
        }
    }

    /// The static site of a `#[retry]` function.
    #[allow(clippy::too_many_arguments)]
    pub const fn retry_site(
        name: &'static str,
        module: &'static str,
        file: &'static str,
        line: u32,
        attempts: u32,
        min_backoff_ns: u64,
        max_backoff_ns: u64,
        jitter: Jitter,
        budget: Option<&'static str>,
    ) -> BudgetSite {
        BudgetSite::new(
            name,
            module,
            file,
            line,
            BudgetKind::Retry {
                attempts,
                min_backoff: Duration::from_nanos(min_backoff_ns),
                max_backoff: Duration::from_nanos(max_backoff_ns),
                jitter,
                budget,
            },
        )
    }
}
