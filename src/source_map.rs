//! Line/column (from `syn`) to byte offsets, computed once per file.

pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(src: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// The 0-based line holding a byte offset (the last line for the end of the text).
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    /// How many lines there are (a text ending in a newline has an empty last one).
    pub fn lines(&self) -> usize {
        self.starts.len()
    }

    /// The byte range of a 0-based line, without its line end (`\n`; a `\r`
    /// before it is kept, as rustc and codespan-reporting keep it).
    pub fn line_range(&self, src: &str, index: usize) -> std::ops::Range<usize> {
        let start = self.starts.get(index).copied().unwrap_or(src.len());
        let end = self
            .starts
            .get(index + 1)
            .map_or(src.len(), |&next| next - 1);
        start..end.max(start)
    }

    /// Byte offset of a 1-based line and a 0-based column counted in chars.
    pub fn offset(&self, src: &str, line: usize, column: usize) -> usize {
        let Some(&start) = self.starts.get(line.saturating_sub(1)) else {
            return src.len();
        };
        let end = self.starts.get(line).copied().unwrap_or(src.len());
        let text = &src[start..end];
        let within = text
            .char_indices()
            .nth(column)
            .map_or(text.trim_end_matches('\n').len(), |(i, _)| i);
        start + within
    }
}

#[cfg(test)]
mod tests {
    use super::LineIndex;

    #[test]
    fn counts_chars_not_bytes() {
        let src = "aé b\nxyz";
        let idx = LineIndex::new(src);
        assert_eq!(idx.offset(src, 1, 2), 3);
        assert_eq!(idx.offset(src, 2, 1), 7);
        assert_eq!(idx.offset(src, 9, 0), src.len());
    }
}
