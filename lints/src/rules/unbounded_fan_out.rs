//! `unbounded_fan_out`: not implemented yet.

use crate::{Level, Lint};

pub static LINT: Lint = Lint {
    name: "unbounded_fan_out",
    group: "concurrency",
    default_level: Level::Warn,
    summary: "not implemented yet",
    docs: "Not implemented yet.",
    check: None,
};
