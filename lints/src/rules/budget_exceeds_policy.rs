//! `budget_exceeds_policy`: a declared budget larger than the workspace policy.

use crate::inventory::LeashCall;
use crate::prefilter::{Need, Triggers};
use crate::syntax::{int_literal, leash_attr, method_chain, strip_parens};
use crate::vocab::{
    DELAY_FACTS, RETRY, RETRY_IMPORTS, RETRY_NEEDS, SPAWN_FACTS, STATUS_OR_LIBRARY,
};
use crate::Model;
use crate::{FileContext, Finding, Level, Lint, Sink, Span};
use syn::spanned::Spanned;
use syn::visit::Visit;

pub static LINT: Lint = Lint {
    name: "budget_exceeds_policy",
    group: "budget",
    default_level: Level::Deny,
    summary: "a declared budget larger than the workspace policy allows",
    docs: r#"## What it does
Compares every budget leash can read against `[policy]` in `leash.toml`:
`#[leash::retry(attempts = N)]`, `.take(N)` on a retry strategy and a literal
attempt bound of a retry loop (`for attempt in 0..N`, `if n >= MAX`) against
`max_retry_attempts` (default 10); `#[leash::concurrency(max = N)]` and
`Semaphore::new(N)` in a function that spawns, `leash::Concurrency::new(N)` and
`leash::Concurrency::per_key(N)` against `max_concurrency` (unset by default: no
limit); `.cycle().take(N)` over alternatives (not over text or bytes) and
`leash::Failover::new(N)` against `max_switches` (default 10); when the policy
defines shared retry budgets (`[budgets.NAME]`), every budget the code names
(`#[leash::retry(budget = "NAME")]`, `RetryBudget::named("NAME")`,
`RetryBudget::configure("NAME", ..)`) against those names, and, when the run
reads the whole project, every name the project's own configuration defines
against the code (a definition nothing names is a warning at its
`[budgets.NAME]` header; names defined only in an `extend`ed base are not
checked); and the product of nested retry attempts found by
`retry_amplification` against `max_amplification` (default 10).

## Why is this bad?
A bound is only as good as its number. `attempts = 1000` is a bound on paper and
a retry storm in production: with three layers retrying, one user request
becomes a billion calls. The policy is where a team writes down what it accepts,
once, and every declared budget is checked against it.

## Example
```rust
#[leash::retry(attempts = 50, backoff = "10ms..1s")]
async fn fetch_price(id: u64) -> Result<Price, Error> { .. }
```

## Use instead
Keep the budget within the policy, or raise the policy deliberately in
`leash.toml` where the whole team sees it:
```rust
#[leash::retry(attempts = 5, backoff = "100ms..5s")]
async fn fetch_price(id: u64) -> Result<Price, Error> { .. }
```
"#,
    check: Some(check),
    triggers: Some(Triggers {
        file: &[
            RETRY,
            STATUS_OR_LIBRARY,
            DELAY_FACTS,
            SPAWN_FACTS,
            &["leash", "semaphore", "take", "concurrency"],
        ],
        body: &[
            RETRY_NEEDS,
            &[Need::Any(&["semaphore", "cycle", "concurrency"])],
        ],
        imports: RETRY_IMPORTS,
    }),
    models: &[Model::RetryLoops],
    phase_two: None,
    budget: None,
};

/// Retry strategies whose `.take(n)` is an attempt budget.
const STRATEGIES: &[&str] = &[
    "ExponentialBackoff",
    "FixedInterval",
    "FibonacciBackoff",
    "Exponential",
    "Fixed",
    "Fibonacci",
    "NoDelay",
    "ExponentialBuilder",
    "ConstantBuilder",
    "FibonacciBuilder",
];

fn check(cx: &FileContext, sink: &mut Sink) {
    // A literal attempt bound of a retry loop (`for attempt in 0..50`,
    // `if n >= MAX { .. }` with a `const`).
    let max = cx.policy.max_retry_attempts;
    for l in crate::retry_model::retry_loops(cx).iter() {
        if let Some(n) = l.bound.attempts().filter(|n| *n > max) {
            sink.report(
                Finding::new(LINT.name, l.header, format!("retry loop bound of {n} attempts exceeds the policy's max_retry_attempts = {max}"))
                    .label(format!("{n} > {max}"))
                    .help(format!("lower the loop's attempt limit to at most {max}, or raise `max_retry_attempts` in `[policy]` of leash.toml deliberately"))
                    .note("budgets multiply across layers: the policy is the largest one the team accepts"),
            );
        }
    }
    let mut v = Visitor {
        cx,
        sink,
        fn_block: None,
    };
    v.visit_file(cx.file);
}

struct Visitor<'a, 'b> {
    cx: &'a FileContext<'a>,
    sink: &'b mut Sink,
    /// The body of the function being visited; whether it spawns is only asked
    /// when a `Semaphore::new(n)` is found, so most functions are never scanned.
    fn_block: Option<&'a syn::Block>,
}

impl<'a> Visitor<'a, '_> {
    fn exceeded(
        &mut self,
        span: Span,
        what: &str,
        value: impl std::fmt::Display,
        key: &str,
        limit: u64,
    ) {
        self.sink.report(
            Finding::new(LINT.name, span, format!("{what} of {value} exceeds the policy's {key} = {limit}"))
                .label(format!("{value} > {limit}"))
                .help(format!("lower it to at most {limit}, or raise `{key}` in `[policy]` of leash.toml deliberately"))
                .note("budgets multiply across layers: the policy is the largest one the team accepts"),
        );
    }

    fn attrs(&mut self, attrs: &[syn::Attribute]) {
        let policy = self.cx.policy;
        if let Some(attr) = leash_attr(attrs, "retry") {
            if let Some((span, n)) = numeric_arg(attr, "attempts") {
                if n.exceeds(policy.max_retry_attempts) {
                    self.exceeded(
                        span,
                        "retry budget",
                        n,
                        "max_retry_attempts",
                        policy.max_retry_attempts,
                    );
                }
            }
        }
        if let Some(attr) = leash_attr(attrs, "retry") {
            if let Some(budget) = string_arg(attr, "budget") {
                self.undefined_budget(&budget);
            }
        }
        if let Some(attr) = leash_attr(attrs, "concurrency") {
            if let (Some((span, n)), Some(limit)) =
                (numeric_arg(attr, "max"), policy.max_concurrency)
            {
                if n.exceeds(limit) {
                    self.exceeded(span, "concurrency budget", n, "max_concurrency", limit);
                }
            }
        }
    }

    /// A shared retry budget named in code but not defined in the policy's
    /// `[budgets]`, when the policy defines any.
    fn undefined_budget(&mut self, name: &syn::LitStr) {
        let Some(defined) = &self.cx.policy.retry_budgets else {
            return;
        };
        let text = name.value();
        if defined.contains(&text) {
            return;
        }
        let known: Vec<String> = defined.iter().map(|d| format!("`{d}`")).collect();
        let help = if known.is_empty() {
            format!("define it as `[budgets.{text}]` in leash.toml")
        } else {
            format!(
                "use one of {}, or define `[budgets.{text}]` in leash.toml",
                known.join(", ")
            )
        };
        self.sink.report(
            Finding::new(
                LINT.name,
                Span::from(name.span()),
                format!("retry budget `{text}` is not defined in the policy"),
            )
            .label("not in `[budgets]`")
            .help(help)
            .note("the policy's `[budgets]` is the one definition of the shared budgets the team agreed on"),
        );
    }

    /// `leash::Failover::new(n)` against `max_switches`;
    /// `leash::Concurrency::new(n)` and `::per_key(n)` against `max_concurrency`.
    fn leash_constructor(&mut self, call: &syn::ExprCall) {
        let Some(which) = crate::inventory::leash_call(self.cx, call) else {
            return;
        };
        let Some(first) = call.args.first() else {
            return;
        };
        if which == LeashCall::RetryBudget {
            if let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(name),
                ..
            }) = strip_parens(first)
            {
                self.undefined_budget(name);
            }
            return;
        }
        let Some(n) = count_literal(first) else {
            return;
        };
        let policy = self.cx.policy;
        let span = Span::from(first.span());
        match which {
            LeashCall::Failover if n.exceeds(policy.max_switches) => self.exceeded(
                span,
                "switch budget",
                n,
                "max_switches",
                policy.max_switches,
            ),
            LeashCall::Concurrency | LeashCall::ConcurrencyPerKey => {
                if let Some(limit) = policy.max_concurrency.filter(|l| n.exceeds(*l)) {
                    self.exceeded(span, "concurrency budget", n, "max_concurrency", limit);
                }
            }
            _ => {}
        }
    }

    fn body(&mut self, block: &'a syn::Block, f: impl FnOnce(&mut Self)) {
        let saved = self.fn_block.replace(block);
        f(self);
        self.fn_block = saved;
    }
}

/// A declared count: a `u64`, or an integer literal too large for one (its
/// decimal digits), which exceeds every limit.
enum Count {
    Fits(u64),
    Beyond(String),
}

impl Count {
    fn exceeds(&self, limit: u64) -> bool {
        match self {
            Count::Fits(n) => *n > limit,
            Count::Beyond(_) => true,
        }
    }
}

impl std::fmt::Display for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Count::Fits(n) => write!(f, "{n}"),
            Count::Beyond(digits) => f.write_str(digits),
        }
    }
}

/// An integer literal (in parentheses or a cast, as `int_literal` reads it),
/// whether or not it fits in a `u64`: `int_literal` rejects an integer literal
/// only when it overflows.
fn count_literal(expr: &syn::Expr) -> Option<Count> {
    if let Some(n) = int_literal(expr) {
        return Some(Count::Fits(n));
    }
    match strip_parens(expr) {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => Some(Count::Beyond(i.base10_digits().to_string())),
        syn::Expr::Cast(c) => count_literal(&c.expr),
        _ => None,
    }
}

/// `name = "text"` inside `#[leash::x(..)]`.
fn string_arg(attr: &syn::Attribute, name: &str) -> Option<syn::LitStr> {
    let value = crate::syntax::attr_arg(attr, name)?;
    match strip_parens(&value) {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.clone()),
        _ => None,
    }
}

/// `name = <integer>` inside `#[leash::x(..)]`, with the literal's span.
fn numeric_arg(attr: &syn::Attribute, name: &str) -> Option<(Span, Count)> {
    let value = crate::syntax::attr_arg(attr, name)?;
    count_literal(&value).map(|n| (Span::from(value.span()), n))
}

fn spawns_anything(block: &syn::Block) -> bool {
    crate::syntax::any_ident(block, &mut |i| i.starts_with("spawn"))
}

impl<'ast> Visit<'ast> for Visitor<'ast, '_> {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.attrs(&f.attrs);
        self.body(&f.block, |v| syn::visit::visit_item_fn(v, f));
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.attrs(&f.attrs);
        self.body(&f.block, |v| syn::visit::visit_impl_item_fn(v, f));
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        self.leash_constructor(call);
        if let (Some(path), Some(limit)) = (
            crate::syntax::call_path(call),
            self.cx.policy.max_concurrency,
        ) {
            let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
            let is_semaphore_new = segs.len() >= 2
                && segs[segs.len() - 2] == "Semaphore"
                && segs[segs.len() - 1] == "new";
            if is_semaphore_new && self.fn_block.is_some_and(spawns_anything) {
                if let Some(n) = call.args.first().and_then(int_literal) {
                    if n > limit {
                        self.exceeded(
                            Span::from(call.args[0].span()),
                            "concurrency budget",
                            n,
                            "max_concurrency",
                            limit,
                        );
                    }
                }
            }
        }
        syn::visit::visit_expr_call(self, call);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        if m.method == "take" {
            if let Some(n) = m.args.first().and_then(int_literal) {
                let (chain, root) = method_chain(&m.receiver);
                let policy = self.cx.policy;
                // `.cycle().take(n)` over text or bytes pads data; only a rotation
                // over alternatives is a switch budget.
                let over_data = chain.iter().any(|c| {
                    matches!(
                        c.method.to_string().as_str(),
                        "chars" | "bytes" | "char_indices" | "lines" | "split"
                    )
                });
                if chain.first().is_some_and(|c| c.method == "cycle") && !over_data {
                    if n > policy.max_switches {
                        self.exceeded(
                            Span::from(m.args[0].span()),
                            "switch budget",
                            n,
                            "max_switches",
                            policy.max_switches,
                        );
                    }
                } else if is_strategy_root(root) && n > policy.max_retry_attempts {
                    self.exceeded(
                        Span::from(m.args[0].span()),
                        "retry budget",
                        n,
                        "max_retry_attempts",
                        policy.max_retry_attempts,
                    );
                }
            }
        }
        syn::visit::visit_expr_method_call(self, m);
    }
}

/// Is the root of a method chain a retry strategy constructor
/// (`ExponentialBackoff::from_millis(10)`, `FixedInterval::new(..)`)?
fn is_strategy_root(root: &syn::Expr) -> bool {
    let path = match root {
        syn::Expr::Call(c) => crate::syntax::call_path(c),
        syn::Expr::Path(p) => Some(&p.path),
        _ => None,
    };
    path.is_some_and(|p| {
        p.segments
            .iter()
            .any(|s| STRATEGIES.iter().any(|k| s.ident == k))
    })
}

/// The shared retry budgets a file names, read from its tokens:
/// `retry(.., budget = "NAME")` in an attribute and
/// `RetryBudget::named("NAME")` / `RetryBudget::configure("NAME", ..)`. It
/// needs no parse, so every file can answer, however broken; a file too
/// deeply nested to read names none.
pub fn shared_budget_names(source: &str) -> Vec<String> {
    use proc_macro2::{TokenStream, TokenTree};
    if !source.contains("udget")
        || crate::nesting::max_nesting_depth(source) > crate::nesting::MAX_NESTING
    {
        return Vec::new();
    }
    let Ok(tokens) = source.parse::<TokenStream>() else {
        return Vec::new();
    };
    fn string(tree: Option<&TokenTree>) -> Option<String> {
        match tree {
            Some(TokenTree::Literal(lit)) => match syn::Lit::new(lit.clone()) {
                syn::Lit::Str(s) => Some(s.value()),
                _ => None,
            },
            _ => None,
        }
    }
    fn ident(tree: Option<&TokenTree>, name: &str) -> bool {
        matches!(tree, Some(TokenTree::Ident(i)) if i == name)
    }
    fn scan(tokens: TokenStream, names: &mut Vec<String>) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        for (i, tree) in trees.iter().enumerate() {
            let TokenTree::Group(group) = tree else {
                continue;
            };
            let before = |back: usize| i.checked_sub(back).and_then(|j| trees.get(j));
            let inner: Vec<TokenTree> = group.stream().into_iter().collect();
            if ident(before(1), "retry") {
                // `budget = "NAME"` among the attribute's arguments.
                for w in inner.windows(3) {
                    if ident(w.first(), "budget")
                        && matches!(&w[1], TokenTree::Punct(p) if p.as_char() == '=')
                    {
                        names.extend(string(w.get(2)));
                    }
                }
            }
            let named = ident(before(1), "named") || ident(before(1), "configure");
            if named && ident(before(4), "RetryBudget") {
                names.extend(string(inner.first()));
            }
            scan(group.stream(), names);
        }
    }
    let mut names = Vec::new();
    scan(tokens, &mut names);
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod shared_budget_tests {
    use super::shared_budget_names;

    #[test]
    fn names_from_attributes_and_calls() {
        let src = r#"
            #[leash::retry(attempts = 3, backoff = "1ms..2ms", budget = "payments")]
            fn charge() -> Result<(), E> { Ok(()) }
            fn setup() {
                leash::RetryBudget::configure("search", Duration::from_secs(10), 10, 0.2);
                let b = RetryBudget::named("ledger");
            }
        "#;
        assert_eq!(shared_budget_names(src), ["ledger", "payments", "search"]);
    }

    #[test]
    fn near_misses_name_nothing() {
        let src = r#"
            #[other(budget = "x")]
            fn a() { let budget = "y"; named("z"); Budget::named("w"); }
        "#;
        assert!(shared_budget_names(src).is_empty());
        assert!(shared_budget_names("fn broken( { budget").is_empty());
    }
}
