use charm_rt::prelude::*;

#[chare]
pub struct A {
    n: u32,
}

#[chare]
impl A {
    #[when(true)]
    fn new() -> Self {
        A { n: 0 }
    }
}

fn main() {}
