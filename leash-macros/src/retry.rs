//! `#[retry(attempts = N, backoff = "A..B", jitter = "..", when = path, sleep = path, budget = "name")]`

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{
    AttrStyle, Error, Expr, FnArg, Ident, Item, ItemFn, Pat, PatIdent, Result, ReturnType, Type,
};

use crate::args::{self, Seen};

const EXPECTED: &str = "attempts, backoff, jitter, when, sleep, budget";

/// Parses the annotated item as a function with a body.
pub fn parse_fn(item: TokenStream, attr: &str) -> Result<ItemFn> {
    match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Fn(func)) => Ok(func),
        Ok(other) => Err(Error::new_spanned(
            other,
            format!("`#[leash::{attr}]` applies to a `fn` or `async fn` with a body"),
        )),
        Err(_) => Err(Error::new(
            item.span(),
            format!("`#[leash::{attr}]` applies to a `fn` or `async fn` with a body"),
        )),
    }
}

/// Splits attributes into outer and inner ones (`#![..]` inside the body).
pub fn split_attrs(func: &ItemFn) -> (Vec<&syn::Attribute>, Vec<&syn::Attribute>) {
    func.attrs
        .iter()
        .partition(|a| matches!(a.style, AttrStyle::Outer))
}

struct Config {
    attempts: u32,
    backoff: (u64, u64),
    jitter: Ident,
    when: Option<Expr>,
    sleep: Option<Expr>,
    budget: Option<syn::LitStr>,
}

fn config(attr: TokenStream) -> Result<Config> {
    let mut attempts = None;
    let mut backoff = None;
    let mut jitter = format_ident!("Full");
    let mut when = None;
    let mut sleep = None;
    let mut budget = None;
    let mut seen = Seen::default();
    for arg in args::parse(attr)? {
        seen.check(arg.name())?;
        if !["attempts", "backoff", "jitter", "when", "sleep", "budget"]
            .contains(&arg.name().to_string().as_str())
        {
            return Err(args::unknown(arg.name(), "retry", EXPECTED));
        }
        let (name, value) = args::value(arg)?;
        match name.to_string().as_str() {
            "attempts" => attempts = Some(args::positive::<u32>(&name, &value)?),
            "backoff" => {
                let lit = args::lit_str(&name, &value)?;
                backoff =
                    Some(args::parse_backoff(&lit.value()).map_err(|e| Error::new(lit.span(), e))?);
            }
            "jitter" => {
                let lit = args::lit_str(&name, &value)?;
                let variant = match lit.value().as_str() {
                    "full" => "Full",
                    "equal" => "Equal",
                    "none" => "None",
                    other => {
                        let message = format!(
                            "unknown jitter \"{other}\": expected \"full\", \"equal\" or \"none\""
                        );
                        return Err(Error::new(lit.span(), message));
                    }
                };
                jitter = Ident::new(variant, Span::call_site());
            }
            "when" => when = Some(value),
            "budget" => budget = Some(args::budget_name(&name, &value)?),
            _ => sleep = Some(value),
        }
    }
    Ok(Config {
        attempts: attempts
            .ok_or_else(|| args::missing(Span::call_site(), "retry", "`attempts = N`"))?,
        backoff: backoff
            .ok_or_else(|| args::missing(Span::call_site(), "retry", "`backoff = \"A..B\"`"))?,
        jitter,
        when,
        sleep,
        budget,
    })
}

pub fn expand(attr: TokenStream, item: TokenStream) -> Result<TokenStream> {
    let cfg = config(attr)?;
    let mut func = parse_fn(item, "retry")?;
    let is_async = func.sig.asyncness.is_some();
    if let Some(constness) = &func.sig.constness {
        return Err(Error::new_spanned(
            constness,
            "`#[leash::retry]` cannot apply to a `const fn`",
        ));
    }

    let ret = match &func.sig.output {
        ReturnType::Type(_, ty) if !matches!(**ty, Type::Tuple(ref t) if t.elems.is_empty()) => {
            (**ty).clone()
        }
        _ => {
            return Err(Error::new(
                func.sig.ident.span(),
                "`#[leash::retry]` needs a function returning `Result`: only errors are retried",
            ))
        }
    };
    if let (false, Some(sleep)) = (is_async, &cfg.sleep) {
        return Err(Error::new_spanned(
            sleep,
            "`sleep` is for async functions; sync functions sleep with `std::thread::sleep`",
        ));
    }

    // Every by-value argument is cloned for each attempt; arguments with a
    // pattern other than a plain name get a generated name in the signature.
    let mut clones = Vec::new();
    for (index, input) in func.sig.inputs.iter_mut().enumerate() {
        let FnArg::Typed(arg) = input else { continue };
        if is_reference(&arg.ty) || matches!(*arg.pat, Pat::Wild(_)) {
            continue;
        }
        let ty_span = arg.ty.span();
        let (source, pattern) = match &mut *arg.pat {
            Pat::Ident(PatIdent {
                by_ref: None,
                subpat: None,
                ident,
                mutability,
                ..
            }) => {
                let pattern = quote!(#mutability #ident);
                *mutability = None;
                (ident.clone(), pattern)
            }
            other => {
                let pattern = quote!(#other);
                let ident = format_ident!("__leash_arg{}", index);
                *other = syn::parse_quote!(#ident);
                (ident, pattern)
            }
        };
        clones.push(quote_spanned! {ty_span=>
            #[allow(unused_variables, unused_mut)]
            let #pattern = ::leash::__private::CloneForRetry::clone_for_retry(&#source);
        });
    }

    let (outer, inner) = split_attrs(&func);
    let vis = &func.vis;
    let sig = &func.sig;
    let stmts = &func.block.stmts;
    let name = sig.ident.to_string();
    let line = quote_spanned!(sig.ident.span()=> ::core::line!());
    let attempts = cfg.attempts;
    let (min, max) = cfg.backoff;
    let jitter = &cfg.jitter;
    let (budget_name, with_budget) = match &cfg.budget {
        Some(budget) => (
            quote!(::core::option::Option::Some(#budget)),
            quote! {
                .with_budget({
                    static __LEASH_BUDGET: ::leash::__private::OnceLock<&'static ::leash::RetryBudget> =
                        ::leash::__private::OnceLock::new();
                    ::leash::__private::named_budget(&__LEASH_BUDGET, #budget)
                })
            },
        ),
        None => (quote!(::core::option::Option::None), quote!()),
    };
    let when = match &cfg.when {
        Some(when) => quote!((#when)(__leash_error)),
        None => quote!({
            let _ = __leash_error;
            true
        }),
    };

    let classify = quote_spanned! {ret.span()=>
        ::leash::__private::RetryResult::error(&__leash_result).map(|__leash_error| #when)
    };

    let (attempt, pause) = if is_async {
        let sleep = match &cfg.sleep {
            Some(sleep) => quote!((#sleep)(__leash_delay)),
            None => quote!(::leash::__private::Sleeper::sleep(
                &::leash::__private::DefaultSleep,
                __leash_delay
            )),
        };
        (
            quote!(async { #(#clones)* #(#stmts)* }.await),
            quote!(#sleep.await),
        )
    } else {
        (
            quote!((|| { #(#clones)* #(#stmts)* })()),
            quote!(::std::thread::sleep(__leash_delay)),
        )
    };

    // `impl Trait` is not allowed in a `let` type: leave the result to inference.
    let annotation = if contains_impl(&ret) {
        quote!()
    } else {
        quote!(: #ret)
    };

    Ok(quote! {
        #(#outer)*
        #vis #sig {
            #(#inner)*
            static __LEASH_SITE: ::leash::BudgetSite = ::leash::__private::retry_site(
                #name,
                ::core::module_path!(),
                ::core::file!(),
                #line,
                #attempts,
                #min,
                #max,
                ::leash::Jitter::#jitter,
                #budget_name,
            );
            let mut __leash_retry = ::leash::__private::RetryLoop::new(&__LEASH_SITE)#with_budget;
            loop {
                let __leash_result #annotation = {
                    let __leash_attempt = __leash_retry.begin();
                    #attempt
                };
                let __leash_retryable = #classify;
                match __leash_retry.step(__leash_retryable) {
                    ::core::option::Option::Some(__leash_delay) => {
                        ::core::mem::drop(__leash_result);
                        #pause
                    }
                    ::core::option::Option::None => return __leash_result,
                }
            }
        }
    })
}

fn contains_impl(ty: &Type) -> bool {
    fn walk(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|tree| match tree {
            proc_macro2::TokenTree::Ident(ident) => ident == "impl",
            proc_macro2::TokenTree::Group(group) => walk(group.stream()),
            _ => false,
        })
    }
    walk(quote!(#ty))
}

/// Whether an argument type is a reference, which is used as is rather than
/// cloned (`&T` is `Copy`; `&mut T` is reborrowed by each attempt).
fn is_reference(ty: &Type) -> bool {
    match ty {
        Type::Reference(_) => true,
        Type::Group(group) => is_reference(&group.elem),
        Type::Paren(paren) => is_reference(&paren.elem),
        _ => false,
    }
}
