//! `missing_timeout`: a network client or call whose library default is to wait
//! forever, built with no timeout.

use crate::prefilter::{Need, Triggers};
use crate::syntax::{call_path, macro_call_name, method_chain, strip_parens};
use crate::vocab::NETWORK;
use crate::Budget;
use crate::{Applicability, Edit, FileContext, Finding, Level, Lint, Sink, Span};
use std::collections::{HashMap, HashSet};
use syn::spanned::Spanned;
use syn::visit::Visit;

pub static LINT: Lint = Lint {
    name: "missing_timeout",
    group: "timeout",
    default_level: Level::Warn,
    summary: "a network client or connect with no timeout, where the default waits forever",
    docs: r#"## What it does
Reports network clients and calls whose library default is to wait forever,
when no timeout is set:
- `reqwest::Client::new()`, `reqwest::get(..)`, and `reqwest::Client::builder()` /
  `ClientBuilder::new()` built with no `.timeout(..)` in the chain
  (`connect_timeout` alone still lets a slow response hang). `reqwest::blocking`
  has a 30 s default and is not reported;
- ureq 3's `ureq::agent()`, `Agent::new_with_defaults()`, and
  `Agent::config_builder()..build()` with no `timeout_global`/`timeout_*`;
- hyper's `Client::new()` and `Client::builder(..)..build(..)` (hyper 0.14 and
  `hyper_util::client::legacy`), unless a timeout layer or `timeout(..)` appears
  in the same function;
- `std::net::TcpStream::connect` (async connects are not reported).

Builder chains are followed through `let` bindings in the same function. A
builder handed to another function is not followed, and a `Client` that is not
reqwest's or hyper's (resolved through `use` imports) is never reported.

Not reported either: a client under a deadline wherever it is used (each
request is bounded): kept in a struct field, every use of the field in the
file, or local to one function, every use of it there, inside `timeout(..)`
(`timeout(d, client.get(url).send())`) or given its own `.timeout(d)`
(`client.post(url).timeout(d)`); and
a client built under `#[cfg(target_arch = "wasm32")]` (reqwest on wasm runs on
the browser's `fetch`, which has no timeout to set), and a std connect to a
loopback address or to a local bound to one (`let addr =
listener.local_addr()?`), and a client over a transport to this machine
(a Unix socket or named pipe: `Client::builder().build(UnixConnector)`,
reqwest's `.unix_socket(path)`).

`low` (hidden by default): a client local to one function whose every
request goes to loopback (`client.get(url)` with `let url =
format!("http://127.0.0.1:{port}/metrics")`, and no other use: a peer on
this machine); a client in a file that sets a timeout on its
requests (`client.get(url).timeout(t)`, or on a local holding a request
built from one, a `prepare()` helper every call goes through,
`tokio::time::timeout(t, client.request(req))` with its caller's duration, also through a local holding the request, or a `select!` that
races the request against a `sleep`), and a hyper client built in
`Service::call` of an `impl Service`, or stored in a field that sends,
unchanged, the `Request` its method is handed (a proxy forwarding the request
it serves: the caller's deadline and the stack's timeout layers bound it).

## Why is this bad?
A request to a peer that accepts the connection and never answers (an overloaded
server, a half-open connection after a network partition, a stuck proxy) blocks
the caller forever. Callers pile up behind it holding connections, memory and
locks, and one slow dependency takes down the service that calls it.

## Example
```rust
let client = reqwest::Client::new();
let stream = std::net::TcpStream::connect(addr)?;
```

## Use instead
```rust
let client = reqwest::Client::builder()
    .connect_timeout(Duration::from_secs(3))
    .timeout(Duration::from_secs(10))
    .build()?;
let stream = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(3))?;
```
"#,
    check: Some(check),
    triggers: Some(Triggers {
        file: &[NETWORK],
        body: &[&[
            Need::Any(&[
                "reqwest",
                "ureq",
                "hyper",
                "=Client",
                "=ClientBuilder",
                "=Agent",
                "=agent",
                "=TcpStream",
            ]),
            // A client kept in a field is timed when every use of the field
            // in the file is wrapped in `timeout(..)`, also in the file's
            // functions it is handed to: all bodies are read.
            Need::EveryBodyIfFileHas(&["timeout(", "timeout_at("]),
        ]],
        imports: &["reqwest", "ureq", "hyper", "TcpStream"],
    }),
    models: &[],
    phase_two: None,
    budget: Some(Budget {
        kind: "timeout",
        bound: "none",
    }),
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Reqwest,
    Ureq,
    Hyper,
}

impl Kind {
    fn is_timeout(self, method: &str) -> bool {
        match self {
            Kind::Reqwest => method == "timeout" || method == "read_timeout",
            Kind::Ureq => method == "timeout" || method.starts_with("timeout_"),
            // hyper's builders have no request timeout: only the function-level
            // check (a timeout layer or `timeout(..)`) counts.
            Kind::Hyper => false,
        }
    }
    fn is_build(self, method: &str) -> bool {
        match self {
            Kind::Hyper => method == "build" || method == "build_http",
            _ => method == "build",
        }
    }
}

/// What a constructor call is.
enum Ctor {
    /// Report the call itself: (what, help).
    Direct(String, &'static str),
    /// A builder of this kind.
    Builder(Kind),
    /// hyper's `Client::new()`: reported unless the function has a timeout.
    HyperNew,
}

const REQWEST_HELP: &str = "build the client with a total timeout: `reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?`";
const UREQ_HELP: &str = "configure a timeout: `Agent::config_builder().timeout_global(Some(Duration::from_secs(10))).build()`";
const HYPER_HELP: &str =
    "wrap the client's requests in `tokio::time::timeout(..)` or a `tower` `TimeoutLayer`";
const TCP_HELP: &str =
    "use `TcpStream::connect_timeout(&addr, Duration::from_secs(3))` and set read/write timeouts";

fn check(cx: &FileContext, sink: &mut Sink) {
    let mut v = Visitor {
        cx,
        sink,
        builders: HashMap::new(),
        timed: HashMap::new(),
        escaped: HashSet::new(),
        fn_has_timeout: None,
        fn_block: None,
        awaited: HashSet::new(),
        done: HashSet::new(),
        field_init: None,
        loopback_locals: HashSet::new(),
        in_service_impl: false,
        forwarding: false,
        file_requests_timed: None,
        timed_fields: None,
        forwarding_fields: None,
        binding: None,
    };
    v.visit_file(cx.file);
}

struct Visitor<'a, 'c, 's, 'ast> {
    cx: &'a FileContext<'c>,
    sink: &'s mut Sink,
    /// Builder locals of the current function: name -> (kind, timed in its init).
    builders: HashMap<String, (Kind, bool)>,
    /// Locals on which some chain in the function calls a `*timeout*` method.
    timed: HashMap<String, Vec<String>>,
    /// Locals handed to another function (a builder configured elsewhere).
    escaped: HashSet<String>,
    /// The function mentions `timeout(..)`, `TimeoutLayer` or `Timeout`
    /// (computed on demand: only hyper clients ask).
    fn_has_timeout: Option<bool>,
    /// The current function's body.
    fn_block: Option<&'ast syn::Block>,
    /// Calls that are `.await`ed (async connects).
    awaited: HashSet<usize>,
    /// Method calls already handled as part of a chain.
    done: HashSet<usize>,
    /// The struct field whose initialiser is being visited.
    field_init: Option<String>,
    /// Locals of the current function bound to a loopback address
    /// (`let addr = listener.local_addr()?`).
    loopback_locals: HashSet<String>,
    /// Inside `impl Service<..> for T`, and inside its `call`: a client
    /// built there forwards the request being served (a proxy), whose
    /// deadline belongs to the caller and to the stack's timeout layers.
    in_service_impl: bool,
    forwarding: bool,
    /// The file sets timeouts on requests (computed when first asked).
    file_requests_timed: Option<bool>,
    /// Fields of `self` whose requests the file wraps in `timeout(..)`
    /// (computed when first asked).
    timed_fields: Option<HashSet<String>>,
    /// [`fields_forwarding_requests`], computed when first needed.
    forwarding_fields: Option<HashSet<String>>,
    /// The local the `let` being visited binds.
    binding: Option<String>,
}

/// `#[cfg(target_arch = "wasm32")]`: reqwest's client on wasm runs on the
/// browser's `fetch`, which has no timeout setting to add.
fn builds_for_wasm(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && matches!(&a.meta, syn::Meta::List(l) if {
                let t = l.tokens.to_string();
                t.contains("wasm") && !t.contains("not")
            })
    })
}

/// A client whose uses are counted: a field of `self`, or a local.
#[derive(Clone, Copy)]
enum Client<'n> {
    Field(&'n str),
    Local(&'n str),
}

impl Client<'_> {
    fn used_by(self, e: &syn::Expr) -> bool {
        match (self, e) {
            (Client::Field(name), syn::Expr::Field(f)) => {
                matches!(&f.member, syn::Member::Named(n) if n == name)
                    && matches!(strip_parens(&f.base), syn::Expr::Path(p) if p.path.is_ident("self"))
            }
            (Client::Local(name), syn::Expr::Path(p)) => p.path.is_ident(name),
            _ => false,
        }
    }
}

/// Does every use of the client sit under a deadline: inside a `timeout(..)`
/// call, or in a request given `.timeout(t)` (and is there at least one)?
/// `timeout(d, self.client.request(req))`, `let c = ..build()?;
/// c.post(url).timeout(d)`.
///
/// With `file`, a client handed to one of the file's functions
/// (`fetch_token(&self.client, ..)`) counts as timed there when every use of
/// that parameter in the function is (followed one call deep).
fn every_use_is_timed<'ast>(
    client: Client<'_>,
    file: Option<&syn::File>,
    visit: impl FnOnce(&mut dyn Visit<'ast>),
) -> bool {
    struct Uses<'n, 'f> {
        client: Client<'n>,
        file: Option<&'f syn::File>,
        in_timeout: usize,
        timed: usize,
        untimed: usize,
        /// Answers per (callee, position): a file calls one helper often.
        handed: HashMap<(String, usize), bool>,
    }
    impl Uses<'_, '_> {
        fn under(&mut self, timeout: bool, visit: impl FnOnce(&mut Self)) {
            self.in_timeout += usize::from(timeout);
            visit(self);
            self.in_timeout -= usize::from(timeout);
        }
        /// Is `arg` the client, handed to a function of the file whose
        /// parameter at `position` is timed wherever it is used?
        fn handed_timed(&mut self, callee: &str, position: usize, arg: &syn::Expr) -> bool {
            let arg = match strip_parens(arg) {
                syn::Expr::Reference(r) => strip_parens(&r.expr),
                syn::Expr::MethodCall(m) if m.method == "clone" => strip_parens(&m.receiver),
                e => e,
            };
            let Some(file) = self.file.filter(|_| self.client.used_by(arg)) else {
                return false;
            };
            let key = (callee.to_string(), position);
            if let Some(&known) = self.handed.get(&key) {
                return known;
            }
            let timed = Self::param_timed(file, callee, position);
            self.handed.insert(key, timed);
            timed
        }

        /// Is the parameter at `position` of the file's function `callee`
        /// timed wherever that function uses it?
        fn param_timed(file: &syn::File, callee: &str, position: usize) -> bool {
            let Some((sig, body)) = crate::syntax::unique_fn(file, callee) else {
                return false;
            };
            // A path call passes the receiver first (`Self::send(self, c)`).
            let Some(syn::FnArg::Typed(param)) = sig.inputs.iter().nth(position) else {
                return false;
            };
            let syn::Pat::Ident(pi) = &*param.pat else {
                return false;
            };
            let name = pi.ident.to_string();
            every_use_is_timed(Client::Local(&name), None, |v| v.visit_block(body))
        }
    }
    impl<'ast> Visit<'ast> for Uses<'_, '_> {
        fn visit_expr(&mut self, e: &'ast syn::Expr) {
            if self.client.used_by(e) {
                if self.in_timeout > 0 {
                    self.timed += 1;
                } else {
                    self.untimed += 1;
                }
            }
            syn::visit::visit_expr(self, e);
        }
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            let callee = crate::syntax::call_path(c).and_then(crate::syntax::last_segment);
            let timeout = callee
                .as_deref()
                .is_some_and(|n| n == "timeout" || n == "timeout_at");
            if let (Some(callee), 0) = (callee.as_deref(), self.in_timeout) {
                if let Some(k) =
                    (0..c.args.len()).find(|&k| self.handed_timed(callee, k, &c.args[k]))
                {
                    self.timed += 1;
                    self.visit_expr(&c.func);
                    for (i, a) in c.args.iter().enumerate() {
                        if i != k {
                            self.visit_expr(a);
                        }
                    }
                    return;
                }
            }
            self.under(timeout, |v| syn::visit::visit_expr_call(v, c));
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            let timeout = m.method == "timeout" && m.args.len() == 1;
            self.under(timeout, |v| v.visit_expr(&m.receiver));
            for a in &m.args {
                self.visit_expr(a);
            }
        }
        // A local's nested functions have locals of their own.
        fn visit_item(&mut self, i: &'ast syn::Item) {
            if let Client::Field(_) = self.client {
                syn::visit::visit_item(self, i);
            }
        }
    }
    let mut u = Uses {
        client,
        file,
        in_timeout: 0,
        timed: 0,
        untimed: 0,
        handed: HashMap::new(),
    };
    visit(&mut u);
    u.timed > 0 && u.untimed == 0
}

/// Names a function's body uses for timeouts (hyper: a layer or a wrapper).
fn mentions_timeout(block: &syn::Block) -> bool {
    crate::syntax::any_ident(block, &mut |i| {
        matches!(
            i,
            "timeout" | "with_timeout" | "timeout_at" | "read_timeout" | "set_read_timeout"
        ) || i.starts_with("Timeout")
    })
}

/// Pre-pass over a function: locals a timeout method is called on, and locals
/// passed as arguments.
struct Pre {
    timed: HashMap<String, Vec<String>>,
    escaped: HashSet<String>,
}

impl<'ast> Visit<'ast> for Pre {
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let name = m.method.to_string();
        if name.contains("timeout") {
            let (_, root) = method_chain(&m.receiver);
            if let syn::Expr::Path(p) = root {
                if let Some(i) = p.path.get_ident() {
                    self.timed
                        .entry(i.to_string())
                        .or_default()
                        .push(name.clone());
                }
            }
        }
        for a in &m.args {
            note_arg(&mut self.escaped, a);
        }
        syn::visit::visit_expr_method_call(self, m);
    }
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        for a in &c.args {
            note_arg(&mut self.escaped, a);
        }
        syn::visit::visit_expr_call(self, c);
    }
    fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
        if let Some(e) = &r.expr {
            note_arg(&mut self.escaped, e);
        }
        syn::visit::visit_expr_return(self, r);
    }
    fn visit_field_value(&mut self, f: &'ast syn::FieldValue) {
        note_arg(&mut self.escaped, &f.expr);
        syn::visit::visit_field_value(self, f);
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Does the file set a timeout on a request (`.timeout(t)` on a chain that
/// makes one: `client.get(url)`, `.request(method, url)`, or a local named
/// for a request builder or bound to one: `let b = client.post(url); ..
/// b.timeout(t)`)?
fn sets_request_timeouts(file: &syn::File) -> bool {
    struct T {
        found: bool,
        request_locals: HashSet<String>,
    }
    /// Does a method chain start a request (`client.post(url)..`)?
    fn starts_request(e: &syn::Expr) -> bool {
        let (calls, _) = crate::syntax::method_chain(e);
        calls
            .iter()
            .any(|c| REQUEST_METHODS.contains(&c.method.to_string().as_str()))
    }
    impl<'ast> Visit<'ast> for T {
        fn visit_local(&mut self, l: &'ast syn::Local) {
            let pat = match &l.pat {
                syn::Pat::Type(pt) => &*pt.pat,
                p => p,
            };
            if let (syn::Pat::Ident(pi), Some(init)) = (pat, &l.init) {
                if starts_request(&init.expr) {
                    self.request_locals.insert(pi.ident.to_string());
                }
            }
            syn::visit::visit_local(self, l);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if m.method == "timeout" && m.args.len() == 1 {
                let (_, root) = crate::syntax::method_chain(&m.receiver);
                let builder_local = matches!(strip_parens(root), syn::Expr::Path(p)
                if p.path.get_ident().is_some_and(|i| {
                    let i = i.to_string();
                    let lower = i.to_ascii_lowercase();
                    lower.contains("request") || lower == "req" || self.request_locals.contains(&i)
                }));
                if starts_request(&m.receiver) || builder_local {
                    self.found = true;
                }
            }
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut t = T {
        found: false,
        request_locals: HashSet::new(),
    };
    t.visit_file(file);
    t.found
}

/// Methods that start building a request.
const REQUEST_METHODS: &[&str] = &["get", "post", "put", "delete", "patch", "head", "request"];

/// Does the expression send a request (`client.request(req)`,
/// `self.http.get(url).send()`; see [`sends_a_request`])?
fn makes_request(e: &syn::Expr) -> bool {
    let (calls, _) = method_chain(e);
    (0..calls.len()).any(|i| sends_a_request(calls[i], &calls[i + 1..]))
}

/// The fields of `self` whose requests the file wraps in `timeout(d, ..)`
/// (`tokio::time::timeout(t, self.client.request(req))`): it applies a
/// deadline, its callers' or its own, to what it sends through them.
fn fields_with_timed_requests(file: &syn::File) -> HashSet<String> {
    /// The fields found, and the locals of the function walked so far
    /// (`let request = self.client.get(url).send();`).
    struct W<'ast>(HashSet<String>, Vec<(String, &'ast syn::Expr)>);
    impl<'ast> Visit<'ast> for W<'ast> {
        fn visit_block(&mut self, b: &'ast syn::Block) {
            // A block's locals end with it.
            let outer = self.1.len();
            syn::visit::visit_block(self, b);
            self.1.truncate(outer);
        }
        fn visit_local(&mut self, l: &'ast syn::Local) {
            syn::visit::visit_local(self, l);
            if let (syn::Pat::Ident(pi), Some(init)) = (&l.pat, &l.init) {
                self.1.push((pi.ident.to_string(), &init.expr));
            }
        }
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            let timeout = call_path(c)
                .and_then(crate::syntax::last_segment)
                .is_some_and(|n| n == "timeout");
            // `timeout(d, self.client.get(url).send())`, or a local that
            // holds that request.
            let timed = c.args.get(1).map(|a| match strip_parens(a) {
                syn::Expr::Path(p) => p
                    .path
                    .get_ident()
                    .and_then(|i| self.1.iter().rev().find(|(n, _)| i == n).map(|(_, e)| *e))
                    .unwrap_or(a),
                _ => a,
            });
            if let (true, 2, Some(request)) = (timeout, c.args.len(), timed) {
                if makes_request(request) {
                    let (_, root) = method_chain(request);
                    if let syn::Expr::Field(f) = strip_parens(root) {
                        let on_self = matches!(strip_parens(&f.base), syn::Expr::Path(p) if p.path.is_ident("self"));
                        if let (true, syn::Member::Named(n)) = (on_self, &f.member) {
                            self.0.insert(n.to_string());
                        }
                    }
                }
            }
            syn::visit::visit_expr_call(self, c);
        }
        // `select! { res = self.client.request(req) => res?, _ = sleep(t) => .. }`:
        // the request races a deadline.
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            if crate::syntax::last_segment(&m.path).as_deref() == Some("select") {
                let tokens = flat_tokens(m.tokens.clone());
                let sleeps = tokens
                    .iter()
                    .any(|t| matches!(t, proc_macro2::TokenTree::Ident(i) if i.to_string().contains("sleep")));
                if sleeps {
                    self.0.extend(self_fields_sending(&tokens));
                }
            }
            syn::visit::visit_macro(self, m);
        }
    }
    let mut w = W(HashSet::new(), Vec::new());
    w.visit_file(file);
    w.0
}

/// The fields of `self` that send, unchanged, a request the method was
/// handed (`fn request(&self, req: Request<B>) { self.inner.request(req) }`).
fn fields_forwarding_requests(file: &syn::File) -> HashSet<String> {
    struct F {
        params: Vec<String>,
        out: HashSet<String>,
    }
    impl<'ast> Visit<'ast> for F {
        fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
            let params = f
                .sig
                .inputs
                .iter()
                .filter_map(|a| match a {
                    syn::FnArg::Typed(pt) => match (&*pt.pat, &*pt.ty) {
                        (syn::Pat::Ident(pi), syn::Type::Path(tp))
                            if tp
                                .path
                                .segments
                                .last()
                                .is_some_and(|s| s.ident == "Request") =>
                        {
                            Some(pi.ident.to_string())
                        }
                        _ => None,
                    },
                    syn::FnArg::Receiver(_) => None,
                })
                .collect();
            let outer = std::mem::replace(&mut self.params, params);
            syn::visit::visit_impl_item_fn(self, f);
            self.params = outer;
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            let sends = matches!(
                m.method.to_string().as_str(),
                "request" | "call" | "send_request"
            );
            let handed = m.args.len() == 1
                && matches!(strip_parens(&m.args[0]), syn::Expr::Path(p)
                    if p.path.get_ident().is_some_and(|i| self.params.iter().any(|n| i == n)));
            if sends && handed {
                if let syn::Expr::Field(f) = strip_parens(&m.receiver) {
                    let on_self = matches!(strip_parens(&f.base), syn::Expr::Path(p) if p.path.is_ident("self"));
                    if let (true, syn::Member::Named(n)) = (on_self, &f.member) {
                        self.out.insert(n.to_string());
                    }
                }
            }
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut f = F {
        params: Vec::new(),
        out: HashSet::new(),
    };
    f.visit_file(file);
    f.out
}

/// The tokens of a stream with groups opened.
fn flat_tokens(ts: proc_macro2::TokenStream) -> Vec<proc_macro2::TokenTree> {
    let mut out = Vec::new();
    for t in ts {
        match t {
            proc_macro2::TokenTree::Group(g) => out.extend(flat_tokens(g.stream())),
            other => out.push(other),
        }
    }
    out
}

/// The fields in `self . field . method` sequences whose method sends a
/// request (`self.client.request(..)`, `self.http.call(..)`).
fn self_fields_sending(tokens: &[proc_macro2::TokenTree]) -> Vec<String> {
    use proc_macro2::TokenTree::{Ident, Punct};
    tokens
        .windows(5)
        .filter_map(|w| match w {
            [Ident(s), Punct(d1), Ident(field), Punct(d2), Ident(method)]
                if s == "self"
                    && d1.as_char() == '.'
                    && d2.as_char() == '.'
                    && matches!(
                        method.to_string().as_str(),
                        "request" | "call" | "execute" | "send_request"
                    ) =>
            {
                Some(field.to_string())
            }
            _ => None,
        })
        .collect()
}

/// The field a local is stored in by a struct literal of the block
/// (`Self { client, .. }`, `Relay { inner: client }`).
fn field_storing(block: &syn::Block, local: &str) -> Option<String> {
    struct F<'l>(&'l str, Option<String>);
    impl<'ast> Visit<'ast> for F<'_> {
        fn visit_field_value(&mut self, fv: &'ast syn::FieldValue) {
            let stores =
                matches!(strip_parens(&fv.expr), syn::Expr::Path(p) if p.path.is_ident(self.0));
            if let (true, syn::Member::Named(n)) = (stores, &fv.member) {
                self.1 = Some(n.to_string());
            }
            syn::visit::visit_field_value(self, fv);
        }
    }
    let mut f = F(local, None);
    f.visit_block(block);
    f.1
}

/// A connector type to a peer on this machine (`Some(true)`: a Unix socket,
/// a named pipe, a VM socket: `hyperlocal::UnixConnector`, `UnixClient`,
/// `NamedPipeConnector`), or to the network (`Some(false)`: `HttpConnector`,
/// `HttpsConnector`, `TcpConnector`). Type names only: `UNIX_EPOCH` is no
/// transport.
fn transport_of(ident: &str) -> Option<bool> {
    let type_like = ident.starts_with(|c: char| c.is_ascii_uppercase())
        && ident.bytes().any(|b| b.is_ascii_lowercase());
    if !type_like {
        None
    } else if ident.contains("Unix") || ident.contains("NamedPipe") || ident.contains("Vsock") {
        Some(true)
    } else if ident.contains("Http") || ident.contains("Tcp") || ident.contains("Tls") {
        Some(false)
    } else {
        None
    }
}

/// Does this call send a request, not only build one: `.call(req)`,
/// `.execute(req)`, hyper's `.request(req)`, or `.send()` on a chain that
/// builds a request (`client.get(url).send()`, not a channel's `tx.send(m)`)?
fn sends_a_request(m: &syn::ExprMethodCall, chain: &[&syn::ExprMethodCall]) -> bool {
    match m.method.to_string().as_str() {
        "call" | "execute" => true,
        "request" => m.args.len() == 1,
        "send" => chain
            .iter()
            .any(|c| REQUEST_METHODS.contains(&c.method.to_string().as_str())),
        _ => false,
    }
}

/// A connect to this process's own listener or to loopback cannot hang on the
/// network: `listener.local_addr()`, `"127.0.0.1:..."`, `localhost`, `LOCALHOST`.
fn is_loopback(e: &syn::Expr) -> bool {
    struct F(bool);
    impl<'ast> Visit<'ast> for F {
        fn visit_lit_str(&mut self, s: &'ast syn::LitStr) {
            let v = s.value();
            // The host of a URL (`http://127.0.0.1:{port}/metrics`).
            let v = v.split_once("://").map_or(v.as_str(), |(_, rest)| rest);
            if v.starts_with("127.")
                || v.starts_with("localhost")
                || v.starts_with("[::1]")
                || v == "::1"
            {
                self.0 = true;
            }
        }
        fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
            if i == "local_addr" || i == "LOCALHOST" || i == "localhost" {
                self.0 = true;
            }
        }
    }
    let mut f = F(false);
    f.visit_expr(e);
    f.0
}

/// Does every request the function sends on the local client `client` go to
/// loopback (`client.get(url)` with `let url = format!("http://127.0.0.1:{port}/")`),
/// and is the client used for nothing else? Then its peer is this machine.
fn every_request_is_loopback(client: &str, block: &syn::Block) -> bool {
    struct Uses<'n> {
        client: &'n str,
        loopback_locals: HashSet<String>,
        loopback: usize,
        other: usize,
    }
    impl<'ast> Visit<'ast> for Uses<'_> {
        fn visit_local(&mut self, l: &'ast syn::Local) {
            if let (syn::Pat::Ident(pi), Some(init)) = (&l.pat, &l.init) {
                if is_loopback(&init.expr) {
                    self.loopback_locals.insert(pi.ident.to_string());
                }
            }
            syn::visit::visit_local(self, l);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            let on_client = matches!(strip_parens(&m.receiver), syn::Expr::Path(p) if p.path.is_ident(self.client));
            if on_client && REQUEST_METHODS.contains(&m.method.to_string().as_str()) {
                if m.args
                    .first()
                    .is_some_and(|a| names_loopback(a, &self.loopback_locals))
                {
                    self.loopback += 1;
                } else {
                    self.other += 1;
                }
                m.args.iter().for_each(|a| self.visit_expr(a));
                return;
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
            if p.path.is_ident(self.client) {
                self.other += 1;
            }
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut u = Uses {
        client,
        loopback_locals: HashSet::new(),
        loopback: 0,
        other: 0,
    };
    u.visit_block(block);
    u.loopback > 0 && u.other == 0
}

/// A loopback address, written here or held by one of `locals`.
fn names_loopback(e: &syn::Expr, locals: &HashSet<String>) -> bool {
    is_loopback(e)
        || matches!(strip_parens(e), syn::Expr::Path(p)
            if p.path.get_ident().is_some_and(|i| locals.contains(&i.to_string())))
}

fn note_arg(set: &mut HashSet<String>, e: &syn::Expr) {
    let e = match strip_parens(e) {
        syn::Expr::Reference(r) => strip_parens(&r.expr),
        e => e,
    };
    if let syn::Expr::Path(p) = e {
        if let Some(i) = p.path.get_ident() {
            set.insert(i.to_string());
        }
    }
}

impl<'ast> Visitor<'_, '_, '_, 'ast> {
    fn enter_fn(&mut self, block: &'ast syn::Block) {
        // Nothing in an empty (or blanked) body.
        if block.stmts.is_empty() {
            return;
        }
        let mut pre = Pre {
            timed: HashMap::new(),
            escaped: HashSet::new(),
        };
        pre.visit_block(block);
        let saved = (
            std::mem::take(&mut self.builders),
            std::mem::replace(&mut self.timed, pre.timed),
            std::mem::replace(&mut self.escaped, pre.escaped),
            self.fn_has_timeout.take(),
            self.fn_block.replace(block),
            std::mem::take(&mut self.loopback_locals),
        );
        self.visit_block(block);
        self.loopback_locals = saved.5;
        self.builders = saved.0;
        self.timed = saved.1;
        self.escaped = saved.2;
        self.fn_has_timeout = saved.3;
        self.fn_block = saved.4;
    }

    /// Does a builder's argument name a local transport, itself or through
    /// the `let` that bound it in this function (`let connector =
    /// UnixConnector; Client::builder().build(connector)`)?
    fn names_local_transport(&self, arg: &syn::Expr) -> bool {
        // Local when it names a local connector type and no remote one
        // (`if unix { UnixConnector } else { HttpConnector::new() }` is not).
        let names = |e: &syn::Expr| {
            struct F(bool, bool);
            impl<'ast> Visit<'ast> for F {
                fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
                    match transport_of(&i.to_string()) {
                        Some(true) => self.0 = true,
                        Some(false) => self.1 = true,
                        None => {}
                    }
                }
            }
            let mut f = F(false, false);
            f.visit_expr(e);
            f.0 && !f.1
        };
        if names(arg) {
            return true;
        }
        let (Some(block), syn::Expr::Path(p)) = (self.fn_block, strip_parens(arg)) else {
            return false;
        };
        let Some(local) = p.path.get_ident() else {
            return false;
        };
        block.stmts.iter().any(|st| {
            matches!(st, syn::Stmt::Local(l)
                if matches!(&l.pat, syn::Pat::Ident(pi) if pi.ident == *local)
                    && l.init.as_ref().is_some_and(|i| names(&i.expr)))
        })
    }

    fn requests_timed(&mut self) -> bool {
        *self
            .file_requests_timed
            .get_or_insert_with(|| sets_request_timeouts(self.cx.file))
    }

    fn has_timeout(&mut self) -> bool {
        if let Some(b) = self.fn_has_timeout {
            return b;
        }
        let b = self.fn_block.is_some_and(mentions_timeout);
        self.fn_has_timeout = Some(b);
        b
    }

    fn ctor(&self, c: &syn::ExprCall) -> Option<Ctor> {
        if macro_call_name(c).is_some() {
            return None;
        }
        let path = call_path(c)?;
        let last = path.segments.last()?.ident.to_string();
        if !matches!(
            last.as_str(),
            "new"
                | "default"
                | "builder"
                | "get"
                | "agent"
                | "new_with_defaults"
                | "config_builder"
                | "connect"
        ) {
            return None;
        }
        for full in self.cx.imports.resolve(path) {
            // Re-exports (`oauth2::reqwest::Client`) name the same client.
            let f = ["reqwest::", "ureq::", "hyper::", "hyper_util::"]
                .iter()
                .find_map(|root| full.find(&format!("::{root}")).map(|i| &full[i + 2..]))
                .unwrap_or(full.as_str());
            match f {
                "reqwest::Client::new" | "reqwest::Client::default" => {
                    return Some(Ctor::Direct("reqwest::Client::new()".into(), REQWEST_HELP))
                }
                "reqwest::get" => {
                    return Some(Ctor::Direct("reqwest::get(..)".into(), REQWEST_HELP))
                }
                "reqwest::Client::builder" | "reqwest::ClientBuilder::new" => {
                    return Some(Ctor::Builder(Kind::Reqwest))
                }
                "ureq::agent" => return Some(Ctor::Direct("ureq::agent()".into(), UREQ_HELP)),
                "ureq::Agent::new_with_defaults" => {
                    return Some(Ctor::Direct(
                        "ureq::Agent::new_with_defaults()".into(),
                        UREQ_HELP,
                    ))
                }
                "ureq::Agent::config_builder" | "ureq::config::Config::builder" => {
                    return Some(Ctor::Builder(Kind::Ureq))
                }
                "hyper::Client::new" | "hyper::client::Client::new" => return Some(Ctor::HyperNew),
                "hyper::Client::builder"
                | "hyper::client::Client::builder"
                | "hyper::client::Builder::default"
                | "hyper_util::client::legacy::Client::builder"
                | "hyper_util::client::legacy::Builder::new" => {
                    return Some(Ctor::Builder(Kind::Hyper))
                }
                "std::net::TcpStream::connect" => {
                    return Some(Ctor::Direct(
                        "std::net::TcpStream::connect".into(),
                        TCP_HELP,
                    ))
                }
                _ => {}
            }
        }
        None
    }

    fn report(&mut self, span: Span, what: &str, help: &str, hyper: bool, fix: Option<Edit>) {
        // `HttpClient { inner: Client::new() }` where every request through
        // `self.inner` is wrapped in `timeout(..)`: bounded per request.
        if let Some(field) = &self.field_init {
            if every_use_is_timed(Client::Field(field), Some(self.cx.file), |v| {
                v.visit_file(self.cx.file)
            }) {
                return;
            }
        }
        // A client of one function, each request it sends there under a
        // deadline: bounded where it is used.
        if let (None, Some(local), Some(block)) =
            (&self.field_init, self.binding.as_deref(), self.fn_block)
        {
            if !self.escaped.contains(local)
                && every_use_is_timed(Client::Local(local), Some(self.cx.file), |v| {
                    v.visit_block(block)
                })
            {
                return;
            }
        }
        // The file sets a timeout on its requests (`client.get(url)
        // .timeout(t)`, a `prepare()` helper every call goes through): the
        // client's own default is not what bounds them.
        let per_request = !what.starts_with("std::net") && self.requests_timed();
        // The field the client is stored in has its requests wrapped in
        // `timeout(..)` elsewhere in the file.
        let field = self.field_init.clone().or_else(|| {
            let local = self.binding.as_deref()?;
            field_storing(self.fn_block?, local)
        });
        let timed_field = field.as_ref().is_some_and(|f| {
            self.timed_fields
                .get_or_insert_with(|| fields_with_timed_requests(self.cx.file))
                .contains(f)
        });
        // The field forwards the requests its owner is handed (`fn
        // request(&self, req: Request<B>) { self.inner.request(req) }`): a
        // proxy, whose caller's deadline governs.
        let forwarding_field = hyper
            && field.as_ref().is_some_and(|f| {
                self.forwarding_fields
                    .get_or_insert_with(|| fields_forwarding_requests(self.cx.file))
                    .contains(f)
            });
        // A client of one function that only ever asks this machine
        // (`http://127.0.0.1:{port}`): a local peer, `low`.
        let local_peer = match (&self.field_init, self.binding.as_deref(), self.fn_block) {
            (None, Some(local), Some(block)) => every_request_is_loopback(local, block),
            _ => false,
        };
        let msg = if what.starts_with("std::net") {
            format!("missing timeout: `{what}` with no connect timeout can block for minutes")
        } else {
            format!("missing timeout: `{what}` has no request timeout; a stalled peer blocks the caller forever")
        };
        let note = if hyper {
            "hyper's client has no request timeout of its own"
        } else if what.starts_with("std::net") {
            "a connect waits as long as the operating system retries the handshake (minutes), blocking the thread"
        } else {
            "the library's default is no timeout at all; set one on the client so every request is bounded"
        };
        let mut finding = Finding::new(LINT.name, span, msg)
            .label("no timeout configured here")
            .help(help)
            .note(note)
            .low_if(
                (hyper && self.forwarding)
                    || forwarding_field
                    || per_request
                    || timed_field
                    || local_peer,
            );
        if let Some(edit) = fix {
            finding = finding.suggest(
                "set a total request timeout",
                Applicability::HasPlaceholders,
                vec![edit],
            );
        }
        self.sink.report(finding);
    }

    /// Handles a method chain (outermost call first). Returns the builder state
    /// left at the end of the chain if it is an unbuilt builder.
    fn chain(&mut self, e: &syn::Expr) -> Option<(Kind, bool)> {
        let (calls, root) = method_chain(e);
        for m in &calls {
            self.done.insert(*m as *const syn::ExprMethodCall as usize);
        }
        let (kind, mut timed, local) = match strip_parens(root) {
            syn::Expr::Call(c) => match self.ctor(c)? {
                Ctor::Builder(k) => (k, false, None),
                _ => return None,
            },
            syn::Expr::Path(p) => {
                let name = p.path.get_ident()?.to_string();
                let (k, t) = *self.builders.get(&name)?;
                let later = self
                    .timed
                    .get(&name)
                    .is_some_and(|ms| ms.iter().any(|m| k.is_timeout(m)));
                (k, t || later, Some(name))
            }
            _ => return None,
        };
        for m in calls.iter().rev() {
            let name = m.method.to_string();
            if kind.is_timeout(&name) {
                timed = true;
            }
            // A client over a Unix socket or a named pipe talks to a peer on
            // this machine: `.build(UnixConnector)`, `.unix_socket(path)`.
            let connects = (kind == Kind::Hyper && kind.is_build(&name)) || name == "connector";
            if name == "unix_socket"
                || (connects && m.args.iter().any(|a| self.names_local_transport(a)))
            {
                return None;
            }
            if kind.is_build(&name) {
                let escaped = local.as_ref().is_some_and(|l| self.escaped.contains(l));
                let hyper_ok = kind == Kind::Hyper && self.has_timeout();
                if !timed && !escaped && !hyper_ok {
                    let span = Span::between(m.method.span(), m.span());
                    let (what, help) = match kind {
                        Kind::Reqwest => ("reqwest::ClientBuilder::build()", REQWEST_HELP),
                        Kind::Ureq => ("ureq::Agent::config_builder()..build()", UREQ_HELP),
                        Kind::Hyper => ("hyper::Client::builder()..build(..)", HYPER_HELP),
                    };
                    // reqwest's builder takes `.timeout(..)` anywhere before
                    // `.build()`; the value is a guess a person must check.
                    let fix = (kind == Kind::Reqwest).then(|| {
                        let duration = if self.cx.imports.imported("Duration").is_some() {
                            "Duration"
                        } else {
                            "std::time::Duration"
                        };
                        Edit::insert(
                            Span::from(m.receiver.span()).end,
                            format!(".timeout({duration}::from_secs(30))"),
                        )
                    });
                    self.report(span, what, help, kind == Kind::Hyper, fix);
                }
                return None;
            }
        }
        Some((kind, timed))
    }
}

impl<'ast> Visit<'ast> for Visitor<'_, '_, '_, 'ast> {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if !builds_for_wasm(&f.attrs) {
            self.enter_fn(&f.block);
        }
    }
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if !builds_for_wasm(&f.attrs) {
            let outer = self.forwarding;
            self.forwarding = self.in_service_impl && f.sig.ident == "call";
            self.enter_fn(&f.block);
            self.forwarding = outer;
        }
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        // `impl Service<Request> for Proxy`: a layer of a service stack.
        let service = i
            .trait_
            .as_ref()
            .is_some_and(|(path, _)| path.segments.last().is_some_and(|s| s.ident == "Service"));
        let outer = std::mem::replace(&mut self.in_service_impl, service);
        syn::visit::visit_item_impl(self, i);
        self.in_service_impl = outer;
    }

    fn visit_field_value(&mut self, fv: &'ast syn::FieldValue) {
        let field = match &fv.member {
            syn::Member::Named(n) => Some(n.to_string()),
            syn::Member::Unnamed(_) => None,
        };
        let outer = std::mem::replace(&mut self.field_init, field);
        syn::visit::visit_field_value(self, fv);
        self.field_init = outer;
    }
    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if let Some(b) = &f.default {
            self.enter_fn(b);
        }
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        let pat = match &l.pat {
            syn::Pat::Type(pt) => &*pt.pat,
            p => p,
        };
        let bound = match pat {
            syn::Pat::Ident(pi) => Some(pi.ident.to_string()),
            _ => None,
        };
        // A client bound here and stored in a field (see `report`).
        let outer = std::mem::replace(&mut self.binding, bound.clone());
        if let Some(name) = bound {
            if l.init.as_ref().is_some_and(|i| is_loopback(&i.expr)) {
                self.loopback_locals.insert(name.clone());
            } else {
                self.loopback_locals.remove(&name);
            }
            let state = l.init.as_ref().and_then(|i| {
                let e = crate::syntax::strip_await_try(&i.expr);
                match e {
                    syn::Expr::MethodCall(_) => self.chain(e),
                    syn::Expr::Call(c) => match self.ctor(c) {
                        Some(Ctor::Builder(k)) => Some((k, false)),
                        _ => None,
                    },
                    syn::Expr::Path(p) => p
                        .path
                        .get_ident()
                        .and_then(|i| self.builders.get(&i.to_string()).copied()),
                    _ => None,
                }
            });
            match state {
                Some(s) => {
                    self.builders.insert(name, s);
                }
                None => {
                    self.builders.remove(&name);
                }
            }
        }
        syn::visit::visit_local(self, l);
        self.binding = outer;
    }

    fn visit_expr_await(&mut self, a: &'ast syn::ExprAwait) {
        let inner = crate::syntax::strip_await_try(&a.base);
        self.awaited.insert(inner as *const syn::Expr as usize);
        syn::visit::visit_expr_await(self, a);
    }

    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        match e {
            syn::Expr::MethodCall(m)
                if !self
                    .done
                    .contains(&(m as *const syn::ExprMethodCall as usize)) =>
            {
                self.chain(e);
            }
            syn::Expr::Call(c) => {
                let awaited = self.awaited.contains(&(e as *const syn::Expr as usize));
                match self.ctor(c) {
                    Some(Ctor::Direct(what, help)) => {
                        let tcp = what.starts_with("std::net");
                        // An awaited `connect` is an async one (tokio, async-std);
                        // one beside a `connect_timeout` in the same function
                        // is the branch for callers that set no timeout.
                        let optional = tcp
                            && self.fn_block.is_some_and(|b| {
                                crate::syntax::any_ident(b, &mut |i| i == "connect_timeout")
                            });
                        let loopback = c
                            .args
                            .iter()
                            .any(|a| names_loopback(a, &self.loopback_locals));
                        if !(tcp && (awaited || optional || loopback)) {
                            self.report(Span::from(c.span()), &what, help, false, None)
                        }
                    }
                    Some(Ctor::HyperNew) if !self.has_timeout() => self.report(
                        Span::from(c.span()),
                        "hyper::Client::new()",
                        HYPER_HELP,
                        true,
                        None,
                    ),
                    _ => {}
                }
            }
            _ => {}
        }
        syn::visit::visit_expr(self, e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_whose_requests_are_wrapped_in_timeout() {
        let file: syn::File = syn::parse_str(
            "impl Relay { async fn deliver(&self, req: R, d: Duration) { \
             tokio::time::timeout(d, self.client.request(req)).await; \
             timeout(d, self.cache.get(key)).await; \
             timeout(d, self.tx.send(m)).await; } }",
        )
        .unwrap();
        // A request sent through `client`; a lookup and a channel send are
        // not requests.
        let timed = fields_with_timed_requests(&file);
        assert_eq!(timed, HashSet::from(["client".to_string()]));
    }

    #[test]
    fn requests_held_in_a_local_or_raced_against_a_sleep() {
        let file: syn::File = syn::parse_str(
            "impl S { async fn get(&self, url: &str) { \
             let request = self.client.get(url).send(); \
             let request = tokio::time::timeout(T, request); request.await; } \
             async fn put(&self, req: R, t: Duration) { \
             tokio::select! { r = self.http.request(req) => r, _ = tokio::time::sleep(t) => e } } \
             async fn other(&self, req: R) { let pending = self.plain.request(req); pending.await } }",
        )
        .unwrap();
        let timed = fields_with_timed_requests(&file);
        assert_eq!(
            timed,
            HashSet::from(["client".to_string(), "http".to_string()])
        );
    }

    #[test]
    fn a_request_built_in_a_local_and_timed_later() {
        let timed: syn::File = syn::parse_str(
            "async fn push(c: C) { let mut b = c.post(url).body(x); b = b.header(h); \
             b.timeout(d).send().await; }",
        )
        .unwrap();
        assert!(sets_request_timeouts(&timed));
        // A client builder's timeout is not a request's.
        let client: syn::File =
            syn::parse_str("fn f() { let b = Client::builder(); b.timeout(d).build(); }").unwrap();
        assert!(!sets_request_timeouts(&client));
    }

    #[test]
    fn a_field_whose_every_use_is_under_a_deadline() {
        let file = |src: &str| syn::parse_str::<syn::File>(src).unwrap();
        let timed =
            |f: &syn::File| every_use_is_timed(Client::Field("http"), Some(f), |v| v.visit_file(f));
        assert!(timed(&file(
            "impl S { async fn a(&self) { timeout(d, self.http.get(u).send()).await; } \
             async fn b(&self) { self.http.post(u).timeout(d).send().await; } }"
        )));
        // One request without: not every use.
        assert!(!timed(&file(
            "impl S { async fn a(&self) { timeout(d, self.http.get(u).send()).await; } \
             async fn b(&self) { self.http.post(u).send().await; } }"
        )));
        // Handed to a function of the file that sends under a deadline.
        assert!(timed(&file(
            "impl S { async fn a(&self) { token(&self.http).await; } } \
             async fn token(c: &C) { timeout(d, c.put(u).send()).await; }"
        )));
        // Handed to one that does not.
        assert!(!timed(&file(
            "impl S { async fn a(&self) { token(&self.http).await; } } \
             async fn token(c: &C) { c.put(u).send().await; }"
        )));
        // Another object's field of that name is not this client.
        assert!(!timed(&file(
            "impl S { async fn a(&self, o: O) { timeout(d, o.http.get(u).send()).await; } }"
        )));
    }

    #[test]
    fn a_local_client_whose_every_request_is_under_a_deadline() {
        let block = |src: &str| syn::parse_str::<syn::Block>(src).unwrap();
        let every_local_use_is_timed = |b: &syn::Block, name: &str| {
            every_use_is_timed(Client::Local(name), None, |v| v.visit_block(b))
        };
        let timed = block("{ let c = build(); timeout(d, c.get(u).send()).await; c.post(u).timeout(d).send().await; }");
        assert!(every_local_use_is_timed(&timed, "c"));
        let one_untimed =
            block("{ let c = build(); timeout(d, c.get(u).send()).await; c.get(u).send().await; }");
        assert!(!every_local_use_is_timed(&one_untimed, "c"));
        // A timeout on something else does not cover the client.
        let elsewhere = block("{ let c = build(); let r = c.get(u); timeout(d, r.send()).await; }");
        assert!(!every_local_use_is_timed(&elsewhere, "c"));
        assert!(!every_local_use_is_timed(
            &block("{ let c = build(); }"),
            "c"
        ));
    }

    #[test]
    fn a_local_client_that_only_asks_loopback() {
        // As the analysis sees it: `format!`'s arguments expanded.
        let block = |src: &str| {
            let mut file = syn::parse_str::<syn::File>(&format!("fn f() {src}")).unwrap();
            crate::expand::expand_expr_macros(&mut file);
            let syn::Item::Fn(f) = file.items.remove(0) else {
                unreachable!()
            };
            *f.block
        };
        let local = block("{ let c = Client::new(); let u = format!(\"http://127.0.0.1:{p}/m\").parse().unwrap(); c.get(u).await; c.post(\"http://localhost/x\"); }");
        assert!(every_request_is_loopback("c", &local));
        // A request elsewhere, the client handed on, or no request at all.
        let remote = block("{ let c = Client::new(); let u = format!(\"http://127.0.0.1:{p}/m\"); c.get(u).await; c.get(upstream).await; }");
        assert!(!every_request_is_loopback("c", &remote));
        let handed =
            block("{ let c = Client::new(); c.get(\"http://127.0.0.1/\").await; run(c); }");
        assert!(!every_request_is_loopback("c", &handed));
        assert!(!every_request_is_loopback(
            "c",
            &block("{ let c = Client::new(); }")
        ));
    }

    #[test]
    fn a_field_that_forwards_the_request_it_is_handed() {
        let file: syn::File = syn::parse_str(
            "impl F { async fn forward(&self, req: Request<B>) { self.inner.request(req).await } \
             async fn probe(&self, uri: Uri) { let req = Request::get(uri); self.health.request(req).await } }",
        )
        .unwrap();
        // `health` sends a request it built itself: not a forwarder.
        assert_eq!(
            fields_forwarding_requests(&file),
            HashSet::from(["inner".to_string()])
        );
    }

    #[test]
    fn the_field_a_client_is_stored_in() {
        let block: syn::Block =
            syn::parse_str("{ let client = build(); Self { client, other: 1 } }").unwrap();
        assert_eq!(field_storing(&block, "client").as_deref(), Some("client"));
        let block: syn::Block =
            syn::parse_str("{ let client = build(); Relay { inner: client.clone() } }").unwrap();
        assert_eq!(field_storing(&block, "client"), None);
    }
}
