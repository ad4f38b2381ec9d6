// In a chare with async entry methods, `resume_from_sync` takes `&self`: a coroutine may hold the
// chare when it runs.
use charm_rt::prelude::*;
use std::cell::Cell as StdCell;

#[chare(migratable, at_sync)]
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Cell {
    steps: StdCell<u32>,
}

#[chare]
impl Cell {
    fn new() -> Self {
        Cell { steps: StdCell::new(0) }
    }

    pub async fn step(&self) {
        self.at_sync();
    }

    fn resume_from_sync(&mut self) {
        self.steps.set(self.steps.get() + 1);
    }
}

fn main() {}
