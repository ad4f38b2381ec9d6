// Unions of sections of different chare types call the entry methods they share.
use charm_rt::{chare, entry_id};

#[chare]
pub struct Cell {}

#[chare]
impl Cell {
    fn new() -> Self {
        Cell {}
    }

    pub fn step(&self, dt: f64, data: &[f32]) -> u64 {
        let _ = (dt, data);
        1
    }

    pub fn only_cells(&self) {}
}

#[chare]
pub struct Wall {}

#[chare]
impl Wall {
    fn new() -> Self {
        Wall {}
    }

    // A `Vec<f32>` travels like a `&[f32]`: the same signature for a union.
    pub fn step(&self, dt: f64, data: Vec<f32>) -> u64 {
        let _ = (dt, data);
        2
    }
}

async fn demo(a: CellSectionProxy, b: WallSectionProxy) {
    let u = charm_rt::combine((a, b, a)).await;
    u.call::<{ entry_id("step") }>((0.5, &[1.0][..]));
    let _: Vec<u64> = u
        .call_ret::<{ entry_id("step") }>((0.5, &[][..]))
        .await
        .unwrap();
    let only = charm_rt::combine((a,)).await;
    only.call_awaitable::<{ entry_id("only_cells") }>(()).await.unwrap();
}

fn main() {
    let _ = demo;
}
