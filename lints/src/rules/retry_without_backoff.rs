//! `retry_without_backoff`: not implemented yet.

use crate::{Level, Lint};

pub static LINT: Lint = Lint {
    name: "retry_without_backoff",
    group: "retry",
    default_level: Level::Warn,
    summary: "not implemented yet",
    docs: "Not implemented yet.",
    check: None,
};
