//! `unbounded_retry`: not implemented yet.

use crate::{Level, Lint};

pub static LINT: Lint = Lint {
    name: "unbounded_retry",
    group: "retry",
    default_level: Level::Warn,
    summary: "not implemented yet",
    docs: "Not implemented yet.",
    check: None,
};
