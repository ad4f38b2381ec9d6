//! Step 3: write the generated items from the checked model.
//!
//! Everything the generated code names goes through `::charm_rt` (mostly `::charm_rt::__private`),
//! so it compiles in any crate that depends on `charm-rt`, whatever that crate imports. Private
//! glue lives in `const _: () = { .. };` blocks so it adds no names to the user's module.

mod args;
mod checks;
mod dispatch;
mod proxy;
mod section;
mod stubs;

use crate::model::{ImplModel, StructModel};
use proc_macro2::TokenStream;
use quote::quote;

/// Path prefix of everything the generated code uses.
pub(crate) fn rt() -> TokenStream {
    quote!(::charm_rt::__private)
}

/// Output for `#[chare]` on a struct: the struct, its proxy types and its `ChareStruct` facts.
pub(crate) fn chare_struct(item: &syn::ItemStruct, m: &StructModel) -> TokenStream {
    let types = proxy::types(item, m);
    let section = section::types(item, &m.ident);
    quote! {
        #item
        #types
        #section
    }
}

/// Output for `#[chare]` on the impl block: the block (unchanged), then the argument structs,
/// dispatch, registration and proxy methods.
pub(crate) fn chare_impl(item: &syn::ItemImpl, m: &ImplModel) -> TokenStream {
    let arg_structs = args::structs(m);
    let dispatch = dispatch::dispatch(m);
    let construct = dispatch::construct(m);
    let stubs = stubs::stubs(m);
    let section_stubs = section::stubs(m);
    let checks = checks::type_checks(m);
    let item = without_when_attributes(item);
    let predicates = dispatch::when_predicates(m);
    quote! {
        #item
        #predicates
        const _: () = {
            #checks
            #arg_structs
            #dispatch
            #construct
            #stubs
            #section_stubs
        };
    }
}

/// The user's impl block without the `#[when(..)]` attributes (which only the macro reads).
pub(crate) fn without_when_attributes(item: &syn::ItemImpl) -> syn::ItemImpl {
    let mut item = item.clone();
    for it in &mut item.items {
        if let syn::ImplItem::Fn(f) = it {
            f.attrs.retain(|a| !crate::model::is_when(a));
        }
    }
    item
}

#[cfg(test)]
mod tests {
    use crate::expand;
    use crate::model::{RESERVED, STUB_SUFFIXES};
    use quote::quote;
    use std::collections::BTreeSet;
    use syn::visit::Visit;

    /// The names of inherent methods defined on the types named in `on`.
    #[derive(Default)]
    struct InherentMethods {
        on: Vec<String>,
        found: BTreeSet<String>,
    }

    impl<'ast> Visit<'ast> for InherentMethods {
        fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
            let on_type = matches!(&*i.self_ty, syn::Type::Path(p)
                if p.path.segments.last().is_some_and(|s| self.on.iter().any(|n| s.ident == n)));
            if i.trait_.is_none() && on_type {
                for it in &i.items {
                    if let syn::ImplItem::Fn(f) = it {
                        self.found.insert(f.sig.ident.to_string());
                    }
                }
            }
            syn::visit::visit_item_impl(self, i);
        }
    }

    #[test]
    fn reserved_names_are_exactly_what_the_proxies_define() {
        // Every kind of entry method, so every kind of stub is generated.
        let user = quote!(impl W {
            fn new(n: u32) -> Self { W }
            pub fn plain(&mut self, x: u32) {}
            pub fn value(&mut self, v: &[f64]) -> Vec<f64> { Vec::new() }
            pub fn named(&mut self, s: String) -> String { s }
        });
        let entries = ["plain", "value", "named"];
        let code = format!(
            "{} {}",
            expand(
                quote!(),
                quote!(
                    pub struct W {}
                )
            ),
            expand(quote!(), user)
        );
        let file: syn::File = syn::parse_str(&code).expect("the expansion parses");
        let mut v = InherentMethods {
            on: ["W", "WProxy", "WElemProxy", "WSectionProxy"]
                .map(String::from)
                .to_vec(),
            ..Default::default()
        };
        v.visit_file(&file);
        let user_defined = ["new"].into_iter().chain(entries);
        let stubs = entries
            .iter()
            .flat_map(|e| STUB_SUFFIXES.iter().map(move |s| format!("{e}{s}")));
        let allowed: BTreeSet<String> = RESERVED
            .iter()
            .map(|s| s.to_string())
            .chain(user_defined.map(String::from))
            .chain(stubs)
            .collect();
        let unreserved: Vec<&String> = v.found.difference(&allowed).collect();
        assert!(
            unreserved.is_empty(),
            "the proxies define methods an entry method could clash with: add them to RESERVED \
             (or to STUB_SUFFIXES): {unreserved:?}"
        );
        let stale: Vec<&&str> = RESERVED.iter().filter(|r| !v.found.contains(**r)).collect();
        assert!(
            stale.is_empty(),
            "RESERVED names that nothing defines: {stale:?}"
        );
    }

    fn expanded(item: proc_macro2::TokenStream) -> String {
        expand(quote!(), item).to_string()
    }

    #[test]
    fn struct_gets_proxies() {
        let out = expanded(quote!(
            pub struct Hello {
                n: u32,
            }
        ));
        assert!(out.contains("pub struct HelloProxy"));
        assert!(out.contains("pub struct HelloElemProxy"));
        assert!(out.contains("pub struct HelloSectionProxy"));
        assert!(out.contains("pub fn section_slice"));
        assert!(out.contains("ChareStruct for Hello"));
        assert!(!out.contains("compile_error"));
    }

    #[test]
    fn impl_gets_stubs_dispatch_and_registration() {
        let out = expanded(quote!(
            impl Hello {
                fn new(n: u32) -> Self { Hello { n } }
                /// Adds.
                pub fn add(&mut self, x: u32, data: &[f64]) -> u32 { x }
            }
        ));
        for needle in [
            "impl HelloElemProxy",
            "pub fn add (& self , x : u32 , data : & [f64])",
            "pub fn add_awaitable",
            "pub fn add_ret",
            "ExclusiveChare for Hello",
            "inventory :: submit",
            "pub fn new_group",
            "pub fn new_array",
            "pub fn new_chare",
            "impl HelloSectionProxy",
            "multicast_ret",
            "HasEntry <",
            "BulkArg < f64 >",
            "bulk_slice :: < f64 >",
            "doc = r\" Adds.\"",
        ] {
            assert!(out.contains(needle), "missing `{needle}` in\n{out}");
        }
    }

    #[test]
    fn unit_entries_have_no_ret_form() {
        let out = expanded(quote!(impl A { fn new() -> Self { A } pub fn ping(&mut self) {} }));
        assert!(out.contains("pub fn ping_awaitable"));
        assert!(!out.contains("ping_ret"));
    }

    #[test]
    fn async_entries_spawn_coroutines() {
        let out = expanded(
            quote!(impl A { fn new() -> Self { A } pub async fn f(&self, n: u64) -> u64 { n } }),
        );
        assert!(out.contains("SharedChare for A"));
        assert!(out.contains("spawn_entry"));
    }

    #[test]
    fn errors_keep_the_item() {
        let out = expanded(quote!(impl A { fn new() -> Self { A } pub fn f(self) {} }));
        assert!(out.contains("compile_error"));
        assert!(out.starts_with("impl A"));
    }
}
