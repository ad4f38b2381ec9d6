use charm_rt::chare;

#[chare]
pub struct Waiter {
    n: u64,
}

#[chare]
impl Waiter {
    fn new() -> Self {
        Waiter { n: 0 }
    }

    pub async fn wait(&mut self) -> u64 {
        self.n += 1;
        self.n
    }
}

fn main() {}
