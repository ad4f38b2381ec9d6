use charm_rt::chare;

#[chare]
pub struct Adder;

#[chare]
impl Adder {
    fn new() -> Self {
        Adder
    }

    pub fn add(&mut self, (a, b): (u8, u8)) -> u8 {
        a + b
    }
}

fn main() {}
