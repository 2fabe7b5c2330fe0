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

/// Answers, for files that have findings, whether their module is declared
/// test-only by its parent (`#[cfg(test)] mod name;`, also `cfg(all(test,
/// ..))` and `cfg(any(test, ..))`), at any depth. Parents are read once.
#[derive(Default)]
pub struct TestModules {
    /// File → is it test-only (`None` while being decided: a cycle).
    decided: HashMap<PathBuf, Option<bool>>,
}

impl TestModules {
    pub fn is_test_only(&mut self, file: &Path) -> bool {
        if let Some(known) = self.decided.get(file) {
            return known.unwrap_or(false);
        }
        self.decided.insert(file.to_path_buf(), None);
        let answer = self.decide(file);
        self.decided.insert(file.to_path_buf(), Some(answer));
        answer
    }

    fn decide(&mut self, file: &Path) -> bool {
        let Some((name, parents)) = module_parents(file) else {
            return false;
        };
        for parent in parents {
            let Ok(text) = std::fs::read_to_string(&parent) else {
                continue;
            };
            match declaration_is_test_only(&text, &name) {
                Some(true) => return true,
                Some(false) => return self.is_test_only(&parent),
                None => {}
            }
        }
        false
    }
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
        assert!(modules.is_test_only(&src.join("testing/mod.rs")));
        assert!(modules.is_test_only(&src.join("testing/fake_server.rs")));
        assert!(!modules.is_test_only(&src.join("net.rs")));
        assert!(!modules.is_test_only(&src.join("lib.rs")));
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
