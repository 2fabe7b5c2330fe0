//! What every lint sees for one file.

use crate::finding::Fact;
use crate::imports::Imports;

/// The workspace budget policy (`[policy]` in `leash.toml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub max_retry_attempts: u64,
    pub max_concurrency: Option<u64>,
    pub max_switches: u64,
    pub max_amplification: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_retry_attempts: 10,
            max_concurrency: None,
            max_switches: 10,
            max_amplification: 10,
        }
    }
}

/// One parsed file and what is known about it.
pub struct FileContext<'a> {
    /// The path as the user will see it.
    pub path: &'a str,
    pub source: &'a str,
    pub file: &'a syn::File,
    pub imports: Imports,
    pub policy: &'a Policy,
}

impl<'a> FileContext<'a> {
    pub fn new(path: &'a str, source: &'a str, file: &'a syn::File, policy: &'a Policy) -> Self {
        FileContext {
            path,
            source,
            file,
            imports: Imports::collect(file),
            policy,
        }
    }
}

/// Where lints put their results.
#[derive(Debug, Default)]
pub struct Sink {
    pub findings: Vec<crate::Finding>,
    pub facts: Vec<Fact>,
    /// Function summaries for the cross-file call graph.
    pub summaries: Vec<crate::callgraph::FnSummary>,
    /// Budget decisions, when an inventory was asked for (`leash budgets`).
    pub budgets: Vec<crate::inventory::BudgetEntry>,
}

impl Sink {
    pub fn report(&mut self, finding: crate::Finding) {
        self.findings.push(finding);
    }
}
