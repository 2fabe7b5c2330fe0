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
    /// The shared retry budgets the policy defines (`[budgets.NAME]`), when
    /// it defines any: then every budget name the code uses must be one.
    pub retry_budgets: Option<std::collections::BTreeSet<String>>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_retry_attempts: 10,
            max_concurrency: None,
            max_switches: 10,
            max_amplification: 10,
            retry_budgets: None,
        }
    }
}

/// One parsed file and what is known about it.
pub struct FileContext<'a> {
    /// The path as the user will see it.
    pub path: &'a str,
    pub source: &'a str,
    pub file: &'a syn::File,
    pub imports: &'a Imports,
    pub policy: &'a Policy,
    /// What lints compute from this file (as they see it) and share.
    pub memo: &'a Memo,
}

/// Results several lints need from the same file, computed by the first to
/// ask. One per file and view (see [`crate::views`]): a lint that sees other
/// bodies gets its own.
#[derive(Default)]
pub struct Memo {
    pub(crate) retry_loops: std::cell::OnceCell<std::rc::Rc<Vec<crate::retry_model::RetryLoop>>>,
    pub(crate) delay_fns: std::cell::OnceCell<std::rc::Rc<Vec<String>>>,
    pub(crate) strategies:
        std::cell::OnceCell<std::rc::Rc<Vec<crate::retry_model::library::Strategy>>>,
}

impl<'a> FileContext<'a> {
    /// `imports` as [`Imports::collect`] gives them for `file`; `memo` fresh
    /// for this file (and view).
    pub fn new(
        path: &'a str,
        source: &'a str,
        file: &'a syn::File,
        imports: &'a Imports,
        policy: &'a Policy,
        memo: &'a Memo,
    ) -> Self {
        FileContext {
            path,
            source,
            file,
            imports,
            policy,
            memo,
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
