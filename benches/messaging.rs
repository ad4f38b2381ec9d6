//! Messaging benchmarks of the multicore layer, with crossbeam baselines in the same run.
//!
//! `cargo bench --bench messaging` (add `-- <filter>` to run one group). Each charm-rs case runs
//! inside a job started with `charm_rt::run`; only the timed loop is measured, not job start-up.

use charm_rt::__private::{encode_to_buf, Decoder};
use charm_rt::prelude::*;
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Target of empty calls.
#[chare]
pub struct Sink {
    count: u64,
}

#[chare]
impl Sink {
    fn new() -> Self {
        Sink { count: 0 }
    }

    /// Does nothing but count.
    pub fn nop(&mut self) {
        self.count += 1;
    }

    /// Returns the count (used to wait for the calls before it).
    pub fn count(&mut self) -> u64 {
        self.count
    }
}

/// Ping-pong partner.
#[chare]
pub struct Ball {
    other: Option<BallElemProxy>,
    left: u64,
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

    /// Sets the partner.
    pub fn set_partner(&mut self, other: BallElemProxy) {
        self.other = Some(other);
    }

    /// Starts `n` round trips.
    pub fn start(&mut self, n: u64, done: Future<()>) {
        self.left = n;
        self.done = Some(done);
        self.other.expect("partner").ping();
    }

    /// Answers.
    pub fn ping(&mut self) {
        self.other.expect("partner").pong();
    }

    /// Counts a round trip.
    pub fn pong(&mut self) {
        self.left -= 1;
        if self.left == 0 {
            self.done.take().expect("started").send(());
        } else {
            self.other.expect("partner").ping();
        }
    }

    /// Does nothing.
    pub fn nop(&mut self) {}
}

/// Runs `body` as the main function of a `pes`-PE job and returns the duration it reports.
fn in_job<F, Fut>(pes: usize, body: F) -> Duration
where
    F: FnOnce() -> Fut + 'static,
    Fut: std::future::Future<Output = Duration> + 'static,
{
    let out = Rc::new(Cell::new(Duration::ZERO));
    let o = out.clone();
    let code = charm_rt::run(charm_rt::Config::with_pes(pes), move || async move {
        o.set(body().await)
    });
    assert_eq!(code, 0);
    out.get()
}

fn entry_rate(c: &mut Criterion) {
    let mut g = c.benchmark_group("entry_rate");
    g.throughput(Throughput::Elements(1));
    g.bench_function("charm_same_pe_fire_and_forget", |b| {
        b.iter_custom(|iters| {
            in_job(1, move || async move {
                let s = SinkProxy::new_chare(Some(0));
                s.count_ret().await.unwrap(); // created
                let t = Instant::now();
                // Batches keep the PE's queue short, as in a running program; the yield lets the
                // scheduler deliver each batch.
                let mut left = iters;
                while left > 0 {
                    for _ in 0..left.min(1024) {
                        s.nop();
                    }
                    left -= left.min(1024);
                    charm_rt::yield_now().await;
                }
                let n = s.count_ret().await.unwrap();
                let d = t.elapsed();
                assert_eq!(n, iters);
                d
            })
        })
    });
    g.bench_function("crossbeam_send_recv_same_thread", |b| {
        let (tx, rx) = crossbeam_channel::unbounded::<u64>();
        b.iter(|| {
            tx.send(black_box(1)).unwrap();
            black_box(rx.recv().unwrap())
        })
    });
    g.finish();
}

async fn ball_pair(pa: usize, pb: usize) -> (BallElemProxy, BallElemProxy) {
    let a = BallProxy::new_chare(Some(pa));
    let b = BallProxy::new_chare(Some(pb));
    a.set_partner_awaitable(b).await.unwrap();
    b.set_partner_awaitable(a).await.unwrap();
    (a, b)
}

fn round_trip(c: &mut Criterion) {
    let mut g = c.benchmark_group("round_trip");
    for (label, pes, pa, pb) in [("same_pe", 1, 0, 0), ("cross_pe", 2, 0, 1)] {
        g.bench_function(BenchmarkId::new("charm_plain", label), |b| {
            b.iter_custom(|iters| {
                in_job(pes, move || async move {
                    let (a, _) = ball_pair(pa, pb).await;
                    let done = Future::new();
                    let t = Instant::now();
                    a.start(iters, done);
                    done.await;
                    t.elapsed()
                })
            })
        });
        g.bench_function(BenchmarkId::new("charm_awaitable", label), |b| {
            b.iter_custom(|iters| {
                in_job(pes, move || async move {
                    let (_, bb) = ball_pair(pa, pb).await;
                    let t = Instant::now();
                    for _ in 0..iters {
                        bb.nop_awaitable().await.unwrap();
                    }
                    t.elapsed()
                })
            })
        });
    }
    g.bench_function(
        BenchmarkId::new("crossbeam_spinning_threads", "cross_thread"),
        |b| {
            b.iter_custom(|iters| {
                let (to_b, b_rx) = crossbeam_channel::bounded::<u64>(1);
                let (to_a, a_rx) = crossbeam_channel::bounded::<u64>(1);
                let echo = std::thread::spawn(move || loop {
                    match b_rx.try_recv() {
                        Ok(u64::MAX) => return,
                        Ok(v) => to_a.send(v).unwrap(),
                        Err(_) => std::hint::spin_loop(),
                    }
                });
                let t = Instant::now();
                for i in 0..iters {
                    to_b.send(i).unwrap();
                    loop {
                        if a_rx.try_recv().is_ok() {
                            break;
                        }
                        std::hint::spin_loop();
                    }
                }
                let d = t.elapsed();
                to_b.send(u64::MAX).unwrap();
                echo.join().unwrap();
                d
            })
        },
    );
    g.finish();
}

fn marshalling(c: &mut Criterion) {
    let data: Vec<f64> = (0..(1 << 17)).map(|i| i as f64).collect(); // 1 MiB
    let mut g = c.benchmark_group("marshal_1MiB_vec_f64");
    g.throughput(Throughput::Bytes(8 << 17));
    g.bench_function("direct_copy_encode_view", |b| {
        b.iter(|| {
            let buf = encode_to_buf(|e| e.bulk(&data));
            let mut d = Decoder::new(buf.as_bytes()).unwrap();
            black_box(d.bulk_slice::<f64>().unwrap()[1000])
        })
    });
    g.bench_function("direct_copy_encode_to_vec", |b| {
        b.iter(|| {
            let buf = encode_to_buf(|e| e.bulk(&data));
            let mut d = Decoder::new(buf.as_bytes()).unwrap();
            black_box(d.bulk_vec::<f64>().unwrap().len())
        })
    });
    g.bench_function("serde_bincode", |b| {
        b.iter(|| {
            let buf = encode_to_buf(|e| e.serde(&data));
            let mut d = Decoder::new(buf.as_bytes()).unwrap();
            black_box(d.serde::<Vec<f64>>().unwrap().len())
        })
    });
    g.bench_function("baseline_memcpy_to_vec", |b| {
        b.iter(|| black_box(black_box(data.as_slice()).to_vec()))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2)).sample_size(20);
    targets = entry_rate, round_trip, marshalling
}
criterion_main!(benches);
