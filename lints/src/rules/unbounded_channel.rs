//! `unbounded_channel`: creation of a queue with no capacity limit.

use crate::prefilter::{Need, Triggers};
use crate::syntax::call_path;
use crate::vocab::CHANNEL;
use crate::Budget;
use crate::{FileContext, Finding, Level, Lint, Sink};
use syn::visit::Visit;

pub static LINT: Lint = Lint {
    name: "unbounded_channel",
    group: "concurrency",
    default_level: Level::Warn,
    summary: "a channel or queue with no capacity limit",
    docs: r#"## What it does
Reports the creation of an unbounded queue: `tokio::sync::mpsc::unbounded_channel`,
`std::sync::mpsc::channel`, `crossbeam_channel::unbounded`, `flume::unbounded`,
`async_channel::unbounded`, `futures::channel::mpsc::unbounded` (also
`futures_channel`), `kanal::unbounded`, resolved through `use` imports and aliases.

## Why is this bad?
An unbounded queue turns a slow consumer into unbounded memory growth. Under
load, or when the consumer stalls on a dependency, producers never feel
backpressure: latency climbs as the queue grows, until the process is killed for
memory and every queued message is lost at once. The failure arrives long after
the cause and far from it.

Reported by default when the file shows a producer the consumer does not
pace: a send on the sender (a clone of it, a field storing it, a parameter it
is passed as) on a path that repeats with input: a loop over a socket, a
stream, a receiver or an accept, a per-item closure, a task spawned per item.
A loop driven by a timer (its first statement a `tick()`, a `sleep` or arming
a timer, `let t = after(d)`, or a `while` over an interval; a `for` over a
range or a `while` whose condition reads nothing, `while n < total`, whose
rounds start with a `sleep`/`sleep_until`/`tick()` after at most checks that
leave, `if Instant::now() > deadline { break }`) or by the
process's signals (`for sig in signals.wait()`, a round that starts waiting
for one) or a `for` up to a
configured count (a field of `self`, a constant, a local computed from
constants) or up to a number the code was given (names, literals and
arithmetic: `for _ in 0..n_tasks - sent`, a batch of the size asked for) is
not input. A count that measures something is: `0..items.len()`,
`0..msg.num_items`, a number parsed or read, a local bound to one. A producer is paced when each message carries a reply
sender its producer awaits, a permit (a name containing `permit`, a parameter
whose type names one) or a started task's handle, a reservation of a budget
(a value from `reserve(..)`, `acquire*`, `try_acquire*`, or built from one),
or when each repetition also awaits a send on another (bounded) queue.
Not a producer's repeat either: the consumer's own loop (a round that takes
messages off this queue anywhere: a `select!` arm, the receiver lent to a call
`drain(&mut rx)`, a method of the same type that receives; or that runs per
message of its stream), and what that loop queues itself, directly, from a
loop over what it holds, or once from each task it starts (a task it starts
that loops on its own is a producer), a loop left when
the send succeeds (a send retried until accepted), a send in a
`try_for_each`-like closure followed by returning an error (the error ends
the stream: `Close(c) => { tx.send(c); return Err(Closed) }`), or a method of another type
with the same name (a call on `self` or on a local bound to `Type::new(..)`
names its type; a chain from a call, `Builder::new().spawn(..)`, is not the
file's own method), nor a loop that creates the channel anew each round (`for
h in hooks { let (tx, rx) = channel(); .. }`: each channel takes one round's
sends). A queue whose receiver is dropped at once (`let (tx, _) =
unbounded()`) holds nothing. A queue whose producers cannot be seen (the
sender is stored away or handed to another file), that is sent on at most
once, or whose producers are all paced, is `low` confidence: shown with
`--confidence low`.

## Example
```rust
let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
```

## Use instead
A bounded channel, sized for the burst you accept; senders wait (or fail fast
with `try_send`) when it is full:
```rust
const QUEUE_CAPACITY: usize = 1024;
let (tx, mut rx) = tokio::sync::mpsc::channel(QUEUE_CAPACITY);
```
If the queue is bounded by construction (one message per worker at start-up),
say so: `// leash: allow(unbounded_channel) -- one message per worker`.
"#,
    check: Some(check),
    triggers: Some(Triggers {
        file: &[CHANNEL],
        // The channel's producers, followed through every function of the
        // file, decide its confidence (see `crate::sender_model`).
        body: &[&[
            Need::Any(CHANNEL),
            Need::EveryBodyIfFileHas(&["unbounded", "channel()"]),
        ]],
        imports: CHANNEL,
    }),
    models: &[],
    phase_two: None,
    budget: Some(Budget {
        kind: "queue",
        bound: "unbounded",
    }),
};

/// Full paths of unbounded constructors, and the bounded form to suggest.
const CONSTRUCTORS: &[(&str, &str)] = &[
    (
        "tokio::sync::mpsc::unbounded_channel",
        "tokio::sync::mpsc::channel(CAPACITY)",
    ),
    (
        "std::sync::mpsc::channel",
        "std::sync::mpsc::sync_channel(CAPACITY)",
    ),
    (
        "crossbeam_channel::unbounded",
        "crossbeam_channel::bounded(CAPACITY)",
    ),
    (
        "crossbeam::channel::unbounded",
        "crossbeam::channel::bounded(CAPACITY)",
    ),
    ("flume::unbounded", "flume::bounded(CAPACITY)"),
    (
        "async_channel::unbounded",
        "async_channel::bounded(CAPACITY)",
    ),
    (
        "async_std::channel::unbounded",
        "async_std::channel::bounded(CAPACITY)",
    ),
    (
        "futures::channel::mpsc::unbounded",
        "futures::channel::mpsc::channel(CAPACITY)",
    ),
    (
        "futures_channel::mpsc::unbounded",
        "futures_channel::mpsc::channel(CAPACITY)",
    ),
    (
        "futures::sync::mpsc::unbounded",
        "futures::sync::mpsc::channel(CAPACITY)",
    ),
    ("kanal::unbounded", "kanal::bounded(CAPACITY)"),
    ("kanal::unbounded_async", "kanal::bounded_async(CAPACITY)"),
];

fn check(cx: &FileContext, sink: &mut Sink) {
    let mut v = Visitor {
        cx,
        sink,
        local_fns: local_fn_names(cx.file),
    };
    v.visit_file(cx.file);
}

/// Functions defined in this file: a crate's own `unbounded_channel` wrapper is
/// not the library constructor.
fn local_fn_names(file: &syn::File) -> Vec<String> {
    struct Names(Vec<String>);
    impl<'ast> Visit<'ast> for Names {
        fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
            self.0.push(f.sig.ident.to_string());
            syn::visit::visit_item_fn(self, f);
        }
    }
    let mut n = Names(Vec::new());
    n.visit_file(file);
    n.0
}

struct Visitor<'a, 'b> {
    cx: &'a FileContext<'a>,
    sink: &'b mut Sink,
    local_fns: Vec<String>,
}

impl Visitor<'_, '_> {
    fn constructor(&self, call: &syn::ExprCall) -> Option<(String, &'static str)> {
        let path = call_path(call)?;
        let candidates = self.cx.imports.resolve(path);
        for cand in &candidates {
            for (full, bounded) in CONSTRUCTORS {
                if cand == full {
                    // std's `channel()` takes no argument; a `channel(n)` is some
                    // other, bounded constructor re-exported under that name.
                    if full.ends_with("::channel") && !call.args.is_empty() {
                        return None;
                    }
                    return Some((full.to_string(), bounded));
                }
            }
        }
        // `mpsc::unbounded_channel()` / `unbounded_channel()` reached through a
        // glob or a re-export: the name is unique to tokio's constructor, unless
        // this file defines its own.
        let last = path.segments.last()?.ident.to_string();
        let written: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        let unresolved = written.len() <= 2
            && candidates.iter().all(|c| {
                !c.starts_with("crate::") && !c.starts_with("self::") && !c.starts_with("super::")
            });
        if last == "unbounded_channel"
            && unresolved
            && (written.len() == 1 || written[0] == "mpsc")
            && !self.local_fns.iter().any(|f| f == "unbounded_channel")
            && call.args.is_empty()
        {
            return Some((
                "tokio::sync::mpsc::unbounded_channel".into(),
                "tokio::sync::mpsc::channel(CAPACITY)",
            ));
        }
        None
    }
}

impl<'ast> Visit<'ast> for Visitor<'_, '_> {
    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let Some((full, bounded)) = self.constructor(call) {
            let short = full.rsplit("::").next().unwrap_or(&full).to_string();
            let span = span_of_call(call);
            let producers = crate::sender_model::producers(self.cx.file, span);
            let mut finding = Finding::new(LINT.name, span, format!("unbounded channel: `{full}` has no capacity limit"))
                .label(format!("`{short}` creates a queue that grows without limit"))
                .help(format!("use a bounded queue so producers feel backpressure: `{bounded}`"))
                .note("a slow or stalled consumer turns into unbounded memory growth; declare the capacity you accept");
            // High confidence needs a producer the consumer does not pace: a
            // send repeated by input with no reply awaited.
            match producers.unpaced_repeating() {
                Some(send) => {
                    if let Some(repeat) = send.repeat {
                        finding = finding.secondary(repeat, "repeats with the input");
                    }
                    finding = finding.secondary(
                        send.span,
                        "each repetition queues a message, unpaced by the consumer",
                    );
                }
                None => finding = finding.low_if(true),
            }
            self.sink.report(finding);
        }
        syn::visit::visit_expr_call(self, call);
    }
}

fn span_of_call(call: &syn::ExprCall) -> crate::Span {
    use syn::spanned::Spanned;
    crate::Span::from(call.span())
}
