//! Step 2: check the user's items and build a model of the chare. Every problem becomes a
//! `syn::Error` at the user's span; all problems of an item are reported together.
//!
//! Split as serde_derive splits its internals: this file is the model (what the code generator
//! reads); [`ctxt`] collects errors; [`types`] classifies argument and return types (how each
//! travels); [`signature`] checks one method's signature and attributes; [`cross`] checks the
//! entry methods against each other and against the names the proxies define; [`items`] walks
//! the user's struct and impl block and puts it together.

mod cross;
mod ctxt;
mod items;
mod signature;
#[cfg(test)]
mod test;
mod types;

#[cfg(test)]
pub(crate) use cross::{RESERVED, STUB_SUFFIXES};
pub(crate) use items::{chare_impl, chare_struct};
pub(crate) use signature::is_when;
pub(crate) use types::POD;

use syn::Type;

/// A checked `#[chare]` struct.
pub(crate) struct StructModel {
    pub ident: syn::Ident,
    /// `#[chare(migratable)]`, with the span of the word for errors about the state.
    pub migratable: Option<syn::Ident>,
    /// `#[chare(at_sync)]`: its arrays take part in load balancing.
    pub at_sync: bool,
}

/// How an argument travels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ArgKind {
    /// Through serde.
    Serde,
    /// `Vec<P>` of a plain number: direct copy, the receiver owns a `Vec`.
    BulkVec(syn::Ident),
    /// `&[P]` of a plain number: direct copy, the receiver borrows the message.
    BulkSlice(syn::Ident),
}

/// One positional argument of an entry method or constructor.
pub(crate) struct Arg {
    pub name: syn::Ident,
    pub ty: Type,
    pub kind: ArgKind,
}

impl Arg {
    /// The owned type stored in the generated argument struct.
    pub(crate) fn stored_ty(&self) -> proc_macro2::TokenStream {
        match &self.kind {
            ArgKind::BulkSlice(p) => quote::quote!(::std::vec::Vec<#p>),
            _ => {
                let t = &self.ty;
                quote::quote!(#t)
            }
        }
    }
}

/// What an entry method returns.
#[derive(Clone)]
pub(crate) enum Ret {
    Unit,
    Serde(Type),
    Bulk(syn::Ident, Type),
}

/// A checked entry method.
pub(crate) struct Entry {
    pub name: syn::Ident,
    pub id: u32,
    pub docs: Vec<syn::Attribute>,
    pub cfgs: Vec<syn::Attribute>,
    pub vis: syn::Visibility,
    pub is_async: bool,
    pub mut_self: bool,
    pub args: Vec<Arg>,
    pub ret: Ret,
    /// `#[when(cond)]`: the message waits until `cond` (over `self` and the arguments, by
    /// reference) holds.
    pub when: Option<syn::Expr>,
}

/// The checked constructor (`fn new(..) -> Self`).
pub(crate) struct Ctor {
    pub args: Vec<Arg>,
    pub docs: Vec<syn::Attribute>,
}

/// How the runtime holds the chare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `&mut self` methods, one at a time.
    Exclusive,
    /// Has async entry methods: every method takes `&self`, coroutines interleave.
    Shared,
}

/// A checked `#[chare]` impl block.
pub(crate) struct ImplModel {
    pub self_ty: syn::TypePath,
    pub ident: syn::Ident,
    pub ctor: Ctor,
    pub entries: Vec<Entry>,
    pub mode: Mode,
    /// The chare has `fn migrated(&mut self)` (or `&self`): run after the element moved.
    pub migrated_hook: bool,
    /// The chare has `fn resume_from_sync(..)`, run after each load-balancing step; its name,
    /// for errors about a chare that is not `#[chare(at_sync)]`.
    pub resume_hook: Option<syn::Ident>,
}

/// Same hash as the runtime's `fnv1a32`.
pub(crate) fn entry_id(name: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in name.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    if h == 0 {
        1
    } else {
        h
    }
}

/// The self type's path with its last segment renamed `{Name}{suffix}` (the proxies live next to
/// the struct, wherever the impl block is).
pub(crate) fn sibling_path(ty: &syn::TypePath, suffix: &str) -> syn::Path {
    let mut path = ty.path.clone();
    let last = path.segments.last_mut().expect("a path has a segment");
    last.ident = quote::format_ident!("{}{}", last.ident, suffix);
    last.arguments = syn::PathArguments::None;
    path
}
