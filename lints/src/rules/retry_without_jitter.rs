//! `retry_without_jitter`: not implemented yet.

use crate::{Level, Lint};

pub static LINT: Lint = Lint {
    name: "retry_without_jitter",
    group: "retry",
    default_level: Level::Warn,
    summary: "not implemented yet",
    docs: "Not implemented yet.",
    check: None,
};
