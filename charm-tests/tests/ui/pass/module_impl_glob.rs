//! The struct in the parent module, the impl in a child module that glob-imports the parent.
#![deny(warnings)]

use charm_rt::chare;

#[chare]
pub struct Greeter {
    greeting: String,
}

mod imp {
    use super::*;

    #[chare]
    impl Greeter {
        fn new(greeting: String) -> Self {
            Greeter { greeting }
        }

        pub fn say(&mut self, to: String) -> String {
            format!("{} {to}", self.greeting)
        }
    }
}

fn uses(p: GreeterProxy) {
    p.say("a".into());
}

fn main() {
    let _ = GreeterProxy::new_group;
    let _ = uses;
}
