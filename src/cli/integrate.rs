//! Glue for the places leash runs from: Cargo workspaces (`cargo leash`, `-p`),
//! editors and hooks that pipe a buffer on stdin, and `cargo clippy` messages
//! passed through beside leash's own.

use super::{CheckArgs, Format};
use crate::cargo::{self, Workspace};
use crate::driver::{self, RunResult};
use crate::fingerprint::Anchors;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Reads the Cargo workspace when one is needed: as `cargo leash`, with `-p` or
/// `--manifest-path` (then the members' sources become the paths to check when
/// none are given), and for cargo's JSON format (package ids and targets).
pub fn workspace_paths(
    args: &mut CheckArgs,
    as_cargo_subcommand: bool,
    format: Format,
) -> Result<Option<Workspace>, String> {
    let selects = args.package.is_some() || args.manifest_path.is_some();
    if !(as_cargo_subcommand || selects || format == Format::RustcJson) {
        return Ok(None);
    }
    if args.package.is_some() && !args.paths.is_empty() {
        return Err("-p/--package picks the paths to check; do not give paths too".into());
    }
    let cwd = std::env::current_dir().map_err(|e| format!("no current directory: {e}"))?;
    let ws = match cargo::metadata(&cwd, args.manifest_path.as_deref()) {
        Ok(ws) => ws,
        Err(e) if selects => return Err(e),
        // Not in a Cargo workspace: check the paths as `leash check` does.
        Err(_) => return Ok(None),
    };
    if args.paths.is_empty() && args.stdin_filename.is_none() && (as_cargo_subcommand || selects) {
        args.paths = ws.source_paths(args.package.as_deref())?;
        if args.paths.is_empty() {
            return Err("the Cargo workspace has no targets to check".into());
        }
    }
    Ok(Some(ws))
}

/// Keeps the findings (and their anchors) whose `keep` entry is true.
pub fn retain(result: &mut RunResult, anchors: &mut Anchors, keep: &[bool]) {
    let mut i = 0;
    result.findings.retain(|_| {
        i += 1;
        keep.get(i - 1).copied().unwrap_or(true)
    });
    let mut i = 0;
    anchors.rel_paths.retain(|_| {
        i += 1;
        keep.get(i - 1).copied().unwrap_or(true)
    });
    let mut i = 0;
    anchors.fingerprints.retain(|_| {
        i += 1;
        keep.get(i - 1).copied().unwrap_or(true)
    });
}

/// Standard input staged in a private temporary directory under its file
/// name, so the driver reads it like any file; removed when dropped.
pub struct StdinFile {
    dir: PathBuf,
    pub path: PathBuf,
}

impl StdinFile {
    pub fn create(name: &Path, text: &str) -> std::io::Result<StdinFile> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!("leash-stdin-{}-{nanos}", std::process::id()));
        std::fs::create_dir(&dir)?;
        let file_name = name
            .file_name()
            .map_or_else(|| "stdin.rs".into(), |n| n.to_os_string());
        let path = dir.join(file_name);
        let staged = StdinFile { dir, path };
        std::fs::write(&staged.path, text)?;
        Ok(staged)
    }

    /// Reports the staged file under the name given on the command line.
    pub fn restore_names(&self, result: &mut RunResult, name: &Path) {
        for f in &mut result.files {
            if f.path == self.path {
                f.path = name.to_path_buf();
                f.display = driver::display_path(name);
            }
        }
    }
}

impl Drop for StdinFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `cargo clippy --message-format=json`, started before the analysis.
pub struct Clippy {
    child: Child,
}

impl Clippy {
    pub fn spawn(package: Option<&str>, manifest_path: Option<&Path>) -> Result<Clippy, String> {
        let mut cmd = Command::new(cargo::cargo_program());
        cmd.args(["clippy", "--message-format=json", "--all-targets"]);
        match package {
            Some(p) => cmd.args(["-p", p]),
            None => cmd.arg("--workspace"),
        };
        if let Some(m) = manifest_path {
            cmd.arg("--manifest-path").arg(m);
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run `cargo clippy`: {e}"))?;
        Ok(Clippy { child })
    }

    /// Copies clippy's messages to stdout line by line; whether it succeeded.
    pub fn pass_through(mut self) -> std::io::Result<bool> {
        if let Some(out) = self.child.stdout.take() {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            for line in std::io::BufReader::new(out).split(b'\n') {
                let line = line?;
                lock.write_all(&line)?;
                lock.write_all(b"\n")?;
            }
            lock.flush()?;
        }
        Ok(self.child.wait()?.success())
    }
}
