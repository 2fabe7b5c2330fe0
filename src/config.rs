//! `leash.toml` (or `[workspace.metadata.leash]` / `[package.metadata.leash]` in
//! `Cargo.toml`), found by walking up from the checked path.

use leash_lints::{Level, Policy};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The settings of one run.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Where the settings came from (`None`: defaults).
    #[allow(dead_code)]
    pub source: Option<PathBuf>,
    /// Directory that `exclude` globs are relative to.
    pub root: PathBuf,
    pub levels: BTreeMap<String, Level>,
    pub exclude: Vec<String>,
    pub policy: Policy,
    pub include_tests: bool,
    /// The lowest confidence shown (`confidence = "low"`): `high` by default.
    pub confidence: leash_lints::Confidence,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
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
    /// `[budgets.NAME]`: shared retry budgets the code may name.
    #[serde(default)]
    budgets: Option<BTreeMap<String, RawRetryBudget>>,
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
    /// Finds the configuration for `start` (a file or directory), walking up.
    pub fn discover(start: &Path) -> Result<Config, ConfigError> {
        // A path not on disk yet (an unsaved buffer's `--stdin-filename`) is
        // still looked up from where it would be.
        let abs = std::fs::canonicalize(start).unwrap_or_else(|_| {
            let joined = std::env::current_dir().unwrap_or_default().join(start);
            crate::walk::normalize(&joined)
        });
        let mut dir = if abs.is_dir() {
            Some(abs.as_path())
        } else {
            abs.parent()
        };
        while let Some(d) = dir {
            let leash_toml = d.join("leash.toml");
            if leash_toml.is_file() {
                return Config::load(&leash_toml);
            }
            let cargo = d.join("Cargo.toml");
            if cargo.is_file() {
                if let Some(cfg) = Config::load_cargo(&cargo)? {
                    return Ok(cfg);
                }
            }
            dir = d.parent();
        }
        Ok(Config {
            root: std::env::current_dir().unwrap_or_default(),
            ..Config::default()
        })
    }

    /// Loads a `leash.toml`, or a `Cargo.toml` with leash metadata.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        if path.file_name().is_some_and(|n| n == "Cargo.toml") {
            return Config::load_cargo(path)?.ok_or_else(|| {
                ConfigError(format!(
                    "{}: no [workspace.metadata.leash] or [package.metadata.leash]",
                    path.display()
                ))
            });
        }
        let text = read(path)?;
        let raw: RawConfig = toml::from_str(&text).map_err(|e| toml_error(path, &text, e))?;
        Config::from_raw(raw, path, &text)
    }

    fn load_cargo(path: &Path) -> Result<Option<Config>, ConfigError> {
        let text = read(path)?;
        // Only the leash tables are validated; the rest of the manifest is cargo's.
        if !text.contains("leash") {
            return Ok(None);
        }
        let manifest: CargoManifest =
            toml::from_str(&text).map_err(|e| toml_error(path, &text, e))?;
        let raw = manifest
            .workspace
            .and_then(|w| w.metadata.0)
            .and_then(|m| m.leash)
            .or_else(|| {
                manifest
                    .package
                    .and_then(|p| p.metadata.0)
                    .and_then(|m| m.leash)
            });
        match raw {
            Some(raw) => Config::from_raw(raw, path, &text).map(Some),
            None => Ok(None),
        }
    }

    fn from_raw(raw: RawConfig, path: &Path, text: &str) -> Result<Config, ConfigError> {
        let mut levels = BTreeMap::new();
        for (name, level) in &raw.lints {
            let known_group = leash_lints::groups().contains(&name.get_ref().as_str());
            if leash_lints::lint_by_name(name.get_ref()).is_none() && !known_group {
                let (line, col) = line_col(text, name.span().start);
                return Err(ConfigError(format!(
                    "{}:{line}:{col}: {}",
                    path.display(),
                    unknown_lint(name.get_ref())
                )));
            }
            let Some(lv) = Level::parse(level.get_ref()) else {
                let (line, col) = line_col(text, level.span().start);
                return Err(ConfigError(format!(
                    "{}:{line}:{col}: unknown level `{}` for `{}` (expected allow, warn or deny)",
                    path.display(),
                    level.get_ref(),
                    name.get_ref()
                )));
            };
            levels.insert(name.get_ref().clone(), lv);
        }
        let confidence = match &raw.confidence {
            None => leash_lints::Confidence::High,
            Some(c) => leash_lints::Confidence::parse(c.get_ref()).ok_or_else(|| {
                let (line, col) = line_col(text, c.span().start);
                ConfigError(format!(
                    "{}:{line}:{col}: unknown confidence `{}` (expected high or low)",
                    path.display(),
                    c.get_ref()
                ))
            })?,
        };
        let mut policy = Policy::default();
        if let Some(p) = raw.policy {
            if let Some(v) = p.max_retry_attempts {
                policy.max_retry_attempts = v;
            }
            policy.max_concurrency = p.max_concurrency.or(policy.max_concurrency);
            if let Some(v) = p.max_switches {
                policy.max_switches = v;
            }
            if let Some(v) = p.max_amplification {
                policy.max_amplification = v;
            }
        }
        if let Some(budgets) = &raw.budgets {
            for (name, budget) in budgets {
                if let Some(problem) = budget.invalid() {
                    return Err(ConfigError(format!(
                        "{}: [budgets.{name}]: {problem}",
                        path.display()
                    )));
                }
            }
            policy.retry_budgets = Some(budgets.keys().cloned().collect());
        }
        for glob in &raw.exclude {
            globset::Glob::new(glob).map_err(|e| {
                ConfigError(format!(
                    "{}: bad exclude glob `{glob}`: {e}",
                    path.display()
                ))
            })?;
        }
        Ok(Config {
            source: Some(path.to_path_buf()),
            root: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            levels,
            exclude: raw.exclude,
            policy,
            include_tests: raw.include_tests.unwrap_or(false),
            confidence,
        })
    }

    /// The level of a lint: the lint's own setting, else its group's, else its default.
    pub fn level_of(&self, lint: &str) -> Level {
        if let Some(l) = self.levels.get(lint) {
            return *l;
        }
        let Some(def) = leash_lints::lint_by_name(lint) else {
            return Level::Warn;
        };
        if let Some(l) = self.levels.get(def.group) {
            return *l;
        }
        def.default_level
    }
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
