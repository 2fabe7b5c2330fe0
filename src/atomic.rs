//! Files written only by request, atomically: the contents go to a temporary
//! file beside the target (`.NAME.PID.N.tmp`), which is renamed over it.
//! A run killed mid-write leaves its temporary behind; the next write of the
//! same file removes those older than an hour (a live writer's is fresh).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// How old a temporary must be to count as a killed run's.
const STALE: Duration = Duration::from_secs(3600);

/// A new temporary file beside `path`, for its replacement.
pub fn temporary_beside(path: &Path) -> std::io::Result<(PathBuf, File)> {
    let dir = directory_of(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    remove_stale_temporaries(dir, &name);
    let mut n = 0u32;
    loop {
        let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => return Err(e),
        }
    }
}

/// Writes `path` through a temporary: readers see the old or the new
/// contents, never a mix; on any failure the temporary is removed.
pub fn write(
    path: &Path,
    contents: impl FnOnce(File) -> std::io::Result<File>,
) -> std::io::Result<()> {
    let (tmp, file) = temporary_beside(path)?;
    let result = (|| {
        contents(file)?.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn directory_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Removes `.NAME.<pid>[.<n>].tmp` files beside the target that are older
/// than [`STALE`]. Best effort: a directory that cannot be read is left.
fn remove_stale_temporaries(dir: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = format!(".{name}.");
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        let ours = file_name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(".tmp"))
            .is_some_and(|middle| {
                !middle.is_empty()
                    && middle
                        .split('.')
                        .all(|p| p.bytes().all(|b| b.is_ascii_digit()))
            });
        // The name first: only our temporaries cost a `stat`.
        if !ours {
            continue;
        }
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age > STALE);
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_killed_run_temporary_is_removed_by_the_next_write() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("leash-baseline.json");
        let stale = dir.path().join(".leash-baseline.json.4242.tmp");
        let fresh = dir.path().join(".leash-baseline.json.4343.0.tmp");
        let other = dir.path().join(".other.json.4242.tmp");
        for p in [&stale, &fresh, &other] {
            std::fs::write(p, "partial").unwrap();
        }
        let old = SystemTime::now() - Duration::from_secs(2 * 3600);
        for p in [&stale, &other] {
            File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
        write(&target, |mut f| {
            f.write_all(b"{}\n")?;
            Ok(f)
        })
        .unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "{}\n");
        assert!(!stale.exists(), "a killed run's temporary is removed");
        assert!(fresh.exists(), "a live writer's temporary stays");
        assert!(other.exists(), "another file's temporary stays");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| {
                n.starts_with(".leash-baseline.json.")
                    && n.contains(&std::process::id().to_string())
            })
            .collect();
        assert!(
            left.is_empty(),
            "this write's temporary was renamed: {left:?}"
        );
    }

    #[test]
    fn a_failed_write_removes_its_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.json");
        let err = write(&target, |_| Err(std::io::Error::other("disk full"))).unwrap_err();
        assert_eq!(err.to_string(), "disk full");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
