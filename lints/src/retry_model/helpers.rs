//! The file's own functions, followed from a retry loop at any depth: which of
//! them wait, bound the attempts, draw random numbers, or only wrap a
//! compare-exchange. Functions are known by name: a free function, `Self::f`,
//! or a method called on `self` (or `this`, or a field of either), so two
//! methods of one name share their answers.

use super::{
    always_exits, assigned_name, block_has_delay, block_waits, callee_names, cond_state,
    has_jitter_source, is_compound_assign, is_fresh_id_call, is_state_ident,
};
use crate::syntax::{call_path, strip_parens};
use std::cell::{OnceCell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use syn::visit::Visit;
use syn::{Block, Expr, Stmt};

/// What the functions of one file do, each property closed over their calls
/// to one another. Everything is computed when first asked (most files have
/// no retry loop to ask for it), and a property asked of one function reads
/// only the functions it reaches.
pub struct FileFns<'ast> {
    file: &'ast syn::File,
    bodies: OnceCell<HashMap<String, Vec<&'ast Block>>>,
    callees: RefCell<HashMap<String, Rc<[String]>>>,
    /// Every waiting function is listed (a fact for the workspace), so this
    /// one property is closed over the whole file.
    delays: OnceCell<HashSet<String>>,
    waits: Reach,
    bounds: Reach,
    random: Reach,
    mints: Reach,
    asks: Reach,
    contention: Reach,
}

/// One property, memoised per function: of its own body, and reached
/// through its calls.
#[derive(Default)]
struct Reach {
    own: RefCell<HashMap<String, bool>>,
    reached: RefCell<HashMap<String, bool>>,
}

impl<'ast> FileFns<'ast> {
    pub fn new(file: &'ast syn::File) -> Self {
        FileFns {
            file,
            bodies: OnceCell::new(),
            callees: RefCell::default(),
            delays: OnceCell::new(),
            waits: Reach::default(),
            bounds: Reach::default(),
            random: Reach::default(),
            mints: Reach::default(),
            asks: Reach::default(),
            contention: Reach::default(),
        }
    }

    fn all(&self) -> &HashMap<String, Vec<&'ast Block>> {
        self.bodies.get_or_init(|| {
            let mut c = Collect(HashMap::new());
            c.visit_file(self.file);
            c.0
        })
    }

    /// The file's functions that `name` calls, each listed once.
    fn callees(&self, name: &str) -> Rc<[String]> {
        if let Some(c) = self.callees.borrow().get(name) {
            return c.clone();
        }
        let mut calls: Vec<String> = self
            .bodies(name)
            .iter()
            .flat_map(|b| local_calls(b))
            .collect();
        calls.sort_unstable();
        calls.dedup();
        calls.retain(|c| self.defines(c));
        let calls: Rc<[String]> = calls.into();
        self.callees
            .borrow_mut()
            .insert(name.to_string(), calls.clone());
        calls
    }

    /// Does `pred` hold of one of `name`'s bodies?
    fn holds(&self, prop: &Reach, name: &str, pred: &dyn Fn(&Block) -> bool) -> bool {
        if let Some(&v) = prop.own.borrow().get(name) {
            return v;
        }
        let v = self.bodies(name).iter().any(|b| pred(b));
        prop.own.borrow_mut().insert(name.to_string(), v);
        v
    }

    /// Does `pred` hold of `name` or of a function it reaches through its
    /// calls, at any depth?
    fn reaches(&self, prop: &Reach, name: &str, pred: &dyn Fn(&Block) -> bool) -> bool {
        if let Some(&v) = prop.reached.borrow().get(name) {
            return v;
        }
        let mut seen: HashSet<String> = HashSet::from([name.to_string()]);
        let mut todo = vec![name.to_string()];
        let mut found = false;
        while let Some(n) = todo.pop() {
            // A function answered before answers for all it reaches.
            let known = prop.reached.borrow().get(&n).copied();
            if known == Some(true) || (known.is_none() && self.holds(prop, &n, pred)) {
                found = true;
                break;
            }
            if known == Some(false) {
                continue;
            }
            for c in self.callees(&n).iter() {
                if seen.insert(c.clone()) {
                    todo.push(c.clone());
                }
            }
        }
        prop.reached.borrow_mut().insert(name.to_string(), found);
        found
    }

    /// Is `name` a function of this file?
    pub fn defines(&self, name: &str) -> bool {
        self.all().contains_key(name)
    }

    /// Its bodies (several when methods of two types share the name).
    pub fn bodies(&self, name: &str) -> &[&'ast Block] {
        self.all().get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Does its body contain a delay (anywhere, a task it spawns included)?
    pub fn delays(&self, name: &str) -> bool {
        self.delay_set().contains(name)
    }

    fn delay_set(&self) -> &HashSet<String> {
        self.delays.get_or_init(|| {
            let mut set: HashSet<String> = self
                .all()
                .iter()
                .filter(|(_, bs)| bs.iter().any(|b| block_has_delay(b)))
                .map(|(n, _)| n.clone())
                .collect();
            if !set.is_empty() {
                let callees: Vec<(&String, Rc<[String]>)> =
                    self.all().keys().map(|n| (n, self.callees(n))).collect();
                let fns: Vec<(&String, &[String])> =
                    callees.iter().map(|(n, c)| (*n, &c[..])).collect();
                crate::callgraph::mark_callers(&fns, &mut set, |_| {});
            }
            set
        })
    }

    /// Does calling it wait, in its own flow (not in a task or a future it
    /// races against another)? Then an operation that is this function waits
    /// before (or while) each attempt.
    pub fn waits(&self, name: &str) -> bool {
        self.reaches(&self.waits, name, &block_waits)
    }

    /// Does it give up by itself (a counter, deadline or policy of its own)?
    pub fn bounds(&self, name: &str) -> bool {
        self.reaches(&self.bounds, name, &has_own_bound)
    }

    /// Does it draw random numbers?
    pub fn random(&self, name: &str) -> bool {
        self.reaches(&self.random, name, &|b| has_jitter_source(b))
    }

    /// Does it draw a fresh identifier or a random value each call?
    pub fn mints(&self, name: &str) -> bool {
        self.reaches(&self.mints, name, &|b| {
            has_jitter_source(b) || callee_names_in(b).iter().any(|c| is_fresh_id_call(c))
        })
    }

    /// Does it ask a person (a prompt, a line read from stdin), at any depth?
    pub fn asks(&self, name: &str) -> bool {
        self.reaches(&self.asks, name, &|b| {
            super::shapes::asks_a_person(super::state_machine::Region::Block(b))
        })
    }

    /// Is it a compare-exchange wrapper? One level: the compare-exchange
    /// decides its result.
    pub fn contention(&self, name: &str) -> bool {
        self.holds(&self.contention, name, &returns_contention)
    }

    /// Every function of the file whose body waits (at any depth).
    pub fn delay_names(&self) -> Vec<String> {
        sorted(self.delay_set())
    }

    /// [`Self::delay_names`], when something has already asked for them.
    pub fn delay_names_if_known(&self) -> Option<Vec<String>> {
        self.delays.get().map(sorted)
    }
}

fn sorted(names: &HashSet<String>) -> Vec<String> {
    let mut v: Vec<String> = names.iter().cloned().collect();
    v.sort();
    v
}

struct Collect<'ast>(HashMap<String, Vec<&'ast Block>>);

impl<'ast> Visit<'ast> for Collect<'ast> {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.0
            .entry(f.sig.ident.to_string())
            .or_default()
            .push(&f.block);
        syn::visit::visit_item_fn(self, f);
    }
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.0
            .entry(f.sig.ident.to_string())
            .or_default()
            .push(&f.block);
        syn::visit::visit_impl_item_fn(self, f);
    }
    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if let Some(b) = &f.default {
            self.0.entry(f.sig.ident.to_string()).or_default().push(b);
        }
        syn::visit::visit_trait_item_fn(self, f);
    }
}

/// Is this receiver `self`, `this`, or a field reached from one of them?
pub fn on_self(receiver: &Expr) -> bool {
    let mut e = strip_parens(receiver);
    loop {
        match e {
            Expr::Field(f) => e = strip_parens(&f.base),
            Expr::Reference(r) => e = strip_parens(&r.expr),
            Expr::Path(p) => return p.path.is_ident("self") || p.path.is_ident("this"),
            _ => return false,
        }
    }
}

/// The name of a call that may reach a function of this file: `f(..)`,
/// `Self::f(..)`, `self.f(..)`, `self.policy.f(..)`.
pub fn local_call_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Call(c) if crate::syntax::macro_call_name(c).is_none() => {
            // Compared in place: every call of every walk asks.
            let segs = &call_path(c)?.segments;
            let local_prefix = segs.len() == 2
                && ["self", "Self", "crate", "super"]
                    .iter()
                    .any(|k| segs[0].ident == k);
            (segs.len() == 1 || local_prefix).then(|| segs[segs.len() - 1].ident.to_string())
        }
        Expr::MethodCall(m) if on_self(&m.receiver) => Some(m.method.to_string()),
        _ => None,
    }
}

/// Every call in a block that may reach a function of the file.
pub fn local_calls(b: &Block) -> Vec<String> {
    let mut c = LocalCalls(Vec::new());
    c.visit_block(b);
    c.0
}

/// Every call in a statement that may reach a function of the file.
pub fn local_calls_in_stmt(st: &syn::Stmt) -> Vec<String> {
    let mut c = LocalCalls(Vec::new());
    c.visit_stmt(st);
    c.0
}

struct LocalCalls(Vec<String>);

impl<'ast> Visit<'ast> for LocalCalls {
    fn visit_expr(&mut self, e: &'ast Expr) {
        if let Some(n) = local_call_name(e) {
            self.0.push(n);
        }
        syn::visit::visit_expr(self, e);
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Names a body assigns or steps (`x = ..`, `self.n += 1`): what changes
/// from one call to the next.
fn assigned_in(b: &Block) -> HashSet<String> {
    struct A(HashSet<String>);
    impl<'ast> Visit<'ast> for A {
        fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
            self.0.extend(assigned_name(&a.left));
            syn::visit::visit_expr_assign(self, a);
        }
        fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
            if is_compound_assign(&b.op) {
                self.0.extend(assigned_name(&b.left));
            }
            syn::visit::visit_expr_binary(self, b);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut a = A(HashSet::new());
    a.visit_block(b);
    a.0
}

/// A bound of the helper's own: an exit guarded by a counter, deadline or
/// budget (`if self.attempts > max { return Err(..) }`), or a result that is
/// a retry policy's verdict (`policy.next_delay().ok_or(..)`).
fn has_own_bound(b: &Block) -> bool {
    struct G<'m> {
        mutated: &'m HashSet<String>,
        found: bool,
    }
    impl<'ast> Visit<'ast> for G<'_> {
        fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
            let exits = i.then_branch.stmts.iter().any(|s| match s {
                Stmt::Expr(e, _) => always_exits(e, None, 0),
                _ => false,
            });
            if exits && cond_state(&i.cond, self.mutated, &[]).is_some() {
                self.found = true;
            }
            syn::visit::visit_expr_if(self, i);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mutated = assigned_in(b);
    let mut g = G {
        mutated: &mutated,
        found: false,
    };
    g.visit_block(b);
    g.found || tail_exprs(b).iter().any(|e| reads_policy(e))
}

/// A call to a retry policy or backoff (`next_delay`, `next_backoff`,
/// `should_retry`) anywhere in an expression, its closures included
/// (`.and_then(|p| p.next_delay())`).
fn reads_policy(e: &Expr) -> bool {
    struct P(bool);
    impl<'ast> Visit<'ast> for P {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            self.0 |= is_state_ident(&m.method.to_string());
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut p = P(false);
    p.visit_expr(e);
    p.0
}

/// The expressions a body's value comes from: its tail and its `return`s.
fn tail_exprs(b: &Block) -> Vec<&Expr> {
    struct R<'ast>(Vec<&'ast Expr>);
    impl<'ast> Visit<'ast> for R<'ast> {
        fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
            self.0.extend(r.expr.as_deref());
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut r = R(Vec::new());
    r.visit_block(b);
    if let Some(Stmt::Expr(e, None)) = b.stmts.last() {
        r.0.push(e);
    }
    r.0
}

/// A compare-exchange wrapper: the body's result comes from a
/// compare-exchange (`self.head.compare_exchange(..).map(..)`), however it is
/// matched on first.
fn returns_contention(b: &Block) -> bool {
    tail_exprs(b).iter().any(|e| {
        callee_names(e).iter().any(|n| {
            n.contains("compare_exchange")
                || n.contains("compare_and_swap")
                || n.contains("cmpxchg")
                || n == "fetch_update"
        })
    })
}

/// Every callee name in a block (not in nested items).
fn callee_names_in(b: &Block) -> Vec<String> {
    struct C(Vec<String>);
    impl<'ast> Visit<'ast> for C {
        fn visit_expr(&mut self, e: &'ast Expr) {
            match e {
                Expr::MethodCall(m) => self.0.push(m.method.to_string()),
                Expr::Call(c) => self.0.extend(crate::syntax::call_name(c)),
                _ => {}
            }
            syn::visit::visit_expr(self, e);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut c = C(Vec::new());
    c.visit_block(b);
    c.0
}

#[cfg(test)]
mod tests {
    use super::FileFns;
    use std::collections::HashSet;

    fn fns(src: &str) -> syn::File {
        syn::parse_file(src).expect("test source parses")
    }

    #[test]
    fn a_property_is_reached_through_calls_and_cycles() {
        let file = fns(
            "fn a() { b() } fn b() { c() } fn c() { std::thread::sleep(D) }
             fn x() { y() } fn y() { x() } fn z() { x(); c() }
             fn p() { q() } fn q() { p(); std::thread::sleep(D) }",
        );
        let f = FileFns::new(&file);
        // `x` first: its answer (no) must not stop `z` from reaching `c`.
        assert!(!f.waits("x"));
        assert!(!f.waits("y"));
        assert!(f.waits("z"));
        assert!(f.waits("a"));
        assert!(f.waits("p"));
        assert!(!f.waits("undefined"));
    }

    /// On random call graphs, each function's answer is the closure over
    /// the whole file computed by rounds until nothing changes.
    #[test]
    fn reaching_agrees_with_the_closure_of_the_whole_file() {
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..200 {
            let n = 2 + next(12) as usize;
            let mut calls = vec![Vec::new(); n];
            let mut sleeps = vec![false; n];
            let mut src = String::new();
            for i in 0..n {
                sleeps[i] = next(5) == 0;
                for _ in 0..next(3) {
                    calls[i].push(next(n as u64) as usize);
                }
                let body: String = calls[i].iter().map(|c| format!("f{c}(); ")).collect();
                let wait = if sleeps[i] {
                    "std::thread::sleep(D);"
                } else {
                    ""
                };
                src.push_str(&format!("fn f{i}() {{ {body}{wait} }}\n"));
            }
            let mut closed: HashSet<usize> = (0..n).filter(|&i| sleeps[i]).collect();
            loop {
                let more: Vec<usize> = (0..n)
                    .filter(|i| !closed.contains(i) && calls[*i].iter().any(|c| closed.contains(c)))
                    .collect();
                if more.is_empty() {
                    break;
                }
                closed.extend(more);
            }
            let file = fns(&src);
            let f = FileFns::new(&file);
            // Asked in a scrambled order, so that memoised answers are reused.
            let mut order: Vec<usize> = (0..n).collect();
            for k in (1..n).rev() {
                order.swap(k, next(k as u64 + 1) as usize);
            }
            for i in order {
                let name = format!("f{i}");
                assert_eq!(f.waits(&name), closed.contains(&i), "{name} in\n{src}");
                assert_eq!(f.delays(&name), closed.contains(&i), "{name} in\n{src}");
            }
        }
    }
}
