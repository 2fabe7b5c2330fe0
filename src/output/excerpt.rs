//! The source a diagnostic shows: only the lines it renders, each longer one
//! clipped to a window around its labels with `...` where text is left out (as
//! rustc clips long lines), so that the output per finding stays bounded
//! whatever the length of the lines. Line and column numbers are the file's.

use crate::source_map::LineIndex;
use codespan_reporting::files::{Error, Files};
use std::ops::Range;

/// Lines up to this many characters are shown whole; longer ones are clipped
/// to a window this wide.
pub const WINDOW: usize = 200;

/// Marks text left out of a clipped line.
const MARK: &str = "...";

/// One file's lines as a diagnostic shows them, for `codespan-reporting`.
pub struct Excerpt<'a> {
    name: &'a str,
    text: String,
    /// The lines kept, by line index.
    lines: Vec<Shown>,
}

struct Shown {
    /// 0-based line in the file.
    index: usize,
    /// The line in `text`, with its marks and a final newline.
    range: Range<usize>,
    /// The part of the file kept, and where it starts in `text`.
    kept: Range<usize>,
    at: usize,
    /// 0-based character column of `kept.start` in its line.
    column: usize,
}

/// Moves back from byte `from` by up to `n` characters, not before `floor`.
fn back_chars(src: &str, floor: usize, from: usize, n: usize) -> usize {
    if n == 0 {
        return from;
    }
    src[floor..from]
        .char_indices()
        .rev()
        .take(n)
        .last()
        .map_or(from, |(i, _)| floor + i)
}

/// Moves forward from byte `from` by up to `n` characters, not past `ceil`.
fn forward_chars(src: &str, from: usize, ceil: usize, n: usize) -> usize {
    src[from..ceil]
        .char_indices()
        .nth(n)
        .map_or(ceil, |(i, _)| from + i)
}

/// The part of `line` (a byte range of `src`) to show so that `[lo, hi)` is in
/// view: the whole line when it is short, else a window of [`WINDOW`]
/// characters centred on it (starting at `lo` when it is wider than that).
pub fn window(src: &str, line: Range<usize>, lo: usize, hi: usize) -> Range<usize> {
    let (start, end) = (line.start, line.end);
    if end - start <= WINDOW || src[start..end].chars().nth(WINDOW).is_none() {
        return line;
    }
    let lo = lo.clamp(start, end);
    let hi = hi.clamp(lo, end);
    let inner = src[lo..hi].chars().take(WINDOW).count();
    if inner >= WINDOW {
        return lo..forward_chars(src, lo, end, WINDOW);
    }
    let spare = WINDOW - inner;
    let from = back_chars(src, start, lo, spare / 2);
    let taken = src[from..lo].chars().count();
    let to = forward_chars(src, hi, end, spare - taken);
    // Near the line's end: give what is left to the other side.
    let shown = src[from..to].chars().count();
    let from = back_chars(src, start, from, WINDOW.saturating_sub(shown));
    from..to
}

/// A line of `src` clipped to a window around the character columns `[lo,
/// hi)`, with those columns moved to the clipped text (for rustc's JSON spans).
pub fn clip_columns(line: &str, lo: usize, hi: usize) -> (String, usize, usize) {
    if line.len() <= WINDOW || line.chars().nth(WINDOW).is_none() {
        return (line.to_string(), lo, hi);
    }
    let byte = |col: usize| forward_chars(line, 0, line.len(), col);
    let (lo_b, hi_b) = (byte(lo), byte(hi.max(lo)));
    let w = window(line, 0..line.len(), lo_b, hi_b);
    let prefix = if w.start > 0 { MARK } else { "" };
    let suffix = if w.end < line.len() { MARK } else { "" };
    let column = |b: usize| prefix.len() + line[w.start..b.clamp(w.start, w.end)].chars().count();
    let text = format!("{prefix}{}{suffix}", &line[w.clone()]);
    (text, column(lo_b), column(hi_b))
}

impl<'a> Excerpt<'a> {
    /// The lines a diagnostic with these labels (byte ranges of `src`, the
    /// primary first) renders, and the labels moved into the excerpt.
    /// `context` is the renderer's `(start_context_lines, end_context_lines)`.
    pub fn new(
        name: &'a str,
        src: &str,
        idx: &LineIndex,
        labels: &[Range<usize>],
        context: (usize, usize),
    ) -> (Excerpt<'a>, Vec<Range<usize>>) {
        let last = idx.lines().saturating_sub(1);
        // The lines rendered: each label's first and last lines, the context
        // lines of a multi-line label, and the line after each (the renderer
        // shows a single line between two rendered ones instead of a break).
        let mut wanted: Vec<usize> = Vec::new();
        for r in labels {
            let (first, end) = (idx.line_of(r.start), idx.line_of(r.end));
            let head = (first + context.0 + 1).min(end);
            wanted.extend(first..=head);
            wanted.extend(end.saturating_sub(context.1).max(first)..=end);
            wanted.push(head + 1);
            wanted.push(end + 1);
        }
        wanted.retain(|&l| l <= last);
        wanted.sort_unstable();
        wanted.dedup();
        let primary = labels.first();
        let mut text = String::new();
        let mut lines = Vec::with_capacity(wanted.len());
        for index in wanted {
            let line = idx.line_range(src, index);
            // What should be in view on this line: the labels' ends on it,
            // the primary label's start first when they do not all fit.
            let mut points: Vec<usize> = Vec::new();
            for r in labels {
                if idx.line_of(r.start) == index {
                    points.push(r.start);
                }
                if idx.line_of(r.end) == index {
                    points.push(r.end);
                }
            }
            let lo = primary
                .map(|p| p.start)
                .filter(|&s| idx.line_of(s) == index)
                .or_else(|| points.iter().copied().min())
                .unwrap_or(line.start);
            let hi = points.iter().copied().max().unwrap_or(lo).max(lo);
            let kept = window(src, line.clone(), lo, hi);
            let start = text.len();
            if kept.start > line.start {
                text.push_str(MARK);
            }
            let at = text.len();
            text.push_str(&src[kept.clone()]);
            if kept.end < line.end {
                text.push_str(MARK);
            }
            text.push('\n');
            lines.push(Shown {
                index,
                range: start..text.len(),
                column: src[line.start..kept.start].chars().count(),
                kept,
                at,
            });
        }
        let excerpt = Excerpt { name, text, lines };
        let moved = labels
            .iter()
            .map(|r| {
                let s = excerpt.locate(idx, r.start);
                s..excerpt.locate(idx, r.end).max(s)
            })
            .collect();
        (excerpt, moved)
    }

    /// Where a byte of the file is in the excerpt (a byte left out: the
    /// nearest kept one).
    fn locate(&self, idx: &LineIndex, offset: usize) -> usize {
        let index = idx.line_of(offset);
        match self.shown(index) {
            Some(l) => l.at + offset.clamp(l.kept.start, l.kept.end) - l.kept.start,
            None => self.text.len(),
        }
    }

    fn shown(&self, index: usize) -> Option<&Shown> {
        self.lines
            .binary_search_by_key(&index, |l| l.index)
            .ok()
            .map(|i| &self.lines[i])
    }
}

impl<'f> Files<'f> for Excerpt<'_> {
    type FileId = ();
    type Name = &'f str;
    type Source = &'f str;

    fn name(&'f self, (): ()) -> Result<&'f str, Error> {
        Ok(self.name)
    }

    fn source(&'f self, (): ()) -> Result<&'f str, Error> {
        Ok(&self.text)
    }

    fn line_index(&'f self, (): (), byte_index: usize) -> Result<usize, Error> {
        let i = self
            .lines
            .partition_point(|l| l.range.start <= byte_index)
            .saturating_sub(1);
        Ok(self.lines.get(i).map_or(0, |l| l.index))
    }

    fn column_number(
        &'f self,
        (): (),
        line_index: usize,
        byte_index: usize,
    ) -> Result<usize, Error> {
        let Some(l) = self.shown(line_index) else {
            return Ok(1);
        };
        let end = l.at + (l.kept.end - l.kept.start);
        let within = &self.text[l.at..byte_index.clamp(l.at, end)];
        Ok(l.column + within.chars().count() + 1)
    }

    fn line_range(&'f self, (): (), line_index: usize) -> Result<Range<usize>, Error> {
        // A line inside a long multi-line label that is not rendered: empty.
        Ok(self
            .shown(line_index)
            .map_or(self.text.len()..self.text.len(), |l| l.range.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_lines_are_whole_and_long_ones_clipped_around_the_label() {
        assert_eq!(
            clip_columns("let x = 1;", 4, 5),
            ("let x = 1;".into(), 4, 5)
        );
        let long = format!("{}target{}", "a".repeat(5000), "b".repeat(5000));
        let (text, lo, hi) = clip_columns(&long, 5000, 5006);
        assert!(text.len() <= WINDOW + 2 * MARK.len(), "{}", text.len());
        assert!(text.starts_with(MARK) && text.ends_with(MARK));
        assert_eq!(&text[lo..hi], "target");
        // At the start of the line: no mark before.
        let (text, lo, hi) = clip_columns(&long[4990..], 0, 3);
        assert!(!text.starts_with(MARK) && text.ends_with(MARK));
        assert_eq!((lo, hi), (0, 3));
    }

    #[test]
    fn excerpt_keeps_the_file_positions() {
        let src = format!("fn f() {{\n    {}call();\n}}\n", "x; ".repeat(1000));
        let idx = LineIndex::new(&src);
        let start = src.find("call").unwrap();
        let call = start..start + 4;
        let (ex, moved) = Excerpt::new("f.rs", &src, &idx, std::slice::from_ref(&call), (3, 1));
        assert_eq!(&ex.text[moved[0].clone()], "call");
        let line = ex.line_index((), moved[0].start).unwrap();
        assert_eq!(line, 1);
        let column = ex.column_number((), line, moved[0].start).unwrap();
        assert_eq!(column, 4 + 3 * 1000 + 1);
        assert!(ex.text.len() < 2 * WINDOW, "{}", ex.text);
    }
}
