// A union of sections can only call entry methods every chare type has.
use charm_rt::{chare, entry_id};

#[chare]
pub struct Cell {}

#[chare]
impl Cell {
    fn new() -> Self {
        Cell {}
    }

    pub fn step(&self, dt: f64) {
        let _ = dt;
    }
}

#[chare]
pub struct Wall {}

#[chare]
impl Wall {
    fn new() -> Self {
        Wall {}
    }

    pub fn other(&self) {}
}

async fn demo(a: CellSectionProxy, b: WallSectionProxy) {
    let u = charm_rt::combine((a, b)).await;
    u.call::<{ entry_id("step") }>((0.5,));
}

fn main() {
    let _ = demo;
}
