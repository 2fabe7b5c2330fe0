//! Shared retry budgets: retries are paid for by recent first attempts, so
//! that when a dependency fails, its callers together add at most a fixed
//! share of extra load instead of multiplying it (a retry storm).

use std::collections::HashMap;
use std::panic::Location;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

#[cfg(leash_loom)]
use loom::sync::atomic::{AtomicI64, AtomicU64, Ordering};
#[cfg(not(leash_loom))]
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use crate::registry::{BudgetKind, BudgetSite};

/// Windows `ttl` is cut into: deposits expire one window at a time.
const WINDOWS: usize = 10;
/// A retry costs this much; a first attempt pays `retry_ratio` of it.
const RETRY_COST: i64 = 1000;

/// A retry budget shared by every call that names it, with the semantics
/// of tower's `TpsBudget` (and Finagle's `RetryBudget`, gRPC's retry
/// throttling): every first attempt deposits `retry_ratio` of a retry,
/// every retry withdraws one, and a reserve of `min_per_sec` retries per
/// second over `ttl` lets a quiet caller still retry. Deposits older than
/// `ttl` expire. A retry the budget cannot pay for is refused: the call
/// ends with its last error and counts as throttled.
///
/// ```
/// use std::time::Duration;
/// use leash::{Retry, RetryBudget};
///
/// // At most 20% extra load from retries, plus 10 retries a second.
/// let payments = RetryBudget::named("payments");
/// let calls = std::cell::Cell::new(0);
/// let result: Result<(), &str> = Retry::new(3)
///     .backoff(Duration::ZERO, Duration::ZERO)
///     .budget(payments)
///     .run(|| { calls.set(calls.get() + 1); Err("down") });
/// assert_eq!(result, Err("down"));
/// assert_eq!(calls.get(), 3); // the reserve paid for these two retries
/// ```
///
/// The counters are atomics updated without a lock (a retry is withdrawn
/// with a compare-and-swap), so the budget is no contention point; under
/// races it errs towards refusing.
#[derive(Debug)]
pub struct RetryBudget {
    name: &'static str,
    site: BudgetSite,
    ledger: Ledger,
}

/// The reason [`RetryBudget::configure`] failed: a budget of that name is
/// already in use, with the numbers it was first given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetInUse(pub &'static str);

impl std::fmt::Display for BudgetInUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "retry budget `{}` is already in use: configure it before its first use",
            self.0
        )
    }
}

impl std::error::Error for BudgetInUse {}

static NAMED: Mutex<Option<HashMap<&'static str, &'static RetryBudget>>> = Mutex::new(None);

impl RetryBudget {
    /// Tower's defaults: 10 s, 10 retries a second, 20 %.
    pub const DEFAULT_TTL: Duration = Duration::from_secs(10);
    /// See [`RetryBudget::DEFAULT_TTL`].
    pub const DEFAULT_MIN_PER_SEC: u32 = 10;
    /// See [`RetryBudget::DEFAULT_TTL`].
    pub const DEFAULT_RETRY_RATIO: f32 = 0.2;

    /// A budget letting retries add `retry_ratio` of the first attempts
    /// made in the last `ttl`, plus `min_per_sec` retries a second.
    ///
    /// Out-of-range numbers are brought into range rather than refused:
    /// `ttl` to 1..=60 s, `retry_ratio` to 0..=1000 (NaN reads as 0).
    ///
    /// [`Retry::budget`](crate::Retry::budget) takes a `&'static` budget:
    /// keep one made here in a `static` (`LazyLock`) or use
    /// [`RetryBudget::named`].
    #[track_caller]
    pub fn new(ttl: Duration, min_per_sec: u32, retry_ratio: f32) -> Self {
        Self::build(
            "retry_budget",
            Location::caller(),
            ttl,
            min_per_sec,
            retry_ratio,
        )
    }

    fn build(
        name: &'static str,
        location: &'static Location<'static>,
        ttl: Duration,
        min_per_sec: u32,
        retry_ratio: f32,
    ) -> Self {
        let ttl = ttl.clamp(Duration::from_secs(1), Duration::from_secs(60));
        let retry_ratio = if retry_ratio.is_nan() {
            0.0
        } else {
            retry_ratio.clamp(0.0, 1000.0)
        };
        RetryBudget {
            name,
            site: BudgetSite::new(
                name,
                "",
                location.file(),
                location.line(),
                BudgetKind::SharedRetry {
                    ttl,
                    min_per_sec,
                    retry_ratio,
                },
            ),
            ledger: Ledger::new(ttl, min_per_sec, retry_ratio),
        }
    }

    /// The process-wide budget called `name`, created with the defaults
    /// ([`RetryBudget::DEFAULT_TTL`] ..) on first use unless
    /// [`RetryBudget::configure`] made it first.
    #[track_caller]
    pub fn named(name: &'static str) -> &'static RetryBudget {
        let location = Location::caller();
        let mut named = NAMED.lock().unwrap_or_else(PoisonError::into_inner);
        named
            .get_or_insert_with(HashMap::new)
            .entry(name)
            .or_insert_with(|| {
                Box::leak(Box::new(Self::build(
                    name,
                    location,
                    Self::DEFAULT_TTL,
                    Self::DEFAULT_MIN_PER_SEC,
                    Self::DEFAULT_RETRY_RATIO,
                )))
            })
    }

    /// Creates the process-wide budget called `name` with these numbers
    /// (see [`RetryBudget::new`]). Fails if a budget of that name already
    /// exists: configure budgets at start-up, before any call uses them.
    #[track_caller]
    pub fn configure(
        name: &'static str,
        ttl: Duration,
        min_per_sec: u32,
        retry_ratio: f32,
    ) -> Result<&'static RetryBudget, BudgetInUse> {
        let location = Location::caller();
        let mut named = NAMED.lock().unwrap_or_else(PoisonError::into_inner);
        let named = named.get_or_insert_with(HashMap::new);
        if named.contains_key(name) {
            return Err(BudgetInUse(name));
        }
        let budget: &'static RetryBudget = Box::leak(Box::new(Self::build(
            name,
            location,
            ttl,
            min_per_sec,
            retry_ratio,
        )));
        named.insert(name, budget);
        Ok(budget)
    }

    /// The budget's name (`"retry_budget"` for unnamed ones).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Records a first attempt, which pays in `retry_ratio` of a retry.
    pub fn deposit(&'static self) {
        self.site.register();
        self.site.attempts.fetch_add(1, Ordering::Relaxed);
        self.ledger.deposit(self.ledger.now());
    }

    /// Takes one retry from the budget: true if it could be paid for.
    pub fn withdraw(&'static self) -> bool {
        self.site.register();
        let paid = self.ledger.withdraw(self.ledger.now());
        let counter = if paid {
            &self.site.retries
        } else {
            &self.site.throttled
        };
        counter.fetch_add(1, Ordering::Relaxed);
        paid
    }

    /// How many retries the budget could pay for now.
    pub fn available(&self) -> u64 {
        let now = self.ledger.now();
        self.ledger.expire(now);
        u64::try_from(self.ledger.balance() / self.ledger.withdraw_amount).unwrap_or(0)
    }
}

/// The arithmetic of a budget, in units of a thousandth of a retry; time is
/// passed in as nanoseconds since the ledger was made, for tests to drive.
#[derive(Debug)]
pub(crate) struct Ledger {
    start: Instant,
    window_ns: u64,
    /// The window `writer` collects deposits for, counted from `start`.
    generation: AtomicU64,
    /// Deposits minus withdrawals in the current window.
    writer: AtomicI64,
    /// Net deposits of the windows before, by window number modulo WINDOWS.
    slots: [AtomicI64; WINDOWS],
    reserve: i64,
    deposit_amount: i64,
    pub(crate) withdraw_amount: i64,
}

impl Ledger {
    pub(crate) fn new(ttl: Duration, min_per_sec: u32, retry_ratio: f32) -> Self {
        let window_ns = u64::try_from(ttl.as_nanos() / WINDOWS as u128)
            .unwrap_or(u64::MAX)
            .max(1);
        let reserve = (f64::from(min_per_sec) * ttl.as_secs_f64() * RETRY_COST as f64) as i64;
        Ledger {
            start: Instant::now(),
            window_ns,
            generation: AtomicU64::new(0),
            writer: AtomicI64::new(0),
            slots: std::array::from_fn(|_| AtomicI64::new(0)),
            reserve,
            deposit_amount: (f64::from(retry_ratio) * RETRY_COST as f64).round() as i64,
            withdraw_amount: RETRY_COST,
        }
    }

    pub(crate) fn now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    pub(crate) fn deposit(&self, now_ns: u64) {
        self.expire(now_ns);
        self.writer.fetch_add(self.deposit_amount, Ordering::AcqRel);
    }

    pub(crate) fn withdraw(&self, now_ns: u64) -> bool {
        self.expire(now_ns);
        let mut current = self.writer.load(Ordering::Acquire);
        loop {
            let others = self.balance_without_writer();
            if current.saturating_add(others) < self.withdraw_amount {
                return false;
            }
            match self.writer.compare_exchange_weak(
                current,
                current - self.withdraw_amount,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                Err(seen) => current = seen,
            }
        }
    }

    /// What the budget holds now, in thousandths of a retry.
    pub(crate) fn balance(&self) -> i64 {
        self.writer
            .load(Ordering::Acquire)
            .saturating_add(self.balance_without_writer())
    }

    fn balance_without_writer(&self) -> i64 {
        self.slots
            .iter()
            .map(|slot| slot.load(Ordering::Acquire))
            .fold(self.reserve, i64::saturating_add)
    }

    /// Moves to the window `now_ns` falls in: the current window's net
    /// deposits are kept in its slot, and the slots of windows that are now
    /// `ttl` or more in the past are emptied. Only the thread that advances
    /// `generation` does this; the others go on at once.
    pub(crate) fn expire(&self, now_ns: u64) {
        let now = now_ns / self.window_ns;
        let last = self.generation.load(Ordering::Acquire);
        if now <= last
            || self
                .generation
                .compare_exchange(last, now, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
        {
            return;
        }
        let committed = self.writer.swap(0, Ordering::AcqRel);
        self.slots[(last % WINDOWS as u64) as usize].store(committed, Ordering::Release);
        // Windows last+1 ..= now are either empty or hold deposits from a
        // full `ttl` ago: clear them (at most every slot once).
        let stale = (now - last).min(WINDOWS as u64);
        for step in 0..stale {
            let window = now - step;
            self.slots[(window % WINDOWS as u64) as usize].store(0, Ordering::Release);
        }
    }
}

#[cfg(all(test, not(leash_loom)))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SEC: u64 = 1_000_000_000;

    fn ledger(min_per_sec: u32, ratio: f32) -> Ledger {
        Ledger::new(Duration::from_secs(10), min_per_sec, ratio)
    }

    #[test]
    fn the_reserve_pays_min_per_sec_over_ttl() {
        let l = ledger(10, 0.2);
        let paid = (0..200).filter(|_| l.withdraw(0)).count();
        assert_eq!(paid, 100);
    }

    #[test]
    fn first_attempts_pay_their_ratio() {
        let l = ledger(0, 0.2);
        for _ in 0..50 {
            l.deposit(0);
        }
        assert_eq!((0..50).filter(|_| l.withdraw(0)).count(), 10);
    }

    #[test]
    fn deposits_expire_after_ttl() {
        let l = ledger(0, 1.0);
        for _ in 0..5 {
            l.deposit(0);
        }
        assert_eq!(l.balance(), 5 * RETRY_COST);
        l.expire(9 * SEC);
        assert_eq!(l.balance(), 5 * RETRY_COST, "still within ttl");
        l.expire(10 * SEC);
        assert_eq!(l.balance(), 0, "a full ttl later");
    }

    #[test]
    fn a_zero_ratio_leaves_only_the_reserve() {
        let l = ledger(1, 0.0);
        for _ in 0..100 {
            l.deposit(0);
        }
        assert_eq!((0..100).filter(|_| l.withdraw(0)).count(), 10);
    }

    #[test]
    fn named_budgets_are_shared_and_configurable_once() {
        let a = RetryBudget::configure("budget-unit-configured", Duration::from_secs(2), 3, 0.5)
            .unwrap();
        assert!(std::ptr::eq(
            a,
            RetryBudget::named("budget-unit-configured")
        ));
        assert_eq!(
            RetryBudget::configure("budget-unit-configured", Duration::from_secs(2), 3, 0.5)
                .unwrap_err(),
            BudgetInUse("budget-unit-configured")
        );
        assert_eq!(a.available(), 6);
        let b = RetryBudget::named("budget-unit-default");
        assert_eq!(b.available(), 100);
    }

    #[test]
    fn out_of_range_numbers_are_clamped() {
        let b = RetryBudget::new(Duration::ZERO, 1, f32::NAN);
        assert_eq!(
            b.site.kind(),
            BudgetKind::SharedRetry {
                ttl: Duration::from_secs(1),
                min_per_sec: 1,
                retry_ratio: 0.0
            }
        );
    }

    #[derive(Debug, Clone)]
    enum Op {
        Deposit,
        Withdraw,
        Wait(u64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => Just(Op::Deposit),
            4 => Just(Op::Withdraw),
            1 => (0..3 * SEC).prop_map(Op::Wait),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Within one window, retries paid = floor((reserve + ratio × first
        /// attempts) / 1), whatever the order of the calls, as long as
        /// every retry comes after the deposits paying for it.
        #[test]
        fn paid_retries_match_the_arithmetic(
            min_per_sec in 0u32..5,
            ratio_pct in 0u32..150,
            deposits in 0usize..300,
            withdrawals in 0usize..300,
        ) {
            let ratio = ratio_pct as f32 / 100.0;
            let l = Ledger::new(Duration::from_secs(1), min_per_sec, ratio);
            for _ in 0..deposits {
                l.deposit(0);
            }
            let paid = (0..withdrawals).filter(|_| l.withdraw(0)).count() as i64;
            let funds = i64::from(min_per_sec) * RETRY_COST
                + deposits as i64 * (ratio * RETRY_COST as f32).round() as i64;
            prop_assert_eq!(paid, (funds / RETRY_COST).min(withdrawals as i64));
        }

        /// Over any sequence of calls and pauses the balance never exceeds
        /// the reserve plus the deposits of the last ttl, and retries paid
        /// never exceed the reserve once per 0.9 ttl (a withdrawal stays on
        /// the books at least that long) plus what first attempts paid in
        /// (a deposit counts in at most three such spans).
        #[test]
        fn paid_retries_stay_within_bounds(ops in proptest::collection::vec(op(), 0..200)) {
            let ttl = 10 * SEC;
            let l = ledger(2, 0.3);
            let mut now = 0;
            let mut deposits: Vec<u64> = Vec::new();
            let mut paid = 0i64;
            for op in ops {
                match op {
                    Op::Deposit => { l.deposit(now); deposits.push(now); }
                    Op::Withdraw => paid += i64::from(l.withdraw(now)),
                    Op::Wait(ns) => { now += ns; l.expire(now); }
                }
                let recent = deposits.iter().filter(|&&t| now - t < ttl + ttl / 10).count() as i64;
                prop_assert!(l.balance() <= l.reserve + recent * 300);
                let spans = (now / (ttl / 10 * 9)) as i64 + 1;
                prop_assert!(paid * RETRY_COST <= spans * l.reserve + 3 * deposits.len() as i64 * 300);
            }
        }
    }
}

#[cfg(all(test, leash_loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;

    /// Two threads racing for the last retry: exactly one gets it.
    #[test]
    fn the_last_retry_is_paid_once() {
        loom::model(|| {
            let l = Arc::new(Ledger::new(Duration::from_secs(1), 1, 0.0));
            let other = Arc::clone(&l);
            let thread = loom::thread::spawn(move || other.withdraw(0));
            let here = l.withdraw(0);
            let there = thread.join().unwrap();
            assert!(here ^ there, "here {here}, there {there}");
            assert_eq!(l.balance(), 0);
        });
    }

    /// A deposit racing a window change and a withdrawal is never lost
    /// into a negative balance, and no retry is paid twice.
    #[test]
    fn deposits_and_rotation_race_safely() {
        loom::model(|| {
            let l = Arc::new(Ledger::new(Duration::from_secs(1), 0, 1.0));
            let a = Arc::clone(&l);
            let b = Arc::clone(&l);
            let depositor = loom::thread::spawn(move || a.deposit(0));
            let rotator = loom::thread::spawn(move || b.expire(100_000_000));
            let paid = l.withdraw(0);
            depositor.join().unwrap();
            rotator.join().unwrap();
            let balance = l.balance();
            assert!(balance >= 0);
            assert_eq!(balance, if paid { 0 } else { 1000 });
        });
    }
}
