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

    // Arguments are references inside the condition: `iter` is `&u32` here.
    #[when(self.n == iter)]
    pub fn step(&mut self, iter: u32) {}
}

fn main() {}
