//! One parsed file, seen by each lint with only the bodies it needs.
//!
//! The item prefilter ([`crate::body_filter`]) keeps a function body when any
//! enabled lint can report in it, so one parse serves every lint; but a body
//! kept for `silent_fallback` is of no use to `unbounded_spawn`, which would
//! walk it all the same. [`Blanked::views`](crate::body_filter::Blanked::views)
//! says which lints each kept body is for; before a lint runs, the bodies of
//! the others are emptied (their statements set aside, not copied) and put
//! back after it. Each lint so sees the file as when it runs alone, which is
//! what `bench/prefilter-check` proves equal to the unfiltered analysis.
//!
//! Only the outermost functions (free, `impl` and `trait` items, in modules at
//! any depth) are views' bodies, as they are the item prefilter's; a function
//! not found in the list stays whole for every lint.

use crate::finding::Pos;

/// Calls `f` on every function item's name and body, in file order: free
/// functions, methods of `impl` and `trait` blocks, in inline modules.
fn each_fn_body(items: &mut [syn::Item], f: &mut dyn FnMut(&syn::Ident, &mut syn::Block)) {
    for item in items {
        match item {
            syn::Item::Fn(func) => f(&func.sig.ident, &mut func.block),
            syn::Item::Impl(imp) => {
                for it in &mut imp.items {
                    if let syn::ImplItem::Fn(func) = it {
                        f(&func.sig.ident, &mut func.block);
                    }
                }
            }
            syn::Item::Trait(tr) => {
                for it in &mut tr.items {
                    if let syn::TraitItem::Fn(func) = it {
                        if let Some(block) = &mut func.default {
                            f(&func.sig.ident, block);
                        }
                    }
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &mut m.content {
                    each_fn_body(items, f);
                }
            }
            _ => {}
        }
    }
}

/// The lints each function body is for, in the order [`hide`] walks them:
/// its bits in `views` (sorted by position), or every lint for a function
/// not listed. Looked up once per file, not once per lint.
pub fn fn_masks(file: &mut syn::File, views: &[(Pos, u32)]) -> Vec<u32> {
    let mut masks = Vec::new();
    if views.is_empty() {
        return masks;
    }
    each_fn_body(&mut file.items, &mut |name, _| {
        // Only the start: converting the whole span costs a second lookup.
        let at = name.span().start();
        let at = Pos {
            line: at.line,
            column: at.column,
        };
        masks.push(match views.binary_search_by(|(p, _)| p.cmp(&at)) {
            Ok(k) => views[k].1,
            Err(_) => crate::body_filter::ALL_LINTS,
        });
    });
    masks
}

/// The statements taken out of the hidden bodies, in file order.
pub struct Hidden(Vec<Vec<syn::Stmt>>);

/// Empties the bodies a lint with `mask` does not read (see the module docs);
/// [`restore`] puts them back. `masks` from [`fn_masks`] for this file.
pub fn hide(file: &mut syn::File, masks: &[u32], mask: u32) -> Hidden {
    let mut taken = Vec::new();
    if masks.iter().any(|m| m & mask == 0) {
        let mut k = 0;
        each_fn_body(&mut file.items, &mut |_, block| {
            if masks.get(k).is_some_and(|m| m & mask == 0) {
                taken.push(std::mem::take(&mut block.stmts));
            }
            k += 1;
        });
    }
    Hidden(taken)
}

/// Puts back what [`hide`] took, with the same `masks` and `mask`.
pub fn restore(file: &mut syn::File, masks: &[u32], mask: u32, hidden_bodies: Hidden) {
    if hidden_bodies.0.is_empty() {
        return;
    }
    let mut taken = hidden_bodies.0.into_iter();
    let mut k = 0;
    each_fn_body(&mut file.items, &mut |_, block| {
        if masks.get(k).is_some_and(|m| m & mask == 0) {
            if let Some(stmts) = taken.next() {
                block.stmts = stmts;
            }
        }
        k += 1;
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bodies(file: &syn::File) -> Vec<(String, usize)> {
        let mut file = file.clone();
        let mut out = Vec::new();
        each_fn_body(&mut file.items, &mut |name, block| {
            out.push((name.to_string(), block.stmts.len()))
        });
        out
    }

    #[test]
    fn a_lint_sees_only_the_bodies_kept_for_it() {
        let src = "fn a() { x(); }\nimpl T { fn b() { y(); z(); } }\nmod m { trait U { fn c() { w(); } } }\nfn d() { v(); }\n";
        let mut file = syn::parse_file(src).unwrap();
        let whole = bodies(&file);
        // a: lint 1 only; b: lints 1 and 2; c: lint 2 only; d: not listed.
        let views = vec![
            (Pos { line: 1, column: 3 }, 0b01),
            (
                Pos {
                    line: 2,
                    column: 12,
                },
                0b11,
            ),
            (
                Pos {
                    line: 3,
                    column: 21,
                },
                0b10,
            ),
        ];
        let masks = fn_masks(&mut file, &views);
        assert_eq!(masks, [0b01, 0b11, 0b10, crate::body_filter::ALL_LINTS]);
        let taken = hide(&mut file, &masks, 0b01);
        assert_eq!(
            bodies(&file),
            [("a", 1), ("b", 2), ("c", 0), ("d", 1)].map(|(n, k)| (n.to_string(), k))
        );
        restore(&mut file, &masks, 0b01, taken);
        assert_eq!(bodies(&file), whole);
        let taken = hide(&mut file, &masks, 0b10);
        assert_eq!(
            bodies(&file),
            [("a", 0), ("b", 2), ("c", 1), ("d", 1)].map(|(n, k)| (n.to_string(), k))
        );
        restore(&mut file, &masks, 0b10, taken);
        assert_eq!(bodies(&file), whole);
    }
}
