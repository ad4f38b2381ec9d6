//! The proxy types of a chare and the `ChareStruct` facts (generated from the struct).

use super::rt;
use crate::model::StructModel;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

pub(crate) fn proxy_idents(ident: &syn::Ident) -> (syn::Ident, syn::Ident) {
    (
        format_ident!("{}Proxy", ident),
        format_ident!("{}ElemProxy", ident),
    )
}

pub(crate) fn types(item: &syn::ItemStruct, m: &StructModel) -> TokenStream {
    let rt = rt();
    let ident = &m.ident;
    let vis = &item.vis;
    let (proxy, elem) = proxy_idents(ident);
    let name = ident.to_string();
    let proxy_doc = format!(
        "Proxy of a collection (group, array or single chare) of [`{name}`] chares: calling an entry \
         method on it broadcasts to every element. Cheap to copy and to send in messages."
    );
    let elem_doc = format!(
        "Proxy of one [`{name}`] chare: calls go to that element only. A `Copy` value of 24 bytes; \
         making one costs a few arithmetic operations, so there is no need to cache it."
    );
    let (state, migratable_impl) = match &m.migratable {
        Some(word) => {
            // Spanned at `migratable`, so a state that cannot travel is reported where moving
            // was asked for (once for leaving, once for arriving).
            let pack = quote::quote_spanned! {word.span()=> #rt::pack_state(self, enc) };
            let unpack = quote::quote_spanned! {word.span()=> #rt::unpack_state(dec) };
            (
                quote! {
                    const MIGRATABLE: bool = true;
                    fn pack<'a>(&'a self, enc: &mut #rt::Encoder<'_, 'a>) {
                        #pack
                    }
                    fn unpack(dec: &mut #rt::Decoder<'_>) -> ::core::result::Result<Self, #rt::CodecError> {
                        #unpack
                    }
                },
                quote! {
                    impl #rt::Migratable for #ident {}
                },
            )
        }
        None => (
            quote! {
                const MIGRATABLE: bool = false;
                fn pack<'a>(&'a self, _: &mut #rt::Encoder<'_, 'a>) {
                    #rt::not_migratable(<Self as #rt::ChareStruct>::NAME)
                }
                fn unpack(_: &mut #rt::Decoder<'_>) -> ::core::result::Result<Self, #rt::CodecError> {
                    #rt::not_migratable(<Self as #rt::ChareStruct>::NAME)
                }
            },
            quote!(),
        ),
    };
    let at_sync = m.at_sync;
    let at_sync_impl = at_sync.then(|| {
        quote! {
            impl #rt::AtSync for #ident {}

            impl #ident {
                /// Tells the load balancer that this element has reached a point where it may
                /// move (Charm++'s `AtSync()`). When every element of its array has called it, the
                /// runtime balances the load, moves elements, and then runs each element's
                /// `resume_from_sync` on the PE where it now is. Call it once per step, from an
                /// entry method or coroutine of this element.
                #[track_caller]
                pub fn at_sync(&self) {
                    #rt::lb_at_sync(<Self as #rt::ChareStruct>::NAME)
                }
            }
        }
    });
    quote! {
        #[doc = #proxy_doc]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        #vis struct #proxy(#[doc(hidden)] pub(crate) #rt::CollectionRef);

        #[doc = #elem_doc]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        #vis struct #elem(#[doc(hidden)] pub(crate) #rt::ElemRef);

        const _: () = {
            impl #rt::ChareStruct for #ident {
                type Proxy = #proxy;
                type ElemProxy = #elem;
                const NAME: &'static str = ::core::concat!(::core::module_path!(), "::", #name);
                const TYPE_ID: u64 = #rt::fnv1a64(<Self as #rt::ChareStruct>::NAME);
                const AT_SYNC: bool = #at_sync;
                #state
            }
            #migratable_impl
            #at_sync_impl

            impl #rt::serde::Serialize for #proxy {
                fn serialize<S: #rt::serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                    #rt::serde::Serialize::serialize(&self.0, s)
                }
            }
            impl<'de> #rt::serde::Deserialize<'de> for #proxy {
                fn deserialize<D: #rt::serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
                    <#rt::CollectionRef as #rt::serde::Deserialize<'de>>::deserialize(d).map(#proxy)
                }
            }
            impl #rt::serde::Serialize for #elem {
                fn serialize<S: #rt::serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                    #rt::serde::Serialize::serialize(&self.0, s)
                }
            }
            impl<'de> #rt::serde::Deserialize<'de> for #elem {
                fn deserialize<D: #rt::serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
                    <#rt::ElemRef as #rt::serde::Deserialize<'de>>::deserialize(d).map(#elem)
                }
            }

            impl #proxy {
                /// The element at `index` (a PE number for a group; a `usize`, tuple or array for
                /// an array). Panics with a message naming the collection when out of bounds.
                #[inline]
                #[track_caller]
                pub fn elem(&self, index: impl ::core::convert::Into<#rt::Index>) -> #elem {
                    #elem(self.0.elem(index.into(), <#ident as #rt::ChareStruct>::NAME))
                }

                /// The element at `index`, or `None` when out of bounds.
                #[inline]
                pub fn try_elem(&self, index: impl ::core::convert::Into<#rt::Index>) -> ::core::option::Option<#elem> {
                    self.0.try_elem(index.into()).map(#elem)
                }

                /// Proxies of every element, in row-major order.
                pub fn elems(&self) -> impl ::core::iter::Iterator<Item = #elem> + '_ {
                    self.0.elems().map(#elem)
                }

                /// Number of elements.
                pub fn len(&self) -> usize {
                    self.0.len()
                }

                /// True for an empty array.
                pub fn is_empty(&self) -> bool {
                    self.0.is_empty()
                }

                /// Shape of the collection.
                pub fn shape(&self) -> #rt::Index {
                    self.0.shape()
                }

                /// The untyped reference this proxy wraps.
                pub fn collection_ref(&self) -> #rt::CollectionRef {
                    self.0
                }
            }

            impl ::core::convert::From<#elem> for ::charm_rt::ElemRef {
                fn from(p: #elem) -> Self {
                    p.0
                }
            }

            impl #elem {
                /// PE that hosts this element.
                pub fn pe(&self) -> usize {
                    self.0.pe()
                }

                /// Row-major position of this element in its collection.
                pub fn position(&self) -> usize {
                    self.0.position()
                }

                /// The untyped reference this proxy wraps.
                pub fn elem_ref(&self) -> #rt::ElemRef {
                    self.0
                }

                /// Moves this element to PE `to_pe` once it is idle (no entry method running, no
                /// coroutine alive); messages sent to it meanwhile and afterwards follow it. Only
                /// for `#[chare(migratable)]` chares. Panics when `to_pe` is not a PE of the job.
                #[track_caller]
                #[allow(clippy::extra_unused_lifetimes)]
                pub fn migrate(&self, to_pe: usize)
                where
                    // A bound with a lifetime is checked where `migrate` is called, so calling it
                    // on a chare that cannot move names the chare there.
                    for<'__charm> #ident: #rt::Migratable,
                {
                    #rt::request_migration(&self.0, to_pe, <#ident as #rt::ChareStruct>::NAME)
                }

                /// Destroys this element once it is idle (for collections whose membership can
                /// change: sparse arrays, and arrays of migratable or mapped chares). Later
                /// messages to it are errors; a caller awaiting a reply gets a `CallError`.
                #[track_caller]
                pub fn destroy(&self) {
                    #rt::request_destroy(&self.0, <#ident as #rt::ChareStruct>::NAME)
                }
            }

            impl #ident {
                /// Proxy of the collection this chare belongs to. Only inside its entry methods,
                /// coroutines and constructor.
                #[allow(dead_code)]
                #[track_caller]
                pub fn this_proxy() -> #proxy {
                    #proxy(#rt::this_collection(<Self as #rt::ChareStruct>::NAME, <Self as #rt::ChareStruct>::TYPE_ID))
                }

                /// Proxy of this very element. Only inside its entry methods, coroutines and constructor.
                #[allow(dead_code)]
                #[track_caller]
                pub fn this_elem() -> #elem {
                    #elem(#rt::this_elem(<Self as #rt::ChareStruct>::NAME, <Self as #rt::ChareStruct>::TYPE_ID))
                }

                /// Index of this element (its PE for a group element, `(0)` for a single chare).
                #[allow(dead_code)]
                #[track_caller]
                pub fn this_index() -> #rt::Index {
                    ::charm_rt::this_index()
                }
            }
        };
    }
}
