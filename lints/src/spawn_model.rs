//! What a task or thread spawn looks like, and how often a loop runs.
//!
//! Shared by `unbounded_spawn` (and usable by other lints that must not follow
//! calls into another task): recognises the spawns of spec v1.2 through `use`
//! imports and aliases, receivers that are visibly a runtime, a handle, an
//! executor or a `JoinSet`, and crate-local spawn wrappers (reported through the
//! cross-file [`FactKind::SpawnWrapper`] fact); and classifies the trip count of
//! `for`/`while`/`loop` and iterator closures (worker pool vs. per item).

use crate::finding::{Fact, FactKind};
use crate::syntax::{call_path, method_chain, strip_await_try, strip_parens};
use crate::FileContext;
use std::collections::HashSet;
use syn::visit::Visit;

/// Free functions that spawn, as full paths after import resolution.
const SPAWN_PATHS: &[&str] = &[
    "tokio::spawn",
    "tokio::task::spawn",
    "tokio::task::spawn_blocking",
    "tokio::task::spawn_local",
    "tokio::task::block_in_place_spawn",
    "tokio::runtime::Handle::spawn",
    "tokio::runtime::Runtime::spawn",
    "tokio::task::JoinSet::spawn",
    "std::thread::spawn",
    "async_std::task::spawn",
    "async_std::task::spawn_blocking",
    "async_std::task::spawn_local",
    "smol::spawn",
];

/// Last segments that name a spawn wherever they come from (spec lists them bare).
const SPAWN_NAMES: &[&str] = &["spawn_blocking", "spawn_local"];

/// Methods of a runtime, handle, executor or `JoinSet` that start a task.
const SPAWN_METHODS: &[&str] = &[
    "spawn",
    "spawn_blocking",
    "spawn_local",
    "spawn_on",
    "spawn_blocking_on",
    "spawn_local_on",
];

/// A recognised spawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spawn {
    /// A listed spawn; the text is how to call it in a message (`tokio::spawn`).
    Listed(String),
    /// A call to a function that may be a crate-local spawn wrapper: the finding
    /// must be kept only if one of these [`FactKind::SpawnWrapper`] facts holds.
    Wrapper { shown: String, facts: Vec<String> },
}

/// Per-file knowledge: struct fields typed as a `JoinSet`, a runtime or a handle,
/// and functions declared with `#[leash::concurrency(..)]`.
#[derive(Debug, Default)]
pub struct FileInfo {
    pub joinset_fields: HashSet<String>,
    pub runtime_fields: HashSet<String>,
    pub concurrency_fns: HashSet<String>,
    /// Functions defined in this file: `name`, and `Type::name` for methods.
    pub local_fns: HashSet<String>,
}

impl FileInfo {
    pub fn collect(cx: &FileContext) -> Self {
        struct C<'a, 'c> {
            cx: &'a FileContext<'c>,
            info: FileInfo,
            self_ty: Option<String>,
        }
        impl<'ast> Visit<'ast> for C<'_, '_> {
            fn visit_field(&mut self, f: &'ast syn::Field) {
                if let Some(name) = &f.ident {
                    match type_kind(self.cx, &f.ty) {
                        Some(Spawner::JoinSet) => {
                            self.info.joinset_fields.insert(name.to_string());
                        }
                        Some(Spawner::Runtime) => {
                            self.info.runtime_fields.insert(name.to_string());
                        }
                        _ => {}
                    }
                }
                syn::visit::visit_field(self, f);
            }
            fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
                if crate::syntax::leash_attr(&f.attrs, "concurrency").is_some() {
                    self.info.concurrency_fns.insert(f.sig.ident.to_string());
                }
                self.info.local_fns.insert(f.sig.ident.to_string());
                let saved = self.self_ty.take();
                syn::visit::visit_item_fn(self, f);
                self.self_ty = saved;
            }
            fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
                let saved = self.self_ty.take();
                self.self_ty = impl_self_name(i);
                syn::visit::visit_item_impl(self, i);
                self.self_ty = saved;
            }
            fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
                if crate::syntax::leash_attr(&f.attrs, "concurrency").is_some() {
                    self.info.concurrency_fns.insert(f.sig.ident.to_string());
                }
                if let Some(t) = &self.self_ty {
                    self.info.local_fns.insert(format!("{t}::{}", f.sig.ident));
                }
                syn::visit::visit_impl_item_fn(self, f);
            }
        }
        let mut c = C {
            cx,
            info: FileInfo::default(),
            self_ty: None,
        };
        c.visit_file(cx.file);
        c.info
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spawner {
    JoinSet,
    Runtime,
    ThreadBuilder,
}

/// The last segment of a type, looking through `&`, `Arc<..>`, `Rc<..>`, `Box<..>`.
fn type_last(ty: &syn::Type) -> Option<(&syn::Path, String)> {
    match ty {
        syn::Type::Reference(r) => type_last(&r.elem),
        syn::Type::Paren(p) => type_last(&p.elem),
        syn::Type::Group(g) => type_last(&g.elem),
        syn::Type::Path(p) => {
            let last = p.path.segments.last()?;
            let name = last.ident.to_string();
            if matches!(name.as_str(), "Arc" | "Rc" | "Box" | "Option") {
                if let syn::PathArguments::AngleBracketed(a) = &last.arguments {
                    for arg in &a.args {
                        if let syn::GenericArgument::Type(t) = arg {
                            return type_last(t);
                        }
                    }
                }
                return None;
            }
            Some((&p.path, name))
        }
        _ => None,
    }
}

fn type_kind(cx: &FileContext, ty: &syn::Type) -> Option<Spawner> {
    let (path, name) = type_last(ty)?;
    match name.as_str() {
        "JoinSet" => Some(Spawner::JoinSet),
        "Runtime" => Some(Spawner::Runtime),
        "Handle" => cx
            .imports
            .resolve(path)
            .iter()
            .any(|p| p.contains("runtime::Handle"))
            .then_some(Spawner::Runtime),
        _ => None,
    }
}

/// Per-function knowledge: locals and parameters that are visibly a `JoinSet`,
/// a runtime/handle/executor or a `thread::Builder`; the `impl` type.
#[derive(Debug, Default, Clone)]
pub struct FnEnv {
    pub self_ty: Option<String>,
    joinsets: HashSet<String>,
    runtimes: HashSet<String>,
    builders: HashSet<String>,
    self_locals: HashSet<String>,
    /// Locals holding a collection's length (`let n = items.len()`).
    len_locals: HashSet<String>,
}

impl FnEnv {
    pub fn new(
        cx: &FileContext,
        self_ty: Option<String>,
        sig: &syn::Signature,
        body: &syn::Block,
    ) -> Self {
        let mut env = FnEnv {
            self_ty,
            ..FnEnv::default()
        };
        for input in &sig.inputs {
            if let syn::FnArg::Typed(pt) = input {
                if let syn::Pat::Ident(pi) = &*pt.pat {
                    env.add(pi.ident.to_string(), type_kind(cx, &pt.ty));
                }
            }
        }
        struct L<'a, 'c> {
            cx: &'a FileContext<'c>,
            env: &'a mut FnEnv,
        }
        impl<'ast> Visit<'ast> for L<'_, '_> {
            fn visit_local(&mut self, l: &'ast syn::Local) {
                let (pat, ty) = match &l.pat {
                    syn::Pat::Type(pt) => (&*pt.pat, Some(&*pt.ty)),
                    p => (p, None),
                };
                if let syn::Pat::Ident(pi) = pat {
                    let name = pi.ident.to_string();
                    let mut kind = ty.and_then(|t| type_kind(self.cx, t));
                    if kind.is_none() {
                        if let Some(init) = &l.init {
                            if ends_in_len(self.env, &init.expr) {
                                self.env.len_locals.insert(name.clone());
                            }
                            kind = init_kind(self.cx, self.env, &init.expr);
                            if let syn::Expr::Call(c) = strip_parens(&init.expr) {
                                if call_path(c).is_some_and(|p| {
                                    p.segments.len() == 2 && p.segments[0].ident == "Self"
                                }) {
                                    self.env.self_locals.insert(name.clone());
                                }
                            }
                        }
                    }
                    self.env.add(name, kind);
                }
                syn::visit::visit_local(self, l);
            }
            fn visit_item(&mut self, _: &'ast syn::Item) {}
        }
        L { cx, env: &mut env }.visit_block(body);
        env
    }

    fn add(&mut self, name: String, kind: Option<Spawner>) {
        match kind {
            Some(Spawner::JoinSet) => {
                self.joinsets.insert(name);
            }
            Some(Spawner::Runtime) => {
                self.runtimes.insert(name);
            }
            Some(Spawner::ThreadBuilder) => {
                self.builders.insert(name);
            }
            None => {}
        }
    }

    fn self_is(&self, names: &[&str]) -> bool {
        self.self_ty.as_deref().is_some_and(|t| names.contains(&t))
    }
}

/// What an initialiser makes: `JoinSet::new()`, `Runtime::new()`,
/// `Handle::current()`, `runtime::Builder::..build()`, `thread::Builder::new()..`.
fn init_kind(cx: &FileContext, env: &FnEnv, expr: &syn::Expr) -> Option<Spawner> {
    let (calls, root) = method_chain(expr);
    let methods: Vec<String> = calls.iter().map(|m| m.method.to_string()).collect();
    if let syn::Expr::Call(c) = root {
        let path = call_path(c)?;
        let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        let n = segs.len();
        if n >= 2 {
            let ty = segs[n - 2].as_str();
            let f = segs[n - 1].as_str();
            if ty == "JoinSet" && matches!(f, "new" | "default") {
                return Some(Spawner::JoinSet);
            }
            if ty == "Self" && matches!(f, "new" | "default") && env.self_is(&["JoinSet"]) {
                return Some(Spawner::JoinSet);
            }
            if ty == "Runtime" && f == "new" {
                return Some(Spawner::Runtime);
            }
            if ty == "Handle" && matches!(f, "current" | "try_current") {
                return Some(Spawner::Runtime);
            }
            if ty == "Builder" {
                let resolved = cx.imports.resolve(path);
                if resolved.iter().any(|p| p == "std::thread::Builder::new") {
                    return Some(Spawner::ThreadBuilder);
                }
                if resolved.iter().any(|p| p.contains("runtime::Builder"))
                    && methods.iter().any(|m| m == "build")
                {
                    return Some(Spawner::Runtime);
                }
            }
        }
    }
    if methods.first().is_some_and(|m| m == "handle") {
        return Some(Spawner::Runtime);
    }
    None
}

/// Does a name say it is a runtime, a handle or an executor?
fn names_executor(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "rt"
        || n.ends_with("_rt")
        || n.contains("runtime")
        || n.contains("handle") && !n.contains("join")
        || n.contains("executor")
}

/// Is this expression (a spawn's receiver) visibly a spawner?
fn receiver_kind(
    cx: &FileContext,
    info: &FileInfo,
    env: &FnEnv,
    recv: &syn::Expr,
) -> Option<Spawner> {
    let recv = strip_await_try(recv);
    let recv = match recv {
        syn::Expr::Reference(r) => strip_parens(&r.expr),
        r => r,
    };
    match recv {
        syn::Expr::Path(p) => {
            let segs = &p.path.segments;
            if segs.len() == 1 {
                let name = segs[0].ident.to_string();
                if name == "self" {
                    if env.self_is(&["JoinSet"]) {
                        return Some(Spawner::JoinSet);
                    }
                    if env.self_is(&["Runtime", "Handle"]) {
                        return Some(Spawner::Runtime);
                    }
                    return None;
                }
                if env.joinsets.contains(&name) {
                    return Some(Spawner::JoinSet);
                }
                if env.builders.contains(&name) {
                    return Some(Spawner::ThreadBuilder);
                }
                if env.runtimes.contains(&name) || names_executor(&name) {
                    return Some(Spawner::Runtime);
                }
            }
            None
        }
        syn::Expr::Field(f) => {
            let syn::Member::Named(name) = &f.member else {
                return None;
            };
            let name = name.to_string();
            if info.joinset_fields.contains(&name) {
                Some(Spawner::JoinSet)
            } else if info.runtime_fields.contains(&name) {
                Some(Spawner::Runtime)
            } else {
                None
            }
        }
        syn::Expr::Call(c) => {
            let path = call_path(c)?;
            let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
            if segs
                .iter()
                .any(|s| names_executor(s) || s == "Handle" || s == "Runtime")
            {
                return Some(Spawner::Runtime);
            }
            if segs.len() >= 2 && segs[segs.len() - 2] == "JoinSet" {
                return Some(Spawner::JoinSet);
            }
            if segs.len() >= 2 && segs[segs.len() - 2] == "Self" && env.self_is(&["JoinSet"]) {
                return Some(Spawner::JoinSet);
            }
            None
        }
        syn::Expr::MethodCall(m) => {
            let (calls, root) = method_chain(recv);
            // `thread::Builder::new().name(..).stack_size(..)`
            if let syn::Expr::Call(c) = root {
                if let Some(path) = call_path(c) {
                    if cx
                        .imports
                        .resolve(path)
                        .iter()
                        .any(|p| p == "std::thread::Builder::new")
                    {
                        return Some(Spawner::ThreadBuilder);
                    }
                }
            }
            if let syn::Expr::Path(p) = root {
                if calls.iter().all(|c| {
                    matches!(
                        c.method.to_string().as_str(),
                        "name" | "stack_size" | "no_hooks"
                    )
                }) && p
                    .path
                    .get_ident()
                    .is_some_and(|i| env.builders.contains(&i.to_string()))
                {
                    return Some(Spawner::ThreadBuilder);
                }
            }
            names_executor(&m.method.to_string()).then_some(Spawner::Runtime)
        }
        _ => None,
    }
}

/// Is this call or method call a spawn?
pub fn classify(cx: &FileContext, info: &FileInfo, env: &FnEnv, expr: &syn::Expr) -> Option<Spawn> {
    classify_with(cx, info, env, expr, true)
}

/// [`classify`]; `wrappers`: also return calls that may be spawn wrappers (only
/// useful inside loops; skipping them saves import lookups elsewhere).
pub fn classify_with(
    cx: &FileContext,
    info: &FileInfo,
    env: &FnEnv,
    expr: &syn::Expr,
    wrappers: bool,
) -> Option<Spawn> {
    match expr {
        syn::Expr::Call(c) => {
            if crate::syntax::macro_call_name(c).is_some() {
                return None;
            }
            let path = call_path(c)?;
            let last = path.segments.last()?.ident.to_string();
            let first = path.segments.first()?.ident.to_string();
            let may_spawn = last.contains("spawn") || cx.imports.imported(&first).is_some();
            if !wrappers && !may_spawn {
                return None;
            }
            // A listed spawn's last segment says `spawn`, or its first is
            // imported (renamed): only then can it resolve to one.
            let resolved = may_spawn.then(|| cx.imports.resolve(path));
            if let Some(full) = resolved
                .iter()
                .flatten()
                .find(|p| SPAWN_PATHS.contains(&p.as_str()))
            {
                return Some(Spawn::Listed(full.clone()));
            }
            if SPAWN_NAMES.contains(&last.as_str()) {
                return Some(Spawn::Listed(crate::syntax::path_string(path)));
            }
            if !wrappers
                || c.args.is_empty()
                || last.starts_with(|ch: char| ch.is_ascii_uppercase())
                || !c.args.iter().any(task_like_arg)
            {
                return None;
            }
            // A call that may be a crate-local wrapper: a free function or an
            // associated function (`Type::spawn_task(..)`).
            let resolved = resolved.unwrap_or_else(|| cx.imports.resolve(path));
            if resolved.iter().any(|p| is_library_path(p)) {
                return None;
            }
            let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
            let arity = c.args.len();
            let mut facts = vec![format!("{last}/{arity}")];
            if segs.len() >= 2 {
                let ty = &segs[segs.len() - 2];
                if ty.starts_with(|ch: char| ch.is_ascii_uppercase()) {
                    let ty = if ty == "Self" {
                        env.self_ty.clone().unwrap_or_default()
                    } else {
                        ty.clone()
                    };
                    facts = vec![format!("{ty}::{last}/{arity}")];
                }
            }
            Some(Spawn::Wrapper {
                shown: crate::syntax::path_string(path),
                facts,
            })
        }
        syn::Expr::MethodCall(m) => {
            let method = m.method.to_string();
            if SPAWN_METHODS.contains(&method.as_str()) {
                if let Some(kind) = receiver_kind(cx, info, env, &m.receiver) {
                    let shown = match kind {
                        Spawner::JoinSet => format!("JoinSet::{method}"),
                        Spawner::Runtime => format!("{}.{method}", receiver_text(&m.receiver)),
                        Spawner::ThreadBuilder => "thread::Builder::spawn".to_string(),
                    };
                    return Some(Spawn::Listed(shown));
                }
            }
            if !wrappers || !m.args.iter().any(task_like_arg) {
                return None;
            }
            let arity = m.args.len();
            // `self.spawn_task(..)` or `x.spawn(..)` where `x = Self::new()`, inside
            // `impl T`: `T::method` may be a crate-local wrapper.
            let ty = env.self_ty.as_ref()?;
            let is_self = match strip_parens(&m.receiver) {
                syn::Expr::Path(p) => p.path.is_ident("self"),
                syn::Expr::Call(c) => call_path(c)
                    .is_some_and(|p| p.segments.len() == 2 && p.segments[0].ident == "Self"),
                _ => false,
            };
            let local_self = match strip_parens(&m.receiver) {
                syn::Expr::Path(p) => p
                    .path
                    .get_ident()
                    .is_some_and(|i| env.self_locals_contains(&i.to_string())),
                _ => false,
            };
            (is_self || local_self).then(|| Spawn::Wrapper {
                shown: format!("{ty}::{method}"),
                facts: vec![format!("{ty}::{method}/{arity}")],
            })
        }
        _ => None,
    }
}

impl FnEnv {
    fn self_locals_contains(&self, name: &str) -> bool {
        self.self_locals.contains(name)
    }
}

/// Paths of well-known libraries: a call into them is never a crate-local wrapper.
fn is_library_path(p: &str) -> bool {
    const ROOTS: &[&str] = &[
        "std",
        "core",
        "alloc",
        "tokio",
        "futures",
        "async_std",
        "smol",
        "tracing",
        "log",
        "serde",
        "hyper",
        "reqwest",
        "tower",
        "Box",
        "Arc",
        "Rc",
        "Some",
        "Ok",
        "Err",
        "Vec",
        "String",
        "Pin",
    ];
    let first = p.split("::").next().unwrap_or("");
    ROOTS.contains(&first)
}

fn receiver_text(e: &syn::Expr) -> String {
    match strip_parens(e) {
        syn::Expr::Path(p) => crate::syntax::path_string(&p.path),
        syn::Expr::Call(c) => call_path(c)
            .map(|p| format!("{}()", crate::syntax::path_string(p)))
            .unwrap_or_else(|| "runtime".into()),
        syn::Expr::MethodCall(m) => format!("{}()", m.method),
        syn::Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => n.to_string(),
            syn::Member::Unnamed(_) => "runtime".into(),
        },
        _ => "runtime".into(),
    }
}

/// How often a loop runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trip {
    /// A worker pool or a fixed set: statically bounded.
    Bounded,
    /// Once per item, connection or message: unbounded.
    Unbounded,
}

/// Is this a collection's length: `items.len()`, `items.len() - 1`, `n as u32`,
/// or a local holding one? (`workers.min(items.len())` is bounded by `workers`.)
fn ends_in_len(env: &FnEnv, e: &syn::Expr) -> bool {
    match strip_parens(e) {
        syn::Expr::MethodCall(m) => m.method == "len" || m.method == "count",
        syn::Expr::Cast(c) => ends_in_len(env, &c.expr),
        syn::Expr::Binary(b) => {
            matches!(
                b.op,
                syn::BinOp::Add(_) | syn::BinOp::Sub(_) | syn::BinOp::Mul(_)
            ) && (ends_in_len(env, &b.left) || ends_in_len(env, &b.right))
        }
        syn::Expr::Path(p) => p
            .path
            .get_ident()
            .is_some_and(|i| env.len_locals.contains(&i.to_string())),
        _ => false,
    }
}

/// The trip class of a range: bounded unless open-ended or ending in `.len()`.
fn range_trip(env: &FnEnv, r: &syn::ExprRange) -> Trip {
    match &r.end {
        None => Trip::Unbounded,
        Some(end) if ends_in_len(env, end) => Trip::Unbounded,
        Some(_) => Trip::Bounded,
    }
}

/// The trip class of what a `for` or an iterator chain iterates over.
pub fn iter_trip(env: &FnEnv, expr: &syn::Expr) -> Trip {
    let (calls, root) = method_chain(expr);
    if calls.iter().any(|m| {
        m.method == "take"
            && m.args
                .first()
                .and_then(crate::syntax::int_literal)
                .is_some()
    }) {
        return Trip::Bounded;
    }
    let root = match strip_parens(root) {
        syn::Expr::Reference(r) => strip_parens(&r.expr),
        r => r,
    };
    match root {
        syn::Expr::Range(r) => range_trip(env, r),
        syn::Expr::Array(_) | syn::Expr::Repeat(_) => Trip::Bounded,
        syn::Expr::Call(c) if crate::syntax::macro_call_name(c).as_deref() == Some("vec") => {
            Trip::Bounded
        }
        // A constant (`for s in SERVERS`): a fixed array or slice.
        syn::Expr::Path(p)
            if p.path.segments.last().is_some_and(|s| {
                let n = s.ident.to_string();
                n.len() > 1
                    && n.chars()
                        .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
            }) =>
        {
            Trip::Bounded
        }
        _ => {
            // One task per worker of a pool built elsewhere: `for worker in workers`.
            if mentions_worker(root) {
                Trip::Bounded
            } else {
                Trip::Unbounded
            }
        }
    }
}

fn mentions_worker(e: &syn::Expr) -> bool {
    crate::syntax::any_ident(e, &mut |i| i.to_ascii_lowercase().contains("worker"))
}

/// The trip class of `for pat in expr`.
pub fn for_trip(env: &FnEnv, pat: &syn::Pat, expr: &syn::Expr) -> Trip {
    if iter_trip(env, expr) == Trip::Bounded {
        return Trip::Bounded;
    }
    if crate::syntax::any_ident(pat, &mut |i| i.to_ascii_lowercase().contains("worker")) {
        return Trip::Bounded;
    }
    Trip::Unbounded
}

/// The trip class of `while cond`: bounded when the condition compares a count
/// or a size with a limit.
pub fn while_trip(cond: &syn::Expr) -> Trip {
    if matches!(strip_parens(cond), syn::Expr::Let(_)) {
        return Trip::Unbounded;
    }
    struct F(bool);
    impl<'ast> Visit<'ast> for F {
        fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
            if matches!(
                b.op,
                syn::BinOp::Lt(_) | syn::BinOp::Le(_) | syn::BinOp::Gt(_) | syn::BinOp::Ge(_)
            ) {
                self.0 = true;
            }
            syn::visit::visit_expr_binary(self, b);
        }
        fn visit_expr_let(&mut self, _: &'ast syn::ExprLet) {}
    }
    let mut f = F(false);
    f.visit_expr(cond);
    if f.0 {
        Trip::Bounded
    } else {
        Trip::Unbounded
    }
}

/// Iterator adapters whose closure runs once per item.
pub fn is_iter_closure_method(name: &str) -> bool {
    matches!(
        name,
        "map" | "for_each" | "filter_map" | "flat_map" | "try_for_each" | "then" | "inspect"
    )
}

/// Does the receiver of `.map(..)` look like an iterator (not an `Option`/`Result`)?
pub fn looks_like_iterator(recv: &syn::Expr) -> bool {
    let (calls, root) = method_chain(recv);
    const ITER: &[&str] = &[
        "iter",
        "into_iter",
        "iter_mut",
        "drain",
        "values",
        "keys",
        "values_mut",
        "chunks",
        "windows",
        "lines",
        "incoming",
        "enumerate",
        "zip",
        "filter",
        "skip",
        "take",
        "rev",
        "chain",
        "split",
        "bytes",
        "chars",
        "cycle",
        "step_by",
        "into_values",
        "into_keys",
    ];
    if calls
        .iter()
        .any(|m| ITER.contains(&m.method.to_string().as_str()))
    {
        return true;
    }
    match strip_parens(root) {
        syn::Expr::Range(_) => true,
        syn::Expr::Call(c) => call_path(c)
            .and_then(crate::syntax::last_segment)
            .is_some_and(|l| {
                matches!(
                    l.as_str(),
                    "iter" | "repeat" | "repeat_with" | "from_fn" | "unfold"
                )
            }),
        _ => false,
    }
}

/// Crate-local spawn wrappers defined in this file: a function whose body hands
/// one of its parameters to a listed spawn. Fact names: `name` for free
/// functions, `Type::name` for methods and associated functions.
pub fn wrapper_facts(cx: &FileContext, info: &FileInfo) -> Vec<Fact> {
    struct W<'a, 'c> {
        cx: &'a FileContext<'c>,
        info: &'a FileInfo,
        self_ty: Option<String>,
        out: Vec<Fact>,
    }
    impl W<'_, '_> {
        fn check(&mut self, name: String, sig: &syn::Signature, body: &syn::Block) {
            // Parameters that can carry a task: a generic, an `impl ..`, or a
            // type naming a future or a closure.
            let generics: Vec<String> = sig
                .generics
                .type_params()
                .map(|t| t.ident.to_string())
                .collect();
            let arity = sig
                .inputs
                .iter()
                .filter(|a| matches!(a, syn::FnArg::Typed(_)))
                .count();
            let params: Vec<String> = sig
                .inputs
                .iter()
                .filter_map(|a| match a {
                    syn::FnArg::Typed(pt) => match &*pt.pat {
                        syn::Pat::Ident(pi) if carries_task(&pt.ty, &generics) => {
                            Some(pi.ident.to_string())
                        }
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            if params.is_empty() {
                return;
            }
            let env = FnEnv::new(self.cx, self.self_ty.clone(), sig, body);
            struct S<'a, 'c> {
                cx: &'a FileContext<'c>,
                info: &'a FileInfo,
                env: &'a FnEnv,
                params: &'a [String],
                found: bool,
            }
            impl S<'_, '_> {
                fn args_use_param<'x>(
                    &self,
                    args: impl IntoIterator<Item = &'x syn::Expr>,
                ) -> bool {
                    args.into_iter().any(|a| {
                        crate::syntax::any_ident(a, &mut |i| self.params.iter().any(|p| p == i))
                    })
                }
            }
            impl<'ast> Visit<'ast> for S<'_, '_> {
                fn visit_expr(&mut self, e: &'ast syn::Expr) {
                    if self.found {
                        return;
                    }
                    if let Some(Spawn::Listed(_)) =
                        classify_with(self.cx, self.info, self.env, e, false)
                    {
                        let used = match e {
                            syn::Expr::Call(c) => self.args_use_param(&c.args),
                            syn::Expr::MethodCall(m) => self.args_use_param(&m.args),
                            _ => false,
                        };
                        if used {
                            self.found = true;
                            return;
                        }
                    }
                    syn::visit::visit_expr(self, e);
                }
                fn visit_item(&mut self, _: &'ast syn::Item) {}
            }
            let mut s = S {
                cx: self.cx,
                info: self.info,
                env: &env,
                params: &params,
                found: false,
            };
            s.visit_block(body);
            if s.found {
                self.out.push(Fact {
                    kind: FactKind::SpawnWrapper,
                    name: format!("{name}/{arity}"),
                });
            }
        }
    }
    impl<'ast> Visit<'ast> for W<'_, '_> {
        fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
            let saved = self.self_ty.take();
            self.check(f.sig.ident.to_string(), &f.sig, &f.block);
            syn::visit::visit_item_fn(self, f);
            self.self_ty = saved;
        }
        fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
            let saved = self.self_ty.take();
            self.self_ty = type_last(&i.self_ty).map(|(_, n)| n);
            syn::visit::visit_item_impl(self, i);
            self.self_ty = saved;
        }
        fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
            let name = match &self.self_ty {
                Some(t) => format!("{t}::{}", f.sig.ident),
                None => f.sig.ident.to_string(),
            };
            self.check(name, &f.sig, &f.block);
            syn::visit::visit_impl_item_fn(self, f);
        }
    }
    let mut w = W {
        cx,
        info,
        self_ty: None,
        out: Vec::new(),
    };
    w.visit_file(cx.file);
    w.out
}

/// Can a parameter of this type be a task (a future or a closure)?
fn carries_task(ty: &syn::Type, generics: &[String]) -> bool {
    let task_name = |i: &syn::Ident| {
        generics.iter().any(|g| i == g)
            || i == "Future"
            || i == "Fn"
            || i == "FnOnce"
            || i == "FnMut"
            || i == "BoxFuture"
            || i == "LocalBoxFuture"
    };
    let bounds_task = |bounds: &syn::punctuated::Punctuated<
        syn::TypeParamBound,
        syn::Token![+],
    >| {
        bounds.iter().any(|b| match b {
            syn::TypeParamBound::Trait(t) => t.path.segments.iter().any(|s| task_name(&s.ident)),
            _ => false,
        })
    };
    match ty {
        syn::Type::ImplTrait(_) => true,
        syn::Type::TraitObject(t) => bounds_task(&t.bounds),
        syn::Type::Reference(r) => carries_task(&r.elem, generics),
        syn::Type::Paren(p) => carries_task(&p.elem, generics),
        syn::Type::Group(g) => carries_task(&g.elem, generics),
        syn::Type::Path(p) => p.path.segments.iter().any(|seg| {
            task_name(&seg.ident)
                || match &seg.arguments {
                    syn::PathArguments::AngleBracketed(a) => a.args.iter().any(|arg| match arg {
                        syn::GenericArgument::Type(t) => carries_task(t, generics),
                        _ => false,
                    }),
                    _ => false,
                }
        }),
        _ => false,
    }
}

/// Can this call argument be a task: a closure, an `async` block, a call that
/// makes a future, or a local named like one?
fn task_like_arg(e: &syn::Expr) -> bool {
    match strip_parens(e) {
        syn::Expr::Closure(_)
        | syn::Expr::Async(_)
        | syn::Expr::Call(_)
        | syn::Expr::MethodCall(_)
        | syn::Expr::Block(_) => true,
        syn::Expr::Path(p) => p.path.get_ident().is_some_and(|i| {
            let n = i.to_string();
            ["fut", "task", "job", "work", "future"]
                .iter()
                .any(|k| n.contains(k))
        }),
        _ => false,
    }
}

/// The `impl` self type's last segment.
pub fn impl_self_name(i: &syn::ItemImpl) -> Option<String> {
    type_last(&i.self_ty).map(|(_, n)| n)
}
