//! The generated code must name everything by absolute path: this module shadows the prelude
//! names it could otherwise pick up by accident.
#![deny(warnings)]
#![allow(dead_code, non_camel_case_types, unused_macros)]

struct Result;
struct Option;
struct Box;
struct Rc;
struct Vec;
struct String;
struct Some;
struct None;
struct Ok;
struct Err;
struct Clone;
struct Copy;
struct Default;
struct Send;
struct Sized;
struct Iterator;
struct Into;
struct From;
struct ToOwned;
mod std {}
mod core {}
mod alloc {}
mod serde {}
mod inventory {}
mod charm_rt {}
trait Serialize {}
trait Deserialize {}
trait Message {}
trait ChareStruct {}
macro_rules! concat {
    ($($t:tt)*) => {
        compile_error!("the user's `concat!` was used")
    };
}
macro_rules! module_path {
    ($($t:tt)*) => {
        compile_error!("the user's `module_path!` was used")
    };
}
macro_rules! vec {
    ($($t:tt)*) => {
        compile_error!("the user's `vec!` was used")
    };
}

#[::charm_rt::chare]
pub struct Shadowed {
    total: f64,
}

#[::charm_rt::chare]
impl Shadowed {
    fn new(start: f64, data: &[f64], owned: ::std::vec::Vec<u8>) -> Self {
        Shadowed {
            total: start + data.iter().sum::<f64>() + owned.len() as f64,
        }
    }

    pub fn add(&mut self, x: f64, xs: &[u32], name: ::std::string::String) -> f64 {
        self.total += x + xs.len() as f64 + name.len() as f64;
        self.total
    }

    pub fn bulk(&mut self) -> ::std::vec::Vec<f64> {
        ::std::vec![self.total]
    }

    pub fn maybe(&self) -> ::core::option::Option<u32> {
        ::core::option::Option::None
    }

    pub fn ping(&mut self) {}
}

#[::charm_rt::chare]
pub struct ShadowedAsync;

#[::charm_rt::chare]
impl ShadowedAsync {
    fn new() -> Self {
        ShadowedAsync
    }

    pub async fn wait(&self, n: u64, xs: &[i16]) -> u64 {
        n + xs.len() as u64
    }

    pub fn plain(&self, s: ::std::string::String) -> usize {
        s.len()
    }
}

async fn uses(
    p: ShadowedProxy,
    a: ShadowedAsyncProxy,
) -> ::core::result::Result<(), ::charm_rt::CallError> {
    p.add(1.0, &[1, 2], ::std::string::String::new());
    let _: f64 = p
        .elem(0)
        .add_ret(1.0, &[], ::std::string::String::new())
        .await?;
    let _: ::std::vec::Vec<::std::vec::Vec<f64>> = p.bulk_ret().await?;
    let _: ::std::vec::Vec<::core::option::Option<u32>> = p.maybe_ret().await?;
    p.ping_awaitable().await?;
    let _: u64 = a.elem(0).wait_ret(3, &[1]).await?;
    let _: ::std::vec::Vec<usize> = a.plain_ret(::std::string::String::new()).await?;
    ::core::result::Result::Ok(())
}

fn main() {
    let _ = ShadowedProxy::new_group;
    let _ = |n: usize| ShadowedAsyncProxy::new_array(n);
    let _ = uses;
}
