//! Two versions of one entry method selected by `#[cfg]`: only one exists in any build, so this
//! is valid Rust.

#![deny(warnings)]

use charm_rt::prelude::*;

#[chare]
pub struct Flavoured;

#[chare]
impl Flavoured {
    fn new() -> Self {
        Flavoured
    }

    #[cfg(all())]
    pub fn run(&mut self, x: u32) -> u32 {
        x
    }

    #[cfg(any())]
    pub fn run(&mut self) -> u32 {
        0
    }
}

fn main() {
    let _ = FlavouredProxy::new_group;
}
