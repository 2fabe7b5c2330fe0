//! Each lint's suggestion, applied to a small source: the result parses, and
//! the finding it fixes is gone when the result is analysed again. And where
//! the source does not prove a suggestion right, there is none.

use leash_lints::{analyze_source, AnalysisOptions, Applicability, Finding, Policy, Pos};

fn findings(src: &str, lint: &str) -> Vec<Finding> {
    let only = |l: &str| l == lint;
    analyze_source(
        "src/lib.rs",
        src,
        &AnalysisOptions {
            policy: &Policy::default(),
            include_tests: false,
            enabled: &only,
            inventory: false,
            body_filter: None,
            keep: None,
        },
    )
    .findings
    .into_iter()
    .filter(|f| f.lint == lint)
    .collect()
}

/// Byte offset of a position (columns count chars).
fn offset(src: &str, p: Pos) -> usize {
    let line_start: usize = src
        .split_inclusive('\n')
        .take(p.line - 1)
        .map(str::len)
        .sum();
    let line = &src[line_start..];
    line_start
        + line
            .char_indices()
            .nth(p.column)
            .map_or(line.len(), |(i, _)| i)
}

/// `src` with the finding's first suggestion applied; checks its applicability.
fn fixed(src: &str, f: &Finding, applicability: Applicability) -> String {
    let s = f.suggestions.first().expect("a suggestion");
    assert_eq!(s.applicability, applicability, "{}", s.message);
    let mut out = src.to_string();
    // Right to left, so earlier offsets stay valid.
    let mut edits = s.edits.clone();
    edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
    for e in edits {
        let (a, b) = (offset(&out, e.span.start), offset(&out, e.span.end));
        out.replace_range(a..b, &e.replacement);
    }
    out
}

/// Applies the one finding's suggestion and checks the result: it parses and
/// the lint finds nothing in it.
fn check_fix(src: &str, lint: &str, applicability: Applicability, expect: &str) {
    let found = findings(src, lint);
    assert_eq!(found.len(), 1, "{found:#?}");
    let out = fixed(src, &found[0], applicability);
    assert!(out.contains(expect), "{out}");
    assert!(syn::parse_file(&out).is_ok(), "{out}");
    assert_eq!(findings(&out, lint), Vec::new(), "{out}");
}

#[test]
fn backon_builder_gets_with_jitter() {
    check_fix(
        "use backon::ExponentialBuilder;\nfn b() -> ExponentialBuilder {\n    ExponentialBuilder::default().with_max_times(5)\n}\n",
        "retry_without_jitter",
        Applicability::MachineApplicable,
        "ExponentialBuilder::default().with_max_times(5).with_jitter()\n",
    );
}

#[test]
fn backon_chain_past_the_builder_gets_no_fix() {
    // `.build()` leaves the builder: `.with_jitter()` would not exist there.
    let src = "use backon::ExponentialBuilder;\nfn b() {\n    let _s = ExponentialBuilder::default().with_max_times(5).build();\n}\n";
    let found = findings(src, "retry_without_jitter");
    assert_eq!(found.len(), 1);
    assert!(found[0].suggestions.is_empty());
}

#[test]
fn tokio_retry_strategy_gets_map_jitter() {
    // Without an import of `jitter`: the function's full path.
    check_fix(
        "use tokio_retry::strategy::ExponentialBackoff;\nfn s() {\n    let _s = ExponentialBackoff::from_millis(10).take(3);\n}\n",
        "retry_without_jitter",
        Applicability::MaybeIncorrect,
        "ExponentialBackoff::from_millis(10).take(3).map(tokio_retry::strategy::jitter);",
    );
    check_fix(
        "use tokio_retry::strategy::{jitter, ExponentialBackoff};\nfn s() {\n    let _s = ExponentialBackoff::from_millis(10).take(3);\n}\n",
        "retry_without_jitter",
        Applicability::MaybeIncorrect,
        ".take(3).map(jitter);",
    );
}

#[test]
fn again_policy_gets_with_jitter_true() {
    check_fix(
        "use again::RetryPolicy;\nfn p() -> RetryPolicy {\n    RetryPolicy::exponential(std::time::Duration::from_millis(100)).with_max_retries(5)\n}\n",
        "retry_without_jitter",
        Applicability::MachineApplicable,
        ".with_max_retries(5).with_jitter(true)\n",
    );
}

#[test]
fn reqwest_builder_gets_a_timeout_placeholder() {
    check_fix(
        "fn c() -> reqwest::Result<reqwest::Client> {\n    reqwest::Client::builder()\n        .user_agent(\"svc\")\n        .build()\n}\n",
        "missing_timeout",
        Applicability::HasPlaceholders,
        ".user_agent(\"svc\").timeout(std::time::Duration::from_secs(30))\n        .build()",
    );
    // `Duration` imported: the short name.
    check_fix(
        "use std::time::Duration;\nfn c() -> reqwest::Result<reqwest::Client> {\n    reqwest::Client::builder().build()\n}\n",
        "missing_timeout",
        Applicability::HasPlaceholders,
        "reqwest::Client::builder().timeout(Duration::from_secs(30)).build()",
    );
}

#[test]
fn reqwest_client_new_gets_only_the_suppression() {
    let found = findings(
        "fn c() -> reqwest::Client {\n    reqwest::Client::new()\n}\n",
        "missing_timeout",
    );
    assert_eq!(found.len(), 1);
    assert!(found[0].suggestions.is_empty());
}

const FALLBACK: &str = "pub struct Svc {
    http: reqwest::Client,
}

impl Svc {
    pub async fn body(&self) -> Vec<u8> {
        self.fetch().await.unwrap_or_else(|_| Vec::new())
    }

    async fn fetch(&self) -> Result<Vec<u8>, reqwest::Error> {
        Ok(self.http.get(\"http://x\").send().await?.bytes().await?.to_vec())
    }
}
";

#[test]
fn silent_fallback_is_traced_with_the_logger_the_file_uses() {
    let with_tracing = format!("use tracing::info;\n{FALLBACK}");
    check_fix(
        &with_tracing,
        "silent_fallback",
        Applicability::MaybeIncorrect,
        "self.fetch().await.inspect_err(|e| tracing::warn!(error = %e, \"fetch failed; falling back\")).unwrap_or_else(|_| Vec::new())",
    );
    let with_log = format!("fn note() {{ log::info!(\"up\"); }}\n{FALLBACK}");
    check_fix(
        &with_log,
        "silent_fallback",
        Applicability::MaybeIncorrect,
        ".inspect_err(|e| log::warn!(\"fetch failed; falling back: {e}\"))",
    );
}

#[test]
fn silent_fallback_without_a_logger_gets_no_trace() {
    // `tracing_log::` or `catalog::` is not the `log` crate.
    let src = format!("fn x() {{ tracing_log::a(); catalog::b(); }}\n{FALLBACK}");
    let found = findings(&src, "silent_fallback");
    assert_eq!(found.len(), 1);
    assert!(found[0].suggestions.is_empty());
}

#[test]
fn every_suppression_suggestion_suppresses_its_finding() {
    let src = "fn f() {\n    let (_a, _b) = tokio::sync::mpsc::unbounded_channel::<u8>();\n}\n";
    let only = |l: &str| l == "unbounded_channel";
    let opts = AnalysisOptions {
        policy: &Policy::default(),
        include_tests: false,
        enabled: &only,
        inventory: false,
        body_filter: None,
        keep: None,
    };
    let found = analyze_source("src/lib.rs", src, &opts).findings;
    assert_eq!(found.len(), 1);
    let line = leash_lints::suppress::source_line(src, found[0].span.start.line);
    let s = leash_lints::suppress::suppression(line, &found[0]).unwrap();
    let mut f = found[0].clone();
    f.suggestions = vec![s];
    let out = fixed(src, &f, Applicability::HasPlaceholders);
    assert_eq!(
        out,
        "fn f() {\n    // leash: allow(unbounded_channel) -- <reason>\n    let (_a, _b) = tokio::sync::mpsc::unbounded_channel::<u8>();\n}\n"
    );
    assert!(analyze_source("src/lib.rs", &out, &opts)
        .findings
        .is_empty());
}
