//! Regressions found in review. Modes:
//! - `segments`: messages with large arrays whose headers are large and small alternately keep
//!   each array with its own message (on MPI they travel separately from the header);
//! - `burst`: two PEs flood each other with messages just under 4 KiB (around MPI's eager
//!   limit) from inside entry methods, which once deadlocked;
//! - `flood`: a sender outruns a busy receiver with 300,000 small messages and a few large
//!   ones; on MPI the queued messages once made every poll scan them all (a quadratic hang);
//! - `reducer_panic`: a custom reducer that panics ends the job with a message, whichever PE
//!   combines (never a hang);
//! - `mpi_tags`: on the MPI layer, every rank exchanges messages of 8 B and 10 KiB with its
//!   neighbours through `with_world`, on the runtime's own tag, while the runtime works; its
//!   posted receives once took them (the program's receive then hung, and the runtime reported a
//!   malformed message).

use charm_rt::prelude::*;
use charm_tests::ok;

const N: usize = 10_000; // 80 KB of f64: a separate segment on the MPI layer

/// Receives the messages.
#[chare]
pub struct Sink {
    bad: u64,
    seen: u64,
    ticks: u64,
}

fn explode(_: u64, _: u64) -> u64 {
    panic!("custom reducer exploded")
}

#[chare]
impl Sink {
    fn new() -> Self {
        Sink {
            bad: 0,
            seen: 0,
            ticks: 0,
        }
    }

    /// A message with a large header (a long string) and an array of ones.
    pub fn big(&mut self, label: String, data: Vec<f64>) {
        self.seen += 1;
        if label.len() != 5000 || data.len() != N || data.iter().any(|&x| x != 1.0) {
            self.bad += 1;
        }
    }

    /// A message with a small header and an array of twos.
    pub fn small(&mut self, data: Vec<f64>) {
        self.seen += 1;
        if data.len() != N || data.iter().any(|&x| x != 2.0) {
            self.bad += 1;
        }
    }

    /// (messages seen, bad ones).
    pub fn report(&mut self) -> (u64, u64) {
        (self.seen + self.ticks, self.bad)
    }

    /// Sends `count` messages of `bytes` bytes to `peer`.
    pub fn flood(&mut self, peer: SinkElemProxy, bytes: usize, count: u32) {
        for _ in 0..count {
            peer.absorb(vec![7u8; bytes]);
        }
    }

    /// Counts a small message.
    pub fn tick(&mut self, x: u64) {
        if x == self.ticks {
            self.ticks += 1;
        } else {
            self.bad += 1;
        }
    }

    /// Keeps this PE busy for `ms` milliseconds.
    pub fn stall(&mut self, ms: u64) {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }

    /// Counts a flood message.
    pub fn absorb(&mut self, data: Vec<u8>) {
        self.seen += 1;
        if data.iter().any(|&b| b != 7) {
            self.bad += 1;
        }
    }

    /// Exchanges messages with the neighbouring ranks through `with_world`, on the runtime's own
    /// tag; returns whether MPI was there to use.
    pub fn mpi_ring(&mut self) -> bool {
        ring_on_runtime_tag()
    }

    /// Contributes to a reduction whose reducer panics.
    pub fn reduce_badly(&mut self, target: Future<u64>) {
        charm_rt::contribute(1u64, Reducer::Custom(explode), target);
    }
}

#[cfg(feature = "mpi")]
fn ring_on_runtime_tag() -> bool {
    use mpi::traits::*;
    charm_rt::mpi::with_world(|world| {
        let (r, n) = (world.rank(), world.size());
        if n < 2 {
            return;
        }
        let tag = charm_rt::mpi::TAG_MSG;
        let (next, prev) = (
            world.process_at_rank((r + 1) % n),
            world.process_at_rank((r + n - 1) % n),
        );
        let from = ((r + n - 1) % n) as u64;
        // 8 bytes, and 10 KiB: more than a runtime receive slot holds.
        for len in [1usize, 1300] {
            let out: Vec<u64> = (0..len as u64).map(|i| i * 7 + r as u64).collect();
            let mut back = vec![0u64; len];
            // Even ranks send first, odd ones receive first: no cycle of blocking sends.
            if r % 2 == 0 {
                next.send_with_tag(&out[..], tag);
                prev.receive_into_with_tag(&mut back[..], tag);
            } else {
                prev.receive_into_with_tag(&mut back[..], tag);
                next.send_with_tag(&out[..], tag);
            }
            assert!(
                back.iter()
                    .enumerate()
                    .all(|(i, &x)| x == i as u64 * 7 + from),
                "the program's own message from rank {from} came back altered"
            );
        }
    })
    .is_some()
}

#[cfg(not(feature = "mpi"))]
fn ring_on_runtime_tag() -> bool {
    false
}

/// Whether the job runs on the MPI layer.
fn on_mpi() -> bool {
    #[cfg(feature = "mpi")]
    return charm_rt::mpi::launched_by_mpirun();
    #[cfg(not(feature = "mpi"))]
    false
}

fn main() {
    charm_rt::start(|args| async move {
        let mode = args.get(1).cloned().unwrap_or_default();
        let sinks = SinkProxy::new_array(2);
        let (a, b) = (sinks.elem(0), sinks.elem(1));
        match mode.as_str() {
            "segments" => {
                for _ in 0..100 {
                    b.big("x".repeat(5000), vec![1.0; N]);
                    b.small(vec![2.0; N]);
                }
                charm_rt::wait_qd().await;
                assert_eq!(
                    b.report_ret().await.unwrap(),
                    (200, 0),
                    "every array with its own message"
                );
                ok("regressions segments");
            }
            "burst" => {
                for bytes in [4000usize, 4030, 4050, 4080] {
                    a.flood(b, bytes, 64);
                    b.flood(a, bytes, 64);
                }
                charm_rt::wait_qd().await;
                let r = sinks.report_ret().await.unwrap();
                assert_eq!(r, vec![(256, 0), (256, 0)]);
                ok("regressions burst");
            }
            "flood" => {
                b.stall(300);
                for i in 0..300_000u64 {
                    b.tick(i);
                    if i % 50_000 == 0 {
                        b.big("x".repeat(5000), vec![1.0; N]);
                    }
                }
                charm_rt::wait_qd().await;
                assert_eq!(
                    b.report_ret().await.unwrap(),
                    (300_006, 0),
                    "every message, small ones in order"
                );
                ok("regressions flood");
            }
            "reducer_panic" => {
                let group = SinkProxy::new_array(4 * num_pes());
                let f = Future::new();
                group.reduce_badly(f);
                let _ = f.await;
                unreachable!("the reducer panics");
            }
            "mpi_tags" => {
                let group = SinkProxy::new_group();
                for _ in 0..3 {
                    // Runtime messages in flight meanwhile, both ways.
                    a.flood(b, 100, 200);
                    b.flood(a, 100, 200);
                    let used = group.mpi_ring_ret().await.unwrap();
                    // Built with the `mpi` feature and started by mpirun, the ring must run.
                    assert_eq!(used.iter().all(|&u| u), on_mpi(), "whether MPI was used");
                }
                charm_rt::wait_qd().await;
                assert_eq!(sinks.report_ret().await.unwrap(), vec![(600, 0), (600, 0)]);
                ok("regressions mpi_tags");
            }
            other => panic!("unknown mode {other}"),
        }
    })
}
