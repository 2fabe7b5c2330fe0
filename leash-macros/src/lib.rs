//! Procedural macros of the `leash` crate. Use them through `leash`
//! (`#[leash::retry]`, `#[leash::concurrency]`, `#[leash::fallback]`,
//! `#[leash::allow]`): the generated code refers to `::leash`.

use proc_macro::TokenStream;

mod args;
mod concurrency;
mod markers;
mod retry;

fn emit(result: syn::Result<proc_macro2::TokenStream>) -> TokenStream {
    result.unwrap_or_else(syn::Error::into_compile_error).into()
}

/// Retries a `fn` or `async fn` returning `Result`. See `leash::retry`.
#[proc_macro_attribute]
pub fn retry(args: TokenStream, item: TokenStream) -> TokenStream {
    emit(retry::expand(args.into(), item.into()))
}

/// Limits concurrent executions of a `fn` or `async fn`. See
/// `leash::concurrency`.
#[proc_macro_attribute]
pub fn concurrency(args: TokenStream, item: TokenStream) -> TokenStream {
    emit(concurrency::expand(args.into(), item.into()))
}

/// Declares an intended fallback with its reason. See `leash::fallback`.
#[proc_macro_attribute]
pub fn fallback(args: TokenStream, item: TokenStream) -> TokenStream {
    emit(markers::fallback(args.into(), item.into()))
}

/// Silences leash lints on an item, with a reason. See `leash::allow`.
#[proc_macro_attribute]
pub fn allow(args: TokenStream, item: TokenStream) -> TokenStream {
    emit(markers::allow(args.into(), item.into()))
}
