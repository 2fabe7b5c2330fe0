//! Applying suggestions to source text: `--fix`, `--unsafe-fixes`, `--diff`
//! and `--add-allow`. Edits are made in memory; a file is written only when
//! its fixed text still parses, and then atomically.

use crate::source_map::LineIndex;
use leash_lints::{Applicability, Edit, Finding, Suggestion};
use std::ops::Range;

/// Rounds of fix, re-check, fix: a fix may uncover another, and overlapping
/// edits wait for the next round. Small and fixed, so a fix that keeps
/// proposing itself cannot loop.
pub const MAX_ROUNDS: usize = 4;

/// An edit located in bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ByteEdit {
    pub range: Range<usize>,
    pub text: String,
}

/// `edit`'s line/column span as a byte range of `src`.
pub fn byte_edit(src: &str, idx: &LineIndex, edit: &Edit) -> ByteEdit {
    let start = idx.offset(src, edit.span.start.line.max(1), edit.span.start.column);
    let end = idx
        .offset(src, edit.span.end.line.max(1), edit.span.end.column)
        .max(start);
    ByteEdit {
        range: start..end,
        text: edit.replacement.clone(),
    }
}

/// Whether two edits touch the same text (two insertions at one place
/// conflict too: their order would be a guess).
fn conflict(a: &Range<usize>, b: &Range<usize>) -> bool {
    (a.start < b.end && b.start < a.end) || a.start == b.start
}

/// The text with `suggestions` applied, each whole or not at all: one whose
/// edits touch an edit already taken is skipped (the next round retries it).
/// Returns the new text and how many suggestions were applied.
pub fn apply(src: &str, suggestions: &[&Suggestion]) -> (String, usize) {
    let idx = LineIndex::new(src);
    let mut taken: Vec<ByteEdit> = Vec::new();
    let mut applied = 0;
    for s in suggestions {
        let edits: Vec<ByteEdit> = s.edits.iter().map(|e| byte_edit(src, &idx, e)).collect();
        let clashes = edits.iter().enumerate().any(|(i, e)| {
            taken.iter().any(|t| conflict(&t.range, &e.range))
                || edits[..i].iter().any(|o| conflict(&o.range, &e.range))
        });
        if clashes || edits.is_empty() {
            continue;
        }
        taken.extend(edits);
        applied += 1;
    }
    taken.sort_by_key(|e| e.range.start);
    let mut out = String::with_capacity(src.len() + 64);
    let mut at = 0;
    for e in &taken {
        out.push_str(&src[at..e.range.start]);
        out.push_str(&e.text);
        at = e.range.end;
    }
    out.push_str(&src[at..]);
    (out, applied)
}

/// The suggestions `--fix` applies to a finding: machine-applicable ones,
/// and with `unsafe_fixes` the maybe-incorrect ones too; never one with a
/// placeholder. The first that qualifies, per finding.
pub fn fix_of(finding: &Finding, unsafe_fixes: bool) -> Option<&Suggestion> {
    finding.suggestions.iter().find(|s| match s.applicability {
        Applicability::MachineApplicable => true,
        Applicability::MaybeIncorrect => unsafe_fixes,
        Applicability::HasPlaceholders => false,
    })
}

/// What fixing one file came to.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct FileFix {
    /// The fixed text, when anything changed.
    pub text: Option<String>,
    /// How many suggestions were applied.
    pub applied: usize,
    /// A round whose result did not parse: its fixes were dropped (the
    /// rounds before it are kept).
    pub broke_parse: bool,
}

/// Fixes one file's text in rounds: apply what `findings_of` finds fixable,
/// check the result parses as well as the original, re-check, repeat.
/// `findings_of` analyses a text as the file's; the first round may use
/// `first` (the findings already at hand) instead.
pub fn fix_text(
    original: &str,
    first: Vec<Finding>,
    findings_of: &dyn Fn(&str) -> Vec<Finding>,
    unsafe_fixes: bool,
) -> FileFix {
    // A file with items that do not parse may be fixed elsewhere, as long
    // as no more of its items fail than before.
    let syntax_errors = leash_lints::analysis::syntax_errors(original);
    let mut text = original.to_string();
    let mut out = FileFix::default();
    let mut findings = first;
    for round in 0..MAX_ROUNDS {
        if round > 0 {
            findings = findings_of(&text);
        }
        let fixes: Vec<&Suggestion> = findings
            .iter()
            .filter_map(|f| fix_of(f, unsafe_fixes))
            .collect();
        if fixes.is_empty() {
            break;
        }
        let (next, applied) = apply(&text, &fixes);
        let next = corrupt_for_tests(next);
        if applied == 0 || next == text {
            break;
        }
        if leash_lints::analysis::syntax_errors(&next) > syntax_errors {
            out.broke_parse = true;
            break;
        }
        out.applied += applied;
        text = next;
    }
    if text != original {
        out.text = Some(text);
    }
    out
}

/// Test hook (debug builds only): `LEASH_TEST_BREAK_FIXES` appends an
/// unclosed brace to every fixed text, so the tests can see a fix that
/// breaks the parse dropped. Release builds have no such hook.
fn corrupt_for_tests(text: String) -> String {
    if cfg!(debug_assertions) && std::env::var_os("LEASH_TEST_BREAK_FIXES").is_some() {
        text + "\nfn broken() {\n"
    } else {
        text
    }
}

/// The `--add-allow` edits for one file: one `// leash: allow(..) -- reason`
/// line above each line with findings, naming each lint once, in the order
/// found. Findings about leash itself (syntax errors, suppressions) have no
/// suppression and get none. Returns the new text and how many comments
/// were added.
pub fn add_allow(src: &str, findings: &[&Finding], reason: &str) -> Option<(String, usize)> {
    let mut lines: Vec<(usize, Vec<&str>)> = Vec::new();
    for f in findings {
        if !leash_lints::suppress::suppressible(f) {
            continue;
        }
        let line = f.span.start.line;
        match lines.iter_mut().find(|(l, _)| *l == line) {
            Some((_, lints)) if lints.contains(&f.lint) => {}
            Some((_, lints)) => lints.push(f.lint),
            None => lines.push((line, vec![f.lint])),
        }
    }
    if lines.is_empty() {
        return None;
    }
    let idx = LineIndex::new(src);
    let suggestions: Vec<Suggestion> = lines
        .iter()
        .map(|(line, lints)| Suggestion {
            message: String::new(),
            edits: vec![leash_lints::suppress::allow_comment_edit(
                &src[idx.line_range(src, line - 1)],
                *line,
                lints,
                reason,
            )],
            applicability: Applicability::MachineApplicable,
        })
        .collect();
    let refs: Vec<&Suggestion> = suggestions.iter().collect();
    Some(apply(src, &refs))
}

/// A unified diff of `old` to `new` for `path` (`--diff`), three lines of
/// context, as `diff -u` and `git diff` print it.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

/// What `--fix`, `--diff` or `--add-allow` did to a run's files.
#[derive(Debug, Default)]
pub struct RunFix {
    /// Files changed (or, with `--diff`, that would change).
    pub files: usize,
    /// Suggestions applied, or suppression comments added.
    pub applied: usize,
    /// Files left untouched because their fixed text did not parse.
    pub broke_parse: Vec<String>,
    /// Files that could not be written, with why.
    pub errors: Vec<String>,
}

/// What to do with a run's fixable findings.
pub enum Action<'a> {
    /// `--fix`: write the fixed files.
    Write { unsafe_fixes: bool },
    /// `--diff`: print what `--fix` would change.
    Diff {
        unsafe_fixes: bool,
        out: &'a mut dyn std::io::Write,
    },
    /// `--add-allow REASON`: a suppression comment for every finding.
    AddAllow { reason: &'a str },
}

/// Applies `action` to every file of `result` with findings. `recheck`
/// analyses a file's new text (the findings shown, as `result` holds them).
pub fn run(
    result: &crate::driver::RunResult,
    recheck: &dyn Fn(&str, &str) -> Vec<Finding>,
    mut action: Action,
) -> std::io::Result<RunFix> {
    let mut out = RunFix::default();
    // The findings of each file, grouped in one pass over them.
    let mut by_file: Vec<Vec<&Finding>> = vec![Vec::new(); result.files.len()];
    for f in &result.findings {
        by_file[f.file].push(&f.finding);
    }
    for (file, findings) in result.files.iter().zip(by_file) {
        let Some(src) = &file.source else { continue };
        if findings.is_empty() {
            continue;
        }
        let (new, applied) = match &action {
            Action::AddAllow { reason } => match add_allow(src, &findings, reason) {
                Some((text, added)) => (Some(text), added),
                None => (None, 0),
            },
            Action::Write { unsafe_fixes } | Action::Diff { unsafe_fixes, .. } => {
                let first = findings.iter().map(|f| (*f).clone()).collect();
                let fixed = fix_text(
                    src,
                    first,
                    &|text| recheck(&file.display, text),
                    *unsafe_fixes,
                );
                if fixed.broke_parse {
                    out.broke_parse.push(file.display.clone());
                }
                (fixed.text, fixed.applied)
            }
        };
        let Some(new) = new else { continue };
        match &mut action {
            Action::Diff { out: w, .. } => {
                w.write_all(unified_diff(&file.display, src, &new).as_bytes())?;
            }
            _ => {
                if let Err(e) = write_source(&file.path, src, &new) {
                    out.errors
                        .push(format!("cannot write {}: {e}", file.display));
                    continue;
                }
            }
        }
        out.files += 1;
        out.applied += applied;
    }
    Ok(out)
}

/// Replaces a source file whose text was `old` with `new`: through a
/// temporary file beside it renamed over it (readers never see half a
/// file), with the file's permissions and byte-order mark kept. A file
/// that changed since it was read is left alone.
pub fn write_source(path: &std::path::Path, old: &str, new: &str) -> std::io::Result<()> {
    // Through a symbolic link, the file it names is replaced, not the link.
    let path = std::fs::canonicalize(path)?;
    let current = std::fs::read(&path)?;
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let bom = current.starts_with(BOM);
    let body = if bom {
        &current[BOM.len()..]
    } else {
        &current[..]
    };
    if body != old.as_bytes() {
        return Err(std::io::Error::other(
            "the file changed while it was checked",
        ));
    }
    let permissions = std::fs::metadata(&path)?.permissions();
    let mut tmp = crate::atomic::temporary_beside(&path)?;
    let written = (|| {
        use std::io::Write;
        if bom {
            tmp.1.write_all(BOM)?;
        }
        tmp.1.write_all(new.as_bytes())?;
        tmp.1.sync_all()?;
        std::fs::set_permissions(&tmp.0, permissions)?;
        std::fs::rename(&tmp.0, &path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp.0);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;
    use leash_lints::{Pos, Span};

    fn insert(line: usize, column: usize, text: &str, a: Applicability) -> Suggestion {
        Suggestion {
            message: "m".into(),
            edits: vec![Edit::insert(Pos { line, column }, text)],
            applicability: a,
        }
    }

    #[test]
    fn applies_edits_and_skips_overlapping_ones() {
        let src = "let a = b();\nlet c = d();\n";
        let one = insert(1, 11, ".x()", Applicability::MachineApplicable);
        let same_place = insert(1, 11, ".y()", Applicability::MachineApplicable);
        let replace = Suggestion {
            message: "m".into(),
            edits: vec![Edit {
                span: Span::new(Pos { line: 2, column: 8 }, Pos { line: 2, column: 9 }),
                replacement: "e".into(),
            }],
            applicability: Applicability::MachineApplicable,
        };
        let (text, applied) = apply(src, &[&one, &same_place, &replace]);
        assert_eq!(text, "let a = b().x();\nlet c = e();\n");
        assert_eq!(applied, 2);
    }

    #[test]
    fn fix_applicability_gate() {
        let mut f = Finding::new("retry_without_jitter", Span::default(), "m");
        f.suggestions = vec![
            insert(1, 0, "a", Applicability::HasPlaceholders),
            insert(1, 0, "b", Applicability::MaybeIncorrect),
        ];
        assert!(fix_of(&f, false).is_none());
        assert_eq!(
            fix_of(&f, true).map(|s| s.applicability),
            Some(Applicability::MaybeIncorrect)
        );
        f.suggestions
            .push(insert(1, 0, "c", Applicability::MachineApplicable));
        assert_eq!(
            fix_of(&f, false).map(|s| s.applicability),
            Some(Applicability::MachineApplicable)
        );
    }

    #[test]
    fn a_round_that_breaks_the_parse_is_dropped() {
        let src = "fn f() {\n    g();\n}\n";
        let mut f = Finding::new("retry_without_jitter", Span::default(), "m");
        // Deletes the closing brace: the text no longer parses.
        f.suggestions = vec![Suggestion {
            message: "m".into(),
            edits: vec![Edit {
                span: Span::new(Pos { line: 3, column: 0 }, Pos { line: 3, column: 1 }),
                replacement: String::new(),
            }],
            applicability: Applicability::MachineApplicable,
        }];
        let out = fix_text(src, vec![f], &|_| Vec::new(), false);
        assert!(out.broke_parse);
        assert_eq!(out.text, None);
        assert_eq!(out.applied, 0);
    }

    #[test]
    fn a_file_with_a_broken_item_is_fixed_elsewhere_but_not_broken_further() {
        // `g` does not parse; `f` does.
        let src = "fn f() {\n    a();\n}\nfn g() {\n    let = ;\n}\n";
        let mut f = Finding::new("retry_without_jitter", Span::default(), "m");
        f.suggestions = vec![insert(2, 7, ".b()", Applicability::MachineApplicable)];
        let out = fix_text(src, vec![f.clone()], &|_| Vec::new(), false);
        assert_eq!(
            out.text.as_deref(),
            Some("fn f() {\n    a().b();\n}\nfn g() {\n    let = ;\n}\n")
        );
        // An edit that breaks `f` too is dropped.
        f.suggestions = vec![insert(2, 7, " +", Applicability::MachineApplicable)];
        let out = fix_text(src, vec![f], &|_| Vec::new(), false);
        assert!(out.broke_parse);
        assert_eq!(out.text, None);
    }

    #[test]
    fn rounds_stop_when_nothing_is_left_to_fix() {
        let src = "fn f() {\n    g();\n}\n";
        let mut f = Finding::new("retry_without_jitter", Span::default(), "m");
        f.suggestions = vec![insert(2, 7, ".h()", Applicability::MachineApplicable)];
        let out = fix_text(src, vec![f], &|_| Vec::new(), false);
        assert_eq!(out.text.as_deref(), Some("fn f() {\n    g().h();\n}\n"));
        assert_eq!(out.applied, 1);
        assert!(!out.broke_parse);
    }

    #[test]
    fn add_allow_groups_per_line_and_keeps_indentation() {
        let src = "fn f() {\n    a(); b();\n}\n";
        let at = |c| {
            Span::new(
                Pos { line: 2, column: c },
                Pos {
                    line: 2,
                    column: c + 3,
                },
            )
        };
        let f1 = Finding::new("unbounded_spawn", at(4), "m");
        let f2 = Finding::new("unbounded_channel", at(9), "m");
        let f3 = Finding::new("unbounded_spawn", at(9), "m");
        let (out, added) = add_allow(src, &[&f1, &f2, &f3], "legacy").unwrap();
        assert_eq!(added, 1);
        assert_eq!(
            out,
            "fn f() {\n    // leash: allow(unbounded_spawn, unbounded_channel) -- legacy\n    a(); b();\n}\n"
        );
        // Nothing to suppress: nothing to write.
        assert_eq!(add_allow(src, &[], "legacy"), None);
    }

    #[test]
    fn unified_diff_of_an_insertion() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let new = "a\nb\nc\nd\nX\ne\nf\ng\nh\n";
        assert_eq!(
            unified_diff("src/x.rs", old, new),
            "--- a/src/x.rs\n+++ b/src/x.rs\n@@ -2,6 +2,7 @@\n b\n c\n d\n+X\n e\n f\n g\n"
        );
        let changed = "a\nB\nc\n";
        assert_eq!(
            unified_diff("y.rs", "a\nb\nc\n", changed),
            "--- a/y.rs\n+++ b/y.rs\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"
        );
        // A last line without a line ending is marked as `diff` marks it.
        assert_eq!(
            unified_diff("z.rs", "a\nb", "a\nB"),
            "--- a/z.rs\n+++ b/z.rs\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+B\n\\ No newline at end of file\n"
        );
    }
}
