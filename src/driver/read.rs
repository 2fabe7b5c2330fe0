//! A path to Rust source text, or the finding that says why not.

use super::{FileOutcome, RunOptions};
use leash_lints::Finding;
use std::path::Path;

/// What `syn` says of a file its lexer cannot split into tokens, whatever
/// the cause.
pub(super) const LEXER_MESSAGE: &str = "cannot parse string into token stream";

/// The lexer's error in words, from the text where it stopped: an opening
/// delimiter never closed, a closing one with no match, a string or comment
/// never closed, or a character Rust does not have.
pub(super) fn lexer_error_in_words(at: Option<&str>) -> (String, &'static str) {
    let rest = at.unwrap_or("");
    let Some(c) = rest.chars().next() else {
        return (
            "the text cannot be split into Rust tokens (an unclosed delimiter, string or comment, or a character Rust does not have)".into(),
            "cannot read the text from here",
        );
    };
    let string_start = rest
        .trim_start_matches(['b', 'c', 'r'])
        .trim_start_matches('#')
        .starts_with(['"', '\'']);
    match c {
        '(' | '[' | '{' => (format!("this `{c}` is never closed"), "never closed"),
        ')' | ']' | '}' => (
            format!("this `{c}` has no matching opening delimiter"),
            "closes nothing open here",
        ),
        '/' if rest.starts_with("/*") => (
            "this block comment is never closed".into(),
            "comment never closed",
        ),
        _ if string_start => (
            "this string or character literal is never closed".into(),
            "never closed",
        ),
        _ => (
            format!("the character {c:?} is not part of Rust's syntax"),
            "not valid Rust",
        ),
    }
}

pub(super) fn file_problem(display: String, message: String, bytes: u64) -> FileOutcome {
    let f =
        Finding::new("parse_error", leash_lints::Span::default(), message).label("file skipped");
    FileOutcome {
        display,
        findings: vec![f],
        bytes,
        ..FileOutcome::default()
    }
}

/// Reads a file as Rust source text (without a byte-order mark), or says why not.
pub(super) fn read_source(
    path: &Path,
    display: String,
    opts: &RunOptions,
) -> Result<(String, String, u64), Box<FileOutcome>> {
    let bytes = match std::fs::metadata(path) {
        Ok(m) if m.len() > opts.max_file_size => {
            return Err(Box::new(file_problem(
                display,
                format!(
                "file too large to analyse ({} bytes; the limit is {} bytes, see --max-file-size)",
                m.len(),
                opts.max_file_size
            ),
                0,
            )))
        }
        Ok(m) => m.len(),
        Err(e) => {
            return Err(Box::new(file_problem(
                display,
                format!("cannot read file: {e}"),
                0,
            )))
        }
    };
    let data = match std::fs::read(path) {
        Ok(d) => d,
        Err(e) => {
            return Err(Box::new(file_problem(
                display,
                format!("cannot read file: {e}"),
                0,
            )))
        }
    };
    if looks_binary(&data) {
        return Err(Box::new(file_problem(
            display,
            "binary file (contains NUL bytes), not Rust source".into(),
            bytes,
        )));
    }
    let mut text = match String::from_utf8(data) {
        Ok(t) => t,
        Err(e) if memchr_nul(&e.as_bytes()[..e.as_bytes().len().min(8192)]) => {
            return Err(Box::new(file_problem(
                display,
                "binary file (contains NUL bytes), not Rust source".into(),
                bytes,
            )));
        }
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            return Err(Box::new(file_problem(
                display,
                format!("file is not valid UTF-8 (invalid byte at offset {at})"),
                bytes,
            )));
        }
    };
    // A byte-order mark is not Rust syntax; columns are counted after it.
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok((display, text, bytes))
}

fn memchr_nul(b: &[u8]) -> bool {
    b.contains(&0)
}

/// Text with many NUL bytes (UTF-16, an object file that happens to be valid
/// UTF-8) is not Rust source; a few NULs are what rustc accepts inside
/// string literals and comments, so such a file is parsed like any other.
fn looks_binary(data: &[u8]) -> bool {
    let head = &data[..data.len().min(8192)];
    let nuls = head.iter().filter(|&&b| b == 0).count();
    nuls > 0 && nuls * 16 > head.len()
}

#[cfg(test)]
mod tests {
    use super::{lexer_error_in_words, looks_binary, read_source};
    use crate::config::Config;
    use crate::driver::{PerfOptions, RunOptions};
    use std::path::Path;

    fn opts(max_file_size: u64) -> RunOptions {
        RunOptions {
            config: Config::defaults(Path::new(".")),
            overrides: Vec::new(),
            include_tests: false,
            min_confidence: leash_lints::Confidence::High,
            named_files: Vec::new(),
            jobs: None,
            max_file_size,
            perf: PerfOptions::default(),
            inventory: false,
        }
    }

    fn read(bytes: &[u8], max: u64) -> Result<String, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.rs");
        std::fs::write(&path, bytes).unwrap();
        read_source(&path, "f.rs".into(), &opts(max))
            .map(|(_, text, _)| text)
            .map_err(|o| o.findings[0].message.clone())
    }

    #[test]
    fn a_few_nul_bytes_are_rust_many_are_binary() {
        // rustc accepts a NUL inside a string literal.
        assert!(!looks_binary(b"fn f() { let s = \"a\0b\"; }\n"));
        assert!(looks_binary(&b"f\0n\0 \0f\0(\0)\0"[..]));
        assert!(!looks_binary(b""));
        assert_eq!(
            read(b"\0\0\0\0", 100).unwrap_err(),
            "binary file (contains NUL bytes), not Rust source"
        );
    }

    #[test]
    fn text_is_read_without_its_byte_order_mark() {
        assert_eq!(
            read("\u{feff}fn f() {}".as_bytes(), 100).unwrap(),
            "fn f() {}"
        );
    }

    #[test]
    fn what_cannot_be_read_says_why() {
        assert_eq!(
            read(b"fn f() { \xff }", 100).unwrap_err(),
            "file is not valid UTF-8 (invalid byte at offset 9)"
        );
        assert_eq!(
            read(b"fn f() {}", 4).unwrap_err(),
            "file too large to analyse (9 bytes; the limit is 4 bytes, see --max-file-size)"
        );
    }

    #[test]
    fn lexer_errors_in_words() {
        assert_eq!(
            lexer_error_in_words(Some("{ fn")).0,
            "this `{` is never closed"
        );
        assert_eq!(
            lexer_error_in_words(Some(") x")).0,
            "this `)` has no matching opening delimiter"
        );
        assert_eq!(
            lexer_error_in_words(Some("/* open")).0,
            "this block comment is never closed"
        );
        assert_eq!(
            lexer_error_in_words(Some("r#\"abc")).0,
            "this string or character literal is never closed"
        );
        assert_eq!(
            lexer_error_in_words(Some("€")).0,
            "the character '€' is not part of Rust's syntax"
        );
        assert!(lexer_error_in_words(None)
            .0
            .starts_with("the text cannot be split"));
    }
}
