//! Concurrency budgets: at most `max` executions at once.

use std::future::Future;
use std::sync::atomic::Ordering;

use async_lock::{Semaphore, SemaphoreGuard};

use crate::registry::{inline_site, BudgetKind, BudgetSite, OnFull};

/// A slot in a concurrency budget, released when dropped.
#[must_use = "the slot is released as soon as the permit is dropped"]
#[derive(Debug)]
pub struct Permit<'a> {
    _guard: SemaphoreGuard<'a>,
    site: &'a BudgetSite,
}

impl<'a> Permit<'a> {
    fn new(guard: SemaphoreGuard<'a>, site: &'a BudgetSite) -> Self {
        site.enter();
        Permit {
            _guard: guard,
            site,
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.site.leave();
    }
}

fn rejected(site: &BudgetSite) {
    site.rejections.fetch_add(1, Ordering::Relaxed);
    #[cfg(feature = "tracing")]
    tracing::warn!(target: "leash", budget = site.name(), "concurrency budget full, call rejected");
}

/// A concurrency limit for inline code: at most `max` holders of a
/// [`Permit`] at once. Share it (in a `static`, an `Arc` or a struct field)
/// between the callers it must limit.
///
/// Sync callers block in [`Concurrency::acquire_blocking`] (do not call it
/// from inside an async runtime); async callers wait in
/// [`Concurrency::acquire`]; [`Concurrency::try_acquire`] never waits.
///
/// ```
/// let limit = leash::Concurrency::new(2);
/// let answer = limit.run(|| 42);
/// assert_eq!(answer, 42);
/// assert!(limit.try_acquire().is_some());
/// ```
#[derive(Debug)]
pub struct Concurrency {
    semaphore: Semaphore,
    max: usize,
    site: &'static BudgetSite,
}

impl Concurrency {
    /// A limit of `max` concurrent holders. Its counters are reported by
    /// [`crate::budgets`], aggregated per call site of `new`.
    ///
    /// # Panics
    /// If `max` is zero.
    #[track_caller]
    pub fn new(max: usize) -> Self {
        assert!(max >= 1, "leash::Concurrency: max must be at least 1");
        let site = inline_site(
            std::panic::Location::caller(),
            BudgetKind::Concurrency {
                max,
                on_full: OnFull::Wait,
            },
        );
        Concurrency {
            semaphore: Semaphore::new(max),
            max,
            site,
        }
    }

    /// The declared maximum.
    pub fn max(&self) -> usize {
        self.max
    }

    /// Holders right now.
    pub fn in_use(&self) -> usize {
        self.max - self.semaphore.available_permits()
    }

    /// Waits, blocking the thread, for a slot.
    pub fn acquire_blocking(&self) -> Permit<'_> {
        Permit::new(self.semaphore.acquire_blocking(), self.site)
    }

    /// Waits asynchronously for a slot.
    pub async fn acquire(&self) -> Permit<'_> {
        Permit::new(self.semaphore.acquire().await, self.site)
    }

    /// A slot if one is free now; otherwise counts a rejection and
    /// returns `None`.
    pub fn try_acquire(&self) -> Option<Permit<'_>> {
        match self.semaphore.try_acquire() {
            Some(guard) => Some(Permit::new(guard, self.site)),
            None => {
                rejected(self.site);
                None
            }
        }
    }

    /// Runs `f` holding a slot, blocking until one is free.
    pub fn run<T>(&self, f: impl FnOnce() -> T) -> T {
        let _permit = self.acquire_blocking();
        f()
    }

    /// Awaits `fut` holding a slot, waiting asynchronously for one.
    pub async fn run_async<F: Future>(&self, fut: F) -> F::Output {
        let _permit = self.acquire().await;
        fut.await
    }
}

/// The limiter behind `#[concurrency]`: a site and a semaphore in one
/// `static` per annotated function.
#[doc(hidden)]
#[derive(Debug)]
pub struct StaticLimiter {
    semaphore: Semaphore,
    site: BudgetSite,
}

impl StaticLimiter {
    pub const fn new(
        name: &'static str,
        module: &'static str,
        file: &'static str,
        line: u32,
        max: usize,
        reject: bool,
    ) -> Self {
        let on_full = if reject { OnFull::Reject } else { OnFull::Wait };
        StaticLimiter {
            semaphore: Semaphore::new(max),
            site: BudgetSite::new(
                name,
                module,
                file,
                line,
                BudgetKind::Concurrency { max, on_full },
            ),
        }
    }

    pub fn acquire_blocking(&'static self) -> Permit<'static> {
        self.site.register();
        Permit::new(self.semaphore.acquire_blocking(), &self.site)
    }

    pub async fn acquire(&'static self) -> Permit<'static> {
        self.site.register();
        Permit::new(self.semaphore.acquire().await, &self.site)
    }

    pub fn try_acquire(&'static self) -> Option<Permit<'static>> {
        self.site.register();
        match self.semaphore.try_acquire() {
            Some(guard) => Some(Permit::new(guard, &self.site)),
            None => {
                rejected(&self.site);
                None
            }
        }
    }
}
