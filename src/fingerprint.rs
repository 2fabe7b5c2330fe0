//! Where a finding is, in terms that survive unrelated edits: paths relative to
//! the repository root, and fingerprints built from the lint, the path, the
//! whitespace-normalised text of the finding's line and its occurrence index
//! among identical (lint, path, text) triples. Line numbers are not part of it,
//! so inserting lines above a finding does not change its fingerprint.

use crate::driver::{CheckedFile, Located, RunResult};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// The repository root: the git top level of the current directory, or the
/// current directory outside a git repository.
pub fn repo_root() -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    git_toplevel(&cwd).unwrap_or(cwd)
}

/// `git rev-parse --show-toplevel` run in `dir`.
pub fn git_toplevel(dir: &Path) -> Option<PathBuf> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "--show-toplevel"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let p = PathBuf::from(text.trim_end_matches(['\n', '\r']));
    Some(std::fs::canonicalize(&p).unwrap_or(p))
}

/// An absolute, normalised form of `path` (symlinks resolved when it exists).
pub fn absolute(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` relative to `root` with `/` separators; the display path when it is
/// outside the root.
pub fn relative_to(root: &Path, file: &CheckedFile) -> String {
    let abs = absolute(&file.path);
    match abs.strip_prefix(root) {
        Ok(rel) => rel.to_string_lossy().replace('\\', "/"),
        Err(_) => file.display.clone(),
    }
}

/// The text of a 1-based line of a checked file, without its line ending.
pub fn line_text(file: &CheckedFile, line: usize) -> &str {
    let Some(src) = file.source.as_deref() else {
        return "";
    };
    if line == 0 {
        return "";
    }
    src.split('\n')
        .nth(line - 1)
        .map_or("", |l| l.strip_suffix('\r').unwrap_or(l))
}

/// 128-bit FNV-1a (as two independent 64-bit lanes), hex: stable across
/// platforms and releases, unlike `std`'s hasher.
pub fn stable_hash(parts: &[&str]) -> String {
    let mut a: u64 = 0xcbf2_9ce4_8422_2325;
    let mut b: u64 = 0x6c62_272e_07bb_0142;
    for part in parts {
        for &byte in part.as_bytes().iter().chain(&[0u8]) {
            a = (a ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
            b = (b ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
            b = b.rotate_left(5);
        }
    }
    format!("{a:016x}{b:016x}")
}

/// Fingerprints and root-relative paths of every finding, in finding order.
#[derive(Default)]
pub struct Anchors {
    pub rel_paths: Vec<String>,
    pub fingerprints: Vec<String>,
}

pub fn compute(result: &RunResult, root: &Path) -> Anchors {
    let mut rel_by_file: HashMap<usize, String> = HashMap::new();
    let mut seen: HashMap<(&str, String, String), usize> = HashMap::new();
    let mut rel_paths = Vec::with_capacity(result.findings.len());
    let mut fingerprints = Vec::with_capacity(result.findings.len());
    for f in &result.findings {
        let file = &result.files[f.file];
        let rel = rel_by_file
            .entry(f.file)
            .or_insert_with(|| relative_to(root, file))
            .clone();
        let text = normalised_line(file, f);
        let n = seen
            .entry((f.finding.lint, rel.clone(), text.clone()))
            .or_insert(0);
        let index = n.to_string();
        *n += 1;
        fingerprints.push(stable_hash(&[f.finding.lint, &rel, &text, &index]));
        rel_paths.push(rel);
    }
    Anchors {
        rel_paths,
        fingerprints,
    }
}

fn normalised_line(file: &CheckedFile, f: &Located) -> String {
    line_text(file, f.finding.span.start.line)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::stable_hash;

    #[test]
    fn hash_is_stable_and_separates_parts() {
        assert_eq!(stable_hash(&["a", "b"]), stable_hash(&["a", "b"]));
        assert_ne!(stable_hash(&["ab", ""]), stable_hash(&["a", "b"]));
        assert_eq!(stable_hash(&[]).len(), 32);
    }
}
