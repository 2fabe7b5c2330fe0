//! `#[concurrency(max = N, per = param, on_full = "wait" | "reject", error = path)]`

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::{Error, Expr, FnArg, Ident, ItemFn, Pat, Result, ReturnType};

use crate::args::{self, Seen};
use crate::retry::{parse_fn, split_attrs};

pub fn expand(attr: TokenStream, item: TokenStream) -> Result<TokenStream> {
    let mut max = None;
    let mut reject = None;
    let mut error: Option<Expr> = None;
    let mut per: Option<Ident> = None;
    let mut seen = Seen::default();
    for arg in args::parse(attr)? {
        seen.check(arg.name())?;
        if !["max", "per", "on_full", "error"].contains(&arg.name().to_string().as_str()) {
            return Err(args::unknown(
                arg.name(),
                "concurrency",
                "max, per, on_full, error",
            ));
        }
        let (name, value) = args::value(arg)?;
        match name.to_string().as_str() {
            "max" => max = Some(args::positive::<usize>(&name, &value)?),
            "per" => per = Some(parameter_name(&value)?),
            "on_full" => {
                let lit = args::lit_str(&name, &value)?;
                reject = Some(match lit.value().as_str() {
                    "wait" => (false, lit),
                    "reject" => (true, lit),
                    other => {
                        return Err(Error::new(
                            lit.span(),
                            format!("unknown on_full \"{other}\": expected \"wait\" or \"reject\""),
                        ))
                    }
                });
            }
            _ => error = Some(value),
        }
    }
    let max = max.ok_or_else(|| args::missing(Span::call_site(), "concurrency", "`max = N`"))?;
    let func = parse_fn(item, "concurrency")?;
    let is_async = func.sig.asyncness.is_some();
    if let Some(constness) = &func.sig.constness {
        return Err(Error::new_spanned(
            constness,
            "`#[leash::concurrency]` cannot apply to a `const fn`",
        ));
    }

    let key = match &per {
        Some(param) => {
            check_parameter(&func, param)?;
            quote_spanned!(param.span()=> ::leash::__private::ConcurrencyKey::key_hash(&#param))
        }
        None => quote!(),
    };
    let rejects = matches!(reject, Some((true, _)));
    let acquire = match (reject, &error) {
        (Some((true, _)), Some(error)) => {
            if matches!(func.sig.output, ReturnType::Default) {
                return Err(Error::new(
                    func.sig.ident.span(),
                    "`on_full = \"reject\"` needs a function returning `Result`",
                ));
            }
            quote! {
                match __LEASH_LIMIT.try_acquire(#key) {
                    ::core::option::Option::Some(__leash_permit) => __leash_permit,
                    ::core::option::Option::None => {
                        return ::core::result::Result::Err(::core::convert::From::from((#error)()))
                    }
                }
            }
        }
        (Some((true, lit)), None) => {
            return Err(Error::new(
                lit.span(),
                "`on_full = \"reject\"` needs `error = path::to::constructor`",
            ))
        }
        (_, Some(error)) => {
            return Err(Error::new_spanned(
                error,
                "`error` is only used with `on_full = \"reject\"`",
            ));
        }
        (_, None) if is_async => quote!(__LEASH_LIMIT.acquire(#key).await),
        (_, None) => quote!(__LEASH_LIMIT.acquire_blocking(#key)),
    };

    let (outer, inner) = split_attrs(&func);
    let vis = &func.vis;
    let sig = &func.sig;
    let stmts = &func.block.stmts;
    let name = sig.ident.to_string();
    let line = quote_spanned!(sig.ident.span()=> ::core::line!());
    let limiter = if per.is_some() {
        quote!(StaticKeyedLimiter)
    } else {
        quote!(StaticLimiter)
    };
    Ok(quote! {
        #(#outer)*
        #vis #sig {
            #(#inner)*
            static __LEASH_LIMIT: ::leash::__private::#limiter = ::leash::__private::#limiter::new(
                #name,
                ::core::module_path!(),
                ::core::file!(),
                #line,
                #max,
                #rejects,
            );
            let __leash_permit = #acquire;
            #(#stmts)*
        }
    })
}

/// `per = name`: a bare parameter name.
fn parameter_name(value: &Expr) -> Result<Ident> {
    match value {
        Expr::Path(path) if path.qself.is_none() => path
            .path
            .get_ident()
            .cloned()
            .ok_or_else(|| Error::new_spanned(value, "`per` expects a parameter name")),
        other => Err(Error::new_spanned(other, "`per` expects a parameter name")),
    }
}

/// The key parameter must be one of the function's named parameters.
fn check_parameter(func: &ItemFn, param: &Ident) -> Result<()> {
    let names = func.sig.inputs.iter().filter_map(|input| match input {
        FnArg::Typed(arg) => match &*arg.pat {
            Pat::Ident(ident) => Some(&ident.ident),
            _ => None,
        },
        FnArg::Receiver(_) => None,
    });
    let names: Vec<&Ident> = names.collect();
    if names.contains(&param) {
        return Ok(());
    }
    let listed = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let message = if listed.is_empty() {
        format!("`per = {param}`: the function has no parameter to key on")
    } else {
        format!("`per = {param}`: no parameter `{param}`; the parameters are {listed}")
    };
    Err(Error::new(param.span(), message))
}
