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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BudgetKind {
    /// A retry budget: at most `attempts` runs, sleeping between
    /// `min_backoff` and `max_backoff` between them.
    Retry {
        /// Maximum number of attempts, the first one included.
        attempts: u32,
        /// Lower bound of the delay between attempts.
        min_backoff: Duration,
        /// Upper bound of the delay between attempts.
        max_backoff: Duration,
        /// How delays are randomised.
        jitter: Jitter,
    },
    /// A concurrency budget: at most `max` executions at once.
    Concurrency {
        /// Maximum number of concurrent executions.
        max: usize,
        /// Behaviour when all slots are taken.
        on_full: OnFull,
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

    pub(crate) fn enter(&self) {
        let now = self.current.fetch_add(1, Ordering::AcqRel) + 1;
        self.peak.fetch_max(now, Ordering::AcqRel);
    }

    pub(crate) fn leave(&self) {
        self.current.fetch_sub(1, Ordering::AcqRel);
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
        }
    }
}

/// A snapshot of one declared budget and its counters, as returned by
/// [`budgets`].
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// Attempts made (retry budgets), first attempts included.
    pub attempts: u64,
    /// Attempts after the first one (retry budgets).
    pub retries: u64,
    /// Calls that failed after using every attempt (retry budgets).
    pub exhausted: u64,
    /// Executions running now (concurrency budgets).
    pub current: u64,
    /// Highest number of simultaneous executions seen (concurrency budgets).
    pub peak: u64,
    /// Calls turned away because the budget was full (concurrency budgets).
    pub rejections: u64,
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
            } => write!(
                f,
                "retry {} ({}:{}) attempts={attempts} backoff={min_backoff:?}..{max_backoff:?} \
                 jitter={jitter:?}: {} attempts, {} retries, {} exhausted",
                self.name, self.file, self.line, self.attempts, self.retries, self.exhausted
            ),
            BudgetKind::Concurrency { max, on_full } => write!(
                f,
                "concurrency {} ({}:{}) max={max} on_full={on_full:?}: {} running, peak {}, \
                 {} rejected",
                self.name, self.file, self.line, self.current, self.peak, self.rejections
            ),
        }
    }
}

static SITES: Mutex<Vec<&'static BudgetSite>> = Mutex::new(Vec::new());

type SiteKey = (&'static str, u32, u32, bool);
static INLINE_SITES: Mutex<Option<HashMap<SiteKey, &'static BudgetSite>>> = Mutex::new(None);

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
/// registered on first use. One site is kept per call site and kind, so the
/// memory used is bounded by the number of call sites in the program.
pub(crate) fn inline_site(
    location: &'static Location<'static>,
    kind: BudgetKind,
) -> &'static BudgetSite {
    let is_retry = matches!(kind, BudgetKind::Retry { .. });
    let key = (
        location.file(),
        location.line(),
        location.column(),
        is_retry,
    );
    let site = {
        let mut map = lock(&INLINE_SITES);
        *map.get_or_insert_with(HashMap::new)
            .entry(key)
            .or_insert_with(|| {
                let name = if is_retry { "retry" } else { "concurrency" };
                Box::leak(Box::new(BudgetSite::new(
                    name,
                    "",
                    location.file(),
                    location.line(),
                    kind,
                )))
            })
    };
    site.register();
    site
}
