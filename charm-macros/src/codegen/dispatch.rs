//! The dispatch table (a `match` on entry ids) and the constructor the registry calls.

use super::{args, rt};
use crate::model::{Entry, ImplModel, Mode, Ret};
use proc_macro2::TokenStream;
use quote::quote;

/// Wraps the return value for the codec the return type travels with.
pub(crate) fn value_wrapper(ret: &Ret) -> TokenStream {
    let rt = rt();
    match ret {
        Ret::Unit => quote!(#rt::Serde::<()>),
        Ret::Serde(t) => quote!(#rt::Serde::<#t>),
        Ret::Bulk(p, _) => quote!(#rt::Bulk::<#p>),
    }
}

fn arm(m: &ImplModel, e: &Entry) -> TokenStream {
    let rt = rt();
    let id = e.id;
    let name = &e.name;
    let name_s = name.to_string();
    let cfgs = &e.cfgs;
    let ident = args::struct_ident(name);
    let wrap = value_wrapper(&e.ret);
    let recv = match m.mode {
        Mode::Exclusive => quote!(self),
        Mode::Shared => quote!(this),
    };
    let owned_args = args::from_owned(&e.args);
    let decode_owned = args::decode_owned(name, &e.args);
    let when_check = e.when.as_ref().map(|_| {
        let pred = when_ident(name);
        let refs = (0..e.args.len()).map(|i| {
            let i = syn::Index::from(i);
            quote!(&__args.#i)
        });
        quote! {
            if !#recv.#pred(#(#refs),*) {
                return ::core::result::Result::Ok(#rt::Dispatched::NotYet(#rt::Body::Typed(::std::boxed::Box::new(__args))));
            }
        }
    });
    if e.is_async || when_check.is_some() {
        let wrap_call = if e.is_async {
            quote! {
                let __this = ::std::rc::Rc::clone(this);
                let __cx = ::core::clone::Clone::clone(&cx);
                #rt::spawn_entry(&cx, #name_s, async move {
                    #[allow(clippy::let_unit_value)]
                    let __r = __this.#name(#(#owned_args),*).await;
                    #rt::complete(&__cx, #wrap(__r));
                });
            }
        } else {
            quote! {
                #[allow(clippy::let_unit_value)]
                let __r = #recv.#name(#(#owned_args),*);
                #rt::complete(&cx, #wrap(__r));
            }
        };
        return quote! {
            #(#cfgs)*
            #id => {
                let __args = match body {
                    #rt::Body::Typed(__m) => #rt::take_typed::<#ident>(__m)?,
                    ref mut __b => {
                        #decode_owned
                        __args
                    }
                };
                #when_check
                #wrap_call
                ::core::result::Result::Ok(#rt::Dispatched::Ran)
            }
        };
    }
    let decode_borrowed = args::decode_borrowed(&e.args);
    let borrowed_args = args::from_borrowed(&e.args);
    quote! {
        #(#cfgs)*
        #id => {
            #[allow(clippy::let_unit_value)]
            let __r = match body {
                #rt::Body::Typed(__m) => {
                    let __args = #rt::take_typed::<#ident>(__m)?;
                    #recv.#name(#(#owned_args),*)
                }
                ref mut __b => {
                    #decode_borrowed
                    #recv.#name(#(#borrowed_args),*)
                }
            };
            #rt::complete(&cx, #wrap(__r));
            ::core::result::Result::Ok(#rt::Dispatched::Ran)
        }
    }
}

fn when_ident(name: &syn::Ident) -> syn::Ident {
    quote::format_ident!("__charm_when_{}", name)
}

/// Hidden predicate methods for the `#[when(..)]` conditions: `self` and the arguments (by
/// reference) under their own names, so the condition is ordinary, type-checked Rust.
pub(crate) fn when_predicates(m: &ImplModel) -> TokenStream {
    let ty = &m.self_ty;
    let preds = m.entries.iter().filter_map(|e| {
        let cond = e.when.as_ref()?;
        let pred = when_ident(&e.name);
        let cfgs = &e.cfgs;
        let params = e.args.iter().map(|a| {
            let n = &a.name;
            let t = a.stored_ty();
            quote!(#n: &#t)
        });
        Some(quote! {
            #(#cfgs)*
            #[doc(hidden)]
            #[allow(unused_variables, non_snake_case, clippy::all)]
            fn #pred(&self, #(#params),*) -> bool {
                #cond
            }
        })
    });
    let preds: Vec<_> = preds.collect();
    if preds.is_empty() {
        return quote!();
    }
    quote! {
        impl #ty {
            #(#preds)*
        }
    }
}

pub(crate) fn dispatch(m: &ImplModel) -> TokenStream {
    let rt = rt();
    let ty = &m.self_ty;
    let arms = m.entries.iter().map(|e| arm(m, e));
    let names = m.entries.iter().map(|e| {
        let id = e.id;
        let n = e.name.to_string();
        let cfgs = &e.cfgs;
        quote!(#(#cfgs)* #id => #n,)
    });
    let signature = match m.mode {
        Mode::Exclusive => {
            quote!(fn dispatch(&mut self, entry: #rt::EntryId, mut body: #rt::Body, cx: #rt::CallCx))
        }
        Mode::Shared => {
            quote!(fn dispatch(this: &::std::rc::Rc<Self>, entry: #rt::EntryId, mut body: #rt::Body, cx: #rt::CallCx))
        }
    };
    let tr = match m.mode {
        Mode::Exclusive => quote!(#rt::ExclusiveChare),
        Mode::Shared => quote!(#rt::SharedChare),
    };
    let hook = m.migrated_hook.then(|| {
        quote! {
            fn after_migration(&mut self) {
                self.migrated();
            }
        }
    });
    let resume = m.resume_hook.as_ref().map(|name| {
        // Spanned at the user's `resume_from_sync`: a chare that is not `#[chare(at_sync)]` is
        // told so there, at compile time.
        let check = quote::quote_spanned! {name.span()=>
            const _: () = ::core::assert!(
                <#ty as #rt::ChareStruct>::AT_SYNC,
                "`resume_from_sync` runs after load-balancing steps, which only `#[chare(at_sync)]` chares take part in: add `at_sync` to the struct's #[chare(..)]"
            );
        };
        match m.mode {
            Mode::Exclusive => quote! {
                fn resume_from_sync_hook(&mut self) {
                    #check
                    self.resume_from_sync();
                }
            },
            Mode::Shared => quote! {
                fn resume_from_sync_hook(this: &::std::rc::Rc<Self>) {
                    #check
                    this.resume_from_sync();
                }
            },
        }
    });
    quote! {
        impl #tr for #ty {
            // The body is decoded where it lies (`ref mut`): moving it into a local first copied a
            // struct the caller had just written, which stalled the processor's store forwarding.
            #[allow(unused_variables, unused_mut, unreachable_code)]
            #signature -> ::core::result::Result<#rt::Dispatched, #rt::DispatchError> {
                match entry {
                    #(#arms)*
                    _ => ::core::result::Result::Err(#rt::DispatchError::UnknownEntry(entry)),
                }
            }

            fn entry_name(entry: #rt::EntryId) -> &'static str {
                match entry {
                    #(#names)*
                    _ => "<unknown entry method>",
                }
            }

            #hook
            #resume
        }
    }
}

pub(crate) fn construct(m: &ImplModel) -> TokenStream {
    let rt = rt();
    let ty = &m.self_ty;
    let new = quote::format_ident!("new");
    let ident = args::struct_ident(&new);
    let decode = args::decode_owned(&new, &m.ctor.args);
    let call_args = args::from_owned(&m.ctor.args);
    let hold = match m.mode {
        Mode::Exclusive => quote!(#rt::Exclusive(__chare)),
        Mode::Shared => quote!(#rt::Shared(::std::rc::Rc::new(__chare))),
    };
    quote! {
        #[allow(unused_mut)]
        fn __charm_construct(mut body: #rt::Body) -> ::core::result::Result<::std::boxed::Box<dyn #rt::ChareObject>, #rt::DispatchError> {
            let __args = match body {
                #rt::Body::Typed(__m) => #rt::take_typed::<#ident>(__m)?,
                ref mut __b => {
                    #decode
                    __args
                }
            };
            let __chare: #ty = <#ty>::new(#(#call_args),*);
            ::core::result::Result::Ok(::std::boxed::Box::new(#hold))
        }

        fn __charm_unpack(dec: &mut #rt::Decoder<'_>) -> ::core::result::Result<::std::boxed::Box<dyn #rt::ChareObject>, #rt::CodecError> {
            let __chare: #ty = <#ty as #rt::ChareStruct>::unpack(dec)?;
            ::core::result::Result::Ok(::std::boxed::Box::new(#hold))
        }

        #rt::inventory::submit! {
            #rt::Registration {
                name: <#ty as #rt::ChareStruct>::NAME,
                type_id: <#ty as #rt::ChareStruct>::TYPE_ID,
                construct: __charm_construct,
                unpack: __charm_unpack,
                migratable: <#ty as #rt::ChareStruct>::MIGRATABLE,
                at_sync: <#ty as #rt::ChareStruct>::AT_SYNC,
            }
        }
    }
}
