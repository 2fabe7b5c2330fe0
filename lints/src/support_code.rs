//! Code where a matching construct does not show a risk at scale, so its
//! findings are `low` (contract v2.0: where a lint cannot decide, `low`):
//!
//! - test support that is compiled outside `cfg(test)`: a module whose path
//!   names it (`src/test.rs`, `src/test_util/..`, `src/testing.rs`,
//!   `src/mock.rs`), a harness that talks to servers it started itself;
//! - a join combinator built by a trait the caller drives (`FromIterator`,
//!   `Extend`): `impl FromIterator<F> for JoinAll<F>` joins the futures its
//!   caller collects, so no per-element operation is visible (contract
//!   v2.0: a `high` fan-out needs one). Spawns there stay as they are: the
//!   caller's iterator is a trip count the source does not bound.

use crate::{Confidence, Finding, Span};
use syn::spanned::Spanned;

/// The groups whose findings are about the code's behaviour at run time (not
/// about budgets, suppressions or parsing).
const BEHAVIOUR_GROUPS: &[&str] = &["retry", "concurrency", "fallback", "switching", "timeout"];

/// The lints that need a visible per-element operation to be `high`.
const PER_ELEMENT_LINTS: &[&str] = &["unbounded_fan_out"];

/// Traits whose implementation turns a caller's iterator into a collection.
const COLLECTING_TRAITS: &[&str] = &[
    "FromIterator",
    "Extend",
    "FromParallelIterator",
    "ParallelExtend",
];

/// Lower to `low` the findings that fall in support code.
pub fn demote(path: &str, file: &syn::File, findings: &mut [Finding]) {
    let support = is_test_support_path(path);
    let mut collecting: Option<Vec<Span>> = None;
    for f in findings.iter_mut() {
        let behaviour = crate::rules::ALL
            .iter()
            .any(|l| l.name == f.lint && BEHAVIOUR_GROUPS.contains(&l.group));
        if !behaviour {
            continue;
        }
        if support {
            f.confidence = Confidence::Low;
            continue;
        }
        if PER_ELEMENT_LINTS.contains(&f.lint) {
            let spans = collecting.get_or_insert_with(|| collecting_impls(file));
            if spans.iter().any(|s| contains(s, &f.span)) {
                f.confidence = Confidence::Low;
            }
        }
    }
}

/// Does the path name a test-support module? Only the part below the last
/// `src` directory is read (a crate named `test-utils` is not test support
/// by its name alone); a path with no `src` is judged by its file name.
pub fn is_test_support_path(path: &str) -> bool {
    let parts: Vec<&str> = path.split(['/', '\\']).collect();
    let below_src = match parts.iter().rposition(|p| *p == "src") {
        Some(i) => &parts[i + 1..],
        None => &parts[parts.len().saturating_sub(1)..],
    };
    below_src.iter().any(|part| {
        let stem = part.strip_suffix(".rs").unwrap_or(part);
        is_test_support_name(stem)
    })
}

fn is_test_support_name(name: &str) -> bool {
    matches!(
        name,
        "test"
            | "tests"
            | "testing"
            | "testutil"
            | "testutils"
            | "test_util"
            | "test_utils"
            | "test_helpers"
            | "test_support"
            | "mock"
            | "mocks"
    ) || name.starts_with("test_")
        || name.starts_with("mock_")
}

/// The spans of `impl FromIterator<..> for ..` and `impl Extend<..> for ..`
/// items, at any depth of modules.
fn collecting_impls(file: &syn::File) -> Vec<Span> {
    let mut out = Vec::new();
    collect_in(&file.items, &mut out);
    out
}

fn collect_in(items: &[syn::Item], out: &mut Vec<Span>) {
    for item in items {
        match item {
            syn::Item::Impl(i) => {
                let collecting = i.trait_.as_ref().is_some_and(|(path, _)| {
                    path.segments
                        .last()
                        .is_some_and(|s| COLLECTING_TRAITS.iter().any(|t| s.ident == t))
                });
                if collecting {
                    out.push(Span::from(i.span()));
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    collect_in(items, out);
                }
            }
            _ => {}
        }
    }
}

fn contains(outer: &Span, inner: &Span) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_support_paths() {
        assert!(is_test_support_path("warp/src/test.rs"));
        assert!(is_test_support_path("aws/src/test_util/wire/connection.rs"));
        assert!(is_test_support_path("actix-server/src/test_server.rs"));
        assert!(is_test_support_path("src/mock.rs"));
        assert!(!is_test_support_path("test-utils/src/lib.rs"));
        assert!(!is_test_support_path("src/client/attestation.rs"));
        assert!(!is_test_support_path("src/latest.rs"));
        assert!(!is_test_support_path("lib.rs"));
    }

    fn finding(lint: &'static str, line: usize) -> Finding {
        Finding::new(lint, Span::from([line, 5, line, 10]), "spawn")
    }

    #[test]
    fn join_combinators_collected_from_an_iterator_are_low() {
        let src = "impl<F> FromIterator<F> for All<F> {\n    fn from_iter<I>(iter: I) -> Self {\n        let s = Set::new();\n        All(join_all(iter.into_iter().map(|f| s.spawn(f))))\n    }\n}\nasync fn fetch(ids: Vec<u64>) {\n    join_all(ids.iter().map(get)).await;\n}\n";
        let file = syn::parse_file(src).unwrap();
        let mut findings = vec![
            finding("unbounded_fan_out", 4),
            finding("unbounded_spawn", 4),
            finding("unbounded_fan_out", 8),
        ];
        demote("src/all.rs", &file, &mut findings);
        let tiers: Vec<Confidence> = findings.iter().map(|f| f.confidence).collect();
        assert_eq!(tiers, [Confidence::Low, Confidence::High, Confidence::High]);
    }

    #[test]
    fn support_paths_lower_behaviour_lints_only() {
        let file = syn::parse_file("fn f() {}").unwrap();
        let mut findings = vec![
            finding("unbounded_spawn", 1),
            Finding::new("missing_reason", Span::from([1, 1, 1, 2]), "no reason"),
        ];
        demote("crate/src/test_util/server.rs", &file, &mut findings);
        assert_eq!(findings[0].confidence, Confidence::Low);
        assert_eq!(findings[1].confidence, Confidence::High);
    }
}
