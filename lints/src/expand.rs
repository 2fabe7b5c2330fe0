//! Makes the arguments of expression macros (`println!`, `vec!`, `format!`, log
//! macros, ..) visible to the lints, once per file: `name!(a, b)` becomes a call
//! whose function is the macro (with empty tokens) and whose arguments are the
//! parsed expressions. Lints then see `foo()` inside `warn!("{}", foo())` with
//! its real span, and still know the call is the macro `warn!` (see
//! [`crate::syntax::macro_call_name`]).

use syn::visit_mut::VisitMut;

pub fn expand_expr_macros(file: &mut syn::File) {
    Expander.visit_file_mut(file);
}

struct Expander;

fn expanded(mac: &syn::Macro, attrs: &[syn::Attribute]) -> Option<syn::Expr> {
    let name = mac.path.segments.last()?.ident.to_string();
    if !crate::syntax::is_expr_macro(&name) || mac.tokens.is_empty() {
        return None;
    }
    let args = crate::syntax::macro_exprs(mac);
    if args.is_empty() {
        return None;
    }
    let mut head = mac.clone();
    head.tokens = proc_macro2::TokenStream::new();
    let func = syn::Expr::Macro(syn::ExprMacro {
        attrs: attrs.to_vec(),
        mac: head,
    });
    let mut call_args = syn::punctuated::Punctuated::new();
    for a in args {
        call_args.push(a);
    }
    Some(syn::Expr::Call(syn::ExprCall {
        attrs: Vec::new(),
        func: Box::new(func),
        paren_token: syn::token::Paren(*mac.delimiter.span()),
        args: call_args,
    }))
}

impl VisitMut for Expander {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        if let syn::Expr::Macro(m) = e {
            if let Some(new) = expanded(&m.mac, &m.attrs) {
                *e = new;
            }
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }

    fn visit_stmt_mut(&mut self, s: &mut syn::Stmt) {
        if let syn::Stmt::Macro(m) = s {
            if let Some(new) = expanded(&m.mac, &m.attrs) {
                *s = syn::Stmt::Expr(new, m.semi_token);
            }
        }
        syn::visit_mut::visit_stmt_mut(self, s);
    }
}
