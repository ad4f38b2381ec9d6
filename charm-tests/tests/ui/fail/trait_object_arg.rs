use charm_rt::chare;

#[chare]
pub struct Mapper;

#[chare]
impl Mapper {
    fn new() -> Self {
        Mapper
    }

    pub fn apply(&mut self, f: Box<dyn Fn(u32) -> u32>) -> u32 {
        f(1)
    }
}

fn main() {}
