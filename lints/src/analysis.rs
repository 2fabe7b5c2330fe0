//! One file, end to end: guard, parse, skip test code, run the lints (each
//! isolated so a bug in one cannot take the run down), apply suppressions.

use crate::context::{FileContext, Policy, Sink};
use crate::finding::{Fact, Finding, Span};
use crate::suppress::Suppressions;
use std::borrow::Cow;
use std::panic::{catch_unwind, AssertUnwindSafe};

pub use crate::nesting::MAX_NESTING;

/// Files with a longer unbroken chain of tokens are refused before parsing
/// (see [`crate::nesting::max_chain_length`]): each may be a level of recursion.
pub const MAX_CHAIN: usize = 8192;

pub struct AnalysisOptions<'a> {
    pub policy: &'a Policy,
    pub include_tests: bool,
    /// Is this lint enabled? Disabled lints are not run.
    pub enabled: &'a (dyn Fn(&str) -> bool + Sync),
    /// Also collect the budget inventory (`leash budgets`).
    pub inventory: bool,
    /// Blank the function bodies no enabled lint needs before parsing
    /// (see [`crate::body_filter`]). `None`: parse every body.
    pub body_filter: Option<&'a crate::body_filter::BodyFilter>,
    /// With `body_filter`: more bodies to keep.
    pub keep: Option<&'a crate::body_filter::Keep<'a>>,
}

/// A file-level problem that is not a lint finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A lint panicked on this file; the message is the panic payload.
    LintPanicked { lint: &'static str, message: String },
}

#[derive(Debug, Default)]
pub struct FileAnalysis {
    /// Findings after suppressions (including `parse_error` and `missing_reason`).
    pub findings: Vec<Finding>,
    pub facts: Vec<Fact>,
    pub problems: Vec<Problem>,
    /// Whether the file parsed.
    pub parsed: bool,
    /// How many function bodies were blanked before parsing (see
    /// [`AnalysisOptions::body_filter`]): their calls are missing from
    /// `summaries`.
    pub blanked_bodies: usize,
    /// The function bodies blanked (see [`crate::body_filter::Blanked::fns`]).
    pub blanked_fns: Vec<crate::body_filter::BlankedFn>,
    /// Suppression comments that suppressed nothing.
    pub unused_allows: Vec<Span>,
    /// Function summaries for the cross-file call graph.
    pub summaries: Vec<crate::callgraph::FnSummary>,
    /// Budget decisions (only with [`AnalysisOptions::inventory`]).
    pub budgets: Vec<crate::inventory::BudgetEntry>,
    /// The file's suppressions, kept when cross-file findings may land in it
    /// (it has retry sites).
    pub suppressions: Option<Suppressions>,
}

/// Analyses one file's text. Never panics on any input (lint panics are caught
/// and returned as [`Problem::LintPanicked`]).
pub fn analyze_source(path: &str, source: &str, opts: &AnalysisOptions) -> FileAnalysis {
    let mut out = FileAnalysis::default();
    // A cargo script's frontmatter is not Rust: read as blank lines.
    let without_frontmatter = crate::recover::blank_frontmatter(source);
    let source = without_frontmatter.as_deref().unwrap_or(source);
    // The item prefilter's scan measures the nesting as it goes (and stops
    // early on a file too deep for it); otherwise a separate scan does.
    let mut blanked = opts.body_filter.and_then(|f| f.blank(source, opts.keep));
    // Nothing left for a lint: the skeleton is not parsed (as a file without
    // any trigger word is not); the call graph still learns its functions.
    if let Some(b) = &mut blanked {
        if let Some(fns) = &b.inert {
            out.parsed = true;
            out.blanked_bodies = b.bodies;
            out.blanked_fns = std::mem::take(&mut b.fns);
            if crate::phase_two_enabled(crate::PhaseTwo::CallSummaries, opts.enabled) {
                out.summaries = fns.clone();
            }
            return out;
        }
    }
    if let Some(refused) = too_big_to_parse(blanked.as_ref(), source) {
        out.findings.push(refused);
        return out;
    }
    let Some(Parsed {
        mut file,
        text,
        lost_items,
        views,
    }) = parse(source, blanked, &mut out)
    else {
        return out;
    };
    out.parsed = true;
    if !opts.include_tests {
        crate::test_code::strip_test_code(&mut file.items);
    }
    crate::expand::expand_expr_macros(&mut file);
    let mut sink = Sink::default();
    let imports = crate::imports::Imports::collect(&file);
    run_lints(
        (path, &text),
        &mut file,
        &imports,
        &views,
        opts,
        &mut sink,
        &mut out.problems,
    );
    if opts.inventory {
        let memo = crate::context::Memo::default();
        let cx = FileContext::new(path, &text, &file, &imports, opts.policy, &memo);
        sink.budgets = crate::inventory::collect(&cx);
    }
    crate::support_code::demote(path, &file, &mut sink.findings);
    sink.findings.extend(lost_items);
    // Comments inside a lost item suppress nothing and are not reported unused.
    let suppressions = Suppressions::new(&text, Some(&file));
    let suppressions = apply_suppressions(suppressions, &mut sink.findings, &mut out, opts);
    out.findings = sink.findings;
    out.facts = sink.facts;
    if sink.summaries.iter().any(|f| !f.retry_sites.is_empty()) {
        out.suppressions = Some(suppressions);
    }
    out.summaries = sink.summaries;
    out.budgets = sink.budgets;
    drop(file);
    // span-locations keeps a per-thread source map; without this it grows with
    // every file parsed on the thread.
    proc_macro2::extra::invalidate_current_thread_spans();
    out
}

/// A `parse_error` for a file too deep, or with too many bracket groups, to
/// parse safely. What is measured is what would be parsed: the blanked text,
/// if any (whose depth the body filter measured).
fn too_big_to_parse(
    blanked: Option<&crate::body_filter::Blanked>,
    source: &str,
) -> Option<Finding> {
    let (depth, too_many_groups) = match blanked {
        Some(b) => (b.depth, crate::nesting::too_many_groups(&b.text)),
        None => crate::nesting::depth_and_groups(source),
    };
    if depth > MAX_NESTING {
        return Some(
            Finding::new("parse_error", crate::Span::default(), format!("nesting too deep to analyse ({depth} levels; the limit is {MAX_NESTING})"))
                .label("file skipped")
                .help("split the deeply nested expression; generated code can be excluded with `exclude` in leash.toml"),
        );
    }
    too_many_groups.map(|groups| {
        Finding::new(
            "parse_error",
            crate::Span::default(),
            format!(
                "too many bracket groups to analyse in memory ({groups}; the limit is {})",
                crate::nesting::MAX_GROUPS
            ),
        )
        .label("file skipped")
        .help("split the file; generated code can be excluded with `exclude` in leash.toml")
    })
}

/// Does `text` hold a chain of tokens too long to parse? Reported in `out`.
fn chain_too_long(text: &str, out: &mut FileAnalysis) -> bool {
    // A chain of tokens is no longer than its text.
    if text.len() <= MAX_CHAIN {
        return false;
    }
    let chain = crate::nesting::max_chain_length(text);
    if chain > MAX_CHAIN {
        out.findings.push(
            Finding::new("parse_error", crate::Span::default(), format!("expression too long to analyse ({chain} chained tokens; the limit is {MAX_CHAIN})"))
                .label("file skipped")
                .help("split the expression; generated code can be excluded with `exclude` in leash.toml"),
        );
    }
    chain > MAX_CHAIN
}

/// A parsed file, and the text its spans point into.
struct Parsed<'s> {
    file: syn::File,
    /// The source, or the source with the items that do not parse blanked.
    text: Cow<'s, str>,
    /// A `parse_error` for each item that does not parse.
    lost_items: Vec<Finding>,
    /// Which lints each kept body was kept for (see [`crate::views`]).
    views: Vec<(crate::Pos, u32)>,
}

/// Parses the blanked text if any, else the source. A blanked text that does
/// not parse (the byte scan misread something) falls back to the source, so
/// the error reported is the file's own; a source that does not parse as a
/// whole loses only the items that do not parse (see [`crate::recover`]).
/// `None` when nothing can be parsed: the reason is in `out`.
fn parse<'s>(
    source: &'s str,
    blanked: Option<crate::body_filter::Blanked>,
    out: &mut FileAnalysis,
) -> Option<Parsed<'s>> {
    // The chain guard measures the text that is parsed.
    if chain_too_long(blanked.as_ref().map_or(source, |b| &b.text), out) {
        return None;
    }
    let mut views = Vec::new();
    let parsed = match blanked {
        Some(b) => match syn::parse_file(&b.text) {
            Ok(f) => {
                out.blanked_bodies = b.bodies;
                out.blanked_fns = b.fns;
                views = b.views;
                Ok(f)
            }
            Err(_) if chain_too_long(source, out) => return None,
            Err(_) => syn::parse_file(source),
        },
        None => syn::parse_file(source),
    };
    match parsed {
        Ok(file) => Some(Parsed {
            file,
            text: Cow::Borrowed(source),
            lost_items: Vec::new(),
            views,
        }),
        Err(e) => match crate::recover::parse_items(source) {
            Some(r) => Some(Parsed {
                file: r.file,
                text: Cow::Owned(r.text),
                lost_items: r.failures,
                views,
            }),
            None => {
                out.findings.push(whole_file_error(&e));
                None
            }
        },
    }
}

/// Runs each enabled lint's check over `file`. Each sees only the kept
/// bodies it needs, and what lints share is computed once per view; a lint
/// that panics loses its findings on this file and is reported in `problems`.
fn run_lints(
    (path, text): (&str, &str),
    file: &mut syn::File,
    imports: &crate::imports::Imports,
    views: &[(crate::Pos, u32)],
    opts: &AnalysisOptions,
    sink: &mut Sink,
    problems: &mut Vec<Problem>,
) {
    let mut memos: Vec<(u32, crate::context::Memo)> = Vec::new();
    let fn_masks = crate::views::fn_masks(file, views);
    for lint in crate::rules::ALL {
        let Some(check) = lint.check else { continue };
        if !(opts.enabled)(lint.name) {
            continue;
        }
        let mask = match opts.body_filter {
            Some(f) if !views.is_empty() => f.lint_mask(lint.name),
            _ => crate::body_filter::ALL_LINTS,
        };
        let memo = match memos.iter().position(|m| m.0 == mask) {
            Some(k) => k,
            None => {
                memos.push((mask, Default::default()));
                memos.len() - 1
            }
        };
        let hidden = crate::views::hide(file, &fn_masks, mask);
        let cx = FileContext::new(path, text, file, imports, opts.policy, &memos[memo].1);
        let before = sink.findings.len();
        let result = catch_unwind(AssertUnwindSafe(|| check(&cx, sink)));
        if let Err(payload) = result {
            sink.findings.truncate(before);
            problems.push(Problem::LintPanicked {
                lint: lint.name,
                message: panic_message(&*payload),
            });
        }
        crate::views::restore(file, &fn_masks, mask, hidden);
    }
}

/// Drops the findings the file's suppressions allow, adds the diagnostics
/// about the suppressions themselves (no reason, unknown lint, unused), and
/// records the unused ones in `out`. Returns the suppressions, counted.
fn apply_suppressions(
    mut suppressions: Suppressions,
    findings: &mut Vec<Finding>,
    out: &mut FileAnalysis,
    opts: &AnalysisOptions,
) -> Suppressions {
    if (opts.enabled)("missing_reason") {
        findings.extend(missing_reasons(&suppressions));
    }
    if (opts.enabled)("unknown_lint") {
        findings.extend(unknown_lints(&suppressions));
    }
    findings.retain(|f| f.lint == "missing_reason" || !suppressions.allows(f.lint, &f.span));
    out.unused_allows = suppressions
        .comments
        .iter()
        .zip(&suppressions.comment_hits)
        .filter(|(_, &hits)| hits == 0)
        .map(|(c, _)| c.span)
        .collect();
    if (opts.enabled)("unused_allow") {
        findings.extend(unused_allows(&suppressions, opts.enabled));
    }
    suppressions
}

/// The `parse_error` of a file whose items could not be told apart.
fn whole_file_error(e: &syn::Error) -> Finding {
    // proc-macro2's words for text it cannot split into tokens are put in
    // plain words by the driver, which reads the text where it stopped.
    let message = e.to_string();
    let label = message.clone();
    let message = format!("could not parse this file: {message}");
    Finding::new("parse_error", Span::from(e.span()), message)
        .label(label)
        .help("leash reads Rust 2018+ syntax; files that rustc rejects are skipped")
}

fn missing_reasons(s: &Suppressions) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in &s.comments {
        if c.reason.is_none() {
            out.push(
                Finding::new("missing_reason", c.span, "suppression without a reason")
                    .label("no reason given")
                    .help("say why after `--`: `// leash: allow(lint) -- why this is safe`"),
            );
        }
    }
    for item in &s.items {
        for d in &item.declared {
            if d.reason.is_none() {
                out.push(
                    Finding::new(
                        "missing_reason",
                        d.span,
                        format!("`#[leash::{}]` without a reason", d.kind),
                    )
                    .label("no reason given")
                    .help(format!(
                        "add `reason = \"..\"`: `#[leash::{}(.., reason = \"why\")]`",
                        d.kind
                    )),
                );
            }
        }
    }
    out
}

/// Suppression comments that suppressed nothing, among those whose lints are all
/// known and enabled (a disabled lint cannot have had anything to suppress).
fn unused_allows(s: &Suppressions, enabled: &(dyn Fn(&str) -> bool + Sync)) -> Vec<Finding> {
    // A lint that can report here: enabled, and implemented (a lint with no
    // `check` yet has nothing to suppress) or produced by the analysis itself.
    let can_fire = |l: &crate::Lint| {
        enabled(l.name)
            && (l.check.is_some() || crate::rules::meta::META.iter().any(|m| m.name == l.name))
    };
    let lint_enabled = |name: &str| -> bool {
        if let Some(l) = crate::lint_by_name(name) {
            return can_fire(l);
        }
        let members: Vec<&str> = crate::rules::ALL
            .iter()
            .filter(|l| l.check.is_some() && (name == "all" || l.group == name))
            .map(|l| l.name)
            .collect();
        !members.is_empty() && members.iter().all(|m| enabled(m))
    };
    let mut out = Vec::new();
    for (c, &hits) in s.comments.iter().zip(&s.comment_hits) {
        if hits > 0 || c.lints.is_empty() || !c.lints.iter().all(|n| lint_enabled(n)) {
            continue;
        }
        out.push(
            Finding::new(
                "unused_allow",
                c.span,
                format!("`allow({})` suppresses nothing", c.lints.join(", ")),
            )
            .label("no finding here to suppress")
            .help(if c.file_form && !c.whole_file {
                "`allow-file(..)` covers the file only among the comments that open it: move it above the first item"
            } else {
                "remove the stale suppression"
            }),
        );
    }
    out
}

fn unknown_lints(s: &Suppressions) -> Vec<Finding> {
    let mut out = Vec::new();
    let known =
        |n: &str| n == "all" || crate::lint_by_name(n).is_some() || crate::groups().contains(&n);
    for c in &s.comments {
        for name in &c.lints {
            if !known(name) {
                out.push(
                    Finding::new(
                        "unknown_lint",
                        c.span,
                        format!("unknown lint `{name}` in suppression"),
                    )
                    .label("suppresses nothing")
                    .help(unknown_lint_help(name)),
                );
            }
        }
    }
    for item in &s.items {
        for d in &item.declared {
            for name in &d.lints {
                if !known(name) {
                    out.push(
                        Finding::new(
                            "unknown_lint",
                            d.span,
                            format!("unknown lint `{name}` in `#[leash::{}]`", d.kind),
                        )
                        .label("suppresses nothing")
                        .help(unknown_lint_help(name)),
                    );
                }
            }
        }
    }
    out
}

fn unknown_lint_help(name: &str) -> String {
    match crate::similar_lint_name(name) {
        Some(close) => format!("did you mean `{close}`?"),
        None => "`leash rules` lists the lint names".to_string(),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-text payload".to_string()
    }
}

/// How many items of a text do not parse: 0 for a file that parses whole,
/// `usize::MAX` for one leash cannot read at all (too deep, too long, or
/// its items cannot be told apart). A fix must not raise it.
pub fn syntax_errors(source: &str) -> usize {
    if refused_before_parsing(source) {
        return usize::MAX;
    }
    let whole = syn::parse_file(source).is_ok();
    proc_macro2::extra::invalidate_current_thread_spans();
    if whole {
        return 0;
    }
    let errors = crate::recover::parse_items(source).map_or(usize::MAX, |r| r.failures.len());
    proc_macro2::extra::invalidate_current_thread_spans();
    errors
}

/// Does a guard refuse the text before it is parsed (too deep, too many
/// bracket groups, too long a chain)?
fn refused_before_parsing(source: &str) -> bool {
    let (depth, too_many_groups) = crate::nesting::depth_and_groups(source);
    depth > MAX_NESTING
        || too_many_groups.is_some()
        || (source.len() > MAX_CHAIN && crate::nesting::max_chain_length(source) > MAX_CHAIN)
}

/// Benchmark baseline: the nesting guard and `syn::parse_file` only, no lints.
/// Returns whether the file parsed.
pub fn parse_only(source: &str) -> bool {
    if refused_before_parsing(source) {
        return false;
    }
    let parsed = syn::parse_file(source).is_ok();
    proc_macro2::extra::invalidate_current_thread_spans();
    parsed
}
