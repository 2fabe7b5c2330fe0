//! `unbounded_fan_out`: all futures of an iterator of unknown size polled at once.

use crate::syntax::{call_path, last_segment, macro_call_name, method_chain, strip_parens};
use crate::{FileContext, Finding, Level, Lint, Sink, Span};
use std::collections::{HashMap, HashSet};
use syn::visit::Visit;

pub static LINT: Lint = Lint {
    name: "unbounded_fan_out",
    group: "concurrency",
    default_level: Level::Warn,
    summary: "all futures of an iterator of unknown size run at once, with no limit",
    docs: r#"## What it does
Reports concurrency over an iterator whose size is not fixed in the source, with
no limit: `join_all(..)` and `try_join_all(..)` (the `futures` ones and a crate's
own), `FuturesUnordered::from_iter(..)` and `.collect::<FuturesUnordered<_>>()`,
`for_each_concurrent(None | 0, ..)`, `try_for_each_concurrent(None | 0, ..)` and
`buffer_unordered(usize::MAX)`.

Not reported: an iterator of fixed size (an array or `vec![a, b]` literal, a
range with literal ends, a chain of `Option`s or tuple fields, a `Vec` filled by
`push` calls outside any loop), and any explicit limit other than `usize::MAX`
(`buffer_unordered(n)`, `buffered(n)`, `for_each_concurrent(n, ..)`).

## Why is this bad?
Every item becomes an in-flight request at the same moment. With ten items that
is fine; with ten thousand it is a burst that exhausts sockets and connection
pools, trips rate limits and overloads the service on the other side, and a
single slow item holds every other result in memory until it completes.

## Example
```rust
let responses = join_all(urls.iter().map(|u| client.get(u).send())).await;
```

## Use instead
Bound the number in flight with `buffer_unordered` (or `buffered` to keep order):
```rust
use futures::stream::{self, StreamExt};
const LIMIT: usize = 16;
let responses: Vec<_> = stream::iter(urls.iter().map(|u| client.get(u).send()))
    .buffer_unordered(LIMIT)
    .collect()
    .await;
```
"#,
    check: Some(check),
};

fn check(cx: &FileContext, sink: &mut Sink) {
    let mut v = Visitor {
        sink,
        cur_block: None,
        locals: std::cell::OnceCell::new(),
        options: HashSet::new(),
    };
    v.visit_file(cx.file);
}

struct Visitor<'s, 'ast> {
    sink: &'s mut Sink,
    /// The current function's body.
    cur_block: Option<&'ast syn::Block>,
    /// Local name -> (line of the `let`, initialiser), and the locals that get
    /// `push`/`extend`/`insert` calls inside a loop (computed on first use).
    locals: std::cell::OnceCell<LocalsInfo<'ast>>,
    /// Parameters of type `Option<..>`.
    options: HashSet<String>,
}

type LocalsInfo<'ast> = (
    HashMap<String, Vec<(usize, &'ast syn::Expr)>>,
    HashSet<String>,
);

/// Collects the function's locals and the names filled inside loops.
struct Locals<'ast> {
    locals: HashMap<String, Vec<(usize, &'ast syn::Expr)>>,
    pushed_in_loop: HashSet<String>,
    loop_depth: usize,
}

impl<'ast> Visit<'ast> for Locals<'ast> {
    fn visit_local(&mut self, l: &'ast syn::Local) {
        let pat = match &l.pat {
            syn::Pat::Type(pt) => &*pt.pat,
            p => p,
        };
        if let (syn::Pat::Ident(pi), Some(init)) = (pat, &l.init) {
            let line = Span::from(l.let_token.span).start.line;
            self.locals
                .entry(pi.ident.to_string())
                .or_default()
                .push((line, &init.expr));
        }
        syn::visit::visit_local(self, l);
    }
    crate::track_loop_depth!(loop_depth);
    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        self.loop_depth += 1;
        syn::visit::visit_expr_closure(self, c);
        self.loop_depth -= 1;
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let name = m.method.to_string();
        let filling = matches!(
            name.as_str(),
            "push" | "push_back" | "push_front" | "extend" | "insert" | "append"
        );
        if filling && (self.loop_depth > 0 || name == "extend" || name == "append") {
            if let syn::Expr::Path(p) = strip_parens(&m.receiver) {
                if let Some(i) = p.path.get_ident() {
                    self.pushed_in_loop.insert(i.to_string());
                }
            }
        }
        syn::visit::visit_expr_method_call(self, m);
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

impl<'s, 'ast> Visitor<'s, 'ast> {
    fn enter_fn(&mut self, sig: &'ast syn::Signature, block: &'ast syn::Block) {
        // Nothing in an empty (or blanked) body.
        if block.stmts.is_empty() {
            return;
        }
        // Parameters of type `Option<..>` hold at most one item.
        let mut options = HashSet::new();
        for input in &sig.inputs {
            if let syn::FnArg::Typed(pt) = input {
                if let (syn::Pat::Ident(pi), syn::Type::Path(tp)) = (&*pt.pat, &*pt.ty) {
                    if tp.path.segments.last().is_some_and(|s| s.ident == "Option") {
                        options.insert(pi.ident.to_string());
                    }
                }
            }
        }
        let saved_options = std::mem::replace(&mut self.options, options);
        let saved_block = self.cur_block.replace(block);
        let saved_locals = std::mem::take(&mut self.locals);
        self.visit_block(block);
        self.locals = saved_locals;
        self.cur_block = saved_block;
        self.options = saved_options;
    }

    /// The function's locals and the names filled in loops, collected on first use.
    fn locals(&self) -> &LocalsInfo<'ast> {
        self.locals.get_or_init(|| {
            let mut l = Locals {
                locals: HashMap::new(),
                pushed_in_loop: HashSet::new(),
                loop_depth: 0,
            };
            if let Some(b) = self.cur_block {
                l.visit_block(b);
            }
            (l.locals, l.pushed_in_loop)
        })
    }

    /// The initialiser of the last `let name` before `line`.
    fn local_init(&self, name: &str, line: usize) -> Option<&'ast syn::Expr> {
        self.locals()
            .0
            .get(name)?
            .iter()
            .filter(|(l, _)| *l < line)
            .max_by_key(|(l, _)| *l)
            .map(|(_, e)| *e)
    }

    /// Is the number of items of this iterable fixed in the source?
    fn fixed_size(&self, e: &syn::Expr, line: usize, depth: usize) -> bool {
        if depth > 6 {
            return false;
        }
        let (calls, root) = method_chain(e);
        for m in &calls {
            let name = m.method.to_string();
            if matches!(name.as_str(), "flat_map" | "flatten" | "cycle") {
                return false;
            }
            if name == "take"
                && m.args
                    .first()
                    .and_then(crate::syntax::int_literal)
                    .is_some()
            {
                return true;
            }
            if name == "chain" || name == "zip" {
                if let Some(a) = m.args.first() {
                    if !self.fixed_size(a, line, depth + 1) {
                        return false;
                    }
                }
            }
        }
        let root = match strip_parens(root) {
            syn::Expr::Reference(r) => strip_parens(&r.expr),
            r => r,
        };
        match root {
            syn::Expr::Array(_) | syn::Expr::Tuple(_) => true,
            syn::Expr::Range(r) => {
                r.start
                    .as_deref()
                    .is_none_or(|s| crate::syntax::int_literal(s).is_some())
                    && r.end
                        .as_deref()
                        .is_some_and(|s| crate::syntax::int_literal(s).is_some())
            }
            // A tuple field: one value (an `Option`, a future) of a fixed tuple.
            syn::Expr::Field(f) => matches!(f.member, syn::Member::Unnamed(_)),
            syn::Expr::Call(c) => {
                if macro_call_name(c).as_deref() == Some("vec") {
                    return true;
                }
                call_path(c)
                    .and_then(last_segment)
                    .is_some_and(|l| matches!(l.as_str(), "Some" | "once" | "None"))
            }
            syn::Expr::Path(p) => {
                let Some(ident) = p.path.get_ident() else {
                    return false;
                };
                let name = ident.to_string();
                if self.options.contains(&name) {
                    return true;
                }
                let Some(init) = self.local_init(&name, line) else {
                    return false;
                };
                if self.locals().1.contains(&name) {
                    return false;
                }
                if is_empty_collection(init) {
                    return true;
                }
                self.fixed_size(init, line, depth + 1)
            }
            _ => false,
        }
    }

    fn report(&mut self, span: Span, what: &str, why: &str) {
        self.sink.report(
            Finding::new(
                LINT.name,
                span,
                format!("unbounded fan-out: `{what}` {why}"),
            )
            .label("every item is in flight at the same time")
            .help("bound the number in flight: `stream::iter(futures).buffer_unordered(LIMIT)` (or `.buffered(LIMIT)` to keep order)")
            .note("a large input becomes a burst of concurrent requests that exhausts connections and overloads the service behind them"),
        );
    }
}

/// `Vec::new()`, `Vec::with_capacity(..)`, `vec![]`, `Default::default()`.
fn is_empty_collection(e: &syn::Expr) -> bool {
    match strip_parens(e) {
        syn::Expr::Call(c) => {
            if macro_call_name(c).as_deref() == Some("vec") {
                return c.args.is_empty();
            }
            call_path(c)
                .and_then(last_segment)
                .is_some_and(|l| matches!(l.as_str(), "new" | "with_capacity" | "default"))
        }
        _ => false,
    }
}

fn is_max(e: &syn::Expr) -> bool {
    match strip_parens(e) {
        syn::Expr::Path(p) => {
            let segs: Vec<String> = p
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            segs.last().is_some_and(|l| l == "MAX")
        }
        syn::Expr::Cast(c) => is_max(&c.expr),
        _ => false,
    }
}

fn is_none_or_zero(e: &syn::Expr) -> bool {
    match strip_parens(e) {
        syn::Expr::Path(p) => p.path.is_ident("None"),
        other => crate::syntax::int_literal(other) == Some(0),
    }
}

fn turbofish_names(m: &syn::ExprMethodCall, name: &str) -> bool {
    m.turbofish
        .as_ref()
        .is_some_and(|t| crate::syntax::any_ident(&t.args, &mut |i| i == name))
}

impl<'ast> Visit<'ast> for Visitor<'_, 'ast> {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.enter_fn(&f.sig, &f.block);
    }
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.enter_fn(&f.sig, &f.block);
    }
    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if let Some(b) = &f.default {
            self.enter_fn(&f.sig, b);
        }
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        // `let set: FuturesUnordered<_> = iter.collect();`
        if let (syn::Pat::Type(pt), Some(init)) = (&l.pat, &l.init) {
            if crate::syntax::any_ident(&pt.ty, &mut |i| i == "FuturesUnordered") {
                if let syn::Expr::MethodCall(m) = strip_parens(&init.expr) {
                    if m.method == "collect" {
                        let span = crate::syntax::method_call_span(m);
                        if !self.fixed_size(&m.receiver, span.start.line, 0) {
                            self.report(
                                span,
                                "collect::<FuturesUnordered<_>>",
                                "polls one future per item at once, with no limit",
                            );
                        }
                    }
                }
            }
        }
        syn::visit::visit_local(self, l);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if macro_call_name(c).is_none() {
            if let Some(path) = call_path(c) {
                let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
                let last = segs.last().map(String::as_str).unwrap_or("");
                let n = segs.len();
                let span = crate::syntax::call_span(c);
                let line = span.start.line;
                if matches!(last, "join_all" | "try_join_all") && c.args.len() == 1 {
                    if !self.fixed_size(&c.args[0], line, 0) {
                        self.report(
                            span,
                            last,
                            "runs one future per item at once, with no limit",
                        );
                    }
                } else if last == "from_iter"
                    && n >= 2
                    && segs[n - 2] == "FuturesUnordered"
                    && c.args.len() == 1
                    && !self.fixed_size(&c.args[0], line, 0)
                {
                    self.report(
                        span,
                        "FuturesUnordered::from_iter",
                        "polls one future per item at once, with no limit",
                    );
                }
            }
        }
        syn::visit::visit_expr_call(self, c);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let name = m.method.to_string();
        let span = crate::syntax::method_call_span(m);
        match name.as_str() {
            "for_each_concurrent" | "try_for_each_concurrent"
                if m.args.first().is_some_and(is_none_or_zero) =>
            {
                self.report(
                    span,
                    &name,
                    "with no limit (`None` or 0) runs every item of the stream at once",
                );
            }
            "buffer_unordered" | "buffered" if m.args.first().is_some_and(is_max) => {
                self.report(
                    span,
                    &name,
                    "with `usize::MAX` is no limit: every item of the stream runs at once",
                );
            }
            "collect"
                if turbofish_names(m, "FuturesUnordered")
                    && !self.fixed_size(&m.receiver, span.start.line, 0) =>
            {
                self.report(
                    span,
                    "collect::<FuturesUnordered<_>>",
                    "polls one future per item at once, with no limit",
                );
            }
            _ => {}
        }
        syn::visit::visit_expr_method_call(self, m);
    }
}
