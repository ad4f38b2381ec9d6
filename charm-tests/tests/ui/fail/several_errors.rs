use charm_rt::chare;

#[chare]
pub struct Worker;

#[chare]
impl Worker {
    fn new() -> Self {
        Worker
    }

    pub fn take(self) {}

    pub fn greet(&self, name: &str) {
        println!("{name}");
    }

    pub fn len(&self) -> usize {
        0
    }
}

fn main() {}
