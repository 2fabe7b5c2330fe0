//! Where a channel's sender goes, and whether a repeating send on it is
//! visible in the file (contract v2.0, `unbounded_channel`).
//!
//! A queue is a risk when a producer can outrun its consumer: a send on the
//! channel's sender (or a clone, a field that stores it, or a parameter it is
//! passed as) on a repeating path driven by input — a loop over a socket, a
//! stream, a receiver or an accept; a per-item closure; a task spawned per
//! item. Not when every such send carries a reply sender its producer awaits
//! (reply-paced: one message per waiting caller) or a reservation of a budget
//! (admission-controlled); nor when the repeat is the consumer's own (a loop
//! that takes messages off this queue somewhere in its round: what it queues
//! itself, directly, from a loop over what it holds, or once from each task
//! it starts, waits for it), a loop left once the send succeeds, or a
//! method of another type with the same name. Names are followed within the
//! file only: a sender handed to another file is out of sight.

use proc_macro2::{TokenStream, TokenTree};
use std::collections::{HashMap, HashSet};
use syn::visit::Visit;

/// Methods that put a message on a queue.
pub(crate) const SEND_METHODS: &[&str] = &[
    "send",
    "unbounded_send",
    "try_send",
    "send_async",
    "send_blocking",
    "blocking_send",
    "force_send",
    "start_send",
];

/// Methods that take messages off a queue's receiving half.
const RECEIVE_METHODS: &[&str] = &[
    "recv",
    "recv_async",
    "blocking_recv",
    "recv_many",
    "recv_timeout",
    "try_recv",
    "next",
    "iter",
    "try_iter",
    "into_stream",
    "stream",
];

/// Iterator adapters whose closure runs once per item.
const PER_ITEM: &[&str] = &[
    "map",
    "for_each",
    "try_for_each",
    "filter_map",
    "flat_map",
    "then",
    "and_then",
    "inspect",
    "for_each_concurrent",
];

/// Words naming a reply sender carried inside a message, matched against
/// the `_`-separated parts of a name (`reply_tx`, `respond_to`, but not
/// `packet`).
const REPLY_WORDS: &[&str] = &[
    "reply",
    "replies",
    "respond",
    "responder",
    "ack",
    "callback",
    "oneshot",
];

/// `response` and `resp` alone name the data received (`let response =
/// client.get(..)`); with a sender's word they name where it goes
/// (`response_tx`, `resp_sender`).
const RESPONSE_WORDS: &[&str] = &["response", "resp"];
const SENDER_WORDS: &[&str] = &["tx", "sender", "to", "chan", "channel", "sink"];

pub(crate) fn names_a_reply(ident: &str) -> bool {
    let lower = ident.to_ascii_lowercase();
    let parts: Vec<&str> = lower.split('_').collect();
    parts.iter().any(|part| REPLY_WORDS.contains(part))
        || (parts.iter().any(|part| RESPONSE_WORDS.contains(part))
            && parts.iter().any(|part| SENDER_WORDS.contains(part)))
}

/// A send that the model found on the channel, and how it repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Send {
    pub span: crate::Span,
    /// The loop or closure header that repeats it, when one does.
    pub repeat: Option<crate::Span>,
    /// The consumer paces it: the message carries a reply sender, a permit
    /// or a started task, the producer checks the queue's length, or each
    /// repetition also awaits a bounded send.
    pub paced: bool,
}

/// What the file shows about one channel's producers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Producers {
    /// The sender's name in the creating pattern (`let (tx, rx) = ..`).
    pub sender: Option<String>,
    pub sends: Vec<Send>,
}

impl Producers {
    /// The first send that repeats without reply pacing: the evidence that
    /// makes the queue a risk.
    pub fn unpaced_repeating(&self) -> Option<&Send> {
        self.sends.iter().find(|s| s.repeat.is_some() && !s.paced)
    }
}

/// The producers of the channel created by the call at `at` (the span of
/// the constructor call).
pub fn producers(file: &syn::File, at: crate::Span) -> Producers {
    let mut seed = SeedFinder {
        at,
        found: None,
        fn_name: String::new(),
    };
    seed.visit_file(file);
    let Some(seed) = seed.found else {
        return Producers::default();
    };
    // `let (tx, _) = unbounded()`: the receiver is dropped at once, so a
    // send fails instead of queueing (a placeholder until the real channel).
    let receiver = match seed.receiver {
        ReceiverPat::Dropped => {
            return Producers {
                sender: Some(seed.sender),
                sends: Vec::new(),
            }
        }
        ReceiverPat::Named(r) => Some(r),
        ReceiverPat::Other => None,
    };
    let params = fn_params(file);
    let mut names = Names::default();
    names
        .locals
        .insert((seed.fn_name.clone(), seed.sender.clone()));
    let mut receivers = Names::default();
    if let Some(r) = receiver {
        receivers.locals.insert((seed.fn_name, r));
    }
    spread(file, &params, &mut names);
    spread(file, &params, &mut receivers);
    let mut finder = SendFinder {
        names: &names,
        receivers: &receivers,
        fields: struct_fields(file),
        impl_type: None,
        leaving: Vec::new(),
        fn_name: String::new(),
        repeats: Vec::new(),
        replies: HashSet::new(),
        capacity_checked: false,
        shadowed: HashSet::new(),
        sends: Vec::new(),
        called_repeatedly: HashMap::new(),
        started: HashSet::new(),
        configured_counts: HashSet::new(),
        measured_counts: HashSet::new(),
        admitted: HashSet::new(),
        local_types: HashMap::new(),
        paced_repeats: Vec::new(),
        created_at: at,
        sender: seed.sender.clone(),
        receiving_fns: receiving_fns(file, &receivers),
        spawn_depth: 0,
        repeat_spawn_depth: Vec::new(),
        consumer_rounds: Vec::new(),
        opaque_repeat: None,
    };
    finder.visit_file(file);
    let repeated = finder.called_repeatedly;
    let sends = finder
        .sends
        .into_iter()
        .map(|(in_fn, mut send)| {
            if send.repeat.is_none() {
                let call = repeated
                    .get(&in_fn.name)
                    .and_then(|calls| calls.iter().find(|(ty, _, _)| in_fn.may_be(ty.as_deref())));
                if let Some(&(_, header, by_consumer)) = call {
                    send.repeat = Some(header);
                    send.paced |= by_consumer;
                }
            }
            send
        })
        .collect();
    Producers {
        sender: Some(seed.sender),
        sends,
    }
}

/// The functions of the file that take messages off the channel whose
/// receiver `receivers` names, in their own flow (`fn handle_results(&mut
/// self) { self.results_rx.recv_many(..) }`), not in a task they start.
fn receiving_fns(file: &syn::File, receivers: &Names) -> Vec<Callee> {
    struct Receiving<'a> {
        receivers: &'a Names,
        impl_type: Option<String>,
        fn_name: String,
        receives: bool,
        found: Vec<Callee>,
    }
    impl Receiving<'_> {
        fn in_fn(&mut self, name: String, block: &syn::Block) {
            let outer = std::mem::replace(&mut self.fn_name, name);
            let outer_receives = std::mem::take(&mut self.receives);
            self.visit_block(block);
            if self.receives {
                self.found.push(Callee {
                    ty: self.impl_type.clone(),
                    name: self.fn_name.clone(),
                });
            }
            self.receives = outer_receives;
            self.fn_name = outer;
        }
    }
    impl<'ast> Visit<'ast> for Receiving<'_> {
        fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
            let outer = std::mem::replace(&mut self.impl_type, impl_type_name(i));
            syn::visit::visit_item_impl(self, i);
            self.impl_type = outer;
        }
        fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
            self.in_fn(f.sig.ident.to_string(), &f.block);
        }
        fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
            self.in_fn(f.sig.ident.to_string(), &f.block);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            self.receives |= RECEIVE_METHODS.contains(&m.method.to_string().as_str())
                && self.receivers.is_sender(&self.fn_name, &m.receiver);
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            self.receives |= tokens_receive(&mac.tokens, self.receivers, &self.fn_name);
        }
        // What a closure or a task of the function receives is received
        // there, not in the caller's round.
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    }
    if receivers.size() == 0 {
        return Vec::new();
    }
    let mut r = Receiving {
        receivers,
        impl_type: None,
        fn_name: String::new(),
        receives: false,
        found: Vec::new(),
    };
    r.visit_file(file);
    r.found
}

/// The type an `impl` block is for (`impl Worker`, `impl<T> Trait for Worker<T>`).
fn impl_type_name(i: &syn::ItemImpl) -> Option<String> {
    match &*i.self_ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// `rx.recv()` or `self.rx.next()` inside a macro's tokens (a `select!`
/// arm), `rx` naming the channel's receiver in `fn_name`.
fn tokens_receive(tokens: &TokenStream, receivers: &Names, fn_name: &str) -> bool {
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    trees.iter().enumerate().any(|(i, t)| match t {
        TokenTree::Group(g) => tokens_receive(&g.stream(), receivers, fn_name),
        TokenTree::Ident(method) if RECEIVE_METHODS.contains(&method.to_string().as_str()) => {
            match dotted_receiver(&trees, i) {
                Some((name, true)) => receivers.fields.contains(&name),
                Some((name, false)) => receivers.locals.contains(&(fn_name.to_string(), name)),
                None => false,
            }
        }
        _ => false,
    })
}

/// The name a method at `trees[i]` is called on in macro tokens (`name .
/// method`), and whether it is a field (`. name . method`, as in
/// `self.tx.send`).
fn dotted_receiver(trees: &[TokenTree], i: usize) -> Option<(String, bool)> {
    let (Some(TokenTree::Punct(dot)), Some(TokenTree::Ident(name))) = (
        i.checked_sub(1).and_then(|j| trees.get(j)),
        i.checked_sub(2).and_then(|j| trees.get(j)),
    ) else {
        return None;
    };
    let field = i >= 3 && matches!(&trees[i - 3], TokenTree::Punct(p) if p.as_char() == '.');
    (dot.as_char() == '.').then(|| (name.to_string(), field))
}

/// Does the sender named `sender` outlive a round of the loop whose body
/// is `body`: handed to a method that stores it (`insert`, `push`, ..),
/// assigned, put in a struct literal, or the value a block yields (the
/// `else` of `if let Some(tx) = map.remove(k) { tx } else { new channel }`)?
fn sender_leaves_round(body: &syn::Block, sender: &str) -> bool {
    const STORES: &[&str] = &[
        "insert",
        "push",
        "push_back",
        "push_front",
        "extend",
        "append",
        "set",
        "store",
        "replace",
        "or_insert",
        "get_or_insert",
        "entry",
    ];
    struct L<'n> {
        sender: &'n str,
        leaves: bool,
        root: bool,
    }
    impl L<'_> {
        fn names(&self, e: &syn::Expr) -> bool {
            crate::syntax::any_ident(e, &mut |i| i == self.sender)
        }
    }
    impl<'ast> Visit<'ast> for L<'_> {
        fn visit_block(&mut self, b: &'ast syn::Block) {
            let root = std::mem::replace(&mut self.root, false);
            if let (false, Some(syn::Stmt::Expr(tail, None))) = (root, b.stmts.last()) {
                let sends = matches!(crate::syntax::strip_parens(tail), syn::Expr::MethodCall(m)
                    if SEND_METHODS.contains(&m.method.to_string().as_str()));
                self.leaves |= !sends && self.names(tail);
            }
            syn::visit::visit_block(self, b);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if STORES.contains(&m.method.to_string().as_str()) {
                self.leaves |= m.args.iter().any(|a| self.names(a));
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
            self.leaves |= self.names(&a.right);
            syn::visit::visit_expr_assign(self, a);
        }
        fn visit_expr_struct(&mut self, s: &'ast syn::ExprStruct) {
            self.leaves |= s.fields.iter().any(|f| self.names(&f.expr));
            syn::visit::visit_expr_struct(self, s);
        }
    }
    let mut l = L {
        sender,
        leaves: false,
        root: true,
    };
    l.visit_block(body);
    l.leaves
}

/// Aliases spread through clones, fields and calls: a few rounds reach
/// every chain the file holds (each round follows one more step).
fn spread(file: &syn::File, params: &HashMap<String, Vec<String>>, names: &mut Names) {
    for _ in 0..4 {
        let before = names.size();
        let mut spread = Spread {
            names,
            params,
            fn_name: String::new(),
        };
        spread.visit_file(file);
        if names.size() == before {
            break;
        }
    }
}

/// A function by name, with the type whose `impl` holds it (`None` for a
/// free function).
#[derive(Debug, Clone)]
struct Callee {
    ty: Option<String>,
    name: String,
}

impl Callee {
    /// Can a call made on a value of type `called_on` (unknown: `None`) reach
    /// this function? Methods are matched by name; a known type must agree.
    fn may_be(&self, called_on: Option<&str>) -> bool {
        match (self.ty.as_deref(), called_on) {
            (Some(mine), Some(theirs)) => mine == theirs,
            _ => true,
        }
    }
}

/// The declared types of struct fields, by struct and field name, as text.
fn struct_fields(file: &syn::File) -> HashMap<(String, String), String> {
    struct Fields(HashMap<(String, String), String>);
    impl<'ast> Visit<'ast> for Fields {
        fn visit_item_struct(&mut self, s: &'ast syn::ItemStruct) {
            for f in &s.fields {
                if let Some(name) = &f.ident {
                    let ty = quote::ToTokens::to_token_stream(&f.ty).to_string();
                    self.0.insert((s.ident.to_string(), name.to_string()), ty);
                }
            }
            syn::visit::visit_item_struct(self, s);
        }
    }
    let mut f = Fields(HashMap::new());
    f.visit_file(file);
    f.0
}

/// The names standing for the sender: locals per function, fields file-wide.
#[derive(Default)]
struct Names {
    locals: HashSet<(String, String)>,
    fields: HashSet<String>,
}

impl Names {
    fn size(&self) -> usize {
        self.locals.len() + self.fields.len()
    }

    fn is_sender(&self, fn_name: &str, expr: &syn::Expr) -> bool {
        match receiver_name(expr) {
            Some(Named::Local(n)) => self.locals.contains(&(fn_name.to_string(), n)),
            Some(Named::Field(n)) => self.fields.contains(&n),
            None => false,
        }
    }
}

enum Named {
    Local(String),
    Field(String),
}

/// The name an expression refers to, through clones, references, indexing
/// and accessors: `tx`, `tx.clone()`, `&self.tx`, `self.senders[i]`.
fn receiver_name(expr: &syn::Expr) -> Option<Named> {
    match crate::syntax::strip_parens(expr) {
        syn::Expr::Path(p) if p.path.segments.len() == 1 => {
            Some(Named::Local(p.path.segments[0].ident.to_string()))
        }
        syn::Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => Some(Named::Field(n.to_string())),
            syn::Member::Unnamed(_) => receiver_name(&f.base),
        },
        syn::Expr::MethodCall(m)
            if matches!(
                m.method.to_string().as_str(),
                "clone"
                    | "as_ref"
                    | "as_mut"
                    | "lock"
                    | "unwrap"
                    | "expect"
                    | "read"
                    | "borrow"
                    | "get"
            ) =>
        {
            receiver_name(&m.receiver)
        }
        syn::Expr::Reference(r) => receiver_name(&r.expr),
        syn::Expr::Index(i) => receiver_name(&i.expr),
        syn::Expr::Unary(u) => receiver_name(&u.expr),
        _ => None,
    }
}

/// Finds the `let (tx, rx) = constructor()` whose call is at `at`.
struct SeedFinder {
    at: crate::Span,
    fn_name: String,
    found: Option<Seed>,
}

/// The pattern that receives a new channel, in the function that makes it.
struct Seed {
    fn_name: String,
    sender: String,
    receiver: ReceiverPat,
}

/// The receiving half's pattern: `rx`, `_` (dropped at once), or another.
enum ReceiverPat {
    Named(String),
    Dropped,
    Other,
}

impl<'ast> Visit<'ast> for SeedFinder {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        let outer = std::mem::replace(&mut self.fn_name, f.sig.ident.to_string());
        syn::visit::visit_item_fn(self, f);
        self.fn_name = outer;
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        let outer = std::mem::replace(&mut self.fn_name, f.sig.ident.to_string());
        syn::visit::visit_impl_item_fn(self, f);
        self.fn_name = outer;
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        if let Some(init) = &local.init {
            let call = crate::syntax::strip_await_try(&init.expr);
            let here = match call {
                syn::Expr::Call(c) => crate::syntax::call_span(c).start == self.at.start,
                _ => false,
            };
            if here {
                if let Some(sender) = first_of_tuple(&local.pat) {
                    self.found = Some(Seed {
                        fn_name: self.fn_name.clone(),
                        sender,
                        receiver: second_of_tuple(&local.pat),
                    });
                }
            }
        }
        syn::visit::visit_local(self, local);
    }
}

/// `tx` in `(tx, rx)`, `(mut tx, rx)`, `(tx, rx): (A, B)`.
fn first_of_tuple(pat: &syn::Pat) -> Option<String> {
    match pat {
        syn::Pat::Type(t) => first_of_tuple(&t.pat),
        syn::Pat::Tuple(t) => match t.elems.first()? {
            syn::Pat::Ident(i) => Some(i.ident.to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// `rx` in `(tx, rx)`; `_` in `(tx, _)`.
fn second_of_tuple(pat: &syn::Pat) -> ReceiverPat {
    match pat {
        syn::Pat::Type(t) => second_of_tuple(&t.pat),
        syn::Pat::Tuple(t) => match t.elems.iter().nth(1) {
            Some(syn::Pat::Ident(i)) => ReceiverPat::Named(i.ident.to_string()),
            Some(syn::Pat::Wild(_)) => ReceiverPat::Dropped,
            _ => ReceiverPat::Other,
        },
        _ => ReceiverPat::Other,
    }
}

/// The parameter names of every function and method in the file, by name
/// (`self` left out, so positions match a method call's arguments).
fn fn_params(file: &syn::File) -> HashMap<String, Vec<String>> {
    struct Params(HashMap<String, Vec<String>>);
    impl Params {
        fn add(&mut self, sig: &syn::Signature) {
            let names = sig
                .inputs
                .iter()
                .filter_map(|a| match a {
                    syn::FnArg::Typed(t) => Some(match &*t.pat {
                        syn::Pat::Ident(i) => i.ident.to_string(),
                        _ => String::new(),
                    }),
                    syn::FnArg::Receiver(_) => None,
                })
                .collect();
            self.0.insert(sig.ident.to_string(), names);
        }
    }
    impl<'ast> Visit<'ast> for Params {
        fn visit_signature(&mut self, sig: &'ast syn::Signature) {
            self.add(sig);
        }
    }
    let mut p = Params(HashMap::new());
    p.visit_file(file);
    p.0
}

/// One round of spreading the sender's names.
struct Spread<'a> {
    names: &'a mut Names,
    params: &'a HashMap<String, Vec<String>>,
    fn_name: String,
}

impl Spread<'_> {
    /// The sender itself, or a wrapper holding it (`Some(tx)`, `Arc::new(tx)`).
    fn is_sender(&self, expr: &syn::Expr) -> bool {
        if self.names.is_sender(&self.fn_name, expr) {
            return true;
        }
        match crate::syntax::strip_parens(expr) {
            syn::Expr::Call(c) if c.args.len() == 1 => self.is_sender(&c.args[0]),
            _ => false,
        }
    }

    fn passed_to(
        &mut self,
        callee: &str,
        args: &syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>,
    ) {
        let Some(params) = self.params.get(callee) else {
            return;
        };
        for (arg, param) in args.iter().zip(params) {
            if !param.is_empty() && self.is_sender(arg) {
                self.names
                    .locals
                    .insert((callee.to_string(), param.clone()));
            }
        }
    }
}

impl<'ast> Visit<'ast> for Spread<'_> {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        let outer = std::mem::replace(&mut self.fn_name, f.sig.ident.to_string());
        syn::visit::visit_item_fn(self, f);
        self.fn_name = outer;
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        let outer = std::mem::replace(&mut self.fn_name, f.sig.ident.to_string());
        syn::visit::visit_impl_item_fn(self, f);
        self.fn_name = outer;
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        if let (Some(init), syn::Pat::Ident(i)) = (&local.init, strip_pat_type(&local.pat)) {
            if self.is_sender(&init.expr) {
                self.names
                    .locals
                    .insert((self.fn_name.clone(), i.ident.to_string()));
            }
        }
        syn::visit::visit_local(self, local);
    }

    fn visit_field_value(&mut self, fv: &'ast syn::FieldValue) {
        if let syn::Member::Named(n) = &fv.member {
            if self.is_sender(&fv.expr) {
                self.names.fields.insert(n.to_string());
            }
        }
        syn::visit::visit_field_value(self, fv);
    }

    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        if self.is_sender(&a.right) {
            match receiver_name(&a.left) {
                Some(Named::Field(n)) => {
                    self.names.fields.insert(n);
                }
                Some(Named::Local(n)) => {
                    self.names.locals.insert((self.fn_name.clone(), n));
                }
                None => {}
            }
        }
        syn::visit::visit_expr_assign(self, a);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let Some(name) = crate::syntax::call_path(c).and_then(crate::syntax::last_segment) {
            self.passed_to(&name, &c.args);
        }
        syn::visit::visit_expr_call(self, c);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        self.passed_to(&m.method.to_string(), &m.args);
        syn::visit::visit_expr_method_call(self, m);
    }
}

fn strip_pat_type(pat: &syn::Pat) -> &syn::Pat {
    match pat {
        syn::Pat::Type(t) => strip_pat_type(&t.pat),
        other => other,
    }
}

/// Finds the sends on the sender's names, with what repeats them.
struct SendFinder<'a> {
    names: &'a Names,
    /// The names standing for the channel's receiver.
    receivers: &'a Names,
    /// Declared field types (see [`struct_fields`]).
    fields: HashMap<(String, String), String>,
    /// The type of the `impl` being walked.
    impl_type: Option<String>,
    /// Per enclosing repeat: the sends (by their method's span) after which
    /// that repeat is left on success (see [`leaving_sends`]).
    leaving: Vec<HashSet<crate::Span>>,
    fn_name: String,
    /// Enclosing repeating constructs (innermost last): their header spans.
    repeats: Vec<crate::Span>,
    /// Reply senders created in the current function (`let (reply, rx) =
    /// oneshot::channel()`): its messages carry them.
    replies: HashSet<String>,
    /// The current function checks the queue's length against a limit
    /// before sending (`if tx.len() >= limit { drop }`).
    capacity_checked: bool,
    /// Locals of the current function rebound to something else
    /// (`if let Some(tx) = &other`).
    shadowed: HashSet<String>,
    /// Each send with the function it is in.
    sends: Vec<(Callee, Send)>,
    /// Functions called where something repeats, by name: the type the call
    /// is made on when known, and the repeating header.
    /// Whether the call is made in a round of the consumer.
    called_repeatedly: HashMap<String, Vec<(Option<String>, crate::Span, bool)>>,
    /// Of the current function: locals holding started tasks, counts made
    /// of constants, admissions, and local types (see [`FnSurvey`]).
    started: HashSet<String>,
    configured_counts: HashSet<String>,
    measured_counts: HashSet<String>,
    admitted: HashSet<String>,
    local_types: HashMap<String, String>,
    /// Parallel to `repeats`: does that repetition await a bounded send?
    paced_repeats: Vec<bool>,
    /// Where the channel is created, and its sender's name there.
    created_at: crate::Span,
    sender: String,
    /// Functions of the file that take messages off this channel.
    receiving_fns: Vec<Callee>,
    /// How many spawned tasks enclose the code being walked, and, parallel
    /// to `repeats`, how many enclosed each repeat.
    spawn_depth: usize,
    repeat_spawn_depth: Vec<usize>,
    /// The rounds of the consumer being walked (innermost last): how many
    /// repeats and spawned tasks enclosed it (see [`Self::paced_by_consumer`]).
    consumer_rounds: Vec<(usize, usize)>,
    /// Inside macro tokens after a loop keyword, its span (see
    /// [`Self::scan_tokens`]).
    opaque_repeat: Option<crate::Span>,
}

impl SendFinder<'_> {
    fn in_fn<F: FnOnce(&mut Self)>(&mut self, sig: &syn::Signature, block: &syn::Block, body: F) {
        let outer_name = std::mem::replace(&mut self.fn_name, sig.ident.to_string());
        let outer_repeats = std::mem::take(&mut self.repeats);
        let survey = FnSurvey::of(sig, block, self.names, &self.fn_name);
        let outer_replies = std::mem::replace(&mut self.replies, survey.replies);
        let outer_checked = std::mem::replace(&mut self.capacity_checked, survey.capacity_checked);
        let outer_shadowed = std::mem::take(&mut self.shadowed);
        let outer_started = std::mem::replace(&mut self.started, survey.started);
        let outer_counts = std::mem::replace(&mut self.configured_counts, survey.configured_counts);
        let outer_measured = std::mem::replace(&mut self.measured_counts, survey.measured_counts);
        let outer_admitted = std::mem::replace(&mut self.admitted, survey.admitted);
        let outer_types = std::mem::replace(&mut self.local_types, survey.local_types);
        let outer_leaving = std::mem::take(&mut self.leaving);
        let outer_rounds = std::mem::take(&mut self.consumer_rounds);
        let outer_spawn = std::mem::take(&mut self.spawn_depth);
        let outer_spawn_depths = std::mem::take(&mut self.repeat_spawn_depth);
        body(self);
        self.repeat_spawn_depth = outer_spawn_depths;
        self.spawn_depth = outer_spawn;
        self.consumer_rounds = outer_rounds;
        self.leaving = outer_leaving;
        self.admitted = outer_admitted;
        self.local_types = outer_types;
        self.started = outer_started;
        self.configured_counts = outer_counts;
        self.measured_counts = outer_measured;
        self.fn_name = outer_name;
        self.repeats = outer_repeats;
        self.replies = outer_replies;
        self.capacity_checked = outer_checked;
        self.shadowed = outer_shadowed;
    }

    fn is_sender(&self, expr: &syn::Expr) -> bool {
        if let Some(Named::Local(n)) = receiver_name(expr) {
            if self.shadowed.contains(&n) {
                return false;
            }
        }
        self.names.is_sender(&self.fn_name, expr) && !self.is_oneshot_field(expr)
    }

    /// `self.tx` where this `impl`'s struct declares `tx` a oneshot sender:
    /// a field of the same name holding another kind of channel.
    fn is_oneshot_field(&self, expr: &syn::Expr) -> bool {
        let syn::Expr::Field(f) = crate::syntax::strip_parens(expr) else {
            return false;
        };
        let (syn::Member::Named(n), Some(ty)) = (&f.member, &self.impl_type) else {
            return false;
        };
        let on_self = matches!(crate::syntax::strip_parens(&f.base), syn::Expr::Path(p) if p.path.is_ident("self"));
        on_self
            && self
                .fields
                .get(&(ty.clone(), n.to_string()))
                .is_some_and(|t| t.contains("oneshot"))
    }

    /// Does the expression receive from this channel (`rx.recv()`,
    /// `rx.next()`, `rx.iter()`, or the receiver itself as a `for`'s
    /// iterator)?
    fn receives(&self, e: &syn::Expr) -> bool {
        struct Recv<'s, 'a>(&'s SendFinder<'a>, bool);
        impl<'ast> Visit<'ast> for Recv<'_, '_> {
            fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
                if RECEIVE_METHODS.contains(&m.method.to_string().as_str())
                    && self.0.receivers.is_sender(&self.0.fn_name, &m.receiver)
                {
                    self.1 = true;
                }
                syn::visit::visit_expr_method_call(self, m);
            }
        }
        if self.receivers.is_sender(&self.fn_name, e) {
            return true;
        }
        let mut r = Recv(self, false);
        r.visit_expr(e);
        r.1
    }

    /// A loop that starts each round by taking a message off this channel:
    /// the consumer. What it sends back on the channel is paced by what it
    /// takes off, so it is not a producer's repeat.
    fn is_consumer_loop(&self, first: Option<&syn::Stmt>) -> bool {
        match first {
            Some(syn::Stmt::Local(l)) => l.init.as_ref().is_some_and(|i| self.receives(&i.expr)),
            Some(syn::Stmt::Expr(e, _)) => match e {
                syn::Expr::Match(m) => self.receives(&m.expr),
                syn::Expr::If(i) => self.receives(&i.cond),
                syn::Expr::Macro(_) => false,
                e => self.receives(e),
            },
            _ => false,
        }
    }

    /// A pattern binding a sender's name to something else hides it for
    /// the rest of the function.
    fn shadow(&mut self, pat: &syn::Pat, init: &syn::Expr) {
        if self.is_sender(init) {
            return;
        }
        let mut bound = Vec::new();
        pat_idents(pat, &mut bound);
        for name in bound {
            if self
                .names
                .locals
                .contains(&(self.fn_name.clone(), name.clone()))
            {
                self.shadowed.insert(name);
            }
        }
    }

    /// Runs `body` inside a repeat. A repetition that also awaits a send
    /// (on some other, bounded, queue) waits for that consumer each round:
    /// the sends recorded in it are paced (marked when the repeat ends, so
    /// the body is walked once).
    /// Walks `body`, a construct repeating from `header`. A repetition that
    /// creates the channel anew each round (`renewed`, see
    /// [`Self::renews_channel`]) repeats no send of any one channel: the walk
    /// goes on as if it did not repeat.
    fn in_repeat<F: FnOnce(&mut Self)>(
        &mut self,
        header: crate::Span,
        renewed: bool,
        leaving: HashSet<crate::Span>,
        body: F,
    ) {
        if renewed {
            return body(self);
        }
        let first_send = self.sends.len();
        self.repeats.push(header);
        self.repeat_spawn_depth.push(self.spawn_depth);
        self.paced_repeats.push(false);
        self.leaving.push(leaving);
        body(self);
        self.leaving.pop();
        let paced = self.paced_repeats.pop().unwrap_or(false);
        self.repeat_spawn_depth.pop();
        self.repeats.pop();
        if paced {
            for (_, send) in &mut self.sends[first_send..] {
                if send.repeat == Some(header) {
                    send.paced = true;
                }
            }
        }
    }

    /// Does each round of the loop headed at `header` make a channel of its
    /// own: is the channel created inside `body`, its sender kept within the
    /// round (not stored in a collection or a field, not assigned out, not
    /// the value a block yields: `streams.insert(id, Sender::new(tx))` keeps
    /// one channel across rounds)?
    fn renews_channel(&self, header: proc_macro2::Span, body: &syn::Block) -> bool {
        let extent = crate::Span::between(header, body.brace_token.span.close());
        let inside = extent.start <= self.created_at.start && self.created_at.end <= extent.end;
        inside && !sender_leaves_round(body, &self.sender)
    }

    /// An awaited send paces the innermost repeat.
    fn awaited_send(&mut self) {
        if let Some(paced) = self.paced_repeats.last_mut() {
            *paced = true;
        }
    }

    /// Does the message carry what paces its producer: a reply sender the
    /// producer awaits, a permit of a limit, or a task already started?
    fn carries_pacing(
        &self,
        args: &syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>,
    ) -> bool {
        args.iter()
            .any(|a| is_spawn_call(a) || crate::syntax::any_ident(a, &mut |id| self.paces(id)))
    }

    /// A name in a message that paces its producer (see [`Self::carries_pacing`]).
    fn paces(&self, ident: &str) -> bool {
        self.replies.contains(ident)
            || names_a_reply(ident)
            || names_a_permit(ident)
            || self.started.contains(ident)
            || self.admitted.contains(ident)
    }

    fn record(&mut self, span: crate::Span, carries_pacing: bool) {
        // A function that makes reply senders builds messages that carry
        // them, even when the message was assembled before the send; one
        // that checks the queue's length paces itself.
        let paced = carries_pacing
            || !self.replies.is_empty()
            || self.capacity_checked
            || self.paced_by_consumer();
        // A send whose success leaves the loop (`if tx.send(m).is_ok() {
        // break }`) is made once per run of it: a retry of the send, not a
        // repeat.
        let leaves = self
            .leaving
            .last()
            .is_some_and(|sends| sends.contains(&span));
        let send = Send {
            span,
            repeat: self
                .opaque_repeat
                .or(self.repeats.last().copied())
                .filter(|_| !leaves),
            paced,
        };
        let callee = Callee {
            ty: self.impl_type.clone(),
            name: self.fn_name.clone(),
        };
        self.sends.push((callee, send));
    }

    /// A call from the current function inside a repeat: the callee runs
    /// once per repetition (`loop { self.handle(msg) }`). One level only:
    /// method names are matched by name (and by the type called on when
    /// that is known), and deeper chains of them reach unrelated functions.
    fn note_call(&mut self, on: Option<String>, callee: String) {
        if let Some(&header) = self.repeats.last() {
            let paced = self.paced_by_consumer();
            self.called_repeatedly
                .entry(callee)
                .or_default()
                .push((on, header, paced));
        }
    }

    /// Is the code being walked part of a round of this channel's consumer,
    /// with no task in between that repeats on its own? What the consumer
    /// sends on its own queue each round, directly, from a loop over what it
    /// holds, or once from each task it starts, waits for the consumer to
    /// take it off: it cannot outrun it. A task it spawns that loops (a
    /// connection's read loop) is a producer of its own.
    fn paced_by_consumer(&self) -> bool {
        let Some(&(repeats, spawns)) = self.consumer_rounds.last() else {
            return false;
        };
        if self.opaque_repeat.is_some() {
            return false;
        }
        self.repeat_spawn_depth
            .get(repeats..)
            .is_some_and(|inner| inner.iter().all(|&d| d == spawns))
    }

    /// Walks `body`, a round of the consumer (see [`Self::paced_by_consumer`]).
    fn in_consumer_round<F: FnOnce(&mut Self)>(&mut self, body: F) {
        self.consumer_rounds
            .push((self.repeats.len(), self.spawn_depth));
        body(self);
        self.consumer_rounds.pop();
    }

    /// Walks `body`, inside a task that `spawn(..)` starts.
    fn in_spawned<F: FnOnce(&mut Self)>(&mut self, body: F) {
        self.spawn_depth += 1;
        body(self);
        self.spawn_depth -= 1;
    }

    /// Does a round of the loop whose body is `body` take messages off this
    /// channel, wherever in the round: a receive on it (also in a `select!`
    /// arm), the receiver lent to a call (`drain(&mut rx)`), or a call of a
    /// function of the file that receives (`self.handle_results()`)? Not
    /// inside a closure or task the round creates: that is another consumer.
    fn drains_in_round(&self, body: &syn::Block) -> bool {
        if self.receivers.size() == 0 {
            return false;
        }
        struct Drains<'s, 'a>(&'s SendFinder<'a>, bool);
        impl<'ast> Visit<'ast> for Drains<'_, '_> {
            fn visit_expr(&mut self, e: &'ast syn::Expr) {
                // Once found, the rest of the round is not walked.
                if !self.1 {
                    syn::visit::visit_expr(self, e);
                }
            }
            fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
                let method = m.method.to_string();
                // A method of the file by name, on a value whose type is
                // known to be the one that holds it (`reader.next()` is not
                // this type's `next`).
                let known_type = self.0.type_of(&m.receiver);
                let receiving_method = known_type.is_some()
                    && self.0.receiving_fns.iter().any(|f| {
                        f.name == method && f.ty.is_some() && f.may_be(known_type.as_deref())
                    });
                if (RECEIVE_METHODS.contains(&method.as_str())
                    && self.0.receivers.is_sender(&self.0.fn_name, &m.receiver))
                    || receiving_method
                {
                    self.1 = true;
                }
                syn::visit::visit_expr_method_call(self, m);
            }
            fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
                let callee = crate::syntax::call_path(c).and_then(crate::syntax::last_segment);
                // Lent, not given: `drain(&mut rx)` takes messages off and
                // hands the receiver back; `Stream::new(rx)` hands it away.
                let lends_receiver = |a: &syn::Expr| {
                    matches!(crate::syntax::strip_parens(a), syn::Expr::Reference(r)
                        if self.0.receivers.is_sender(&self.0.fn_name, &r.expr))
                };
                let receiving_fn = callee.is_some_and(|n| {
                    self.0
                        .receiving_fns
                        .iter()
                        .any(|f| f.ty.is_none() && f.name == n)
                });
                if receiving_fn || c.args.iter().any(lends_receiver) {
                    self.1 = true;
                }
                syn::visit::visit_expr_call(self, c);
            }
            fn visit_macro(&mut self, mac: &'ast syn::Macro) {
                self.1 |= tokens_receive(&mac.tokens, self.0.receivers, &self.0.fn_name);
            }
            fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
            fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
            fn visit_item(&mut self, _: &'ast syn::Item) {}
        }
        let mut d = Drains(self, false);
        d.visit_block(body);
        d.1
    }

    /// The type a method call is made on, when the file shows it: `self`,
    /// or a local bound to `Type::new(..)`. `None` when unknown.
    fn type_of(&self, receiver: &syn::Expr) -> Option<String> {
        match crate::syntax::strip_parens(receiver) {
            syn::Expr::Path(p) if p.path.is_ident("self") => self.impl_type.clone(),
            syn::Expr::Path(p) => {
                let ty = self.local_types.get(&p.path.get_ident()?.to_string())?;
                if ty == "Self" {
                    self.impl_type.clone()
                } else {
                    Some(ty.clone())
                }
            }
            syn::Expr::Reference(r) => self.type_of(&r.expr),
            // `self.as_mut().handle(..)`: the same value, seen through.
            syn::Expr::MethodCall(m)
                if matches!(
                    m.method.to_string().as_str(),
                    "as_mut" | "as_ref" | "project" | "clone" | "borrow" | "borrow_mut"
                ) =>
            {
                self.type_of(&m.receiver)
            }
            _ => None,
        }
    }

    /// `Type::f(..)` and `Self::f(..)`: the type named.
    fn type_of_path_call(&self, path: &syn::Path) -> Option<String> {
        let n = path.segments.len();
        let ty = path
            .segments
            .iter()
            .nth(n.checked_sub(2)?)?
            .ident
            .to_string();
        if ty == "Self" {
            return self.impl_type.clone();
        }
        ty.starts_with(|c: char| c.is_ascii_uppercase())
            .then_some(ty)
    }

    /// `tx.send(..)` inside a macro's tokens (`select!` arms and the like).
    /// Their loops are not parsed: in a consumer's round, a send after a
    /// `loop`, `while` or `for` keyword may repeat on its own, so the round
    /// does not pace it.
    fn scan_tokens(&mut self, tokens: &TokenStream) {
        let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
        let outer_opaque = self.opaque_repeat;
        for (i, t) in trees.iter().enumerate() {
            match t {
                // Only a consumer's round needs to tell (elsewhere the
                // enclosing parsed repeat stands for it).
                TokenTree::Ident(k)
                    if !self.consumer_rounds.is_empty()
                        && matches!(k.to_string().as_str(), "loop" | "while" | "for") =>
                {
                    self.opaque_repeat = Some(crate::Span::from(k.span()));
                }
                TokenTree::Group(g) => self.scan_tokens(&g.stream()),
                TokenTree::Ident(method) if SEND_METHODS.contains(&method.to_string().as_str()) => {
                    let Some((name, field)) = dotted_receiver(&trees, i) else {
                        continue;
                    };
                    let known = if field {
                        self.names.fields.contains(&name)
                    } else {
                        !self.shadowed.contains(&name)
                            && self.names.locals.contains(&(self.fn_name.clone(), name))
                    };
                    if known {
                        let carries = match trees.get(i + 1) {
                            Some(TokenTree::Group(args)) => args
                                .stream()
                                .into_iter()
                                .any(|t| self.paces(&t.to_string())),
                            _ => false,
                        };
                        self.record(crate::Span::from(method.span()), carries);
                    }
                }
                _ => {}
            }
        }
        self.opaque_repeat = outer_opaque;
    }
}

/// What a function's whole body says before its sends are looked at.
struct FnSurvey<'a> {
    names: &'a Names,
    fn_name: &'a str,
    replies: HashSet<String>,
    /// Names moved into a value.
    carried: HashSet<String>,
    capacity_checked: bool,
    /// Locals bound to a spawned task's handle (`let t = spawn(..)`): a
    /// message carrying one queues work that already runs.
    started: HashSet<String>,
    /// Locals bound to a count from constants (`let n = match kind { Tcp =>
    /// TCP_POOL, Udp => UDP_POOL }`).
    configured_counts: HashSet<String>,
    /// Locals bound to a measure of something (`let n = items.len()`).
    measured_counts: HashSet<String>,
    /// Locals holding an admission: a reservation against a budget
    /// (`pool.reserve(n)`, `sem.acquire_many_owned(n)`, `reserve_slot()`), or
    /// a value built from one (`Commit::new(permit)`). A message carrying one
    /// is counted against that budget while it waits in the queue.
    admitted: HashSet<String>,
    /// Locals whose type the binding shows: `let t = Task::new(..)`,
    /// `let t: Task = ..`, `let t = Task { .. }`.
    local_types: HashMap<String, String>,
}

impl<'a> FnSurvey<'a> {
    /// Reply senders count only when they travel inside a value (a call's
    /// argument, a field, a tuple): a oneshot the function sends on itself
    /// paces nothing.
    fn of(
        sig: &syn::Signature,
        block: &syn::Block,
        names: &'a Names,
        fn_name: &'a str,
    ) -> FnSurvey<'a> {
        let mut s = FnSurvey {
            names,
            fn_name,
            replies: HashSet::new(),
            carried: HashSet::new(),
            capacity_checked: false,
            started: HashSet::new(),
            configured_counts: HashSet::new(),
            measured_counts: HashSet::new(),
            admitted: HashSet::new(),
            local_types: HashMap::new(),
        };
        // A parameter whose type holds a permit (`tasks: Vec<PermittedTask>`).
        for input in &sig.inputs {
            if let syn::FnArg::Typed(t) = input {
                if crate::syntax::any_ident(&*t.ty, &mut |id| names_a_permit(id)) {
                    let mut bound = Vec::new();
                    pat_idents(&t.pat, &mut bound);
                    s.admitted.extend(bound);
                }
            }
        }
        s.visit_block(block);
        let carried = std::mem::take(&mut s.carried);
        s.replies.retain(|r| carried.contains(r));
        s
    }

    /// Does a binding's value hold an admission (see [`Self::admitted`])?
    fn admits(&self, init: &syn::Expr) -> bool {
        struct Admits<'s, 'a>(&'s FnSurvey<'a>, bool);
        impl<'ast> Visit<'ast> for Admits<'_, '_> {
            fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
                self.1 |= is_admission(&m.method.to_string());
                syn::visit::visit_expr_method_call(self, m);
            }
            fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
                let name = crate::syntax::call_path(c).and_then(crate::syntax::last_segment);
                self.1 |= name.is_some_and(|n| is_admission(&n));
                // Built from one: `Commit::new(permit)`.
                self.1 |= c.args.iter().any(|a| {
                    matches!(receiver_name(a), Some(Named::Local(n))
                        if self.0.admitted.contains(&n) || names_a_permit(&n))
                });
                syn::visit::visit_expr_call(self, c);
            }
            fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        }
        let mut a = Admits(self, false);
        a.visit_expr(init);
        a.1
    }

    fn carry(&mut self, e: &syn::Expr) {
        if let Some(Named::Local(n)) = receiver_name(e) {
            self.carried.insert(n);
        }
    }
}

impl<'ast> Visit<'ast> for FnSurvey<'_> {
    fn visit_local(&mut self, local: &'ast syn::Local) {
        if let Some(init) = &local.init {
            if crate::syntax::any_ident(&*init.expr, &mut |id| id == "oneshot") {
                if let Some(name) = first_of_tuple(&local.pat) {
                    self.replies.insert(name);
                }
            }
            if self.admits(&init.expr) {
                let mut bound = Vec::new();
                pat_idents(&local.pat, &mut bound);
                self.admitted.extend(bound);
            }
            if let syn::Pat::Ident(pi) = strip_pat_type(&local.pat) {
                let name = pi.ident.to_string();
                if let Some(ty) = bound_type(local) {
                    self.local_types.insert(name.clone(), ty);
                }
                if is_spawn_call(&init.expr) {
                    self.started.insert(name.clone());
                }
                if counts_from_constants(&init.expr) {
                    self.configured_counts.insert(name);
                } else if measures_something(&init.expr, &self.measured_counts) {
                    self.measured_counts.insert(name);
                }
            }
        }
        syn::visit::visit_local(self, local);
    }

    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        // `for t in tasks`: each item of an admitted collection holds its own.
        let admitted = &self.admitted;
        if crate::syntax::any_ident(&*f.expr, &mut |id| admitted.contains(id)) {
            let mut bound = Vec::new();
            pat_idents(&f.pat, &mut bound);
            self.admitted.extend(bound);
        }
        syn::visit::visit_expr_for_loop(self, f);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        // `tx.len() >= limit`, `tx.is_full()`: the producer checks the queue.
        let method = m.method.to_string();
        if (method == "len" || method == "is_full")
            && self.names.is_sender(self.fn_name, &m.receiver)
        {
            self.capacity_checked = true;
        }
        m.args.iter().for_each(|a| self.carry(a));
        syn::visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        c.args.iter().for_each(|a| self.carry(a));
        syn::visit::visit_expr_call(self, c);
    }

    fn visit_field_value(&mut self, f: &'ast syn::FieldValue) {
        self.carry(&f.expr);
        syn::visit::visit_field_value(self, f);
    }

    fn visit_expr_tuple(&mut self, t: &'ast syn::ExprTuple) {
        t.elems.iter().for_each(|e| self.carry(e));
        syn::visit::visit_expr_tuple(self, t);
    }

    fn visit_item_fn(&mut self, _: &'ast syn::ItemFn) {}
}

fn pat_idents(pat: &syn::Pat, out: &mut Vec<String>) {
    struct Idents<'a>(&'a mut Vec<String>);
    impl<'ast> Visit<'ast> for Idents<'_> {
        fn visit_pat_ident(&mut self, i: &'ast syn::PatIdent) {
            self.0.push(i.ident.to_string());
            syn::visit::visit_pat_ident(self, i);
        }
    }
    Idents(out).visit_pat(pat);
}

/// A call that reserves a share of a budget before the message is queued:
/// `reserve`, `force_reserve`, `reserve_slot`, `acquire`, `acquire_many_owned`,
/// `try_acquire`.
fn is_admission(name: &str) -> bool {
    name.contains("reserve") || name.starts_with("acquire") || name.starts_with("try_acquire")
}

/// The type a `let` shows for its local: an annotation, `Type::ctor(..)`,
/// or a struct literal (`Self` kept as written).
fn bound_type(local: &syn::Local) -> Option<String> {
    let path_type = |p: &syn::Path, nth_last: usize| {
        let n = p.segments.len().checked_sub(nth_last)?;
        let ty = p.segments.iter().nth(n)?.ident.to_string();
        ty.starts_with(|c: char| c.is_ascii_uppercase())
            .then_some(ty)
    };
    if let syn::Pat::Type(t) = &local.pat {
        if let syn::Type::Path(p) = &*t.ty {
            return path_type(&p.path, 1);
        }
    }
    match crate::syntax::strip_await_try(&local.init.as_ref()?.expr) {
        syn::Expr::Call(c) => crate::syntax::call_path(c).and_then(|p| path_type(p, 2)),
        syn::Expr::Struct(s) => path_type(&s.path, 1),
        _ => None,
    }
}

/// The sends after which a loop is left on success, by the span of the
/// send method's name: the send is a condition whose branch leaves (`if
/// let Err(m) = tx.send(m) { continue } else { break }`), or a later
/// statement of the body leaves (`tx.send(m)?; break;`).
fn leaving_sends(body: &syn::Block) -> HashSet<crate::Span> {
    let mut out = HashSet::new();
    let exits = |e: &syn::Expr| matches!(e, syn::Expr::Break(_) | syn::Expr::Return(_));
    collect_leaving_sends(body, &exits, &mut out);
    out
}

/// The sends of a `try_for_each`-like closure (`stream.try_for_each(|m|
/// async move { .. })`) after which the closure returns an error: the
/// error ends the whole stream, so the send is made once (`Close(c) => {
/// ret_tx.send(c); return Err(Closed) }`).
fn sends_ending_a_try_stream(
    args: &syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>,
) -> HashSet<crate::Span> {
    fn bodies(e: &syn::Expr) -> Vec<&syn::Block> {
        match crate::syntax::strip_parens(e) {
            syn::Expr::Closure(c) => bodies(&c.body),
            syn::Expr::Async(a) => vec![&a.block],
            syn::Expr::Block(b) => {
                let mut out = vec![&b.block];
                if let Some(syn::Stmt::Expr(tail, None)) = b.block.stmts.last() {
                    out.extend(bodies(tail));
                }
                out
            }
            _ => Vec::new(),
        }
    }
    // Returning an error ends the stream (`return Err(e)`, snafu's
    // `return Closed.fail()`, `ControlFlow::Break(..)`); `return Ok(())`
    // goes on to the next item.
    let exits = |e: &syn::Expr| {
        let syn::Expr::Return(syn::ExprReturn { expr: Some(v), .. }) = e else {
            return false;
        };
        match crate::syntax::strip_parens(v) {
            syn::Expr::Call(c) => matches!(&*c.func, syn::Expr::Path(p)
                if p.path.segments.last().is_some_and(|s| s.ident == "Err" || s.ident == "Break")),
            syn::Expr::MethodCall(m) => m.method == "fail",
            _ => false,
        }
    };
    let mut out = HashSet::new();
    for b in args.iter().flat_map(bodies) {
        collect_leaving_sends(b, &exits, &mut out);
    }
    out
}

/// [`leaving_sends`] of one block, and of the blocks nested in it (`if
/// tries >= 10 { tx.send(None); break; }`), not in loops or closures of
/// their own: the sends followed in their block by an exit (`exits`).
fn collect_leaving_sends(
    body: &syn::Block,
    exits: &dyn Fn(&syn::Expr) -> bool,
    out: &mut HashSet<crate::Span>,
) {
    for (i, st) in body.stmts.iter().enumerate() {
        let then_leaves = body.stmts[i + 1..]
            .iter()
            .any(|later| matches!(later, syn::Stmt::Expr(e, _) if exits(e)));
        let cond = match st {
            syn::Stmt::Expr(e @ (syn::Expr::If(_) | syn::Expr::Match(_)), _) => success_leaves(e),
            _ => None,
        };
        let mut sends = Sends(Vec::new());
        if then_leaves {
            sends.visit_stmt(st);
        } else {
            if let Some(cond) = cond {
                sends.visit_expr(cond);
            }
            let mut inner = InnerBlocks(Vec::new());
            inner.visit_stmt(st);
            for b in inner.0 {
                collect_leaving_sends(b, exits, out);
            }
        }
        out.extend(sends.0);
    }
}

/// The blocks directly inside a statement: branches of `if` and `match`,
/// plain blocks; not those of loops or closures, whose exits are their own.
struct InnerBlocks<'ast>(Vec<&'ast syn::Block>);

impl<'ast> Visit<'ast> for InnerBlocks<'ast> {
    fn visit_block(&mut self, b: &'ast syn::Block) {
        self.0.push(b);
    }
    fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {}
    fn visit_expr_while(&mut self, _: &'ast syn::ExprWhile) {}
    fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// `if let Err(m) = tx.send(m) { .. } else { break }`, `if tx.send(m).is_ok()
/// { return }`, `match tx.send(m) { Ok(_) => break, .. }`: the condition,
/// when the branch taken on its success leaves the loop.
fn success_leaves(e: &syn::Expr) -> Option<&syn::Expr> {
    match e {
        syn::Expr::If(i) => {
            let otherwise = || i.else_branch.as_ref().is_some_and(|(_, e)| leaves_expr(e));
            let success_leaves = match crate::syntax::strip_parens(&i.cond) {
                syn::Expr::Let(l) => match result_variant(&l.pat) {
                    Some(true) => leaves_block(&i.then_branch),
                    Some(false) => otherwise(),
                    None => false,
                },
                cond => match tests_success(cond) {
                    Some(true) => leaves_block(&i.then_branch),
                    Some(false) => otherwise(),
                    None => false,
                },
            };
            success_leaves.then_some(&*i.cond)
        }
        syn::Expr::Match(m) => m
            .arms
            .iter()
            .any(|a| result_variant(&a.pat) == Some(true) && leaves_expr(&a.body))
            .then_some(&*m.expr),
        _ => None,
    }
}

/// `Ok(..)` is `Some(true)`, `Err(..)` `Some(false)`.
fn result_variant(pat: &syn::Pat) -> Option<bool> {
    match pat {
        syn::Pat::TupleStruct(t) => match t.path.segments.last()?.ident.to_string().as_str() {
            "Ok" => Some(true),
            "Err" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// `x.is_ok()` is `Some(true)`, `x.is_err()` and `!x.is_ok()` `Some(false)`.
fn tests_success(cond: &syn::Expr) -> Option<bool> {
    match crate::syntax::strip_parens(cond) {
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => {
            tests_success(&u.expr).map(|b| !b)
        }
        syn::Expr::MethodCall(m) => match m.method.to_string().as_str() {
            "is_ok" => Some(true),
            "is_err" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Does the code `break` or `return` from the loop it sits in (not from a
/// loop or closure of its own)?
struct Leaves(bool);

impl<'ast> Visit<'ast> for Leaves {
    fn visit_expr_break(&mut self, _: &'ast syn::ExprBreak) {
        self.0 = true;
    }
    fn visit_expr_return(&mut self, _: &'ast syn::ExprReturn) {
        self.0 = true;
    }
    fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {}
    fn visit_expr_while(&mut self, _: &'ast syn::ExprWhile) {}
    fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
}

fn leaves_expr(e: &syn::Expr) -> bool {
    let mut l = Leaves(false);
    l.visit_expr(e);
    l.0
}

fn leaves_block(b: &syn::Block) -> bool {
    let mut l = Leaves(false);
    l.visit_block(b);
    l.0
}

/// The spans of send methods' names, outside nested loops and closures.
struct Sends(Vec<crate::Span>);

impl<'ast> Visit<'ast> for Sends {
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        if SEND_METHODS.contains(&m.method.to_string().as_str()) {
            self.0.push(crate::Span::from(m.method.span()));
        }
        syn::visit::visit_expr_method_call(self, m);
    }
    fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {}
    fn visit_expr_while(&mut self, _: &'ast syn::ExprWhile) {}
    fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
}

/// `spawn(..)`, `tokio::spawn(..)`, `rt.spawn(..)`, `spawn_blocking(..)`,
/// with `.await`/`?` around it or not.
fn is_spawn_call(e: &syn::Expr) -> bool {
    let spawn = |name: &str| name.starts_with("spawn");
    match crate::syntax::strip_await_try(e) {
        syn::Expr::Call(c) => crate::syntax::call_path(c)
            .and_then(crate::syntax::last_segment)
            .is_some_and(|n| spawn(&n)),
        syn::Expr::MethodCall(m) => spawn(&m.method.to_string()),
        _ => false,
    }
}

/// A name for a permit of a semaphore or slot supplier (`permit`,
/// `OwnedSemaphorePermit`, `TrackedPermittedTqResp`): a message holding one
/// is counted against that limit while it waits in the queue.
fn names_a_permit(ident: &str) -> bool {
    ident.to_ascii_lowercase().contains("permit")
}

/// An upper-case constant (`POOL_SIZE`), not a one-letter type parameter.
fn is_constant_name(ident: &str) -> bool {
    ident.len() > 1
        && ident.bytes().any(|b| b.is_ascii_uppercase())
        && ident
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// Is a count made of constants (`POOL_SIZE`, a `match` whose arms are
/// constants), with no length of anything in it?
fn counts_from_constants(e: &syn::Expr) -> bool {
    let mut constant = false;
    let mut measured = false;
    crate::syntax::any_ident(e, &mut |id| {
        constant |= is_constant_name(id);
        measured |= id == "len" || id == "count";
        false
    });
    constant && !measured
}

/// Does a `for` loop run over input? A literal range or array, or a field of
/// `self` (configuration), is not; nor is a range up to a field of `self`
/// (`for _ in 0..self.size`: one message per configured worker), nor up to
/// a number that measures nothing (`for _ in 0..n_tasks`: a batch of the
/// size asked for, not one message per item that arrived; `0..items.len()`
/// walks the items).
fn for_over_input(
    f: &syn::ExprForLoop,
    configured_counts: &HashSet<String>,
    measured_counts: &HashSet<String>,
) -> bool {
    match crate::syntax::strip_parens(&f.expr) {
        syn::Expr::Range(r) => match r.end.as_deref() {
            Some(end) => {
                // A literal or a constant measures nothing either.
                measures_something(end, measured_counts)
                    && !counts_from_constants(end)
                    && !crate::syntax::any_ident(end, &mut |id| {
                        id == "self" || configured_counts.contains(id)
                    })
            }
            None => true,
        },
        syn::Expr::Array(_) => false,
        other => !over_signals(other) && !crate::syntax::any_ident(other, &mut |id| id == "self"),
    }
}

/// Does every round start by waiting for the clock (`sleep(..).await`,
/// `sleep_until(..).await`, `interval.tick().await`), after at most checks
/// that leave (`if Instant::now() > deadline { break }`)? A loop whose
/// header reads nothing then sends at the timer's pace, not with the input.
/// A round that reads input first is driven by the input, whatever it waits
/// for later.
fn waits_for_the_clock_first(body: &syn::Block) -> bool {
    body.stmts
        .iter()
        .find(|st| !is_plain_exit_check(st))
        .is_some_and(crate::retry_model::is_delay_stmt)
}

/// `if Instant::now() > deadline { break }`: a check that leaves the loop,
/// does nothing else, and reads no input (no `.await`, no `?`).
fn is_plain_exit_check(st: &syn::Stmt) -> bool {
    match st {
        syn::Stmt::Expr(syn::Expr::If(i), _) => {
            i.else_branch.is_none()
                && !awaits_or_tries(&i.cond)
                && matches!(
                    i.then_branch.stmts.as_slice(),
                    [syn::Stmt::Expr(
                        syn::Expr::Break(_) | syn::Expr::Return(_),
                        _
                    )]
                )
        }
        _ => false,
    }
}

/// Does the expression `.await` or `?` anywhere?
fn awaits_or_tries(e: &syn::Expr) -> bool {
    struct Found(bool);
    impl<'ast> Visit<'ast> for Found {
        fn visit_expr_await(&mut self, _: &'ast syn::ExprAwait) {
            self.0 = true;
        }
        fn visit_expr_try(&mut self, _: &'ast syn::ExprTry) {
            self.0 = true;
        }
    }
    let mut f = Found(false);
    f.visit_expr(e);
    f.0
}

/// A `while` condition made of names, literals and arithmetic (`n + rate <
/// n_tasks`): it reads no input.
fn reads_nothing(cond: &syn::Expr) -> bool {
    struct Reads(bool);
    impl<'ast> Visit<'ast> for Reads {
        fn visit_expr(&mut self, e: &'ast syn::Expr) {
            match e {
                syn::Expr::Path(_)
                | syn::Expr::Lit(_)
                | syn::Expr::Binary(_)
                | syn::Expr::Unary(_)
                | syn::Expr::Cast(_)
                | syn::Expr::Paren(_) => syn::visit::visit_expr(self, e),
                _ => self.0 = true,
            }
        }
    }
    let mut r = Reads(false);
    r.visit_expr(cond);
    !r.0
}

/// A `for` over a range (`0..`, `0..n`), not over a collection or iterator.
fn is_a_count(e: &syn::Expr) -> bool {
    matches!(crate::syntax::strip_parens(e), syn::Expr::Range(_))
}

/// Does a count measure something (`items.len()`, `msg.num_items`, a number
/// parsed or read, a local bound to one), or is it a number the code was
/// given: names, literals and arithmetic on them (`0..n_tasks - sent`: a
/// fixed batch)?
fn measures_something(count: &syn::Expr, measured_counts: &HashSet<String>) -> bool {
    !reads_nothing(count) || crate::syntax::any_ident(count, &mut |id| measured_counts.contains(id))
}

/// Does a round start by waiting for the process's signals (`for sig in
/// signals.wait() { .. }`, `let sig = signals.recv().await;`)?
fn waits_for_signals(st: &syn::Stmt) -> bool {
    match st {
        syn::Stmt::Expr(syn::Expr::ForLoop(f), _) => over_signals(&f.expr),
        syn::Stmt::Expr(syn::Expr::While(w), _) => over_signals(&w.cond),
        syn::Stmt::Expr(e, _) => over_signals(e),
        syn::Stmt::Local(l) => l.init.as_ref().is_some_and(|i| over_signals(&i.expr)),
        _ => false,
    }
}

/// Does the loop walk the process's signals (`for sig in signals.forever()`,
/// `while let Some(s) = signals.next().await`)? They come from this machine
/// at a person's or the system's pace: not input that grows with load.
fn over_signals(e: &syn::Expr) -> bool {
    let e = match crate::syntax::strip_parens(e) {
        syn::Expr::Let(l) => &*l.expr,
        e => e,
    };
    let (calls, root) = crate::syntax::method_chain(crate::syntax::strip_await_try(e));
    // A signal iterator's or stream's own wait (`wait`, `forever`, `recv`,
    // `next`), not any collection whose name says signal.
    let waits = calls.last().is_some_and(|m| {
        matches!(
            m.method.to_string().as_str(),
            "wait" | "forever" | "pending" | "recv" | "next"
        )
    });
    if !waits {
        return false;
    }
    let root = match crate::syntax::strip_parens(root) {
        syn::Expr::Reference(r) => &*r.expr,
        e => e,
    };
    match root {
        syn::Expr::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident.to_string().to_ascii_lowercase().contains("signal")),
        syn::Expr::Field(f) => {
            matches!(&f.member, syn::Member::Named(n) if n.to_string().to_ascii_lowercase().contains("signal"))
        }
        _ => false,
    }
}

/// Does the code await a send (`tx.send(v).await`, `send_async`,
/// `reserve`), also inside macro tokens (`select!` arms)? An unbounded
/// queue's send is not awaited: this is a bounded one, whose consumer paces
/// the loop.
fn awaits_a_send(tokens: TokenStream) -> bool {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    trees.windows(4).any(|w| match w {
        [TokenTree::Ident(send), TokenTree::Group(args), TokenTree::Punct(dot), TokenTree::Ident(wait)] => {
            matches!(send.to_string().as_str(), "send" | "send_async" | "reserve")
                && args.delimiter() == proc_macro2::Delimiter::Parenthesis
                && dot.as_char() == '.'
                && wait == "await"
        }
        _ => false,
    }) || trees.iter().any(|t| match t {
        TokenTree::Group(g) => awaits_a_send(g.stream()),
        _ => false,
    })
}

/// `let timer = after(d);` (then `select! { recv(timer) .. }`): the round
/// starts by arming a timer.
fn binds_a_timer(st: &syn::Stmt) -> bool {
    let syn::Stmt::Local(local) = st else {
        return false;
    };
    let Some(init) = &local.init else {
        return false;
    };
    match crate::syntax::strip_await_try(&init.expr) {
        syn::Expr::Call(c) => crate::syntax::call_path(c)
            .and_then(crate::syntax::last_segment)
            .is_some_and(|n| {
                matches!(n.as_str(), "after" | "tick" | "interval" | "timeout_at")
                    || crate::retry_model::is_delay_name(&n)
            }),
        _ => false,
    }
}

/// Does a loop condition wait for a timer: an interval's `tick()`, or the
/// next item of a local named for one (`interval`, `ticker`, `timer`)?
fn waits_for_a_timer(cond: &syn::Expr) -> bool {
    struct Timer(bool);
    impl<'ast> Visit<'ast> for Timer {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            let method = m.method.to_string();
            let timer_receiver = || {
                crate::syntax::any_ident(&m.receiver, &mut |id| {
                    let id = id.to_ascii_lowercase();
                    ["interval", "ticker", "timer"]
                        .iter()
                        .any(|t| id.contains(t))
                })
            };
            if method == "tick" || (method == "next" && timer_receiver()) {
                self.0 = true;
            }
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut t = Timer(false);
    t.visit_expr(cond);
    t.0
}

impl<'ast> Visit<'ast> for SendFinder<'_> {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.in_fn(&f.sig, &f.block, |s| syn::visit::visit_item_fn(s, f));
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.in_fn(&f.sig, &f.block, |s| syn::visit::visit_impl_item_fn(s, f));
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        let outer = std::mem::replace(&mut self.impl_type, impl_type_name(i));
        syn::visit::visit_item_impl(self, i);
        self.impl_type = outer;
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        syn::visit::visit_local(self, local);
        // A tuple pattern is where channels are made (the seed among them).
        if let (Some(init), false) = (
            &local.init,
            matches!(strip_pat_type(&local.pat), syn::Pat::Tuple(_)),
        ) {
            self.shadow(&local.pat, &init.expr);
        }
    }

    fn visit_expr_let(&mut self, l: &'ast syn::ExprLet) {
        self.shadow(&l.pat, &l.expr);
        syn::visit::visit_expr_let(self, l);
    }

    fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
        // `loop { timer.tick().await; tx.send(Ping) }`: driven by a timer,
        // not by input.
        if l.body.stmts.first().is_some_and(|st| {
            crate::retry_model::is_delay_stmt(st) || binds_a_timer(st) || waits_for_signals(st)
        }) {
            return syn::visit::visit_expr_loop(self, l);
        }
        if self.is_consumer_loop(l.body.stmts.first()) || self.drains_in_round(&l.body) {
            return self.in_consumer_round(|s| syn::visit::visit_expr_loop(s, l));
        }
        self.in_repeat(
            crate::Span::from(l.loop_token.span),
            self.renews_channel(l.loop_token.span, &l.body),
            leaving_sends(&l.body),
            |s| syn::visit::visit_expr_loop(s, l),
        );
    }

    fn visit_expr_while(&mut self, l: &'ast syn::ExprWhile) {
        // `while interval.next().await.is_some()`: driven by a timer.
        if waits_for_a_timer(&l.cond)
            || over_signals(&l.cond)
            || (reads_nothing(&l.cond) && waits_for_the_clock_first(&l.body))
        {
            return syn::visit::visit_expr_while(self, l);
        }
        if self.receives(&l.cond) || self.drains_in_round(&l.body) {
            return self.in_consumer_round(|s| syn::visit::visit_expr_while(s, l));
        }
        self.in_repeat(
            crate::Span::from(l.while_token.span),
            self.renews_channel(l.while_token.span, &l.body),
            leaving_sends(&l.body),
            |s| syn::visit::visit_expr_while(s, l),
        );
    }

    fn visit_expr_for_loop(&mut self, l: &'ast syn::ExprForLoop) {
        if self.receives(&l.expr) || self.drains_in_round(&l.body) {
            self.in_consumer_round(|s| syn::visit::visit_expr_for_loop(s, l));
        } else if for_over_input(l, &self.configured_counts, &self.measured_counts)
            && !(is_a_count(&l.expr) && waits_for_the_clock_first(&l.body))
        {
            self.in_repeat(
                crate::Span::from(l.for_token.span),
                self.renews_channel(l.for_token.span, &l.body),
                leaving_sends(&l.body),
                |s| syn::visit::visit_expr_for_loop(s, l),
            );
        } else {
            syn::visit::visit_expr_for_loop(self, l);
        }
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let method = m.method.to_string();
        if SEND_METHODS.contains(&method.as_str()) && self.is_sender(&m.receiver) {
            let carries = self.carries_pacing(&m.args);
            self.record(crate::Span::from(m.method.span()), carries);
        }
        // A send retried until accepted (see [`leaving_sends`]) is not a
        // call made on every round. A method on a chain that starts from a
        // call (`Builder::new().name(n).spawn(..)`) belongs to a type the
        // file does not show.
        let leaves = self
            .leaving
            .last()
            .is_some_and(|sends| sends.contains(&crate::Span::from(m.method.span())));
        let (_, root) = crate::syntax::method_chain(&m.receiver);
        if !leaves && !matches!(crate::syntax::strip_parens(root), syn::Expr::Call(_)) {
            self.note_call(self.type_of(&m.receiver), method.clone());
        }
        // `rx_stream.map(|m| ..)`: the consumer's own per-message closure.
        let on_receiver = || {
            let (_, root) = crate::syntax::method_chain(&m.receiver);
            self.receives(root)
                || matches!(crate::syntax::strip_parens(root),
                    syn::Expr::Call(c) if c.args.len() == 1 && self.receives(&c.args[0]))
        };
        if PER_ITEM.contains(&method.as_str()) && !on_receiver() {
            self.visit_expr(&m.receiver);
            let header = crate::Span::from(m.method.span());
            let leaving = if method.starts_with("try_") {
                sends_ending_a_try_stream(&m.args)
            } else {
                HashSet::new()
            };
            self.in_repeat(header, false, leaving, |s| {
                for a in &m.args {
                    s.visit_expr(a);
                }
            });
            return;
        }
        if method.starts_with("spawn") {
            self.visit_expr(&m.receiver);
            self.in_spawned(|s| {
                for a in &m.args {
                    s.visit_expr(a);
                }
            });
            return;
        }
        syn::visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let Some(path) = crate::syntax::call_path(c) {
            if let Some(name) = crate::syntax::last_segment(path) {
                self.note_call(self.type_of_path_call(path), name);
            }
        }
        let spawns = crate::syntax::call_path(c)
            .and_then(crate::syntax::last_segment)
            .is_some_and(|n| n.starts_with("spawn"));
        if spawns {
            self.in_spawned(|s| syn::visit::visit_expr_call(s, c));
        } else {
            syn::visit::visit_expr_call(self, c);
        }
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if awaits_a_send(mac.tokens.clone()) {
            self.awaited_send();
        }
        self.scan_tokens(&mac.tokens);
    }

    fn visit_expr_await(&mut self, a: &'ast syn::ExprAwait) {
        if let syn::Expr::MethodCall(m) = &*a.base {
            // Not the unbounded queue's own `send_async` (it returns at once).
            if matches!(
                m.method.to_string().as_str(),
                "send" | "send_async" | "reserve"
            ) && !self.is_sender(&m.receiver)
            {
                self.awaited_send();
            }
        }
        syn::visit::visit_expr_await(self, a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn producers_of(src: &str) -> Producers {
        let file: syn::File = syn::parse_str(src).unwrap();
        // The constructor is the call to `unbounded_channel`.
        struct Find(Option<crate::Span>);
        impl<'ast> Visit<'ast> for Find {
            fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
                if crate::syntax::call_name(c).as_deref() == Some("unbounded_channel") {
                    self.0 = Some(crate::syntax::call_span(c));
                }
                syn::visit::visit_expr_call(self, c);
            }
        }
        let mut f = Find(None);
        f.visit_file(&file);
        producers(&file, f.0.unwrap())
    }

    #[test]
    fn send_in_accept_loop_is_repeating() {
        let p = producers_of(
            "async fn serve(l: Listener) { let (tx, rx) = unbounded_channel(); \
             loop { let s = l.accept().await; let tx2 = tx.clone(); tokio::spawn(async move { tx2.send(s); }); } }",
        );
        assert!(p.unpaced_repeating().is_some());
    }

    #[test]
    fn one_send_is_not_repeating() {
        let p = producers_of("fn start() { let (tx, rx) = unbounded_channel(); std::thread::spawn(move || tx.send(init())); }");
        assert_eq!(p.sends.len(), 1);
        assert!(p.unpaced_repeating().is_none());
    }

    #[test]
    fn messages_that_carry_their_pacing() {
        for src in [
            // A permit taken before the send holds a slot while it waits.
            "async fn f(l: L, sem: Arc<Semaphore>) { let (tx, rx) = unbounded_channel(); \
             loop { let permit = sem.clone().acquire_owned().await; let r = l.poll().await; tx.send((r, permit)); } }",
            // A handle of a task already running.
            "async fn f(l: L) { let (tx, rx) = unbounded_channel(); \
             loop { let r = l.poll().await; let task = tokio::spawn(work(r)); tx.send(task); } }",
            // Each round also waits on a bounded queue's consumer.
            "async fn f(l: L, out: Sender<S>) { let (tx, rx) = unbounded_channel(); \
             loop { let s = l.accept().await; tx.send(true); out.send(s).await; } }",
            // A count made of constants, through a local.
            "fn f(kind: Kind) { let (tx, rx) = unbounded_channel(); \
             let n = match kind { Kind::Tcp => TCP_POOL, Kind::Udp => UDP_POOL }; for _ in 0..n { tx.send(true); } }",
            // A round that starts by arming a timer.
            "fn f() { let (tx, rx) = unbounded_channel(); loop { let timer = after(D); select! { recv(timer) -> _ => { tx.send(Renew); } } } }",
        ] {
            assert!(producers_of(src).unpaced_repeating().is_none(), "{src}");
        }
        // Near misses: a message of input only, a count of the input.
        for src in [
            "async fn f(l: L) { let (tx, rx) = unbounded_channel(); loop { let r = l.poll().await; tx.send(r); } }",
            "fn f(items: &[u8]) { let (tx, rx) = unbounded_channel(); let n = items.len(); for _ in 0..n { tx.send(true); } }",
            "async fn f(l: L) { let (tx, rx) = unbounded_channel(); loop { let s = l.accept().await; tx.send_async(s).await; } }",
        ] {
            assert!(producers_of(src).unpaced_repeating().is_some(), "{src}");
        }
    }

    #[test]
    fn timer_driven_loops_are_not_input() {
        for src in [
            "async fn f() { let (tx, rx) = unbounded_channel(); let mut timer = interval(D); \
             loop { timer.tick().await; if tx.send(Ping).is_err() { break; } } }",
            "async fn f() { let (tx, rx) = unbounded_channel(); let mut interval = ex.interval(D); \
             while interval.next().await.is_some() { tx.send(Redeliver).await; } }",
            "impl Drop for Pool { fn drop(&mut self) { for _ in 0..self.size { self.tx.send(Close); } } } \
             fn new() -> Pool { let (tx, rx) = unbounded_channel(); Pool { tx, size: 4 } }",
        ] {
            assert!(producers_of(src).unpaced_repeating().is_none(), "{src}");
        }
        // A loop that reads input each round is input-driven, delay or not.
        let p = producers_of(
            "async fn f(mut sock: S) { let (tx, rx) = unbounded_channel(); \
             loop { let m = sock.read().await; tx.send(m); sleep(D).await; } }",
        );
        assert!(p.unpaced_repeating().is_some());
    }

    #[test]
    fn literal_range_is_not_input() {
        let p = producers_of(
            "fn f() { let (tx, rx) = unbounded_channel(); for i in 0..4 { tx.send(i); } }",
        );
        assert!(p.unpaced_repeating().is_none());
    }

    #[test]
    fn a_count_given_is_not_input_a_measured_one_is() {
        let p = producers_of(
            "fn f(n_tasks: usize) { let (tx, rx) = unbounded_channel(); for _ in 0..n_tasks { tx.send(()); } }",
        );
        assert!(p.unpaced_repeating().is_none(), "{p:?}");
        let p = producers_of(
            "fn f(items: Vec<u32>) { let (tx, rx) = unbounded_channel(); for i in 0..items.len() { tx.send(items[i]); } }",
        );
        assert!(p.unpaced_repeating().is_some(), "{p:?}");
    }

    #[test]
    fn every_round_waiting_for_the_clock_is_not_input() {
        let p = producers_of(
            "async fn f(start: Instant, end: Instant) { let (tx, rx) = unbounded_channel(); \
             for i in 0.. { if Instant::now() > end { break; } sleep_until(start + i).await; tx.send(()); } }",
        );
        assert!(p.unpaced_repeating().is_none(), "{p:?}");
        // Near miss: a wait on one branch does not pace every round.
        let p = producers_of(
            "async fn f(mut s: Stream) { let (tx, rx) = unbounded_channel(); \
             while let Some(x) = s.next().await { if x == 0 { sleep(d).await; } tx.send(x); } }",
        );
        assert!(p.unpaced_repeating().is_some(), "{p:?}");
    }

    #[test]
    fn field_sender_in_another_method() {
        let p = producers_of(
            "impl S { fn new() -> S { let (tx, rx) = unbounded_channel(); S { events: tx } } \
             fn pump(&self, stream: Stream) { while let Some(x) = stream.next() { self.events.send(x); } } }",
        );
        assert!(p.unpaced_repeating().is_some());
    }

    #[test]
    fn shorthand_field() {
        let p = producers_of(
            "impl B { fn new() -> B { let (out, _rx) = tmpsc::unbounded_channel(); B { out } } \
             async fn pump(&self, mut socket: S) { while let Some(packet) = socket.next().await { let _ = self.out.send(packet); } } }",
        );
        assert!(p.sender.is_some(), "{p:?}");
        assert!(p.unpaced_repeating().is_some(), "{p:?}");
    }

    #[test]
    fn parameter_sender_in_a_helper() {
        let p = producers_of(
            "fn main() { let (tx, rx) = unbounded_channel(); run(rx_other, tx); } \
             fn run(a: A, out: Sender) { for item in a.items() { out.send(item); } }",
        );
        assert!(p.unpaced_repeating().is_some());
    }

    #[test]
    fn reply_paced_requests() {
        let p = producers_of(
            "impl H { fn new() -> H { let (tx, rx) = unbounded_channel(); H { tx } } \
             async fn call(&self, reqs: Vec<R>) { for r in reqs { let (reply, wait) = oneshot::channel(); \
             self.tx.send((r, reply)); wait.await; } } }",
        );
        assert_eq!(p.sends.len(), 1);
        assert!(p.sends[0].paced);
        assert!(p.unpaced_repeating().is_none());
    }

    #[test]
    fn consumer_round_paces_what_it_queues_itself() {
        // Drained by a receiver lent to a call, sends from a loop over
        // what the round holds.
        let p = producers_of(
            "async fn f(s: S) { let (tx, mut rx) = unbounded_channel(); \
             loop { let done = drain(&mut rx); let tasks = s.poll(done).await; \
             for t in tasks { tx.send(t); } } }",
        );
        assert!(p.unpaced_repeating().is_none());
        // Drained in a `select!` arm; a task per item sends once.
        let p = producers_of(
            "async fn f(mut u: U) { let (tx, mut rx) = unbounded_channel(); \
             loop { tokio::select! { Some(a) = u.next() => { let tx = tx.clone(); \
             tokio::spawn(async move { tx.send(a); }); } Some(d) = rx.recv() => drop(d), } } }",
        );
        assert!(p.unpaced_repeating().is_none());
        // Drained by a method of the same type, sent by another.
        let p = producers_of(
            "struct W { rx: Rx, tx: Tx } impl W { fn new() -> W { let (tx, rx) = unbounded_channel(); W { rx, tx } } \
             async fn run(&mut self, mut u: U) { while let Some(i) = u.next().await { self.handle(); self.push(i); } } \
             fn handle(&mut self) { self.rx.try_recv(); } fn push(&self, i: u32) { self.tx.send(i); } }",
        );
        assert!(p.unpaced_repeating().is_none());
    }

    #[test]
    fn consumer_round_does_not_pace_a_task_that_loops_or_a_receiver_given_away() {
        // A spawned task with a loop of its own is a producer.
        let p = producers_of(
            "async fn f(l: L) { let (tx, mut rx) = unbounded_channel(); \
             loop { let d = rx.try_recv(); let c = l.accept().await; let tx = tx.clone(); \
             tokio::spawn(async move { loop { tx.send(c.read().await); } }); } }",
        );
        assert!(p.unpaced_repeating().is_some());
        // The same, with the task inside a `select!` arm's tokens.
        let p = producers_of(
            "async fn f(l: L) { let (tx, mut rx) = unbounded_channel(); \
             loop { tokio::select! { c = l.accept() => { let tx = tx.clone(); \
             tokio::spawn(async move { loop { tx.send(c.read().await); } }); } d = rx.recv() => drop(d), } } }",
        );
        assert!(p.unpaced_repeating().is_some());
        // A receiver handed away by value is not drained in the round.
        let p = producers_of(
            "async fn f(mut s: S) { let (tx, rx) = unbounded_channel(); \
             loop { let m = s.read().await; handler(Stream::new(rx)); tx.send(m); } }",
        );
        assert!(p.unpaced_repeating().is_some());
        // A receive inside a task the called function starts is not the
        // caller's round.
        let p = producers_of(
            "fn start() -> Tx { let (tx, mut rx) = unbounded_channel(); \
             tokio::spawn(async move { while let Some(m) = rx.recv().await { drop(m) } }); tx } \
             async fn f(mut s: S) { let (tx, rx2) = unbounded_channel(); \
             loop { start(); let m = s.read().await; tx.send(m); } }",
        );
        assert!(p.unpaced_repeating().is_some());
    }

    #[test]
    fn send_in_select_macro_in_loop() {
        let p = producers_of(
            "async fn f(mut sock: S) { let (tx, rx) = unbounded_channel(); \
             loop { tokio::select! { m = sock.read() => { tx.send(m); } } } }",
        );
        assert!(p.unpaced_repeating().is_some());
    }

    #[test]
    fn per_item_closure_repeats() {
        let p = producers_of(
            "fn f(items: Vec<u8>) { let (tx, rx) = unbounded_channel(); items.into_iter().for_each(|i| { tx.send(i); }); }",
        );
        assert!(p.unpaced_repeating().is_some());
    }

    #[test]
    fn shadowed_name_is_not_the_sender() {
        let p = producers_of(
            "fn f(mut rx: R, other: Option<S>) { let (tx, _r) = unbounded_channel(); keep(tx); \
             while let Some(m) = rx.next() { if let Some(tx) = &other { tx.send(m); } } }",
        );
        assert!(p.sends.is_empty());
    }

    #[test]
    fn capacity_checked_before_sending() {
        let p = producers_of(
            "impl C { fn sub(&mut self) { let (tx, rx) = unbounded_channel(); self.subs.push(Sub { messages: tx }); } \
             fn read(&self, sock: S) { while let Some(m) = sock.next() { let s = self.get(); \
             if s.messages.len() >= LIMIT { continue; } s.messages.send(m); } } }",
        );
        assert!(p.unpaced_repeating().is_none());
        assert!(!p.sends.is_empty());
    }

    #[test]
    fn message_built_with_a_reply_earlier() {
        let p = producers_of(
            "impl C { fn new() -> C { let (tx, rx) = unbounded_channel(); C { pending: tx } } \
             fn route(&self, cmds: Vec<Cmd>) { let reqs: Vec<_> = cmds.into_iter().map(|c| { \
             let (sender, receiver) = oneshot::channel(); Req { c, sender } }).collect(); \
             for r in reqs { self.pending.send(r); } } }",
        );
        assert!(p.unpaced_repeating().is_none());
    }

    #[test]
    fn a_oneshot_sent_on_directly_paces_nothing() {
        let p = producers_of(
            "async fn call(req: R) { let (send, recv) = oneshot::channel(); let (sender, receiver) = unbounded_channel(); \
             spawn(async move { send.send(head); while let Some(x) = body.frame().await { sender.send(x); } }); }",
        );
        assert!(p.unpaced_repeating().is_some());
    }

    #[test]
    fn send_in_a_handler_called_from_a_read_loop() {
        let p = producers_of(
            "impl Sink { fn new(s: S) -> Self { let (sender, r) = unbounded_channel(); Sink { sender } } \
             fn poll_read(&mut self) { loop { let item = self.stream.poll_next(); self.handle(item); } } \
             fn handle(&mut self, item: I) { self.sender.send(item); } }",
        );
        assert!(p.unpaced_repeating().is_some());
    }

    #[test]
    fn a_dropped_receiver_queues_nothing() {
        let pump = "fn pump(&self, s: S) { while let Some(x) = s.next() { self.tx.send(x); } } }";
        let p = producers_of(&format!(
            "impl C {{ fn new() -> C {{ let (tx, _) = unbounded_channel(); C {{ tx }} }} {pump}"
        ));
        assert!(p.sends.is_empty(), "{p:?}");
        // Near miss: `_rx` keeps the receiver alive.
        let p = producers_of(&format!(
            "impl C {{ fn new() -> C {{ let (tx, _rx) = unbounded_channel(); C {{ tx }} }} {pump}"
        ));
        assert!(p.unpaced_repeating().is_some(), "{p:?}");
    }

    #[test]
    fn the_consumer_loop_is_not_a_producer() {
        for src in [
            // Each message taken off may put one back.
            "fn run() { let (tx, rx) = unbounded_channel(); while let Some(m) = rx.recv() { tx.send(m.next_step()); } }",
            "fn run() { let (tx, rx) = unbounded_channel(); loop { let m = rx.recv().unwrap(); tx.send(m.retry()); } }",
            // The consumer's per-message closure over its own stream.
            "fn run() { let (tx, rx) = unbounded_channel(); let s = ReceiverStream::new(rx).map(|m| { tx.send(Ack); m }); }",
            // A work list: the consumer puts back the children of what it
            // took off; it cannot outrun itself.
            "fn run() { let (tx, rx) = unbounded_channel(); while let Some(m) = rx.recv() { for c in m.children() { tx.send(c); } } }",
        ] {
            assert!(producers_of(src).unpaced_repeating().is_none(), "{src}");
        }
        for src in [
            // Another queue's loop feeds this one.
            "fn run(other: R) { let (tx, rx) = unbounded_channel(); while let Some(m) = other.recv() { tx.send(m); } }",
            // A task the consumer starts that loops on its own.
            "fn run(l: L) { let (tx, rx) = unbounded_channel(); while let Some(m) = rx.recv() { let tx = tx.clone(); std::thread::spawn(move || loop { tx.send(l.read()); }); } }",
        ] {
            assert!(producers_of(src).unpaced_repeating().is_some(), "{src}");
        }
    }

    #[test]
    fn a_method_of_another_type_is_not_the_one_called() {
        let client = "impl Client { fn tick(&self) { self.tx.send(Tick); } }";
        let p = producers_of(&format!(
            "{client} fn run(s: S) {{ let (tx, rx) = unbounded_channel(); let c = Client {{ tx }}; \
             let mut w = Worker::new(); loop {{ let m = s.read(); w.tick(); }} }}"
        ));
        assert!(p.unpaced_repeating().is_none(), "{p:?}");
        // A library builder's `spawn` is not the file's own.
        let p = producers_of(
            "impl Pool { fn spawn(&self, f: F) { self.tx.send(f); } } \
             fn new(names: Vec<String>) -> Pool { let (tx, rx) = unbounded_channel(); \
             for n in names { thread::Builder::new().name(n).spawn(move || work()); } Pool { tx } }",
        );
        assert!(p.unpaced_repeating().is_none(), "{p:?}");
        // Near miss: the loop calls the sending type's method.
        let p = producers_of(&format!(
            "{client} fn run(s: S) {{ let (tx, rx) = unbounded_channel(); let c = Client {{ tx }}; \
             loop {{ let m = s.read(); c.tick(); }} }}"
        ));
        assert!(p.unpaced_repeating().is_some(), "{p:?}");
    }

    #[test]
    fn a_channel_made_each_round_or_sent_on_ending_a_stream_is_not_repeated() {
        for src in [
            // Each round makes its own channel and keeps its sender within it.
            "fn f(hooks: Vec<H>) { for h in hooks { let (tx, rx) = unbounded_channel(); \
             spawn(move || { tx.send(h.wait()); }); rx.recv(); } }",
            // The send is followed by the error that ends the stream.
            // Each round waits for the process's signals.
            "fn f(mut signals: Signals) { let (tx, rx) = unbounded_channel(); \
             loop { for s in signals.wait() { tx.send(s); } } }",
            "async fn f(mut signals: Signals) { let (tx, rx) = unbounded_channel(); \
             while let Some(s) = signals.next().await { tx.send(s); } }",
            "fn f(read: R) { let (tx, rx) = unbounded_channel(); read.try_for_each(move |m| { let tx = tx.clone(); \
             async move { match m { Close(c) => { tx.send(c); return Err(E); } _ => {} } Ok(()) } }); }",
        ] {
            assert!(producers_of(src).unpaced_repeating().is_none(), "{src}");
        }
        for src in [
            // Near miss: the round's sender is kept in a map across rounds.
            "async fn f(sock: S) { let mut m = HashMap::new(); loop { let x = sock.read().await; \
             let (tx, rx) = unbounded_channel(); tx.send(x); m.insert(1, tx); } }",
            // Near miss: `return Ok(())` goes on to the next message.
            "fn f(read: R) { let (tx, rx) = unbounded_channel(); read.try_for_each(move |m| { let tx = tx.clone(); \
             async move { tx.send(m); return Ok(()); } }); }",
        ] {
            assert!(producers_of(src).unpaced_repeating().is_some(), "{src}");
        }
    }

    #[test]
    fn a_send_whose_success_leaves_the_loop_is_made_once() {
        for src in [
            "async fn f(tx0: T, op: Op) { let (tx, rx) = unbounded_channel(); let mut op = op; \
             loop { let s = pick().await; if let Err(e) = tx.send(op) { op = e.0; continue; } else { break; } } }",
            "async fn f(sock: S) { let (tx, rx) = unbounded_channel(); loop { let m = sock.read().await; tx.send(m)?; break; } }",
            "async fn f(sock: S) { let (tx, rx) = unbounded_channel(); \
             loop { let m = sock.read().await; match tx.send(m) { Ok(()) => return, Err(_) => {} } } }",
            // The send sits in a branch that then leaves (a start-up result).
            "async fn f(addr: A) { let (tx, rx) = unbounded_channel(); let mut tries = 0; \
             loop { let r = bind(addr); if r.is_ok() { break; } tries += 1; \
             if tries >= 10 { tx.send(None).await; break; } sleep(D).await; } }",
        ] {
            assert!(producers_of(src).unpaced_repeating().is_none(), "{src}");
        }
        // Near miss: a forwarder that leaves only when the send fails.
        let p = producers_of(
            "async fn f(sock: S) { let (tx, rx) = unbounded_channel(); \
             loop { let m = sock.read().await; if tx.send(m).is_err() { break; } } }",
        );
        assert!(p.unpaced_repeating().is_some(), "{p:?}");
    }

    #[test]
    fn a_message_holding_an_admission_is_budgeted() {
        for src in [
            "fn f(&mut self, records: Vec<R>) { let (tx, rx) = unbounded_channel(); \
             for r in records { let lease = self.pool.force_reserve(r.size()); tx.send((r, lease)); } }",
            "async fn f(sock: S, sem: Arc<Semaphore>) { let (tx, rx) = unbounded_channel(); \
             loop { let m = sock.read().await; let slot = sem.clone().acquire_many_owned(m.len()).await; tx.send((m, slot)); } }",
            // A value built from a permit carries it.
            "async fn f(sock: S, sem: Arc<Semaphore>) { let (tx, rx) = unbounded_channel(); \
             loop { let m = sock.read().await; let p = sem.try_acquire_owned()?; let (commit, resolver) = Commit::new(p); tx.send((resolver, m)); } }",
        ] {
            assert!(producers_of(src).unpaced_repeating().is_none(), "{src}");
        }
        // Items of a parameter whose type holds a permit.
        let src = "impl Q { fn new() -> Q { let (tx, rx) = unbounded_channel(); Q { tx } } \
                   fn add(&self, tasks: Vec<PermittedTask>) { for t in tasks { self.tx.send(t); } } }";
        assert!(producers_of(src).unpaced_repeating().is_none(), "{src}");
        let src = src.replace("PermittedTask", "Task");
        assert!(producers_of(&src).unpaced_repeating().is_some(), "{src}");
        // Near miss: a reservation made but not carried.
        let p = producers_of(
            "fn f(&mut self, records: Vec<R>) { let (tx, rx) = unbounded_channel(); \
             for r in records { let lease = self.pool.force_reserve(r.size()); tx.send(r); } }",
        );
        assert!(p.unpaced_repeating().is_some(), "{p:?}");
    }

    #[test]
    fn a_oneshot_field_of_the_same_name_is_another_channel() {
        let src = |ty: &str| {
            format!(
                "struct Resolver {{ tx: {ty} }} impl Resolver {{ fn resolve(self) {{ self.tx.send(Ok(())); }} }} \
                 struct Handle {{ tx: UnboundedSender<R> }} \
                 fn new() -> Handle {{ let (tx, rx) = unbounded_channel(); Handle {{ tx }} }} \
                 fn drain(rs: Vec<Resolver>) {{ for r in rs {{ r.resolve(); }} }}"
            )
        };
        assert!(producers_of(&src("oneshot::Sender<()>"))
            .unpaced_repeating()
            .is_none());
        assert!(producers_of(&src("UnboundedSender<R>"))
            .unpaced_repeating()
            .is_some());
    }

    #[test]
    fn same_name_in_another_function_is_not_the_sender() {
        let p = producers_of(
            "fn a() { let (tx, rx) = unbounded_channel(); keep(tx); } \
             fn b(sock: S) { let (tx, rx) = bounded(4); loop { tx.send(sock.read()); } }",
        );
        assert!(p.unpaced_repeating().is_none());
    }
}
