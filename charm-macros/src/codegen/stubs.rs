//! The proxy methods: creation functions and, per entry method, fire-and-forget, `_awaitable`
//! and `_ret` stubs on both the collection proxy (broadcast) and the element proxy.

use super::{args, dispatch::value_wrapper, rt};
use crate::model::sibling_path;
use crate::model::{Arg, Entry, ImplModel, Ret};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The stub parameters: the entry method's own, as written.
pub(super) fn params(args: &[Arg]) -> Vec<TokenStream> {
    args.iter()
        .map(|a| {
            let n = &a.name;
            let t = &a.ty;
            quote!(#n: #t)
        })
        .collect()
}

/// A name for an extra parameter that no user argument uses.
fn free_name(base: &str, args: &[Arg]) -> syn::Ident {
    let mut name = base.to_string();
    while args.iter().any(|a| a.name == name) {
        name = format!("charm_{name}");
    }
    format_ident!("{}", name)
}

fn doc(text: String) -> TokenStream {
    quote!(#[doc = #text])
}

fn creation(m: &ImplModel) -> TokenStream {
    let rt = rt();
    let ty = &m.self_ty;
    let (proxy, elem) = (
        sibling_path(&m.self_ty, "Proxy"),
        sibling_path(&m.self_ty, "ElemProxy"),
    );
    let ps = params(&m.ctor.args);
    let build = args::build(&format_ident!("new"), &m.ctor.args);
    let shape = free_name("shape", &m.ctor.args);
    let on_pe = free_name("on_pe", &m.ctor.args);
    let docs = &m.ctor.docs;
    let sep = if docs.is_empty() {
        quote!()
    } else {
        quote!(#[doc = ""])
    };
    let name = m.ident.to_string();
    let group_doc = doc(format!(
        "Creates a group of [`{name}`]: one element per PE, each built with `new` and these arguments. \
         Creation is asynchronous; calls made through the proxy at once wait for the elements."
    ));
    let array_doc = doc(format!(
        "Creates a dense array of [`{name}`] of the given shape (1 to 6 dimensions: `n`, `(n, m)`, `[n, m, k]`), \
         elements spread over the PEs in blocks. Asynchronous like `new_group`."
    ));
    let single_doc = doc(format!(
        "Creates a single [`{name}`] chare on `{on_pe}` (or a PE the runtime picks when `None`); returns its proxy."
    ));
    let map = free_name("map", &m.ctor.args);
    let index = free_name("index", &m.ctor.args);
    let mapped_doc = doc(format!(
        "Creates a dense array of [`{name}`] whose elements start on the PEs `{map}` gives \
         (see `charm_rt::ArrayMap`). Asynchronous like `new_group`."
    ));
    let sparse_doc = doc(format!(
        "Creates an empty sparse array of [`{name}`] whose indices have `ndims` coordinates; \
         add elements with `insert`, then call `done_inserting`."
    ));
    let sparse_map_doc = doc(format!(
        "Creates an empty sparse array of [`{name}`] whose elements start on the PEs `map` gives."
    ));
    let insert_doc = doc(format!(
        "Inserts a [`{name}`] at `{index}` of this sparse array, built with `new` and these \
         arguments, on its home PE. Messages sent to the index before it exists wait for it."
    ));
    let insert_on_doc = doc(format!(
        "Inserts a [`{name}`] at `{index}` of this sparse array on PE `{on_pe}`."
    ));
    quote! {
        impl #proxy {
            #(#docs)* #sep #group_doc
            #[allow(clippy::too_many_arguments)]
            pub fn new_group(#(#ps),*) -> Self {
                #proxy(#rt::create::<#ty, _>(#rt::Layout::Group, #build))
            }

            #(#docs)* #sep #array_doc
            #[allow(clippy::too_many_arguments)]
            pub fn new_array(#shape: impl ::core::convert::Into<#rt::Index>, #(#ps),*) -> Self {
                #proxy(#rt::create::<#ty, _>(#rt::Layout::Array(#shape.into()), #build))
            }

            #(#docs)* #sep #single_doc
            #[allow(clippy::too_many_arguments)]
            pub fn new_chare(#on_pe: ::core::option::Option<usize>, #(#ps),*) -> #elem {
                let __c = #rt::create::<#ty, _>(#rt::Layout::Single(#on_pe), #build);
                #elem(__c.elem(#rt::Index::from(0usize), <#ty as #rt::ChareStruct>::NAME))
            }

            #(#docs)* #sep #mapped_doc
            #[allow(clippy::too_many_arguments)]
            pub fn new_array_with_map<__M: ::charm_rt::ArrayMap>(#shape: impl ::core::convert::Into<#rt::Index>, #map: __M, #(#ps),*) -> Self {
                #proxy(#rt::create_with_map::<#ty, __M, _>(#rt::Layout::Array(#shape.into()), #map, #build))
            }

            #sparse_doc
            pub fn new_sparse(ndims: usize) -> Self {
                #proxy(#rt::create::<#ty, _>(#rt::Layout::Sparse(ndims), #rt::Serde(())))
            }

            #sparse_map_doc
            pub fn new_sparse_with_map<__M: ::charm_rt::ArrayMap>(ndims: usize, map: __M) -> Self {
                #proxy(#rt::create_with_map::<#ty, __M, _>(#rt::Layout::Sparse(ndims), map, #rt::Serde(())))
            }

            #(#docs)* #sep #insert_doc
            #[track_caller]
            #[allow(clippy::too_many_arguments)]
            pub fn insert(&self, #index: impl ::core::convert::Into<#rt::Index>, #(#ps),*) {
                #rt::insert(&self.0, <#ty as #rt::ChareStruct>::NAME, #index.into(), ::core::option::Option::None, #build)
            }

            #(#docs)* #sep #insert_on_doc
            #[track_caller]
            #[allow(clippy::too_many_arguments)]
            pub fn insert_on(&self, #index: impl ::core::convert::Into<#rt::Index>, #on_pe: usize, #(#ps),*) {
                #rt::insert(&self.0, <#ty as #rt::ChareStruct>::NAME, #index.into(), ::core::option::Option::Some(#on_pe), #build)
            }

            /// Closes the sparse array's insertion phase: broadcasts and reductions then count
            /// exactly the elements inserted (they wait for the close by themselves). Insert
            /// before calling it. The returned future resolves when every PE knows the phase
            /// is closed; it may be dropped.
            #[track_caller]
            pub fn done_inserting(&self) -> #rt::InsertionPhase {
                #rt::done_inserting(&self.0)
            }

            /// Opens a new insertion phase of the sparse array (after `done_inserting`); await
            /// it before inserting. Call it between reductions: new elements take part in the
            /// reductions their elements start after the phase closes.
            #[track_caller]
            #[must_use = "await the phase before inserting"]
            pub fn begin_inserting(&self) -> #rt::InsertionPhase {
                #rt::begin_inserting(&self.0)
            }
        }
    }
}

fn ret_ty(ret: &Ret) -> TokenStream {
    match ret {
        Ret::Unit => quote!(()),
        Ret::Serde(t) | Ret::Bulk(_, t) => quote!(#t),
    }
}

fn entry_stubs(e: &Entry) -> (TokenStream, TokenStream) {
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
    let ps = params(&e.args);
    let build = args::build(name, &e.args);
    let awaitable = format_ident!("{}_awaitable", name);
    let ret_name = format_ident!("{}_ret", name);
    let wrap = value_wrapper(&e.ret);
    let r = ret_ty(&e.ret);
    let has_ret = !matches!(e.ret, Ret::Unit);

    let elem_ff = doc(format!(
        "Fire-and-forget call of `{name}` on this element: sends the message and returns."
    ));
    let elem_aw = doc(format!("Calls `{name}` on this element; the reply resolves when the method has completed (for an async method, when its coroutine finished)."));
    let elem_ret = doc(format!(
        "Calls `{name}` on this element; the reply resolves to its return value."
    ));
    let bc_ff = doc(format!("Broadcasts `{name}` to every element, fire-and-forget. The arguments are encoded once and shared."));
    let bc_aw = doc(format!(
        "Broadcasts `{name}` to every element; the reply resolves when all of them completed."
    ));
    let bc_ret = doc(format!("Broadcasts `{name}` to every element; the reply resolves to their return values, sorted by element index."));

    let elem_ret_fn = has_ret.then(|| {
        quote! {
            #(#cfgs)* #(#docs)* #sep #elem_ret
            #[inline]
            #[track_caller]
            #[allow(clippy::too_many_arguments)]
            #vis fn #ret_name(&self, #(#ps),*) -> ::charm_rt::Reply<#r> {
                #rt::call_ret::<#wrap, _>(&self.0, #id, #build)
            }
        }
    });
    let bc_ret_fn = has_ret.then(|| {
        quote! {
            #(#cfgs)* #(#docs)* #sep #bc_ret
            #[track_caller]
            #[allow(clippy::too_many_arguments)]
            #vis fn #ret_name(&self, #(#ps),*) -> ::charm_rt::BroadcastReply<#r> {
                #rt::broadcast_ret::<#wrap, _>(&self.0, #id, #build)
            }
        }
    });
    // A callback to this entry method, for reductions and anything else that delivers one value.
    let (cb_ty, coding) = callback_arg(e).unzip();
    let cb_name = format_ident!("{}_callback", name);
    let elem_cb = cb_ty.as_ref().map(|t| {
        let d = doc(format!("A callback that calls `{name}` on this element with the value it is given (a reduction result, say)."));
        quote! {
            #(#cfgs)* #d
            #vis fn #cb_name(&self) -> ::charm_rt::Callback<#t> {
                ::charm_rt::Callback::to_elem(self.0, #id, #coding)
            }
        }
    });
    let bc_cb = cb_ty.as_ref().map(|t| {
        let d = doc(format!(
            "A callback that broadcasts `{name}` to every element with the value it is given."
        ));
        quote! {
            #(#cfgs)* #d
            #vis fn #cb_name(&self) -> ::charm_rt::Callback<#t> {
                ::charm_rt::Callback::to_broadcast(self.0, #id, #coding)
            }
        }
    });
    let elem = quote! {
        #elem_cb
        #(#cfgs)* #(#docs)* #sep #elem_ff
        #[inline]
        #[allow(clippy::too_many_arguments)]
        #vis fn #name(&self, #(#ps),*) {
            #rt::send(&self.0, #id, #build)
        }

        #(#cfgs)* #(#docs)* #sep #elem_aw
        #[inline]
        #[track_caller]
        #[allow(clippy::too_many_arguments)]
        #vis fn #awaitable(&self, #(#ps),*) -> ::charm_rt::Reply<()> {
            #rt::call_awaitable(&self.0, #id, #build)
        }

        #elem_ret_fn
    };
    let bcast = quote! {
        #bc_cb
        #(#cfgs)* #(#docs)* #sep #bc_ff
        #[allow(clippy::too_many_arguments)]
        #vis fn #name(&self, #(#ps),*) {
            #rt::broadcast(&self.0, #id, #build)
        }

        #(#cfgs)* #(#docs)* #sep #bc_aw
        #[track_caller]
        #[allow(clippy::too_many_arguments)]
        #vis fn #awaitable(&self, #(#ps),*) -> ::charm_rt::BroadcastReply<()> {
            #rt::broadcast_awaitable(&self.0, #id, #build)
        }

        #bc_ret_fn
    };
    (elem, bcast)
}

pub(crate) fn stubs(m: &ImplModel) -> TokenStream {
    let (proxy, elem) = (
        sibling_path(&m.self_ty, "Proxy"),
        sibling_path(&m.self_ty, "ElemProxy"),
    );
    let creation = creation(m);
    let (elem_stubs, bcast_stubs): (Vec<_>, Vec<_>) = m.entries.iter().map(entry_stubs).unzip();
    quote! {
        #creation
        impl #elem {
            #(#elem_stubs)*
        }
        impl #proxy {
            #(#bcast_stubs)*
        }
    }
}

/// For an entry method with at most one argument: the value type of its callbacks, and how the
/// method reads that value (so a callback's sender writes it alike).
pub(super) fn callback_arg(e: &Entry) -> Option<(TokenStream, TokenStream)> {
    let coding = |bulk: bool| {
        if bulk {
            quote!(::charm_rt::__private::ArgCoding::Bulk)
        } else {
            quote!(::charm_rt::__private::ArgCoding::Serde)
        }
    };
    match e.args.as_slice() {
        [] => Some((quote!(()), coding(false))),
        [a] => Some((
            a.stored_ty(),
            coding(!matches!(a.kind, crate::model::ArgKind::Serde)),
        )),
        _ => None,
    }
}
