//! A future can only be awaited on the PE that created it: awaiting it elsewhere is a fatal error
//! naming the future and both PEs. Needs at least 2 PEs.

use charm_rt::prelude::*;
use charm_tests::forever;

#[chare]
pub struct Thief {}

#[chare]
impl Thief {
    fn new() -> Self {
        Thief {}
    }

    pub async fn steal(&self, f: Future<u32>) {
        let _ = f.await;
    }
}

fn main() {
    charm_rt::start(|_args| async move {
        let n = num_pes();
        assert!(n >= 2, "needs two PEs");
        let f = Future::<u32>::new();
        println!("FUTURE {f:?}");
        ThiefProxy::new_group().elem(n - 1).steal(f);
        forever().await;
    })
}
