//! `#[array_map]` on an `impl ArrayMap for T` block: names the map type and registers it, so every
//! process can rebuild the map a collection's creation carries.

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    if !attr.is_empty() {
        return Err(syn::Error::new(
            attr.span(),
            "#[array_map] takes no arguments",
        ));
    }
    let mut imp: syn::ItemImpl = syn::parse2(item).map_err(|e| {
        syn::Error::new(
            e.span(),
            "#[array_map] goes on an `impl ArrayMap for YourMap` block",
        )
    })?;
    let is_array_map = imp
        .trait_
        .as_ref()
        .and_then(|(_, p, _)| p.segments.last())
        .is_some_and(|s| s.ident == "ArrayMap");
    if !is_array_map {
        return Err(syn::Error::new(
            imp.self_ty.span(),
            "#[array_map] goes on an `impl ArrayMap for YourMap` block",
        ));
    }
    if !imp.generics.params.is_empty() {
        return Err(syn::Error::new(
            imp.generics.span(),
            "a placement map cannot be generic: every process must name the same type",
        ));
    }
    let ty = &imp.self_ty;
    let name = quote!(#ty).to_string().replace(' ', "");
    imp.items.push(syn::parse_quote! {
        const NAME: &'static str = ::core::concat!(::core::module_path!(), "::", #name);
    });
    Ok(quote! {
        #imp
        ::charm_rt::__private::inventory::submit! {
            ::charm_rt::__private::MapRegistration {
                name: <#ty as ::charm_rt::ArrayMap>::NAME,
                decode: ::charm_rt::__private::decode_map::<#ty>,
            }
        }
    })
}
