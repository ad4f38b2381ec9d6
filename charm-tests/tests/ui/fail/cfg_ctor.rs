//! Two constructors selected by `#[cfg]`: only one exists in any build.
//!
//! Not supported: the macro reports that a chare has exactly one constructor.
#![deny(warnings)]

use charm_rt::prelude::*;

#[chare]
pub struct Configured {
    n: u32,
}

#[chare]
impl Configured {
    #[cfg(all())]
    fn new(n: u32) -> Self {
        Configured { n }
    }

    #[cfg(any())]
    fn new() -> Self {
        Configured { n: 0 }
    }

    pub fn get(&self) -> u32 {
        self.n
    }
}

fn main() {
    let _ = ConfiguredProxy::new_group;
}
