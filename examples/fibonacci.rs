//! Parallel Fibonacci with futures and async entry methods: each chare computes fib(n) by
//! creating two child chares (placed by the runtime), handing each a future, and awaiting both.
//!
//! Run: `cargo run --release --example fibonacci -- +p4 [n] [threshold]` (default: 24 14)

use charm_rt::prelude::*;
use std::time::Instant;

/// One node of the recursion tree.
#[chare]
pub struct Fib {
    threshold: u64,
}

fn fib_seq(n: u64) -> u64 {
    if n < 2 {
        n
    } else {
        fib_seq(n - 1) + fib_seq(n - 2)
    }
}

#[chare]
impl Fib {
    fn new(threshold: u64) -> Self {
        Fib { threshold }
    }

    /// Computes fib(n) and sends it to `result`. Below the threshold it computes sequentially;
    /// above, it spawns two children and suspends until both futures are resolved, while its PE
    /// keeps running other chares.
    pub async fn compute(&self, n: u64, result: Future<u64>) {
        if n < self.threshold {
            result.send(fib_seq(n));
            return;
        }
        let (f1, f2) = (Future::new(), Future::new());
        FibProxy::new_chare(None, self.threshold).compute(n - 1, f1);
        FibProxy::new_chare(None, self.threshold).compute(n - 2, f2);
        let both = charm_rt::wait_all(vec![f1.get(), f2.get()]).await;
        result.send(both[0] + both[1]);
    }
}

fn main() {
    charm_rt::start(|args| async move {
        let n: u64 = args
            .get(1)
            .map(|s| s.parse().expect("n is a number"))
            .unwrap_or(24);
        let threshold: u64 = args
            .get(2)
            .map(|s| s.parse().expect("threshold is a number"))
            .unwrap_or(14);
        let t = Instant::now();
        let result = Future::new();
        FibProxy::new_chare(None, threshold).compute(n, result);
        let v = result.await;
        assert_eq!(v, fib_seq(n));
        println!(
            "fib({n}) = {v}, computed in parallel on {} PEs in {:.3} s",
            num_pes(),
            t.elapsed().as_secs_f64()
        );
    })
}
