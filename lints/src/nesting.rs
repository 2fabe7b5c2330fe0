//! A byte-level guard run before parsing: `syn` and every visitor recurse once per
//! level of nesting, so a pathological file (100,000 nested parentheses) would
//! overflow any stack. Real code stays far below the limit.

/// Deepest nesting of `()`, `[]`, `{}` outside comments, strings and char literals.
pub fn max_nesting_depth(src: &str) -> usize {
    let b = src.as_bytes();
    let (mut i, mut depth, mut max) = (0usize, 0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
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
                continue;
            }
            b'r' if matches!(b.get(i + 1), Some(b'"') | Some(b'#')) && !ident_before(b, i) => {
                i = skip_raw_string(b, i + 1);
                continue;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'\'' => {
                // 'x', '\n', '\u{..}' are char literals; 'a (no closing quote) a lifetime.
                if b.get(i + 1) == Some(&b'\\') {
                    i += 2;
                    while i < b.len() && b[i] != b'\'' && b[i] != b'\n' {
                        i += 1;
                    }
                } else {
                    let ch_len = src[i + 1..].chars().next().map_or(1, char::len_utf8);
                    if b.get(i + 1 + ch_len) == Some(&b'\'') {
                        i += 1 + ch_len;
                    }
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    max
}

fn ident_before(b: &[u8], i: usize) -> bool {
    i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')
}

/// `i` points just after the `r`; returns the index after the closing delimiter.
fn skip_raw_string(b: &[u8], mut i: usize) -> usize {
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
}
