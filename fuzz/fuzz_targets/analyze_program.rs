//! Syntactically valid programs built from an `arbitrary` structure, rich in the
//! constructs the lints look at (loops, retries, spawns, channels, matches on
//! `Ok`/`Err`, delays, suppressions), so the fuzzer reaches deep into the lints.
#![no_main]

use arbitrary::Arbitrary;
use leash_lints::{analyze_source, AnalysisOptions, Policy};
use libfuzzer_sys::fuzz_target;
use std::fmt::Write;

#[derive(Arbitrary, Debug)]
struct Program {
    uses: Vec<Use>,
    items: Vec<Item>,
}

#[derive(Arbitrary, Debug)]
enum Use {
    TokioSpawn,
    Mpsc,
    Sleep,
    Backoff,
    Glob,
}

#[derive(Arbitrary, Debug)]
enum Item {
    Fn {
        name: Name,
        is_async: bool,
        attr: Option<Attr>,
        body: Vec<Stmt>,
    },
    Impl {
        name: Name,
        methods: Vec<(Name, Vec<Stmt>)>,
    },
    TestMod(Vec<Stmt>),
    MacroRules(Vec<Stmt>),
}

#[derive(Arbitrary, Debug)]
enum Attr {
    Test,
    CfgTest,
    LeashAllow(Option<Name>, bool),
    LeashRetry(u8),
    LeashFallback(bool),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Name {
    Connect,
    Fetch,
    Spawn,
    SpawnTask,
    Sleep,
    BackoffSleep,
    Retry,
    Send,
    Recv,
    Handle,
    Attempt,
    X,
}

#[derive(Arbitrary, Debug)]
enum Stmt {
    Loop(Vec<Stmt>),
    While(Expr, Vec<Stmt>),
    WhileLet(Pat, Expr, Vec<Stmt>),
    For(ForSrc, Vec<Stmt>),
    Let(Name, Expr),
    LetElse(Pat, Expr, Vec<Stmt>),
    If(Expr, Vec<Stmt>, Option<Vec<Stmt>>),
    IfLet(Pat, Expr, Vec<Stmt>, Option<Vec<Stmt>>),
    Match(Expr, Vec<(Pat, Vec<Stmt>)>),
    Expr(Expr),
    Break(Option<Expr>),
    Continue,
    Return(Option<Expr>),
    Assign(Name, Expr),
    Comment(Option<Name>, bool),
    Closure(Name, Vec<Stmt>),
    Select(Vec<Stmt>),
}

#[derive(Arbitrary, Debug)]
enum ForSrc {
    Range(u8),
    OpenRange,
    Len(Name),
    Iter(Name),
    Cycle(Name),
}

#[derive(Arbitrary, Debug)]
enum Pat {
    Ok(Option<Name>),
    Err(Option<Name>),
    Some(Name),
    None,
    Wild,
    Ident(Name),
}

#[derive(Arbitrary, Debug)]
enum Expr {
    Lit(u64),
    Max,
    Path(Name),
    Call(Callee, Vec<Expr>),
    Method(Box<Expr>, Method, Vec<Expr>),
    Await(Box<Expr>),
    Try(Box<Expr>),
    Not(Box<Expr>),
    Bin(Box<Expr>, BinOp, Box<Expr>),
    Macro(MacroKind, Vec<Expr>),
    Closure(Box<Expr>),
    Block(Vec<Stmt>),
    Async(Vec<Stmt>),
    Struct(Vec<(Name, Expr)>),
}

#[derive(Arbitrary, Debug)]
enum Callee {
    TokioSpawn,
    ThreadSpawn,
    SpawnBlocking,
    Sleep,
    UnboundedChannel,
    MpscChannel,
    CrossbeamUnbounded,
    JoinAll,
    ReqwestClientNew,
    ClientBuilder,
    TcpConnect,
    RetrySpawn,
    BackoffRetry,
    Local(Name),
    OkCtor,
    ErrCtor,
    SomeCtor,
}

#[derive(Arbitrary, Debug)]
enum Method {
    IsErr,
    IsOk,
    Ok,
    UnwrapOr,
    UnwrapOrElse,
    OrElse,
    MapErr,
    Take,
    Cycle,
    Next,
    Status,
    IsServerError,
    Timeout,
    Build,
    Spawn,
    Send,
    Recv,
    Acquire,
    BufferUnordered,
    ForEachConcurrent,
    Collect,
    Map,
    ForEach,
    Elapsed,
    Len,
    WithJitter,
}

#[derive(Arbitrary, Debug)]
enum BinOp {
    Lt,
    Ge,
    Eq,
    Add,
    Rem,
    And,
}

#[derive(Arbitrary, Debug)]
enum MacroKind {
    Println,
    Warn,
    Error,
    Vec,
    Format,
    Assert,
    Matches,
    Join,
    Unknown,
}

const MAX_DEPTH: usize = 24;

struct W {
    out: String,
    depth: usize,
}

impl W {
    fn name(&mut self, n: Name) {
        self.out.push_str(match n {
            Name::Connect => "connect",
            Name::Fetch => "fetch",
            Name::Spawn => "spawn",
            Name::SpawnTask => "spawn_task",
            Name::Sleep => "sleep",
            Name::BackoffSleep => "backoff_sleep",
            Name::Retry => "retry",
            Name::Send => "send",
            Name::Recv => "recv",
            Name::Handle => "handle",
            Name::Attempt => "attempt",
            Name::X => "x",
        });
    }

    fn block(&mut self, stmts: &[Stmt]) {
        self.out.push_str("{\n");
        if self.depth < MAX_DEPTH {
            self.depth += 1;
            for s in stmts {
                self.stmt(s);
            }
            self.depth -= 1;
        }
        self.out.push_str("}\n");
    }

    fn pat(&mut self, p: &Pat) {
        match p {
            Pat::Ok(n) | Pat::Err(n) => {
                self.out
                    .push_str(if matches!(p, Pat::Ok(_)) { "Ok(" } else { "Err(" });
                match n {
                    Some(n) => self.name(*n),
                    None => self.out.push('_'),
                }
                self.out.push(')');
            }
            Pat::Some(n) => {
                self.out.push_str("Some(");
                self.name(*n);
                self.out.push(')');
            }
            Pat::None => self.out.push_str("None"),
            Pat::Wild => self.out.push('_'),
            Pat::Ident(n) => self.name(*n),
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        match s {
            Stmt::Loop(b) => {
                self.out.push_str("loop ");
                self.block(b);
            }
            Stmt::While(c, b) => {
                self.out.push_str("while ");
                self.cond(c);
                self.block(b);
            }
            Stmt::WhileLet(p, e, b) => {
                self.out.push_str("while let ");
                self.pat(p);
                self.out.push_str(" = ");
                self.cond(e);
                self.block(b);
            }
            Stmt::For(src, b) => {
                self.out.push_str("for attempt in ");
                match src {
                    ForSrc::Range(n) => {
                        let _ = write!(self.out, "0..{n}");
                    }
                    ForSrc::OpenRange => self.out.push_str("1u32.."),
                    ForSrc::Len(n) => {
                        self.out.push_str("0..");
                        self.name(*n);
                        self.out.push_str(".len()");
                    }
                    ForSrc::Iter(n) => {
                        self.out.push('&');
                        self.name(*n);
                    }
                    ForSrc::Cycle(n) => {
                        self.name(*n);
                        self.out.push_str(".iter().cycle()");
                    }
                }
                self.out.push(' ');
                self.block(b);
            }
            Stmt::Let(n, e) => {
                self.out.push_str("let ");
                self.name(*n);
                self.out.push_str(" = ");
                self.expr(e);
                self.out.push_str(";\n");
            }
            Stmt::LetElse(p, e, b) => {
                self.out.push_str("let ");
                self.pat(p);
                self.out.push_str(" = ");
                self.expr(e);
                self.out.push_str(" else ");
                // The else block must diverge.
                self.out.push_str("{ ");
                if self.depth < MAX_DEPTH {
                    self.depth += 1;
                    for s in b {
                        self.stmt(s);
                    }
                    self.depth -= 1;
                }
                self.out.push_str("return; };\n");
            }
            Stmt::If(c, a, b) => {
                self.out.push_str("if ");
                self.cond(c);
                self.block(a);
                if let Some(b) = b {
                    self.out.push_str("else ");
                    self.block(b);
                }
            }
            Stmt::IfLet(p, e, a, b) => {
                self.out.push_str("if let ");
                self.pat(p);
                self.out.push_str(" = ");
                self.cond(e);
                self.block(a);
                if let Some(b) = b {
                    self.out.push_str("else ");
                    self.block(b);
                }
            }
            Stmt::Match(e, arms) => {
                self.out.push_str("match ");
                self.cond(e);
                self.out.push_str(" {\n");
                for (p, b) in arms {
                    self.pat(p);
                    self.out.push_str(" => ");
                    self.block(b);
                }
                self.out.push_str("}\n");
            }
            Stmt::Expr(e) => {
                self.expr(e);
                self.out.push_str(";\n");
            }
            Stmt::Break(e) => {
                self.out.push_str("break");
                if let Some(e) = e {
                    self.out.push(' ');
                    self.expr(e);
                }
                self.out.push_str(";\n");
            }
            Stmt::Continue => self.out.push_str("continue;\n"),
            Stmt::Return(e) => {
                self.out.push_str("return");
                if let Some(e) = e {
                    self.out.push(' ');
                    self.expr(e);
                }
                self.out.push_str(";\n");
            }
            Stmt::Assign(n, e) => {
                self.name(*n);
                self.out.push_str(" = ");
                self.expr(e);
                self.out.push_str(";\n");
            }
            Stmt::Comment(lint, reason) => {
                self.out.push_str("// leash: allow(");
                match lint {
                    Some(n) => self.name(*n),
                    None => self.out.push_str("unbounded_retry"),
                }
                self.out.push(')');
                if *reason {
                    self.out.push_str(" -- because");
                }
                self.out.push('\n');
            }
            Stmt::Closure(n, b) => {
                self.out.push_str("let ");
                self.name(*n);
                self.out.push_str(" = move || ");
                self.block(b);
                self.out.push_str(";\n");
            }
            Stmt::Select(b) => {
                self.out.push_str("tokio::select! { _ = rx.recv() => ");
                self.block(b);
                self.out.push_str("}\n");
            }
        }
    }

    /// An expression in a position where a struct literal would be ambiguous.
    fn cond(&mut self, e: &Expr) {
        self.out.push('(');
        self.expr(e);
        self.out.push(')');
    }

    fn exprs(&mut self, es: &[Expr]) {
        for (i, e) in es.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            self.expr(e);
        }
    }

    fn expr(&mut self, e: &Expr) {
        if self.depth >= MAX_DEPTH {
            self.out.push('0');
            return;
        }
        self.depth += 1;
        match e {
            Expr::Lit(n) => {
                let _ = write!(self.out, "{n}");
            }
            Expr::Max => self.out.push_str("u32::MAX"),
            Expr::Path(n) => self.name(*n),
            Expr::Call(c, args) => {
                self.out.push_str(match c {
                    Callee::TokioSpawn => "tokio::spawn",
                    Callee::ThreadSpawn => "std::thread::spawn",
                    Callee::SpawnBlocking => "tokio::task::spawn_blocking",
                    Callee::Sleep => "tokio::time::sleep",
                    Callee::UnboundedChannel => "tokio::sync::mpsc::unbounded_channel",
                    Callee::MpscChannel => "std::sync::mpsc::channel",
                    Callee::CrossbeamUnbounded => "crossbeam_channel::unbounded",
                    Callee::JoinAll => "futures::future::join_all",
                    Callee::ReqwestClientNew => "reqwest::Client::new",
                    Callee::ClientBuilder => "reqwest::Client::builder",
                    Callee::TcpConnect => "std::net::TcpStream::connect",
                    Callee::RetrySpawn => "tokio_retry::Retry::spawn",
                    Callee::BackoffRetry => "backoff::retry",
                    Callee::Local(_) => "",
                    Callee::OkCtor => "Ok",
                    Callee::ErrCtor => "Err",
                    Callee::SomeCtor => "Some",
                });
                if let Callee::Local(n) = c {
                    self.name(*n);
                }
                self.out.push('(');
                self.exprs(args);
                self.out.push(')');
            }
            Expr::Method(recv, m, args) => {
                self.expr(recv);
                self.out.push('.');
                self.out.push_str(match m {
                    Method::IsErr => "is_err",
                    Method::IsOk => "is_ok",
                    Method::Ok => "ok",
                    Method::UnwrapOr => "unwrap_or",
                    Method::UnwrapOrElse => "unwrap_or_else",
                    Method::OrElse => "or_else",
                    Method::MapErr => "map_err",
                    Method::Take => "take",
                    Method::Cycle => "cycle",
                    Method::Next => "next",
                    Method::Status => "status",
                    Method::IsServerError => "is_server_error",
                    Method::Timeout => "timeout",
                    Method::Build => "build",
                    Method::Spawn => "spawn",
                    Method::Send => "send",
                    Method::Recv => "recv",
                    Method::Acquire => "acquire",
                    Method::BufferUnordered => "buffer_unordered",
                    Method::ForEachConcurrent => "for_each_concurrent",
                    Method::Collect => "collect::<Vec<_>>",
                    Method::Map => "map",
                    Method::ForEach => "for_each",
                    Method::Elapsed => "elapsed",
                    Method::Len => "len",
                    Method::WithJitter => "with_jitter",
                });
                self.out.push('(');
                self.exprs(args);
                self.out.push(')');
            }
            Expr::Await(e) => {
                self.expr(e);
                self.out.push_str(".await");
            }
            Expr::Try(e) => {
                self.expr(e);
                self.out.push('?');
            }
            Expr::Not(e) => {
                self.out.push('!');
                self.expr(e);
            }
            Expr::Bin(a, op, b) => {
                self.out.push('(');
                self.expr(a);
                self.out.push_str(match op {
                    BinOp::Lt => " < ",
                    BinOp::Ge => " >= ",
                    BinOp::Eq => " == ",
                    BinOp::Add => " + ",
                    BinOp::Rem => " % ",
                    BinOp::And => " && ",
                });
                self.expr(b);
                self.out.push(')');
            }
            Expr::Macro(k, args) => {
                self.out.push_str(match k {
                    MacroKind::Println => "println!(\"{:?}\", ",
                    MacroKind::Warn => "tracing::warn!(",
                    MacroKind::Error => "log::error!(\"failed: {}\", ",
                    MacroKind::Vec => "vec![",
                    MacroKind::Format => "format!(\"{}\", ",
                    MacroKind::Assert => "assert!(",
                    MacroKind::Matches => "matches!(",
                    MacroKind::Join => "tokio::join!(",
                    MacroKind::Unknown => "my_macro!(",
                });
                self.exprs(args);
                if matches!(k, MacroKind::Matches) {
                    self.out.push_str(", Err(_)");
                }
                self.out
                    .push_str(if matches!(k, MacroKind::Vec) { "]" } else { ")" });
            }
            Expr::Closure(e) => {
                self.out.push_str("|_| ");
                self.expr(e);
            }
            Expr::Block(b) => self.block(b),
            Expr::Async(b) => {
                self.out.push_str("async move ");
                self.block(b);
            }
            Expr::Struct(fields) => {
                self.out.push_str("backoff::ExponentialBackoff { ");
                for (n, e) in fields {
                    self.name(*n);
                    self.out.push_str(": ");
                    self.expr(e);
                    self.out.push_str(", ");
                }
                self.out.push_str("..Default::default() }");
            }
        }
        self.depth -= 1;
    }

    fn program(&mut self, p: &Program) {
        for u in &p.uses {
            self.out.push_str(match u {
                Use::TokioSpawn => "use tokio::spawn;\n",
                Use::Mpsc => "use std::sync::mpsc;\n",
                Use::Sleep => "use tokio::time::sleep;\n",
                Use::Backoff => "use backoff::ExponentialBackoff;\n",
                Use::Glob => "use crate::prelude::*;\n",
            });
        }
        for item in &p.items {
            match item {
                Item::Fn {
                    name,
                    is_async,
                    attr,
                    body,
                } => {
                    if let Some(a) = attr {
                        match a {
                            Attr::Test => self.out.push_str("#[test]\n"),
                            Attr::CfgTest => self.out.push_str("#[cfg(test)]\n"),
                            Attr::LeashAllow(n, reason) => {
                                self.out.push_str("#[leash::allow(");
                                match n {
                                    Some(n) => self.name(*n),
                                    None => self.out.push_str("unbounded_spawn"),
                                }
                                if *reason {
                                    self.out.push_str(", reason = \"ok\"");
                                }
                                self.out.push_str(")]\n");
                            }
                            Attr::LeashRetry(n) => {
                                let _ = writeln!(self.out, "#[leash::retry(attempts = {n})]");
                            }
                            Attr::LeashFallback(reason) => {
                                self.out.push_str(if *reason {
                                    "#[leash::fallback(reason = \"default\")]\n"
                                } else {
                                    "#[leash::fallback]\n"
                                });
                            }
                        }
                    }
                    if *is_async {
                        self.out.push_str("async ");
                    }
                    self.out.push_str("fn ");
                    self.name(*name);
                    self.out.push_str("() ");
                    self.block(body);
                }
                Item::Impl { name, methods } => {
                    self.out.push_str("impl ");
                    self.name(*name);
                    self.out.push_str(" {\n");
                    for (n, body) in methods {
                        self.out.push_str("async fn ");
                        self.name(*n);
                        self.out.push_str("(&self) ");
                        self.block(body);
                    }
                    self.out.push_str("}\n");
                }
                Item::TestMod(body) => {
                    self.out.push_str("#[cfg(test)]\nmod tests {\n#[test]\nfn t() ");
                    self.block(body);
                    self.out.push_str("}\n");
                }
                Item::MacroRules(body) => {
                    self.out.push_str("macro_rules! m { () => ");
                    self.block(body);
                    self.out.push_str("}\n");
                }
            }
        }
    }
}

fuzz_target!(|p: Program| {
    let mut w = W {
        out: String::new(),
        depth: 0,
    };
    w.program(&p);
    let src = w.out;
    // The driver's workers have 64 MiB stacks; so does this thread.
    std::thread::Builder::new()
        .stack_size(64 * 1024 * 1024)
        .spawn(move || run(&src))
        .expect("spawn")
        .join()
        .expect("analysis panicked");
});

fn run(src: &str) {
    let policy = Policy::default();
    let enabled = |_: &str| true;
    let filter = leash_lints::body_filter::BodyFilter::for_lints(&enabled, false);
    let analyse = |body_filter, keep| {
        analyze_source(
            "gen.rs",
            src,
            &AnalysisOptions {
                policy: &policy,
                include_tests: false,
                enabled: &enabled,
                inventory: false,
                body_filter,
                keep,
            },
        )
    };
    let a = analyse(None, None);
    assert!(a.problems.is_empty(), "lint panicked: {:?}\n{}", a.problems, src);
    // The item prefilter must not change a finding (differential check). A
    // syntax error inside a blanked body is not seen, by design: compare
    // programs that parse.
    let b = analyse(filter.as_ref(), None);
    assert!(b.problems.is_empty(), "lint panicked: {:?}\n{}", b.problems, src);
    // As the driver does: once the file's spawn wrappers are known, bodies
    // calling one per item are kept too (a call of a wrapper defined in another
    // file is a finding only when that file defines it: see `resolved`).
    let wrappers: Vec<&str> = b
        .facts
        .iter()
        .filter(|f| f.kind == leash_lints::FactKind::SpawnWrapper)
        .map(|f| f.name.split('/').next().unwrap_or(&f.name))
        .collect();
    let b = if wrappers.is_empty() {
        b
    } else {
        let words = leash_lints::Prefilter::for_identifiers(wrappers);
        let keep = leash_lints::body_filter::Keep {
            per_item_calls: Some(&words),
            fns: None,
        };
        let b = analyse(filter.as_ref(), Some(&keep));
        assert!(b.problems.is_empty(), "lint panicked: {:?}\n{}", b.problems, src);
        b
    };
    if a.parsed {
        assert_eq!(
            resolved(&a),
            resolved(&b),
            "blanking changed the findings of\n{src}"
        );
    }
}

/// The findings as the driver reports them for this file alone: one that
/// holds only if a fact holds (a call of a spawn wrapper) when the file
/// states that fact, one that a fact cancels when it does not.
fn resolved(a: &leash_lints::FileAnalysis) -> Vec<&leash_lints::Finding> {
    a.findings
        .iter()
        .filter(|f| !f.unless_any.iter().any(|x| a.facts.contains(x)))
        .filter(|f| f.only_if_any.is_empty() || f.only_if_any.iter().any(|x| a.facts.contains(x)))
        .collect()
}
