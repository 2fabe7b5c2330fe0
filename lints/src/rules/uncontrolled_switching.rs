//! `uncontrolled_switching`: not implemented yet.

use crate::{Level, Lint};

pub static LINT: Lint = Lint {
    name: "uncontrolled_switching",
    group: "switching",
    default_level: Level::Warn,
    summary: "not implemented yet",
    docs: "Not implemented yet.",
    check: None,
};
