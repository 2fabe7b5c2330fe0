//! The prefilter must never skip a file a lint reports on: every UI fixture and
//! demo file, analysed with each lint alone, either produces nothing or passes
//! the prefilter for that lint.

use leash_lints::body_filter::BodyFilter;
use leash_lints::{analyze_source, AnalysisOptions, FileAnalysis, Policy, Prefilter};
use std::path::Path;

fn sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = Vec::new();
    for dir in ["ui-tests", "demo/src"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "rs") {
                if let Ok(text) = std::fs::read_to_string(&p) {
                    out.push((p.display().to_string(), text));
                }
            }
        }
    }
    out
}

fn analyse(
    path: &str,
    text: &str,
    include_tests: bool,
    enabled: &(dyn Fn(&str) -> bool + Sync),
    body_filter: Option<&BodyFilter>,
) -> FileAnalysis {
    analyze_source(
        path,
        text,
        &AnalysisOptions {
            policy: &Policy::default(),
            include_tests,
            enabled,
            inventory: false,
            body_filter,
            keep: None,
        },
    )
}

#[test]
fn fixtures_with_findings_pass_the_prefilter() {
    let files = sources();
    assert!(!files.is_empty(), "no fixtures found");
    for lint in leash_lints::rules::ALL {
        if lint.name == "parse_error" {
            continue;
        }
        let enabled = |n: &str| n == lint.name;
        let filter = Prefilter::for_lints(&enabled);
        for (path, text) in &files {
            for include_tests in [false, true] {
                let a = analyse(path, text, include_tests, &enabled, None);
                let produced =
                    a.findings.iter().any(|f| f.lint != "parse_error") || !a.facts.is_empty();
                if produced {
                    assert!(
                        filter.needs_parse(text.as_bytes()),
                        "the prefilter skips {path}, where `{}` reports or records a fact: \
                         add the word to its row in lints/src/prefilter.rs",
                        lint.name
                    );
                }
            }
        }
    }
}

/// Blanking the bodies no lint needs must not change what a lint reports: every
/// fixture and demo file, with each lint alone and with all of them, analysed
/// with and without the body filter.
#[test]
fn body_filter_changes_no_finding() {
    let files = sources();
    let mut names: Vec<Option<&str>> = leash_lints::rules::ALL
        .iter()
        .map(|l| Some(l.name))
        .filter(|n| *n != Some("parse_error"))
        .collect();
    names.push(None); // every lint
    let mut blanked_somewhere = 0;
    for only in names {
        let enabled = move |n: &str| only.is_none_or(|o| o == n);
        for include_tests in [false, true] {
            let filter =
                BodyFilter::for_lints(&enabled, include_tests).expect("every lint has a body rule");
            for (path, text) in &files {
                let full = analyse(path, text, include_tests, &enabled, None);
                let filtered = analyse(path, text, include_tests, &enabled, Some(&filter));
                blanked_somewhere += usize::from(filtered.blanked_bodies > 0);
                // A blanked body is not parsed: an item lost to a syntax error
                // inside it is reported only by the full parse.
                let lint_findings = |a: &FileAnalysis| {
                    a.findings
                        .iter()
                        .filter(|f| f.lint != "parse_error")
                        .cloned()
                        .collect::<Vec<_>>()
                };
                assert_eq!(
                    lint_findings(&full),
                    lint_findings(&filtered),
                    "{path}: blanking bodies changed the findings of {only:?}"
                );
                assert_eq!(full.facts, filtered.facts, "{path}: facts of {only:?}");
            }
        }
    }
    assert!(blanked_somewhere > 0, "the filter never blanked anything");
}
