//! Resolution of paths through `use` declarations, so `use tokio::sync::mpsc;
//! mpsc::unbounded_channel()` and `use crossbeam_channel as chan; chan::unbounded()`
//! are both recognised. Scopes are flattened over the file: a name imported
//! differently in two modules resolves to both candidates, and lints only act on
//! a candidate they recognise.

use std::collections::HashMap;
use syn::visit::Visit;

#[derive(Debug, Default, Clone)]
pub struct Imports {
    /// local name -> full paths it may stand for
    names: HashMap<String, Vec<String>>,
    /// prefixes of glob imports (`use tokio::sync::mpsc::*` -> `tokio::sync::mpsc`)
    globs: Vec<String>,
}

impl Imports {
    pub fn collect(file: &syn::File) -> Self {
        let mut collector = Collector {
            imports: Imports::default(),
        };
        collector.visit_file(file);
        collector.imports
    }

    fn add(&mut self, local: String, full: String) {
        let entry = self.names.entry(local).or_default();
        if !entry.contains(&full) {
            entry.push(full);
        }
    }

    /// Every full path (segments joined by `::`, generics dropped) that `path` may
    /// name. A path whose first segment is not imported is returned as written.
    pub fn resolve(&self, path: &syn::Path) -> Vec<String> {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.resolve_segments(&segments)
    }

    pub fn resolve_segments(&self, segments: &[String]) -> Vec<String> {
        let Some(first) = segments.first() else {
            return Vec::new();
        };
        let rest = &segments[1..];
        let join = |head: &str| {
            let mut s = head.to_string();
            for seg in rest {
                s.push_str("::");
                s.push_str(seg);
            }
            s
        };
        let mut out = Vec::new();
        if let Some(fulls) = self.names.get(first) {
            for full in fulls {
                out.push(join(full));
            }
        } else {
            out.push(join(first));
            if rest.is_empty() {
                for glob in &self.globs {
                    out.push(format!("{glob}::{first}"));
                }
            }
        }
        out
    }

    /// Does `path` resolve to one of `targets` (full paths)?
    pub fn resolves_to(&self, path: &syn::Path, targets: &[&str]) -> bool {
        self.resolve(path)
            .iter()
            .any(|p| targets.iter().any(|t| p == t))
    }

    /// The full paths a local name stands for, if it was imported.
    pub fn imported(&self, name: &str) -> Option<&[String]> {
        self.names.get(name).map(|v| v.as_slice())
    }
}

/// Adds `local` as a name for `full`, and for the path it re-exports when
/// another crate re-exports one the lints match (`use spider::tokio;`,
/// `use spider::tokio::spawn as go;`: `tokio`, `tokio::spawn`). A module of
/// the crate itself (`crate::compat::tokio`) may be anything: not followed.
fn add_with_reexport(imports: &mut Imports, local: String, full: String) {
    let segments: Vec<&str> = full.split("::").collect();
    let reexported = match segments.first() {
        Some(&("crate" | "self" | "super")) | None => None,
        Some(_) => segments
            .iter()
            .skip(1)
            .position(|s| crate::vocab::LIBRARY_CRATES.contains(s))
            .map(|i| segments[i + 1..].join("::")),
    };
    if let Some(path) = reexported {
        imports.add(local.clone(), full);
        imports.add(local, path);
    } else {
        imports.add(local, full);
    }
}

struct Collector {
    imports: Imports,
}

impl<'ast> Visit<'ast> for Collector {
    fn visit_item_use(&mut self, node: &'ast syn::ItemUse) {
        walk_tree(&mut self.imports, String::new(), &node.tree);
    }
    fn visit_item_extern_crate(&mut self, node: &'ast syn::ItemExternCrate) {
        if let Some((_, alias)) = &node.rename {
            self.imports.add(alias.to_string(), node.ident.to_string());
        }
    }
}

fn walk_tree(imports: &mut Imports, prefix: String, tree: &syn::UseTree) {
    let join = |name: &str| {
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}::{name}")
        }
    };
    match tree {
        syn::UseTree::Path(p) => walk_tree(imports, join(&p.ident.to_string()), &p.tree),
        syn::UseTree::Name(n) => {
            let name = n.ident.to_string();
            if name == "self" {
                if let Some(last) = prefix.rsplit("::").next() {
                    add_with_reexport(imports, last.to_string(), prefix.clone());
                }
            } else {
                add_with_reexport(imports, name.clone(), join(&name));
            }
        }
        syn::UseTree::Rename(r) => {
            let name = r.ident.to_string();
            let full = if name == "self" {
                prefix.clone()
            } else {
                join(&name)
            };
            let alias = r.rename.to_string();
            if alias != "_" {
                add_with_reexport(imports, alias, full);
            }
        }
        syn::UseTree::Glob(_) => {
            if !prefix.is_empty() && !imports.globs.contains(&prefix) {
                imports.globs.push(prefix);
            }
        }
        syn::UseTree::Group(g) => {
            for item in &g.items {
                walk_tree(imports, prefix.clone(), item);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(src: &str, path: &str) -> Vec<String> {
        let file = syn::parse_file(src).unwrap();
        let imports = Imports::collect(&file);
        imports.resolve(&syn::parse_str::<syn::Path>(path).unwrap())
    }

    #[test]
    fn resolves_aliases_groups_and_globs() {
        let src = "use tokio::sync::mpsc::{self, unbounded_channel as uc};\n\
                   use crossbeam_channel as chan;\nuse std::sync::mpsc::*;";
        assert_eq!(
            resolve(src, "uc"),
            vec!["tokio::sync::mpsc::unbounded_channel"]
        );
        assert_eq!(
            resolve(src, "mpsc::channel"),
            vec!["tokio::sync::mpsc::channel"]
        );
        assert_eq!(
            resolve(src, "chan::unbounded"),
            vec!["crossbeam_channel::unbounded"]
        );
        assert!(resolve(src, "channel").contains(&"std::sync::mpsc::channel".to_string()));
        assert_eq!(resolve(src, "other::thing"), vec!["other::thing"]);
    }

    #[test]
    fn a_crate_re_exported_by_another_is_that_crate() {
        let src = "use spider::{tokio, utils};\nuse app::net::reqwest;";
        assert_eq!(
            resolve(src, "tokio::spawn"),
            vec!["spider::tokio::spawn", "tokio::spawn"]
        );
        assert_eq!(
            resolve(src, "reqwest::Client"),
            vec!["app::net::reqwest::Client", "reqwest::Client"]
        );
        // Near miss: a module of the same name as no matched crate stays as it is.
        assert_eq!(resolve(src, "utils::spawn"), vec!["spider::utils::spawn"]);
        // Through a rename, an item of it, or `self` in a group.
        let src = "use spider::tokio::spawn as go;\nuse spider::tokio::{self as rt};\nuse other::tokio::{self, sync};";
        assert!(resolve(src, "go").contains(&"tokio::spawn".to_string()));
        assert!(resolve(src, "rt::spawn").contains(&"tokio::spawn".to_string()));
        assert!(resolve(src, "tokio::spawn").contains(&"tokio::spawn".to_string()));
        // Near miss: a module of the crate itself may be anything.
        let src = "use crate::compat::tokio;";
        assert_eq!(
            resolve(src, "tokio::spawn"),
            vec!["crate::compat::tokio::spawn"]
        );
    }
}
