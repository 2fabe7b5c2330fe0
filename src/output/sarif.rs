//! SARIF 2.1.0, as GitHub code scanning reads it: every rule with its docs,
//! results located relative to `%SRCROOT%` (the repository root), columns in
//! Unicode code points, and partial fingerprints that survive line shifts.

use super::positions;
use crate::driver::RunResult;
use crate::fingerprint::Anchors;
use leash_lints::Level;
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;

pub const INFORMATION_URI: &str = "https://github.com/leash-rs/leash";
pub const FINGERPRINT_KEY: &str = "leashFingerprint/v1";

/// SARIF's `rank` (0-100, how likely the result is a real problem).
fn rank(c: leash_lints::Confidence) -> f64 {
    match c {
        leash_lints::Confidence::High => 90.0,
        leash_lints::Confidence::Low => 30.0,
    }
}

fn sarif_level(l: Level) -> &'static str {
    match l {
        Level::Deny => "error",
        Level::Warn => "warning",
        Level::Allow => "none",
    }
}

/// Percent-encodes what may not appear in a URI path (keeps `/`).
pub fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn root_uri(root: &Path) -> String {
    let mut p = root.to_string_lossy().replace('\\', "/");
    if !p.starts_with('/') {
        p.insert(0, '/');
    }
    if !p.ends_with('/') {
        p.push('/');
    }
    format!("file://{}", encode_uri_path(&p))
}

/// A `file://` URI for an absolute path (a Windows path gets its leading `/`).
fn absolute_location(abs: &Path) -> Value {
    let abs = abs.to_string_lossy().replace('\\', "/");
    let abs = if abs.starts_with('/') {
        abs
    } else {
        format!("/{abs}")
    };
    json!({ "uri": format!("file://{}", encode_uri_path(&abs)) })
}

/// A path as SARIF locates it: relative to `%SRCROOT%` inside the repository,
/// an absolute URI outside it. Symbolic links are not resolved: the path is
/// the one that could not be read (a link in a loop, say).
fn artifact_location(path: &Path, root: &Path) -> Value {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match abs.strip_prefix(root) {
        Ok(rel) => json!({
            "uri": encode_uri_path(&rel.to_string_lossy().replace('\\', "/")),
            "uriBaseId": "%SRCROOT%",
        }),
        Err(_) => absolute_location(&abs),
    }
}

/// The first section of a lint's docs ("What it does"), as plain text.
fn what_it_does(docs: &str) -> String {
    let body = docs
        .split("## What it does")
        .nth(1)
        .unwrap_or(docs)
        .split("\n## ")
        .next()
        .unwrap_or("");
    body.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn emit(
    result: &RunResult,
    anchors: &Anchors,
    root: &Path,
    config_file: Option<&Path>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let rules: Vec<Value> = leash_lints::rules::ALL
        .iter()
        .map(|lint| {
            let help = if lint.docs.trim().is_empty() {
                lint.summary
            } else {
                lint.docs
            };
            json!({
                "id": lint.name,
                "name": lint.name,
                "shortDescription": { "text": lint.summary },
                "fullDescription": { "text": what_it_does(lint.docs) },
                "help": { "text": help, "markdown": help },
                "helpUri": crate::docs::page_url(lint.name),
                "defaultConfiguration": { "level": sarif_level(lint.default_level) },
                // Default findings are the `high` tier; each result's `rank` says which.
                "properties": { "tags": [lint.group], "precision": "high" },
            })
        })
        .collect();
    // What stopped part of the run: unread files and directories, internal errors.
    let mut notifications: Vec<Value> = result
        .walk_errors
        .iter()
        .map(|e| {
            json!({
                "level": "error",
                "message": { "text": format!("{}: not checked: {}", e.display, e.message) },
                "locations": [{
                    "physicalLocation": { "artifactLocation": artifact_location(&e.path, root) },
                }],
            })
        })
        .collect();
    notifications.extend(
        result
            .internal_errors
            .iter()
            .map(|e| json!({ "level": "error", "message": { "text": e } })),
    );
    let tool = json!({
        "driver": {
            "name": "leash",
            "version": env!("CARGO_PKG_VERSION"),
            "semanticVersion": env!("CARGO_PKG_VERSION"),
            "informationUri": INFORMATION_URI,
            "rules": rules,
        }
    });
    let invocations = json!([{
        "executionSuccessful": notifications.is_empty(),
        "toolExecutionNotifications": notifications,
        "properties": {
            "filesChecked": result.files.len(),
            "filesNotParsed": result.files.iter().filter(|f| !f.parsed).count(),
            "bytesChecked": result.bytes,
            "configurationFile": config_file.map(|p| p.to_string_lossy().replace('\\', "/")),
        },
    }]);
    // The results are built and written one at a time, not held as one
    // document: SARIF for many findings stays small in memory.
    let document = Document {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        runs: [Run {
            column_kind: "unicodeCodePoints",
            invocations,
            original_uri_base_ids: json!({ "%SRCROOT%": { "uri": root_uri(root) } }),
            results: Results { result, anchors },
            tool,
        }],
        version: "2.1.0",
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    out.write_all(b"\n")
}

/// The document's outer levels, with its keys in the order a JSON map sorts
/// them, so that only `results` is written lazily.
#[derive(serde::Serialize)]
struct Document<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [Run<'a>; 1],
    version: &'static str,
}

#[derive(serde::Serialize)]
struct Run<'a> {
    #[serde(rename = "columnKind")]
    column_kind: &'static str,
    invocations: Value,
    #[serde(rename = "originalUriBaseIds")]
    original_uri_base_ids: Value,
    results: Results<'a>,
    tool: Value,
}

/// Every finding as a SARIF result, each built when it is written.
struct Results<'a> {
    result: &'a RunResult,
    anchors: &'a Anchors,
}

impl serde::Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(Some(self.result.findings.len()))?;
        for ((f, rel), fp) in self
            .result
            .findings
            .iter()
            .zip(&self.anchors.rel_paths)
            .zip(&self.anchors.fingerprints)
        {
            seq.serialize_element(&sarif_result(self.result, f, rel, fp))?;
        }
        seq.end()
    }
}

/// One finding as a SARIF result.
fn sarif_result(result: &RunResult, f: &crate::driver::Located, rel: &str, fp: &str) -> Value {
    // Files outside the repository (`leash check /elsewhere`) get an absolute URI.
    let artifact = if rel.starts_with('/') || rel.starts_with("../") {
        absolute_location(&crate::fingerprint::absolute(&result.files[f.file].path))
    } else {
        json!({ "uri": encode_uri_path(rel), "uriBaseId": "%SRCROOT%" })
    };
    let region = if f.finding.span.start.line == 0 {
        json!({ "startLine": 1 })
    } else {
        let (line, column, end_line, end_column) = positions(f);
        json!({
            "startLine": line,
            "startColumn": column,
            "endLine": end_line,
            "endColumn": end_column,
        })
    };
    let mut message = f.finding.message.clone();
    if let Some(h) = &f.finding.help {
        message.push_str(&format!("\nhelp: {h}"));
    }
    if let Some(n) = &f.finding.note {
        message.push_str(&format!("\nnote: {n}"));
    }
    let mut res = json!({
        "ruleId": f.finding.lint,
        "level": sarif_level(f.level),
        "rank": rank(f.finding.confidence),
        "message": { "text": message },
        "locations": [{
            "physicalLocation": { "artifactLocation": artifact, "region": region },
        }],
        "partialFingerprints": { FINGERPRINT_KEY: fp },
    });
    if let Some(i) = leash_lints::rules::ALL
        .iter()
        .position(|l| l.name == f.finding.lint)
    {
        res["ruleIndex"] = json!(i);
    }
    let related: Vec<Value> = f
        .finding
        .labels
        .iter()
        .enumerate()
        .filter(|(_, l)| l.span.start.line > 0)
        .map(|(i, l)| {
            json!({
                "id": i,
                "message": { "text": l.message },
                "physicalLocation": {
                    "artifactLocation": artifact,
                    "region": {
                        "startLine": l.span.start.line,
                        "startColumn": l.span.start.column + 1,
                        "endLine": l.span.end.line.max(l.span.start.line),
                        "endColumn": l.span.end.column + 1,
                    },
                },
            })
        })
        .collect();
    if !related.is_empty() {
        res["relatedLocations"] = json!(related);
    }
    let fixes: Vec<Value> = f
        .finding
        .suggestions
        .iter()
        .map(|s| {
            let replacements: Vec<Value> = s
                .edits
                .iter()
                .map(|e| {
                    json!({
                        // An empty region is an insertion point.
                        "deletedRegion": {
                            "startLine": e.span.start.line,
                            "startColumn": e.span.start.column + 1,
                            "endLine": e.span.end.line,
                            "endColumn": e.span.end.column + 1,
                        },
                        "insertedContent": { "text": e.replacement },
                    })
                })
                .collect();
            json!({
                "description": { "text": s.message },
                "artifactChanges": [{
                    "artifactLocation": artifact,
                    "replacements": replacements,
                }],
                "properties": { "applicability": s.applicability.as_str() },
            })
        })
        .collect();
    if !fixes.is_empty() {
        res["fixes"] = json!(fixes);
    }
    res
}
