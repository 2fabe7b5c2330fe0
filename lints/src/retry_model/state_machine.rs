//! State machines: a failure that sets the state the loop (or a `poll`
//! function) dispatches on moves the machine on. It is a retry only when the
//! new state issues the failed call again without first passing a state whose
//! own failure leaves (a reconnect that gives up with `?`, a restart that
//! panics when it fails).

use super::helpers::{on_self, FileFns};
use super::{always_exits, assigned_name, last_segment, pat_is_err};
use crate::syntax::strip_parens;
use quote::ToTokens;
use syn::visit::Visit;
use syn::{Block, Expr, Pat};

/// A piece of code a failure runs: an arm's expression, a block, or the
/// statements a failure falls through to (`if let Ok(v) = r { .. }` with no
/// `else`).
#[derive(Clone, Copy)]
pub(super) enum Region<'a> {
    Expr(&'a Expr),
    Block(&'a Block),
    Stmts(&'a [syn::Stmt]),
}

impl<'a> Region<'a> {
    pub(super) fn visit<V: Visit<'a>>(self, v: &mut V) {
        match self {
            Region::Expr(e) => v.visit_expr(e),
            Region::Block(b) => v.visit_block(b),
            Region::Stmts(stmts) => stmts.iter().for_each(|st| v.visit_stmt(st)),
        }
    }
}

/// Does the failure branch move the machine to a state from which `op`
/// (the failed call, compared with its receiver) is not issued again before
/// a failure exit? `scope` holds the dispatching `match`.
pub(super) fn moves_on(scope: &Block, branch: Region, op: &Expr, fns: &FileFns) -> bool {
    let mut sets = StateWrites {
        fns,
        out: Vec::new(),
        helper_depth: 0,
    };
    branch.visit(&mut sets);
    let op_key = call_key(op);
    sets.out.iter().any(|(state, target)| {
        dispatch(scope, state).is_some_and(|arms| !reissues(&arms, target, &op_key, state, fns))
            || idles_in(op, state, target, fns)
    })
}

/// Is `op` a function of this file that does nothing in the state `target`:
/// its body starts by requiring another state (`let Auth::Waiting { .. } =
/// &mut self.auth else { return Ok(()) };`)? Then calling it again after the
/// failure moved the machine to `target` re-issues nothing.
fn idles_in(op: &Expr, state: &str, target: &str, fns: &FileFns) -> bool {
    let Some(name) = super::helpers::local_call_name(op) else {
        return false;
    };
    let bodies = fns.bodies(&name);
    !bodies.is_empty()
        && bodies.iter().all(|b| {
            b.stmts.iter().any(|st| match st {
                syn::Stmt::Local(l) => l.init.as_ref().is_some_and(|init| {
                    init.diverge
                        .as_ref()
                        .is_some_and(|(_, els)| always_exits(els, None, 0))
                        && place_name(&init.expr).as_deref() == Some(state)
                        && !pat_names(&l.pat, target)
                }),
                _ => false,
            })
        })
}

/// From `target`, following the states each arm moves to, is the call issued
/// again by an arm reached without crossing a failure exit? An unknown state
/// (no arm names it) counts as issuing it.
fn reissues(arms: &[&syn::Arm], target: &str, op: &str, state: &str, fns: &FileFns) -> bool {
    let mut todo = vec![target.to_string()];
    let mut seen: Vec<String> = Vec::new();
    while let Some(v) = todo.pop() {
        if seen.contains(&v) {
            continue;
        }
        seen.push(v.clone());
        let reached: Vec<&&syn::Arm> = arms.iter().filter(|a| pat_names(&a.pat, &v)).collect();
        if reached.is_empty() {
            return true;
        }
        for arm in reached {
            if calls_key(&arm.body, op) {
                return true;
            }
            if has_failure_exit(&arm.body) {
                continue;
            }
            let mut sets = StateWrites {
                fns,
                out: Vec::new(),
                helper_depth: 0,
            };
            sets.visit_expr(&arm.body);
            todo.extend(
                sets.out
                    .into_iter()
                    .filter(|(s, _)| s == state)
                    .map(|x| x.1),
            );
        }
    }
    false
}

/// The arms of the `match` in `scope` on the state named `state`
/// (`match &mut self.state`, `match state`).
fn dispatch<'a>(scope: &'a Block, state: &str) -> Option<Vec<&'a syn::Arm>> {
    struct D<'a, 's> {
        state: &'s str,
        arms: Option<Vec<&'a syn::Arm>>,
    }
    impl<'a> Visit<'a> for D<'a, '_> {
        fn visit_expr_match(&mut self, m: &'a syn::ExprMatch) {
            if self.arms.is_none() && place_name(&m.expr).as_deref() == Some(self.state) {
                self.arms = Some(m.arms.iter().collect());
            }
            syn::visit::visit_expr_match(self, m);
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut d = D { state, arms: None };
    d.visit_block(scope);
    d.arms
}

/// The name of the place a `match` dispatches on: `state`, `self.state`,
/// `&mut inner.state`, a pinned `this.state.as_mut().project()` -> `state`.
fn place_name(e: &Expr) -> Option<String> {
    match strip_parens(e) {
        Expr::Reference(r) => place_name(&r.expr),
        Expr::MethodCall(m)
            if m.args.is_empty()
                && matches!(
                    m.method.to_string().as_str(),
                    "as_mut" | "as_ref" | "project" | "project_ref" | "get_mut" | "borrow_mut"
                ) =>
        {
            place_name(&m.receiver)
        }
        Expr::Unary(u) => place_name(&u.expr),
        Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        Expr::Field(f) => match &f.member {
            syn::Member::Named(m) => Some(m.to_string()),
            syn::Member::Unnamed(_) => None,
        },
        _ => None,
    }
}

/// The variant an expression builds: `State::Idle`, `State::Busy(..)`,
/// `State::Open { .. }` -> its last segment, when it names an enum variant.
fn variant_of(e: &Expr) -> Option<String> {
    let path = match strip_parens(e) {
        Expr::Path(p) => &p.path,
        Expr::Call(c) => match strip_parens(&c.func) {
            Expr::Path(p) => &p.path,
            _ => return None,
        },
        Expr::Struct(s) => &s.path,
        _ => return None,
    };
    let last = last_segment(path)?;
    (last.starts_with(|c: char| c.is_ascii_uppercase()) && last != "Some" && last != "None")
        .then_some(last)
}

/// Does a pattern name the variant `v` (also in an `|` alternative)?
fn pat_names(p: &Pat, v: &str) -> bool {
    match p {
        Pat::Path(x) => last_segment(&x.path).as_deref() == Some(v),
        Pat::TupleStruct(x) => last_segment(&x.path).as_deref() == Some(v),
        Pat::Struct(x) => last_segment(&x.path).as_deref() == Some(v),
        Pat::Ident(x) => x.ident == v,
        Pat::Or(o) => o.cases.iter().any(|c| pat_names(c, v)),
        Pat::Reference(r) => pat_names(&r.pat, v),
        // `_` or a binding: any state, the failed call among them.
        Pat::Wild(_) => true,
        _ => false,
    }
}

/// Assignments of an enum variant (`self.state = State::Idle`, pinned
/// `this.state.set(State::Idle)`), in a region and in the methods of the file
/// it calls on `self` (one level).
struct StateWrites<'f, 'ast> {
    fns: &'f FileFns<'ast>,
    out: Vec<(String, String)>,
    helper_depth: usize,
}

impl<'ast> Visit<'ast> for StateWrites<'_, '_> {
    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        if let (Some(n), Some(v)) = (assigned_name(&a.left), variant_of(&a.right)) {
            self.out.push((n, v));
        }
        syn::visit::visit_expr_assign(self, a);
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let name = m.method.to_string();
        // A pinned state is replaced through `Pin::set`: `this.state.set(State::Idle)`.
        if name == "set" && m.args.len() == 1 {
            if let (Some(n), Some(v)) = (assigned_name(&m.receiver), variant_of(&m.args[0])) {
                self.out.push((n, v));
            }
        }
        if self.helper_depth == 0 && on_self(&m.receiver) && self.fns.defines(&name) {
            let mut inner = StateWrites {
                fns: self.fns,
                out: Vec::new(),
                helper_depth: 1,
            };
            for b in self.fns.bodies(&name) {
                inner.visit_block(b);
            }
            self.out.extend(inner.out);
        }
        syn::visit::visit_expr_method_call(self, m);
    }
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// A call with its receiver or path, to tell `inner.poll_ready(cx)` from
/// `self.maker.poll_ready(cx)`.
fn call_key(e: &Expr) -> String {
    match e {
        Expr::MethodCall(m) => format!("{}.{}", m.receiver.to_token_stream(), m.method),
        Expr::Call(c) => c.func.to_token_stream().to_string(),
        other => other.to_token_stream().to_string(),
    }
}

fn calls_key(body: &Expr, key: &str) -> bool {
    struct C<'k>(&'k str, bool);
    impl<'ast> Visit<'ast> for C<'_> {
        fn visit_expr(&mut self, e: &'ast Expr) {
            if matches!(e, Expr::MethodCall(_) | Expr::Call(_)) && call_key(e) == self.0 {
                self.1 = true;
            }
            syn::visit::visit_expr(self, e);
        }
    }
    let mut c = C(key, false);
    c.visit_expr(body);
    c.1
}

/// Does a region leave when something in it fails: `?`, an `Err` arm that
/// returns or breaks, a panic on failure (`unwrap`, `expect`,
/// `unwrap_or_else(|_| panic!(..))`)?
pub(super) fn has_failure_exit(body: &Expr) -> bool {
    struct F(bool);
    impl<'ast> Visit<'ast> for F {
        fn visit_expr_try(&mut self, _: &'ast syn::ExprTry) {
            self.0 = true;
        }
        fn visit_arm(&mut self, a: &'ast syn::Arm) {
            if pat_is_err(&a.pat) && always_exits(&a.body, None, 0) {
                self.0 = true;
            }
            syn::visit::visit_arm(self, a);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            let panics = match m.method.to_string().as_str() {
                "unwrap" | "expect" => true,
                "unwrap_or_else" => m
                    .args
                    .iter()
                    .any(|a| matches!(a, Expr::Closure(c) if always_exits(&c.body, None, 0))),
                _ => false,
            };
            self.0 |= panics;
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut f = F(false);
    f.visit_expr(body);
    f.0
}
