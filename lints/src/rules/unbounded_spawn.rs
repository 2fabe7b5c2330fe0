//! `unbounded_spawn`: not implemented yet.

use crate::{Level, Lint};

pub static LINT: Lint = Lint {
    name: "unbounded_spawn",
    group: "concurrency",
    default_level: Level::Warn,
    summary: "not implemented yet",
    docs: "Not implemented yet.",
    check: None,
};
