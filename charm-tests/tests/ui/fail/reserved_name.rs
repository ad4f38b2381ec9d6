use charm_rt::chare;

#[chare]
pub struct Cell;

#[chare]
impl Cell {
    fn new() -> Self {
        Cell
    }

    pub fn elem(&self) -> u32 {
        0
    }
}

fn main() {}
