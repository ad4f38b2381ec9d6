//! Round trips between two chares, on the same PE and on different PEs, with plain
//! (fire-and-forget) calls and with awaitable calls. Prints microseconds per round trip.
//!
//! Run: `cargo run --release --example pingpong -- +p2 [round_trips]`

use charm_rt::prelude::*;
use std::time::Instant;

/// One side of the ping-pong.
#[chare]
pub struct Player {
    other: Option<PlayerElemProxy>,
    left: u64,
    done: Option<Future<()>>,
}

#[chare]
impl Player {
    fn new() -> Self {
        Player {
            other: None,
            left: 0,
            done: None,
        }
    }

    /// Remembers the partner.
    pub fn set_partner(&mut self, other: PlayerElemProxy) {
        self.other = Some(other);
    }

    /// Starts `n` round trips; `done` resolves after the last one.
    pub fn start(&mut self, n: u64, done: Future<()>) {
        self.left = n;
        self.done = Some(done);
        self.other.expect("partner set").ping();
    }

    /// Answers a ping.
    pub fn ping(&mut self) {
        self.other.expect("partner set").pong();
    }

    /// Receives the answer and sends the next ping, or reports completion.
    pub fn pong(&mut self) {
        self.left -= 1;
        if self.left == 0 {
            self.done.take().expect("started").send(());
        } else {
            self.other.expect("partner set").ping();
        }
    }

    /// Does nothing (target of awaitable calls).
    pub fn nop(&mut self) {}
}

async fn plain(a: PlayerElemProxy, n: u64) -> f64 {
    let done = Future::new();
    let t = Instant::now();
    a.start(n, done);
    done.await;
    t.elapsed().as_secs_f64() * 1e6 / n as f64
}

async fn awaitable(b: PlayerElemProxy, n: u64) -> f64 {
    let t = Instant::now();
    for _ in 0..n {
        b.nop_awaitable().await.expect("nop cannot fail");
    }
    t.elapsed().as_secs_f64() * 1e6 / n as f64
}

async fn pair(pe_a: usize, pe_b: usize) -> (PlayerElemProxy, PlayerElemProxy) {
    let a = PlayerProxy::new_chare(Some(pe_a));
    let b = PlayerProxy::new_chare(Some(pe_b));
    a.set_partner_awaitable(b).await.expect("set_partner");
    b.set_partner_awaitable(a).await.expect("set_partner");
    (a, b)
}

fn main() {
    charm_rt::start(|args| async move {
        let n: u64 = args
            .get(1)
            .map(|s| s.parse().expect("round_trips is a number"))
            .unwrap_or(200_000);
        let mut cases = vec![("same PE", 0, 0)];
        if num_pes() > 1 {
            cases.push(("PE 0 <-> PE 1", 0, 1));
        }
        println!(
            "{:<16} {:>14} {:>16}",
            "placement", "plain (us/rt)", "awaitable (us/rt)"
        );
        for (label, pa, pb) in cases {
            let (a, b) = pair(pa, pb).await;
            // Warm up, then measure.
            plain(a, n / 10 + 1).await;
            let p = plain(a, n).await;
            awaitable(b, n / 10 + 1).await;
            let w = awaitable(b, n).await;
            println!("{label:<16} {p:>14.3} {w:>16.3}");
        }
    })
}
