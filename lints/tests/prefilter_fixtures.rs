//! The prefilter must never skip a file a lint reports on: every UI fixture and
//! demo file, analysed with each lint alone, either produces nothing or passes
//! the prefilter for that lint.

use leash_lints::{analyze_source, AnalysisOptions, Policy, Prefilter};
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

#[test]
fn fixtures_with_findings_pass_the_prefilter() {
    let files = sources();
    assert!(!files.is_empty(), "no fixtures found");
    let policy = Policy::default();
    for lint in leash_lints::rules::ALL {
        if lint.name == "parse_error" {
            continue;
        }
        let enabled = |n: &str| n == lint.name;
        let filter = Prefilter::for_lints(&enabled);
        for (path, text) in &files {
            for include_tests in [false, true] {
                let a = analyze_source(
                    path,
                    text,
                    &AnalysisOptions {
                        policy: &policy,
                        include_tests,
                        enabled: &enabled,
                        inventory: false,
                        body_filter: None,
                        keep: None,
                    },
                );
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
