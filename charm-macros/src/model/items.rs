//! Walks the user's `#[chare]` struct and impl block: finds the constructor and the entry
//! methods, checks each, then checks them together.

use super::ctxt::Errors;
use super::signature::{
    attrs_named, check_not_generic, is_self_type, is_when, shared_or_mut_receiver, when_of,
};
use super::types::{args_of, check_type, vec_pod};
use super::{cross, entry_id, Ctor, Entry, ImplModel, Ret, StructModel};
use quote::ToTokens;
use syn::{ImplItem, ReturnType, Type};

pub(crate) fn chare_struct(
    s: &syn::ItemStruct,
    opts: &crate::parse::StructOptions,
) -> syn::Result<StructModel> {
    let mut errs = Errors::default();
    if !s.generics.params.is_empty() || s.generics.where_clause.is_some() {
        errs.push(&s.generics, "chares cannot be generic: the runtime must name the type on every PE (use a concrete type, or one chare per instantiation)");
    }
    errs.finish(StructModel {
        ident: s.ident.clone(),
        migratable: opts.migratable.clone(),
        at_sync: opts.at_sync.is_some(),
    })
}

pub(crate) fn chare_impl(item: &syn::ItemImpl) -> syn::Result<ImplModel> {
    let mut errs = Errors::default();
    if let Some((_, path, _)) = &item.trait_ {
        return Err(syn::Error::new_spanned(
            path,
            "#[chare] goes on the chare's inherent `impl` block, not on a trait impl",
        ));
    }
    if !item.generics.params.is_empty() || item.generics.where_clause.is_some() {
        errs.push(
            &item.generics,
            "chares cannot be generic: the runtime must name the type on every PE",
        );
    }
    let self_ty = match &*item.self_ty {
        Type::Path(p) if p.qself.is_none() => p.clone(),
        other => {
            return Err(syn::Error::new_spanned(
                other,
                "#[chare] needs an `impl` of a named struct",
            ))
        }
    };
    let ident = self_ty
        .path
        .segments
        .last()
        .expect("a path has a segment")
        .ident
        .clone();

    let mut ctor: Option<Ctor> = None;
    let mut migrated_hook = false;
    let mut resume_hook = None;
    let mut resume_mut = false;
    let mut entries: Vec<(proc_macro2::TokenStream, Entry)> = Vec::new();
    for it in &item.items {
        let ImplItem::Fn(f) = it else { continue };
        let sig = &f.sig;
        let receiver = sig.receiver();
        if sig.ident == "new" && receiver.is_none() {
            check_not_generic(sig, "a chare constructor", &mut errs);
            if let Some(a) = &sig.asyncness {
                errs.push(a, "a chare constructor cannot be async; start a coroutine from an entry method instead");
            }
            match &sig.output {
                ReturnType::Type(_, t) if is_self_type(t, &ident) => {}
                ReturnType::Default => errs.push(&sig.ident, "a chare constructor returns `Self`"),
                ReturnType::Type(_, t) => errs.push(t, "a chare constructor returns `Self`"),
            }
            if ctor.is_some() {
                errs.push(
                    &sig.ident,
                    "a chare has exactly one constructor `new` (`#[cfg]` on the constructor is not supported)",
                );
            }
            ctor = Some(Ctor {
                args: args_of(sig, &mut errs),
                docs: attrs_named(&f.attrs, "doc"),
            });
            if let Some(a) = f.attrs.iter().find(|a| is_when(a)) {
                errs.push(
                    a,
                    "`#[when(..)]` goes on an entry method, not on the constructor",
                );
            }
            continue;
        }
        if sig.ident == "migrated" && receiver.is_some() {
            check_hook(f, HOOK_MIGRATED, &mut errs);
            migrated_hook = true;
            continue;
        }
        if sig.ident == "resume_from_sync" && receiver.is_some() {
            check_hook(f, HOOK_RESUME, &mut errs);
            resume_hook = Some(sig.ident.clone());
            resume_mut = receiver.and_then(shared_or_mut_receiver).unwrap_or(false);
            continue;
        }
        let not_entry = matches!(f.vis, syn::Visibility::Inherited) || receiver.is_none();
        if not_entry {
            if let Some(a) = f.attrs.iter().find(|a| is_when(a)) {
                errs.push(a, "`#[when(..)]` goes on an entry method (a `pub fn` taking `&self` or `&mut self`)");
            }
            continue; // a private helper or an associated function
        }
        let recv = receiver.expect("entries have a receiver");
        check_not_generic(sig, "an entry method", &mut errs);
        let Some(mut_self) = shared_or_mut_receiver(recv) else {
            errs.push(recv, "entry methods take `&self` or `&mut self`: a message cannot consume or replace the chare");
            continue;
        };
        if let Some((_, Some(l))) = &recv.reference {
            errs.push(l, "entry methods cannot name the lifetime of `self`");
        }
        let name = sig.ident.clone();
        let name_s = name.to_string();
        let name_s = name_s.strip_prefix("r#").unwrap_or(&name_s).to_string();
        cross::check_reserved(&name, &name_s, &mut errs);
        let ret = match &sig.output {
            ReturnType::Default => Ret::Unit,
            ReturnType::Type(_, t) => {
                check_type(t, &mut errs);
                match (&**t, vec_pod(t)) {
                    (Type::Tuple(tt), _) if tt.elems.is_empty() => Ret::Unit,
                    (_, Some(p)) => Ret::Bulk(p, (**t).clone()),
                    _ => Ret::Serde((**t).clone()),
                }
            }
        };
        entries.push((
            recv.to_token_stream(),
            Entry {
                id: entry_id(&name_s),
                name,
                docs: attrs_named(&f.attrs, "doc"),
                cfgs: attrs_named(&f.attrs, "cfg"),
                vis: f.vis.clone(),
                is_async: sig.asyncness.is_some(),
                mut_self,
                args: args_of(sig, &mut errs),
                ret,
                when: when_of(&f.attrs, &mut errs),
            },
        ));
    }

    let mode = cross::mode_of(&entries, &mut errs);
    if let (Some(hook), super::Mode::Shared, true) = (&resume_hook, &mode, resume_mut) {
        errs.push(
            hook,
            "in a chare with async entry methods, `resume_from_sync` takes `&self` (a coroutine may hold the chare when it runs)",
        );
    }
    let plain: Vec<&Entry> = entries
        .iter()
        .map(|(_, e)| e)
        .filter(|e| e.cfgs.is_empty())
        .collect();
    cross::check_stub_names(&plain, &mut errs);
    cross::check_ids(&plain, &mut errs);

    let ctor = match ctor {
        Some(c) => c,
        None => {
            errs.push(
                &item.self_ty,
                format!(
                    "a chare needs a constructor: add `fn new(/* creation arguments */) -> Self` to this impl block of \
                     `{ident}` (all entry methods of a chare go in one `#[chare]` impl block)"
                ),
            );
            Ctor {
                args: Vec::new(),
                docs: Vec::new(),
            }
        }
    };
    errs.finish(ImplModel {
        self_ty,
        ident,
        ctor,
        entries: entries.into_iter().map(|(_, e)| e).collect(),
        mode,
        migrated_hook,
        resume_hook,
    })
}

/// What a hook the runtime calls is named, and how it must be written.
struct Hook {
    name: &'static str,
    what: &'static str,
}

/// `fn migrated(&mut self)` (or `&self` in a chare with coroutines) runs on the element's new PE
/// after a move.
const HOOK_MIGRATED: Hook = Hook {
    name: "the `migrated` hook",
    what: "`migrated` is the hook run after the element moved: write it as \
           `fn migrated(&mut self)` (or `&self`), private, without arguments or a return value",
};

/// `fn resume_from_sync(&mut self)` (or `&self`) runs after each load-balancing step.
const HOOK_RESUME: Hook = Hook {
    name: "the `resume_from_sync` hook",
    what: "`resume_from_sync` is the hook run after a load-balancing step: write it as \
           `fn resume_from_sync(&mut self)` (or `&self`), private, without arguments or a return value",
};

/// A hook is not an entry method: private, no arguments, nothing returned, not async.
fn check_hook(f: &syn::ImplItemFn, hook: Hook, errs: &mut Errors) {
    let sig = &f.sig;
    let what = hook.what;
    if !matches!(f.vis, syn::Visibility::Inherited) {
        errs.push(&f.vis, what);
    }
    if let Some(a) = &sig.asyncness {
        errs.push(a, what);
    }
    if sig.inputs.len() != 1 {
        errs.push(&sig.inputs, what);
    }
    if let Some(r) = sig.receiver() {
        if shared_or_mut_receiver(r).is_none() {
            errs.push(r, what);
        }
    }
    if !matches!(sig.output, ReturnType::Default) {
        errs.push(&sig.output, what);
    }
    check_not_generic(sig, hook.name, errs);
}
