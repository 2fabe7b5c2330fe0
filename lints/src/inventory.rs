//! The budget inventory behind `leash budgets`: every place the code decides how
//! many times to retry, how much to run at once, how far to queue, how often to
//! switch, or what to do when an operation fails — declared or inferred.

use crate::syntax::{attr_arg, call_path, int_literal, leash_attr, method_chain, str_literal};
use crate::{FileContext, Span};
use syn::spanned::Spanned;
use syn::visit::Visit;

/// One budget decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetEntry {
    /// retry, concurrency, queue, switching, fallback
    pub kind: &'static str,
    pub span: Span,
    /// The number, when there is one.
    pub bound: Option<u64>,
    /// Declared with a leash attribute (enforced at run time).
    pub declared: bool,
    /// What it is, in a few words.
    pub what: String,
}

/// Declarations and readable bounds in one file. Unbounded decisions come from
/// the lints' findings and are added by the driver.
pub fn collect(cx: &FileContext) -> Vec<BudgetEntry> {
    let mut v = V {
        cx,
        out: Vec::new(),
    };
    v.visit_file(cx.file);
    v.out
}

struct V<'a> {
    cx: &'a FileContext<'a>,
    out: Vec<BudgetEntry>,
}

/// A budget built with the `leash` crate's types rather than its attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeashCall {
    /// `leash::Failover::new(max_switches)`
    Failover,
    /// `leash::Concurrency::per_key(max)`
    ConcurrencyPerKey,
    /// `leash::Concurrency::new(max)`
    Concurrency,
    /// `leash::fall_back(reason, value)`
    FallBack,
    /// `leash::RetryBudget::named(name)` or `::configure(name, ..)`
    RetryBudget,
}

/// Which `leash` budget constructor `call` is, if any (paths resolved through
/// the file's imports: `Failover::new` after `use leash::Failover`).
pub fn leash_call(cx: &FileContext, call: &syn::ExprCall) -> Option<LeashCall> {
    let segments: Vec<String> = call_path(call)?
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    let mut candidates = cx.imports.resolve_segments(&segments);
    // A type brought in by a glob (`use leash::prelude::*`): resolve its name
    // alone, then add the rest (`Failover` + `::new`).
    if let [first, rest @ ..] = segments.as_slice() {
        if !rest.is_empty() {
            for head in cx.imports.resolve_segments(std::slice::from_ref(first)) {
                candidates.push(format!("{head}::{}", rest.join("::")));
            }
        }
    }
    candidates.iter().find_map(|full| {
        let item = full.strip_prefix("leash::")?;
        match item.strip_prefix("prelude::").unwrap_or(item) {
            "Failover::new" => Some(LeashCall::Failover),
            "Concurrency::per_key" => Some(LeashCall::ConcurrencyPerKey),
            "Concurrency::new" => Some(LeashCall::Concurrency),
            "fall_back" => Some(LeashCall::FallBack),
            "RetryBudget::named" | "RetryBudget::configure" => Some(LeashCall::RetryBudget),
            _ => None,
        }
    })
}

impl V<'_> {
    fn attrs(&mut self, attrs: &[syn::Attribute], name: &syn::Ident) {
        if let Some(a) = leash_attr(attrs, "retry") {
            let what = match attr_arg(a, "budget").as_ref().and_then(str_literal) {
                Some(budget) => {
                    format!("`{name}` retries (declared, paid from retry budget `{budget}`)")
                }
                None => format!("`{name}` retries (declared)"),
            };
            self.out.push(BudgetEntry {
                kind: "retry",
                span: Span::from(a.span()),
                bound: attr_arg(a, "attempts").as_ref().and_then(int_literal),
                declared: true,
                what,
            });
        }
        if let Some(a) = leash_attr(attrs, "concurrency") {
            let what = match attr_arg(a, "per") {
                Some(syn::Expr::Path(p)) if p.path.get_ident().is_some() => format!(
                    "`{name}` runs at most this many at once per `{}` (declared)",
                    p.path.segments[0].ident
                ),
                _ => format!("`{name}` runs at most this many at once (declared)"),
            };
            self.out.push(BudgetEntry {
                kind: "concurrency",
                span: Span::from(a.span()),
                bound: attr_arg(a, "max").as_ref().and_then(int_literal),
                declared: true,
                what,
            });
        }
        if let Some(a) = leash_attr(attrs, "fallback") {
            let reason = match attr_arg(a, "reason") {
                Some(syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                })) => s.value(),
                _ => String::new(),
            };
            self.out.push(BudgetEntry {
                kind: "fallback",
                span: Span::from(a.span()),
                bound: None,
                declared: true,
                what: format!("`{name}` falls back on failure (declared: {reason})"),
            });
        }
    }
}

impl<'ast> Visit<'ast> for V<'_> {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.attrs(&f.attrs, &f.sig.ident);
        syn::visit::visit_item_fn(self, f);
    }
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.attrs(&f.attrs, &f.sig.ident);
        syn::visit::visit_impl_item_fn(self, f);
    }
    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        // Shared retry budgets are listed where retries name them.
        if let Some(what) = leash_call(self.cx, call).filter(|w| *w != LeashCall::RetryBudget) {
            let first = call.args.first();
            let (kind, bound, what) = match what {
                LeashCall::Failover => (
                    "switching",
                    first.and_then(int_literal),
                    "`Failover`: switches per job (declared)".to_string(),
                ),
                LeashCall::ConcurrencyPerKey => (
                    "concurrency",
                    first.and_then(int_literal),
                    "`Concurrency::per_key`: at most this many at once per key (declared)"
                        .to_string(),
                ),
                LeashCall::Concurrency => (
                    "concurrency",
                    first.and_then(int_literal),
                    "`Concurrency::new`: at most this many at once (declared)".to_string(),
                ),
                LeashCall::FallBack | LeashCall::RetryBudget => (
                    "fallback",
                    None,
                    format!(
                        "counted fallback (declared: {})",
                        first.and_then(str_literal).unwrap_or_default()
                    ),
                ),
            };
            self.out.push(BudgetEntry {
                kind,
                span: Span::from(call.span()),
                bound,
                declared: true,
                what,
            });
        }
        if let Some(path) = call_path(call) {
            let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
            let n = segs.len();
            if n >= 2 && segs[n - 2] == "Semaphore" && segs[n - 1] == "new" {
                self.out.push(BudgetEntry {
                    kind: "concurrency",
                    span: Span::from(call.span()),
                    bound: call.args.first().and_then(int_literal),
                    declared: false,
                    what: "semaphore permits".into(),
                });
            }
            let full = self.cx.imports.resolve(path);
            let bounded_queue = full.iter().any(|p| {
                matches!(
                    p.as_str(),
                    "tokio::sync::mpsc::channel"
                        | "std::sync::mpsc::sync_channel"
                        | "crossbeam_channel::bounded"
                        | "flume::bounded"
                        | "async_channel::bounded"
                        | "futures::channel::mpsc::channel"
                        | "kanal::bounded"
                )
            });
            if bounded_queue && call.args.len() == 1 {
                self.out.push(BudgetEntry {
                    kind: "queue",
                    span: Span::from(call.span()),
                    bound: call.args.first().and_then(int_literal),
                    declared: false,
                    what: format!("bounded channel `{}`", segs.join("::")),
                });
            }
        }
        syn::visit::visit_expr_call(self, call);
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let limited = match m.method.to_string().as_str() {
            "buffer_unordered" | "buffered" => Some("stream concurrency limit"),
            "for_each_concurrent" | "try_for_each_concurrent" => Some("stream concurrency limit"),
            _ => None,
        };
        if let Some(what) = limited {
            let bound = m
                .args
                .first()
                .and_then(|a| match crate::syntax::strip_parens(a) {
                    syn::Expr::Call(c) if call_path(c).is_some_and(|p| p.is_ident("Some")) => {
                        c.args.first().and_then(int_literal)
                    }
                    other => int_literal(other),
                });
            self.out.push(BudgetEntry {
                kind: "concurrency",
                span: Span::between(m.method.span(), m.paren_token.span.close()),
                bound,
                declared: false,
                what: format!("`{}` ({what})", m.method),
            });
        }
        if m.method == "take" {
            let (chain, _) = method_chain(&m.receiver);
            if chain.first().is_some_and(|c| c.method == "cycle") {
                self.out.push(BudgetEntry {
                    kind: "switching",
                    span: Span::between(m.method.span(), m.paren_token.span.close()),
                    bound: m.args.first().and_then(int_literal),
                    declared: false,
                    what: "failover rotation `.cycle().take(n)`".into(),
                });
            }
        }
        syn::visit::visit_expr_method_call(self, m);
    }
}
