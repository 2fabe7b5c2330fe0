//! Retry loops as retry sites for the amplification analysis.

use crate::callgraph::RetrySite;
use crate::FileContext;

/// The retry loops of a function body, as retry sites.
pub fn loop_sites(
    _cx: &FileContext,
    _block: &syn::Block,
    _impl_type: Option<&str>,
) -> Vec<RetrySite> {
    Vec::new()
}
