//! The lint catalogue: one file per lint, registered here once.
//!
//! Adding a lint: a new file whose `LINT` declares its name, group, level,
//! documentation, check, and what the engine needs to know (the words it
//! needs in a file and a body, built from [`crate::vocab`]; the models it
//! shares; what the cross-file phase re-runs it for; its inventory row), then
//! its `mod` line and its entry in [`ALL`] below. The prefilters, the body
//! views, the driver's second pass and `leash budgets` read those fields.
//! The `leash-macros` crate keeps its own list of names, checked equal to
//! this one by a test (`macro_crate_knows_every_lint_name`).

use crate::Lint;

pub mod budget_exceeds_policy;
pub mod meta;
pub mod missing_timeout;
pub mod retry_amplification;
pub mod retry_without_backoff;
pub mod retry_without_jitter;
pub mod silent_fallback;
pub mod unbounded_channel;
pub mod unbounded_fan_out;
pub mod unbounded_retry;
pub mod unbounded_spawn;
pub mod uncontrolled_switching;

/// Every lint, in catalogue order (groups as in the spec).
pub static ALL: &[&Lint] = &[
    &unbounded_retry::LINT,
    &retry_without_backoff::LINT,
    &retry_without_jitter::LINT,
    &retry_amplification::LINT,
    &unbounded_spawn::LINT,
    &unbounded_fan_out::LINT,
    &unbounded_channel::LINT,
    &silent_fallback::LINT,
    &uncontrolled_switching::LINT,
    &missing_timeout::LINT,
    &budget_exceeds_policy::LINT,
    &meta::MISSING_REASON,
    &meta::UNKNOWN_LINT,
    &meta::PARSE_ERROR,
    &meta::UNUSED_ALLOW,
];

/// Runs one lint's `check` on `src` alone (for its unit tests): the sink
/// holds its findings and summaries.
#[cfg(test)]
pub(crate) fn run_check(
    src: &str,
    check: fn(&crate::FileContext, &mut crate::Sink),
) -> crate::Sink {
    let file: syn::File = syn::parse_str(src).expect("parses");
    let imports = crate::imports::Imports::collect(&file);
    let policy = crate::context::Policy::default();
    let memo = crate::context::Memo::default();
    let cx = crate::FileContext::new("t.rs", src, &file, &imports, &policy, &memo);
    let mut sink = crate::Sink::default();
    check(&cx, &mut sink);
    sink
}

/// The line and confidence of each finding of one lint's `check` on `src`.
#[cfg(test)]
pub(crate) fn finding_lines(
    src: &str,
    check: fn(&crate::FileContext, &mut crate::Sink),
) -> Vec<(usize, crate::finding::Confidence)> {
    run_check(src, check)
        .findings
        .iter()
        .map(|f| (f.span.start.line, f.confidence))
        .collect()
}
