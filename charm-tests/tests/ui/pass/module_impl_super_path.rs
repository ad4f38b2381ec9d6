//! The struct in the parent module, the impl in a child module naming it by path
//! (`impl super::Greeter`), with no imports.

#![deny(warnings)]

#[charm_rt::chare]
pub struct Greeter {
    greeting: String,
}

mod imp {
    #[charm_rt::chare]
    impl super::Greeter {
        fn new(greeting: String) -> Self {
            super::Greeter { greeting }
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
