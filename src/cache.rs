//! Per-file results of earlier runs, so an unchanged tree re-checks without
//! parsing. Kept in `.leash_cache/` at the project root (beside the
//! configuration, or at the workspace root; `--cache-dir` and `LEASH_CACHE_DIR`
//! move it), one file per build of leash and set of settings that change results.
//!
//! Entries are keyed by the file's path relative to the project root, with
//! symbolic links resolved: one key names one file whatever the current
//! directory. A file is taken as unchanged without reading it only when its
//! metadata proves it, as git's index does: the same length, modification time,
//! status-change time and inode, and both times in an earlier second than the
//! cache file was written (a file changed in that second could change
//! again without its times showing it: "racily clean"). Otherwise its content
//! hash decides. The cache file's name is a hash of leash's version, the
//! executable's content and the settings (enabled lints, policy, test code,
//! prefilter, size limit). Anything unreadable, corrupt or stale is ignored: the
//! file is analysed again. The cache is written once at the end of a run, to a
//! temporary file renamed into place.

use leash_lints::{Applicability, Edit, Fact, FactKind, Finding, Label, Span, Suggestion};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

const FORMAT: u32 = 8;

use leash_lints::callgraph::FnSummary;
use leash_lints::suppress::Suppressions;

/// What a file's analysis produced, as stored.
#[derive(Serialize, Deserialize, Clone)]
struct Entry {
    /// Content hash (hex) and length.
    hash: String,
    len: u64,
    /// The file's metadata, taken before its content was read (absent: the
    /// content is checked every time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stat: Option<Stat>,
    parsed: bool,
    /// How many function bodies were blanked before parsing (their calls are
    /// missing from `summaries`).
    #[serde(default)]
    blanked: usize,
    /// What the analysis kept beyond the lints' own words (see [`Kept`]).
    #[serde(default)]
    kept: Kept,
    // Empty and absent fields are left out: most files have none, and a warm
    // run reads every entry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    findings: Vec<StoredFinding>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    facts: Vec<(String, String)>,
    /// Function summaries and suppressions, for cross-file findings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    summaries: Vec<FnSummary>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    suppressions: Option<Suppressions>,
}

/// What a file's metadata says of its content: the same values, recorded in an
/// earlier second than the cache file was written, mean the same content.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stat {
    len: u64,
    /// Modification and status-change times, in nanoseconds since the epoch.
    mtime: i128,
    ctime: i128,
    ino: u64,
}

const NANOS: i128 = 1_000_000_000;

impl Stat {
    #[cfg(unix)]
    pub fn of(meta: &std::fs::Metadata) -> Option<Stat> {
        use std::os::unix::fs::MetadataExt;
        Some(Stat {
            len: meta.len(),
            mtime: i128::from(meta.mtime()) * NANOS + i128::from(meta.mtime_nsec()),
            ctime: i128::from(meta.ctime()) * NANOS + i128::from(meta.ctime_nsec()),
            ino: meta.ino(),
        })
    }

    /// Without an inode and a status-change time, metadata proves nothing: the
    /// content is checked every time.
    #[cfg(not(unix))]
    pub fn of(_meta: &std::fs::Metadata) -> Option<Stat> {
        None
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file was last modified in an earlier second than `written`
    /// (git compares whole seconds too: file systems keep times as coarse as
    /// that). The change time counts too: a modification time can be set back
    /// (`touch -d`, archives), the change time cannot.
    fn settled_before(&self, written: i128) -> bool {
        self.mtime.max(self.ctime).div_euclid(NANOS) < written.div_euclid(NANOS)
    }
}

#[derive(Serialize, Deserialize, Clone)]
struct StoredFinding {
    lint: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    low: bool,
    span: [usize; 4],
    message: String,
    label: String,
    labels: Vec<([usize; 4], String)>,
    help: Option<String>,
    note: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    suggestions: Vec<StoredSuggestion>,
    unless_any: Vec<(String, String)>,
    only_if_any: Vec<(String, String)>,
}

#[derive(Serialize, Deserialize, Clone)]
struct StoredSuggestion {
    message: String,
    applicability: String,
    edits: Vec<([usize; 4], String)>,
}

impl StoredSuggestion {
    fn store(s: &Suggestion) -> StoredSuggestion {
        StoredSuggestion {
            message: s.message.clone(),
            applicability: s.applicability.as_str().to_string(),
            edits: s
                .edits
                .iter()
                .map(|e| (e.span.into(), e.replacement.clone()))
                .collect(),
        }
    }

    fn restore(&self) -> Option<Suggestion> {
        Some(Suggestion {
            message: self.message.clone(),
            applicability: Applicability::parse(&self.applicability)?,
            edits: self
                .edits
                .iter()
                .map(|(span, replacement)| Edit {
                    span: Span::from(*span),
                    replacement: replacement.clone(),
                })
                .collect(),
        })
    }
}

#[derive(Serialize, Deserialize, Default)]
struct CacheFile {
    format: u32,
    key: String,
    files: HashMap<String, Entry>,
}

/// Bodies an analysis kept for cross-file reasons: the spawn wrappers it knew
/// (a hash of their names, 0 for none) and the functions kept for the call graph.
#[derive(Serialize, Deserialize, Clone, Default, Debug, PartialEq, Eq)]
pub struct Kept {
    pub wrappers: u64,
    pub fns: Vec<String>,
}

/// The result of one file, as the driver needs it.
pub struct Cached {
    pub kept: Kept,
    pub parsed: bool,
    pub blanked: usize,
    pub findings: Vec<Finding>,
    pub facts: Vec<Fact>,
    pub summaries: Vec<FnSummary>,
    pub suppressions: Option<Suppressions>,
}

impl Cached {
    /// Whether the output needs the file's text: it has findings, or
    /// suppressions where cross-file findings may still land.
    pub fn needs_source(&self) -> bool {
        !self.findings.is_empty() || self.suppressions.is_some()
    }
}

pub struct Cache {
    path: PathBuf,
    key: String,
    /// The cache's directory, symbolic links resolved: keys are relative to it.
    root: PathBuf,
    /// Directories met, with symbolic links resolved (`None`: unresolvable).
    dirs: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
    old: HashMap<String, Entry>,
    /// When the cache file read was written (its modification time, in
    /// nanoseconds): the racily-clean rule compares the files' times with it.
    old_written: Option<i128>,
    /// Entries recorded in this run: the file about to be written is their time.
    new: Mutex<HashMap<String, Entry>>,
    /// Something to write: an entry added or updated in this run.
    dirty: std::sync::atomic::AtomicBool,
}

fn restore(e: &Entry) -> Option<Cached> {
    let findings = e
        .findings
        .iter()
        .map(StoredFinding::restore)
        .collect::<Option<Vec<_>>>()?;
    let facts = e
        .facts
        .iter()
        .map(restore_fact)
        .collect::<Option<Vec<_>>>()?;
    Some(Cached {
        kept: e.kept.clone(),
        parsed: e.parsed,
        blanked: e.blanked,
        findings,
        facts,
        summaries: e.summaries.clone(),
        suppressions: e.suppressions.clone(),
    })
}

/// A 128-bit content hash (XXH3), the same on every platform and build.
pub fn content_hash(data: &[u8]) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(data))
}

fn nanos_since_epoch(t: std::time::SystemTime) -> Option<i128> {
    match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i128::try_from(d.as_nanos()).ok(),
        Err(e) => i128::try_from(e.duration().as_nanos()).ok().map(|n| -n),
    }
}

/// What tells this build of leash from others: its executable's content (a
/// development build keeps the version number while the lints change), or,
/// when the executable cannot be read, its size and time.
fn executable_identity() -> String {
    let Ok(exe) = std::env::current_exe() else {
        return String::new();
    };
    if let Ok(mut f) = std::fs::File::open(&exe) {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        let mut buf = vec![0; 1 << 18];
        let read = loop {
            match std::io::Read::read(&mut f, &mut buf) {
                Ok(0) => break Ok(()),
                Ok(n) => h.update(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
            }
        };
        if read.is_ok() {
            return format!("{:032x}", h.digest128());
        }
    }
    std::fs::metadata(&exe).map_or_else(
        |_| String::new(),
        |m| format!("{}/{:?}", m.len(), m.modified().ok()),
    )
}

impl Cache {
    /// Opens (reads) the cache kept in `dir`, for these settings; `settings` is
    /// every input other than file contents that changes a file's analysis.
    /// Keys are paths relative to `root` (the project root).
    pub fn open(dir: &Path, root: &Path, settings: &str) -> Cache {
        let identity = format!(
            "leash {}\0format {FORMAT}\0executable {}\0{settings}",
            env!("CARGO_PKG_VERSION"),
            executable_identity()
        );
        let key = format!("{:032x}", xxhash_rust::xxh3::xxh3_128(identity.as_bytes()));
        let path = dir.join(format!("v{FORMAT}-{key}.json"));
        let (old, old_written) = std::fs::File::open(&path)
            .ok()
            .and_then(|mut f| {
                let written = f
                    .metadata()
                    .ok()
                    .and_then(|m| m.modified().ok())
                    .and_then(nanos_since_epoch);
                // Read whole: serde_json parses a slice several times faster than a reader.
                let mut data = Vec::new();
                std::io::Read::read_to_end(&mut f, &mut data).ok()?;
                serde_json::from_slice::<CacheFile>(&data)
                    .ok()
                    .filter(|c| c.format == FORMAT && c.key == key)
                    .map(|c| (c.files, written))
            })
            .unwrap_or_default();
        Cache {
            path,
            key,
            root: std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf()),
            dirs: Mutex::new(HashMap::new()),
            old,
            old_written,
            new: Mutex::new(HashMap::new()),
            dirty: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The key of a file: its path relative to the project root (or
    /// absolute, outside it), with its directory's symbolic links resolved.
    pub fn key_of(&self, file: &Path) -> String {
        let name = file.file_name();
        let dir = match file.parent() {
            Some(d) if d.as_os_str().is_empty() => Path::new("."),
            Some(d) => d,
            None => file,
        };
        let resolved = self.resolve_dir(dir);
        let full = match (resolved, name) {
            (Some(d), Some(n)) => d.join(n),
            _ => std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf()),
        };
        let shown = full.strip_prefix(&self.root).unwrap_or(&full);
        shown.to_string_lossy().replace('\\', "/")
    }

    /// A directory with its symbolic links resolved, as `canonicalize` gives
    /// it, built on its parent's: one `lstat` per new directory instead of one
    /// `readlink` per component of its path.
    fn resolve_dir(&self, dir: &Path) -> Option<PathBuf> {
        if let Some(known) = self.dirs.lock().ok().and_then(|d| d.get(dir).cloned()) {
            return known;
        }
        let mut components = dir.components();
        let last = components.next_back();
        let parent = components.as_path();
        let resolved = match last {
            Some(std::path::Component::Normal(name)) if !parent.as_os_str().is_empty() => {
                match (self.resolve_dir(parent), std::fs::symlink_metadata(dir)) {
                    (Some(base), Ok(m)) if !m.file_type().is_symlink() => Some(base.join(name)),
                    _ => std::fs::canonicalize(dir).ok(),
                }
            }
            _ => std::fs::canonicalize(dir).ok(),
        };
        if let Ok(mut d) = self.dirs.lock() {
            d.insert(dir.to_path_buf(), resolved.clone());
        }
        resolved
    }

    /// Whether an entry read from the cache file may be trusted on its
    /// metadata: recorded in an earlier second than that file was written.
    fn settled(&self, e: &Entry) -> bool {
        match (e.stat, self.old_written) {
            (Some(stat), Some(written)) => stat.settled_before(written),
            _ => false,
        }
    }

    /// An earlier entry carried into the file about to be written: one that
    /// was not settled forgets its metadata (its content is checked next time),
    /// as git "smudges" racily clean entries.
    fn carried(&self, e: &Entry) -> Entry {
        let mut e = e.clone();
        if !self.settled(&e) {
            e.stat = None;
        }
        e
    }

    /// The stored result for `file` if its content is unchanged.
    pub fn get(&self, file: &str, hash: &str, len: u64) -> Option<Cached> {
        let e = self.old.get(file)?;
        if e.hash != hash || e.len != len {
            return None;
        }
        restore(e)
    }

    /// The stored result for `file` if its metadata proves it unchanged (no
    /// need to read it).
    pub fn get_unchanged(&self, file: &str, stat: &Stat) -> Option<Cached> {
        let e = self.old.get(file)?;
        if e.stat != Some(*stat) || !self.settled(e) {
            return None;
        }
        restore(e)
    }

    /// Records the metadata of a file whose content was found unchanged (by
    /// [`Cache::get`]), so that the next run need not read it.
    pub fn refresh(&self, file: &str, stat: Option<Stat>) {
        let Some(e) = self.old.get(file) else { return };
        if stat.is_none() || (e.stat == stat && self.settled(e)) {
            return;
        }
        let Ok(mut new) = self.new.lock() else { return };
        new.entry(file.to_string())
            .or_insert_with(|| Entry { stat, ..e.clone() });
        self.dirty.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    // One argument per stored part of a file's result; a struct would only rename them.
    #[allow(clippy::too_many_arguments)]
    /// Stores a file's analysis under its content hash and length (and its
    /// metadata, when taken before the content was read).
    pub fn put(
        &self,
        file: &str,
        hash: String,
        len: u64,
        stat: Option<Stat>,
        kept: &Kept,
        analysis: &leash_lints::FileAnalysis,
    ) {
        let entry = Entry {
            hash,
            len,
            stat,
            parsed: analysis.parsed,
            blanked: analysis.blanked_bodies,
            kept: kept.clone(),
            findings: analysis.findings.iter().map(StoredFinding::store).collect(),
            facts: analysis.facts.iter().map(store_fact).collect(),
            summaries: analysis.summaries.clone(),
            suppressions: analysis.suppressions.clone(),
        };
        if let Ok(mut new) = self.new.lock() {
            new.insert(file.to_string(), entry);
        }
        self.dirty.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Records that `file`'s stored result also holds for `kept` (a later look
    /// with more words kept no more bodies).
    pub fn mark_kept(&self, file: &str, kept: &Kept) {
        let Ok(mut new) = self.new.lock() else { return };
        let entry = match new.get_mut(file) {
            Some(e) => e,
            None => match self.old.get(file) {
                Some(e) if e.kept != *kept => new
                    .entry(file.to_string())
                    .or_insert_with(|| self.carried(e)),
                _ => return,
            },
        };
        entry.kept = kept.clone();
        self.dirty.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Writes the entries of this run, plus earlier entries for files this run
    /// did not change (nothing, when no entry changed). Errors are ignored: the
    /// cache is only an accelerator.
    pub fn save(self) {
        if !self.dirty.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let Ok(mut files) = self.new.lock().map(|mut n| std::mem::take(&mut *n)) else {
            return;
        };
        for (k, v) in &self.old {
            if !files.contains_key(k) {
                files.insert(k.clone(), self.carried(v));
            }
        }
        let data = CacheFile {
            format: FORMAT,
            key: self.key,
            files,
        };
        let Some(dir) = self.path.parent() else {
            return;
        };
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        let ignore = dir.join(".gitignore");
        if !ignore.exists() {
            let _ = std::fs::write(&ignore, "# Created by leash.\n*\n");
        }
        let tmp = dir.join(format!(
            ".tmp-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0)
        ));
        let written = std::fs::File::create(&tmp).and_then(|f| {
            let mut w = std::io::BufWriter::new(f);
            serde_json::to_writer(&mut w, &data)?;
            w.flush()?;
            w.into_inner().map_err(|e| e.into_error())?.sync_all()
        });
        if written.is_err() || std::fs::rename(&tmp, &self.path).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

fn kind_name(k: FactKind) -> String {
    format!("{k:?}")
}

fn kind_from(name: &str) -> Option<FactKind> {
    // Every kind round-trips through its Debug name; unknown names make the
    // entry invalid rather than wrong.
    const KINDS: &[FactKind] = &[FactKind::DelayFn, FactKind::SpawnWrapper];
    KINDS.iter().copied().find(|k| kind_name(*k) == name)
}

fn store_fact(f: &Fact) -> (String, String) {
    (kind_name(f.kind), f.name.clone())
}

fn restore_fact(f: &(String, String)) -> Option<Fact> {
    Some(Fact {
        kind: kind_from(&f.0)?,
        name: f.1.clone(),
    })
}

impl StoredFinding {
    fn store(f: &Finding) -> StoredFinding {
        StoredFinding {
            lint: f.lint.to_string(),
            low: f.confidence == leash_lints::Confidence::Low,
            span: f.span.into(),
            message: f.message.clone(),
            label: f.label.clone(),
            labels: f
                .labels
                .iter()
                .map(|l| (l.span.into(), l.message.clone()))
                .collect(),
            help: f.help.clone(),
            note: f.note.clone(),
            suggestions: f.suggestions.iter().map(StoredSuggestion::store).collect(),
            unless_any: f.unless_any.iter().map(store_fact).collect(),
            only_if_any: f.only_if_any.iter().map(store_fact).collect(),
        }
    }

    fn restore(&self) -> Option<Finding> {
        let lint = leash_lints::lint_by_name(&self.lint)?.name;
        let mut f = Finding::new(lint, Span::from(self.span), self.message.clone());
        f.label = self.label.clone();
        f = f.low_if(self.low);
        f.labels = self
            .labels
            .iter()
            .map(|(s, m)| Label {
                span: Span::from(*s),
                message: m.clone(),
            })
            .collect();
        f.help = self.help.clone();
        f.note = self.note.clone();
        f.suggestions = self
            .suggestions
            .iter()
            .map(StoredSuggestion::restore)
            .collect::<Option<_>>()?;
        f.unless_any = self
            .unless_any
            .iter()
            .map(restore_fact)
            .collect::<Option<_>>()?;
        f.only_if_any = self
            .only_if_any
            .iter()
            .map(restore_fact)
            .collect::<Option<_>>()?;
        Some(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let f = Finding::new("unbounded_channel", Span::default(), "m")
            .label("l")
            .secondary(Span::default(), "s")
            .help("h")
            .suggest(
                "add `.with_jitter()`",
                Applicability::MachineApplicable,
                vec![Edit::insert(
                    leash_lints::Pos { line: 2, column: 7 },
                    ".with_jitter()",
                )],
            )
            .unless(FactKind::DelayFn, ["wait".to_string()]);
        let fact = Fact {
            kind: FactKind::SpawnWrapper,
            name: "go".into(),
        };
        let summary = leash_lints::callgraph::FnSummary {
            name: "retrying".into(),
            impl_type: None,
            span: Span::default(),
            calls: Vec::new(),
            retry_sites: Vec::new(),
        };
        let c = Cache::open(dir.path(), dir.path(), "s");
        assert!(c.get("a.rs", "h1", 3).is_none());
        let analysis = leash_lints::FileAnalysis {
            parsed: true,
            blanked_bodies: 2,
            findings: vec![f.clone()],
            facts: vec![fact.clone()],
            summaries: vec![summary.clone()],
            ..leash_lints::FileAnalysis::default()
        };
        c.put("a.rs", "h1".into(), 3, None, &Kept::default(), &analysis);
        c.save();
        let c = Cache::open(dir.path(), dir.path(), "s");
        let got = c.get("a.rs", "h1", 3).unwrap();
        assert_eq!(got.findings, vec![f]);
        assert_eq!(got.facts, vec![fact]);
        assert_eq!(got.summaries, vec![summary]);
        assert_eq!(got.blanked, 2);
        assert!(c.get("a.rs", "h2", 3).is_none());
        assert!(c.get("a.rs", "h1", 4).is_none());
        // Other settings: another cache.
        assert!(Cache::open(dir.path(), dir.path(), "t")
            .get("a.rs", "h1", 3)
            .is_none());
        // Corrupt file: ignored.
        std::fs::write(&c.path, b"{not json").unwrap();
        assert!(Cache::open(dir.path(), dir.path(), "s")
            .get("a.rs", "h1", 3)
            .is_none());
        assert_ne!(content_hash(b"a"), content_hash(b"b"));
    }

    fn stat(mtime_secs: i128, ctime_secs: i128, ino: u64) -> Stat {
        Stat {
            len: 3,
            mtime: mtime_secs * NANOS,
            ctime: ctime_secs * NANOS,
            ino,
        }
    }

    fn put_with(c: &Cache, file: &str, stat: Stat) {
        let analysis = leash_lints::FileAnalysis {
            parsed: true,
            ..leash_lints::FileAnalysis::default()
        };
        c.put(
            file,
            "h1".into(),
            3,
            Some(stat),
            &Kept::default(),
            &analysis,
        );
    }

    #[test]
    fn metadata_is_trusted_only_when_all_of_it_matches_and_it_settled_first() {
        let dir = tempfile::tempdir().unwrap();
        let now = nanos_since_epoch(std::time::SystemTime::now()).unwrap() / NANOS;
        let old = stat(now - 3600, now - 3600, 7);
        // Modified in the second the cache is written (or later): racily clean.
        let racy = stat(now + 3600, now + 3600, 8);
        let c = Cache::open(dir.path(), dir.path(), "s");
        put_with(&c, "old.rs", old);
        put_with(&c, "racy.rs", racy);
        c.save();
        let c = Cache::open(dir.path(), dir.path(), "s");
        assert!(c.get_unchanged("old.rs", &old).is_some());
        for other in [
            stat(now - 3599, now - 3600, 7),
            stat(now - 3600, now - 3599, 7),
            stat(now - 3600, now - 3600, 9),
            Stat { len: 4, ..old },
        ] {
            assert!(c.get_unchanged("old.rs", &other).is_none(), "{other:?}");
        }
        assert!(c.get_unchanged("racy.rs", &racy).is_none());
        // Its content still decides.
        assert!(c.get("racy.rs", "h1", 3).is_some());
        // Carried into a later cache file, a racy entry forgets its metadata:
        // a later write time must not make it look settled.
        put_with(&c, "third.rs", old);
        c.save();
        let c = Cache::open(dir.path(), dir.path(), "s");
        assert!(c.old["racy.rs"].stat.is_none());
        assert_eq!(c.old["old.rs"].stat, Some(old));
        assert!(c.get_unchanged("third.rs", &old).is_some());
    }

    #[test]
    fn keys_are_paths_relative_to_the_cache_root_whatever_the_spelling() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(root.join("src/lib.rs"), "").unwrap();
        let c = Cache::open(&root, &root, "s");
        assert_eq!(c.key_of(&root.join("src/lib.rs")), "src/lib.rs");
        assert_eq!(c.key_of(&root.join("src/../src/lib.rs")), "src/lib.rs");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&root, dir.path().join("link")).unwrap();
            assert_eq!(c.key_of(&dir.path().join("link/src/lib.rs")), "src/lib.rs");
            std::os::unix::fs::symlink(root.join("src"), root.join("inner")).unwrap();
            assert_eq!(c.key_of(&root.join("inner/lib.rs")), "src/lib.rs");
        }
        // Outside the root: the whole path, so two trees never share a key.
        std::fs::create_dir_all(dir.path().join("other/src")).unwrap();
        let outside = c.key_of(&dir.path().join("other/src/lib.rs"));
        assert!(outside.ends_with("other/src/lib.rs"), "{outside}");
        assert_ne!(outside, "src/lib.rs");
    }
}
