//! Arbitrary bytes as a source file: the analysis must never panic (lint
//! panics are caught and reported as problems, which count as failures here).
#![no_main]

use leash_lints::{analyze_source, AnalysisOptions, Policy, Prefilter};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let src = src.to_string();
    let data = data.to_vec();
    // The driver's workers have 64 MiB stacks; so does this thread.
    std::thread::Builder::new()
        .stack_size(64 * 1024 * 1024)
        .spawn(move || run(&src, &data))
        .expect("spawn")
        .join()
        .expect("analysis panicked");
});

fn run(src: &str, data: &[u8]) {
    let policy = Policy::default();
    let enabled = |_: &str| true;
    let _ = Prefilter::for_lints(&enabled).needs_parse(data);
    let body_filter = leash_lints::body_filter::BodyFilter::for_lints(&enabled, false);
    for (include_tests, filter) in [(false, None), (true, None), (false, body_filter)] {
        let a = analyze_source(
            "fuzz.rs",
            src,
            &AnalysisOptions {
                policy: &policy,
                include_tests,
                enabled: &enabled,
                inventory: false,
                body_filter: filter.as_ref(),
                keep: None,
            },
        );
        assert!(a.problems.is_empty(), "lint panicked: {:?}", a.problems);
    }
}
