//! Library retry strategies (`tokio_retry`, `retry`, `backoff`, `backon`,
//! `again`, `retry_policies`, `tryhard`, reqwest's retry policy), resolved
//! through `use` imports, and recursive retry: what the file holds, for the
//! retry lints to report (a model produces no findings).

use super::helpers::FileFns;
use super::state_machine::{moves_on, Region};
use crate::context::FileContext;
use crate::finding::{Applicability, Span};
use crate::syntax::{call_path, method_chain, strip_parens};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::Expr;

/// What a library strategy lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Strategy {
    pub span: Span,
    /// The crate (`tokio_retry`, `backon`, ..).
    pub krate: &'static str,
    /// The constructor as written (`ExponentialBackoff::from_millis`).
    pub name: String,
    pub unbounded: bool,
    pub no_jitter: bool,
    pub no_backoff: bool,
    /// `.take(n)` / `with_max_times(n)` / `retries(n)` when readable.
    pub attempts: Option<u64>,
    /// With `no_jitter`: the call that, appended to the chain, switches jitter
    /// on, when the chain is all builder calls (so the call exists there).
    pub jitter_fix: Option<(String, Applicability)>,
}

const TOKIO_RETRY_STRATEGIES: &[&str] = &[
    "ExponentialBackoff",
    "FixedInterval",
    "FibonacciBackoff",
    "Exponential",
    "Fixed",
    "Fibonacci",
    "NoDelay",
];

/// Retry crates whose strategies leash reads (longest names first).
const CRATES: [&str; 9] = [
    "tokio_retry2",
    "tokio_retry",
    "backon",
    "backoff",
    "again",
    "retry_policies",
    "tryhard",
    "reqwest",
    "retry",
];

fn crate_of(cx: &FileContext, path: &syn::Path) -> Option<&'static str> {
    // Hot: called for every path expression. Only a path whose first segment is
    // imported, or names a retry crate, or is a lone name (globs), can qualify.
    let first = &path.segments.first()?.ident;
    let names_crate = CRATES.iter().any(|k| first == k);
    if !names_crate && path.segments.len() > 1 && cx.imports.imported(&first.to_string()).is_none()
    {
        return None;
    }
    for cand in cx.imports.resolve(path) {
        for k in CRATES {
            if cand == k
                || cand
                    .strip_prefix(k)
                    .is_some_and(|rest| rest.starts_with("::"))
            {
                return Some(k);
            }
        }
    }
    None
}

/// The path at the root of a strategy chain (`ExponentialBackoff::from_millis(..)`
/// or `NoDelay`), with its crate.
fn root_path(root: &Expr) -> Option<&syn::Path> {
    match strip_parens(root) {
        Expr::Call(c) => call_path(c),
        Expr::Path(p) => Some(&p.path),
        _ => None,
    }
}

fn is_max_count(e: &Expr) -> bool {
    if let Expr::Path(p) = strip_parens(e) {
        let segs: Vec<String> = p
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        return segs.len() == 2
            && segs[1] == "MAX"
            && matches!(segs[0].as_str(), "u32" | "usize" | "u64" | "i32");
    }
    false
}

/// Every library strategy built in the file (computed once per file: three
/// lints ask).
pub fn strategies(cx: &FileContext) -> std::rc::Rc<Vec<Strategy>> {
    cx.memo
        .strategies
        .get_or_init(|| std::rc::Rc::new(find_strategies(cx)))
        .clone()
}

fn find_strategies(cx: &FileContext) -> Vec<Strategy> {
    // A strategy's path names its crate, or a name imported from it: a file
    // that never says the crate's name has none.
    if !CRATES
        .iter()
        .any(|k| memchr::memmem::find(cx.source.as_bytes(), k.as_bytes()).is_some())
    {
        return Vec::new();
    }
    let mut v = V {
        cx,
        out: Vec::new(),
        literal_spans: Vec::new(),
    };
    v.visit_file(cx.file);
    let mut out = v.out;
    // A struct-literal strategy that never reaches a retry call is driven
    // by hand (`backoff.next_backoff()` after an accept error): the loop
    // around it is what the loop model judges, not the strategy.
    if !v.literal_spans.is_empty() {
        let inputs = retry_inputs(cx.file);
        let inside = |s: &Span| inputs.iter().any(|i| i.start <= s.start && s.end <= i.end);
        out.retain(|s| !v.literal_spans.contains(&s.span) || inside(&s.span));
    }
    if out.iter().any(|s| s.no_jitter) {
        let jittered = bindings_later_calling(cx.file, &|m| m.contains("jitter"));
        for s in out.iter_mut() {
            let inside = |b: &Span| b.start <= s.span.start && s.span.end <= b.end;
            if jittered.iter().any(inside) {
                s.no_jitter = false;
            }
        }
    }
    if out.iter().any(|s| s.unbounded) {
        // A strategy every retry of which runs under a deadline
        // (`timeout(d, Retry::spawn(strategy, op))`) stops when it expires.
        let uses = retries_of_strategies(cx.file);
        for s in out.iter_mut() {
            let inside =
                |u: &&StrategyUse| u.origin.start <= s.span.start && s.span.end <= u.origin.end;
            let mut holding = uses.iter().filter(inside).peekable();
            if holding.peek().is_some() && holding.all(|u| u.under_deadline) {
                s.unbounded = false;
            }
        }
    }
    if out.iter().any(|s| s.unbounded) {
        // `let mut st = ExponentialBackoff::from_millis(..); ..; st.take(n)`.
        let limited =
            bindings_later_calling(cx.file, &|m| m == "take" || m.starts_with("with_max_times"));
        for s in out.iter_mut() {
            let inside = |b: &Span| b.start <= s.span.start && s.span.end <= b.end;
            if limited.iter().any(inside) {
                s.unbounded = false;
            }
        }
    }
    out
}

/// The initialisers of `let` bindings on which the same function later
/// calls a method that `wanted` accepts: jitter (`let b =
/// Builder::default()..; let b = if on { b.with_jitter() } else { b };`) or
/// a limit (`st.take(n)`) given after the strategy was built.
fn bindings_later_calling(file: &syn::File, wanted: &dyn Fn(&str) -> bool) -> Vec<Span> {
    struct J<'w> {
        wanted: &'w dyn Fn(&str) -> bool,
        out: Vec<Span>,
    }
    impl J<'_> {
        fn body(&mut self, b: &syn::Block) {
            let mut lets: Vec<(String, &Expr)> = Vec::new();
            for st in &b.stmts {
                if let syn::Stmt::Local(l) = st {
                    if let (syn::Pat::Ident(i), Some(init)) = (&l.pat, &l.init) {
                        lets.push((i.ident.to_string(), &init.expr));
                    }
                }
            }
            let mut calls = WantedCalls(self.wanted, Vec::new());
            calls.visit_block(b);
            for (name, init) in lets {
                if calls.1.contains(&name) {
                    self.out.push(Span::from(init.span()));
                }
            }
        }
    }
    /// Roots of chains that call a wanted method (`b.with_jitter()`).
    struct WantedCalls<'w>(&'w dyn Fn(&str) -> bool, Vec<String>);
    impl<'ast> Visit<'ast> for WantedCalls<'_> {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if (self.0)(&m.method.to_string()) {
                if let Expr::Path(p) = method_chain(&m.receiver).1 {
                    self.1.extend(p.path.get_ident().map(|i| i.to_string()));
                }
            }
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    impl<'ast> Visit<'ast> for J<'_> {
        fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
            self.body(&f.block);
            syn::visit::visit_item_fn(self, f);
        }
        fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
            self.body(&f.block);
            syn::visit::visit_impl_item_fn(self, f);
        }
    }
    let mut j = J {
        wanted,
        out: Vec::new(),
    };
    j.visit_file(file);
    j.out
}

struct V<'a, 'c> {
    cx: &'a FileContext<'c>,
    out: Vec<Strategy>,
    /// Strategies written as struct literals (`ExponentialBackoff { .. }`).
    literal_spans: Vec<Span>,
}

impl V<'_, '_> {
    /// A method chain rooted at a strategy constructor. Returns true when it
    /// was one (the receiver is not visited again).
    fn chain(&mut self, expr: &Expr) -> bool {
        let (calls, root) = method_chain(expr);
        if calls.is_empty() && !matches!(strip_parens(root), Expr::Call(_)) {
            return false;
        }
        let Some(path) = root_path(root) else {
            return false;
        };
        let Some(krate) = crate_of(self.cx, path) else {
            return false;
        };
        let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        let resolved = self.cx.imports.resolve(path);
        let names_has = |n: &str| {
            segs.iter().any(|s| s == n) || resolved.iter().any(|r| r.split("::").any(|s| s == n))
        };
        let methods: Vec<String> = calls.iter().map(|m| m.method.to_string()).collect();
        let has = |n: &str| methods.iter().any(|m| m == n);
        let arg_of = |n: &str| {
            calls
                .iter()
                .find(|m| m.method == n)
                .and_then(|m| m.args.first())
        };
        let name = segs.join("::");
        let span = Span::from(expr.span());
        let mut s = Strategy {
            span,
            krate,
            name,
            unbounded: false,
            no_jitter: false,
            no_backoff: false,
            attempts: None,
            jitter_fix: None,
        };
        // Builder methods return the builder, so a switch appended after them
        // lands on it.
        let all_builder_calls = methods
            .iter()
            .all(|m| m.starts_with("with_") || m.starts_with("without_"));
        match krate {
            "tokio_retry" | "tokio_retry2" | "retry" => {
                if !TOKIO_RETRY_STRATEGIES.iter().any(|n| names_has(n)) {
                    return false;
                }
                s.unbounded = !has("take");
                s.attempts = arg_of("take").and_then(crate::syntax::int_literal);
                let nodelay = names_has("NoDelay");
                s.no_jitter = !nodelay
                    && !crate::syntax::any_ident(expr, &mut |i| {
                        i.to_ascii_lowercase().contains("jitter")
                    });
                // The strategies are iterators of delays; `.map(jitter)`
                // changes the strategy's type, which a declared type or a
                // field would not accept: a person checks it.
                let jitter = if self.cx.imports.imported("jitter").is_some() {
                    "jitter"
                } else if krate == "retry" {
                    "retry::delay::jitter"
                } else if krate == "tokio_retry2" {
                    "tokio_retry2::strategy::jitter"
                } else {
                    "tokio_retry::strategy::jitter"
                };
                s.jitter_fix = Some((format!(".map({jitter})"), Applicability::MaybeIncorrect));
            }
            "backon" => {
                if !["ExponentialBuilder", "ConstantBuilder", "FibonacciBuilder"]
                    .iter()
                    .any(|n| names_has(n))
                {
                    return false;
                }
                // `with_total_delay(Some(d))` stops the retries once the
                // delays add up to `d`, whatever the count.
                let total_delay = arg_of("with_total_delay").is_some_and(|a| !is_none_expr(a));
                s.unbounded = has("without_max_times") && !total_delay;
                s.attempts = arg_of("with_max_times").and_then(crate::syntax::int_literal);
                // `with_max_times(0)` never retries: nothing to spread.
                s.no_jitter = !has("with_jitter") && s.attempts != Some(0);
                s.jitter_fix = all_builder_calls
                    .then(|| (".with_jitter()".into(), Applicability::MachineApplicable));
            }
            "backoff" => {
                s.unbounded = arg_of("with_max_elapsed_time").is_some_and(is_none_expr);
                s.no_jitter = arg_of("with_randomization_factor").is_some_and(is_zero);
                if !s.unbounded && !s.no_jitter {
                    return false;
                }
            }
            "again" => {
                if !names_has("RetryPolicy") {
                    return false;
                }
                s.unbounded = arg_of("with_max_retries").is_some_and(is_max_count);
                s.no_jitter = !calls.iter().any(|m| {
                    m.method == "with_jitter"
                        && m.args.first().is_some_and(|a| {
                            !matches!(strip_parens(a), Expr::Lit(syn::ExprLit { lit: syn::Lit::Bool(b), .. }) if !b.value)
                        })
                });
                // `.with_jitter(false)` is a choice to change, not to add to.
                s.jitter_fix = (all_builder_calls && !has("with_jitter")).then(|| {
                    (
                        ".with_jitter(true)".into(),
                        Applicability::MachineApplicable,
                    )
                });
            }
            "tryhard" => {
                if !names_has("retry_fn") {
                    return false;
                }
                s.unbounded = arg_of("retries").is_some_and(is_max_count);
                s.no_backoff = !methods.iter().any(|m| m.ends_with("_backoff"));
            }
            "reqwest" => {
                s.unbounded = has("no_budget");
                if !s.unbounded {
                    return false;
                }
            }
            _ => return false,
        }
        self.out.push(s);
        for m in &calls {
            for a in &m.args {
                self.visit_expr(a);
            }
        }
        true
    }

    fn struct_lit(&mut self, e: &syn::ExprStruct) {
        let Some(krate) = crate_of(self.cx, &e.path) else {
            return;
        };
        let last = crate::syntax::last_segment(&e.path).unwrap_or_default();
        let field = |n: &str| {
            e.fields.iter().find(|f| match &f.member {
                syn::Member::Named(i) => i == n,
                syn::Member::Unnamed(_) => false,
            })
        };
        let mut s = Strategy {
            span: Span::from(e.span()),
            krate,
            name: last.clone(),
            unbounded: false,
            no_jitter: false,
            no_backoff: false,
            attempts: None,
            jitter_fix: None,
        };
        match (krate, last.as_str()) {
            ("backoff", "ExponentialBackoff") => {
                s.unbounded = field("max_elapsed_time").is_some_and(|f| is_none_expr(&f.expr));
                s.no_jitter = field("randomization_factor").is_some_and(|f| is_zero(&f.expr));
            }
            ("retry_policies", "ExponentialBackoff") => {
                s.unbounded = field("max_n_retries").is_some_and(|f| is_none_expr(&f.expr));
            }
            _ => return,
        }
        if s.unbounded || s.no_jitter {
            self.literal_spans.push(s.span);
            self.out.push(s);
        }
    }
}

/// Where a strategy value goes to retry something: arguments of a call
/// whose name says retry (`retry_notify(backoff, ..)`, `Retry::spawn(..)`,
/// `op.retry(b)`), and what a function returns (a helper that builds the
/// strategy for such a call). A local bound to a strategy counts when the
/// local itself goes there.
fn retry_inputs(file: &syn::File) -> Vec<Span> {
    #[derive(Default)]
    struct R {
        spans: Vec<Span>,
        /// `let name = init`: the init's span per name.
        lets: Vec<(String, Span)>,
        /// Names passed to a retry call or returned.
        names: Vec<String>,
    }
    impl R {
        fn input(&mut self, e: &Expr) {
            match strip_parens(e) {
                Expr::Path(p) if p.path.get_ident().is_some() => {
                    self.names.push(p.path.segments[0].ident.to_string());
                }
                Expr::Reference(r) => self.input(&r.expr),
                Expr::MethodCall(m) if m.method == "clone" => self.input(&m.receiver),
                other => self.spans.push(Span::from(other.span())),
            }
        }
        fn tail(&mut self, b: &syn::Block) {
            if let Some(syn::Stmt::Expr(e, None)) = b.stmts.last() {
                self.input(e);
            }
        }
    }
    fn says_retry(name: &str) -> bool {
        name.to_ascii_lowercase().contains("retry")
    }
    impl<'ast> Visit<'ast> for R {
        fn visit_local(&mut self, l: &'ast syn::Local) {
            self.lets.extend(let_init(l));
            syn::visit::visit_local(self, l);
        }
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            let named_retry = matches!(&*c.func, Expr::Path(p)
                if p.path.segments.iter().any(|s| says_retry(&s.ident.to_string())));
            if named_retry {
                c.args.iter().for_each(|a| self.input(a));
            }
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if says_retry(&m.method.to_string()) {
                m.args.iter().for_each(|a| self.input(a));
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
            if let Some(e) = &r.expr {
                self.input(e);
            }
            syn::visit::visit_expr_return(self, r);
        }
        fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
            self.tail(&f.block);
            syn::visit::visit_item_fn(self, f);
        }
        fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
            self.tail(&f.block);
            syn::visit::visit_impl_item_fn(self, f);
        }
    }
    let mut r = R::default();
    r.visit_file(file);
    let R {
        mut spans,
        lets,
        names,
    } = r;
    spans.extend(
        lets.into_iter()
            .filter(|(name, _)| names.contains(name))
            .map(|(_, span)| span),
    );
    spans
}

/// A strategy handed to a retry call: where the strategy is built (the
/// argument itself, the `let` that bound the local passed, or the body of
/// the file's function called for it) and whether a deadline surrounds the
/// retry (`timeout(d, ..)`, `.timeout(d)`).
struct StrategyUse {
    origin: Span,
    under_deadline: bool,
}

/// Every strategy handed to a retry call in the file (calls named as in
/// [`retry_inputs`]), resolved to where it is built.
fn retries_of_strategies(file: &syn::File) -> Vec<StrategyUse> {
    /// Where a retry call's argument is built: these spans (the argument
    /// itself, the `let`s that bound the local it names), or the body of
    /// the file's function of this name (called for it).
    enum Origin {
        Spans(Vec<Span>),
        Helper(String),
    }
    #[derive(Default)]
    struct R {
        /// Functions of the file: name -> body.
        bodies: Vec<(String, Span)>,
        /// `let name = init` of the current function.
        lets: Vec<(String, Span)>,
        deadlines: usize,
        uses: Vec<(Origin, bool)>,
    }
    impl R {
        fn arg(&mut self, e: &Expr) {
            let origin = match strip_parens(e) {
                Expr::Reference(r) => return self.arg(&r.expr),
                Expr::MethodCall(m) if m.method == "clone" => return self.arg(&m.receiver),
                Expr::Path(p) if p.path.get_ident().is_some() => {
                    let name = &p.path.segments[0].ident;
                    Origin::Spans(
                        self.lets
                            .iter()
                            .filter(|(n, _)| name == n)
                            .map(|&(_, s)| s)
                            .collect(),
                    )
                }
                // `helper()`, `Self::helper()`: a function of the file; a
                // path through a type (`Fixed::default()`) builds it here.
                Expr::Call(c) if c.args.is_empty() => match helper_name(&c.func) {
                    Some(name) => Origin::Helper(name),
                    None => Origin::Spans(vec![Span::from(c.span())]),
                },
                Expr::MethodCall(m) if m.args.is_empty() && is_self(&m.receiver) => {
                    Origin::Helper(m.method.to_string())
                }
                other => Origin::Spans(vec![Span::from(other.span())]),
            };
            self.uses.push((origin, self.deadlines > 0));
        }
        fn body(&mut self, name: &syn::Ident, b: &syn::Block) {
            // The braces' spans: a block's own `span()` prints the whole body.
            let span = Span::between(b.brace_token.span.open(), b.brace_token.span.close());
            self.bodies.push((name.to_string(), span));
            let saved = (std::mem::take(&mut self.lets), self.deadlines);
            self.deadlines = 0;
            self.visit_block(b);
            (self.lets, self.deadlines) = saved;
        }
        fn deadline(&mut self, is: bool, visit: impl FnOnce(&mut Self)) {
            self.deadlines += usize::from(is);
            visit(self);
            self.deadlines -= usize::from(is);
        }
    }
    fn helper_name(func: &Expr) -> Option<String> {
        let Expr::Path(p) = func else { return None };
        let segs = &p.path.segments;
        let own = segs.len() == 1 || (segs.len() == 2 && segs[0].ident == "Self");
        own.then(|| segs.last().map(|s| s.ident.to_string()))?
    }
    fn is_self(e: &Expr) -> bool {
        matches!(strip_parens(e), Expr::Path(p) if p.path.is_ident("self"))
    }
    impl<'ast> Visit<'ast> for R {
        fn visit_local(&mut self, l: &'ast syn::Local) {
            self.lets.extend(let_init(l));
            syn::visit::visit_local(self, l);
        }
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            let name = match &*c.func {
                Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
                _ => None,
            };
            let name = name.unwrap_or_default();
            // A call that runs the retry: `retry(..)`, `retry_notify(..)`,
            // `Retry::spawn(..)`; not one that keeps the strategy for later
            // (`Client::connect_with_retry(strategy)`).
            let runs_retry = matches!(&*c.func, Expr::Path(p) if {
                let segs: Vec<String> = p.path.segments.iter().map(|s| s.ident.to_string()).collect();
                segs.last().is_some_and(|l| l.starts_with("retry"))
                    || (segs.len() >= 2 && segs[segs.len() - 2].starts_with("Retry"))
            });
            if runs_retry {
                c.args.iter().for_each(|a| self.arg(a));
            }
            let deadline = name == "timeout" || name == "timeout_at";
            self.deadline(deadline, |r| syn::visit::visit_expr_call(r, c));
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if m.method.to_string().starts_with("retry") {
                m.args.iter().for_each(|a| self.arg(a));
            }
            let deadline = m.method == "timeout" || m.method == "timeout_at";
            self.deadline(deadline, |r| syn::visit::visit_expr_method_call(r, m));
        }
        fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
            self.body(&f.sig.ident, &f.block);
        }
        fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
            self.body(&f.sig.ident, &f.block);
        }
    }
    let mut r = R::default();
    r.visit_file(file);
    let mut out = Vec::new();
    for (origin, under_deadline) in r.uses {
        let spans: Vec<Span> = match origin {
            Origin::Spans(spans) => spans,
            Origin::Helper(name) => r
                .bodies
                .iter()
                .filter(|(n, _)| *n == name)
                .map(|&(_, s)| s)
                .collect(),
        };
        out.extend(spans.into_iter().map(|origin| StrategyUse {
            origin,
            under_deadline,
        }));
    }
    out
}

/// `let name = init`: the name and where its value is built.
fn let_init(l: &syn::Local) -> Option<(String, Span)> {
    match (&l.pat, &l.init) {
        (syn::Pat::Ident(pi), Some(init)) => {
            Some((pi.ident.to_string(), Span::from(init.expr.span())))
        }
        _ => None,
    }
}

fn is_none_expr(e: &Expr) -> bool {
    matches!(strip_parens(e), Expr::Path(p) if p.path.is_ident("None"))
}

fn is_zero(e: &Expr) -> bool {
    match strip_parens(e) {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Float(f),
            ..
        }) => f.base10_parse::<f64>().is_ok_and(|v| v == 0.0),
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => i.base10_parse::<u64>().is_ok_and(|v| v == 0),
        _ => false,
    }
}

impl<'ast> Visit<'ast> for V<'_, '_> {
    fn visit_expr(&mut self, e: &'ast Expr) {
        match e {
            Expr::MethodCall(_) | Expr::Call(_) if self.chain(e) => return,
            Expr::Struct(s) => self.struct_lit(s),
            _ => {}
        }
        syn::visit::visit_expr(self, e);
    }
}

/// Where a function calls itself, with the same arguments, on its own
/// failure path (a recursive retry): each call's span and the function's name.
pub fn recursive_retries(cx: &FileContext) -> Vec<(Span, String)> {
    struct R<'ast> {
        out: Vec<(Span, String)>,
        fns: FileFns<'ast>,
    }
    impl<'ast> R<'ast> {
        fn check_fn(
            &mut self,
            sig: &syn::Signature,
            block: &'ast syn::Block,
            attrs: &[syn::Attribute],
        ) {
            // A function that takes the next item (`poll_next`) and calls
            // itself after a failed one moves on to the next item.
            if crate::syntax::leash_attr(attrs, "retry").is_some()
                || crate::syntax::leash_attr(attrs, "allow").is_some()
                || super::is_item_op(&sig.ident.to_string())
            {
                return;
            }
            let params: Vec<String> = sig
                .inputs
                .iter()
                .filter_map(|a| match a {
                    syn::FnArg::Typed(t) => match &*t.pat {
                        syn::Pat::Ident(i) => Some(i.ident.to_string()),
                        _ => Some(String::new()),
                    },
                    syn::FnArg::Receiver(_) => None,
                })
                .collect();
            let has_self = sig.receiver().is_some();
            let mut f = Fail {
                name: sig.ident.to_string(),
                params,
                has_self,
                in_failure: 0,
                found: Vec::new(),
                block,
                fns: &self.fns,
                failures: Vec::new(),
                shadowing: Vec::new(),
            };
            f.visit_block(block);
            let name = sig.ident.to_string();
            self.out
                .extend(f.found.into_iter().map(|span| (span, name.clone())));
        }
    }
    impl<'ast> Visit<'ast> for R<'ast> {
        fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
            self.check_fn(&f.sig, &f.block, &f.attrs);
            syn::visit::visit_item_fn(self, f);
        }
        fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
            self.check_fn(&f.sig, &f.block, &f.attrs);
            syn::visit::visit_impl_item_fn(self, f);
        }
    }
    let mut r = R {
        out: Vec::new(),
        fns: FileFns::new(cx.file),
    };
    r.visit_file(cx.file);
    r.out
}

/// Finds a function's calls of itself on its own failure paths.
struct Fail<'f, 'ast> {
    name: String,
    params: Vec<String>,
    has_self: bool,
    in_failure: usize,
    found: Vec<Span>,
    block: &'ast syn::Block,
    fns: &'f FileFns<'ast>,
    /// The failed call and its failure branch, innermost last.
    failures: Vec<(Option<&'ast Expr>, Region<'ast>)>,
    /// Names bound by the `match` and `if let` patterns around the current
    /// point: a parameter's name among them is a part of the value matched
    /// (`Err(v) => lift(v)` recurses on the payload, toward the base case).
    /// A `let` that recomputes a parameter (`let delay = delay * 2`) does
    /// not shadow it: the recursion still retries.
    shadowing: Vec<String>,
}
impl<'ast> Fail<'_, 'ast> {
    /// A self-call after a failure that moved the state machine on
    /// (`this.restart_service(..); self.poll(cx)`) is the next state's
    /// step, not a retry.
    fn found(&mut self, span: Span) {
        let moved_on = self.failures.last().is_some_and(|(op, region)| {
            op.is_some_and(|op| moves_on(self.block, *region, op, self.fns))
        });
        if !moved_on {
            self.found.push(span);
        }
    }
}
fn failed_call(e: &Expr) -> Option<&Expr> {
    super::operation::resolve(e, &Default::default()).call
}
fn same_args(
    args: &syn::punctuated::Punctuated<Expr, syn::Token![,]>,
    params: &[String],
    shadowing: &[String],
) -> bool {
    if args.len() != params.len() {
        return false;
    }
    args.iter().zip(params).all(|(a, p)| {
        if shadowing.contains(p) {
            return false;
        }
        let mut e = a;
        loop {
            match e {
                Expr::Reference(r) => e = &r.expr,
                Expr::Unary(u) => e = &u.expr,
                Expr::Paren(x) => e = &x.expr,
                Expr::MethodCall(m) if m.method == "clone" && m.args.is_empty() => e = &m.receiver,
                _ => break,
            }
        }
        matches!(e, Expr::Path(x) if x.path.is_ident(p.as_str()))
    })
}
/// The names a pattern binds.
fn pat_bindings(p: &syn::Pat) -> Vec<String> {
    struct B(Vec<String>);
    impl<'ast> Visit<'ast> for B {
        fn visit_pat_ident(&mut self, i: &'ast syn::PatIdent) {
            self.0.push(i.ident.to_string());
            syn::visit::visit_pat_ident(self, i);
        }
    }
    let mut b = B(Vec::new());
    b.visit_pat(p);
    b.0
}

impl<'ast> Visit<'ast> for Fail<'_, 'ast> {
    fn visit_item(&mut self, _: &'ast syn::Item) {}
    fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
        self.visit_expr(&m.expr);
        for a in &m.arms {
            self.failures
                .push((failed_call(&m.expr), Region::Expr(&a.body)));
            self.visit_arm(a);
            self.failures.pop();
        }
    }
    fn visit_arm(&mut self, a: &'ast syn::Arm) {
        // `Some(Err(e))`: a stream's failed item, not a failed attempt.
        let failure = crate::syntax::any_ident(&a.pat, &mut |i| i == "Err")
            && !crate::syntax::any_ident(&a.pat, &mut |i| i == "Some")
            && !crate::syntax::any_ident(a, &mut super::is_readiness_ident);
        self.in_failure += usize::from(failure);
        let outer = self.shadowing.len();
        self.shadowing.extend(pat_bindings(&a.pat));
        syn::visit::visit_arm(self, a);
        self.shadowing.truncate(outer);
        self.in_failure -= usize::from(failure);
    }

    fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
        let (failure, tested) = match &*i.cond {
            Expr::Let(l) => (
                crate::syntax::any_ident(&l.pat, &mut |x| x == "Err"),
                &*l.expr,
            ),
            Expr::MethodCall(m) => (m.method == "is_err", &*m.receiver),
            other => (false, other),
        };
        self.visit_expr(&i.cond);
        self.in_failure += usize::from(failure);
        self.failures
            .push((failed_call(tested), Region::Block(&i.then_branch)));
        let outer = self.shadowing.len();
        if let Expr::Let(l) = &*i.cond {
            self.shadowing.extend(pat_bindings(&l.pat));
        }
        self.visit_block(&i.then_branch);
        self.shadowing.truncate(outer);
        self.failures.pop();
        self.in_failure -= usize::from(failure);
        if let Some((_, e)) = &i.else_branch {
            self.visit_expr(e);
        }
    }
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if self.in_failure > 0 && !self.has_self {
            if let Some(p) = call_path(c) {
                let segs: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
                if segs.last() == Some(&self.name)
                    && (segs.len() == 1 || (segs.len() == 2 && segs[0] == "Self"))
                    && same_args(&c.args, &self.params, &self.shadowing)
                {
                    self.found(Span::from(c.span()));
                }
            }
        }
        syn::visit::visit_expr_call(self, c);
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        if self.in_failure > 0
            && self.has_self
            && m.method == self.name.as_str()
            && matches!(strip_parens(&m.receiver), Expr::Path(p) if p.path.is_ident("self"))
            && same_args(&m.args, &self.params, &self.shadowing)
        {
            self.found(Span::from(m.span()));
        }
        syn::visit::visit_expr_method_call(self, m);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether each strategy the file's retry calls use runs under a
    /// deadline, by where the strategy is built (its line).
    fn uses(src: &str) -> Vec<(usize, bool)> {
        let file: syn::File = syn::parse_str(src).expect("parses");
        let mut out: Vec<(usize, bool)> = retries_of_strategies(&file)
            .iter()
            .map(|u| (u.origin.start.line, u.under_deadline))
            .collect();
        out.sort_unstable();
        out
    }

    #[test]
    fn a_strategy_is_followed_to_where_it_is_built() {
        // Written in the call, under `timeout(..)` and under `.timeout(d)`.
        assert_eq!(
            uses("async fn f() {\n timeout(d, Retry::spawn(Fixed::new(), op)).await;\n Retry::spawn(Fixed::new(), op).timeout(d).await;\n Retry::spawn(Fixed::default(), op).await;\n }"),
            [(2, true), (3, true), (4, false)]
        );
        // Bound to a local: the `let` is where it is built.
        assert_eq!(
            uses("async fn f() {\n let st = Fixed::new();\n Retry::spawn(st, op).await;\n }"),
            [(2, false)]
        );
        // Built by a helper of the file: its body, once per call.
        assert_eq!(
            uses("fn helper() -> S {\n Fixed::new() }\nasync fn f() {\n timeout(d, Retry::spawn(helper(), op)).await;\n Retry::spawn(helper(), op).await;\n }"),
            [(1, false), (1, true)]
        );
        // A deadline in one function does not reach into another.
        assert_eq!(
            uses("async fn g() { timeout(d, f()).await; }\nasync fn f() {\n Retry::spawn(Fixed::new(), op).await;\n }"),
            [(3, false)]
        );
    }
}
