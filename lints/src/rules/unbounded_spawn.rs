//! `unbounded_spawn`: a task or thread spawned per item of a loop whose trip count
//! is not statically bounded, with no bounding primitive in the same function.

use crate::spawn_model::{self, FileInfo, FnEnv, Spawn, Trip};
use crate::syntax::{method_chain, strip_await_try, strip_parens};
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
`JoinSet::spawn`, resolved through `use` imports and aliases, and functions of
your own crate that hand their argument to one of these (spawn wrappers,
followed across files).

Worker pools are not reported: a `for` over a range that does not end in a
collection's `.len()` (`0..4`, `0..num_cpus::get()`, `0..self.config.workers`),
over a fixed array, or a `while` that compares a count with a limit. A `loop`
around `accept()`, a `while let` over a channel or stream, and a `for` over a
collection spawn once per connection or item: those are reported.

Bounding primitives that silence it: a semaphore permit acquired in the loop
(`acquire`, `acquire_owned`, `try_acquire*`), a `JoinSet`/`FuturesUnordered`/
`Vec<JoinHandle>` whose `len()` is compared with a limit in the loop, a bounded
queue awaited in the loop (`tx.send(..).await` on a queue's sending end,
`reserve().await`; a send on a connection or framed stream paces nothing),
`buffer_unordered(n)`/`for_each_concurrent(n)` in the function, a spawn whose
handle is awaited or joined in the same iteration, and
`#[leash::concurrency(max = N)]` on the function or on the spawned function.

Not reported either: one task at a time (the handle stored in a single slot
by an assignment, as a poll state machine does), a spawn that happens at most
once per run (`if let Some(monitor) = self.pending.take() { spawn(..) }`), and
reply-paced work (the spawned task answers the item's own reply sender,
`while let Some((req, reply_tx))`). A loop over a configured set (a field of
`self`, a configuration, pool or registry object, a local bound to one
(`let backends = self.backends.load()`) or to a member listing (`let stores =
pd.all_stores().await?`; calls named for stores, nodes, servers, backends,
brokers, members, replicas, hosts or endpoints), or a local the function fills
only inside a `for` over one) or over one host's resolved addresses is `low`
confidence: shown with `--confidence low`.

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
        local_wrappers,
        slots: 0,
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
    /// (bounding primitive visible, accepts connections, names awaited/joined)
    scan: Option<(bool, bool, HashSet<String>)>,
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
    fn scanned(&mut self) -> &(bool, bool, HashSet<String>) {
        let scope = self.scope;
        self.scan.get_or_insert_with(|| match scope {
            Scope::Block(b, e) => scan_block_and(b, e),
            Scope::Closure(args, root) => scan_exprs(args, root),
        })
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
    /// Spawn calls whose handle is awaited or joined right away (addresses).
    sequential: HashSet<usize>,
    /// Spawn wrappers defined in this file.
    local_wrappers: HashSet<String>,
    /// Right-hand sides of assignments being visited: a spawn stored in one
    /// slot (`self.state = State::Pending(spawn(..))`) runs one at a time.
    slots: usize,
}

/// An iterable rooted in configuration: a field of `self` or of an object
/// named for configuration, or resolved addresses.
fn configured_root(root: &syn::Expr) -> bool {
    let configured = |id: &str| {
        id == "self"
            || crate::syntax::names_configuration(id)
            || id.ends_with("addrs")
            || id.ends_with("addresses")
    };
    match root {
        syn::Expr::Field(_) => crate::syntax::any_ident(root, &mut |id| configured(id)),
        syn::Expr::Path(p) => p
            .path
            .get_ident()
            .is_some_and(|i| configured(&i.to_string())),
        _ => false,
    }
}

/// Queries that list a service's configured or discovered members
/// (`all_stores()`, `cluster.nodes()`, `get_backends()`): their size is the
/// deployment's, not the input's.
fn lists_members(call: &str) -> bool {
    const MEMBERS: &[&str] = &[
        "stores",
        "nodes",
        "servers",
        "backends",
        "brokers",
        "members",
        "replicas",
        "hosts",
        "endpoints",
    ];
    let call = call.to_ascii_lowercase();
    call.split('_').any(|part| MEMBERS.contains(&part))
}

/// Is `name` bound (by a `let` of the function) to a configured set: a
/// chain rooted in a field of `self` or of a configuration object
/// (`let backends = self.backends.load();`), or a member listing
/// (`let stores = pd.all_stores().await?;`)?
fn bound_to_configured_set(block: &syn::Block, name: &str) -> bool {
    struct Bound<'n> {
        name: &'n str,
        configured: Option<bool>,
    }
    impl<'ast> Visit<'ast> for Bound<'_> {
        fn visit_local(&mut self, l: &'ast syn::Local) {
            if let (syn::Pat::Ident(pi), Some(init)) = (&l.pat, &l.init) {
                if pi.ident == self.name {
                    let (calls, root) = method_chain(strip_await_try(&init.expr));
                    let root = match strip_parens(root) {
                        syn::Expr::Reference(r) => strip_parens(&r.expr),
                        r => r,
                    };
                    let root_call = match root {
                        syn::Expr::Call(c) => {
                            crate::syntax::call_path(c).and_then(crate::syntax::last_segment)
                        }
                        _ => None,
                    };
                    let here = configured_root(root)
                        || calls.iter().any(|c| lists_members(&c.method.to_string()))
                        || root_call.is_some_and(|c| lists_members(&c));
                    // Every binding of the name must be one.
                    self.configured = Some(self.configured.unwrap_or(true) && here);
                }
            }
            syn::visit::visit_local(self, l);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut b = Bound {
        name,
        configured: None,
    };
    b.visit_block(block);
    b.configured.unwrap_or(false)
}

/// Is every `name.push(..)` / `name.insert(..)` / `name.extend(..)` of the
/// function inside a `for` over a configured set (and is there one)?
fn filled_from_configured_set(block: &syn::Block, name: &str) -> bool {
    struct Fills<'n> {
        name: &'n str,
        /// For each enclosing `for`: does it walk a configured set?
        loops: Vec<bool>,
        configured: usize,
        other: usize,
    }
    impl<'ast> Visit<'ast> for Fills<'_> {
        fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
            self.visit_expr(&f.expr);
            let (_, root) = method_chain(&f.expr);
            let root = match strip_parens(root) {
                syn::Expr::Reference(r) => strip_parens(&r.expr),
                r => r,
            };
            self.loops.push(configured_root(root));
            self.visit_block(&f.body);
            self.loops.pop();
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            let fills = matches!(
                m.method.to_string().as_str(),
                "push" | "insert" | "extend" | "push_back"
            );
            let on_name = matches!(strip_parens(&m.receiver), syn::Expr::Path(p) if p.path.is_ident(self.name));
            if fills && on_name {
                if self.loops.iter().any(|&c| c) {
                    self.configured += 1;
                } else {
                    self.other += 1;
                }
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut f = Fills {
        name,
        loops: Vec::new(),
        configured: 0,
        other: 0,
    };
    f.visit_block(block);
    f.configured > 0 && f.other == 0
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
    bounded: bool,
    accept: bool,
    joined: HashSet<String>,
}

impl<'ast> Visit<'ast> for BodyScan {
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let name = m.method.to_string();
        if name.starts_with("acquire") || name.starts_with("try_acquire") {
            self.bounded = true;
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
        if matches!(
            b.op,
            syn::BinOp::Lt(_)
                | syn::BinOp::Le(_)
                | syn::BinOp::Gt(_)
                | syn::BinOp::Ge(_)
                | syn::BinOp::Eq(_)
        ) && (is_len(&b.left) || is_len(&b.right))
        {
            self.bounded = true;
        }
        syn::visit::visit_expr_binary(self, b);
    }
    fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
        if !self.accept && is_accept_name(&i.to_string()) {
            self.accept = true;
        }
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        if !self.accept {
            self.accept = crate::syntax::any_ident(&m.tokens, &mut is_accept_name);
        }
        syn::visit::visit_macro(self, m);
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
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

/// Names that say a loop serves connections.
fn is_accept_name(name: &str) -> bool {
    matches!(
        name,
        "accept" | "incoming" | "poll_accept" | "accept_async" | "accept_bi" | "accept_uni"
    )
}

fn is_len(e: &syn::Expr) -> bool {
    matches!(strip_await_try(e), syn::Expr::MethodCall(m) if m.method == "len")
}

fn scan_impl(f: impl FnOnce(&mut BodyScan)) -> (bool, bool, HashSet<String>) {
    let mut s = BodyScan::default();
    f(&mut s);
    (s.bounded, s.accept, s.joined)
}

impl<'ast> Visitor<'_, '_, '_, 'ast> {
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
        let Some(frame) = self.loops.last_mut() else {
            return;
        };
        let (bounded, accept) = {
            let scan = frame.scanned();
            (scan.0, scan.1)
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
        let configured = walks.is_some_and(|w| self.walks_configured_set(w));
        let unit = match spawn {
            Spawn::Listed(n) if n.contains("thread") => "thread",
            _ => "task",
        };
        let per = if accept {
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
    /// `self` or of a configuration, pool, topology or registry object), or
    /// the resolved addresses of one host (a failover pass)?
    fn walks_configured_set(&self, iterable: &syn::Expr) -> bool {
        let resolves = |id: &str| {
            matches!(
                id,
                "lookup_host" | "to_socket_addrs" | "lookup_ip" | "resolve"
            )
        };
        if crate::syntax::any_ident(iterable, &mut |id| resolves(id)) {
            return true;
        }
        let (_, root) = method_chain(iterable);
        let root = match strip_parens(root) {
            syn::Expr::Reference(r) => strip_parens(&r.expr),
            r => r,
        };
        if configured_root(root) {
            return true;
        }
        // `for server in servers` where `servers` was filled, one per
        // configured entry, in a `for inst in config.server` loop.
        let syn::Expr::Path(p) = root else {
            return false;
        };
        match (p.path.get_ident(), self.cur_fn) {
            (Some(name), Some((_, block, _))) => {
                let name = name.to_string();
                filled_from_configured_set(block, &name) || bound_to_configured_set(block, &name)
            }
            _ => false,
        }
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

/// Reply senders bound by a loop's pattern, when the item is a tuple that
/// carries one (`(req, reply_tx)`, `(cmd, responder)`).
fn reply_senders(pat: &syn::Pat) -> Vec<String> {
    let pat = match pat {
        syn::Pat::TupleStruct(ts) if ts.elems.len() == 1 => &ts.elems[0],
        p => p,
    };
    let syn::Pat::Tuple(t) = pat else {
        return Vec::new();
    };
    t.elems
        .iter()
        .skip(1)
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
            let joined = |f: &mut Frame| f.scanned().2.contains(&pi_name(pat));
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
            syn::Expr::Await(a) => {
                let inner = strip_await_try(&a.base);
                self.sequential.insert(inner as *const syn::Expr as usize);
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
            let found = spawn_model::classify_with(cx, info, self.env_if(e, in_loop), e, in_loop);
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

fn scan_block_and(body: &syn::Block, extra: Option<&syn::Expr>) -> (bool, bool, HashSet<String>) {
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
) -> (bool, bool, HashSet<String>) {
    scan_impl(|v| {
        for a in args {
            v.visit_expr(a);
        }
        v.visit_expr(root);
    })
}
