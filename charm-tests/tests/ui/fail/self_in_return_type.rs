use charm_rt::chare;

#[derive(serde::Serialize, serde::Deserialize)]
#[chare]
pub struct Node {
    value: u32,
}

#[chare]
impl Node {
    fn new() -> Self {
        Node { value: 0 }
    }

    pub fn snapshot(&self) -> Self {
        Node { value: self.value }
    }
}

fn main() {}
