//! Switching budgets: how many times one job may move to another target.

use std::future::Future;
use std::panic::Location;
use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::decision;
use crate::registry::{inline_site, BudgetKind, BudgetSite};
use crate::retry::{backoff_delay, DefaultSleep, Jitter, Sleeper};

/// A switching budget per job: try the targets in order, moving to the
/// next one when a call fails, at most `max_switches` times, so at most
/// `max_switches + 1` calls per job. With fewer targets than switches it
/// wraps around to the first again; each new round can wait a backoff.
///
/// ```
/// use leash::{Failover, FailoverError};
///
/// let replicas = ["db-1", "db-2", "db-3"];
/// let mut called = Vec::new();
/// let result = Failover::new(2).run(&replicas, |host| {
///     called.push(*host);
///     if *host == "db-3" { Ok(42) } else { Err("unreachable") }
/// });
/// assert_eq!(result, Ok(42));
/// assert_eq!(called, ["db-1", "db-2", "db-3"]);
///
/// let failed: Result<(), _> = Failover::new(3).run(&replicas[..2], |_| Err("down"));
/// assert_eq!(failed, Err(FailoverError::Exhausted { last: "down", tried: vec![0, 1, 0, 1] }));
/// ```
///
/// Reported by [`crate::budgets`] once per call site of `new` and value of
/// `max_switches`: calls made, switches, jobs that used every switch.
#[derive(Clone, Debug)]
pub struct Failover<S = DefaultSleep> {
    max_switches: u32,
    backoff: Option<(Duration, Duration)>,
    jitter: Jitter,
    sleep: S,
    location: &'static Location<'static>,
}

/// Why a [`Failover`] job failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FailoverError<E> {
    /// There was no target to try.
    NoTargets,
    /// Every call allowed failed.
    Exhausted {
        /// The error of the last call.
        last: E,
        /// The targets called, as indices into the slice, in order (a
        /// target appears again when the switches wrapped around).
        tried: Vec<usize>,
    },
}

impl<E: std::fmt::Display> std::fmt::Display for FailoverError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FailoverError::NoTargets => write!(f, "no target to call"),
            FailoverError::Exhausted { last, tried } => write!(
                f,
                "every target failed ({} calls, targets {tried:?}); last error: {last}",
                tried.len()
            ),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for FailoverError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FailoverError::NoTargets => None,
            FailoverError::Exhausted { last, .. } => Some(last),
        }
    }
}

impl Failover {
    /// A budget of at most `max_switches` switches per job.
    #[track_caller]
    pub fn new(max_switches: u32) -> Self {
        Failover {
            max_switches,
            backoff: None,
            jitter: Jitter::Full,
            sleep: DefaultSleep,
            location: Location::caller(),
        }
    }
}

/// Where one job stands: the calls made so far, with their counters.
struct Job {
    site: &'static BudgetSite,
    targets: usize,
    calls: u32,
    tried: Vec<usize>,
}

impl Job {
    fn start(site: &'static BudgetSite, targets: usize) -> Self {
        site.register();
        Job {
            site,
            targets,
            calls: 0,
            tried: Vec::new(),
        }
    }

    /// The target of the next call, counted.
    fn call(&mut self) -> usize {
        let target = self.calls as usize % self.targets;
        self.calls += 1;
        self.tried.push(target);
        self.site.attempts.fetch_add(1, Ordering::Relaxed);
        target
    }

    /// Counts a switch to the next target; the delay to wait first when it
    /// starts a new round.
    fn switch<S>(&mut self, policy: &Failover<S>) -> Option<Duration> {
        let from = (self.calls as usize - 1) % self.targets;
        let to = self.calls as usize % self.targets;
        self.site.switches.fetch_add(1, Ordering::Relaxed);
        decision::switched(self.site, self.calls, from, to);
        let (min, max) = policy.backoff.filter(|_| to == 0)?;
        let round = u32::try_from(self.calls as usize / self.targets).unwrap_or(u32::MAX);
        Some(backoff_delay(min, max, policy.jitter, round))
    }

    fn exhausted<E>(self, last: E) -> FailoverError<E> {
        self.site.exhausted.fetch_add(1, Ordering::Relaxed);
        decision::switching_exhausted(self.site, self.calls);
        FailoverError::Exhausted {
            last,
            tried: self.tried,
        }
    }
}

impl<S> Failover<S> {
    /// Waits between rounds (before going back to the first target):
    /// exponential from `min`, at most `max`, jittered as set by
    /// [`Failover::jitter`] (full by default).
    ///
    /// # Panics
    /// If `min > max`.
    pub fn backoff(mut self, min: Duration, max: Duration) -> Self {
        assert!(
            min <= max,
            "leash::Failover: backoff lower bound exceeds upper bound"
        );
        self.backoff = Some((min, max));
        self
    }

    /// How the delays between rounds are randomised.
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// The async sleep used between rounds by [`Failover::run_async`].
    pub fn sleep_with<S2>(self, sleep: S2) -> Failover<S2> {
        Failover {
            max_switches: self.max_switches,
            backoff: self.backoff,
            jitter: self.jitter,
            sleep,
            location: self.location,
        }
    }

    /// The declared number of switches per job.
    pub fn max_switches(&self) -> u32 {
        self.max_switches
    }

    fn start(&self, targets: usize) -> Job {
        let site = inline_site(
            self.location,
            BudgetKind::Switching {
                max_switches: self.max_switches,
            },
        );
        Job::start(site, targets)
    }

    /// Calls `op` on the targets in turn until one succeeds or the switches
    /// are used up. Sleeps with `std::thread::sleep` between rounds.
    pub fn run<T, R, E>(
        &self,
        targets: &[T],
        mut op: impl FnMut(&T) -> Result<R, E>,
    ) -> Result<R, FailoverError<E>> {
        if targets.is_empty() {
            return Err(FailoverError::NoTargets);
        }
        let mut job = self.start(targets.len());
        let mut error = match op(&targets[job.call()]) {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        for _ in 0..self.max_switches {
            if let Some(delay) = job.switch(self) {
                std::thread::sleep(delay);
            }
            error = match op(&targets[job.call()]) {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
        }
        Err(job.exhausted(error))
    }

    /// Like [`Failover::run`] for async calls; waits between rounds with
    /// the configured sleep.
    pub async fn run_async<T, R, E, F, Fut>(
        &self,
        targets: &[T],
        mut op: F,
    ) -> Result<R, FailoverError<E>>
    where
        F: FnMut(&T) -> Fut,
        Fut: Future<Output = Result<R, E>>,
        S: Sleeper,
    {
        if targets.is_empty() {
            return Err(FailoverError::NoTargets);
        }
        let mut job = self.start(targets.len());
        let mut error = match op(&targets[job.call()]).await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        for _ in 0..self.max_switches {
            if let Some(delay) = job.switch(self) {
                self.sleep.sleep(delay).await;
            }
            error = match op(&targets[job.call()]).await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
        }
        Err(job.exhausted(error))
    }
}
