// A union of sections can only call entry methods with the same signature in every chare type,
// including how arguments travel (`Vec<f64>` by direct copy, an alias of it through serde).
use charm_rt::{chare, entry_id};

type Samples = Vec<f64>;

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

    pub fn load(&self, v: Vec<f64>) {
        let _ = v;
    }
}

#[chare]
pub struct Wall {}

#[chare]
impl Wall {
    fn new() -> Self {
        Wall {}
    }

    pub fn step(&self, dt: f32) {
        let _ = dt;
    }

    pub fn load(&self, v: Samples) {
        let _ = v;
    }
}

async fn demo(a: CellSectionProxy, b: WallSectionProxy) {
    let u = charm_rt::combine((a, b)).await;
    u.call::<{ entry_id("step") }>((0.5,));
    u.call::<{ entry_id("load") }>((vec![1.0],));
}

fn main() {
    let _ = demo;
}
