//! Trait checks on the user's argument and return types, spanned at those types, so a type that
//! cannot travel in a message is reported where it is written rather than at `#[chare]`.

use super::rt;
use crate::model::{ArgKind, ImplModel, Ret};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

pub(crate) fn type_checks(m: &ImplModel) -> TokenStream {
    let rt = rt();
    let no_cfg: &[syn::Attribute] = &[];
    let args = m.ctor.args.iter().map(|a| (no_cfg, a)).chain(
        m.entries
            .iter()
            .flat_map(|e| e.args.iter().map(move |a| (&e.cfgs[..], a))),
    );
    let arg_checks = args.map(|(cfgs, a)| match &a.kind {
        ArgKind::Serde => {
            let ty = &a.ty;
            quote_spanned!(ty.span()=> #(#cfgs)* __charm_marshalled::<#ty>();)
        }
        ArgKind::BulkVec(p) | ArgKind::BulkSlice(p) => {
            quote_spanned!(p.span()=> #(#cfgs)* __charm_pod::<#p>();)
        }
    });
    let ret_checks = m.entries.iter().map(|e| {
        let cfgs = &e.cfgs;
        match &e.ret {
            Ret::Unit => quote!(),
            Ret::Serde(ty) => quote_spanned!(ty.span()=> #(#cfgs)* __charm_marshalled::<#ty>();),
            Ret::Bulk(p, _) => quote_spanned!(p.span()=> #(#cfgs)* __charm_pod::<#p>();),
        }
    });
    quote! {
        #[allow(dead_code, clippy::extra_unused_type_parameters)]
        fn __charm_marshalled<T: #rt::serde::Serialize + #rt::serde::de::DeserializeOwned + ::core::marker::Send + 'static>() {}
        #[allow(dead_code, clippy::extra_unused_type_parameters)]
        fn __charm_pod<T: #rt::Pod>() {}
        #[allow(dead_code)]
        fn __charm_type_checks() {
            #(#arg_checks)*
            #(#ret_checks)*
        }
    }
}
