//! A byte-level prefilter: decides, before parsing, whether a file can produce
//! anything at all. Parsing is most of leash's cost; a file that contains none
//! of the words the enabled lints need is never parsed.
//!
//! The words come from each lint's declaration ([`crate::Lint::triggers`],
//! built from [`crate::vocab`]) and must stay *conservative*: for every lint,
//! a file without any of its words must be one the lint can never report on,
//! and must not define a function whose cross-file [`Fact`](crate::Fact) the
//! lint reads (a delay helper, a spawn wrapper). Its body needs do the same one
//! level down, for the function bodies of a file that passes (see
//! [`crate::body_filter`]). When you change what a lint matches, update its
//! triggers and re-run `bench/prefilter-check`, which compares every lint's
//! output with and without the prefilters over the whole corpus.
//!
//! Word syntax: `"=Ok"` is a whole identifier-like word, case-sensitive (no
//! identifier character on either side); anything else, e.g. `"spawn"`, is an
//! ASCII-case-insensitive substring (`spawn` matches `spawn_blocking` and
//! `JoinSet::Spawn`). Words are searched in the raw bytes, comments and strings
//! included, which can only make the filter parse more.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

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

/// What a lint needs to find in the text before it can report there: the
/// lint declares it beside its code ([`crate::Lint::triggers`]).
///
/// `file`: lists of words; every file the lint reports on contains at least
/// one of them, and so does every file defining a function whose cross-file
/// fact the lint reads (the `*_FACTS` lists of [`crate::vocab`]). All lists
/// empty: every file is parsed.
///
/// `body`: lists of needs, any one of which keeps a function body (see
/// [`crate::body_filter`]): a body satisfying none of them is one the lint
/// can never report in, nor define a function whose fact it reads.
///
/// `imports`: a `use` item outside bodies containing one of these
/// (case-insensitive) makes every name it binds a word of the lint (`use
/// tokio::spawn as go;`, `use reqwest::get;`), and a glob import of one makes
/// every body count.
///
/// Word syntax: `"=Ok"` is a whole identifier-like word, case-sensitive (no
/// identifier character on either side); `"@Ok"` (bodies only) the same word
/// in pattern position (`Ok(..) =>`, `let Ok(..) =`); anything else, e.g.
/// `"spawn"`, is an ASCII-case-insensitive substring (`spawn` matches
/// `spawn_blocking` and `JoinSet::Spawn`).
pub struct Triggers {
    pub file: &'static [&'static [&'static str]],
    pub body: &'static [&'static [Need]],
    pub imports: &'static [&'static str],
}

/// The triggers of a suppression diagnostic: a suppression always says `leash`.
pub const SUPPRESSION: Triggers = Triggers {
    file: &[&["leash"]],
    body: &[&[Need::Any(&["leash"])]],
    imports: &[],
};

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
            // `parse_error` never makes a file worth parsing: a file the
            // prefilter proves finding-free needs no analysis. The driver
            // still parses one whose brackets do not balance
            // ([`crate::nesting::brackets_balanced`]), so the usual syntax
            // error is reported; `--no-prefilter` reports every unparsable file.
            let Some(triggers) = lint.triggers.as_ref().filter(|_| enabled(lint.name)) else {
                continue;
            };
            any_enabled = true;
            if triggers.file.iter().all(|g| g.is_empty()) {
                return Prefilter { matcher: None };
            }
            words.extend(triggers.file.iter().flat_map(|g| g.iter().copied()));
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
    fn every_checked_lint_declares_well_formed_words() {
        for lint in crate::rules::ALL {
            let Some(t) = &lint.triggers else {
                // Only a diagnostic the driver makes may never trigger a parse.
                assert!(
                    lint.check.is_none(),
                    "`{}` runs a check but declares no triggers",
                    lint.name
                );
                continue;
            };
            for w in t.file.iter().flat_map(|g| g.iter()) {
                // `@` (pattern position) is read in bodies only.
                assert!(!w.starts_with('@'), "`{}`: file word {w:?}", lint.name);
                assert!(
                    !w.trim_start_matches('=').is_empty(),
                    "`{}`: empty word",
                    lint.name
                );
            }
            assert!(!t.body.is_empty(), "`{}` keeps no body", lint.name);
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
