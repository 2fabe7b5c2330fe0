//! The retry-loop model shared by the retry lints (`unbounded_retry`,
//! `retry_without_backoff`, `retry_without_jitter`, and later
//! `retry_amplification` / `uncontrolled_switching`).
//!
//! [`retry_loops`] finds every loop that is a *retry loop* in the sense of the
//! spec: its body performs an operation and, on that operation's failure signal,
//! reaches the next iteration (explicit `continue` or falling off the end),
//! while success leaves the loop ("retry until success") or the operation opens
//! a connection or session that success goes on to use ("reconnect
//! supervisor"). For each loop it records the failure paths, the delays found
//! on them (with whether they carry jitter), and the attempt bound.
//!
//! The analysis is structural: `match`/`if let`/`let else`/`is_ok()`/`is_err()`
//! sites, continuations (what runs after a branch falls through), and the
//! conditions guarding every exit of the loop. It never guesses: a loop it
//! cannot classify is not a retry loop.

use crate::context::FileContext;
use crate::finding::Span;
use crate::syntax::{call_name, last_segment, leash_attr, macro_call_name, strip_await_try};
use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use std::collections::{HashMap, HashSet};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Block, Expr, Pat, Stmt};

mod helpers;
mod operation;
mod shapes;
mod state_machine;
#[cfg(test)]
mod tests;

use helpers::FileFns;
use state_machine::Region;

/// What kind of retry loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopKind {
    /// Success leaves the loop (`break`, `return`, or the loop condition).
    RetryUntilSuccess,
    /// The operation opens a connection or session and success moves on to use it.
    ReconnectSupervisor,
}

/// What stops the retrying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bound {
    /// A counter changed in the loop and compared on an exit path; the limit
    /// when it is a literal or a `const` of this file.
    AttemptCounter { limit: Option<u64> },
    /// A `for` over a finite range or an iterator with `.take(n)`/`.zip(0..n)`.
    FiniteIterator { count: Option<u64> },
    /// A deadline (`elapsed()`, `deadline`, `Instant`) checked on an exit, or a
    /// `timeout(..)` around the loop.
    Deadline,
    /// A stateful policy decides (`backoff.next_backoff()` returning `None`,
    /// `should_retry(&state, ..)`).
    Policy,
    /// `#[leash::retry(..)]` or `#[leash::allow(..)]` on the enclosing item.
    Declared,
    /// Nothing stops it.
    None,
}

impl Bound {
    pub fn is_bounded(&self) -> bool {
        !matches!(self, Bound::None)
    }

    /// The number of attempts, when it is readable.
    pub fn attempts(&self) -> Option<u64> {
        match self {
            Bound::AttemptCounter { limit } => *limit,
            Bound::FiniteIterator { count } => *count,
            _ => None,
        }
    }
}

/// Whether a delay carries randomness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jitter {
    /// A visible source of randomness feeds it.
    Yes,
    /// Visibly deterministic: literals, `const`s, arithmetic on them and on counters.
    No,
    /// Comes from something opaque (a helper, a field, a parameter).
    Unknown,
}

/// A delay call on a failure path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delay {
    pub span: Span,
    /// The callee's name as written (`sleep`, `delay_for`, `Timer::after`).
    pub name: String,
    pub jitter: Jitter,
}

/// One way a failure reaches the next attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailurePath {
    /// The `continue`, the `Err` arm pattern, or the failing condition.
    pub span: Span,
    /// Delays on this path (failure branch, its continuation, and the part of
    /// the body that runs before the operation).
    pub delays: Vec<Delay>,
    /// Where the path reaches the next attempt with no delay on any of its
    /// branches (`None` when it waits).
    pub hot: Option<Span>,
    /// The operation that failed.
    pub op: Option<String>,
    /// Names of functions called on the path (crate-local helpers may delay).
    pub calls: Vec<String>,
    /// A function of this file on the path (or the operation itself) that
    /// waits.
    pub waits_in: Option<String>,
}

/// A retry loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryLoop {
    /// The whole loop expression.
    pub span: Span,
    /// The loop keyword through the end of its condition / iterator.
    pub header: Span,
    pub kind: LoopKind,
    /// The retried operations (callee names).
    pub ops: Vec<String>,
    pub op_spans: Vec<Span>,
    pub failure_paths: Vec<FailurePath>,
    pub bound: Bound,
    /// The function the loop is in.
    pub fn_name: Option<String>,
    /// The loop (or its function) talks to a single local peer (this machine,
    /// a child process, a lock file, an in-process queue).
    pub local_peer: bool,
}

impl RetryLoop {
    /// Every delay on any failure path, each once.
    pub fn delays(&self) -> Vec<&Delay> {
        let mut out: Vec<&Delay> = Vec::new();
        for p in &self.failure_paths {
            for d in &p.delays {
                if !out.iter().any(|o| o.span == d.span) {
                    out.push(d);
                }
            }
        }
        out
    }
}

/// Every retry loop in the file. The retry lints (and the amplification
/// summary of every function) ask for the same file in turn: the first
/// answer is shared, not copied.
pub fn retry_loops(cx: &FileContext) -> std::rc::Rc<Vec<RetryLoop>> {
    cx.memo
        .retry_loops
        .get_or_init(|| std::rc::Rc::new(compute_retry_loops(cx)))
        .clone()
}

fn compute_retry_loops(cx: &FileContext) -> Vec<RetryLoop> {
    let mut finder = LoopFinder {
        consts: file_consts(cx.file),
        fns: FileFns::new(cx.file),
        out: Vec::new(),
        fn_stack: Vec::new(),
        declared_stack: Vec::new(),
        timeout_depth: 0,
    };
    finder.visit_file(cx.file);
    if let Some(names) = finder.fns.delay_names_if_known() {
        let _ = cx.memo.delay_fns.set(std::rc::Rc::new(names));
    }
    finder.out
}

/// Names of functions (free and methods) defined in the file whose body
/// contains a delay, or calls such a function of the file: the facts behind
/// "a crate-local function whose body contains a delay". Shared with the
/// retry loops' analysis when it already asked.
pub fn delay_fns(cx: &FileContext) -> std::rc::Rc<Vec<String>> {
    retry_loops(cx);
    cx.memo
        .delay_fns
        .get_or_init(|| std::rc::Rc::new(FileFns::new(cx.file).delay_names()))
        .clone()
}

fn block_has_delay(b: &Block) -> bool {
    let locals = HashMap::new();
    let mut d = DelayFinder::delays_only(&locals);
    d.visit_block(b);
    !d.delays.is_empty()
}

/// A delay in the body's own flow, not in a closure or an `async` block (a
/// task, or a future raced against another).
fn block_waits(b: &Block) -> bool {
    let locals = HashMap::new();
    let mut d = DelayFinder::delays_only(&locals);
    d.own_flow = true;
    d.visit_block(b);
    !d.delays.is_empty()
}

// ---------------------------------------------------------------------------
// vocabulary

/// Is this callee name a delay (`sleep`, `delay_for`, `park_timeout`, ..)?
pub fn is_delay_name(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    l.contains("sleep") || l.contains("delay") || l == "park_timeout"
}

fn is_jitter_ident(id: &str) -> bool {
    let l = id.to_ascii_lowercase();
    l == "rand"
        || l == "fastrand"
        || l.contains("thread_rng")
        || l.contains("random")
        || l.contains("gen_range")
        || l.contains("jitter")
}

/// Operations whose "failure" is contention or readiness, not a failure signal.
fn is_contention_op(name: &str) -> bool {
    name.contains("compare_exchange")
        || name.contains("compare_and_swap")
        || name.contains("cmpxchg")
        || name == "fetch_update"
        || name.starts_with("try_recv")
        || name.starts_with("try_send")
        || name.starts_with("try_lock")
        || name.starts_with("try_read")
        || name.starts_with("try_write")
        || name.starts_with("try_upgrade")
        || name.starts_with("try_borrow")
        || name.starts_with("try_acquire")
        || name.starts_with("try_reserve")
        // a full lock-free queue (`ConcurrentQueue::push`, `try_push`) is contention
        || name == "push"
        || name == "try_push"
        || name == "force_push"
        // readiness-guarded I/O and reference-count checks
        || name == "try_io"
        || name == "try_unwrap"
        // a poisoned lock is not a transient failure
        || name == "lock"
}

pub(crate) fn is_readiness_ident(id: &str) -> bool {
    matches!(
        id,
        "WouldBlock"
            | "Interrupted"
            | "EAGAIN"
            | "EINTR"
            | "EWOULDBLOCK"
            // `rustix::io::Errno::INTR`
            | "INTR"
            | "AGAIN"
            | "WOULDBLOCK"
            | "Again"
            | "WANT_READ"
            | "WANT_WRITE"
            | "WantRead"
            | "WantWrite"
            | "would_block"
            | "is_would_block"
            | "interrupted"
            | "is_interrupted"
            // a channel or lock that is full, empty or held: a `try_*` spin
            | "TrySendError"
            | "TryRecvError"
            | "TryLockError"
            | "TryAcquireError"
            // a compare-and-set that lost to another writer (optimistic
            // concurrency on a revision or version): contention
            | "WrongLastRevision"
            | "WrongRevision"
            | "RevisionMismatch"
            | "VersionMismatch"
            | "VersionConflict"
            | "CasFailed"
    )
}

/// An error that says a chosen name or identifier is already taken.
fn is_collision_ident(id: &str) -> bool {
    ["Taken", "AlreadyExists", "Collision", "Duplicate", "InUse"]
        .iter()
        .any(|k| id.contains(k))
}

/// A call that draws a fresh identifier (`Uuid::new_v4()`, `next_id()`,
/// `minter.mint_client_id()`).
fn is_fresh_id_call(name: &str) -> bool {
    matches!(
        name,
        "new_v4" | "new_v7" | "next_id" | "new_id" | "generate_id"
    ) || name.starts_with("mint")
        || name.contains("_mint")
}

/// Conversions and lookups: their failure is a property of the input.
fn is_conversion_op(name: &str) -> bool {
    name.starts_with("parse")
        || name.starts_with("from_")
        || name.starts_with("try_from")
        || name.starts_with("try_into")
        || name.starts_with("to_str")
        || name.starts_with("decode")
        || name.starts_with("deserialize")
        || name.starts_with("try_nth")
        || name.starts_with("into_")
        || name == "into"
        || name.starts_with("downcast")
        || matches!(
            name,
            "into_data" | "to_string" | "to_vec" | "to_value" | "var" | "var_os" | "duration_since"
        )
}

/// The local (or `self` field) an assignment writes: `x = ..`, `*x = ..`,
/// `self.x = ..`; not a field reached through calls.
fn written_local(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        Expr::Unary(u) => written_local(&u.expr),
        Expr::Paren(p) => written_local(&p.expr),
        // `primes[i] = ..` writes `primes`
        Expr::Index(i) => written_local(&i.expr),
        Expr::Field(f) => match (&*f.base, &f.member) {
            (Expr::Path(p), syn::Member::Named(m)) if p.path.is_ident("self") => {
                Some(m.to_string())
            }
            _ => None,
        },
        _ => None,
    }
}

/// Every name bound by an `Err(..)` pattern in a loop body.
fn body_err_names(body: &Block) -> Vec<String> {
    let mut errs = Vec::new();
    struct P<'o>(&'o mut Vec<String>);
    impl<'ast> Visit<'ast> for P<'_> {
        fn visit_pat(&mut self, p: &'ast Pat) {
            err_binding_names(p, self.0);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    P(&mut errs).visit_block(body);
    errs
}

/// Operations that take the next item of a stream or queue: a loop around them
/// handles one item per iteration (an event loop), it does not retry.
fn is_item_op(name: &str) -> bool {
    is_framed_read(name)
        || matches!(
            name,
            "next"
                | "try_next"
                | "poll_next"
                | "poll_next_unpin"
                | "next_event"
                | "next_message"
                | "read_message"
                | "poll_recv"
                | "poll_read"
                | "read"
                | "read_line"
                | "read_until"
                | "read_to_end"
                | "read_to_string"
                | "read_buf"
                | "pop"
                | "pop_front"
                | "pop_back"
                | "recv_msg"
                | "next_frame"
                | "read_frame"
                // waits for the next event of a watch, notify or token
                | "changed"
                | "notified"
                | "cancelled"
        )
        || name.starts_with("recv")
}

/// A read of a fixed-size value off a stream (`read_u8`, `read_u32_le`,
/// `read_exact`): the next header or frame of a protocol.
fn is_framed_read(name: &str) -> bool {
    let Some(kind) = name.strip_prefix("read_") else {
        return false;
    };
    let kind = ["_le", "_be", "_ne"]
        .iter()
        .fold(kind, |k, order| k.strip_suffix(order).unwrap_or(k));
    kind == "exact"
        || (kind.len() > 1
            && matches!(kind.as_bytes()[0], b'u' | b'i' | b'f')
            && kind[1..].parse::<u8>().is_ok())
}

/// Does the operation establish a connection or session?
pub fn is_connect_op(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    ["connect", "dial", "handshake", "login", "subscribe", "open"]
        .iter()
        .any(|k| l.contains(k))
}

/// Identifiers that name state a retry budget lives in.
fn is_state_ident(id: &str) -> bool {
    let l = id.to_ascii_lowercase();
    if l.starts_with("is_") {
        return false;
    }
    [
        "attempt",
        "retries",
        "retry",
        "tries",
        "deadline",
        "elapsed",
        "expire",
        "budget",
        "remaining",
        "backoff",
        "give_up",
        "exhaust",
        "max_wait",
        // a retry policy's next delay (`None` after the maximum)
        "next_delay",
    ]
    .iter()
    .any(|k| l.contains(k))
}

fn is_deadline_ident(id: &str) -> bool {
    let l = id.to_ascii_lowercase();
    l.contains("deadline") || l.contains("elapsed") || l.contains("expire") || l == "instant"
}

fn is_shutdown_ident(id: &str) -> bool {
    let l = id.to_ascii_lowercase();
    [
        "shutdown", "closed", "close", "cancel", "stop", "running", "terminat", "alive", "exit",
    ]
    .iter()
    .any(|k| l.contains(k))
}

fn idents_of(node: &impl ToTokens) -> Vec<String> {
    fn walk(ts: TokenStream, out: &mut Vec<String>) {
        for tt in ts {
            match tt {
                TokenTree::Ident(i) => out.push(i.to_string()),
                TokenTree::Group(g) => walk(g.stream(), out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(node.to_token_stream(), &mut out);
    out
}

fn pat_has_ident(pat: &Pat, pred: &dyn Fn(&str) -> bool) -> bool {
    idents_of(pat).iter().any(|i| pred(i))
}

/// Names bound by `Err(e)` patterns.
fn err_binding_names(pat: &Pat, out: &mut Vec<String>) {
    struct B<'o> {
        in_err: bool,
        out: &'o mut Vec<String>,
    }
    impl<'ast> Visit<'ast> for B<'_> {
        fn visit_pat_tuple_struct(&mut self, p: &'ast syn::PatTupleStruct) {
            let was = self.in_err;
            if last_segment(&p.path).as_deref() == Some("Err") {
                self.in_err = true;
            }
            syn::visit::visit_pat_tuple_struct(self, p);
            self.in_err = was;
        }
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            if self.in_err {
                self.out.push(p.ident.to_string());
            }
            syn::visit::visit_pat_ident(self, p);
        }
    }
    B { in_err: false, out }.visit_pat(pat);
}

/// Every callee name inside an expression (calls and method calls).
fn callee_names(expr: &Expr) -> Vec<String> {
    struct C(Vec<String>);
    impl<'ast> Visit<'ast> for C {
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if let Some(n) = call_name(c) {
                self.0.push(n);
            }
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            self.0.push(m.method.to_string());
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    }
    let mut c = C(Vec::new());
    c.visit_expr(expr);
    c.0
}

fn file_consts(file: &syn::File) -> HashMap<String, u64> {
    struct K(HashMap<String, u64>);
    impl<'ast> Visit<'ast> for K {
        fn visit_item_const(&mut self, c: &'ast syn::ItemConst) {
            if let Some(v) = crate::syntax::int_literal(&c.expr) {
                self.0.insert(c.ident.to_string(), v);
            }
        }
        fn visit_impl_item_const(&mut self, c: &'ast syn::ImplItemConst) {
            if let Some(v) = crate::syntax::int_literal(&c.expr) {
                self.0.insert(c.ident.to_string(), v);
            }
        }
    }
    let mut k = K(HashMap::new());
    k.visit_file(file);
    k.0
}

// ---------------------------------------------------------------------------
// exits

/// Does `expr` always leave the loop being analysed? `depth` counts loops
/// nested inside it (an unlabelled `break` there leaves only the inner loop).
fn always_exits(expr: &Expr, label: Option<&str>, depth: usize) -> bool {
    match expr {
        Expr::Return(_) => true,
        Expr::Break(b) => break_exits(b, label, depth),
        Expr::Continue(c) => match &c.label {
            None => false,
            Some(l) => Some(l.ident.to_string().as_str()) != label && depth == 0,
        },
        Expr::Paren(p) => always_exits(&p.expr, label, depth),
        Expr::Group(g) => always_exits(&g.expr, label, depth),
        Expr::Block(b) => block_always_exits(&b.block.stmts, label, depth),
        Expr::Unsafe(b) => block_always_exits(&b.block.stmts, label, depth),
        Expr::If(i) => match &i.else_branch {
            Some((_, els)) => {
                block_always_exits(&i.then_branch.stmts, label, depth)
                    && always_exits(els, label, depth)
            }
            None => false,
        },
        Expr::Match(m) => {
            !m.arms.is_empty() && m.arms.iter().all(|a| always_exits(&a.body, label, depth))
        }
        Expr::Macro(m) => is_exit_macro(&m.mac),
        Expr::Call(c) => call_exits(c),
        // `Err(e)?`: returns the error.
        Expr::Try(t) => matches!(crate::syntax::strip_parens(&t.expr), Expr::Call(c)
            if crate::syntax::call_path(c).is_some_and(|p| p.is_ident("Err"))),
        _ => false,
    }
}

/// Does a `break` leave the loop being analysed? (Visitors ask about the
/// node they stand on: no copy of its subtree.)
fn break_exits(b: &syn::ExprBreak, label: Option<&str>, depth: usize) -> bool {
    match &b.label {
        None => depth == 0,
        Some(l) => depth == 0 || Some(l.ident.to_string().as_str()) == label,
    }
}

/// A call that never returns: `panic!`-style macros seen as calls,
/// `process::exit`, `resume_unwind`, `abort`.
fn call_exits(c: &syn::ExprCall) -> bool {
    if let Some(name) = macro_call_name(c) {
        matches!(
            name.as_str(),
            "panic" | "unreachable" | "todo" | "unimplemented"
        )
    } else {
        crate::syntax::call_path(c)
            .map(|p| {
                let s = crate::syntax::path_string(p);
                s == "std::process::exit"
                    || s == "process::exit"
                    || s.ends_with("resume_unwind")
                    || s.ends_with("process::abort")
            })
            .unwrap_or(false)
    }
}

fn is_exit_macro(mac: &syn::Macro) -> bool {
    let name = crate::syntax::last_segment(&mac.path).unwrap_or_default();
    matches!(
        name.as_str(),
        "panic" | "unreachable" | "todo" | "unimplemented" | "bail"
    )
}

fn stmt_always_exits(stmt: &Stmt, label: Option<&str>, depth: usize) -> bool {
    match stmt {
        Stmt::Expr(e, _) => always_exits(e, label, depth),
        Stmt::Macro(m) => is_exit_macro(&m.mac),
        Stmt::Local(l) => l
            .init
            .as_ref()
            .is_some_and(|i| always_exits(&i.expr, label, depth)),
        Stmt::Item(_) => false,
    }
}

fn block_always_exits(stmts: &[Stmt], label: Option<&str>, depth: usize) -> bool {
    stmts.iter().any(|s| stmt_always_exits(s, label, depth))
}

/// Does `node` contain an exit from the loop on a success path (`return`,
/// `break` out of the loop; `?` does not count)? And does it `continue` the loop?
struct ExitScan<'l> {
    label: Option<&'l str>,
    depth: usize,
    exits: bool,
    continues: bool,
    /// On a success path, an exit under a later failure (`Err(Closed) =>
    /// return`) is that failure's exit, not success leaving the loop.
    skip_failure_arms: bool,
}

impl<'ast> Visit<'ast> for ExitScan<'_> {
    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        if !(self.skip_failure_arms && pat_is_err(&arm.pat)) {
            syn::visit::visit_arm(self, arm);
        }
    }
    fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
        let failure_test = matches!(&*i.cond, Expr::Let(l) if pat_is_err(&l.pat));
        if !(self.skip_failure_arms && failure_test) {
            return syn::visit::visit_expr_if(self, i);
        }
        self.visit_expr(&i.cond);
        if let Some((_, e)) = &i.else_branch {
            self.visit_expr(e);
        }
    }
    fn visit_expr_return(&mut self, _: &'ast syn::ExprReturn) {
        self.exits = true;
    }
    fn visit_expr_break(&mut self, b: &'ast syn::ExprBreak) {
        if break_exits(b, self.label, self.depth) {
            self.exits = true;
        }
        syn::visit::visit_expr_break(self, b);
    }
    fn visit_expr_continue(&mut self, c: &'ast syn::ExprContinue) {
        let mine = match &c.label {
            None => self.depth == 0,
            Some(l) => Some(l.ident.to_string().as_str()) == self.label,
        };
        if mine {
            self.continues = true;
        }
    }
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
    fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
        self.depth += 1;
        syn::visit::visit_expr_loop(self, l);
        self.depth -= 1;
    }
    fn visit_expr_while(&mut self, l: &'ast syn::ExprWhile) {
        self.depth += 1;
        syn::visit::visit_expr_while(self, l);
        self.depth -= 1;
    }
    fn visit_expr_for_loop(&mut self, l: &'ast syn::ExprForLoop) {
        self.visit_expr(&l.expr);
        self.depth += 1;
        self.visit_block(&l.body);
        self.depth -= 1;
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        if is_exit_macro(m) {
            self.exits = true;
        }
    }
}

fn scan_exits(expr: Option<&Expr>, stmts: &[&[Stmt]], label: Option<&str>) -> (bool, bool) {
    scan_exits_as(false, expr, stmts, label)
}

/// Does success leave the loop? Exits under a failure met after the
/// operation succeeded do not count.
fn success_exits(expr: Option<&Expr>, stmts: &[&[Stmt]], label: Option<&str>) -> bool {
    scan_exits_as(true, expr, stmts, label).0
}

fn scan_exits_as(
    skip_failure_arms: bool,
    expr: Option<&Expr>,
    stmts: &[&[Stmt]],
    label: Option<&str>,
) -> (bool, bool) {
    let mut s = ExitScan {
        label,
        depth: 0,
        exits: false,
        continues: false,
        skip_failure_arms,
    };
    if let Some(e) = expr {
        s.visit_expr(e);
    }
    for slice in stmts {
        for st in slice.iter() {
            s.visit_stmt(st);
        }
    }
    (s.exits, s.continues)
}

// ---------------------------------------------------------------------------
// delays

/// Finds delay calls (and the other calls) in a region.
struct DelayFinder<'l, 'ast> {
    locals: &'l HashMap<String, Vec<&'ast Expr>>,
    delays: Vec<Delay>,
    calls: Vec<String>,
    /// Calls that may reach a function of this file (`self.policy.wait()` too).
    local: Vec<String>,
    /// Skip closures and `async` blocks: only what the code itself waits for.
    own_flow: bool,
    /// Skip branches that leave or restart the loop (for the part of the body
    /// that runs before the operation: such a branch does not reach it).
    skip_diverging: bool,
    /// Expressions whose value is not used: awaited, or statements on their
    /// own. A set: every expression of the walk asks whether it is one.
    waited: HashSet<*const Expr>,
    /// The expression being visited is used as a value.
    value_used: bool,
    /// Delays that compute a duration rather than wait
    /// (`params.compute_delay(n)` whose value a later `sleep` waits for):
    /// their jitter is the computing function's.
    computed: Vec<Span>,
    /// Only the delays are asked for: the calls are not collected.
    delays_only: bool,
}

fn ends_in_continue(e: &Expr) -> bool {
    match e {
        Expr::Continue(c) => c.label.is_none(),
        Expr::Block(b) => block_ends_in_continue(&b.block),
        _ => false,
    }
}

fn block_ends_in_continue(b: &Block) -> bool {
    b.stmts.last().is_some_and(|s| match s {
        Stmt::Expr(e, _) => ends_in_continue(e),
        _ => false,
    })
}

fn diverges(e: &Expr) -> bool {
    always_exits(e, None, 0) || ends_in_continue(e)
}

/// `diverges` of a block, without wrapping a copy of it in an expression.
fn block_diverges(b: &Block) -> bool {
    block_always_exits(&b.stmts, None, 0) || block_ends_in_continue(b)
}

impl<'l, 'ast> DelayFinder<'l, 'ast> {
    fn new(locals: &'l HashMap<String, Vec<&'ast Expr>>) -> Self {
        DelayFinder {
            locals,
            delays: Vec::new(),
            calls: Vec::new(),
            local: Vec::new(),
            own_flow: false,
            skip_diverging: false,
            waited: HashSet::new(),
            value_used: false,
            computed: Vec::new(),
            delays_only: false,
        }
    }

    /// A finder that collects only delays, for the walks that ask only
    /// whether there is one (every function of the file is walked so).
    fn delays_only(locals: &'l HashMap<String, Vec<&'ast Expr>>) -> Self {
        DelayFinder {
            delays_only: true,
            ..DelayFinder::new(locals)
        }
    }

    /// A delay-named call whose value is used (`let d =
    /// policy.compute_delay(n);`) computes the wait; one that is awaited or
    /// stands alone waits. A timer (`sleep`, `delay_for(d)`) always waits.
    fn computes(&self, name: &str) -> bool {
        let timer = name.to_ascii_lowercase().contains("sleep")
            || matches!(name, "delay" | "delay_for" | "delay_until");
        self.value_used && !timer
    }
}

/// The delays among the branches of a `select!` (`_ = sleep(d) => ..`): its
/// branches are not expressions syn parses, so the delay calls are found in
/// its tokens (`name(..)`), each with what its argument shows.
fn select_delays(mac: &syn::Macro, locals: &HashMap<String, Vec<&Expr>>) -> Vec<Delay> {
    let name = last_segment(&mac.path).unwrap_or_default();
    if !name.starts_with("select") {
        return Vec::new();
    }
    fn walk(ts: TokenStream, locals: &HashMap<String, Vec<&Expr>>, out: &mut Vec<Delay>) {
        let tts: Vec<TokenTree> = ts.into_iter().collect();
        for (k, tt) in tts.iter().enumerate() {
            match (tt, tts.get(k + 1)) {
                (TokenTree::Ident(i), Some(TokenTree::Group(g)))
                    if g.delimiter() == proc_macro2::Delimiter::Parenthesis
                        && (is_delay_name(&i.to_string()) || i == "tick") =>
                {
                    let arg = syn::parse2::<Expr>(g.stream()).ok();
                    out.push(Delay {
                        span: Span::from(i.span()).to(Span::from(g.span_close())),
                        name: i.to_string(),
                        jitter: arg.map_or(Jitter::Unknown, |a| classify(&a, locals, 0)),
                    });
                }
                (TokenTree::Group(g), _) => walk(g.stream(), locals, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(mac.tokens.clone(), locals, &mut out);
    out
}

impl<'ast> Visit<'ast> for DelayFinder<'_, 'ast> {
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.delays.extend(select_delays(m, self.locals));
        syn::visit::visit_macro(self, m);
    }
    fn visit_expr(&mut self, e: &'ast Expr) {
        if self.own_flow && matches!(e, Expr::Closure(_) | Expr::Async(_)) {
            return;
        }
        // Asked only whether there is a delay: the first one answers, and
        // what its value is used for does not matter.
        if self.delays_only {
            if self.delays.is_empty() {
                syn::visit::visit_expr(self, e);
            }
            return;
        }
        self.local.extend(helpers::local_call_name(e));
        let saved = self.value_used;
        self.value_used = !self.waited.contains(&(e as *const Expr));
        syn::visit::visit_expr(self, e);
        self.value_used = saved;
    }
    fn visit_stmt(&mut self, st: &'ast Stmt) {
        if let (Stmt::Expr(e, _), false) = (st, self.delays_only) {
            self.waited.insert(e);
        }
        syn::visit::visit_stmt(self, st);
    }
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if macro_call_name(c).is_none() {
            if let Some(path) = crate::syntax::call_path(c) {
                // The last two segments only: every call of every walk asks.
                let segs = &path.segments;
                let last = segs.last().map(|s| s.ident.to_string()).unwrap_or_default();
                let before_last = segs.len().checked_sub(2).map(|k| segs[k].ident.to_string());
                let before_last = before_last.as_deref();
                let timer_after = last == "after" && before_last == Some("Timer");
                // `Delay::new(d)`, `Sleep::new(d)`: a timer future
                let timer_type = last == "new" && before_last.is_some_and(is_delay_name);
                if is_delay_name(&last) || timer_after || timer_type {
                    let jitter = match c.args.first() {
                        Some(a) if !self.delays_only => classify(a, self.locals, 0),
                        _ => Jitter::Unknown,
                    };
                    if !(timer_after || timer_type) && self.computes(&last) {
                        self.computed.push(Span::from(c.span()));
                    }
                    self.delays.push(Delay {
                        span: Span::from(c.span()),
                        name: if timer_after {
                            "Timer::after".into()
                        } else {
                            last
                        },
                        jitter,
                    });
                } else if !self.delays_only
                    && (segs.len() == 1
                        || (segs.len() == 2
                            && matches!(before_last, Some("self" | "crate" | "super" | "Self"))))
                {
                    // A crate-local helper (free function or `Self::f`).
                    self.calls.push(last);
                }
            }
        }
        syn::visit::visit_expr_call(self, c);
    }
    fn visit_expr_await(&mut self, a: &'ast syn::ExprAwait) {
        if !self.delays_only {
            self.waited.insert(&*a.base);
        }
        // An async retry policy waits before it says yes
        // (`retry.should_retry(&err).await`), as a backoff's `next().await` does.
        if let Expr::MethodCall(m) = crate::syntax::strip_parens(&a.base) {
            let name = m.method.to_string();
            if name.contains("retry") {
                self.delays.push(Delay {
                    span: Span::from(m.method.span()).to(Span::from(a.await_token.span)),
                    name,
                    jitter: Jitter::Unknown,
                });
            }
        }
        syn::visit::visit_expr_await(self, a);
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let name = m.method.to_string();
        let backoff_next = name == "next"
            && idents_of(&m.receiver)
                .iter()
                .any(|i| i.to_ascii_lowercase().contains("backoff"));
        if is_delay_name(&name) || name == "tick" || backoff_next {
            let jitter = if name == "tick" || backoff_next {
                Jitter::Unknown
            } else {
                match m.args.first() {
                    Some(a) if !self.delays_only => classify(a, self.locals, 0),
                    _ => Jitter::Unknown,
                }
            };
            let start = Span::from(m.method.span());
            let end = Span::from(m.span());
            if is_delay_name(&name) && self.computes(&name) {
                self.computed.push(start.to(end));
            }
            self.delays.push(Delay {
                span: start.to(end),
                name,
                jitter,
            });
        } else if !self.delays_only
            && matches!(crate::syntax::strip_parens(&m.receiver), Expr::Path(p) if p.path.is_ident("self"))
        {
            // `self.helper()`: a method of this type.
            self.calls.push(name);
        }
        syn::visit::visit_expr_method_call(self, m);
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
    fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
        if self.skip_diverging {
            self.visit_expr(&i.cond);
            if !block_diverges(&i.then_branch) {
                self.visit_block(&i.then_branch);
            }
            if let Some((_, e)) = &i.else_branch {
                if !diverges(e) {
                    self.visit_expr(e);
                }
            }
            return;
        }
        syn::visit::visit_expr_if(self, i);
    }
    fn visit_arm(&mut self, a: &'ast syn::Arm) {
        if self.skip_diverging && diverges(&a.body) {
            return;
        }
        syn::visit::visit_arm(self, a);
    }
}

fn has_jitter_source(node: &impl ToTokens) -> bool {
    crate::syntax::any_ident(node, &mut |i| is_jitter_ident(i))
}

/// Is a duration expression visibly deterministic, jittered, or opaque?
fn classify(expr: &Expr, locals: &HashMap<String, Vec<&Expr>>, depth: usize) -> Jitter {
    classify_in(expr, locals, depth, &mut Vec::new())
}

fn classify_all<'e>(
    items: impl Iterator<Item = &'e Expr>,
    locals: &HashMap<String, Vec<&Expr>>,
    depth: usize,
    visiting: &mut Vec<String>,
) -> Jitter {
    let mut out = Jitter::No;
    for e in items {
        match classify_in(e, locals, depth + 1, visiting) {
            Jitter::Yes => return Jitter::Yes,
            Jitter::Unknown => out = Jitter::Unknown,
            Jitter::No => {}
        }
    }
    out
}

fn classify_in(
    expr: &Expr,
    locals: &HashMap<String, Vec<&Expr>>,
    depth: usize,
    visiting: &mut Vec<String>,
) -> Jitter {
    if has_jitter_source(expr) {
        return Jitter::Yes;
    }
    if depth > 12 {
        return Jitter::Unknown;
    }
    match expr {
        Expr::Lit(_) => Jitter::No,
        Expr::Paren(p) => classify_in(&p.expr, locals, depth + 1, visiting),
        Expr::Group(g) => classify_in(&g.expr, locals, depth + 1, visiting),
        Expr::Reference(r) => classify_in(&r.expr, locals, depth + 1, visiting),
        Expr::Cast(c) => classify_in(&c.expr, locals, depth + 1, visiting),
        Expr::Unary(u) => classify_in(&u.expr, locals, depth + 1, visiting),
        Expr::Binary(b) => classify_all([&*b.left, &*b.right].into_iter(), locals, depth, visiting),
        Expr::Path(p) => {
            let segs: Vec<String> = p
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            let Some(last) = segs.last() else {
                return Jitter::Unknown;
            };
            let is_const = last.chars().any(|c| c.is_ascii_uppercase())
                && last
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            if is_const {
                return Jitter::No;
            }
            if segs.len() == 1 {
                if visiting.contains(last) {
                    // `backoff = backoff * 2`: the other definitions decide.
                    return Jitter::No;
                }
                if let Some(defs) = locals.get(last) {
                    visiting.push(last.clone());
                    let out = classify_all(defs.iter().copied(), locals, depth, visiting);
                    visiting.pop();
                    return out;
                }
            }
            Jitter::Unknown
        }
        Expr::Call(c) => {
            let Some(path) = crate::syntax::call_path(c) else {
                return Jitter::Unknown;
            };
            let s = crate::syntax::path_string(path);
            let last = last_segment(path).unwrap_or_default();
            let duration_ctor = (s.contains("Duration") || s.starts_with("from_"))
                && (last.starts_with("from_") || last == "new");
            let pure = matches!(last.as_str(), "min" | "max" | "Some");
            if matches!(last.as_str(), "min" | "max") {
                capped(c.args.iter(), locals, depth, visiting)
            } else if duration_ctor || pure {
                classify_all(c.args.iter(), locals, depth, visiting)
            } else {
                Jitter::Unknown
            }
        }
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            let pure = matches!(
                name.as_str(),
                "min"
                    | "max"
                    | "clamp"
                    | "pow"
                    | "saturating_pow"
                    | "saturating_mul"
                    | "saturating_add"
                    | "saturating_sub"
                    | "checked_mul"
                    | "checked_add"
                    | "wrapping_mul"
                    | "mul_f64"
                    | "mul_f32"
                    | "unwrap_or"
                    | "unwrap"
                    | "clone"
                    | "into"
                    | "mul"
                    | "add"
            );
            if matches!(name.as_str(), "min" | "max" | "clamp") {
                capped(
                    std::iter::once(&*m.receiver).chain(m.args.iter()),
                    locals,
                    depth,
                    visiting,
                )
            } else if matches!(name.as_str(), "unwrap_or" | "unwrap_or_else") {
                // `retry_after.unwrap_or_else(|| base * 2u32.pow(n))`: when
                // the peer says nothing, the fallback decides.
                let fallback = match m.args.first().map(crate::syntax::strip_parens) {
                    Some(Expr::Closure(c)) => tail_expr(&c.body),
                    other => other,
                };
                // A zero fallback (`.unwrap_or(Duration::ZERO)`: the time to
                // wait has passed) is no delay of its own: the receiver
                // decides.
                match (
                    classify_in(&m.receiver, locals, depth + 1, visiting),
                    fallback,
                ) {
                    (Jitter::Yes, _) => Jitter::Yes,
                    (receiver, Some(f)) if is_zero_duration(f) => receiver,
                    (_, Some(f)) => classify_in(f, locals, depth + 1, visiting),
                    (_, None) => Jitter::Unknown,
                }
            } else if pure {
                classify_all(
                    std::iter::once(&*m.receiver).chain(m.args.iter()),
                    locals,
                    depth,
                    visiting,
                )
            } else {
                Jitter::Unknown
            }
        }
        _ => Jitter::Unknown,
    }
}

/// `Duration::ZERO`, `Duration::from_secs(0)`, `Duration::default()`.
fn is_zero_duration(e: &Expr) -> bool {
    match crate::syntax::strip_parens(e) {
        Expr::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "ZERO"),
        Expr::Call(c) => {
            let last = crate::syntax::call_path(c)
                .and_then(last_segment)
                .unwrap_or_default();
            last == "default"
                || (last.starts_with("from_")
                    && c.args.len() == 1
                    && crate::syntax::int_literal(&c.args[0]) == Some(0))
        }
        _ => false,
    }
}

/// `min`/`max`/`clamp` of durations: a cap from configuration
/// (`self.timeout / 2`) or from the time left before a deadline
/// (`deadline - now`) limits the delay without randomising it, so it reads
/// as deterministic when another operand is.
fn capped<'e>(
    items: impl Iterator<Item = &'e Expr>,
    locals: &HashMap<String, Vec<&Expr>>,
    depth: usize,
    visiting: &mut Vec<String>,
) -> Jitter {
    let mut out = Jitter::Unknown;
    let mut caps_only = true;
    for e in items {
        match classify_in(e, locals, depth + 1, visiting) {
            Jitter::Yes => return Jitter::Yes,
            Jitter::No => out = Jitter::No,
            Jitter::Unknown => caps_only &= is_cap(e, locals),
        }
    }
    if caps_only {
        out
    } else {
        Jitter::Unknown
    }
}

/// A configured value (fields, consts and arithmetic on them) or the time
/// left before a deadline.
fn is_cap(e: &Expr, locals: &HashMap<String, Vec<&Expr>>) -> bool {
    let time_left = |e: &Expr| {
        crate::syntax::any_ident(e, &mut |i| {
            matches!(
                i,
                "deadline" | "remaining" | "elapsed" | "Instant" | "saturating_duration_since"
            ) || i.ends_with("timeout")
        })
    };
    match crate::syntax::strip_parens(e) {
        Expr::Field(_) => true,
        Expr::Binary(b) => is_cap(&b.left, locals) || is_cap(&b.right, locals),
        Expr::Path(p) => p.path.get_ident().is_some_and(|i| {
            let name = i.to_string();
            time_left(e)
                || locals
                    .get(&name)
                    .is_some_and(|defs| defs.iter().all(|d| time_left(d)))
        }),
        other => time_left(other),
    }
}

fn tail_expr(e: &Expr) -> Option<&Expr> {
    match crate::syntax::strip_parens(e) {
        Expr::Block(b) => match b.block.stmts.last() {
            Some(Stmt::Expr(e, None)) => tail_expr(e),
            _ => None,
        },
        other => Some(other),
    }
}

/// `let x = ..` and `x = ..` / `x op= ..` definitions in a function body.
fn collect_locals(block: &Block) -> HashMap<String, Vec<&Expr>> {
    struct L<'ast>(HashMap<String, Vec<&'ast Expr>>);
    fn pat_name(p: &Pat) -> Option<String> {
        match p {
            Pat::Ident(i) => Some(i.ident.to_string()),
            Pat::Type(t) => pat_name(&t.pat),
            _ => None,
        }
    }
    impl<'ast> Visit<'ast> for L<'ast> {
        fn visit_local(&mut self, l: &'ast syn::Local) {
            if let (Some(n), Some(init)) = (pat_name(&l.pat), &l.init) {
                self.0.entry(n).or_default().push(&init.expr);
            }
            syn::visit::visit_local(self, l);
        }
        fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
            if let Some(n) = assigned_name(&a.left) {
                self.0.entry(n).or_default().push(&a.right);
            }
            syn::visit::visit_expr_assign(self, a);
        }
        fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
            if is_compound_assign(&b.op) {
                if let Some(n) = assigned_name(&b.left) {
                    self.0.entry(n).or_default().push(&b.right);
                }
            }
            syn::visit::visit_expr_binary(self, b);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut l = L(HashMap::new());
    l.visit_block(block);
    l.0
}

/// Names bound by `let`s, `if let`/`while let` and `for` patterns, each with
/// the expression it is taken from; not later assignments, nor the arms of a
/// `match` (a state machine's dispatch is for [`state_machine`] to judge).
fn collect_bindings(block: &Block) -> HashMap<String, Vec<&Expr>> {
    fn names(p: &Pat) -> Vec<String> {
        struct N(Vec<String>);
        impl<'ast> Visit<'ast> for N {
            fn visit_pat_ident(&mut self, i: &'ast syn::PatIdent) {
                self.0.push(i.ident.to_string());
                syn::visit::visit_pat_ident(self, i);
            }
        }
        let mut n = N(Vec::new());
        n.visit_pat(p);
        n.0
    }
    struct B<'ast>(HashMap<String, Vec<&'ast Expr>>);
    impl<'ast> B<'ast> {
        fn bind(&mut self, p: &Pat, from: &'ast Expr) {
            for n in names(p) {
                self.0.entry(n).or_default().push(from);
            }
        }
    }
    impl<'ast> Visit<'ast> for B<'ast> {
        fn visit_expr_let(&mut self, l: &'ast syn::ExprLet) {
            self.bind(&l.pat, &l.expr);
            syn::visit::visit_expr_let(self, l);
        }
        fn visit_local(&mut self, l: &'ast syn::Local) {
            if let Some(init) = &l.init {
                self.bind(&l.pat, &init.expr);
            }
            syn::visit::visit_local(self, l);
        }
        fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
            self.bind(&f.pat, &f.expr);
            syn::visit::visit_expr_for_loop(self, f);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut b = B(HashMap::new());
    b.visit_block(block);
    b.0
}

fn is_compound_assign(op: &syn::BinOp) -> bool {
    use syn::BinOp::*;
    matches!(
        op,
        AddAssign(_)
            | SubAssign(_)
            | MulAssign(_)
            | DivAssign(_)
            | RemAssign(_)
            | ShlAssign(_)
            | ShrAssign(_)
            | BitOrAssign(_)
            | BitAndAssign(_)
            | BitXorAssign(_)
    )
}

/// The name an assignment's left side writes (`x`, `self.x`, `*x`).
fn assigned_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) => last_segment(&p.path),
        Expr::Field(f) => match &f.member {
            syn::Member::Named(i) => Some(i.to_string()),
            syn::Member::Unnamed(_) => None,
        },
        Expr::Unary(u) => assigned_name(&u.expr),
        Expr::Paren(p) => assigned_name(&p.expr),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// the loop finder

struct FnInfo<'ast> {
    name: String,
    locals: HashMap<String, Vec<&'ast Expr>>,
    bindings: HashMap<String, Vec<&'ast Expr>>,
    body: &'ast Block,
}

struct LoopFinder<'ast> {
    consts: HashMap<String, u64>,
    fns: FileFns<'ast>,
    out: Vec<RetryLoop>,
    fn_stack: Vec<FnInfo<'ast>>,
    declared_stack: Vec<bool>,
    timeout_depth: usize,
}

fn declared(attrs: &[syn::Attribute]) -> bool {
    leash_attr(attrs, "retry").is_some() || leash_attr(attrs, "allow").is_some()
}

impl<'ast> LoopFinder<'ast> {
    fn enter_fn(&mut self, name: &syn::Ident, attrs: &[syn::Attribute], block: &'ast Block) {
        // An empty (or blanked) body has no loop.
        if block.stmts.is_empty() {
            return;
        }
        self.fn_stack.push(FnInfo {
            name: name.to_string(),
            locals: collect_locals(block),
            bindings: collect_bindings(block),
            body: block,
        });
        self.declared_stack.push(declared(attrs));
        let saved = self.timeout_depth;
        self.timeout_depth = 0;
        self.visit_block(block);
        self.timeout_depth = saved;
        self.declared_stack.pop();
        self.fn_stack.pop();
    }

    fn is_declared(&self) -> bool {
        self.declared_stack.iter().any(|d| *d)
    }

    fn analyse(&mut self, lp: LoopRef<'ast>) {
        // Loops outside functions (in a `const` initialiser) are not retries.
        let Some(f) = self.fn_stack.last() else {
            return;
        };
        let file = FileInfo {
            consts: &self.consts,
            fns: &self.fns,
        };
        if let Some(mut rl) = analyse_loop(lp, f, &file) {
            rl.fn_name = Some(f.name.clone());
            if !rl.bound.is_bounded() {
                if self.is_declared() {
                    rl.bound = Bound::Declared;
                } else if self.timeout_depth > 0 {
                    rl.bound = Bound::Deadline;
                }
            }
            self.out.push(rl);
        }
    }
}

impl<'ast> Visit<'ast> for LoopFinder<'ast> {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.enter_fn(&f.sig.ident, &f.attrs, &f.block);
    }
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.enter_fn(&f.sig.ident, &f.attrs, &f.block);
    }
    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if let Some(b) = &f.default {
            self.enter_fn(&f.sig.ident, &f.attrs, b);
        }
    }
    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        self.declared_stack.push(declared(&i.attrs));
        syn::visit::visit_item_impl(self, i);
        self.declared_stack.pop();
    }
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        self.declared_stack.push(declared(&m.attrs));
        syn::visit::visit_item_mod(self, m);
        self.declared_stack.pop();
    }
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        let is_timeout = call_name(c).is_some_and(|n| n == "timeout" || n == "timeout_at");
        if is_timeout {
            self.timeout_depth += 1;
        }
        syn::visit::visit_expr_call(self, c);
        if is_timeout {
            self.timeout_depth -= 1;
        }
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        // `async { loop { .. } }.timeout(d)`
        let is_timeout = m.method == "timeout" || m.method == "timeout_at";
        if is_timeout {
            self.timeout_depth += 1;
        }
        syn::visit::visit_expr_method_call(self, m);
        if is_timeout {
            self.timeout_depth -= 1;
        }
    }
    fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
        self.analyse(LoopRef::Loop(l));
        syn::visit::visit_expr_loop(self, l);
    }
    fn visit_expr_while(&mut self, l: &'ast syn::ExprWhile) {
        self.analyse(LoopRef::While(l));
        syn::visit::visit_expr_while(self, l);
    }
    fn visit_expr_for_loop(&mut self, l: &'ast syn::ExprForLoop) {
        self.analyse(LoopRef::For(l));
        syn::visit::visit_expr_for_loop(self, l);
    }
}

/// A loop's extent, from its first attribute, label or keyword to its
/// closing brace (what `Spanned::span` gives, without printing the loop).
fn loop_ref_extent(lp: LoopRef) -> Span {
    match lp {
        LoopRef::Loop(l) => {
            crate::syntax::extent(&l.attrs, l.label.as_ref(), l.loop_token.span, &l.body)
        }
        LoopRef::While(l) => {
            crate::syntax::extent(&l.attrs, l.label.as_ref(), l.while_token.span, &l.body)
        }
        LoopRef::For(l) => {
            crate::syntax::extent(&l.attrs, l.label.as_ref(), l.for_token.span, &l.body)
        }
    }
}

#[derive(Clone, Copy)]
enum LoopRef<'ast> {
    Loop(&'ast syn::ExprLoop),
    While(&'ast syn::ExprWhile),
    For(&'ast syn::ExprForLoop),
}

/// Where the failure branch of a site is.
enum Branch<'ast> {
    Expr(&'ast Expr),
    Block(&'ast Block),
    /// Falls through to the continuation (`if op.is_ok() { return }`).
    None,
}

/// One place where an operation's failure is tested.
struct Site<'ast> {
    op: Option<String>,
    op_span: Span,
    /// Its name when it may be a function of this file (`self.recreate(..)`).
    helper_op: Option<String>,
    /// It works on this machine's filesystem (`fs::File::open(path)`).
    local_file: bool,
    /// The names a `let` binds to the value of the site's `match`/`if`
    /// (`let page = match fetch() { .. }`).
    value_of: Vec<String>,
    /// The failure arm's guard: it runs on the failure path too.
    guard: Option<&'ast Expr>,
    /// The failure branch itself.
    failure: Branch<'ast>,
    /// What the failure path is reported at (the `Err` pattern, the condition).
    report_span: Span,
    /// The success branch, if it is a separate branch.
    success: Option<&'ast Expr>,
    success_block: Option<&'ast Block>,
    /// Statements that run after the site's statement, innermost level first.
    rest: Vec<&'ast [Stmt]>,
    /// Index of the top-level body statement that contains the site.
    top: usize,
    /// Failure exits are decided by the loop condition itself (`while op().is_err()`).
    cond_site: bool,
}

struct Exit<'ast> {
    conds: Vec<&'ast Expr>,
    /// The expression under a `?`: only its callees and receivers are read.
    try_expr: Option<&'ast Expr>,
}

/// Walks one loop body: finds failure sites, exits with their guarding
/// conditions, and the names mutated in the loop.
struct BodyScan<'l, 'ast> {
    /// The loop body, and the names its `Err(..)` patterns bind.
    body: &'ast Block,
    body_err_names: Vec<String>,
    /// Variables bound by the `for` pattern.
    for_vars: Vec<String>,
    /// What the body writes: walked for the first site that asks.
    writes: std::cell::OnceCell<operation::BodyWrites<'ast>>,
    label: Option<String>,
    depth: usize,
    rest: Vec<&'ast [Stmt]>,
    conds: Vec<&'ast Expr>,
    top: usize,
    sites: Vec<Site<'ast>>,
    exits: Vec<Exit<'ast>>,
    mutated: HashSet<String>,
    err_names: Vec<String>,
    item_ops: bool,
    /// The body's own flow awaits a change notification or a newer state
    /// (`watch.changed().await`, `notify.notified().await`,
    /// `wait_for_version(..).await`); one raced inside `select!` does not
    /// count (macro bodies are not visited).
    waits_for_change: bool,
    /// The body calls `.accept()`: unless that is the operation retried, each
    /// iteration serves a new connection (an accept loop).
    accepts: bool,
    locals: &'l HashMap<String, Vec<&'ast Expr>>,
    bindings: &'l HashMap<String, Vec<&'ast Expr>>,
    fns: &'l FileFns<'ast>,
    /// The enclosing function's name.
    fn_name: &'l str,
    /// Names a `let` is about to bind to a `match`/`if` (see [`Site::value_of`]).
    pending_value: Vec<String>,
    site_value: Vec<String>,
    /// The guard of the failure arm being recorded (`Err(e) if retry(&e).await`).
    site_guard: Option<&'ast Expr>,
    /// The pattern of the failure arm being recorded (`Err(Error::Taken)`).
    site_pat: Option<&'ast Pat>,
    /// Inside `return <expr>`: a failure branch that ends there is returned.
    returning: usize,
    /// Innermost branch context: `true` inside a failure branch, `false`
    /// inside a success (or not-ready) branch of a failure site.
    ctx: Vec<bool>,
}

/// A wait for the state the loop reads to change: a notification
/// (`watch.changed()`, `notify.notified()`), a watch predicate
/// (`rx.wait_for(|v| ..)`), or a newer version of something
/// (`metadata.wait_for_version(kind, v)`).
fn is_change_wait(m: &syn::ExprMethodCall) -> bool {
    let name = m.method.to_string();
    let notification = matches!(name.as_str(), "changed" | "notified") && m.args.is_empty();
    let newer = name.strip_prefix("wait_for").is_some_and(|what| {
        what.is_empty()
            || [
                "version",
                "state",
                "change",
                "update",
                "epoch",
                "revision",
                "generation",
            ]
            .iter()
            .any(|k| what.contains(k))
    });
    notification || newer
}

/// Is a scrutinee a contention/readiness result (directly, or through a local
/// bound to one)?
fn is_contention_expr(e: &Expr, locals: &HashMap<String, Vec<&Expr>>) -> bool {
    let names = callee_names(e);
    if names.iter().any(|n| is_contention_op(n)) {
        return true;
    }
    if let Expr::Path(p) = strip_await_try(e) {
        if let Some(n) = last_segment(&p.path) {
            if let Some(defs) = locals.get(&n) {
                return defs
                    .iter()
                    .any(|d| callee_names(d).iter().any(|c| is_contention_op(c)));
            }
        }
    }
    false
}

fn pat_is_err(p: &Pat) -> bool {
    pat_has_ident(p, &|i| i == "Err")
}
fn pat_is_ok(p: &Pat) -> bool {
    pat_has_ident(p, &|i| i == "Ok")
}

fn is_status_ident(i: &str) -> bool {
    matches!(
        i,
        "is_server_error" | "TOO_MANY_REQUESTS" | "SERVICE_UNAVAILABLE"
    )
}

/// A retryable HTTP status test: `status().is_server_error()`, `TOO_MANY_REQUESTS`,
/// `SERVICE_UNAVAILABLE`, `== 429`, `== 503`.
fn is_status_cond(e: &Expr) -> bool {
    struct S(bool);
    impl<'ast> Visit<'ast> for S {
        fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
            if matches!(b.op, syn::BinOp::Eq(_)) {
                for side in [&*b.left, &*b.right] {
                    if matches!(crate::syntax::int_literal(side), Some(429 | 503)) {
                        self.0 = true;
                    }
                }
            }
            syn::visit::visit_expr_binary(self, b);
        }
        fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
            if is_status_ident(&i.to_string()) {
                self.0 = true;
            }
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    }
    let mut s = S(false);
    s.visit_expr(e);
    s.0
}

/// `x.is_err()` / `!x.is_ok()` -> (receiver, true); `x.is_ok()` -> (receiver,
/// false). Looks through `&&`/`||` chains.
fn is_ok_err_test(e: &Expr) -> Option<(&Expr, bool)> {
    match crate::syntax::strip_parens(e) {
        Expr::MethodCall(m) if m.method == "is_err" => Some((&m.receiver, true)),
        Expr::MethodCall(m) if m.method == "is_ok" => Some((&m.receiver, false)),
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => {
            is_ok_err_test(&u.expr).map(|(r, f)| (r, !f))
        }
        Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
            is_ok_err_test(&b.left).or_else(|| is_ok_err_test(&b.right))
        }
        _ => None,
    }
}

/// The `let PAT = EXPR` of an `if let` condition (also inside a `&&` chain).
fn find_let(e: &Expr) -> Option<&syn::ExprLet> {
    match e {
        Expr::Let(l) => Some(l),
        Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
            find_let(&b.left).or_else(|| find_let(&b.right))
        }
        Expr::Paren(p) => find_let(&p.expr),
        _ => None,
    }
}

impl<'l, 'ast> BodyScan<'l, 'ast> {
    fn site(
        &mut self,
        op_expr: &'ast Expr,
        failure: Branch<'ast>,
        report_span: Span,
        success: Option<&'ast Expr>,
        success_block: Option<&'ast Block>,
    ) {
        if self.depth > 0 || is_contention_expr(op_expr, self.locals) {
            return;
        }
        // `return match op() { .., Err(e) => Err(e) }`: the failure's value
        // is returned unless its branch goes round itself.
        let branch_continues = || match failure {
            Branch::Expr(e) => scan_exits(Some(e), &[], self.label.as_deref()).1,
            Branch::Block(b) => scan_exits(None, &[&b.stmts], self.label.as_deref()).1,
            Branch::None => false,
        };
        if self.returning > 0 && !branch_continues() {
            return;
        }
        let mut op = operation::resolve(op_expr, self.locals);
        // Panic isolation re-entering an executor: a panic is not a failure to retry.
        if op.catch_unwind {
            return;
        }
        if op.name().is_none() && is_status_cond(op_expr) {
            op = operation::status_operation(op_expr, self.locals).unwrap_or(op);
        }
        // An operation leash cannot name (`ready!(fut.poll(cx))`, a parameter)
        // is undecidable; a status test it cannot trace to its request stays
        // unnamed.
        let name = op.name();
        if name.is_none() && !is_status_cond(op_expr) {
            return;
        }
        if let Some(n) = name.as_deref() {
            if is_item_op(n) {
                self.item_ops = true;
                return;
            }
            // Conversions give the same answer on the same input: a loop
            // around one changes the input, it does not retry. A
            // compare-exchange wrapper of this file is contention.
            if is_conversion_op(n) || self.fns.contention(n) {
                return;
            }
        }
        if self.not_a_retry(&op, op_expr, &failure, (success, success_block)) {
            return;
        }
        self.sites.push(Site {
            op: name,
            op_span: Span::from(op_expr.span()),
            helper_op: self.helper_op(&op),
            local_file: op.call.is_some_and(shapes::is_local_file_op),
            failure,
            report_span,
            success,
            success_block,
            rest: self.rest.clone(),
            top: self.top,
            cond_site: false,
            value_of: self
                .site_value
                .iter()
                .cloned()
                .chain(shapes::result_local(op_expr))
                .collect(),
            guard: self.site_guard,
        });
    }

    /// The operation's name when it may be a function of this file; not the
    /// enclosing function's own name (`self.inner.send(..)` inside `fn send`
    /// delegates to another type).
    fn helper_op(&self, op: &operation::Operation) -> Option<String> {
        op.call
            .and_then(helpers::local_call_name)
            .filter(|n| *n != self.fn_name)
    }

    fn new(
        lp: LoopRef<'ast>,
        label: Option<String>,
        f: &'l FnInfo<'ast>,
        fns: &'l FileFns<'ast>,
    ) -> Self {
        let body = loop_parts(lp).2;
        BodyScan {
            body,
            body_err_names: body_err_names(body),
            // `.cycle()` brings the same targets round again: its variable
            // does not make each attempt another call.
            for_vars: match lp {
                LoopRef::For(f) if !repeats_items(&f.expr) => idents_of(&f.pat),
                _ => Vec::new(),
            },
            writes: Default::default(),
            label,
            depth: 0,
            rest: Vec::new(),
            conds: Vec::new(),
            top: 0,
            sites: Vec::new(),
            exits: Vec::new(),
            mutated: HashSet::new(),
            err_names: Vec::new(),
            item_ops: false,
            waits_for_change: false,
            accepts: false,
            locals: &f.locals,
            bindings: &f.bindings,
            fns,
            fn_name: &f.name,
            pending_value: Vec::new(),
            site_value: Vec::new(),
            returning: 0,
            site_guard: None,
            site_pat: None,
            ctx: Vec::new(),
        }
    }

    /// Walks the loop body, statement by statement.
    fn walk_body(&mut self, lp: LoopRef<'ast>) {
        if let LoopRef::For(f) = lp {
            self.mutated.extend(idents_of(&f.pat));
        }
        let body = self.body;
        for (i, st) in body.stmts.iter().enumerate() {
            self.top = i;
            self.rest.push(&body.stmts[i + 1..]);
            self.visit_stmt(st);
            self.rest.pop();
            if let Stmt::Expr(Expr::If(ifx), _) = st {
                let (ex, cont) = scan_exits(None, &[&ifx.then_branch.stmts], self.label.as_deref());
                if ifx.else_branch.is_none() && (ex || cont) {
                    self.conds.push(&ifx.cond);
                }
            }
        }
    }

    /// `while op().is_err() { .. }`: the loop condition is the failure site,
    /// the body its failure branch.
    fn cond_site(&mut self, op_expr: &'ast Expr, report_span: Span) {
        if is_contention_expr(op_expr, self.locals) {
            return;
        }
        let op = operation::resolve(op_expr, self.locals);
        let name = op.name();
        let not_failure = name
            .as_deref()
            .is_some_and(|n| is_item_op(n) || self.fns.contention(n));
        let failure = Branch::Block(self.body);
        // The body is the failure branch: nothing of it runs before the test.
        self.top = 0;
        if op.catch_unwind || not_failure || self.not_a_retry(&op, op_expr, &failure, (None, None))
        {
            return;
        }
        self.sites.push(Site {
            op: name,
            op_span: Span::from(op_expr.span()),
            helper_op: self.helper_op(&op),
            local_file: op.call.is_some_and(shapes::is_local_file_op),
            value_of: Vec::new(),
            guard: None,
            failure,
            report_span,
            success: None,
            success_block: None,
            rest: Vec::new(),
            top: 0,
            cond_site: true,
        });
    }

    /// The failure shapes that are not retries, as far as the site and its
    /// branch show them: a readiness result, a changed input, a repair whose
    /// own failure leaves, a state machine that moves on, or the error kept in
    /// the state.
    fn not_a_retry(
        &self,
        op: &operation::Operation<'ast>,
        op_expr: &'ast Expr,
        failure: &Branch<'ast>,
        (success, success_block): (Option<&'ast Expr>, Option<&'ast Block>),
    ) -> bool {
        let region = match failure {
            Branch::Expr(e) => Some(Region::Expr(e)),
            Branch::Block(b) => Some(Region::Block(b)),
            Branch::None => None,
        };
        // A readiness result handled inside the failure branch
        // (`Err(e) => match e.kind() { Interrupted => continue, .. }`), or
        // named by the arm's guard (`Err(e) if e.kind() == WrongLastRevision`).
        let readiness = match failure {
            Branch::Expr(e) => idents_of(*e).iter().any(|i| is_readiness_ident(i)),
            Branch::Block(b) => idents_of(*b).iter().any(|i| is_readiness_ident(i)),
            Branch::None => false,
        } || self
            .site_guard
            .is_some_and(|g| idents_of(g).iter().any(|i| is_readiness_ident(i)));
        // The locals the operation is given (`call(request)`), and the one
        // it is called on (`err.recover()`, handed back as `err = e`).
        let op_inputs: Vec<String> = match op.call {
            Some(Expr::MethodCall(m)) => {
                let receiver = match crate::syntax::strip_parens(&m.receiver) {
                    Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
                    _ => None,
                };
                m.args.iter().flat_map(idents_of).chain(receiver).collect()
            }
            Some(Expr::Call(c)) => c.args.iter().flat_map(idents_of).collect(),
            _ => Vec::new(),
        };
        let inputs = operation::LoopInputs {
            body: self.body,
            locals: self.locals,
            bindings: self.bindings,
            fns: self.fns,
            err_names: &self.body_err_names,
            for_vars: &self.for_vars,
            before: &self.body.stmts[..self.top.min(self.body.stmts.len())],
            writes: &self.writes,
        };
        // A name search: the error says the name is taken, and the
        // operation (a function of this file) mints a fresh one each call.
        let collision = self
            .site_pat
            .is_some_and(|p| idents_of(p).iter().any(|i| is_collision_ident(i)))
            && self.helper_op(op).is_some_and(|n| self.fns.mints(&n));
        // Each attempt waits for a person's new answer (`ask_free_text(..)`).
        let asks = op
            .call
            .is_some_and(|c| shapes::asks_a_person(Region::Expr(c)))
            || self.helper_op(op).is_some_and(|n| self.fns.asks(&n));
        readiness
            || collision
            || asks
            || inputs.changes(op, op_expr, success, success_block)
            || self.falls_through_to_next_state(op, failure)
            || region.is_some_and(|r| {
                let name = op.name().unwrap_or_default();
                shapes::repairs(r, &name, &self.err_names)
                    || shapes::asks_a_person(r)
                    || op
                        .call
                        .is_some_and(|c| state_machine::moves_on(self.body, r, c, self.fns))
                    || shapes::keeps_error_in_state(r, &self.err_names)
                    || shapes::waits_as_the_error_says(r, &self.err_names)
                    || shapes::hands_back_input(r, &self.err_names, &op_inputs)
                    || shapes::takes_out_failed_target(r, inputs.before)
            })
    }

    /// A failure with no branch of its own (`if let Ok(v) = r { return .. }`)
    /// runs the statements after the site: a state machine that moves on
    /// there (`this.state.set(State::FetchOther { .. })`) is no retry.
    fn falls_through_to_next_state(
        &self,
        op: &operation::Operation<'ast>,
        failure: &Branch<'ast>,
    ) -> bool {
        let (Branch::None, Some(call), Some(rest)) = (failure, op.call, self.rest.last()) else {
            return false;
        };
        !rest.is_empty() && state_machine::moves_on(self.body, Region::Stmts(rest), call, self.fns)
    }

    fn exit(&mut self, try_expr: Option<&'ast Expr>) {
        // Exits on a success path are not attempt bounds.
        if self.ctx.last() == Some(&false) {
            return;
        }
        let conds = if try_expr.is_some() {
            Vec::new()
        } else {
            self.conds.clone()
        };
        self.exits.push(Exit { conds, try_expr });
    }

    /// Walks a failure branch: only the conditions inside it guard its exits.
    fn failure_branch(&mut self, guard: Option<&'ast Expr>, f: impl FnOnce(&mut Self)) {
        let saved = std::mem::take(&mut self.conds);
        if let Some(g) = guard {
            self.conds.push(g);
        }
        self.ctx.push(true);
        f(self);
        self.ctx.pop();
        self.conds = saved;
    }

    fn success_branch(&mut self, f: impl FnOnce(&mut Self)) {
        self.ctx.push(false);
        f(self);
        self.ctx.pop();
    }

    fn is_fallible(&self, op: &Expr) -> bool {
        !is_contention_expr(op, self.locals)
    }

    fn walk_stmts(&mut self, stmts: &'ast [Stmt]) {
        let pushed_before = self.conds.len();
        for (i, st) in stmts.iter().enumerate() {
            self.rest.push(&stmts[i + 1..]);
            self.visit_stmt(st);
            self.rest.pop();
            // After `if cond { <diverges> }`, the remaining statements run only
            // when `cond` did not hold: their exits are guarded by it.
            if let Stmt::Expr(Expr::If(ifx), _) = st {
                let (ex, cont) = scan_exits(None, &[&ifx.then_branch.stmts], self.label.as_deref());
                if ifx.else_branch.is_none() && (ex || cont) {
                    self.conds.push(&ifx.cond);
                }
            }
        }
        self.conds.truncate(pushed_before);
    }
}

impl<'ast> Visit<'ast> for BodyScan<'_, 'ast> {
    fn visit_block(&mut self, b: &'ast Block) {
        self.walk_stmts(&b.stmts);
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}

    fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
        self.depth += 1;
        self.visit_block(&l.body);
        self.depth -= 1;
    }
    fn visit_expr_while(&mut self, l: &'ast syn::ExprWhile) {
        self.depth += 1;
        self.visit_expr(&l.cond);
        self.visit_block(&l.body);
        self.depth -= 1;
    }
    fn visit_expr_for_loop(&mut self, l: &'ast syn::ExprForLoop) {
        self.visit_expr(&l.expr);
        self.depth += 1;
        self.visit_block(&l.body);
        self.depth -= 1;
    }

    fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
        // `return Poll::Pending` suspends a poll loop; it does not give up.
        let pending = r.expr.as_deref().is_some_and(|e| {
            matches!(crate::syntax::strip_parens(e), Expr::Path(p) if last_segment(&p.path).as_deref() == Some("Pending"))
        });
        if !pending {
            self.exit(None);
        }
        self.returning += 1;
        syn::visit::visit_expr_return(self, r);
        self.returning -= 1;
    }
    fn visit_expr_break(&mut self, b: &'ast syn::ExprBreak) {
        if break_exits(b, self.label.as_deref(), self.depth) {
            self.exit(None);
        }
        syn::visit::visit_expr_break(self, b);
    }
    fn visit_expr_try(&mut self, t: &'ast syn::ExprTry) {
        self.exit(Some(&t.expr));
        syn::visit::visit_expr_try(self, t);
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        if is_exit_macro(m) {
            self.exit(None);
        }
    }
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if call_exits(c) {
            self.exit(None);
        }
        syn::visit::visit_expr_call(self, c);
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let name = m.method.to_string();
        // `lock.read()` takes a guard, not an item; `stream.read(&mut buf)` does.
        let lock_guard = matches!(name.as_str(), "read" | "write") && m.args.is_empty();
        if self.depth == 0 && is_item_op(&name) && !lock_guard {
            self.item_ops = true;
        }
        self.accepts |= self.depth == 0 && name == "accept";
        syn::visit::visit_expr_method_call(self, m);
    }
    fn visit_expr_await(&mut self, a: &'ast syn::ExprAwait) {
        if let Expr::MethodCall(m) = &*a.base {
            self.waits_for_change |= is_change_wait(m);
        }
        syn::visit::visit_expr_await(self, a);
    }
    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        if let Some(n) = assigned_name(&a.left) {
            self.mutated.insert(n);
        }
        syn::visit::visit_expr_assign(self, a);
    }
    fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
        if is_compound_assign(&b.op) {
            if let Some(n) = assigned_name(&b.left) {
                self.mutated.insert(n);
            }
        }
        syn::visit::visit_expr_binary(self, b);
    }

    fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
        self.site_value = std::mem::take(&mut self.pending_value);
        let has_err = m.arms.iter().any(|a| pat_is_err(&a.pat));
        let has_status = m
            .arms
            .iter()
            .any(|a| pat_has_ident(&a.pat, &is_status_ident) || pat_has_int(&a.pat));
        let readiness = m
            .arms
            .iter()
            .any(|a| idents_of(&a.pat).iter().any(|i| is_readiness_ident(i)));
        // `Some(Ok(item))` / `Some(Err(e))`: items of a stream, one per iteration.
        let stream_items = m.arms.iter().any(|a| {
            let ids = idents_of(&a.pat);
            ids.iter().any(|i| i == "Some") && ids.iter().any(|i| i == "Ok" || i == "Err")
        });
        if stream_items && self.depth == 0 {
            self.item_ops = true;
        }
        let is_site =
            (has_err || has_status) && !readiness && !stream_items && self.is_fallible(&m.expr);
        if is_site {
            let success = m
                .arms
                .iter()
                .find(|a| !pat_is_err(&a.pat) && (pat_is_ok(&a.pat) || has_status))
                .map(|a| &*a.body);
            for a in &m.arms {
                let is_failure = if has_err {
                    pat_is_err(&a.pat)
                } else {
                    pat_has_ident(&a.pat, &is_status_ident) || pat_has_int(&a.pat)
                };
                if is_failure {
                    let mut names = Vec::new();
                    err_binding_names(&a.pat, &mut names);
                    self.err_names.extend(names);
                    self.site_guard = match &a.pat {
                        Pat::Guard(g) => Some(&*g.guard),
                        _ => None,
                    };
                    self.site_pat = Some(&a.pat);
                    self.site(
                        &m.expr,
                        Branch::Expr(&a.body),
                        Span::from(a.pat.span()),
                        success,
                        None,
                    );
                    self.site_guard = None;
                    self.site_pat = None;
                }
            }
        }
        self.site_value.clear();
        self.visit_expr(&m.expr);
        for a in &m.arms {
            let guard = match &a.pat {
                Pat::Guard(g) => Some(&*g.guard),
                _ => None,
            };
            if is_site {
                let is_failure = if has_err {
                    pat_is_err(&a.pat)
                } else {
                    pat_has_ident(&a.pat, &is_status_ident) || pat_has_int(&a.pat)
                };
                if is_failure {
                    // `Err(e) if can_retry() => { .. }` followed by an exiting
                    // `Err(e) => return ..`: the guard decides when to stop.
                    if let Some(g) = guard {
                        let lbl = self.label.clone();
                        if !always_exits(&a.body, lbl.as_deref(), self.depth)
                            && m.arms.iter().any(|b| {
                                pat_is_err(&b.pat)
                                    && always_exits(&b.body, lbl.as_deref(), self.depth)
                            })
                        {
                            self.failure_branch(None, |s| {
                                s.conds.push(g);
                                s.exit(None);
                            });
                        }
                    }
                    self.failure_branch(guard, |s| s.visit_expr(&a.body));
                    continue;
                } else if pat_is_ok(&a.pat) || has_status {
                    self.success_branch(|s| s.visit_expr(&a.body));
                    continue;
                }
            }
            let pushed = self.conds.len();
            if !pat_is_ok(&a.pat) {
                self.conds.push(&m.expr);
            }
            if let Some(g) = guard {
                self.conds.push(g);
            }
            self.visit_expr(&a.body);
            self.conds.truncate(pushed);
        }
    }

    fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
        self.site_value = std::mem::take(&mut self.pending_value);
        let else_expr = i.else_branch.as_ref().map(|(_, e)| &**e);
        let else_branch = || match else_expr {
            Some(e) => Branch::Expr(e),
            None => Branch::None,
        };
        // Some(true): the then-branch is the failure branch; Some(false): it is
        // the success branch; None: not a failure site.
        let mut then_is_failure = None;
        if let Some(l) = find_let(&i.cond) {
            let readiness = idents_of(&l.pat).iter().any(|i| is_readiness_ident(i));
            if !readiness && self.is_fallible(&l.expr) {
                if pat_is_err(&l.pat) {
                    let mut names = Vec::new();
                    err_binding_names(&l.pat, &mut names);
                    self.err_names.extend(names);
                    self.site(
                        &l.expr,
                        Branch::Block(&i.then_branch),
                        Span::from(l.pat.span()),
                        else_expr,
                        None,
                    );
                    then_is_failure = Some(true);
                } else if pat_is_ok(&l.pat) {
                    self.site(
                        &l.expr,
                        else_branch(),
                        Span::from(i.cond.span()),
                        None,
                        Some(&i.then_branch),
                    );
                    then_is_failure = Some(false);
                }
            }
        } else if let Some((recv, is_failure)) = is_ok_err_test(&i.cond) {
            if self.is_fallible(recv) {
                if is_failure {
                    self.site(
                        recv,
                        Branch::Block(&i.then_branch),
                        Span::from(i.cond.span()),
                        else_expr,
                        None,
                    );
                } else {
                    self.site(
                        recv,
                        else_branch(),
                        Span::from(i.cond.span()),
                        None,
                        Some(&i.then_branch),
                    );
                }
                then_is_failure = Some(is_failure);
            }
        } else if is_status_cond(&i.cond) {
            self.site(
                &i.cond,
                Branch::Block(&i.then_branch),
                Span::from(i.cond.span()),
                else_expr,
                None,
            );
            then_is_failure = Some(true);
        }
        self.site_value.clear();
        self.visit_expr(&i.cond);
        match then_is_failure {
            Some(true) => {
                self.failure_branch(None, |s| s.visit_block(&i.then_branch));
                if let Some(e) = else_expr {
                    self.success_branch(|s| s.visit_expr(e));
                }
            }
            Some(false) => {
                self.success_branch(|s| s.visit_block(&i.then_branch));
                if let Some(e) = else_expr {
                    self.failure_branch(None, |s| s.visit_expr(e));
                }
            }
            None => {
                self.conds.push(&i.cond);
                self.visit_block(&i.then_branch);
                if let Some(e) = else_expr {
                    self.visit_expr(e);
                }
                self.conds.pop();
            }
        }
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some(init) = &l.init {
            if init.diverge.is_none()
                && matches!(
                    crate::syntax::strip_parens(&init.expr),
                    Expr::Match(_) | Expr::If(_)
                )
            {
                self.pending_value = idents_of(&l.pat);
            }
            if let Some((_, els)) = &init.diverge {
                let readiness = idents_of(&l.pat).iter().any(|i| is_readiness_ident(i));
                if !readiness && pat_is_ok(&l.pat) {
                    self.site(
                        &init.expr,
                        Branch::Expr(els),
                        Span::from(l.pat.span()),
                        None,
                        None,
                    );
                } else if !readiness && pat_is_err(&l.pat) {
                    // `let Err(e) = op() else { break }`: success is the else.
                    self.site(
                        &init.expr,
                        Branch::None,
                        Span::from(l.pat.span()),
                        Some(els),
                        None,
                    );
                }
                self.visit_expr(&init.expr);
                if pat_is_ok(&l.pat) {
                    self.failure_branch(None, |s| s.visit_expr(els));
                } else {
                    self.conds.push(&init.expr);
                    self.visit_expr(els);
                    self.conds.pop();
                }
                return;
            }
        }
        syn::visit::visit_local(self, l);
    }
}

/// A failure branch that is only a macro leash does not expand (`halt!(..)`):
/// whether it leaves the loop is undecidable.
fn is_opaque_macro_branch(b: &Branch) -> bool {
    fn stmts_opaque(stmts: &[Stmt]) -> bool {
        match stmts {
            [Stmt::Macro(m)] => !is_exit_macro(&m.mac),
            [Stmt::Expr(Expr::Macro(m), _)] => !is_exit_macro(&m.mac),
            _ => false,
        }
    }
    match b {
        Branch::Expr(Expr::Macro(_)) => true,
        Branch::Expr(Expr::Block(bl)) => stmts_opaque(&bl.block.stmts),
        Branch::Block(bl) => stmts_opaque(&bl.stmts),
        _ => false,
    }
}

fn pat_has_int(p: &Pat) -> bool {
    struct I(bool);
    impl<'ast> Visit<'ast> for I {
        fn visit_lit_int(&mut self, i: &'ast syn::LitInt) {
            if matches!(i.base10_parse::<u64>(), Ok(429 | 503)) {
                self.0 = true;
            }
        }
    }
    let mut i = I(false);
    i.visit_pat(p);
    i.0
}

/// The loop's header span, label, body and driving expression.
fn loop_parts<'a>(lp: LoopRef<'a>) -> (Span, Option<String>, &'a Block) {
    match lp {
        LoopRef::Loop(l) => (
            Span::from(l.loop_token.span),
            l.label.as_ref().map(|x| x.name.ident.to_string()),
            &l.body,
        ),
        LoopRef::While(l) => (
            Span::between(l.while_token.span, l.cond.span()),
            l.label.as_ref().map(|x| x.name.ident.to_string()),
            &l.body,
        ),
        LoopRef::For(l) => (
            Span::between(l.for_token.span, l.expr.span()),
            l.label.as_ref().map(|x| x.name.ident.to_string()),
            &l.body,
        ),
    }
}

/// How a `for` loop's iterator drives the loop.
enum Driver {
    /// Finite range or `.take(n)`: a bounded attempt loop.
    Finite(Option<u64>),
    /// `1..`, `repeat(..)`, `.cycle()`: open-ended.
    Open,
    /// A collection or stream: a failover pass or an event loop.
    Items,
}

/// An iterator that yields its items again and again (`.cycle()`,
/// `repeat(x)`).
fn repeats_items(e: &Expr) -> bool {
    let (calls, root) = crate::syntax::method_chain(e);
    calls.iter().any(|m| m.method == "cycle")
        || matches!(crate::syntax::strip_parens(root), Expr::Call(c) if call_name(c).is_some_and(|n| n == "repeat" || n == "repeat_with"))
}

fn for_driver(e: &Expr, consts: &HashMap<String, u64>) -> Driver {
    let (calls, root) = crate::syntax::method_chain(e);
    for m in &calls {
        if m.method == "take" {
            return Driver::Finite(m.args.first().and_then(|a| num_value(a, consts)));
        }
        if m.method == "zip" {
            if let Some(Driver::Finite(n)) = m.args.first().map(|a| for_driver(a, consts)) {
                return Driver::Finite(n);
            }
        }
    }
    let open_adapter = calls.iter().any(|m| m.method == "cycle");
    match crate::syntax::strip_parens(root) {
        Expr::Range(r) => {
            if r.end.is_none() || open_adapter {
                Driver::Open
            } else {
                let count = match (&r.start, &r.end) {
                    (Some(s), Some(e)) => match (num_value(s, consts), num_value(e, consts)) {
                        (Some(a), Some(b)) => {
                            let inclusive = matches!(r.limits, syn::RangeLimits::Closed(_));
                            Some(b.saturating_sub(a) + u64::from(inclusive))
                        }
                        _ => None,
                    },
                    (None, Some(e)) => num_value(e, consts),
                    _ => None,
                };
                Driver::Finite(count)
            }
        }
        Expr::Call(c) if call_name(c).is_some_and(|n| n == "repeat" || n == "repeat_with") => {
            Driver::Open
        }
        _ if open_adapter => Driver::Open,
        _ => Driver::Items,
    }
}

fn num_value(e: &Expr, consts: &HashMap<String, u64>) -> Option<u64> {
    if let Some(v) = crate::syntax::int_literal(e) {
        return Some(v);
    }
    if let Expr::Path(p) = crate::syntax::strip_parens(e) {
        let last = last_segment(&p.path)?;
        return consts.get(&last).copied();
    }
    None
}

/// The numeric limit of a counter comparison in a condition, when readable.
fn limit_in(conds: &[&Expr], consts: &HashMap<String, u64>) -> Option<u64> {
    struct L<'c> {
        consts: &'c HashMap<String, u64>,
        found: Option<u64>,
    }
    impl<'ast> Visit<'ast> for L<'_> {
        fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
            use syn::BinOp::*;
            if matches!(b.op, Eq(_) | Lt(_) | Le(_) | Gt(_) | Ge(_) | Ne(_)) && self.found.is_none()
            {
                self.found =
                    num_value(&b.right, self.consts).or_else(|| num_value(&b.left, self.consts));
            }
            syn::visit::visit_expr_binary(self, b);
        }
    }
    let mut l = L {
        consts,
        found: None,
    };
    for c in conds {
        l.visit_expr(c);
    }
    l.found
}

/// What kind of state a condition reads: `None` when it only inspects the
/// error (or reads nothing that changes across iterations).
fn cond_state(cond: &Expr, mutated: &HashSet<String>, err_names: &[String]) -> Option<Bound> {
    // Idents of the condition, with method chains rooted at an error binding removed.
    struct C<'e> {
        err_names: &'e [String],
        idents: Vec<String>,
    }
    impl<'ast> Visit<'ast> for C<'_> {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            let (_, root) = crate::syntax::method_chain(&m.receiver);
            if let Expr::Path(p) = root {
                if let Some(n) = last_segment(&p.path) {
                    if self.err_names.contains(&n) {
                        // only the arguments (`retry_after.or_else(|| backoff.next())`)
                        let (calls, _) = crate::syntax::method_chain(&m.receiver);
                        for a in &m.args {
                            self.visit_expr(a);
                        }
                        for c in calls {
                            for a in &c.args {
                                self.visit_expr(a);
                            }
                        }
                        return;
                    }
                }
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
            self.idents.push(i.to_string());
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            self.idents.extend(idents_of(&m.tokens));
        }
    }
    let mut c = C {
        err_names,
        idents: Vec::new(),
    };
    c.visit_expr(cond);
    if takes_a_ticket(cond) {
        return Some(Bound::AttemptCounter { limit: None });
    }
    let idents: Vec<&String> = c.idents.iter().filter(|i| !err_names.contains(i)).collect();
    classify_idents(&idents, mutated)
}

/// `counter.fetch_add(1, Relaxed) >= n_tasks`: the condition itself moves a
/// shared counter and compares what it took with a limit, as `attempt += 1;
/// attempt >= max` does.
fn takes_a_ticket(cond: &Expr) -> bool {
    let Expr::Binary(b) = crate::syntax::strip_parens(cond) else {
        return false;
    };
    if !crate::syntax::is_comparison(&b.op) {
        return matches!(b.op, syn::BinOp::And(_) | syn::BinOp::Or(_))
            && (takes_a_ticket(&b.left) || takes_a_ticket(&b.right));
    }
    [&*b.left, &*b.right].into_iter().any(|side| {
        matches!(crate::syntax::strip_parens(side),
            Expr::MethodCall(m) if matches!(m.method.to_string().as_str(), "fetch_add" | "fetch_sub"))
    })
}

/// The callees and receivers of the expression under a `?` (its arguments are
/// not conditions: `connect(use_backoff)?` does not read a backoff).
fn try_state(e: &Expr, mutated: &HashSet<String>) -> Option<Bound> {
    let mut idents = Vec::new();
    let mut cur = e;
    loop {
        match cur {
            Expr::MethodCall(m) => {
                idents.push(m.method.to_string());
                cur = &m.receiver;
            }
            Expr::Await(a) => cur = &a.base,
            Expr::Try(t) => cur = &t.expr,
            Expr::Paren(p) => cur = &p.expr,
            Expr::Reference(r) => cur = &r.expr,
            Expr::Field(f) => {
                if let syn::Member::Named(i) = &f.member {
                    idents.push(i.to_string());
                }
                cur = &f.base;
            }
            Expr::Call(c) => {
                if let Some(p) = crate::syntax::call_path(c) {
                    idents.extend(p.segments.iter().map(|s| s.ident.to_string()));
                }
                break;
            }
            Expr::Path(p) => {
                idents.extend(p.path.segments.iter().map(|s| s.ident.to_string()));
                break;
            }
            _ => break,
        }
    }
    // A deadline handed to the call (`lock_state(deadline)?`) leaves the loop
    // when it passes.
    if idents_of(e).iter().any(|i| is_deadline_ident(i)) {
        return Some(Bound::Deadline);
    }
    let refs: Vec<&String> = idents.iter().collect();
    classify_idents(&refs, mutated)
}

fn classify_idents(idents: &[&String], mutated: &HashSet<String>) -> Option<Bound> {
    let idents: Vec<&String> = idents
        .iter()
        .copied()
        .filter(|i| !is_shutdown_ident(i))
        .collect();
    if idents.iter().any(|i| is_deadline_ident(i)) {
        return Some(Bound::Deadline);
    }
    if idents.iter().any(|i| mutated.contains(i.as_str())) {
        return Some(Bound::AttemptCounter { limit: None });
    }
    if idents.iter().any(|i| is_state_ident(i)) {
        let counterish = idents.iter().any(|i| {
            let l = i.to_ascii_lowercase();
            l.contains("attempt") || l.contains("retries") || l.contains("tries")
        });
        return Some(if counterish {
            Bound::AttemptCounter { limit: None }
        } else {
            Bound::Policy
        });
    }
    None
}

/// What the loop analysis needs from the whole file.
struct FileInfo<'f, 'ast> {
    consts: &'f HashMap<String, u64>,
    fns: &'f FileFns<'ast>,
}

/// What drives a loop besides its body: a finite iterator (a bound), a
/// `while` condition that leaves, or a `while op().is_err()` failure site.
struct Header<'ast> {
    bound: Option<Bound>,
    cond_exit: Option<&'ast Expr>,
    cond_site: Option<(&'ast Expr, Span)>,
}

/// `None` for loops that cannot retry: a `for` over items, a `while let
/// Some(..)` over a queue.
fn loop_header<'ast>(lp: LoopRef<'ast>, consts: &HashMap<String, u64>) -> Option<Header<'ast>> {
    let mut h = Header {
        bound: None,
        cond_exit: None,
        cond_site: None,
    };
    match lp {
        LoopRef::For(f) => match for_driver(&f.expr, consts) {
            Driver::Items => return None,
            Driver::Finite(n) => h.bound = Some(Bound::FiniteIterator { count: n }),
            Driver::Open => {}
        },
        LoopRef::While(w) => {
            if let Some(l) = find_let(&w.cond) {
                if !pat_is_err(&l.pat) {
                    // `while let Some(s) = servers.pop_front()`: items, not retries.
                    return None;
                }
                h.cond_site = Some((&l.expr, Span::from(l.pat.span())));
            } else if let Some((recv, true)) = is_ok_err_test(&w.cond) {
                h.cond_site = Some((recv, Span::from(w.cond.span())));
            } else {
                h.cond_exit = Some(&w.cond);
            }
        }
        LoopRef::Loop(_) => {}
    }
    Some(h)
}

fn analyse_loop<'ast>(
    lp: LoopRef<'ast>,
    f: &FnInfo<'ast>,
    file: &FileInfo<'_, 'ast>,
) -> Option<RetryLoop> {
    let (header, label, body) = loop_parts(lp);
    let head = loop_header(lp, file.consts)?;
    let mut scan = BodyScan::new(lp, label, f, file.fns);
    scan.walk_body(lp);
    if let Some((op_expr, span)) = head.cond_site {
        scan.cond_site(op_expr, span);
    }
    // A loop that takes the next item of a stream or queue (or the next
    // connection) each time round is an event loop: a failed item is
    // tolerated, not retried.
    // A loop that awaits a change notification (or a newer version) each
    // round waits for the state it reads to change: going round again is
    // not a retry.
    if scan.item_ops || scan.waits_for_change {
        return None;
    }
    let found = retry_paths(&scan, lp, f, file.fns)?;
    if scan.accepts && !found.ops.iter().any(|o| o == "accept") {
        return None;
    }
    let bound = match head.bound {
        Some(b) => b,
        None => loop_bound(&scan, head.cond_exit, file),
    };
    Some(RetryLoop {
        span: loop_ref_extent(lp),
        header,
        kind: found.kind,
        ops: found.ops,
        op_spans: found.op_spans,
        failure_paths: found.paths,
        bound,
        fn_name: None,
        local_peer: found.local_files || shapes::local_peer(body) || shapes::local_peer(f.body),
    })
}

/// What makes a loop a retry loop: its kind, the operations retried, and the
/// failure paths that reach the next attempt.
struct RetryPaths {
    kind: LoopKind,
    ops: Vec<String>,
    op_spans: Vec<Span>,
    paths: Vec<FailurePath>,
    /// Every retried operation works on this machine's files.
    local_files: bool,
}

fn retry_paths(scan: &BodyScan, lp: LoopRef, f: &FnInfo, fns: &FileFns) -> Option<RetryPaths> {
    let mut kind: Option<LoopKind> = None;
    let mut ops = Vec::new();
    let mut op_spans = Vec::new();
    let mut paths = Vec::new();
    let mut path_sites = Vec::new();
    let mut local_files = true;
    for site in &scan.sites {
        let Some(k) = site_kind(site, scan, lp) else {
            continue;
        };
        local_files &= site.local_file;
        if kind.is_none() || k == LoopKind::RetryUntilSuccess {
            kind = Some(k);
        }
        if let Some(op) = &site.op {
            if !ops.contains(op) {
                ops.push(op.clone());
                op_spans.push(site.op_span);
            }
        }
        let label = scan.label.as_deref();
        paths.push(failure_path(
            site,
            scan.body,
            label,
            &f.locals,
            (fns, &f.name),
        ));
        path_sites.push(site.op_span);
    }
    // The arms of one `match` are branches of one failure path: a delay on
    // any of them counts for all.
    let waiting: Vec<Span> = path_sites
        .iter()
        .zip(&paths)
        .filter(|(_, p)| p.hot.is_none())
        .map(|(s, _)| *s)
        .collect();
    for (site, p) in path_sites.iter().zip(paths.iter_mut()) {
        if waiting.contains(site) {
            p.hot = None;
        }
    }
    Some(RetryPaths {
        kind: kind?,
        ops,
        op_spans,
        paths,
        local_files,
    })
}

/// Does a site's failure reach the next attempt, and what kind of retry loop
/// does that make? `None`: the failure leaves (at once, through a value a
/// later statement leaves on, or through a once-flag), or nothing makes the
/// loop a retry.
fn site_kind(site: &Site, scan: &BodyScan, lp: LoopRef) -> Option<LoopKind> {
    let lbl = scan.label.as_deref();
    let (failure_exits, failure_continues, region) = match &site.failure {
        Branch::Expr(e) => (
            always_exits(e, lbl, 0),
            scan_exits(Some(e), &[], lbl).1,
            Some(Region::Expr(e)),
        ),
        Branch::Block(b) => (
            block_always_exits(&b.stmts, lbl, 0),
            scan_exits(None, &[&b.stmts], lbl).1,
            Some(Region::Block(b)),
        ),
        Branch::None => (false, false, None),
    };
    if failure_exits || is_opaque_macro_branch(&site.failure) {
        return None;
    }
    let rest_exits = site.rest.iter().any(|s| block_always_exits(s, lbl, 0));
    let reaches_next = site.cond_site
        || failure_continues
        || !(rest_exits || shapes::leaves_later(&site.rest, &site.value_of, lbl));
    let once = region.is_some_and(|r| {
        shapes::once_flag(r, scan.exits.iter().flat_map(|e| e.conds.iter().copied()))
    });
    if !reaches_next || once {
        return None;
    }
    let success_exits = site.cond_site
        || site
            .success
            .is_some_and(|e| success_exits(Some(e), &[], lbl))
        || site
            .success_block
            .is_some_and(|b| success_exits(None, &[&b.stmts], lbl))
        || rest_exits;
    // A loop that waits on every round, success included, runs on a
    // schedule (a periodic report that reconnects each time), not a retry.
    let periodic = || scan.body.stmts.iter().any(is_delay_stmt);
    if success_exits {
        Some(LoopKind::RetryUntilSuccess)
    } else if site.op.as_deref().is_some_and(is_connect_op)
        && !scan.item_ops
        && !matches!(lp, LoopRef::For(_))
        && !periodic()
    {
        Some(LoopKind::ReconnectSupervisor)
    } else {
        None
    }
}

/// A statement that is a delay (`sleep(d).await;`, `interval.tick().await;`).
/// Is the statement a wait on its own (`sleep(d).await;`, `timer.tick().await;`)?
pub(crate) fn is_delay_stmt(st: &Stmt) -> bool {
    let Stmt::Expr(e, _) = st else {
        return false;
    };
    let locals = HashMap::new();
    let mut d = DelayFinder::delays_only(&locals);
    d.visit_expr(e);
    !d.delays.is_empty() && matches!(strip_await_try(e), Expr::Call(_) | Expr::MethodCall(_))
}

/// The attempt bound read from the loop's exits: the first exit whose
/// condition reads state that changes across attempts, directly or through a
/// function of this file that bounds (`next_reconnection_delay(..)?`, an
/// operation that gives up after `max_reconnects`).
fn loop_bound(scan: &BodyScan, cond_exit: Option<&Expr>, file: &FileInfo) -> Bound {
    let mut all_conds: Vec<Vec<&Expr>> = scan.exits.iter().map(|e| e.conds.clone()).collect();
    if let Some(c) = cond_exit {
        all_conds.push(vec![c]);
    }
    for e in &scan.exits {
        if let Some(b) = e.try_expr.and_then(|t| try_state(t, &scan.mutated)) {
            return b;
        }
    }
    for conds in &all_conds {
        for c in conds {
            if let Some(b) = cond_state(c, &scan.mutated, &scan.err_names) {
                return match b {
                    Bound::AttemptCounter { .. } => Bound::AttemptCounter {
                        limit: limit_in(conds, file.consts),
                    },
                    other => other,
                };
            }
        }
    }
    let helper_bounds = |e: &Expr| {
        callee_names(e)
            .iter()
            .any(|n| *n != scan.fn_name && file.fns.bounds(n))
    };
    let exit_helper = scan
        .exits
        .iter()
        .any(|e| e.try_expr.is_some_and(helper_bounds) || e.conds.iter().any(|c| helper_bounds(c)));
    // An operation of this file that gives up by itself bounds the loop when
    // some failure leaves.
    let op_gives_up = !scan.exits.is_empty()
        && scan
            .sites
            .iter()
            .any(|s| s.helper_op.as_deref().is_some_and(|n| file.fns.bounds(n)));
    if exit_helper || op_gives_up {
        Bound::Policy
    } else {
        Bound::None
    }
}

/// The delays of one failure path, and whether it is hot (no delay on any
/// of its branches: a conditional delay counts).
fn failure_path(
    site: &Site,
    body: &Block,
    label: Option<&str>,
    locals: &HashMap<String, Vec<&Expr>>,
    (fns, fn_name): (&FileFns, &str),
) -> FailurePath {
    // Everything the path runs besides the failure branch: its continuation and
    // the body statements that run before the operation on the next attempt.
    let mut around = DelayFinder::new(locals);
    for slice in &site.rest {
        for st in slice.iter() {
            around.visit_stmt(st);
        }
    }
    if !site.cond_site {
        around.skip_diverging = true;
        for st in body.stmts.iter().take(site.top) {
            around.visit_stmt(st);
        }
        around.skip_diverging = false;
    }
    let mut branch = DelayFinder::new(locals);
    if let Some(g) = site.guard {
        branch.visit_expr(g);
    }
    match &site.failure {
        Branch::Expr(e) => branch.visit_expr(e),
        Branch::Block(b) => branch.visit_block(b),
        Branch::None => {}
    }
    let continue_span = match &site.failure {
        Branch::Expr(e) => first_continue(Some(e), None, label),
        Branch::Block(b) => first_continue(None, Some(b), label),
        Branch::None => None,
    };
    let path_span = continue_span.unwrap_or(site.report_span);
    // A function of this file that waits: on the path, or the operation
    // itself (`self.recreate(..)` sleeps before it reconnects).
    let waits_in = branch
        .local
        .iter()
        .chain(&around.local)
        .find(|n| *n != fn_name && fns.delays(n))
        .or(site.helper_op.as_ref().filter(|n| fns.waits(n)))
        .cloned();
    let computed: Vec<Span> = branch
        .computed
        .iter()
        .chain(&around.computed)
        .copied()
        .collect();
    let mut delays = branch.delays;
    delays.extend(around.delays);
    for d in delays.iter_mut().filter(|d| computed.contains(&d.span)) {
        d.jitter = computed_jitter(d, fns);
    }
    let hot = (delays.is_empty() && waits_in.is_none()).then_some(path_span);
    let mut calls = branch.calls;
    calls.extend(around.calls);
    calls.sort();
    calls.dedup();
    FailurePath {
        span: path_span,
        delays,
        hot,
        op: site.op.clone(),
        calls,
        waits_in,
    }
}

/// The jitter of a delay computed by a function: one of this file shows
/// whether it draws random numbers; one defined elsewhere does not show that
/// it lacks them.
fn computed_jitter(d: &Delay, fns: &FileFns) -> Jitter {
    if !fns.defines(&d.name) {
        Jitter::Unknown
    } else if fns.random(&d.name) {
        Jitter::Yes
    } else {
        d.jitter
    }
}

fn first_continue(e: Option<&Expr>, b: Option<&Block>, label: Option<&str>) -> Option<Span> {
    struct F<'l> {
        label: Option<&'l str>,
        depth: usize,
        found: Option<Span>,
    }
    impl<'ast> Visit<'ast> for F<'_> {
        fn visit_expr_continue(&mut self, c: &'ast syn::ExprContinue) {
            let mine = match &c.label {
                None => self.depth == 0,
                Some(l) => Some(l.ident.to_string().as_str()) == self.label,
            };
            if mine && self.found.is_none() {
                self.found = Some(Span::from(c.span()));
            }
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        crate::track_loop_depth!();
    }
    let mut f = F {
        label,
        depth: 0,
        found: None,
    };
    if let Some(e) = e {
        f.visit_expr(e);
    }
    if let Some(b) = b {
        f.visit_block(b);
    }
    f.found
}

pub mod library;
