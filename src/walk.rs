//! Finding the `.rs` files to check: `.gitignore`/`.ignore` honoured, `target/`
//! skipped, `exclude` globs applied. A file named on the command line is
//! checked even when an `exclude` glob matches it (as ruff does: naming it is
//! asking for it), unless `--force-exclude` is given (for pre-commit hooks and
//! editors, which name every file).

use globset::{Glob, GlobSet, GlobSetBuilder};
use std::path::{Path, PathBuf};

pub struct Walked {
    pub files: Vec<PathBuf>,
    /// Problems met while walking (unreadable directories, symlink loops), and
    /// paths named on the command line that do not exist, cannot be read, or
    /// are neither a regular file nor a directory.
    pub errors: Vec<(PathBuf, String)>,
}

/// Globs relative to a directory, matched against paths as given or taken
/// relative to that directory.
#[derive(Debug, Clone)]
pub struct Globs {
    set: GlobSet,
    root: PathBuf,
}

impl Globs {
    /// `generated` also matches everything below it.
    pub fn new(globs: &[String], root: &Path) -> Result<Globs, String> {
        let mut b = GlobSetBuilder::new();
        for g in globs {
            b.add(Glob::new(g).map_err(|e| format!("bad glob `{g}`: {e}"))?);
            if !g.ends_with("/**") {
                b.add(
                    Glob::new(&format!("{}/**", g.trim_end_matches('/')))
                        .map_err(|e| e.to_string())?,
                );
            }
        }
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        Ok(Globs {
            set: b.build().map_err(|e| e.to_string())?,
            root,
        })
    }

    pub fn matches(&self, path: &Path) -> bool {
        if self.set.is_empty() {
            return false;
        }
        if self.set.is_match(path) {
            return true;
        }
        let abs = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir()
                .map(|d| d.join(path))
                .unwrap_or_else(|_| path.to_path_buf())
        };
        let abs = normalize(&abs);
        abs.strip_prefix(&self.root)
            .is_ok_and(|rel| self.set.is_match(rel))
    }
}

/// A glob relative to the directory of the file that declared it.
#[derive(Debug, Clone)]
pub struct RootedGlob {
    pub glob: String,
    pub root: PathBuf,
    /// The declaring file (`None`: the command line).
    pub source: Option<PathBuf>,
}

pub struct Excludes {
    /// One set per directory the globs are relative to.
    sets: Vec<Globs>,
    /// `--force-exclude`: the globs apply to files named on the command line too.
    pub force: bool,
}

impl Excludes {
    pub fn new(globs: &[RootedGlob]) -> Result<Excludes, String> {
        let mut roots: Vec<&Path> = globs.iter().map(|g| g.root.as_path()).collect();
        roots.sort();
        roots.dedup();
        let sets = roots
            .into_iter()
            .map(|root| {
                let here: Vec<String> = globs
                    .iter()
                    .filter(|g| g.root == root)
                    .map(|g| g.glob.clone())
                    .collect();
                Globs::new(&here, root).map_err(|e| format!("exclude: {e}"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Excludes { sets, force: false })
    }

    pub fn is_excluded(&self, path: &Path) -> bool {
        self.sets.iter().any(|s| s.matches(path))
    }
}

/// Removes `.` and `..` components without touching the file system.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `include_tests`: also walk into a crate's `tests/`, `benches/` and
/// `examples/` and read its `build.rs` (see [`crate::scope`]).
pub fn walk(paths: &[PathBuf], excludes: &Excludes, include_tests: bool) -> Walked {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for root in paths {
        match std::fs::metadata(root) {
            Ok(m) if m.is_file() => {
                if !(excludes.force && excludes.is_excluded(root)) {
                    files.push(root.clone());
                }
                continue;
            }
            Ok(m) if m.is_dir() => {}
            // A device, a FIFO or a socket: nothing to read as source (and a
            // FIFO would block the run).
            Ok(_) => {
                errors.push((root.clone(), "not a regular file or directory".into()));
                continue;
            }
            Err(e) => {
                errors.push((root.clone(), e.to_string()));
                continue;
            }
        }
        let mut builder = ignore::WalkBuilder::new(root);
        builder.follow_links(true).require_git(false).hidden(true);
        builder.filter_entry(move |e| {
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            if e.depth() == 0 {
                return true;
            }
            if is_dir
                && matches!(
                    e.file_name().to_str(),
                    Some("target") | Some(".leash_cache")
                )
            {
                return false;
            }
            include_tests || !crate::scope::is_test_entry(e.path(), is_dir)
        });
        for entry in builder.build() {
            match entry {
                Ok(e) => {
                    let is_file = e.file_type().is_some_and(|t| t.is_file());
                    let p = e.path();
                    if is_file
                        && p.extension().is_some_and(|x| x == "rs")
                        && !excludes.is_excluded(p)
                    {
                        files.push(p.to_path_buf());
                    }
                }
                Err(err) => {
                    let path = match &err {
                        ignore::Error::WithPath { path, .. } => path.clone(),
                        ignore::Error::WithDepth { err, .. } => match &**err {
                            ignore::Error::WithPath { path, .. } => path.clone(),
                            ignore::Error::Loop { child, .. } => child.clone(),
                            _ => root.clone(),
                        },
                        ignore::Error::Loop { child, .. } => child.clone(),
                        _ => root.clone(),
                    };
                    let text = one_line(&err.to_string());
                    // ignore prefixes the path; it is printed once by the caller.
                    let prefix = format!("{}: ", path.display());
                    let text = text
                        .strip_prefix(&prefix)
                        .map(str::to_string)
                        .unwrap_or(text);
                    errors.push((path, text));
                }
            }
        }
    }
    files.sort();
    files.dedup();
    Walked { files, errors }
}

fn one_line(s: &str) -> String {
    s.lines().next().unwrap_or("").to_string()
}
