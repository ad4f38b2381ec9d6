use charm_rt::chare;

#[chare]
pub struct Counter {
    n: u64,
}

#[chare]
impl Counter {
    pub fn get(&self) -> u64 {
        self.n
    }
}

fn main() {}
