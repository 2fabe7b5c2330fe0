//! Where a collection that a loop spawns over, or a fan-out joins, comes
//! from: configuration or input (contract v2.0, `unbounded_spawn` and
//! `unbounded_fan_out`).
//!
//! A set whose size configuration decides (a field of `self` or of a
//! configuration, pool, topology or registry object, the members a
//! deployment lists, one host's resolved addresses) makes a finding `low`.
//! The model follows a local back to where it was bound or filled, looks
//! through `match`/`?`/`.await`, judges a value computed from configuration
//! alone as configuration, and judges a parameter of a function that is not
//! public by what every call of it in the file passes.

use crate::syntax::{call_path, last_segment, method_chain, strip_await_try, strip_parens};
use syn::visit::Visit;

/// Verbs of a call that brings input in from outside, shared by the
/// origin of a value (`let rows = db.query(..)`) and a loop taking its next
/// piece of input (`rx.recv()`).
pub const READ_VERBS: &[&str] = &["read", "recv", "receive", "query", "fetch", "list"];

/// How far locals, loops and callers are followed.
const MAX_DEPTH: usize = 5;

/// The words of one camel-case part of a name (`NodeId` -> `node`, `id`),
/// lower-cased.
fn camel_words(part: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for ch in part.chars() {
        if ch.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        cur.push(ch.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// A name for the members of a configured set: nodes, pooled connections,
/// peers, servers, shards, plugins, cache levels, ingresses and listeners
/// (`node_ids`, `backends`). A camel-case name names one when its last word
/// does, or it is a member's identity (`NodeId`, `ServerKey`): the head noun,
/// not a qualifier (`ServerRequest` is a request).
pub fn names_member_set(name: &str) -> bool {
    const MEMBERS: &[&str] = &[
        "node",
        "conn",
        "connection",
        "peer",
        "server",
        "shard",
        "replica",
        "relay",
        "member",
        "plugin",
        "level",
        "port",
        "endpoint",
        "broker",
        "partition",
        "backend",
        "upstream",
        "ingress",
        "listener",
    ];
    let member = |word: &str| {
        let singular = word
            .strip_suffix("es")
            .filter(|s| MEMBERS.contains(s))
            .or_else(|| word.strip_suffix('s'))
            .unwrap_or(word);
        MEMBERS.contains(&singular)
    };
    name.split('_')
        .any(|part| match camel_words(part).as_slice() {
            [] => false,
            [word] => member(word),
            [.., qualifier, last] => {
                member(last)
                    || (matches!(last.as_str(), "id" | "ids" | "key" | "name" | "addr")
                        && member(qualifier))
            }
        })
}

/// Queries that list a service's configured or discovered members
/// (`all_stores()`, `cluster.nodes()`, `get_backends()`): their size is the
/// deployment's, not the input's.
pub fn lists_members(call: &str) -> bool {
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

/// Name resolution of one host or service (`lookup_host`, `srv_lookup`,
/// `to_socket_addrs`): its answers are the deployment's addresses.
pub fn resolves_names(e: &syn::Expr) -> bool {
    crate::syntax::any_ident(e, &mut |id| {
        matches!(
            id,
            "lookup_host"
                | "to_socket_addrs"
                | "lookup_ip"
                | "resolve"
                | "srv_lookup"
                | "ipv4_lookup"
                | "ipv6_lookup"
        )
    })
}

/// A map keyed by a member of a configured set (`HashMap<NodeId, Vec<_>>`):
/// it holds at most one entry per member.
pub fn keyed_by_member(ty: &syn::Type) -> bool {
    let syn::Type::Path(p) = ty else {
        return false;
    };
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    if !last.ident.to_string().ends_with("Map") {
        return false;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return false;
    };
    let key = args.args.iter().find_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    });
    key.is_some_and(|k| crate::syntax::any_ident(k, &mut |id| names_member_set(id)))
}

/// An expression rooted in configuration: a field of `self` or of an object
/// named for configuration; with `addresses`, also one named for addresses
/// (`addrs`: a failover pass over one host's, for `unbounded_spawn`).
pub fn configured_root(root: &syn::Expr, addresses: bool) -> bool {
    let configured = |id: &str| {
        id == "self"
            || crate::syntax::names_configuration(id)
            || (addresses && (id.ends_with("addrs") || id.ends_with("addresses")))
    };
    match strip_ref(root) {
        r @ syn::Expr::Field(_) => crate::syntax::any_ident(r, &mut |id| configured(id)),
        syn::Expr::Path(p) => p
            .path
            .get_ident()
            .is_some_and(|i| configured(&i.to_string())),
        _ => false,
    }
}

fn strip_ref(e: &syn::Expr) -> &syn::Expr {
    match strip_parens(e) {
        syn::Expr::Reference(r) => strip_ref(&r.expr),
        other => other,
    }
}

/// A function of the file: its signature and body, whether it is public
/// (callable from anywhere: its callers are not all in sight).
#[derive(Clone, Copy)]
pub struct FnBody<'a> {
    pub sig: &'a syn::Signature,
    pub block: &'a syn::Block,
    pub public: bool,
}

/// Every function and method of a file, to find the callers of one.
pub struct Fns<'a> {
    fns: Vec<FnBody<'a>>,
}

impl<'a> Fns<'a> {
    pub fn collect(file: &'a syn::File) -> Self {
        struct C<'a> {
            fns: Vec<FnBody<'a>>,
            in_trait_impl: bool,
        }
        impl<'a> Visit<'a> for C<'a> {
            fn visit_item_fn(&mut self, f: &'a syn::ItemFn) {
                self.fns.push(FnBody {
                    sig: &f.sig,
                    block: &f.block,
                    public: matches!(f.vis, syn::Visibility::Public(_)),
                });
                syn::visit::visit_item_fn(self, f);
            }
            fn visit_impl_item_fn(&mut self, f: &'a syn::ImplItemFn) {
                // A trait's methods are called through the trait, from
                // anywhere: their callers are not all in sight.
                self.fns.push(FnBody {
                    sig: &f.sig,
                    block: &f.block,
                    public: self.in_trait_impl || matches!(f.vis, syn::Visibility::Public(_)),
                });
                syn::visit::visit_impl_item_fn(self, f);
            }
            fn visit_item_impl(&mut self, i: &'a syn::ItemImpl) {
                let saved = std::mem::replace(&mut self.in_trait_impl, i.trait_.is_some());
                syn::visit::visit_item_impl(self, i);
                self.in_trait_impl = saved;
            }
        }
        let mut c = C {
            fns: Vec::new(),
            in_trait_impl: false,
        };
        c.visit_file(file);
        Fns { fns: c.fns }
    }

    /// The functions of the file named `name` (of any `impl`).
    pub fn named(&self, name: &str) -> Vec<FnBody<'a>> {
        self.fns
            .iter()
            .filter(|f| f.sig.ident == name)
            .copied()
            .collect()
    }

    /// The function whose body is `block`.
    pub fn by_block(&self, block: &syn::Block) -> Option<FnBody<'a>> {
        self.fns
            .iter()
            .find(|f| std::ptr::eq(f.block, block))
            .copied()
    }

    /// The argument passed for parameter `index` (not counting `self`) at
    /// every call of `f` in the file, with the caller.
    fn call_args(&self, f: FnBody<'a>, index: usize) -> Vec<(FnBody<'a>, &'a syn::Expr)> {
        let name = f.sig.ident.to_string();
        let method = f.sig.receiver().is_some();
        let arity = f
            .sig
            .inputs
            .iter()
            .filter(|a| matches!(a, syn::FnArg::Typed(_)))
            .count();
        struct Calls<'a, 'n> {
            name: &'n str,
            method: bool,
            arity: usize,
            index: usize,
            args: Vec<&'a syn::Expr>,
        }
        impl<'a> Visit<'a> for Calls<'a, '_> {
            fn visit_expr_call(&mut self, c: &'a syn::ExprCall) {
                if !self.method
                    && c.args.len() == self.arity
                    && call_path(c).and_then(last_segment).as_deref() == Some(self.name)
                {
                    self.args.extend(c.args.iter().nth(self.index));
                }
                syn::visit::visit_expr_call(self, c);
            }
            fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
                // `self.name(..)`: another receiver's method of that name is
                // another function.
                let on_self = matches!(strip_parens(&m.receiver), syn::Expr::Path(p) if p.path.is_ident("self"));
                if self.method && on_self && m.args.len() == self.arity && m.method == self.name {
                    self.args.extend(m.args.iter().nth(self.index));
                }
                syn::visit::visit_expr_method_call(self, m);
            }
            fn visit_item(&mut self, _: &'a syn::Item) {}
        }
        let mut out = Vec::new();
        for caller in &self.fns {
            let mut c = Calls {
                name: &name,
                method,
                arity,
                index,
                args: Vec::new(),
            };
            c.visit_block(caller.block);
            out.extend(c.args.into_iter().map(|a| (*caller, a)));
        }
        out
    }
}

/// Is the collection `e`, read in function `body`, a set whose size
/// configuration decides? `addresses`: see [`configured_root`].
pub fn configured_set(fns: &Fns, body: FnBody, e: &syn::Expr, addresses: bool) -> bool {
    Judge { fns, addresses }.configured_at(body, e, 0)
}

struct Judge<'f, 'a> {
    fns: &'f Fns<'a>,
    addresses: bool,
}

impl<'a> Judge<'_, 'a> {
    fn configured_at(&self, body: FnBody<'a>, e: &syn::Expr, depth: usize) -> bool {
        let fns = self.fns;
        if depth > MAX_DEPTH {
            return false;
        }
        let e = strip_ref(strip_await_try(e));
        // `match self.deps.topological_sort() { Ok(order) => order, Err(..) => exit() }`
        if let syn::Expr::Match(m) = e {
            return self.configured_at(body, &m.expr, depth + 1);
        }
        if resolves_names(e) {
            return true;
        }
        let (calls, root) = method_chain(e);
        if calls.iter().any(|c| lists_members(&c.method.to_string())) {
            return true;
        }
        let root = strip_ref(root);
        if configured_root(root, self.addresses) {
            return true;
        }
        match root {
            syn::Expr::Path(p) => {
                let Some(name) = p.path.get_ident().map(|i| i.to_string()) else {
                    return false;
                };
                if let Some((index, ty)) = param_of(body.sig, &name) {
                    return keyed_by_member(ty)
                        || (!body.public && {
                            let args = fns.call_args(body, index);
                            !args.is_empty()
                                && args
                                    .iter()
                                    .all(|(caller, a)| self.configured_at(*caller, a, depth + 1))
                        });
                }
                if let Some(fills) = fills(body.block, &name) {
                    return fills.iter().all(|loops| {
                        loops
                            .iter()
                            .any(|iter| self.configured_at(body, iter, depth + 1))
                    });
                }
                let bindings = bindings(body.block, &name);
                !bindings.is_empty()
                    && bindings.iter().all(|b| match b {
                        Binding::Typed(ty) if keyed_by_member(ty) => true,
                        Binding::Typed(_) => false,
                        Binding::Init(init) => self.configured_at(body, init, depth + 1),
                    })
            }
            // `resolve_shard_assignments(&config.sharding)`: computed from
            // configuration alone; `pd.all_stores()`: a member listing.
            syn::Expr::Call(c) => {
                call_path(c)
                    .and_then(last_segment)
                    .is_some_and(|l| lists_members(&l))
                    || (!c.args.is_empty()
                        && c.args
                            .iter()
                            .all(|a| self.configured_at(body, a, depth + 1)))
            }
            _ => false,
        }
    }
}

/// Is the collection `e`, read in function `body`, driven by input: a
/// parameter, the result of a read, query, receive or decode, a stream, or
/// a local filled from one of those or by a `while`/`loop` that reads until
/// its input ends? Asked after [`configured_set`]: a set that shows neither
/// origin is `low` (contract v2.0: `high` needs the input that drives it).
pub fn input_set(fns: &Fns, body: FnBody, e: &syn::Expr) -> bool {
    input_at(fns, body, e, 0)
}

fn input_at(fns: &Fns, body: FnBody, e: &syn::Expr, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    let e = strip_ref(e);
    // A block, `if` or `match` yields what its arms compute, or (for a
    // `match`) what it inspects: not every call made on the way.
    match e {
        syn::Expr::Block(b) => return tail_input(fns, body, &b.block, depth),
        syn::Expr::If(i) => {
            return tail_input(fns, body, &i.then_branch, depth)
                || i.else_branch
                    .as_ref()
                    .is_some_and(|(_, els)| input_at(fns, body, els, depth + 1))
        }
        syn::Expr::Match(m) => return input_at(fns, body, &m.expr, depth + 1),
        _ => {}
    }
    // `self.peers.read().unwrap()`: a guard on the object's own state.
    if guards_self_state(e) || resolves_names(e) || lists_static_registry(e) {
        return false;
    }
    if awaits_or_reads(e) {
        return true;
    }
    let e = strip_ref(strip_await_try(e));
    let (calls, root) = method_chain(e);
    if calls.iter().any(|c| names_stream(&c.method.to_string())) {
        return true;
    }
    match strip_ref(root) {
        syn::Expr::Path(p) => p
            .path
            .get_ident()
            .is_some_and(|i| name_input(fns, body, &i.to_string(), depth)),
        syn::Expr::Field(f) => input_at(fns, body, &f.base, depth + 1),
        syn::Expr::Call(c) => c.args.iter().any(|a| input_at(fns, body, a, depth + 1)),
        // `(0..req.count)`, `vec![a, b]`, `(to_ping, to_retry)`: computed
        // from what it names.
        other => {
            let mut found = false;
            crate::syntax::any_ident(other, &mut |id| {
                found = name_input(fns, body, id, depth);
                found
            });
            found
        }
    }
}

fn tail_input(fns: &Fns, body: FnBody, b: &syn::Block, depth: usize) -> bool {
    match b.stmts.last() {
        Some(syn::Stmt::Expr(tail, None)) => input_at(fns, body, tail, depth + 1),
        _ => false,
    }
}

/// Is the variable `name` of function `body` driven by input?
fn name_input(fns: &Fns, body: FnBody, name: &str, depth: usize) -> bool {
    if name == "self" {
        return false;
    }
    if names_stream(name) {
        return true;
    }
    if let Some((_, ty)) = param_of(body.sig, name) {
        return param_is_input(body.sig, name, ty);
    }
    // `for leaf in requests { for split in leaf.splits { .. } }`: an item of
    // what the outer loop walks.
    if let Some(iter) = for_iterable(body.block, name) {
        return input_at(fns, body, iter, depth + 1);
    }
    let filled = fill_loops(body.block, name);
    if !filled.is_empty() {
        return filled.iter().any(|loops| {
            loops.iter().any(|l| match l {
                None => true,
                Some(iter) => input_at(fns, body, iter, depth + 1),
            })
        });
    }
    bindings(body.block, name).iter().any(|b| match b {
        Binding::Typed(_) => false,
        Binding::Init(init) => input_at(fns, body, init, depth + 1),
    })
}

/// The iterable of the `for` of the block whose pattern binds `name`.
fn for_iterable<'a>(block: &'a syn::Block, name: &str) -> Option<&'a syn::Expr> {
    struct F<'a, 'n> {
        name: &'n str,
        found: Option<&'a syn::Expr>,
    }
    impl<'a> Visit<'a> for F<'a, '_> {
        fn visit_expr_for_loop(&mut self, f: &'a syn::ExprForLoop) {
            if self.found.is_none() && pat_binds(&f.pat, self.name) {
                self.found = Some(&f.expr);
            }
            syn::visit::visit_expr_for_loop(self, f);
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut f = F { name, found: None };
    f.visit_block(block);
    f.found
}

/// Does the pattern bind `name` anywhere (`(_, (schema, rows))`, `Item { id, .. }`)?
fn pat_binds(pat: &syn::Pat, name: &str) -> bool {
    match pat {
        syn::Pat::Ident(pi) => pi.ident == name,
        syn::Pat::Tuple(t) => t.elems.iter().any(|p| pat_binds(p, name)),
        syn::Pat::TupleStruct(t) => t.elems.iter().any(|p| pat_binds(p, name)),
        syn::Pat::Struct(s) => s.fields.iter().any(|f| pat_binds(&f.pat, name)),
        syn::Pat::Reference(r) => pat_binds(&r.pat, name),
        syn::Pat::Type(pt) => pat_binds(&pt.pat, name),
        _ => false,
    }
}

/// A stream or receiver, read until it ends (`incoming`, `events_rx`,
/// `into_stream()`, `try_iter()`): a word of the name, singular. A plural
/// (`streams`, `tenant_streams`, `receivers`) is a collection of streams,
/// sized by whatever made them, and `upstream` is a peer.
fn names_stream(name: &str) -> bool {
    name == "try_iter"
        || name
            .split('_')
            .flat_map(camel_words)
            .any(|w| matches!(w.as_str(), "stream" | "incoming" | "rx" | "receiver"))
}

/// The position (not counting `self`) and type of parameter `name`.
fn param_of<'s>(sig: &'s syn::Signature, name: &str) -> Option<(usize, &'s syn::Type)> {
    sig.inputs
        .iter()
        .filter_map(|a| match a {
            syn::FnArg::Typed(pt) => Some(pt),
            syn::FnArg::Receiver(_) => None,
        })
        .enumerate()
        .find_map(|(i, pt)| match &*pt.pat {
            syn::Pat::Ident(pi) if pi.ident == name => Some((i, &*pt.ty)),
            _ => None,
        })
}

/// Is a parameter input? A parameter is what the caller passes: input only
/// when its name or type says so (`req`, `batch: Vec<Query>`, `body:
/// Json<Upload>`) or it is any iterator or stream the caller hands over; a
/// `channels: &[Channel]` shows no input of its own.
fn param_is_input(sig: &syn::Signature, name: &str, ty: &syn::Type) -> bool {
    param_names_input(name, ty) || iterates_caller_stream(sig, ty)
}

/// Does a parameter's name or type name input that arrives from outside: a
/// request or its body, a message, event or packet, a batch, a query, an
/// upload (any word of the name, any identifier of the type)?
fn param_names_input(name: &str, ty: &syn::Type) -> bool {
    const WORDS: &[&str] = &[
        "req",
        "reqs",
        "request",
        "requests",
        "body",
        "payload",
        "message",
        "messages",
        "msg",
        "msgs",
        "event",
        "events",
        "packet",
        "packets",
        "frame",
        "frames",
        "batch",
        "query",
        "queries",
        "upload",
        "uploads",
        "incoming",
        "input",
        "inputs",
        "notification",
        "notifications",
        "delivery",
        "deliveries",
        "record",
        "records",
        "row",
        "rows",
        "json",
        "form",
        "multipart",
    ];
    // The last word is what the name is: `raw_event_handlers` and
    // `dyn RawEventHandler` are handlers the program registers, whatever
    // they handle.
    const CODE_HEADS: &[&str] = &[
        "handler",
        "handlers",
        "listener",
        "listeners",
        "hook",
        "hooks",
        "callback",
        "callbacks",
        "middleware",
        "middlewares",
        "plugin",
        "plugins",
        "interceptor",
        "interceptors",
        "observer",
        "observers",
    ];
    let says_input = |ident: &str| {
        let words: Vec<String> = ident.split('_').flat_map(camel_words).collect();
        !words
            .last()
            .is_some_and(|w| CODE_HEADS.contains(&w.as_str()))
            && words.iter().any(|w| WORDS.contains(&w.as_str()))
    };
    says_input(name) || crate::syntax::any_ident(ty, &mut |id| says_input(id))
}

/// Is a parameter any iterator or stream the caller hands over
/// (`iter: impl IntoIterator<Item = F>`, `I: Iterator`, `S: Stream`)? A
/// function built to consume whatever the caller streams is driven by it.
fn iterates_caller_stream(sig: &syn::Signature, ty: &syn::Type) -> bool {
    let streams = |id: &str| matches!(id, "IntoIterator" | "Iterator" | "Stream" | "TryStream");
    let bounded_by_stream =
        |b: &dyn quote::ToTokens| crate::syntax::any_ident(&b, &mut |i| streams(i));
    // The generic parameters bound by one (`I: Iterator`, `where S: Stream`).
    let mut generic: Vec<String> = sig
        .generics
        .type_params()
        .filter(|tp| bounded_by_stream(&tp.bounds))
        .map(|tp| tp.ident.to_string())
        .collect();
    let predicates = sig.generics.where_clause.iter().flat_map(|w| &w.predicates);
    for p in predicates {
        if let syn::WherePredicate::Type(pt) = p {
            if let (syn::Type::Path(tp), true) = (&pt.bounded_ty, bounded_by_stream(&pt.bounds)) {
                generic.extend(tp.path.get_ident().map(|i| i.to_string()));
            }
        }
    }
    crate::syntax::any_ident(ty, &mut |id| streams(id) || generic.iter().any(|g| g == id))
}

/// How a `let` binds a name: with a declared type, or from an initialiser.
enum Binding<'a> {
    Typed(&'a syn::Type),
    Init(&'a syn::Expr),
}

/// Every `let` of `name` in the block: by its type when it declares one that
/// says where the items come from, else by its initialiser. A name bound in
/// a tuple pattern (`let (assignments, total) = resolve(&config)?`) comes
/// from the whole initialiser.
fn bindings<'a>(block: &'a syn::Block, name: &str) -> Vec<Binding<'a>> {
    struct B<'a, 'n> {
        name: &'n str,
        out: Vec<Binding<'a>>,
    }
    fn binds(pat: &syn::Pat, name: &str) -> bool {
        match pat {
            syn::Pat::Ident(pi) => pi.ident == name,
            syn::Pat::Tuple(t) => t.elems.iter().any(|p| binds(p, name)),
            syn::Pat::Type(pt) => binds(&pt.pat, name),
            _ => false,
        }
    }
    impl<'a> Visit<'a> for B<'a, '_> {
        fn visit_local(&mut self, l: &'a syn::Local) {
            if binds(&l.pat, self.name) {
                match (&l.pat, &l.init) {
                    (syn::Pat::Type(pt), _) if keyed_by_member(&pt.ty) => {
                        self.out.push(Binding::Typed(&pt.ty))
                    }
                    (_, Some(init)) => self.out.push(Binding::Init(&init.expr)),
                    (syn::Pat::Type(pt), None) => self.out.push(Binding::Typed(&pt.ty)),
                    _ => {}
                }
            }
            syn::visit::visit_local(self, l);
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut b = B {
        name,
        out: Vec::new(),
    };
    b.visit_block(block);
    b.out
}

/// One `name.push(..)`/`insert`/`extend`/`push_back`/`entry` of a block:
/// the loops around it (`Some(iterable)` for a `for`, `None` for a `while`
/// or `loop`), how many of them were already open where `name` was last
/// declared, and whether it goes through `entry`.
struct Fill<'a> {
    loops: Vec<Option<&'a syn::Expr>>,
    declared_at: usize,
    by_entry: bool,
}

/// Every fill of `name` in the block (not in nested items).
fn fills_of<'a>(block: &'a syn::Block, name: &str) -> Vec<Fill<'a>> {
    struct F<'a, 'n> {
        name: &'n str,
        loops: Vec<Option<&'a syn::Expr>>,
        declared_at: usize,
        fills: Vec<Fill<'a>>,
    }
    impl<'a> Visit<'a> for F<'a, '_> {
        fn visit_local(&mut self, l: &'a syn::Local) {
            syn::visit::visit_local(self, l);
            if pat_binds(&l.pat, self.name) {
                self.declared_at = self.loops.len();
            }
        }
        fn visit_expr_for_loop(&mut self, f: &'a syn::ExprForLoop) {
            self.visit_expr(&f.expr);
            self.loops.push(Some(&f.expr));
            self.visit_block(&f.body);
            self.loops.pop();
        }
        fn visit_expr_while(&mut self, w: &'a syn::ExprWhile) {
            self.loops.push(None);
            syn::visit::visit_expr_while(self, w);
            self.loops.pop();
        }
        fn visit_expr_loop(&mut self, l: &'a syn::ExprLoop) {
            self.loops.push(None);
            syn::visit::visit_expr_loop(self, l);
            self.loops.pop();
        }
        fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
            let method = m.method.to_string();
            let filling = matches!(
                method.as_str(),
                "push" | "insert" | "extend" | "push_back" | "entry"
            );
            let on_name = matches!(strip_parens(&m.receiver), syn::Expr::Path(p) if p.path.is_ident(self.name));
            if filling && on_name {
                self.fills.push(Fill {
                    loops: self.loops.clone(),
                    declared_at: self.declared_at.min(self.loops.len()),
                    by_entry: method == "entry",
                });
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut f = F {
        name,
        loops: Vec::new(),
        declared_at: 0,
        fills: Vec::new(),
    };
    f.visit_block(block);
    f.fills
}

/// For each fill of `name` inside a loop that started after `name` was
/// declared, those loops (a loop around the declaration makes a new
/// collection each round, not a bigger one).
fn fill_loops<'a>(block: &'a syn::Block, name: &str) -> Vec<Vec<Option<&'a syn::Expr>>> {
    fills_of(block, name)
        .into_iter()
        .map(|f| f.loops[f.declared_at..].to_vec())
        .filter(|inner| !inner.is_empty())
        .collect()
}

/// The `for` iterables enclosing each `name.push(..)`/`insert`/`extend` of
/// the block (`None` when there is none, or one outside every `for`).
fn fills<'a>(block: &'a syn::Block, name: &str) -> Option<Vec<Vec<&'a syn::Expr>>> {
    let fors: Vec<Vec<&syn::Expr>> = fills_of(block, name)
        .into_iter()
        .filter(|f| !f.by_entry)
        .map(|f| f.loops.into_iter().flatten().collect())
        .collect();
    (!fors.is_empty() && fors.iter().all(|l: &Vec<&syn::Expr>| !l.is_empty())).then_some(fors)
}

/// An expression that reads input: an `.await`ed call, or a call whose name
/// says it reads, receives, queries, fetches, lists or decodes.
pub fn awaits_or_reads(e: &syn::Expr) -> bool {
    struct Reads(bool);
    impl<'ast> Visit<'ast> for Reads {
        // `self.alerts.read().await`: a lock on the object's own state is
        // waited for, not read from outside.
        fn visit_expr(&mut self, e: &'ast syn::Expr) {
            let inner = match e {
                syn::Expr::Await(a) => &*a.base,
                e => e,
            };
            let guard_like = matches!(inner, syn::Expr::MethodCall(m)
                if ["read", "write", "lock", "borrow", "borrow_mut", "unwrap", "expect", "load"]
                    .iter()
                    .any(|v| m.method == v));
            if !(guard_like && guards_self_state(inner)) {
                syn::visit::visit_expr(self, e);
            }
        }
        fn visit_expr_await(&mut self, _: &'ast syn::ExprAwait) {
            self.0 = true;
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            self.0 |= is_read_call(&m.method.to_string());
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            self.0 |= call_path(c)
                .and_then(last_segment)
                .is_some_and(|n| is_read_call(&n));
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    }
    let mut r = Reads(false);
    r.visit_expr(e);
    r.0
}

/// Does a call of this name read input (`recv`, `fetch_all`, `decode`)?
fn is_read_call(name: &str) -> bool {
    const VERBS: &[&str] = &[
        "decode",
        "deserialize",
        "parse",
        "from_str",
        "from_slice",
        "from_reader",
        "lines",
        "scan",
        "search",
        "lookup",
    ];
    READ_VERBS
        .iter()
        .chain(VERBS)
        .any(|v| name == *v || name.starts_with(&format!("{v}_")))
}

/// `PARSEABLE.streams.list(&tenant)`, `REGISTRY.names()`: a process-wide
/// registry (a static), listed in memory (nothing awaited, nothing read but
/// its own list), holds what was registered there, not the input.
fn lists_static_registry(e: &syn::Expr) -> bool {
    let (calls, root) = method_chain(strip_ref(e));
    let mut root = strip_parens(strip_ref(root));
    while let syn::Expr::Field(f) = root {
        root = strip_parens(strip_ref(&f.base));
    }
    let is_static = |p: &syn::ExprPath| {
        p.path.get_ident().is_some_and(|i| {
            let n = i.to_string();
            n.chars().filter(|c| c.is_ascii_uppercase()).count() >= 2
                && n.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        })
    };
    let lists_only = |m: &&syn::ExprMethodCall| {
        let name = m.method.to_string();
        name == "list" || name.starts_with("list_") || !is_read_call(&name)
    };
    struct Awaits(bool);
    impl<'ast> Visit<'ast> for Awaits {
        fn visit_expr_await(&mut self, _: &'ast syn::ExprAwait) {
            self.0 = true;
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    }
    let mut awaits = Awaits(false);
    awaits.visit_expr(e);
    matches!(root, syn::Expr::Path(p) if is_static(p))
        && !awaits.0
        && !calls.is_empty()
        && calls.iter().all(lists_only)
        && calls
            .iter()
            .all(|m| m.args.iter().all(|a| !awaits_or_reads(a)))
}

/// `self.state.read().await`, `self.inner.lock()`: a lock guard (or a
/// borrow) on this object's own state, whose collections configuration and
/// the object's history size, not the input.
pub fn guards_self_state(e: &syn::Expr) -> bool {
    let (calls, root) = method_chain(e);
    let rooted_in_self = crate::syntax::any_ident(strip_ref(root), &mut |id| id == "self")
        && matches!(
            strip_parens(strip_ref(root)),
            syn::Expr::Field(_) | syn::Expr::Path(_)
        );
    rooted_in_self
        && calls.iter().any(|m| {
            m.args.is_empty()
                && matches!(
                    m.method.to_string().as_str(),
                    "read" | "write" | "lock" | "borrow" | "borrow_mut"
                )
        })
        && calls.iter().all(|m| {
            (m.args.is_empty() || m.method == "expect")
                && matches!(
                    m.method.to_string().as_str(),
                    "read"
                        | "write"
                        | "lock"
                        | "borrow"
                        | "borrow_mut"
                        | "unwrap"
                        | "expect"
                        | "load"
                )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Asks `judge` about the iterable of the last `for` of function `f`.
    fn last_for(src: &str, f: &str, judge: fn(&Fns, FnBody, &syn::Expr) -> bool) -> bool {
        let file: syn::File = syn::parse_str(src).unwrap();
        let fns = Fns::collect(&file);
        let body = fns.fns.iter().find(|b| b.sig.ident == f).copied().unwrap();
        struct Last<'a>(Option<&'a syn::Expr>);
        impl<'a> Visit<'a> for Last<'a> {
            fn visit_expr_for_loop(&mut self, l: &'a syn::ExprForLoop) {
                self.0 = Some(&l.expr);
                syn::visit::visit_expr_for_loop(self, l);
            }
        }
        let mut last = Last(None);
        last.visit_block(body.block);
        judge(&fns, body, last.0.unwrap())
    }

    /// Is the iterable of the last `for` of function `f` a configured set?
    fn walks_configured(src: &str, f: &str) -> bool {
        last_for(src, f, |fns, body, e| configured_set(fns, body, e, true))
    }

    /// Is the iterable of the last `for` of function `f` driven by input?
    fn walks_input(src: &str, f: &str) -> bool {
        last_for(src, f, input_set)
    }

    #[test]
    fn a_stream_is_named_in_the_singular() {
        assert!(walks_input(
            "fn f(s: S) { let event_stream = s; for e in event_stream { spawn(e); } }",
            "f"
        ));
        assert!(walks_input(
            "fn f(events_rx: R) { for e in events_rx { spawn(e); } }",
            "f"
        ));
        // A collection of streams, a peer: named, not read.
        assert!(!walks_input(
            "fn f(streams: Vec<String>) { for s in streams { spawn(s); } }",
            "f"
        ));
        assert!(!walks_input(
            "fn f(upstream: Vec<Addr>) { for a in upstream { spawn(a); } }",
            "f"
        ));
    }

    #[test]
    fn a_static_registry_listed_in_memory() {
        assert!(!walks_input(
            "fn f(t: &str) { for s in REGISTRY.streams.list(t) { spawn(s); } }",
            "f"
        ));
        // Awaited, or read from something the static holds: input.
        assert!(walks_input(
            "async fn f() { for o in STORE.list(p).await { spawn(o); } }",
            "f"
        ));
        assert!(walks_input(
            "fn f() { for l in STDIN.lock().lines() { spawn(l); } }",
            "f"
        ));
        // A local in capitals is not a static's registry of its own.
        assert!(walks_input(
            "async fn f(c: C) { let X = c.fetch().await; for o in X.list() { spawn(o); } }",
            "f"
        ));
    }

    #[test]
    fn input_through_an_outer_loops_item() {
        let src = "pub fn f(reqs: Vec<R>) { for r in reqs { for s in r.splits { spawn(s); } } }";
        assert!(walks_input(src, "f"));
        let near = "impl S { pub fn f(&self) { for r in self.reqs.iter() { for s in r.splits { spawn(s); } } } }";
        assert!(!walks_input(near, "f"));
    }

    #[test]
    fn a_collection_filled_while_reading_is_input() {
        let src = "pub fn f(mut it: I) { let mut by: HashMap<u32, Vec<R>> = HashMap::new(); \
            while let Some(e) = it.next() { by.entry(e.t).or_default().push(e.r); } \
            for (t, rows) in by { spawn(rows); } }";
        assert!(walks_input(src, "f"));
        // Filled from the object's own table, declared inside the outer loop.
        let near =
            "impl S { pub fn f(&self) { loop { let ids = { let k = self.known.read().unwrap(); \
            let mut ids = vec![]; for (id, _) in k.list.iter() { ids.push(*id); } ids }; \
            for id in ids { spawn(id); } } } }";
        assert!(!walks_input(near, "f"));
    }

    #[test]
    fn an_unseen_origin_is_not_input() {
        let src = "pub fn f() { let all = Pools::snapshot(); for p in all { spawn(p); } }";
        assert!(!walks_input(src, "f"));
        let near = "pub async fn f(c: &Client) { let all = c.list_pools().await; for p in all { spawn(p); } }";
        assert!(walks_input(near, "f"));
    }

    #[test]
    fn member_names_split_words_and_cases() {
        assert!(names_member_set("node_ids"));
        assert!(names_member_set("NodeId"));
        assert!(names_member_set("ingresses"));
        assert!(names_member_set("ConnectionPoolServer"));
        assert!(!names_member_set("ServerRequest"));
        assert!(!names_member_set("requests"));
        assert!(!names_member_set("important"));
    }

    #[test]
    fn configuration_through_a_computation_and_a_tuple_pattern() {
        let src = "fn boot(config: &Config) { \
            let (assignments, total) = plan_shards(&config.sharding)?; \
            for a in assignments { spawn(a); } }";
        assert!(walks_configured(src, "boot"));
        let near = "fn boot(req: &Request) { \
            let (assignments, total) = plan_shards(&req.items)?; \
            for a in assignments { spawn(a); } }";
        assert!(!walks_configured(near, "boot"));
    }

    #[test]
    fn a_match_on_self_state() {
        let src = "impl S { fn run(&mut self) { \
            let order = match self.deps.sort() { Ok(o) => o, Err(_) => exit(1) }; \
            let mut rts = Vec::new(); \
            for svc in order { rts.push(svc); } \
            for rt in rts { spawn(rt); } } }";
        assert!(walks_configured(src, "run"));
        let near = "impl S { fn run(&mut self, order: Vec<Job>) { \
            let mut rts = Vec::new(); \
            for svc in order { rts.push(svc); } \
            for rt in rts { spawn(rt); } } }";
        assert!(!walks_configured(near, "run"));
    }

    #[test]
    fn a_parameter_every_caller_fills_from_configuration() {
        let src = "fn supervise(inputs: Vec<Input>) { for i in inputs { spawn(i); } } \
            fn main() { let cfg = load(); let mut v = Vec::new(); \
            for c in cfg.senders { v.push(c); } supervise(v); }";
        assert!(walks_configured(src, "supervise"));
        // A caller that passes what it read: input.
        let near = "fn supervise(inputs: Vec<Input>) { for i in inputs { spawn(i); } } \
            fn main() { let cfg = load(); let mut v = Vec::new(); \
            for c in cfg.senders { v.push(c); } supervise(v); \
            supervise(read_inputs()); }";
        assert!(!walks_configured(near, "supervise"));
        // A public function: its callers are not all in sight.
        let public = "pub fn supervise(inputs: Vec<Input>) { for i in inputs { spawn(i); } } \
            fn main() { let cfg = load(); supervise(cfg.senders); }";
        assert!(!walks_configured(public, "supervise"));
    }

    #[test]
    fn a_map_keyed_by_members() {
        let src = "fn truncate(&self, positions: Vec<P>) { \
            let mut per_node: HashMap<&NodeId, Vec<R>> = HashMap::default(); \
            for p in positions { per_node.entry(p.node).or_default().push(p); } \
            for (node, reqs) in per_node { spawn(reqs); } }";
        assert!(walks_configured(src, "truncate"));
        let near = "fn truncate(&self, positions: Vec<P>) { \
            let mut per_key: HashMap<Key, Vec<R>> = HashMap::default(); \
            for p in positions { per_key.entry(p.key).or_default().push(p); } \
            for (k, reqs) in per_key { spawn(reqs); } }";
        assert!(!walks_configured(near, "truncate"));
    }

    #[test]
    fn a_parameter_is_input_when_its_name_or_type_says_so() {
        assert!(walks_input("fn f(reqs: Vec<u8>) { for r in reqs {} }", "f"));
        assert!(walks_input(
            "fn f(req_batch: Vec<u8>) { for r in req_batch {} }",
            "f"
        ));
        assert!(walks_input(
            "fn f(items: Vec<SearchRequest>) { for r in items {} }",
            "f"
        ));
        assert!(walks_input("fn f(rows: &[Row]) { for r in rows {} }", "f"));
        assert!(walks_input(
            "fn f(body: Json<Upload>) { for p in body.0.parts {} }",
            "f"
        ));
        // Near misses: names and types of configuration or of unknown origin.
        assert!(!walks_input(
            "fn f(addresses: Vec<String>) { for a in addresses {} }",
            "f"
        ));
        assert!(!walks_input(
            "fn f(channels: &[Channel]) { for c in channels {} }",
            "f"
        ));
        // `Progress` holds the letters of `progress`, not the word.
        assert!(!walks_input(
            "fn f(p: Progress) { for x in p.steps {} }",
            "f"
        ));
        // The last word is what it is: handlers of events, not events.
        assert!(!walks_input(
            "fn f(raw_event_handlers: Vec<Arc<dyn RawEventHandler>>) { for h in raw_event_handlers {} }",
            "f"
        ));
        assert!(!walks_input(
            "fn f(hs: Vec<Box<dyn MessageListener>>) { for h in hs {} }",
            "f"
        ));
        assert!(walks_input(
            "fn f(raw_events: Vec<Arc<dyn Handler>>) { for e in raw_events {} }",
            "f"
        ));
    }

    #[test]
    fn any_iterator_or_stream_the_caller_hands_over_is_input() {
        assert!(walks_input(
            "fn f(it: impl IntoIterator<Item = u8>) { for x in it {} }",
            "f"
        ));
        assert!(walks_input(
            "fn f<I: Iterator<Item = u8>>(it: I) { for x in it {} }",
            "f"
        ));
        assert!(walks_input(
            "fn f<S>(s: S) where S: Stream { for x in s {} }",
            "f"
        ));
        // Near miss: a generic bound that is not an iterator.
        assert!(!walks_input(
            "fn f<C: Clone>(c: Vec<C>) { for x in c {} }",
            "f"
        ));
    }
}
