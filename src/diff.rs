//! `--diff-base REV`: keep only findings on lines added or changed since REV,
//! from `git diff -U0 REV` over the working tree (untracked files count as
//! entirely new).
//!
//! `--staged`: check what would be committed: the staged content of the files
//! (copied out of the index into a temporary directory, never the working
//! tree's), keeping the findings on lines the index changes against `HEAD`.
//! Untracked files and unstaged edits are not seen.

use crate::driver::RunResult;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Changes {
    pub root: PathBuf,
    pub files: ChangedLines,
}

/// Repository-relative path to changed line ranges (inclusive); `None` marks
/// a file that is new as a whole.
pub type ChangedLines = HashMap<String, Option<Vec<(usize, usize)>>>;

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(out.stdout)
}

/// The top directory of the git repository that contains `path`.
fn repository_of(path: &Path, flag: &str) -> Result<PathBuf, String> {
    let abs = crate::fingerprint::absolute(path);
    let dir = if abs.is_dir() {
        abs.clone()
    } else {
        abs.parent().map(Path::to_path_buf).unwrap_or(abs.clone())
    };
    crate::fingerprint::git_toplevel(&dir)
        .ok_or_else(|| format!("{flag}: {} is not in a git repository", dir.display()))
}

/// Changed line ranges from `git diff -U0 <against> --`.
fn diff_ranges(root: &Path, against: &[&str]) -> Result<ChangedLines, String> {
    let mut args = vec![
        "-c",
        "core.quotePath=false",
        "diff",
        "-U0",
        "--no-color",
        "--no-ext-diff",
        "--src-prefix=a/",
        "--dst-prefix=b/",
    ];
    args.extend_from_slice(against);
    args.push("--");
    Ok(parse_diff(&String::from_utf8_lossy(&git(root, &args)?)))
}

/// Reads the changes since `rev` in the repository that contains `path`.
pub fn changes_since(rev: &str, path: &Path) -> Result<Changes, String> {
    let root = repository_of(path, "--diff-base")?;
    let mut files = diff_ranges(&root, &[rev])?;
    let untracked = git(&root, &["ls-files", "--others", "--exclude-standard", "-z"])?;
    for name in untracked.split(|&b| b == 0).filter(|n| !n.is_empty()) {
        files.insert(String::from_utf8_lossy(name).into_owned(), None);
    }
    Ok(Changes { root, files })
}

/// The lines the index changes against `HEAD` (everything staged, in a
/// repository with no commit yet), in the repository that contains `path`.
pub fn staged_changes(path: &Path) -> Result<Changes, String> {
    let root = repository_of(path, "--staged")?;
    let files = diff_ranges(&root, &["--cached"])?;
    Ok(Changes { root, files })
}

/// The staged content of some files, in a temporary directory removed on drop.
pub struct StagedTree {
    dir: PathBuf,
    /// Each staged copy, with the working-tree path it stands for.
    pub files: Vec<(PathBuf, PathBuf)>,
}

impl StagedTree {
    /// Copies out of the index the staged content of those of `files` that
    /// are in it (a file only in the working tree is not staged: it is left
    /// out), with the Cargo manifests beside them (they say which directories
    /// are packages and test code).
    pub fn create(files: &[PathBuf], start: &Path) -> Result<StagedTree, String> {
        let root = repository_of(start, "--staged")?;
        let listed = git(
            &root,
            &["-c", "core.quotePath=false", "ls-files", "-z", "--cached"],
        )?;
        let indexed: std::collections::HashSet<String> = listed
            .split(|&b| b == 0)
            .filter(|n| !n.is_empty())
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .collect();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!("leash-staged-{}-{nanos}", std::process::id()));
        std::fs::create_dir(&dir).map_err(|e| format!("--staged: {}: {e}", dir.display()))?;
        let mut tree = StagedTree {
            dir,
            files: Vec::new(),
        };
        let mut names = Vec::new();
        for file in files {
            let abs = crate::fingerprint::absolute(file);
            let Ok(rel) = abs.strip_prefix(&root) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            if indexed.contains(&rel) {
                tree.files.push((tree.dir.join(&rel), file.clone()));
                names.push(rel);
            }
        }
        names.extend(
            indexed
                .iter()
                .filter(|n| *n == "Cargo.toml" || n.ends_with("/Cargo.toml"))
                .cloned(),
        );
        if !names.is_empty() {
            let mut prefix = tree.dir.to_string_lossy().into_owned();
            prefix.push('/');
            let mut child = Command::new("git")
                .arg("-C")
                .arg(&root)
                .args(["checkout-index", "-z", "--stdin", "--prefix"])
                .arg(&prefix)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .map_err(|e| format!("cannot run git: {e}"))?;
            if let Some(mut stdin) = child.stdin.take() {
                use std::io::Write;
                let mut list = Vec::new();
                for n in &names {
                    list.extend_from_slice(n.as_bytes());
                    list.push(0);
                }
                stdin
                    .write_all(&list)
                    .map_err(|e| format!("`git checkout-index`: {e}"))?;
            }
            let out = child
                .wait_with_output()
                .map_err(|e| format!("`git checkout-index`: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "`git checkout-index` failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
        }
        Ok(tree)
    }

    /// Reports the staged copies under their working-tree names.
    pub fn restore_names(&self, result: &mut RunResult) {
        let names: HashMap<&Path, &PathBuf> =
            self.files.iter().map(|(c, o)| (c.as_path(), o)).collect();
        for f in &mut result.files {
            if let Some(original) = names.get(f.path.as_path()) {
                f.path = (*original).clone();
                f.display = crate::driver::display_path(original);
            }
        }
    }
}

impl Drop for StagedTree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Added/changed line ranges per new-side path from a `-U0` unified diff.
pub fn parse_diff(diff: &str) -> ChangedLines {
    let mut files = ChangedLines::new();
    let mut current: Option<String> = None;
    // File headers come between `diff --git` and the first hunk; inside a hunk
    // an added line may itself start with `++ `.
    let mut in_header = false;
    for line in diff.lines() {
        if !in_header && !line.starts_with("diff --git ") && !line.starts_with("@@ ") {
            continue;
        }
        if let Some(rest) = line.strip_prefix("+++ ").filter(|_| in_header) {
            let name = unquote(rest);
            current = name.strip_prefix("b/").map(str::to_string);
            if let Some(c) = &current {
                files.entry(c.clone()).or_insert_with(|| Some(Vec::new()));
            }
        } else if line.starts_with("diff --git ") {
            current = None;
            in_header = true;
        } else if let Some(rest) = line.strip_prefix("@@ ") {
            in_header = false;
            let Some(c) = &current else { continue };
            // `@@ -a,b +c,d @@`: the new side starts at c and has d lines (d = 1 if omitted).
            let Some(new) = rest.split_whitespace().find(|t| t.starts_with('+')) else {
                continue;
            };
            let mut it = new[1..].splitn(2, ',');
            let start: usize = it.next().and_then(|s| s.parse().ok()).unwrap_or(0);
            let count: usize = it.next().map_or(Some(1), |s| s.parse().ok()).unwrap_or(0);
            if count == 0 || start == 0 {
                continue;
            }
            if let Some(Some(ranges)) = files.get_mut(c) {
                ranges.push((start, start + count - 1));
            }
        }
    }
    files
}

/// Undoes git's C-style quoting of unusual path names (`"b/caf\303\251.rs"`).
fn unquote(s: &str) -> String {
    let s = s.trim_end_matches('\t');
    let Some(inner) = s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else {
        return s.to_string();
    };
    let mut bytes = Vec::new();
    let mut chars = inner.bytes().peekable();
    while let Some(b) = chars.next() {
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        match chars.next() {
            Some(b'n') => bytes.push(b'\n'),
            Some(b't') => bytes.push(b'\t'),
            Some(b'r') => bytes.push(b'\r'),
            Some(d @ b'0'..=b'7') => {
                let mut v = u32::from(d - b'0');
                for _ in 0..2 {
                    if let Some(&n @ b'0'..=b'7') = chars.peek() {
                        v = v * 8 + u32::from(n - b'0');
                        chars.next();
                    }
                }
                bytes.push(v as u8);
            }
            Some(other) => bytes.push(other),
            None => {}
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

impl Changes {
    /// Whether a finding touches a changed line (file-level findings: whether
    /// the file changed at all).
    pub fn keep(&self, result: &RunResult, index: usize) -> bool {
        let f = &result.findings[index];
        let file = &result.files[f.file];
        let abs = crate::fingerprint::absolute(&file.path);
        let Ok(rel) = abs.strip_prefix(&self.root) else {
            return false;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        match self.files.get(&rel) {
            None => false,
            Some(None) => true,
            Some(Some(ranges)) => {
                let s = f.finding.span.start.line;
                let e = f.finding.span.end.line.max(s);
                if s == 0 {
                    return !ranges.is_empty();
                }
                ranges.iter().any(|&(a, b)| a <= e && s <= b)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_diff;

    #[test]
    fn reads_new_side_ranges() {
        let diff = "diff --git a/src/a.rs b/src/a.rs\nindex 1..2 100644\n--- a/src/a.rs\n+++ b/src/a.rs\n@@ -3,0 +4,2 @@ fn x\n+a\n+b\n@@ -10 +12 @@\n-x\n+y\n@@ -20,3 +21,0 @@\n-gone\ndiff --git a/old.rs b/old.rs\ndeleted file mode 100644\n--- a/old.rs\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\ndiff --git a/\"caf\\303\\251.rs\" b/\"caf\\303\\251.rs\"\n--- \"a/caf\\303\\251.rs\"\n+++ \"b/caf\\303\\251.rs\"\n@@ -1 +1 @@\n";
        let files = parse_diff(diff);
        assert_eq!(files["src/a.rs"], Some(vec![(4, 5), (12, 12)]));
        assert!(!files.contains_key("old.rs"));
        assert_eq!(files["café.rs"], Some(vec![(1, 1)]));
    }
}
