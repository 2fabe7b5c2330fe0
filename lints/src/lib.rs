//! leash-lints: the analysis behind `leash`. Source text in, findings out; no I/O.
//!
//! Each lint lives in its own file under `rules/` with its documentation, and is
//! registered once in [`rules::ALL`]. Lints share the semantic helpers in this
//! crate: import resolution ([`imports`]), syntax helpers ([`syntax`]), the
//! test-code skip ([`test_code`]), and suppressions ([`suppress`]).

pub mod amplification;
pub mod analysis;
pub mod body_filter;
pub mod callgraph;
pub mod context;
pub mod effect_model;
pub mod expand;
pub mod finding;
pub mod imports;
pub mod inventory;
pub mod nesting;
pub mod origin_model;
pub mod prefilter;
pub mod recover;
pub mod retry_model;
pub mod retry_sites;
pub mod rules;
pub mod sender_model;
pub mod spawn_model;
pub mod support_code;
pub mod suppress;
pub mod syntax;
pub mod test_code;
pub mod views;
pub mod vocab;

pub use analysis::{analyze_source, AnalysisOptions, FileAnalysis, Problem};
pub use context::{FileContext, Policy, Sink};
pub use finding::{
    Applicability, Confidence, Edit, Fact, FactKind, Finding, Label, Pos, Span, Suggestion,
};
pub use prefilter::Prefilter;

/// How loudly a lint speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Allow,
    Warn,
    Deny,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "allow" => Some(Level::Allow),
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            _ => None,
        }
    }
}

/// A lint: its identity, its documentation, its check, and what the engine
/// must know about it (the words it needs, the models it shares, what the
/// cross-file phase re-runs it for, how the inventory lists its findings).
/// Everything the engine keeps per lint is derived from these declarations.
pub struct Lint {
    pub name: &'static str,
    pub group: &'static str,
    pub default_level: Level,
    /// One line, for `leash rules`.
    pub summary: &'static str,
    /// Markdown: what it does, why it is bad, an example, how to fix it.
    pub docs: &'static str,
    /// Runs over one file. `None` for diagnostics the driver itself produces.
    pub check: Option<fn(&FileContext, &mut Sink)>,
    /// The words without which it cannot report in a file or a body (see
    /// [`prefilter`] and [`body_filter`]). `None`: it never makes a file
    /// worth parsing on its own (`parse_error`).
    pub triggers: Option<prefilter::Triggers>,
    /// The per-file models it shares with other lints.
    pub models: &'static [Model],
    /// What the cross-file phase re-runs it for.
    pub phase_two: Option<PhaseTwo>,
    /// How the budget inventory lists what it reports.
    pub budget: Option<Budget>,
}

/// A model several lints read, computed once per file: the lints sharing
/// one must see the same function bodies (see [`views`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// The file's retry loops and strategies ([`retry_model::retry_loops`]).
    RetryLoops,
    /// The effects of calls, and the types behind fields ([`effect_model`]).
    Effects,
}

/// What the driver's cross-file phase re-runs a lint for, over more kept
/// bodies than the first pass kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhaseTwo {
    /// A spawn wrapper defined in another file, called per item.
    SpawnWrappers,
    /// The call-graph summaries of functions on the way to a retry site.
    CallSummaries,
}

/// The row of the budget inventory an unbounded finding makes: the kind of
/// decision and its bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub kind: &'static str,
    pub bound: &'static str,
}

impl Lint {
    /// Does it read the file's retry loops, or does the cross-file phase
    /// re-run it? Then it sees every body kept for any lint (see
    /// [`body_filter::BodyFilter::lint_mask`]).
    pub fn sees_every_kept_body(&self) -> bool {
        self.models.contains(&Model::RetryLoops) || self.phase_two.is_some()
    }
}

/// The lints that share `model`.
pub fn lints_sharing(model: Model) -> impl Iterator<Item = &'static Lint> {
    rules::ALL
        .iter()
        .copied()
        .filter(move |l| l.models.contains(&model))
}

/// Is a lint the cross-file phase re-runs for `phase` enabled?
pub fn phase_two_enabled(phase: PhaseTwo, enabled: &dyn Fn(&str) -> bool) -> bool {
    rules::ALL
        .iter()
        .any(|l| l.phase_two == Some(phase) && enabled(l.name))
}

impl std::fmt::Debug for Lint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Looks a lint up by name.
pub fn lint_by_name(name: &str) -> Option<&'static Lint> {
    rules::ALL.iter().copied().find(|l| l.name == name)
}

/// The lint, group or `all` a misspelt `name` most likely meant, for a "did
/// you mean" hint: the nearest by edit distance, if within a third of its length.
pub fn similar_lint_name(name: &str) -> Option<&'static str> {
    let known = rules::ALL
        .iter()
        .map(|l| l.name)
        .chain(groups())
        .chain(["all"]);
    known
        .map(|k| (edit_distance(name, k), k))
        .filter(|&(d, k)| d > 0 && d <= k.chars().count().max(name.chars().count()) / 3)
        .min()
        .map(|(_, k)| k)
}

/// Levenshtein distance in characters (a dozen short names: no crate needed).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(above + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The lint groups, in catalogue order.
pub fn groups() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for l in rules::ALL {
        if !out.contains(&l.group) {
            out.push(l.group);
        }
    }
    out
}

#[cfg(test)]
mod similar_name_tests {
    use super::similar_lint_name;

    #[test]
    fn nearest_known_name_within_a_third_of_its_length() {
        assert_eq!(
            similar_lint_name("unbounded_chanel"),
            Some("unbounded_channel")
        );
        assert_eq!(
            similar_lint_name("unbounded-spawn"),
            Some("unbounded_spawn")
        );
        assert_eq!(similar_lint_name("timeouts"), Some("timeout"));
        assert_eq!(similar_lint_name("al"), Some("all"));
        // A known name is not misspelt; a far one has no suggestion.
        assert_eq!(similar_lint_name("silent_fallback"), None);
        assert_eq!(similar_lint_name("warnings"), None);
        assert_eq!(similar_lint_name("fast_path"), None);
    }
}
