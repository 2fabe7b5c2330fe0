//! `silent_fallback`: an operation fails and its error is replaced by a substitute
//! value, a skip or nothing, with no trace.

use crate::effect_model::{Effect, EffectModel, Scope, Verdict};
use crate::prefilter::{Need, Triggers};
use crate::syntax::{
    call_path, is_log_macro, last_segment, macro_call_name, method_chain, strip_parens,
};
use crate::vocab::RETRY;
use crate::{Budget, Model};
use crate::{FileContext, Finding, Level, Lint, Sink, Span};
use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};
use syn::spanned::Spanned;
use syn::visit::Visit;

pub static LINT: Lint = Lint {
    name: "silent_fallback",
    group: "fallback",
    default_level: Level::Warn,
    summary: "an operation's error is replaced by a default, a skip or nothing, with no trace",
    docs: r#"## What it does
Reports a failure path that hides an error: the error of an operation is ignored
(`_`, an unused binding, or no binding) and replaced by a substitute value, a
silent skip, or nothing, while the failure path neither logs, counts, returns or
propagates an error, panics, nor uses the error value. The shapes reported:

- a `match` arm `Err(_) => <value>`, the `else` of `if let Ok(..) = ..` /
  `let Ok(..) = .. else`, or an `if x.is_err()` branch, whose body is a substitute
  value, `continue` (a silent skip), or `{}` / `()` while the `Ok` side does work;
- `.unwrap_or_else(|_| ..)`, `.or_else(|_| ..)`, `.map_or_else(|_| .., ..)` whose
  closure ignores the error;
- `.ok()` followed by `.unwrap_or(..)`, `.unwrap_or_default()`,
  `.unwrap_or_else(..)`, or `let Some(..) = x.ok() else { continue }`.

A failure path is traced when it calls a logging macro (any macro whose name
contains `log`, `trace`, `debug`, `info`, `warn` or `error`, crate-local ones
included), `eprintln!`/`println!`, a function or method whose name contains
`warn`, `log`, `report`, `record`, `metric`, `count` or `inc`, calls
`leash::fall_back(reason, value)` (which counts the fallback at its site), or
when an `inspect_err(..)` precedes the fallback in the chain. A failure path
that returns an error through `bail!`/`ensure!`, or whose substitute is text
describing the failure (`"Unknown error"`, `"failed to read body"`: the message
of an error being built), reports the failure.

Not reported:
- conversions and lookups, whose failure is an ordinary branch: the failing call's
  last segment starts with `parse`, `from_`, `try_from`, `try_into`, `to_str`,
  `decode` or `deserialize`, or is `var`, `var_os`, `try_current`,
  `duration_since`, `into_data`, `to_string`, `to_vec` or `to_value` (an awaited
  call is an operation, not a conversion, whatever its name);
- an error turned into `None`, `Ok(None)`, `return None` or a `bool`; exits
  (`return`, `break`, `?`); arms on a specific error variant or with a guard;
- a fallback on a path that goes on to return an error, with no `return`,
  `break` or `continue` in between (`let body = resp.text().await.ok()
  .unwrap_or_default(); return Err(NotFound { body })`): it only fills in the
  error the caller gets;
- `continue` on the failure path of a loop whose success path leaves it, or that
  waits between iterations (a retry loop: the retry lints own it);
- `Result::unwrap_or*` without `.ok()`, `let _ =`, `Option` handling, and results
  that are not produced by a call in the function (a parameter or a field);
- `fmt` methods of `Debug`/`Display` impls, and items declared with
  `#[leash::fallback(reason = "..")]`.

Inside a loop the fallback repeats silently on every iteration: the message says
"silent fallback loop".

Confidence: `high` (shown by default) only when the failing call has a visible
effect: it is, or reaches through functions of the same file, file or socket
I/O (`std::fs`, `std::net`, `tokio::fs`/`net`/`io`, a `File`/`TcpStream`/
`UdpSocket` method), a network or database client (a receiver built by or typed
from `reqwest`, `hyper`, `tonic`, `sqlx`, `redis`, ..., or a type named
`..Client`/`..Resolver`), a lock (`lock`, `read`, `write` on a `Mutex`/`RwLock`),
a process or signal, or a channel send or receive. The message names the effect.
Otherwise the finding is `low` (`--confidence low`), and so is a file-system
query that falls back to the path it was given or reads on from it
(`p.canonicalize().unwrap_or_else(|_| p.to_owned())`, `Err(_) =>
p.ancestors().collect()`: the next operation on the path reports its own
failure), and a read of the kernel's state whose missing file is the answer
(a `/proc` or `/sys` path, written in the call, formatted there or held by a
constant of the file). Never reported:
thread-local access (`LocalKey::try_with`), `Layout` arithmetic, methods that
look up, convert or compute offsets with no effect in sight (`get_str`,
`find_entry`, `into_value`, `offset_at`), failing calls with no effect in a file
built on a parser crate (`syn`, `proc_macro2`, `nom`, `winnow`, ..), a fallible
alternative whose own error reaches the caller (`open(a).or_else(|_| open(b))`,
`Err(_) => read(b)` beside `Ok(x) => Ok(x)`), and failures turned into a status:
a constant beside a constant success value (`Ok(_) => 1, Err(_) => 0`), a null
pointer, a `bool` flag set on the failure path, or a value that names the
failure (`Err(_) => Pending::Failed`, `State::ConnectFailure`, an error type;
as the value yielded, `DnsState::TimedOut`, `Health::Unreachable`, a response
carrying a gateway's `StatusCode::BAD_GATEWAY`).

## Why is this bad?
The service keeps answering, with stale, empty or default data, and nobody knows
that a dependency is failing. Outages surface late, as wrong results rather than
errors, and the one signal that would explain them was thrown away.

## Example
```rust
let config = match fetch_remote_config(&client).await {
    Ok(c) => c,
    Err(_) => Config::default(),
};
```

## Use instead
Leave a trace of the error before falling back:
```rust
let config = match fetch_remote_config(&client).await {
    Ok(c) => c,
    Err(e) => {
        tracing::warn!(error = %e, "remote config unavailable, using defaults");
        metrics::counter!("config_fallback_total").increment(1);
        Config::default()
    }
};
```
or, when the fallback is the design, declare it on the item:
`#[leash::fallback(reason = "defaults are safe until the next refresh")]`.
"#,
    check: Some(check),
    triggers: Some(Triggers {
        file: &[RETRY, &["or_else"]],
        body: &[&[
            // `Err(_) => ..`
            Need::Any(&["@Err"]),
            // `if let Ok(..) = .. else`, `let Ok(..) = .. else`
            Need::All(&[&["@Ok"], &["=else"]]),
            // `if x.is_err()`, `.or_else(|_| ..)`, `.unwrap_or_else`, `.map_or_else`
            Need::Any(&["is_err", "or_else"]),
            // `.ok().unwrap_or(..)`, `let Some(..) = x.ok() else`
            Need::All(&[&["=ok"], &["unwrap_or", "=else"]]),
            // The failing call's effect is followed into the file's own
            // functions (see `crate::effect_model`).
            Need::LocalCallees,
        ]],
        imports: &[],
    }),
    models: &[Model::Effects],
    phase_two: None,
    budget: Some(Budget {
        kind: "fallback",
        bound: "silent",
    }),
};

const HELP: &str = "log or count the error before falling back (`warn!(..)`, a metric), or declare the fallback with `#[leash::fallback(reason = \"..\")]`";

fn check(cx: &FileContext, sink: &mut Sink) {
    let mut v = Visitor {
        sink,
        file: cx.file,
        imports: cx.imports,
        model: OnceCell::new(),
        parser_file: is_parser_file(cx.file),
        kernel_paths: kernel_path_consts(cx.file),
        self_type: None,
        frames: Vec::new(),
        value_pos: HashSet::new(),
        reported: HashSet::new(),
        diverging: diverging_fns(cx.file),
        loop_exits: HashMap::new(),
        logger: logger_in(cx.source),
        error_paths: Vec::new(),
    };
    v.visit_file(cx.file);
}

/// The logging crate the file already names (`tracing::..`, `use log::..`),
/// for a suggestion that traces the error with it: `tracing` first.
fn logger_in(source: &str) -> Option<&'static str> {
    let names = |krate: &str| {
        let pattern = format!("{krate}::");
        source.match_indices(&pattern).any(|(at, _)| {
            !source[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
        })
    };
    ["tracing", "log"].into_iter().find(|k| names(k))
}

/// `.inspect_err(..)` after `result`, logging the error with `logger` before
/// the fallback takes it. Only after an expression a method call can follow
/// without parentheses (a call, a method call, `.await`, a name, a field).
fn trace_edit(result: &syn::Expr, logger: &str, name: &str) -> Option<crate::Edit> {
    if !matches!(
        result,
        syn::Expr::Call(_)
            | syn::Expr::MethodCall(_)
            | syn::Expr::Await(_)
            | syn::Expr::Path(_)
            | syn::Expr::Field(_)
            | syn::Expr::Paren(_)
    ) {
        return None;
    }
    let log = if logger == "tracing" {
        format!("tracing::warn!(error = %e, \"{name} failed; falling back\")")
    } else {
        format!("log::warn!(\"{name} failed; falling back: {{e}}\")")
    };
    Some(crate::Edit::insert(
        Span::from(result.span()).end,
        format!(".inspect_err(|e| {log})"),
    ))
}

/// What is known about one function (or closure) body being analysed.
struct Frame<'ast> {
    /// Its parameters and `let` bindings.
    scope: Scope<'ast>,
    /// Enclosing loops (bodies), innermost last.
    loops: Vec<&'ast syn::Block>,
}

struct Visitor<'a, 'ast> {
    sink: &'a mut Sink,
    file: &'ast syn::File,
    imports: &'ast crate::imports::Imports,
    /// Built on the first finding: most files have none.
    model: OnceCell<EffectModel<'ast>>,
    /// The file works on syntax trees or parser input (it imports `syn`,
    /// `nom`, ..): its failing calls with no visible effect are parser checks.
    parser_file: bool,
    /// The file's constants naming a kernel path (see [`kernel_path_consts`]).
    kernel_paths: HashSet<String>,
    /// The type of the `impl` or `trait` being visited.
    self_type: Option<String>,
    frames: Vec<Frame<'ast>>,
    /// Addresses of expressions whose value is used (a `let` initialiser, an
    /// argument, a returned or assigned value, a non-unit tail).
    value_pos: HashSet<usize>,
    /// Method calls already covered by a finding on the same chain.
    reported: HashSet<usize>,
    /// Functions of this file that never return (`fn oom() -> !`).
    diverging: HashSet<String>,
    /// The exits of each loop body asked about (by address): walked once,
    /// not once per skip in the loop.
    loop_exits: HashMap<usize, Exits>,
    /// The logging crate the file uses, if any (see [`logger_in`]).
    logger: Option<&'static str>,
    /// Statements of the blocks being walked that go on to return an error
    /// (see [`error_exit`]), innermost last.
    error_paths: Vec<Span>,
}

fn addr(e: &syn::Expr) -> usize {
    e as *const syn::Expr as usize
}

/// The ways a failure path hides the error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hide {
    Substitute,
    Skip,
    Swallow,
}

/// The call whose error is handled.
struct Failing<'ast> {
    /// The call or method call itself.
    call: &'ast syn::Expr,
    /// The expression whose value is the `Result` (the call, awaited, adapted).
    result: &'ast syn::Expr,
    name: String,
    awaited: bool,
    /// An `inspect_err(..)` in the chain already traces the error.
    traced: bool,
}

/// Adapters that keep the `Result` of the call below them.
const ADAPTERS: &[&str] = &[
    "map",
    "map_err",
    "as_ref",
    "as_mut",
    "as_deref",
    "as_deref_mut",
    "and_then",
    "or_else",
    "or",
    "inspect",
    "inspect_err",
    "err_into",
    "map_ok",
    "into_future",
    "boxed",
    "fuse",
    "compat",
    "context",
    "with_context",
    "wrap_err",
    "wrap_err_with",
];

/// Functions defined in the file whose return type is `!`.
fn diverging_fns(file: &syn::File) -> HashSet<String> {
    struct D(HashSet<String>);
    impl<'ast> Visit<'ast> for D {
        fn visit_signature(&mut self, sig: &'ast syn::Signature) {
            if let syn::ReturnType::Type(_, t) = &sig.output {
                if matches!(**t, syn::Type::Never(_)) {
                    self.0.insert(sig.ident.to_string());
                }
            }
        }
    }
    let mut d = D(HashSet::new());
    d.visit_file(file);
    d.0
}

/// Results that are not the failure of an operation: contention and readiness
/// (`compare_exchange`, `fetch_update`, `try_lock`, `try_recv`, `try_send`,
/// `try_borrow`), arithmetic overflow (`checked_*`), and `binary_search`, whose
/// `Err` is an insertion point.
fn is_not_failure(name: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "compare_exchange",
        "compare_and_swap",
        "fetch_update",
        "try_lock",
        "try_borrow",
        "try_recv",
        "try_send",
        "try_read",
        "try_write",
        "checked_",
        "binary_search",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p))
}

/// Is this failing call a conversion or lookup (spec "Not")?
fn is_conversion(f: &Failing) -> bool {
    if is_not_failure(&f.name) {
        return true;
    }
    if f.awaited {
        return false;
    }
    let n = f.name.as_str();
    const PREFIXES: &[&str] = &[
        "parse",
        "from_",
        "try_from",
        "try_into",
        "to_str",
        "decode",
        "deserialize",
    ];
    const EXACT: &[&str] = &[
        "var",
        "var_os",
        "try_current",
        "duration_since",
        "into_data",
        "to_string",
        "to_vec",
        "to_value",
    ];
    PREFIXES.iter().any(|p| n.starts_with(p)) || EXACT.contains(&n)
}

/// The failing operation as a message names it, with its effect when one is
/// visible: "`read(..)` (file-system I/O)", "`load(..)`, which reaches a
/// lock (`lock`),".
fn operation(failing: &Failing, verdict: &Verdict) -> String {
    let name = &failing.name;
    match verdict {
        Verdict::Effect { effect, via: None } => {
            format!("`{name}(..)` ({})", effect.describe())
        }
        Verdict::Effect {
            effect,
            via: Some(via),
        } => format!(
            "`{name}(..)`, which reaches {} (`{via}`),",
            effect.describe()
        ),
        _ => format!("`{name}(..)`"),
    }
}

/// The substitute is the failing call's own input, kept as it was or read
/// on (`p.canonicalize().unwrap_or_else(|_| p.to_owned())`, `Err(_) =>
/// p.ancestors().collect()`): a file-system query that falls back to the
/// path it was given leaves that path to the next operation on it, which
/// reports its own failure. Not shown by default.
fn falls_back_to_input(call: &syn::Expr, failure_path: &syn::Expr) -> bool {
    use quote::ToTokens;
    let Some(value) = body_value(failure_path) else {
        return false;
    };
    // Read on from the input: the root of the fallback's own chain (not a
    // chain through the failing call, `p.read_dir().ok()..unwrap_or_default()`).
    let (calls, root) = method_chain(as_given(value));
    let through_failing = calls
        .iter()
        .any(|m| matches!(call, syn::Expr::MethodCall(c) if std::ptr::eq(*m, c)))
        || std::ptr::eq(root, call);
    // Reading on walks the path itself (its ancestors, its parent), not
    // its text in place of what the operation would have produced.
    let walks_path = calls.last().is_some_and(|m| {
        matches!(
            m.method.to_string().as_str(),
            "ancestors" | "parent" | "components" | "iter"
        )
    });
    let value = if through_failing || !walks_path {
        as_given(value)
    } else {
        as_given(root)
    };
    let value = value.to_token_stream().to_string();
    let inputs: Vec<&syn::Expr> = match call {
        syn::Expr::MethodCall(m) => std::iter::once(&*m.receiver).chain(&m.args).collect(),
        syn::Expr::Call(c) => c.args.iter().collect(),
        _ => Vec::new(),
    };
    inputs
        .into_iter()
        .any(|i| as_given(i).to_token_stream().to_string() == value)
}

/// Paths of the kernel's own state (`/proc`, `/sys`): reading one is a
/// probe, and a missing file is the answer (the process is gone, the
/// feature is off), not a failure to hide.
fn is_kernel_path(s: &str) -> bool {
    s.starts_with("/proc/") || s.starts_with("/sys/")
}

/// A call that reads, not one that changes state: a failed write to
/// `/proc/sys/..` is a setting not applied.
fn is_read(name: &str) -> bool {
    name.starts_with("read")
        || matches!(
            name,
            "open" | "metadata" | "symlink_metadata" | "canonicalize" | "exists" | "try_exists"
        )
}

/// The file's string constants holding a kernel path (`const LOCKDOWN_PATH:
/// &str = "/sys/kernel/security/lockdown"`).
fn kernel_path_consts(file: &syn::File) -> HashSet<String> {
    struct C(HashSet<String>);
    impl<'ast> Visit<'ast> for C {
        fn visit_item_const(&mut self, c: &'ast syn::ItemConst) {
            if crate::syntax::str_literal(&c.expr).is_some_and(|v| is_kernel_path(&v)) {
                self.0.insert(c.ident.to_string());
            }
        }
        fn visit_item_static(&mut self, s: &'ast syn::ItemStatic) {
            if crate::syntax::str_literal(&s.expr).is_some_and(|v| is_kernel_path(&v)) {
                self.0.insert(s.ident.to_string());
            }
        }
    }
    let mut c = C(HashSet::new());
    c.visit_file(file);
    c.0
}

/// Does the failing call read the kernel's state: a path argument written
/// as a kernel path, or formatted from one, or one of the file's constants
/// holding one (`fs::read_link(format!("/proc/{pid}/fd/{n}"))`)?
fn reads_kernel_state(call: &syn::Expr, consts: &HashSet<String>) -> bool {
    fn tokens(ts: proc_macro2::TokenStream, consts: &HashSet<String>) -> bool {
        ts.into_iter().any(|tt| match tt {
            proc_macro2::TokenTree::Literal(l) => {
                let text = l.to_string();
                is_kernel_path(text.trim_start_matches(['r', '#', '"']))
            }
            proc_macro2::TokenTree::Ident(i) => consts.contains(&i.to_string()),
            proc_macro2::TokenTree::Group(g) => tokens(g.stream(), consts),
            proc_macro2::TokenTree::Punct(_) => false,
        })
    }
    use quote::ToTokens;
    let args: Vec<&syn::Expr> = match call {
        syn::Expr::MethodCall(m) => std::iter::once(&*m.receiver).chain(&m.args).collect(),
        syn::Expr::Call(c) => c.args.iter().collect(),
        _ => return false,
    };
    args.into_iter()
        .any(|a| tokens(a.to_token_stream(), consts))
}

/// Looks through copies and conversions that keep a value as it is
/// (`&p`, `p.to_owned()`, `PathBuf::from(p)`, `p.into()`).
fn as_given(mut e: &syn::Expr) -> &syn::Expr {
    loop {
        match strip_parens(e) {
            syn::Expr::Reference(r) => e = &r.expr,
            syn::Expr::MethodCall(m)
                if m.args.is_empty()
                    && matches!(
                        m.method.to_string().as_str(),
                        "to_owned" | "clone" | "to_path_buf" | "into" | "as_path" | "as_ref"
                    ) =>
            {
                e = &m.receiver
            }
            syn::Expr::Call(c)
                if c.args.len() == 1
                    && call_path(c).is_some_and(|p| {
                        let segs: Vec<String> =
                            p.segments.iter().map(|s| s.ident.to_string()).collect();
                        segs.len() == 2
                            && matches!(segs[0].as_str(), "PathBuf" | "Path" | "OsString")
                            && matches!(segs[1].as_str(), "from" | "new")
                    }) =>
            {
                e = &c.args[0]
            }
            other => return other,
        }
    }
}

/// An in-memory lookup, conversion or offset computation, by the name of a
/// method with no visible effect (contract "Not": map and document getters
/// such as `get_str`, offsets). Not awaited: an awaited call is an operation.
fn is_lookup_or_conversion(failing: &Failing) -> bool {
    const PREFIXES: &[&str] = &["get_", "find", "search", "into_", "as_", "to_", "format"];
    const EXACT: &[&str] = &["get", "entry", "position", "index", "convert"];
    let name = failing.name.as_str();
    matches!(failing.call, syn::Expr::MethodCall(_))
        && !failing.awaited
        && (PREFIXES.iter().any(|p| name.starts_with(p))
            || EXACT.contains(&name)
            || name.contains("offset"))
}

/// A file that works on syntax trees or parser input: it imports a
/// proc-macro or parser-combinator crate.
fn is_parser_file(file: &syn::File) -> bool {
    const PARSERS: &[&str] = &[
        "syn",
        "proc_macro",
        "proc_macro2",
        "nom",
        "winnow",
        "combine",
        "pest",
        "chumsky",
    ];
    fn root(tree: &syn::UseTree) -> Vec<String> {
        match tree {
            syn::UseTree::Path(p) => vec![p.ident.to_string()],
            syn::UseTree::Name(n) => vec![n.ident.to_string()],
            syn::UseTree::Rename(r) => vec![r.ident.to_string()],
            syn::UseTree::Group(g) => g.items.iter().flat_map(root).collect(),
            syn::UseTree::Glob(_) => Vec::new(),
        }
    }
    file.items.iter().any(|item| match item {
        syn::Item::Use(u) => root(&u.tree).iter().any(|r| PARSERS.contains(&r.as_str())),
        syn::Item::ExternCrate(c) => PARSERS.contains(&c.ident.to_string().as_str()),
        _ => false,
    })
}

/// A call or method name that leaves a trace (spec list), or `leash::fall_back`,
/// which counts the fallback at its site.
fn is_trace_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "fall_back"
        || ["warn", "log", "report", "record", "metric", "count", "inc"]
            .iter()
            .any(|k| n.contains(k))
}

fn is_print_macro(name: &str) -> bool {
    matches!(name, "println" | "eprintln" | "print" | "eprint" | "dbg")
}

fn is_panic_macro(name: &str) -> bool {
    matches!(
        name,
        "panic"
            | "unreachable"
            | "todo"
            | "unimplemented"
            | "assert"
            | "assert_eq"
            | "assert_ne"
            | "debug_assert"
            | "debug_assert_eq"
            | "debug_assert_ne"
    )
}

/// Text that says something failed (`"Unknown error"`, `"failed to read
/// body"`, `"could not decode"`).
fn describes_a_failure(text: &str) -> bool {
    let l = text.to_ascii_lowercase();
    ["error", "fail", "could not", "couldn't", "unable to"]
        .iter()
        .any(|w| l.contains(w))
}

/// An identifier that names an error value or type (`Err`, `err`, `PayloadError`,
/// `closed_connection_error`), or a variant naming the failure
/// (`PendingCommand::Failed`, `Outcome::ConnectFailure`): a failure path that
/// builds or records one propagates the failure as data.
fn is_error_ident(s: &str) -> bool {
    if s == "Err" || s == "err" {
        return true;
    }
    let l = s.to_ascii_lowercase();
    let failure_variant = s.starts_with(|c: char| c.is_ascii_uppercase())
        && (l.ends_with("failed") || l.ends_with("failure"));
    failure_variant || l.contains("error") || l.starts_with("err_") || l.ends_with("_err")
}

/// Is the value a failure path yields a state that says the operation did
/// not get through: a variant named for it (`DnsState::TimedOut`,
/// `Health::Unreachable(addr)`), or a response carrying the status a gateway
/// answers with when the service behind it failed (`PageResponse {
/// status_code: StatusCode::BAD_GATEWAY, .. }`)? The caller sees the failure.
fn names_the_failure(value: &syn::Expr) -> bool {
    let variant = |path: &syn::Path| {
        path.segments.last().is_some_and(|seg| {
            let s = seg.ident.to_string();
            let l = s.to_ascii_lowercase();
            // A variant's name, not a constant (`PRICE_WHEN_UNAVAILABLE`).
            s.starts_with(|c: char| c.is_ascii_uppercase())
                && s.bytes().any(|b| b.is_ascii_lowercase())
                && ["timedout", "unavailable", "unreachable"]
                    .iter()
                    .any(|w| l.ends_with(w))
        })
    };
    let gateway_status = |e: &syn::Expr| {
        matches!(strip_parens(e), syn::Expr::Path(p) if p.path.segments.last().is_some_and(|seg| {
            matches!(seg.ident.to_string().as_str(), "BAD_GATEWAY" | "SERVICE_UNAVAILABLE" | "GATEWAY_TIMEOUT")
        }))
    };
    match strip_parens(value) {
        syn::Expr::Path(p) => variant(&p.path),
        syn::Expr::Call(c) => matches!(&*c.func, syn::Expr::Path(p) if variant(&p.path)),
        syn::Expr::Struct(st) => st.fields.iter().any(|f| gateway_status(&f.expr)),
        _ => false,
    }
}

/// What a failure path does.
#[derive(Default)]
struct Scan<'b> {
    binding: Option<&'b str>,
    /// Functions of this file that never return (`-> !`).
    diverging: Option<&'b HashSet<String>>,
    trace: bool,
    panic: bool,
    exit: bool,
    error: bool,
    /// A `bool` is set (`self.probe_failed = true`): the failure is recorded.
    flag: bool,
    uses_binding: bool,
}

impl Scan<'_> {
    fn hides(&self) -> bool {
        !(self.trace || self.panic || self.exit || self.error || self.flag || self.uses_binding)
    }
    fn macro_name(&mut self, name: &str) {
        if is_log_macro(name) || is_print_macro(name) {
            self.trace = true;
        }
        // `anyhow::bail!(..)`, `ensure!(..)`: returns an error.
        if matches!(name, "bail" | "ensure") {
            self.exit = true;
        }
        if is_panic_macro(name) {
            self.panic = true;
        }
    }
}

impl<'ast> Visit<'ast> for Scan<'_> {
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let Some(m) = macro_call_name(c) {
            self.macro_name(&m);
        } else if let Some(p) = call_path(c) {
            if let Some(last) = last_segment(p) {
                if is_trace_name(&last) {
                    self.trace = true;
                }
                if last == "exit"
                    || last == "handle_alloc_error"
                    || last == "unreachable_unchecked"
                    || last == "abort" && p.segments.len() > 1
                    || self.diverging.is_some_and(|d| d.contains(&last))
                {
                    self.panic = true;
                }
            }
        }
        syn::visit::visit_expr_call(self, c);
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        if is_trace_name(&m.method.to_string()) {
            self.trace = true;
        }
        syn::visit::visit_expr_method_call(self, m);
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        if let Some(name) = m.path.segments.last().map(|s| s.ident.to_string()) {
            self.macro_name(&name);
            // An unexpanded macro may mention the binding in its tokens.
            if let Some(b) = self.binding {
                if crate::syntax::any_ident(&m.tokens, &mut |i| i == b) {
                    self.uses_binding = true;
                }
            }
        }
        syn::visit::visit_macro(self, m);
    }
    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        if matches!(&*a.right, syn::Expr::Lit(l) if matches!(l.lit, syn::Lit::Bool(_))) {
            self.flag = true;
        }
        syn::visit::visit_expr_assign(self, a);
    }
    fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
        self.exit = true;
        syn::visit::visit_expr_return(self, r);
    }
    fn visit_expr_break(&mut self, b: &'ast syn::ExprBreak) {
        self.exit = true;
        syn::visit::visit_expr_break(self, b);
    }
    fn visit_expr_try(&mut self, t: &'ast syn::ExprTry) {
        self.exit = true;
        syn::visit::visit_expr_try(self, t);
    }
    fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
        let s = i.to_string();
        if is_error_ident(&s) {
            self.error = true;
        }
        if self.binding.is_some_and(|b| b == s) {
            self.uses_binding = true;
        }
    }
    fn visit_lit_str(&mut self, l: &'ast syn::LitStr) {
        let v = l.value();
        if let Some(b) = self.binding {
            if v.contains(&format!("{{{b}")) {
                self.uses_binding = true;
            }
        }
        // `"Unknown error"`, `"failed to read response body"`: the substitute
        // describes the failure (the text of an error being built), it does
        // not pass for a value.
        if describes_a_failure(&v) {
            self.error = true;
        }
    }
}

fn scan<'b>(
    body: &syn::Expr,
    binding: Option<&'b str>,
    diverging: &'b HashSet<String>,
) -> Scan<'b> {
    let mut s = Scan {
        binding,
        diverging: Some(diverging),
        ..Scan::default()
    };
    s.visit_expr(body);
    s.error |= body_value(body).is_some_and(names_the_failure);
    s
}

/// `()` or `{}` (comments only).
fn is_empty_body(e: &syn::Expr) -> bool {
    match strip_parens(e) {
        syn::Expr::Block(b) => b.block.stmts.is_empty() && b.label.is_none(),
        syn::Expr::Tuple(t) => t.elems.is_empty(),
        _ => false,
    }
}

/// `None`, `Ok(None)`, `Some(None)`, `Poll::Ready(None)`, or a `bool`.
fn is_none_or_bool(e: &syn::Expr) -> bool {
    match strip_parens(e) {
        syn::Expr::Path(p) => {
            p.path.is_ident("None") || last_segment(&p.path).is_some_and(|s| s == "None")
        }
        syn::Expr::Lit(l) => matches!(l.lit, syn::Lit::Bool(_)),
        syn::Expr::Unary(u) => matches!(u.op, syn::UnOp::Not(_)),
        syn::Expr::Binary(b) => matches!(
            b.op,
            syn::BinOp::Eq(_)
                | syn::BinOp::Ne(_)
                | syn::BinOp::Lt(_)
                | syn::BinOp::Le(_)
                | syn::BinOp::Gt(_)
                | syn::BinOp::Ge(_)
                | syn::BinOp::And(_)
                | syn::BinOp::Or(_)
        ),
        // A null pointer: the C way to say "failed".
        syn::Expr::Call(c) if c.args.is_empty() => call_path(c)
            .and_then(last_segment)
            .is_some_and(|s| s == "null" || s == "null_mut"),
        syn::Expr::Call(c) if c.args.len() == 1 => {
            let wrapper = call_path(c)
                .and_then(last_segment)
                .is_some_and(|s| matches!(s.as_str(), "Ok" | "Some" | "Ready"));
            wrapper && c.args.first().is_some_and(is_none_or_bool)
        }
        syn::Expr::Block(b) => match b.block.stmts.last() {
            Some(syn::Stmt::Expr(e, None)) => is_none_or_bool(e),
            _ => false,
        },
        _ => false,
    }
}

/// A value that carries a `bool` flag next to its data (`(guard, TimedOut(true))`,
/// `Status { ok: false, .. }`): the failure is still visible to the caller.
fn carries_flag(e: &syn::Expr, depth: usize) -> bool {
    if depth > 2 {
        return false;
    }
    match strip_parens(e) {
        syn::Expr::Lit(l) => matches!(l.lit, syn::Lit::Bool(_)),
        syn::Expr::Tuple(t) => t.elems.iter().any(|x| carries_flag(x, depth + 1)),
        syn::Expr::Call(c) => c.args.iter().any(|x| carries_flag(x, depth + 1)),
        syn::Expr::Struct(s) => s.fields.iter().any(|f| carries_flag(&f.expr, depth + 1)),
        _ => false,
    }
}

/// The value an arm or branch body yields, if it visibly ends in one.
fn body_value(e: &syn::Expr) -> Option<&syn::Expr> {
    match strip_parens(e) {
        syn::Expr::Block(b) => match b.block.stmts.last() {
            Some(syn::Stmt::Expr(x, None)) => body_value(x),
            _ => None,
        },
        x => Some(x),
    }
}

/// The success side yields nothing (`None`, a `bool`, `()`): the failure side's
/// value is the failure reported as data, not a substitute for a result.
fn ok_side_is_flag(e: &syn::Expr) -> bool {
    if is_empty_body(e) {
        return true;
    }
    body_value(e).is_some_and(|v| is_none_or_bool(v) || is_empty_body(v))
}

/// The success side yields a constant (`Ok(_) => 1`, `Ok(_) => errSecSuccess`):
/// the other side's constant is a status code, the failure reported as data.
/// A path counts when the pattern binds nothing it could name.
fn ok_side_is_status(pat: &syn::Pat, body: &syn::Expr) -> bool {
    match body_value(body).map(strip_parens) {
        Some(syn::Expr::Lit(_)) => true,
        Some(syn::Expr::Path(_)) => {
            !crate::syntax::any_ident(pat, &mut |i| i.starts_with(char::is_lowercase) && i != "_")
        }
        _ => false,
    }
}

/// An arm that never yields (`Ok(_) if fatal => loop { park() }`).
fn diverges(body: &syn::Expr) -> bool {
    matches!(strip_parens(body), syn::Expr::Loop(l) if exits_in_block(&l.body).count == 0)
}

/// A statement that leaves with an error whatever happened before it:
/// `return Err(..)`, `Err(..)?`, `bail!(..)`, or a block's value `Err(..)`.
fn error_exit(st: &syn::Stmt) -> bool {
    let is_err = |e: &syn::Expr| match strip_parens(e) {
        syn::Expr::Call(c) => call_path(c)
            .and_then(last_segment)
            .is_some_and(|s| s == "Err"),
        _ => false,
    };
    let bail = |m: &syn::Macro| m.path.segments.last().is_some_and(|s| s.ident == "bail");
    match st {
        syn::Stmt::Expr(e, semi) => match strip_parens(e) {
            syn::Expr::Return(r) => r.expr.as_deref().is_some_and(is_err),
            syn::Expr::Try(t) => is_err(&t.expr),
            syn::Expr::Macro(m) => bail(&m.mac),
            e => semi.is_none() && is_err(e),
        },
        syn::Stmt::Macro(m) => bail(&m.mac),
        _ => false,
    }
}

/// Can the statement leave the block before the next one: a `return`, or a
/// `break` or `continue` of an enclosing loop (not one of its own loops; not
/// in a closure or nested item)?
fn may_leave_early(st: &syn::Stmt) -> bool {
    #[derive(Default)]
    struct Leaves {
        found: bool,
        depth: usize,
    }
    impl<'ast> Visit<'ast> for Leaves {
        fn visit_expr_return(&mut self, _: &'ast syn::ExprReturn) {
            self.found = true;
        }
        fn visit_expr_break(&mut self, b: &'ast syn::ExprBreak) {
            self.found |= self.depth == 0 || b.label.is_some();
        }
        fn visit_expr_continue(&mut self, c: &'ast syn::ExprContinue) {
            self.found |= self.depth == 0 || c.label.is_some();
        }
        crate::track_loop_depth!();
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut l = Leaves::default();
    l.visit_stmt(st);
    l.found
}

/// `Ok(..)` or `Err(..)` built in place.
fn is_result_ctor(e: &syn::Expr) -> bool {
    match strip_parens(e) {
        syn::Expr::Call(c) => call_path(c)
            .and_then(last_segment)
            .is_some_and(|s| s == "Ok" || s == "Err"),
        _ => false,
    }
}

/// A fallible alternative: the failure side yields another operation's
/// `Result` (`Err(_) => open_other(p)` while the success side yields
/// `Ok(..)`): when it fails too, its error still reaches the caller.
fn is_alternative(body: &syn::Expr) -> bool {
    match body_value(body).map(crate::syntax::strip_await_try) {
        Some(syn::Expr::MethodCall(_)) => true,
        Some(syn::Expr::Call(c)) => {
            macro_call_name(c).is_none()
                && call_path(c)
                    .and_then(last_segment)
                    .is_some_and(|s| s.starts_with(|c: char| c.is_lowercase()))
        }
        _ => false,
    }
}

/// `Ok(x)`, `Ok(_)`, `Ok((a, b))`: the pattern matches every success, so the
/// other branch is the failure alone.
fn ok_pattern_irrefutable(pat: &syn::Pat) -> bool {
    fn irrefutable(p: &syn::Pat) -> bool {
        match p {
            syn::Pat::Wild(_) | syn::Pat::Rest(_) => true,
            syn::Pat::Ident(i) => {
                i.subpat.is_none() && !i.ident.to_string().starts_with(char::is_uppercase)
            }
            syn::Pat::Tuple(t) => t.elems.iter().all(irrefutable),
            syn::Pat::Reference(r) => irrefutable(&r.pat),
            syn::Pat::Type(t) => irrefutable(&t.pat),
            syn::Pat::Paren(p) => irrefutable(&p.pat),
            _ => false,
        }
    }
    match pat {
        syn::Pat::TupleStruct(ts) => ts.elems.iter().all(irrefutable),
        syn::Pat::Paren(p) => ok_pattern_irrefutable(&p.pat),
        _ => false,
    }
}

/// How a failure-path body hides the error, if it does. `valued`: the value of the
/// enclosing expression is used; `ok_works`: the success side does work.
fn classify(
    body: &syn::Expr,
    binding: Option<&str>,
    valued: bool,
    ok_works: bool,
    diverging: &HashSet<String>,
) -> Option<Hide> {
    if !scan(body, binding, diverging).hides() {
        return None;
    }
    let body = strip_parens(body);
    if is_empty_body(body) {
        return ok_works.then_some(Hide::Swallow);
    }
    let value: &syn::Expr = match body {
        syn::Expr::Continue(c) if c.label.is_none() => return Some(Hide::Skip),
        syn::Expr::Block(b) if b.label.is_none() => {
            let stmts = &b.block.stmts;
            match stmts.last() {
                Some(syn::Stmt::Expr(syn::Expr::Continue(c), _)) if c.label.is_none() => {
                    return Some(Hide::Skip)
                }
                Some(syn::Stmt::Expr(e, None)) => e,
                // Statements and no value: an action on failure, not a substitute.
                _ => return None,
            }
        }
        _ => body,
    };
    if matches!(strip_parens(value), syn::Expr::Continue(_)) {
        return Some(Hide::Skip);
    }
    if !valued || is_none_or_bool(value) || is_empty_body(value) || carries_flag(value, 0) {
        return None;
    }
    Some(Hide::Substitute)
}

/// The binding of an `Err` pattern that ignores the error: `Some(None)` for
/// `Err(_)`/`Err(..)`/`Err(_e)`, `Some(Some(name))` for `Err(name)`; `None` when
/// the pattern is not such an arm (a specific variant, a guard, `Ok`).
fn err_pattern(pat: &syn::Pat) -> Option<Option<String>> {
    match pat {
        syn::Pat::TupleStruct(ts) => {
            if last_segment(&ts.path).is_none_or(|s| s != "Err") || ts.elems.len() != 1 {
                return None;
            }
            match ts.elems.first()? {
                syn::Pat::Wild(_) | syn::Pat::Rest(_) => Some(None),
                syn::Pat::Ident(i) if i.subpat.is_none() => {
                    let name = i.ident.to_string();
                    if name.starts_with('_') {
                        Some(None)
                    } else if name.chars().next().is_some_and(|c| c.is_uppercase()) {
                        None // a unit variant such as `Err(Closed)`
                    } else {
                        Some(Some(name))
                    }
                }
                _ => None,
            }
        }
        syn::Pat::Paren(p) => err_pattern(&p.pat),
        syn::Pat::Or(o) => {
            // `Ok(None) | Err(_)`: the Err case decides.
            let mut found = None;
            for case in &o.cases {
                if let Some(b) = err_pattern(case) {
                    found = Some(b);
                }
            }
            found
        }
        _ => None,
    }
}

fn is_ok_pattern(pat: &syn::Pat) -> bool {
    match pat {
        syn::Pat::TupleStruct(ts) => last_segment(&ts.path).is_some_and(|s| s == "Ok"),
        syn::Pat::Paren(p) => is_ok_pattern(&p.pat),
        _ => false,
    }
}

fn is_some_pattern(pat: &syn::Pat) -> bool {
    match pat {
        syn::Pat::TupleStruct(ts) => last_segment(&ts.path).is_some_and(|s| s == "Some"),
        _ => false,
    }
}

/// Does the closure take exactly one argument that it ignores? Returns the name
/// of an unused-but-named argument, to check the body against.
fn ignored_closure_arg(c: &syn::ExprClosure) -> Option<Option<String>> {
    if c.inputs.len() != 1 {
        return None;
    }
    let mut pat = c.inputs.first()?;
    if let syn::Pat::Type(t) = pat {
        pat = &t.pat;
    }
    match pat {
        syn::Pat::Wild(_) => Some(None),
        syn::Pat::Ident(i) if i.subpat.is_none() => {
            let n = i.ident.to_string();
            if n.chars().next().is_some_and(|c| c.is_uppercase()) {
                return None; // a specific error type or variant: `|BadRange| ..`
            }
            Some((!n.starts_with('_')).then_some(n))
        }
        _ => None,
    }
}

/// Counts loop exits (`break` not inside a nested loop, `return`) in a node,
/// without entering closures or nested items.
#[derive(Default)]
struct Exits {
    count: usize,
    delay: bool,
    depth: usize,
}

impl<'ast> Visit<'ast> for Exits {
    fn visit_expr_break(&mut self, b: &'ast syn::ExprBreak) {
        if self.depth == 0 || b.label.is_some() {
            self.count += 1;
        }
        syn::visit::visit_expr_break(self, b);
    }
    fn visit_expr_return(&mut self, r: &'ast syn::ExprReturn) {
        self.count += 1;
        syn::visit::visit_expr_return(self, r);
    }
    crate::track_loop_depth!();
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if call_path(c)
            .and_then(last_segment)
            .is_some_and(|s| is_delay_name(&s))
        {
            self.delay = true;
        }
        syn::visit::visit_expr_call(self, c);
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let n = m.method.to_string();
        if is_delay_name(&n) || n == "tick" {
            self.delay = true;
        }
        syn::visit::visit_expr_method_call(self, m);
    }
}

fn is_delay_name(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.contains("sleep") || l.contains("delay") || l == "after" || l.contains("backoff")
}

fn exits_in_block(b: &syn::Block) -> Exits {
    #[cfg(test)]
    tests::LOOP_BODY_WALKS.with(|w| w.set(w.get() + 1));
    let mut e = Exits::default();
    e.visit_block(b);
    e
}

fn exits_in_expr(x: &syn::Expr) -> Exits {
    let mut e = Exits::default();
    e.visit_expr(x);
    e
}

/// The span from a method's name to the end of its call (the primary line of a
/// multi-line chain is the method's line).
fn method_span(m: &syn::ExprMethodCall) -> Span {
    Span::between(m.method.span(), m.paren_token.span.close())
}

impl<'ast> Visitor<'_, 'ast> {
    fn frame(&self) -> Option<&Frame<'ast>> {
        self.frames.last()
    }

    fn in_loop(&self) -> bool {
        self.frame().is_some_and(|f| !f.loops.is_empty())
    }

    fn mark_value(&mut self, e: &'ast syn::Expr) {
        // Marked already (an outer expression of a chain marked its inner
        // ones): stopping here keeps `a.b.c.d..` linear.
        if !self.value_pos.insert(addr(e)) {
            return;
        }
        match e {
            syn::Expr::Paren(p) => self.mark_value(&p.expr),
            syn::Expr::Group(g) => self.mark_value(&g.expr),
            syn::Expr::Await(a) => self.mark_value(&a.base),
            syn::Expr::Try(t) => self.mark_value(&t.expr),
            syn::Expr::Reference(r) => self.mark_value(&r.expr),
            syn::Expr::Cast(c) => self.mark_value(&c.expr),
            syn::Expr::Field(f) => self.mark_value(&f.base),
            syn::Expr::Block(b) => self.mark_block_tail(&b.block),
            syn::Expr::Unsafe(b) => self.mark_block_tail(&b.block),
            syn::Expr::If(i) => {
                self.mark_block_tail(&i.then_branch);
                if let Some((_, e)) = &i.else_branch {
                    self.mark_value(e);
                }
            }
            syn::Expr::Match(m) => {
                for arm in &m.arms {
                    self.mark_value(&arm.body);
                }
            }
            _ => {}
        }
    }

    fn mark_block_tail(&mut self, b: &'ast syn::Block) {
        if let Some(syn::Stmt::Expr(e, None)) = b.stmts.last() {
            self.mark_value(e);
        }
    }

    fn valued(&self, e: &syn::Expr) -> bool {
        self.value_pos.contains(&addr(e))
    }

    /// The call whose `Result` `e` is, if it is visibly one.
    fn failing(&self, e: &'ast syn::Expr, depth: usize) -> Option<Failing<'ast>> {
        if depth > 8 {
            return None;
        }
        let mut awaited = false;
        let mut traced = false;
        let mut cur = e;
        loop {
            match cur {
                syn::Expr::Paren(p) => cur = &p.expr,
                syn::Expr::Group(g) => cur = &g.expr,
                syn::Expr::Reference(r) => cur = &r.expr,
                syn::Expr::Try(t) => cur = &t.expr,
                syn::Expr::Await(a) => {
                    awaited = true;
                    cur = &a.base;
                }
                syn::Expr::MethodCall(m) => {
                    let name = m.method.to_string();
                    if ADAPTERS.contains(&name.as_str()) {
                        if name == "inspect_err" {
                            traced = true;
                        }
                        if name == "and_then" {
                            // `x.and_then(|v| v.parse())`: the closure's call fails too.
                            if let Some(syn::Expr::Closure(c)) = m.args.first() {
                                if let Some(inner) = self.failing(&c.body, depth + 1) {
                                    if is_conversion(&inner) {
                                        return Some(inner);
                                    }
                                }
                            }
                        }
                        cur = &m.receiver;
                        continue;
                    }
                    return Some(Failing {
                        call: cur,
                        result: e,
                        name,
                        awaited,
                        traced,
                    });
                }
                syn::Expr::Call(c) => {
                    if macro_call_name(c).is_some() {
                        return None;
                    }
                    let name = call_path(c).and_then(last_segment)?;
                    // A tuple-struct or variant constructor is not an operation.
                    if name.chars().next().is_some_and(|c| c.is_uppercase()) {
                        return None;
                    }
                    return Some(Failing {
                        call: cur,
                        result: e,
                        name,
                        awaited,
                        traced,
                    });
                }
                syn::Expr::Path(p) if p.path.segments.len() == 1 && p.qself.is_none() => {
                    let name = p.path.segments.first()?.ident.to_string();
                    let init = self.frame()?.scope.init_of(&name)?;
                    let mut f = self.failing(init, depth + 1)?;
                    f.result = e;
                    f.awaited |= awaited;
                    f.traced |= traced;
                    return Some(f);
                }
                syn::Expr::Block(b) => match b.block.stmts.last() {
                    Some(syn::Stmt::Expr(e, None)) => cur = e,
                    _ => return None,
                },
                syn::Expr::Unsafe(b) => match b.block.stmts.last() {
                    Some(syn::Stmt::Expr(e, None)) => cur = e,
                    _ => return None,
                },
                _ => return None,
            }
        }
    }

    /// The failing call, unless it is excluded (conversion/lookup) or traced.
    fn reportable_failing(&self, e: &'ast syn::Expr) -> Option<Failing<'ast>> {
        let mut f = self.failing(e, 0)?;
        f.result = e;
        (!is_conversion(&f) && !f.traced).then_some(f)
    }

    /// `continue` is a silent skip unless the loop is a retry loop: its success
    /// path leaves it, or it waits between iterations.
    fn skip_is_retry(&mut self, failure_path: &syn::Expr) -> bool {
        let Some(body) = self.frame().and_then(|f| f.loops.last().copied()) else {
            return true; // `continue` with no loop in sight: stay silent
        };
        let all = self
            .loop_exits
            .entry(body as *const syn::Block as usize)
            .or_insert_with(|| exits_in_block(body));
        let inside = exits_in_expr(failure_path);
        all.delay || all.count > inside.count
    }

    fn report(
        &mut self,
        span: Span,
        hide: Hide,
        failing: &Failing<'ast>,
        failure_path: &syn::Expr,
    ) {
        // A skip, or an ignored error that falls through to the next iteration,
        // in a loop whose success path leaves it: a retry or failover loop,
        // which the retry lints own.
        let next_iteration = hide == Hide::Skip || hide == Hide::Swallow && self.in_loop();
        if next_iteration && self.skip_is_retry(failure_path) {
            return;
        }
        // A fallback on a path that goes on to return an error only fills
        // in that error (`let body = resp.text().await.ok()
        // .unwrap_or_default(); return Err(NotFound { body })`): the
        // failure path returns an error, nothing is hidden.
        if self
            .error_paths
            .iter()
            .any(|p| p.start <= span.start && span.end <= p.end)
        {
            return;
        }
        // v2.0: high needs the failing call's effect in sight; memory-only
        // work (thread-locals, `Layout`, lookups, parser checks) is no finding.
        let verdict = self.verdict(failing);
        let low = match verdict {
            Verdict::Effect {
                effect: Effect::File,
                ..
            } if hide == Hide::Substitute => {
                falls_back_to_input(failing.call, failure_path)
                    || (is_read(&failing.name)
                        && reads_kernel_state(failing.call, &self.kernel_paths))
            }
            Verdict::Effect { .. } => false,
            Verdict::InMemory => return,
            Verdict::Unknown if self.parser_file => return,
            Verdict::Unknown if is_lookup_or_conversion(failing) => return,
            Verdict::Unknown => true,
        };
        let looped = self.in_loop();
        let what = if looped {
            "silent fallback loop"
        } else {
            "silent fallback"
        };
        let op = operation(failing, &verdict);
        let (message, label) = match hide {
            Hide::Substitute => (
                format!(
                    "{what}: the error of {op} is replaced by a substitute value with no trace"
                ),
                "the error is dropped here and a default takes its place",
            ),
            Hide::Skip => (
                format!("{what}: the error of {op} is skipped with `continue` and no trace"),
                "the failed item is skipped without a trace",
            ),
            Hide::Swallow => (
                format!("{what}: the error of {op} is swallowed while the success path does work"),
                "the error is ignored here",
            ),
        };
        let mut f = Finding::new(LINT.name, span, message)
            .label(label)
            .help(HELP)
            .low_if(low);
        // The error may not implement `Display`, and the log line is one
        // more event: a person checks the change.
        if let Some(edit) = self
            .logger
            .and_then(|l| trace_edit(failing.result, l, &failing.name))
        {
            f = f.suggest(
                "log the error before falling back",
                crate::Applicability::MaybeIncorrect,
                vec![edit],
            );
        }
        f = if looped {
            f.note("inside a loop the fallback repeats silently on every iteration")
        } else {
            f.note("the caller gets a plausible value and nobody learns that the operation failed")
        };
        self.sink.report(f);
    }

    /// What the file shows about the failing call's effect.
    fn verdict(&self, failing: &Failing<'ast>) -> Verdict {
        let Some(frame) = self.frame() else {
            return Verdict::Unknown;
        };
        let model = self
            .model
            .get_or_init(|| EffectModel::new(self.file, self.imports));
        model.verdict(failing.call, &frame.scope)
    }

    fn check_match(&mut self, m: &'ast syn::ExprMatch, valued: bool) {
        let Some(failing) = self.reportable_failing(&m.expr) else {
            return;
        };
        let ok_works = m
            .arms
            .iter()
            .any(|a| is_ok_pattern(&a.pat) && !is_empty_body(&a.body));
        let ok_arms = || {
            m.arms
                .iter()
                .filter(|a| is_ok_pattern(&a.pat) && !diverges(&a.body))
        };
        let ok_flag =
            ok_arms().all(|a| ok_side_is_flag(&a.body) || ok_side_is_status(&a.pat, &a.body));
        let yields_result = ok_arms().any(|a| body_value(&a.body).is_some_and(is_result_ctor));
        for arm in &m.arms {
            let Some(binding) = err_pattern(&arm.pat) else {
                continue;
            };
            if yields_result && is_alternative(&arm.body) {
                continue;
            }
            let hide = classify(
                &arm.body,
                binding.as_deref(),
                valued,
                ok_works,
                &self.diverging,
            );
            if hide == Some(Hide::Substitute) && ok_flag {
                continue;
            }
            if let Some(hide) = hide {
                let span = Span::between(arm.pat.span(), arm.body.span());
                self.report(span, hide, &failing, &arm.body);
            }
        }
    }

    fn check_if(&mut self, i: &'ast syn::ExprIf, whole: &'ast syn::Expr) {
        let valued = self.valued(whole);
        match strip_parens(&i.cond) {
            syn::Expr::Let(l) if is_ok_pattern(&l.pat) && ok_pattern_irrefutable(&l.pat) => {
                self.check_if_let_ok(i, l, valued)
            }
            syn::Expr::MethodCall(mc) if mc.method == "is_err" && mc.args.is_empty() => {
                self.check_if_is_err(i, mc, whole, valued)
            }
            _ => {}
        }
    }

    /// `if let Ok(..) = call() { .. } else { .. }`
    fn check_if_let_ok(&mut self, i: &'ast syn::ExprIf, l: &'ast syn::ExprLet, valued: bool) {
        let Some((_, els)) = &i.else_branch else {
            return;
        };
        if matches!(**els, syn::Expr::If(_)) {
            return;
        }
        let Some(failing) = self.reportable_failing(&l.expr) else {
            return;
        };
        let ok_works = !i.then_branch.stmts.is_empty();
        let hide = classify(els, None, valued, ok_works, &self.diverging);
        let then_value = match i.then_branch.stmts.last() {
            Some(syn::Stmt::Expr(x, None)) => Some(x),
            _ => None,
        };
        let then_flag = match then_value {
            None => i.then_branch.stmts.is_empty(),
            Some(x) => ok_side_is_flag(x) || ok_side_is_status(&l.pat, x),
        };
        if then_value.is_some_and(is_result_ctor) && is_alternative(els) {
            return;
        }
        if hide == Some(Hide::Substitute) && then_flag {
            return;
        }
        if let Some(hide) = hide {
            self.report(Span::from(els.span()), hide, &failing, els);
        }
    }

    /// `if x.is_err() { .. }`
    fn check_if_is_err(
        &mut self,
        i: &'ast syn::ExprIf,
        mc: &'ast syn::ExprMethodCall,
        whole: &'ast syn::Expr,
        valued: bool,
    ) {
        let Some(failing) = self.reportable_failing(&mc.receiver) else {
            return;
        };
        let then = &i.then_branch;
        // `if res.is_err() { .. res }`: the failure path hands the error on.
        let result_name = match strip_parens(&mc.receiver) {
            syn::Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
            _ => None,
        };
        let mut s = Scan {
            binding: result_name.as_deref(),
            diverging: Some(&self.diverging),
            ..Scan::default()
        };
        s.visit_block(then);
        if !s.hides() {
            return;
        }
        let hide = match then.stmts.last() {
            Some(syn::Stmt::Expr(syn::Expr::Continue(c), _)) if c.label.is_none() => {
                Some(Hide::Skip)
            }
            Some(syn::Stmt::Expr(e, None))
                if valued
                    && !is_none_or_bool(e)
                    && i.else_branch
                        .as_ref()
                        .is_some_and(|(_, e)| !ok_side_is_flag(e)) =>
            {
                Some(Hide::Substitute)
            }
            _ => None,
        };
        if let Some(hide) = hide {
            let span = Span::between(i.if_token.span, i.then_branch.brace_token.span.close());
            self.report(span, hide, &failing, whole);
        }
    }

    fn check_local(&mut self, l: &'ast syn::Local) {
        let Some(init) = &l.init else { return };
        let Some((_, els)) = &init.diverge else {
            return;
        };
        if !ok_pattern_irrefutable(&l.pat) {
            return;
        }
        let scrutinee: &'ast syn::Expr = if is_ok_pattern(&l.pat) {
            &init.expr
        } else if is_some_pattern(&l.pat) {
            // `let Some(x) = call().ok() else { continue }`
            match strip_parens(&init.expr) {
                syn::Expr::MethodCall(m) if m.method == "ok" && m.args.is_empty() => &m.receiver,
                _ => return,
            }
        } else {
            return;
        };
        let Some(failing) = self.reportable_failing(scrutinee) else {
            return;
        };
        if classify(els, None, false, false, &self.diverging) == Some(Hide::Skip) {
            self.report(Span::from(els.span()), Hide::Skip, &failing, els);
        }
    }

    fn check_method(&mut self, m: &'ast syn::ExprMethodCall) {
        if self
            .reported
            .contains(&(m as *const syn::ExprMethodCall as usize))
        {
            return;
        }
        let name = m.method.to_string();
        match name.as_str() {
            "unwrap_or_else" | "or_else" | "map_or_else" => {
                let Some(syn::Expr::Closure(c)) = m.args.first() else {
                    // `.ok().unwrap_or_else(f)`
                    if name == "unwrap_or_else" {
                        self.check_ok_chain(m, None);
                    }
                    return;
                };
                match ignored_closure_arg(c) {
                    // `.or_else(|_| other())`: the alternative's error flows on
                    // in the `Result`; only `.or_else(|_| Ok(default))` hides.
                    Some(_)
                        if name == "or_else"
                            && !body_value(&c.body).is_some_and(is_result_ctor) => {}
                    Some(binding) => {
                        let Some(failing) = self.reportable_failing(&m.receiver) else {
                            return;
                        };
                        if classify(&c.body, binding.as_deref(), true, false, &self.diverging)
                            == Some(Hide::Substitute)
                        {
                            self.report(method_span(m), Hide::Substitute, &failing, &c.body);
                            self.mark_chain_reported(&m.receiver);
                        }
                    }
                    None if name == "unwrap_or_else" && c.inputs.is_empty() => {
                        self.check_ok_chain(m, Some(&c.body));
                    }
                    None => {}
                }
            }
            "unwrap_or" => {
                if let Some(arg) = m.args.first() {
                    self.check_ok_chain(m, Some(arg));
                }
            }
            "unwrap_or_default" => self.check_ok_chain(m, None),
            _ => {}
        }
    }

    /// One finding per chain: `a().or_else(|_| b()).unwrap_or_else(|_| c)` hides
    /// the errors of one fallback sequence.
    fn mark_chain_reported(&mut self, e: &'ast syn::Expr) {
        let (calls, _) = crate::syntax::method_chain(e);
        for c in calls {
            if matches!(
                c.method.to_string().as_str(),
                "or_else" | "unwrap_or_else" | "map_or_else"
            ) {
                self.reported
                    .insert(c as *const syn::ExprMethodCall as usize);
            }
        }
    }

    /// `x.ok()[.map(..)].unwrap_or*(..)`.
    fn check_ok_chain(
        &mut self,
        m: &'ast syn::ExprMethodCall,
        substitute: Option<&'ast syn::Expr>,
    ) {
        let mut cur = strip_parens(&m.receiver);
        let ok_receiver = loop {
            match cur {
                syn::Expr::MethodCall(inner) => {
                    let n = inner.method.to_string();
                    if n == "ok" && inner.args.is_empty() {
                        break &inner.receiver;
                    }
                    if matches!(
                        n.as_str(),
                        "map" | "and_then" | "flatten" | "filter" | "cloned" | "copied"
                    ) {
                        cur = strip_parens(&inner.receiver);
                        continue;
                    }
                    return;
                }
                _ => return,
            }
        };
        let Some(failing) = self.reportable_failing(ok_receiver) else {
            return;
        };
        if let Some(sub) = substitute {
            if classify(sub, None, true, false, &self.diverging) != Some(Hide::Substitute) {
                return;
            }
        }
        let failure_path = substitute.unwrap_or(ok_receiver);
        self.report(method_span(m), Hide::Substitute, &failing, failure_path);
    }

    fn enter_fn(&mut self, sig: &'ast syn::Signature, block: &'ast syn::Block) {
        let valued_tail = returns_value(&sig.output);
        self.frames.push(Frame {
            scope: Scope::of_fn(Some(sig), block, self.self_type.clone()),
            loops: Vec::new(),
        });
        if valued_tail {
            self.mark_block_tail(block);
        }
    }
}

fn is_fmt_impl(i: &syn::ItemImpl) -> bool {
    i.trait_.as_ref().is_some_and(|(p, _)| {
        let segs: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        segs.iter().any(|s| s == "fmt")
            || segs
                .last()
                .is_some_and(|s| matches!(s.as_str(), "Debug" | "Display"))
    })
}

fn returns_value(out: &syn::ReturnType) -> bool {
    match out {
        syn::ReturnType::Default => false,
        syn::ReturnType::Type(_, t) => !matches!(&**t, syn::Type::Tuple(tt) if tt.elems.is_empty()),
    }
}

impl<'ast> Visit<'ast> for Visitor<'_, 'ast> {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        // A nested function is not a method of the enclosing `impl`.
        let saved = self.self_type.take();
        self.enter_fn(&f.sig, &f.block);
        syn::visit::visit_item_fn(self, f);
        self.frames.pop();
        self.self_type = saved;
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        if is_fmt_impl(i) {
            return;
        }
        let saved = std::mem::replace(&mut self.self_type, crate::callgraph::type_name(&i.self_ty));
        syn::visit::visit_item_impl(self, i);
        self.self_type = saved;
    }

    fn visit_item_trait(&mut self, t: &'ast syn::ItemTrait) {
        let saved = self.self_type.replace(t.ident.to_string());
        syn::visit::visit_item_trait(self, t);
        self.self_type = saved;
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.enter_fn(&f.sig, &f.block);
        syn::visit::visit_impl_item_fn(self, f);
        self.frames.pop();
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if let Some(b) = &f.default {
            self.enter_fn(&f.sig, b);
            syn::visit::visit_trait_item_fn(self, f);
            self.frames.pop();
        }
    }

    fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
        // A closure's value is its body; `continue` cannot cross it.
        self.mark_value(&c.body);
        let loops = self
            .frames
            .last_mut()
            .map(|f| std::mem::take(&mut f.loops))
            .unwrap_or_default();
        syn::visit::visit_expr_closure(self, c);
        if let Some(f) = self.frames.last_mut() {
            f.loops = loops;
        }
    }

    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some(init) = &l.init {
            self.mark_value(&init.expr);
        }
        self.check_local(l);
        syn::visit::visit_local(self, l);
    }

    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        match e {
            syn::Expr::Assign(a) => self.mark_value(&a.right),
            syn::Expr::Binary(b) => {
                self.mark_value(&b.left);
                self.mark_value(&b.right);
            }
            syn::Expr::Return(r) => {
                if let Some(x) = &r.expr {
                    self.mark_value(x);
                }
            }
            syn::Expr::Break(b) => {
                if let Some(x) = &b.expr {
                    self.mark_value(x);
                }
            }
            syn::Expr::Call(c) => {
                for a in &c.args {
                    self.mark_value(a);
                }
            }
            syn::Expr::MethodCall(m) => {
                self.mark_value(&m.receiver);
                for a in &m.args {
                    self.mark_value(a);
                }
            }
            syn::Expr::Struct(s) => {
                for f in &s.fields {
                    self.mark_value(&f.expr);
                }
            }
            syn::Expr::Tuple(t) => {
                for x in &t.elems {
                    self.mark_value(x);
                }
            }
            syn::Expr::Array(t) => {
                for x in &t.elems {
                    self.mark_value(x);
                }
            }
            syn::Expr::Field(f) => self.mark_value(&f.base),
            syn::Expr::Index(i) => self.mark_value(&i.expr),
            syn::Expr::Unary(u) => self.mark_value(&u.expr),
            syn::Expr::If(i) => self.check_if(i, e),
            syn::Expr::Match(m) => {
                let valued = self.valued(e);
                self.check_match(m, valued);
            }
            _ => {}
        }
        syn::visit::visit_expr(self, e);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        self.check_method(m);
        syn::visit::visit_expr_method_call(self, m);
    }

    fn visit_block(&mut self, b: &'ast syn::Block) {
        // From the statement after the last one that may leave early (a
        // `return Ok(..)`, `break` or `continue` on the way would skip it)
        // to the exit.
        let exit = b.stmts.iter().position(error_exit);
        if let Some(exit) = exit {
            let from = b.stmts[..exit]
                .iter()
                .rposition(may_leave_early)
                .map_or(0, |k| k + 1);
            let from = b.stmts.get(from).unwrap_or(&b.stmts[exit]);
            self.error_paths
                .push(Span::between(from.span(), b.stmts[exit].span()));
        }
        syn::visit::visit_block(self, b);
        if exit.is_some() {
            self.error_paths.pop();
        }
    }

    fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
        self.push_loop(&l.body);
        syn::visit::visit_expr_loop(self, l);
        self.pop_loop();
    }

    fn visit_expr_while(&mut self, l: &'ast syn::ExprWhile) {
        self.push_loop(&l.body);
        syn::visit::visit_expr_while(self, l);
        self.pop_loop();
    }

    fn visit_expr_for_loop(&mut self, l: &'ast syn::ExprForLoop) {
        self.visit_expr(&l.expr);
        self.push_loop(&l.body);
        self.visit_block(&l.body);
        self.pop_loop();
    }
}

impl<'ast> Visitor<'_, 'ast> {
    fn push_loop(&mut self, b: &'ast syn::Block) {
        if let Some(f) = self.frames.last_mut() {
            f.loops.push(b);
        }
    }
    fn pop_loop(&mut self) {
        if let Some(f) = self.frames.last_mut() {
            f.loops.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        /// Loop bodies walked for their exits on this thread.
        pub(super) static LOOP_BODY_WALKS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    fn findings(src: &str) -> Vec<crate::Finding> {
        crate::rules::run_check(src, check).findings
    }

    #[test]
    fn a_loop_body_is_walked_for_its_exits_once() {
        // Each skip asks whether the loop is a retry loop: one walk of the
        // body answers all of them.
        let skips = "if tx.send(x).is_err() { continue; } ".repeat(30);
        let src = format!("fn f() {{ loop {{ match connect() {{ Ok(c) => {{ {skips} }} Err(e) => {{ sleep(D).await; }} }} }} }}");
        LOOP_BODY_WALKS.with(|w| w.set(0));
        assert!(findings(&src).is_empty(), "the loop waits: a retry loop");
        assert_eq!(LOOP_BODY_WALKS.with(|w| w.get()), 1);
    }

    #[test]
    fn skips_in_two_loops_are_judged_by_their_own_loop() {
        // The first loop waits (a retry loop: silent); the second does not,
        // so its skip is a silent fallback.
        let src = "fn f() { loop { if tx.send(x).is_err() { continue; } sleep(D); } for i in items { if tx.send(i).is_err() { continue; } } }";
        let found = findings(src);
        assert_eq!(found.len(), 1, "{found:#?}");
        // At the second loop's `if`.
        assert_eq!(found[0].span.start.column, 82);
    }

    #[test]
    fn a_fallback_that_fills_the_error_returned_next_is_not_silent() {
        let fills = |tail: &str| {
            format!("use std::fs; fn f(p: &str) -> Result<(), E> {{ let t = fs::read_to_string(p).ok().unwrap_or_default(); {tail} }}")
        };
        for exit in [
            "return Err(E::Read(t));",
            "Err(E::Read(t))?;",
            "bail!(\"read {t}\");",
            "Err(E::Read(t))",
        ] {
            assert!(findings(&fills(exit)).is_empty(), "{exit}");
        }
        // A success that can leave first, or no error exit at all.
        for tail in [
            "if t.is_empty() { return Ok(()); } Err(E::Read(t))",
            "use_it(t); Ok(())",
        ] {
            assert_eq!(findings(&fills(tail)).len(), 1, "{tail}");
        }
    }
}
