//! Retry loops (from [`crate::retry_model`]) as retry sites for the
//! amplification analysis.

use crate::callgraph::retried_calls_in;
use crate::callgraph::RetrySite;
use crate::syntax::extent;
use crate::{FileContext, Span};
use syn::visit::Visit;

/// The retry loops of a function body, as retry sites, each with the calls its
/// body makes.
pub fn loop_sites(cx: &FileContext, block: &syn::Block, impl_type: Option<&str>) -> Vec<RetrySite> {
    let loops = crate::retry_model::retry_loops(cx);
    if loops.is_empty() {
        return Vec::new();
    }
    let outer = Span::from(block.brace_token.span.join());
    let inside = |s: &Span| outer.start <= s.start && s.end <= outer.end;
    let mine: Vec<_> = loops.iter().filter(|l| inside(&l.span)).collect();
    if mine.is_empty() {
        return Vec::new();
    }
    struct Finder<'a, 'b> {
        wanted: &'b [&'b crate::retry_model::RetryLoop],
        impl_type: Option<&'a str>,
        out: Vec<RetrySite>,
    }
    impl Finder<'_, '_> {
        fn check(&mut self, e: &syn::Expr) {
            let span = match e {
                syn::Expr::Loop(l) => {
                    extent(&l.attrs, l.label.as_ref(), l.loop_token.span, &l.body)
                }
                syn::Expr::While(l) => {
                    extent(&l.attrs, l.label.as_ref(), l.while_token.span, &l.body)
                }
                syn::Expr::ForLoop(l) => {
                    extent(&l.attrs, l.label.as_ref(), l.for_token.span, &l.body)
                }
                _ => return,
            };
            if let Some(l) = self.wanted.iter().find(|l| l.span == span) {
                self.out.push(RetrySite {
                    span: l.header,
                    extent: l.span,
                    attempts: l.bound.attempts(),
                    bounded: l.bound.is_bounded(),
                    kind: "retry loop".to_string(),
                    budget: None,
                    calls: retried_calls_in(e, self.impl_type),
                });
            }
        }
    }
    impl<'ast> Visit<'ast> for Finder<'_, '_> {
        fn visit_item(&mut self, _: &'ast syn::Item) {}
        fn visit_expr(&mut self, e: &'ast syn::Expr) {
            if matches!(
                e,
                syn::Expr::Loop(_) | syn::Expr::While(_) | syn::Expr::ForLoop(_)
            ) {
                self.check(e);
            }
            syn::visit::visit_expr(self, e);
        }
    }
    let mut f = Finder {
        wanted: &mine,
        impl_type,
        out: Vec::new(),
    };
    f.visit_block(block);
    f.out
}
