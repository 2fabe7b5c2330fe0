//! `leash.toml` (or `[workspace.metadata.leash]` / `[package.metadata.leash]` in
//! `Cargo.toml`), found by walking up from the checked path.
//!
//! A configuration can be layered: `extend = "path"` puts a base configuration
//! under the file's own keys, and a member's `[package.metadata.leash]` without
//! `extend` is layered on the configuration found above it (the workspace's),
//! so it refines that one instead of hiding it. In every layer the upper file
//! wins: its keys replace the base's, lint levels merge lint by lint (a group
//! set above replaces the base's settings of that group's lints), `exclude`
//! globs and `[[overrides]]` append.

pub use crate::walk::RootedGlob;
use leash_lints::{Level, Policy};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The settings of one run.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file that was found or named (`None`: defaults); the top layer.
    pub source: Option<PathBuf>,
    /// Every file layered into these settings, base first (the last is `source`).
    pub layers: Vec<PathBuf>,
    /// Directory of the top layer (the current directory without one): the
    /// command line's `--exclude` globs are relative to it.
    pub root: PathBuf,
    /// Where leash keeps its state (`.leash_cache/`): see [`project_root`].
    pub project_root: PathBuf,
    pub levels: BTreeMap<String, Level>,
    pub exclude: Vec<RootedGlob>,
    /// `[[overrides]]`, in order: a later one wins where two match a file.
    pub overrides: Vec<Override>,
    pub policy: Policy,
    pub include_tests: bool,
    /// The lowest confidence shown (`confidence = "low"`): `high` by default.
    pub confidence: leash_lints::Confidence,
    /// The file each value set by a file came from, by key (`confidence`,
    /// `include-tests`, `policy.max_switches`, `lints.unbounded_retry`); a key
    /// not here has its default.
    pub origins: BTreeMap<String, PathBuf>,
    /// `[budgets.NAME]` of the top layer, where each name is written.
    pub budget_definitions: Vec<BudgetDefinition>,
}

/// One `[budgets.NAME]` header: the name and its byte range in `file`.
#[derive(Debug, Clone)]
pub struct BudgetDefinition {
    pub name: String,
    pub file: PathBuf,
    pub span: std::ops::Range<usize>,
}

/// `[[overrides]]`: lint levels for the files its globs match.
#[derive(Debug, Clone)]
pub struct Override {
    pub files: Vec<String>,
    pub levels: BTreeMap<String, Level>,
    pub source: PathBuf,
    matcher: crate::walk::Globs,
}

impl Override {
    pub fn matches(&self, path: &Path) -> bool {
        self.matcher.matches(path)
    }

    /// The level this entry gives a lint, if it sets one.
    pub fn level_of(&self, lint: &str) -> Option<Level> {
        level_in(&self.levels, lint)
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    /// `extend = "base.toml"` (also spelt `extends`, as a policy is).
    #[serde(default, alias = "extends")]
    extend: Option<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default, alias = "include_tests")]
    include_tests: Option<bool>,
    #[serde(default)]
    confidence: Option<Spanned<String>>,
    #[serde(default)]
    lints: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    policy: Option<RawPolicy>,
    #[serde(default)]
    overrides: Vec<RawOverride>,
    /// `[budgets.NAME]`: shared retry budgets the code may name.
    #[serde(default)]
    budgets: Option<BTreeMap<Spanned<String>, RawRetryBudget>>,
}

/// One `[budgets.NAME]` table, with the numbers of `leash::RetryBudget::new`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRetryBudget {
    retry_ratio: Option<f64>,
    ttl: Option<String>,
    min_per_sec: Option<u64>,
}

impl RawRetryBudget {
    /// The first number out of the runtime crate's range, as a message.
    fn invalid(&self) -> Option<String> {
        if let Some(r) = self.retry_ratio.filter(|r| !(0.0..=1000.0).contains(r)) {
            return Some(format!("retry_ratio = {r} is outside 0..=1000"));
        }
        if let Some(n) = self.min_per_sec.filter(|n| *n > u64::from(u32::MAX)) {
            return Some(format!("min_per_sec = {n} is too large"));
        }
        let ttl = self.ttl.as_deref()?;
        let seconds = ttl
            .strip_suffix('s')
            .and_then(|n| n.trim().parse::<u64>().ok())
            .or_else(|| {
                ttl.strip_suffix('m')
                    .and_then(|n| n.trim().parse::<u64>().ok())
                    .and_then(|m| m.checked_mul(60))
            });
        match seconds {
            Some(1..=60) => None,
            _ => Some(format!(
                "ttl = \"{ttl}\" is not a duration from \"1s\" to \"60s\""
            )),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    files: Vec<String>,
    #[serde(default)]
    lints: BTreeMap<Spanned<String>, Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    max_retry_attempts: Option<u64>,
    max_concurrency: Option<u64>,
    max_switches: Option<u64>,
    max_amplification: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct CargoManifest {
    workspace: Option<CargoSection>,
    package: Option<CargoSection>,
}

/// Where a `Cargo.toml`'s leash table is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CargoTable {
    Workspace,
    Package,
}

#[derive(Debug, Deserialize)]
struct CargoSection {
    #[serde(default)]
    metadata: MetadataField,
}

/// `package.metadata` / `workspace.metadata`: cargo accepts any value there,
/// and only a table can hold a `leash` table; anything else is ignored.
#[derive(Debug, Default)]
struct MetadataField(Option<CargoMetadata>);

impl<'de> Deserialize<'de> for MetadataField {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = MetadataField;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any TOML value")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                // A table: its `leash` entry is read (and validated) as before.
                CargoMetadata::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(|m| MetadataField(Some(m)))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(MetadataField(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(MetadataField(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(MetadataField(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(MetadataField(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(MetadataField(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(MetadataField(None))
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[derive(Debug, Deserialize)]
struct CargoMetadata {
    leash: Option<RawConfig>,
}

/// A configuration error, already phrased for the user (`file:line:col: ...`).
#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn toml_error(path: &Path, text: &str, err: toml::de::Error) -> ConfigError {
    let msg = err.message().trim().to_string();
    match err.span() {
        Some(span) => {
            let (line, col) = line_col(text, span.start);
            ConfigError(format!("{}:{line}:{col}: {msg}", path.display()))
        }
        None => ConfigError(format!("{}: {msg}", path.display())),
    }
}

impl Config {
    /// The defaults, for a run that reads no file from `start`.
    pub fn defaults(start: &Path) -> Config {
        let cwd = std::env::current_dir().unwrap_or_default();
        Config {
            project_root: workspace_root(&absolute(start)).unwrap_or_else(|| cwd.clone()),
            root: cwd,
            ..Config::default()
        }
    }

    /// Finds the configuration for `start` (a file or directory), walking up:
    /// the nearest `leash.toml` or `Cargo.toml` with leash metadata; a
    /// `[package.metadata.leash]` without `extend` is layered on the next
    /// configuration above it.
    pub fn discover(start: &Path) -> Result<Config, ConfigError> {
        let abs = absolute(start);
        let mut dir = if abs.is_dir() {
            Some(abs.as_path())
        } else {
            abs.parent()
        };
        // Nearest first.
        let mut found: Vec<PathBuf> = Vec::new();
        while let Some(d) = dir {
            let leash_toml = d.join("leash.toml");
            if leash_toml.is_file() {
                found.push(leash_toml);
                break;
            }
            let cargo = d.join("Cargo.toml");
            if cargo.is_file() {
                if let Some((table, raw, _)) = read_cargo(&cargo)? {
                    found.push(cargo);
                    if table == CargoTable::Workspace || raw.extend.is_some() {
                        break;
                    }
                }
            }
            dir = d.parent();
        }
        let Some(outermost) = found.last() else {
            return Ok(Config::defaults(start));
        };
        let project_root = parent_dir(outermost);
        let mut config: Option<Config> = None;
        for path in found.iter().rev() {
            config = Some(layer(path, &mut Vec::new(), config)?);
        }
        let mut config = config.unwrap_or_default();
        config.project_root = project_root;
        Ok(config)
    }

    /// Loads a `leash.toml`, or a `Cargo.toml` with leash metadata (named with
    /// `--config`), with the files it extends.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let mut config = layer(path, &mut Vec::new(), None)?;
        config.project_root = parent_dir(&absolute(path));
        Ok(config)
    }

    /// The level of a lint: the lint's own setting, else its group's, else
    /// `all`'s, else its default.
    pub fn level_of(&self, lint: &str) -> Level {
        level_in(&self.levels, lint).unwrap_or_else(|| {
            leash_lints::lint_by_name(lint).map_or(Level::Warn, |l| l.default_level)
        })
    }

    /// The level of a lint in one file: [`Config::level_of`], then every
    /// `[[overrides]]` entry whose globs match the file, in order.
    pub fn level_in_file(&self, lint: &str, file: &Path) -> Level {
        let mut level = self.level_of(lint);
        for o in self.overrides.iter().filter(|o| o.matches(file)) {
            if let Some(l) = o.level_of(lint) {
                level = l;
            }
        }
        level
    }
}

/// A lint's level in one table of levels: its own key, its group's, `all`.
fn level_in(levels: &BTreeMap<String, Level>, lint: &str) -> Option<Level> {
    let group = leash_lints::lint_by_name(lint).map(|l| l.group);
    levels
        .get(lint)
        .or_else(|| group.and_then(|g| levels.get(g)))
        .or_else(|| levels.get("all"))
        .copied()
}

/// Where leash keeps its state for a run without a configuration file: the
/// outermost directory above `start` whose `Cargo.toml` has `[workspace]`,
/// else the nearest directory with a `Cargo.toml` (a package is its own
/// workspace), else `None` (the current directory).
fn workspace_root(start: &Path) -> Option<PathBuf> {
    let mut nearest = None;
    let mut outermost_workspace = None;
    for d in start.ancestors() {
        let cargo = d.join("Cargo.toml");
        if !cargo.is_file() {
            continue;
        }
        nearest.get_or_insert_with(|| d.to_path_buf());
        let is_workspace = std::fs::read_to_string(&cargo).is_ok_and(|text| {
            text.contains("workspace")
                && toml::from_str::<toml::Table>(&text).is_ok_and(|t| t.contains_key("workspace"))
        });
        if is_workspace {
            outermost_workspace = Some(d.to_path_buf());
        }
    }
    outermost_workspace.or(nearest)
}

/// `path` made absolute, symbolic links resolved; a path not on disk yet (an
/// unsaved buffer's `--stdin-filename`) is taken from where it would be.
fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| {
        let joined = std::env::current_dir().unwrap_or_default().join(path);
        crate::walk::normalize(&joined)
    })
}

fn parent_dir(file: &Path) -> PathBuf {
    file.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Loads one file with what it extends; `implicit` is the configuration it
/// is layered on when it names no `extend` of its own. `chain` holds the files
/// being loaded, to name an `extend` cycle.
fn layer(
    path: &Path,
    chain: &mut Vec<PathBuf>,
    implicit: Option<Config>,
) -> Result<Config, ConfigError> {
    let canonical = absolute(path);
    if chain.contains(&canonical) {
        let names: Vec<String> = chain
            .iter()
            .chain([&canonical])
            .map(|p| p.display().to_string())
            .collect();
        return Err(ConfigError(format!(
            "`extend` cycle: {}",
            names.join(" -> ")
        )));
    }
    let (raw, text) = read_raw(path)?;
    let base = match &raw.extend {
        Some(ext) => {
            let base_path = parent_dir(path).join(ext.get_ref());
            if !base_path.is_file() {
                let (line, col) = line_col(&text, ext.span().start);
                return Err(ConfigError(format!(
                    "{}:{line}:{col}: `extend`: {} is not a file",
                    path.display(),
                    base_path.display()
                )));
            }
            chain.push(canonical.clone());
            let base = layer(&base_path, chain, None);
            chain.pop();
            base?
        }
        None => implicit.unwrap_or_default(),
    };
    apply(base, raw, path, &canonical, &text)
}

/// A file's raw leash table: a `leash.toml` whole, or a `Cargo.toml`'s metadata.
fn read_raw(path: &Path) -> Result<(RawConfig, String), ConfigError> {
    if path.file_name().is_some_and(|n| n == "Cargo.toml") {
        return match read_cargo(path)? {
            Some((_, raw, text)) => Ok((raw, text)),
            None => Err(ConfigError(format!(
                "{}: no [workspace.metadata.leash] or [package.metadata.leash]",
                path.display()
            ))),
        };
    }
    let text = read(path)?;
    let raw: RawConfig = toml::from_str(&text).map_err(|e| toml_error(path, &text, e))?;
    Ok((raw, text))
}

fn read_cargo(path: &Path) -> Result<Option<(CargoTable, RawConfig, String)>, ConfigError> {
    let text = read(path)?;
    // Only the leash tables are validated; the rest of the manifest is cargo's.
    if !text.contains("leash") {
        return Ok(None);
    }
    let manifest: CargoManifest = toml::from_str(&text).map_err(|e| toml_error(path, &text, e))?;
    let leash = |s: Option<CargoSection>| s.and_then(|s| s.metadata.0).and_then(|m| m.leash);
    Ok(match leash(manifest.workspace) {
        Some(raw) => Some((CargoTable::Workspace, raw, text)),
        None => leash(manifest.package).map(|raw| (CargoTable::Package, raw, text)),
    })
}

/// Parsed lint levels, each name and level checked.
fn parse_levels(
    lints: &BTreeMap<Spanned<String>, Spanned<String>>,
    path: &Path,
    text: &str,
) -> Result<BTreeMap<String, Level>, ConfigError> {
    let mut levels = BTreeMap::new();
    for (name, level) in lints {
        let n = name.get_ref().as_str();
        let known = n == "all" || leash_lints::groups().contains(&n);
        if leash_lints::lint_by_name(n).is_none() && !known {
            let (line, col) = line_col(text, name.span().start);
            return Err(ConfigError(format!(
                "{}:{line}:{col}: {}",
                path.display(),
                unknown_lint(n)
            )));
        }
        let Some(lv) = Level::parse(level.get_ref()) else {
            let (line, col) = line_col(text, level.span().start);
            return Err(ConfigError(format!(
                "{}:{line}:{col}: unknown level `{}` for `{n}` (expected allow, warn or deny)",
                path.display(),
                level.get_ref(),
            )));
        };
        levels.insert(n.to_string(), lv);
    }
    Ok(levels)
}

/// The lint names a level key sets: itself, or every lint of its group (or all).
fn lints_named(key: &str) -> Vec<&'static str> {
    leash_lints::rules::ALL
        .iter()
        .filter(|l| key == "all" || l.name == key || l.group == key)
        .map(|l| l.name)
        .collect()
}

/// `raw` (read from `path`, which is `canonical`) layered on `base`.
fn apply(
    mut c: Config,
    raw: RawConfig,
    path: &Path,
    canonical: &Path,
    text: &str,
) -> Result<Config, ConfigError> {
    let from = canonical.to_path_buf();
    let dir = parent_dir(canonical);
    let levels = parse_levels(&raw.lints, path, text)?;
    // This file's `retry = "allow"` outranks the base's `unbounded_retry = "warn"`:
    // the base's keys under a key set here give way, unless set here too.
    for key in levels.keys() {
        let covered = lints_named(key);
        c.levels.retain(|k, _| {
            levels.contains_key(k) || !lints_named(k).iter().all(|l| covered.contains(l))
        });
    }
    c.origins.retain(|k, _| {
        k.strip_prefix("lints.")
            .is_none_or(|l| c.levels.contains_key(l))
    });
    for (name, level) in levels {
        c.origins.insert(format!("lints.{name}"), from.clone());
        c.levels.insert(name, level);
    }
    if let Some(conf) = &raw.confidence {
        c.confidence = leash_lints::Confidence::parse(conf.get_ref()).ok_or_else(|| {
            let (line, col) = line_col(text, conf.span().start);
            ConfigError(format!(
                "{}:{line}:{col}: unknown confidence `{}` (expected high or low)",
                path.display(),
                conf.get_ref()
            ))
        })?;
        c.origins.insert("confidence".into(), from.clone());
    }
    if let Some(include) = raw.include_tests {
        c.include_tests = include;
        c.origins.insert("include-tests".into(), from.clone());
    }
    if let Some(p) = raw.policy {
        let mut set = |key: &str, value: Option<u64>, slot: &mut u64| {
            if let Some(v) = value {
                *slot = v;
                c.origins.insert(format!("policy.{key}"), from.clone());
            }
        };
        set(
            "max_retry_attempts",
            p.max_retry_attempts,
            &mut c.policy.max_retry_attempts,
        );
        set("max_switches", p.max_switches, &mut c.policy.max_switches);
        set(
            "max_amplification",
            p.max_amplification,
            &mut c.policy.max_amplification,
        );
        if let Some(v) = p.max_concurrency {
            c.policy.max_concurrency = Some(v);
            c.origins
                .insert("policy.max_concurrency".into(), from.clone());
        }
    }
    if let Some(budgets) = &raw.budgets {
        for (name, budget) in budgets {
            if let Some(problem) = budget.invalid() {
                return Err(ConfigError(format!(
                    "{}: [budgets.{}]: {problem}",
                    path.display(),
                    name.get_ref()
                )));
            }
        }
        // Layered files define budgets together: the base's names stay.
        let names = c.policy.retry_budgets.get_or_insert_with(Default::default);
        names.extend(budgets.keys().map(|k| k.get_ref().clone()));
        c.origins.insert("budgets".into(), from.clone());
        // Only the top layer's own definitions are checked for use: a base
        // shared by many projects defines budgets each uses a few of.
        c.budget_definitions = budgets
            .keys()
            .map(|k| BudgetDefinition {
                name: k.get_ref().clone(),
                file: path.to_path_buf(),
                span: k.span(),
            })
            .collect();
    } else {
        c.budget_definitions.clear();
    }
    for glob in raw.exclude {
        globset::Glob::new(&glob).map_err(|e| {
            ConfigError(format!(
                "{}: bad exclude glob `{glob}`: {e}",
                path.display()
            ))
        })?;
        c.exclude.push(RootedGlob {
            glob,
            root: dir.clone(),
            source: Some(from.clone()),
        });
    }
    for o in raw.overrides {
        let matcher = crate::walk::Globs::new(&o.files, &dir)
            .map_err(|e| ConfigError(format!("{}: [[overrides]]: {e}", path.display())))?;
        c.overrides.push(Override {
            levels: parse_levels(&o.lints, path, text)?,
            files: o.files,
            source: from.clone(),
            matcher,
        });
    }
    c.layers.push(from.clone());
    c.source = Some(from);
    c.root = dir;
    Ok(c)
}

/// The error for a lint name that names no lint, group or `all`, with the
/// name it most likely meant.
pub fn unknown_lint(name: &str) -> String {
    match leash_lints::similar_lint_name(name) {
        Some(close) => {
            format!(
                "unknown lint `{name}`: did you mean `{close}`? (run `leash rules` for the list)"
            )
        }
        None => format!("unknown lint `{name}` (run `leash rules` for the list)"),
    }
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path)
        .map_err(|e| ConfigError(format!("{}: cannot read: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn a_group_set_above_replaces_the_base_levels_of_its_lints() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(
            d,
            "base.toml",
            "[lints]\nunbounded_retry = \"deny\"\nretry_without_jitter = \"deny\"\nunbounded_channel = \"deny\"\n",
        );
        let top = write(
            d,
            "leash.toml",
            "extend = \"base.toml\"\n[lints]\nretry = \"allow\"\nretry_without_jitter = \"warn\"\n",
        );
        let c = Config::load(&top).unwrap();
        assert_eq!(
            c.level_of("unbounded_retry"),
            Level::Allow,
            "group above wins"
        );
        assert_eq!(
            c.level_of("retry_without_jitter"),
            Level::Warn,
            "own key in the same file wins"
        );
        assert_eq!(
            c.level_of("unbounded_channel"),
            Level::Deny,
            "other groups kept"
        );
        assert!(!c.origins.contains_key("lints.unbounded_retry"));
        assert_eq!(c.layers.len(), 2);
        assert_eq!(c.project_root, std::fs::canonicalize(d).unwrap());
    }

    #[test]
    fn all_sets_every_lint_and_overrides_apply_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let top = write(
            d,
            "leash.toml",
            "[lints]\nall = \"deny\"\n[[overrides]]\nfiles = [\"gen\"]\nlints = { all = \"allow\" }\n[[overrides]]\nfiles = [\"gen/keep.rs\"]\nlints = { unbounded_spawn = \"warn\" }\n",
        );
        let c = Config::load(&top).unwrap();
        assert_eq!(c.level_of("missing_timeout"), Level::Deny);
        let root = std::fs::canonicalize(d).unwrap();
        let keep = root.join("gen/keep.rs");
        let other = root.join("gen/other.rs");
        assert_eq!(c.level_in_file("unbounded_spawn", &keep), Level::Warn);
        assert_eq!(c.level_in_file("missing_timeout", &keep), Level::Allow);
        assert_eq!(c.level_in_file("unbounded_spawn", &other), Level::Allow);
        assert_eq!(
            c.level_in_file("unbounded_spawn", &root.join("src/a.rs")),
            Level::Deny
        );
    }
}
