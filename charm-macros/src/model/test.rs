//! The model: what it finds in a chare, and the errors it reports.

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
    assert!(
        err(parse_quote!(impl W { fn new() -> Self { W } pub fn f(&self, s: &[String]) {} }))
            .contains("plain numbers")
    );
    assert!(
        err(parse_quote!(impl W { fn new() -> Self { W } pub fn f(&self, s: impl Fn()) {} }))
            .contains("impl Trait")
    );
    assert!(
        err(parse_quote!(impl W { fn new() -> Self { W } pub async fn f(&mut self) {} }))
            .contains("async entry method takes `&self`")
    );
    assert!(err(parse_quote!(impl W { fn new() -> Self { W } pub async fn f(&self) {} pub fn g(&mut self) {} })).contains("has async entry methods (`f`)"));
    assert!(
        err(parse_quote!(impl W { fn new() -> Self { W } pub fn elem(&self) {} }))
            .contains("reserved")
    );
    assert!(err(
        parse_quote!(impl W { fn new() -> Self { W } pub fn f(&self) {} pub fn f_ret(&self) {} })
    )
    .contains("collides"));
    assert!(err(parse_quote!(impl W { async fn new() -> Self { W } })).contains("cannot be async"));
    assert!(err(parse_quote!(impl W { fn new() -> u32 { 0 } })).contains("returns `Self`"));
    assert!(err(
        parse_quote!(impl W { fn new() -> Self { W } pub fn f(&self, (a, b): (u8, u8)) {} })
    )
    .contains("plain names"));
    assert!(
        err(parse_quote!(impl Clone for W { fn clone(&self) -> Self { W } })).contains("inherent")
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
    assert!(chare_struct(&s, &Default::default()).is_err());
}

#[test]
fn entry_id_matches_runtime_hash() {
    // FNV-1a 32 of "a", as in charm-rt's ids module.
    assert_eq!(entry_id("a"), 0xe40c_292c);
}
