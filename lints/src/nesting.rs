//! A byte-level guard run before parsing: `syn` and every visitor recurse once per
//! level of nesting, so a pathological file (100,000 nested parentheses) would
//! overflow any stack. Real code stays far below the limit.

/// Files nested deeper than this are refused before parsing.
pub const MAX_NESTING: usize = 256;

/// Files with more bracket groups than this are refused before parsing: the
/// syntax tree costs up to about 2 KB a group (a block's statement list, a
/// call's argument list), so this caps one file's tree near 4 GB. Real code
/// has a group every 15 to 30 bytes, far more than the file size limit allows.
pub const MAX_GROUPS: usize = 2_000_000;

/// Deepest nesting of `()`, `[]`, `{}` outside comments, strings and char literals.
pub fn max_nesting_depth(src: &str) -> usize {
    brackets(src).0
}

/// How many `()`, `[]`, `{}` groups the text opens (outside comments,
/// strings and char literals), when that is more than [`MAX_GROUPS`]. A text
/// of no more bytes than that cannot hold more and is not scanned.
pub fn too_many_groups(src: &str) -> Option<usize> {
    if src.len() <= MAX_GROUPS {
        return None;
    }
    Some(brackets(src).1).filter(|&n| n > MAX_GROUPS)
}

/// [`max_nesting_depth`] and [`too_many_groups`] in one scan.
pub fn depth_and_groups(src: &str) -> (usize, Option<usize>) {
    let (depth, groups) = brackets(src);
    (depth, Some(groups).filter(|&n| n > MAX_GROUPS))
}

/// The deepest nesting and the number of groups opened.
fn brackets(src: &str) -> (usize, usize) {
    let b = src.as_bytes();
    let (mut i, mut depth, mut max, mut groups) = (0usize, 0usize, 0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b'/' if matches!(b.get(i + 1), Some(b'/') | Some(b'*')) => {
                i = skip_comment(b, i);
                continue;
            }
            b'r' if matches!(b.get(i + 1), Some(b'"') | Some(b'#')) && !ident_before(b, i) => {
                i = skip_raw_string(b, i + 1);
                continue;
            }
            b'"' => {
                i = skip_string(b, i);
            }
            b'\'' => {
                i = skip_char_literal(src, i);
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                groups += 1;
                max = max.max(depth);
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    (max, groups)
}

/// The longest chain of tokens a recursive-descent parse may have to follow
/// at once: along the path of open brackets, the tokens since the last `,` or
/// `;` of each level (and since the end of a block followed by a new item or
/// statement). Prefix operators (`!!!!x`, `&&&&x`, `--x`), closures (`|| || x`),
/// `return return x`, assignment chains, `Option<Option<..>>` and `else if`
/// chains each add a level of recursion in `syn` and in every visitor, without
/// a bracket for [`max_nesting_depth`] to count. Real code stays in the tens.
pub fn max_chain_length(src: &str) -> usize {
    let b = src.as_bytes();
    // Tokens since the last separator, per open bracket (the last is current).
    let mut runs: Vec<usize> = vec![0];
    let (mut total, mut max, mut i) = (0usize, 0usize, 0usize);
    let bump = |runs: &mut Vec<usize>, total: &mut usize, max: &mut usize| {
        if let Some(r) = runs.last_mut() {
            *r += 1;
        }
        *total += 1;
        *max = (*max).max(*total);
    };
    while i < b.len() {
        let c = b[i];
        // Whitespace and names first: most of the bytes.
        match BYTE_CLASS[c as usize] {
            SPACE => {
                i += 1;
                continue;
            }
            NAME if !(c == b'r'
                && matches!(b.get(i + 1), Some(b'"') | Some(b'#'))
                && !ident_before(b, i)) =>
            {
                while i < b.len() && BYTE_CLASS[b[i] as usize] == NAME {
                    i += 1;
                }
                bump(&mut runs, &mut total, &mut max);
                continue;
            }
            _ => {}
        }
        match c {
            b'/' if matches!(b.get(i + 1), Some(b'/') | Some(b'*')) => {
                i = skip_comment(b, i);
                continue;
            }
            b'r' => {
                // Not a name (above): a raw string.
                i = skip_raw_string(b, i + 1);
                bump(&mut runs, &mut total, &mut max);
                continue;
            }
            b'"' => {
                i = skip_string(b, i);
                bump(&mut runs, &mut total, &mut max);
            }
            b'\'' => {
                i = skip_char_literal(src, i);
                bump(&mut runs, &mut total, &mut max);
            }
            b'(' | b'[' | b'{' => {
                bump(&mut runs, &mut total, &mut max);
                runs.push(0);
            }
            b')' | b']' | b'}' => {
                if runs.len() > 1 {
                    total -= runs.pop().unwrap_or(0);
                }
                if c == b'}' && starts_item_or_statement(b, i + 1) {
                    total -= runs.last().copied().unwrap_or(0);
                    if let Some(r) = runs.last_mut() {
                        *r = 0;
                    }
                }
            }
            b',' | b';' => {
                total -= runs.last().copied().unwrap_or(0);
                if let Some(r) = runs.last_mut() {
                    *r = 0;
                }
            }
            _ => bump(&mut runs, &mut total, &mut max),
        }
        i += 1;
    }
    max
}

const SPACE: u8 = 1;
const NAME: u8 = 2;

/// ASCII whitespace ([`SPACE`]); letters, digits, `_` and every byte of a
/// non-ASCII character ([`NAME`]); 0 for the rest.
static BYTE_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = if b.is_ascii_whitespace() {
            SPACE
        } else if b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80 {
            NAME
        } else {
            0
        };
        c += 1;
    }
    t
};

/// Whether every `(`, `[`, `{` outside comments, strings and char literals is
/// closed by its matching bracket. A byte scan, much cheaper than lexing: files
/// the prefilter skips are still checked with it, so the most common syntax
/// error (an unclosed bracket, e.g. mid-edit) is still reported.
pub fn brackets_balanced(src: &str) -> bool {
    let b = src.as_bytes();
    let mut open: Vec<u8> = Vec::new();
    let mut i = 0usize;
    while i < b.len() {
        match b[i] {
            b'/' if matches!(b.get(i + 1), Some(b'/') | Some(b'*')) => {
                i = skip_comment(b, i);
                continue;
            }
            b'r' if matches!(b.get(i + 1), Some(b'"') | Some(b'#')) && !ident_before(b, i) => {
                i = skip_raw_string(b, i + 1);
                continue;
            }
            b'"' => {
                i = skip_string(b, i);
                if i >= b.len() {
                    return false;
                }
            }
            b'\'' => {
                i = skip_char_literal(src, i);
            }
            c @ (b'(' | b'[' | b'{') => open.push(c),
            c @ (b')' | b']' | b'}') => {
                let want = match c {
                    b')' => b'(',
                    b']' => b'[',
                    _ => b'{',
                };
                if open.pop() != Some(want) {
                    return false;
                }
            }
            _ => {}
        }
        i += 1;
    }
    open.is_empty()
}

/// `i` is at the opening `"` of a string; returns the index of its closing `"`
/// (or the end of the text when it is unterminated).
pub(crate) fn skip_string(b: &[u8], mut i: usize) -> usize {
    i += 1;
    while i < b.len() {
        match memchr::memchr2(b'"', b'\\', &b[i..]) {
            None => return b.len(),
            Some(k) if b[i + k] == b'"' => return i + k,
            // An escape: the next byte is not the end.
            Some(k) => i += k + 2,
        }
    }
    i
}

/// `i` is at a `'`: a char literal (`'x'`, `'\n'`, `'\u{..}'`) returns the index
/// of its closing quote; a lifetime (`'a`, no closing quote) returns `i`.
pub(crate) fn skip_char_literal(src: &str, mut i: usize) -> usize {
    let b = src.as_bytes();
    if b.get(i + 1) == Some(&b'\\') {
        i += 2;
        while i < b.len() && b[i] != b'\'' && b[i] != b'\n' {
            i += 1;
        }
    } else {
        let ch_len = src
            .get(i + 1..)
            .and_then(|t| t.chars().next())
            .map_or(1, char::len_utf8);
        if b.get(i + 1 + ch_len) == Some(&b'\'') {
            i += 1 + ch_len;
        }
    }
    i
}

/// `i` is at `/` of `//` or `/*`; returns the index after the comment.
pub(crate) fn skip_comment(b: &[u8], mut i: usize) -> usize {
    if b.get(i + 1) == Some(&b'/') {
        return memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |k| i + k);
    }
    let mut level = 0usize;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            level += 1;
            i += 2;
        } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
            level -= 1;
            i += 2;
            if level == 0 {
                break;
            }
        } else {
            i += 1;
        }
    }
    i
}

/// After a `}`: does an item or a statement start here (so the chain ends)?
fn starts_item_or_statement(b: &[u8], mut i: usize) -> bool {
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b.get(i) == Some(&b'/') && matches!(b.get(i + 1), Some(b'/') | Some(b'*')) {
            i = skip_comment(b, i);
            continue;
        }
        break;
    }
    match b.get(i) {
        None | Some(b'}') | Some(b'#') | Some(b')') | Some(b']') => return true,
        _ => {}
    }
    let start = i;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
        i += 1;
    }
    matches!(
        &b[start..i],
        b"fn"
            | b"pub"
            | b"impl"
            | b"struct"
            | b"enum"
            | b"mod"
            | b"use"
            | b"let"
            | b"const"
            | b"static"
            | b"type"
            | b"trait"
            | b"if"
            | b"for"
            | b"while"
            | b"loop"
            | b"match"
            | b"unsafe"
            | b"async"
            | b"extern"
            | b"macro_rules"
            | b"union"
    )
}

fn ident_before(b: &[u8], i: usize) -> bool {
    i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')
}

/// `i` points just after the `r`; returns the index after the closing delimiter.
pub(crate) fn skip_raw_string(b: &[u8], mut i: usize) -> usize {
    let mut hashes = 0;
    while b.get(i) == Some(&b'#') {
        hashes += 1;
        i += 1;
    }
    if b.get(i) != Some(&b'"') {
        return i; // `r#ident`
    }
    i += 1;
    while i < b.len() {
        if b[i] == b'"'
            && b[i + 1..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == b'#')
                .count()
                == hashes
        {
            return i + 1 + hashes;
        }
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {

    #[test]
    fn groups_are_counted_outside_strings_and_comments_and_only_past_the_limit() {
        use super::{too_many_groups, MAX_GROUPS};
        let many = "()".repeat(MAX_GROUPS / 2 + 10);
        assert_eq!(
            too_many_groups(&many),
            None,
            "a million groups: under the limit"
        );
        let over = "[]".repeat(MAX_GROUPS + 5);
        assert_eq!(too_many_groups(&over), Some(MAX_GROUPS + 5));
        // The same brackets in a string or a comment open nothing.
        let quoted = format!("\"{over}\" // {over}\n");
        assert_eq!(too_many_groups(&quoted), None);
        // Near miss: a short text is not scanned at all.
        assert_eq!(too_many_groups("{{{}}}"), None);
    }
    use super::max_nesting_depth;

    #[test]
    fn counts_code_only() {
        assert_eq!(max_nesting_depth("fn f() { g((1)); }"), 3);
        assert_eq!(
            max_nesting_depth("fn f() { \"(((\"; '('; r#\"[[[\"#; } // (((("),
            1
        );
        assert_eq!(
            max_nesting_depth("fn f<'a>(x: &'a str) { /* ((( /* ( */ */ }"),
            1
        );
        assert_eq!(max_nesting_depth(&"(".repeat(100_000)), 100_000);
    }

    #[test]
    fn balance() {
        use super::brackets_balanced as ok;
        assert!(ok("fn f() { g(\"(\", '[', r#\"{\"#); } // (\n/* { */"));
        assert!(ok("fn f<'a>(x: &'a str) -> char { '}' }"));
        assert!(!ok("fn broken( {"));
        assert!(!ok("fn f() { (] }"));
        assert!(!ok("fn f() {} }"));
        assert!(!ok("fn f() { \"unterminated }"));
    }

    #[test]
    fn chains() {
        use super::max_chain_length;
        assert!(max_chain_length(&format!("fn f() {{ {}x; }}", "!".repeat(5000))) > 5000);
        assert!(max_chain_length(&format!("type T = {}u8;", "Option<".repeat(3000))) > 3000);
        // Flat lists and many items stay short.
        let list = format!("static A: [u8; 100000] = [{}];", "1, ".repeat(100_000));
        assert!(max_chain_length(&list) < 20);
        let items = "// doc\nfn f() { let x = a + b; g(x); }\n".repeat(10_000);
        assert!(
            max_chain_length(&items) < 30,
            "{}",
            max_chain_length(&items)
        );
    }
}
