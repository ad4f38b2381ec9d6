// `at_sync()` exists only on `#[chare(at_sync)]` chares.
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

    pub fn step(&mut self) {
        self.steps += 1;
        self.at_sync();
    }
}

fn main() {}
