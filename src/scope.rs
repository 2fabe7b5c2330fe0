//! The default scope (contract v2.0): library and binary sources. Test code
//! outside `#[cfg(test)]` items is recognised here, by where a file sits:
//! a crate's `tests/`, `benches/` and `examples/` directories and its
//! `build.rs`, crates that exist to test others (by their name or
//! description: `app-integration`, `tls-test-util`, `e2e`), and modules whose declaration in the parent file makes them
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
        (TEST_DIRS.contains(&name) && beside_manifest()) || is_test_support_crate(path)
    } else {
        name == "build.rs" && beside_manifest()
    }
}

/// Words that, as a whole segment of a package's name (split at `-` and
/// `_`), make the package test support: `linkerd-tls-test-util`,
/// `sozu-e2e`, `opendal-testkit`, `pool-mock`, `x-benchmark-vs-fs`.
const TEST_SUPPORT_WORDS: &[&str] = &[
    "test",
    "tests",
    "testing",
    "testkit",
    "testutil",
    "testutils",
    "e2e",
    "mock",
    "mocks",
    "fake",
    "fakes",
    "fixture",
    "fixtures",
    "harness",
    "bench",
    "benches",
    "benchmark",
    "benchmarks",
];

/// Phrases of a package description that say it exists for tests.
const TEST_SUPPORT_PHRASES: &[&str] = &[
    "integration test",
    "end-to-end test",
    "test harness",
    "test utilities",
    "test helpers",
    "test support",
    "for testing",
    "for tests",
];

/// Is this directory a crate that exists to test other crates (an
/// integration-test harness, mocks, test utilities, benchmarks)? Its code
/// is test code, as a `tests/` directory is: its servers, clients and
/// loops talk to test processes.
pub fn is_test_support_crate(dir: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(dir.join("Cargo.toml")) else {
        return false;
    };
    let Ok(manifest) = text.parse::<toml::Table>() else {
        return false;
    };
    let Some(package) = manifest.get("package").and_then(|p| p.as_table()) else {
        return false;
    };
    let name = package.get("name").and_then(|n| n.as_str()).unwrap_or("");
    let named_for_tests = name
        .split(['-', '_'])
        .any(|segment| TEST_SUPPORT_WORDS.contains(&segment.to_ascii_lowercase().as_str()));
    let description = package
        .get("description")
        .and_then(|d| d.as_str())
        .unwrap_or("")
        .to_lowercase();
    // An unpublished `integration` crate is a workspace's test harness.
    let unpublished = package.get("publish").and_then(|p| p.as_bool()) == Some(false);
    let integration = name
        .split(['-', '_'])
        .any(|s| s.eq_ignore_ascii_case("integration"));
    named_for_tests
        || (integration && unpublished)
        || TEST_SUPPORT_PHRASES.iter().any(|p| description.contains(p))
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
    /// nowhere, no `#[path]` anywhere), or a file beside `src/` that no
    /// target, parent or build script names: not compiled, so its findings
    /// are `low`.
    Undeclared,
    /// A module of the crate's build script (`mod gen;` in `build.rs`, the
    /// file in `gen/` or `gen.rs` beside it): out of scope, as `build.rs`.
    BuildScript,
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
        if !read_all && !parents.is_empty() {
            return ModuleReach::Compiled;
        }
        if let Some(src) = crate_sources(file) {
            return if parents.is_empty() || self.redirects_modules(&src) {
                ModuleReach::Compiled
            } else {
                ModuleReach::Undeclared
            };
        }
        match beside_sources(file) {
            Some((krate, relative)) => self.beside_sources_reach(&krate, &relative),
            None => ModuleReach::Compiled,
        }
    }

    /// A file of a crate outside its `src/`: built if the manifest names it
    /// (a target's `path`) or a `#[path]` may reach it; a module of the build
    /// script if `build.rs` declares its first directory (or its stem);
    /// otherwise not built (a template, a script, a vendored fragment).
    fn beside_sources_reach(&mut self, krate: &Path, relative: &str) -> ModuleReach {
        let manifest = std::fs::read_to_string(krate.join("Cargo.toml")).unwrap_or_default();
        if target_paths(&manifest).iter().any(|p| {
            let p = p.trim_start_matches("./");
            p == relative
                || p.strip_suffix(".rs")
                    .is_some_and(|d| relative.starts_with(d))
        }) {
            return ModuleReach::Compiled;
        }
        let first = relative.split('/').next().unwrap_or(relative);
        let module = first.strip_suffix(".rs").unwrap_or(first);
        if let Ok(build) = std::fs::read_to_string(krate.join("build.rs")) {
            if declares_module(&build, module) {
                return ModuleReach::BuildScript;
            }
        }
        if self.redirects_modules(krate) {
            ModuleReach::Compiled
        } else {
            ModuleReach::Undeclared
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
            .filter_entry(|e| e.file_name() != "target")
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

/// For a file below a crate's directory but outside its `src/`, the crate's
/// directory and the file's path relative to it, with `/` separators. Not
/// for a file below a `lib.rs` or `main.rs` of its own (a crate root that
/// rustc may be given directly).
fn beside_sources(file: &Path) -> Option<(PathBuf, String)> {
    // Absolute, so that walking up from `./x.rs` reaches the crate above
    // (and ends at the root).
    let file = std::path::absolute(file).ok()?;
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d.file_name().is_some_and(|n| n == "src")
            || d.join("lib.rs").is_file()
            || d.join("main.rs").is_file()
        {
            return None;
        }
        if d.join("Cargo.toml").is_file() {
            let relative = file.strip_prefix(d).ok()?;
            let parts: Vec<String> = relative
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            return Some((d.to_path_buf(), parts.join("/")));
        }
        dir = d.parent();
    }
    None
}

/// The `path` of every target a manifest declares (`[lib]`, `[[bin]]`,
/// `[[example]]`, ..). A manifest that does not parse names nothing.
fn target_paths(manifest: &str) -> Vec<String> {
    let Ok(table) = manifest.parse::<toml::Table>() else {
        return Vec::new();
    };
    let mut paths = Vec::new();
    for key in ["lib", "bin", "example", "test", "bench"] {
        let targets = match table.get(key) {
            Some(toml::Value::Array(items)) => items.iter().collect(),
            Some(item) => vec![item],
            None => Vec::new(),
        };
        paths.extend(
            targets
                .into_iter()
                .filter_map(|t| t.get("path")?.as_str().map(str::to_string)),
        );
    }
    paths
}

/// Does the text declare `mod name` (inline or as a file)?
fn declares_module(text: &str, name: &str) -> bool {
    let bytes = text.as_bytes();
    text.match_indices("mod ").any(|(at, _)| {
        let before_ok = at == 0 || !is_ident_byte(bytes[at - 1]);
        let rest = text[at + 4..].trim_start();
        before_ok
            && rest
                .strip_prefix(name)
                .is_some_and(|after| after.trim_start().starts_with([';', '{']))
    })
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
        // A directory with a `main.rs` of its own is a crate root rustc may
        // be given directly.
        assert_eq!(reach("fixture/extra.rs"), ModuleReach::Compiled);
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
    fn files_beside_a_crate_sources() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for sub in ["src", "gen", "templates", "fuzz_targets", "fixture"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        std::fs::write(
            root.join("Cargo.toml"),
            "[package]\ninclude = [\"gen/cc.rs\", \"templates/protocol.rs\"]\n\
             [[bin]]\nname = \"f\"\npath = \"fuzz_targets/f.rs\"\n",
        )
        .unwrap();
        std::fs::write(root.join("src/lib.rs"), "fn l() {}\n").unwrap();
        std::fs::write(
            root.join("build.rs"),
            "mod gen {\n    #[path = \"cc.rs\"] mod cc;\n}\n",
        )
        .unwrap();
        for file in [
            "gen/cc.rs",
            "templates/protocol.rs",
            "fuzz_targets/f.rs",
            "fixture/main.rs",
            "fixture/extra.rs",
        ] {
            std::fs::write(root.join(file), "fn x() {}\n").unwrap();
        }
        let mut modules = TestModules::default();
        let mut reach = |p: &str| modules.reach(&root.join(p));
        assert_eq!(reach("gen/cc.rs"), ModuleReach::BuildScript);
        assert_eq!(reach("fuzz_targets/f.rs"), ModuleReach::Compiled);
        // A directory with a `main.rs` of its own is a crate root rustc may
        // be given directly.
        assert_eq!(reach("fixture/extra.rs"), ModuleReach::Compiled);
        // The build script's `#[path]` is its own; a template stays unbuilt.
        assert_eq!(reach("templates/protocol.rs"), ModuleReach::Compiled);
        std::fs::write(root.join("build.rs"), "mod gen;\n").unwrap();
        let mut modules = TestModules::default();
        assert_eq!(
            modules.reach(&root.join("templates/protocol.rs")),
            ModuleReach::Undeclared
        );
        assert_eq!(
            modules.reach(&root.join("gen/cc.rs")),
            ModuleReach::BuildScript
        );
    }

    #[test]
    fn relative_paths_end_at_the_root() {
        // `./x.rs` and `x.rs` walk up through the current directory's
        // ancestors and stop (no loop on an empty parent).
        for path in ["x.rs", "./x.rs", "a/../x.rs"] {
            let _ = beside_sources(Path::new(path));
            let _ = TestModules::default().reach(Path::new(path));
        }
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

    #[test]
    fn test_support_crates() {
        let dir = tempfile::tempdir().unwrap();
        let krate = |name: &str, manifest: &str| {
            let path = dir.path().join(name);
            std::fs::create_dir_all(&path).unwrap();
            std::fs::write(path.join("Cargo.toml"), manifest).unwrap();
            is_test_entry(&path, true)
        };
        assert!(krate("e2e", "[package]\nname = \"proxy-e2e\"\n"));
        assert!(krate(
            "tls-util",
            "[package]\nname = \"proxy_tls_test_util\"\n"
        ));
        assert!(krate("mock", "[package]\nname = \"pool-mock\"\n"));
        assert!(krate(
            "integration",
            "[package]\nname = \"app-integration\"\ndescription = \"Proxy integration tests\"\n"
        ));
        // Near misses: a word inside a segment, an integration that is not
        // for tests, a workspace manifest, a manifest that does not parse.
        assert!(!krate("attest", "[package]\nname = \"attestation\"\n"));
        assert!(!krate("contest", "[package]\nname = \"contest-client\"\n"));
        assert!(!krate("sentry", "[package]\nname = \"sentry-integration\"\ndescription = \"Sentry integration for tower\"\n"));
        assert!(!krate("ws", "[workspace]\nmembers = [\"test\"]\n"));
        // An unpublished integration crate is a test harness; a published
        // one is a library.
        assert!(krate(
            "harness",
            "[package]\nname = \"integration\"\npublish = false\n"
        ));
        assert!(!krate("plugin", "[package]\nname = \"db-integration\"\n"));
        assert!(!krate("broken", "[package\nname = \"x-test\"\n"));
    }
}
