use charm_rt::chare;

#[chare]
pub struct Greeter {
    greeting: String,
}

#[chare]
impl Greeter {
    fn new(greeting: String) -> Self {
        Greeter { greeting }
    }

    pub fn say_hi(&mut self, times: u32) {
        for _ in 0..times {
            println!("{}", self.greeting);
        }
    }
}

#[allow(dead_code)]
fn use_it(g: GreeterProxy) {
    g.say_hi(1, 2);
}

fn main() {}
