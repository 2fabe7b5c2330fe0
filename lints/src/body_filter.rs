//! Item-level prefiltering: which function bodies of a file need a full parse.
//!
//! Most of a file that passes the file-level [`Prefilter`](crate::Prefilter) is
//! function bodies in which no lint can report: a lint's shapes (a retry loop,
//! a spawn, an `Err(_) =>` arm) each need some word inside the body. A byte scan
//! finds every function body, test item and doc comment (outside comments,
//! strings and char literals) and asks the per-lint
//! each lint's body needs ([`crate::prefilter::Triggers`]) whether a body can matter; the
//! others are blanked (every character but line breaks turned into a space, the
//! signature reduced to `()`) before `syn` parses the file, and so is test code
//! the analysis would drop, with the attributes between items that no lint
//! reads (all but test markers and `leash`'s own). Lines and columns are
//! unchanged, so every span stays exact; items and imports are still parsed,
//! so the lints see the same file around the bodies they analyse. Each kept
//! body records the lints it is kept for ([`Blanked::views`], used by
//! [`crate::views`]).
//!
//! What a blanked body could still contribute comes back through the driver: a
//! call to a crate-local spawn wrapper in a loop, or a function on the way to a
//! retry site, makes it analyse the file again with those bodies kept
//! ([`Keep`]).

use crate::nesting::{skip_char_literal, skip_comment, skip_raw_string, skip_string};
use crate::prefilter::{is_ident_byte, stands_alone, Need, Prefilter, Triggers};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tok {
    Ident,
    Open(u8),
    Close(u8),
    Punct(u8),
    Literal,
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

/// The next token at or after `i` and before `end`: its kind, start and end.
/// Whitespace and comments are skipped; strings, chars, lifetimes and numbers
/// come back as one `Literal`.
fn next_token(src: &str, i: usize, end: usize) -> Option<(Tok, usize, usize)> {
    next_token_docs(src, i, end, None)
}

/// Whether the comment at `i` is a doc comment (`///`, `//!`, `/**`, `/*!`,
/// but not `////` or `/**/`).
fn is_doc_comment(b: &[u8], i: usize) -> bool {
    match (b.get(i + 1), b.get(i + 2), b.get(i + 3)) {
        (Some(b'/'), Some(b'/'), next) => next != Some(&b'/'),
        (Some(b'/'), Some(b'!'), _) => true,
        (Some(b'*'), Some(b'*'), next) => !matches!(next, Some(b'*') | Some(b'/')),
        (Some(b'*'), Some(b'!'), _) => true,
        _ => false,
    }
}

/// The comments a scan skipped.
#[derive(Default)]
struct Comments {
    /// Where each doc comment starts.
    docs: Vec<usize>,
    /// Every comment's extent.
    all: Vec<(usize, usize)>,
}

/// [`next_token`], noting the comments it skips.
fn next_token_docs(
    src: &str,
    mut i: usize,
    end: usize,
    mut docs: Option<&mut Comments>,
) -> Option<(Tok, usize, usize)> {
    let b = src.as_bytes();
    let end = end.min(b.len());
    loop {
        while i < end && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= end {
            return None;
        }
        if b[i] == b'/' && matches!(b.get(i + 1), Some(b'/') | Some(b'*')) {
            let start = i;
            i = skip_comment(b, i);
            if let Some(seen) = docs.as_mut() {
                if is_doc_comment(b, start) {
                    seen.docs.push(start);
                }
                seen.all.push((start, i));
            }
            continue;
        }
        break;
    }
    let start = i;
    let c = b[i];
    let at = |k: usize| b.get(k).copied();
    // Raw strings and raw identifiers: r"..", r#".."#, br"..", cr"..", r#ident.
    let raw_at = match c {
        b'r' => Some(i + 1),
        b'b' | b'c' if at(i + 1) == Some(b'r') => Some(i + 2),
        _ => None,
    };
    if let Some(r) = raw_at {
        match at(r) {
            Some(b'"') => return Some((Tok::Literal, start, skip_raw_string(b, r).min(end))),
            Some(b'#') if c == b'r' && at(r + 1).is_some_and(is_ident_start) => {
                let mut j = r + 1;
                while j < end && is_ident_byte(b[j]) {
                    j += 1;
                }
                return Some((Tok::Ident, start, j));
            }
            Some(b'#') => {
                return Some((Tok::Literal, start, skip_raw_string(b, r).min(end)));
            }
            _ => {}
        }
    }
    if (c == b'b' || c == b'c') && at(i + 1) == Some(b'"') {
        return Some((Tok::Literal, start, (skip_string(b, i + 1) + 1).min(end)));
    }
    if c == b'b' && at(i + 1) == Some(b'\'') {
        let close = skip_char_literal(src, i + 1);
        return Some((Tok::Literal, start, (close + 1).min(end)));
    }
    match c {
        b'"' => Some((Tok::Literal, start, (skip_string(b, i) + 1).min(end))),
        b'\'' => {
            let close = skip_char_literal(src, i);
            if close > i {
                return Some((Tok::Literal, start, (close + 1).min(end)));
            }
            // A lifetime or label.
            let mut j = i + 1;
            while j < end && is_ident_byte(b[j]) {
                j += 1;
            }
            Some((Tok::Literal, start, j))
        }
        b'(' | b'[' | b'{' => Some((Tok::Open(c), start, i + 1)),
        b')' | b']' | b'}' => Some((Tok::Close(c), start, i + 1)),
        c if c.is_ascii_digit() => {
            let mut j = i + 1;
            while j < end
                && (is_ident_byte(b[j])
                    || (b[j] == b'.' && b.get(j + 1).is_some_and(u8::is_ascii_digit)))
            {
                j += 1;
            }
            Some((Tok::Literal, start, j))
        }
        c if is_ident_start(c) => {
            let mut j = i + 1;
            while j < end && is_ident_byte(b[j]) {
                j += 1;
            }
            Some((Tok::Ident, start, j))
        }
        _ => Some((Tok::Punct(c), start, i + 1)),
    }
}

fn closes(open: u8, close: u8) -> bool {
    matches!((open, close), (b'(', b')') | (b'[', b']') | (b'{', b'}'))
}

/// The index of the bracket closing the one at `open`, if brackets balance
/// up to it (and it comes before `end`).
fn match_close(src: &str, open: usize, end: usize) -> Option<usize> {
    match_close_depth(src, open, end).map(|(close, _)| close)
}

/// The bytes [`match_close_depth`] acts on; every other byte is skipped.
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let bytes = b"()[]{}/\"'";
    let mut k = 0;
    while k < bytes.len() {
        t[bytes[k] as usize] = true;
        k += 1;
    }
    t
};

/// For a `"` at `q`: the `r` of a raw string it opens (`r"`, `r#"`, `br"`,
/// `cr##"`, the prefix not part of a longer identifier).
fn raw_string_r(b: &[u8], q: usize) -> Option<usize> {
    let mut k = q;
    while k > 0 && b[k - 1] == b'#' {
        k -= 1;
    }
    let r = k.checked_sub(1).filter(|&r| b[r] == b'r')?;
    let word_start = |p: usize| p == 0 || !is_ident_byte(b[p - 1]);
    (word_start(r) || (r > 0 && matches!(b[r - 1], b'b' | b'c') && word_start(r - 1))).then_some(r)
}

/// [`match_close`], and the deepest nesting from `open` on (1: no bracket
/// inside). One tight loop over the bytes: bodies are most of a file. A raw
/// string is recognised at its quote, looking back for its `r`, so letters
/// cost no more than any other byte.
fn match_close_depth(src: &str, open: usize, end: usize) -> Option<(usize, usize)> {
    let b = src.as_bytes();
    let end = end.min(b.len());
    let mut stack: Vec<u8> = Vec::with_capacity(16);
    stack.push(*b.get(open)?);
    let mut deepest = 1;
    let mut i = open + 1;
    while i < end {
        let c = b[i];
        if !SPECIAL[c as usize] {
            i += 1;
            continue;
        }
        match c {
            b'(' | b'[' | b'{' => {
                stack.push(c);
                deepest = deepest.max(stack.len());
                i += 1;
            }
            b')' | b']' | b'}' => {
                if !closes(stack.pop()?, c) {
                    return None;
                }
                if stack.is_empty() {
                    return Some((i, deepest));
                }
                i += 1;
            }
            b'/' if matches!(b.get(i + 1), Some(b'/') | Some(b'*')) => i = skip_comment(b, i),
            b'"' => {
                i = match raw_string_r(b, i) {
                    Some(r) => skip_raw_string(b, r + 1),
                    None => skip_string(b, i) + 1,
                }
            }
            b'\'' => {
                let close = skip_char_literal(src, i);
                i = close.max(i) + 1;
            }
            _ => i += 1,
        }
    }
    None
}

/// A function body: `open` is its `{`, `close` its `}`; `name` the function's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FnBody {
    pub name: (usize, usize),
    pub open: usize,
    pub close: usize,
    /// The `impl` or `trait` the function is an item of: where its header
    /// starts (at the keyword) and its `{`. `None` for a free function.
    pub owner: Option<(usize, usize)>,
    /// Inside a macro invocation or `macro_rules!` (not an item `syn` sees).
    pub in_macro: bool,
}

/// What the byte scan sees of a file: its function bodies (outermost only: a
/// function nested in a body belongs to that body) and its `use` items outside
/// bodies.
#[derive(Debug, Default)]
pub struct Skeleton {
    pub bodies: Vec<FnBody>,
    /// The `use` (and `extern crate`) items outside bodies: where each starts and ends.
    pub uses: Vec<(usize, usize)>,
    /// Test code (`#[test]` functions, `#[cfg(test)]` items): the `{`..`}` of
    /// each, when scanned with `skip_tests`.
    pub tests: Vec<(usize, usize)>,
    /// The `{`..`}` of each struct's and enum's fields.
    pub fields: Vec<(usize, usize)>,
    /// Where the doc comments outside bodies start.
    pub docs: Vec<usize>,
    /// Outer attributes between items (`#` to `]`) that no lint reads: not
    /// test markers, not `leash`'s own, not inside a macro's tokens.
    pub attrs: Vec<(usize, usize)>,
    /// The comments between items (not those inside signatures or fields).
    pub comments: Vec<(usize, usize)>,
    /// The deepest bracket nesting in the file.
    pub depth: usize,
}

impl Skeleton {
    /// Nothing a filter could blank: no body, test, fields, doc comment or
    /// attribute.
    fn has_nothing_to_blank(&self) -> bool {
        self.bodies.is_empty()
            && self.tests.is_empty()
            && self.fields.is_empty()
            && self.docs.is_empty()
            && self.attrs.is_empty()
    }

    /// Does `leash` occur outside every body and test item (a declaration
    /// or suppression on an item)?
    fn names_leash_between_items(&self, src: &str) -> bool {
        let inside = |pos: usize, regions: &[(usize, usize)]| {
            let k = regions.partition_point(|x| x.1 < pos);
            regions.get(k).is_some_and(|x| x.0 < pos && pos < x.1)
        };
        let bodies: Vec<(usize, usize)> = self.bodies.iter().map(|x| (x.open, x.close)).collect();
        src.match_indices("leash")
            .any(|(pos, _)| !inside(pos, &bodies) && !inside(pos, &self.tests))
    }
}

/// `src` with its doc comments made plain comments (`/// x` -> `//  x`):
/// `syn` would turn each into an attribute, and no lint reads them. One
/// ASCII byte for another: every offset and line stays.
fn without_doc_markers(src: &str, docs: &[usize]) -> Option<String> {
    let mut base = src.as_bytes().to_vec();
    for &d in docs {
        if matches!(base.get(d + 2), Some(b'/' | b'!' | b'*')) {
            base[d + 2] = b' ';
        }
    }
    String::from_utf8(base).ok()
}

/// The text `syn` parses: `base` with the `blank` regions (sorted) emptied
/// and their signatures reduced to `()`, the attributes no lint reads
/// blanked, and line doc comments emptied. Every line stays where it was.
fn blanked_text(
    base: &str,
    blank: &[(usize, usize, Option<usize>)],
    skeleton: &Skeleton,
) -> String {
    let mut text = String::with_capacity(base.len());
    // Attributes no lint reads go too (in order with the bodies: an
    // attribute is never inside a blanked region).
    let mut attrs = skeleton.attrs.iter().peekable();
    // Line doc comments lose their text up to the line break: no token
    // follows them on their line, so every other position stays, and the
    // lexer has less to skip.
    let mut docs = skeleton
        .docs
        .iter()
        .copied()
        .filter(|&d| base.as_bytes().get(d..d + 3) == Some(b"// "))
        .peekable();
    let mut keep = |text: &mut String, from: usize, to: usize| {
        let mut at = from;
        while let Some(d) = docs.next_if(|&d| d < to) {
            if d < at {
                continue;
            }
            text.push_str(&base[at..d]);
            let rest = &base.as_bytes()[d..to];
            at = d + memchr::memchr2(b'\n', b'\r', rest).unwrap_or(rest.len());
        }
        text.push_str(&base[at..to]);
    };
    let mut at = 0;
    for &(open, close, name_end) in blank {
        while let Some(&&(s, e)) = attrs.peek().filter(|a| a.0 < open) {
            keep(&mut text, at, s);
            blank_out(&mut text, &base[s..=e]);
            at = e + 1;
            attrs.next();
        }
        // The signature of a blanked function becomes `()`: its name and
        // attributes stay (call-graph names, suppressions), its types are
        // not parsed. A `!` (a diverging `-> !` helper, which
        // `silent_fallback` reads) keeps it.
        match name_end.filter(|&n| memchr::memchr(b'!', &base.as_bytes()[n..open]).is_none()) {
            Some(n) => {
                keep(&mut text, at, n);
                let mut parens = "()".chars();
                for ch in base[n..open].chars() {
                    text.push(match ch {
                        '\n' | '\r' => ch,
                        _ => parens.next().unwrap_or(' '),
                    });
                }
                text.push('{');
            }
            None => keep(&mut text, at, open + 1),
        }
        blank_out(&mut text, &base[open + 1..close]);
        at = close;
    }
    for &(s, e) in attrs {
        keep(&mut text, at, s);
        blank_out(&mut text, &base[s..=e]);
        at = e + 1;
    }
    keep(&mut text, at, base.len());
    text
}

/// Whether the attribute whose `[` is at `open` (and `]` at `close`) marks test
/// code, as [`crate::test_code::is_test_code`] decides: a path ending in `test`
/// or `bench`, `cfg(test)`, `cfg(all(.., test, ..))`.
fn is_test_attr(src: &str, open: usize, close: usize) -> bool {
    let b = src.as_bytes();
    let word = |s: usize, e: usize| &b[s..e];
    let mut path_last: Option<(usize, usize)> = None;
    let mut path_first: Option<(usize, usize)> = None;
    let mut i = open + 1;
    let mut args_open = None;
    while let Some((t, s, e)) = next_token(src, i, close) {
        match t {
            Tok::Ident => {
                path_first.get_or_insert((s, e));
                path_last = Some((s, e));
            }
            Tok::Punct(b':') => {}
            Tok::Open(b'(') => {
                args_open = Some(s);
                break;
            }
            _ => return false,
        }
        i = e;
    }
    let Some((ls, le)) = path_last else {
        return false;
    };
    if matches!(word(ls, le), b"test" | b"bench") {
        return true;
    }
    let (Some(ao), Some((fs, fe))) = (args_open, path_first) else {
        return false;
    };
    if word(fs, fe) != b"cfg" || (fs, fe) != (ls, le) {
        return false;
    }
    let Some(ac) = match_close(src, ao, close) else {
        return false;
    };
    match next_token(src, ao + 1, ac) {
        Some((Tok::Ident, s, e)) if word(s, e) == b"test" => next_token(src, e, ac).is_none(),
        Some((Tok::Ident, s, e)) if word(s, e) == b"all" => {
            let Some((Tok::Open(b'('), go, _)) = next_token(src, e, ac) else {
                return false;
            };
            let Some(gc) = match_close(src, go, ac) else {
                return false;
            };
            // `test` among the top-level arguments of `all(..)`.
            let mut j = go + 1;
            while let Some((t, s, e)) = next_token(src, j, gc) {
                match t {
                    Tok::Ident if word(s, e) == b"test" => return true,
                    Tok::Open(_) => match match_close(src, s, gc) {
                        Some(c) => {
                            j = c + 1;
                            continue;
                        }
                        None => return false,
                    },
                    _ => {}
                }
                j = e;
            }
            false
        }
        _ => false,
    }
}

/// From `from`, the block of an item: its first `{..}` outside brackets, as
/// (open, close), and where scanning goes on. `None` for the block when a `;`
/// (a declaration) or an unmatched closing bracket (not an item after all: left
/// to the caller) comes first; `None` overall when brackets do not balance.
/// `deepest` records the nesting, `base` brackets deep.
fn item_block(
    src: &str,
    from: usize,
    end: usize,
    base: usize,
    deepest: &mut usize,
) -> Option<(Option<(usize, usize)>, usize)> {
    let mut depth = 0usize;
    let mut j = from;
    while let Some((t, ts, te)) = next_token(src, j, end) {
        j = te;
        match t {
            Tok::Open(b'{') if depth == 0 => {
                let (close, inner) = match_close_depth(src, ts, end)?;
                *deepest = (*deepest).max(base + inner);
                return Some((Some((ts, close)), close + 1));
            }
            Tok::Open(_) => {
                depth += 1;
                *deepest = (*deepest).max(base + depth);
            }
            Tok::Close(_) if depth == 0 => return Some((None, ts)),
            Tok::Close(_) => depth -= 1,
            Tok::Punct(b';') if depth == 0 => return Some((None, te)),
            _ => {}
        }
    }
    Some((None, j))
}

/// Scans `src` for function bodies and imports (and, with `skip_tests`, test
/// code). `None` when the brackets do not balance (the file is parsed as it
/// is, and its syntax error reported).
pub fn scan(src: &str, skip_tests: bool) -> Option<Skeleton> {
    let b = src.as_bytes();
    let end = b.len();
    let mut out = Skeleton::default();
    let mut stack: Vec<u8> = Vec::new();
    let mut i = 0;
    let mut comments = Comments::default();
    // Open `impl`/`trait` blocks and macro groups, with the bracket depth
    // inside them; `pending`: the `{` (or group) that will open the next one.
    let mut owners: Vec<(usize, Owner)> = Vec::new();
    let mut pending: Vec<(usize, Owner)> = Vec::new();
    // The last token was a name a macro can have (not a keyword: `if !(x)`).
    let mut prev_name = false;
    while let Some((tok, s, e)) = next_token_docs(src, i, end, Some(&mut comments)) {
        i = e;
        let was_name = std::mem::replace(
            &mut prev_name,
            tok == Tok::Ident && !MACRO_NOT_AFTER.contains(&&b[s..e]),
        );
        match tok {
            Tok::Punct(b'#') if skip_tests => {
                let Some((Tok::Open(b'['), ao, _)) = next_token(src, e, end) else {
                    continue;
                };
                let (ac, inner) = match_close_depth(src, ao, end)?;
                out.depth = out.depth.max(stack.len() + inner);
                i = ac + 1;
                if !is_test_attr(src, ao, ac) {
                    // Lints read attributes for three things: test markers,
                    // `leash`'s own (see `crate::test_code`, `crate::syntax`)
                    // and a wasm target (`missing_timeout`).
                    let text = &b[s..=ac];
                    if !owners.iter().any(|o| o.1 == Owner::Macro)
                        && [&b"test"[..], b"bench", b"leash", b"wasm"]
                            .iter()
                            .all(|w| !contains_bytes(text, w))
                    {
                        out.attrs.push((s, ac));
                    }
                    continue;
                }
                // The item's block, unless a `;` ends it first (`#[cfg(test)] mod tests;`).
                let (block, next) = item_block(src, i, end, stack.len(), &mut out.depth)?;
                out.tests.extend(block);
                i = next;
            }
            Tok::Open(c) => {
                stack.push(c);
                out.depth = out.depth.max(stack.len());
                if !pending.is_empty() {
                    if let Some(k) = pending.iter().position(|p| p.0 == s) {
                        owners.push((stack.len(), pending.swap_remove(k).1));
                    }
                    pending.retain(|p| p.0 > s);
                }
            }
            Tok::Close(c) => {
                stack.pop().filter(|&open| closes(open, c))?;
                while owners.last().is_some_and(|o| o.0 > stack.len()) {
                    owners.pop();
                }
            }
            // `name! {..}`, `path::name!(..)`, `macro_rules! name {..}`.
            Tok::Punct(b'!') if was_name => match next_token(src, e, end) {
                Some((Tok::Open(_), o, _)) => pending.push((o, Owner::Macro)),
                Some((Tok::Ident, _, ne)) if src[..s].trim_end().ends_with("macro_rules") => {
                    if let Some((Tok::Open(_), o, _)) = next_token(src, ne, end) {
                        pending.push((o, Owner::Macro));
                    }
                }
                _ => {}
            },
            Tok::Ident if &b[s..e] == b"impl" || &b[s..e] == b"trait" => {
                if let Some(open) = header_open(src, e, end) {
                    pending.push((open, Owner::Item(s, open)));
                }
            }
            Tok::Ident if &b[s..e] == b"struct" || &b[s..e] == b"enum" => {
                let (block, next) = item_block(src, e, end, stack.len(), &mut out.depth)?;
                out.fields.extend(block);
                i = next;
            }
            Tok::Ident if &b[s..e] == b"fn" => {
                let Some((Tok::Ident, ns, ne)) = next_token(src, e, end) else {
                    continue;
                };
                // The signature, up to its body, or the `;` of a declaration.
                let (block, next) = item_block(src, ne, end, stack.len(), &mut out.depth)?;
                // An item of an `impl`/`trait` sits right inside its block.
                let owner = match owners.last() {
                    Some(&(depth, Owner::Item(h, o))) if depth == stack.len() => Some((h, o)),
                    _ => None,
                };
                let in_macro = owners.iter().any(|o| o.1 == Owner::Macro);
                out.bodies.extend(block.map(|(open, close)| FnBody {
                    name: (ns, ne),
                    open,
                    close,
                    owner,
                    in_macro,
                }));
                i = next;
            }
            Tok::Ident
                if &b[s..e] == b"use"
                    || (&b[s..e] == b"extern"
                        && matches!(next_token(src, e, end), Some((Tok::Ident, cs, ce)) if &b[cs..ce] == b"crate")) =>
            {
                // Up to the `;` of the item, over `{..}` groups.
                let mut depth = 0usize;
                let mut j = e;
                while let Some((t, _, te)) = next_token(src, j, end) {
                    match t {
                        Tok::Open(_) => {
                            depth += 1;
                            out.depth = out.depth.max(stack.len() + depth);
                        }
                        Tok::Close(_) if depth == 0 => break,
                        Tok::Close(_) => depth -= 1,
                        Tok::Punct(b';') if depth == 0 => {
                            out.uses.push((s, te));
                            j = te;
                            break;
                        }
                        _ => {}
                    }
                    j = te;
                }
                // A `use` that is not an import (`+ use<'a>`) leaves the rest to
                // the main loop, brackets included.
                if out.uses.last().is_none_or(|u| u.0 != s) {
                    continue;
                }
                i = j;
            }
            _ => {}
        }
    }
    out.docs = comments.docs;
    out.comments = comments.all;
    stack.is_empty().then_some(out)
}

/// The functions of a file whose bodies are all blanked, as
/// [`crate::rules::retry_amplification`] summarises them from the parsed
/// skeleton: every function `syn` sees as an item (not one in a macro), with
/// its `impl` type (or trait name) and the span of its name. `None` when an
/// `impl` header does not parse on its own.
fn summaries(src: &str, skeleton: &Skeleton) -> Option<Vec<crate::callgraph::FnSummary>> {
    let mut out = Vec::new();
    let mut owner_types: Vec<((usize, usize), String)> = Vec::new();
    // Bodies come in order.
    let mut pos = positions(src);
    for body in skeleton.bodies.iter().filter(|x| !x.in_macro) {
        let impl_type = match body.owner {
            None => None,
            Some(owner) => Some(match owner_types.iter().find(|o| o.0 == owner) {
                Some((_, t)) => t.clone(),
                None => {
                    let t = owner_type(src, owner)?;
                    owner_types.push((owner, t.clone()));
                    t
                }
            }),
        };
        let start = pos(body.name.0);
        let end = pos(body.name.1);
        out.push(crate::callgraph::FnSummary {
            name: src[body.name.0..body.name.1].to_string(),
            impl_type,
            span: crate::Span::new(start, end),
            calls: Vec::new(),
            retry_sites: Vec::new(),
        });
    }
    Some(out)
}

/// Pushes what stands for `part` in a blanked text: its line breaks, and on
/// its last line one space per character, so that every line and column
/// after it stays where it was (and the lexer has little to skip).
fn blank_out(text: &mut String, part: &str) {
    let last_line = match memchr::memrchr(b'\n', part.as_bytes()) {
        Some(k) => {
            let head = &part.as_bytes()[..=k];
            if memchr::memchr(b'\r', head).is_none() {
                let lines = memchr::memchr_iter(b'\n', head).count();
                text.extend(std::iter::repeat_n('\n', lines));
            } else {
                text.extend(
                    head.iter()
                        .filter(|&&c| c == b'\n' || c == b'\r')
                        .map(|&c| c as char),
                );
            }
            &part[k + 1..]
        }
        None => part,
    };
    text.extend(last_line.chars().map(|c| if c == '\r' { c } else { ' ' }));
}

/// The functions of `src` as [`Blanked::inert`] gives them (for tests that
/// compare them with the parsed file's).
pub fn fn_items(src: &str, skip_tests: bool) -> Option<Vec<crate::callgraph::FnSummary>> {
    summaries(src, &scan(src, skip_tests)?)
}

/// The type an `impl` is for (as the call graph names it), or a trait's name.
fn owner_type(src: &str, (head, open): (usize, usize)) -> Option<String> {
    let b = src.as_bytes();
    if b[head..].starts_with(b"trait") {
        let (Tok::Ident, s, e) = next_token(src, head + 5, open)? else {
            return None;
        };
        return Some(src[s..e].to_string());
    }
    let item: syn::ItemImpl = syn::parse_str(&format!("{}{{}}", &src[head..open])).ok()?;
    Some(crate::callgraph::type_name(&item.self_ty).unwrap_or_default())
}

/// Keywords a `!` can follow without making a macro call.
const MACRO_NOT_AFTER: &[&[u8]] = &[
    b"if", b"while", b"match", b"return", b"in", b"else", b"let", b"break", b"yield", b"mut",
    b"move", b"as", b"impl", b"dyn", b"where", b"const", b"static", b"for",
];

/// What encloses an item: an `impl`/`trait` (where its keyword and its `{`
/// are), or a macro's tokens.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Owner {
    Item(usize, usize),
    Macro,
}

/// The `{` of an `impl`/`trait` whose keyword ends at `from`: the first `{`
/// outside brackets and generics (`Coeffs<{ K * N }>` is a const argument),
/// unless a `;` or a closing bracket comes first (`type T = impl Trait;`,
/// `impl Trait` in an argument list).
fn header_open(src: &str, from: usize, end: usize) -> Option<usize> {
    let b = src.as_bytes();
    let mut depth = 0usize;
    let mut angles = 0usize;
    let mut j = from;
    while let Some((t, ts, te)) = next_token(src, j, end) {
        j = te;
        match t {
            Tok::Punct(b'<') if depth == 0 => angles += 1,
            // Not the `>` of `->`.
            Tok::Punct(b'>') if depth == 0 && ts > 0 && b[ts - 1] != b'-' => {
                angles = angles.saturating_sub(1)
            }
            Tok::Open(b'{') if depth == 0 && angles == 0 => return Some(ts),
            Tok::Open(_) => depth += 1,
            Tok::Close(_) if depth == 0 => return None,
            Tok::Close(_) => depth -= 1,
            Tok::Punct(b';') if depth == 0 => return None,
            _ => {}
        }
    }
    None
}

/// The end of the loop whose keyword ends at `kw_end`: its body block (and a
/// block right after it, for `while {cond} {body}`), or the first `;` or
/// unmatched closing bracket, never beyond `limit`.
fn loop_end(src: &str, kw_end: usize, limit: usize) -> usize {
    let mut depth = 0usize;
    let mut i = kw_end;
    while let Some((t, s, e)) = next_token(src, i, limit) {
        match t {
            Tok::Open(b'{') if depth == 0 => {
                let Some(mut close) = match_close(src, s, limit) else {
                    return limit;
                };
                while let Some((Tok::Open(b'{'), s2, _)) = next_token(src, close + 1, limit) {
                    match match_close(src, s2, limit) {
                        Some(c) => close = c,
                        None => return limit,
                    }
                }
                return close + 1;
            }
            Tok::Open(_) => depth += 1,
            Tok::Close(_) if depth == 0 => return s,
            Tok::Close(_) => depth -= 1,
            Tok::Punct(b';') if depth == 0 => return s,
            _ => {}
        }
        i = e;
    }
    limit
}

#[derive(Clone)]
struct Word {
    text: Vec<u8>,
    /// Whole identifier, case-sensitive (`=` prefix in the rules).
    exact: bool,
    /// Also only in pattern position (`@` prefix): `Err(_) =>`, `let Ok(x) =`.
    pattern: bool,
}

enum Compiled {
    Any(Vec<usize>),
    All(Vec<Vec<usize>>),
    LoopWith(Vec<usize>),
    SelfCallWith(Vec<usize>),
}

struct Rule {
    lint: &'static str,
    needs: Vec<Compiled>,
    /// A file containing one of these keeps every body for the rule.
    file_words: Vec<&'static str>,
    /// Lowercase words that make a `use` item's bound names trigger words.
    imports: Vec<String>,
    /// The file's functions a kept body calls are kept too.
    keeps_callees: bool,
    keeps_callers: bool,
}

/// The words of every rule, each once, by id.
#[derive(Default)]
struct WordTable(Vec<Word>);

impl WordTable {
    /// The id of a word as the rules write it (`=word`: a whole identifier,
    /// case-sensitive; `@word`: that, in pattern position only).
    fn id(&mut self, w: &str) -> usize {
        let (exact, pattern, text) = if let Some(t) = w.strip_prefix('=') {
            (true, false, t)
        } else if let Some(t) = w.strip_prefix('@') {
            (true, true, t)
        } else {
            (false, false, w)
        };
        let text = text.as_bytes().to_vec();
        if let Some(i) = self
            .0
            .iter()
            .position(|x| x.text == text && x.exact == exact && x.pattern == pattern)
        {
            return i;
        }
        self.0.push(Word {
            text,
            exact,
            pattern,
        });
        self.0.len() - 1
    }

    fn ids(&mut self, ws: &[&str]) -> Vec<usize> {
        ws.iter().map(|w| self.id(w)).collect()
    }
}

impl Rule {
    /// A lint's body needs, with their words in `words`.
    fn compile(lint: &'static str, triggers: &Triggers, words: &mut WordTable) -> Rule {
        let needs = || triggers.body.iter().copied().flatten();
        let file_words = needs()
            .filter_map(|n| match n {
                Need::EveryBodyIfFileHas(ws) => Some(ws.iter().copied()),
                _ => None,
            })
            .flatten()
            .collect();
        let compiled = needs()
            .filter_map(|n| {
                Some(match n {
                    Need::Any(ws) => Compiled::Any(words.ids(ws)),
                    Need::All(groups) => {
                        Compiled::All(groups.iter().map(|g| words.ids(g)).collect())
                    }
                    Need::LoopWith(ws) => Compiled::LoopWith(words.ids(ws)),
                    Need::SelfCallWith(ws) => Compiled::SelfCallWith(words.ids(ws)),
                    Need::EveryBodyIfFileHas(_) | Need::LocalCallees | Need::LocalCallers => {
                        return None
                    }
                })
            })
            .collect();
        Rule {
            lint,
            needs: compiled,
            file_words,
            imports: triggers
                .imports
                .iter()
                .map(|w| w.to_ascii_lowercase())
                .collect(),
            keeps_callees: needs().any(|n| matches!(n, Need::LocalCallees)),
            keeps_callers: needs().any(|n| matches!(n, Need::LocalCallers)),
        }
    }
}

/// The words of `use` items that make names trigger words, and for each
/// word the rules it is for.
type ImportMatcher = (AhoCorasick, Vec<Vec<usize>>);

/// The search for the words of `use` items that make names trigger words,
/// and the rules each word is for; `None` when no rule has any.
fn import_matcher(rules: &[Rule]) -> Result<Option<ImportMatcher>, aho_corasick::BuildError> {
    let mut import_words: Vec<&str> = Vec::new();
    let mut rules_of: Vec<Vec<usize>> = Vec::new();
    for (r, rule) in rules.iter().enumerate() {
        for w in &rule.imports {
            match import_words.iter().position(|x| x == w) {
                Some(k) => rules_of[k].push(r),
                None => {
                    import_words.push(w);
                    rules_of.push(vec![r]);
                }
            }
        }
    }
    if import_words.is_empty() {
        return Ok(None);
    }
    let ac = AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .build(&import_words)?;
    Ok(Some((ac, rules_of)))
}

/// The body rules of the enabled lints, compiled into one word search.
pub struct BodyFilter {
    ac: AhoCorasick,
    words: Vec<Word>,
    rules: Vec<Rule>,
    loops: Vec<usize>,
    leash: usize,
    skip_tests: bool,
    /// Words some rule needs (not only the loop keywords).
    needed: Vec<bool>,
    /// The bits of the rules whose lints see every kept body
    /// ([`BodyFilter::lint_mask`]).
    whole: u32,
    /// The rules' import words in one search, and the rules of each word.
    imports: Option<ImportMatcher>,
}

/// Bodies to keep beyond the lints' own words: what cross-file results need
/// (see the driver's phase two).
#[derive(Default)]
pub struct Keep<'a> {
    /// Calls of crate-local spawn wrappers: a body naming one of these and
    /// repeating something (a loop or an iterator closure) is kept.
    pub per_item_calls: Option<&'a Prefilter>,
    /// Functions on the way to a retry site: their bodies are kept.
    pub fns: Option<&'a std::collections::HashSet<String>>,
}

/// A function body [`BodyFilter::blank`] blanked: where its name and its
/// braces are in the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlankedFn {
    pub name: (usize, usize),
    pub open: usize,
    pub close: usize,
}

/// A file with its finding-free bodies blanked.
pub struct Blanked {
    /// The function bodies blanked (test items and fields aside), in order.
    pub fns: Vec<BlankedFn>,
    pub text: String,
    /// `Some` when nothing in the file is left for a lint: no body kept, no
    /// word of any rule outside the bodies (comments and imports aside). Then
    /// parsing the skeleton would find nothing, and these are its functions
    /// as the call graph knows them (names, `impl` types, name spans).
    pub inert: Option<Vec<crate::callgraph::FnSummary>>,
    /// How many bodies (and test items) were blanked.
    pub bodies: usize,
    /// The deepest bracket nesting of the file.
    pub depth: usize,
    /// The kept functions that not every lint needs: where each one's name
    /// starts, and the lints it is kept for (a bit per lint, as
    /// [`BodyFilter::lint_mask`] gives them). To any other lint its body is
    /// one more blanked body (see [`crate::views`]). Sorted.
    pub views: Vec<(crate::Pos, u32)>,
}

/// The bits of every lint: a body kept for a reason that may concern any of
/// them (a suppression, a body the driver asks for).
pub const ALL_LINTS: u32 = u32::MAX;

/// See [`BodyFilter::lint_mask`].
fn sees_every_kept_body(lint: &str) -> bool {
    crate::lint_by_name(lint).is_some_and(|l| l.sees_every_kept_body())
}

/// Byte offsets of `src`, asked in increasing order, as lines and columns the
/// way `proc_macro2` counts them (the text is walked once).
fn positions(src: &str) -> impl FnMut(usize) -> crate::Pos + '_ {
    let b = src.as_bytes();
    let (mut line, mut line_start, mut at) = (1usize, 0usize, 0usize);
    move |offset: usize| {
        for (k, &c) in b[at..offset].iter().enumerate() {
            if c == b'\n' {
                line += 1;
                line_start = at + k + 1;
            }
        }
        at = offset;
        crate::Pos {
            line,
            column: src[line_start..offset].chars().count(),
        }
    }
}

/// After a `Ok`/`Err` ending at `end`: is it a pattern? Its parenthesised
/// fields, then any closing brackets, then `=>`, `=` (not `==`), `|` (not
/// `||`) or an `if` guard.
fn in_pattern(src: &str, end: usize) -> bool {
    let b = src.as_bytes();
    let Some((Tok::Open(b'('), open, _)) = next_token(src, end, b.len()) else {
        return false;
    };
    let Some(close) = match_close(src, open, b.len()) else {
        return false;
    };
    let mut i = close + 1;
    loop {
        match next_token(src, i, b.len()) {
            Some((Tok::Close(_), _, e)) => i = e,
            Some((Tok::Punct(b'='), _, e)) => return b.get(e) != Some(&b'='),
            Some((Tok::Punct(b'|'), _, e)) => return b.get(e) != Some(&b'|'),
            Some((Tok::Ident, s, e)) => return &b[s..e] == b"if",
            _ => return false,
        }
    }
}

/// The names a `use` item binds: last segments and `as` aliases (and a
/// module imported with `{self, ..}`).
fn bound_names(src: &str, s: usize, e: usize) -> Vec<&str> {
    let mut toks = Vec::new();
    let mut i = s;
    while let Some(t) = next_token(src, i, e) {
        i = t.2;
        toks.push(t);
    }
    let word = |k: usize| match toks.get(k) {
        Some((Tok::Ident, s, e)) => Some(&src[*s..*e]),
        _ => None,
    };
    let mut out = Vec::new();
    for k in 0..toks.len() {
        let Some(w) = word(k) else { continue };
        if matches!(
            w,
            "use" | "pub" | "crate" | "super" | "extern" | "as" | "in" | "_"
        ) {
            continue;
        }
        let next_is = |c: u8| matches!(toks.get(k + 1), Some((Tok::Punct(p), _, _)) if *p == c);
        let path_continues = next_is(b':');
        let renamed = word(k + 1) == Some("as");
        if w == "self" {
            continue;
        }
        // `a::{self, ..}` binds `a`.
        let module_itself = path_continues
            && matches!(toks.get(k + 3), Some((Tok::Open(b'{'), _, _)))
            && src[toks[k + 3].1..e].contains("self");
        if (!path_continues && !renamed) || module_itself {
            out.push(w);
        }
    }
    out
}

impl BodyFilter {
    /// The filter for the enabled lints; `None` when one of them has no body rule
    /// (every body may matter to it). Without `include_tests`, test code (which
    /// the analysis skips) is always blanked.
    pub fn for_lints(enabled: &dyn Fn(&str) -> bool, include_tests: bool) -> Option<BodyFilter> {
        let mut words = WordTable::default();
        let loops = words.ids(&["=loop", "=while", "=for"]);
        let leash = words.id("leash");
        let rules: Vec<Rule> = crate::rules::ALL
            .iter()
            .filter(|lint| enabled(lint.name))
            .filter_map(|lint| {
                Some(Rule::compile(
                    lint.name,
                    lint.triggers.as_ref()?,
                    &mut words,
                ))
            })
            .collect();
        let mut needed = vec![false; words.0.len()];
        for need in rules.iter().flat_map(|r| &r.needs) {
            match need {
                Compiled::Any(ids) | Compiled::LoopWith(ids) | Compiled::SelfCallWith(ids) => {
                    ids.iter().for_each(|&id| needed[id] = true)
                }
                Compiled::All(groups) => groups.iter().flatten().for_each(|&id| needed[id] = true),
            }
        }
        let whole = rules
            .iter()
            .enumerate()
            .filter(|(_, r)| sees_every_kept_body(r.lint))
            .fold(0u32, |m, (k, _)| {
                m | 1u32.checked_shl(k as u32).unwrap_or(ALL_LINTS)
            });
        let imports = import_matcher(&rules).ok()?;
        let needles: Vec<&[u8]> = words.0.iter().map(|w| w.text.as_slice()).collect();
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&needles)
            .ok()?;
        Some(BodyFilter {
            ac,
            words: words.0,
            rules,
            loops,
            leash,
            skip_tests: !include_tests,
            needed,
            whole,
            imports,
        })
    }

    /// `src` with every body blanked that no enabled lint needs (and test code,
    /// unless tests are included), or `None` when nothing is blanked (or the
    /// scan cannot be trusted). `keep` adds bodies.
    pub fn blank(&self, src: &str, keep: Option<&Keep>) -> Option<Blanked> {
        self.blank_or_count(src, keep, false)
    }

    /// How many bodies [`BodyFilter::blank`] would blank (0 for `None`),
    /// without building its text.
    pub fn count_blanked(&self, src: &str, keep: Option<&Keep>) -> usize {
        self.blank_or_count(src, keep, true).map_or(0, |b| b.bodies)
    }

    fn blank_or_count(&self, src: &str, keep: Option<&Keep>, count: bool) -> Option<Blanked> {
        let skeleton = scan(src, self.skip_tests)?;
        // Too deep to analyse: the caller's own guard reports it. (Word
        // checks below follow brackets from each hit: keep that linear.)
        if skeleton.depth > crate::nesting::MAX_NESTING || skeleton.has_nothing_to_blank() {
            return None;
        }
        let b = src.as_bytes();
        // Declarations and suppressions outside bodies (`#[leash::retry]` on a
        // function) may concern any body: keep them all.
        let names_leash = src.contains("leash");
        if names_leash && skeleton.names_leash_between_items(src) {
            return None;
        }
        let hits = self.word_hits(src, &skeleton);
        let imported = self.imported_words(src, &skeleton)?;
        let mut masks = self.body_masks(src, &skeleton, &hits, &imported, keep);
        self.keep_callees(src, &skeleton.bodies, &mut masks);
        self.keep_callers(src, &skeleton.bodies, &mut masks);
        // (open, close, end of the function's name: the signature is stubbed too)
        let mut blank: Vec<(usize, usize, Option<usize>)> =
            skeleton.tests.iter().map(|&(o, c)| (o, c, None)).collect();
        // Fields are read for two things: a spawner kept in a struct
        // (`spawn_model`: a `JoinSet`, a `Runtime`, a runtime `Handle`), and
        // the type behind `self.client` (the effect model of
        // `silent_fallback`, when a body is kept for it).
        let effect_model =
            crate::lints_sharing(crate::Model::Effects).fold(0, |m, l| m | self.lint_mask(l.name));
        let effects_read = masks.iter().any(|&m| m & effect_model != 0);
        if !effects_read {
            blank.extend(
                skeleton
                    .fields
                    .iter()
                    .filter(|&&(o, c)| !names_a_spawner(&b[o..=c]))
                    .map(|&(o, c)| (o, c, None)),
            );
        }
        let every_rule = u32::MAX
            .checked_shr(32 - self.rules.len().min(32) as u32)
            .unwrap_or(0);
        let mut kept = 0;
        let mut views = Vec::new();
        let mut fns = Vec::new();
        for (body, &mask) in skeleton.bodies.iter().zip(&masks) {
            if mask != 0 {
                kept += 1;
                if mask & every_rule != every_rule {
                    views.push((body.name.0, mask));
                }
            } else {
                blank.push((body.open, body.close, Some(body.name.1)));
                fns.push(BlankedFn {
                    name: body.name,
                    open: body.open,
                    close: body.close,
                });
            }
        }
        if blank.is_empty() && skeleton.docs.is_empty() && skeleton.attrs.is_empty() {
            return None;
        }
        let mut blanked = Blanked {
            fns,
            inert: None,
            text: String::new(),
            bodies: blank.len(),
            depth: skeleton.depth,
            views: Vec::new(),
        };
        if count {
            return Some(blanked);
        }
        blank.sort_unstable();
        // A spawner kept in a struct makes the file worth parsing.
        let fields_kept = skeleton
            .fields
            .iter()
            .any(|&(o, c)| names_a_spawner(&b[o..=c]));
        // Suppression comments are read from the text, blanked or not (a stale
        // one in test code is still reported): a file naming `leash` is parsed.
        blanked.inert = (kept == 0
            && !fields_kept
            && !names_leash
            && !self.words_between(src, &skeleton, &blank, &imported))
        .then(|| summaries(src, &skeleton))
        .flatten();
        let base = without_doc_markers(src, &skeleton.docs)?;
        if blanked.inert.is_some() {
            // Not parsed.
            return Some(blanked);
        }
        blanked.text = blanked_text(&base, &blank, &skeleton);
        let mut pos = positions(src);
        blanked.views = views.into_iter().map(|(at, m)| (pos(at), m)).collect();
        Some(blanked)
    }

    /// Every occurrence of a word in a body, as (start, word id), in order
    /// of start.
    fn word_hits(&self, src: &str, skeleton: &Skeleton) -> Vec<(usize, usize)> {
        let b = src.as_bytes();
        let mut hits = Vec::new();
        for body in &skeleton.bodies {
            for m in self.ac.find_overlapping_iter(&b[body.open..=body.close]) {
                let id = m.pattern().as_usize();
                let (s, e) = (body.open + m.start(), body.open + m.end());
                if self.is_hit(src, id, s, e) {
                    hits.push((s, id));
                }
            }
        }
        hits.sort_unstable();
        hits
    }

    /// Per lint, the names imported from what it looks for (`use
    /// tokio::spawn as go;`): that lint's words too. `None` when a glob
    /// import of one makes every body matter.
    fn imported_words<'s>(&self, src: &'s str, skeleton: &Skeleton) -> Option<Vec<Vec<&'s str>>> {
        let mut imported: Vec<Vec<&str>> = vec![Vec::new(); self.rules.len()];
        let Some((ac, rules_of)) = &self.imports else {
            return Some(imported);
        };
        let mut named = vec![false; self.rules.len()];
        for &(s, e) in &skeleton.uses {
            let text = &src[s..e];
            named.iter_mut().for_each(|n| *n = false);
            for m in ac.find_overlapping_iter(text) {
                for &r in &rules_of[m.pattern().as_usize()] {
                    named[r] = true;
                }
            }
            if !named.contains(&true) {
                continue;
            }
            if text.contains('*') {
                return None;
            }
            let names = bound_names(src, s, e);
            for (r, _) in named.iter().enumerate().filter(|(_, n)| **n) {
                imported[r].extend(names.iter().copied());
            }
        }
        Some(imported)
    }

    /// For each body, the lints it is kept for (see `Blanked::views`): a bit
    /// per lint, the lints that see every kept body sharing theirs.
    fn body_masks(
        &self,
        src: &str,
        skeleton: &Skeleton,
        hits: &[(usize, usize)],
        imported: &[Vec<&str>],
        keep: Option<&Keep>,
    ) -> Vec<u32> {
        let b = src.as_bytes();
        let file_wide: Vec<bool> = self
            .rules
            .iter()
            .map(|r| r.file_words.iter().any(|w| contains_bytes(b, w.as_bytes())))
            .collect();
        let mut present = vec![false; self.words.len()];
        let mut masks = Vec::with_capacity(skeleton.bodies.len());
        for body in &skeleton.bodies {
            let lo = hits.partition_point(|h| h.0 <= body.open);
            let hi = hits.partition_point(|h| h.0 < body.close);
            let body_hits = &hits[lo..hi];
            present.iter_mut().for_each(|p| *p = false);
            for &(_, id) in body_hits {
                present[id] = true;
            }
            if present[self.leash] {
                masks.push(ALL_LINTS);
                continue;
            }
            let text = &b[body.open..=body.close];
            // The lints' own words first: cheaper than the extra keeps.
            let mut mask = 0u32;
            for (r, (rule, imported)) in self.rules.iter().zip(imported).enumerate() {
                let bit = 1u32.checked_shl(r as u32).unwrap_or(ALL_LINTS);
                // The lints that see every kept body need no bit each.
                if bit & self.whole != 0 && mask & self.whole != 0 {
                    continue;
                }
                if file_wide[r]
                    || imported.iter().any(|w| contains_word(text, w.as_bytes()))
                    || rule
                        .needs
                        .iter()
                        .any(|n| self.satisfied(n, &present, src, body, body_hits))
                {
                    mask |= if bit & self.whole != 0 {
                        self.whole
                    } else {
                        bit
                    };
                }
            }
            // What the driver asks to keep is for the lints it re-runs.
            if mask & self.whole == 0 && keep.is_some_and(|k| self.kept(k, src, body, text)) {
                mask |= if self.whole == 0 {
                    ALL_LINTS
                } else {
                    self.whole
                };
            }
            masks.push(mask);
        }
        masks
    }

    /// Keeps the functions of the file that a body kept for a
    /// [`Need::LocalCallees`] rule calls, at any depth, for that rule.
    fn keep_callees(&self, src: &str, bodies: &[FnBody], masks: &mut [u32]) {
        let bits = self
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.keeps_callees)
            .fold(0u32, |m, (k, _)| {
                m | 1u32.checked_shl(k as u32).unwrap_or(ALL_LINTS)
            });
        // The lints that see every kept body share their bits.
        let bits = if bits & self.whole != 0 {
            bits | self.whole
        } else {
            bits
        };
        if bits == 0 {
            return;
        }
        let seeds: Vec<usize> = (0..bodies.len())
            .filter(|&k| masks[k] & bits != 0)
            .collect();
        if seeds.is_empty() || seeds.len() == bodies.len() {
            return;
        }
        for k in local_callees(src, bodies, seeds) {
            masks[k] |= bits;
        }
    }

    /// Keeps the functions of the file that call a body kept for a
    /// [`Need::LocalCallers`] rule, at any depth, for that rule.
    fn keep_callers(&self, src: &str, bodies: &[FnBody], masks: &mut [u32]) {
        for (k, rule) in self.rules.iter().enumerate() {
            if !rule.keeps_callers {
                continue;
            }
            let bit = 1u32.checked_shl(k as u32).unwrap_or(ALL_LINTS);
            let bits = if bit & self.whole != 0 {
                self.whole
            } else {
                bit
            };
            let seeds: Vec<usize> = (0..bodies.len()).filter(|&b| masks[b] & bit != 0).collect();
            if seeds.is_empty() || seeds.len() == bodies.len() {
                continue;
            }
            for b in local_callers(src, bodies, seeds) {
                masks[b] |= bits;
            }
        }
    }

    /// The bits of [`Blanked::views`] that make a kept body one `lint` reads:
    /// its own rule's. What the driver's second pass re-runs over more kept
    /// bodies (spawn wrappers, call-graph summaries), and the retry lints that
    /// share their results with the call graph, read every kept body: a body
    /// hidden from them would need that second pass.
    pub fn lint_mask(&self, lint: &str) -> u32 {
        if sees_every_kept_body(lint) {
            return ALL_LINTS;
        }
        match self.rules.iter().position(|r| r.lint == lint) {
            Some(r) => 1u32.checked_shl(r as u32).unwrap_or(ALL_LINTS),
            None => ALL_LINTS,
        }
    }

    /// Whether the match of word `id` at `s..e` counts: an exact word must match
    /// case and stand alone, a pattern word must be in pattern position.
    fn is_hit(&self, src: &str, id: usize, s: usize, e: usize) -> bool {
        let b = src.as_bytes();
        let w = &self.words[id];
        !w.exact
            || (b[s..e] == w.text[..]
                && stands_alone(b, s, e)
                && (!w.pattern || in_pattern(src, e)))
    }

    /// Whether a word of a rule (or a name imported from one) occurs outside
    /// what is blanked, imports and comments: in a `static`'s initialiser, an
    /// item macro, a kept signature.
    fn words_between(
        &self,
        src: &str,
        skeleton: &Skeleton,
        blank: &[(usize, usize, Option<usize>)],
        imported: &[Vec<&str>],
    ) -> bool {
        let b = src.as_bytes();
        let mut holes: Vec<(usize, usize)> = blank
            .iter()
            .map(|&(open, close, name_end)| {
                // A stubbed signature is not parsed either.
                let from = name_end
                    .filter(|&n| memchr::memchr(b'!', &src.as_bytes()[n..open]).is_none())
                    .unwrap_or(open);
                (from, close + 1)
            })
            .collect();
        holes.extend(skeleton.uses.iter().copied());
        holes.extend(skeleton.attrs.iter().map(|&(s, e)| (s, e + 1)));
        holes.extend(skeleton.comments.iter().copied());
        holes.sort_unstable();
        let mut at = 0;
        let mut gaps = Vec::new();
        for (s, e) in holes {
            if s > at {
                gaps.push((at, s));
            }
            at = at.max(e);
        }
        gaps.push((at, b.len()));
        gaps.into_iter().filter(|&(s, e)| s < e).any(|(gs, ge)| {
            let gap = &b[gs..ge];
            let word = self.ac.find_overlapping_iter(gap).any(|m| {
                let id = m.pattern().as_usize();
                self.needed[id] && self.is_hit(src, id, gs + m.start(), gs + m.end())
            });
            word || imported
                .iter()
                .flatten()
                .any(|name| contains_word(gap, name.as_bytes()))
        })
    }

    /// Of the bodies a last look blanked (`fns`, from [`Blanked::fns`]), those
    /// `keep` leaves blanked: what [`BodyFilter::count_blanked`] would count,
    /// without scanning the file again. `None` when `fns` does not fit `src`
    /// (the file changed since).
    pub fn still_blanked(
        &self,
        src: &str,
        keep: &Keep,
        fns: &[BlankedFn],
    ) -> Option<Vec<BlankedFn>> {
        let b = src.as_bytes();
        let mut still = Vec::with_capacity(fns.len());
        for f in fns {
            let fits = f.open < f.close
                && b.get(f.open) == Some(&b'{')
                && b.get(f.close) == Some(&b'}')
                && f.name.0 < f.name.1
                && src.is_char_boundary(f.name.0)
                && src.is_char_boundary(f.name.1)
                && b.get(f.name.0..f.name.1)
                    .is_some_and(|n| n.iter().all(|&c| is_ident_byte(c) || c == b'#'));
            if !fits {
                return None;
            }
            let body = FnBody {
                name: f.name,
                open: f.open,
                close: f.close,
                owner: None,
                in_macro: false,
            };
            if !self.kept(keep, src, &body, &b[f.open..=f.close]) {
                still.push(*f);
            }
        }
        Some(still)
    }

    fn kept(&self, keep: &Keep, src: &str, body: &FnBody, text: &[u8]) -> bool {
        if keep
            .fns
            .is_some_and(|fns| fns.contains(&src[body.name.0..body.name.1]))
        {
            return true;
        }
        // Per item: a loop, or a closure handed to an iterator adapter
        // (`map`, `filter_map`, `flat_map`, `for_each`, `then`, `inspect`).
        // The cheap searches first.
        keep.per_item_calls.is_some_and(|p| {
            ([&b"loop"[..], b"while", b"for", b"then", b"inspect"]
                .iter()
                .any(|kw| contains_word(text, kw))
                || contains_bytes(text, b"map")
                || contains_bytes(text, b"for_each"))
                && {
                    let names_self = contains_word(text, b"Self");
                    p.occurs_where(text, |s, e| {
                        may_call_wrapper(src, body.open + s, body.open + e, body.close, names_self)
                    })
                }
        })
    }

    fn satisfied(
        &self,
        need: &Compiled,
        present: &[bool],
        src: &str,
        body: &FnBody,
        body_hits: &[(usize, usize)],
    ) -> bool {
        let any = |ids: &[usize]| ids.iter().any(|&i| present[i]);
        match need {
            Compiled::Any(ids) => any(ids),
            Compiled::All(groups) => groups.iter().all(|g| any(g)),
            Compiled::LoopWith(ids) => {
                if !any(ids) || !any(&self.loops) {
                    return false;
                }
                body_hits.iter().any(|&(pos, id)| {
                    if !self.loops.contains(&id) {
                        return false;
                    }
                    let kw_end = pos + self.words[id].text.len();
                    let end = loop_end(src, kw_end, body.close);
                    body_hits
                        .iter()
                        .any(|&(p, i)| p >= pos && p < end && ids.contains(&i))
                })
            }
            Compiled::SelfCallWith(ids) => {
                any(ids)
                    && contains_word(
                        &src.as_bytes()[body.open..=body.close],
                        &src.as_bytes()[body.name.0..body.name.1],
                    )
            }
        }
    }
}

/// Whether the name ending at `e` is called: `Some(Some(k))` with `k` the
/// `(` of `name(..)`, `Some(None)` for a turbofish (`name::<T>(..)`, not
/// followed further), `None` otherwise (a path that goes on, `http::Method`,
/// names something else). Blanks and comments between are skipped.
fn called_at(src: &str, e: usize, limit: usize) -> Option<Option<usize>> {
    match next_token(src, e, limit)? {
        (Tok::Open(b'('), open, _) => Some(Some(open)),
        (Tok::Punct(b':'), k, _) => src[k..limit]
            .strip_prefix("::")
            .is_some_and(|rest| rest.trim_start().starts_with('<'))
            .then_some(None),
        _ => None,
    }
}

/// Whether the name at `s..e` (in a body ending at `close`) can be the call of
/// a crate-local spawn wrapper as [`crate::spawn_model::classify_with`] sees
/// one: a call with arguments, one of them task-like (a closure, an `async`
/// block, a call, a macro, a block, or a name with `fut`, `task`, `job` or
/// `work` in it); as a method, only on `self`, or on a local when the body
/// names `Self` (`let s = Self::new(); s.spawn_task(..)`). Unsure: yes.
fn may_call_wrapper(src: &str, s: usize, e: usize, close: usize, names_self: bool) -> bool {
    let b = src.as_bytes();
    let before = |mut i: usize| {
        while i > 0 && b[i - 1].is_ascii_whitespace() {
            i -= 1;
        }
        i
    };
    let dot = before(s);
    if dot > 0 && b[dot - 1] == b'.' && !(dot > 1 && b[dot - 2] == b'.') {
        // A method: what is its receiver?
        let end = before(dot - 1);
        let mut start = end;
        while start > 0 && is_ident_byte(b[start - 1]) {
            start -= 1;
        }
        if start < end && &b[start..end] != b"self" && !names_self {
            return false;
        }
    }
    // A turbofish (`spawn_task::<T>(..)`) is not followed further.
    let i = match called_at(src, e, close) {
        Some(Some(open)) => open,
        Some(None) => return true,
        None => return false,
    };
    let Some(end) = match_close(src, i, close) else {
        return true;
    };
    // No arguments (comments aside): not a wrapper call.
    if next_token(src, i + 1, end).is_none() {
        return false;
    }
    let args = &b[i + 1..end];
    args.iter().any(|c| matches!(c, b'|' | b'(' | b'{' | b'!'))
        || [&b"async"[..], b"fut", b"task", b"job", b"work"]
            .iter()
            .any(|w| contains_bytes(args, w))
}

/// `fns` and the functions of the same file they call, and those call, and
/// so on: names of function bodies in `src` that a kept body calls by name
/// (`helper(..)`, `self.helper(..)`, `Self::helper::<T>(..)`). A retry chain
/// through a file's own helpers is then kept in one look instead of one per
/// call level (keeping more is never wrong: a kept body is analysed as if no
/// filter ran). `None` when the file cannot be scanned.
pub fn with_local_callees(
    src: &str,
    fns: &std::collections::HashSet<String>,
    skip_tests: bool,
) -> Option<std::collections::HashSet<String>> {
    let skeleton = scan(src, skip_tests)?;
    let name = |b: &FnBody| &src[b.name.0..b.name.1];
    let seeds = (0..skeleton.bodies.len())
        .filter(|&k| fns.contains(name(&skeleton.bodies[k])))
        .collect();
    let mut out = fns.clone();
    out.extend(
        local_callees(src, &skeleton.bodies, seeds)
            .into_iter()
            .map(|k| name(&skeleton.bodies[k]).to_string()),
    );
    Some(out)
}

/// The bodies that `seeds` (indices into `bodies`) call by name, and those
/// call, and so on: `helper(..)`, `self.helper(..)`, `Self::helper::<T>(..)`
/// (every body of a name: methods of two types may share it). Seeds included.
fn local_callees(src: &str, bodies: &[FnBody], seeds: Vec<usize>) -> Vec<usize> {
    let named = bodies_by_name(src, bodies);
    let mut done = vec![false; bodies.len()];
    for &k in &seeds {
        done[k] = true;
    }
    let mut todo = seeds;
    while let Some(k) = todo.pop() {
        for callee in local_calls(src, &bodies[k], &named) {
            for &c in &named[callee] {
                if !done[c] {
                    done[c] = true;
                    todo.push(c);
                }
            }
        }
    }
    (0..bodies.len()).filter(|&k| done[k]).collect()
}

/// The bodies that call one of `seeds`, at any depth up the calls, and the
/// seeds themselves (by name, as [`local_callees`] follows them down). Each
/// body is scanned once: the calls found give the edges walked upwards.
fn local_callers(src: &str, bodies: &[FnBody], seeds: Vec<usize>) -> Vec<usize> {
    let named = bodies_by_name(src, bodies);
    let mut callers: std::collections::HashMap<&str, Vec<usize>> = std::collections::HashMap::new();
    for (k, body) in bodies.iter().enumerate() {
        for callee in local_calls(src, body, &named) {
            callers.entry(callee).or_default().push(k);
        }
    }
    let name = |k: usize| &src[bodies[k].name.0..bodies[k].name.1];
    let mut done = vec![false; bodies.len()];
    for &k in &seeds {
        done[k] = true;
    }
    let mut todo: Vec<&str> = seeds.iter().map(|&k| name(k)).collect();
    while let Some(callee) = todo.pop() {
        for &k in callers.get(callee).into_iter().flatten() {
            if !done[k] {
                done[k] = true;
                todo.push(name(k));
            }
        }
    }
    (0..bodies.len()).filter(|&k| done[k]).collect()
}

/// The file's function bodies by name.
fn bodies_by_name<'s>(
    src: &'s str,
    bodies: &[FnBody],
) -> std::collections::HashMap<&'s str, Vec<usize>> {
    let mut named: std::collections::HashMap<&str, Vec<usize>> = std::collections::HashMap::new();
    for (k, body) in bodies.iter().enumerate() {
        named
            .entry(&src[body.name.0..body.name.1])
            .or_default()
            .push(k);
    }
    named
}

/// The names of the file's own functions that `body` calls, each once.
fn local_calls<'s>(
    src: &'s str,
    body: &FnBody,
    named: &std::collections::HashMap<&'s str, Vec<usize>>,
) -> Vec<&'s str> {
    let b = src.as_bytes();
    let mut out: Vec<&str> = Vec::new();
    let mut i = body.open;
    while i < body.close {
        if !is_ident_byte(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < body.close && is_ident_byte(b[i]) {
            i += 1;
        }
        let word = &src[start..i];
        if named.contains_key(word)
            && !out.contains(&word)
            && called_at(src, i, body.close).is_some()
        {
            out.push(word);
        }
    }
    out
}

/// Whether `word` occurs in `hay` with no identifier character on either side.
fn contains_word(hay: &[u8], word: &[u8]) -> bool {
    any_occurrence(hay, word, |s| stands_alone(hay, s, s + word.len()))
}

/// Whether `needle` occurs in `hay`.
fn contains_bytes(hay: &[u8], needle: &[u8]) -> bool {
    any_occurrence(hay, needle, |_| true)
}

/// Texts shorter than this are searched for a word's first byte: building a
/// vectorised searcher costs more than such a search.
const SHORT_TEXT: usize = 256;

/// Whether `needle` occurs in `hay` at a start `accept` takes.
fn any_occurrence(hay: &[u8], needle: &[u8], mut accept: impl FnMut(usize) -> bool) -> bool {
    let Some(&first) = needle.first() else {
        return false;
    };
    if hay.len() < SHORT_TEXT {
        memchr::memchr_iter(first, hay).any(|s| hay[s..].starts_with(needle) && accept(s))
    } else {
        memchr::memmem::find_iter(hay, needle).any(accept)
    }
}

/// Fields naming a spawner the spawn model follows.
fn names_a_spawner(fields: &[u8]) -> bool {
    [&b"JoinSet"[..], b"Runtime", b"Handle"]
        .iter()
        .any(|w| contains_word(fields, w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bodies(src: &str) -> Vec<(&str, &str)> {
        scan(src, false)
            .expect("balanced")
            .bodies
            .iter()
            .map(|b| (&src[b.name.0..b.name.1], &src[b.open..=b.close]))
            .collect()
    }

    #[test]
    fn finds_bodies_not_declarations() {
        let src = r#"
            use std::io;
            trait T { fn decl(&self); fn dflt(&self) -> u8 { 1 } }
            impl S { pub async fn m<'a>(&'a self, x: [u8; 3]) -> Result<(), E> where E: Fn() -> u8 { g("}") } }
            extern "C" { fn ext(x: u8); }
            fn outer() { fn inner() {} let s = "fn nope() {"; }
            const F: fn(u8) -> u8 = id;
            fn r#type() { '{'; }
        "#;
        let got = bodies(src);
        let names: Vec<&str> = got.iter().map(|g| g.0).collect();
        assert_eq!(names, ["dflt", "m", "outer", "r#type"]);
        assert_eq!(got[1].1, "{ g(\"}\") }");
        assert_eq!(scan(src, false).unwrap().uses.len(), 1);
    }

    #[test]
    fn unbalanced_is_not_scanned() {
        assert!(scan("fn f() { (] }", false).is_none());
        assert!(scan("fn f() {", false).is_none());
        assert!(scan("fn f() { r#\"{\"# }", false).is_some());
        assert!(scan("fn f() { br\"\\\" }", false).is_some());
    }

    #[test]
    fn loop_extent() {
        let src = "loop { a() } b(); while x.is_err() { c() } d; for i in 0..3 { e } f";
        let end = loop_end(src, 4, src.len());
        assert_eq!(&src[..end], "loop { a() }");
        let w = src.find("while").unwrap();
        let end = loop_end(src, w + 5, src.len());
        assert_eq!(&src[w..end], "while x.is_err() { c() }");
        let src = "while { ok } { go() } after";
        assert_eq!(&src[..loop_end(src, 5, src.len())], "while { ok } { go() }");
    }

    fn filter(lint: &'static str) -> BodyFilter {
        BodyFilter::for_lints(&move |n: &str| n == lint, false).expect("rules")
    }

    fn kept(f: &BodyFilter, src: &str) -> Vec<String> {
        let out = match f.blank(src, None) {
            None => return bodies(src).iter().map(|b| b.0.to_string()).collect(),
            // Nothing kept, not even text to parse.
            Some(b) if b.inert.is_some() => return Vec::new(),
            Some(b) => b.text,
        };
        assert_eq!(out.lines().count(), src.lines().count());
        // Whatever is not blanked keeps its line and column (a stubbed
        // signature shows `()`).
        for (a, b) in src.lines().zip(out.lines()) {
            assert!(b.chars().count() <= a.chars().count(), "{a:?} vs {b:?}");
            for (ca, cb) in a.chars().zip(b.chars()) {
                assert!(
                    cb == ' ' || cb == ca || cb == '(' || cb == ')',
                    "{a:?} vs {b:?}"
                );
            }
        }
        bodies(&out)
            .iter()
            .filter(|b| {
                !b.1.trim_matches(|c: char| c == '{' || c == '}' || c.is_whitespace())
                    .is_empty()
            })
            .map(|b| b.0.to_string())
            .collect()
    }

    #[test]
    fn callers_of_a_spawn_body_are_kept_for_its_parameters() {
        // `supervise` walks its parameter: what `main` passes decides the
        // confidence, and `start` calls `main`; `unrelated` calls neither.
        let src = "fn supervise(inputs: Vec<I>) { for i in inputs { tokio::spawn(i.run()); } }\n\
                   fn main() { let v = cfg.senders.clone(); supervise(v); }\n\
                   fn start() { main(); }\n\
                   fn unrelated() { compute(1); }\n";
        assert_eq!(
            kept(&filter("unbounded_spawn"), src),
            ["supervise", "main", "start"]
        );
        assert_eq!(
            kept(&filter("unbounded_fan_out"), src),
            Vec::<String>::new()
        );
    }

    #[test]
    fn retry_bodies_need_a_signal_inside_a_loop() {
        let f = filter("unbounded_retry");
        let src = "
fn plain() -> Result<(), E> { for x in xs { g(x); } Ok(()) }
fn retry() { loop { if let Ok(v) = op() { break v; } } }
fn recurse() { match op() { Err(_) => recurse(), Ok(v) => v } }
fn nothing() { let v = op()?; Ok(v) }
fn multi_line(
    a: A,
) -> Result<(), E> {
    let v = op()?;
    Ok(v)
}
fn last() { loop { if let Ok(v) = op() { break v; } } }
";
        assert_eq!(kept(&f, src), ["retry", "recurse", "last"]);
    }

    #[test]
    fn retry_bodies_keep_the_helpers_they_call() {
        // The retry model follows delays, bounds and random inputs into the
        // file's own functions, at any depth.
        let f = filter("unbounded_retry");
        let src = "
fn retry() { loop { let n = name(); if let Ok(v) = self.open(&n) { break v; } } }
fn name() -> String { suffix() }
fn suffix() -> u64 { 7 }
fn open(&self, n: &str) -> R { g(n) }
fn other() { g(1) }
";
        assert_eq!(kept(&f, src), ["retry", "name", "suffix", "open"]);
    }

    #[test]
    fn imports_rename_trigger_words() {
        let f = filter("unbounded_spawn");
        let src =
            "use tokio::spawn as go;\nfn a() { for c in cs { go(c); } }\nfn b() { work(); }\n";
        assert_eq!(kept(&f, src), ["a"]);
        let f = filter("unbounded_retry");
        let src = "use tokio_retry::strategy::*;\nfn a() { work(); }\n";
        assert!(
            f.blank(src, None).is_none(),
            "a glob import of a trigger keeps all"
        );
    }

    #[test]
    fn declarations_outside_bodies_keep_everything() {
        let f = filter("unbounded_spawn");
        let src = "#[leash::retry(attempts = 3)]\nfn a() { work(); }\n";
        assert!(f.blank(src, None).is_none());
    }

    #[test]
    fn extra_names_keep_bodies() {
        let f = filter("unbounded_spawn");
        let src = "fn a() { for c in cs { run_bg(|| c); } }\nfn b() { work(); }\n";
        assert!(kept(&f, src).is_empty());
        let calls = Prefilter::for_identifiers(["run_bg"]);
        let keep = Keep {
            per_item_calls: Some(&calls),
            fns: None,
        };
        let out = f.blank(src, Some(&keep)).expect("b is blanked").text;
        assert!(out.contains("run_bg(|| c)") && !out.contains("work"));
        let fns = ["b".to_string()].into_iter().collect();
        let keep = Keep {
            per_item_calls: None,
            fns: Some(&fns),
        };
        let out = f.blank(src, Some(&keep)).expect("a is blanked").text;
        assert!(!out.contains("run_bg(|| c)") && out.contains("work"));
    }

    /// A redo's check on the recorded bodies agrees with scanning again.
    #[test]
    fn still_blanked_agrees_with_a_new_count() {
        let f = filter("unbounded_spawn");
        let src = "fn a() { for c in cs { run_bg(|| c); } }\nfn b() { work(); }\nfn c() { tokio::spawn(x); }\n#[cfg(test)]\nmod t { fn d() {} }\n";
        let first = f.blank(src, None).expect("blanks");
        let names: Vec<&str> = first.fns.iter().map(|x| &src[x.name.0..x.name.1]).collect();
        assert_eq!(names, ["a", "b"]);
        let calls = Prefilter::for_identifiers(["run_bg"]);
        let fns: std::collections::HashSet<String> = ["b".to_string()].into_iter().collect();
        for keep in [
            Keep {
                per_item_calls: Some(&calls),
                fns: None,
            },
            Keep {
                per_item_calls: None,
                fns: Some(&fns),
            },
            Keep {
                per_item_calls: Some(&calls),
                fns: Some(&fns),
            },
            Keep::default(),
        ] {
            let still = f.still_blanked(src, &keep, &first.fns).expect("fits");
            let newly = first.fns.len() - still.len();
            assert_eq!(first.bodies - newly, f.count_blanked(src, Some(&keep)));
        }
        // A changed file is not trusted.
        assert!(f
            .still_blanked(&src[1..], &Keep::default(), &first.fns)
            .is_none());
    }

    #[test]
    fn wanted_functions_bring_the_local_helpers_they_call() {
        let src = "fn a() { b(1); self.c(); }\nfn b(x: u8) { Self::d::<u8>(x) }\nfn c() {}\nfn d() {}\nfn e() { a() }\nfn f() { let g = 1; g }\nfn g() {}\n";
        let want = |names: &[&str]| names.iter().map(|n| n.to_string()).collect();
        let got = with_local_callees(src, &want(&["a"]), false).expect("scans");
        assert_eq!(
            got,
            want(&["a", "b", "c", "d"]),
            "callers (e) and mentions (g) are not callees"
        );
        let got = with_local_callees(src, &want(&["f", "elsewhere"]), false).expect("scans");
        assert_eq!(got, want(&["f", "elsewhere"]));
    }

    /// A body is kept for a spawn wrapper's name only where the name can be a
    /// call `spawn_model` takes for one.
    #[test]
    fn wrapper_names_keep_only_what_can_be_a_wrapper_call() {
        let f = filter("unbounded_spawn");
        let calls = Prefilter::for_identifiers(["run_bg"]);
        let keep = Keep {
            per_item_calls: Some(&calls),
            fns: None,
        };
        let keeps = |call: &str| {
            let src = format!("fn a() {{ for c in cs {{ {call}; }} }}\nfn b() {{ work(); }}\n");
            let text = f.blank(&src, Some(&keep)).expect("b is blanked").text;
            text.contains(call)
        };
        for call in [
            "run_bg(|| c)",
            "run_bg(async move { c })",
            "rt::run_bg(make(c))",
            "run_bg(c.task())",
            "run_bg(vec![c])",
            "run_bg({ c })",
            "run_bg(fut)",
            "run_bg(my_job, 1)",
            "self.run_bg(|| c)",
            "run_bg::<u8>(c)",
            "(x).run_bg(|| c)",
        ] {
            assert!(keeps(call), "{call} can call a wrapper");
        }
        for call in [
            "run_bg(c)",
            "run_bg(&mut c, 1)",
            "run_bg()",
            "run_bg(/* none */)",
            "run_bg::Kind(|| c)",
            "other.run_bg(|| c)",
            "let run_bg = || c",
        ] {
            assert!(!keeps(call), "{call} cannot call a wrapper");
        }
        // A local may hold a `Self`: then any receiver may.
        let src = "fn a() { let s = Self::new(); for c in cs { s.run_bg(|| c); } }\nfn b() {}\n";
        let text = f.blank(src, Some(&keep)).expect("b is blanked").text;
        assert!(text.contains("s.run_bg"));
    }

    #[test]
    fn fields_are_kept_for_a_spawner_or_the_effect_model() {
        let f = filter("unbounded_spawn");
        let src = "struct A { name: String }\nstruct B { tasks: JoinSet<()> }\nenum E { X { n: u8 } }\nstruct T(u8);\n";
        let out = f.blank(src, None).expect("A and E are blanked").text;
        assert!(!out.contains("name") && !out.contains("n: u8"));
        assert!(out.contains("tasks: JoinSet<()>") && out.contains("struct T(u8);"));
        assert!(syn::parse_file(&out).is_ok());
        // A body kept for `silent_fallback` reads `self.client`'s type.
        let f = filter("silent_fallback");
        let src = "struct S { client: reqwest::Client }\nimpl S { fn f(&self) { match self.client.get() { Err(_) => 0, Ok(x) => x }; } }\nfn g() { work(); }\n";
        let out = f.blank(src, None).expect("g is blanked").text;
        assert!(out.contains("client: reqwest::Client") && !out.contains("work()"));
    }

    #[test]
    fn doc_comments_lose_their_text_not_their_lines() {
        let f = filter("unbounded_spawn");
        let src = "/// A doc.\n//! Inner.\n/** Block. */\nfn a() { work(); }\n  /// Said twice.\nfn b() { spawn(x) }\n";
        let out = f.blank(src, None).expect("a is blanked").text;
        assert!(!out.contains("doc") && !out.contains("Inner") && !out.contains("twice"));
        assert!(out.contains("Block."), "block doc comments stay comments");
        let at = |s: &str, w: &str| {
            let k = s.find(w).unwrap();
            (
                s[..k].matches('\n').count(),
                k - s[..k].rfind('\n').map_or(0, |n| n + 1),
            )
        };
        assert_eq!(at(&out, "spawn(x)"), at(src, "spawn(x)"));
        assert!(syn::parse_file(&out).is_ok());
    }

    #[test]
    fn blanking_keeps_columns_of_wide_text() {
        let f = filter("unbounded_spawn");
        let src = "fn a() { \"é🦀\"; } fn b() { spawn(x) }";
        let out = f.blank(src, None).expect("a is blanked").text;
        let col = |s: &str| s.chars().position(|c| c == 'x').unwrap();
        assert_eq!(col(&out), col(src));
    }

    /// What the call graph gets from a file that is not parsed, checked
    /// against what it gets from the parsed file.
    fn parsed_fn_items(src: &str) -> Vec<(String, Option<String>, crate::Span)> {
        let policy = crate::Policy::default();
        let a = crate::analyze_source(
            "t.rs",
            src,
            &crate::AnalysisOptions {
                policy: &policy,
                include_tests: false,
                enabled: &|l| l == "retry_amplification",
                inventory: false,
                body_filter: None,
                keep: None,
            },
        );
        assert!(a.parsed);
        a.summaries
            .into_iter()
            .map(|s| (s.name, s.impl_type, s.span))
            .collect()
    }

    #[test]
    fn functions_without_parsing_match_the_parsed_ones() {
        let src = r#"
use std::fmt;
/// docs { with a brace
impl<T: Fn() -> u8, const N: usize> fmt::Debug for &'static Wrapper<T, N> where T: Clone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { Ok(()) }
    const C: u32 = { fn inner_const_fn() -> u32 { 1 } inner_const_fn() };
}
impl !Send for Marker {}
impl From<Token![_]> for Ident { fn from(t: Token![_]) -> Ident { x } }
impl Coeffs<{ K * K * N }, Ntt> { fn sample_poly() {} }
impl<F> Wrap<F> where F: Fn() -> u8, [(); { 1 }]: Sized, mac!(Self): Send { fn wrap() {} }
impl dyn Any + Send { fn on_dyn(&self) {} }
unsafe impl<T> Sync for <T as Tr>::Assoc { fn qualified() {} }
pub trait Service: Send { fn call(&self); fn ready(&self) -> bool { true } }
trait Alias = Service;
type Opaque = impl Sized;
macro_rules! make { ($n:ident) => { fn $n() {} }; () => { fn hidden() {} } }
make! { fn also_hidden() {} }
static S: bool = if !(true) { false } else { true };
mod m { pub fn r#type() { let s = "fn nope() {"; } #[cfg(test)] mod tests { fn t() {} } }
#[test] fn a_test() {}
fn ünïcode_名前() {} fn second_on_line() {}
"#;
        let ours: Vec<_> = fn_items(src, true)
            .expect("scans")
            .into_iter()
            .map(|s| (s.name, s.impl_type, s.span))
            .collect();
        assert_eq!(ours, parsed_fn_items(src));
        let names: Vec<&str> = ours.iter().map(|o| o.0.as_str()).collect();
        assert_eq!(
            names,
            [
                "fmt",
                "inner_const_fn",
                "from",
                "sample_poly",
                "wrap",
                "on_dyn",
                "qualified",
                "ready",
                "r#type",
                "ünïcode_名前",
                "second_on_line"
            ]
        );
    }

    #[test]
    fn a_file_with_nothing_for_a_lint_is_inert() {
        let all = BodyFilter::for_lints(&|_| true, false).expect("rules");
        let inert = |src: &str| all.blank(src, None).is_some_and(|b| b.inert.is_some());
        // Words in comments and imports do not count; bodies are blanked.
        assert!(inert(
            "use tokio::spawn; // spawn a retry loop\nimpl S { fn f(&self) -> u8 { 1 } }\n"
        ));
        // A kept body, a word between items, a name imported from a lint's
        // crate, a field holding a spawner: parsed.
        assert!(!inert("fn f() { tokio::spawn(x); }\n"));
        assert!(!inert(
            "static C: Lazy<S> = Lazy::new(|| unbounded());\nfn f() {}\n"
        ));
        assert!(!inert(
            "use tokio::spawn as go;\nstatic C: Lazy<()> = Lazy::new(|| go(x));\nfn f() {}\n"
        ));
        assert!(!inert("struct S { tasks: JoinSet<()> }\nfn f() {}\n"));
        // A suppression in test code is still checked (found by the fuzzer).
        assert!(!inert(
            "#[cfg(test)]\nmod tests {\n#[test]\nfn t() {\n// leash: allow(unbounded_retry)\n}\n}\n"
        ));
        // `type Err = ..` is not an `Err` pattern.
        assert!(inert("impl FromStr for X { type Err = E; fn from_str(s: &str) -> Result<X, E> { todo!() } }\n"));
    }

    #[test]
    fn a_kept_body_is_seen_by_the_lints_it_is_kept_for() {
        let all = BodyFilter::for_lints(&|_| true, false).expect("rules");
        let src = "fn fallback() {\n    match f() { Err(_) => 0, Ok(x) => x };\n}\n\
                   fn fan() { join_all(v); }\n\
                   fn both() { join_all(v); match f() { Err(_) => 0, Ok(x) => x }; }\n\
                   fn spawner() { tokio::spawn(x); }\n\
                   fn plain() { 1 }\n";
        let b = all.blank(src, None).expect("blanked text");
        let seen = |lint: &str| -> Vec<usize> {
            b.views
                .iter()
                .filter(|v| v.1 & all.lint_mask(lint) != 0)
                .map(|v| v.0.line)
                .collect()
        };
        // Lines of the views (kept bodies not every lint needs).
        let listed: Vec<usize> = b.views.iter().map(|v| v.0.line).collect();
        assert_eq!(listed, [1, 4, 5, 6]);
        assert_eq!(b.views[0].0.column, 3);
        // `silent_fallback` and `unbounded_fan_out` follow the file's own
        // functions (their `LocalCallees` need), so they see the bodies kept
        // for the call graph.
        assert_eq!(seen("silent_fallback"), [1, 4, 5, 6]);
        assert_eq!(seen("unbounded_fan_out"), [1, 4, 5, 6]);
        // What the second pass re-runs sees every kept body.
        assert_eq!(seen("unbounded_spawn"), [1, 4, 5, 6]);
        assert_eq!(seen("retry_amplification"), [1, 4, 5, 6]);
        assert_eq!(seen("missing_timeout"), Vec::<usize>::new());
        // A body naming `leash` is seen by every lint: not listed.
        let b = all
            .blank(
                "fn f() { join_all(v); // leash: allow(silent_fallback) -- why\n}\nfn g() {}\n",
                None,
            )
            .expect("blanked text");
        assert!(b.views.is_empty());
    }

    #[test]
    fn attributes_no_lint_reads_are_blanked() {
        let all = BodyFilter::for_lints(&|_| true, false).expect("rules");
        let src = "#[derive(Debug)]\nstruct S { a: u8 }\n\
                   #[inline]\nfn f() { tokio::spawn(x); }\n\
                   #[cfg(feature = \"test-util\")]\nfn g() {}\n\
                   #[tokio::main]\nasync fn main() {}\n\
                   m! { #[derive(Clone)] struct T; }\n";
        let b = all.blank(src, None).expect("blanked text");
        let out: Vec<&str> = b.text.lines().collect();
        assert_eq!(out.len(), src.lines().count());
        assert_eq!(out[0].trim(), "");
        assert_eq!(out[2].trim(), "");
        assert_eq!(out[3], "fn f() { tokio::spawn(x); }");
        // Test markers (by their text) and attributes in a macro's tokens stay.
        assert_eq!(out[4], "#[cfg(feature = \"test-util\")]");
        assert_eq!(out[6].trim(), "");
        assert_eq!(out[8], "m! { #[derive(Clone)] struct T; }");
        assert!(syn::parse_file(&b.text).is_ok());
    }
}
