// `migratable` is a property of the struct (its state), not of the impl block.
use charm_rt::prelude::*;

#[chare]
pub struct Walker {}

#[chare(migratable)]
impl Walker {
    fn new() -> Self {
        Walker {}
    }
}

fn main() {}
