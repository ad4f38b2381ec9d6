//! Group broadcast, awaited: every PE says hello and reports back.
//!
//! Run: `cargo run --release --example hello -- +p4`

use charm_rt::prelude::*;

/// One greeter per PE.
#[chare]
pub struct Greeter {
    greeting: String,
}

#[chare]
impl Greeter {
    fn new(greeting: String) -> Self {
        Greeter { greeting }
    }

    /// Prints a greeting from this element's PE and returns the PE number.
    pub fn say_hi(&mut self, from: usize) -> usize {
        println!(
            "{} from element {} on PE {} (asked by PE {from})",
            self.greeting,
            Self::this_index(),
            my_pe()
        );
        my_pe()
    }
}

fn main() {
    charm_rt::start(|_args| async move {
        let greeters = GreeterProxy::new_group("Hello".to_string());
        // Awaitable broadcast: resolves when every element ran `say_hi`.
        greeters
            .say_hi_awaitable(my_pe())
            .await
            .expect("no greeter panicked");
        // Value-returning broadcast: one value per element, sorted by element index.
        let pes = greeters
            .say_hi_ret(my_pe())
            .await
            .expect("no greeter panicked");
        assert_eq!(pes, (0..num_pes()).collect::<Vec<_>>());
        println!("All {} greeters answered: {pes:?}", num_pes());
    })
}
