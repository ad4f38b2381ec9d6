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

    pub async fn wait(&self) -> u64 {
        self.n
    }

    pub fn bump(&mut self) {
        self.n += 1;
    }
}

fn main() {}
