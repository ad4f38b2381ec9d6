//! MPI benchmark harness: raw rsmpi ping-pong (the floor) against charm-rs ping-pong between two
//! chares on ranks 0 and 1, plain and awaitable, in the same run and the same process pair.
//!
//! A second bare loop, "polled", receives the way a runtime must (any source, into a reused
//! buffer posted in advance, polled with `MPI_Test` so the rank could do other work): the
//! difference between it and charm-rs is what the runtime itself adds.
//!
//! ```sh
//! cargo build --release --features mpi --example mpi_bench
//! mpirun -n 2 target/release/examples/mpi_bench        # add --allow-run-as-root as root
//! ```
//!
//! Payloads are `Vec<u8>` on the direct-copy path. One-way latency is half the round trip;
//! bandwidth is payload bytes per one-way time.

use charm_rt::mpi::with_world;
use charm_rt::prelude::*;
use mpi::traits::*;
use std::time::Instant;

/// Tag of the raw baseline (any would do: the runtime has a communicator of its own).
const TAG_RAW: i32 = 7;

/// One rank's benchmark driver.
#[chare]
pub struct Bench {
    peer: Option<BenchElemProxy>,
    left: u64,
    started: Option<Instant>,
    done: Option<Future<f64>>,
    received: u64,
}

#[chare]
impl Bench {
    fn new() -> Self {
        Bench {
            peer: None,
            left: 0,
            started: None,
            done: None,
            received: 0,
        }
    }

    /// Raw rsmpi blocking send/recv ping-pong with pre-allocated buffers; returns the
    /// one-way time in microseconds (rank 0) or 0 (rank 1, the echo side).
    pub fn raw_pingpong(&mut self, size: usize, iters: u64) -> f64 {
        with_world(|world| {
            let me = world.rank();
            let other = world.process_at_rank(1 - me);
            let mut buf = vec![1u8; size.max(1)];
            let mut t = Instant::now();
            for i in 0..iters + iters / 10 {
                if i == iters / 10 {
                    t = Instant::now(); // after warm-up
                }
                if me == 0 {
                    other.send_with_tag(&buf[..], TAG_RAW);
                    other.receive_into_with_tag(&mut buf[..], TAG_RAW);
                } else {
                    other.receive_into_with_tag(&mut buf[..], TAG_RAW);
                    other.send_with_tag(&buf[..], TAG_RAW);
                }
            }
            if me == 0 {
                t.elapsed().as_secs_f64() * 1e6 / (2 * iters) as f64
            } else {
                0.0
            }
        })
        .expect("run under mpirun with the mpi feature")
    }

    /// Bare polled ping-pong of `size` bytes (small sizes only: the slot is 4 KiB): every
    /// message is received from any source into a reused slot whose receive was posted before
    /// the message was sent, and noticed by polling it with `test`, with no runtime work at all.
    /// Returns the one-way time in microseconds (rank 0) or 0 (rank 1).
    pub fn polled_pingpong(&mut self, size: usize, iters: u64) -> f64 {
        with_world(|world| {
            let me = world.rank();
            let other = world.process_at_rank(1 - me);
            let out = vec![1u8; size.max(1)];
            let mut slot = vec![0u8; 4096];
            let mut t = Instant::now();
            let poll_one = |slot: &mut [u8], send_first: bool| {
                mpi::request::scope(|scope| {
                    let mut req = world
                        .any_process()
                        .immediate_receive_into_with_tag(scope, slot, TAG_RAW);
                    if send_first {
                        other.send_with_tag(&out[..], TAG_RAW);
                    }
                    loop {
                        match req.test() {
                            Ok(_) => break,
                            Err(r) => req = r,
                        }
                        std::hint::spin_loop();
                    }
                });
            };
            world.barrier();
            for i in 0..iters + iters / 10 {
                if i == iters / 10 {
                    t = Instant::now(); // after warm-up
                }
                // Rank 0 posts its receive, sends, and polls for the answer; rank 1 polls for
                // the message, then answers.
                poll_one(&mut slot, me == 0);
                if me == 1 {
                    other.send_with_tag(&out[..], TAG_RAW);
                }
            }
            let us = t.elapsed().as_secs_f64() * 1e6 / (2 * iters) as f64;
            world.barrier();
            if me == 0 {
                us
            } else {
                0.0
            }
        })
        .expect("run under mpirun with the mpi feature")
    }

    /// Raw rsmpi message rate: rank 0 sends `n` 8-byte messages, rank 1 receives them;
    /// returns messages per second (on rank 1).
    pub fn raw_rate(&mut self, n: u64) -> f64 {
        with_world(|world| {
            let me = world.rank();
            let other = world.process_at_rank(1 - me);
            let mut x = [0u64; 1];
            let t = Instant::now();
            for _ in 0..n {
                if me == 0 {
                    other.send_with_tag(&x[..], TAG_RAW);
                } else {
                    other.receive_into_with_tag(&mut x[..], TAG_RAW);
                }
            }
            if me == 0 {
                other.receive_into_with_tag(&mut x[..], TAG_RAW);
                0.0
            } else {
                let rate = n as f64 / t.elapsed().as_secs_f64();
                other.send_with_tag(&x[..], TAG_RAW);
                rate
            }
        })
        .expect("run under mpirun with the mpi feature")
    }

    /// Remembers the other rank's element.
    pub fn set_peer(&mut self, peer: BenchElemProxy) {
        self.peer = Some(peer);
    }

    /// Starts `iters` plain round trips carrying `size` bytes; `done` gets the one-way µs.
    pub fn start(&mut self, size: usize, iters: u64, done: Future<f64>) {
        self.left = iters;
        self.done = Some(done);
        self.started = Some(Instant::now());
        self.peer.expect("peer").ping(vec![1u8; size]);
    }

    /// Sends the payload back.
    pub fn ping(&mut self, data: Vec<u8>) {
        self.peer.expect("peer").pong(data);
    }

    /// One round trip done.
    pub fn pong(&mut self, data: Vec<u8>) {
        self.left -= 1;
        if self.left == 0 {
            let us = self.started.expect("started").elapsed().as_secs_f64() * 1e6;
            let iters = self.done_iters();
            self.done
                .take()
                .expect("started")
                .send(us / (2 * iters) as f64);
        } else {
            self.peer.expect("peer").ping(data);
        }
    }

    /// Returns the payload (target of the awaitable round trips).
    pub fn echo(&mut self, data: Vec<u8>) -> Vec<u8> {
        data
    }

    /// Counts a message (target of the message-rate test).
    pub fn sink(&mut self, _x: u64) {
        self.received += 1;
    }

    /// Raw `MPI_Allreduce` of one double, `iters` times; returns µs per allreduce.
    pub fn raw_allreduce(&mut self, iters: u64) -> f64 {
        with_world(|world| {
            let mut y = 0.0f64;
            let t = Instant::now();
            for i in 0..iters {
                world.all_reduce_into(&(i as f64), &mut y, mpi::collective::SystemOperation::sum());
            }
            t.elapsed().as_secs_f64() * 1e6 / iters as f64
        })
        .expect("run under mpirun with the mpi feature")
    }

    /// Messages counted so far.
    pub fn received(&mut self) -> u64 {
        std::mem::take(&mut self.received)
    }
}

impl Bench {
    fn done_iters(&self) -> u64 {
        ITERS.with(|i| i.get())
    }
}

/// Runs charm-rs allreduces (a coroutine per rank).
#[chare]
pub struct Reducing {}

#[chare]
impl Reducing {
    fn new() -> Self {
        Reducing {}
    }

    /// `iters` one-double allreduces; returns µs per allreduce.
    pub async fn allreduce_loop(&self, iters: u64) -> f64 {
        let t = Instant::now();
        for i in 0..iters {
            charm_rt::allreduce(i as f64, Reducer::Sum).await;
        }
        t.elapsed().as_secs_f64() * 1e6 / iters as f64
    }
}

thread_local! {
    static ITERS: std::cell::Cell<u64> = const { std::cell::Cell::new(1) };
}

/// A positive count from the environment variable `name`, or `default` when it is unset.
fn env_count(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Err(_) => default,
        Ok(v) => match v.trim().parse::<u64>() {
            Ok(n) if n > 0 => n,
            _ => panic!("{name}={v}: expected a positive whole number"),
        },
    }
}

fn iters_for(size: usize) -> u64 {
    let default = match size {
        // Each size runs for 0.1 s or more, so that one stall of the machine (a few ms, now and
        // then) cannot double a time.
        0..=1024 => 200_000,
        1025..=65536 => 10_000,
        65537..=1_048_576 => 1_000,
        _ => 50,
    };
    // `BENCH_ITERS` overrides the round trips per size (long runs for profilers).
    env_count("BENCH_ITERS", default)
}

fn main() {
    charm_rt::start(|_args| async move {
        assert_eq!(num_pes(), 2, "run with mpirun -n 2");
        let g = BenchProxy::new_group();
        let (a, b) = (g.elem(0), g.elem(1));
        a.set_peer_awaitable(b).await.unwrap();
        b.set_peer_awaitable(a).await.unwrap();

        println!("charm-rs vs raw rsmpi, 2 ranks, payload Vec<u8> (direct copy); one-way times");
        println!(
            "{:>9} | {:>9} {:>9} {:>9} {:>6} | {:>9} {:>6} | {:>10} {:>10} {:>6}",
            "size",
            "raw us",
            "polled us",
            "charm us",
            "ratio",
            "await us",
            "ratio",
            "raw MB/s",
            "charm MB/s",
            "ratio"
        );
        // `BENCH_SIZES=8,1048576` runs only those sizes (`BENCH_SIZES=` none).
        let sizes: Vec<usize> = match std::env::var("BENCH_SIZES") {
            Ok(s) => s
                .split(',')
                .filter(|x| !x.trim().is_empty())
                .map(|x| x.trim().parse().expect("BENCH_SIZES is a list of sizes"))
                .collect(),
            Err(_) => vec![8, 1024, 64 * 1024, 1 << 20, 16 << 20],
        };
        for size in sizes {
            let iters = iters_for(size);
            let raw = g.raw_pingpong_ret(size, iters).await.unwrap()[0];
            let polled = if size <= 4096 {
                let us = g.polled_pingpong_ret(size, iters).await.unwrap()[0];
                format!("{us:.3}")
            } else {
                "-".to_string()
            };

            ITERS.with(|i| i.set(iters));
            let warm = Future::new();
            ITERS.with(|i| i.set(iters / 10 + 1));
            a.start(size, iters / 10 + 1, warm);
            warm.await;
            ITERS.with(|i| i.set(iters));
            let done = Future::new();
            a.start(size, iters, done);
            let plain = done.await;

            let data = vec![1u8; size];
            let mut payload = data.clone();
            for _ in 0..iters / 10 + 1 {
                payload = b.echo_ret(payload).await.unwrap();
            }
            let t = Instant::now();
            for _ in 0..iters {
                payload = b.echo_ret(payload).await.unwrap();
            }
            let awaited = t.elapsed().as_secs_f64() * 1e6 / (2 * iters) as f64;
            assert_eq!(payload, data);

            let mbs = |us: f64| size as f64 / us;
            println!(
                "{:>9} | {:>9.3} {:>9} {:>9.3} {:>6.2} | {:>9.3} {:>6.2} | {:>10.1} {:>10.1} {:>6.2}",
                size,
                raw,
                polled,
                plain,
                plain / raw,
                awaited,
                awaited / raw,
                mbs(raw),
                mbs(plain),
                mbs(plain) / mbs(raw)
            );
        }

        if std::env::var("BENCH_SKIP_RATE").is_err() {
            // `BENCH_RATE_N` sets the number of messages (2,000,000 by default).
            let n = env_count("BENCH_RATE_N", 2_000_000);
            let raw_rate = g.raw_rate_ret(n).await.unwrap()[1];
            let t = Instant::now();
            for i in 0..n {
                b.sink(i);
            }
            let got = b.received_ret().await.unwrap();
            let rate = got as f64 / t.elapsed().as_secs_f64();
            assert_eq!(got, n);
            println!(
            "message rate, one sender, 8-byte payload: raw {:.2} M/s, charm-rs {:.2} M/s (ratio {:.2})",
            raw_rate / 1e6,
            rate / 1e6,
            rate / raw_rate
        );
        }
        // `BENCH_ALLREDUCE_ITERS` sets the number of allreduces (20,000 by default).
        let iters = env_count("BENCH_ALLREDUCE_ITERS", 20_000);
        let raw = g.raw_allreduce_ret(iters).await.unwrap()[0];
        let r = ReducingProxy::new_group();
        r.allreduce_loop_ret(iters / 10).await.unwrap();
        let ours = r.allreduce_loop_ret(iters).await.unwrap()[0];
        println!("allreduce of one double: raw MPI_Allreduce {raw:.3} us, charm-rs {ours:.3} us (ratio {:.2})", ours / raw);
    })
}
