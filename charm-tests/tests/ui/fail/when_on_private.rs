use charm_rt::prelude::*;

#[chare]
pub struct A {
    n: u32,
}

#[chare]
impl A {
    fn new() -> Self {
        A { n: 0 }
    }

    #[when(self.n > 0)]
    fn helper(&mut self) {}
}

fn main() {}
