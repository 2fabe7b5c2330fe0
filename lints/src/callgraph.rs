//! Per-file summaries of functions, their calls and their retry sites, joined
//! across the workspace by the driver to find retries that reach other retries
//! (see [`crate::amplification`]).

use crate::finding::Span;
use crate::syntax::call_path;
use syn::visit::Visit;

/// A call made by a function: `foo()`, `Type::foo()`, `x.foo()`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CallRef {
    pub name: String,
    /// `Type` in `Type::foo()` (`Self` already replaced by the impl type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<String>,
    pub is_method: bool,
    pub span: Span,
}

/// A place that retries: a retry loop, a library strategy call, or a function
/// declared with `#[leash::retry]`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RetrySite {
    pub span: Span,
    /// The whole site (a loop from its keyword to its closing brace).
    pub extent: Span,
    /// The attempt bound, when it is a number leash can read.
    pub attempts: Option<u64>,
    /// Whether anything bounds the attempts (a number, a deadline, a policy).
    #[serde(default)]
    pub bounded: bool,
    /// What retries: "retry loop", "retry strategy", "`#[leash::retry]`".
    pub kind: String,
    /// The shared retry budget paying for the retries
    /// (`#[leash::retry(budget = "name")]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<String>,
    /// Calls made by the retried operation (calls inside spawned tasks excluded).
    pub calls: Vec<CallRef>,
}

/// One function or method of a file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FnSummary {
    pub name: String,
    /// The `impl` type of a method or associated function.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impl_type: Option<String>,
    pub span: Span,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calls: Vec<CallRef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retry_sites: Vec<RetrySite>,
}

impl FnSummary {
    /// `Type::name` or `name`.
    pub fn qualified(&self) -> String {
        match &self.impl_type {
            Some(t) => format!("{t}::{}", self.name),
            None => self.name.clone(),
        }
    }
}

/// The name the call graph gives a type: a path's last segment, through references.
pub fn type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        syn::Type::Reference(r) => type_name(&r.elem),
        _ => None,
    }
}

/// Calls made in `node`, not descending into nested items or spawned tasks.
pub fn calls_in(node: &impl CallsIn, impl_type: Option<&str>) -> Vec<CallRef> {
    let mut v = CallVisitor {
        impl_type,
        out: Vec::new(),
        seen: Default::default(),
        skip_returns: false,
    };
    node.walk(&mut v);
    v.out
}

/// The calls a retry loop repeats: those of its body, less the ones in a
/// `return` (made once, on the way out: `return self.connect().await` after
/// the loop gave up is not retried by it).
pub fn retried_calls_in(node: &impl CallsIn, impl_type: Option<&str>) -> Vec<CallRef> {
    let mut v = CallVisitor {
        impl_type,
        out: Vec::new(),
        seen: Default::default(),
        skip_returns: true,
    };
    node.walk(&mut v);
    v.out
}

/// Nodes calls can be collected from.
pub trait CallsIn {
    fn walk(&self, v: &mut CallVisitor<'_>);
}

impl CallsIn for syn::Block {
    fn walk(&self, v: &mut CallVisitor<'_>) {
        v.visit_block(self);
    }
}

impl CallsIn for syn::Expr {
    fn walk(&self, v: &mut CallVisitor<'_>) {
        v.visit_expr(self);
    }
}

pub struct CallVisitor<'t> {
    impl_type: Option<&'t str>,
    out: Vec<CallRef>,
    /// Callees already listed (name, qualifier, method): the search follows
    /// a callee from its first call, so later calls of it add nothing.
    seen: std::collections::HashSet<(String, Option<String>, bool)>,
    skip_returns: bool,
}

impl CallVisitor<'_> {
    fn push(
        &mut self,
        name: String,
        qualifier: Option<String>,
        is_method: bool,
        span: impl FnOnce() -> Span,
    ) {
        if self
            .seen
            .insert((name.clone(), qualifier.clone(), is_method))
        {
            self.out.push(CallRef {
                name,
                qualifier,
                is_method,
                span: span(),
            });
        }
    }
}

fn is_spawn_name(name: &str) -> bool {
    name == "spawn" || name.starts_with("spawn_")
}

impl<'ast> Visit<'ast> for CallVisitor<'_> {
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
        if !self.skip_returns {
            syn::visit::visit_expr_return(self, r);
        }
    }

    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        // A `return` inside a closure leaves the closure, not the loop.
        let saved = std::mem::replace(&mut self.skip_returns, false);
        syn::visit::visit_expr_closure(self, c);
        self.skip_returns = saved;
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let Some(path) = call_path(call) {
            let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
            let name = segs.last().cloned().unwrap_or_default();
            if is_spawn_name(&name) {
                return; // another task: not part of the retried operation
            }
            let qualifier = (segs.len() >= 2).then(|| {
                let q = segs[segs.len() - 2].clone();
                if q == "Self" {
                    self.impl_type.unwrap_or("Self").to_string()
                } else {
                    q
                }
            });
            self.push(name, qualifier, false, || crate::syntax::call_span(call));
        }
        syn::visit::visit_expr_call(self, call);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let name = m.method.to_string();
        if is_spawn_name(&name) {
            self.visit_expr(&m.receiver);
            return;
        }
        let on_self = matches!(crate::syntax::strip_parens(&m.receiver), syn::Expr::Path(p) if p.path.is_ident("self"));
        // A binding of a visible type reaches only that type's method
        // (`map.insert(..)` on a local `HashMap` is not `Client::insert`);
        // a receiver of unknown type is resolved by name.
        let qualifier = if on_self {
            self.impl_type.map(str::to_string)
        } else {
            receiver_binding(&m.receiver)
                .and_then(|b| LOCAL_TYPES.with(|t| t.borrow().get(&b).cloned()))
                .map(|t| match (t.as_str(), self.impl_type) {
                    ("Self", Some(it)) => it.to_string(),
                    _ => t,
                })
        };
        self.push(name, qualifier, true, || crate::syntax::method_call_span(m));
        syn::visit::visit_expr_method_call(self, m);
    }
}

thread_local! {
    /// Types of the locals and parameters of the function being summarised
    /// (`connector: &mut Connector`, `let c = Client::new(..)`), so
    /// `connector.connect()` resolves to `Connector::connect`. Set and cleared
    /// around one function on the analysing thread.
    pub(crate) static LOCAL_TYPES: std::cell::RefCell<std::collections::HashMap<String, String>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// Visibly typed locals: parameters with a named type, `let x: T = ..`, and
/// `let x = T::ctor(..)` / `T { .. }` where `T` is capitalised.
pub(crate) fn local_types(
    sig: &syn::Signature,
    block: &syn::Block,
) -> std::collections::HashMap<String, String> {
    let mut out = std::collections::HashMap::new();
    for input in &sig.inputs {
        if let syn::FnArg::Typed(pt) = input {
            if let (syn::Pat::Ident(pi), Some(t)) = (&*pt.pat, type_name(&pt.ty)) {
                out.insert(pi.ident.to_string(), t);
            }
        }
    }
    struct Lets<'m>(&'m mut std::collections::HashMap<String, String>);
    impl<'ast> Visit<'ast> for Lets<'_> {
        fn visit_item(&mut self, _: &'ast syn::Item) {}
        fn visit_local(&mut self, l: &'ast syn::Local) {
            let (name, ty) = match &l.pat {
                syn::Pat::Type(pt) => match &*pt.pat {
                    syn::Pat::Ident(pi) => (pi.ident.to_string(), type_name(&pt.ty)),
                    _ => (String::new(), None),
                },
                syn::Pat::Ident(pi) => {
                    let ty = l.init.as_ref().and_then(|i| {
                        match crate::syntax::strip_await_try(&i.expr) {
                            syn::Expr::Call(c) => call_path(c).and_then(|p| {
                                let n = p.segments.len();
                                (n >= 2).then(|| p.segments[n - 2].ident.to_string())
                            }),
                            syn::Expr::Struct(st) => {
                                st.path.segments.last().map(|s| s.ident.to_string())
                            }
                            _ => None,
                        }
                    });
                    (
                        pi.ident.to_string(),
                        ty.filter(|t| t.starts_with(|c: char| c.is_uppercase()) && t != "Self"),
                    )
                }
                _ => (String::new(), None),
            };
            if let Some(t) = ty {
                self.0.insert(name, t);
            }
            syn::visit::visit_local(self, l);
        }
    }
    Lets(&mut out).visit_block(block);
    out.retain(|_, t| names_the_receiver_type(t, &sig.generics));
    out
}

/// The local a method is called on (`map`, `&mut map`, `(map)`).
fn receiver_binding(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        syn::Expr::Reference(r) => receiver_binding(&r.expr),
        syn::Expr::Paren(p) => receiver_binding(&p.expr),
        _ => None,
    }
}

/// Types that wrap the one whose methods are called (`Arc<Client>`), or
/// stand for any type: they do not say which `impl` a method call reaches.
fn names_the_receiver_type(ty: &str, generics: &syn::Generics) -> bool {
    let wrapper = matches!(
        ty,
        "Box" | "Arc" | "Rc" | "Pin" | "RefCell" | "Cell" | "Mutex" | "RwLock" | "Option" | "Cow"
    );
    let generic = generics.type_params().any(|p| p.ident == ty);
    !wrapper && !generic
}

/// Walks up the call edges from the functions in `marked`: every function
/// that calls a marked one, at any depth, is marked in turn and handed to
/// `on_mark` (its index in `fns`), each once, callees always before their
/// callers. Linear in the edges: a loop over every function until nothing
/// changes is quadratic on a long chain of calls.
pub fn mark_callers<K: std::hash::Hash + Eq + Clone>(
    fns: &[(&K, &[K])],
    marked: &mut std::collections::HashSet<K>,
    mut on_mark: impl FnMut(usize),
) {
    if marked.is_empty() {
        return;
    }
    let mut callers: std::collections::HashMap<&K, Vec<usize>> = Default::default();
    for (i, (_, calls)) in fns.iter().enumerate() {
        for c in *calls {
            callers.entry(c).or_default().push(i);
        }
    }
    let mut queue: std::collections::VecDeque<K> = marked.iter().cloned().collect();
    while let Some(callee) = queue.pop_front() {
        for &i in callers.get(&callee).map(Vec::as_slice).unwrap_or(&[]) {
            let caller = fns[i].0;
            if marked.insert(caller.clone()) {
                on_mark(i);
                queue.push_back(caller.clone());
            }
        }
    }
}

#[cfg(test)]
mod mark_callers_tests {
    use super::mark_callers;
    use std::collections::HashSet;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn marks_every_caller_at_any_depth_and_nothing_else() {
        let (a, b, c, d) = (
            "a".to_string(),
            "b".to_string(),
            "c".to_string(),
            "d".to_string(),
        );
        let (ca, cb, cc, cd) = (names(&["b"]), names(&["c"]), names(&[]), names(&["x"]));
        let fns: Vec<(&String, &[String])> = vec![(&a, &ca), (&b, &cb), (&c, &cc), (&d, &cd)];
        let mut marked = HashSet::from(["c".to_string()]);
        let mut order = Vec::new();
        mark_callers(&fns, &mut marked, |i| order.push(i));
        assert_eq!(order, vec![1, 0], "callees before callers");
        assert_eq!(marked, HashSet::from(["a".into(), "b".into(), "c".into()]));
    }

    #[test]
    fn a_long_chain_is_walked_once() {
        let keys: Vec<String> = (0..20_000).map(|i| format!("f{i}")).collect();
        let calls: Vec<Vec<String>> = (0..20_000)
            .map(|i| keys.get(i + 1).cloned().into_iter().collect())
            .collect();
        // Callers listed before their callees: the order a fixed-point loop
        // over the functions needs one round per link for.
        let fns: Vec<(&String, &[String])> = keys
            .iter()
            .zip(&calls)
            .map(|(k, c)| (k, c.as_slice()))
            .collect();
        let mut marked = HashSet::from(["f19999".to_string()]);
        let mut calls_made = 0;
        mark_callers(&fns, &mut marked, |_| calls_made += 1);
        assert_eq!((marked.len(), calls_made), (20_000, 19_999));
    }
}
