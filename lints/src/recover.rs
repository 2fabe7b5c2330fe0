//! Recovery per item: a file that `syn` cannot parse as a whole loses only the
//! items it cannot parse.
//!
//! The file is read as tokens (which succeeds whenever its delimiters and
//! literals close, whatever syntax is inside), cut into its top-level items, and
//! each item is parsed on its own. The items that fail are blanked (every
//! character but line breaks turned into a space, as the body prefilter does),
//! and the whole blanked text is parsed once more: one tree, every line and
//! column where it was, so the lints, imports, suppressions and call summaries
//! see the file as usual, less the lost items.

use crate::finding::{Finding, Pos, Span};
use proc_macro2::{Delimiter, LineColumn, TokenTree};

/// A file parsed without the items that could not be.
pub struct Recovered {
    pub file: syn::File,
    /// The text parsed: the source with the lost items blanked.
    pub text: String,
    /// One `parse_error` per lost item.
    pub failures: Vec<Finding>,
}

/// Rounds of "parse the blanked text, blank the item the error is in" after the
/// first: items that parse alone but not together are rare (an inner attribute
/// after an item); more than a few means the cuts are wrong.
const MAX_ROUNDS: usize = 4;

/// A top-level item: its byte range in the source and its first and last
/// positions (as `syn` reports them).
#[derive(Clone, Copy)]
struct Item {
    /// Its top-level tokens: `tokens[first_token..end_token]`.
    first_token: usize,
    end_token: usize,
    start: usize,
    end: usize,
    first: LineColumn,
    last: LineColumn,
}

impl Item {
    fn span(&self) -> Span {
        Span::new(pos(self.first), pos(self.last))
    }

    fn contains(&self, at: LineColumn) -> bool {
        let key = |p: LineColumn| (p.line, p.column);
        key(self.first) <= key(at) && key(at) <= key(self.last)
    }
}

fn pos(p: LineColumn) -> Pos {
    Pos {
        line: p.line,
        column: p.column,
    }
}

/// Parses `source`, which does not parse as a whole, item by item. `None`
/// when its tokens cannot be read (unclosed delimiters or literals) or the
/// recovery does not converge: the whole file is then the error.
pub fn parse_items(source: &str) -> Option<Recovered> {
    let (base, body) = tokens_start(source);
    let tokens: Vec<TokenTree> = body
        .parse::<proc_macro2::TokenStream>()
        .ok()?
        .into_iter()
        .collect();
    let items = cut_items(&tokens, base);
    // Cuts must fall on character boundaries of the source (a span-less build
    // of proc-macro2 gives empty ranges: then nothing is recovered).
    if items.iter().any(|i| {
        i.start >= i.end || !source.is_char_boundary(i.start) || !source.is_char_boundary(i.end)
    }) {
        return None;
    }
    let mut lost: Vec<(usize, Finding)> = Vec::new();
    // Items read in their edition-2015 reading: (item, its rewritten text).
    let mut rewritten: Vec<(usize, String)> = Vec::new();
    for (k, item) in items.iter().enumerate() {
        let text = &source[item.start..item.end];
        if let Err(e) = syn::parse_file(text) {
            if let Some(dyn_form) = rewrite_bare_fn_traits(
                text,
                &tokens[item.first_token..item.end_token],
                item.start - base,
            ) {
                if syn::parse_file(&dyn_form).is_ok() {
                    rewritten.push((k, dyn_form));
                    continue;
                }
            }
            let at = shift(e.span().start(), item.first);
            lost.push((k, failure(source, item, at, &e)));
        }
    }
    for _ in 0..=MAX_ROUNDS {
        let text = edited_text(source, &items, &lost, &rewritten);
        match syn::parse_file(&text) {
            Ok(file) => {
                lost.sort_by_key(|l| l.0);
                return Some(Recovered {
                    file,
                    text,
                    failures: lost.into_iter().map(|l| l.1).collect(),
                });
            }
            Err(e) => {
                let at = e.span().start();
                let k = items.iter().position(|i| i.contains(at))?;
                if lost.iter().any(|l| l.0 == k) {
                    return None;
                }
                rewritten.retain(|r| r.0 != k);
                lost.push((k, failure(source, &items[k], at, &e)));
            }
        }
    }
    None
}

/// Where `syn::parse_file` starts reading: after a byte order mark and a
/// shebang line (up to its line break, so lines keep their numbers).
fn tokens_start(source: &str) -> (usize, &str) {
    let mut base = 0;
    if source.starts_with('\u{feff}') {
        base = '\u{feff}'.len_utf8();
    }
    let rest = &source[base..];
    if let Some(after) = rest.strip_prefix("#!") {
        if !after.trim_start().starts_with('[') {
            base += rest.find('\n').unwrap_or(rest.len());
        }
    }
    (base, &source[base..])
}

/// A position in an item parsed alone, as a position in the file.
fn shift(at: LineColumn, item_start: LineColumn) -> LineColumn {
    if at.line == 0 {
        // No position (an error at the end of the input): the item's start.
        item_start
    } else if at.line == 1 {
        LineColumn {
            line: item_start.line,
            column: item_start.column + at.column,
        }
    } else {
        LineColumn {
            line: item_start.line + at.line - 1,
            column: at.column,
        }
    }
}

fn failure(source: &str, item: &Item, at: LineColumn, e: &syn::Error) -> Finding {
    let at = if item.contains(at) { at } else { item.first };
    // The item's first line stands for it: an item can be hundreds of lines.
    let text = &source[item.start..item.end];
    let (head, lines) = match text.find('\n') {
        Some(k) => {
            let head = text[..k].trim_end();
            let end = Pos {
                line: item.first.line,
                column: item.first.column + head.chars().count(),
            };
            let lines = format!("lines {} to {}", item.first.line, item.last.line);
            (Span::new(pos(item.first), end), lines)
        }
        None => (item.span(), format!("line {}", item.first.line)),
    };
    let mut why = e.to_string();
    if why.starts_with("expected one of: `fn`") {
        why = "expected an item (`fn`, `struct`, `use`, ...)".to_string();
    }
    Finding::new(
        "parse_error",
        head,
        "could not parse this item; it is left out and the rest of the file is analysed",
    )
    .label(format!("this item ({lines}) is not analysed"))
    .secondary(Span::new(pos(at), pos(at)), format!("parsing stopped here: {why}"))
    .help("leash reads stable Rust syntax of editions 2015 to 2024; unstable syntax and templates are skipped item by item")
}

/// Cuts the top-level tokens into items. An item ends at a `;`, after an
/// inner attribute, or at a `{...}` that nothing continues: a `;` joins it,
/// and so do `else`, `as`, an operator or a group (`if c { a } else { b }`,
/// `S {} .f()`, `Foo<{ N }>` in a header), while an identifier, `#` or a literal
/// starts the next item.
fn cut_items(tokens: &[TokenTree], base: usize) -> Vec<Item> {
    let mut items = Vec::new();
    let mut start: Option<usize> = None;
    for (k, tt) in tokens.iter().enumerate() {
        let first = *start.get_or_insert(k);
        let ends = match tt {
            TokenTree::Punct(p) => p.as_char() == ';',
            TokenTree::Group(g) if g.delimiter() == Delimiter::Bracket => {
                // `#![...]` standing first.
                k == first + 2
                    && matches!(&tokens[first], TokenTree::Punct(p) if p.as_char() == '#')
                    && matches!(&tokens[first + 1], TokenTree::Punct(p) if p.as_char() == '!')
            }
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => match tokens.get(k + 1) {
                None => true,
                Some(TokenTree::Ident(i)) => i != "else" && i != "as",
                Some(TokenTree::Punct(p)) => p.as_char() == '#',
                Some(TokenTree::Literal(_)) => true,
                Some(TokenTree::Group(_)) => false,
            },
            _ => false,
        };
        if ends || k + 1 == tokens.len() {
            let (a, b) = (tokens[first].span(), tt.span());
            items.push(Item {
                first_token: first,
                end_token: k + 1,
                start: base + a.byte_range().start,
                end: base + b.byte_range().end,
                first: a.start(),
                last: b.end(),
            });
            start = None;
        }
    }
    items
}

/// `source` with the lost items blanked (line breaks kept, one space per
/// other character, so every line and column stays where it was) and the
/// rewritten ones replaced.
fn edited_text(
    source: &str,
    items: &[Item],
    lost: &[(usize, Finding)],
    rewritten: &[(usize, String)],
) -> String {
    let mut edits: Vec<(usize, usize, Option<&str>)> = lost
        .iter()
        .map(|l| (items[l.0].start, items[l.0].end, None))
        .chain(
            rewritten
                .iter()
                .map(|r| (items[r.0].start, items[r.0].end, Some(r.1.as_str()))),
        )
        .collect();
    edits.sort_unstable_by_key(|e| e.0);
    let mut text = String::with_capacity(source.len());
    let mut at = 0;
    for (s, e, replacement) in edits {
        text.push_str(&source[at..s]);
        match replacement {
            Some(r) => text.push_str(r),
            None => text.extend(source[s..e].chars().map(blank)),
        }
        at = e;
    }
    text.push_str(&source[at..]);
    text
}

fn blank(c: char) -> char {
    match c {
        '\n' | '\r' => c,
        _ => ' ',
    }
}

/// The names whose parenthesised form `Fn(A) -> R` edition 2015 allows as a
/// bare trait object, which `syn` reads only after `dyn`.
const FN_TRAITS: &[&str] = &["Fn", "FnMut", "FnOnce"];

/// `text` (an item starting at byte `offset` of the tokenized text, whose
/// top-level tokens are `tokens`) with each bare `Fn(A, B) -> R` in type
/// position written `Fn<A, B>` and the return type blanked: the same length,
/// lines and columns, in a form `syn` reads (the return type is lost, which no
/// lint needs). `None` when there is none.
fn rewrite_bare_fn_traits(text: &str, tokens: &[TokenTree], offset: usize) -> Option<String> {
    let mut edits: Vec<(usize, usize, char)> = Vec::new(); // byte range, what stands there
    collect_fn_edits(tokens, &mut edits);
    if edits.is_empty() {
        return None;
    }
    edits.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (s, e, with) in edits {
        let (s, e) = (s.checked_sub(offset)?, e.checked_sub(offset)?);
        // Inside a return type already blanked.
        if s < at {
            continue;
        }
        out.push_str(text.get(at..s)?);
        match with {
            ' ' => out.extend(text.get(s..e)?.chars().map(blank)),
            c => out.push(c),
        }
        at = e;
    }
    out.push_str(text.get(at..)?);
    Some(out)
}

fn collect_fn_edits(tokens: &[TokenTree], edits: &mut Vec<(usize, usize, char)>) {
    for (k, tt) in tokens.iter().enumerate() {
        let TokenTree::Group(g) = tt else { continue };
        let stream: Vec<TokenTree> = g.stream().into_iter().collect();
        collect_fn_edits(&stream, edits);
        if g.delimiter() != Delimiter::Parenthesis {
            continue;
        }
        let Some(TokenTree::Ident(name)) = k.checked_sub(1).map(|p| &tokens[p]) else {
            continue;
        };
        if !FN_TRAITS.iter().any(|t| name == t) {
            continue;
        }
        // After `dyn`, `impl`, `:` or `+` the form is a bound, which `syn` reads.
        let bound = k.checked_sub(2).is_some_and(|p| match &tokens[p] {
            TokenTree::Ident(i) => i == "dyn" || i == "impl",
            TokenTree::Punct(p) => matches!(p.as_char(), ':' | '+'),
            _ => false,
        });
        if bound {
            continue;
        }
        let open = g.span_open().byte_range();
        let close = g.span_close().byte_range();
        edits.push((open.start, open.end, '<'));
        edits.push((close.start, close.end, '>'));
        if let Some(end) = return_type_end(&tokens[k + 1..]) {
            let arrow = tokens[k + 1].span().byte_range().start;
            edits.push((arrow, end, ' '));
        }
    }
}

/// With `tokens` starting at `->`: the end byte of the return type after it,
/// which runs to a `,`, `;`, `=`, `+`, `{` or `where`, or to a `>` that
/// closes an enclosing `<`.
fn return_type_end(tokens: &[TokenTree]) -> Option<usize> {
    let is =
        |k: usize, c: char| matches!(tokens.get(k), Some(TokenTree::Punct(p)) if p.as_char() == c);
    if !(is(0, '-') && is(1, '>')) {
        return None;
    }
    let mut depth = 0usize;
    let mut end = None;
    let mut k = 2;
    while let Some(tt) = tokens.get(k) {
        match tt {
            TokenTree::Punct(p) => match p.as_char() {
                // A nested `-> R` (`Fn() -> fn() -> u8`).
                '-' if is(k + 1, '>') => k += 1,
                '<' => depth += 1,
                '>' if depth == 0 => break,
                '>' => depth -= 1,
                ',' | ';' | '=' | '+' if depth == 0 => break,
                _ => {}
            },
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => break,
            TokenTree::Ident(i) if i == "where" => break,
            _ => {}
        }
        end = Some(tokens[k].span().byte_range().end);
        k += 1;
    }
    end
}

/// `source` with a leading frontmatter block (`---` fences, as in cargo
/// scripts, after an optional shebang line) blanked to empty lines; `None`
/// when there is none.
pub fn blank_frontmatter(source: &str) -> Option<String> {
    let mut offset = 0;
    let mut lines = source.split_inclusive('\n');
    let mut opening = None;
    for line in lines.by_ref() {
        let start = offset;
        offset += line.len();
        if start == 0 && line.starts_with("#!") && !line[2..].trim_start().starts_with('[') {
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        let dashes = line.bytes().take_while(|&b| b == b'-').count();
        if dashes < 3 {
            return None;
        }
        opening = Some((start, dashes));
        break;
    }
    let (start, dashes) = opening?;
    for line in lines {
        offset += line.len();
        let fence = line.trim_end();
        if fence.len() == dashes && fence.bytes().all(|b| b == b'-') {
            let mut text = String::with_capacity(source.len());
            text.push_str(&source[..start]);
            text.extend(source[start..offset].chars().map(blank));
            text.push_str(&source[offset..]);
            return Some(text);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lost_lines(src: &str) -> Vec<usize> {
        let r = parse_items(src).expect("recovered");
        r.failures.iter().map(|f| f.span.start.line).collect()
    }

    #[test]
    fn only_the_item_that_fails_is_lost() {
        let src = "use std::net::TcpStream;\n\
                   fn numbers() -> impl Iterator<Item = u8> { gen { yield 1; } }\n\
                   fn connect() { let _ = TcpStream::connect(\"a:1\"); }\n";
        let r = parse_items(src).expect("recovered");
        assert_eq!(r.failures.len(), 1);
        assert_eq!(r.failures[0].span.start, Pos { line: 2, column: 0 });
        let names: Vec<String> = r
            .file
            .items
            .iter()
            .filter_map(|i| match i {
                syn::Item::Fn(f) => Some(f.sig.ident.to_string()),
                _ => None,
            })
            .collect();
        assert_eq!(names, ["connect"]);
        // Positions of what is kept are those of the source.
        let syn::Item::Fn(f) = &r.file.items[1] else {
            panic!("a function")
        };
        assert_eq!(f.sig.ident.span().start().line, 3);
        assert_eq!(f.sig.ident.span().start().column, 3);
        assert_eq!(r.text.len(), src.len());
    }

    #[test]
    fn items_are_cut_where_rust_ends_them() {
        // A brace continued by `else`, `;`, an operator or a generic argument
        // does not end the item; an identifier or attribute after one does.
        let src = "const A: u8 = if true { 1 } else { 2 };\n\
                   struct S<const N: usize = { 3 }> { a: u8 }\n\
                   impl S<{ 3 }> { fn f() {} }\n\
                   #[derive(Debug)] struct T;\n\
                   macro_rules! m { () => {} }\n\
                   fn {{ name }}() {}\n\
                   const B: u8 = { 1 } + 2;\n";
        assert_eq!(lost_lines(src), [6]);
        let r = parse_items(src).unwrap();
        assert_eq!(r.file.items.len(), 6);
    }

    #[test]
    fn unclosed_delimiters_lose_the_file() {
        assert!(parse_items("fn a() {}\nfn broken( {\n").is_none());
    }

    #[test]
    fn inner_attributes_and_shebang_are_kept() {
        let src = "#!/usr/bin/env run\n#![allow(dead_code)]\nfn a() -> u8 { gen { yield 1; } }\nfn b() {}\n";
        let r = parse_items(src).unwrap();
        assert_eq!(r.file.attrs.len(), 1);
        assert_eq!(r.file.items.len(), 1);
        assert_eq!(lost_lines(src), [3]);
    }

    #[test]
    fn frontmatter_becomes_blank_lines() {
        let src = "#!/usr/bin/env cargo\n---\n[dependencies]\nx = \"1\"\n---\nfn main() {}\n";
        let text = blank_frontmatter(src).unwrap();
        assert_eq!(text.lines().count(), src.lines().count());
        assert!(text.lines().nth(5).unwrap().starts_with("fn main"));
        assert!(syn::parse_file(&text).is_ok());
        assert!(blank_frontmatter("fn main() {}\n").is_none());
        // An unclosed fence is the file's own error.
        assert!(blank_frontmatter("---\nfn main() {}\n").is_none());
    }

    #[test]
    fn bare_fn_trait_objects_are_read_as_edition_2015_reads_them() {
        let src = "pub type Action = Fn(&u8) + Send + Sync;\n\
                   type Handler = Box<FnMut(u32) -> Result<u32, ()> + Send>;\n\
                   fn call<F: Fn() -> u8>(f: &Fn(u8), g: F) -> Box<Error + Send> { loop {} }\n\
                   fn broken() { gen { yield 1; } }\n";
        let r = parse_items(src).expect("recovered");
        assert_eq!(r.failures.len(), 1);
        assert_eq!(r.failures[0].span.start.line, 4);
        assert_eq!(r.file.items.len(), 3);
        assert_eq!(r.text.len(), src.len());
        let lines: Vec<&str> = r.text.lines().collect();
        assert_eq!(lines[0], "pub type Action = Fn<&u8> + Send + Sync;");
        let blank_return = " ".repeat(" -> Result<u32, ()> ".len());
        assert_eq!(
            lines[1],
            format!("type Handler = Box<FnMut<u32>{blank_return}+ Send>;")
        );
        // A bound keeps its return type.
        assert!(lines[2].starts_with("fn call<F: Fn() -> u8>(f: &Fn<u8>, g: F)"));
    }

    /// (lint, line, column) of every finding of `src`, analysed with every
    /// lint, with the body prefilter or without.
    fn findings(src: &str, prefilter: bool) -> Vec<(&'static str, usize, usize)> {
        let policy = crate::Policy::default();
        let all = |_: &str| true;
        let filter = crate::body_filter::BodyFilter::for_lints(&all, false);
        let a = crate::analyze_source(
            "t.rs",
            src,
            &crate::AnalysisOptions {
                policy: &policy,
                include_tests: false,
                enabled: &all,
                inventory: false,
                body_filter: filter.as_ref().filter(|_| prefilter),
                keep: None,
            },
        );
        let mut out: Vec<_> = a
            .findings
            .iter()
            .map(|f| (f.lint, f.span.start.line, f.span.start.column))
            .collect();
        out.sort_unstable();
        out
    }

    /// The findings of `src`, the same with and without the prefilter.
    fn findings_agreeing(src: &str) -> Vec<(&'static str, usize, usize)> {
        let with = findings(src, true);
        assert_eq!(with, findings(src, false), "prefilter and full parse agree");
        with
    }

    const DIAL: &str = "fn dial(addr: &str) -> std::io::Result<std::net::TcpStream> {\n    std::net::TcpStream::connect(addr)\n}\n";

    #[test]
    fn a_gen_block_loses_its_item_only() {
        let src = format!(
            "fn attempts(a: &str) -> impl Iterator<Item = u8> + '_ {{\n    gen {{ yield std::net::TcpStream::connect(a); }}\n}}\n{DIAL}\
             fn redial() -> std::net::TcpStream {{\n    loop {{\n        match dial(\"db:1\") {{\n            Ok(c) => break c,\n            Err(_) => {{}}\n        }}\n    }}\n}}\n"
        );
        let found = findings_agreeing(&src);
        assert!(found.contains(&("parse_error", 1, 0)), "{found:?}");
        assert!(found.contains(&("missing_timeout", 5, 4)), "{found:?}");
        assert!(found.contains(&("unbounded_retry", 8, 4)), "{found:?}");
        assert!(
            found.contains(&("retry_without_backoff", 11, 12)),
            "{found:?}"
        );
        assert_eq!(found.iter().filter(|f| f.0 == "parse_error").count(), 1);
    }

    #[test]
    fn a_template_fragment_loses_its_item_only() {
        let src =
            format!("use std::net::TcpStream;\n{{% if tls %}}\nfn {{{{ name }}}}() {{}}\n{DIAL}");
        let found = findings_agreeing(&src);
        assert_eq!(
            found,
            [
                ("missing_timeout", 5, 4),
                ("parse_error", 2, 0),
                ("parse_error", 3, 0)
            ]
        );
    }

    #[test]
    fn edition_2015_trait_objects_are_analysed() {
        let src = format!("pub type Action = Fn(&u8) + Send;\ntype B = Box<Error + Send>;\n{DIAL}");
        assert_eq!(findings_agreeing(&src), [("missing_timeout", 4, 4)]);
    }

    #[test]
    fn frontmatter_is_skipped_with_lines_kept() {
        let src = format!("---\n[dependencies]\n---\n{DIAL}");
        assert_eq!(findings_agreeing(&src), [("missing_timeout", 5, 4)]);
    }
}
