//! Baselines: record today's findings, then report only new ones. Entries are
//! matched by fingerprint (lint, repository-relative path, normalised line
//! text, occurrence index), so moving code up or down does not break the match.

use crate::driver::RunResult;
use crate::fingerprint::Anchors;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

pub const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

#[derive(Serialize, Deserialize, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    pub path: String,
    /// Informational: where the finding was when the baseline was written.
    pub line: usize,
    pub lint: String,
    pub fingerprint: String,
    pub message: String,
}

impl Baseline {
    pub fn from_findings(result: &RunResult, anchors: &Anchors) -> Baseline {
        let mut findings: Vec<Entry> = result
            .findings
            .iter()
            .zip(&anchors.rel_paths)
            .zip(&anchors.fingerprints)
            .map(|((f, path), fp)| Entry {
                path: path.clone(),
                line: f.finding.span.start.line,
                lint: f.finding.lint.to_string(),
                fingerprint: fp.clone(),
                message: f.finding.message.clone(),
            })
            .collect();
        findings.sort();
        Baseline {
            version: VERSION,
            findings,
        }
    }

    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
        let b: Baseline = serde_json::from_str(&text)
            .map_err(|e| format!("bad baseline {}: {e}", path.display()))?;
        if b.version != VERSION {
            return Err(format!(
                "baseline {} has version {}; this leash reads version {VERSION}",
                path.display(),
                b.version
            ));
        }
        Ok(b)
    }

    /// Writes to a temporary file in the same directory, then renames it over
    /// `path`, so a reader never sees half a baseline.
    pub fn write_atomic(&self, path: &Path) -> std::io::Result<()> {
        crate::atomic::write(path, |file| self.write_pretty(file))
    }

    /// The baseline as pretty JSON and a newline, through a buffer (the JSON
    /// serialiser writes a few bytes at a time), flushed into `out`.
    fn write_pretty<W: Write>(&self, out: W) -> std::io::Result<W> {
        let mut buf = std::io::BufWriter::with_capacity(64 * 1024, out);
        serde_json::to_writer_pretty(&mut buf, self)?;
        buf.write_all(b"\n")?;
        buf.into_inner()
            .map_err(std::io::IntoInnerError::into_error)
    }

    /// Matches current findings against the baseline.
    pub fn apply(&self, anchors: &Anchors) -> Applied {
        let mut left: HashMap<&str, Vec<&Entry>> = HashMap::new();
        for e in &self.findings {
            left.entry(e.fingerprint.as_str()).or_default().push(e);
        }
        let mut still_present = Vec::new();
        let new: Vec<bool> = anchors
            .fingerprints
            .iter()
            .map(|fp| match left.get_mut(fp.as_str()).and_then(Vec::pop) {
                Some(e) => {
                    still_present.push(e.clone());
                    false
                }
                None => true,
            })
            .collect();
        still_present.sort();
        Applied {
            fixed: self.findings.len() - still_present.len(),
            new,
            still_present,
        }
    }
}

pub struct Applied {
    /// Per current finding: not in the baseline.
    pub new: Vec<bool>,
    /// Baseline entries that matched a current finding.
    pub still_present: Vec<Entry>,
    /// Baseline entries with no current finding.
    pub fixed: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn baseline(n: usize) -> Baseline {
        Baseline {
            version: VERSION,
            findings: (0..n)
                .map(|i| Entry {
                    path: format!("src/file_{i}.rs"),
                    line: i + 1,
                    lint: "unbounded_retry".into(),
                    fingerprint: format!("{i:016x}"),
                    message: "retry loop without an attempt limit".into(),
                })
                .collect(),
        }
    }

    /// Counts the `write` calls that reach it.
    struct Counting {
        bytes: Vec<u8>,
        writes: usize,
    }

    impl Write for Counting {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            self.writes += 1;
            self.bytes.extend_from_slice(data);
            Ok(data.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn baseline_is_written_in_large_blocks() {
        let b = baseline(2000);
        let out = b
            .write_pretty(Counting {
                bytes: Vec::new(),
                writes: 0,
            })
            .unwrap();
        let mut expected = serde_json::to_string_pretty(&b).unwrap();
        expected.push('\n');
        assert_eq!(String::from_utf8(out.bytes).unwrap(), expected);
        // One write per 64 KiB buffer, not one per JSON token.
        let blocks = expected.len().div_ceil(64 * 1024);
        assert!(
            out.writes <= blocks + 1,
            "{} writes for {} bytes",
            out.writes,
            expected.len()
        );
    }

    #[test]
    fn failed_write_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // The rename cannot replace a non-empty directory.
        let target = dir.path().join("leash-baseline.json");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("keep"), "").unwrap();
        assert!(baseline(3).write_atomic(&target).is_err());
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, ["leash-baseline.json"], "only the target remains");
    }

    #[test]
    fn written_baseline_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("leash-baseline.json");
        let b = baseline(5);
        b.write_atomic(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.ends_with("}\n"));
        let back = Baseline::load(&path).unwrap();
        assert_eq!(back.version, VERSION);
        assert!(back.findings == b.findings);
    }
}
