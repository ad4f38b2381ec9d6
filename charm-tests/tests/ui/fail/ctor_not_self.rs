use charm_rt::chare;

#[chare]
pub struct Counter {
    n: u64,
}

#[chare]
impl Counter {
    fn new(n: u64) -> Option<Self> {
        Some(Counter { n })
    }
}

fn main() {}
