//! Replies dropped without being awaited (before or after their value arrived) are harmless: the
//! values are discarded, and the future slots they free are reused correctly.

use charm_rt::prelude::*;
use charm_tests::ok;

#[chare]
pub struct Echo {
    calls: u64,
}

#[chare]
impl Echo {
    fn new() -> Self {
        Echo { calls: 0 }
    }

    pub fn echo(&mut self, x: u64) -> u64 {
        self.calls += 1;
        x
    }

    pub fn calls(&self) -> u64 {
        self.calls
    }
}

fn main() {
    charm_rt::start(|_args| async move {
        let n = num_pes();
        let g = EchoProxy::new_group();
        let mut sent = 0u64;
        for round in 0..20u64 {
            // Dropped at once: their values arrive later and must be ignored.
            for pe in 0..n {
                drop(g.elem(pe).echo_ret(round));
                drop(g.elem(pe).echo_awaitable(round));
            }
            drop(g.echo_ret(round));
            drop(g.echo_awaitable(round));
            sent += 4;
            // Awaited ones in between get their own values, never a dropped one's.
            for pe in (0..n).rev() {
                assert_eq!(
                    g.elem(pe).echo_ret(1000 + round).await.expect("echo"),
                    1000 + round
                );
            }
            let all = g.echo_ret(2000 + round).await.expect("echo");
            assert_eq!(all, vec![2000 + round; n]);
            sent += 2;
        }
        // Every call ran; the totals converge once the dropped calls were all handled.
        let mut tries = 0;
        loop {
            let calls = g.calls_ret().await.expect("calls");
            if calls == vec![sent; n] {
                break;
            }
            tries += 1;
            assert!(tries < 100_000, "calls {calls:?}, expected {sent} each");
        }
        // Plenty of fresh futures after all that.
        let replies: Vec<_> = (0..500u64)
            .map(|x| g.elem(x as usize % n).echo_ret(x))
            .collect();
        for (x, r) in charm_rt::wait_all(replies).await.into_iter().enumerate() {
            assert_eq!(r.expect("echo"), x as u64);
        }
        ok("dropped_replies");
    })
}
