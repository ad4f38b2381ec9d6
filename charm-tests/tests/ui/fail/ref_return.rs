use charm_rt::chare;

#[chare]
pub struct Store {
    name: String,
}

#[chare]
impl Store {
    fn new(name: String) -> Self {
        Store { name }
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

fn main() {}
