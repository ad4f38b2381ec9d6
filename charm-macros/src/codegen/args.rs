//! One struct per entry method (and one for the constructor) holding its positional arguments:
//! moved as is within an address space, encoded (serde or direct copy, per argument) otherwise.

use super::rt;
use crate::model::{Arg, ArgKind, ImplModel};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// Name of the argument struct of `method`.
pub(crate) fn struct_ident(method: &syn::Ident) -> syn::Ident {
    format_ident!("__CharmArgs_{}", method)
}

fn one(name: &syn::Ident, args: &[Arg], cfgs: &[syn::Attribute]) -> TokenStream {
    let rt = rt();
    let ident = struct_ident(name);
    let tys = args.iter().map(Arg::stored_ty);
    let encode = args.iter().enumerate().map(|(i, a)| {
        let i = syn::Index::from(i);
        match &a.kind {
            ArgKind::Serde => quote!(enc.serde(&self.#i);),
            ArgKind::BulkVec(_) | ArgKind::BulkSlice(_) => quote!(enc.bulk(&self.#i[..]);),
        }
    });
    quote! {
        #(#cfgs)*
        #[allow(non_camel_case_types)]
        struct #ident(#(#tys,)*);
        #(#cfgs)*
        impl #rt::Message for #ident {
            #[allow(unused_variables)]
            fn encode<'a>(&'a self, enc: &mut #rt::Encoder<'_, 'a>) {
                #(#encode)*
            }
        }
    }
}

pub(crate) fn structs(m: &ImplModel) -> TokenStream {
    let ctor = one(&format_ident!("new"), &m.ctor.args, &[]);
    let entries = m.entries.iter().map(|e| one(&e.name, &e.args, &e.cfgs));
    quote! { #ctor #(#entries)* }
}

/// Expression that builds the argument struct from the stub's parameters.
pub(crate) fn build(name: &syn::Ident, args: &[Arg]) -> TokenStream {
    let ident = struct_ident(name);
    let vals = args.iter().map(|a| {
        let n = &a.name;
        match a.kind {
            ArgKind::BulkSlice(_) => quote!(::std::borrow::ToOwned::to_owned(#n)),
            _ => quote!(#n),
        }
    });
    quote!(#ident(#(#vals,)*))
}

/// Statements that decode a wire body into `__args` (the argument struct, owned).
pub(crate) fn decode_owned(name: &syn::Ident, args: &[Arg]) -> TokenStream {
    let rt = rt();
    let ident = struct_ident(name);
    let fields = args.iter().map(|a| match &a.kind {
        ArgKind::Serde => quote!(__d.serde()?),
        // `bulk_vec` takes an argument that arrived as its own vector without copying it.
        ArgKind::BulkVec(p) | ArgKind::BulkSlice(p) => quote!(__d.bulk_vec::<#p>()?),
    });
    quote! {
        let mut __d = #rt::decoder(__b)?;
        let __args = #ident(#(#fields,)*);
        __d.finish()?;
    }
}

/// Statements that decode a wire body into locals `__a0..`, borrowing slices from the message.
pub(crate) fn decode_borrowed(args: &[Arg]) -> TokenStream {
    let rt = rt();
    let lets = args.iter().enumerate().map(|(i, a)| {
        let v = format_ident!("__a{}", i);
        match &a.kind {
            ArgKind::Serde => quote!(let #v = __d.serde()?;),
            ArgKind::BulkVec(p) => quote!(let #v = __d.bulk_vec::<#p>()?;),
            ArgKind::BulkSlice(p) => quote!(let #v = __d.bulk_slice::<#p>()?;),
        }
    });
    quote! {
        let mut __d = #rt::decoder(__b)?;
        #(#lets)*
        __d.finish()?;
    }
}

/// The call arguments from the owned struct `__args`.
pub(crate) fn from_owned(args: &[Arg]) -> Vec<TokenStream> {
    args.iter()
        .enumerate()
        .map(|(i, a)| {
            let i = syn::Index::from(i);
            match a.kind {
                ArgKind::BulkSlice(_) => quote!(&__args.#i[..]),
                _ => quote!(__args.#i),
            }
        })
        .collect()
}

/// The call arguments from the borrowed locals `__a0..`.
pub(crate) fn from_borrowed(args: &[Arg]) -> Vec<TokenStream> {
    args.iter()
        .enumerate()
        .map(|(i, a)| {
            let v = format_ident!("__a{}", i);
            match a.kind {
                ArgKind::BulkSlice(_) => quote!(&#v[..]),
                _ => quote!(#v),
            }
        })
        .collect()
}
