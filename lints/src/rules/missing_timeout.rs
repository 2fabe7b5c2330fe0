//! `missing_timeout`: not implemented yet.

use crate::{Level, Lint};

pub static LINT: Lint = Lint {
    name: "missing_timeout",
    group: "timeout",
    default_level: Level::Warn,
    summary: "not implemented yet",
    docs: "Not implemented yet.",
    check: None,
};
