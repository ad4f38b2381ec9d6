use charm_rt::chare;

#[chare]
pub struct Greeter;

#[chare]
impl Greeter {
    fn new() -> Self {
        Greeter
    }

    pub fn greet(&mut self, name: &String) {
        println!("hello {name}");
    }
}

fn main() {}
