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
}

#[allow(dead_code)]
fn make() -> GreeterProxy {
    GreeterProxy::new_group("hello")
}

fn main() {}
