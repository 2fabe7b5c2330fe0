//! Failure paths that are not retries although the loop goes round again (a
//! repair whose own failure leaves, a once-flag, the error kept in a state, a
//! failure value that a later statement leaves on), and the local peers that
//! need no jitter.

use super::operation::vars_of;
use super::state_machine::Region;
use super::{
    always_exits, assigned_name, callee_names, find_let, idents_of, is_delay_name, is_ok_err_test,
    is_state_ident, pat_has_ident, written_local,
};
use crate::syntax::strip_await_try;
use proc_macro2::TokenTree;
use syn::visit::Visit;
use syn::{Block, Expr, Stmt};

/// A corrective re-attempt: the failure branch runs another operation whose
/// own failure leaves the loop (`create_dir_all(parent)?`, `conn =
/// reconnect().await?`, `if stream.advance().is_err() { return .. }`). Not a
/// repair: the error itself (`Err(e)?`), the retried operation, a delay or
/// retry policy (that is the bound), a send of the error to a channel.
pub(super) fn repairs(branch: Region, op: &str, err_names: &[String]) -> bool {
    struct R<'a> {
        op: &'a str,
        err_names: &'a [String],
        found: bool,
    }
    impl R<'_> {
        fn is_repair(&self, e: &Expr) -> bool {
            let names = callee_names(e);
            // `e.into()?`, `Err(e)?`: the error itself, not a repair.
            let (_, root) = crate::syntax::method_chain(e);
            let is_err = |e: &Expr| vars_of(e).iter().any(|v| self.err_names.contains(v));
            let the_error = match root {
                Expr::Path(_) => is_err(root),
                Expr::Call(c) => {
                    matches!(crate::syntax::call_name(c).as_deref(), Some("Err" | "from"))
                        && is_err(root)
                }
                _ => false,
            };
            !names.is_empty()
                && !the_error
                && !names.iter().any(|n| {
                    n == self.op
                        || is_delay_name(n)
                        || is_state_ident(n)
                        || n == "Err"
                        || n.contains("send")
                        || n.contains("broadcast")
                })
        }
    }
    impl<'ast> Visit<'ast> for R<'_> {
        fn visit_expr_try(&mut self, t: &'ast syn::ExprTry) {
            self.found |= self.is_repair(&t.expr);
            syn::visit::visit_expr_try(self, t);
        }
        fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
            let leaves = i.then_branch.stmts.iter().any(|s| match s {
                Stmt::Expr(e, _) => always_exits(e, None, 0),
                Stmt::Macro(m) => super::is_exit_macro(&m.mac),
                _ => false,
            });
            let tested = match find_let(&i.cond) {
                Some(l) if pat_has_ident(&l.pat, &|x| x == "Err") => Some(&*l.expr),
                Some(_) => None,
                None => is_ok_err_test(&i.cond).and_then(|(r, failed)| failed.then_some(r)),
            };
            self.found |= leaves && tested.is_some_and(|t| self.is_repair(t));
            syn::visit::visit_expr_if(self, i);
        }
        fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
            let leaves = m
                .arms
                .iter()
                .any(|a| pat_has_ident(&a.pat, &|x| x == "Err") && always_exits(&a.body, None, 0));
            self.found |= leaves && self.is_repair(&m.expr);
            syn::visit::visit_expr_match(self, m);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut r = R {
        op,
        err_names,
        found: false,
    };
    branch.visit(&mut r);
    r.found
}

/// A once-flag: the failure branch sets a `bool` (`retried = true`) that an
/// exit of the loop tests, so a second failure leaves.
pub(super) fn once_flag<'e>(branch: Region, exit_conds: impl Iterator<Item = &'e Expr>) -> bool {
    struct F(Vec<String>);
    impl<'ast> Visit<'ast> for F {
        fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
            let literal_bool =
                matches!(&*a.right, Expr::Lit(l) if matches!(l.lit, syn::Lit::Bool(_)));
            if literal_bool {
                self.0.extend(written_local(&a.left));
            }
            syn::visit::visit_expr_assign(self, a);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut f = F(Vec::new());
    branch.visit(&mut f);
    if f.0.is_empty() {
        return false;
    }
    let mut conds = exit_conds;
    conds.any(|c| vars_of(c).iter().any(|v| f.0.contains(v)))
}

/// The failure moves a state machine to a state carrying the error
/// (`self.state = State::Failed(err)`, `this.state.set(State::Error(err))`):
/// the error is kept, not retried.
pub(super) fn keeps_error_in_state(branch: Region, err_names: &[String]) -> bool {
    struct S<'e> {
        err_names: &'e [String],
        found: bool,
    }
    impl<'ast> Visit<'ast> for S<'_> {
        fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
            let state =
                assigned_name(&a.left).is_some_and(|n| n.to_ascii_lowercase().contains("state"));
            if state
                && idents_of(&a.right)
                    .iter()
                    .any(|i| self.err_names.contains(i))
            {
                self.found = true;
            }
            syn::visit::visit_expr_assign(self, a);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if m.method == "set"
                && idents_of(&m.receiver)
                    .iter()
                    .any(|i| i.to_ascii_lowercase().contains("state"))
                && m.args
                    .iter()
                    .any(|a| idents_of(a).iter().any(|i| self.err_names.contains(i)))
            {
                self.found = true;
            }
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut s = S {
        err_names,
        found: false,
    };
    branch.visit(&mut s);
    s.found
}

/// The local a site tests through a view of it (`if let Ok(n) =
/// io_result.as_ref()`): a later statement may leave on it.
pub(super) fn result_local(op_expr: &Expr) -> Option<String> {
    let (calls, root) = crate::syntax::method_chain(op_expr);
    let views = !calls.is_empty()
        && calls.iter().all(|m| {
            matches!(
                m.method.to_string().as_str(),
                "as_ref" | "as_mut" | "as_deref"
            )
        });
    match crate::syntax::strip_parens(root) {
        Expr::Path(p) if views => p.path.get_ident().map(|i| i.to_string()),
        _ => None,
    }
}

/// The failure branch hands its value on (`let page = match fetch() { ..,
/// Err(e) => Err(e) }`) and a later statement leaves on it: `page?`, an
/// `Err`/`None` arm or `if let Err(..)` that returns or breaks, a `let
/// Ok(..) = page else { return }`.
pub(super) fn leaves_later(rest: &[&[Stmt]], names: &[String], label: Option<&str>) -> bool {
    if names.is_empty() {
        return false;
    }
    struct L<'a> {
        names: &'a [String],
        label: Option<&'a str>,
        found: bool,
        /// Flags set from the value's failure (`let failed = res.is_err()`).
        flags: Vec<String>,
    }
    impl L<'_> {
        fn is_value(&self, e: &Expr) -> bool {
            matches!(strip_await_try(e), Expr::Path(p) if p.path.get_ident().is_some_and(|i| self.names.iter().any(|n| i == n)))
                || matches!(e, Expr::Reference(r) if self.is_value(&r.expr))
        }
        fn exits(&self, e: &Expr) -> bool {
            always_exits(e, self.label, 0)
        }
        fn block_exits(&self, b: &Block) -> bool {
            b.stmts.iter().any(|s| match s {
                Stmt::Expr(e, _) => self.exits(e),
                Stmt::Macro(m) => super::is_exit_macro(&m.mac),
                _ => false,
            })
        }
    }
    impl<'ast> Visit<'ast> for L<'_> {
        fn visit_expr_try(&mut self, t: &'ast syn::ExprTry) {
            self.found |= self.is_value(&t.expr);
            syn::visit::visit_expr_try(self, t);
        }
        fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
            if self.is_value(&m.expr) {
                self.found |= m.arms.iter().any(|a| {
                    pat_has_ident(&a.pat, &|i| i == "Err" || i == "None") && self.exits(&a.body)
                });
            }
            syn::visit::visit_expr_match(self, m);
        }
        fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
            let tests_failure = match find_let(&i.cond) {
                Some(l) => {
                    self.is_value(&l.expr) && pat_has_ident(&l.pat, &|x| x == "Err" || x == "None")
                }
                None => {
                    is_ok_err_test(&i.cond).is_some_and(|(r, failed)| failed && self.is_value(r))
                        || matches!(crate::syntax::strip_parens(&i.cond), Expr::Path(p)
                            if p.path.get_ident().is_some_and(|f| self.flags.iter().any(|n| f == n)))
                }
            };
            self.found |= tests_failure && self.block_exits(&i.then_branch);
            syn::visit::visit_expr_if(self, i);
        }
        fn visit_local(&mut self, l: &'ast syn::Local) {
            if let Some(init) = &l.init {
                if let Some((_, els)) = &init.diverge {
                    self.found |= self.is_value(&init.expr) && self.exits(els);
                }
                if let (syn::Pat::Ident(flag), Some((r, true))) =
                    (&l.pat, is_ok_err_test(&init.expr))
                {
                    if self.is_value(r) {
                        self.flags.push(flag.ident.to_string());
                    }
                }
            }
            syn::visit::visit_local(self, l);
        }
        // An exit inside a nested loop or closure does not leave this loop.
        fn visit_expr_loop(&mut self, _: &'ast syn::ExprLoop) {}
        fn visit_expr_while(&mut self, _: &'ast syn::ExprWhile) {}
        fn visit_expr_for_loop(&mut self, _: &'ast syn::ExprForLoop) {}
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut l = L {
        names,
        label,
        found: false,
        flags: Vec::new(),
    };
    for st in rest.iter().flat_map(|s| s.iter()) {
        l.visit_stmt(st);
    }
    l.found
}

/// Names of a single local peer: this machine, a Unix socket, a child or
/// parent process, a signal, a file lock, an in-process queue.
const LOCAL_IDENTS: &[&str] = &[
    "localhost",
    "LOCALHOST",
    "UnixStream",
    "UnixListener",
    "UnixDatagram",
    "unix",
    "Child",
    "child",
    "Command",
    "kill",
    "signal",
    "waitpid",
    "flock",
    "lock_exclusive",
    "try_lock_exclusive",
    "QueueFull",
];

/// A name that says the peer is on this machine: the list above, a Unix
/// socket or address (`UnixAddr`, `unix_addr`), a signal (`send_signal`,
/// `SIGUSR1`).
fn is_local_ident(ident: &str) -> bool {
    let lower = ident.to_ascii_lowercase();
    LOCAL_IDENTS.contains(&ident)
        || lower.contains("unix")
        || lower.ends_with("_signal")
        || ident.strip_prefix("SIG").is_some_and(|rest| {
            rest.len() >= 3
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        })
}

/// Does the loop talk to a single local peer? Then no fleet of identical
/// clients retries in step, and jitter has nothing to spread.
///
/// Reads every name and literal the body's tokens hold from the tree itself:
/// printing a body to tokens copies all of it, and a deep body cost more to
/// print than the rest of the model took.
pub(super) fn local_peer(body: &Block) -> bool {
    let mut p = Peer(false);
    p.visit_block(body);
    p.0
}

fn is_local_literal(l: &proc_macro2::Literal) -> bool {
    let s = l.to_string();
    ["localhost", "127.0.0.1", "[::1]", "unix:", ".sock"]
        .iter()
        .any(|k| s.contains(k))
}

/// A local name or address among tokens.
fn tokens_local(ts: proc_macro2::TokenStream) -> bool {
    ts.into_iter().any(|tt| match tt {
        TokenTree::Ident(i) => is_local_ident(&i.to_string()),
        TokenTree::Literal(l) => is_local_literal(&l),
        TokenTree::Group(g) => tokens_local(g.stream()),
        TokenTree::Punct(_) => false,
    })
}

/// Finds a local name or address anywhere in a node: its identifiers and
/// literals, and the tokens it keeps unparsed (macro arguments, attribute
/// lists, verbatim nodes). Keywords, which print as identifiers too, name no
/// local peer.
struct Peer(bool);

impl Peer {
    fn literal(&mut self, l: proc_macro2::Literal) {
        self.0 = self.0 || is_local_literal(&l);
    }
}

impl<'ast> Visit<'ast> for Peer {
    fn visit_expr(&mut self, e: &'ast Expr) {
        // Once found, the rest of the body is not walked.
        if !self.0 {
            syn::visit::visit_expr(self, e);
        }
    }
    fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
        self.0 = self.0 || is_local_ident(&i.to_string());
    }
    fn visit_token_stream(&mut self, ts: &'ast proc_macro2::TokenStream) {
        self.0 = self.0 || tokens_local(ts.clone());
    }
    fn visit_lit(&mut self, l: &'ast syn::Lit) {
        if let syn::Lit::Verbatim(v) = l {
            self.literal(v.clone());
        }
        syn::visit::visit_lit(self, l);
    }
    fn visit_lit_str(&mut self, l: &'ast syn::LitStr) {
        self.literal(l.token());
    }
    fn visit_lit_byte_str(&mut self, l: &'ast syn::LitByteStr) {
        self.literal(l.token());
    }
    fn visit_lit_cstr(&mut self, l: &'ast syn::LitCStr) {
        self.literal(l.token());
    }
    fn visit_lit_byte(&mut self, l: &'ast syn::LitByte) {
        self.literal(l.token());
    }
    fn visit_lit_char(&mut self, l: &'ast syn::LitChar) {
        self.literal(l.token());
    }
    fn visit_lit_int(&mut self, l: &'ast syn::LitInt) {
        self.literal(l.token());
    }
    fn visit_lit_float(&mut self, l: &'ast syn::LitFloat) {
        self.literal(l.token());
    }
}

#[cfg(test)]
#[test]
fn local_peer_reads_what_the_printed_tokens_hold() {
    use quote::ToTokens;
    let bodies = [
        "{ connect(\"127.0.0.1:80\") }",
        "{ connect(\"db.internal:5432\") }",
        "{ let s = UnixStream::connect(p)?; }",
        "{ let s = TcpStream::connect(p)?; }",
        "{ select! { _ = unix_sock.read() => {} } }",
        "{ #[cfg(unix)] let x = 1; }",
        "{ #[cfg(target_os = \"linux\")] let x = 1; }",
        "{ fn inner<'a>(x: &'a str) -> Child { spawn(x) } }",
        "{ let x = 'c'; let y = b\"[::1]\"; let z = 1.5e3f64; }",
        "{ kill(pid, SIGTERM); }",
        "{ let r: fn() -> u8 = send_signal; }",
        "{ 'outer: loop { break 'outer; } }",
        "{ match x { 42 => run(), _ => go() } }",
        "{ println!(\"{}\", addr); log::warn!(\"at {}\", \"/tmp/app.sock\"); }",
    ];
    for src in bodies {
        let b: Block = syn::parse_str(src).expect("parses");
        let printed = tokens_local(b.to_token_stream());
        assert_eq!(local_peer(&b), printed, "{src}");
    }
    // Both answers occur among the bodies above.
    let answers: Vec<bool> = bodies
        .iter()
        .map(|s| local_peer(&syn::parse_str(s).unwrap()))
        .collect();
    assert!(answers.contains(&true) && answers.contains(&false));
}

/// An operation on this machine's filesystem: a function of an `fs` module
/// (`std::fs`, `tokio::fs`, `compio::fs`), `File::open`/`File::create`, an
/// `OpenOptions` chain. Its peer is the local disk, not a shared service.
pub(super) fn is_local_file_op(call: &Expr) -> bool {
    let file_type = |seg: &str| matches!(seg, "fs" | "File" | "OpenOptions");
    match call {
        Expr::Call(c) => crate::syntax::call_path(c).is_some_and(|p| {
            p.segments
                .iter()
                .rev()
                .skip(1)
                .any(|s| file_type(&s.ident.to_string()))
        }),
        Expr::MethodCall(m) => match crate::syntax::method_chain(&m.receiver).1 {
            Expr::Call(c) => crate::syntax::call_path(c)
                .is_some_and(|p| p.segments.iter().any(|s| s.ident == "OpenOptions")),
            _ => false,
        },
        _ => false,
    }
}

/// A readiness answer, not a failure: the failure branch waits for exactly
/// the time its error names (a rate limiter's "not until": `Err(n) =>
/// sleep(n.wait_time_from(now))`), directly or through a local of the
/// branch. Like `WouldBlock`, the loop waits until it may go on; it does not
/// re-attempt a failed operation.
pub(super) fn waits_as_the_error_says(branch: Region, err_names: &[String]) -> bool {
    struct W<'e> {
        err_names: &'e [String],
        /// Locals of the branch computed from the error (`let d = e.wait()`).
        from_error: Vec<String>,
        found: bool,
    }
    impl W<'_> {
        /// A method called on the error (`e.wait_time_from(now)`), or a local
        /// holding one.
        fn reads_error(&self, e: &syn::Expr) -> bool {
            struct M<'a, 'e>(&'a W<'e>, bool);
            impl<'ast> Visit<'ast> for M<'_, '_> {
                fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
                    if idents_of(&m.receiver)
                        .iter()
                        .any(|i| self.0.err_names.contains(i))
                    {
                        self.1 = true;
                    }
                    syn::visit::visit_expr_method_call(self, m);
                }
                fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
                    if p.path
                        .get_ident()
                        .is_some_and(|i| self.0.from_error.contains(&i.to_string()))
                    {
                        self.1 = true;
                    }
                }
            }
            let mut m = M(self, false);
            m.visit_expr(e);
            m.1
        }
    }
    impl<'ast> Visit<'ast> for W<'_> {
        fn visit_local(&mut self, l: &'ast syn::Local) {
            if let (syn::Pat::Ident(pi), Some(init)) = (&l.pat, &l.init) {
                if self.reads_error(&init.expr) {
                    self.from_error.push(pi.ident.to_string());
                }
            }
            syn::visit::visit_local(self, l);
        }
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            let delay = crate::syntax::call_path(c).is_some_and(|p| {
                let segs: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
                segs.iter().any(|s| super::is_delay_name(s))
            });
            if delay && c.args.iter().any(|a| self.reads_error(a)) {
                self.found = true;
            }
            syn::visit::visit_expr_call(self, c);
        }
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if super::is_delay_name(&m.method.to_string())
                && m.args.iter().any(|a| self.reads_error(a))
            {
                self.found = true;
            }
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut w = W {
        err_names,
        from_error: Vec::new(),
        found: false,
    };
    branch.visit(&mut w);
    w.found
}

/// The failure hands the unsent input back (`Err(PermitReclaimed(req)) =>
/// request = req`): the operation never ran on it (a pool race, a lost
/// stream permit), so going round again sends it for the first time.
pub(super) fn hands_back_input(branch: Region, err_names: &[String], op_inputs: &[String]) -> bool {
    struct H<'a> {
        err_names: &'a [String],
        op_inputs: &'a [String],
        found: bool,
    }
    impl<'ast> Visit<'ast> for H<'_> {
        fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
            let target = assigned_name(&a.left);
            let from_error = idents_of(&*a.right)
                .iter()
                .any(|i| self.err_names.contains(i));
            if from_error && target.is_some_and(|t| self.op_inputs.contains(&t)) {
                self.found = true;
            }
            syn::visit::visit_expr_assign(self, a);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    if err_names.is_empty() || op_inputs.is_empty() {
        return false;
    }
    let mut h = H {
        err_names,
        op_inputs,
        found: false,
    };
    branch.visit(&mut h);
    h.found
}

/// The failure asks a person what to do (`confirm("Try again?")`,
/// dialoguer's `Confirm::new()..interact()`, inquire's `.prompt()`, a line
/// read from stdin): each repeat waits for a human, it is not an automatic
/// retry.
pub(super) fn asks_a_person(branch: Region) -> bool {
    let mut a = PersonAsked(false);
    branch.visit(&mut a);
    a.0
}

/// A statement that asks a person ([`asks_a_person`]).
pub(super) fn stmt_asks_a_person(st: &syn::Stmt) -> bool {
    let mut a = PersonAsked(false);
    a.visit_stmt(st);
    a.0
}

struct PersonAsked(bool);

impl<'ast> Visit<'ast> for PersonAsked {
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        self.0 |= crate::syntax::call_name(c).is_some_and(|n| is_prompt_name(&n));
        syn::visit::visit_expr_call(self, c);
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let name = m.method.to_string();
        let stdin_line =
            name == "read_line" && crate::syntax::any_ident(&m.receiver, &mut |i| i == "stdin");
        self.0 |= is_prompt_name(&name) || stdin_line;
        syn::visit::visit_expr_method_call(self, m);
    }
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

fn is_prompt_name(n: &str) -> bool {
    n == "confirm" || n == "prompt" || n.starts_with("confirm_") || n.starts_with("interact")
}

/// The failure takes the target it failed on out of the candidates
/// (`registry.mark_unavailable(&server)`, `peers.remove(&peer)`), and the
/// target was chosen this round by a selection that leaves the loop when
/// none is left (`let server = match pick(&servers) { Some(s) => s, None =>
/// return Err(..) }`): a failover pass over a shrinking set, not a retry.
pub(super) fn takes_out_failed_target(branch: Region, before: &[Stmt]) -> bool {
    // Locals chosen this round by a selection with an exit of its own
    // (`let server = match ..`, `let Some(server) = pick(..) else { return }`).
    let leaves = |e: &Expr| super::scan_exits(Some(e), &[], None).0;
    let chosen: Vec<String> = before
        .iter()
        .filter_map(|st| match st {
            Stmt::Local(l) => l.init.as_ref().map(|init| (l, init)),
            _ => None,
        })
        .filter(|(_, init)| {
            leaves(&init.expr) || init.diverge.as_ref().is_some_and(|(_, e)| leaves(e))
        })
        .flat_map(|(l, _)| idents_of(&l.pat))
        .filter(|i| i.starts_with(|c: char| c.is_lowercase()))
        .collect();
    if chosen.is_empty() {
        return false;
    }
    struct T<'a> {
        chosen: &'a [String],
        found: bool,
    }
    impl<'ast> Visit<'ast> for T<'_> {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            let name = m.method.to_string();
            if takes_out(&name)
                && m.args
                    .iter()
                    .any(|a| idents_of(a).iter().any(|i| self.chosen.contains(i)))
            {
                self.found = true;
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut t = T {
        chosen: &chosen,
        found: false,
    };
    branch.visit(&mut t);
    t.found
}

/// A method that takes a candidate out of the set chosen from: it marks it
/// unavailable, failed or down, or removes, evicts or bans it.
fn takes_out(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "unavailable",
        "failed",
        "down",
        "dead",
        "unhealthy",
        "remove",
        "evict",
        "ban",
        "blacklist",
        "blocklist",
        "exclude",
        "quarantine",
        "disable",
    ];
    name.split('_').any(|w| WORDS.contains(&w))
}
