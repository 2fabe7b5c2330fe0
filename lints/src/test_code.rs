//! Test code is skipped by default: `#[cfg(test)]` modules and items, `#[test]`
//! and `#[tokio::test]`-style functions.

fn cfg_is_test(tokens: &proc_macro2::TokenStream) -> bool {
    // `cfg(test)` or `cfg(all(test, ..))`: test-only. `cfg(any(test, ..))` and
    // `cfg(not(test))` are not.
    let mut iter = tokens.clone().into_iter().peekable();
    match iter.next() {
        Some(proc_macro2::TokenTree::Ident(i)) if i == "test" => iter.peek().is_none(),
        Some(proc_macro2::TokenTree::Ident(i)) if i == "all" => match iter.next() {
            Some(proc_macro2::TokenTree::Group(g)) => g
                .stream()
                .into_iter()
                .any(|t| matches!(t, proc_macro2::TokenTree::Ident(ref i) if i == "test")),
            _ => false,
        },
        _ => false,
    }
}

/// Is an item with these attributes test code?
pub fn is_test_code(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        let path = attr.path();
        let last = path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        if last == "test" || last == "bench" {
            return true;
        }
        if path.is_ident("cfg") {
            if let syn::Meta::List(list) = &attr.meta {
                return cfg_is_test(&list.tokens);
            }
        }
        false
    })
}

/// Removes test code from the tree, at every module level.
pub fn strip_test_code(items: &mut Vec<syn::Item>) {
    items.retain(|item| !is_test_code(item_attrs(item)));
    for item in items.iter_mut() {
        match item {
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &mut m.content {
                    strip_test_code(inner);
                }
            }
            syn::Item::Impl(i) => i.items.retain(|ii| match ii {
                syn::ImplItem::Fn(f) => !is_test_code(&f.attrs),
                syn::ImplItem::Const(c) => !is_test_code(&c.attrs),
                _ => true,
            }),
            syn::Item::Fn(f) => strip_in_block(&mut f.block.stmts),
            _ => {}
        }
    }
}

fn strip_in_block(stmts: &mut Vec<syn::Stmt>) {
    stmts.retain(|s| match s {
        syn::Stmt::Item(item) => !is_test_code(item_attrs(item)),
        _ => true,
    });
}

/// The outer attributes of any item.
pub fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    match item {
        syn::Item::Const(i) => &i.attrs,
        syn::Item::Enum(i) => &i.attrs,
        syn::Item::ExternCrate(i) => &i.attrs,
        syn::Item::Fn(i) => &i.attrs,
        syn::Item::ForeignMod(i) => &i.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Macro(i) => &i.attrs,
        syn::Item::Mod(i) => &i.attrs,
        syn::Item::Static(i) => &i.attrs,
        syn::Item::Struct(i) => &i.attrs,
        syn::Item::Trait(i) => &i.attrs,
        syn::Item::TraitAlias(i) => &i.attrs,
        syn::Item::Type(i) => &i.attrs,
        syn::Item::Union(i) => &i.attrs,
        syn::Item::Use(i) => &i.attrs,
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_only_test_only_code() {
        let mut file: syn::File = syn::parse_str(
            "#[cfg(test)] mod t {} #[cfg(all(test, unix))] fn a() {} #[cfg(any(test, unix))] fn b() {}\n\
             #[cfg(not(test))] fn c() {} #[tokio::test] async fn d() {} fn e() {}",
        )
        .unwrap();
        strip_test_code(&mut file.items);
        let names: Vec<String> = file
            .items
            .iter()
            .filter_map(|i| {
                if let syn::Item::Fn(f) = i {
                    Some(f.sig.ident.to_string())
                } else {
                    None
                }
            })
            .collect();
        assert_eq!(names, vec!["b", "c", "e"]);
    }
}
