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
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "baseline".into());
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let result = (|| {
            let mut file = std::fs::File::create(&tmp)?;
            serde_json::to_writer_pretty(&mut file, self)?;
            file.write_all(b"\n")?;
            file.sync_all()?;
            std::fs::rename(&tmp, path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
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
