use charm_rt::chare;

pub struct Worker {
    n: u32,
}

#[chare]
impl Worker {
    fn new(n: u32) -> Self {
        Worker { n }
    }

    pub fn get(&self) -> u32 {
        self.n
    }
}

fn main() {}
