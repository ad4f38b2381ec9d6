// `migrated` is the hook run after a move: private, no arguments, no return value.
use charm_rt::prelude::*;

#[chare(migratable)]
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Walker {
    steps: u32,
}

#[chare]
impl Walker {
    fn new() -> Self {
        Walker { steps: 0 }
    }

    pub fn migrated(&mut self, from: usize) -> u32 {
        self.steps + from as u32
    }
}

fn main() {}
