use charm_rt::chare;

#[chare]
pub struct Node {
    value: u32,
}

#[chare]
impl Node {
    fn new() -> Self {
        Node { value: 0 }
    }

    pub fn merge(&mut self, other: Vec<Self>) {
        self.value += other.len() as u32;
    }
}

fn main() {}
