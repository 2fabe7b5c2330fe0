//! `unbounded_retry`: a retry loop (or retry strategy) with no attempt bound.

use crate::retry_model::{retry_loops, Bound, LoopKind};
use crate::vocab::RETRY_TRIGGERS;
use crate::{Budget, Model};
use crate::{FileContext, Finding, Level, Lint, Sink};

pub static LINT: Lint = Lint {
    name: "unbounded_retry",
    group: "retry",
    default_level: Level::Warn,
    summary: "a retry loop or retry strategy with no attempt bound",
    docs: r#"## What it does
Reports a retry loop that has no attempt bound: a `loop`, `while` or open-ended
`for` whose body performs an operation and, when it fails, goes round again, while
success leaves the loop ("retry until success") or the operation opens a
connection or session that success goes on to use ("reconnect supervisor").
A loop is bounded by a counter compared with a limit on a path that leaves it
(`attempt += 1`, or a shared atomic taken and compared in the exit's own
condition: `if counter.fetch_add(1, ..) >= n_tasks`),
a `for` over a finite range or a `.take(n)` iterator, a deadline
(`elapsed()`, `Instant`, `deadline`, a `timeout(..)` around the loop), a stateful
retry policy that can say stop (`backoff.next_backoff()` returning `None`,
`should_retry(&state, ..)`), or a `#[leash::retry(..)]` declaration on the
enclosing item. An exit that only inspects the error (`if e.is_fatal() { return
Err(e) }`) is not a bound: transient errors still retry forever. Also reported:
library strategies that never stop, and a function that calls itself on its
own failure path with no attempt argument moving toward a base case (a call
on a name that a `match` or `if let` pattern rebinds, such as the payload of
a data value's `Err(v)`, is structural recursion, not a retry).

Bounds are followed into the file's own functions, at any depth and through
methods on `self`: a failure path that calls `self.policy.next_delay()`, which
returns `None` after the maximum, or an operation that gives up by itself after
`max_reconnects` attempts, is bounded.

Not reported: event loops that handle one item per iteration (`accept()` loops
that keep serving, also when a handshake on the accepted connection fails; a
`poll_next` that calls itself after a failed item), loops that wait on every
round, success included (a periodic report that reconnects each time), `for`
loops over a collection of alternatives and loops that drop the failed
alternative (`targets.retain(..)`) or mark the target they failed on
(`registry.mark_unavailable(&server)`, `peers.remove(&peer)`), and leave when
none is left (a failover pass; for a marked target, the round's pick leaves:
`match select(&servers) { Some(s) => s, None => return Err(..) }`), compare-and-swap, `WouldBlock`, `EINTR` (also rustix's
`Errno::INTR`) and full-channel (`TrySendError`) readiness loops (also when the
compare-exchange sits in a function of the file the loop calls), a wait for
the time the failure itself names (a rate limiter's "not until": `Err(n) =>
sleep(n.wait_time_from(now))`), test code.
And loops that go round again after an error without retrying:
- the failure path changes the operation's input: a new or stepped argument
  (`buf.resize(needed)`, `offset += n`, `dir = dir.parent()`), a value built
  from the attempt counter (`format!("{dir}.{attempt}")`, the problem at
  inflation level `attempt`), a `for` variable that is the receiver (the next
  node of `nodes.take(6)`), an input refilled before the operation from a
  value the loop grows (`fill(state, target)` after `target *= 2`), or one
  drawn at random or minted (a free-port search, `Uuid::new_v4()`,
  `next_id()`; an operation of the file that mints a fresh id when the error
  says the id is taken);
- a wait for newer state before looking again (`wait_for_version(..).await`,
  a watch's `wait_for(..)`), or a question to a person on the failure path
  or before the operation each round (`confirm("Try again?")`, dialoguer's
  `.interact()`, inquire's `.prompt()`, a line read from stdin, a helper of
  the file that asks: each round checks a new answer);
- panic isolation: `catch_unwind` re-entering an executor;
- a corrective re-attempt: a repair whose own failure leaves
  (`create_dir_all(parent)?`), or a once-flag (`retried = true`);
- a state machine whose failure moves to a state that does not issue the failed
  call again before a state whose own failure leaves (a reconnect; also a pinned
  state set with `this.state.set(..)`, and a failure with no branch of its own
  that falls through to the statements setting it), or in which
  the operation, a function of the file, does nothing (it starts with `let
  State::Waiting { .. } = &mut self.state else { return Ok(()) }`);
- a failure value that a later `match`, `?` or `if let Err` leaves on, also
  through a flag (`let failed = r.is_err(); .. if failed { break }`) or a
  view of it (`if let Ok(n) = r.as_ref()`), or that is returned (`return
  match op() { .., Err(e) => Err(e) }`, `Err(e)?`);
- a failure that hands the unsent input back (`Err(PermitReclaimed(req)) =>
  request = req`: a pool race, the request was never sent), also as the value
  the operation is called on (`Err(e) => err = e` before `err.recover()`,
  tempfile's `Err(e) => temp_file = e.file`);
- a revision or version conflict (`WrongLastRevision`, `VersionMismatch`, also
  named only by the arm's guard): compare-and-set contention;
- a loop that reads a fixed-size frame each round (`read_u8`, `read_exact`), or
  whose own flow awaits a change notification (`watch.changed().await`,
  `notify.notified().await`, also under `timeout(period, ..)`: a periodic
  tick; one raced in `select!` does not count);
- success that does not leave: an exit met only under a later failure (a
  poller that returns when its channel closes).

A strategy given `.take(n)` later in the same function (`let mut st = ..;
.. st.take(n)`) is bounded, and so is one every retry with which runs under
a deadline (`timeout(d, Retry::spawn(strategy, op))`), the strategy written in
the call, bound to a local or built by a helper of the file. A struct-literal strategy (`backoff::ExponentialBackoff { max_elapsed_time:
None, .. }`) is reported only when it reaches a retry call or a helper returns
it; driven by hand (`next_backoff()`), the loop around it is judged instead.

## Why is this bad?
A dependency that is down, or a request that can never succeed (bad credentials,
a deleted resource), turns an unbounded retry into an endless stream of attempts.
At scale every client does the same at once: the retry traffic keeps the
dependency overloaded after the original fault is gone, the caller never reports
the failure, and the thread or task is stuck forever instead of failing fast
and letting the layer above decide.

## Example
```rust
let conn = loop {
    match Client::connect(&addr).await {
        Ok(c) => break c,
        Err(e) => {
            warn!("connect failed: {e}");
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
};
```

## Use instead
Declare the budget and give up when it is spent:
```rust
const MAX_ATTEMPTS: u32 = 5;
let mut backoff = Duration::from_millis(100);
let mut last_err = None;
for attempt in 0..MAX_ATTEMPTS {
    match Client::connect(&addr).await {
        Ok(c) => return Ok(c),
        Err(e) => last_err = Some(e),
    }
    tokio::time::sleep(rand::thread_rng().gen_range(Duration::ZERO..=backoff)).await;
    backoff = (backoff * 2).min(Duration::from_secs(5));
}
Err(last_err.expect("at least one attempt"))
```
With a retry library, bound the strategy: `ExponentialBackoff::from_millis(100)
.map(jitter).take(5)`. Or declare the budget on the function:
`#[leash::retry(attempts = 5, backoff = "100ms..5s")]`.
"#,
    check: Some(check),
    triggers: Some(RETRY_TRIGGERS),
    models: &[Model::RetryLoops],
    phase_two: None,
    budget: Some(Budget {
        kind: "retry",
        bound: "unbounded",
    }),
};

fn check(cx: &FileContext, sink: &mut Sink) {
    for rl in retry_loops(cx).iter() {
        if rl.bound != Bound::None {
            continue;
        }
        let op = rl
            .ops
            .first()
            .map(|o| format!("`{o}`"))
            .unwrap_or_else(|| "the operation".into());
        let (message, label) = match rl.kind {
            LoopKind::RetryUntilSuccess => (
                format!(
                    "unbounded retry: {op} is retried until it succeeds, with no attempt limit"
                ),
                "this loop retries with no attempt counter, finite range or deadline".to_string(),
            ),
            LoopKind::ReconnectSupervisor => (
                format!("unbounded reconnect loop: {op} is re-attempted forever"),
                "this loop reconnects with no attempt counter, finite range or deadline"
                    .to_string(),
            ),
        };
        let delays = rl.delays();
        let helper_wait = rl.failure_paths.iter().find_map(|p| p.waits_in.as_ref());
        let note = match (delays.first(), helper_wait) {
            (Some(d), _) => format!(
                "the failure path waits (`{}`), which slows the attempts down but never stops them",
                d.name
            ),
            (None, Some(h)) => format!(
                "`{h}` waits before the next attempt, which slows the attempts down but never stops them"
            ),
            (None, None) => {
                "a failure that never clears becomes an endless stream of attempts".into()
            }
        };
        let mut f = Finding::new(crate::rules::unbounded_retry::LINT.name, rl.header, message)
            .label(label)
            .help("bound the attempts: `for attempt in 0..MAX_ATTEMPTS { .. }` and return the last error when they are spent, `.take(n)` on a retry strategy, or declare the budget with `#[leash::retry(attempts = N, backoff = \"100ms..5s\")]`")
            .note(note);
        if let Some(p) = rl.failure_paths.first() {
            f = f.secondary(p.span, "the failure goes round again here");
        }
        sink.report(f);
    }
    check_library(cx, sink);
}

/// Library strategies that never stop, and recursive retries (both found by
/// the retry model).
pub(crate) fn check_library(cx: &FileContext, sink: &mut Sink) {
    let lint = LINT.name;
    for s in crate::retry_model::library::strategies(cx).iter() {
        if !s.unbounded {
            continue;
        }
        let help = match s.krate {
            "backon" => "keep a finite `with_max_times(n)` (the builder's default) instead of `without_max_times()`",
            "backoff" => "set `max_elapsed_time: Some(..)` (the default is 15 minutes) so the retry gives up",
            "again" | "tryhard" => "give a finite retry count, sized to the failure you accept",
            "reqwest" => "keep the retry budget: drop `.no_budget()`",
            "retry_policies" => "set `max_n_retries: Some(n)`",
            _ => "add `.take(n)` to the strategy so the retry gives up after n attempts",
        };
        sink.report(
            Finding::new(
                lint,
                s.span,
                format!("unbounded retry: this `{}` strategy ({}) never stops retrying", s.name, s.krate),
            )
            .label("a retry strategy with no attempt limit")
            .help(help)
            .note("or declare the budget with `#[leash::retry(attempts = N, backoff = \"100ms..5s\")]`"),
        );
    }
    for (span, name) in crate::retry_model::library::recursive_retries(cx) {
        sink.report(
            Finding::new(
                lint,
                span,
                format!("unbounded retry: `{name}` calls itself again on its own failure path"),
            )
            .label("recursive retry with the same arguments and no attempt count")
            .help("retry in a bounded loop (`for attempt in 0..MAX_ATTEMPTS`), or pass an attempt count that stops the recursion, or declare `#[leash::retry(attempts = N, backoff = \"100ms..5s\")]`"),
        );
    }
}
