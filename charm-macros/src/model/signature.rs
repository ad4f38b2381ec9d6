//! Checks of one method's signature and attributes: receivers, generics, `#[when]`.

use super::ctxt::Errors;
use syn::Type;

pub(super) fn attrs_named(attrs: &[syn::Attribute], name: &str) -> Vec<syn::Attribute> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident(name))
        .cloned()
        .collect()
}

pub(super) fn check_not_generic(sig: &syn::Signature, what: &str, errs: &mut Errors) {
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errs.push(
            &sig.generics,
            format!("{what} cannot be generic: every PE must know the argument types"),
        );
    }
    if let Some(v) = &sig.variadic {
        errs.push(v, format!("{what} cannot be variadic"));
    }
    if let Some(u) = &sig.unsafety {
        errs.push(
            u,
            format!("{what} cannot be `unsafe`: it is called from a message"),
        );
    }
}

pub(super) fn is_self_type(ty: &Type, ident: &syn::Ident) -> bool {
    match ty {
        Type::Path(p) => {
            p.path.is_ident("Self") || p.path.segments.last().is_some_and(|s| &s.ident == ident)
        }
        _ => false,
    }
}

/// Whether an attribute is `#[when(..)]`.
pub(crate) fn is_when(a: &syn::Attribute) -> bool {
    a.path().is_ident("when")
}

/// The condition of a `#[when(..)]` attribute, if any (errors for malformed or repeated ones).
pub(super) fn when_of(attrs: &[syn::Attribute], errs: &mut Errors) -> Option<syn::Expr> {
    let mut found = None;
    for a in attrs.iter().filter(|a| is_when(a)) {
        if found.is_some() {
            errs.push(
                a,
                "an entry method has at most one `#[when(..)]` condition; combine them with `&&`",
            );
            continue;
        }
        match a.parse_args::<syn::Expr>() {
            Ok(e) => found = Some(e),
            Err(e) => errs.push_error(e),
        }
    }
    found
}

/// `Some(is_mut)` for `&self`, `&mut self`, `self: &Self` and `self: &mut Self`.
pub(super) fn shared_or_mut_receiver(recv: &syn::Receiver) -> Option<bool> {
    if recv.colon_token.is_none() {
        return recv.reference.as_ref().map(|_| recv.mutability.is_some());
    }
    match &*recv.ty {
        Type::Reference(r) if matches!(&*r.elem, Type::Path(p) if p.path.is_ident("Self")) => {
            Some(r.mutability.is_some())
        }
        _ => None,
    }
}
