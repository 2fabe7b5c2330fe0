//! Per-file summaries of functions, their calls and their retry sites, joined
//! across the workspace by the driver to find retries that reach other retries
//! (see [`crate::amplification`]).

use crate::finding::Span;

/// A call made by a function: `foo()`, `Type::foo()`, `x.foo()`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CallRef {
    pub name: String,
    /// `Type` in `Type::foo()` (`Self` already replaced by the impl type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<String>,
    pub is_method: bool,
    pub span: Span,
}

/// A place that retries: a retry loop, a library strategy call, or a function
/// declared with `#[leash::retry]`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RetrySite {
    pub span: Span,
    /// The whole site (a loop from its keyword to its closing brace).
    pub extent: Span,
    /// The attempt bound, when it is a number leash can read.
    pub attempts: Option<u64>,
    /// Whether anything bounds the attempts (a number, a deadline, a policy).
    #[serde(default)]
    pub bounded: bool,
    /// What retries: "retry loop", "retry strategy", "`#[leash::retry]`".
    pub kind: String,
    /// The shared retry budget paying for the retries
    /// (`#[leash::retry(budget = "name")]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<String>,
    /// Calls made by the retried operation (calls inside spawned tasks excluded).
    pub calls: Vec<CallRef>,
}

/// One function or method of a file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FnSummary {
    pub name: String,
    /// The `impl` type of a method or associated function.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impl_type: Option<String>,
    pub span: Span,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calls: Vec<CallRef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retry_sites: Vec<RetrySite>,
}

impl FnSummary {
    /// `Type::name` or `name`.
    pub fn qualified(&self) -> String {
        match &self.impl_type {
            Some(t) => format!("{t}::{}", self.name),
            None => self.name.clone(),
        }
    }
}
