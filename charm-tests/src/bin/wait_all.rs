//! `wait_all`: every awaitable, outputs in input order whatever the completion order.

use charm_rt::prelude::*;
use charm_rt::wait_all;
use charm_tests::ok;

#[chare]
pub struct Node {
    held: Vec<Future<u64>>,
}

#[chare]
impl Node {
    fn new() -> Self {
        Node { held: Vec::new() }
    }

    pub fn square(&self, x: u64) -> u64 {
        x * x
    }

    pub fn hold(&mut self, f: Future<u64>) {
        self.held.push(f);
    }

    /// Resolves the held futures, last first.
    pub fn release_reversed(&mut self) {
        for (k, f) in self.held.drain(..).enumerate().rev() {
            f.send(1000 + k as u64);
        }
    }

    pub fn which_pe(&self) -> usize {
        my_pe()
    }
}

fn main() {
    charm_rt::start(|_args| async move {
        let n = num_pes();
        let g = NodeProxy::new_group();

        // Replies from calls to every PE, awaited together.
        let replies: Vec<_> = (0..4 * n as u64)
            .map(|x| g.elem(x as usize % n).square_ret(x))
            .collect();
        let out: Vec<u64> = wait_all(replies)
            .await
            .into_iter()
            .map(|r| r.expect("square"))
            .collect();
        assert_eq!(out, (0..4 * n as u64).map(|x| x * x).collect::<Vec<_>>());

        // Futures completed in the reverse of their input order.
        let last = g.elem(n - 1);
        let fs: Vec<Future<u64>> = (0..5).map(|_| Future::new()).collect();
        for f in &fs {
            last.hold(*f);
        }
        last.release_reversed();
        let got = wait_all(fs.iter().map(|f| f.get()).collect()).await;
        assert_eq!(got, vec![1000, 1001, 1002, 1003, 1004]);

        // Broadcast replies, awaited together.
        let bs = vec![g.which_pe_ret(), g.which_pe_ret(), g.which_pe_ret()];
        for r in wait_all(bs).await {
            assert_eq!(r.expect("pe"), (0..n).collect::<Vec<_>>());
        }

        // MultiFutures, awaited together.
        let ms: Vec<MultiFuture<u64>> = (0..3).map(|_| MultiFuture::new(2)).collect();
        for (k, m) in ms.iter().enumerate().rev() {
            m.send(k as u64);
            m.send(10 + k as u64);
        }
        let got = wait_all(
            ms.into_iter()
                .map(std::future::IntoFuture::into_future)
                .collect(),
        )
        .await;
        assert_eq!(got, vec![vec![0, 10], vec![1, 11], vec![2, 12]]);

        // Nothing to wait for.
        let none: Vec<charm_rt::FutureWait<u64>> = Vec::new();
        assert!(wait_all(none).await.is_empty());
        ok("wait_all");
    })
}
