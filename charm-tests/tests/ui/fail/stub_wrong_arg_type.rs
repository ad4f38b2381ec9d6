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
    g.elem(0).say_hi("three");
}

fn main() {}
