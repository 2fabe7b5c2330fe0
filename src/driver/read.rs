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
