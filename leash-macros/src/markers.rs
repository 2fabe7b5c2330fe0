//! `#[fallback]` and `#[allow]`: validated declarations, items unchanged.

use proc_macro2::{Span, TokenStream};
use syn::{Error, Result};

use crate::args::{self, Arg, Seen};

/// Lint names known to the analyser, `all`, then group names (kept equal to
/// the analyser's by `tests/ui.rs::macro_crate_knows_every_lint_name`).
const LINTS: &[&str] = &[
    "unbounded_retry",
    "retry_without_backoff",
    "retry_without_jitter",
    "retry_amplification",
    "unbounded_spawn",
    "unbounded_fan_out",
    "unbounded_channel",
    "silent_fallback",
    "uncontrolled_switching",
    "missing_timeout",
    "budget_exceeds_policy",
    "missing_reason",
    "unknown_lint",
    "unused_allow",
    "parse_error",
    "all",
    "retry",
    "concurrency",
    "fallback",
    "switching",
    "timeout",
    "budget",
    "input",
];

fn check_item(item: &TokenStream, attr: &str) -> Result<()> {
    if item.is_empty() {
        return Err(Error::new(
            Span::call_site(),
            format!("`#[leash::{attr}]` must be placed on an item"),
        ));
    }
    Ok(())
}

pub fn fallback(attr: TokenStream, item: TokenStream) -> Result<TokenStream> {
    check_item(&item, "fallback")?;
    let mut reason = None;
    let mut seen = Seen::default();
    for arg in args::parse(attr)? {
        seen.check(arg.name())?;
        let (name, value) = args::value(arg)?;
        if name != "reason" {
            return Err(args::unknown(&name, "fallback", "reason"));
        }
        reason = Some(args::reason(&name, &value)?);
    }
    if reason.is_none() {
        return Err(args::missing(
            Span::call_site(),
            "fallback",
            "`reason = \"..\"`",
        ));
    }
    Ok(item)
}

pub fn allow(attr: TokenStream, item: TokenStream) -> Result<TokenStream> {
    check_item(&item, "allow")?;
    let mut reason = None;
    let mut lints = 0;
    let mut seen = Seen::default();
    for arg in args::parse(attr)? {
        seen.check(arg.name())?;
        match arg {
            Arg::Flag(lint) => {
                let name = lint.to_string();
                if !LINTS.contains(&name.as_str()) {
                    let mut message = format!("unknown leash lint `{name}`");
                    if let Some(close) = closest(&name) {
                        message.push_str(&format!("; did you mean `{close}`?"));
                    }
                    return Err(Error::new(lint.span(), message));
                }
                lints += 1;
            }
            Arg::Value(name, value) if name == "reason" => {
                reason = Some(args::reason(&name, &value)?)
            }
            Arg::Value(name, _) => {
                return Err(Error::new(
                    name.span(),
                    format!("unexpected `{name} = ..`: list lint names, then `reason = \"..\"`"),
                ))
            }
        }
    }
    if lints == 0 {
        return Err(args::missing(
            Span::call_site(),
            "allow",
            "at least one lint name",
        ));
    }
    if reason.is_none() {
        return Err(args::missing(
            Span::call_site(),
            "allow",
            "`reason = \"..\"`",
        ));
    }
    Ok(item)
}

/// The known lint name nearest to `name`, if it is close enough.
fn closest(name: &str) -> Option<&'static str> {
    LINTS
        .iter()
        .map(|lint| (distance(name, lint), *lint))
        .filter(|(d, lint)| *d <= lint.len().max(name.len()) / 3)
        .min()
        .map(|(_, lint)| lint)
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(closest("unbounded_retries"), Some("unbounded_retry"));
        assert_eq!(closest("missing_timeot"), Some("missing_timeout"));
        assert_eq!(closest("frobnicate"), None);
    }
}
