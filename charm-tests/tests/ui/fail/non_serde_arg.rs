use charm_rt::chare;

pub struct NotSerde {
    pub x: u32,
}

#[chare]
pub struct Worker;

#[chare]
impl Worker {
    fn new() -> Self {
        Worker
    }

    pub fn take(&mut self, v: NotSerde) -> u32 {
        v.x
    }
}

fn main() {}
