//! The process-wide registry of declared budgets and their counters.

use std::collections::HashMap;
use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::retry::Jitter;

/// What happens when a concurrency budget is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OnFull {
    /// Wait for a slot (backpressure).
    Wait,
    /// Return an error at once.
    Reject,
}

/// The kind of a budget and its declared numbers.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum BudgetKind {
    /// A retry budget: at most `attempts` runs, sleeping between
    /// `min_backoff` and `max_backoff` between them, each retry paid from
    /// the shared [`crate::RetryBudget`] named `budget` if there is one.
    Retry {
        /// Maximum number of attempts, the first one included.
        attempts: u32,
        /// Lower bound of the delay between attempts.
        min_backoff: Duration,
        /// Upper bound of the delay between attempts.
        max_backoff: Duration,
        /// How delays are randomised.
        jitter: Jitter,
        /// The shared retry budget paying for retries, if any.
        budget: Option<&'static str>,
    },
    /// A shared retry budget ([`crate::RetryBudget`]): retries may add at
    /// most `retry_ratio` of the first attempts made within `ttl`, plus a
    /// reserve of `min_per_sec` retries per second.
    SharedRetry {
        /// How long a first attempt keeps paying for retries.
        ttl: Duration,
        /// Retries per second allowed whatever the traffic.
        min_per_sec: u32,
        /// Retries allowed per first attempt.
        retry_ratio: f32,
    },
    /// A concurrency budget: at most `max` executions at once.
    Concurrency {
        /// Maximum number of concurrent executions.
        max: usize,
        /// Behaviour when all slots are taken.
        on_full: OnFull,
    },
    /// A concurrency budget per key: at most `max` executions at once for
    /// each key (host, tenant, shard), keys independent.
    ConcurrencyPerKey {
        /// Maximum number of concurrent executions per key.
        max: usize,
        /// Behaviour when all slots of a key are taken.
        on_full: OnFull,
    },
    /// A switching budget ([`crate::Failover`]): at most `max_switches`
    /// switches of target per job.
    Switching {
        /// Maximum number of switches per job.
        max_switches: u32,
    },
    /// A counted fallback ([`crate::fall_back`]).
    Fallback {
        /// Why falling back is acceptable.
        reason: &'static str,
    },
}

/// One declaration site of a budget, with its live counters.
///
/// Sites are created by the `#[retry]` and `#[concurrency]` macros as
/// statics, or on demand (once per call site) by [`crate::Retry`] and
/// [`crate::Concurrency`]. They register themselves in the global registry
/// the first time they are used.
#[derive(Debug)]
pub struct BudgetSite {
    name: &'static str,
    module: &'static str,
    file: &'static str,
    line: u32,
    kind: BudgetKind,
    registered: AtomicBool,
    pub(crate) attempts: AtomicU64,
    pub(crate) retries: AtomicU64,
    pub(crate) exhausted: AtomicU64,
    pub(crate) current: AtomicU64,
    pub(crate) peak: AtomicU64,
    pub(crate) rejections: AtomicU64,
    pub(crate) throttled: AtomicU64,
    pub(crate) panics: AtomicU64,
    pub(crate) switches: AtomicU64,
    pub(crate) fallbacks: AtomicU64,
}

impl BudgetSite {
    /// Creates a site. Used by the macros; not registered until first use.
    #[doc(hidden)]
    pub const fn new(
        name: &'static str,
        module: &'static str,
        file: &'static str,
        line: u32,
        kind: BudgetKind,
    ) -> Self {
        BudgetSite {
            name,
            module,
            file,
            line,
            kind,
            registered: AtomicBool::new(false),
            attempts: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            exhausted: AtomicU64::new(0),
            current: AtomicU64::new(0),
            peak: AtomicU64::new(0),
            rejections: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
            panics: AtomicU64::new(0),
            switches: AtomicU64::new(0),
            fallbacks: AtomicU64::new(0),
        }
    }

    /// The budget's name (the function name for macro-declared budgets).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The declared kind and numbers.
    pub fn kind(&self) -> BudgetKind {
        self.kind
    }

    /// `module_path!()` of the declaration, or empty for inline budgets.
    pub fn module(&self) -> &'static str {
        self.module
    }

    /// Adds this site to the global registry if it is not there yet.
    pub(crate) fn register(&'static self) {
        if self.registered.load(Ordering::Acquire) {
            return;
        }
        let mut sites = lock(&SITES);
        if !self.registered.swap(true, Ordering::AcqRel) {
            sites.push(self);
        }
    }

    /// Counts one more execution running; returns how many run now.
    pub(crate) fn enter(&self) -> u64 {
        let now = self.current.fetch_add(1, Ordering::AcqRel) + 1;
        self.peak.fetch_max(now, Ordering::AcqRel);
        now
    }

    /// Like [`BudgetSite::enter`] for a per-key budget: the peak is the
    /// highest number running for any one key.
    pub(crate) fn enter_key(&self, running_for_key: u64) -> u64 {
        self.peak.fetch_max(running_for_key, Ordering::AcqRel);
        self.current.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// Counts one execution fewer; returns how many run now.
    pub(crate) fn leave(&self) -> u64 {
        self.current.fetch_sub(1, Ordering::AcqRel) - 1
    }

    /// A snapshot of this site and its counters.
    pub fn report(&self) -> BudgetReport {
        BudgetReport {
            name: self.name,
            module: self.module,
            file: self.file,
            line: self.line,
            kind: self.kind,
            attempts: self.attempts.load(Ordering::Acquire),
            retries: self.retries.load(Ordering::Acquire),
            exhausted: self.exhausted.load(Ordering::Acquire),
            current: self.current.load(Ordering::Acquire),
            peak: self.peak.load(Ordering::Acquire),
            rejections: self.rejections.load(Ordering::Acquire),
            throttled: self.throttled.load(Ordering::Acquire),
            panics: self.panics.load(Ordering::Acquire),
            switches: self.switches.load(Ordering::Acquire),
            fallbacks: self.fallbacks.load(Ordering::Acquire),
        }
    }
}

/// A snapshot of one declared budget and its counters, as returned by
/// [`budgets`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct BudgetReport {
    /// The budget's name: the function name, or `"retry"` / `"concurrency"`
    /// for budgets built inline.
    pub name: &'static str,
    /// `module_path!()` of the declaration, or empty for inline budgets.
    pub module: &'static str,
    /// Source file of the declaration.
    pub file: &'static str,
    /// Source line of the declaration.
    pub line: u32,
    /// Declared kind and numbers.
    pub kind: BudgetKind,
    /// Attempts made, first attempts included (retry budgets; calls made
    /// for switching budgets; first attempts paid in for shared retry
    /// budgets). An attempt that panicked counts.
    pub attempts: u64,
    /// Attempts after the first one actually started (retry budgets; a
    /// retry cancelled during its backoff is not one), or retries the
    /// shared budget allowed (shared retry budgets).
    pub retries: u64,
    /// Calls that failed after using every attempt (retry budgets), or
    /// jobs that failed on every switch (switching budgets).
    pub exhausted: u64,
    /// Executions running now (concurrency budgets; the sum over keys for
    /// per-key budgets).
    pub current: u64,
    /// Highest number of simultaneous executions seen (concurrency
    /// budgets; for per-key budgets the highest seen for any one key).
    pub peak: u64,
    /// Calls turned away because the budget was full (concurrency budgets).
    pub rejections: u64,
    /// Retries refused by the shared retry budget: the call ended with its
    /// last error (retry budgets and shared retry budgets).
    pub throttled: u64,
    /// Attempts that panicked (retry budgets); the panic goes on unwinding.
    pub panics: u64,
    /// Switches of target made (switching budgets).
    pub switches: u64,
    /// Times the fallback was used (fallbacks).
    pub fallbacks: u64,
}

impl std::fmt::Display for BudgetReport {
    /// One line, e.g. `retry fetch (src/client.rs:12) attempts=3 backoff=100ms..5s
    /// jitter=Full: 10 attempts, 4 retries, 1 exhausted`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            BudgetKind::Retry {
                attempts,
                min_backoff,
                max_backoff,
                jitter,
                budget,
            } => {
                write!(
                    f,
                    "retry {} ({}:{}) attempts={attempts} backoff={min_backoff:?}..{max_backoff:?} \
                     jitter={jitter:?}",
                    self.name, self.file, self.line
                )?;
                if let Some(budget) = budget {
                    write!(f, " budget={budget}")?;
                }
                write!(
                    f,
                    ": {} attempts, {} retries, {} exhausted",
                    self.attempts, self.retries, self.exhausted
                )?;
                if budget.is_some() {
                    write!(f, ", {} throttled", self.throttled)?;
                }
                if self.panics > 0 {
                    write!(f, ", {} panicked", self.panics)?;
                }
                Ok(())
            }
            BudgetKind::SharedRetry {
                ttl,
                min_per_sec,
                retry_ratio,
            } => write!(
                f,
                "retry budget {} ({}:{}) ttl={ttl:?} min_per_sec={min_per_sec} \
                 retry_ratio={retry_ratio}: {} first attempts, {} retries allowed, {} refused",
                self.name, self.file, self.line, self.attempts, self.retries, self.throttled
            ),
            BudgetKind::Concurrency { max, on_full } => write!(
                f,
                "concurrency {} ({}:{}) max={max} on_full={on_full:?}: {} running, peak {}, \
                 {} rejected",
                self.name, self.file, self.line, self.current, self.peak, self.rejections
            ),
            BudgetKind::ConcurrencyPerKey { max, on_full } => write!(
                f,
                "concurrency per key {} ({}:{}) max={max} on_full={on_full:?}: {} running, \
                 peak {} for one key, {} rejected",
                self.name, self.file, self.line, self.current, self.peak, self.rejections
            ),
            BudgetKind::Switching { max_switches } => write!(
                f,
                "switching {} ({}:{}) max_switches={max_switches}: {} calls, {} switches, \
                 {} exhausted",
                self.name, self.file, self.line, self.attempts, self.switches, self.exhausted
            ),
            BudgetKind::Fallback { reason } => write!(
                f,
                "fallback {} ({}:{}) reason={reason:?}: used {} times",
                self.name, self.file, self.line, self.fallbacks
            ),
        }
    }
}

static SITES: Mutex<Vec<&'static BudgetSite>> = Mutex::new(Vec::new());

/// Inline sites by call position; one per distinct declared kind and numbers
/// there, so two limits built at one place with different `max` stay apart.
type SiteKey = (&'static str, u32, u32);
static INLINE_SITES: Mutex<Option<HashMap<SiteKey, Vec<&'static BudgetSite>>>> = Mutex::new(None);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Every budget used so far in this process, in order of first use, with
/// its counters.
///
/// Budgets register lazily: a function carrying `#[retry]` or
/// `#[concurrency]` appears after its first call.
pub fn budgets() -> Vec<BudgetReport> {
    lock(&SITES).iter().map(|site| site.report()).collect()
}

/// The site for an inline budget built at `location`, created and
/// registered on first use. One site is kept per call site and declared
/// kind and numbers, so the memory used is bounded by the number of call
/// sites and the distinct values declared at each.
pub(crate) fn inline_site(
    location: &'static Location<'static>,
    kind: BudgetKind,
) -> &'static BudgetSite {
    let name = match kind {
        BudgetKind::Retry { .. } => "retry",
        BudgetKind::SharedRetry { .. } => "retry_budget",
        BudgetKind::Concurrency { .. } => "concurrency",
        BudgetKind::ConcurrencyPerKey { .. } => "concurrency_per_key",
        BudgetKind::Switching { .. } => "failover",
        BudgetKind::Fallback { .. } => "fallback",
    };
    let key = (location.file(), location.line(), location.column());
    let site = {
        let mut map = lock(&INLINE_SITES);
        let sites = map.get_or_insert_with(HashMap::new).entry(key).or_default();
        match sites.iter().find(|site| site.kind == kind) {
            Some(site) => *site,
            None => {
                let site: &'static BudgetSite = Box::leak(Box::new(BudgetSite::new(
                    name,
                    "",
                    location.file(),
                    location.line(),
                    kind,
                )));
                sites.push(site);
                site
            }
        }
    };
    site.register();
    site
}
