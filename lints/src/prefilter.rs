//! A byte-level prefilter: decides, before parsing, whether a file can produce
//! anything at all. Parsing is most of leash's cost; a file that contains none
//! of the words the enabled lints need is never parsed.
//!
//! The table below must stay *conservative*: for every lint, a file without any
//! of its words must be one the lint can never report on, and must not define a
//! function whose cross-file [`Fact`](crate::Fact) the lint reads (a delay helper,
//! a spawn wrapper). [`BODY_RULES`] does the same one level down, for the
//! function bodies of a file that passes (see [`crate::body_filter`]). When you
//! change what a lint matches, update both of its rows (or map it to
//! [`ALWAYS_PARSE`]) and re-run `bench/prefilter-check`, which compares every
//! lint's output with and without the prefilters over the whole corpus.
//!
//! Word syntax: `"=Ok"` is a whole identifier-like word, case-sensitive (no
//! identifier character on either side); anything else, e.g. `"spawn"`, is an
//! ASCII-case-insensitive substring (`spawn` matches `spawn_blocking` and
//! `JoinSet::Spawn`). Words are searched in the raw bytes, comments and strings
//! included, which can only make the filter parse more.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// A failure signal (`Ok`/`Err` patterns, `is_ok()`/`is_err()`, `.ok()`, a
/// retryable HTTP status) or a retry library: every retry loop, recursive retry
/// and retry strategy contains one (with [`STATUS_OR_LIBRARY`]).
const RETRY: &[&str] = &["=Ok", "=Err", "=ok", "is_ok", "is_err"];

/// The rest of a failure signal: a retryable status, or a retry library.
const STATUS_OR_LIBRARY: &[&str] = &[
    "status",
    "429",
    "503",
    "too_many",
    "unavailable",
    "server_error",
    "retry",
    "retries",
    "backoff",
    "backon",
    "without_max_times",
    "no_budget",
    "tryhard",
];

/// Retry strategies whose delays may lack jitter, named without their crate.
const JITTER_STRATEGIES: &[&str] = &[
    "jitter",
    "randomization_factor",
    "exponential",
    "constant",
    "fibonacci",
    "fixed",
];

/// Words of the functions behind [`FactKind::DelayFn`](crate::FactKind) (a
/// helper whose body contains a delay), which retry lints follow across files:
/// the files defining such helpers must be analysed whenever a retry lint runs.
const DELAY_FACTS: &[&str] = &[
    "sleep",
    "delay",
    "timer",
    "park_timeout",
    "tick",
    "interval",
    "await",
    "backoff",
    "backon",
    "retry",
];

/// Words of the functions behind [`FactKind::SpawnWrapper`](crate::FactKind).
const SPAWN_FACTS: &[&str] = &["spawn"];

const FAN_OUT: &[&str] = &[
    "join_all",
    "unordered",
    "futuresordered",
    "concurrent",
    "buffer",
];

const CHANNEL: &[&str] = &["channel", "unbounded"];

const NETWORK: &[&str] = &[
    "reqwest",
    "client",
    "connect",
    "agent",
    "ureq",
    "hyper",
    "tcpstream",
];

/// Marker for a lint that has no cheap necessary word: its files are always parsed.
pub const ALWAYS_PARSE: &[&str] = &[];

/// Lint name → word lists; every file the lint reports on contains at least one
/// of the words, and so does every file defining a function whose cross-file
/// fact the lint reads (the `*_FACTS` lists). Lints missing from this table
/// always parse.
pub static TRIGGERS: &[(&str, &[&[&str]])] = &[
    ("unbounded_retry", &[RETRY, STATUS_OR_LIBRARY, DELAY_FACTS]),
    (
        "retry_without_backoff",
        &[RETRY, STATUS_OR_LIBRARY, DELAY_FACTS],
    ),
    (
        "retry_without_jitter",
        &[RETRY, STATUS_OR_LIBRARY, DELAY_FACTS, JITTER_STRATEGIES],
    ),
    (
        "retry_amplification",
        &[RETRY, STATUS_OR_LIBRARY, DELAY_FACTS, &["leash"]],
    ),
    ("unbounded_spawn", &[SPAWN_FACTS]),
    ("unbounded_fan_out", &[FAN_OUT]),
    ("unbounded_channel", &[CHANNEL]),
    ("silent_fallback", &[RETRY, &["or_else"]]),
    (
        "uncontrolled_switching",
        &[
            RETRY,
            STATUS_OR_LIBRARY,
            DELAY_FACTS,
            &["cycle", "index", "rotat"],
        ],
    ),
    ("missing_timeout", &[NETWORK]),
    (
        "budget_exceeds_policy",
        &[
            RETRY,
            STATUS_OR_LIBRARY,
            DELAY_FACTS,
            SPAWN_FACTS,
            &["leash", "semaphore", "take", "concurrency"],
        ],
    ),
    // Suppression diagnostics: a suppression always says `leash`.
    ("missing_reason", &[&["leash"]]),
    ("unknown_lint", &[&["leash"]]),
    ("unused_allow", &[&["leash"]]),
];

/// What a function body must contain for a lint to report in it, or for it
/// to define a function whose fact the lint reads (see [`crate::body_filter`]).
pub enum Need {
    /// One of the words.
    Any(&'static [&'static str]),
    /// One word of each list.
    All(&'static [&'static [&'static str]]),
    /// A loop (`loop`, `while`, `for`) whose extent, header included, contains
    /// one of the words.
    LoopWith(&'static [&'static str]),
    /// The function's own name (a recursive call) and one of the words.
    SelfCallWith(&'static [&'static str]),
    /// Every body, when the file's text contains one of the words
    /// (case-sensitive): the lint follows names across the whole file.
    EveryBodyIfFileHas(&'static [&'static str]),
    /// The functions of the file that a body kept for the lint calls, at any
    /// depth: the lint follows calls into the file's own helpers.
    LocalCallees,
    /// The functions of the file that call a body kept for the lint, at any
    /// depth: the lint reads what callers pass for a parameter.
    LocalCallers,
}

/// One lint's body rule: a body satisfying none of `needs` is one the lint can
/// never report in. `imports`: a `use` item outside bodies containing one of
/// these (case-insensitive) makes every name it binds a word of the lint
/// (`use tokio::spawn as go;`, `use reqwest::get;`), and a glob import of one
/// makes every body count. Word syntax as in [`TRIGGERS`], plus `"@Ok"`: a
/// whole word in pattern position (`Ok(..) =>`, `let Ok(..) =`).
pub struct BodyRule {
    pub lint: &'static str,
    /// Lists of needs, any one of which keeps a body.
    pub needs: &'static [&'static [Need]],
    pub imports: &'static [&'static str],
}

/// A failure signal inside a loop: `Ok`/`Err` in a pattern (`Err(e) =>`,
/// `if let Ok(x) =`; `@` marks pattern position), `is_ok()`/`is_err()`, `.ok()`,
/// `matches!(.., Err(..))`; or [`STATUS_OR_LIBRARY`].
const SIGNAL: &[&str] = &["@Ok", "@Err", "=ok", "is_ok", "is_err", "=matches"];

/// A retry strategy or declared budget can retry without a loop in sight.
const LIBRARY: &[&str] = &[
    "retry",
    "retries",
    "backoff",
    "backon",
    "tryhard",
    "=again",
    "without_max_times",
    "no_budget",
];

/// The delays [`crate::retry_model`] recognises in a body (a delay helper's fact).
const DELAY: &[&str] = &["sleep", "delay", "park_timeout", "timer", "tick", "backoff"];

/// Crates and words whose imports can rename what the retry lints look for.
const RETRY_IMPORTS: &[&str] = &["retry", "backoff", "backon", "tryhard", "again"];

/// Retry loops (a failure signal inside a loop), recursive retries, library
/// strategies, and delay helpers; and the file's own functions these call
/// (the retry model follows delays, bounds, random inputs, compare-exchange
/// wrappers and state changes into them).
const RETRY_NEEDS: &[Need] = &[
    Need::LoopWith(SIGNAL),
    Need::LoopWith(STATUS_OR_LIBRARY),
    Need::SelfCallWith(SIGNAL),
    Need::SelfCallWith(STATUS_OR_LIBRARY),
    Need::Any(LIBRARY),
    Need::Any(DELAY),
    Need::LocalCallees,
];

pub static BODY_RULES: &[BodyRule] = &[
    BodyRule {
        lint: "unbounded_retry",
        needs: &[RETRY_NEEDS],
        imports: RETRY_IMPORTS,
    },
    BodyRule {
        lint: "retry_without_backoff",
        needs: &[RETRY_NEEDS],
        imports: RETRY_IMPORTS,
    },
    BodyRule {
        lint: "retry_without_jitter",
        needs: &[RETRY_NEEDS, &[Need::Any(JITTER_STRATEGIES)]],
        imports: RETRY_IMPORTS,
    },
    BodyRule {
        lint: "retry_amplification",
        needs: &[RETRY_NEEDS],
        imports: RETRY_IMPORTS,
    },
    BodyRule {
        lint: "unbounded_spawn",
        // What callers pass for a parameter the loop walks decides the
        // confidence (see `crate::origin_model`).
        needs: &[&[Need::Any(SPAWN_FACTS), Need::LocalCallers]],
        imports: SPAWN_FACTS,
    },
    BodyRule {
        lint: "unbounded_fan_out",
        // Callers decide where the items come from; the file's functions
        // the per-item futures call show whether they perform an operation
        // or take a permit (see the lint).
        needs: &[&[Need::Any(FAN_OUT), Need::LocalCallers, Need::LocalCallees]],
        imports: FAN_OUT,
    },
    BodyRule {
        lint: "unbounded_channel",
        // The channel's producers, followed through every function of the
        // file, decide its confidence (see `crate::sender_model`).
        needs: &[&[
            Need::Any(CHANNEL),
            Need::EveryBodyIfFileHas(&["unbounded", "channel()"]),
        ]],
        imports: CHANNEL,
    },
    BodyRule {
        lint: "silent_fallback",
        needs: &[&[
            // `Err(_) => ..`
            Need::Any(&["@Err"]),
            // `if let Ok(..) = .. else`, `let Ok(..) = .. else`
            Need::All(&[&["@Ok"], &["=else"]]),
            // `if x.is_err()`, `.or_else(|_| ..)`, `.unwrap_or_else`, `.map_or_else`
            Need::Any(&["is_err", "or_else"]),
            // `.ok().unwrap_or(..)`, `let Some(..) = x.ok() else`
            Need::All(&[&["=ok"], &["unwrap_or", "=else"]]),
            // The failing call's effect is followed into the file's own
            // functions (see `crate::effect_model`).
            Need::LocalCallees,
        ]],
        imports: &[],
    },
    BodyRule {
        lint: "uncontrolled_switching",
        needs: &[&[
            Need::LoopWith(SIGNAL),
            Need::LoopWith(STATUS_OR_LIBRARY),
            Need::LoopWith(DELAY),
            Need::LoopWith(&["index", "rotat", "%"]),
            Need::Any(&["cycle", "rotat"]),
        ]],
        imports: &[],
    },
    BodyRule {
        lint: "missing_timeout",
        needs: &[&[
            Need::Any(&[
                "reqwest",
                "ureq",
                "hyper",
                "=Client",
                "=ClientBuilder",
                "=Agent",
                "=agent",
                "=TcpStream",
            ]),
            // A client kept in a field is timed when every use of the field
            // in the file is wrapped in `timeout(..)`: all bodies are read.
            Need::EveryBodyIfFileHas(&["timeout("]),
        ]],
        imports: &["reqwest", "ureq", "hyper", "TcpStream"],
    },
    BodyRule {
        lint: "budget_exceeds_policy",
        needs: &[
            RETRY_NEEDS,
            &[Need::Any(&["semaphore", "cycle", "concurrency"])],
        ],
        imports: RETRY_IMPORTS,
    },
    BodyRule {
        lint: "missing_reason",
        needs: &[&[Need::Any(&["leash"])]],
        imports: &[],
    },
    BodyRule {
        lint: "unknown_lint",
        needs: &[&[Need::Any(&["leash"])]],
        imports: &[],
    },
    BodyRule {
        lint: "unused_allow",
        needs: &[&[Need::Any(&["leash"])]],
        imports: &[],
    },
];

/// Lints that never make a file worth parsing on their own. `parse_error` reports
/// a file leash could not analyse; a file the prefilter proves finding-free needs
/// no analysis. The driver still parses such a file when its brackets do not
/// balance ([`crate::nesting::brackets_balanced`]), so the usual syntax error is
/// reported; run with `--no-prefilter` to report every unparsable file.
pub static NEVER_TRIGGER: &[&str] = &["parse_error"];

/// Declarations and suppressions (`#[leash::retry]`, `// leash: allow`) change
/// results and are always looked at.
pub static ALWAYS: &[&str] = &["leash"];

#[derive(Clone, Copy)]
struct Pattern {
    /// Whole word, case-sensitive.
    exact_word: bool,
}

/// A compiled set of words; [`Prefilter::needs_parse`] answers whether any occurs.
pub struct Prefilter {
    /// `None`: every file must be parsed.
    matcher: Option<(AhoCorasick, Vec<Pattern>, Vec<Vec<u8>>)>,
}

impl Prefilter {
    /// The prefilter for the set of enabled lints.
    pub fn for_lints(enabled: &dyn Fn(&str) -> bool) -> Prefilter {
        let mut words: Vec<&str> = Vec::new();
        let mut any_enabled = false;
        for lint in crate::rules::ALL {
            if !enabled(lint.name) || NEVER_TRIGGER.contains(&lint.name) {
                continue;
            }
            any_enabled = true;
            match TRIGGERS.iter().find(|(name, _)| *name == lint.name) {
                Some((_, groups)) => {
                    if groups.iter().all(|g| g.is_empty()) {
                        return Prefilter { matcher: None };
                    }
                    words.extend(groups.iter().flat_map(|g| g.iter().copied()));
                }
                // Not in the table: no known necessary word.
                None => return Prefilter { matcher: None },
            }
        }
        if any_enabled {
            words.extend(ALWAYS);
        }
        Prefilter::from_words(words)
    }

    /// Whole-word, case-sensitive identifiers (the last `::` segment of each
    /// name). A name that is not a plain identifier makes every file match.
    pub fn for_identifiers<'a>(names: impl IntoIterator<Item = &'a str>) -> Prefilter {
        let mut words = Vec::new();
        for name in names {
            let last = name.rsplit("::").next().unwrap_or(name);
            let last = last.strip_prefix("r#").unwrap_or(last);
            if last.is_empty() || !last.bytes().all(is_ident_byte) {
                return Prefilter { matcher: None };
            }
            words.push(format!("={last}"));
        }
        Prefilter::from_words(words)
    }

    fn from_words<S: AsRef<str>>(words: impl IntoIterator<Item = S>) -> Prefilter {
        let mut pats = Vec::new();
        let mut needles: Vec<Vec<u8>> = Vec::new();
        for w in words {
            let w = w.as_ref();
            let (exact_word, text) = match w.strip_prefix('=') {
                Some(t) => (true, t),
                None => (false, w),
            };
            if text.is_empty() {
                return Prefilter { matcher: None };
            }
            let bytes = text.as_bytes().to_vec();
            if needles
                .iter()
                .zip(&pats)
                .any(|(n, p): (&Vec<u8>, &Pattern)| *n == bytes && p.exact_word == exact_word)
            {
                continue;
            }
            needles.push(bytes);
            pats.push(Pattern { exact_word });
        }
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&needles);
        match ac {
            Ok(ac) => Prefilter {
                matcher: Some((ac, pats, needles)),
            },
            Err(_) => Prefilter { matcher: None },
        }
    }

    /// A prefilter that lets every file through.
    pub fn all() -> Prefilter {
        Prefilter { matcher: None }
    }

    /// Does every file pass (no word set)?
    pub fn passes_everything(&self) -> bool {
        self.matcher.is_none()
    }

    /// Whether one of the words occurs in `source` at a place `accept` takes
    /// (given its start and end). With no word set, every text passes.
    pub fn occurs_where(
        &self,
        source: &[u8],
        mut accept: impl FnMut(usize, usize) -> bool,
    ) -> bool {
        let Some((ac, pats, needles)) = &self.matcher else {
            return true;
        };
        ac.find_overlapping_iter(source).any(|m| {
            let id = m.pattern().as_usize();
            let (s, e) = (m.start(), m.end());
            let word = !pats[id].exact_word
                || (source[s..e] == needles[id][..] && stands_alone(source, s, e));
            word && accept(s, e)
        })
    }

    /// Whether `source` contains any of the words (so it must be parsed).
    pub fn needs_parse(&self, source: &[u8]) -> bool {
        let Some((ac, pats, needles)) = &self.matcher else {
            return true;
        };
        if needles.is_empty() {
            return false;
        }
        // A few words: one vectorised search each beats the automaton.
        if needles.len() <= 4 {
            return needles
                .iter()
                .zip(pats)
                .any(|(needle, pat)| find_one(source, needle, pat.exact_word));
        }
        if pats.iter().all(|p| !p.exact_word) {
            // Substrings only: any match will do.
            return ac.is_match(source);
        }
        for m in ac.find_overlapping_iter(source) {
            let id = m.pattern().as_usize();
            let p = pats[id];
            if !p.exact_word {
                return true;
            }
            let (s, e) = (m.start(), m.end());
            if source[s..e] != needles[id][..] {
                continue;
            }
            if stands_alone(source, s, e) {
                return true;
            }
        }
        false
    }
}

/// Bytes of Rust source, rarest first (letters case-folded; measured on the
/// corpus): the byte a single word is searched by.
const RARE_FIRST: &[u8] = b"7958634jz2q10xvgykbwmhp_fdculoinasrte";

/// [`Prefilter::needs_parse`] for one word: a vectorised search for the word's
/// rarest byte (in either case), then a comparison around each hit. The
/// automaton has no fast prefilter for a few case-insensitive words of common
/// letters (`spawn`, `leash`), and that check runs on every file.
fn find_one(source: &[u8], needle: &[u8], exact_word: bool) -> bool {
    let rank = |c: u8| {
        RARE_FIRST
            .iter()
            .position(|&r| r == c.to_ascii_lowercase())
            .unwrap_or(RARE_FIRST.len())
    };
    let Some((k, &c)) = needle.iter().enumerate().min_by_key(|(_, &c)| rank(c)) else {
        return false;
    };
    let (lower, upper) = (c.to_ascii_lowercase(), c.to_ascii_uppercase());
    memchr::memchr2_iter(lower, upper, source).any(|pos| {
        let Some(s) = pos.checked_sub(k) else {
            return false;
        };
        let e = s + needle.len();
        let Some(found) = source.get(s..e) else {
            return false;
        };
        if !exact_word {
            return found.eq_ignore_ascii_case(needle);
        }
        found == needle && stands_alone(source, s, e)
    })
}

/// Whether `hay[s..e]` is a whole word: no identifier byte on either side.
pub(crate) fn stands_alone(hay: &[u8], s: usize, e: usize) -> bool {
    !s.checked_sub(1).is_some_and(|i| is_ident_byte(hay[i]))
        && !hay.get(e).copied().is_some_and(is_ident_byte)
}

/// ASCII identifier characters, and any byte of a multi-byte UTF-8 character
/// (treated as an identifier character: a non-ASCII letter next to a word makes
/// it part of a longer identifier; being wrong here only parses more).
pub(crate) fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_word_is_found_as_the_automaton_finds_it() {
        let texts = [
            "",
            "spawn",
            "x.SPAWN()",
            "respawned",
            "sPaWn",
            "spaw",
            "pawn",
            "s\u{e9}spawn",
            "tokio::spawn(f)",
            "spawn_blocking",
            "aspawn",
            "my_spawn",
            "wspawnw",
            "spawnspawn",
        ];
        for word in ["spawn", "=spawn", "=Spawn", "w", "=w"] {
            let one = Prefilter::from_words([word]);
            // With more words, the automaton's path.
            let many = Prefilter::from_words([word, "\u{1}a", "\u{1}b", "\u{1}c", "\u{1}d"]);
            for t in texts {
                assert_eq!(
                    one.needs_parse(t.as_bytes()),
                    many.needs_parse(t.as_bytes()),
                    "{word} in {t:?}"
                );
            }
        }
    }

    fn only(lint: &'static str) -> impl Fn(&str) -> bool {
        move |n: &str| n == lint
    }

    #[test]
    fn every_lint_has_a_row_or_always_parses() {
        for lint in crate::rules::ALL {
            let listed =
                TRIGGERS.iter().any(|(n, _)| *n == lint.name) || NEVER_TRIGGER.contains(&lint.name);
            assert!(
                listed,
                "lint `{}` has no prefilter row: add its necessary words to TRIGGERS \
                 in lints/src/prefilter.rs (or ALWAYS_PARSE)",
                lint.name
            );
        }
        for (name, _) in TRIGGERS {
            // Rows for lints not (yet) registered are allowed; names must be lint-like.
            assert!(name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        }
    }

    #[test]
    fn words_and_case() {
        let p = Prefilter::for_lints(&only("unbounded_channel"));
        assert!(p.needs_parse(b"let (tx, rx) = mpsc::channel();"));
        assert!(p.needs_parse(b"let (tx, rx) = flume::Unbounded();"));
        assert!(!p.needs_parse(b"fn f() { std::thread::sleep(d) }"));
        assert!(p.needs_parse(b"// leash: allow(x)"));
        assert!(!p.needs_parse(b"struct Config { name: String }"));
        // Retry lints read delay facts: helper files with a delay are analysed.
        let p = Prefilter::for_lints(&only("retry_without_backoff"));
        assert!(p.needs_parse(b"fn pause() { std::thread::sleep(d) }"));
        let p = Prefilter::for_lints(&only("silent_fallback"));
        assert!(p.needs_parse(b"match x { Err(_) => 0 }"));
        assert!(p.needs_parse(b"x.ok().unwrap_or(1)"));
        assert!(!p.needs_parse(b"struct Token; fn look(okay: u8) -> Errno {}"));
        assert!(p.needs_parse(b"if let Ok(v) = f() {}"));
    }

    #[test]
    fn lint_without_a_row_always_parses() {
        let p = Prefilter::for_lints(&|n: &str| n == "parse_error");
        // Only parse_error enabled: nothing can be found by parsing a file.
        assert!(!p.needs_parse(b"fn main() {}"));
        assert!(Prefilter::all().needs_parse(b""));
    }

    #[test]
    fn identifiers() {
        let p = Prefilter::for_identifiers(["crate::rt::spawn_task", "backoff_sleep"]);
        assert!(p.needs_parse(b"for c in cs { spawn_task(c) }"));
        assert!(p.needs_parse(b"backoff_sleep(1)"));
        assert!(!p.needs_parse(b"my_spawn_task(c); backoff_sleep2()"));
        assert!(!p.needs_parse(b"Spawn_Task()"));
        assert!(Prefilter::for_identifiers(["a b"]).passes_everything());
    }
}
