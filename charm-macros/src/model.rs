//! Step 2: check the user's items and build a model of the chare. Every problem becomes a
//! `syn::Error` at the user's span; all problems of an item are reported together.

use quote::ToTokens;
use syn::visit::Visit;
use syn::{FnArg, ImplItem, Pat, ReturnType, Type};

/// Plain numeric element types that go on the direct-copy path.
pub(crate) const POD: &[&str] = &[
    "u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "u128", "i128", "usize", "isize", "f32",
    "f64",
];

/// Method names the generated proxies or the chare's helpers use.
pub(crate) const RESERVED: &[&str] = &[
    "new_group",
    "new_array",
    "new_chare",
    "elem",
    "try_elem",
    "len",
    "is_empty",
    "shape",
    "elems",
    "pe",
    "position",
    "collection_ref",
    "elem_ref",
    "this_proxy",
    "this_elem",
    "this_index",
    "section",
    "section_slice",
    "section_where",
    "split",
    "section_ref",
];

/// Collects errors so the user sees all of them at once.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    /// An error covering all of `tokens` (not just their first token).
    pub(crate) fn push(&mut self, tokens: impl quote::ToTokens, msg: impl std::fmt::Display) {
        self.push_error(syn::Error::new_spanned(tokens, msg));
    }

    pub(crate) fn push_error(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    pub(crate) fn finish<T>(self, ok: T) -> syn::Result<T> {
        match self.0 {
            Some(e) => Err(e),
            None => Ok(ok),
        }
    }
}

/// A checked `#[chare]` struct.
pub(crate) struct StructModel {
    pub ident: syn::Ident,
}

pub(crate) fn chare_struct(s: &syn::ItemStruct) -> syn::Result<StructModel> {
    let mut errs = Errors::default();
    if !s.generics.params.is_empty() || s.generics.where_clause.is_some() {
        errs.push(&s.generics, "chares cannot be generic: the runtime must name the type on every PE (use a concrete type, or one chare per instantiation)");
    }
    errs.finish(StructModel {
        ident: s.ident.clone(),
    })
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
fn vec_pod(ty: &Type) -> Option<syn::Ident> {
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

fn check_type(ty: &Type, errs: &mut Errors) {
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

fn args_of(sig: &syn::Signature, errs: &mut Errors) -> Vec<Arg> {
    sig.inputs
        .iter()
        .filter_map(|a| match a {
            FnArg::Typed(p) => arg_of(p, errs),
            FnArg::Receiver(_) => None,
        })
        .collect()
}

fn attrs_named(attrs: &[syn::Attribute], name: &str) -> Vec<syn::Attribute> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident(name))
        .cloned()
        .collect()
}

fn check_not_generic(sig: &syn::Signature, what: &str, errs: &mut Errors) {
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

fn is_self_type(ty: &Type, ident: &syn::Ident) -> bool {
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
fn when_of(attrs: &[syn::Attribute], errs: &mut Errors) -> Option<syn::Expr> {
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
fn shared_or_mut_receiver(recv: &syn::Receiver) -> Option<bool> {
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

/// The self type's path with its last segment renamed `{Name}{suffix}` (the proxies live next to
/// the struct, wherever the impl block is).
pub(crate) fn sibling_path(ty: &syn::TypePath, suffix: &str) -> syn::Path {
    let mut path = ty.path.clone();
    let last = path.segments.last_mut().expect("a path has a segment");
    last.ident = quote::format_ident!("{}{}", last.ident, suffix);
    last.arguments = syn::PathArguments::None;
    path
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
        if RESERVED.contains(&name_s.as_str()) {
            errs.push(
                &name,
                format!(
                    "`{name_s}` is reserved by the generated proxies; rename this entry method"
                ),
            );
        }
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

    let asyncs: Vec<String> = entries
        .iter()
        .filter(|(_, e)| e.is_async)
        .map(|(_, e)| format!("`{}`", e.name))
        .collect();
    let mode = if asyncs.is_empty() {
        Mode::Exclusive
    } else {
        Mode::Shared
    };
    for (recv, e) in &entries {
        if mode == Mode::Shared && e.mut_self {
            let why = if e.is_async {
                "an async entry method takes `&self`: while it is suspended other entry methods of the chare may run, \
                 so it cannot hold `&mut self`; keep mutable state in `Cell`/`RefCell` fields"
                    .to_string()
            } else {
                format!(
                    "this chare has async entry methods ({}), so every entry method takes `&self`: they can run while a \
                     coroutine of the same chare is suspended; keep mutable state in `Cell`/`RefCell` fields",
                    asyncs.join(", ")
                )
            };
            errs.push(recv, why);
        }
    }

    // Generated stub names must not collide. Entries under different `#[cfg]`s may share a name
    // (only one of them is compiled), so only unconditional entries are compared.
    let plain: Vec<&Entry> = entries
        .iter()
        .map(|(_, e)| e)
        .filter(|e| e.cfgs.is_empty())
        .collect();
    for e in &plain {
        for suffix in ["_awaitable", "_ret", "_callback"] {
            let generated = format!("{}{suffix}", e.name);
            if plain.iter().any(|o| o.name == generated) {
                errs.push(
                    &e.name,
                    format!("the proxy method `{generated}` generated for `{}` collides with the entry method of that name", e.name),
                );
            }
        }
    }
    for (i, a) in plain.iter().enumerate() {
        for b in &plain[..i] {
            if a.id == b.id {
                errs.push(
                    &a.name,
                    format!(
                        "entry methods `{}` and `{}` hash to the same id; rename one",
                        a.name, b.name
                    ),
                );
            }
        }
    }

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
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn model(i: syn::ItemImpl) -> syn::Result<ImplModel> {
        chare_impl(&i)
    }

    #[test]
    fn finds_ctor_entries_and_kinds() {
        let m = model(parse_quote! {
            impl W {
                fn new(a: u32, data: Vec<f64>) -> Self { todo() }
                /// Docs.
                pub fn work(&mut self, x: &[f64], name: String, v: Vec<u8>) -> Vec<f32> { todo() }
                pub fn tally(&self) -> usize { 0 }
                fn helper(&mut self) {}
                pub fn assoc() {}
            }
        })
        .unwrap();
        assert_eq!(m.mode, Mode::Exclusive);
        assert_eq!(m.ctor.args.len(), 2);
        assert_eq!(m.ctor.args[1].kind, ArgKind::BulkVec(parse_quote!(f64)));
        assert_eq!(m.entries.len(), 2);
        let w = &m.entries[0];
        assert_eq!(w.name, "work");
        assert_eq!(w.docs.len(), 1);
        assert_eq!(w.args[0].kind, ArgKind::BulkSlice(parse_quote!(f64)));
        assert_eq!(w.args[1].kind, ArgKind::Serde);
        assert_eq!(w.args[2].kind, ArgKind::BulkVec(parse_quote!(u8)));
        assert!(matches!(w.ret, Ret::Bulk(..)));
        assert!(matches!(m.entries[1].ret, Ret::Serde(_)));
        assert_eq!(w.id, entry_id("work"));
    }

    #[test]
    fn async_entries_make_a_shared_chare() {
        let m = model(parse_quote! {
            impl W { fn new() -> Self { W } pub async fn f(&self) -> u64 { 1 } pub fn g(&self) {} }
        })
        .unwrap();
        assert_eq!(m.mode, Mode::Shared);
    }

    fn err(i: syn::ItemImpl) -> String {
        match model(i) {
            Ok(_) => panic!("expected an error"),
            Err(e) => e
                .into_iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    #[test]
    fn errors() {
        assert!(err(parse_quote!(impl W { pub fn f(&self) {} })).contains("needs a constructor"));
        assert!(
            err(parse_quote!(impl W { fn new() -> Self { W } pub fn f(self) {} }))
                .contains("`&self` or `&mut self`")
        );
        assert!(
            err(parse_quote!(impl W { fn new() -> Self { W } pub fn f<T>(&self, t: T) {} }))
                .contains("generic")
        );
        assert!(err(parse_quote!(
            impl<T> W<T> {
                fn new() -> Self {
                    W
                }
            }
        ))
        .contains("generic"));
        assert!(
            err(parse_quote!(impl W { fn new() -> Self { W } pub fn f(&self, s: &str) {} }))
                .contains("owned values")
        );
        assert!(err(
            parse_quote!(impl W { fn new() -> Self { W } pub fn f(&self, s: &[String]) {} })
        )
        .contains("plain numbers"));
        assert!(err(
            parse_quote!(impl W { fn new() -> Self { W } pub fn f(&self, s: impl Fn()) {} })
        )
        .contains("impl Trait"));
        assert!(
            err(parse_quote!(impl W { fn new() -> Self { W } pub async fn f(&mut self) {} }))
                .contains("async entry method takes `&self`")
        );
        assert!(err(parse_quote!(impl W { fn new() -> Self { W } pub async fn f(&self) {} pub fn g(&mut self) {} })).contains("has async entry methods (`f`)"));
        assert!(
            err(parse_quote!(impl W { fn new() -> Self { W } pub fn elem(&self) {} }))
                .contains("reserved")
        );
        assert!(err(parse_quote!(impl W { fn new() -> Self { W } pub fn f(&self) {} pub fn f_ret(&self) {} })).contains("collides"));
        assert!(
            err(parse_quote!(impl W { async fn new() -> Self { W } })).contains("cannot be async")
        );
        assert!(err(parse_quote!(impl W { fn new() -> u32 { 0 } })).contains("returns `Self`"));
        assert!(err(
            parse_quote!(impl W { fn new() -> Self { W } pub fn f(&self, (a, b): (u8, u8)) {} })
        )
        .contains("plain names"));
        assert!(
            err(parse_quote!(impl Clone for W { fn clone(&self) -> Self { W } }))
                .contains("inherent")
        );
        assert!(
            err(parse_quote!(impl W { fn new() -> Self { W } pub fn f(&self, x: Self) {} }))
                .contains("instead of `Self`")
        );
    }

    #[test]
    fn several_errors_are_reported_together() {
        let e = model(parse_quote!(impl W { fn new() -> Self { W } pub fn f(self) {} pub fn g(&self, s: &str) {} })).err().unwrap();
        assert_eq!(e.into_iter().count(), 2);
    }

    #[test]
    fn generic_struct_is_rejected() {
        let s: syn::ItemStruct = parse_quote!(
            struct W<T> {
                t: T,
            }
        );
        assert!(chare_struct(&s).is_err());
    }

    #[test]
    fn entry_id_matches_runtime_hash() {
        // FNV-1a 32 of "a", as in charm-rt's ids module.
        assert_eq!(entry_id("a"), 0xe40c_292c);
    }
}
