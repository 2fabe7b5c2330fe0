//! The words the lints look for, written once. The lints' declarations
//! ([`crate::Lint::triggers`]) build their prefilter rows from these lists, so
//! a lint and the prefilter that decides which files and bodies it sees name
//! the same vocabulary. Word syntax: see [`crate::prefilter::Triggers`].

use crate::prefilter::{Need, Triggers};

/// A failure signal (`Ok`/`Err` patterns, `is_ok()`/`is_err()`, `.ok()`, a
/// retryable HTTP status) or a retry library: every retry loop, recursive retry
/// and retry strategy contains one (with [`STATUS_OR_LIBRARY`]).
pub(crate) const RETRY: &[&str] = &["=Ok", "=Err", "=ok", "is_ok", "is_err"];

/// The rest of a failure signal: a retryable status, or a retry library.
pub(crate) const STATUS_OR_LIBRARY: &[&str] = &[
    "status",
    "429",
    "503",
    "too_many",
    "unavailable",
    "server_error",
    "retry",
    "retries",
    "backoff",
    "backon",
    "without_max_times",
    "no_budget",
    "tryhard",
];

/// Retry strategies whose delays may lack jitter, named without their crate.
pub(crate) const JITTER_STRATEGIES: &[&str] = &[
    "jitter",
    "randomization_factor",
    "exponential",
    "constant",
    "fibonacci",
    "fixed",
];

/// Words of the functions behind [`FactKind::DelayFn`](crate::FactKind) (a
/// helper whose body contains a delay), which retry lints follow across files:
/// the files defining such helpers must be analysed whenever a retry lint runs.
pub(crate) const DELAY_FACTS: &[&str] = &[
    "sleep",
    "delay",
    "timer",
    "park_timeout",
    "tick",
    "interval",
    "await",
    "backoff",
    "backon",
    "retry",
];

/// Words of the functions behind [`FactKind::SpawnWrapper`](crate::FactKind).
pub(crate) const SPAWN_FACTS: &[&str] = &["spawn"];

pub(crate) const FAN_OUT: &[&str] = &[
    "join_all",
    "unordered",
    "futuresordered",
    "concurrent",
    "buffer",
];

pub(crate) const CHANNEL: &[&str] = &["channel", "unbounded"];

pub(crate) const NETWORK: &[&str] = &[
    "reqwest",
    "client",
    "connect",
    "agent",
    "ureq",
    "hyper",
    "tcpstream",
];

/// A failure signal inside a loop: `Ok`/`Err` in a pattern (`Err(e) =>`,
/// `if let Ok(x) =`; `@` marks pattern position), `is_ok()`/`is_err()`, `.ok()`,
/// `matches!(.., Err(..))`; or [`STATUS_OR_LIBRARY`].
pub(crate) const SIGNAL: &[&str] = &["@Ok", "@Err", "=ok", "is_ok", "is_err", "=matches"];

/// A retry strategy or declared budget can retry without a loop in sight.
pub(crate) const LIBRARY: &[&str] = &[
    "retry",
    "retries",
    "backoff",
    "backon",
    "tryhard",
    "=again",
    "without_max_times",
    "no_budget",
];

/// The delays [`crate::retry_model`] recognises in a body (a delay helper's fact).
pub(crate) const DELAY: &[&str] = &["sleep", "delay", "park_timeout", "timer", "tick", "backoff"];

/// Crates and words whose imports can rename what the retry lints look for.
pub(crate) const RETRY_IMPORTS: &[&str] = &["retry", "backoff", "backon", "tryhard", "again"];

/// Retry loops (a failure signal inside a loop), recursive retries, library
/// strategies, and delay helpers; and the file's own functions these call
/// (the retry model follows delays, bounds, random inputs, compare-exchange
/// wrappers and state changes into them).
pub(crate) const RETRY_NEEDS: &[Need] = &[
    Need::LoopWith(SIGNAL),
    Need::LoopWith(STATUS_OR_LIBRARY),
    Need::SelfCallWith(SIGNAL),
    Need::SelfCallWith(STATUS_OR_LIBRARY),
    Need::Any(LIBRARY),
    Need::Any(DELAY),
    Need::LocalCallees,
];

/// What a retry lint needs: a failure signal, a status or a retry library in
/// the file (or a delay helper it follows), and in a body [`RETRY_NEEDS`].
pub(crate) const RETRY_TRIGGERS: Triggers = Triggers {
    file: &[RETRY, STATUS_OR_LIBRARY, DELAY_FACTS],
    body: &[RETRY_NEEDS],
    imports: RETRY_IMPORTS,
};

/// Crates whose paths the lints match (`tokio::spawn`, `reqwest::Client`),
/// and that other crates re-export for their users.
pub(crate) const LIBRARY_CRATES: &[&str] = &[
    "tokio",
    "async_std",
    "smol",
    "futures",
    "futures_util",
    "reqwest",
    "hyper",
    "hyper_util",
    "ureq",
    "crossbeam_channel",
    "flume",
    "async_channel",
    "kanal",
    "backoff",
    "backon",
    "tokio_retry",
    "tokio_retry2",
    "futures_channel",
    "tryhard",
];
