//! `leash check --show-settings`: the configuration a run would use, each
//! value with where it came from.

use crate::config::Config;
use leash_lints::Level;
use std::io::Write;
use std::path::Path;

/// Writes one `key = value (origin)` line per setting, after the files layered
/// (base first). `flags` are the command line's `-W/-D/-A`, in order.
pub fn write(
    out: &mut dyn Write,
    config: &Config,
    flags: &[(String, Level)],
    cache_dir: Option<&Path>,
) -> std::io::Result<()> {
    if config.layers.is_empty() {
        writeln!(out, "configuration: none (defaults)")?;
    }
    for (i, layer) in config.layers.iter().enumerate() {
        let role = if i == 0 {
            ""
        } else {
            " (layered on the above)"
        };
        writeln!(out, "configuration: {}{role}", layer.display())?;
    }
    let origin = |key: &str| match config.origins.get(key) {
        Some(p) => p.display().to_string(),
        None => "default".to_string(),
    };
    match cache_dir {
        Some(dir) => writeln!(out, "cache-dir = {}", dir.display())?,
        None => writeln!(out, "cache-dir = none (--no-cache)")?,
    }
    writeln!(
        out,
        "confidence = {} ({})",
        config.confidence.as_str(),
        origin("confidence")
    )?;
    writeln!(
        out,
        "include-tests = {} ({})",
        config.include_tests,
        origin("include-tests")
    )?;
    for g in &config.exclude {
        let from = g
            .source
            .as_ref()
            .map_or("command line".to_string(), |p| p.display().to_string());
        writeln!(out, "exclude = {} ({from})", g.glob)?;
    }
    let p = &config.policy;
    let concurrency = p
        .max_concurrency
        .map_or("none".to_string(), |v| v.to_string());
    for (key, value) in [
        ("max_retry_attempts", p.max_retry_attempts.to_string()),
        ("max_concurrency", concurrency),
        ("max_switches", p.max_switches.to_string()),
        ("max_amplification", p.max_amplification.to_string()),
    ] {
        let key = format!("policy.{key}");
        writeln!(out, "{key} = {value} ({})", origin(&key))?;
    }
    for lint in leash_lints::rules::ALL {
        let (level, from) = lint_level(config, flags, lint.name);
        writeln!(out, "lints.{} = {} ({from})", lint.name, level.as_str())?;
    }
    for (i, o) in config.overrides.iter().enumerate() {
        writeln!(
            out,
            "overrides[{i}].files = {} ({})",
            o.files.join(", "),
            o.source.display()
        )?;
        for (key, level) in &o.levels {
            writeln!(out, "overrides[{i}].lints.{key} = {}", level.as_str())?;
        }
    }
    Ok(())
}

/// A lint's level outside `[[overrides]]`, and what set it: the command line,
/// the file of the key that decides it (the lint's, its group's or `all`), or
/// the lint's default.
fn lint_level(config: &Config, flags: &[(String, Level)], lint: &str) -> (Level, String) {
    let group = leash_lints::lint_by_name(lint).map(|l| l.group);
    if let Some((_, level)) = flags
        .iter()
        .rev()
        .find(|(k, _)| k == lint || Some(k.as_str()) == group || k == "all")
    {
        return (*level, "command line".to_string());
    }
    let level = config.level_of(lint);
    let from = [Some(lint), group, Some("all")]
        .into_iter()
        .flatten()
        .find_map(|k| config.origins.get(&format!("lints.{k}")))
        .map_or("default".to_string(), |p| p.display().to_string());
    (level, from)
}
