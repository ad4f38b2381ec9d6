use charm_rt::chare;

#[chare]
pub struct Split {
    n: u32,
}

#[chare]
impl Split {
    fn new() -> Self {
        Split { n: 0 }
    }

    pub fn get(&self) -> u32 {
        self.n
    }
}

#[chare]
impl Split {
    pub fn set(&mut self, n: u32) {
        self.n = n;
    }
}

fn main() {}
