//! Startup: reports the number of PEs and the program's own arguments, then returns from main.

use charm_rt::prelude::*;
use charm_tests::ok;

#[chare]
pub struct Probe {}

#[chare]
impl Probe {
    fn new() -> Self {
        Probe {}
    }

    pub fn pe_count(&self) -> (usize, usize) {
        (my_pe(), num_pes())
    }
}

fn main() {
    charm_rt::start(|args| async move {
        println!("PES {}", num_pes());
        println!("ARGS {}", args[1..].join(" "));
        assert_eq!(my_pe(), 0);
        // Every PE agrees on the count.
        let all = ProbeProxy::new_group()
            .pe_count_ret()
            .await
            .expect("pe_count");
        assert_eq!(
            all,
            (0..num_pes()).map(|p| (p, num_pes())).collect::<Vec<_>>()
        );
        ok("startup_info");
    })
}
