//! `retry_without_backoff`: a retry loop whose failure path retries at once.

use crate::retry_model::{delay_fns, retry_loops, Bound};
use crate::vocab::RETRY_TRIGGERS;
use crate::Model;
use crate::{Fact, FactKind, FileContext, Finding, Level, Lint, Sink};

pub static LINT: Lint = Lint {
    name: "retry_without_backoff",
    group: "retry",
    default_level: Level::Warn,
    summary: "a retry loop that re-attempts immediately after a failure",
    docs: r#"## What it does
Reports a retry loop (bounded or not) whose failure path reaches the next
attempt with no delay at all. A delay is a call whose name contains `sleep` or
`delay`, `Timer::after`, `park_timeout`, an interval's `tick()`, the `.await`
of a backoff's `next()` or of an async retry policy (`should_retry(&e).await`),
one among the branches of a `select!`, or a function of the analysed sources
whose body contains one (followed at any depth within the file, and through
methods on `self`). A delay on any branch of the failure path counts: a failure path that
waits only for some errors is not reported. An operation of the file that
waits in its own flow before it tries (`self.recreate()` sleeping first) is a
delay before every attempt. Also: `tryhard` retries with no `*_backoff` call,
and a declared `#[leash::retry(backoff = "0ms..0ms")]` whose longest wait is zero.

Not retry loops (see `unbounded_retry`): a failure path that changes the
operation's input (a search or scan: a name built from the attempt counter, the
next target of an iterator, a fresh id) or hands the unsent input back, panic
isolation, a repair whose own failure leaves, a state machine that moves on, a
returned failure, a lost compare-and-set, a loop that reads a frame or awaits a
change notification or a newer version each round, a failure path that asks a
person.

## Why is this bad?
A hot retry turns one failure into a burst of load: a client that fails in a
millisecond retries hundreds of times a second. When the dependency is
struggling, every caller doing this multiplies its load exactly when it can
least take it, and a bounded loop spends its whole budget before the fault has
any chance to clear.

## Example
```rust
for attempt in 0..5 {
    match send(&req) {
        Ok(resp) => return Ok(resp),
        Err(e) => warn!("attempt {attempt} failed: {e}"),
    }
}
```

## Use instead
Wait before the next attempt, growing the wait and randomising it:
```rust
let mut backoff = Duration::from_millis(100);
for attempt in 0..MAX_ATTEMPTS {
    match send(&req) {
        Ok(resp) => return Ok(resp),
        Err(e) => warn!("attempt {attempt} failed: {e}"),
    }
    std::thread::sleep(rand::thread_rng().gen_range(Duration::ZERO..=backoff));
    backoff = (backoff * 2).min(MAX_BACKOFF);
}
```
Or declare it: `#[leash::retry(attempts = 5, backoff = "100ms..5s")]`.
"#,
    check: Some(check),
    triggers: Some(RETRY_TRIGGERS),
    models: &[Model::RetryLoops],
    phase_two: None,
    budget: None,
};

fn check(cx: &FileContext, sink: &mut Sink) {
    for name in delay_fns(cx).iter() {
        sink.facts.push(Fact {
            kind: FactKind::DelayFn,
            name: name.clone(),
        });
    }
    for rl in retry_loops(cx).iter() {
        let bound = match &rl.bound {
            Bound::None => {
                "the loop has no attempt bound either, so it spins for as long as the failure lasts"
                    .to_string()
            }
            b => match b.attempts() {
                Some(n) => {
                    format!("the loop stops after {n} attempts, which are all spent within moments")
                }
                None => {
                    "the loop is bounded, but its attempts are spent back to back within moments"
                        .to_string()
                }
            },
        };
        for p in &rl.failure_paths {
            let Some(hot) = p.hot else {
                continue;
            };
            let op =
                p.op.as_ref()
                    .map(|o| format!("`{o}`"))
                    .unwrap_or_else(|| "the operation".into());
            let f = Finding::new(
                LINT.name,
                hot,
                format!("retry without backoff: after a failure of {op} the next attempt starts at once"),
            )
            .label("the failure path reaches the next attempt with no delay")
            .secondary(rl.header, "in this retry loop")
                .help("wait before the next attempt and grow the wait: `sleep(rand(0..=backoff)); backoff = (backoff * 2).min(MAX_BACKOFF);`, or declare `#[leash::retry(attempts = N, backoff = \"100ms..5s\")]`")
                .note(bound.clone())
                .unless(FactKind::DelayFn, p.calls.iter().cloned());
            sink.report(f);
        }
    }
    check_library(cx, sink);
    check_declared(cx, sink);
}

/// `#[leash::retry(.., backoff = "0ms..0ms")]`: a declared budget whose
/// longest wait is zero retries at once, whatever the attempt count.
fn check_declared(cx: &FileContext, sink: &mut Sink) {
    struct V {
        found: Vec<(crate::Span, String)>,
    }
    impl V {
        fn attrs(&mut self, attrs: &[syn::Attribute]) {
            let Some(attr) = crate::syntax::leash_attr(attrs, "retry") else {
                return;
            };
            let Some(range) = crate::syntax::attr_arg(attr, "backoff")
                .as_ref()
                .and_then(crate::syntax::str_literal)
            else {
                return;
            };
            if range
                .split_once("..")
                .is_some_and(|(_, max)| is_zero_duration(max))
            {
                self.found
                    .push((crate::Span::from(syn::spanned::Spanned::span(attr)), range));
            }
        }
    }
    impl<'ast> syn::visit::Visit<'ast> for V {
        fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
            self.attrs(&f.attrs);
            syn::visit::visit_item_fn(self, f);
        }
        fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
            self.attrs(&f.attrs);
            syn::visit::visit_impl_item_fn(self, f);
        }
    }
    if !cx.source.contains("backoff") {
        return;
    }
    let mut v = V { found: Vec::new() };
    syn::visit::Visit::visit_file(&mut v, cx.file);
    for (span, range) in v.found {
        sink.report(
            Finding::new(
                LINT.name,
                span,
                format!("retry without backoff: the declared backoff `{range}` never waits, so every attempt follows the last at once"),
            )
            .label("a retry budget whose longest wait is zero")
            .help("declare a real range: `backoff = \"100ms..5s\"`"),
        );
    }
}

/// `"0ms"`, `"0s"`, `"0"`: a duration of zero in the macro's syntax.
fn is_zero_duration(text: &str) -> bool {
    let digits: String = text
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    !digits.is_empty() && digits.parse::<f64>().is_ok_and(|v| v == 0.0)
}

/// `tryhard` retries with no backoff (found by the retry model).
fn check_library(cx: &FileContext, sink: &mut Sink) {
    let lint = LINT.name;
    for s in crate::retry_model::library::strategies(cx).iter() {
        if s.no_backoff {
            sink.report(
                Finding::new(lint, s.span, "retry without backoff: this `tryhard` retry has no backoff, so it retries at once")
                    .label("no `*_backoff` call in the chain")
                    .help("add a backoff: `.exponential_backoff(Duration::from_millis(100)).max_delay(MAX_BACKOFF)`"),
            );
        }
    }
}
