//! What moving elements costs, against sending the same data as a message in the same run:
//! - one element with 1 MiB of `f64` state moving between PE 0 and PE 1, with the state written
//!   as one byte string (`#[serde(with = "charm_rt::bulk")]`) and with plain serde, against a
//!   1 MiB `Vec<f64>` argument (direct copy) going between the same PEs;
//! - 10,000 small elements moving at once (every element of an array to the other PE), until all
//!   arrived, against 10,000 small calls between the PEs.
//!
//! Run: `cargo run --release --example migrate_bench -- +p2` (or under `mpirun -n 2` with the
//! `mpi` feature). `MOVES` and `ELEMS` set the counts.

use charm_rt::prelude::*;
use std::time::Instant;

const MIB_F64: usize = 1 << 17;

/// 1 MiB of state, written as one byte string.
#[chare(migratable)]
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Bulky {
    #[serde(with = "charm_rt::bulk")]
    data: Vec<f64>,
    left: u32,
    done: Option<Future<()>>,
}

#[chare]
impl Bulky {
    fn new() -> Self {
        Bulky {
            data: (0..MIB_F64).map(|i| i as f64).collect(),
            left: 0,
            done: None,
        }
    }

    fn migrated(&mut self) {
        self.hop();
    }

    /// Moves back and forth between PE 0 and PE 1 `n` times, then resolves `done`.
    pub fn bounce(&mut self, n: u32, done: Future<()>) {
        self.left = n;
        self.done = Some(done);
        self.hop();
    }
}

impl Bulky {
    fn hop(&mut self) {
        if self.left == 0 {
            if let Some(d) = self.done.take() {
                assert_eq!(self.data[MIB_F64 - 1], (MIB_F64 - 1) as f64);
                d.send(());
            }
            return;
        }
        self.left -= 1;
        Self::this_elem().migrate(1 - my_pe());
    }
}

/// 1 MiB of state, written by plain serde (number by number).
#[chare(migratable)]
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Plain {
    data: Vec<f64>,
    left: u32,
    done: Option<Future<()>>,
}

#[chare]
impl Plain {
    fn new() -> Self {
        Plain {
            data: (0..MIB_F64).map(|i| i as f64).collect(),
            left: 0,
            done: None,
        }
    }

    fn migrated(&mut self) {
        self.hop();
    }

    /// As `Bulky::bounce`.
    pub fn bounce(&mut self, n: u32, done: Future<()>) {
        self.left = n;
        self.done = Some(done);
        self.hop();
    }
}

impl Plain {
    fn hop(&mut self) {
        if self.left == 0 {
            if let Some(d) = self.done.take() {
                d.send(());
            }
            return;
        }
        self.left -= 1;
        Self::this_elem().migrate(1 - my_pe());
    }
}

/// The baseline: a 1 MiB array passed back and forth between two chares.
#[chare]
pub struct Ball {
    other: Option<BallElemProxy>,
    left: u32,
    done: Option<Future<()>>,
}

#[chare]
impl Ball {
    fn new() -> Self {
        Ball {
            other: None,
            left: 0,
            done: None,
        }
    }

    pub fn set(&mut self, other: BallElemProxy) {
        self.other = Some(other);
    }

    pub fn start(&mut self, n: u32, done: Future<()>) {
        self.left = n;
        self.done = Some(done);
        let data: Vec<f64> = (0..MIB_F64).map(|i| i as f64).collect();
        self.other.expect("partner").catch(data);
    }

    pub fn catch(&mut self, data: Vec<f64>) {
        if self.left > 0 {
            self.left -= 1;
            if self.left == 0 {
                self.done.take().expect("started").send(());
                return;
            }
        }
        self.other.expect("partner").catch(data);
    }
}

/// A small element.
#[chare(migratable)]
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Small {
    x: u64,
    arrived: Option<MultiFuture<u64>>,
}

#[chare]
impl Small {
    fn new() -> Self {
        Small {
            x: u64::from(Self::this_index()[0]),
            arrived: None,
        }
    }

    fn migrated(&mut self) {
        if let Some(f) = self.arrived.take() {
            f.send(self.x);
        }
    }

    /// Moves to the other PE; `arrived` gets a value on arrival.
    pub fn swap(&mut self, arrived: MultiFuture<u64>) {
        self.arrived = Some(arrived);
        Self::this_elem().migrate(1 - my_pe());
    }

    /// A call, answered to `done`.
    pub fn touch(&mut self, done: MultiFuture<u64>) {
        done.send(self.x);
    }

    /// Counts every element once.
    pub fn count(&mut self, total: Future<u64>) {
        charm_rt::contribute(1u64, Reducer::Sum, total);
    }
}

fn env(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    charm_rt::start(|_args| async move {
        assert!(num_pes() >= 2, "run on 2 PEs (+p2, or mpirun -n 2)");
        let moves = env("MOVES", 200);
        let elems = env("ELEMS", 10_000) as usize;

        // One element with 1 MiB of state.
        let b = BulkyProxy::new_chare(Some(0));
        let done = Future::new();
        b.bounce(moves / 10 + 1, done); // warm up
        done.await;
        let done = Future::new();
        let t = Instant::now();
        b.bounce(moves, done);
        done.await;
        let bulky = t.elapsed().as_secs_f64() * 1e6 / f64::from(moves);

        let p = PlainProxy::new_chare(Some(0));
        let plain_moves = (moves / 4).max(1);
        let done = Future::new();
        let t = Instant::now();
        p.bounce(plain_moves, done);
        done.await;
        let plain = t.elapsed().as_secs_f64() * 1e6 / f64::from(plain_moves);

        let x = BallProxy::new_chare(Some(0));
        let y = BallProxy::new_chare(Some(1));
        x.set_awaitable(y).await.unwrap();
        y.set_awaitable(x).await.unwrap();
        let done = Future::new();
        x.start(moves / 10 + 1, done); // warm up
        done.await;
        let done = Future::new();
        let t = Instant::now();
        x.start(moves, done);
        done.await;
        let message = t.elapsed().as_secs_f64() * 1e6 / f64::from(moves);

        // Many small elements at once.
        let arr = SmallProxy::new_array(elems);
        let total = Future::new();
        arr.count(total);
        assert_eq!(total.await, elems as u64);
        let arrived = MultiFuture::new(elems);
        let t = Instant::now();
        arr.swap(arrived);
        assert_eq!(arrived.await.len(), elems);
        let batch = t.elapsed().as_secs_f64() * 1e3;
        charm_rt::wait_qd().await;
        let total = Future::new();
        arr.count(total);
        assert_eq!(
            total.await,
            elems as u64,
            "every element counted after the moves"
        );
        let answered = MultiFuture::new(elems);
        let t = Instant::now();
        arr.touch(answered);
        assert_eq!(answered.await.len(), elems);
        let calls = t.elapsed().as_secs_f64() * 1e3;

        println!("moving elements between PE 0 and PE 1 ({} layer)", layer());
        println!("{:<52} {:>12}", "what", "time");
        println!(
            "{:<52} {:>9.1} us",
            "1 MiB state, charm_rt::bulk, per move", bulky
        );
        println!(
            "{:<52} {:>9.1} us",
            "1 MiB state, plain serde, per move", plain
        );
        println!(
            "{:<52} {:>9.1} us",
            "baseline: 1 MiB Vec<f64> message, one way", message
        );
        println!(
            "{:<52} {:>9.2} ms",
            &format!("{elems} small elements, all moved at once"),
            batch
        );
        println!(
            "{:<52} {:>9.2} ms",
            "baseline: a broadcast to them, each answering", calls
        );
    })
}

fn layer() -> &'static str {
    #[cfg(feature = "mpi")]
    if charm_rt::mpi::launched_by_mpirun() {
        return "mpi";
    }
    "multicore"
}
