use charm_rt::chare;

#[chare]
pub struct Greeter;

#[chare]
impl Greeter {
    fn new() -> Self {
        Greeter
    }

    pub fn greet_all(&mut self, names: &[String]) {
        println!("hello {names:?}");
    }
}

fn main() {}
