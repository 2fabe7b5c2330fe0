//! Diagnostics about leash's own input: suppressions and unparsable files.

use crate::prefilter::SUPPRESSION;
use crate::{Level, Lint};

/// The diagnostics the analysis itself produces (they have no `check`).
pub static META: &[&Lint] = &[&MISSING_REASON, &UNKNOWN_LINT, &PARSE_ERROR, &UNUSED_ALLOW];

pub static MISSING_REASON: Lint = Lint {
    name: "missing_reason",
    group: "budget",
    default_level: Level::Deny,
    summary: "a suppression or declaration with no reason",
    docs: r#"## What it does
Reports a `// leash: allow(..)` comment, a `#[leash::allow(..)]` or a
`#[leash::fallback]` that gives no non-empty reason.

## Why is this bad?
A suppression is a decision that a retry may run forever or an error may vanish.
Without the reason, the next reader cannot tell a considered choice from a
silenced warning, and cannot tell when the reason stops holding.

## Example
```rust
// leash: allow(unbounded_channel)
let (tx, rx) = std::sync::mpsc::channel();
```

## Use instead
```rust
// leash: allow(unbounded_channel) -- one message per worker at start-up
let (tx, rx) = std::sync::mpsc::channel();
```
"#,
    check: None,
    triggers: Some(SUPPRESSION),
    models: &[],
    phase_two: None,
    budget: None,
};

pub static UNKNOWN_LINT: Lint = Lint {
    name: "unknown_lint",
    group: "budget",
    default_level: Level::Warn,
    summary: "a suppression names a lint that does not exist",
    docs: r#"## What it does
Reports a lint name in `// leash: allow(..)` or `#[leash::allow(..)]` that is not
a leash lint or group (usually a typo).

## Why is this bad?
A misspelt suppression suppresses nothing, and it looks as if it did.

## Example
```rust
// leash: allow(unbounded_chanel) -- typo
```

## Use instead
Run `leash rules` for the exact names.
"#,
    check: None,
    triggers: Some(SUPPRESSION),
    models: &[],
    phase_two: None,
    budget: None,
};

pub static PARSE_ERROR: Lint = Lint {
    name: "parse_error",
    group: "input",
    default_level: Level::Warn,
    summary: "a file that could not be read or parsed",
    docs: r#"## What it does
Reports a file leash could not analyse: a syntax error, a file that is not
UTF-8, a binary file, a file over the size limit, or nesting too deep to parse.
The run goes on with the other files.

## Why is this bad?
Nothing in that file was checked.

## Use instead
Fix the syntax, or exclude generated and template files with `exclude` in
`leash.toml`.
"#,
    check: None,
    triggers: None,
    models: &[],
    phase_two: None,
    budget: None,
};

pub static UNUSED_ALLOW: Lint = Lint {
    name: "unused_allow",
    group: "budget",
    default_level: Level::Warn,
    summary: "a suppression comment that suppresses nothing (with --report-unused-allows)",
    docs: r#"## What it does
With `--report-unused-allows`, reports a `// leash: allow(..)` comment that
suppressed no finding in this run. Only comments whose lints are all enabled
are reported, so `-A` on the command line does not make suppressions look
unused.

## Why is this bad?
A suppression that no longer suppresses anything is a stale decision: the code
it excused has changed or moved. Left in place, it will silently excuse the next
problem written on that line.

## Example
```rust
// leash: allow(unbounded_channel) -- one message per worker at start-up
let (tx, rx) = std::sync::mpsc::sync_channel(16);
```

## Use instead
```rust
let (tx, rx) = std::sync::mpsc::sync_channel(16);
```
"#,
    check: None,
    triggers: Some(SUPPRESSION),
    models: &[],
    phase_two: None,
    budget: None,
};
