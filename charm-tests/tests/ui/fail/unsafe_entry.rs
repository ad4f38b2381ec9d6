use charm_rt::chare;

#[chare]
pub struct Raw;

#[chare]
impl Raw {
    fn new() -> Self {
        Raw
    }

    pub unsafe fn poke(&mut self, addr: usize) {
        let _ = addr;
    }
}

fn main() {}
