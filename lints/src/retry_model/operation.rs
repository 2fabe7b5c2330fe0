//! The operation a failure site retries, and whether the loop changes what it
//! is called with between attempts (then the loop is a search, not a retry).

use super::helpers::FileFns;
use super::{has_jitter_source, idents_of, is_compound_assign, is_state_ident, written_local};
use crate::finding::Span;
use crate::syntax::{call_name, call_path, path_string, strip_await_try, strip_parens};
use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Block, Expr};

pub(super) type Locals<'ast> = HashMap<String, Vec<&'ast Expr>>;

/// Methods that wrap the operation (a span, a pinned or boxed future, an error
/// mapping): the operation is their receiver.
const WRAPPER_METHODS: &[&str] = &[
    "instrument",
    "in_current_span",
    "with_current_subscriber",
    "with_subscriber",
    "boxed",
    "boxed_local",
    "fuse",
    "map_err",
    "err_into",
    "map",
    "into_future",
    "context",
    "with_context",
    "timeout",
    "compat",
];

/// The operation of a failure site, looked for through wrappers and through
/// the locals that hold its result.
pub(super) struct Operation<'ast> {
    /// The call retried (`None`: it cannot be named, as for a parameter or a
    /// macro's result).
    pub call: Option<&'ast Expr>,
    /// The expressions followed on the way, the site's first.
    pub chain: Vec<&'ast Expr>,
    /// A `catch_unwind` wraps it: a loop around it isolates panics.
    pub catch_unwind: bool,
}

impl Operation<'_> {
    /// The callee's name (`fetch(..).instrument(s).await` -> `fetch`).
    pub fn name(&self) -> Option<String> {
        match self.call? {
            Expr::MethodCall(m) => Some(m.method.to_string()),
            Expr::Call(c) => call_name(c),
            _ => None,
        }
    }
}

pub(super) fn resolve<'ast>(expr: &'ast Expr, locals: &Locals<'ast>) -> Operation<'ast> {
    let mut op = Operation {
        call: None,
        chain: Vec::new(),
        catch_unwind: false,
    };
    op.call = unwrap(expr, locals, &mut op, 0);
    op
}

/// The request behind a retryable-status test (`resp.status() == 429`,
/// `code == TOO_MANY_REQUESTS` with `let code = resp.status()`): the call
/// whose response it reads.
pub(super) fn status_operation<'ast>(
    cond: &'ast Expr,
    locals: &Locals<'ast>,
) -> Option<Operation<'ast>> {
    struct F<'l, 'ast> {
        locals: &'l Locals<'ast>,
        found: Option<Operation<'ast>>,
        depth: usize,
    }
    impl<'ast> F<'_, 'ast> {
        /// The operation behind a response, looking through `.status()`.
        fn response(&mut self, e: &'ast Expr) {
            let e = strip_await_try(e);
            match e {
                Expr::MethodCall(m) if m.method == "status" => self.response(&m.receiver),
                Expr::Path(p) if self.depth < 4 => {
                    let defs = p
                        .path
                        .get_ident()
                        .and_then(|i| self.locals.get(&i.to_string()));
                    for d in defs.into_iter().flatten() {
                        self.depth += 1;
                        self.response(d);
                        self.depth -= 1;
                    }
                }
                _ => {
                    let op = resolve(e, self.locals);
                    if self.found.is_none() && op.name().is_some() {
                        self.found = Some(op);
                    }
                }
            }
        }
    }
    impl<'ast> Visit<'ast> for F<'_, 'ast> {
        fn visit_expr(&mut self, e: &'ast Expr) {
            match e {
                Expr::MethodCall(m) if m.method == "status" => self.response(&m.receiver),
                Expr::Path(p) if p.path.get_ident().is_some() => self.response(e),
                _ => {}
            }
            syn::visit::visit_expr(self, e);
        }
    }
    let mut f = F {
        locals,
        found: None,
        depth: 0,
    };
    f.visit_expr(cond);
    f.found
}

fn unwrap<'ast>(
    expr: &'ast Expr,
    locals: &Locals<'ast>,
    op: &mut Operation<'ast>,
    depth: usize,
) -> Option<&'ast Expr> {
    if depth > 8 {
        return None;
    }
    op.chain.push(expr);
    let e = strip_await_try(expr);
    match e {
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            if name == "catch_unwind" {
                op.catch_unwind = true;
                return unwrap(&m.receiver, locals, op, depth + 1);
            }
            if WRAPPER_METHODS.contains(&name.as_str()) {
                return unwrap(&m.receiver, locals, op, depth + 1);
            }
            Some(e)
        }
        Expr::Call(c) => {
            let name = call_name(c).unwrap_or_default();
            let path = call_path(c).map(path_string).unwrap_or_default();
            if name == "catch_unwind" {
                op.catch_unwind = true;
                return c.args.last().and_then(|a| unwrap(a, locals, op, depth + 1));
            }
            let inner = match name.as_str() {
                "AssertUnwindSafe" => c.args.first(),
                "pin" | "new" if path.contains("Box") || path.contains("pin") => c.args.first(),
                "timeout" => c.args.last(),
                _ => return Some(e),
            };
            inner.and_then(|a| unwrap(a, locals, op, depth + 1))
        }
        Expr::Reference(r) => unwrap(&r.expr, locals, op, depth + 1),
        Expr::Block(b) => tail(&b.block).and_then(|t| unwrap(t, locals, op, depth + 1)),
        Expr::Unsafe(b) => tail(&b.block).and_then(|t| unwrap(t, locals, op, depth + 1)),
        Expr::Path(p) => {
            let defs = locals.get(&p.path.get_ident()?.to_string())?;
            // The first definition that names a call (`let mut res = None;
            // .. res = op();` names `op`).
            defs.iter()
                .find_map(|d| unwrap(d, locals, op, depth + 1).filter(|c| !std::ptr::eq(*c, e)))
        }
        _ => None,
    }
}

fn tail(b: &Block) -> Option<&Expr> {
    match b.stmts.last()? {
        syn::Stmt::Expr(e, None) => Some(e),
        _ => None,
    }
}

/// The variables an expression reads: plain names and the fields of `self`
/// (`self.inner.get()` reads `inner`), not the parameters of its closures.
pub(super) fn vars_of(e: &Expr) -> Vec<String> {
    struct V {
        out: Vec<String>,
        params: Vec<String>,
    }
    impl<'ast> Visit<'ast> for V {
        fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
            if let Some(i) = p.path.get_ident() {
                self.out.push(i.to_string());
            }
        }
        fn visit_expr_field(&mut self, f: &'ast syn::ExprField) {
            if let (Expr::Path(p), syn::Member::Named(m)) = (strip_parens(&f.base), &f.member) {
                if p.path.is_ident("self") {
                    self.out.push(m.to_string());
                }
            }
            syn::visit::visit_expr_field(self, f);
        }
        fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
            for p in &c.inputs {
                self.params.extend(idents_of(p));
            }
            syn::visit::visit_expr_closure(self, c);
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            self.out.extend(idents_of(&m.tokens));
        }
        // `format!("{dir}.{attempt}")` reads `dir` and `attempt`.
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if crate::syntax::macro_call_name(c).is_some() {
                if let Some(Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                })) = c.args.first()
                {
                    self.out.extend(inline_format_args(&s.value()));
                }
            }
            syn::visit::visit_expr_call(self, c);
        }
    }
    let mut v = V {
        out: Vec::new(),
        params: Vec::new(),
    };
    v.visit_expr(e);
    let params = v.params;
    v.out.retain(|i| {
        i != "self"
            && !params.contains(i)
            && i.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
    });
    v.out
}

/// The names a format string captures inline (`"{dir}.{attempt:02}"`).
fn inline_format_args(fmt: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = fmt;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        if let Some(after) = rest.strip_prefix('{') {
            // `{{` is a literal brace
            rest = after;
            continue;
        }
        let end = rest.find(['}', ':']).unwrap_or(rest.len());
        let name = &rest[..end];
        let is_ident = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if is_ident {
            out.push(name.to_string());
        }
    }
    out
}

/// The variables a value comes from: for a `match`, `if` or block, what it
/// tests and the values its branches give (not the statements they run, nor
/// branches that leave).
fn value_vars(e: &Expr) -> Vec<String> {
    let tail = |b: &Block| match b.stmts.last() {
        Some(syn::Stmt::Expr(t, None)) => value_vars(t),
        _ => Vec::new(),
    };
    match strip_parens(e) {
        Expr::Match(m) => {
            let mut v = vars_of(&m.expr);
            for a in &m.arms {
                if !super::always_exits(&a.body, None, 0) {
                    v.extend(value_vars(&a.body));
                }
            }
            v
        }
        Expr::If(i) => {
            let mut v = vars_of(&i.cond);
            v.extend(tail(&i.then_branch));
            if let Some((_, els)) = &i.else_branch {
                v.extend(value_vars(els));
            }
            v
        }
        Expr::Block(b) => tail(&b.block),
        Expr::Continue(_) | Expr::Return(_) | Expr::Break(_) => Vec::new(),
        other => vars_of(other),
    }
}

/// Counters, delays and budgets change between attempts of a real retry:
/// they are not the operation's input.
fn is_budget_name(n: &str) -> bool {
    let l = n.to_ascii_lowercase();
    is_state_ident(n)
        || [
            "delay", "timeout", "wait", "sleep", "interval", "count", "backoff",
        ]
        .iter()
        .any(|k| l.contains(k))
}

/// What the loop needs to decide whether an operation's input changes.
pub(super) struct LoopInputs<'l, 'ast> {
    pub body: &'ast Block,
    pub locals: &'l Locals<'ast>,
    /// Names bound by `let`s and patterns, with what they are taken from.
    pub bindings: &'l Locals<'ast>,
    pub fns: &'l FileFns<'ast>,
    /// Names bound by `Err(..)` patterns: `msg = returned` gives the same
    /// input back, it does not change it.
    pub err_names: &'l [String],
    /// Variables bound by a `for` pattern: a new one each time round.
    pub for_vars: &'l [String],
    /// The loop body's statements before the one holding the operation.
    pub before: &'ast [syn::Stmt],
    /// What the body writes, walked once for all the loop's sites.
    pub writes: &'l OnceCell<BodyWrites<'ast>>,
}

impl<'ast> LoopInputs<'_, 'ast> {
    /// Does the loop change the operation's input before the next attempt: a
    /// new value, a step (`offset += n`, `buf.reserve(n)`, `names.pop()`), or
    /// a fresh random one? Then each attempt is another call, not a retry.
    /// `success`: the site's success branch, whose changes come after the
    /// operation succeeded (the next item, not the next attempt).
    pub fn changes(
        &self,
        op: &Operation<'ast>,
        site: &'ast Expr,
        success: Option<&'ast Expr>,
        success_block: Option<&'ast Block>,
    ) -> bool {
        let inputs = self.inputs(op);
        let writes = self.writes.get_or_init(|| self.body_writes());
        // The site's own writes do not count: the operation does not change
        // its own input, nor does what runs after it succeeded.
        let skipped: Vec<Range<usize>> = [Some(site), op.call, success]
            .into_iter()
            .flatten()
            .filter_map(|e| writes.within.get(&(e as *const Expr as usize)))
            .chain(success_block.and_then(|b| writes.within.get(&(b as *const Block as usize))))
            .cloned()
            .collect();
        let counted = |i: &usize| !skipped.iter().any(|r| r.contains(i));
        let defs = [self.locals, self.bindings];
        // A counter or delay passed as such is the retry's own budget; a
        // value built from it (`format!("{dir}.{attempt}")`, the problem at
        // inflation level `attempt`) is another input.
        let input = |n: &&String| !is_budget_name(n) || inputs.derived.contains(*n);
        // A `for` binds a new value each time round: a different target
        // when it is the receiver (`for client in nodes { client.get() }`).
        inputs.names.iter().filter(input).any(|n| {
            self.for_vars.contains(n)
                || writes.names.get(n).is_some_and(|at| at.iter().any(counted))
        }) || inputs
            .receivers
            .iter()
            .filter(|n| !is_budget_name(n))
            .any(|n| {
                self.for_vars.contains(n)
                    || writes.steps.get(n).is_some_and(|at| {
                        at.iter()
                            .any(|w| counted(&w.at) && w.is_step(|right| reads(defs, right, n, 0)))
                    })
            })
            || self.refilled(&inputs, |v| {
                writes
                    .assigned
                    .get(v)
                    .is_some_and(|at| at.iter().any(counted))
            })
            || self.random_input(&inputs.exprs)
            || self.asks_before()
    }

    /// Each round asks a person before the operation (`let input =
    /// ask_free_text(..)`): a human paces the loop, and each attempt checks
    /// a new answer.
    fn asks_before(&self) -> bool {
        self.before.iter().any(|st| {
            super::shapes::stmt_asks_a_person(st)
                || super::helpers::local_calls_in_stmt(st)
                    .iter()
                    .any(|c| self.fns.asks(c))
        })
    }

    /// Walks the loop body once: every write, and the writes each node holds.
    fn body_writes(&self) -> BodyWrites<'ast> {
        let mut m = Mutations {
            writes: BodyWrites::default(),
            restored_from: self.err_names,
        };
        m.visit_block(self.body);
        m.writes
    }

    /// A statement before the operation hands one of its inputs to a call
    /// together with a value the loop assigns (`fill(state, target).await?`
    /// after `target *= 2`): the input is filled anew from it each round.
    fn refilled(&self, inputs: &Inputs, assigned: impl Fn(&str) -> bool) -> bool {
        let is_input = |v: &String| inputs.names.contains(v) || inputs.receivers.contains(v);
        self.before.iter().any(|st| {
            let mut calls = CallArgs(Vec::new());
            calls.visit_stmt(st);
            calls.0.iter().any(|vars| {
                vars.iter().any(is_input)
                    && vars
                        .iter()
                        .any(|v| !is_input(v) && !is_budget_name(v) && assigned(v))
            })
        })
    }

    /// The names the operation's arguments and receivers come from, followed
    /// through the locals that hold them.
    fn inputs(&self, op: &Operation<'ast>) -> Inputs<'ast> {
        // The definitions read on the way (not the operation's own call: an
        // operation that draws random numbers is not called with them).
        let mut exprs: Vec<&'ast Expr> = Vec::new();
        // The call's own arguments, those of its receiver chain included
        // (`client.get(url).send()`), not those of wrappers (`.instrument(span)`).
        let args: Vec<String> = op.call.map(call_args).unwrap_or_default();
        let mut derived = HashSet::new();
        let names = self.follow(args, &mut exprs, &mut derived);
        // A receiver is another one only when stepped (`conn = connect()?`
        // replaces the connection: the same operation again), and so is what
        // it comes from (`match &mut self.state { S::Up(c) => c.poll() }`).
        let receivers = self.follow(
            op.call.map(receiver_names).unwrap_or_default(),
            &mut exprs,
            &mut HashSet::new(),
        );
        Inputs {
            names,
            receivers,
            derived,
            exprs,
        }
    }

    /// `start` and the names their definitions read, and so on. `derived`
    /// gets the names read by the definition of an input that is not itself
    /// a counter or delay.
    fn follow(
        &self,
        start: Vec<String>,
        exprs: &mut Vec<&'ast Expr>,
        derived: &mut HashSet<String>,
    ) -> HashSet<String> {
        let mut seen = HashSet::new();
        let mut todo = start;
        while let Some(n) = todo.pop() {
            if seen.len() > 64 || !seen.insert(n.clone()) {
                continue;
            }
            for d in self.bindings.get(&n).into_iter().flatten() {
                exprs.push(d);
                let read = value_vars(d);
                if !is_budget_name(&n) {
                    derived.extend(read.iter().cloned());
                }
                todo.extend(read);
            }
        }
        seen
    }

    /// An input drawn at random inside the loop (a free-port or temporary-name
    /// search), or a person's new answer: `fastrand::u16(..)`, or a helper of the file that draws one.
    fn random_input(&self, exprs: &[&'ast Expr]) -> bool {
        // The braces' span: `Spanned::span` would print the whole body.
        let body = Span::from(self.body.brace_token.span.join());
        exprs.iter().any(|e| {
            let s = Span::from(e.span());
            let inside = body.start <= s.start && s.end <= body.end;
            inside
                && (has_jitter_source(*e)
                    || super::shapes::asks_a_person(super::state_machine::Region::Expr(e))
                    || super::callee_names(e).iter().any(|c| {
                        self.fns.random(c) || super::is_fresh_id_call(c) || self.fns.asks(c)
                    }))
        })
    }
}

struct Inputs<'ast> {
    /// Any change to these changes the call.
    names: HashSet<String>,
    /// A step of these does.
    receivers: HashSet<String>,
    /// Names read by the definition of another input: a counter among them
    /// builds a new input each round.
    derived: HashSet<String>,
    /// The expressions read on the way.
    exprs: Vec<&'ast Expr>,
}

/// The variables each call hands over (its arguments, and a method's
/// receiver), one set per call, not inside closures.
struct CallArgs(Vec<Vec<String>>);

impl<'ast> Visit<'ast> for CallArgs {
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if crate::syntax::macro_call_name(c).is_none() {
            self.0.push(c.args.iter().flat_map(vars_of).collect());
        }
        syn::visit::visit_expr_call(self, c);
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let mut vars = vars_of(crate::syntax::method_chain(&m.receiver).1);
        vars.extend(m.args.iter().flat_map(vars_of));
        self.0.push(vars);
        syn::visit::visit_expr_method_call(self, m);
    }
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// The variables read by the arguments of the calls in an expression.
fn call_args(e: &Expr) -> Vec<String> {
    struct A(Vec<String>);
    impl<'ast> Visit<'ast> for A {
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            for a in &c.args {
                self.0.extend(vars_of(a));
            }
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            for a in &m.args {
                self.0.extend(vars_of(a));
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    }
    let mut a = A(Vec::new());
    a.visit_expr(e);
    a.0
}

/// The receiver a method call is made on: a local (`input.uncons()`) or a
/// field of `self` (`self.inner.remove(..)`), not `self` itself.
fn receiver_names(call: &Expr) -> Vec<String> {
    let Expr::MethodCall(m) = call else {
        return Vec::new();
    };
    let (_, root) = crate::syntax::method_chain(&m.receiver);
    vars_of(root)
}

/// What a loop body writes, numbered in the order the walk meets them.
/// `names`: anything assigned, stepped, or lent mutably; `steps`: changes that
/// move from the old value to the next one (`x += 1`, `buf.push(..)`, `node =
/// node.parent()`), which is what turns a receiver into another one (`conn =
/// connect()?` only replaces it). Each names the writes of that name.
#[derive(Default)]
pub(super) struct BodyWrites<'ast> {
    names: HashMap<String, Vec<usize>>,
    steps: HashMap<String, Vec<Step<'ast>>>,
    /// Names given a new value by an assignment (`x = ..`, `x *= 2`).
    assigned: HashMap<String, Vec<usize>>,
    count: usize,
    /// For each expression or block (by address) that holds writes, the
    /// numbers of those writes: a subtree's writes are numbered in a row, so
    /// a site leaves out its own without walking the body again.
    within: HashMap<usize, Range<usize>>,
}

/// A write that may step its variable.
struct Step<'ast> {
    at: usize,
    /// An assignment steps the variable when its value reads it (`node =
    /// node.parent()`): decided when a site asks, once. Reading the value of
    /// every assignment as the walk meets it would read `a = b = c = ..` once
    /// per `=`.
    from: Option<&'ast Expr>,
    reads: std::cell::Cell<Option<bool>>,
}

impl<'ast> Step<'ast> {
    fn is_step(&self, reads: impl FnOnce(&'ast Expr) -> bool) -> bool {
        let Some(right) = self.from else {
            return true;
        };
        if let Some(known) = self.reads.get() {
            return known;
        }
        let r = reads(right);
        self.reads.set(Some(r));
        r
    }
}

/// Walks a loop body for its [`BodyWrites`].
struct Mutations<'l, 'ast> {
    writes: BodyWrites<'ast>,
    restored_from: &'l [String],
}

/// Methods that change their receiver.
const MUTATING: &[&str] = &[
    "reserve",
    "resize",
    "push",
    "extend",
    "clear",
    "truncate",
    "grow",
    "advance",
    "consume",
    "drain",
    "set_len",
    "insert",
    "remove",
    "pop",
    "ensure",
    "fill",
    "reset",
    "recover",
    "update",
    "append",
    "split_off",
    "rotate",
    "retain",
    "shuffle",
    "swap",
    "iter_mut",
    "next",
    "skip",
    "seek",
];

impl<'ast> Mutations<'_, 'ast> {
    /// An assignment that does not give the input another value: the input
    /// the error handed back (`Err((e, msg)) => input = msg`), a flag
    /// (`first = false` flips once), a value kept unless a new one is given
    /// (`level = new.unwrap_or(level)`).
    fn same_value(&self, a: &syn::ExprAssign) -> bool {
        let restored = matches!(&*a.right, Expr::Path(p) if p.path.get_ident().is_some_and(|i| self.restored_from.contains(&i.to_string())));
        let flag = matches!(&*a.right, Expr::Lit(l) if matches!(l.lit, syn::Lit::Bool(_)));
        let kept = match (written_local(&a.left), strip_parens(&a.right)) {
            (Some(n), Expr::MethodCall(m)) if m.method.to_string().starts_with("unwrap_or") => {
                m.args.iter().any(|x| vars_of(x).contains(&n))
            }
            _ => false,
        };
        restored || flag || kept
    }

    /// A write of `n`. `step`: it steps `n` (`Some(None)`), or, for an
    /// assignment, does when its value reads `n` (`Some(Some(value))`).
    fn write(&mut self, n: String, step: Option<Option<&'ast Expr>>) {
        let w = &mut self.writes;
        if let Some(from) = step {
            w.steps.entry(n.clone()).or_default().push(Step {
                at: w.count,
                from,
                reads: Default::default(),
            });
        }
        w.names.entry(n).or_default().push(w.count);
        w.count += 1;
    }

    /// An assignment of `n` (`x = ..`, `x *= 2`): a write that gives it a new
    /// value. `from`: the value of `x = ..`, a step when it reads `x`; `None`
    /// for `x *= 2`, always a step.
    fn assign(&mut self, n: String, from: Option<&'ast Expr>) {
        let w = &mut self.writes;
        w.assigned.entry(n.clone()).or_default().push(w.count);
        self.write(n, Some(from));
    }

    /// Records the writes `node` holds, found while `walk` visits it.
    fn holding(&mut self, node: usize, walk: impl FnOnce(&mut Self)) {
        #[cfg(test)]
        super::tests::MUTATION_VISITS.with(|v| v.set(v.get() + 1));
        let start = self.writes.count;
        walk(self);
        if self.writes.count > start {
            self.writes.within.insert(node, start..self.writes.count);
        }
    }

    /// A call that borrows a variable mutably (`fill_next(&mut bytes)`) may
    /// change it.
    fn lent<'e>(&mut self, args: impl Iterator<Item = &'e Expr>) {
        for a in args {
            if let Expr::Reference(r) = strip_parens(a) {
                if let Some(n) = r.mutability.and_then(|_| written_local(&r.expr)) {
                    self.write(n, Some(None));
                }
            }
        }
    }
}

/// Does `e` come from `n`: read it, directly or through the locals it uses
/// (`defs`: locals and pattern bindings), or name what a method of `n` gave
/// (`if let Some(next) = node.parent() { node = next }`)?
fn reads(defs: [&Locals<'_>; 2], e: &Expr, n: &str, depth: usize) -> bool {
    let [locals, bindings] = defs;
    let vars = vars_of(e);
    #[cfg(test)]
    super::tests::READ_VARS.with(|r| r.set(r.get() + vars.len()));
    vars.iter().any(|v| {
        let from_method_of_n = || {
            bindings.get(v).into_iter().flatten().any(|d| {
                let (calls, root) = crate::syntax::method_chain(d);
                !calls.is_empty() && vars_of(root) == [n]
            })
        };
        v == n
            || (depth < 3
                && locals
                    .get(v)
                    .into_iter()
                    .flatten()
                    .any(|d| reads(defs, d, n, depth + 1)))
            || from_method_of_n()
    })
}

impl<'ast> Visit<'ast> for Mutations<'_, 'ast> {
    fn visit_expr(&mut self, e: &'ast Expr) {
        self.holding(e as *const Expr as usize, |m| syn::visit::visit_expr(m, e));
    }
    fn visit_block(&mut self, b: &'ast Block) {
        self.holding(b as *const Block as usize, |m| {
            syn::visit::visit_block(m, b)
        });
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        if !self.same_value(a) {
            if let Some(n) = written_local(&a.left) {
                self.assign(n, Some(&a.right));
            }
            // `span.start = ..` steps `span`
            if let Expr::Field(f) = &*a.left {
                if let Expr::Path(p) = &*f.base {
                    if let Some(i) = p.path.get_ident().filter(|i| *i != "self") {
                        self.write(i.to_string(), Some(None));
                    }
                }
            }
        }
        syn::visit::visit_expr_assign(self, a);
    }
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        self.lent(c.args.iter());
        syn::visit::visit_expr_call(self, c);
    }
    fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
        if is_compound_assign(&b.op) {
            if let Some(n) = written_local(&b.left) {
                self.assign(n, None);
            }
        }
        syn::visit::visit_expr_binary(self, b);
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        self.lent(m.args.iter());
        let name = m.method.to_string();
        if MUTATING.iter().any(|p| name.starts_with(p)) {
            if let Some(n) = written_local(&m.receiver) {
                self.write(n, Some(None));
            }
            // a method that fills or advances its argument (`rng.fill(buf)`)
            if ["fill", "read", "recover", "reset", "advance", "update"]
                .iter()
                .any(|p| name.starts_with(p))
            {
                for a in &m.args {
                    if let Some(n) = written_local(strip_parens(a)) {
                        self.write(n, Some(None));
                    }
                }
            }
        }
        syn::visit::visit_expr_method_call(self, m);
    }
}
