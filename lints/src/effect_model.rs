//! Does a call have a visible effect? (contract v2.0, `silent_fallback`: the
//! failing call must be, or reach through functions of the analysed sources,
//! I/O, a network or database client, a lock, a process or signal, or a
//! channel send or receive.)
//!
//! Judged from what the file shows: the callee's path resolved through `use`
//! imports (`std::fs::read`, `tokio::net::TcpStream::connect`, `reqwest::get`);
//! for a method, what its receiver is, as the function shows it (a
//! parameter's type, a `let` binding's type or initialiser, a field of the
//! `impl` type, a `static`); and the file's own functions, followed at any
//! depth (a helper whose body makes such a call has the effect). What the file
//! does not show is unknown, which is no visible effect.

use crate::callgraph::mark_callers;
use crate::imports::Imports;
use crate::syntax::{call_path, last_segment, strip_parens};
use std::collections::{HashMap, HashSet};
use syn::visit::Visit;

/// An effect a call can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// File-system or standard-stream I/O.
    File,
    /// Socket I/O or name resolution.
    Socket,
    /// A call through a network or database client.
    Client,
    Lock,
    /// A child process or a signal.
    Process,
    /// A send or receive on a channel to another task.
    Channel,
}

impl Effect {
    /// How a message names the effect.
    pub fn describe(self) -> &'static str {
        match self {
            Effect::File => "file-system I/O",
            Effect::Socket => "socket I/O",
            Effect::Client => "a network or database client call",
            Effect::Lock => "a lock",
            Effect::Process => "a process or signal",
            Effect::Channel => "a channel send or receive",
        }
    }
}

/// What the file shows about a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The call has `effect`; `via` names the call that has it when the call
    /// reaches it through functions of this file.
    Effect { effect: Effect, via: Option<String> },
    /// Memory only: thread-local access (`LocalKey::try_with`), `Layout`
    /// arithmetic.
    InMemory,
    /// Nothing visible either way.
    Unknown,
}

/// What a value is, as far as the source shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A file, socket or standard stream (`File`, `TcpStream`, ..): its
    /// fallible methods do I/O.
    Io(Effect),
    /// A `Command` or `Child`.
    Process,
    /// A network or database client, or what it builds (a request, a
    /// response, a connection).
    Client,
    /// A `Mutex` or `RwLock`.
    Lock,
    /// A channel's sender or receiver.
    ChannelEnd,
    /// A `Path` or `PathBuf`: some of its methods read the file system.
    Path,
    /// `std::alloc::Layout`: arithmetic.
    Layout,
    /// What `X::builder()` returns, and its setters' results: an in-memory
    /// value (`Response::builder().status(..).body(..)`) until a send
    /// ([`BUILDER_SENDS`]) hands it to a service or `build()` makes the
    /// client it describes.
    Builder,
}

/// Methods that send what a builder describes (`RequestBuilder::send`).
const BUILDER_SENDS: &[&str] = &[
    "send",
    "execute",
    "send_request",
    "call",
    "fetch",
    "fetch_all",
    "fetch_one",
    "fetch_optional",
    "query",
    "query_async",
    "connect",
];

/// Handle types whose fallible methods do file I/O.
const FILE_TYPES: &[&str] = &[
    "File",
    "OpenOptions",
    "Stdin",
    "Stdout",
    "Stderr",
    "StdinLock",
    "ReadDir",
    "DirEntry",
];

/// Handle types whose fallible methods do socket I/O.
const SOCKET_TYPES: &[&str] = &[
    "TcpStream",
    "TcpListener",
    "TcpSocket",
    "UdpSocket",
    "UnixStream",
    "UnixListener",
    "UnixDatagram",
    "Socket",
];

/// Crates whose `File`, `TcpStream`, .. are the real handles.
const IO_CRATES: &[&str] = &[
    "std",
    "tokio",
    "async_std",
    "smol",
    "async_net",
    "async_fs",
    "async_io",
    "mio",
    "socket2",
    "fs_err",
    "tokio_uring",
    "compio",
    "monoio",
];

/// Modules whose functions (and handle types) have effects.
const EFFECT_MODULES: &[(&str, Effect)] = &[
    ("std::fs", Effect::File),
    ("std::io", Effect::File),
    ("tokio::fs", Effect::File),
    ("tokio::io", Effect::File),
    ("async_std::fs", Effect::File),
    ("async_std::io", Effect::File),
    ("async_fs", Effect::File),
    ("smol::fs", Effect::File),
    ("fs_err", Effect::File),
    ("std::net", Effect::Socket),
    ("std::os::unix::net", Effect::Socket),
    ("tokio::net", Effect::Socket),
    ("async_std::net", Effect::Socket),
    ("async_net", Effect::Socket),
    ("smol::net", Effect::Socket),
    ("std::process", Effect::Process),
    ("tokio::process", Effect::Process),
    ("async_process", Effect::Process),
    ("smol::process", Effect::Process),
    ("tokio::signal", Effect::Process),
    ("async_signal", Effect::Process),
    ("signal_hook", Effect::Process),
    ("nix::sys::signal", Effect::Process),
    ("ctrlc", Effect::Process),
];

/// Network and database client crates: what they build talks to a service.
const CLIENT_CRATES: &[&str] = &[
    "reqwest",
    "hyper",
    "hyper_util",
    "tonic",
    "sqlx",
    "redis",
    "mongodb",
    "tokio_postgres",
    "postgres",
    "deadpool_postgres",
    "deadpool_redis",
    "bb8",
    "r2d2",
    "diesel",
    "rusqlite",
    "mysql",
    "mysql_async",
    "tiberius",
    "sea_orm",
    "lapin",
    "rdkafka",
    "ureq",
    "isahc",
    "surf",
    "awc",
    "attohttpc",
    "fred",
    "scylla",
    "elasticsearch",
    "rumqttc",
    "async_nats",
    "nats",
    "etcd_client",
    "kube",
    "hickory_resolver",
    "trust_dns_resolver",
];

/// Data types that client crates re-export: building one talks to nobody.
const DATA_TYPES: &[&str] = &[
    "Url",
    "Uri",
    "Method",
    "StatusCode",
    "Version",
    "HeaderValue",
    "HeaderName",
    "HeaderMap",
    "Error",
    "Bytes",
];

/// Type wrappers that do not change what a value is.
const TYPE_WRAPPERS: &[&str] = &[
    "Arc",
    "Rc",
    "Box",
    "Pin",
    "Lazy",
    "LazyLock",
    "LazyCell",
    "OnceLock",
    "OnceCell",
    "ManuallyDrop",
    "RefCell",
    "BufReader",
    "BufWriter",
    "LineWriter",
    "BufStream",
];

/// Methods that hand back the value they are called on (or a view of it).
const PASS_THROUGH: &[&str] = &[
    "unwrap",
    "expect",
    "clone",
    "as_ref",
    "as_mut",
    "by_ref",
    "borrow",
    "borrow_mut",
    "get_ref",
    "get_mut",
    "try_clone",
];

/// Methods of a `Mutex`/`RwLock` that acquire it.
const LOCK_METHODS: &[&str] = &[
    "lock",
    "read",
    "write",
    "lock_owned",
    "read_owned",
    "write_owned",
    "blocking_lock",
    "blocking_read",
    "blocking_write",
    "lock_arc",
];

/// Methods of a channel end that send or receive.
const CHANNEL_METHODS: &[&str] = &[
    "send",
    "recv",
    "send_timeout",
    "recv_timeout",
    "recv_deadline",
    "send_async",
    "recv_async",
    "send_blocking",
    "recv_blocking",
    "blocking_send",
    "blocking_recv",
    "unbounded_send",
    "reserve",
    "changed",
];

/// Methods of `Path` that read the file system; the first four name nothing
/// else and count on any receiver.
const PATH_IO_METHODS: &[&str] = &[
    "canonicalize",
    "symlink_metadata",
    "read_link",
    "read_dir",
    "metadata",
    "try_exists",
];

/// Channel constructors (last segment) and the path words that place them in
/// a channel module or crate.
const CHANNEL_CTORS: &[&str] = &[
    "channel",
    "unbounded_channel",
    "unbounded",
    "bounded",
    "sync_channel",
];
const CHANNEL_PLACES: &[&str] = &[
    "mpsc",
    "oneshot",
    "broadcast",
    "watch",
    "crossbeam_channel",
    "flume",
    "async_channel",
    "kanal",
    "async_broadcast",
];

/// A function of the file: free (`None`) or of an `impl`/`trait` type.
type FnKey = (Option<String>, String);

/// What one function shows about its names: parameters, `let` bindings, and
/// the `impl` type it belongs to.
#[derive(Default)]
pub struct Scope<'ast> {
    params: HashMap<String, &'ast syn::Type>,
    /// `None` when the name is bound more than once.
    locals: HashMap<String, Option<Local<'ast>>>,
    self_type: Option<String>,
}

#[derive(Clone, Copy, Default)]
struct Local<'ast> {
    ty: Option<&'ast syn::Type>,
    init: Option<&'ast syn::Expr>,
    /// One end of a channel made by `let (tx, rx) = mpsc::channel(..)`.
    channel_end: bool,
}

impl<'ast> Scope<'ast> {
    /// The scope of a function with this signature and body, in an `impl` of
    /// `self_type`. Closures' bindings count; nested items' do not.
    pub fn of_fn(
        sig: Option<&'ast syn::Signature>,
        body: &'ast syn::Block,
        self_type: Option<String>,
    ) -> Self {
        let mut s = Scope {
            self_type,
            ..Scope::default()
        };
        for arg in sig.iter().flat_map(|s| &s.inputs) {
            if let syn::FnArg::Typed(t) = arg {
                if let syn::Pat::Ident(i) = &*t.pat {
                    s.params.insert(i.ident.to_string(), &t.ty);
                }
            }
        }
        let mut b = Bindings(&mut s.locals);
        b.visit_block(body);
        s
    }

    /// The initialiser of `let name = ..;` when the name is bound once.
    pub fn init_of(&self, name: &str) -> Option<&'ast syn::Expr> {
        self.locals.get(name).copied().flatten()?.init
    }
}

/// Collects `let` bindings into a scope.
struct Bindings<'m, 'ast>(&'m mut HashMap<String, Option<Local<'ast>>>);

impl<'ast> Bindings<'_, 'ast> {
    fn bind(&mut self, name: String, local: Local<'ast>) {
        match self.0.get(&name) {
            None => {
                self.0.insert(name, Some(local));
            }
            Some(_) => {
                self.0.insert(name, None);
            }
        }
    }
}

impl<'ast> Visit<'ast> for Bindings<'_, 'ast> {
    fn visit_local(&mut self, l: &'ast syn::Local) {
        let (pat, ty) = match &l.pat {
            syn::Pat::Type(t) => (&*t.pat, Some(&*t.ty)),
            p => (p, None),
        };
        // `let Ok(x) = .. else`: the initialiser is not the binding's value.
        let init = l
            .init
            .as_ref()
            .filter(|i| i.diverge.is_none())
            .map(|i| &*i.expr);
        match pat {
            syn::Pat::Ident(i) if i.subpat.is_none() => {
                let local = Local {
                    ty,
                    init,
                    channel_end: false,
                };
                self.bind(i.ident.to_string(), local);
            }
            syn::Pat::Tuple(t) if init.is_some_and(is_channel_ctor) => {
                for p in &t.elems {
                    if let syn::Pat::Ident(i) = p {
                        let local = Local {
                            channel_end: true,
                            ..Local::default()
                        };
                        self.bind(i.ident.to_string(), local);
                    }
                }
            }
            _ => {}
        }
        syn::visit::visit_local(self, l);
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// `mpsc::channel(..)`, `crossbeam_channel::unbounded()`, .. as written (the
/// module or crate named in the path).
fn is_channel_ctor(e: &syn::Expr) -> bool {
    let syn::Expr::Call(c) = strip_parens(e) else {
        return false;
    };
    let Some(p) = call_path(c) else { return false };
    let segs: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
    segs.last()
        .is_some_and(|l| CHANNEL_CTORS.contains(&l.as_str()))
        && segs.iter().any(|s| CHANNEL_PLACES.contains(&s.as_str()))
}

/// One function of the file, for the effect summary.
struct FnDef<'ast> {
    key: FnKey,
    sig: &'ast syn::Signature,
    body: &'ast syn::Block,
}

/// Collects the file's functions, types, fields and statics.
#[derive(Default)]
struct Collect<'ast> {
    fns: Vec<FnDef<'ast>>,
    types: HashSet<String>,
    fields: HashMap<(String, String), &'ast syn::Type>,
    statics: HashMap<String, &'ast syn::Type>,
    owner: Option<String>,
}

impl<'ast> Collect<'ast> {
    fn add(&mut self, sig: &'ast syn::Signature, body: &'ast syn::Block) {
        let key = (self.owner.clone(), sig.ident.to_string());
        self.fns.push(FnDef { key, sig, body });
    }
}

impl<'ast> Visit<'ast> for Collect<'ast> {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        let saved = self.owner.take();
        self.add(&f.sig, &f.block);
        self.owner = saved;
    }
    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        let saved = std::mem::replace(&mut self.owner, crate::callgraph::type_name(&i.self_ty));
        for item in &i.items {
            if let syn::ImplItem::Fn(f) = item {
                self.add(&f.sig, &f.block);
            }
        }
        self.owner = saved;
    }
    fn visit_item_trait(&mut self, t: &'ast syn::ItemTrait) {
        let saved = self.owner.replace(t.ident.to_string());
        for item in &t.items {
            if let syn::TraitItem::Fn(f) = item {
                if let Some(b) = &f.default {
                    self.add(&f.sig, b);
                }
            }
        }
        self.owner = saved;
    }
    fn visit_item_struct(&mut self, s: &'ast syn::ItemStruct) {
        let name = s.ident.to_string();
        for f in &s.fields {
            if let Some(id) = &f.ident {
                self.fields.insert((name.clone(), id.to_string()), &f.ty);
            }
        }
        self.types.insert(name);
    }
    fn visit_item_enum(&mut self, e: &'ast syn::ItemEnum) {
        self.types.insert(e.ident.to_string());
    }
    fn visit_item_static(&mut self, s: &'ast syn::ItemStatic) {
        self.statics.insert(s.ident.to_string(), &s.ty);
    }
}

/// What the file shows about the effects of its calls.
pub struct EffectModel<'ast> {
    imports: &'ast Imports,
    /// Types defined in the file: a local `File` is not `std::fs::File`.
    local_types: HashSet<String>,
    fields: HashMap<(String, String), &'ast syn::Type>,
    statics: HashMap<String, &'ast syn::Type>,
    /// Every function of the file, by key.
    defined: HashSet<FnKey>,
    /// Functions that reach an effect: the effect and the call that has it.
    effectful: HashMap<FnKey, (Effect, String)>,
    /// Functions returning a thread-local `AccessError`.
    thread_local: HashSet<FnKey>,
}

impl<'ast> EffectModel<'ast> {
    /// The model of `file`: each function's own effect calls, then the
    /// functions reaching them through calls within the file, to a fixed point.
    pub fn new(file: &'ast syn::File, imports: &'ast Imports) -> Self {
        let mut c = Collect::default();
        c.visit_file(file);
        let mut m = EffectModel {
            imports,
            local_types: c.types,
            fields: c.fields,
            statics: c.statics,
            defined: c.fns.iter().map(|f| f.key.clone()).collect(),
            effectful: HashMap::new(),
            thread_local: HashSet::new(),
        };
        let mut callees: Vec<Vec<FnKey>> = Vec::new();
        for def in &c.fns {
            if returns_access_error(def.sig) {
                m.thread_local.insert(def.key.clone());
            }
            let scope = Scope::of_fn(Some(def.sig), def.body, def.key.0.clone());
            let (direct, calls) = m.scan_body(def.body, &scope);
            if let Some(d) = direct {
                m.effectful.insert(def.key.clone(), d);
            }
            callees.push(calls);
        }
        m.propagate(&c.fns, &callees);
        m
    }

    /// Marks the functions calling an effectful function of the file, at any
    /// depth: each records the effect of its first call that has one.
    fn propagate(&mut self, fns: &[FnDef], callees: &[Vec<FnKey>]) {
        let edges: Vec<(&FnKey, &[FnKey])> = fns
            .iter()
            .zip(callees)
            .map(|(d, c)| (&d.key, c.as_slice()))
            .collect();
        let mut marked: HashSet<FnKey> = self.effectful.keys().cloned().collect();
        mark_callers(&edges, &mut marked, |i| {
            let reached = callees[i]
                .iter()
                .find_map(|k| self.effectful.get(k))
                .cloned();
            if let Some(r) = reached {
                self.effectful.insert(fns[i].key.clone(), r);
            }
        });
    }

    /// A body's first call with a direct effect whose error leaves the body,
    /// and the file's functions it calls the same way.
    fn scan_body(
        &self,
        body: &'ast syn::Block,
        scope: &Scope<'ast>,
    ) -> (Option<(Effect, String)>, Vec<FnKey>) {
        let mut s = BodyScan {
            model: self,
            scope,
            direct: None,
            callees: Vec::new(),
            leaving: HashSet::new(),
        };
        s.leaves_block(body, 0);
        s.visit_block(body);
        (s.direct, s.callees)
    }

    /// What the file shows about `call` (a call or method call), seen from a
    /// function with `scope`.
    pub fn verdict(&self, call: &syn::Expr, scope: &Scope<'ast>) -> Verdict {
        self.verdict_at(call, scope, 0)
    }

    /// [`Self::verdict`], `depth` timed operations down.
    fn verdict_at(&self, call: &syn::Expr, scope: &Scope<'ast>, depth: usize) -> Verdict {
        let call = strip(call);
        if self.is_in_memory(call, scope) {
            return Verdict::InMemory;
        }
        if let Some(effect) = self.direct_effect(call, scope, 0) {
            return Verdict::Effect { effect, via: None };
        }
        if let Some((effect, via)) = self
            .local_callee(call, scope)
            .and_then(|k| self.effectful.get(&k))
        {
            return Verdict::Effect {
                effect: *effect,
                via: Some(via.clone()),
            };
        }
        match timed_operation(call) {
            // `let op = timeout(d, op)` would lead back here.
            Some(inner) if depth < 4 => {
                self.verdict_at(self.through_local(inner, scope), scope, depth + 1)
            }
            _ => Verdict::Unknown,
        }
    }

    /// Thread-local access and `Layout` arithmetic.
    fn is_in_memory(&self, call: &syn::Expr, scope: &Scope<'ast>) -> bool {
        match call {
            syn::Expr::MethodCall(m) => {
                m.method == "try_with" || self.kind_of(&m.receiver, scope, 0) == Some(Kind::Layout)
            }
            syn::Expr::Call(c) => {
                let Some(p) = call_path(c) else { return false };
                p.segments.iter().any(|s| s.ident == "Layout")
                    || self
                        .local_callee(call, scope)
                        .is_some_and(|k| self.thread_local.contains(&k))
            }
            _ => false,
        }
    }

    /// The effect `call` has by itself: its path, or its receiver and name.
    fn direct_effect(&self, call: &syn::Expr, scope: &Scope<'ast>, depth: usize) -> Option<Effect> {
        match call {
            syn::Expr::Call(c) => {
                let path = call_path(c)?;
                self.path_effect(path)
            }
            syn::Expr::MethodCall(m) => self.method_effect(m, scope, depth),
            _ => None,
        }
    }

    /// A function path with an effect: a function of an effect module
    /// (`std::fs::read`), an associated function of a handle type
    /// (`TcpStream::connect`), anything of a client crate (`reqwest::get`).
    /// A constructor (`Client::new`, `Resolver::builder`) only makes the
    /// handle; the calls through it are the effects.
    fn path_effect(&self, path: &syn::Path) -> Option<Effect> {
        let name = last_segment(path)?;
        if matches!(name.as_str(), "new" | "builder" | "default") {
            return None;
        }
        for full in self.candidates(path) {
            let segs: Vec<&str> = full.split("::").collect();
            if let Some(e) = module_effect(&segs) {
                return Some(e);
            }
            if is_client_path(&full) {
                return Some(Effect::Client);
            }
        }
        let n = path.segments.len();
        if n >= 2 {
            let type_path = syn::Path {
                leading_colon: path.leading_colon,
                segments: path.segments.iter().take(n - 1).cloned().collect(),
            };
            return match self.path_kind(&type_path)? {
                Kind::Io(e) => Some(e),
                Kind::Process => Some(Effect::Process),
                Kind::Client => Some(Effect::Client),
                _ => None,
            };
        }
        None
    }

    /// A method with an effect: one of the receiver's kind, or one whose name
    /// says it on any receiver (`lock()`, `canonicalize()`, `to_socket_addrs()`).
    fn method_effect(
        &self,
        m: &syn::ExprMethodCall,
        scope: &Scope<'ast>,
        depth: usize,
    ) -> Option<Effect> {
        let name = m.method.to_string();
        let name = name.as_str();
        let by_receiver = match self.kind_of(&m.receiver, scope, depth) {
            Some(Kind::Io(e)) => Some(e),
            Some(Kind::Process) => Some(Effect::Process),
            Some(Kind::Client) => Some(Effect::Client),
            Some(Kind::Lock) => LOCK_METHODS.contains(&name).then_some(Effect::Lock),
            Some(Kind::ChannelEnd) => CHANNEL_METHODS.contains(&name).then_some(Effect::Channel),
            Some(Kind::Path) => PATH_IO_METHODS.contains(&name).then_some(Effect::File),
            Some(Kind::Builder) => BUILDER_SENDS.contains(&name).then_some(Effect::Client),
            Some(Kind::Layout) | None => None,
        };
        by_receiver.or(match name {
            // `Mutex::lock`, `RwLock::read/write` take no argument (I/O reads
            // and writes take a buffer).
            "lock" | "read" | "write" if m.args.is_empty() => Some(Effect::Lock),
            "canonicalize" | "symlink_metadata" | "read_link" | "read_dir" => Some(Effect::File),
            "to_socket_addrs" => Some(Effect::Socket),
            _ => None,
        })
    }

    /// The function of this file that `call` calls, if it is one: `f(..)`,
    /// `Self::f(..)`, `Type::f(..)`, `self.f(..)`, `crate::m::f(..)`.
    fn local_callee(&self, call: &syn::Expr, scope: &Scope<'ast>) -> Option<FnKey> {
        let key = match call {
            syn::Expr::Call(c) => {
                let p = call_path(c)?;
                let name = last_segment(p)?;
                let segs: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
                match segs.len() {
                    1 => (None, name),
                    n => {
                        let owner = &segs[n - 2];
                        if owner == "Self" {
                            (Some(scope.self_type.clone()?), name)
                        } else if owner.starts_with(char::is_uppercase) {
                            (Some(owner.clone()), name)
                        } else if matches!(segs[0].as_str(), "crate" | "self" | "super") {
                            (None, name)
                        } else {
                            return None;
                        }
                    }
                }
            }
            syn::Expr::MethodCall(m) if is_self(&m.receiver) => {
                (Some(scope.self_type.clone()?), m.method.to_string())
            }
            _ => return None,
        };
        self.defined.contains(&key).then_some(key)
    }

    /// A local's initialiser when `e` names one (`let fut = ..; timeout(d, fut)`).
    fn through_local<'e>(&self, e: &'e syn::Expr, scope: &Scope<'ast>) -> &'e syn::Expr
    where
        'ast: 'e,
    {
        let e = strip(e);
        if let syn::Expr::Path(p) = e {
            if let Some(init) = p
                .path
                .get_ident()
                .and_then(|i| scope.init_of(&i.to_string()))
            {
                return strip(init);
            }
        }
        e
    }

    /// What the value of `e` is.
    fn kind_of(&self, e: &syn::Expr, scope: &Scope<'ast>, depth: usize) -> Option<Kind> {
        if depth > 6 {
            return None;
        }
        match strip(e) {
            syn::Expr::Path(p) => self.name_kind(&p.path, scope, depth),
            syn::Expr::Field(f) => self.field_kind(f, scope),
            syn::Expr::MethodCall(m) => self.method_value_kind(m, scope, depth),
            syn::Expr::Call(c) => self.call_value_kind(c, scope, depth),
            _ => None,
        }
    }

    /// A parameter, a local or a `static`.
    fn name_kind(&self, path: &syn::Path, scope: &Scope<'ast>, depth: usize) -> Option<Kind> {
        if let Some(id) = path.get_ident() {
            let name = id.to_string();
            if let Some(ty) = scope.params.get(&name) {
                return self.type_kind(ty);
            }
            if let Some(local) = scope.locals.get(&name) {
                let local = (*local)?;
                if local.channel_end {
                    return Some(Kind::ChannelEnd);
                }
                return local
                    .ty
                    .and_then(|t| self.type_kind(t))
                    .or_else(|| self.kind_of(local.init?, scope, depth + 1));
            }
        }
        let ty = self.statics.get(&last_segment(path)?)?;
        self.type_kind(ty)
    }

    /// `self.field`, typed in the `impl` type's `struct`.
    fn field_kind(&self, f: &syn::ExprField, scope: &Scope<'ast>) -> Option<Kind> {
        let syn::Member::Named(id) = &f.member else {
            return None;
        };
        if !is_self(&f.base) {
            return None;
        }
        let key = (scope.self_type.clone()?, id.to_string());
        self.type_kind(self.fields.get(&key)?)
    }

    /// The value of a method call: a client's requests and responses stay the
    /// client's; `unwrap`, `clone`, .. keep the receiver's kind; a path's
    /// `join` is a path.
    fn method_value_kind(
        &self,
        m: &syn::ExprMethodCall,
        scope: &Scope<'ast>,
        depth: usize,
    ) -> Option<Kind> {
        let name = m.method.to_string();
        let receiver = self.kind_of(&m.receiver, scope, depth + 1)?;
        match receiver {
            _ if PASS_THROUGH.contains(&name.as_str()) => Some(receiver),
            // `Client::builder().timeout(t).build()` is a client; a send
            // hands back the response, which stays the client's.
            Kind::Builder if name == "build" || BUILDER_SENDS.contains(&name.as_str()) => {
                Some(Kind::Client)
            }
            Kind::Client | Kind::Process | Kind::Builder => Some(receiver),
            Kind::Path => matches!(
                name.as_str(),
                "join" | "with_extension" | "with_file_name" | "to_path_buf" | "as_path"
            )
            .then_some(Kind::Path),
            _ => None,
        }
    }

    /// The value of a call: a handle's constructor (`File::open`,
    /// `Mutex::new`), a wrapper around a handle (`Arc::new(file)`), anything a
    /// client crate returns.
    fn call_value_kind(
        &self,
        c: &syn::ExprCall,
        scope: &Scope<'ast>,
        depth: usize,
    ) -> Option<Kind> {
        let path = call_path(c)?;
        let name = last_segment(path)?;
        let segs = path.segments.len();
        let owner = (segs >= 2).then(|| path.segments[segs - 2].ident.to_string());
        match (owner.as_deref(), name.as_str()) {
            (Some("Mutex" | "RwLock"), _) => return Some(Kind::Lock),
            (Some("Path" | "PathBuf"), _) => return Some(Kind::Path),
            (Some(o), "new" | "pin" | "from") if TYPE_WRAPPERS.contains(&o) => {
                return self.kind_of(c.args.first()?, scope, depth + 1);
            }
            (None, "Some") => return self.kind_of(c.args.first()?, scope, depth + 1),
            (Some(_), "builder") => return Some(Kind::Builder),
            _ => {}
        }
        for full in self.candidates(path) {
            if is_client_path(&full) {
                return Some(Kind::Client);
            }
            if matches!(
                full.as_str(),
                "std::io::stdin" | "std::io::stdout" | "std::io::stderr"
            ) {
                return Some(Kind::Io(Effect::File));
            }
        }
        if segs < 2 {
            return None;
        }
        let type_path = syn::Path {
            leading_colon: path.leading_colon,
            segments: path.segments.iter().take(segs - 1).cloned().collect(),
        };
        self.path_kind(&type_path)
    }

    /// What a value of type `ty` is.
    fn type_kind(&self, ty: &syn::Type) -> Option<Kind> {
        match ty {
            syn::Type::Reference(r) => self.type_kind(&r.elem),
            syn::Type::Paren(p) => self.type_kind(&p.elem),
            syn::Type::Group(g) => self.type_kind(&g.elem),
            syn::Type::Path(p) => {
                let last = p.path.segments.last()?;
                if TYPE_WRAPPERS.contains(&last.ident.to_string().as_str()) {
                    return self.type_kind(first_type_arg(&last.arguments)?);
                }
                self.path_kind(&p.path)
            }
            _ => None,
        }
    }

    /// What a type named by `path` is.
    fn path_kind(&self, path: &syn::Path) -> Option<Kind> {
        let name = last_segment(path)?;
        let n = name.as_str();
        if matches!(n, "Mutex" | "RwLock" | "ReentrantMutex" | "FairMutex") {
            return Some(Kind::Lock);
        }
        if n == "Layout" {
            return Some(Kind::Layout);
        }
        let local = self.local_types.contains(&name);
        let fulls = self.candidates(path);
        let from = |crates: &[&str]| {
            fulls.iter().any(|f| {
                let first = f.split("::").next().unwrap_or_default();
                crates.contains(&first) || !local && !f.contains("::")
            })
        };
        if FILE_TYPES.contains(&n) && from(IO_CRATES) {
            return Some(Kind::Io(Effect::File));
        }
        if SOCKET_TYPES.contains(&n) && from(IO_CRATES) {
            return Some(Kind::Io(Effect::Socket));
        }
        if matches!(n, "Path" | "PathBuf") && from(&["std"]) {
            return Some(Kind::Path);
        }
        let channel = ["Sender", "Receiver", "SyncSender"];
        if (channel.contains(&n) || n.starts_with("Unbounded")) && !local {
            return Some(Kind::ChannelEnd);
        }
        if matches!(n, "Command" | "Child") && fulls.iter().any(|f| f.contains("process::")) {
            return Some(Kind::Process);
        }
        let client_crate = fulls.iter().any(|f| is_client_path(f));
        // A type named for a client (`HttpClient`, `AsyncResolver`): the
        // crate's own client or a wrapper around one.
        if client_crate || n.ends_with("Client") || n.ends_with("Resolver") {
            return Some(Kind::Client);
        }
        None
    }

    /// The full paths `path` may name: through imports, and under glob
    /// imports for a path whose first segment is not imported.
    fn candidates(&self, path: &syn::Path) -> Vec<String> {
        self.imports.resolve(path)
    }
}

/// Walks a body for the calls whose error leaves it (the operand of `?`, a
/// `return`ed or tail value): effect calls, and calls of the file's
/// functions. A call whose failure is handled inside (`lock().unwrap()`, an
/// `if let Ok(..)`) does not make the body's own error an effect.
struct BodyScan<'m, 'ast> {
    model: &'m EffectModel<'ast>,
    scope: &'m Scope<'ast>,
    direct: Option<(Effect, String)>,
    callees: Vec<FnKey>,
    /// Expressions whose error leaves the body.
    leaving: HashSet<usize>,
}

/// Methods that keep the error of the call below them.
const KEEPS_ERROR: &[&str] = &[
    "map",
    "map_err",
    "map_ok",
    "err_into",
    "context",
    "with_context",
    "wrap_err",
    "wrap_err_with",
    "inspect_err",
    "and_then",
    "boxed",
];

impl<'ast> BodyScan<'_, 'ast> {
    fn judge(&mut self, e: &syn::Expr) {
        if self.direct.is_none() {
            if let Some(effect) = self.model.direct_effect(e, self.scope, 0) {
                self.direct = Some((effect, call_name(e)));
            }
        }
        if let Some(k) = self.model.local_callee(e, self.scope) {
            self.callees.push(k);
        }
    }

    /// Marks the calls whose error `e`'s error is: through adapters, the
    /// arms of a `match` or `if`, a block's tail, a local's initialiser.
    fn leaves(&mut self, e: &'ast syn::Expr, depth: usize) {
        if depth > 8 {
            return;
        }
        let e = strip(e);
        match e {
            syn::Expr::MethodCall(m) if KEEPS_ERROR.contains(&m.method.to_string().as_str()) => {
                self.leaves(&m.receiver, depth + 1);
            }
            syn::Expr::Call(_) | syn::Expr::MethodCall(_) => {
                self.leaving.insert(addr(e));
            }
            syn::Expr::Path(p) => {
                if let Some(init) = p
                    .path
                    .get_ident()
                    .and_then(|i| self.scope.init_of(&i.to_string()))
                {
                    self.leaves(init, depth + 1);
                }
            }
            syn::Expr::Match(m) => m.arms.iter().for_each(|a| self.leaves(&a.body, depth + 1)),
            syn::Expr::If(i) => {
                self.leaves_block(&i.then_branch, depth + 1);
                if let Some((_, els)) = &i.else_branch {
                    self.leaves(els, depth + 1);
                }
            }
            syn::Expr::Block(b) => self.leaves_block(&b.block, depth + 1),
            syn::Expr::Unsafe(b) => self.leaves_block(&b.block, depth + 1),
            _ => {}
        }
    }

    fn leaves_block(&mut self, b: &'ast syn::Block, depth: usize) {
        if let Some(syn::Stmt::Expr(tail, None)) = b.stmts.last() {
            self.leaves(tail, depth);
        }
    }
}

impl<'ast> Visit<'ast> for BodyScan<'_, 'ast> {
    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        match e {
            syn::Expr::Try(t) => self.leaves(&t.expr, 0),
            syn::Expr::Return(r) => {
                if let Some(x) = &r.expr {
                    self.leaves(x, 0);
                }
            }
            syn::Expr::Call(_) | syn::Expr::MethodCall(_) if self.leaving.contains(&addr(e)) => {
                self.judge(e)
            }
            _ => {}
        }
        syn::visit::visit_expr(self, e);
    }
    // A closure's `?` and `return` leave the closure, not the body.
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

fn addr(e: &syn::Expr) -> usize {
    e as *const syn::Expr as usize
}

/// The name a call is known by, for messages: a method's name, a path's
/// last two segments (`fs::read`, `TcpStream::connect`).
fn call_name(e: &syn::Expr) -> String {
    match e {
        syn::Expr::MethodCall(m) => m.method.to_string(),
        syn::Expr::Call(c) => call_path(c).map_or_else(String::new, |p| {
            let segs: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
            segs[segs.len().saturating_sub(2)..].join("::")
        }),
        _ => String::new(),
    }
}

/// Looks through parentheses, references, `?` and `.await`.
fn strip(mut e: &syn::Expr) -> &syn::Expr {
    loop {
        match e {
            syn::Expr::Paren(p) => e = &p.expr,
            syn::Expr::Group(g) => e = &g.expr,
            syn::Expr::Reference(r) => e = &r.expr,
            syn::Expr::Try(t) => e = &t.expr,
            syn::Expr::Await(a) => e = &a.base,
            _ => return e,
        }
    }
}

fn is_self(e: &syn::Expr) -> bool {
    matches!(strip(e), syn::Expr::Path(p) if p.path.is_ident("self"))
}

/// A path into a client crate (`reqwest::Client::get`, `sqlx::query`), not
/// to one of the plain data types it re-exports (`reqwest::Url`).
fn is_client_path(full: &str) -> bool {
    let mut segs = full.split("::");
    let first = segs.next().unwrap_or_default();
    (CLIENT_CRATES.contains(&first) || first.starts_with("aws_sdk_"))
        && !segs.any(|s| DATA_TYPES.contains(&s))
}

/// The effect of a function or handle type under an effect module: its next
/// segment is a function (`std::fs::read`) or a handle type (`std::net::TcpStream`),
/// not a data type (`std::io::Error`, `std::net::SocketAddr`).
fn module_effect(segs: &[&str]) -> Option<Effect> {
    for (module, effect) in EFFECT_MODULES {
        let m: Vec<&str> = module.split("::").collect();
        if segs.len() <= m.len() || segs[..m.len()] != m[..] {
            continue;
        }
        let next = segs[m.len()];
        let is_fn = next.starts_with(|c: char| c.is_ascii_lowercase()) && segs.len() == m.len() + 1;
        let is_handle = FILE_TYPES.contains(&next)
            || SOCKET_TYPES.contains(&next)
            || matches!(next, "Command" | "Child");
        if is_fn || is_handle {
            return Some(*effect);
        }
    }
    None
}

/// `timeout(duration, operation)`: the operation timed out.
fn timed_operation(call: &syn::Expr) -> Option<&syn::Expr> {
    let syn::Expr::Call(c) = call else {
        return None;
    };
    let name = call_path(c).and_then(last_segment)?;
    (name == "timeout" && c.args.len() == 2).then(|| c.args.last())?
}

fn first_type_arg(args: &syn::PathArguments) -> Option<&syn::Type> {
    let syn::PathArguments::AngleBracketed(a) = args else {
        return None;
    };
    a.args.iter().find_map(|g| match g {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

/// `-> Result<_, AccessError>`: a wrapper around `LocalKey::try_with`.
fn returns_access_error(sig: &syn::Signature) -> bool {
    match &sig.output {
        syn::ReturnType::Type(_, t) => crate::syntax::any_ident(&**t, &mut |i| i == "AccessError"),
        syn::ReturnType::Default => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The verdict on the last expression of the function named `probe`.
    fn verdict_of(src: &str) -> Verdict {
        let file = syn::parse_file(src).expect("parses");
        let imports = Imports::collect(&file);
        let model = EffectModel::new(&file, &imports);
        let mut c = Collect::default();
        c.visit_file(&file);
        let def = c
            .fns
            .iter()
            .find(|f| f.key.1 == "probe")
            .expect("a probe function");
        let scope = Scope::of_fn(Some(def.sig), def.body, def.key.0.clone());
        let last = match def.body.stmts.last() {
            Some(syn::Stmt::Expr(e, _)) => e,
            _ => panic!("probe ends in an expression"),
        };
        model.verdict(last, &scope)
    }

    fn effect(src: &str) -> Option<Effect> {
        match verdict_of(src) {
            Verdict::Effect { effect, .. } => Some(effect),
            _ => None,
        }
    }

    #[test]
    fn a_builder_chain_is_in_memory_until_it_sends() {
        let built = "use hyper::Response; fn probe() { Response::builder().status(200).body(b) }";
        assert_eq!(verdict_of(built), Verdict::Unknown);
        let sent = "use reqwest::Client; fn probe(u: &str) { Client::builder().build()?.get(u).send().await }";
        assert_eq!(effect(sent), Some(Effect::Client));
        let request =
            "use reqwest::Request; fn probe(c: &C) { Request::builder().uri(u).send().await }";
        assert_eq!(effect(request), Some(Effect::Client));
    }

    #[test]
    fn functions_of_effect_modules() {
        let src = "use std::fs; fn probe(p: &str) { fs::read_to_string(p) }";
        assert_eq!(effect(src), Some(Effect::File));
        let src = "use tokio::net; fn probe(h: &str) { net::lookup_host(h).await }";
        assert_eq!(effect(src), Some(Effect::Socket));
        // A data type of the same module builds a value, it does no I/O.
        let src = "use std::io; fn probe() { io::Error::other(\"x\") }";
        assert_eq!(verdict_of(src), Verdict::Unknown);
        // What an I/O call returned is data: `Metadata::modified` reads a field.
        let src = "use std::fs; fn probe(p: &str) { fs::metadata(p)?.modified() }";
        assert_eq!(verdict_of(src), Verdict::Unknown);
    }

    #[test]
    fn handle_constructors_resolved_through_imports() {
        let src = "use std::fs::File; fn probe(p: &str) { File::open(p) }";
        assert_eq!(effect(src), Some(Effect::File));
        let src =
            "use std::process::Command; fn probe() { Command::new(\"git\").arg(\"x\").output() }";
        assert_eq!(effect(src), Some(Effect::Process));
        // The file's own `File` and `Command` are not the standard handles.
        let src = "struct File; impl File { fn open(p: &str) -> Result<File, ()> { Ok(File) } }\nfn probe(p: &str) { File::open(p) }";
        assert_eq!(verdict_of(src), Verdict::Unknown);
        let src = "enum Command { Run } fn probe(c: Command) { c.output() }";
        assert_eq!(verdict_of(src), Verdict::Unknown);
    }

    #[test]
    fn receivers_typed_by_parameters_and_bindings() {
        let src =
            "use std::net::TcpStream; fn probe(s: &mut TcpStream, b: &[u8]) { s.write_all(b) }";
        assert_eq!(effect(src), Some(Effect::Socket));
        let src = "use std::net::UdpSocket; fn probe(a: &str) { let sock = UdpSocket::bind(a)?; sock.send_to(b\"x\", a) }";
        assert_eq!(effect(src), Some(Effect::Socket));
        let src = "fn probe(s: &mut Vec<u8>, b: &[u8]) { s.write_all(b) }";
        assert_eq!(verdict_of(src), Verdict::Unknown);
        let src = "fn probe(a: &str) { let sock = make(a); sock.send_to(b\"x\", a) }";
        assert_eq!(verdict_of(src), Verdict::Unknown);
    }

    #[test]
    fn network_and_database_clients() {
        let src =
            "fn probe(u: &str) { let client = reqwest::Client::new(); client.get(u).send().await }";
        assert_eq!(effect(src), Some(Effect::Client));
        let src = "use sqlx::PgPool; fn probe(pool: &PgPool) { sqlx::query(\"select 1\").fetch_one(pool).await }";
        assert_eq!(effect(src), Some(Effect::Client));
        // A type named for a client: the crate's own client or a wrapper.
        let src = "fn probe(r: &AsyncResolver, h: &str) { r.reverse_lookup(h).await }";
        assert_eq!(effect(src), Some(Effect::Client));
        // Making a client talks to nobody; the helper's lookup does.
        let src = "fn probe() { reqwest::Client::builder() }";
        assert_eq!(verdict_of(src), Verdict::Unknown);
        let src = "fn probe(h: &str) { canonical(h) }\n\
                   async fn canonical(h: &str) -> Result<String, E> {\n\
                       let r = AsyncResolver::new(cfg()).await?;\n\
                       let found = r.cname_lookup(h).await?;\n\
                       Ok(found.name())\n\
                   }";
        assert_eq!(
            verdict_of(src),
            Verdict::Effect {
                effect: Effect::Client,
                via: Some("cname_lookup".into())
            }
        );
        // Plain data a client crate re-exports is not a client.
        let src = "fn probe(u: &str) { let url = reqwest::Url::parse(u)?; url.join(\"x\") }";
        assert_eq!(verdict_of(src), Verdict::Unknown);
        let src = "fn probe(c: &ResolverConfig, h: &str) { c.lookup(h) }";
        assert_eq!(verdict_of(src), Verdict::Unknown);
    }

    #[test]
    fn fields_of_the_impl_type() {
        let src = "struct S { http: HttpClient, name: String }\nimpl S { fn probe(&self) { self.http.fetch().await } }";
        assert_eq!(effect(src), Some(Effect::Client));
        let src = "struct S { http: HttpClient, name: String }\nimpl S { fn probe(&self) { self.name.fetch() } }";
        assert_eq!(verdict_of(src), Verdict::Unknown);
    }

    #[test]
    fn locks() {
        let src = "use std::sync::Mutex; fn probe(m: &Mutex<u8>) { m.lock() }";
        assert_eq!(effect(src), Some(Effect::Lock));
        let src = "static GLOBAL: Lazy<RwLock<u8>> = Lazy::new(Default::default);\nfn probe() { GLOBAL.read() }";
        assert_eq!(effect(src), Some(Effect::Lock));
        // `read` with a buffer is an I/O read, on a receiver not in sight.
        let src = "fn probe(r: &mut R, buf: &mut [u8]) { r.read(buf) }";
        assert_eq!(verdict_of(src), Verdict::Unknown);
    }

    #[test]
    fn channel_ends() {
        let src = "use tokio::sync::mpsc; fn probe() { let (tx, rx) = mpsc::channel(8); tx.send(1).await }";
        assert_eq!(effect(src), Some(Effect::Channel));
        let src = "fn probe(rx: &mut UnboundedReceiver<u8>) { rx.recv().await }";
        assert_eq!(effect(src), Some(Effect::Channel));
        let src = "fn probe(x: Pair) { let (a, b) = x.split(); a.send(1) }";
        assert_eq!(verdict_of(src), Verdict::Unknown);
    }

    #[test]
    fn helpers_of_the_file_at_any_depth() {
        let src = "fn probe() { load() }\nfn load() -> io::Result<String> { read_config()?; Ok(String::new()) }\nfn read_config() -> io::Result<String> { std::fs::read_to_string(\"c\") }";
        assert_eq!(
            verdict_of(src),
            Verdict::Effect {
                effect: Effect::File,
                via: Some("fs::read_to_string".into())
            }
        );
        let src = "struct S;\nimpl S { fn probe(&self) { self.load() } fn load(&self) -> io::Result<Vec<u8>> { std::fs::read(\"x\") } }";
        assert_eq!(effect(src), Some(Effect::File));
        // A lock whose poisoning panics inside the helper is not the
        // helper's error.
        let src = "fn probe(m: &Mutex<u8>) { bump(m) }\nfn bump(m: &Mutex<u8>) -> Result<u8, E> { let g = m.lock().unwrap(); parse(*g) }";
        assert_eq!(verdict_of(src), Verdict::Unknown);
        // Another type's method of the same name is not followed.
        let src = "struct S; struct T;\nimpl T { fn load(&self) -> io::Result<Vec<u8>> { std::fs::read(\"x\") } }\nimpl S { fn probe(&self, o: &Other) { o.load() } }";
        assert_eq!(verdict_of(src), Verdict::Unknown);
    }

    #[test]
    fn memory_only_calls() {
        let src = "fn probe() { CURRENT.try_with(|c| c.get()) }";
        assert_eq!(verdict_of(src), Verdict::InMemory);
        let src = "fn probe() { with_rng(|r| r.u8()) }\nfn with_rng<R>(f: impl FnOnce(&mut Rng) -> R) -> Result<R, std::thread::AccessError> { RNG.try_with(|r| f(r)) }";
        assert_eq!(verdict_of(src), Verdict::InMemory);
        let src = "use std::alloc::Layout; fn probe(n: usize) { Layout::array::<u8>(n) }";
        assert_eq!(verdict_of(src), Verdict::InMemory);
        let src = "use std::alloc::Layout; fn probe(b: Layout) { let base = Layout::new::<u8>(); base.extend(b) }";
        assert_eq!(verdict_of(src), Verdict::InMemory);
        // `extend` on anything else is unknown, not memory-only.
        let src = "fn probe(v: &mut Buf, b: Layout) { v.extend(b) }";
        assert_eq!(verdict_of(src), Verdict::Unknown);
    }

    #[test]
    fn names_that_say_the_effect_on_any_receiver() {
        let src = "fn probe(addr: &str) { addr.to_socket_addrs() }";
        assert_eq!(effect(src), Some(Effect::Socket));
        let src = "fn probe(p: &P) { p.canonicalize() }";
        assert_eq!(effect(src), Some(Effect::File));
        let src = "use std::path::Path; fn probe(p: &Path) { p.join(\"x\").metadata() }";
        assert_eq!(effect(src), Some(Effect::File));
        // `metadata` of something not visibly a path is not said to be I/O.
        let src = "fn probe(p: &Package) { p.metadata() }";
        assert_eq!(verdict_of(src), Verdict::Unknown);
    }

    #[test]
    fn a_timed_operation_has_the_operation_s_effect() {
        let src = "use tokio::net::TcpStream; fn probe(s: &mut TcpStream, d: Duration) { timeout(d, s.read_u8()).await }";
        assert_eq!(effect(src), Some(Effect::Socket));
        let src = "fn probe(d: Duration) { let work = compute(); timeout(d, work).await }";
        assert_eq!(verdict_of(src), Verdict::Unknown);
        // A binding that names itself ends the search.
        let src = "fn probe(d: Duration, op: F) { let op = timeout(d, op); timeout(d, op).await }";
        assert_eq!(verdict_of(src), Verdict::Unknown);
        let src = "fn probe(d: Duration) { let w = timeout(d, w); timeout(d, w).await }";
        assert_eq!(verdict_of(src), Verdict::Unknown);
    }
}
