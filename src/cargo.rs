//! Cargo integration: `cargo metadata` (through `cargo_metadata`) to find a
//! workspace's members and their targets.

use serde_json::Value;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

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
    /// The target object as cargo prints it (reused in compiler messages).
    pub raw: Value,
}

/// Runs `cargo metadata --format-version 1 --no-deps` in `dir`.
pub fn metadata(dir: &Path, manifest_path: Option<&Path>) -> Result<Workspace, String> {
    let mut cmd = cargo_metadata::MetadataCommand::new();
    cmd.cargo_path(cargo_program()).current_dir(dir).no_deps();
    if let Some(m) = manifest_path {
        cmd.manifest_path(m);
    }
    match cmd.exec() {
        Ok(m) => Ok(workspace(&m)),
        Err(cargo_metadata::Error::CargoMetadata { stderr }) => {
            Err(format!("`cargo metadata` failed: {}", stderr.trim()))
        }
        Err(e) => Err(format!("cannot run `cargo metadata`: {e}")),
    }
}

/// The members of a workspace as `cargo metadata` describes them.
fn workspace(m: &cargo_metadata::Metadata) -> Workspace {
    let packages = m
        .workspace_packages()
        .into_iter()
        .map(|p| {
            let manifest_path = p.manifest_path.clone().into_std_path_buf();
            Package {
                id: p.id.repr.clone(),
                name: p.name.to_string(),
                dir: manifest_path
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default(),
                manifest_path,
                targets: p
                    .targets
                    .iter()
                    .map(|t| Target {
                        src_path: t.src_path.clone().into_std_path_buf(),
                        kinds: t.kind.iter().map(|k| k.to_string()).collect(),
                        raw: serde_json::to_value(t).unwrap_or(Value::Null),
                    })
                    .collect(),
            }
        })
        .collect();
    Workspace {
        root: m.workspace_root.clone().into_std_path_buf(),
        packages,
    }
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
    use super::workspace;
    use std::path::Path;

    /// `cargo metadata --no-deps` of a one-package workspace, trimmed to the
    /// fields cargo always prints.
    const METADATA: &str = r#"{"packages":[{"name":"a","version":"0.1.0","id":"path+file:///w/a#0.1.0",
        "license":null,"license_file":null,"description":null,"source":null,"dependencies":[],
        "targets":[
          {"kind":["lib"],"crate_types":["lib"],"name":"a","src_path":"/w/a/src/lib.rs","edition":"2021","doc":true,"doctest":true,"test":true},
          {"kind":["custom-build"],"crate_types":["bin"],"name":"build-script-build","src_path":"/w/a/build.rs","edition":"2021","doc":false,"doctest":false,"test":false},
          {"kind":["test"],"crate_types":["bin"],"name":"t","src_path":"/w/a/tests/t.rs","edition":"2021","doc":false,"doctest":false,"test":true}],
        "features":{},"manifest_path":"/w/a/Cargo.toml","metadata":null,"publish":null,"authors":[],
        "categories":[],"keywords":[],"readme":null,"repository":null,"homepage":null,
        "documentation":null,"edition":"2021","links":null,"default_run":null,"rust_version":null},
      {"name":"dep","version":"1.0.0","id":"registry+https://github.com/rust-lang/crates.io-index#dep@1.0.0",
        "dependencies":[],"targets":[],"features":{},"manifest_path":"/r/dep/Cargo.toml","edition":"2021"}],
      "workspace_members":["path+file:///w/a#0.1.0"],"workspace_default_members":["path+file:///w/a#0.1.0"],
      "resolve":null,"target_directory":"/w/target","version":1,"workspace_root":"/w","metadata":null}"#;

    #[test]
    fn reads_members_and_targets() {
        let m = cargo_metadata::MetadataCommand::parse(METADATA).expect("parses");
        let ws = workspace(&m);
        // Only members: the dependency is not checked.
        assert_eq!(ws.packages.len(), 1);
        let (p, t) = ws.locate(Path::new("/w/a/src/x/y.rs")).expect("located");
        assert_eq!(p.name, "a");
        assert_eq!(p.dir, Path::new("/w/a"));
        let t = t.expect("target");
        assert_eq!(
            (t.raw["name"].as_str(), t.kinds.as_slice()),
            (Some("a"), &["lib".to_string()][..])
        );
        let (_, t) = ws.locate(Path::new("/w/a/tests/t.rs")).expect("located");
        assert_eq!(t.expect("target").raw["name"], "t");
        assert!(ws.source_paths(Some("b")).is_err());
        assert_eq!(
            ws.source_paths(None).unwrap(),
            [
                Path::new("/w/a/build.rs"),
                Path::new("/w/a/src"),
                Path::new("/w/a/tests")
            ]
        );
    }
}
