use charm_rt::chare;

#[chare]
pub struct Worker;

#[chare]
impl Default for Worker {
    fn default() -> Self {
        Worker
    }
}

fn main() {}
