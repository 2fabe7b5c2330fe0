//! Concurrency budgets: at most `max` executions at once.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use async_lock::{Semaphore, SemaphoreGuard, SemaphoreGuardArc};

use crate::decision;
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
        decision::in_flight(site, site.enter());
        Permit {
            _guard: guard,
            site,
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        decision::in_flight(self.site, self.site.leave());
    }
}

fn rejected(site: &BudgetSite) {
    site.rejections.fetch_add(1, Ordering::Relaxed);
    decision::rejected(site);
}

/// A slot at once if one is free, otherwise waits for one (blocking the
/// thread) and reports how long it waited.
fn wait_blocking<'a>(semaphore: &'a Semaphore, site: &BudgetSite) -> SemaphoreGuard<'a> {
    semaphore.try_acquire().unwrap_or_else(|| {
        let start = Instant::now();
        let guard = semaphore.acquire_blocking();
        decision::waited(site, start.elapsed());
        guard
    })
}

/// Like [`wait_blocking`], waiting asynchronously.
async fn wait<'a>(semaphore: &'a Semaphore, site: &BudgetSite) -> SemaphoreGuard<'a> {
    match semaphore.try_acquire() {
        Some(guard) => guard,
        None => {
            let start = Instant::now();
            let guard = semaphore.acquire().await;
            decision::waited(site, start.elapsed());
            guard
        }
    }
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
    /// [`crate::budgets`], aggregated per call site of `new` and value of
    /// `max`.
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

    /// A limit of `max` concurrent holders for each key (host, tenant,
    /// shard); keys are independent, and a key nobody holds or waits for is
    /// dropped, so memory stays bounded by the keys in use.
    ///
    /// ```
    /// let per_host = leash::Concurrency::per_key(2);
    /// let a = per_host.try_acquire("a.example").unwrap();
    /// let _a2 = per_host.try_acquire("a.example").unwrap();
    /// assert!(per_host.try_acquire("a.example").is_none()); // "a.example" is full
    /// assert!(per_host.try_acquire("b.example").is_some()); // "b.example" is not
    /// drop(a);
    /// assert_eq!(per_host.keys(), 1);
    /// ```
    ///
    /// # Panics
    /// If `max` is zero.
    #[track_caller]
    pub fn per_key<K: Hash + Eq + Clone>(max: usize) -> ConcurrencyPerKey<K> {
        assert!(max >= 1, "leash::Concurrency: max must be at least 1");
        let site = inline_site(
            std::panic::Location::caller(),
            BudgetKind::ConcurrencyPerKey {
                max,
                on_full: OnFull::Wait,
            },
        );
        ConcurrencyPerKey {
            slots: KeyedSlots::new(max),
            site,
        }
    }

    /// Holders right now.
    pub fn in_use(&self) -> usize {
        self.max - self.semaphore.available_permits()
    }

    /// Waits, blocking the thread, for a slot.
    pub fn acquire_blocking(&self) -> Permit<'_> {
        Permit::new(wait_blocking(&self.semaphore, self.site), self.site)
    }

    /// Waits asynchronously for a slot.
    pub async fn acquire(&self) -> Permit<'_> {
        Permit::new(wait(&self.semaphore, self.site).await, self.site)
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
        Permit::new(wait_blocking(&self.semaphore, &self.site), &self.site)
    }

    pub async fn acquire(&'static self) -> Permit<'static> {
        self.site.register();
        Permit::new(wait(&self.semaphore, &self.site).await, &self.site)
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

/// A concurrency limit per key, made by [`Concurrency::per_key`].
#[derive(Debug)]
pub struct ConcurrencyPerKey<K> {
    slots: KeyedSlots<K>,
    site: &'static BudgetSite,
}

impl<K: Hash + Eq + Clone> ConcurrencyPerKey<K> {
    /// The declared maximum per key.
    pub fn max(&self) -> usize {
        self.slots.max
    }

    /// Keys held or waited for right now.
    pub fn keys(&self) -> usize {
        self.slots.len()
    }

    /// Waits, blocking the thread, for a slot of `key`.
    pub fn acquire_blocking(&self, key: K) -> KeyPermit<'_, K> {
        self.slots.acquire_blocking(key, self.site)
    }

    /// Waits asynchronously for a slot of `key`.
    pub async fn acquire(&self, key: K) -> KeyPermit<'_, K> {
        self.slots.acquire(key, self.site).await
    }

    /// A slot of `key` if one is free now; otherwise counts a rejection and
    /// returns `None`.
    pub fn try_acquire(&self, key: K) -> Option<KeyPermit<'_, K>> {
        self.slots.try_acquire(key, self.site)
    }

    /// Runs `f` holding a slot of `key`, blocking until one is free.
    pub fn run<T>(&self, key: K, f: impl FnOnce() -> T) -> T {
        let _permit = self.acquire_blocking(key);
        f()
    }

    /// Awaits `fut` holding a slot of `key`, waiting asynchronously for one.
    pub async fn run_async<F: Future>(&self, key: K, fut: F) -> F::Output {
        let _permit = self.acquire(key).await;
        fut.await
    }
}

/// One semaphore per key, made on first use and dropped when nobody holds
/// or waits for it any more.
#[derive(Debug)]
struct KeyedSlots<K> {
    max: usize,
    keys: Mutex<Option<HashMap<K, KeyEntry>>>,
}

/// A key's semaphore and how many holders and waiters use it. The count is
/// kept under the map's lock, so the last user to let go always sees zero;
/// a reference count read beside it could lag behind another thread's drop.
#[derive(Debug)]
struct KeyEntry {
    semaphore: Arc<Semaphore>,
    users: usize,
}

/// A key's semaphore, kept by a holder or a waiter; the last one to let go
/// removes the key.
#[derive(Debug)]
struct KeyRef<'a, K: Hash + Eq> {
    key: K,
    semaphore: Arc<Semaphore>,
    slots: &'a KeyedSlots<K>,
}

impl<K: Hash + Eq> Drop for KeyRef<'_, K> {
    fn drop(&mut self) {
        let mut keys = self
            .slots
            .keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let Some(keys) = keys.as_mut() else { return };
        let Some(entry) = keys.get_mut(&self.key) else {
            return;
        };
        entry.users = entry.users.saturating_sub(1);
        if entry.users == 0 {
            keys.remove(&self.key);
        }
    }
}

impl<K: Hash + Eq + Clone> KeyedSlots<K> {
    const fn new(max: usize) -> Self {
        KeyedSlots {
            max,
            keys: Mutex::new(None),
        }
    }

    fn len(&self) -> usize {
        let keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        keys.as_ref().map_or(0, HashMap::len)
    }

    fn key(&self, key: K) -> KeyRef<'_, K> {
        let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = keys
            .get_or_insert_with(HashMap::new)
            .entry(key.clone())
            .or_insert_with(|| KeyEntry {
                semaphore: Arc::new(Semaphore::new(self.max)),
                users: 0,
            });
        entry.users += 1;
        KeyRef {
            key,
            semaphore: Arc::clone(&entry.semaphore),
            slots: self,
        }
    }

    fn permit<'a>(
        &self,
        key: KeyRef<'a, K>,
        guard: SemaphoreGuardArc,
        site: &'a BudgetSite,
    ) -> KeyPermit<'a, K> {
        let running_for_key = self.max.saturating_sub(key.semaphore.available_permits());
        decision::in_flight(site, site.enter_key(running_for_key as u64));
        KeyPermit {
            _guard: guard,
            _key: key,
            site,
        }
    }

    fn acquire_blocking<'a>(&'a self, key: K, site: &'a BudgetSite) -> KeyPermit<'a, K> {
        let key = self.key(key);
        let guard = key.semaphore.try_acquire_arc().unwrap_or_else(|| {
            let start = Instant::now();
            let guard = key.semaphore.acquire_arc_blocking();
            decision::waited(site, start.elapsed());
            guard
        });
        self.permit(key, guard, site)
    }

    async fn acquire<'a>(&'a self, key: K, site: &'a BudgetSite) -> KeyPermit<'a, K> {
        let key = self.key(key);
        let guard = match key.semaphore.try_acquire_arc() {
            Some(guard) => guard,
            None => {
                let start = Instant::now();
                let guard = key.semaphore.acquire_arc().await;
                decision::waited(site, start.elapsed());
                guard
            }
        };
        self.permit(key, guard, site)
    }

    fn try_acquire<'a>(&'a self, key: K, site: &'a BudgetSite) -> Option<KeyPermit<'a, K>> {
        let key = self.key(key);
        match key.semaphore.try_acquire_arc() {
            Some(guard) => Some(self.permit(key, guard, site)),
            None => {
                rejected(site);
                None
            }
        }
    }
}

/// A slot of one key in a [`ConcurrencyPerKey`], released when dropped.
#[must_use = "the slot is released as soon as the permit is dropped"]
#[derive(Debug)]
pub struct KeyPermit<'a, K: Hash + Eq> {
    // Field order matters: the slot is released before the key is let go.
    _guard: SemaphoreGuardArc,
    _key: KeyRef<'a, K>,
    site: &'a BudgetSite,
}

impl<K: Hash + Eq> Drop for KeyPermit<'_, K> {
    fn drop(&mut self) {
        decision::in_flight(self.site, self.site.leave());
    }
}

/// The limiter behind `#[concurrency(per = param)]`: keys are hashes of the
/// parameter's value.
#[doc(hidden)]
#[derive(Debug)]
pub struct StaticKeyedLimiter {
    slots: KeyedSlots<u64>,
    site: BudgetSite,
}

impl StaticKeyedLimiter {
    pub const fn new(
        name: &'static str,
        module: &'static str,
        file: &'static str,
        line: u32,
        max: usize,
        reject: bool,
    ) -> Self {
        let on_full = if reject { OnFull::Reject } else { OnFull::Wait };
        StaticKeyedLimiter {
            slots: KeyedSlots::new(max),
            site: BudgetSite::new(
                name,
                module,
                file,
                line,
                BudgetKind::ConcurrencyPerKey { max, on_full },
            ),
        }
    }

    pub fn acquire_blocking(&'static self, key: u64) -> KeyPermit<'static, u64> {
        self.site.register();
        self.slots.acquire_blocking(key, &self.site)
    }

    pub async fn acquire(&'static self, key: u64) -> KeyPermit<'static, u64> {
        self.site.register();
        self.slots.acquire(key, &self.site).await
    }

    pub fn try_acquire(&'static self, key: u64) -> Option<KeyPermit<'static, u64>> {
        self.site.register();
        self.slots.try_acquire(key, &self.site)
    }
}

/// The key of a `per = param` value: its hash. `DefaultHasher::new()` uses
/// fixed keys, so equal values hash alike for the life of the process; two
/// values sharing a 64-bit hash would share a limit.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`#[leash::concurrency(per = ..)]` keys on the parameter's value, but `{Self}` is not `Hash`",
    label = "must be `Hash`",
    note = "derive `Hash` for it, or key on another parameter"
)]
pub trait ConcurrencyKey {
    fn key_hash(&self) -> u64;
}

impl<T: Hash + ?Sized> ConcurrencyKey for T {
    fn key_hash(&self) -> u64 {
        use std::hash::{DefaultHasher, Hasher};
        let mut hasher = DefaultHasher::new();
        self.hash(&mut hasher);
        hasher.finish()
    }
}
