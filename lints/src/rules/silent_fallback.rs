//! `silent_fallback`: not implemented yet.

use crate::{Level, Lint};

pub static LINT: Lint = Lint {
    name: "silent_fallback",
    group: "fallback",
    default_level: Level::Warn,
    summary: "not implemented yet",
    docs: "Not implemented yet.",
    check: None,
};
