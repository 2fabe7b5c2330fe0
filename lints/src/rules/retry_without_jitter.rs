//! `retry_without_jitter`: a retry delay with no randomness.

use crate::prefilter::{Need, Triggers};
use crate::retry_model::{retry_loops, Jitter};
use crate::vocab::{
    DELAY_FACTS, JITTER_STRATEGIES, RETRY, RETRY_IMPORTS, RETRY_NEEDS, STATUS_OR_LIBRARY,
};
use crate::Model;
use crate::{Edit, FileContext, Finding, Level, Lint, Sink};

pub static LINT: Lint = Lint {
    name: "retry_without_jitter",
    group: "retry",
    default_level: Level::Warn,
    summary: "a retry delay that is the same for every client",
    docs: r#"## What it does
Reports the delay of a retry loop when it is visibly deterministic: a literal or
`const` duration, or arithmetic on those and on the attempt counter
(`backoff * 2`), with no source of randomness (`rand::`, `fastrand::`,
`thread_rng`, `random`, `gen_range`, `jitter`) in the delay or in the local that
feeds it. Also library strategies built without jitter (`tokio_retry`/`retry`
strategies with no `.map(jitter)`, backon builders with no `.with_jitter()`,
`backoff` strategies with `randomization_factor: 0.0`). A cap does not
randomise a delay: `min(self.timeout / 2, delay * 2)` or `backoff.min(time
left before the deadline)` is deterministic, and so is a delay the server may
send whose fallback is (`retry_after.unwrap_or_else(|| base * 2u32.pow(n))`);
a zero fallback (`execute_after.duration_since(now).unwrap_or(Duration::ZERO)`:
the wait has passed) leaves it to the value, here a caller's retry policy.
A delay that comes from an opaque helper is not reported. A delay-named call
whose value is used rather than awaited computes the wait
(`params.compute_delay(attempt)`): defined in the same file, it is jittered
when its body draws random numbers; defined elsewhere, the source does not
show that it lacks jitter, and it is not reported.

Low confidence (shown with `--confidence low`): a delay towards a single local
peer, where no fleet of identical clients retries in step: `localhost`,
`127.0.0.1`, a Unix socket, a child process, a signal, a file lock, an
in-process queue (`QueueFull`), a file on this machine (every retried
operation is an `fs` function, `File::open`/`create` or an `OpenOptions`
chain).

## Why is this bad?
Identical clients that fail together retry together. When a dependency blips,
every client sees the error at the same moment, and with a deterministic
backoff they all come back at the same moment too: the recovering service is
hit by synchronised waves of retries (at 100 ms, 200 ms, 400 ms, ..) that can
knock it over again. Randomising the wait spreads the retries out.

## Example
```rust
Err(e) => {
    tokio::time::sleep(Duration::from_millis(100) * 2u32.pow(attempt)).await;
}
```

## Use instead
Full jitter: wait a random time between zero and the backoff.
```rust
Err(e) => {
    let backoff = (BASE * 2u32.pow(attempt)).min(MAX_BACKOFF);
    tokio::time::sleep(rand::thread_rng().gen_range(Duration::ZERO..=backoff)).await;
}
```
With a retry library, enable its jitter (`.map(jitter)`, `.with_jitter()`).
"#,
    check: Some(check),
    triggers: Some(Triggers {
        file: &[RETRY, STATUS_OR_LIBRARY, DELAY_FACTS, JITTER_STRATEGIES],
        body: &[RETRY_NEEDS, &[Need::Any(JITTER_STRATEGIES)]],
        imports: RETRY_IMPORTS,
    }),
    models: &[Model::RetryLoops],
    phase_two: None,
    budget: None,
};

fn check(cx: &FileContext, sink: &mut Sink) {
    let mut seen = Vec::new();
    for rl in retry_loops(cx).iter() {
        for d in rl.delays() {
            if d.jitter != Jitter::No || seen.contains(&d.span) {
                continue;
            }
            seen.push(d.span);
            sink.report(
                Finding::new(
                    LINT.name,
                    d.span,
                    format!("retry delay without jitter: `{}` waits the same time in every client", d.name),
                )
                .label("deterministic delay on the failure path")
                .secondary(rl.header, "in this retry loop")
                .help("randomise the wait (full jitter): `sleep(rand::thread_rng().gen_range(Duration::ZERO..=backoff))`")
                .note("identical clients that fail together retry together: synchronised retries hit the recovering service in waves")
                // A single local peer has no fleet of clients to spread out.
                .low_if(rl.local_peer),
            );
        }
    }
    check_library(cx, sink);
}

/// Library strategies whose delays have no jitter (found by the retry model).
fn check_library(cx: &FileContext, sink: &mut Sink) {
    let lint = LINT.name;
    for s in crate::retry_model::library::strategies(cx).iter() {
        if !s.no_jitter {
            continue;
        }
        let help = match s.krate {
            "backon" => "add `.with_jitter()` to the builder",
            "backoff" => "keep a non-zero `randomization_factor` (the default is 0.5)",
            "again" => "add `.with_jitter(true)`",
            _ => "randomise each delay: `.map(jitter)` on the strategy",
        };
        let mut finding = Finding::new(
            lint,
            s.span,
            format!("retry strategy without jitter: this `{}` strategy waits the same times in every client", s.name),
        )
        .label("deterministic retry delays")
        .help(help)
        .note("identical clients that fail together retry together: synchronised retries hit the recovering service in waves");
        if let Some((call, applicability)) = &s.jitter_fix {
            finding = finding.suggest(
                format!("add `{call}`"),
                *applicability,
                vec![Edit::insert(s.span.end, call.clone())],
            );
        }
        sink.report(finding);
    }
}
