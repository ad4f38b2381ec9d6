// `resume_from_sync` runs after load-balancing steps, which only `#[chare(at_sync)]` chares take
// part in: on another chare it is an error at the hook, at compile time.
use charm_rt::prelude::*;

#[chare(migratable)]
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Cell {
    steps: u32,
}

#[chare]
impl Cell {
    fn new() -> Self {
        Cell { steps: 0 }
    }

    fn resume_from_sync(&mut self) {
        self.steps += 1;
    }
}

fn main() {}
