//! Step 1: read the attribute and the item it is on.

use proc_macro2::TokenStream;
use syn::spanned::Spanned;

/// The item `#[chare]` is on.
pub(crate) enum Parsed {
    Struct(syn::ItemStruct),
    Impl(syn::ItemImpl),
}

/// Parses the attribute arguments (none are accepted) and the item.
pub(crate) fn parse(attr: TokenStream, item: TokenStream) -> syn::Result<Parsed> {
    if !attr.is_empty() {
        return Err(syn::Error::new(attr.span(), "#[chare] takes no arguments"));
    }
    match syn::parse2::<syn::Item>(item)? {
        syn::Item::Struct(s) => Ok(Parsed::Struct(s)),
        syn::Item::Impl(i) => Ok(Parsed::Impl(i)),
        other => Err(syn::Error::new(
            item_span(&other),
            "#[chare] goes on a struct and on that struct's inherent `impl` block",
        )),
    }
}

fn item_span(item: &syn::Item) -> proc_macro2::Span {
    match item {
        syn::Item::Enum(e) => e.enum_token.span,
        syn::Item::Fn(f) => f.sig.fn_token.span,
        syn::Item::Trait(t) => t.trait_token.span,
        syn::Item::Union(u) => u.union_token.span,
        other => other.span(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn accepts_struct_and_impl() {
        assert!(matches!(
            parse(
                quote!(),
                quote!(
                    struct A;
                )
            ),
            Ok(Parsed::Struct(_))
        ));
        assert!(matches!(
            parse(quote!(), quote!(impl A {})),
            Ok(Parsed::Impl(_))
        ));
    }

    #[test]
    fn rejects_arguments_and_other_items() {
        assert!(parse(
            quote!(foo),
            quote!(
                struct A;
            )
        )
        .is_err());
        let e = parse(
            quote!(),
            quote!(
                enum A {
                    X,
                }
            ),
        )
        .err()
        .unwrap();
        assert!(e.to_string().contains("goes on a struct"));
    }
}
