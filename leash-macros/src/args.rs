//! Parsing and validation of attribute arguments.

use proc_macro2::Span;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Error, Expr, ExprLit, Ident, Lit, LitInt, LitStr, Meta, Result, Token};

/// One `name = value` or bare `name` argument.
pub enum Arg {
    /// `name = value`
    Value(Ident, Expr),
    /// `name`
    Flag(Ident),
}

impl Arg {
    pub fn name(&self) -> &Ident {
        match self {
            Arg::Value(name, _) | Arg::Flag(name) => name,
        }
    }
}

/// Parses `a = 1, b = "x", c` into arguments, rejecting other shapes
/// (`a(..)`, `a::b = 1`) with an error on the offending tokens.
pub fn parse(tokens: proc_macro2::TokenStream) -> Result<Vec<Arg>> {
    let metas = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(tokens)?;
    let mut args = Vec::new();
    for meta in metas {
        match meta {
            Meta::Path(path) => {
                let ident = path.get_ident().ok_or_else(|| {
                    Error::new_spanned(&path, "expected a single name, not a path")
                })?;
                args.push(Arg::Flag(ident.clone()));
            }
            Meta::NameValue(nv) => {
                let ident = nv.path.get_ident().ok_or_else(|| {
                    Error::new_spanned(&nv.path, "expected a single name, not a path")
                })?;
                args.push(Arg::Value(ident.clone(), nv.value));
            }
            Meta::List(list) => {
                return Err(Error::new_spanned(
                    &list,
                    format!(
                        "unexpected `{}(..)`: arguments are written `name` or `name = value`",
                        path_text(&list.path)
                    ),
                ));
            }
        }
    }
    Ok(args)
}

fn path_text(path: &syn::Path) -> String {
    path.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

/// Keeps track of which arguments were seen, to reject duplicates.
#[derive(Default)]
pub struct Seen(Vec<String>);

impl Seen {
    pub fn check(&mut self, name: &Ident) -> Result<()> {
        let text = name.to_string();
        if self.0.contains(&text) {
            return Err(Error::new(
                name.span(),
                format!("duplicate argument `{text}`"),
            ));
        }
        self.0.push(text);
        Ok(())
    }
}

/// The value of `name = value` where a value is required.
pub fn value(arg: Arg) -> Result<(Ident, Expr)> {
    match arg {
        Arg::Value(name, value) => Ok((name, value)),
        Arg::Flag(name) => Err(Error::new(name.span(), format!("expected `{name} = ..`"))),
    }
}

pub fn lit_str(name: &Ident, value: &Expr) -> Result<LitStr> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Ok(s.clone()),
        other => Err(Error::new_spanned(
            other,
            format!("`{name}` expects a string literal"),
        )),
    }
}

pub fn lit_int(name: &Ident, value: &Expr) -> Result<LitInt> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => Ok(i.clone()),
        other => Err(Error::new_spanned(
            other,
            format!("`{name}` expects an integer literal"),
        )),
    }
}

/// An integer literal `>= 1` that fits `T`.
pub fn positive<T>(name: &Ident, value: &Expr) -> Result<T>
where
    T: std::str::FromStr + PartialOrd + From<u8>,
    T::Err: std::fmt::Display,
{
    let lit = lit_int(name, value)?;
    let n: T = lit.base10_parse()?;
    if n < T::from(1) {
        return Err(Error::new(
            lit.span(),
            format!("`{name}` must be at least 1"),
        ));
    }
    Ok(n)
}

/// A shared budget's name: a non-empty string literal of letters, digits,
/// `_`, `-` and `.` (the names a policy file can define).
pub fn budget_name(name: &Ident, value: &Expr) -> Result<LitStr> {
    let lit = lit_str(name, value)?;
    let text = lit.value();
    if text.is_empty()
        || !text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        return Err(Error::new(
            lit.span(),
            format!(
                "`{name}` must name a shared retry budget: letters, digits, `_`, `-` or `.`, not \"{text}\""
            ),
        ));
    }
    Ok(lit)
}

/// A non-empty `reason = ".."`.
pub fn reason(name: &Ident, value: &Expr) -> Result<LitStr> {
    let lit = lit_str(name, value)?;
    if lit.value().trim().is_empty() {
        return Err(Error::new(
            lit.span(),
            "the reason must not be empty: say why",
        ));
    }
    Ok(lit)
}

/// Parses a duration such as `100ms`, `5s`, `2m`, `250us`, in nanoseconds.
pub fn parse_duration(text: &str) -> std::result::Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("`{text}` has no unit: use us, ms, s or m"))?;
    let (digits, unit) = text.split_at(split);
    if digits.is_empty() {
        return Err(format!("`{text}` must start with a whole number"));
    }
    let per_unit: u64 = match unit.trim() {
        "us" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}`: use us, ms, s or m"
            ))
        }
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{digits}` is too large"))?;
    n.checked_mul(per_unit)
        .ok_or_else(|| format!("`{text}` is too large"))
}

/// Parses `"A..B"` into nanoseconds, with `A <= B`.
pub fn parse_backoff(text: &str) -> std::result::Result<(u64, u64), String> {
    let (low, high) = text
        .split_once("..")
        .ok_or_else(|| format!("expected a range such as \"100ms..5s\", found \"{text}\""))?;
    if high.starts_with('=') {
        return Err("write the range as \"A..B\" (both bounds are inclusive)".into());
    }
    let (low, high) = (parse_duration(low)?, parse_duration(high)?);
    if low > high {
        return Err(format!(
            "the lower bound exceeds the upper bound in \"{text}\""
        ));
    }
    Ok((low, high))
}

/// An error with a span, for arguments missing from `#[attr(..)]`.
pub fn missing(span: Span, attr: &str, what: &str) -> Error {
    Error::new(span, format!("`#[leash::{attr}]` needs {what}"))
}

pub fn unknown(name: &Ident, attr: &str, expected: &str) -> Error {
    Error::new(
        name.span(),
        format!("unknown argument `{name}` for `#[leash::{attr}]`; expected one of: {expected}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("100ms"), Ok(100_000_000));
        assert_eq!(parse_duration(" 5s "), Ok(5_000_000_000));
        assert_eq!(parse_duration("2m"), Ok(120_000_000_000));
        assert_eq!(parse_duration("250us"), Ok(250_000));
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("ms").is_err());
        assert!(parse_duration("5h").is_err());
        assert!(parse_duration("1.5s").is_err());
    }

    #[test]
    fn backoffs() {
        assert_eq!(parse_backoff("1ms..1s"), Ok((1_000_000, 1_000_000_000)));
        assert_eq!(parse_backoff("0ms..0ms"), Ok((0, 0)));
        assert!(parse_backoff("5s..1s").is_err());
        assert!(parse_backoff("1s").is_err());
        assert!(parse_backoff("1ms..=5ms").is_err());
    }
}
