//! Section proxies: the `XSectionProxy` type with its creation methods on `XProxy` (generated
//! from the struct), and one set of call stubs per entry method (generated from the impl block),
//! the same forms as the collection proxy's broadcasts.

use super::{args, dispatch::value_wrapper, rt};
use crate::model::{sibling_path, ArgKind, Entry, ImplModel, Ret};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// Name of the section proxy of a chare.
pub(crate) fn section_ident(ident: &syn::Ident) -> syn::Ident {
    format_ident!("{}SectionProxy", ident)
}

/// The section proxy type and the ways to make one (from the struct).
pub(crate) fn types(item: &syn::ItemStruct, ident: &syn::Ident) -> TokenStream {
    let rt = rt();
    let vis = &item.vis;
    let proxy = format_ident!("{}Proxy", ident);
    let section = section_ident(ident);
    let name = ident.to_string();
    let doc = format!(
        "Proxy of a section of a collection of [`{name}`] chares: calling an entry method on it calls \
         every member, through a spanning tree over the PEs hosting members. A `Copy` value made once \
         (with `{name}Proxy::section`, `section_slice`, `split` or `section_where`) and used any number \
         of times; it can be sent in messages."
    );
    quote! {
        #[doc = #doc]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        #vis struct #section(#[doc(hidden)] pub(crate) ::charm_rt::SectionRef);

        const _: () = {
            impl #rt::serde::Serialize for #section {
                fn serialize<S: #rt::serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                    #rt::serde::Serialize::serialize(&self.0, s)
                }
            }
            impl<'de> #rt::serde::Deserialize<'de> for #section {
                fn deserialize<D: #rt::serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
                    <::charm_rt::SectionRef as #rt::serde::Deserialize<'de>>::deserialize(d).map(#section)
                }
            }
            impl ::charm_rt::SectionProxy for #section {
                type Chare = #ident;
                fn section_ref(&self) -> ::charm_rt::SectionRef {
                    self.0
                }
            }

            impl ::core::convert::From<#section> for ::charm_rt::SectionRef {
                fn from(p: #section) -> Self {
                    p.0
                }
            }

            impl #section {
                /// Number of members.
                pub fn len(&self) -> usize {
                    self.0.len()
                }

                /// Always false: a section has at least one member.
                pub fn is_empty(&self) -> bool {
                    self.0.is_empty()
                }

                /// The untyped reference this proxy wraps (for `charm_rt::section_contribute` and
                /// the other section reductions, which also take the proxy itself).
                pub fn section_ref(&self) -> ::charm_rt::SectionRef {
                    self.0
                }
            }

            impl #proxy {
                /// A section of this collection: the elements at `indices` (PE numbers for a group;
                /// duplicates count once). Panics when an index is out of bounds or the list is
                /// empty. Creating a section sends one message to every PE: create it once and
                /// call it many times.
                #[track_caller]
                pub fn section<I>(&self, indices: I) -> #section
                where
                    I: ::core::iter::IntoIterator,
                    I::Item: ::core::convert::Into<#rt::Index>,
                {
                    #section(#rt::section_of(
                        &self.0,
                        <#ident as #rt::ChareStruct>::NAME,
                        ::core::iter::Iterator::map(::core::iter::IntoIterator::into_iter(indices), ::core::convert::Into::into),
                    ))
                }

                /// A section of this array: the elements in `slice` (per dimension `start..end`,
                /// optionally with a step; see `charm_rt::Slice`). Panics when the slice is out of
                /// bounds or selects nothing.
                #[track_caller]
                pub fn section_slice(&self, slice: impl ::core::convert::Into<::charm_rt::Slice>) -> #section {
                    #section(#rt::section_of_slice(&self.0, <#ident as #rt::ChareStruct>::NAME, slice.into()))
                }

                /// Splits the collection into `n` sections by what each element answers where it
                /// lives: `ask` makes a `_ret` broadcast to this proxy of an entry method returning
                /// the element's section numbers (`usize`, `Option<usize>` or `Vec<usize>`: an
                /// element may be in several sections, or in none). Await it in a coroutine.
                /// Panics when a number is `n` or more, or a section gets no member.
                pub async fn split<R, F>(&self, n: usize, ask: F) -> ::std::vec::Vec<#section>
                where
                    R: ::charm_rt::SectionNumbers,
                    F: ::core::ops::FnOnce(&Self) -> ::charm_rt::BroadcastReply<R>,
                {
                    let __answers = ask(self);
                    let __secs = #rt::split(self.0, <#ident as #rt::ChareStruct>::NAME, n, __answers).await;
                    ::core::iter::Iterator::collect(::core::iter::Iterator::map(
                        ::core::iter::IntoIterator::into_iter(__secs),
                        #section,
                    ))
                }

                /// The section of the elements that answer `true`: `ask` makes a `_ret` broadcast
                /// to this proxy of an entry method returning `bool`. Await it in a coroutine.
                /// Panics when no element answers `true`.
                pub async fn section_where<F>(&self, ask: F) -> #section
                where
                    F: ::core::ops::FnOnce(&Self) -> ::charm_rt::BroadcastReply<bool>,
                {
                    let __answers = ask(self);
                    #section(#rt::split_one(self.0, <#ident as #rt::ChareStruct>::NAME, __answers).await)
                }
            }
        };
    }
}

fn entry_stubs(e: &Entry) -> TokenStream {
    let rt = rt();
    let id = e.id;
    let name = &e.name;
    let vis = &e.vis;
    let cfgs = &e.cfgs;
    let docs = &e.docs;
    let sep = if docs.is_empty() {
        quote!()
    } else {
        quote!(#[doc = ""])
    };
    let ps = super::stubs::params(&e.args);
    let build = args::build(name, &e.args);
    let awaitable = format_ident!("{}_awaitable", name);
    let ret_name = format_ident!("{}_ret", name);
    let cb_name = format_ident!("{}_callback", name);
    let ff_doc = format!(
        "Calls `{name}` on every member, fire-and-forget: one message to the section's root, no future."
    );
    let aw_doc =
        format!("Calls `{name}` on every member; the reply resolves when all of them completed.");
    let ret_doc = format!(
        "Calls `{name}` on every member; the reply resolves to their return values, sorted by element index."
    );
    let ret_fn = match &e.ret {
        Ret::Unit => quote!(),
        Ret::Serde(t) | Ret::Bulk(_, t) => {
            let wrap = value_wrapper(&e.ret);
            quote! {
                #(#cfgs)* #(#docs)* #sep #[doc = #ret_doc]
                #[track_caller]
                #[allow(clippy::too_many_arguments)]
                #vis fn #ret_name(&self, #(#ps),*) -> ::charm_rt::BroadcastReply<#t> {
                    #rt::multicast_ret::<#wrap, _>(&self.0, #id, #build)
                }
            }
        }
    };
    let cb_fn = super::stubs::callback_arg(e).map(|(t, coding)| {
        let d =
            format!("A callback that calls `{name}` on every member with the value it is given.");
        quote! {
            #(#cfgs)* #[doc = #d]
            #vis fn #cb_name(&self) -> ::charm_rt::Callback<#t> {
                ::charm_rt::Callback::to_section(self.0, #id, #coding)
            }
        }
    });
    quote! {
        #cb_fn
        #(#cfgs)* #(#docs)* #sep #[doc = #ff_doc]
        #[allow(clippy::too_many_arguments)]
        #vis fn #name(&self, #(#ps),*) {
            #rt::multicast(&self.0, #id, #build)
        }

        #(#cfgs)* #(#docs)* #sep #[doc = #aw_doc]
        #[track_caller]
        #[allow(clippy::too_many_arguments)]
        #vis fn #awaitable(&self, #(#ps),*) -> ::charm_rt::BroadcastReply<()> {
            #rt::multicast_awaitable(&self.0, #id, #build)
        }

        #ret_fn
    }
}

/// `HasEntry<ID>` for one entry method: its signature (types and wire forms) as a type, so that
/// unions of sections of different chare types can check calls at compile time.
fn has_entry(m: &ImplModel, e: &Entry) -> TokenStream {
    let rt = rt();
    let ty = &m.self_ty;
    let id = e.id;
    let name = &e.name;
    let name_s = name.to_string();
    let cfgs = &e.cfgs;
    let markers = e.args.iter().map(|a| match &a.kind {
        ArgKind::Serde => {
            let t = &a.ty;
            quote!(#rt::SerdeArg<#t>)
        }
        ArgKind::BulkVec(p) | ArgKind::BulkSlice(p) => quote!(#rt::BulkArg<#p>),
    });
    let ret_marker = match &e.ret {
        Ret::Unit => quote!(()),
        Ret::Serde(t) => quote!(#rt::SerdeArg<#t>),
        Ret::Bulk(p, _) => quote!(#rt::BulkArg<#p>),
    };
    let arg_tys = e.args.iter().map(|a| match &a.kind {
        ArgKind::BulkSlice(p) => quote!(&'__charm_a [#p]),
        _ => {
            let t = &a.ty;
            quote!(#t)
        }
    });
    let names: Vec<&syn::Ident> = e.args.iter().map(|a| &a.name).collect();
    let build = args::build(name, &e.args);
    let wrap = value_wrapper(&e.ret);
    quote! {
        #(#cfgs)*
        impl ::charm_rt::HasEntry<#id> for #ty {
            type Sig = fn(#(#markers),*) -> #ret_marker;
            type Args<'__charm_a> = (#(#arg_tys,)*);
            type Ret = #wrap;
            const NAME: &'static str = #name_s;
            #[allow(unused_parens, clippy::unused_unit)]
            fn message(args: Self::Args<'_>) -> impl #rt::Message {
                let (#(#names,)*) = args;
                #build
            }
        }
    }
}

/// The call stubs of the section proxy and the `HasEntry` facts (from the impl block).
pub(crate) fn stubs(m: &ImplModel) -> TokenStream {
    let section = sibling_path(&m.self_ty, "SectionProxy");
    let stubs = m.entries.iter().map(entry_stubs);
    let facts = m.entries.iter().map(|e| has_entry(m, e));
    quote! {
        impl #section {
            #(#stubs)*
        }
        #(#facts)*
    }
}
