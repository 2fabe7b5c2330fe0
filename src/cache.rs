//! Per-file results of earlier runs, so an unchanged tree re-checks without
//! parsing. Kept in `.leash_cache/` beside the configuration (or in the current
//! directory), one file per set of settings that change results.
//!
//! An entry is used only when the file's content hash and length match; the
//! cache file's name carries leash's version, the executable's identity and the
//! settings (enabled lints, policy, test code, prefilter). Anything unreadable,
//! corrupt or stale is ignored: the file is analysed again. The cache is written
//! once at the end of a run, to a temporary file renamed into place.

use leash_lints::{Fact, FactKind, Finding, Label, Span};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

const FORMAT: u32 = 6;

use leash_lints::callgraph::FnSummary;
use leash_lints::suppress::Suppressions;

/// What a file's analysis produced, as stored.
#[derive(Serialize, Deserialize, Clone)]
struct Entry {
    /// Content hash (hex) and length.
    hash: String,
    len: u64,
    /// Modification time (ns since the epoch) seen before the content was read:
    /// with the same length, the file is taken as unchanged without reading it.
    #[serde(default)]
    mtime: Option<u128>,
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
    unless_any: Vec<(String, String)>,
    only_if_any: Vec<(String, String)>,
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

pub struct Cache {
    path: PathBuf,
    key: String,
    old: HashMap<String, Entry>,
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

/// A file's modification time in nanoseconds since the epoch.
pub fn mtime_of(meta: &std::fs::Metadata) -> Option<u128> {
    meta.modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_nanos())
}

/// A 128-bit content hash (two keyed SipHash-1-3 passes). Only compared with
/// hashes written by the same executable (its identity is in the key).
pub fn content_hash(data: &[u8]) -> String {
    let mut a = std::collections::hash_map::DefaultHasher::new();
    0x6c65_6173_685f_6131u64.hash(&mut a);
    a.write(data);
    let mut b = std::collections::hash_map::DefaultHasher::new();
    0x6c65_6173_685f_6232u64.hash(&mut b);
    b.write(data);
    format!("{:016x}{:016x}", a.finish(), b.finish())
}

impl Cache {
    /// Opens (reads) the cache for these settings; `settings` is every input
    /// other than file contents that changes a file's analysis.
    pub fn open(root: &Path, settings: &str) -> Cache {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        env!("CARGO_PKG_VERSION").hash(&mut h);
        FORMAT.hash(&mut h);
        // Development builds keep the version number while lints change: the
        // executable's size and modification time tell builds apart.
        if let Some(meta) = std::env::current_exe()
            .ok()
            .and_then(|p| std::fs::metadata(p).ok())
        {
            meta.len().hash(&mut h);
            if let Ok(t) = meta.modified() {
                t.hash(&mut h);
            }
        }
        settings.hash(&mut h);
        let key = format!("{:016x}", h.finish());
        let path = root
            .join(".leash_cache")
            .join(format!("v{FORMAT}-{key}.json"));
        let old = std::fs::read(&path)
            .ok()
            .and_then(|data| serde_json::from_slice::<CacheFile>(&data).ok())
            .filter(|c| c.format == FORMAT && c.key == key)
            .map(|c| c.files)
            .unwrap_or_default();
        Cache {
            path,
            key,
            old,
            new: Mutex::new(HashMap::new()),
            dirty: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The stored result for `file` if its content is unchanged.
    pub fn get(&self, file: &str, hash: &str, len: u64) -> Option<Cached> {
        let e = self.old.get(file)?;
        if e.hash != hash || e.len != len {
            return None;
        }
        restore(e)
    }

    /// The stored result for `file` if its length and modification time are
    /// those recorded (no need to read it).
    pub fn get_unchanged(&self, file: &str, len: u64, mtime: u128) -> Option<Cached> {
        let e = self.old.get(file)?;
        if e.len != len || e.mtime != Some(mtime) {
            return None;
        }
        restore(e)
    }

    // One argument per stored part of a file's result; a struct would only rename them.
    #[allow(clippy::too_many_arguments)]
    pub fn put(
        &self,
        file: &str,
        hash: String,
        len: u64,
        mtime: Option<u128>,
        parsed: bool,
        blanked: usize,
        kept: &Kept,
        findings: &[Finding],
        facts: &[Fact],
        summaries: &[FnSummary],
        suppressions: Option<&Suppressions>,
    ) {
        // A file modified within the last seconds may change again within the
        // clock's granularity, keeping its time: such an entry is checked by
        // content next time (git's "racily clean" rule).
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let mtime = mtime.filter(|&t| now.saturating_sub(t) > 2_000_000_000);
        let entry = Entry {
            hash,
            len,
            mtime,
            parsed,
            blanked,
            kept: kept.clone(),
            findings: findings.iter().map(StoredFinding::store).collect(),
            facts: facts.iter().map(store_fact).collect(),
            summaries: summaries.to_vec(),
            suppressions: suppressions.cloned(),
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
                Some(e) if e.kept != *kept => new.entry(file.to_string()).or_insert(e.clone()),
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
        let Ok(mut files) = self.new.into_inner() else {
            return;
        };
        for (k, v) in self.old {
            files.entry(k).or_insert(v);
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
        let c = Cache::open(dir.path(), "s");
        assert!(c.get("a.rs", "h1", 3).is_none());
        c.put(
            "a.rs",
            "h1".into(),
            3,
            None,
            true,
            2,
            &Kept::default(),
            std::slice::from_ref(&f),
            std::slice::from_ref(&fact),
            std::slice::from_ref(&summary),
            None,
        );
        c.save();
        let c = Cache::open(dir.path(), "s");
        let got = c.get("a.rs", "h1", 3).unwrap();
        assert_eq!(got.findings, vec![f]);
        assert_eq!(got.facts, vec![fact]);
        assert_eq!(got.summaries, vec![summary]);
        assert_eq!(got.blanked, 2);
        assert!(c.get("a.rs", "h2", 3).is_none());
        assert!(c.get("a.rs", "h1", 4).is_none());
        // Other settings: another cache.
        assert!(Cache::open(dir.path(), "t").get("a.rs", "h1", 3).is_none());
        // Corrupt file: ignored.
        std::fs::write(&c.path, b"{not json").unwrap();
        assert!(Cache::open(dir.path(), "s").get("a.rs", "h1", 3).is_none());
        assert_ne!(content_hash(b"a"), content_hash(b"b"));
    }
}
