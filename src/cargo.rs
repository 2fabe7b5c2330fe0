//! Cargo integration: `cargo metadata` (run as a subprocess and read with
//! serde_json) to find a workspace's members and their targets.

use serde_json::Value;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The cargo to run: `$CARGO` (set when running as a cargo subcommand), else `cargo`.
pub fn cargo_program() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

pub struct Workspace {
    pub root: PathBuf,
    pub packages: Vec<Package>,
}

pub struct Package {
    pub id: String,
    pub name: String,
    pub manifest_path: PathBuf,
    pub dir: PathBuf,
    pub targets: Vec<Target>,
}

pub struct Target {
    pub src_path: PathBuf,
    pub kinds: Vec<String>,
    /// The target object as cargo printed it (reused in compiler messages).
    pub raw: Value,
}

/// Runs `cargo metadata --format-version 1 --no-deps` in `dir`.
pub fn metadata(dir: &Path, manifest_path: Option<&Path>) -> Result<Workspace, String> {
    let mut cmd = Command::new(cargo_program());
    cmd.args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(dir);
    if let Some(m) = manifest_path {
        cmd.arg("--manifest-path").arg(m);
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run `cargo metadata`: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!("`cargo metadata` failed: {}", err.trim()));
    }
    parse(&out.stdout)
}

fn parse(json: &[u8]) -> Result<Workspace, String> {
    let v: Value = serde_json::from_slice(json)
        .map_err(|e| format!("cannot read `cargo metadata` output: {e}"))?;
    let root = v["workspace_root"]
        .as_str()
        .map(PathBuf::from)
        .ok_or("`cargo metadata` output has no workspace_root")?;
    let members: Vec<&str> = v["workspace_members"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut packages = Vec::new();
    for p in v["packages"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
        let (Some(id), Some(name), Some(manifest)) = (
            p["id"].as_str(),
            p["name"].as_str(),
            p["manifest_path"].as_str(),
        ) else {
            continue;
        };
        if !members.is_empty() && !members.contains(&id) {
            continue;
        }
        let manifest_path = PathBuf::from(manifest);
        let dir = manifest_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let targets = p["targets"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .filter_map(|t| {
                Some(Target {
                    src_path: PathBuf::from(t["src_path"].as_str()?),
                    kinds: t["kind"]
                        .as_array()
                        .map(|k| {
                            k.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_string)
                                .collect()
                        })
                        .unwrap_or_default(),
                    raw: t.clone(),
                })
            })
            .collect();
        packages.push(Package {
            id: id.to_string(),
            name: name.to_string(),
            manifest_path,
            dir,
            targets,
        });
    }
    Ok(Workspace { root, packages })
}

impl Workspace {
    /// What to check: every member's target directories (a target whose file
    /// sits in the package root, such as `build.rs`, adds only that file), or
    /// only package `only`'s.
    pub fn source_paths(&self, only: Option<&str>) -> Result<Vec<PathBuf>, String> {
        let chosen: Vec<&Package> = match only {
            Some(name) => {
                let found: Vec<&Package> =
                    self.packages.iter().filter(|p| p.name == name).collect();
                if found.is_empty() {
                    let names: Vec<&str> = self.packages.iter().map(|p| p.name.as_str()).collect();
                    return Err(format!(
                        "package `{name}` is not a member of this workspace (members: {})",
                        names.join(", ")
                    ));
                }
                found
            }
            None => self.packages.iter().collect(),
        };
        let mut paths: Vec<PathBuf> = Vec::new();
        for p in chosen {
            for t in &p.targets {
                let Some(dir) = t.src_path.parent() else {
                    continue;
                };
                if dir == p.dir {
                    paths.push(t.src_path.clone());
                } else {
                    paths.push(dir.to_path_buf());
                }
            }
        }
        paths.sort();
        paths.dedup();
        let dirs: Vec<PathBuf> = paths.iter().filter(|p| p.is_dir()).cloned().collect();
        paths.retain(|p| !dirs.iter().any(|d| d != p && p.starts_with(d)));
        Ok(paths)
    }

    /// The member package and target a file belongs to (deepest match).
    pub fn locate(&self, file: &Path) -> Option<(&Package, Option<&Target>)> {
        let pkg = self
            .packages
            .iter()
            .filter(|p| file.starts_with(&p.dir))
            .max_by_key(|p| p.dir.components().count())?;
        let target = pkg
            .targets
            .iter()
            .filter_map(|t| {
                let dir = t.src_path.parent()?;
                let depth = if t.src_path == file {
                    usize::MAX
                } else if file.starts_with(dir) && dir != pkg.dir {
                    dir.components().count()
                } else {
                    return None;
                };
                let lib = t.kinds.iter().any(|k| k == "lib");
                Some((depth, lib, t))
            })
            .max_by_key(|(depth, lib, _)| (*depth, *lib))
            .map(|(_, _, t)| t)
            .or_else(|| {
                pkg.targets
                    .iter()
                    .find(|t| t.kinds.iter().any(|k| k == "lib"))
            })
            .or(pkg.targets.first());
        Some((pkg, target))
    }
}

#[cfg(test)]
mod tests {
    use super::parse;
    use std::path::Path;

    #[test]
    fn reads_members_and_targets() {
        let json = br#"{"workspace_root":"/w","workspace_members":["path+file:///w/a#0.1.0"],
          "packages":[{"id":"path+file:///w/a#0.1.0","name":"a","manifest_path":"/w/a/Cargo.toml",
            "targets":[{"name":"a","kind":["lib"],"src_path":"/w/a/src/lib.rs"},
                       {"name":"build-script-build","kind":["custom-build"],"src_path":"/w/a/build.rs"},
                       {"name":"t","kind":["test"],"src_path":"/w/a/tests/t.rs"}]}]}"#;
        let ws = parse(json).expect("parses");
        assert_eq!(ws.packages.len(), 1);
        let (p, t) = ws.locate(Path::new("/w/a/src/x/y.rs")).expect("located");
        assert_eq!(p.name, "a");
        assert_eq!(t.expect("target").raw["name"], "a");
        let (_, t) = ws.locate(Path::new("/w/a/tests/t.rs")).expect("located");
        assert_eq!(t.expect("target").raw["name"], "t");
        assert!(ws.source_paths(Some("b")).is_err());
    }
}
