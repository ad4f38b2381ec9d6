use charm_rt::chare;

#[chare]
pub struct Calc;

#[chare]
impl Calc {
    fn new() -> Self {
        Calc
    }

    pub fn f(&self) -> u32 {
        1
    }

    pub fn f_ret(&self) -> u32 {
        2
    }
}

fn main() {}
