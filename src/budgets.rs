//! `leash budgets`: the inventory of every retry, concurrency, queue, switching
//! and fallback decision in the code, declared or inferred, with its bound.

use crate::driver::RunResult;
use leash_lints::amplification::{retry_graph, FileSummaries};
use serde_json::json;
use std::io::Write;

/// One row of the inventory.
pub struct Row {
    pub kind: &'static str,
    /// "5", "unbounded", "unknown", "silent"
    pub bound: String,
    pub source: &'static str,
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub what: String,
}

/// Unbounded decisions come from the lints that find them (each declares
/// its row).
fn kind_of_lint(lint: &str) -> Option<(&'static str, &'static str)> {
    leash_lints::lint_by_name(lint)?
        .budget
        .map(|b| (b.kind, b.bound))
}

pub fn rows(result: &RunResult) -> Vec<Row> {
    let mut rows = Vec::new();
    for (file, b) in &result.budgets {
        rows.push(Row {
            kind: b.kind,
            bound: b
                .bound
                .map_or_else(|| "unknown".to_string(), |n| n.to_string()),
            source: if b.declared { "declared" } else { "inferred" },
            path: result.files[*file].display.clone(),
            line: b.span.start.line,
            column: b.span.start.column + 1,
            what: b.what.clone(),
        });
    }
    for (file, fns) in &result.summaries {
        for f in fns {
            for site in &f.retry_sites {
                if site.kind.contains("leash::retry") {
                    continue; // listed as a declaration already
                }
                rows.push(Row {
                    kind: "retry",
                    bound: match (site.attempts, site.bounded) {
                        (Some(n), _) => n.to_string(),
                        (None, true) => "bounded".to_string(),
                        (None, false) => "unbounded".to_string(),
                    },
                    source: "inferred",
                    path: result.files[*file].display.clone(),
                    line: site.span.start.line,
                    column: site.span.start.column + 1,
                    what: format!("{} in `{}`", site.kind, f.qualified()),
                });
            }
        }
    }
    for f in &result.findings {
        if let Some((kind, bound)) = kind_of_lint(f.finding.lint) {
            rows.push(Row {
                kind,
                bound: bound.to_string(),
                source: "inferred",
                path: result.files[f.file].display.clone(),
                line: f.finding.span.start.line,
                column: f.finding.span.start.column + 1,
                what: f.finding.message.clone(),
            });
        }
    }
    rows.sort_by(|a, b| {
        (&a.path, a.line, a.column, a.kind).cmp(&(&b.path, b.line, b.column, b.kind))
    });
    rows.dedup_by(|a, b| {
        a.path == b.path && a.line == b.line && a.kind == b.kind && a.bound == b.bound
    });
    rows
}

pub fn print_table(rows: &[Row], out: &mut dyn Write) -> std::io::Result<()> {
    let loc: Vec<String> = rows
        .iter()
        .map(|r| format!("{}:{}:{}", r.path, r.line, r.column))
        .collect();
    let w = loc.iter().map(String::len).max().unwrap_or(8).max(8);
    writeln!(
        out,
        "{:<12} {:<10} {:<9} {:<w$} WHAT",
        "KIND", "BOUND", "SOURCE", "LOCATION"
    )?;
    for (r, l) in rows.iter().zip(&loc) {
        writeln!(
            out,
            "{:<12} {:<10} {:<9} {:<w$} {}",
            r.kind, r.bound, r.source, l, r.what
        )?;
    }
    let mut kinds: Vec<&str> = rows.iter().map(|r| r.kind).collect();
    kinds.sort();
    kinds.dedup();
    let parts: Vec<String> = kinds
        .iter()
        .map(|k| {
            let all = rows.iter().filter(|r| r.kind == *k).count();
            let open = rows
                .iter()
                .filter(|r| {
                    r.kind == *k && matches!(r.bound.as_str(), "unbounded" | "silent" | "none")
                })
                .count();
            format!("{k}: {all} ({open} without a bound)")
        })
        .collect();
    writeln!(
        out,
        "\n{} budget decisions; {}",
        rows.len(),
        parts.join(", ")
    )
}

pub fn print_json(rows: &[Row], out: &mut dyn Write) -> std::io::Result<()> {
    for r in rows {
        let v = json!({
            "kind": r.kind, "bound": r.bound, "source": r.source,
            "path": r.path, "line": r.line, "column": r.column, "what": r.what,
        });
        serde_json::to_writer(&mut *out, &v)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// The retry call graph as Graphviz DOT.
pub fn graph_dot(result: &RunResult) -> String {
    let packages: Vec<String> = result
        .summaries
        .iter()
        .map(|(i, _)| crate::driver::package_of(&result.files[*i].display))
        .collect();
    let files: Vec<FileSummaries> = result
        .summaries
        .iter()
        .zip(&packages)
        .map(|((i, fns), package)| FileSummaries {
            file: *i,
            package,
            path: &result.files[*i].display,
            fns,
        })
        .collect();
    let (nodes, edges) = retry_graph(&files);
    let mut dot = String::from(
        "digraph retries {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n",
    );
    let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    for (name, attempts, shared) in &nodes {
        let mut label = match attempts {
            Some(n) => format!("{name}\\nretries: {n} attempts"),
            None => format!("{name}\\nretries"),
        };
        for budget in shared {
            label.push_str(&format!("\\npaid from retry budget {budget}"));
        }
        dot.push_str(&format!(
            "  \"{}\" [label=\"{}\", style=bold];\n",
            esc(name),
            esc(&label).replace("\\\\n", "\\n")
        ));
    }
    for (a, b) in &edges {
        dot.push_str(&format!("  \"{}\" -> \"{}\";\n", esc(a), esc(b)));
    }
    dot.push_str("}\n");
    dot
}
