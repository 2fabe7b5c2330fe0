//! Retry budgets: bounded attempts with exponential, jittered backoff.

use std::future::Future;
use std::panic::Location;
use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::budget::RetryBudget;
use crate::decision;
use crate::registry::{inline_site, BudgetKind, BudgetSite};

/// How the delay between two attempts is randomised.
///
/// For the `n`-th retry (`n = 1` for the first one) with bounds `min..max`,
/// let `ceiling = min(max, min * 2^n)`. Every delay lies within `min..=max`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Jitter {
    /// Uniform in `min..=ceiling` (the default).
    #[default]
    Full,
    /// Uniform in `max(min, ceiling / 2)..=ceiling`.
    Equal,
    /// No randomness: `min(max, min * 2^(n-1))`, i.e. `min`, `2·min`, `4·min`, …
    None,
}

/// The delay before retry number `retry` (1 for the first retry).
///
/// Exposed so that callers (and tests) can reason about the schedule; the
/// random part uses a thread-local generator.
pub fn backoff_delay(min: Duration, max: Duration, jitter: Jitter, retry: u32) -> Duration {
    let max = max.max(min);
    // A zero lower bound would never grow: grow from 1ms (or `max`, if smaller).
    let base = if min.is_zero() {
        max.min(Duration::from_millis(1))
    } else {
        min
    };
    let grown = |exp: u32| -> Duration {
        let factor = 1u32.checked_shl(exp.min(31)).unwrap_or(u32::MAX);
        base.checked_mul(factor).unwrap_or(max).clamp(min, max)
    };
    match jitter {
        Jitter::None => grown(retry.saturating_sub(1)),
        Jitter::Full => uniform(min, grown(retry)),
        Jitter::Equal => {
            let ceiling = grown(retry);
            uniform((ceiling / 2).max(min), ceiling)
        }
    }
}

fn uniform(low: Duration, high: Duration) -> Duration {
    if high <= low {
        return low;
    }
    let span = (high - low).as_nanos().min(u128::from(u64::MAX)) as u64;
    low + Duration::from_nanos(fastrand::u64(0..=span))
}

/// Decides which errors are retried. Implemented for [`RetryAll`] and for
/// every `Fn(&E) -> bool`.
pub trait RetryIf<E> {
    /// Whether `error` may be retried.
    fn should_retry(&self, error: &E) -> bool;
}

/// Retries every error (the default predicate).
#[derive(Clone, Copy, Debug, Default)]
pub struct RetryAll;

impl<E> RetryIf<E> for RetryAll {
    fn should_retry(&self, _: &E) -> bool {
        true
    }
}

impl<E, F: Fn(&E) -> bool> RetryIf<E> for F {
    fn should_retry(&self, error: &E) -> bool {
        self(error)
    }
}

/// An async sleep used between attempts of async retries.
///
/// Implemented for every `Fn(Duration) -> impl Future<Output = ()>` (such as
/// `tokio::time::sleep`) and, with the `tokio` feature, for [`DefaultSleep`].
#[diagnostic::on_unimplemented(
    message = "no async sleep is configured for this retry",
    label = "needs an async sleep",
    note = "enable the `tokio` feature of `leash`, or give a sleep: `.sleep_with(tokio::time::sleep)` / `#[leash::retry(sleep = path::to::sleep, ..)]`"
)]
pub trait Sleeper {
    /// The future returned by [`Sleeper::sleep`].
    type Sleep: Future<Output = ()>;
    /// Sleeps for `delay`.
    fn sleep(&self, delay: Duration) -> Self::Sleep;
}

impl<F, Fut> Sleeper for F
where
    F: Fn(Duration) -> Fut,
    Fut: Future<Output = ()>,
{
    type Sleep = Fut;
    fn sleep(&self, delay: Duration) -> Fut {
        self(delay)
    }
}

/// The default async sleep: `tokio::time::sleep` with the `tokio` feature,
/// otherwise none (async retries then need an explicit sleep).
#[derive(Clone, Copy, Debug, Default)]
pub struct DefaultSleep;

#[cfg(feature = "tokio")]
impl Sleeper for DefaultSleep {
    type Sleep = tokio::time::Sleep;
    fn sleep(&self, delay: Duration) -> tokio::time::Sleep {
        tokio::time::sleep(delay)
    }
}

/// The state of one retried call: counts attempts, updates the site's
/// counters, asks the shared budget (if any) and picks the delays. Shared
/// by [`Retry`] and `#[retry]`.
#[doc(hidden)]
#[derive(Debug)]
pub struct RetryLoop {
    site: &'static BudgetSite,
    attempts: u32,
    min: Duration,
    max: Duration,
    jitter: Jitter,
    budget: Option<&'static RetryBudget>,
    made: u32,
}

/// One attempt under way. Dropped while unwinding, it counts the attempt as
/// panicked; the panic goes on.
#[doc(hidden)]
#[derive(Debug)]
pub struct Attempt {
    site: &'static BudgetSite,
    number: u32,
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.site.panics.fetch_add(1, Ordering::Relaxed);
            decision::panicked(self.site, self.number);
        }
    }
}

impl RetryLoop {
    /// A loop following the numbers declared on `site`.
    pub fn new(site: &'static BudgetSite) -> Self {
        match site.kind() {
            BudgetKind::Retry {
                attempts,
                min_backoff,
                max_backoff,
                jitter,
                ..
            } => Self::with(site, attempts, min_backoff, max_backoff, jitter),
            _ => Self::with(site, 1, Duration::ZERO, Duration::ZERO, Jitter::None),
        }
    }

    fn with(
        site: &'static BudgetSite,
        attempts: u32,
        min: Duration,
        max: Duration,
        jitter: Jitter,
    ) -> Self {
        site.register();
        RetryLoop {
            site,
            attempts: attempts.max(1),
            min,
            max,
            jitter,
            budget: None,
            made: 0,
        }
    }

    /// Pays for retries from `budget`.
    pub fn with_budget(mut self, budget: &'static RetryBudget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Starts an attempt. A retry is counted here, when it actually starts,
    /// so one cancelled during its backoff is not counted as made; the first
    /// attempt pays into the shared budget.
    pub fn begin(&mut self) -> Attempt {
        self.made += 1;
        self.site.attempts.fetch_add(1, Ordering::Relaxed);
        if self.made == 1 {
            if let Some(budget) = self.budget {
                budget.deposit();
            }
        } else {
            self.site.retries.fetch_add(1, Ordering::Relaxed);
        }
        decision::attempt(self.site, self.made);
        Attempt {
            site: self.site,
            number: self.made,
        }
    }

    /// Records the outcome of the attempt begun last: `None` for success,
    /// `Some(true)` for a retryable error, `Some(false)` for an error not to
    /// retry. Returns the delay to sleep before the next attempt, or `None`
    /// when the call is over and its result must be returned.
    pub fn step(&mut self, error: Option<bool>) -> Option<Duration> {
        match error {
            None | Some(false) => None,
            Some(true) if self.made >= self.attempts => {
                self.site.exhausted.fetch_add(1, Ordering::Relaxed);
                decision::gave_up(self.site, self.made);
                None
            }
            Some(true) => {
                if let Some(budget) = self.budget {
                    if !budget.withdraw() {
                        self.site.throttled.fetch_add(1, Ordering::Relaxed);
                        decision::throttled(self.site, budget.name(), self.made);
                        return None;
                    }
                }
                let delay = backoff_delay(self.min, self.max, self.jitter, self.made);
                decision::retrying(self.site, self.made, self.attempts, delay);
                Some(delay)
            }
        }
    }
}

/// Classifies a call's result for the retry loop. Implemented for
/// `Result<T, E>` only: `#[retry]` functions must return a `Result`.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`#[leash::retry]` needs the function to return a `Result`, not `{Self}`",
    label = "not a `Result`"
)]
pub trait RetryResult {
    /// The error type.
    type Error;
    /// The error, if the result is one.
    fn error(&self) -> Option<&Self::Error>;
}

impl<T, E> RetryResult for Result<T, E> {
    type Error = E;
    fn error(&self) -> Option<&E> {
        self.as_ref().err()
    }
}

/// A retry budget for inline code.
///
/// ```
/// use std::time::Duration;
/// use leash::{Jitter, Retry};
///
/// let mut calls = 0;
/// let result: Result<u32, &str> = Retry::new(3)
///     .backoff(Duration::from_millis(1), Duration::from_millis(5))
///     .jitter(Jitter::Full)
///     .when(|e: &&str| *e == "busy")
///     .run(|| {
///         calls += 1;
///         if calls < 3 { Err("busy") } else { Ok(calls) }
///     });
/// assert_eq!(result, Ok(3));
/// ```
///
/// Defaults: backoff `100ms..5s`, [`Jitter::Full`], every error retried,
/// [`DefaultSleep`] for [`Retry::run_async`]. The budget is registered (once
/// per call site of [`Retry::new`]) and reported by [`crate::budgets`].
#[derive(Clone, Debug)]
pub struct Retry<W = RetryAll, S = DefaultSleep> {
    attempts: u32,
    min: Duration,
    max: Duration,
    jitter: Jitter,
    when: W,
    sleep: S,
    budget: Option<&'static RetryBudget>,
    location: &'static Location<'static>,
}

impl Retry {
    /// A budget of at most `attempts` attempts, the first one included.
    ///
    /// # Panics
    /// If `attempts` is zero.
    #[track_caller]
    pub fn new(attempts: u32) -> Self {
        assert!(attempts >= 1, "leash::Retry: attempts must be at least 1");
        Retry {
            attempts,
            min: Duration::from_millis(100),
            max: Duration::from_secs(5),
            jitter: Jitter::Full,
            when: RetryAll,
            sleep: DefaultSleep,
            budget: None,
            location: Location::caller(),
        }
    }
}

impl<W, S> Retry<W, S> {
    /// Exponential backoff between `min` and `max` (see [`Jitter`]).
    ///
    /// # Panics
    /// If `min > max`.
    pub fn backoff(mut self, min: Duration, max: Duration) -> Self {
        assert!(
            min <= max,
            "leash::Retry: backoff lower bound exceeds upper bound"
        );
        self.min = min;
        self.max = max;
        self
    }

    /// How delays are randomised; [`Jitter::None`] turns jitter off.
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// Retries only the errors for which `when` returns true. The closure
    /// usually needs its parameter type written out: `|e: &MyError| ..`.
    pub fn when<W2>(self, when: W2) -> Retry<W2, S> {
        Retry {
            attempts: self.attempts,
            min: self.min,
            max: self.max,
            jitter: self.jitter,
            when,
            sleep: self.sleep,
            budget: self.budget,
            location: self.location,
        }
    }

    /// The async sleep used by [`Retry::run_async`], such as
    /// `tokio::time::sleep` or any `Fn(Duration) -> impl Future<Output = ()>`.
    pub fn sleep_with<S2>(self, sleep: S2) -> Retry<W, S2> {
        Retry {
            attempts: self.attempts,
            min: self.min,
            max: self.max,
            jitter: self.jitter,
            when: self.when,
            sleep,
            budget: self.budget,
            location: self.location,
        }
    }

    /// Pays for every retry from the shared `budget`: every first attempt
    /// pays in, and a retry the budget refuses ends the run with the last
    /// error (counted as throttled).
    pub fn budget(mut self, budget: &'static RetryBudget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Maximum number of attempts.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    fn start(&self) -> RetryLoop {
        let site = inline_site(
            self.location,
            BudgetKind::Retry {
                attempts: self.attempts,
                min_backoff: self.min,
                max_backoff: self.max,
                jitter: self.jitter,
                budget: self.budget.map(RetryBudget::name),
            },
        );
        let state = RetryLoop::with(site, self.attempts, self.min, self.max, self.jitter);
        match self.budget {
            Some(budget) => state.with_budget(budget),
            None => state,
        }
    }

    /// Runs `op` until it succeeds, returns an error that must not be
    /// retried, or the attempts (or the shared budget) are used up; returns
    /// the last result. A panic in `op` counts as a failed attempt and goes
    /// on unwinding.
    /// Sleeps with `std::thread::sleep` between attempts.
    pub fn run<T, E, F>(&self, mut op: F) -> Result<T, E>
    where
        F: FnMut() -> Result<T, E>,
        W: RetryIf<E>,
    {
        let mut state = self.start();
        loop {
            let result = {
                let _attempt = state.begin();
                op()
            };
            let error = result.as_ref().err().map(|e| self.when.should_retry(e));
            match state.step(error) {
                Some(delay) => std::thread::sleep(delay),
                None => return result,
            }
        }
    }

    /// Like [`Retry::run`] for async operations: `op` is called for each
    /// attempt and its future awaited; delays use the configured sleep.
    pub async fn run_async<T, E, F, Fut>(&self, mut op: F) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        W: RetryIf<E>,
        S: Sleeper,
    {
        let mut state = self.start();
        loop {
            let result = {
                let _attempt = state.begin();
                op().await
            };
            let error = result.as_ref().err().map(|e| self.when.should_retry(e));
            match state.step(error) {
                Some(delay) => self.sleep.sleep(delay).await,
                None => return result,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_stay_within_bounds() {
        let (min, max) = (Duration::from_millis(10), Duration::from_millis(200));
        for jitter in [Jitter::Full, Jitter::Equal, Jitter::None] {
            for retry in 1..40 {
                let d = backoff_delay(min, max, jitter, retry);
                assert!(d >= min && d <= max, "{jitter:?} retry {retry}: {d:?}");
            }
        }
    }

    #[test]
    fn no_jitter_is_exponential_and_capped() {
        let (min, max) = (Duration::from_millis(10), Duration::from_millis(50));
        let got: Vec<_> = (1..6)
            .map(|n| backoff_delay(min, max, Jitter::None, n).as_millis())
            .collect();
        assert_eq!(got, [10, 20, 40, 50, 50]);
    }

    #[test]
    fn full_jitter_varies() {
        let (min, max) = (Duration::from_millis(1), Duration::from_secs(1));
        let delays: std::collections::HashSet<_> = (0..50)
            .map(|_| backoff_delay(min, max, Jitter::Full, 8))
            .collect();
        assert!(delays.len() > 10);
    }

    #[test]
    fn zero_lower_bound_still_grows() {
        let d = backoff_delay(Duration::ZERO, Duration::from_millis(100), Jitter::None, 5);
        assert_eq!(d, Duration::from_millis(16));
    }
}
