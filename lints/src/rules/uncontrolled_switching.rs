//! `uncontrolled_switching`: failover or rotation among alternatives with no
//! switch budget.

use crate::prefilter::{Need, Triggers};
use crate::syntax::{call_path, last_segment, macro_call_name, strip_parens};
use crate::vocab::{DELAY, DELAY_FACTS, RETRY, SIGNAL, STATUS_OR_LIBRARY};
use crate::Budget;
use crate::{FileContext, Finding, Level, Lint, Sink, Span};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::visit::Visit;

pub static LINT: Lint = Lint {
    name: "uncontrolled_switching",
    group: "switching",
    default_level: Level::Warn,
    summary: "failover among endpoints that never stops switching",
    docs: r#"## What it does
Reports failover or rotation among alternatives with no switch budget:

- `.cycle()` over a collection (endpoints, servers, proxies, hosts, urls) whose
  iterator drives a loop (`for ep in eps.iter().cycle()`, or `it.next()` inside a
  `loop`) that stops only on success;
- an index rotation (`i = (i + 1) % n`, `i += 1; if i == n { i = 0 }`,
  `self.current = (self.current + 1) % len`, `i = next_index(..)`) on the failure
  path of a retry loop that stops only on success.

A loop "stops only on success" when it sees a failure (`Err`, `is_err()`,
`let Ok(..) = .. else`) and every way out of it is on the success path. Any
other exit is taken as a bound and the loop is not reported: a counter compared
to a limit, a deadline (`Instant`, `elapsed()`, `deadline`), a retry budget or
policy (`attempts`, `max_*`, `should_retry`, `next_backoff`), a `?` or
`return Err(..)` on the failure path, `.take(n)` on the cycled iterator, or a
`while` condition that compares. One pass over the list (`for ep in &endpoints`)
is a bounded failover, and round-robin selection outside a failure path (picking
the next server for each new request) is load balancing, not switching.

## Why is this bad?
When every alternative is down, or the client itself is the problem (bad
credentials, no network), an endless failover loop hammers each backend in turn
forever, floods logs, and never reports the outage to its caller. Each switch can
also re-do expensive setup (DNS, TLS, authentication) and move load onto the
backends that are still healthy, spreading the failure.

## Example
```rust
for endpoint in endpoints.iter().cycle() {
    match client.get(endpoint).send().await {
        Ok(resp) => return Ok(resp),
        Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
    }
}
```

## Use instead
Cap the switches, or make one pass over the list and back off between passes:
```rust
const MAX_SWITCHES: usize = 6;
for endpoint in endpoints.iter().cycle().take(MAX_SWITCHES) {
    match client.get(endpoint).send().await {
        Ok(resp) => return Ok(resp),
        Err(e) => tracing::warn!(%endpoint, error = %e, "endpoint failed, switching"),
    }
}
Err(Error::AllEndpointsFailed)
```
or let `leash::Failover` keep the budget, count the switches and report them:
```rust
let response = leash::Failover::new(MAX_SWITCHES)
    .backoff(Duration::from_millis(100), Duration::from_secs(2)) // between passes
    .run_async(&endpoints, |endpoint| client.get(endpoint).send())
    .await?;
```
"#,
    check: Some(check),
    triggers: Some(Triggers {
        file: &[
            RETRY,
            STATUS_OR_LIBRARY,
            DELAY_FACTS,
            &["cycle", "index", "rotat"],
        ],
        body: &[&[
            Need::LoopWith(SIGNAL),
            Need::LoopWith(STATUS_OR_LIBRARY),
            Need::LoopWith(DELAY),
            Need::LoopWith(&["index", "rotat", "%"]),
            Need::Any(&["cycle", "rotat"]),
        ]],
        imports: &[],
    }),
    models: &[],
    phase_two: None,
    budget: Some(Budget {
        kind: "switching",
        bound: "unbounded",
    }),
};

const HELP_CYCLE: &str = "cap the switches (`.cycle().take(MAX_SWITCHES)`), or make one pass over the list with backoff between passes";
const HELP_ROTATE: &str = "count the switches and give up after a limit (`if switches >= MAX_SWITCHES { return Err(..) }`), or make one pass over the list with backoff between passes";
const NOTE: &str =
    "when every alternative is down this loop switches forever and never reports the outage";

fn check(cx: &FileContext, sink: &mut Sink) {
    let mut v = Visitor { sink };
    v.visit_file(cx.file);
}

struct Visitor<'a> {
    sink: &'a mut Sink,
}

/// Methods that may follow `.cycle()` on a driving iterator without bounding it.
const PASS_THROUGH: &[&str] = &[
    "map",
    "filter",
    "filter_map",
    "skip",
    "enumerate",
    "cloned",
    "copied",
    "by_ref",
    "peekable",
    "inspect",
    "into_iter",
    "iter",
];

/// If `expr` is an iterator chain ending in an unbounded `.cycle()`, that call.
fn unbounded_cycle(expr: &syn::Expr) -> Option<&syn::ExprMethodCall> {
    let (calls, _) = crate::syntax::method_chain(expr);
    for c in calls {
        let name = c.method.to_string();
        if name == "cycle" && c.args.is_empty() {
            return Some(c);
        }
        if !PASS_THROUGH.contains(&name.as_str()) {
            return None; // `.take(n)`, `.zip(..)`, `.step_by(..)`, ...
        }
    }
    None
}

fn cycle_span(c: &syn::ExprMethodCall) -> Span {
    Span::between(c.method.span(), c.paren_token.span.close())
}

/// Where an exit sits relative to the failure handling around it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Path {
    Neutral,
    Success,
    Failure,
    Other,
}

/// The facts about one loop body that decide "stops only on success, no bound".
struct LoopScan {
    path: Path,
    /// Nested loop depth (a `break` inside targets the nested loop).
    depth: usize,
    failure_signal: bool,
    success_exits: usize,
    other_exits: usize,
    bound_word: bool,
}

impl LoopScan {
    fn new() -> Self {
        LoopScan {
            path: Path::Neutral,
            depth: 0,
            failure_signal: false,
            success_exits: 0,
            other_exits: 0,
            bound_word: false,
        }
    }

    fn exit(&mut self) {
        match self.path {
            Path::Neutral | Path::Success => self.success_exits += 1,
            Path::Failure | Path::Other => self.other_exits += 1,
        }
    }

    fn with<F: FnOnce(&mut Self)>(&mut self, path: Path, f: F) {
        let saved = self.path;
        // Once on a failure or unknown path, stay there.
        if matches!(saved, Path::Neutral | Path::Success) {
            self.path = path;
        }
        f(self);
        self.path = saved;
    }

    fn unbounded(&self) -> bool {
        self.failure_signal && self.success_exits > 0 && self.other_exits == 0 && !self.bound_word
    }
}

fn pat_kind(pat: &syn::Pat) -> Path {
    match pat {
        syn::Pat::TupleStruct(ts) => match last_segment(&ts.path).as_deref() {
            Some("Ok") => Path::Success,
            Some("Err") => Path::Failure,
            _ => Path::Other,
        },
        syn::Pat::Paren(p) => pat_kind(&p.pat),
        syn::Pat::Or(o) => {
            let kinds: Vec<Path> = o.cases.iter().map(pat_kind).collect();
            if kinds.iter().all(|k| *k == Path::Success) {
                Path::Success
            } else if kinds.contains(&Path::Failure) {
                Path::Failure
            } else {
                Path::Other
            }
        }
        _ => Path::Other,
    }
}

/// Identifiers that reveal an attempt bound, a deadline or a retry policy.
fn is_bound_word(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    [
        "deadline",
        "elapsed",
        "instant",
        "timeout",
        "attempt",
        "retries",
        "tries",
        "budget",
        "max_",
        "limit",
        "expire",
        "next_backoff",
        "should_retry",
        "give_up",
        "remaining",
    ]
    .iter()
    .any(|w| l.contains(w))
}

/// A condition that tests for success (`r.is_ok()`, `resp.status().is_success()`).
fn success_test(e: &syn::Expr) -> Option<bool> {
    match strip_parens(e) {
        syn::Expr::MethodCall(m) if m.args.is_empty() => match m.method.to_string().as_str() {
            "is_ok" | "is_success" => Some(true),
            "is_err" => Some(false),
            _ => None,
        },
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => {
            success_test(&u.expr).map(|b| !b)
        }
        _ => None,
    }
}

impl<'ast> Visit<'ast> for LoopScan {
    fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
        self.visit_expr(&m.expr);
        for arm in &m.arms {
            let kind = match &arm.pat {
                syn::Pat::Guard(g) => {
                    if pat_kind(&g.pat) == Path::Failure {
                        self.failure_signal = true;
                    }
                    Path::Other
                }
                p => pat_kind(p),
            };
            if kind == Path::Failure {
                self.failure_signal = true;
            }
            self.with(kind, |s| s.visit_expr(&arm.body));
        }
    }

    fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
        let (then_kind, else_kind) = match strip_parens(&i.cond) {
            syn::Expr::Let(l) => {
                self.visit_expr(&l.expr);
                match pat_kind(&l.pat) {
                    Path::Success => (Path::Success, Path::Failure),
                    Path::Failure => (Path::Failure, Path::Success),
                    _ => (Path::Other, Path::Other),
                }
            }
            cond => {
                self.visit_expr(cond);
                match success_test(cond) {
                    Some(true) => (Path::Success, Path::Failure),
                    Some(false) => (Path::Failure, Path::Success),
                    None => (Path::Other, Path::Other),
                }
            }
        };
        if then_kind == Path::Failure || else_kind == Path::Failure {
            self.failure_signal = true;
        }
        self.with(then_kind, |s| s.visit_block(&i.then_branch));
        if let Some((_, e)) = &i.else_branch {
            self.with(else_kind, |s| s.visit_expr(e));
        }
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some(init) = &l.init {
            self.visit_expr(&init.expr);
            if let Some((_, els)) = &init.diverge {
                let kind = if pat_kind(&l.pat) == Path::Success {
                    self.failure_signal = true;
                    Path::Failure
                } else {
                    Path::Other
                };
                self.with(kind, |s| s.visit_expr(els));
            }
        }
    }

    fn visit_expr_break(&mut self, b: &'ast syn::ExprBreak) {
        if self.depth == 0 || b.label.is_some() {
            self.exit();
        }
        syn::visit::visit_expr_break(self, b);
    }

    fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
        self.exit();
        syn::visit::visit_expr_return(self, r);
    }

    fn visit_expr_try(&mut self, t: &'ast syn::ExprTry) {
        // `?` leaves on a failure: a bound (or no switching at all).
        self.other_exits += 1;
        syn::visit::visit_expr_try(self, t);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        if m.method == "is_err" {
            self.failure_signal = true;
        }
        syn::visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let Some(name) = macro_call_name(c) {
            if matches!(
                name.as_str(),
                "panic" | "unreachable" | "todo" | "unimplemented"
            ) {
                self.other_exits += 1;
            }
        } else if call_path(c)
            .and_then(last_segment)
            .is_some_and(|n| n == "exit")
        {
            self.other_exits += 1;
        }
        syn::visit::visit_expr_call(self, c);
    }

    crate::track_loop_depth!();
    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        // A closure's returns are not the loop's exits; its words still count.
        self.scan_words(&c.body);
    }
    fn visit_expr_async(&mut self, a: &'ast syn::ExprAsync) {
        for s in &a.block.stmts {
            self.scan_words(s);
        }
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
    fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
        if !self.bound_word && is_bound_word(&i.to_string()) {
            self.bound_word = true;
        }
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        // `select!` with a timer branch, a macro-wrapped deadline: look at the words.
        self.scan_words(&m.tokens);
        syn::visit::visit_macro(self, m);
    }
}

impl LoopScan {
    fn scan_words(&mut self, node: &impl ToTokens) {
        if !self.bound_word && crate::syntax::any_ident(node, &mut |s| is_bound_word(s)) {
            self.bound_word = true;
        }
    }
}

/// Does this loop stop only on success, with no attempt bound? `cond`: a `while`
/// condition.
fn stops_only_on_success(body: &syn::Block, cond: Option<&syn::Expr>) -> bool {
    let mut s = LoopScan::new();
    if let Some(c) = cond {
        match strip_parens(c) {
            syn::Expr::Let(l) => {
                s.visit_expr(&l.expr);
            }
            c => {
                if let syn::Expr::Binary(_) = c {
                    return false; // `while tries < MAX`, `while !a && !b`
                }
                s.visit_expr(c);
            }
        }
    }
    s.visit_block(body);
    s.unbounded()
}

/// Is `e` a call to `<name>.next()`?
fn calls_next_on(node: &syn::Block, cond: Option<&syn::Expr>, name: &str) -> bool {
    struct F<'n> {
        name: &'n str,
        found: bool,
    }
    impl<'ast> Visit<'ast> for F<'_> {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if m.method == "next" {
                if let syn::Expr::Path(p) = strip_parens(&m.receiver) {
                    if p.path.is_ident(self.name) {
                        self.found = true;
                    }
                }
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut f = F { name, found: false };
    f.visit_block(node);
    if let Some(c) = cond {
        f.visit_expr(c);
    }
    f.found
}

/// The loops (not inside closures or items) of an expression, outermost first.
fn loops_in(e: &syn::Stmt) -> Vec<&syn::Expr> {
    struct L<'ast>(Vec<&'ast syn::Expr>);
    impl<'ast> Visit<'ast> for L<'ast> {
        fn visit_expr(&mut self, e: &'ast syn::Expr) {
            if matches!(e, syn::Expr::Loop(_) | syn::Expr::While(_)) {
                self.0.push(e);
            }
            syn::visit::visit_expr(self, e);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut l = L(Vec::new());
    l.visit_stmt(e);
    l.0
}

/// `a..` / `1..` : an open-ended range.
fn is_open_range(e: &syn::Expr) -> bool {
    matches!(strip_parens(e), syn::Expr::Range(r) if r.end.is_none())
}

fn expr_text(e: &syn::Expr) -> String {
    strip_parens(e).to_token_stream().to_string()
}

/// A small expression (a place such as `i` or `self.current`): compared as text.
fn is_place(e: &syn::Expr) -> bool {
    matches!(strip_parens(e), syn::Expr::Path(_) | syn::Expr::Field(_))
}

fn is_one(e: &syn::Expr) -> bool {
    crate::syntax::int_literal(e) == Some(1)
}

fn is_zero(e: &syn::Expr) -> bool {
    crate::syntax::int_literal(e) == Some(0)
}

/// `place + 1`, `1 + place`, `place.wrapping_add(1)` with this place.
fn is_increment_of(e: &syn::Expr, place: &str) -> bool {
    match strip_parens(e) {
        syn::Expr::Binary(b) if matches!(b.op, syn::BinOp::Add(_)) => {
            (is_one(&b.right) && expr_text(&b.left) == place)
                || (is_one(&b.left) && expr_text(&b.right) == place)
        }
        syn::Expr::MethodCall(m)
            if m.method == "wrapping_add" && m.args.first().is_some_and(is_one) =>
        {
            expr_text(&m.receiver) == place
        }
        _ => false,
    }
}

/// A rotation: `i = (i + 1) % n`, `i = next_index(..)`, or
/// `if i == n { i = 0 }` / `if i + 1 == n { i = 0 } else { i += 1 }`.
fn rotation(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Assign(a) if is_place(&a.left) => {
            let place = expr_text(&a.left);
            match strip_parens(&a.right) {
                syn::Expr::Binary(b) if matches!(b.op, syn::BinOp::Rem(_)) => {
                    is_increment_of(&b.left, &place)
                }
                syn::Expr::Call(c) => call_path(c)
                    .and_then(last_segment)
                    .is_some_and(|n| n == "next_index"),
                syn::Expr::MethodCall(m) => m.method == "next_index",
                _ => false,
            }
        }
        syn::Expr::If(i) => {
            // then: `place = 0`
            let [syn::Stmt::Expr(syn::Expr::Assign(a), _)] = i.then_branch.stmts.as_slice() else {
                return false;
            };
            if !is_place(&a.left) || !is_zero(&a.right) {
                return false;
            }
            let place = expr_text(&a.left);
            let syn::Expr::Binary(cond) = strip_parens(&i.cond) else {
                return false;
            };
            if !matches!(
                cond.op,
                syn::BinOp::Eq(_) | syn::BinOp::Ge(_) | syn::BinOp::Gt(_)
            ) {
                return false;
            }
            let mentions = |x: &syn::Expr| expr_text(x) == place || is_increment_of(x, &place);
            mentions(&cond.left) || mentions(&cond.right)
        }
        _ => false,
    }
}

/// Rotations in a loop body, not inside nested loops or closures, with whether
/// each sits on a success path (an `Ok` arm, the then of `if let Ok`, ...).
fn rotations_in(body: &syn::Block) -> Vec<(&syn::Expr, bool)> {
    struct R<'ast> {
        out: Vec<(&'ast syn::Expr, bool)>,
        success: bool,
    }
    impl<'ast> R<'ast> {
        fn under<F: FnOnce(&mut Self)>(&mut self, success: bool, f: F) {
            let saved = self.success;
            self.success |= success;
            f(self);
            self.success = saved;
        }
    }
    impl<'ast> Visit<'ast> for R<'ast> {
        fn visit_expr(&mut self, e: &'ast syn::Expr) {
            if rotation(e) {
                self.out.push((e, self.success));
                return;
            }
            match e {
                syn::Expr::Match(m) => {
                    self.visit_expr(&m.expr);
                    for arm in &m.arms {
                        let p = match &arm.pat {
                            syn::Pat::Guard(g) => pat_kind(&g.pat),
                            p => pat_kind(p),
                        };
                        self.under(p == Path::Success, |s| s.visit_expr(&arm.body));
                    }
                }
                syn::Expr::If(i) => {
                    let (t, f) = match strip_parens(&i.cond) {
                        syn::Expr::Let(l) => match pat_kind(&l.pat) {
                            Path::Success => (true, false),
                            Path::Failure => (false, true),
                            _ => (false, false),
                        },
                        c => match success_test(c) {
                            Some(true) => (true, false),
                            Some(false) => (false, true),
                            None => (false, false),
                        },
                    };
                    self.visit_expr(&i.cond);
                    self.under(t, |s| s.visit_block(&i.then_branch));
                    if let Some((_, e)) = &i.else_branch {
                        self.under(f, |s| s.visit_expr(e));
                    }
                }
                syn::Expr::Loop(_)
                | syn::Expr::While(_)
                | syn::Expr::ForLoop(_)
                | syn::Expr::Closure(_)
                | syn::Expr::Async(_) => {}
                _ => syn::visit::visit_expr(self, e),
            }
        }
        fn visit_local(&mut self, l: &'ast syn::Local) {
            if let Some(init) = &l.init {
                self.visit_expr(&init.expr);
                if let Some((_, els)) = &init.diverge {
                    self.visit_expr(els);
                }
            }
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut r = R {
        out: Vec::new(),
        success: false,
    };
    r.visit_block(body);
    r.out
}

impl Visitor<'_> {
    fn report_cycle(&mut self, c: &syn::ExprMethodCall, loop_span: Span) {
        self.sink.report(
            Finding::new(
                LINT.name,
                cycle_span(c),
                "uncontrolled switching: `.cycle()` drives a failover loop that stops only on success",
            )
            .label("cycles through the alternatives with no switch budget")
            .secondary(loop_span, "this loop only leaves on success")
            .help(HELP_CYCLE)
            .note(NOTE),
        );
    }

    fn check_rotations(&mut self, body: &syn::Block, cond: Option<&syn::Expr>, loop_span: Span) {
        let rots = rotations_in(body);
        if rots.is_empty() {
            return;
        }
        if !stops_only_on_success(body, cond) {
            return;
        }
        // A rotation outside any failure branch is on the failure path when the
        // success path has already left the loop (`Ok(c) => return Ok(c)` above).
        for (e, on_success) in rots {
            if on_success {
                continue;
            }
            self.sink.report(
                Finding::new(
                    LINT.name,
                    Span::from(e.span()),
                    "uncontrolled switching: the endpoint index rotates on every failure of a loop that stops only on success",
                )
                .label("switches to the next alternative with no switch budget")
                .secondary(loop_span, "this retry loop only leaves on success")
                .help(HELP_ROTATE)
                .note(NOTE),
            );
        }
    }
}

fn head_span(kw: proc_macro2::Span, end: proc_macro2::Span) -> Span {
    Span::between(kw, end)
}

impl<'ast> Visit<'ast> for Visitor<'_> {
    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        let span = head_span(f.for_token.span, f.expr.span());
        if let Some(c) = unbounded_cycle(&f.expr) {
            if stops_only_on_success(&f.body, None) {
                self.report_cycle(c, span);
            }
        } else if is_open_range(&f.expr) {
            self.check_rotations(&f.body, None, span);
        }
        syn::visit::visit_expr_for_loop(self, f);
    }

    fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
        self.check_rotations(&l.body, None, Span::from(l.loop_token.span));
        syn::visit::visit_expr_loop(self, l);
    }

    fn visit_expr_while(&mut self, w: &'ast syn::ExprWhile) {
        self.check_rotations(
            &w.body,
            Some(&w.cond),
            head_span(w.while_token.span, w.cond.span()),
        );
        syn::visit::visit_expr_while(self, w);
    }

    fn visit_block(&mut self, b: &'ast syn::Block) {
        // `let mut eps = endpoints.iter().cycle();` then `eps.next()` in a loop.
        for (idx, stmt) in b.stmts.iter().enumerate() {
            let syn::Stmt::Local(l) = stmt else { continue };
            let Some(init) = &l.init else { continue };
            let mut pat = &l.pat;
            if let syn::Pat::Type(t) = pat {
                pat = &t.pat;
            }
            let syn::Pat::Ident(id) = pat else { continue };
            let Some(c) = unbounded_cycle(&init.expr) else {
                continue;
            };
            let name = id.ident.to_string();
            'stmts: for later in &b.stmts[idx + 1..] {
                for lp in loops_in(later) {
                    let (body, cond, span) = match lp {
                        syn::Expr::Loop(x) => (&x.body, None, Span::from(x.loop_token.span)),
                        syn::Expr::While(x) => (
                            &x.body,
                            Some(&*x.cond),
                            head_span(x.while_token.span, x.cond.span()),
                        ),
                        _ => continue,
                    };
                    if calls_next_on(body, cond, &name) {
                        if stops_only_on_success(body, cond) {
                            self.report_cycle(c, span);
                        }
                        break 'stmts;
                    }
                }
            }
        }
        syn::visit::visit_block(self, b);
    }
}
