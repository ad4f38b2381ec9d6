//! Step 1: read the attribute and the item it is on.

use proc_macro2::TokenStream;
use syn::spanned::Spanned;

/// The item `#[chare]` is on.
pub(crate) enum Parsed {
    Struct(syn::ItemStruct, StructOptions),
    Impl(syn::ItemImpl),
}

/// The arguments of `#[chare(..)]` on a struct.
#[derive(Default)]
pub(crate) struct StructOptions {
    /// `#[chare(migratable)]`: the chare's state can travel (serde), so elements may move.
    pub migratable: Option<syn::Ident>,
    /// `#[chare(at_sync)]`: arrays of the chare take part in load balancing (`at_sync()`).
    pub at_sync: Option<syn::Ident>,
}

/// Parses the attribute arguments (`migratable` on a struct, nothing on an impl block) and the
/// item.
pub(crate) fn parse(attr: TokenStream, item: TokenStream) -> syn::Result<Parsed> {
    match syn::parse2::<syn::Item>(item)? {
        syn::Item::Struct(s) => Ok(Parsed::Struct(s, struct_options(attr)?)),
        syn::Item::Impl(i) => {
            if !attr.is_empty() {
                return Err(syn::Error::new(
                    attr.span(),
                    "#[chare] on an impl block takes no arguments (`migratable` and `at_sync` go on the struct)",
                ));
            }
            Ok(Parsed::Impl(i))
        }
        other => Err(syn::Error::new(
            item_span(&other),
            "#[chare] goes on a struct and on that struct's inherent `impl` block",
        )),
    }
}

fn struct_options(attr: TokenStream) -> syn::Result<StructOptions> {
    let mut opts = StructOptions::default();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("migratable") {
            if opts.migratable.is_some() {
                return Err(meta.error("`migratable` is given twice"));
            }
            opts.migratable = meta.path.get_ident().cloned();
            Ok(())
        } else if meta.path.is_ident("at_sync") {
            if opts.at_sync.is_some() {
                return Err(meta.error("`at_sync` is given twice"));
            }
            opts.at_sync = meta.path.get_ident().cloned();
            Ok(())
        } else {
            Err(meta
                .error("unknown #[chare] argument: the arguments are `migratable` and `at_sync`"))
        }
    });
    syn::parse::Parser::parse2(parser, attr)?;
    Ok(opts)
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
            Ok(Parsed::Struct(_, _))
        ));
        assert!(matches!(
            parse(quote!(), quote!(impl A {})),
            Ok(Parsed::Impl(_))
        ));
    }

    #[test]
    fn migratable_goes_on_structs() {
        let s = quote!(
            struct A;
        );
        assert!(matches!(
            parse(quote!(migratable), s.clone()),
            Ok(Parsed::Struct(
                _,
                StructOptions {
                    migratable: Some(_),
                    at_sync: None
                }
            ))
        ));
        assert!(matches!(
            parse(quote!(migratable, at_sync), s.clone()),
            Ok(Parsed::Struct(
                _,
                StructOptions {
                    migratable: Some(_),
                    at_sync: Some(_)
                }
            ))
        ));
        let twice = parse(quote!(migratable, migratable), s).err().unwrap();
        assert!(twice.to_string().contains("twice"));
        let on_impl = parse(quote!(migratable), quote!(impl A {})).err().unwrap();
        assert!(on_impl.to_string().contains("go on the struct"));
    }

    #[test]
    fn rejects_arguments_and_other_items() {
        let e = parse(
            quote!(foo),
            quote!(
                struct A;
            ),
        )
        .err()
        .unwrap();
        assert!(e.to_string().contains("are `migratable` and `at_sync`"));
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
