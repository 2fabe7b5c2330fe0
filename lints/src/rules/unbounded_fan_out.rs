//! `unbounded_fan_out`: all futures of an iterator of unknown size polled at once.

use crate::effect_model::{EffectModel, Scope, Verdict};
use crate::origin_model::{self, awaits_or_reads, guards_self_state, names_member_set};
use crate::prefilter::{Need, Triggers};
use crate::syntax::{call_path, last_segment, macro_call_name, method_chain, strip_parens};
use crate::vocab::FAN_OUT;
use crate::{Budget, Model};
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
`push` calls outside any loop), items cut to a limit first (`.take(LIMIT)`,
`items.truncate(MAX)`, `items = items.get(0..MAX)..`, `&items[..MAX]`: a
number, a constant or a name for a limit), and any explicit limit other than
`usize::MAX` (`buffer_unordered(n)`, `buffered(n)`, `for_each_concurrent(n,
..)`).

Reported by default when the items come from input (a parameter, the result
of a read, query or decoding, an awaited call, a collection filled by a loop
over input). Not reported: futures that only wait for work already started
(join handles, reply receivers, whatever the closure then does with each
result; a future whose every `.await` is a call handed a join handle, such as
closing a connection and draining its tasks under a deadline) add no
concurrency; futures that each wait for a permit before their work
(`let permit = search_permit.await`), directly or in a function of the
file they call (`self.get_client()` taking `self.client_permits.acquire()`),
are bounded by the permits. A
collection that is a field of `self` or of a configuration, pool, topology
or registry object, a copy of one taken under this object's own lock
(`self.state.read().await`, also in a block whose tail copies from the guard,
through an `if let` on it), that is named for the members of a configured
set (nodes, pooled connections, peers, shards, ingresses), a parameter whose
type names them (`HashMap<Server, Connection>`), a parameter of a function
that is not `pub` when every call of it in the file passes such a set
(`self.trim(self.pending.drain().collect())`), one service's resolved
addresses or SRV records, the results of a join over such a set, or one
future per group keyed by a member (`for (server, batch) in groups`), or one
future per member of such a set looked up by the item and leaving on a miss
(`let relay = relays.get(&url).ok_or(NotFound)?; futs.push(relay.send(m))`:
the members bound the count, whatever the caller asks for), is `low`
confidence: reaching every member is the operation, and configuration sets
its size. So is a set read through a getter of an object parameter
(`searcher.segment_readers()`: state the source does not show as input), a
parameter handed to the join unchanged (a wrapper: no per-item operation is
visible, the caller owns the count), a future per item that is only a send
on the item's own channel (`subscribers.iter().map(|tx| tx.send(msg))`: no
operation reaches a service), a join combinator's own `FromIterator`
impl, and per-item futures that show no operation: only calls of a callback
handed in (`f(x)` with `f: F`), methods of the item that name no service
verb (`item.unref()`), in-memory collection and value methods, functions of
the file whose calls show none (followed two levels), or futures made
elsewhere and moved into the collection. A call the effect model sees as
I/O or a client call, a service verb on the item, an item that is a client
(`clients: Vec<Client>`), or a call the file cannot judge counts as an
operation.

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
    triggers: Some(Triggers {
        file: &[FAN_OUT],
        // Callers decide where the items come from; the file's functions
        // the per-item futures call show whether they perform an operation
        // or take a permit (see the lint).
        body: &[&[Need::Any(FAN_OUT), Need::LocalCallers, Need::LocalCallees]],
        imports: FAN_OUT,
    }),
    models: &[Model::Effects],
    phase_two: None,
    budget: Some(Budget {
        kind: "concurrency",
        bound: "unbounded",
    }),
};

fn check<'ast>(cx: &FileContext<'ast>, sink: &mut Sink) {
    let mut v = Visitor {
        sink,
        file: cx.file,
        fns: std::cell::OnceCell::new(),
        cur_block: None,
        cur_sig: None,
        self_type: None,
        effects: std::cell::OnceCell::new(),
        imports: cx.imports,
        locals: std::cell::OnceCell::new(),
        options: HashSet::new(),
        params: HashSet::new(),
    };
    v.visit_file(cx.file);
}

struct Visitor<'s, 'ast> {
    sink: &'s mut Sink,
    file: &'ast syn::File,
    /// The file's functions, to follow a parameter to its callers (on first use).
    fns: std::cell::OnceCell<origin_model::Fns<'ast>>,
    /// The current function's body and signature, and the `impl` type it
    /// belongs to.
    cur_block: Option<&'ast syn::Block>,
    cur_sig: Option<&'ast syn::Signature>,
    self_type: Option<String>,
    /// What the file shows about its calls' effects (on first use).
    effects: std::cell::OnceCell<EffectModel<'ast>>,
    imports: &'ast crate::imports::Imports,
    /// Local name -> (line of the `let`, initialiser), and the locals that get
    /// `push`/`extend`/`insert` calls inside a loop (computed on first use).
    locals: std::cell::OnceCell<LocalsInfo<'ast>>,
    /// Parameters of type `Option<..>`.
    options: HashSet<String>,
    /// The current function's parameters (input, by the contract).
    params: HashSet<String>,
}

type LocalsInfo<'ast> = (
    HashMap<String, Vec<(usize, &'ast syn::Expr)>>,
    HashSet<String>,
    HashMap<String, Vec<&'ast syn::Expr>>,
    HashMap<String, Vec<Fill<'ast>>>,
);

/// What drove one push into a local: the innermost loop's iterable (`None`
/// for a `while` or `loop`), those of the `for` loops around it, and
/// whether the innermost loop walks groups keyed by members of a configured
/// set (`for (server, batch) in groups`: one push per member at most).
type Fill<'ast> = (Option<&'ast syn::Expr>, Vec<&'ast syn::Expr>, bool);

/// `(server, indices)`, `(node_id, requests)`: a pattern whose key (its
/// first part) names a member of a configured set.
fn keyed_by_member(pat: &syn::Pat) -> bool {
    match pat {
        syn::Pat::Tuple(t) if t.elems.len() >= 2 => matches!(&t.elems[0],
            syn::Pat::Ident(i) if names_member_set(&i.ident.to_string())),
        _ => false,
    }
}

/// Collects the function's locals and the names filled inside loops.
struct Locals<'ast> {
    locals: HashMap<String, Vec<(usize, &'ast syn::Expr)>>,
    pushed_in_loop: HashSet<String>,
    /// What is pushed into each local (`handles.push(spawn(..))`).
    pushed: HashMap<String, Vec<&'ast syn::Expr>>,
    /// The iterables of the enclosing `for` loops (`None` for `while` and
    /// `loop`), and what drove the pushes into each local.
    drivers: Vec<Option<&'ast syn::Expr>>,
    /// For each enclosing loop: does its pattern key items by member?
    keyed: Vec<bool>,
    pushed_by: HashMap<String, Vec<Fill<'ast>>>,
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
        } else if let (syn::Pat::Tuple(t), Some(init)) = (pat, &l.init) {
            // `let (config, topics) = load().await?`: each part comes from
            // the whole initialiser (enough to tell where it comes from).
            let line = Span::from(l.let_token.span).start.line;
            for elem in &t.elems {
                if let syn::Pat::Ident(pi) = elem {
                    self.locals
                        .entry(pi.ident.to_string())
                        .or_default()
                        .push((line, &init.expr));
                }
            }
        }
        syn::visit::visit_local(self, l);
    }
    fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
        self.in_loop(None, false, |s| syn::visit::visit_expr_loop(s, l));
    }
    fn visit_expr_while(&mut self, l: &'ast syn::ExprWhile) {
        self.in_loop(None, false, |s| syn::visit::visit_expr_while(s, l));
    }
    fn visit_expr_for_loop(&mut self, l: &'ast syn::ExprForLoop) {
        self.in_loop(Some(&l.expr), keyed_by_member(&l.pat), |s| {
            syn::visit::visit_expr_for_loop(s, l)
        });
    }
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
        if let (true, syn::Expr::Path(p)) = (filling, strip_parens(&m.receiver)) {
            if let Some(i) = p.path.get_ident() {
                if self.loop_depth > 0 || name == "extend" || name == "append" {
                    self.pushed_in_loop.insert(i.to_string());
                    let driver = self.drivers.last().copied().flatten();
                    let outer = self
                        .drivers
                        .iter()
                        .rev()
                        .skip(1)
                        .flatten()
                        .copied()
                        .collect();
                    let keyed = self.keyed.last().copied().unwrap_or(false);
                    self.pushed_by
                        .entry(i.to_string())
                        .or_default()
                        .push((driver, outer, keyed));
                }
                self.pushed
                    .entry(i.to_string())
                    .or_default()
                    .extend(m.args.iter());
            }
        }
        syn::visit::visit_expr_method_call(self, m);
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

impl<'ast> Locals<'ast> {
    fn in_loop<F: FnOnce(&mut Self)>(
        &mut self,
        driver: Option<&'ast syn::Expr>,
        keyed: bool,
        body: F,
    ) {
        self.loop_depth += 1;
        self.drivers.push(driver);
        self.keyed.push(keyed);
        body(self);
        self.keyed.pop();
        self.drivers.pop();
        self.loop_depth -= 1;
    }
}

impl<'s, 'ast> Visitor<'s, 'ast> {
    fn enter_fn(&mut self, sig: &'ast syn::Signature, block: &'ast syn::Block) {
        // Nothing in an empty (or blanked) body.
        if block.stmts.is_empty() {
            return;
        }
        // Parameters of type `Option<..>` hold at most one item.
        let mut options = HashSet::new();
        let mut params = HashSet::new();
        for input in &sig.inputs {
            if let syn::FnArg::Typed(pt) = input {
                if let syn::Pat::Ident(pi) = &*pt.pat {
                    // `writers: &mut HashMap<Server, Connection>`: the
                    // members of a configured set, not input.
                    if !type_names_member_set(&pt.ty) {
                        params.insert(pi.ident.to_string());
                    }
                }
                if let (syn::Pat::Ident(pi), syn::Type::Path(tp)) = (&*pt.pat, &*pt.ty) {
                    if tp.path.segments.last().is_some_and(|s| s.ident == "Option") {
                        options.insert(pi.ident.to_string());
                    }
                }
            }
        }
        let saved_params = std::mem::replace(&mut self.params, params);
        let saved_options = std::mem::replace(&mut self.options, options);
        let saved_block = self.cur_block.replace(block);
        let saved_sig = self.cur_sig.replace(sig);
        let saved_locals = std::mem::take(&mut self.locals);
        self.visit_block(block);
        self.locals = saved_locals;
        self.cur_sig = saved_sig;
        self.cur_block = saved_block;
        self.options = saved_options;
        self.params = saved_params;
    }

    /// The function's locals and the names filled in loops, collected on first use.
    fn locals(&self) -> &LocalsInfo<'ast> {
        self.locals.get_or_init(|| {
            let mut l = Locals {
                locals: HashMap::new(),
                pushed_in_loop: HashSet::new(),
                pushed: HashMap::new(),
                drivers: Vec::new(),
                keyed: Vec::new(),
                pushed_by: HashMap::new(),
                loop_depth: 0,
            };
            if let Some(b) = self.cur_block {
                l.visit_block(b);
            }
            (l.locals, l.pushed_in_loop, l.pushed, l.pushed_by)
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

    /// Where the items of an iterable come from, looking through the
    /// function's locals.
    fn origin(&self, e: &syn::Expr, line: usize, depth: usize) -> Origin {
        if depth > 6 {
            return Origin::Unknown;
        }
        // One host's or service's resolved addresses: the deployment's.
        if origin_model::resolves_names(e) {
            return Origin::Config;
        }
        // `join_all(targets.iter().map(..)).await`: one result per target.
        if let Some(joined) = joined_items(e) {
            return self.origin(joined, line, depth + 1);
        }
        // `self.state.read().await`: a guard on this object's own state.
        if guards_self_state(e) {
            return Origin::Config;
        }
        let (calls, root) = method_chain(e);
        // `searcher.segment_readers()`: what an object parameter holds, read
        // through its getter, is state the source does not show as input.
        if let (Some(first), syn::Expr::Path(p)) = (calls.last(), strip_parens(strip_ref(root))) {
            let getter = first.method.to_string();
            if p.path
                .get_ident()
                .is_some_and(|i| self.params.contains(&i.to_string()))
                && first.args.is_empty()
                && !walks_itself(&getter)
                && !awaits_or_reads(e)
            {
                return Origin::Unknown;
            }
        }
        match strip_parens(strip_ref(root)) {
            syn::Expr::Field(f) => {
                let member_set = match &f.member {
                    syn::Member::Named(n) => names_member_set(&n.to_string()),
                    syn::Member::Unnamed(_) => false,
                };
                if member_set || names_configuration(&f.base) {
                    Origin::Config
                } else {
                    self.origin(&f.base, line, depth + 1)
                }
            }
            syn::Expr::Path(p) => {
                let Some(ident) = p.path.get_ident() else {
                    return Origin::Unknown;
                };
                let name = ident.to_string();
                if name == "self" {
                    return Origin::Config;
                }
                if names_member_set(&name) {
                    return Origin::Config;
                }
                if self.params.contains(&name) {
                    // A parameter every caller in the file fills from
                    // configuration (`self.spawn_trim(self.pending.drain().collect())`).
                    return if self.param_from_configuration(&name) {
                        Origin::Config
                    } else {
                        Origin::Input
                    };
                }
                // Filled in a loop: as many items as the loop ran rounds; a
                // `for` takes the origin of what it walks, a `while` or
                // `loop` reads until its input ends. Nested in a `for` over
                // input, it runs as many times again per input item.
                if let Some(drivers) = self.locals().3.get(&name) {
                    let mut origin = Origin::Unknown;
                    for (driver, outer, keyed) in drivers {
                        let mut o = match driver {
                            Some(_) if *keyed => Origin::Config,
                            Some(iter) => self.origin(iter, line, depth + 1),
                            None => Origin::Input,
                        };
                        if o != Origin::Input
                            && outer
                                .iter()
                                .any(|it| self.origin(it, line, depth + 1) == Origin::Input)
                        {
                            o = Origin::Input;
                        }
                        if o == Origin::Input || origin == Origin::Unknown {
                            origin = o;
                        }
                    }
                    return origin;
                }
                match self.local_init(&name, line) {
                    Some(init) if awaits_or_reads(init) && !origin_shown(init) => Origin::Input,
                    Some(init) => self.origin(init, line, depth + 1),
                    None => Origin::Unknown,
                }
            }
            // `stream::iter(items)`, `FuturesUnordered::from_iter(items)`.
            syn::Expr::Call(c)
                if c.args.len() == 1
                    && call_path(c)
                        .and_then(last_segment)
                        .is_some_and(|n| n == "iter" || n == "from_iter") =>
            {
                self.origin(&c.args[0], line, depth + 1)
            }
            // A block or `if` yields what its tail computes (`{ let g =
            // self.alerts.read().await; g.values().cloned().collect() }`),
            // not every value it touches on the way.
            syn::Expr::Block(b) => self.tail_origin(&b.block, line, depth),
            syn::Expr::If(i) => {
                let mut then = self.tail_origin(&i.then_branch, line, depth);
                // What `if let Some(items) = scrutinee` binds comes from
                // the scrutinee.
                if let (Origin::Unknown, syn::Expr::Let(l)) = (then, &*i.cond) {
                    then = self.origin(&l.expr, line, depth + 1);
                }
                let other = i
                    .else_branch
                    .as_ref()
                    .map_or(Origin::Unknown, |(_, e)| self.origin(e, line, depth + 1));
                match (then, other) {
                    (Origin::Input, _) | (_, Origin::Input) => Origin::Input,
                    (Origin::Unknown, o) => o,
                    (o, _) => o,
                }
            }
            other if awaits_or_reads(other) => Origin::Input,
            // Anything else takes the origin of what it is computed from
            // (`match n { 0 => vec![t], _ => (0..n).map(..).collect() }`).
            other => {
                let mut found = Origin::Unknown;
                crate::syntax::any_ident(other, &mut |id| {
                    if self.params.contains(id) {
                        found = Origin::Input;
                    } else if found == Origin::Unknown && id != "self" {
                        if let Some(init) = self.local_init(id, line) {
                            if self.origin(init, line, depth + 1) == Origin::Input {
                                found = Origin::Input;
                            }
                        }
                    }
                    found == Origin::Input
                });
                found
            }
        }
    }

    fn tail_origin(&self, b: &syn::Block, line: usize, depth: usize) -> Origin {
        match b.stmts.last() {
            Some(syn::Stmt::Expr(tail, None)) => self.origin(tail, line, depth + 1),
            _ => Origin::Unknown,
        }
    }

    /// Is parameter `name` of the current function, which is not public,
    /// passed a configured set by every call of it in the file?
    fn param_from_configuration(&self, name: &str) -> bool {
        let Some(block) = self.cur_block else {
            return false;
        };
        let fns = self
            .fns
            .get_or_init(|| origin_model::Fns::collect(self.file));
        let Some(body) = fns.by_block(block) else {
            return false;
        };
        let path = syn::Expr::Path(syn::ExprPath {
            attrs: Vec::new(),
            qself: None,
            path: syn::Ident::new(name, proc_macro2::Span::call_site()).into(),
        });
        origin_model::configured_set(fns, body, &path, false)
    }

    /// Do the futures only wait for work already started (join handles,
    /// reply receivers)? Then the fan-out adds no concurrency.
    fn joins_started_work(&self, e: &syn::Expr, line: usize) -> bool {
        let (_, root) = method_chain(e);
        // `receivers.into_iter().map(|(addr, rx)| async move { convert(rx.await) })`:
        // whatever the closure does with the result, it waits for work
        // already sent.
        if let syn::Expr::Path(p) = strip_parens(strip_ref(root)) {
            if p.path
                .get_ident()
                .is_some_and(|i| names_started_work(&i.to_string()))
            {
                return true;
            }
        }
        if let Some(body) = per_item_closures(e).first() {
            return waits_only(body) || awaits_only_started_work(body);
        }
        let root = strip_parens(strip_ref(root));
        let syn::Expr::Path(p) = root else {
            return false;
        };
        let Some(name) = p.path.get_ident().map(|i| i.to_string()) else {
            return false;
        };
        if names_started_work(&name) {
            return true;
        }
        let pushed = self.locals().2.get(&name);
        let init = self.local_init(&name, line);
        pushed.is_some_and(|v| !v.is_empty() && v.iter().all(|x| waits_only(x)))
            || init.is_some_and(|i| {
                let (calls, _) = method_chain(i);
                calls.iter().any(|m| {
                    m.method == "map"
                        && matches!(m.args.first().map(strip_parens), Some(syn::Expr::Closure(c)) if waits_only(&c.body))
                })
            })
    }

    /// Does each future wait for a permit before its work, in the chain
    /// that makes them or in the `let` of the local that holds them?
    fn waits_for_permits(&self, items: &syn::Expr, line: usize) -> bool {
        let mut closures = per_item_closures(items);
        let (_, root) = method_chain(items);
        if let syn::Expr::Path(p) = strip_parens(strip_ref(root)) {
            if let Some(init) = p
                .path
                .get_ident()
                .and_then(|i| self.local_init(&i.to_string(), line))
            {
                closures.extend(per_item_closures(init));
            }
        }
        closures.into_iter().any(awaits_permit)
    }

    /// Are the items cut to a limit before the fan-out: `.take(LIMIT)` in
    /// the chain, or the local cut earlier in the function
    /// (`items.truncate(MAX)`, `items = items.get(0..MAX)..`)? Then their
    /// number is known.
    fn capped(&self, items: &syn::Expr, line: usize) -> bool {
        let (calls, root) = method_chain(items);
        if calls
            .iter()
            .any(|m| m.method == "take" && m.args.first().is_some_and(names_limit))
        {
            return true;
        }
        let (Some(block), syn::Expr::Path(p)) = (self.cur_block, strip_parens(strip_ref(root)))
        else {
            return false;
        };
        let Some(name) = p.path.get_ident().map(|i| i.to_string()) else {
            return false;
        };
        struct Cut<'n> {
            name: &'n str,
            line: usize,
            found: bool,
        }
        impl<'ast> Visit<'ast> for Cut<'_> {
            fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
                let on_name = matches!(strip_parens(&m.receiver), syn::Expr::Path(p) if p.path.is_ident(self.name));
                if on_name
                    && m.method == "truncate"
                    && Span::from(m.method.span()).start.line < self.line
                {
                    self.found = true;
                }
                syn::visit::visit_expr_method_call(self, m);
            }
            fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
                let on_name = matches!(strip_parens(&a.left), syn::Expr::Path(p) if p.path.is_ident(self.name));
                if on_name && Span::from(a.eq_token.span).start.line < self.line && cuts(&a.right) {
                    self.found = true;
                }
                syn::visit::visit_expr_assign(self, a);
            }
            fn visit_local(&mut self, l: &'ast syn::Local) {
                let binds = matches!(&l.pat, syn::Pat::Ident(pi) if pi.ident == self.name);
                if binds
                    && Span::from(l.let_token.span).start.line < self.line
                    && l.init.as_ref().is_some_and(|i| cuts(&i.expr))
                {
                    self.found = true;
                }
                syn::visit::visit_local(self, l);
            }
            fn visit_item(&mut self, _: &'ast syn::Item) {}
        }
        /// `x.get(0..MAX)`, `&x[..MAX]`, `x.into_iter().take(MAX)`.
        fn cuts(e: &syn::Expr) -> bool {
            struct Cuts(bool);
            impl<'ast> Visit<'ast> for Cuts {
                fn visit_expr(&mut self, x: &'ast syn::Expr) {
                    let limited_range = |r: &syn::Expr| matches!(strip_parens(r), syn::Expr::Range(r) if r.end.as_deref().is_some_and(names_limit));
                    self.0 |= match x {
                        syn::Expr::MethodCall(m) => {
                            (m.method == "get" && m.args.first().is_some_and(limited_range))
                                || (m.method == "take" && m.args.first().is_some_and(names_limit))
                        }
                        syn::Expr::Index(i) => limited_range(&i.index),
                        _ => false,
                    };
                    syn::visit::visit_expr(self, x);
                }
                fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
            }
            let mut c = Cuts(false);
            c.visit_expr(e);
            c.0
        }
        let mut cut = Cut {
            name: &name,
            line,
            found: false,
        };
        cut.visit_block(block);
        cut.found
    }

    /// `join_all(iter)` where `iter` is a parameter handed on unchanged: no
    /// per-item operation is visible here, the caller owns the count (a
    /// wrapper over the join).
    fn passes_parameter_through(&self, items: &syn::Expr) -> bool {
        let (calls, root) = method_chain(items);
        calls
            .iter()
            .all(|m| m.method == "into_iter" || m.method == "iter")
            && matches!(strip_parens(strip_ref(root)), syn::Expr::Path(p)
                if p.path.get_ident().is_some_and(|i| self.params.contains(&i.to_string())))
    }

    /// Reports a fan-out over `items` (with `each`, the closure a
    /// `for_each_concurrent` runs per item): `high` when the items come from
    /// input and each future visibly performs an operation, `low` when the
    /// items come from configuration or nowhere the source shows, or the
    /// per-item work shows no operation; nothing when the futures only join
    /// work already started or each takes a permit first.
    fn report_over(
        &mut self,
        items: &'ast syn::Expr,
        each: Option<&'ast syn::Expr>,
        span: Span,
        what: &str,
        why: &str,
    ) {
        let line = span.start.line;
        if self.joins_started_work(items, line)
            || self.waits_for_permits(items, line)
            || self.capped(items, line)
        {
            return;
        }
        let work = self.per_item_work(items, each, line);
        if work.iter().any(|w| self.takes_permit_in_helper(w)) {
            return;
        }
        let origin = self.origin(items, line, 0);
        let low = origin != Origin::Input
            || work.iter().any(|w| self.works_on_a_member(w, line))
            || sends_to_each_item(items)
            || self.passes_parameter_through(items)
            || !work
                .iter()
                .any(|w| self.performs_operation(w, self.items_are_clients(items)));
        self.report_with(span, what, why, low);
    }

    /// What the source shows of the future made for each item: the closures
    /// that map items to futures (in the chain, in the `let` of the local
    /// joined, or handed to `for_each_concurrent`), a function mapped by
    /// name (`.map(LenEntry::unref)`), and what is pushed into the local.
    fn per_item_work(
        &self,
        items: &'ast syn::Expr,
        each: Option<&'ast syn::Expr>,
        line: usize,
    ) -> Vec<ItemWork<'ast>> {
        let mut work = Vec::new();
        let mut chains = vec![items];
        let (_, mut root) = method_chain(items);
        // `stream::iter(urls.iter().map(..))`: the futures are made inside.
        if let syn::Expr::Call(c) = strip_parens(root) {
            let wraps = call_path(c)
                .and_then(last_segment)
                .is_some_and(|n| n == "iter" || n == "from_iter");
            if let (true, Some(inner)) = (wraps && c.args.len() == 1, c.args.first()) {
                chains.push(inner);
                root = method_chain(inner).1;
            }
        }
        if let syn::Expr::Path(p) = strip_parens(strip_ref(root)) {
            if let Some(name) = p.path.get_ident().map(|i| i.to_string()) {
                if let Some(init) = self.local_init(&name, line) {
                    chains.push(init);
                }
                for pushed in self.locals().2.get(&name).into_iter().flatten() {
                    work.push(ItemWork::Expr(pushed));
                }
            }
        }
        for chain in chains {
            let (calls, _) = method_chain(chain);
            for m in calls.iter().filter(|m| {
                matches!(
                    m.method.to_string().as_str(),
                    "map" | "filter_map" | "then" | "and_then"
                )
            }) {
                match m.args.first().map(strip_parens) {
                    Some(syn::Expr::Closure(c)) => work.push(ItemWork::Closure(c)),
                    Some(syn::Expr::Path(p)) => work.push(ItemWork::Function(&p.path)),
                    _ => {}
                }
            }
        }
        if let Some(syn::Expr::Closure(c)) = each.map(strip_parens) {
            work.push(ItemWork::Closure(c));
        }
        work
    }

    /// The current function's scope for the effect model.
    fn scope(&self) -> Scope<'ast> {
        match self.cur_block {
            Some(b) => Scope::of_fn(self.cur_sig, b, self.self_type.clone()),
            None => Scope::default(),
        }
    }

    fn effects(&self) -> &EffectModel<'ast> {
        self.effects
            .get_or_init(|| EffectModel::new(self.file, self.imports))
    }

    /// Does this per-item work visibly perform an operation (contract v2.0:
    /// `high` needs one)? A call the effect model shows as I/O, a client
    /// call, a process, .. does, and so does a call whose effect the file
    /// cannot judge and that is none of: a method of the item itself that
    /// names no service verb (`item.unref()`), a callback handed in as a
    /// parameter (`f(x)` with `f: F`), in-memory collection and value
    /// methods, or a function of this file whose own calls show none
    /// (followed two levels).
    fn performs_operation(&self, work: &ItemWork<'ast>, items_are_clients: bool) -> bool {
        let scope = self.scope();
        let fns = self.fns();
        let seen = &mut HashSet::new();
        match work {
            // `clients.iter().map(|c| c.quit())`: each item is a client, so
            // its methods are client calls.
            ItemWork::Closure(_) if items_are_clients => true,
            ItemWork::Closure(c) => {
                let item_names = closure_bindings(c);
                calls_in(&c.body)
                    .into_iter()
                    .any(|call| self.call_operates(call, &item_names, &scope, fns, 0, seen))
            }
            ItemWork::Expr(e) => calls_in(e)
                .into_iter()
                .any(|call| self.call_operates(call, &HashSet::new(), &scope, fns, 0, seen)),
            ItemWork::Function(path) => {
                let name = last_segment(path).unwrap_or_default();
                self.file_fn_operates(&name, fns, 0, seen)
            }
        }
    }

    /// Is the joined collection a parameter whose type names a client
    /// (`clients: Vec<Client>`, as the effect model names one)?
    fn items_are_clients(&self, items: &syn::Expr) -> bool {
        let (_, root) = method_chain(items);
        let syn::Expr::Path(p) = strip_parens(strip_ref(root)) else {
            return false;
        };
        let Some(name) = p.path.get_ident() else {
            return false;
        };
        self.cur_sig.is_some_and(|sig| {
            sig.inputs.iter().any(|arg| match arg {
                syn::FnArg::Typed(t) => {
                    matches!(&*t.pat, syn::Pat::Ident(i) if i.ident == *name)
                        && crate::syntax::any_ident(&t.ty, &mut |id| id.ends_with("Client"))
                }
                syn::FnArg::Receiver(_) => false,
            })
        })
    }

    /// Is each future made on a member the object already holds, looked up
    /// by the item and leaving when it is missing (`let relay =
    /// relays.get(&url).ok_or(NotFound)?; futs.push(relay.send(msg))` with
    /// `relays = self.relays.read().await`)? Then the members bound how many
    /// run at once, whatever the caller asks for: configuration-sized.
    fn works_on_a_member(&self, work: &ItemWork<'ast>, line: usize) -> bool {
        let ItemWork::Expr(e) = work else {
            return false;
        };
        let (_, root) = method_chain(e);
        let syn::Expr::Path(p) = strip_parens(strip_ref(root)) else {
            return false;
        };
        let Some(init) = p
            .path
            .get_ident()
            .and_then(|i| self.local_init(&i.to_string(), line))
        else {
            return false;
        };
        // The lookup must leave on a miss (`?`, or a panic), not default.
        let syn::Expr::Try(t) = strip_parens(init) else {
            return false;
        };
        let (calls, _) = method_chain(&t.expr);
        calls.iter().any(|m| {
            matches!(m.method.to_string().as_str(), "get" | "get_mut")
                && m.args.len() == 1
                && self.origin(&m.receiver, line, 1) == Origin::Config
        })
    }

    fn fns(&self) -> &origin_model::Fns<'ast> {
        self.fns
            .get_or_init(|| origin_model::Fns::collect(self.file))
    }

    /// Does one call of per-item work perform an operation? `items` are the
    /// names the closure binds for the item.
    fn call_operates(
        &self,
        call: &syn::Expr,
        items: &HashSet<String>,
        scope: &Scope<'ast>,
        fns: &origin_model::Fns<'ast>,
        depth: usize,
        seen: &mut HashSet<usize>,
    ) -> bool {
        match self.effects().verdict(call, scope) {
            Verdict::Effect { .. } => return true,
            Verdict::InMemory => return false,
            Verdict::Unknown => {}
        }
        match call {
            syn::Expr::MethodCall(m) => {
                let name = m.method.to_string();
                if IN_MEMORY_METHODS.contains(&name.as_str()) {
                    return false;
                }
                let receiver = strip_parens(strip_ref(&m.receiver));
                let on_item = matches!(receiver, syn::Expr::Path(p)
                    if p.path.get_ident().is_some_and(|i| items.contains(&i.to_string())));
                if on_item {
                    return names_service_verb(&name);
                }
                // A method the file defines (`self.get(..)`, `entry.unref()`
                // with `fn unref` here): what its body shows.
                self.file_fn_operates(&name, fns, depth, seen)
            }
            syn::Expr::Call(c) => {
                let Some(path) = call_path(c) else {
                    // `(self.callback)(x)`: a callback the site does not show.
                    return false;
                };
                let name = last_segment(path).unwrap_or_default();
                if let Some(id) = path.get_ident() {
                    let id = id.to_string();
                    // `f(x)` with `f` a parameter or the item: a callback.
                    if self.params.contains(&id) || items.contains(&id) {
                        return false;
                    }
                }
                if matches!(
                    name.as_str(),
                    "Ok" | "Err" | "Some" | "ready" | "from" | "default"
                ) {
                    return false;
                }
                let local = path.segments.len() == 1
                    || path.segments.first().is_some_and(|s| {
                        s.ident == "Self" || s.ident == "self" || s.ident == "crate"
                    });
                if local {
                    return self.file_fn_operates(&name, fns, depth, seen);
                }
                true
            }
            _ => false,
        }
    }

    /// A function of this file called by name: does its body operate? One
    /// not defined here is a call the file cannot judge, so it may.
    fn file_fn_operates(
        &self,
        name: &str,
        fns: &origin_model::Fns<'ast>,
        depth: usize,
        seen: &mut HashSet<usize>,
    ) -> bool {
        let defined = fns.named(name);
        if defined.is_empty() {
            return true;
        }
        defined
            .iter()
            .any(|f| self.body_operates(f, fns, depth + 1, seen))
    }

    fn body_operates(
        &self,
        f: &origin_model::FnBody<'ast>,
        fns: &origin_model::Fns<'ast>,
        depth: usize,
        seen: &mut HashSet<usize>,
    ) -> bool {
        // A function already followed adds nothing (`unref` calling the
        // inner value's `unref`).
        if !seen.insert(f.block as *const syn::Block as usize) {
            return false;
        }
        // Deeper than two levels the file stops telling: assume it may.
        if depth > 2 {
            return true;
        }
        let scope = Scope::of_fn(Some(f.sig), f.block, self.self_type.clone());
        calls_in_block(f.block)
            .into_iter()
            .any(|call| self.call_operates(call, &HashSet::new(), &scope, fns, depth, seen))
    }

    /// Does the per-item work call a function of this file that waits for a
    /// permit (`self.get_client()` taking `self.client_permits.acquire()`)?
    /// Then the permits bound how many run.
    fn takes_permit_in_helper(&self, work: &ItemWork<'ast>) -> bool {
        let fns = self.fns();
        let calls = match work {
            ItemWork::Closure(c) => calls_in(&c.body),
            ItemWork::Expr(e) => calls_in(e),
            ItemWork::Function(_) => return false,
        };
        calls
            .into_iter()
            .filter_map(file_fn_name)
            .any(|name| fns.named(&name).iter().any(|f| acquires_permit(f, fns, 1)))
    }

    fn report_with(&mut self, span: Span, what: &str, why: &str, low: bool) {
        self.sink.report(
            Finding::new(
                LINT.name,
                span,
                format!("unbounded fan-out: `{what}` {why}"),
            )
            .low_if(low)
            .label("every item is in flight at the same time")
            .help("bound the number in flight: `stream::iter(futures).buffer_unordered(LIMIT)` (or `.buffered(LIMIT)` to keep order)")
            .note("a large input becomes a burst of concurrent requests that exhausts connections and overloads the service behind them"),
        );
    }
}

/// What the source shows of the future made for each item of a fan-out.
enum ItemWork<'ast> {
    /// `.map(|item| async move { .. })`
    Closure(&'ast syn::ExprClosure),
    /// `.map(LenEntry::unref)`
    Function(&'ast syn::Path),
    /// `futs.push(client.get(url))`
    Expr(&'ast syn::Expr),
}

/// Methods of in-memory values and collections: they reach no service.
const IN_MEMORY_METHODS: &[&str] = &[
    "clone",
    "cloned",
    "copied",
    "to_owned",
    "to_string",
    "into",
    "as_ref",
    "as_mut",
    "borrow",
    "borrow_mut",
    "unwrap",
    "expect",
    "unwrap_or",
    "unwrap_or_default",
    "unwrap_or_else",
    "map_err",
    "ok",
    "err",
    "is_some",
    "is_none",
    "is_ok",
    "is_err",
    "len",
    "is_empty",
    "iter",
    "into_iter",
    "collect",
    "insert",
    "remove",
    "contains",
    "contains_key",
    "push",
    "extend",
    "entry",
    "or_default",
    "or_insert",
    "or_insert_with",
    "take",
    "replace",
    "inc",
    "add",
    "observe",
    "record",
];

/// A method named for an operation on a service: the item is a request,
/// a statement or a connection it sends or runs (`request.send()`).
fn names_service_verb(method: &str) -> bool {
    const VERBS: &[&str] = &[
        "send", "execute", "fetch", "query", "call", "connect", "request", "upload", "download",
        "get", "put", "post", "delete", "publish", "prepare", "lookup", "resolve", "open", "read",
        "write", "run", "invoke", "ping", "probe", "sync", "flush", "commit",
    ];
    VERBS
        .iter()
        .any(|v| method == *v || method.starts_with(&format!("{v}_")))
}

/// The names a closure binds for its item (`|(key, result)|` binds both).
fn closure_bindings(c: &syn::ExprClosure) -> HashSet<String> {
    fn bind(p: &syn::Pat, out: &mut HashSet<String>) {
        match p {
            syn::Pat::Ident(i) => {
                out.insert(i.ident.to_string());
            }
            syn::Pat::Tuple(t) => t.elems.iter().for_each(|e| bind(e, out)),
            syn::Pat::TupleStruct(t) => t.elems.iter().for_each(|e| bind(e, out)),
            syn::Pat::Reference(r) => bind(&r.pat, out),
            syn::Pat::Type(t) => bind(&t.pat, out),
            _ => {}
        }
    }
    let mut out = HashSet::new();
    c.inputs.iter().for_each(|p| bind(p, &mut out));
    out
}

/// Every call and method call in `e` (nested closures included), not in
/// macros.
fn calls_in(e: &syn::Expr) -> Vec<&syn::Expr> {
    let mut c = Calls(Vec::new());
    c.visit_expr(e);
    c.0
}

fn calls_in_block(b: &syn::Block) -> Vec<&syn::Expr> {
    let mut c = Calls(Vec::new());
    c.visit_block(b);
    c.0
}

struct Calls<'a>(Vec<&'a syn::Expr>);

impl<'a> Visit<'a> for Calls<'a> {
    fn visit_expr(&mut self, e: &'a syn::Expr) {
        if matches!(e, syn::Expr::Call(_) | syn::Expr::MethodCall(_)) {
            self.0.push(e);
        }
        syn::visit::visit_expr(self, e);
    }
    fn visit_item(&mut self, _: &'a syn::Item) {}
}

/// The name of the file's function a call may name: `self.f(..)`, `f(..)`,
/// `Self::f(..)`.
fn file_fn_name(call: &syn::Expr) -> Option<String> {
    match call {
        syn::Expr::MethodCall(m) => {
            matches!(strip_parens(&m.receiver), syn::Expr::Path(p) if p.path.is_ident("self"))
                .then(|| m.method.to_string())
        }
        syn::Expr::Call(c) => {
            let path = call_path(c)?;
            let local = path.segments.len() == 1
                || path.segments.first().is_some_and(|s| s.ident == "Self");
            local.then(|| last_segment(path)).flatten()
        }
        _ => None,
    }
}

/// Does `f` wait for a semaphore permit (`self.permits.acquire_owned().await`,
/// `let _permit = permit_rx.await`), itself or through the file's functions
/// it calls (one level more)?
fn acquires_permit(f: &origin_model::FnBody, fns: &origin_model::Fns, depth: usize) -> bool {
    let calls = calls_in_block(f.block);
    let acquires = calls.iter().any(|c| {
        matches!(c, syn::Expr::MethodCall(m) if matches!(
            m.method.to_string().as_str(),
            "acquire" | "acquire_owned" | "acquire_many" | "acquire_many_owned"
        ))
    });
    if acquires {
        return true;
    }
    depth < 2
        && calls.into_iter().filter_map(file_fn_name).any(|name| {
            fns.named(&name)
                .iter()
                .any(|g| !std::ptr::eq(g.block, f.block) && acquires_permit(g, fns, depth + 1))
        })
}

/// Methods that walk, copy or convert the collection they are called on,
/// rather than read something an object holds.
fn walks_itself(method: &str) -> bool {
    matches!(
        method,
        "iter"
            | "iter_mut"
            | "drain"
            | "values"
            | "keys"
            | "values_mut"
            | "chunks"
            | "windows"
            | "lines"
            | "split"
            | "bytes"
            | "chars"
            | "clone"
            | "cloned"
            | "copied"
            | "to_vec"
            | "to_owned"
            | "unwrap"
            | "expect"
            | "unwrap_or_default"
    ) || method.starts_with("into_")
        || method.starts_with("as_")
}

/// An awaited or reading expression whose origin [`Visitor::origin`] reads
/// from what it resolves, joins or guards, not from the `.await`.
fn origin_shown(e: &syn::Expr) -> bool {
    origin_model::resolves_names(e) || joined_items(e).is_some() || guards_self_state(e)
}

/// The items of an awaited join (`join_all(targets.iter().map(..)).await`):
/// its results are one per item.
fn joined_items(e: &syn::Expr) -> Option<&syn::Expr> {
    let (_, root) = method_chain(e);
    let syn::Expr::Call(c) = strip_parens(root) else {
        return None;
    };
    let name = call_path(c).and_then(last_segment)?;
    (matches!(name.as_str(), "join_all" | "try_join_all") && c.args.len() == 1).then(|| &c.args[0])
}

/// Every `.await` of a per-item future waits for work already started: a
/// call handed a join handle or receiver (`drain_handle(entry.writer_handle.take(), deadline)`),
/// a `recv()`, or the handle itself. Closing things and waiting for them
/// adds no concurrency.
fn awaits_only_started_work(body: &syn::Expr) -> bool {
    struct Awaits<'a>(Vec<&'a syn::Expr>);
    impl<'a> Visit<'a> for Awaits<'a> {
        fn visit_expr_await(&mut self, a: &'a syn::ExprAwait) {
            self.0.push(&a.base);
            syn::visit::visit_expr_await(self, a);
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
    }
    let mut awaits = Awaits(Vec::new());
    awaits.visit_expr(body);
    !awaits.0.is_empty()
        && awaits.0.iter().all(|base| match strip_parens(base) {
            syn::Expr::Call(c) => c.args.iter().any(started_value),
            syn::Expr::MethodCall(m)
                if matches!(
                    m.method.to_string().as_str(),
                    "recv" | "recv_async" | "changed" | "join"
                ) =>
            {
                true
            }
            other => started_value(other),
        })
}

/// A join handle or receiver, named so and possibly taken out of its place
/// (`entry.writer_handle.take()`, `rx`).
fn started_value(e: &syn::Expr) -> bool {
    let (_, root) = method_chain(e);
    match strip_parens(strip_ref(root)) {
        syn::Expr::Path(p) => p
            .path
            .get_ident()
            .is_some_and(|i| names_started_work(&i.to_string())),
        syn::Expr::Field(f) => {
            matches!(&f.member, syn::Member::Named(n) if names_started_work(&n.to_string()))
        }
        _ => false,
    }
}

/// Does the closure that makes each future wait for a permit before its
/// work (`let permit = permit_rx.await;`)? Then the permits bound how many
/// run, whatever the join does.
fn awaits_permit(closure_body: &syn::Expr) -> bool {
    struct P(bool);
    impl<'a> Visit<'a> for P {
        fn visit_expr_await(&mut self, a: &'a syn::ExprAwait) {
            self.0 |= crate::syntax::any_ident(&a.base, &mut |id| {
                id.to_ascii_lowercase().contains("permit")
            });
            syn::visit::visit_expr_await(self, a);
        }
    }
    let mut p = P(false);
    p.visit_expr(closure_body);
    p.0
}

/// The bodies of the closures that make the futures: `.map(|x| ..)`,
/// `.then(..)`, `.filter_map(..)` in the chain.
fn per_item_closures(e: &syn::Expr) -> Vec<&syn::Expr> {
    let (calls, _) = method_chain(e);
    calls
        .iter()
        .filter(|m| matches!(m.method.to_string().as_str(), "map" | "filter_map" | "then"))
        .filter_map(|m| match m.args.first().map(strip_parens) {
            Some(syn::Expr::Closure(c)) => Some(&*c.body),
            _ => None,
        })
        .collect()
}

/// Where a fan-out's items come from (contract v2.0): input (a parameter,
/// the result of a read, query, decoding or an awaited call) makes a
/// finding `high`; configuration (a field of `self` or of a configuration,
/// pool, topology, cluster or registry object) or an origin the source does
/// not show makes it `low`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Input,
    Config,
    Unknown,
}

fn strip_ref(e: &syn::Expr) -> &syn::Expr {
    match strip_parens(e) {
        syn::Expr::Reference(r) => strip_ref(&r.expr),
        other => other,
    }
}

/// `self`, `self.cluster`, `config`, `opts.pool`: an object whose members
/// configuration sets.
fn names_configuration(e: &syn::Expr) -> bool {
    crate::syntax::any_ident(e, &mut |id| {
        id == "self" || crate::syntax::names_configuration(id)
    })
}

/// `subscribers.iter().map(|tx| tx.send(event))`: the future joined for
/// each item is a send on the item's own channel, in memory, not an
/// operation that reaches a service (contract v2.0: `high` needs one).
/// What the closure computes before (the message) does not change that.
fn sends_to_each_item(items: &syn::Expr) -> bool {
    let (calls, _) = method_chain(items);
    calls
        .iter()
        .filter(|m| matches!(m.method.to_string().as_str(), "map" | "then"))
        .filter_map(|m| match m.args.first().map(strip_parens) {
            Some(syn::Expr::Closure(c)) => Some(c),
            _ => None,
        })
        .any(|c| {
            let Some(syn::Pat::Ident(param)) = c.inputs.first() else {
                return false;
            };
            let tail = match strip_parens(&c.body) {
                syn::Expr::Block(b) => match b.block.stmts.last() {
                    Some(syn::Stmt::Expr(e, None)) => e,
                    _ => return false,
                },
                e => e,
            };
            matches!(strip_parens(tail), syn::Expr::MethodCall(m)
                if crate::sender_model::SEND_METHODS.contains(&m.method.to_string().as_str())
                    && matches!(strip_parens(&m.receiver), syn::Expr::Path(p) if p.path.is_ident(&param.ident)))
        })
}

/// A type naming the members of a configured set among its path segments
/// (`HashMap<Server, Connection>`, `&[Node]`).
fn type_names_member_set(ty: &syn::Type) -> bool {
    struct Members(bool);
    impl<'ast> Visit<'ast> for Members {
        fn visit_path_segment(&mut self, s: &'ast syn::PathSegment) {
            self.0 |= names_member_set(&s.ident.to_string());
            syn::visit::visit_path_segment(self, s);
        }
    }
    let mut m = Members(false);
    m.visit_type(ty);
    m.0
}

/// A limit: a number, a constant (`FETCH_LIMIT_MAX`), or a value named for
/// one (`fetch_limit`, `max_items`, `self.batch_size`).
fn names_limit(e: &syn::Expr) -> bool {
    if crate::syntax::int_literal(e).is_some() {
        return true;
    }
    let mut found = false;
    crate::syntax::any_ident(e, &mut |id| {
        let lower = id.to_ascii_lowercase();
        found = (id.len() > 1
            && id
                .chars()
                .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit()))
            || ["limit", "max", "cap", "batch", "chunk", "size"]
                .iter()
                .any(|w| lower.contains(w));
        found
    });
    found
}

/// A future that only waits for work already running: a join handle, a
/// receiver, `rx.recv()`.
fn waits_only(e: &syn::Expr) -> bool {
    let mut spawns = false;
    crate::syntax::any_ident(e, &mut |id| {
        if id.contains("spawn") || id == "JoinHandle" {
            spawns = true;
        }
        false
    });
    if spawns {
        return true;
    }
    match strip_parens(e) {
        syn::Expr::Path(p) => p
            .path
            .get_ident()
            .is_some_and(|i| names_started_work(&i.to_string())),
        syn::Expr::MethodCall(m) => matches!(
            m.method.to_string().as_str(),
            "recv" | "recv_async" | "changed" | "join"
        ),
        syn::Expr::Block(b) => b.block.stmts.last().is_some_and(|s| match s {
            syn::Stmt::Expr(e, None) => waits_only(e),
            _ => false,
        }),
        _ => false,
    }
}

/// Names of join handles and receivers: `handles`, `join_handles`, `tasks`,
/// `receivers`, `rxs`, `rx`.
fn names_started_work(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("handle")
        || n.contains("receiver")
        || n == "tasks"
        || n.ends_with("_tasks")
        || n == "rx"
        || n == "rxs"
        || n.ends_with("_rx")
        || n.ends_with("_rxs")
        || n.ends_with("waiters")
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
    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        let saved = std::mem::replace(&mut self.self_type, crate::callgraph::type_name(&i.self_ty));
        syn::visit::visit_item_impl(self, i);
        self.self_type = saved;
    }
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
                            self.report_over(
                                &m.receiver,
                                None,
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
                        self.report_over(
                            &c.args[0],
                            None,
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
                    self.report_over(
                        &c.args[0],
                        None,
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
                self.report_over(
                    &m.receiver,
                    m.args.iter().nth(1),
                    span,
                    &name,
                    "with no limit (`None` or 0) runs every item of the stream at once",
                );
            }
            "buffer_unordered" | "buffered" if m.args.first().is_some_and(is_max) => {
                self.report_over(
                    &m.receiver,
                    None,
                    span,
                    &name,
                    "with `usize::MAX` is no limit: every item of the stream runs at once",
                );
            }
            "collect"
                if turbofish_names(m, "FuturesUnordered")
                    && !self.fixed_size(&m.receiver, span.start.line, 0) =>
            {
                self.report_over(
                    &m.receiver,
                    None,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Confidence;

    /// The line and confidence of each finding in `src`.
    fn findings(src: &str) -> Vec<(usize, Confidence)> {
        crate::rules::finding_lines(src, check)
    }

    #[test]
    fn per_item_work_without_an_operation_is_low() {
        // Callbacks handed in, and a method of the item the file defines
        // with no operation in its body.
        let callbacks = "async fn f<F: Fn(u64) -> Fut>(ids: Vec<u64>, cb: F) {\n\
            join_all(ids.into_iter().map(|id| async move { cb(id).await })).await; }";
        assert_eq!(findings(callbacks), vec![(2, Confidence::Low)]);
        let unref = "impl E { async fn unref(&self) { self.count.fetch_sub(1); } }\n\
            async fn f(items: Vec<E>) {\n\
            join_all(items.iter().map(|item| async move { item.unref().await })).await; }";
        assert_eq!(findings(unref), vec![(3, Confidence::Low)]);
        let mapped = "impl E { async fn unref(&self) { self.as_ref().unref().await } }\n\
            async fn f(items: Vec<E>) { join_all(items.iter().map(E::unref)).await; }";
        assert_eq!(findings(mapped), vec![(2, Confidence::Low)]);
        // Near misses: a service call, a helper of the file that makes one,
        // a method of an item that is a client.
        let fetch = "async fn f(c: &Store, ids: Vec<u64>) {\n\
            join_all(ids.into_iter().map(|id| async move { c.fetch(id).await })).await; }";
        assert_eq!(findings(fetch), vec![(2, Confidence::High)]);
        let helper = "use reqwest::Client;\n\
            impl S { async fn load(&self, id: u64) { self.http.get(id).send().await } }\n\
            impl S { async fn f(&self, ids: Vec<u64>) {\n\
            join_all(ids.into_iter().map(|id| self.load(id))).await; } }";
        assert_eq!(findings(helper), vec![(4, Confidence::High)]);
        let clients = "async fn f(clients: Vec<Client>) {\n\
            join_all(clients.iter().map(|c| c.quit())).await; }";
        assert_eq!(findings(clients), vec![(2, Confidence::High)]);
    }

    #[test]
    fn a_future_per_member_looked_up_by_the_item_is_low() {
        let pool = |lookup: &str| {
            format!(
                "impl P {{ async fn f(&self, ids: Vec<u64>) -> R {{ let relays = self.relays.read().await; \
                 let mut futs = Vec::new(); for id in ids {{ let relay = {lookup}; futs.push(relay.send(m)); }}\n\
                 join_all(futs).await; Ok(()) }} }}"
            )
        };
        assert_eq!(
            findings(&pool("relays.get(&id).ok_or(E::Missing)?")),
            vec![(2, Confidence::Low)]
        );
        // A miss that does not leave, or a lookup in what the caller passed.
        assert_eq!(
            findings(&pool(
                "relays.get(&id).cloned().unwrap_or_else(|| dial(id))"
            )),
            vec![(2, Confidence::High)]
        );
        let given = "impl P { async fn f(&self, ids: Vec<u64>, lookup: Lookup) -> R { \
            let mut futs = Vec::new(); for id in ids { let c = lookup.get(&id).ok_or(E::Missing)?; futs.push(c.send(m)); }\n\
            join_all(futs).await; Ok(()) } }";
        assert_eq!(findings(given), vec![(2, Confidence::High)]);
    }

    #[test]
    fn futures_made_elsewhere_show_no_operation() {
        let moved = "async fn f(keys: Vec<u64>, m: &Map) {\n\
            let mut futs = Vec::new();\n\
            for k in keys { let (_, fs) = m.evict(k); futs.extend(fs); }\n\
            join_all(futs).await; }";
        assert_eq!(findings(moved), vec![(4, Confidence::Low)]);
        let made = "async fn f(keys: Vec<u64>, m: &Map) {\n\
            let mut futs = Vec::new();\n\
            for k in keys { futs.push(m.evict(k)); }\n\
            join_all(futs).await; }";
        assert_eq!(findings(made), vec![(4, Confidence::High)]);
    }

    #[test]
    fn a_permit_taken_in_a_helper_bounds_the_fan_out() {
        let helper = "impl S {\n\
            async fn client(&self) -> C { let p = self.client_permits.acquire_owned().await; self.pool.get().await }\n\
            async fn f(&self, keys: Vec<u64>) {\n\
            join_all(keys.iter().map(|k| async move { let c = self.client().await; c.query(k).await })).await; } }";
        assert!(findings(helper).is_empty());
        let no_permit = "impl S {\n\
            async fn client(&self) -> C { self.pool.get().await }\n\
            async fn f(&self, keys: Vec<u64>) {\n\
            join_all(keys.iter().map(|k| async move { let c = self.client().await; c.query(k).await })).await; } }";
        assert_eq!(findings(no_permit), vec![(4, Confidence::High)]);
    }

    #[test]
    fn futures_that_only_wait_for_started_tasks() {
        let waits = "async fn f(entries: Vec<Entry>) {\n\
            join_all(entries.into_iter().map(|mut e| async move {\n\
            e.tx.close(); drain(e.reader_handle.take(), D).await })).await; }";
        assert!(findings(waits).is_empty());
        let works = "async fn f(entries: Vec<Entry>) {\n\
            join_all(entries.into_iter().map(|mut e| async move {\n\
            e.tx.close(); e.client.handle_request(D).await })).await; }";
        assert_eq!(findings(works), vec![(2, Confidence::High)]);
    }

    #[test]
    fn futures_that_wait_for_a_permit_first() {
        let permitted = "async fn f(c: &Client, items: Vec<Item>, permits: Vec<P>) {\n\
            let futs: Vec<_> = items.iter().zip(permits).map(|(i, search_permit)| async move {\n\
            let _p = search_permit.await; c.get(i).await }).collect();\n\
            join_all(futs).await; }";
        assert!(findings(permitted).is_empty());
        let near = "async fn f(c: &Client, items: Vec<Item>, tokens: Vec<P>) {\n\
            let futs: Vec<_> = items.iter().zip(tokens).map(|(i, token)| async move {\n\
            let _t = token.await; c.get(i).await }).collect();\n\
            join_all(futs).await; }";
        assert_eq!(findings(near), vec![(4, Confidence::High)]);
    }

    #[test]
    fn the_results_of_a_join_keep_its_items_origin() {
        let partitions = "async fn f(s: &Shard, partition_ids: Vec<u32>) {\n\
            let results = join_all(partition_ids.iter().map(|p| s.read(*p))).await;\n\
            let mut clears = Vec::new();\n\
            for (p, stale) in results { clears.push(s.clear(p)); }\n\
            join_all(clears).await; }";
        assert_eq!(
            findings(partitions),
            vec![(2, Confidence::Low), (5, Confidence::Low)]
        );
        let requests = "async fn f(s: &Shard, ids: Vec<u32>) {\n\
            let results = join_all(ids.iter().map(|p| s.read(*p))).await;\n\
            let mut clears = Vec::new();\n\
            for (p, stale) in results { clears.push(s.clear(p)); }\n\
            join_all(clears).await; }";
        assert_eq!(
            findings(requests),
            vec![(2, Confidence::High), (5, Confidence::High)]
        );
    }

    #[test]
    fn a_guard_on_own_state_is_configuration() {
        let own = "impl M { async fn f(&self) {\n\
            let g = self.state.read().await;\n\
            let ids: Vec<u64> = g.indexes.keys().copied().collect();\n\
            join_all(ids.into_iter().map(|id| self.get(id))).await; } }";
        assert_eq!(findings(own), vec![(4, Confidence::Low)]);
        let read = "impl M { async fn f(&self) {\n\
            let g = self.store.read_all().await;\n\
            let ids: Vec<u64> = g.indexes.keys().copied().collect();\n\
            join_all(ids.into_iter().map(|id| self.get(id))).await; } }";
        assert_eq!(findings(read), vec![(4, Confidence::High)]);
    }

    #[test]
    fn a_parameter_filled_by_every_caller_from_own_state() {
        let drained = "impl W { fn flush(&mut self) { let t = self.pending.drain().collect(); self.trim(t); }\n\
            async fn trim(&self, t: Vec<Req>) {\n\
            join_all(t.into_iter().map(|r| self.store.trim(r))).await; } }";
        assert_eq!(findings(drained), vec![(3, Confidence::Low)]);
        let decoded =
            "impl W { fn flush(&mut self, b: &[u8]) { let t = decode(b); self.trim(t); }\n\
            async fn trim(&self, t: Vec<Req>) {\n\
            join_all(t.into_iter().map(|r| self.store.trim(r))).await; } }";
        assert_eq!(findings(decoded), vec![(3, Confidence::High)]);
    }

    #[test]
    fn a_loop_nested_in_a_loop_over_input_is_input() {
        let nested = "async fn f(searcher: &Searcher, fields: &HashSet<Field>) {\n\
            let mut futs = Vec::new();\n\
            for field in fields { for seg in searcher.segment_readers() { futs.push(warm(seg, field)); } }\n\
            try_join_all(futs).await; }";
        assert_eq!(findings(nested), vec![(4, Confidence::High)]);
        let schema = "async fn f(searcher: &Searcher) {\n\
            let mut futs = Vec::new();\n\
            for field in searcher.schema().fields() { for seg in searcher.segment_readers() { futs.push(warm(seg, field)); } }\n\
            try_join_all(futs).await; }";
        assert_eq!(findings(schema), vec![(4, Confidence::Low)]);
    }

    #[test]
    fn one_future_per_member_group() {
        let grouped = "async fn f(&self, ops: &[Op]) {\n\
            let plan = plan(ops, self.servers.len());\n\
            let mut batches = Vec::new();\n\
            for (server, ids) in plan.groups.iter().enumerate() { batches.push(self.send(server, ids)); }\n\
            join_all(batches).await; }";
        assert_eq!(findings(grouped), vec![(5, Confidence::Low)]);
        let per_op = "async fn f(&self, ops: &[Op]) {\n\
            let plan = plan(ops, self.servers.len());\n\
            let mut batches = Vec::new();\n\
            for (index, ids) in plan.groups.iter().enumerate() { batches.push(self.send(index, ids)); }\n\
            join_all(batches).await; }";
        assert_eq!(findings(per_op), vec![(5, Confidence::High)]);
    }

    #[test]
    fn addresses_are_no_configuration_for_a_fan_out() {
        let docs = "async fn fetch(s: &Store, doc_addrs: Vec<Addr>) {\n\
            join_all(doc_addrs.iter().map(|a| s.get(a))).await; }\n\
            pub async fn fetch_all(s: &Store, hits: Vec<Hit>) {\n\
            let doc_addrs = hits.iter().map(to_addr).collect(); fetch(s, doc_addrs).await; }";
        assert_eq!(findings(docs), vec![(2, Confidence::High)]);
    }

    #[test]
    fn a_parameter_handed_on_unchanged_is_low() {
        let wrapper = "pub fn all<I: IntoIterator>(iter: I) -> JoinAll<I::Item> {\n\
            join_all(iter) }";
        assert_eq!(findings(wrapper), vec![(2, Confidence::Low)]);
        let mapped = "pub async fn all(c: &Client, urls: Vec<Url>) {\n\
            join_all(urls.into_iter().map(|u| c.get(u))).await; }";
        assert_eq!(findings(mapped), vec![(2, Confidence::High)]);
    }

    #[test]
    fn resolved_records_and_getters_on_a_parameter() {
        let srv = "async fn f(r: &Resolver, name: &str) {\n\
            let urls: Vec<Url> = r.srv_lookup(name).await.unwrap().iter().map(url).collect();\n\
            join_all(urls.into_iter().map(connect)).await; }";
        // `map(connect)` has no closure: still a fan-out over the records.
        assert_eq!(findings(srv), vec![(3, Confidence::Low)]);
        let getter = "async fn f(searcher: &Searcher) {\n\
            let mut futs = Vec::new();\n\
            for seg in searcher.segment_readers() { futs.push(warm(seg)); }\n\
            try_join_all(futs).await; }";
        assert_eq!(findings(getter), vec![(4, Confidence::Low)]);
        let field = "async fn f(req: &Request) {\n\
            let mut futs = Vec::new();\n\
            for seg in req.segments.iter() { futs.push(warm(seg)); }\n\
            try_join_all(futs).await; }";
        assert_eq!(findings(field), vec![(4, Confidence::High)]);
    }
}
