//! The `#[chare]` attribute of charm-rs.
//!
//! Put it on a struct and on the struct's inherent `impl` block. It generates, at compile time, a
//! collection proxy (`NameProxy`), an element proxy (`NameElemProxy`) and a section proxy
//! (`NameSectionProxy`) with one method per entry method, in three forms (fire-and-forget,
//! `_awaitable`, `_ret`), plus the dispatch code, the registration the runtime needs and, per
//! entry method, the `HasEntry` signature facts that unions of sections check calls against. Use
//! it through `charm_rt::chare`; the generated code only names `::charm_rt`, so a crate that
//! depends on `charm-rt` alone can use it.
//!
//! The work is split as in serde_derive: `parse` reads the item, `model` validates it into a
//! model of the chare (every error points at the user's code), `codegen` writes the output.
//! Each step is a plain function over `proc_macro2`, unit-tested without a compiler run.

mod array_map;
mod codegen;
mod model;
mod parse;

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;

/// Makes a struct a chare (on the struct) and its `pub fn` methods entry methods (on its `impl`
/// block). See the `charm_rt` crate documentation.
#[proc_macro_attribute]
pub fn chare(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand(attr.into(), item.into()).into()
}

/// Registers a placement map: put it on an `impl ArrayMap for YourMap` block. See
/// `charm_rt::ArrayMap`.
#[proc_macro_attribute]
pub fn array_map(attr: TokenStream, item: TokenStream) -> TokenStream {
    match array_map::expand(attr.into(), item.clone().into()) {
        Ok(out) => out.into(),
        Err(e) => {
            let err = e.to_compile_error();
            let item: TokenStream2 = item.into();
            quote::quote!(#item #err).into()
        }
    }
}

/// Calls the macro named by its argument with the plain numeric types that travel by direct
/// copy: `__for_each_pod!(m)` is `m!(u8, i8, ..., f64);`. The runtime implements its `Pod` trait
/// (and its numeric reducers and callbacks) through it, so the runtime and this crate's type
/// classification read one list. Not for users.
#[doc(hidden)]
#[proc_macro]
pub fn __for_each_pod(input: TokenStream) -> TokenStream {
    let m = syn::parse_macro_input!(input as syn::Ident);
    let types = model::POD
        .iter()
        .map(|t| syn::Ident::new(t, proc_macro2::Span::call_site()));
    quote::quote!(#m!(#(#types),*);).into()
}

/// The whole expansion, on `proc_macro2` tokens. On error the original item is kept (so the rest
/// of the crate still type-checks and IDEs keep working) next to the `compile_error!`s.
pub(crate) fn expand(attr: TokenStream2, item: TokenStream2) -> TokenStream2 {
    match parse::parse(attr, item.clone()).and_then(|parsed| match parsed {
        parse::Parsed::Struct(s, opts) => {
            model::chare_struct(&s, &opts).map(|m| codegen::chare_struct(&s, &m))
        }
        parse::Parsed::Impl(i) => model::chare_impl(&i).map(|m| codegen::chare_impl(&i, &m)),
    }) {
        Ok(out) => out,
        Err(e) => {
            let errors = e.to_compile_error();
            // Keep the item (minus the `#[when]`s only this macro understands) so the rest of the
            // crate still type-checks.
            match syn::parse2::<syn::ItemImpl>(item.clone()) {
                Ok(i) => {
                    let i = codegen::without_when_attributes(&i);
                    quote::quote! { #i #errors }
                }
                Err(_) => quote::quote! { #item #errors },
            }
        }
    }
}
