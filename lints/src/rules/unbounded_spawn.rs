//! `unbounded_spawn`: a task or thread spawned per item of a loop whose trip count
//! is not statically bounded, with no bounding primitive in the same function.

use crate::origin_model;
use crate::prefilter::{Need, Triggers};
use crate::spawn_model::{self, FileInfo, FnEnv, Spawn, Trip};
use crate::syntax::{method_chain, strip_await_try, strip_parens};
use crate::vocab::SPAWN_FACTS;
use crate::{Budget, PhaseTwo};
use crate::{FactKind, FileContext, Finding, Level, Lint, Sink, Span};
use std::collections::HashSet;
use syn::spanned::Spanned;
use syn::visit::Visit;

pub static LINT: Lint = Lint {
    name: "unbounded_spawn",
    group: "concurrency",
    default_level: Level::Warn,
    summary: "a task or thread spawned per item of a loop with no concurrency limit",
    docs: r#"## What it does
Reports a task or thread spawn inside a loop or iterator closure (`for`, `while`,
`loop`, `.map(..)`, `.for_each(..)`) whose trip count is not statically bounded,
when no bounding primitive is visible in the same function. Spawns are
`tokio::spawn`, `tokio::task::spawn`, `spawn_local`, `spawn_blocking`,
`std::thread::spawn`, `thread::Builder::..spawn`, `async_std::task::spawn`,
`smol::spawn`, `Runtime::spawn`/`Handle::spawn` (a receiver that is visibly a
runtime, handle or executor, such as `Handle::current().spawn(..)`),
`JoinSet::spawn`, resolved through `use` imports and aliases (a runtime
another crate re-exports, `use spider::tokio;`, is that runtime), and functions of
your own crate that hand their argument to one of these (spawn wrappers,
followed across files).

Worker pools are not reported: a `for` over a range that does not end in a
collection's `.len()` (`0..4`, `0..num_cpus::get()`, `0..self.config.workers`),
over a fixed array, or a `while` that compares a count with a limit. A `loop`
around `accept()`, a `while let` over a channel or stream, and a `for` over a
collection spawn once per connection or item: those are reported.

Bounding primitives that silence it: a semaphore permit acquired in the loop
(`acquire`, `acquire_owned`, `try_acquire*`, also as `Semaphore::acquire_owned(sem)`)
or a permit future awaited in it (`let permit = permit_future.await`), a loop
around it that waits or skips while a live-task count is over a limit
(`if ACTIVE.load(..) > max { sleep(..).await; continue }`), a `JoinSet`/`FuturesUnordered`/
`Vec<JoinHandle>` whose `len()` is compared with a limit in the loop, a bounded
queue awaited in the loop (`tx.send(..).await` on a queue's sending end,
`reserve().await`; a send on a connection or framed stream paces nothing),
`buffer_unordered(n)`/`for_each_concurrent(n)` in the function, a spawn whose
handle is awaited or joined in the same iteration, and
`#[leash::concurrency(max = N)]` on the function or on the spawned function.

Not reported either: one task at a time (the handle stored in a single slot
by an assignment, as a poll state machine does, directly or through a local:
`let handle = spawn(..); *self = Loading { handle }`), a spawn that happens at
most once per run (`if let Some(monitor) = self.pending.take() { spawn(..) }`),
and reply-paced work (the spawned task answers the item's own reply sender,
`while let Some((req, reply_tx))`, `while let Some(Job { input, reply_tx })`).
A loop over a configured set is `low` confidence, shown with
`--confidence low`: a field of `self`, a configuration, pool or registry
object, or a process-wide registry (a static) listed in memory
(`REGISTRY.streams.list(tenant)`, nothing awaited); a local bound to one (`let backends = self.backends.load()`, through
`match`, `?` and tuple patterns), to a member listing (`let stores =
pd.all_stores().await?`; calls named for stores, nodes, servers, backends,
brokers, members, replicas, hosts or endpoints) or to a value computed from
configuration alone (`let (shards, n) = plan(&config.sharding)`); a map keyed
by members (`HashMap<NodeId, _>`); a local the function fills only inside a
`for` over one; a parameter of a function that is not `pub` when every call
of it in the file passes one; and one host's resolved addresses or a
service's SRV records. `high` needs input the source shows: a `for` over a
parameter that says it is input (a request, body, message, event, packet,
batch, query, upload, record or row, by any word of its name or type, unless
its last word names code the program registers: `raw_event_handlers` and
`dyn EventHandler` are handlers, `hooks`, `listeners`, `callbacks`,
`middlewares`, `plugins`, `interceptors`, `observers` likewise) or is
any iterator or stream the caller hands over (a parameter such as
`addresses: Vec<String>` is what the caller passes, often configuration),
the result of a read, receive, query or decode, a stream (named in the
singular: `streams: Vec<String>` is a collection of them, sized by what made
them, and `upstream` a peer), an item of an outer loop over input, or a local filled by a `while`/`loop` or from
input; a `while`/`loop` that accepts, receives, reads, fetches or pops the
next item itself (any word of the call's name: `tcp_accept`, `poll_recv`),
with no statement of its body waiting on a timer (`sleep`, `tick`, a
`select!` of a timer and a stop signal only). Anything else is `low`, and so
is a loop over `accept_bi`/`accept_uni` alone: the streams of one QUIC
connection, bounded by its stream limit. A spawn awaited at once, also
through wrapper methods (`spawn_blocking(..).with_context(cx).await`), runs
one at a time and is not reported; a wrapper known only from another file is
reported once per loop.

## Why is this bad?
Each connection or message becomes a task, and nothing caps how many run at
once. A burst of traffic, a slow dependency or a client that opens connections
and never finishes them turns into unbounded memory, file descriptors and
scheduler load; the process degrades for everyone and is finally killed, instead
of pushing back on the callers it cannot serve.

## Example
```rust
loop {
    let (socket, _) = listener.accept().await?;
    tokio::spawn(handle(socket));
}
```

## Use instead
Take a permit before spawning and move it into the task, so at most `LIMIT`
connections are served at once and `accept` waits when the server is full:
```rust
let limit = Arc::new(Semaphore::new(MAX_CONNECTIONS));
loop {
    let permit = limit.clone().acquire_owned().await?;
    let (socket, _) = listener.accept().await?;
    tokio::spawn(async move {
        handle(socket).await;
        drop(permit);
    });
}
```
For a stream of items, `stream.map(work).buffer_unordered(LIMIT)`. If the
concurrency is bounded in a way leash cannot see, declare it:
`#[leash::concurrency(max = 64, reason = "..")]`.
"#,
    check: Some(check),
    triggers: Some(Triggers {
        file: &[SPAWN_FACTS],
        // What callers pass for a parameter the loop walks decides the
        // confidence (see `crate::origin_model`).
        body: &[&[Need::Any(SPAWN_FACTS), Need::LocalCallers]],
        imports: SPAWN_FACTS,
    }),
    models: &[],
    phase_two: Some(PhaseTwo::SpawnWrappers),
    budget: Some(Budget {
        kind: "concurrency",
        bound: "unbounded",
    }),
};

fn check(cx: &FileContext, sink: &mut Sink) {
    let info = FileInfo::collect(cx);
    let facts = spawn_model::wrapper_facts(cx, &info);
    let local_wrappers: HashSet<String> = facts.iter().map(|f| f.name.clone()).collect();
    sink.facts.extend(facts);
    let mut v = Visitor {
        cx,
        info: &info,
        sink,
        env: None,
        cur_fn: None,
        self_ty: None,
        empty_env: FnEnv::default(),
        loops: Vec::new(),
        fn_bounded: None,
        sequential: HashSet::new(),
        wrapper_reported: HashSet::new(),
        local_wrappers,
        slots: 0,
        fns: std::cell::OnceCell::new(),
    };
    v.visit_file(cx.file);
}

/// What a loop's body is made of (scanned only when a spawn is found in it).
#[derive(Clone, Copy)]
enum Scope<'ast> {
    Block(&'ast syn::Block, Option<&'ast syn::Expr>),
    Closure(
        &'ast syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>,
        &'ast syn::Expr,
    ),
}

#[derive(Clone)]
struct Frame<'ast> {
    header: Span,
    trip: Trip,
    what: &'static str,
    scope: Scope<'ast>,
    /// What the body shows (scanned when a spawn is found in it).
    scan: Option<std::rc::Rc<BodyScan>>,
    /// What a `for` loop or iterator closure walks: a configured set or
    /// resolved addresses make its findings `low` (decided only when a
    /// spawn is reported, not for every loop).
    walks: Option<&'ast syn::Expr>,
    /// Reply senders that each item carries (`while let Some((req, reply_tx))`).
    replies: Vec<String>,
    /// Assignments open when the loop began (see `Visitor::slots`).
    slots: usize,
}

impl Frame<'_> {
    fn scanned(&mut self) -> std::rc::Rc<BodyScan> {
        let scope = self.scope;
        self.scan
            .get_or_insert_with(|| {
                std::rc::Rc::new(match scope {
                    Scope::Block(b, e) => scan_block_and(b, e),
                    Scope::Closure(args, root) => scan_exprs(args, root),
                })
            })
            .clone()
    }
}

struct Visitor<'a, 'c, 's, 'ast> {
    cx: &'a FileContext<'c>,
    info: &'a FileInfo,
    sink: &'s mut Sink,
    /// The current function's environment, built on first use.
    env: Option<FnEnv>,
    /// The current function's signature, body and attributes.
    cur_fn: Option<(
        &'ast syn::Signature,
        &'ast syn::Block,
        &'ast [syn::Attribute],
    )>,
    self_ty: Option<String>,
    /// What calls that need no environment are classified with.
    empty_env: FnEnv,
    loops: Vec<Frame<'ast>>,
    /// `#[leash::concurrency]` or a stream limit in the function (on first use).
    fn_bounded: Option<bool>,
    /// Spawn calls that run one at a time (addresses): the handle is
    /// awaited or joined right away, or stored in a single slot.
    sequential: HashSet<usize>,
    /// The (loop header, wrapper of another file) pairs already reported.
    wrapper_reported: HashSet<(Span, String)>,
    /// Spawn wrappers defined in this file.
    local_wrappers: HashSet<String>,
    /// Right-hand sides of assignments being visited: a spawn stored in one
    /// slot (`self.state = State::Pending(spawn(..))`) runs one at a time.
    slots: usize,
    /// The file's functions, to follow a collection to its callers (on first use).
    fns: std::cell::OnceCell<origin_model::Fns<'c>>,
}

/// `let Some(x) = place.take()` on a field or local: an `Option` emptied as
/// it is read.
fn takes_out_once(cond: &syn::Expr) -> bool {
    let syn::Expr::Let(l) = strip_parens(cond) else {
        return false;
    };
    let some = matches!(&*l.pat, syn::Pat::TupleStruct(t) if t.path.is_ident("Some"));
    let take = matches!(strip_parens(&l.expr), syn::Expr::MethodCall(m)
        if m.method == "take" && m.args.is_empty()
            && matches!(strip_parens(&m.receiver), syn::Expr::Field(_) | syn::Expr::Path(_)));
    some && take
}

/// What a loop body shows: bounding primitives, accepts and joined names.
#[derive(Default)]
struct BodyScan {
    /// A bounding primitive: a permit taken, a queue awaited, a length
    /// compared with a limit.
    bounded: bool,
    /// A count of live tasks (an atomic's `load`) compared with a limit: the
    /// loop waits while it is over, so the spawns of its body are gated.
    gated: bool,
    accept: bool,
    /// It accepts connections, not only the streams of one QUIC connection
    /// (`accept_bi`), whose count the protocol's stream limit bounds.
    accepts_connections: bool,
    /// The loop itself (not a task or closure it makes) takes input: it
    /// accepts, receives, reads, fetches or pops the next item.
    reads: bool,
    /// Closures and async blocks entered: their reads are a task's own.
    nested: usize,
    joined: HashSet<String>,
    /// Locals holding an atomic's value (`let n = ACTIVE.load(..)`).
    loaded: HashSet<String>,
}

/// `acquire`, `acquire_owned`, `try_acquire_many`: takes a semaphore permit.
fn takes_permit(name: &str) -> bool {
    name.starts_with("acquire") || name.starts_with("try_acquire")
}

/// Does a block wait (`.await`) or go back to the loop's head (`continue`)?
fn waits_or_skips(b: &syn::Block) -> bool {
    struct W(bool);
    impl<'ast> Visit<'ast> for W {
        fn visit_expr_await(&mut self, _: &'ast syn::ExprAwait) {
            self.0 = true;
        }
        fn visit_expr_continue(&mut self, _: &'ast syn::ExprContinue) {
            self.0 = true;
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut w = W(false);
    w.visit_block(b);
    w.0
}

impl BodyScan {
    /// Does a condition compare an atomic's value with something?
    fn compares_load(&self, cond: &syn::Expr) -> bool {
        match strip_parens(cond) {
            syn::Expr::Binary(b) => match b.op {
                syn::BinOp::And(_) | syn::BinOp::Or(_) => {
                    self.compares_load(&b.left) || self.compares_load(&b.right)
                }
                syn::BinOp::Lt(_) | syn::BinOp::Le(_) | syn::BinOp::Gt(_) | syn::BinOp::Ge(_) => {
                    self.is_load(&b.left) || self.is_load(&b.right)
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// An atomic's value, read here or through a local.
    fn is_load(&self, e: &syn::Expr) -> bool {
        match strip_parens(e) {
            syn::Expr::MethodCall(m) => m.method == "load",
            syn::Expr::Path(p) => p
                .path
                .get_ident()
                .is_some_and(|i| self.loaded.contains(&i.to_string())),
            syn::Expr::Cast(c) => self.is_load(&c.expr),
            _ => false,
        }
    }
}

impl<'ast> Visit<'ast> for BodyScan {
    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let (syn::Pat::Ident(pi), Some(init)) = (&l.pat, &l.init) {
            if self.is_load(&init.expr) {
                self.loaded.insert(pi.ident.to_string());
            }
        }
        syn::visit::visit_local(self, l);
    }
    fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
        // `if live > max { sleep(..).await; continue }`: over the limit, the
        // loop waits instead of going on to spawn.
        if self.compares_load(&i.cond) && waits_or_skips(&i.then_branch) {
            self.gated = true;
        }
        syn::visit::visit_expr_if(self, i);
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let name = m.method.to_string();
        if takes_permit(&name) {
            self.bounded = true;
        }
        // `read()` with no argument is a lock guard, not a read of input.
        if self.nested == 0 && takes_input(&name) && (name != "read" || !m.args.is_empty()) {
            self.reads = true;
        }

        if name == "join" {
            if let syn::Expr::Path(p) = strip_parens(&m.receiver) {
                if let Some(i) = p.path.get_ident() {
                    self.joined.insert(i.to_string());
                }
            }
        }
        syn::visit::visit_expr_method_call(self, m);
    }
    fn visit_expr_await(&mut self, a: &'ast syn::ExprAwait) {
        // A permit handed out by a provider (`permit_fut.await`,
        // `provider.get_permit(..).await`) and waited for in the loop.
        if crate::syntax::any_ident(&a.base, &mut |id| {
            id.to_ascii_lowercase().contains("permit")
        }) {
            self.bounded = true;
        }
        match strip_parens(&a.base) {
            syn::Expr::Path(p) => {
                if let Some(i) = p.path.get_ident() {
                    self.joined.insert(i.to_string());
                }
            }
            // Waiting on a bounded queue paces the loop; a send on a
            // connection (a framed stream, a socket, a sink) does not.
            syn::Expr::MethodCall(m) => match m.method.to_string().as_str() {
                "reserve" | "reserve_owned" => self.bounded = true,
                "send" | "send_async" if names_queue(&m.receiver) => self.bounded = true,
                _ => {}
            },
            _ => {}
        }
        syn::visit::visit_expr_await(self, a);
    }
    fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
        if crate::syntax::is_comparison(&b.op) && (is_len(&b.left) || is_len(&b.right)) {
            self.bounded = true;
        }

        syn::visit::visit_expr_binary(self, b);
    }
    fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
        let name = i.to_string();
        if is_accept_name(&name) {
            self.accept = true;
            self.accepts_connections |= !accepts_stream(&name);
        }
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        crate::syntax::any_ident(&m.tokens, &mut |id| {
            if is_accept_name(id) {
                self.accept = true;
                self.accepts_connections |= !accepts_stream(id);
            }
            false
        });
        // `select! { msg = rx.recv() => .. }`
        if self.nested == 0 && !self.reads {
            self.reads =
                crate::syntax::any_ident(&m.tokens, &mut |id| id != "read" && takes_input(id));
        }
        syn::visit::visit_macro(self, m);
    }
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        // `Semaphore::acquire_owned(sem.clone())`
        let last = crate::syntax::call_path(c).and_then(crate::syntax::last_segment);
        if last.as_deref().is_some_and(takes_permit) {
            self.bounded = true;
        }
        if self.nested == 0 && last.as_deref().is_some_and(takes_input) {
            self.reads = true;
        }

        syn::visit::visit_expr_call(self, c);
    }
    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        self.nested += 1;
        syn::visit::visit_expr_closure(self, c);
        self.nested -= 1;
    }
    fn visit_expr_async(&mut self, a: &'ast syn::ExprAsync) {
        self.nested += 1;
        syn::visit::visit_expr_async(self, a);
        self.nested -= 1;
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Does every round of the loop wait on a timer: a statement of the body
/// itself (not a branch, which may not run) that sleeps or ticks
/// (`interval.tick().await;`, `sleep(period).await;`)?
fn paced_by_timer(body: &syn::Block) -> bool {
    let waits = |e: &syn::Expr| {
        let name = match strip_await_try(e) {
            syn::Expr::Call(c) => crate::syntax::call_path(c).and_then(crate::syntax::last_segment),
            syn::Expr::MethodCall(m) => Some(m.method.to_string()),
            _ => None,
        };
        name.is_some_and(|n| {
            n.contains("sleep") || n == "tick" || n == "delay_for" || n == "delay_until"
        })
    };
    // `select! { _ = sleep(period) => {}, _ = stop.changed() => {} }`: a
    // timer raced only with a stop signal, no input.
    let timer_select = |m: &syn::Macro| {
        crate::syntax::last_segment(&m.path).as_deref() == Some("select")
            && crate::syntax::any_ident(&m.tokens, &mut |id| id.contains("sleep") || id == "tick")
            && !crate::syntax::any_ident(&m.tokens, &mut |id| takes_input(id) || is_accept_name(id))
    };
    body.stmts.iter().any(|st| match st {
        syn::Stmt::Expr(syn::Expr::Macro(m), _) => timer_select(&m.mac),
        syn::Stmt::Macro(m) => timer_select(&m.mac),
        syn::Stmt::Expr(e, _) => waits(e),
        syn::Stmt::Local(l) => l.init.as_ref().is_some_and(|i| waits(&i.expr)),
        _ => false,
    })
}

/// Calls that take the next piece of input: an accept, a receive, a read,
/// a fetch or query, the next item of a stream or queue (any word of the
/// name: `tcp_accept`, `poll_recv`, `read_frame`).
fn takes_input(name: &str) -> bool {
    const VERBS: &[&str] = &[
        "accept",
        "incoming",
        "next",
        "pop",
        "dequeue",
        "consume",
        "poll_next",
        "get_next",
        "subscribe",
    ];
    // Any word of the name (`tcp_accept`, `poll_recv`, `read_frame`).
    name.split('_')
        .any(|w| VERBS.contains(&w) || origin_model::READ_VERBS.contains(&w))
}

/// A receiver named for a queue's sending end (`tx`, `work_tx`, `sender`,
/// `jobs_chan`, `queue`), as opposed to a connection (`stream`, `sink`,
/// `framed`, `control`) whose send paces nothing.
fn names_queue(e: &syn::Expr) -> bool {
    let mut last = None;
    crate::syntax::any_ident(e, &mut |id| {
        last = Some(id.to_ascii_lowercase());
        false
    });
    last.is_some_and(|n| {
        n == "tx"
            || n.ends_with("_tx")
            || n.starts_with("tx_")
            || ["sender", "chan", "queue"].iter().any(|w| n.contains(w))
    })
}

/// The next stream of one QUIC connection: the peer may open only as many
/// at once as the connection's stream limit allows.
fn accepts_stream(name: &str) -> bool {
    matches!(name, "accept_bi" | "accept_uni")
}

/// Names that say a loop serves connections (`accept`, `poll_accept`,
/// `accept_map`, `incoming`), or the streams of one (`accept_bi`).
fn is_accept_name(name: &str) -> bool {
    name.split('_').any(|w| w == "accept" || w == "incoming")
}

fn is_len(e: &syn::Expr) -> bool {
    matches!(strip_await_try(e), syn::Expr::MethodCall(m) if m.method == "len")
}

fn scan_impl(f: impl FnOnce(&mut BodyScan)) -> BodyScan {
    let mut s = BodyScan::default();
    f(&mut s);
    s
}

impl<'c, 'ast> Visitor<'_, 'c, '_, 'ast> {
    fn enter_fn(
        &mut self,
        attrs: &'ast [syn::Attribute],
        sig: &'ast syn::Signature,
        block: &'ast syn::Block,
    ) {
        // Nothing in an empty (or blanked) body.
        if block.stmts.is_empty() {
            return;
        }
        let saved_env = self.env.take();
        let saved_fn = self.cur_fn.replace((sig, block, attrs));
        let saved_loops = std::mem::take(&mut self.loops);
        let saved_bounded = self.fn_bounded.take();
        self.visit_block(block);
        self.env = saved_env;
        self.cur_fn = saved_fn;
        self.loops = saved_loops;
        self.fn_bounded = saved_bounded;
    }

    /// The current function's environment (locals that are runtimes, `JoinSet`s..).
    fn env(&mut self) -> &FnEnv {
        if self.env.is_none() {
            let env = match self.cur_fn {
                Some((sig, block, _)) => FnEnv::new(self.cx, self.self_ty.clone(), sig, block),
                None => {
                    let mut env = FnEnv::default();
                    env.self_ty = self.self_ty.clone();
                    env
                }
            };
            self.env = Some(env);
        }
        self.env.get_or_insert_with(FnEnv::default)
    }

    /// The environment, built only when a call needs it: a path call needs it
    /// only inside a loop (wrappers), a method call only if it may be a spawn.
    fn env_if(&mut self, e: &syn::Expr, in_loop: bool) -> &FnEnv {
        let needed = match e {
            syn::Expr::Call(_) => in_loop,
            _ => true,
        };
        if needed {
            self.env()
        } else {
            &self.empty_env
        }
    }

    /// Is `e` a call to a wrapper already reported in the innermost loop?
    /// Then only a listed spawn is worth classifying: a nest of calls to one
    /// unknown `f` asks at every level.
    fn wrapper_reported_here(&self, e: &syn::Expr) -> bool {
        let (syn::Expr::Call(c), Some(frame)) = (e, self.loops.last()) else {
            return false;
        };
        !self.wrapper_reported.is_empty()
            && crate::syntax::call_path(c).is_some_and(|path| {
                let key = (frame.header, crate::syntax::path_string(path));
                self.wrapper_reported.contains(&key)
            })
    }

    fn fn_bounded(&mut self) -> bool {
        if let Some(b) = self.fn_bounded {
            return b;
        }
        let b = self.cur_fn.is_some_and(|(_, block, attrs)| {
            crate::syntax::leash_attr(attrs, "concurrency").is_some()
                || block_limits_concurrency(block)
        });
        self.fn_bounded = Some(b);
        b
    }

    fn report(&mut self, e: &syn::Expr, spawn: &Spawn) {
        if self.loops.last().is_none_or(|f| f.trip == Trip::Bounded) || self.fn_bounded() {
            return;
        }
        // Asked first, before the body is looked at: a nest of calls to one
        // unknown `f` reaches here once per level.
        if let (Spawn::Wrapper { shown, .. }, Some(frame)) = (spawn, self.loops.last()) {
            if self
                .wrapper_reported
                .contains(&(frame.header, shown.clone()))
            {
                return;
            }
        }
        // A loop around this one that waits while the live tasks are at a
        // limit gates every batch it spawns.
        if self.loops.iter_mut().any(|f| f.scanned().gated) {
            return;
        }
        let Some(frame) = self.loops.last_mut() else {
            return;
        };
        let paced = match frame.scope {
            Scope::Block(b, _) => paced_by_timer(b),
            Scope::Closure(..) => false,
        };
        let (bounded, accept, streams_only, reads) = {
            let scan = frame.scanned();
            (
                scan.bounded,
                scan.accept,
                scan.accept && !scan.accepts_connections,
                scan.reads,
            )
        };
        if bounded {
            return;
        }
        let (header, what, walks) = (frame.header, frame.what, frame.walks);
        // One slot: the handle replaces the previous one (a poll state machine).
        if self.slots > frame.slots {
            return;
        }
        let replies = frame.replies.clone();
        if self.sequential.contains(&(e as *const syn::Expr as usize)) {
            return;
        }
        let args: Vec<&syn::Expr> = match e {
            syn::Expr::Call(c) => c.args.iter().collect(),
            syn::Expr::MethodCall(m) => m.args.iter().collect(),
            _ => Vec::new(),
        };
        // Reply-paced: the task answers the item's own reply sender, so tasks
        // never outnumber the callers waiting for them.
        if !replies.is_empty()
            && args
                .iter()
                .any(|a| crate::syntax::any_ident(*a, &mut |id| replies.iter().any(|r| r == id)))
        {
            return;
        }
        // `tokio::spawn(handle(conn))` where `handle` declares its concurrency.
        if args.iter().any(|a| self.spawns_declared_fn(a)) {
            return;
        }
        // Judged only for a spawn that is reported (it walks the function).
        // A `for` or iterator closure reports `high` only over a set that
        // input drives; one sized by configuration, or of unseen origin, is
        // `low`.
        // A `while` or `loop` reports `high` only when it takes input each
        // round (an accept, a receive, a read) and no timer paces its
        // rounds; one serving the streams of one QUIC connection is `low`.
        let configured = match walks {
            Some(w) => !self.walks_input(w),
            None => !accept && (!reads || paced),
        } || streams_only;
        let unit = match spawn {
            Spawn::Listed(n) if n.contains("thread") => "thread",
            _ => "task",
        };
        let per = if streams_only {
            format!("one {unit} per stream, no cap")
        } else if accept {
            format!("one {unit} per connection, no cap")
        } else {
            format!("one {unit} per item, no cap")
        };
        let span = call_span(e);
        let loop_label = if accept {
            format!("this {what} accepts connections with no limit on how many are served at once")
        } else {
            format!("this {what} has no static bound on its iterations")
        };
        let help = "cap concurrency: acquire a `Semaphore` permit with `acquire_owned().await` before spawning and move it into the task, or drive the items with `buffer_unordered(LIMIT)`; if the count is bounded elsewhere, declare it with `#[leash::concurrency(max = N)]`";
        match spawn {
            Spawn::Listed(name) => {
                let f = Finding::new(
                    LINT.name,
                    span,
                    format!("unbounded spawn: `{name}` in a loop: {per}"),
                )
                .label("spawned on every iteration, with nothing limiting how many run at once")
                .secondary(header, loop_label)
                .help(help)
                .note("under load, tasks pile up without backpressure until memory or file descriptors run out")
                .low_if(configured);
                self.sink.report(f);
            }
            Spawn::Wrapper { shown, facts } => {
                // A wrapper known only from other files: one conditional
                // finding per loop and name. `f(f(f(..)))` in a loop is one
                // place to put a budget, and a nest of calls to an unknown
                // `f` must not cost a finding each.
                let elsewhere = !facts.iter().any(|f| self.local_wrappers.contains(f));
                if elsewhere && !self.wrapper_reported.insert((header, shown.clone())) {
                    return;
                }
                // A function defined in this file that is not a wrapper is the
                // one called: a namesake elsewhere does not make it spawn.
                let bare =
                    |f: &String| f.rsplit_once('/').map_or(f.clone(), |(n, _)| n.to_string());
                if facts.iter().any(|f| self.info.local_fns.contains(&bare(f)))
                    && !facts.iter().any(|f| self.local_wrappers.contains(f))
                {
                    return;
                }
                let f = Finding::new(
                    LINT.name,
                    span,
                    format!("unbounded spawn: `{shown}` spawns its argument as a task, once per iteration: {per}"),
                )
                .label("a spawn wrapper called on every iteration, with nothing limiting how many run at once")
                .secondary(header, loop_label)
                .help(help)
                .note("under load, tasks pile up without backpressure until memory or file descriptors run out")
                .only_if(FactKind::SpawnWrapper, facts.iter().cloned())
                .low_if(configured);
                self.sink.report(f);
            }
        }
    }

    /// Does a loop walk a set whose size configuration decides (a field of
    /// `self` or of a configuration, pool, topology or registry object, or
    /// a local or parameter that comes from one), or the resolved addresses
    /// of one host (a failover pass)?
    fn walks_configured_set(&self, iterable: &syn::Expr) -> bool {
        origin_model::resolves_names(iterable)
            || self.ask_origin(|fns, body| origin_model::configured_set(fns, body, iterable, true))
    }

    /// Does a loop walk a set driven by input, and not one sized by
    /// configuration?
    fn walks_input(&self, iterable: &syn::Expr) -> bool {
        !self.walks_configured_set(iterable)
            && self.ask_origin(|fns, body| origin_model::input_set(fns, body, iterable))
    }

    /// Asks the origin model about the current function (false outside one).
    fn ask_origin(
        &self,
        ask: impl FnOnce(&origin_model::Fns<'c>, origin_model::FnBody<'c>) -> bool,
    ) -> bool {
        let Some((_, block, _)) = self.cur_fn else {
            return false;
        };
        let fns = self
            .fns
            .get_or_init(|| origin_model::Fns::collect(self.cx.file));
        fns.by_block(block).is_some_and(|body| ask(fns, body))
    }

    fn spawns_declared_fn(&self, a: &syn::Expr) -> bool {
        let a = strip_await_try(a);
        if let syn::Expr::Call(c) = a {
            if let Some(l) = crate::syntax::call_path(c).and_then(crate::syntax::last_segment) {
                return self.info.concurrency_fns.contains(&l);
            }
        }
        false
    }

    fn visit_spawn_args(&mut self, e: &'ast syn::Expr) {
        // The spawned task is another task: loops outside it do not run inside it.
        let saved = std::mem::take(&mut self.loops);
        match e {
            syn::Expr::Call(c) => {
                for a in &c.args {
                    self.visit_expr(a);
                }
            }
            syn::Expr::MethodCall(m) => {
                self.visit_expr(&m.receiver);
                self.loops = Vec::new();
                for a in &m.args {
                    self.visit_expr(a);
                }
            }
            _ => {}
        }
        self.loops = saved;
    }
}

/// Reply senders bound by a loop's pattern, when the item is a tuple or a
/// struct that carries one (`(req, reply_tx)`, `(cmd, responder)`,
/// `Job { input, callback_tx }`).
fn reply_senders(pat: &syn::Pat) -> Vec<String> {
    let pat = match pat {
        syn::Pat::TupleStruct(ts) if ts.elems.len() == 1 => &ts.elems[0],
        p => p,
    };
    let parts: Vec<&syn::Pat> = match pat {
        syn::Pat::Tuple(t) => t.elems.iter().skip(1).collect(),
        syn::Pat::Struct(s) => s.fields.iter().map(|f| &*f.pat).collect(),
        _ => return Vec::new(),
    };
    parts
        .into_iter()
        .filter_map(|p| match p {
            syn::Pat::Ident(i) => Some(i.ident.to_string()),
            _ => None,
        })
        .filter(|n| {
            let n = n.to_ascii_lowercase();
            n.ends_with("tx") || n.ends_with("sender") || crate::sender_model::names_a_reply(&n)
        })
        .collect()
}

/// Is `handle` assigned to a place (not an element of a collection) by one
/// of these statements: `*self = State::Loading { handle }`?
fn stored_in_slot(stmts: &[syn::Stmt], handle: &proc_macro2::Ident) -> bool {
    stmts.iter().any(|s| match s {
        syn::Stmt::Expr(syn::Expr::Assign(a), _) => {
            !matches!(strip_parens(&a.left), syn::Expr::Index(_))
                && crate::syntax::any_ident(&*a.right, &mut |id| handle == id)
        }
        _ => false,
    })
}

/// Does this expression's outermost call name a spawn (`tokio::spawn(..)`,
/// `rt.spawn(..)`, `Builder::new().spawn(..)?`)?
fn names_spawn(e: &syn::Expr) -> bool {
    match strip_await_try(e) {
        syn::Expr::Call(c) => crate::syntax::call_path(c)
            .and_then(crate::syntax::last_segment)
            .is_some_and(|l| l.contains("spawn")),
        syn::Expr::MethodCall(m) => {
            let n = m.method.to_string();
            n.contains("spawn")
                || (matches!(n.as_str(), "unwrap" | "expect") && names_spawn(&m.receiver))
        }
        _ => false,
    }
}

fn pi_name(p: &syn::Pat) -> String {
    match p {
        syn::Pat::Ident(pi) => pi.ident.to_string(),
        _ => String::new(),
    }
}

/// `buffer_unordered(n)`, `buffered(n)` or `for_each_concurrent(n)` in the function.
fn block_limits_concurrency(block: &syn::Block) -> bool {
    struct F(bool);
    impl<'ast> Visit<'ast> for F {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if matches!(
                m.method.to_string().as_str(),
                "buffer_unordered" | "buffered" | "for_each_concurrent" | "try_for_each_concurrent"
            ) {
                self.0 = true;
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut f = F(false);
    f.visit_block(block);
    f.0
}

/// The span of a call: from the method name for a method call (the primary line
/// of a multi-line chain).
fn call_span(e: &syn::Expr) -> Span {
    match e {
        syn::Expr::MethodCall(m) => crate::syntax::method_call_span(m),
        syn::Expr::Call(c) => crate::syntax::call_span(c),
        _ => Span::from(e.span()),
    }
}

impl<'ast> Visit<'ast> for Visitor<'_, '_, '_, 'ast> {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        let saved = self.self_ty.take();
        self.enter_fn(&f.attrs, &f.sig, &f.block);
        self.self_ty = saved;
    }
    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        let saved = self.self_ty.take();
        self.self_ty = spawn_model::impl_self_name(i);
        syn::visit::visit_item_impl(self, i);
        self.self_ty = saved;
    }
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.enter_fn(&f.attrs, &f.sig, &f.block);
    }
    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if let Some(b) = &f.default {
            self.enter_fn(&f.attrs, &f.sig, b);
        }
    }

    fn visit_expr_for_loop(&mut self, l: &'ast syn::ExprForLoop) {
        self.visit_expr(&l.expr);
        let header = Span::between(l.for_token.span, l.expr.span());
        let trip = spawn_model::for_trip(self.env(), &l.pat, &l.expr);
        self.loops.push(Frame {
            header,
            trip,
            what: "`for` loop",
            scope: Scope::Block(&l.body, Some(&l.expr)),
            scan: None,
            walks: Some(&l.expr),
            replies: reply_senders(&l.pat),
            slots: self.slots,
        });
        self.visit_block(&l.body);
        self.loops.pop();
    }

    fn visit_expr_while(&mut self, w: &'ast syn::ExprWhile) {
        self.visit_expr(&w.cond);
        let header = Span::between(w.while_token.span, w.cond.span());
        let trip = spawn_model::while_trip(&w.cond);
        let replies = match strip_parens(&w.cond) {
            syn::Expr::Let(l) => reply_senders(&l.pat),
            _ => Vec::new(),
        };
        self.loops.push(Frame {
            header,
            trip,
            what: "`while` loop",
            scope: Scope::Block(&w.body, Some(&w.cond)),
            scan: None,
            walks: None,
            replies,
            slots: self.slots,
        });
        self.visit_block(&w.body);
        self.loops.pop();
    }

    fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
        let header = Span::from(l.loop_token.span);
        self.loops.push(Frame {
            header,
            trip: Trip::Unbounded,
            what: "`loop`",
            scope: Scope::Block(&l.body, None),
            scan: None,
            walks: None,
            replies: Vec::new(),
            slots: self.slots,
        });
        self.visit_block(&l.body);
        self.loops.pop();
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        // `let h = spawn(..); .. h.await` in the same iteration runs one at a time.
        let spawned = l.init.as_ref().is_some_and(|i| names_spawn(&i.expr));
        if let (Some(init), true) = (&l.init, spawned) {
            let pat = match &l.pat {
                syn::Pat::Type(pt) => &*pt.pat,
                p => p,
            };
            let joined = |f: &mut Frame| f.scanned().joined.contains(&pi_name(pat));
            if matches!(pat, syn::Pat::Ident(_)) && self.loops.last_mut().is_some_and(joined) {
                {
                    let e = strip_parens(&init.expr);
                    self.sequential.insert(e as *const syn::Expr as usize);
                }
            }
        }
        syn::visit::visit_local(self, l);
    }

    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        // `if let Some(monitor) = self.pending.take() { spawn(..) }`: the
        // value is taken out once, so the spawn happens at most once per run
        // (contract v2.0), like a spawn stored in one slot.
        if let syn::Expr::If(i) = e {
            if takes_out_once(&i.cond) {
                self.visit_expr(&i.cond);
                self.slots += 1;
                self.visit_block(&i.then_branch);
                self.slots -= 1;
                if let Some((_, els)) = &i.else_branch {
                    self.visit_expr(els);
                }
                return;
            }
        }
        if let syn::Expr::Assign(a) = e {
            // `place = spawn(..)`: the new handle replaces the old one.
            if !matches!(strip_parens(&a.left), syn::Expr::Index(_)) {
                self.visit_expr(&a.left);
                self.slots += 1;
                self.visit_expr(&a.right);
                self.slots -= 1;
                return;
            }
        }
        match e {
            // `spawn_blocking(..).with_context(cx).await`: awaited through
            // wrappers, the task finishes before the loop goes on.
            syn::Expr::Await(a) => {
                let mut inner = strip_await_try(&a.base);
                loop {
                    self.sequential.insert(inner as *const syn::Expr as usize);
                    match inner {
                        syn::Expr::MethodCall(m) => inner = strip_await_try(&m.receiver),
                        _ => break,
                    }
                }
            }
            syn::Expr::MethodCall(m) if m.method == "join" && m.args.is_empty() => {
                let inner = strip_parens(&m.receiver);
                self.sequential.insert(inner as *const syn::Expr as usize);
            }
            _ => {}
        }
        let in_loop = !self.loops.is_empty();
        let candidate = match e {
            syn::Expr::Call(_) => true,
            syn::Expr::MethodCall(m) => in_loop || m.method.to_string().starts_with("spawn"),
            _ => false,
        };
        if candidate {
            let (cx, info) = (self.cx, self.info);
            let wrappers = in_loop && !self.wrapper_reported_here(e);
            let found = spawn_model::classify_with(cx, info, self.env_if(e, wrappers), e, wrappers);
            if let Some(spawn) = found {
                self.report(e, &spawn);
                if let Spawn::Listed(_) = spawn {
                    self.visit_spawn_args(e);
                    return;
                }
            }
        }
        if let syn::Expr::MethodCall(m) = e {
            let name = m.method.to_string();
            if spawn_model::is_iter_closure_method(&name)
                && (name == "for_each" || spawn_model::looks_like_iterator(&m.receiver))
                && m.args
                    .iter()
                    .any(|a| matches!(strip_parens(a), syn::Expr::Closure(_)))
            {
                self.visit_expr(&m.receiver);
                let header = Span::between(m.method.span(), m.span());
                let trip = spawn_model::iter_trip(self.env(), &m.receiver);
                let (_, root) = method_chain(&m.receiver);
                let slots = self.slots;
                self.loops.push(Frame {
                    header,
                    trip,
                    what: "iterator closure",
                    scope: Scope::Closure(&m.args, root),
                    scan: None,
                    walks: Some(&m.receiver),
                    replies: Vec::new(),
                    slots,
                });
                for a in &m.args {
                    self.visit_expr(a);
                }
                self.loops.pop();
                return;
            }
        }
        syn::visit::visit_expr(self, e);
    }

    fn visit_block(&mut self, b: &'ast syn::Block) {
        // `let handle = spawn(..); *self = Loading { handle };`: the handle
        // goes into one slot, like a spawn on an assignment's right side.
        for (i, stmt) in b.stmts.iter().enumerate() {
            let syn::Stmt::Local(l) = stmt else {
                continue;
            };
            let (syn::Pat::Ident(pi), Some(init)) = (&l.pat, &l.init) else {
                continue;
            };
            if names_spawn(&init.expr) && stored_in_slot(&b.stmts[i + 1..], &pi.ident) {
                let e = strip_parens(&init.expr);
                self.sequential.insert(e as *const syn::Expr as usize);
            }
        }
        // A block that ends the loop (`..; break` / `..; return`) runs once.
        let exit = |f: fn(&syn::Expr) -> bool| {
            b.stmts
                .iter()
                .any(|s| matches!(s, syn::Stmt::Expr(e, _) if f(e)))
        };
        let returns = exit(|e| matches!(e, syn::Expr::Return(_)));
        let breaks = exit(|e| matches!(e, syn::Expr::Break(_)));
        if returns || breaks {
            let saved = std::mem::take(&mut self.loops);
            if !returns {
                // `break` leaves the innermost loop only.
                self.loops = saved
                    .iter()
                    .take(saved.len().saturating_sub(1))
                    .cloned()
                    .collect();
            }
            syn::visit::visit_block(self, b);
            self.loops = saved;
        } else {
            syn::visit::visit_block(self, b);
        }
    }

    fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
        // `return spawn(..)` runs once: the loop ends there.
        let saved = std::mem::take(&mut self.loops);
        syn::visit::visit_expr_return(self, r);
        self.loops = saved;
    }

    fn visit_item(&mut self, i: &'ast syn::Item) {
        let saved = std::mem::take(&mut self.loops);
        syn::visit::visit_item(self, i);
        self.loops = saved;
    }
}

fn scan_block_and(body: &syn::Block, extra: Option<&syn::Expr>) -> BodyScan {
    scan_impl(|v| {
        v.visit_block(body);
        if let Some(e) = extra {
            v.visit_expr(e);
        }
    })
}

fn scan_exprs(
    args: &syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>,
    root: &syn::Expr,
) -> BodyScan {
    scan_impl(|v| {
        for a in args {
            v.visit_expr(a);
        }
        v.visit_expr(root);
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Confidence;

    /// The line and confidence of each finding in `src`.
    fn findings(src: &str) -> Vec<(usize, Confidence)> {
        crate::rules::finding_lines(src, check)
    }

    #[test]
    fn a_permit_from_an_associated_call_bounds_the_loop() {
        let bounded = "async fn f(s: Arc<Semaphore>, mut rx: Receiver<Job>) { loop {\n\
            let p = Semaphore::acquire_owned(s.clone()).await.unwrap();\n\
            let job = rx.recv().await.unwrap();\n\
            tokio::spawn(run(job, p)); } }";
        assert!(findings(bounded).is_empty());
        let near = "async fn f(s: Arc<Semaphore>, mut rx: Receiver<Job>) { loop {\n\
            let p = Semaphore::available_permits(&s);\n\
            let job = rx.recv().await.unwrap();\n\
            tokio::spawn(run(job, p)); } }";
        assert_eq!(findings(near), vec![(4, Confidence::High)]);
    }

    #[test]
    fn an_awaited_permit_future_bounds_the_loop() {
        let bounded = "async fn f(requests: Vec<Task>) { for t in requests {\n\
            let p = t.permit_future.await;\n\
            tokio::spawn(run(t.job, p)); } }";
        assert!(findings(bounded).is_empty());
        let near = "async fn f(requests: Vec<Task>) { for t in requests {\n\
            let p = t.prepare_future.await;\n\
            tokio::spawn(run(t.job, p)); } }";
        assert_eq!(findings(near), vec![(3, Confidence::High)]);
    }

    #[test]
    fn a_live_task_count_checked_around_the_batch_gates_it() {
        let gated = "async fn f(mut q: Queue, max: usize) { loop {\n\
            let n = LIVE.load(Ordering::Relaxed);\n\
            if n > max { sleep(D).await; continue; }\n\
            for item in q.receive_all().await {\n\
            tokio::spawn(work(item)); } } }";
        assert!(findings(gated).is_empty());
        let near = "async fn f(mut q: Queue, max: usize) { loop {\n\
            let n = LIVE.load(Ordering::Relaxed);\n\
            if n > max { log(n); }\n\
            for item in q.receive_all().await {\n\
            tokio::spawn(work(item)); } } }";
        assert_eq!(findings(near), vec![(5, Confidence::High)]);
    }

    #[test]
    fn nested_calls_of_a_wrapper_of_another_file_report_once_per_loop() {
        let nested = "async fn f(mut rx: Receiver<Job>) { while let Some(j) = rx.recv().await {\n\
            run_later(run_later(run_later(j))); } }";
        let result = crate::rules::run_check(nested, check);
        assert_eq!(result.findings.len(), 1, "{:?}", result.findings);
    }

    #[test]
    fn a_handle_bound_then_stored_in_one_slot() {
        let slot = "impl S { async fn poll(&mut self) { loop {\n\
            let handle = tokio::spawn(load(self.rx.recv().await));\n\
            *self = S::Loading { handle }; } } }";
        assert!(findings(slot).is_empty());
        let collected = "impl S { async fn poll(&mut self) { loop {\n\
            let handle = tokio::spawn(load(self.rx.recv().await));\n\
            self.handles.push(handle); } } }";
        assert_eq!(findings(collected), vec![(2, Confidence::High)]);
        // A loop that takes no input, or one a timer paces, is `low`.
        let unread = "impl S { fn poll(&mut self) { loop {\n\
            let handle = tokio::spawn(load());\n\
            self.handles.push(handle); } } }";
        assert_eq!(findings(unread), vec![(2, Confidence::Low)]);
        let paced = "impl S { async fn poll(&mut self) { loop {\n\
            tokio::time::sleep(PERIOD).await;\n\
            let handle = tokio::spawn(load(self.rx.recv().await));\n\
            self.handles.push(handle); } } }";
        assert_eq!(findings(paced), vec![(3, Confidence::Low)]);
    }

    #[test]
    fn a_struct_item_that_carries_its_reply_sender() {
        let paced = "async fn f(mut rx: Receiver<Job>) {\n\
            while let Some(Job { input, callback_tx }) = rx.recv().await {\n\
            tokio::spawn(async move { callback_tx.send(run(input)) }); } }";
        assert!(findings(paced).is_empty());
        let near = "async fn f(mut rx: Receiver<Job>) {\n\
            while let Some(Job { input, name }) = rx.recv().await {\n\
            tokio::spawn(async move { run(input, name) }); } }";
        assert_eq!(findings(near), vec![(3, Confidence::High)]);
    }

    #[test]
    fn a_member_listing_in_a_trait_method_is_low() {
        let src = "impl Plan for AllStores { async fn execute(&self) {\n\
            let stores = self.pd.all_stores().await?;\n\
            for store in stores { tokio::spawn(handle(store)); } } }";
        assert_eq!(findings(src), vec![(3, Confidence::Low)]);
        let near = "impl Plan for AllKeys { async fn execute(&self, pd: &Pd) {\n\
            let keys = pd.scan_keys().await?;\n\
            for key in keys { tokio::spawn(handle(key)); } } }";
        assert_eq!(findings(near), vec![(3, Confidence::High)]);
    }

    #[test]
    fn a_loop_over_a_configuration_parameter_is_low() {
        let src = "async fn f(nodes_configuration: &NodesConfiguration) {\n\
            for (id, node) in nodes_configuration.iter() {\n\
            tokio::spawn(ping(node.address.clone())); } }";
        assert_eq!(findings(src), vec![(3, Confidence::Low)]);
        let near = "async fn f(node_requests: &Requests) {\n\
            for (id, node) in node_requests.iter() {\n\
            tokio::spawn(ping(node.address.clone())); } }";
        assert_eq!(findings(near), vec![(3, Confidence::High)]);
    }
}
