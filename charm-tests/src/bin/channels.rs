//! Channels: a ring of elements exchanging ghost rows through channels to both neighbours and
//! waiting on whichever is ready first; in-order delivery of many values; two channels between
//! the same pair; a self channel; 1 MiB arrays; two coroutines receiving from one channel.

use charm_rt::prelude::*;
use charm_rt::{Channel, Serde, WaitAny};
use charm_tests::ok;
use std::cell::OnceCell;

/// A channel carrying an iteration number and a ghost row.
type RowChannel = Channel<(u32, Vec<f64>)>;

/// One element of the ring.
#[chare]
pub struct Node {
    // Set once, then borrowed without a guard: safe to hold across `.await`.
    left: OnceCell<RowChannel>,
    right: OnceCell<RowChannel>,
    /// A channel that several coroutines of this element receive from at once.
    shared: OnceCell<Channel<u64>>,
}

fn row(from: usize, iter: u32, len: usize) -> Vec<f64> {
    (0..len)
        .map(|i| (from * 1000 + iter as usize) as f64 + i as f64 * 1e-3)
        .collect()
}

#[chare]
impl Node {
    fn new() -> Self {
        Node {
            left: OnceCell::new(),
            right: OnceCell::new(),
            shared: OnceCell::new(),
        }
    }

    /// Exchanges rows with both neighbours for `iters` iterations; returns the number checked.
    pub async fn ring(&self, iters: u32, len: usize) -> u32 {
        let ring = Self::this_proxy();
        let n = ring.len();
        let me = Self::this_elem().position();
        let (l, r) = ((me + n - 1) % n, (me + 1) % n);
        let left = self.left.get_or_init(|| Channel::new(ring.elem(l)));
        let right = self.right.get_or_init(|| Channel::new(ring.elem(r)));
        let mut checked = 0;
        for it in 0..iters {
            left.send((it, row(me, it, len)));
            right.send((it, row(me, it, len)));
            let mut any = WaitAny::new(vec![left.recv(), right.recv()]);
            while let Some((which, (got_it, data))) = any.next().await {
                let from = if which == 0 { l } else { r };
                assert_eq!(got_it, it, "iteration order");
                assert_eq!(data, row(from, it, len), "row from {from}");
                checked += 1;
            }
        }
        checked
    }

    /// Sends `n` numbered values to `peer` on two channels (numbers on the first, strings on
    /// the second).
    pub fn produce(&self, peer: NodeElemProxy, n: u64) {
        let a: Channel<u64> = Channel::new(peer);
        let b: Channel<Serde<String>> = Channel::new(peer);
        for i in 0..n {
            a.send(i);
            b.send(Serde(format!("v{i}")));
        }
    }

    /// Receives what `produce` sent, checking order; returns how many.
    pub async fn consume(&self, peer: NodeElemProxy, n: u64) -> u64 {
        let a: Channel<u64> = Channel::new(peer);
        let b: Channel<Serde<String>> = Channel::new(peer);
        for i in 0..n {
            assert_eq!(a.recv().await, i, "in order");
            assert_eq!(b.recv().await.0, format!("v{i}"), "second channel");
        }
        n
    }

    /// Opens this element's end of the shared channel to `peer`.
    pub fn open_shared(&self, peer: NodeElemProxy) {
        assert!(self.shared.set(Channel::new(peer)).is_ok(), "opened once");
    }

    /// Receives one value from the shared channel (several of these wait at once).
    pub async fn take_one(&self) -> u64 {
        self.shared.get().expect("open_shared first").recv().await
    }

    /// Sends `n` numbered values on a new channel to `peer`.
    pub fn send_numbers(&self, peer: NodeElemProxy, n: u64) {
        let c: Channel<u64> = Channel::new(peer);
        (0..n).for_each(|i| c.send(i));
    }

    /// Sends itself 3 values on a self channel and reads them back.
    pub async fn selfie(&self) -> Vec<u64> {
        let me: Channel<u64> = Channel::new(Self::this_elem());
        for i in 0..3 {
            me.send(100 + i);
        }
        let mut out = Vec::new();
        for _ in 0..3 {
            out.push(me.recv().await);
        }
        out
    }
}

fn main() {
    charm_rt::start(|_args| async move {
        let n = 2 * num_pes().max(2);
        let ring = NodeProxy::new_array(n);
        let checked = ring.ring_ret(20, 100).await.expect("ring");
        assert!(checked.iter().all(|&c| c == 40), "{checked:?}");
        // Large rows (1 MiB each way).
        let checked = ring.ring_ret(2, 1 << 17).await.expect("ring, 1 MiB rows");
        assert!(checked.iter().all(|&c| c == 4));

        let pair = NodeProxy::new_array(2);
        let (p, q) = (pair.elem(0), pair.elem(1));
        let got = q.consume_ret(p, 5000);
        p.produce(q, 5000);
        assert_eq!(got.await.expect("consume"), 5000);
        assert_eq!(
            pair.elem(1).selfie_ret().await.unwrap(),
            vec![100, 101, 102]
        );

        // Two coroutines of one element wait on one channel before any value arrives: each
        // gets one value (the second waiting receiver must be woken too).
        let pair = NodeProxy::new_array(2);
        let (p, q) = (pair.elem(0), pair.elem(1));
        q.open_shared_awaitable(p).await.expect("open");
        let (a, b) = (q.take_one_ret(), q.take_one_ret());
        charm_rt::wait_qd().await; // both are suspended in `recv`
        p.send_numbers(q, 2);
        let mut got = [a.await.expect("first"), b.await.expect("second")];
        got.sort();
        assert_eq!(got, [0, 1]);
        ok("channels");
    })
}
