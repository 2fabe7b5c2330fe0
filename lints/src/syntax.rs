//! Small syntax helpers shared by the lints.

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;

/// `a::b::c` for a path, generics dropped.
pub fn path_string(path: &syn::Path) -> String {
    let mut s = String::new();
    for (i, seg) in path.segments.iter().enumerate() {
        if i > 0 {
            s.push_str("::");
        }
        s.push_str(&seg.ident.to_string());
    }
    s
}

/// The last segment of a path expression (`tokio::spawn` -> `spawn`).
pub fn last_segment(path: &syn::Path) -> Option<String> {
    path.segments.last().map(|s| s.ident.to_string())
}

/// The path of a call's function, when it is a plain path (`a::b(..)`).
pub fn call_path(call: &syn::ExprCall) -> Option<&syn::Path> {
    match strip_parens(&call.func) {
        syn::Expr::Path(p) => Some(&p.path),
        _ => None,
    }
}

/// Looks through parentheses, groups and references.
pub fn strip_parens(mut expr: &syn::Expr) -> &syn::Expr {
    loop {
        match expr {
            syn::Expr::Paren(p) => expr = &p.expr,
            syn::Expr::Group(g) => expr = &g.expr,
            _ => return expr,
        }
    }
}

/// Looks through `.await`, `?`, parentheses and groups.
pub fn strip_await_try(mut expr: &syn::Expr) -> &syn::Expr {
    loop {
        match expr {
            syn::Expr::Paren(p) => expr = &p.expr,
            syn::Expr::Group(g) => expr = &g.expr,
            syn::Expr::Await(a) => expr = &a.base,
            syn::Expr::Try(t) => expr = &t.expr,
            _ => return expr,
        }
    }
}

/// The method calls of a chain, outermost first: `a.b().c()` -> [c, b]; and the
/// expression at the root of the chain (`a`). `.await` and `?` are looked through.
pub fn method_chain(expr: &syn::Expr) -> (Vec<&syn::ExprMethodCall>, &syn::Expr) {
    let mut calls = Vec::new();
    let mut cur = strip_await_try(expr);
    while let syn::Expr::MethodCall(m) = cur {
        calls.push(m);
        cur = strip_await_try(&m.receiver);
    }
    (calls, cur)
}

/// Does any identifier in the tokens of `node` satisfy `pred`?
pub fn any_ident(node: &impl ToTokens, pred: &mut dyn FnMut(&str) -> bool) -> bool {
    fn walk(ts: TokenStream, pred: &mut dyn FnMut(&str) -> bool) -> bool {
        for tt in ts {
            let hit = match tt {
                TokenTree::Ident(i) => pred(&i.to_string()),
                TokenTree::Group(g) => walk(g.stream(), pred),
                _ => false,
            };
            if hit {
                return true;
            }
        }
        false
    }
    walk(node.to_token_stream(), pred)
}

/// Words naming an object whose members configuration sets: a config, a
/// pool, a cluster topology, a registry, options, a builder.
const CONFIGURATION_WORDS: &[&str] = &[
    "config",
    "configuration",
    "cfg",
    "conf",
    "pool",
    "topology",
    "cluster",
    "registry",
    "options",
    "opts",
    "settings",
    "builder",
];

/// Does a name (one of its `_`-separated parts) name such an object
/// (`config`, `pool_cfg`, `cluster_opts`)? The collections it holds are
/// sized by configuration, not by input.
pub fn names_configuration(ident: &str) -> bool {
    let id = ident.to_ascii_lowercase();
    id.split('_')
        .any(|part| CONFIGURATION_WORDS.contains(&part))
}

/// Is there an attribute whose path is `name` (one segment) or ends with it
/// (`tokio::test`)?
pub fn has_attr(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs
        .iter()
        .any(|a| a.path().segments.last().is_some_and(|s| s.ident == name))
}

/// Is this an attribute of the `leash` crate (`#[leash::retry]`, `#[leash::allow]`)?
pub fn leash_attr<'a>(attrs: &'a [syn::Attribute], name: &str) -> Option<&'a syn::Attribute> {
    attrs.iter().find(|a| {
        let segs: Vec<String> = a
            .path()
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        segs.len() == 2 && segs[0] == "leash" && segs[1] == name
    })
}

/// The value of `name = <expr>` inside an attribute's list
/// (`#[leash::retry(attempts = 3, budget = "api")]`), the last one given.
pub fn attr_arg(attr: &syn::Attribute, name: &str) -> Option<syn::Expr> {
    let syn::Meta::List(list) = &attr.meta else {
        return None;
    };
    let mut found = None;
    let _ = list.parse_nested_meta(|meta| {
        if meta.input.peek(syn::Token![=]) {
            let v: syn::Expr = meta.value()?.parse()?;
            if meta.path.is_ident(name) {
                found = Some(v);
            }
        }
        Ok(())
    });
    found
}

/// The text of a string literal (in parentheses or not).
pub fn str_literal(expr: &syn::Expr) -> Option<String> {
    match strip_parens(expr) {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        _ => None,
    }
}

/// An integer literal's value, looking through parentheses, casts and suffixes.
pub fn int_literal(expr: &syn::Expr) -> Option<u64> {
    match strip_parens(expr) {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => i.base10_parse::<u64>().ok(),
        syn::Expr::Cast(c) => int_literal(&c.expr),
        _ => None,
    }
}

/// Macros whose arguments are plain comma-separated expressions; their bodies are
/// analysed. Other macro bodies are token trees and are skipped (spec: "Code not
/// analysed in v1").
const EXPR_MACROS: &[&str] = &[
    "vec",
    "format",
    "print",
    "println",
    "eprint",
    "eprintln",
    "write",
    "writeln",
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "matches",
    "panic",
    "join",
    "try_join",
    "dbg",
    "format_args",
    "todo",
    "unimplemented",
    "unreachable",
];

/// Is this macro one whose arguments leash analyses (std expression macros and
/// logging macros)?
pub fn is_expr_macro(name: &str) -> bool {
    EXPR_MACROS.contains(&name) || is_log_macro(name)
}

/// A logging macro: its name contains `log`, `trace`, `debug`, `info`, `warn` or
/// `error` (crate-local ones such as `sentry_debug!` included).
pub fn is_log_macro(name: &str) -> bool {
    ["log", "trace", "debug", "info", "warn", "error"]
        .iter()
        .any(|k| name.contains(k))
}

/// The expressions inside an expression macro's arguments, if it is one and they
/// parse. `target: "x", ..` and other non-expression forms yield what parses after
/// the first comma-separated chunk that does not.
pub fn macro_exprs(mac: &syn::Macro) -> Vec<syn::Expr> {
    let Some(name) = mac.path.segments.last().map(|s| s.ident.to_string()) else {
        return Vec::new();
    };
    if !is_expr_macro(&name) {
        return Vec::new();
    }
    use syn::parse::Parser;
    let parser = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
    match parser.parse2(mac.tokens.clone()) {
        Ok(list) => list.into_iter().collect(),
        Err(_) => Vec::new(),
    }
}

/// If this call is an expanded expression macro (see [`crate::expand`]), the
/// macro's name (`warn`, `println`, ..).
pub fn macro_call_name(call: &syn::ExprCall) -> Option<String> {
    match &*call.func {
        syn::Expr::Macro(m) => m.mac.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// The name a call is known by: a macro's name, or a path call's last segment.
pub fn call_name(call: &syn::ExprCall) -> Option<String> {
    macro_call_name(call).or_else(|| call_path(call).and_then(last_segment))
}

/// Inside an `impl Visit` for a visitor with a `depth: usize` field (or the
/// field named in the call): counts how many loops enclose the node visited.
#[macro_export]
macro_rules! track_loop_depth {
    () => {
        $crate::track_loop_depth!(depth);
    };
    ($field:ident) => {
        fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
            self.$field += 1;
            syn::visit::visit_expr_loop(self, l);
            self.$field -= 1;
        }
        fn visit_expr_while(&mut self, l: &'ast syn::ExprWhile) {
            self.$field += 1;
            syn::visit::visit_expr_while(self, l);
            self.$field -= 1;
        }
        fn visit_expr_for_loop(&mut self, l: &'ast syn::ExprForLoop) {
            self.$field += 1;
            syn::visit::visit_expr_for_loop(self, l);
            self.$field -= 1;
        }
    };
}

/// `Span::from(call.span())` without printing the call to tokens (which
/// `Spanned` does): from the first token of its path to the closing parenthesis.
pub fn call_span(call: &syn::ExprCall) -> crate::Span {
    let start = match &*call.func {
        syn::Expr::Path(p) if call.attrs.is_empty() && p.attrs.is_empty() => {
            match (&p.qself, &p.path.leading_colon, p.path.segments.first()) {
                (Some(q), _, _) => Some(q.lt_token.span),
                (None, Some(c), _) => Some(c.spans[0]),
                (None, None, Some(s)) => Some(s.ident.span()),
                _ => None,
            }
        }
        _ => None,
    };
    match start {
        Some(s) => crate::Span::between(s, call.paren_token.span.close()),
        None => crate::Span::from(syn::spanned::Spanned::span(call)),
    }
}

/// `Span::between(m.method.span(), m.span())` without printing the call: from
/// the method's name to the closing parenthesis.
pub fn method_call_span(m: &syn::ExprMethodCall) -> crate::Span {
    crate::Span::between(m.method.span(), m.paren_token.span.close())
}

/// The extent of a braced expression (a loop): from its first attribute,
/// label or keyword to its closing brace. `Spanned::span` gives the same but
/// prints the whole expression to find its last token, which costs its size
/// at every level of a nest.
pub fn extent(
    attrs: &[syn::Attribute],
    label: Option<&syn::Label>,
    keyword: proc_macro2::Span,
    body: &syn::Block,
) -> crate::Span {
    let start = match (attrs.first(), label) {
        (Some(a), _) => a.pound_token.span,
        (None, Some(l)) => l.name.apostrophe,
        (None, None) => keyword,
    };
    crate::Span::from(start).to(crate::Span::from(body.brace_token.span.close()))
}

/// The one function of the file named `name` (free, in an `impl` or a trait
/// default, at any module depth): its signature and body. `None` when there is
/// none, or more than one (the name alone does not say which is called).
pub fn unique_fn<'f>(
    file: &'f syn::File,
    name: &str,
) -> Option<(&'f syn::Signature, &'f syn::Block)> {
    struct F<'f, 'n> {
        name: &'n str,
        found: Vec<(&'f syn::Signature, &'f syn::Block)>,
    }
    impl<'f> syn::visit::Visit<'f> for F<'f, '_> {
        fn visit_item_fn(&mut self, f: &'f syn::ItemFn) {
            if f.sig.ident == self.name {
                self.found.push((&f.sig, &f.block));
            }
        }
        fn visit_impl_item_fn(&mut self, f: &'f syn::ImplItemFn) {
            if f.sig.ident == self.name {
                self.found.push((&f.sig, &f.block));
            }
        }
        fn visit_trait_item_fn(&mut self, f: &'f syn::TraitItemFn) {
            if let (true, Some(b)) = (f.sig.ident == self.name, &f.default) {
                self.found.push((&f.sig, b));
            }
        }
    }
    let mut f = F {
        name,
        found: Vec::new(),
    };
    syn::visit::Visit::visit_file(&mut f, file);
    match f.found[..] {
        [one] => Some(one),
        _ => None,
    }
}

/// `<`, `<=`, `>`, `>=` or `==`: a comparison a count or a limit is tested with.
pub fn is_comparison(op: &syn::BinOp) -> bool {
    matches!(
        op,
        syn::BinOp::Lt(_)
            | syn::BinOp::Le(_)
            | syn::BinOp::Gt(_)
            | syn::BinOp::Ge(_)
            | syn::BinOp::Eq(_)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::spanned::Spanned;
    use syn::visit::Visit;

    /// The cheap spans equal the printed ones for every shape of call.
    #[test]
    fn call_spans_match_the_printed_spans() {
        let src = r#"
            fn f() {
                a(1);
                ::b::c(x, y);
                <T as U>::d(z);
                #[allow(x)] e();
                (g)(1);
                h::<u8>::i(2);
                Vec::<u8>::new();
                j(
                    1,
                );
                x.y().z::<u8>(
                    3,
                ).w(a(b(c)));
            }
        "#;
        struct V(usize);
        impl<'ast> Visit<'ast> for V {
            fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
                assert_eq!(call_span(c), crate::Span::from(c.span()));
                self.0 += 1;
                syn::visit::visit_expr_call(self, c);
            }
            fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
                assert_eq!(
                    method_call_span(m),
                    crate::Span::between(m.method.span(), m.span())
                );
                self.0 += 1;
                syn::visit::visit_expr_method_call(self, m);
            }
        }
        let file = syn::parse_file(src).expect("parses");
        let mut v = V(0);
        v.visit_file(&file);
        assert_eq!(v.0, 13);
    }
}
