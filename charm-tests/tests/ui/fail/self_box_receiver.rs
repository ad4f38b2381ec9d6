use charm_rt::chare;

#[chare]
pub struct Counter {
    n: u64,
}

#[chare]
impl Counter {
    fn new() -> Self {
        Counter { n: 0 }
    }

    pub fn boxed(self: Box<Self>) -> u64 {
        self.n
    }
}

fn main() {}
