use charm_rt::chare;

#[chare]
pub struct Worker;

#[chare]
impl Worker {
    fn new() -> Self {
        Worker
    }

    pub fn work<T: std::fmt::Debug>(&mut self, t: T) {
        println!("{t:?}");
    }
}

fn main() {}
