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
        "Proxy of one [`{name}`] chare: calls go to that element only. A `Copy` value of 16 bytes; \
         making one costs a few arithmetic operations, so there is no need to cache it."
    );
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
            }

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
