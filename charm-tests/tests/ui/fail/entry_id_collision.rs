use charm_rt::chare;

#[chare]
pub struct Worker;

#[chare]
impl Worker {
    fn new() -> Self {
        Worker
    }

    // These two names have the same 32-bit FNV-1a hash.
    pub fn m763399(&mut self) {}

    pub fn m1109514(&mut self) {}
}

fn main() {}
