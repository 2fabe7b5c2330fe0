//! `retry_amplification`: a retry whose retried operation reaches another
//! retry. Each file contributes function summaries (see [`crate::callgraph`]);
//! the driver joins them across files ([`crate::amplification`]) and reports
//! what [`cross_file_findings`] makes of them.

use crate::amplification::{amplified, FileSummaries, Hop, Reach};
use crate::callgraph::{calls_in, local_types, type_name, FnSummary, RetrySite, LOCAL_TYPES};
use crate::prefilter::Triggers;
use crate::syntax::{call_path, int_literal, leash_attr, method_chain};
use crate::vocab::{DELAY_FACTS, RETRY, RETRY_IMPORTS, RETRY_NEEDS, STATUS_OR_LIBRARY};
use crate::{FileContext, Finding, Level, Lint, Policy, Sink, Span};
use crate::{Model, PhaseTwo};
use syn::spanned::Spanned;
use syn::visit::Visit;

pub static LINT: Lint = Lint {
    name: "retry_amplification",
    group: "retry",
    default_level: Level::Warn,
    summary: "a retry that reaches another retry: the attempts multiply",
    docs: r#"## What it does
Finds a retry site (a retry loop, a retry strategy, or a `#[leash::retry]`
function) whose retried operation calls, through functions defined in the
checked sources, another retry site. Calls are resolved by function name and
`impl` type across all checked files; a name defined more than once stays
silent. A method called on a binding of a visible type (a parameter `client:
&Client`, `let map = HashMap::new()`) reaches only that type's method:
`map.insert(..)` on a local map is never a client's `insert`. Calls inside
a task spawned from the retry are not followed. When both attempt counts are
numbers, the finding gives their product, and a product above
`max_amplification` in the policy is also a `budget_exceeds_policy` error.

## Why is this bad?
Retries multiply across layers. Three layers that each try 3 times turn one
failing request into 27 calls to the struggling dependency, exactly when it can
least take them, and the caller waits through all of them. This is how a brief
slowdown becomes an outage.

## Example
```rust
#[leash::retry(attempts = 3, backoff = "100ms..2s")]
async fn place_order(o: &Order) -> Result<(), Error> {
    charge_card(o).await // charge_card retries 3 times itself: 9 attempts
}
```

## Use instead
Retry at one layer, usually the outermost (it knows the caller's deadline), and
let inner calls fail fast; or pass one shared retry budget down the layers.
"#,
    check: Some(check),
    triggers: Some(Triggers {
        file: &[RETRY, STATUS_OR_LIBRARY, DELAY_FACTS, &["leash"]],
        body: &[RETRY_NEEDS],
        imports: RETRY_IMPORTS,
    }),
    models: &[Model::RetryLoops],
    phase_two: Some(PhaseTwo::CallSummaries),
    budget: None,
};

/// Findings of the cross-file phase: each retry site reaching another retry,
/// and `budget_exceeds_policy` where the product of known attempt counts is
/// above the policy's `max_amplification`; each with the index of its file.
pub fn cross_file_findings(files: &[FileSummaries], policy: &Policy) -> Vec<(usize, Finding)> {
    let mut out = Vec::new();
    for a in amplified(files) {
        let (finding, over) = match &a.reach {
            Reach::Nested(inner) => nested_finding(a.site, inner, policy),
            Reach::Calls {
                outer,
                hops,
                inner_site,
                inner_path,
                inner_in_site_file,
                inner_attempts,
            } => chain_finding(
                a.site,
                (outer, hops),
                (inner_site, inner_path, *inner_in_site_file, *inner_attempts),
                policy,
            ),
        };
        out.push((a.file, finding));
        out.extend(over.map(|f| (a.file, f)));
    }
    out
}

fn nested_finding(
    site: &RetrySite,
    inner: &RetrySite,
    policy: &Policy,
) -> (Finding, Option<Finding>) {
    let mut msg = format!(
        "retry amplification: a {} inside this {}",
        inner.kind, site.kind
    );
    let product = site.attempts.zip(inner.attempts);
    if let Some((a, b)) = product {
        msg.push_str(&format!(" ({} attempts per call)", product_text(a, b)));
    }
    let finding = Finding::new("retry_amplification", site.span, msg)
        .label(format!("outer {}", site.kind))
        .secondary(inner.span, format!("inner {}", inner.kind))
        .help("retry at one level only: let the inner operation fail fast and keep the outer retry, or merge them into one loop with one attempt budget");
    (finding, over_policy(site, product, policy))
}

/// The finding for a retry site that reaches the nearest function that
/// retries through `hops` of calls from `outer`.
fn chain_finding(
    site: &RetrySite,
    (outer, hops): (&str, &[Hop]),
    (inner_site, inner_path, inner_in_site_file, inner_attempts): (
        &RetrySite,
        &str,
        bool,
        Option<u64>,
    ),
    policy: &Policy,
) -> (Finding, Option<Finding>) {
    let mut names = vec![format!("`{outer}`")];
    names.extend(hops.iter().map(|h| format!("`{}`", h.callee)));
    let chain = names.join(" -> ");
    let mut msg = format!(
        "retry amplification: this {} reaches another retry in {}",
        site.kind,
        names.last().expect("a chain has hops")
    );
    let product = site.attempts.zip(inner_attempts);
    if let Some((a, b)) = product {
        msg.push_str(&format!(" ({} attempts per call)", product_text(a, b)));
    }
    let mut finding = Finding::new("retry_amplification", site.span, msg)
        .label(format!("outer {}", site.kind))
        .help("retry at one layer only (usually the outermost, closest to the caller's deadline) and let inner calls fail fast; or share one retry budget across the layers")
        .note(format!(
            "call chain: {chain} (inner {} at {inner_path}:{})",
            inner_site.kind, inner_site.span.start.line
        ));
    // Label every hop that lies in this file.
    for hop in hops.iter().filter(|h| h.in_site_file) {
        finding = finding.secondary(hop.call, format!("`{}` calls `{}`", hop.caller, hop.callee));
    }
    if inner_in_site_file {
        finding = finding.secondary(inner_site.span, format!("inner {}", inner_site.kind));
    }
    let over = over_policy(site, product, policy).map(|f| f.note(format!("call chain: {chain}")));
    (finding, over)
}

/// `a x b = p`, or `a x b = at least p` when the product saturates (its true
/// value does not fit in a `u64`, so `p` is only a lower bound).
fn product_text(a: u64, b: u64) -> String {
    match a.checked_mul(b) {
        Some(p) => format!("{a} x {b} = {p}"),
        None => format!("{a} x {b} = at least {}", u64::MAX),
    }
}

/// `budget_exceeds_policy` when the product of known attempt counts is above
/// `max_amplification`.
fn over_policy(site: &RetrySite, product: Option<(u64, u64)>, policy: &Policy) -> Option<Finding> {
    let (a, b) = product?;
    let p = a.saturating_mul(b);
    (p > policy.max_amplification).then(|| {
        Finding::new(
            "budget_exceeds_policy",
            site.span,
            format!(
                "retry amplification of {} attempts exceeds the policy's max_amplification = {}",
                product_text(a, b),
                policy.max_amplification
            ),
        )
        .label(format!("{p} > {}", policy.max_amplification))
        .help("retry at one layer only, or lower the attempts so their product stays within the policy")
    })
}

fn check(cx: &FileContext, sink: &mut Sink) {
    let mut c = Collector {
        cx,
        impl_type: None,
        out: Vec::new(),
    };
    c.visit_file(cx.file);
    sink.summaries.extend(c.out);
}

struct Collector<'a> {
    cx: &'a FileContext<'a>,
    impl_type: Option<String>,
    out: Vec<FnSummary>,
}

impl Collector<'_> {
    fn summarize(&mut self, sig: &syn::Signature, attrs: &[syn::Attribute], block: &syn::Block) {
        let name = &sig.ident;
        // An empty (or blanked) body calls nothing and has no retry loop.
        let empty = block.stmts.is_empty();
        let calls = if empty {
            Vec::new()
        } else {
            LOCAL_TYPES.with(|t| *t.borrow_mut() = local_types(sig, block));
            calls_in(block, self.impl_type.as_deref())
        };
        let mut retry_sites = Vec::new();
        if let Some(attr) = leash_attr(attrs, "retry") {
            retry_sites.push(RetrySite {
                span: Span::from(attr.span()),
                extent: Span::from(block.span()),
                attempts: attempts_arg(attr),
                bounded: true,
                kind: "`#[leash::retry]` function".to_string(),
                budget: crate::syntax::attr_arg(attr, "budget")
                    .as_ref()
                    .and_then(crate::syntax::str_literal),
                calls: calls.clone(),
            });
        }
        if !empty {
            retry_sites.extend(strategy_sites(self.cx, block, self.impl_type.as_deref()));
            retry_sites.extend(crate::retry_sites::loop_sites(
                self.cx,
                block,
                self.impl_type.as_deref(),
            ));
            LOCAL_TYPES.with(|t| t.borrow_mut().clear());
        }
        self.out.push(FnSummary {
            name: name.to_string(),
            impl_type: self.impl_type.clone(),
            span: Span::from(name.span()),
            calls,
            retry_sites,
        });
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        let saved = self
            .impl_type
            .replace(type_name(&i.self_ty).unwrap_or_default());
        syn::visit::visit_item_impl(self, i);
        self.impl_type = saved;
    }
    fn visit_item_trait(&mut self, t: &'ast syn::ItemTrait) {
        let saved = self.impl_type.replace(t.ident.to_string());
        syn::visit::visit_item_trait(self, t);
        self.impl_type = saved;
    }
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        let saved = self.impl_type.take();
        self.summarize(&f.sig, &f.attrs, &f.block);
        syn::visit::visit_item_fn(self, f);
        self.impl_type = saved;
    }
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.summarize(&f.sig, &f.attrs, &f.block);
        syn::visit::visit_impl_item_fn(self, f);
    }
    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if let Some(block) = &f.default {
            self.summarize(&f.sig, &f.attrs, block);
        }
        syn::visit::visit_trait_item_fn(self, f);
    }
}

fn attempts_arg(attr: &syn::Attribute) -> Option<u64> {
    crate::syntax::attr_arg(attr, "attempts")
        .as_ref()
        .and_then(int_literal)
}

/// Library retry calls: `Retry::spawn(strategy, action)`, `RetryIf::spawn`,
/// `retry(strategy, op)` from the retry crates, backon's `op.retry(builder)`.
fn strategy_sites(cx: &FileContext, block: &syn::Block, impl_type: Option<&str>) -> Vec<RetrySite> {
    struct V<'a, 't> {
        cx: &'a FileContext<'a>,
        impl_type: Option<&'t str>,
        out: Vec<RetrySite>,
        /// `let name = expr;` in the function body, for strategies built first.
        locals: Vec<(String, &'a syn::Expr)>,
    }
    impl V<'_, '_> {
        fn bound(&self, arg: &syn::Expr) -> Option<u64> {
            let syn::Expr::Path(p) = crate::syntax::strip_parens(arg) else {
                return None;
            };
            let name = p.path.get_ident()?.to_string();
            let (_, init) = self.locals.iter().rev().find(|(n, _)| *n == name)?;
            take_count(init)
        }
    }
    impl<'ast> Visit<'ast> for V<'_, '_> {
        fn visit_item(&mut self, _: &'ast syn::Item) {}
        fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
            if let Some(path) = call_path(call) {
                let full = self.cx.imports.resolve(path);
                let is_retry = full.iter().any(|p| {
                    matches!(
                        p.as_str(),
                        "tokio_retry::Retry::spawn"
                            | "tokio_retry::RetryIf::spawn"
                            | "tokio_retry2::Retry::spawn"
                            | "tokio_retry2::RetryIf::spawn"
                            | "retry::retry"
                            | "retry::retry_with_index"
                            | "backoff::retry"
                            | "backoff::retry_notify"
                            | "backoff::future::retry"
                            | "backoff::future::retry_notify"
                    )
                });
                if is_retry && call.args.len() >= 2 {
                    let mut calls = Vec::new();
                    for a in call.args.iter().skip(1) {
                        calls.extend(calls_in(a, self.impl_type));
                    }
                    let attempts = call
                        .args
                        .first()
                        .and_then(|a| take_count(a).or_else(|| self.bound(a)));
                    self.out.push(RetrySite {
                        span: Span::from(call.span()),
                        extent: Span::from(call.span()),
                        attempts,
                        bounded: attempts.is_some(),
                        kind: "retry strategy".to_string(),
                        budget: None,
                        calls,
                    });
                }
            }
            syn::visit::visit_expr_call(self, call);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            // backon: `(|| fetch()).retry(ExponentialBuilder::default())`
            if m.method == "retry" && m.args.len() == 1 && is_backon_builder(&m.args[0]) {
                self.out.push(RetrySite {
                    span: crate::syntax::method_call_span(m),
                    extent: Span::from(m.span()),
                    attempts: backon_times(&m.args[0]),
                    bounded: backon_times(&m.args[0]).is_some(),
                    kind: "retry strategy".to_string(),
                    budget: None,
                    calls: calls_in(&*m.receiver, self.impl_type),
                });
            }
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let locals = block
        .stmts
        .iter()
        .filter_map(|s| match s {
            syn::Stmt::Local(syn::Local {
                pat: syn::Pat::Ident(pi),
                init: Some(init),
                ..
            }) => Some((pi.ident.to_string(), &*init.expr)),
            _ => None,
        })
        .collect();
    let mut v = V {
        cx,
        impl_type,
        out: Vec::new(),
        locals,
    };
    v.visit_block(block);
    v.out
}

/// `.take(n)` anywhere in a strategy chain.
fn take_count(expr: &syn::Expr) -> Option<u64> {
    let (chain, _) = method_chain(expr);
    chain
        .iter()
        .find(|m| m.method == "take")
        .and_then(|m| m.args.first())
        .and_then(int_literal)
}

fn is_backon_builder(expr: &syn::Expr) -> bool {
    let (_, root) = method_chain(expr);
    let path = match root {
        syn::Expr::Call(c) => call_path(c),
        syn::Expr::Path(p) => Some(&p.path),
        _ => None,
    };
    path.is_some_and(|p| {
        p.segments.iter().any(|s| {
            matches!(
                s.ident.to_string().as_str(),
                "ExponentialBuilder" | "ConstantBuilder" | "FibonacciBuilder"
            )
        })
    })
}

/// backon builders stop after `with_max_times(n)`, or 3 times by default.
fn backon_times(expr: &syn::Expr) -> Option<u64> {
    let (chain, _) = method_chain(expr);
    if chain.iter().any(|m| m.method == "without_max_times") {
        return None;
    }
    match chain.iter().find(|m| m.method == "with_max_times") {
        Some(m) => m.args.first().and_then(int_literal),
        None => Some(3),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The qualifier of each call named `insert` in the summaries of `src`.
    fn insert_qualifiers(src: &str) -> Vec<Option<String>> {
        crate::rules::run_check(src, check)
            .summaries
            .iter()
            .flat_map(|f| &f.calls)
            .filter(|c| c.name == "insert")
            .map(|c| c.qualifier.clone())
            .collect()
    }

    #[test]
    fn method_on_a_local_collection_is_not_a_client_method() {
        // A `HashMap` built here reaches `HashMap::insert`, never `Client::insert`.
        let q = insert_qualifiers(
            "fn parse(s: &str) -> Map { let mut map = HashMap::new(); map.insert(s, 1); map }",
        );
        assert_eq!(q, [Some("HashMap".to_string())]);
        // A parameter of the client's type reaches the client's method.
        let q = insert_qualifiers("fn save(client: &Client, row: Row) { client.insert(row); }");
        assert_eq!(q, [Some("Client".to_string())]);
        // Near miss: a receiver of unknown type (or a wrapper, or a generic)
        // is still resolved by name, and one callee is listed once.
        let q = insert_qualifiers("fn save<C: Db>(db: C, pool: Arc<Pool>, row: Row) { conn().insert(row); pool.insert(row); db.insert(row); }");
        assert_eq!(q, [None]);
        let q = insert_qualifiers(
            "fn save(c: &Client, m: &mut Map) { c.insert(1); m.insert(2); c.insert(3); }",
        );
        assert_eq!(q, [Some("Client".to_string()), Some("Map".to_string())]);
    }

    /// The cross-file findings over the summaries of one file.
    fn cross_file(src: &str) -> Vec<(&'static str, usize, String)> {
        let fns = crate::rules::run_check(src, check).summaries;
        let files = [FileSummaries {
            file: 0,
            package: "p",
            path: "lib.rs",
            fns: &fns,
        }];
        cross_file_findings(&files, &Policy::default())
            .into_iter()
            .map(|(_, f)| (f.lint, f.span.start.line, f.message))
            .collect()
    }

    #[test]
    fn attempts_multiply_through_calls_and_over_the_policy() {
        let found = cross_file(
            "#[leash::retry(attempts = 4)]\nasync fn outer() { inner().await }\n\
             #[leash::retry(attempts = 5)]\nasync fn inner() { op().await }",
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, "retry_amplification");
        assert_eq!(found[0].1, 1);
        assert!(
            found[0]
                .2
                .contains("reaches another retry in `inner` (4 x 5 = 20 attempts per call)"),
            "{}",
            found[0].2
        );
        assert_eq!(found[1].0, "budget_exceeds_policy");
        assert!(
            found[1]
                .2
                .contains("4 x 5 = 20 attempts exceeds the policy's max_amplification = 10"),
            "{}",
            found[1].2
        );
        // Near miss: within the policy, only the amplification is reported.
        let found = cross_file(
            "#[leash::retry(attempts = 2)]\nasync fn outer() { inner().await }\n\
             #[leash::retry(attempts = 5)]\nasync fn inner() { op().await }",
        );
        assert_eq!(found.len(), 1, "{found:?}");
        // Unknown counts give no product.
        let found = cross_file(
            "#[leash::retry(attempts = 2)]\nasync fn outer() { inner().await }\n\
             async fn inner() { for _ in 0.. { if op().await.is_ok() { break; } } }",
        );
        assert!(
            found.iter().all(|f| !f.2.contains("attempts per call")),
            "{found:?}"
        );
    }

    #[test]
    fn a_saturated_product_is_a_lower_bound() {
        assert_eq!(product_text(3, 4), "3 x 4 = 12");
        assert_eq!(
            product_text(u64::MAX, 2),
            format!("{} x 2 = at least {}", u64::MAX, u64::MAX)
        );
    }
}
