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

    pub fn give(&mut self) -> NotSerde {
        NotSerde { x: 1 }
    }
}

fn main() {}
