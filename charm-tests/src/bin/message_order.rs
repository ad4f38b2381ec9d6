//! The ordering promise (docs/collections-and-proxies.md, "Message order"): point-to-point
//! messages from one PE to another are delivered in the order they were sent, whatever their
//! size and whichever path the layer takes for them. On the MPI layer the sizes below take every
//! path: a blocking send from scratch (up to 2 KiB), a non-blocking send (2-4 KiB), a notice
//! followed by the bytes (over 4 KiB), and direct-copy arrays sent as their own MPI messages
//! (64 KiB and more). Modes:
//! - `pairs`: every element of a group sends a mixed sequence to every element, itself
//!   included; each receiver checks the sequence numbers per sender;
//! - `futures`: every PE sends values of mixed sizes to one `MultiFuture` on PE 0; the values of
//!   each sender arrive in sending order;
//! - `before_creation`: an element sends to an array that main has just created, so the calls
//!   can reach a PE before the array's creation does; they wait there and run in order.

use charm_rt::prelude::*;
use charm_tests::{f64_data, ok, u8_data};

/// Messages each sender sends to each receiver.
const PER_PAIR: u64 = 240;
/// Doubles in a direct-copy array large enough (72 KB) to travel as its own MPI message.
const BULK: usize = 9_000;

/// The kinds of call a sequence mixes, by the path they take on the MPI layer.
fn kind(from: usize, to: usize, k: u64) -> u64 {
    (k.wrapping_mul(0x9e37_79b9) ^ (from as u64 * 31 + to as u64 * 7)) % 5
}

/// Receives sequences and checks their order; also sends them.
#[chare]
pub struct Orderly {
    /// The next sequence number expected from each PE.
    next: Vec<u64>,
    received: u64,
    /// Messages that arrived out of order, or with wrong contents.
    wrong: u64,
}

#[chare]
impl Orderly {
    fn new() -> Self {
        Orderly {
            next: vec![0; num_pes()],
            received: 0,
            wrong: 0,
        }
    }

    /// Sends `PER_PAIR` messages of mixed kinds to each element of `to`, numbered per receiver.
    pub fn blast(&mut self, to: OrderlyProxy) {
        let me = my_pe();
        for k in 0..PER_PAIR {
            for dest in 0..to.len() {
                let e = to.elem(dest);
                match kind(me, dest, k) {
                    0 => e.tiny(me, k),
                    1 => e.bytes(me, k, u8_data(3_000, k)),
                    2 => e.text(me, k, "o".repeat(6_000 + k as usize)),
                    3 => e.bulk(me, k, f64_data(BULK, k)),
                    _ => e.slice(me, k, &f64_data(16, k)),
                }
            }
        }
    }

    /// 8 bytes of arguments.
    pub fn tiny(&mut self, from: usize, k: u64) {
        self.check(from, k, true);
    }

    /// 3 KB: between the blocking and the notice paths on MPI.
    pub fn bytes(&mut self, from: usize, k: u64, data: Vec<u8>) {
        self.check(from, k, data == u8_data(3_000, k));
    }

    /// Over 4 KiB of serde-encoded text: a notice, then the bytes, on MPI.
    pub fn text(&mut self, from: usize, k: u64, s: String) {
        self.check(from, k, s.len() == 6_000 + k as usize);
    }

    /// A 72 KB direct-copy array: its own MPI message, received uncopied.
    pub fn bulk(&mut self, from: usize, k: u64, data: Vec<f64>) {
        self.check(from, k, data == f64_data(BULK, k));
    }

    /// A small borrowed slice (direct copy inside the message).
    pub fn slice(&mut self, from: usize, k: u64, data: &[f64]) {
        self.check(from, k, data == f64_data(16, k).as_slice());
    }

    /// (messages received, wrong ones, the next number expected from each PE).
    pub fn report(&self) -> (u64, u64, Vec<u64>) {
        (self.received, self.wrong, self.next.clone())
    }

    /// Sends `n` numbered values of mixed sizes to `values`.
    pub fn send_values(&mut self, values: MultiFuture<(usize, u64, Vec<u8>)>, n: u64) {
        for k in 0..n {
            let len = [8, 3_000, 9_000, 70_000][(k % 4) as usize];
            values.send((my_pe(), k, u8_data(len, k)));
        }
    }

    /// Sends `PER_PAIR` numbered calls to each element of `arr`, which may not exist here yet.
    pub fn blast_array(&mut self, arr: OrderlyProxy) {
        self.blast(arr);
    }
}

impl Orderly {
    fn check(&mut self, from: usize, k: u64, contents_ok: bool) {
        self.received += 1;
        if self.next[from] != k || !contents_ok {
            self.wrong += 1;
        }
        self.next[from] = k + 1;
    }
}

/// Every element of `g` received `PER_PAIR` messages from each sender in `senders`, in order.
async fn expect_in_order(what: &str, g: OrderlyProxy, senders: &[usize]) {
    let n = num_pes();
    for (i, (received, wrong, next)) in g
        .report_ret()
        .await
        .expect("report")
        .into_iter()
        .enumerate()
    {
        let want_next: Vec<u64> = (0..n)
            .map(|p| if senders.contains(&p) { PER_PAIR } else { 0 })
            .collect();
        assert_eq!(wrong, 0, "{what}: element {i} saw messages out of order");
        assert_eq!(next, want_next, "{what}: element {i}'s last numbers");
        assert_eq!(
            received,
            PER_PAIR * senders.len() as u64,
            "{what}: element {i}"
        );
    }
}

fn main() {
    charm_rt::start(|args| async move {
        let mode = args.get(1).cloned().unwrap_or_default();
        let n = num_pes();
        match mode.as_str() {
            "pairs" => {
                let g = OrderlyProxy::new_group();
                g.blast(g);
                charm_rt::wait_qd().await;
                expect_in_order("pairs", g, &(0..n).collect::<Vec<_>>()).await;
                ok("message_order pairs");
            }
            "futures" => {
                let g = OrderlyProxy::new_group();
                let per = 60;
                let values = MultiFuture::new(n * per as usize);
                g.send_values(values, per);
                let got = values.await;
                let mut next = vec![0u64; n];
                for (pe, k, data) in got {
                    assert_eq!(k, next[pe], "values from PE {pe} in sending order");
                    assert_eq!(data.len(), [8, 3_000, 9_000, 70_000][(k % 4) as usize]);
                    next[pe] += 1;
                }
                assert_eq!(next, vec![per; n]);
                ok("message_order futures");
            }
            "before_creation" => {
                // The sender is the group element on the last PE; the array's creation reaches
                // each PE from PE 0, the calls from the last PE, so they may arrive first.
                let senders = OrderlyProxy::new_group();
                senders.report_awaitable().await.expect("group ready");
                let arr = OrderlyProxy::new_array(n);
                senders.elem(n - 1).blast_array(arr);
                charm_rt::wait_qd().await;
                expect_in_order("before_creation", arr, &[n - 1]).await;
                ok("message_order before_creation");
            }
            other => panic!("unknown mode {other}"),
        }
    })
}
