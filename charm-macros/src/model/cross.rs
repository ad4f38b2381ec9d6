//! Checks of the entry methods together: how the chare is held (a `&mut self` method in a chare
//! with coroutines), and the names the proxies define (reserved names, generated stubs that
//! collide with an entry method, two names with one id).
//!
//! The reserved names and stub suffixes are checked against what the code generator really
//! emits by a unit test (`test.rs`), so a new generated method cannot go unreserved.

use super::ctxt::Errors;
use super::{Entry, Mode};

/// Method names the generated proxies or the chare's helpers define.
pub(crate) const RESERVED: &[&str] = &[
    "new_group",
    "new_array",
    "new_chare",
    "new_array_with_map",
    "new_sparse",
    "new_sparse_with_map",
    "insert",
    "insert_on",
    "done_inserting",
    "begin_inserting",
    "destroy",
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
    "migrate",
    "this_proxy",
    "this_elem",
    "this_index",
    "section",
    "section_slice",
    "section_where",
    "split",
    "section_ref",
];

/// The suffixes of the stubs generated for each entry method `f` (`f_awaitable`, ...).
pub(crate) const STUB_SUFFIXES: &[&str] = &["_awaitable", "_ret", "_callback"];

/// An entry method named `name` would clash with a method the proxies define.
pub(super) fn check_reserved(name: &syn::Ident, name_s: &str, errs: &mut Errors) {
    if RESERVED.contains(&name_s) {
        errs.push(
            name,
            format!("`{name_s}` is reserved by the generated proxies; rename this entry method"),
        );
    }
}

/// How the runtime holds the chare: shared when it has async entry methods, and then no entry
/// method may take `&mut self`.
pub(super) fn mode_of(entries: &[(proc_macro2::TokenStream, Entry)], errs: &mut Errors) -> Mode {
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
    for (recv, e) in entries {
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
    mode
}

/// Generated stub names must not collide with entry methods. Entries under different `#[cfg]`s
/// may share a name (only one of them is compiled), so only unconditional entries (`plain`) are
/// compared.
pub(super) fn check_stub_names(plain: &[&Entry], errs: &mut Errors) {
    for e in plain {
        for suffix in STUB_SUFFIXES {
            let generated = format!("{}{suffix}", e.name);
            if plain.iter().any(|o| o.name == generated) {
                errs.push(
                    &e.name,
                    format!("the proxy method `{generated}` generated for `{}` collides with the entry method of that name", e.name),
                );
            }
        }
    }
}

/// Two entry methods must not hash to one id (the id names the method in messages).
pub(super) fn check_ids(plain: &[&Entry], errs: &mut Errors) {
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
}
