//! Type classification: how each argument and return value travels (serde, or direct copy of
//! plain numbers), and what cannot travel at all.

use super::ctxt::Errors;
use super::{Arg, ArgKind};
use quote::ToTokens;
use syn::visit::Visit;
use syn::{FnArg, Pat, Type};

/// Plain numeric element types that go on the direct-copy path.
pub(crate) const POD: &[&str] = &[
    "u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "u128", "i128", "usize", "isize", "f32",
    "f64",
];

fn pod_of(ty: &Type) -> Option<syn::Ident> {
    match ty {
        Type::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
            let seg = &p.path.segments[0];
            (seg.arguments.is_none() && POD.iter().any(|n| seg.ident == n))
                .then(|| seg.ident.clone())
        }
        Type::Group(g) => pod_of(&g.elem),
        Type::Paren(p) => pod_of(&p.elem),
        _ => None,
    }
}

/// `Vec<P>` with `P` a plain number. Only `Vec`, `std::vec::Vec` and `alloc::vec::Vec` count:
/// a user type that happens to be named `Vec` goes through serde.
pub(super) fn vec_pod(ty: &Type) -> Option<syn::Ident> {
    let Type::Path(p) = ty else { return None };
    if p.qself.is_some() {
        return None;
    }
    let names: Vec<String> = p
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    let is_std_vec = match names.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["Vec"] => p.path.leading_colon.is_none(),
        ["std" | "alloc", "vec", "Vec"] => true,
        _ => false,
    };
    if !is_std_vec {
        return None;
    }
    let seg = p.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(a) = &seg.arguments else {
        return None;
    };
    match a.args.first() {
        Some(syn::GenericArgument::Type(t)) if a.args.len() == 1 => pod_of(t),
        _ => None,
    }
}

/// Finds what cannot cross a message boundary: lifetimes, `Self`, `impl Trait`, references.
#[derive(Default)]
struct TypeProblems {
    found: Vec<(proc_macro2::TokenStream, &'static str)>,
}

impl<'ast> Visit<'ast> for TypeProblems {
    fn visit_lifetime(&mut self, l: &'ast syn::Lifetime) {
        if l.ident != "static" {
            self.found.push((
                l.to_token_stream(),
                "borrowed data cannot travel in a message: use an owned type",
            ));
        }
    }
    fn visit_type_impl_trait(&mut self, t: &'ast syn::TypeImplTrait) {
        self.found.push((
            t.to_token_stream(),
            "`impl Trait` is not allowed here: entry methods need concrete types to marshal",
        ));
    }
    fn visit_type_reference(&mut self, r: &'ast syn::TypeReference) {
        self.found.push((
            r.to_token_stream(),
            "entry-method arguments travel in messages, so they must be owned values (`String`, `Vec<T>`, ...); \
             the only reference accepted is a slice of plain numbers such as `&[f64]`",
        ));
    }
    fn visit_path(&mut self, p: &'ast syn::Path) {
        if p.segments.first().is_some_and(|s| s.ident == "Self") {
            self.found.push((
                p.to_token_stream(),
                "write the chare's type name instead of `Self` here",
            ));
        }
        syn::visit::visit_path(self, p);
    }
    fn visit_type_bare_fn(&mut self, f: &'ast syn::TypeBareFn) {
        self.found.push((
            f.to_token_stream(),
            "function pointers cannot be sent to another process",
        ));
    }
    fn visit_type_trait_object(&mut self, t: &'ast syn::TypeTraitObject) {
        self.found.push((
            t.to_token_stream(),
            "trait objects cannot be marshalled: use a concrete type",
        ));
    }
}

pub(super) fn check_type(ty: &Type, errs: &mut Errors) {
    let mut v = TypeProblems::default();
    v.visit_type(ty);
    for (tokens, msg) in v.found {
        errs.push(tokens, msg);
    }
}

fn arg_of(pat: &syn::PatType, errs: &mut Errors) -> Option<Arg> {
    let name = match &*pat.pat {
        Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => pi.ident.clone(),
        other => {
            errs.push(
                other,
                "entry-method arguments must be plain names (`x: T`), not patterns",
            );
            return None;
        }
    };
    let ty = (*pat.ty).clone();
    let kind = match &ty {
        Type::Reference(r) if r.mutability.is_none() && r.lifetime.is_none() => match &*r.elem {
            Type::Slice(s) => match pod_of(&s.elem) {
                Some(p) => ArgKind::BulkSlice(p),
                None => {
                    errs.push(
                        r,
                        "a slice argument must hold plain numbers (u8..u128, i8..i128, usize, isize, f32, f64); \
                         take a `Vec<T>` for other element types",
                    );
                    return None;
                }
            },
            _ => {
                check_type(&ty, errs);
                return None;
            }
        },
        _ => {
            check_type(&ty, errs);
            match vec_pod(&ty) {
                Some(p) => ArgKind::BulkVec(p),
                None => ArgKind::Serde,
            }
        }
    };
    Some(Arg { name, ty, kind })
}

pub(super) fn args_of(sig: &syn::Signature, errs: &mut Errors) -> Vec<Arg> {
    sig.inputs
        .iter()
        .filter_map(|a| match a {
            FnArg::Typed(p) => arg_of(p, errs),
            FnArg::Receiver(_) => None,
        })
        .collect()
}
