// `resume_from_sync` is a hook, not an entry method: private, no arguments, no return value.
use charm_rt::prelude::*;

#[chare(migratable, at_sync)]
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Cell {
    steps: u32,
}

#[chare]
impl Cell {
    fn new() -> Self {
        Cell { steps: 0 }
    }

    pub async fn resume_from_sync(&mut self, step: u32) -> u32 {
        self.steps + step
    }
}

fn main() {}
