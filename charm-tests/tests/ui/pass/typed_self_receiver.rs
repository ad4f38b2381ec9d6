//! `self: &Self` and `self: &mut Self` are the long spellings of `&self` and `&mut self`.

#![deny(warnings)]

use charm_rt::prelude::*;

#[chare]
pub struct Typed {
    n: u32,
}

#[chare]
impl Typed {
    fn new() -> Self {
        Typed { n: 0 }
    }

    pub fn get(self: &Self) -> u32 {
        self.n
    }

    pub fn bump(self: &mut Self) {
        self.n += 1;
    }
}

fn main() {
    let _ = TypedProxy::new_group;
}
