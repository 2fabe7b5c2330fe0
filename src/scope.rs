//! The default scope (contract v2.0): library and binary sources. Test code
//! outside `#[cfg(test)]` items is recognised here, by where a file sits:
//! a crate's `tests/`, `benches/` and `examples/` directories and its
//! `build.rs`, and modules whose declaration in the parent file makes them
//! test-only (`#[cfg(test)] mod helpers;`). `--include-tests` brings them
//! back; a path named on the command line is always analysed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Directories of a crate that hold no library or binary code.
const TEST_DIRS: &[&str] = &["tests", "benches", "examples"];

/// Is this directory entry (below a walk root) test, bench, example or
/// build-script code of the crate whose manifest sits beside it?
pub fn is_test_entry(path: &Path, is_dir: bool) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let beside_manifest = || {
        path.parent()
            .is_some_and(|dir| dir.join("Cargo.toml").is_file())
    };
    if is_dir {
        TEST_DIRS.contains(&name) && beside_manifest()
    } else {
        name == "build.rs" && beside_manifest()
    }
}

/// How a module file is built, as its parents declare it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleReach {
    /// Declared (or not decidable from the files): analysed as usual.
    Compiled,
    /// Declared test-only (`#[cfg(test)] mod name;`, also `cfg(all(test,
    /// ..))` and `cfg(any(test, ..))`), at any depth: skipped by default.
    TestOnly,
    /// A file under a crate's `src/` that no parent declares (`mod name;`
    /// nowhere, no `#[path]` anywhere): not compiled, so its findings are
    /// `low`.
    Undeclared,
}

/// Answers, for files that have findings, how their module is reached.
/// Parents are read once.
#[derive(Default)]
pub struct TestModules {
    /// File → its reach (`None` while being decided: a cycle).
    decided: HashMap<PathBuf, Option<ModuleReach>>,
    /// A crate's `src/` → does some file there use `#[path]`?
    redirecting: HashMap<PathBuf, bool>,
}

impl TestModules {
    pub fn reach(&mut self, file: &Path) -> ModuleReach {
        if let Some(known) = self.decided.get(file) {
            return known.unwrap_or(ModuleReach::Compiled);
        }
        self.decided.insert(file.to_path_buf(), None);
        let answer = self.decide(file);
        self.decided.insert(file.to_path_buf(), Some(answer));
        answer
    }

    fn decide(&mut self, file: &Path) -> ModuleReach {
        let Some((name, parents)) = module_parents(file) else {
            return ModuleReach::Compiled;
        };
        let mut read_all = !parents.is_empty();
        for parent in &parents {
            let Ok(text) = std::fs::read_to_string(parent) else {
                read_all = false;
                continue;
            };
            if text.contains("#[path") || text.contains("include!") {
                // The module may be declared under another name.
                read_all = false;
            }
            match declaration_is_test_only(&text, &name) {
                Some(true) => return ModuleReach::TestOnly,
                Some(false) => return self.reach(parent),
                None => {}
            }
        }
        let undeclared =
            read_all && crate_sources(file).is_some_and(|src| !self.redirects_modules(&src));
        if undeclared {
            ModuleReach::Undeclared
        } else {
            ModuleReach::Compiled
        }
    }

    /// Does any file of the crate declare a module at a path of its choice
    /// (`#[path = "middleware/retry/mod.rs"] mod retry;`)? Then a file no
    /// parent declares may still be built. Read once per crate.
    fn redirects_modules(&mut self, src: &Path) -> bool {
        if let Some(&known) = self.redirecting.get(src) {
            return known;
        }
        let found = ignore::WalkBuilder::new(src)
            .standard_filters(false)
            .build()
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "rs"))
            .any(|e| std::fs::read_to_string(e.path()).is_ok_and(|t| t.contains("#[path")));
        self.redirecting.insert(src.to_path_buf(), found);
        found
    }
}

/// The `src/` directory of the crate the file belongs to (a `Cargo.toml`
/// beside it), unless the file is under `src/bin/` (each file there is a
/// crate root of its own).
fn crate_sources(file: &Path) -> Option<PathBuf> {
    let mut dir = file.parent();
    let mut below: Vec<String> = Vec::new();
    while let Some(d) = dir {
        if d.file_name().is_some_and(|n| n == "src") {
            let manifest = d.parent().is_some_and(|c| c.join("Cargo.toml").is_file());
            let in_bin = below.last().is_some_and(|first| first == "bin");
            return (manifest && !in_bin).then(|| d.to_path_buf());
        }
        below.push(
            d.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        dir = d.parent();
    }
    None
}

/// The module name a file defines and the files that can declare it:
/// `a/b.rs` and `a/b/mod.rs` are module `b`, declared in `a.rs`, `a/mod.rs`,
/// `a/lib.rs` or `a/main.rs` (the last two at a crate root).
fn module_parents(file: &Path) -> Option<(String, Vec<PathBuf>)> {
    let stem = file.file_stem()?.to_str()?;
    let dir = file.parent()?;
    let (name, home) = if stem == "mod" {
        (dir.file_name()?.to_str()?, dir.parent()?)
    } else if matches!(stem, "lib" | "main") {
        return None;
    } else {
        (stem, dir)
    };
    let mut parents = vec![
        home.join("mod.rs"),
        home.join("lib.rs"),
        home.join("main.rs"),
    ];
    if let (Some(up), Some(home_name)) = (home.parent(), home.file_name()) {
        parents.push(up.join(format!("{}.rs", home_name.to_string_lossy())));
    }
    parents.retain(|p| p != file && p.is_file());
    Some((name.to_string(), parents))
}

/// In a parent's text, is `mod name;` declared, and is its declaration
/// test-only? `None`: not declared there.
pub fn declaration_is_test_only(text: &str, name: &str) -> Option<bool> {
    let bytes = text.as_bytes();
    let mut from = 0;
    let mut declared = false;
    while let Some(at) = text[from..].find("mod ").map(|i| from + i) {
        from = at + 4;
        let before_ok = at == 0 || !is_ident_byte(bytes[at - 1]);
        let rest = text[from..].trim_start();
        let Some(after) = rest.strip_prefix(name) else {
            continue;
        };
        if !before_ok || !after.trim_start().starts_with(';') {
            continue;
        }
        declared = true;
        // The item's attributes: back to the end of the previous item.
        let start = text[..at].rfind([';', '}', '{']).map_or(0, |i| i + 1);
        if attributes_say_test(&text[start..at]) {
            return Some(true);
        }
    }
    declared.then_some(false)
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `#[cfg(test)]`, `#[cfg(all(.., test, ..))]` or `#[cfg(any(.., test, ..))]`
/// among attributes (`test` anywhere in the list, not under a `not(..)`).
fn attributes_say_test(attrs: &str) -> bool {
    let compact: String = attrs.chars().filter(|c| !c.is_whitespace()).collect();
    let mut rest = compact.as_str();
    while let Some(i) = rest.find("#[cfg(") {
        let cfg = &rest[i + 6..];
        let list = &cfg[..cfg.find(")]").unwrap_or(cfg.len())];
        let combined = list.starts_with("all(") || list.starts_with("any(");
        if list == "test"
            || (combined
                && !list.contains("not(")
                && list[4..].split([',', ')']).any(|item| item == "test"))
        {
            return true;
        }
        rest = cfg;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_only_declarations() {
        let text = "mod a;\n#[cfg(test)]\nmod helpers;\n#[cfg(any(test, feature = \"x\"))] pub(crate) mod mocks;\n\
                    #[cfg(not(test))] mod real;\n#[cfg(feature = \"test\")] mod feat;\nmod inline { fn f() {} }\n\
                    #[cfg(any(feature = \"integration\", test))]\npub mod integration;\n\
                    #[cfg(any(unix, not(test)))] mod odd;";
        assert_eq!(declaration_is_test_only(text, "a"), Some(false));
        assert_eq!(declaration_is_test_only(text, "helpers"), Some(true));
        assert_eq!(declaration_is_test_only(text, "mocks"), Some(true));
        assert_eq!(declaration_is_test_only(text, "real"), Some(false));
        assert_eq!(declaration_is_test_only(text, "feat"), Some(false));
        assert_eq!(declaration_is_test_only(text, "inline"), None);
        assert_eq!(declaration_is_test_only(text, "missing"), None);
        assert_eq!(declaration_is_test_only(text, "integration"), Some(true));
        assert_eq!(declaration_is_test_only(text, "odd"), Some(false));
        // `mod helpers_extra;` is not `mod helpers;`.
        assert_eq!(
            declaration_is_test_only("mod helpers_extra;", "helpers"),
            None
        );
    }

    #[test]
    fn nested_test_modules_across_files() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir_all(src.join("testing")).unwrap();
        std::fs::write(src.join("lib.rs"), "#[cfg(test)]\nmod testing;\nmod net;\n").unwrap();
        std::fs::write(src.join("testing/mod.rs"), "mod fake_server;\n").unwrap();
        std::fs::write(src.join("testing/fake_server.rs"), "fn f() {}\n").unwrap();
        std::fs::write(src.join("net.rs"), "fn g() {}\n").unwrap();
        let mut modules = TestModules::default();
        let mut reach = |p: &str| modules.reach(&src.join(p));
        assert_eq!(reach("testing/mod.rs"), ModuleReach::TestOnly);
        assert_eq!(reach("testing/fake_server.rs"), ModuleReach::TestOnly);
        assert_eq!(reach("net.rs"), ModuleReach::Compiled);
        assert_eq!(reach("lib.rs"), ModuleReach::Compiled);
    }

    #[test]
    fn undeclared_modules_of_a_crate() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir_all(src.join("replicator")).unwrap();
        std::fs::create_dir_all(src.join("bin")).unwrap();
        std::fs::write(dir.path().join("Cargo.toml"), "[package]\n").unwrap();
        std::fs::write(src.join("lib.rs"), "mod net;\n").unwrap();
        std::fs::write(src.join("net.rs"), "fn g() {}\n").unwrap();
        std::fs::write(src.join("old.rs"), "fn h() {}\n").unwrap();
        std::fs::write(src.join("replicator/mod.rs"), "mod remote;\n").unwrap();
        std::fs::write(src.join("replicator/remote.rs"), "fn r() {}\n").unwrap();
        std::fs::write(src.join("bin/tool.rs"), "fn main() {}\n").unwrap();
        let mut modules = TestModules::default();
        let mut reach = |p: &str| modules.reach(&src.join(p));
        assert_eq!(reach("net.rs"), ModuleReach::Compiled);
        assert_eq!(reach("old.rs"), ModuleReach::Undeclared);
        // Declared by a parent that is itself never declared.
        assert_eq!(reach("replicator/remote.rs"), ModuleReach::Undeclared);
        assert_eq!(reach("bin/tool.rs"), ModuleReach::Compiled);
        // A `#[path]` anywhere in the crate may declare anything.
        std::fs::write(src.join("net.rs"), "#[path = \"old.rs\"]\nmod legacy;\n").unwrap();
        assert_eq!(
            TestModules::default().reach(&src.join("old.rs")),
            ModuleReach::Compiled
        );
    }

    #[test]
    fn files_outside_a_crate_are_compiled() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.rs"), "fn main() {}\n").unwrap();
        std::fs::write(dir.path().join("extra.rs"), "fn e() {}\n").unwrap();
        assert_eq!(
            TestModules::default().reach(&dir.path().join("extra.rs")),
            ModuleReach::Compiled
        );
    }

    #[test]
    fn crate_test_directories() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Cargo.toml"), "[package]\n").unwrap();
        std::fs::create_dir_all(dir.path().join("tests")).unwrap();
        std::fs::create_dir_all(dir.path().join("src/tests")).unwrap();
        assert!(is_test_entry(&dir.path().join("tests"), true));
        assert!(is_test_entry(&dir.path().join("build.rs"), false));
        // A `src/tests` directory is a module: its declaration decides.
        assert!(!is_test_entry(&dir.path().join("src/tests"), true));
        assert!(!is_test_entry(&dir.path().join("src/build.rs"), false));
    }
}
