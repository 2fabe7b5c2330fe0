//! Suppressions and declarations: `// leash: allow(lint, ..) -- reason` comments,
//! and `#[leash::allow(..)]` / `#[leash::fallback(..)]` attributes on items.
//! For a whole file: `// leash: allow-file(lint, ..) -- reason` among the
//! comments that open it, or an inner `#![leash::allow(lint, reason = "..")]`.

use crate::finding::{Applicability, Edit, Finding, Pos, Span, Suggestion};
use crate::syntax::leash_attr;
use std::collections::HashMap;
use syn::spanned::Spanned;
use syn::visit::Visit;

/// A suppression comment.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AllowComment {
    pub span: Span,
    pub line: usize,
    pub lints: Vec<String>,
    pub reason: Option<String>,
    /// Code precedes the comment on its line: it covers that line only.
    pub trailing: bool,
    /// `allow-file(..)`: among the file's opening comments it covers the
    /// file (`whole_file`); placed after code, it covers nothing.
    #[serde(default)]
    pub file_form: bool,
    #[serde(default)]
    pub whole_file: bool,
}

/// Finds `// leash: allow(..)` comments by scanning the text (syn drops comments).
pub fn allow_comments(src: &str) -> Vec<AllowComment> {
    let mut out = Vec::new();
    if !src.contains("leash:") {
        return out;
    }
    // Still among the comments, blank lines and inner attributes that open the file.
    let mut opening = true;
    for (idx, line) in src.lines().enumerate() {
        let t = line.trim_start();
        opening &= t.is_empty()
            || t.starts_with("//")
            || t.starts_with("/*")
            || t.starts_with('*')
            || t.starts_with("#!");
        let Some(pos) = line.find("//") else { continue };
        let comment = &line[pos..];
        let body = comment.trim_start_matches('/').trim_start();
        let Some(rest) = body.strip_prefix("leash:") else {
            continue;
        };
        let rest = rest.trim_start();
        let Some(rest) = rest.strip_prefix("allow") else {
            continue;
        };
        let (file_form, rest) = match rest.strip_prefix("-file") {
            Some(rest) => (true, rest),
            None => (false, rest),
        };
        let rest = rest.trim_start();
        let Some(rest) = rest.strip_prefix('(') else {
            continue;
        };
        let Some(close) = rest.find(')') else {
            continue;
        };
        let lints: Vec<String> = rest[..close]
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let after = rest[close + 1..].trim();
        let after = after
            .strip_prefix("--")
            .or_else(|| after.strip_prefix(':'))
            .unwrap_or(after)
            .trim();
        let reason = (!after.is_empty()).then(|| after.to_string());
        let col = line[..pos].chars().count();
        out.push(AllowComment {
            span: Span::new(
                Pos {
                    line: idx + 1,
                    column: col,
                },
                Pos {
                    line: idx + 1,
                    column: col + comment.chars().count(),
                },
            ),
            line: idx + 1,
            lints,
            reason,
            trailing: !line[..pos].trim().is_empty(),
            file_form,
            whole_file: file_form && opening,
        });
    }
    out
}

/// The reason written by a suppression suggestion when none is given: a
/// placeholder a person replaces.
pub const REASON_PLACEHOLDER: &str = "<reason>";

/// Line `line` (1-based) of `source`, with its line ending (a scan of the
/// text: callers with many lines to look up index them instead).
pub fn source_line(source: &str, line: usize) -> &str {
    source
        .split_inclusive('\n')
        .nth(line.saturating_sub(1))
        .unwrap_or("")
}

/// A `// leash: allow(LINTS) -- REASON` line placed above `line` (1-based),
/// whose text is `line_text` (with or without its line ending), with that
/// line's indentation and line ending: the edit behind both the suppression
/// suggestion and `--add-allow`.
pub fn allow_comment_edit(line_text: &str, line: usize, lints: &[&str], reason: &str) -> Edit {
    let indent: String = line_text
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let crlf = line_text.trim_end_matches('\n').ends_with('\r');
    let eol = if crlf { "\r\n" } else { "\n" };
    Edit::insert(
        Pos { line, column: 0 },
        format!(
            "{indent}// leash: allow({}) -- {reason}{eol}",
            lints.join(", ")
        ),
    )
}

/// Whether a suppression comment can silence `finding`: not one about leash
/// itself (syntax errors, suppressions), nor one of the whole file.
pub fn suppressible(finding: &Finding) -> bool {
    finding.span.start.line > 0
        && crate::lint_by_name(finding.lint).is_some()
        && !crate::rules::meta::META
            .iter()
            .any(|m| m.name == finding.lint)
}

/// The suggestion to suppress `finding` with a comment above its line (whose
/// text is `line_text`), its reason a placeholder; `None` when a comment
/// cannot silence it (see [`suppressible`]).
pub fn suppression(line_text: &str, finding: &Finding) -> Option<Suggestion> {
    if !suppressible(finding) {
        return None;
    }
    let lint = finding.lint;
    Some(Suggestion {
        message: format!("suppress `{lint}` here with a reason"),
        edits: vec![allow_comment_edit(
            line_text,
            finding.span.start.line,
            &[lint],
            REASON_PLACEHOLDER,
        )],
        applicability: Applicability::HasPlaceholders,
    })
}

/// Whether `s` is the suppression comment [`suppression`] suggests (formats
/// that show one suggestion in words leave it out: it fits every finding).
pub fn is_suppression(s: &Suggestion) -> bool {
    s.edits.len() == 1
        && s.edits[0]
            .replacement
            .trim_start()
            .starts_with("// leash: allow(")
}

/// An item's extent, for comments placed before it and for attribute declarations.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ItemRange {
    /// First line, outer attributes included.
    pub start_line: usize,
    /// Line of the item's first token after its attributes.
    pub header_line: usize,
    pub end_line: usize,
    /// Lints an attribute on this item allows, with the attribute's span and reason.
    pub declared: Vec<Declaration>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Declaration {
    pub span: Span,
    /// `allow` or `fallback`
    pub kind: String,
    pub lints: Vec<String>,
    pub reason: Option<String>,
    /// Lint names that do not parse as a plain identifier list.
    pub malformed: bool,
}

/// Every item (at any depth) with its extent and leash declarations.
pub fn item_ranges(file: &syn::File) -> Vec<ItemRange> {
    let mut c = RangeCollector { out: Vec::new() };
    // `#![leash::allow(..)]` declares for the whole file: a range no line
    // falls outside, and that no comment precedes.
    if let Some(attr) = leash_attr(&file.attrs, "allow") {
        c.out.push(ItemRange {
            start_line: 1,
            header_line: 0,
            end_line: usize::MAX,
            declared: vec![parse_declaration(attr, "allow")],
        });
    }
    c.visit_file(file);
    c.out
}

struct RangeCollector {
    out: Vec<ItemRange>,
}

impl RangeCollector {
    fn record(
        &mut self,
        attrs: &[syn::Attribute],
        whole: proc_macro2::Span,
        header: proc_macro2::Span,
    ) {
        let start = attrs
            .iter()
            .map(|a| a.span().start().line)
            .min()
            .unwrap_or(whole.start().line);
        let mut declared = Vec::new();
        if let Some(attr) = leash_attr(attrs, "allow") {
            declared.push(parse_declaration(attr, "allow"));
        }
        if let Some(attr) = leash_attr(attrs, "fallback") {
            let mut d = parse_declaration(attr, "fallback");
            d.lints = vec!["silent_fallback".to_string()];
            declared.push(d);
        }
        self.out.push(ItemRange {
            start_line: start.min(whole.start().line),
            header_line: header.start().line,
            end_line: whole.end().line,
            declared,
        });
    }
}

fn parse_declaration(attr: &syn::Attribute, kind: &'static str) -> Declaration {
    let kind = kind.to_string();
    let mut d = Declaration {
        span: Span::from(attr.span()),
        kind,
        lints: Vec::new(),
        reason: None,
        malformed: false,
    };
    let syn::Meta::List(list) = &attr.meta else {
        return d;
    };
    let parsed = list.parse_nested_meta(|meta| {
        if meta.path.is_ident("reason") {
            let lit: syn::LitStr = meta.value()?.parse()?;
            let text = lit.value();
            if !text.trim().is_empty() {
                d.reason = Some(text);
            }
        } else if let Some(ident) = meta.path.get_ident() {
            d.lints.push(ident.to_string());
        } else {
            // `leash::unbounded_retry`-style names: keep the last segment.
            if let Some(last) = meta.path.segments.last() {
                d.lints.push(last.ident.to_string());
            }
        }
        // Swallow any `= value` we do not understand rather than failing the item.
        if meta.input.peek(syn::Token![=]) {
            let _ = meta.value()?.parse::<syn::Expr>()?;
        }
        Ok(())
    });
    d.malformed = parsed.is_err();
    d
}

fn header_span(attrs: &[syn::Attribute], item: &impl Spanned) -> proc_macro2::Span {
    // The item's tokens start with its attributes; the header is the first token
    // after them. Approximate with the item's span when it has no attributes.
    let _ = attrs;
    item.span()
}

impl<'ast> Visit<'ast> for RangeCollector {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs = crate::test_code::item_attrs(item);
        let header = item_header(item).unwrap_or_else(|| header_span(attrs, item));
        self.record(attrs, item.span(), header);
        syn::visit::visit_item(self, item);
    }
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.record(&f.attrs, f.span(), f.sig.span());
        syn::visit::visit_impl_item_fn(self, f);
    }
    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        self.record(&f.attrs, f.span(), f.sig.span());
        syn::visit::visit_trait_item_fn(self, f);
    }
}

fn item_header(item: &syn::Item) -> Option<proc_macro2::Span> {
    Some(match item {
        syn::Item::Fn(f) => f.sig.span(),
        syn::Item::Impl(i) => i.impl_token.span,
        syn::Item::Mod(m) => m.mod_token.span,
        syn::Item::Struct(s) => s.struct_token.span,
        syn::Item::Enum(e) => e.enum_token.span,
        syn::Item::Trait(t) => t.trait_token.span,
        syn::Item::Const(c) => c.const_token.span,
        syn::Item::Static(s) => s.static_token.span,
        _ => return None,
    })
}

/// The line each comment applies to: a trailing or file-level one its own
/// line; a leading one the next line that is not itself a leading
/// suppression comment, so stacked comments (one per lint, as `--add-allow`
/// writes beside an existing one) all reach the code. Linear in the number
/// of comments: a stack is walked once, from its last line up.
fn reached_lines(comments: &[AllowComment]) -> Vec<usize> {
    let leading: std::collections::HashSet<usize> = comments
        .iter()
        .filter(|c| !c.trailing)
        .map(|c| c.line)
        .collect();
    let mut below: HashMap<usize, usize> = HashMap::new();
    let mut lines: Vec<usize> = leading.iter().copied().collect();
    lines.sort_unstable_by(|a, b| b.cmp(a));
    for line in lines {
        let next = if leading.contains(&(line + 1)) {
            below.get(&(line + 1)).copied().unwrap_or(line + 1)
        } else {
            line + 1
        };
        below.insert(line, next);
    }
    comments
        .iter()
        .map(|c| below.get(&c.line).copied().unwrap_or(c.line))
        .collect()
}

/// All suppressions of one file, answering "is this finding allowed?".
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Suppressions {
    pub comments: Vec<AllowComment>,
    pub items: Vec<ItemRange>,
    /// How many findings each comment suppressed (for `--report-unused-allows`).
    pub comment_hits: Vec<usize>,
    /// The line each comment applies to (see [`reached_lines`]), worked out
    /// on first use.
    #[serde(skip)]
    reached: Vec<usize>,
}

impl Suppressions {
    pub fn new(src: &str, file: Option<&syn::File>) -> Self {
        let comments = allow_comments(src);
        // Item ranges only matter to a `leash` comment or attribute; finding
        // every item's extent is costly (spans of whole items).
        let items = match file {
            Some(file) if src.contains("leash") => item_ranges(file),
            _ => Vec::new(),
        };
        let comment_hits = vec![0; comments.len()];
        Suppressions {
            comments,
            items,
            comment_hits,
            reached: Vec::new(),
        }
    }

    /// Is `lint` at `span` allowed by a comment or a declaration?
    pub fn allows(&mut self, lint: &str, span: &Span) -> bool {
        let line = span.start.line;
        let group = crate::lint_by_name(lint).map(|l| l.group);
        let names = |l: &String| l == lint || l == "all" || Some(l.as_str()) == group;
        if self.reached.len() != self.comments.len() {
            self.reached = reached_lines(&self.comments);
        }
        for (i, c) in self.comments.iter().enumerate() {
            if !c.lints.iter().any(names) {
                continue;
            }
            let covers = if c.file_form {
                c.whole_file
            } else if c.trailing {
                c.line == line
            } else {
                let next = self.reached[i];
                next == line
                    || c.line == line
                    || self.items.iter().any(|it| {
                        (it.start_line..=it.header_line).contains(&next)
                            && it.start_line <= line
                            && line <= it.end_line
                    })
            };
            if covers {
                self.comment_hits[i] += 1;
                return true;
            }
        }
        self.items.iter().any(|it| {
            it.start_line <= line
                && line <= it.end_line
                && it.declared.iter().any(|d| d.lints.iter().any(names))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_comments() {
        let c = allow_comments("let x = 1; // leash: allow(unbounded_channel) -- startup only\n// leash: allow(a, b)\n");
        assert_eq!(c.len(), 2);
        assert!(c[0].trailing);
        assert_eq!(c[0].lints, vec!["unbounded_channel"]);
        assert_eq!(c[0].reason.as_deref(), Some("startup only"));
        assert!(!c[1].trailing);
        assert_eq!(c[1].lints, vec!["a", "b"]);
        assert_eq!(c[1].reason, None);
    }

    #[test]
    fn suppression_suggestion_is_a_comment_above_with_the_line_indent() {
        let src = "fn f() {\n    let (tx, rx) = unbounded_channel();\n}\n";
        let f = Finding::new(
            "unbounded_channel",
            Span::new(
                Pos {
                    line: 2,
                    column: 19,
                },
                Pos {
                    line: 2,
                    column: 36,
                },
            ),
            "m",
        );
        let s = suppression(source_line(src, 2), &f).unwrap();
        assert_eq!(s.applicability, Applicability::HasPlaceholders);
        assert_eq!(s.edits.len(), 1);
        assert_eq!(s.edits[0].span.start, Pos { line: 2, column: 0 });
        assert_eq!(s.edits[0].span.start, s.edits[0].span.end);
        assert_eq!(
            s.edits[0].replacement,
            "    // leash: allow(unbounded_channel) -- <reason>\n"
        );
        // The comment it writes suppresses the finding.
        let fixed = format!(
            "fn f() {{\n{}    let (tx, rx) = unbounded_channel();\n}}\n",
            s.edits[0].replacement
        );
        let file = syn::parse_file(&fixed).unwrap();
        let mut sup = Suppressions::new(&fixed, Some(&file));
        let moved = Span::new(
            Pos {
                line: 3,
                column: 19,
            },
            Pos {
                line: 3,
                column: 36,
            },
        );
        assert!(sup.allows("unbounded_channel", &moved));
        // A file with Windows line endings keeps them.
        let crlf = src.replace('\n', "\r\n");
        let s = suppression(source_line(&crlf, 2), &f).unwrap();
        assert_eq!(
            s.edits[0].replacement,
            "    // leash: allow(unbounded_channel) -- <reason>\r\n"
        );
        // Findings about leash itself get none.
        assert!(suppression("", &Finding::new("parse_error", f.span, "m")).is_none());
    }

    #[test]
    fn each_comment_reaches_the_first_line_below_its_stack() {
        let src = "// leash: allow(a) -- 1\n// leash: allow(b) -- 2\nx();\n\n// leash: allow(c) -- 3\ny(); // leash: allow(d) -- 4\n";
        let comments = allow_comments(src);
        assert_eq!(reached_lines(&comments), [3, 3, 6, 6]);
        // A stack of thousands is walked once, not once per comment.
        let many: String = (0..5000)
            .map(|i| format!("// leash: allow(a) -- {i}\n"))
            .collect();
        let comments = allow_comments(&(many + "z();\n"));
        assert!(reached_lines(&comments).iter().all(|&l| l == 5001));
    }

    #[test]
    fn stacked_comments_all_reach_the_line_below_them() {
        let src = "fn f() {\n    // leash: allow(a) -- one\n    // leash: allow(b) -- two\n    x(); y();\n    z();\n}\n";
        let file = syn::parse_file(src).unwrap();
        let mut s = Suppressions::new(src, Some(&file));
        let at = |line| Span::new(Pos { line, column: 4 }, Pos { line, column: 8 });
        assert!(s.allows("a", &at(4)));
        assert!(s.allows("b", &at(4)));
        assert!(!s.allows("a", &at(5)));
        assert_eq!(s.comment_hits, vec![1, 1]);
    }

    #[test]
    fn item_comment_covers_whole_item() {
        let src =
            "// leash: allow(x) -- ok\n#[inline]\nfn f() {\n    a();\n}\nfn g() {\n    b();\n}\n";
        let file = syn::parse_file(src).unwrap();
        let mut s = Suppressions::new(src, Some(&file));
        let at = |line| Span::new(Pos { line, column: 4 }, Pos { line, column: 8 });
        assert!(s.allows("x", &at(4)));
        assert!(!s.allows("x", &at(7)));
        assert!(!s.allows("y", &at(4)));
    }

    #[test]
    fn file_level_suppressions_cover_the_whole_file() {
        let at = |line| Span::new(Pos { line, column: 4 }, Pos { line, column: 8 });
        let src = "//! A module.\n// leash: allow-file(x) -- generated\n\nfn f() {\n    a();\n}\n// leash: allow-file(y) -- too late\nfn g() {\n    b();\n}\n";
        let file = syn::parse_file(src).unwrap();
        let mut s = Suppressions::new(src, Some(&file));
        assert!(s.comments[0].whole_file);
        assert!(!s.comments[1].whole_file, "after code: not the file's");
        assert!(s.allows("x", &at(5)));
        assert!(s.allows("x", &at(9)));
        assert!(
            !s.allows("y", &at(9)),
            "a misplaced allow-file covers nothing"
        );
        assert_eq!(s.comment_hits, vec![2, 0]);

        let src = "#![leash::allow(x, reason = \"vendored\")]\nfn f() {\n    a();\n}\n";
        let file = syn::parse_file(src).unwrap();
        let mut s = Suppressions::new(src, Some(&file));
        assert!(s.allows("x", &at(3)));
        assert!(!s.allows("y", &at(3)));
        assert_eq!(s.items[0].declared[0].reason.as_deref(), Some("vendored"));
    }

    #[test]
    fn attribute_declarations() {
        let src = "#[leash::fallback(reason = \"cache\")]\nfn f() {\n    a();\n}\n#[leash::allow(unbounded_spawn)]\nfn g() {\n    b();\n}\n";
        let file = syn::parse_file(src).unwrap();
        let items = item_ranges(&file);
        assert_eq!(items[0].declared[0].lints, vec!["silent_fallback"]);
        assert_eq!(items[0].declared[0].reason.as_deref(), Some("cache"));
        assert_eq!(items[1].declared[0].lints, vec!["unbounded_spawn"]);
        assert!(items[1].declared[0].reason.is_none());
    }
}
