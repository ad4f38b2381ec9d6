//! A chare whose struct and impl both live in a child module, used from the parent.
#![deny(warnings)]

mod inner {
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

        pub fn say(&mut self, to: String) -> String {
            format!("{} {to}", self.greeting)
        }
    }
}

use inner::{GreeterElemProxy, GreeterProxy};

fn uses(p: GreeterProxy, e: GreeterElemProxy) {
    p.say("a".into());
    e.say("b".into());
}

fn main() {
    let _ = GreeterProxy::new_group;
    let _ = uses;
}
