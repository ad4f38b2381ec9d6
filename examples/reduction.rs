//! Sum reductions of 20,000-double vectors from 8 chares per PE to the main function, repeated
//! (the shape of Charm4py's reduction benchmark). Prints the time per reduction.
//!
//! Run: `cargo run --release --example reduction -- +p4 [repetitions] [vector length]`
//! (defaults 5000 and 20000); under MPI: `mpirun -n 4 target/release/examples/reduction`.

use charm_rt::prelude::*;
use std::time::Instant;

/// A worker that contributes its data every time it is asked.
#[chare]
pub struct Worker {
    data: Vec<f64>,
}

#[chare]
impl Worker {
    fn new(len: usize) -> Self {
        let me = Self::this_elem().position() as f64;
        Worker {
            data: (0..len).map(|i| me + i as f64 * 1e-3).collect(),
        }
    }

    /// Contributes `reps` sum reductions of this worker's vector to `results`, one per element
    /// of `results` (reductions are matched by order, so all can be in flight at once).
    pub fn run(&mut self, results: Vec<Future<Vec<f64>>>) {
        for f in results {
            charm_rt::contribute(self.data.clone(), Reducer::Sum, f);
        }
    }
}

fn main() {
    charm_rt::start(|args| async move {
        let reps: usize = args
            .get(1)
            .map(|s| s.parse().expect("repetitions"))
            .unwrap_or(5000);
        let len: usize = args
            .get(2)
            .map(|s| s.parse().expect("vector length"))
            .unwrap_or(20_000);
        let workers = WorkerProxy::new_array(8 * num_pes(), len);
        let n = workers.len();
        // Batches of 100 reductions in flight at a time.
        let t = Instant::now();
        let mut done = 0;
        let mut last = Vec::new();
        while done < reps {
            let batch = (reps - done).min(100);
            let futures: Vec<Future<Vec<f64>>> = (0..batch).map(|_| Future::new()).collect();
            workers.run(futures.clone());
            for f in futures {
                last = f.await;
            }
            done += batch;
        }
        let secs = t.elapsed().as_secs_f64();
        let expect0 = (n * (n - 1) / 2) as f64;
        assert!(
            (last[0] - expect0).abs() < 1e-6 * expect0.max(1.0),
            "sum[0] = {} (expected {expect0})",
            last[0]
        );
        println!(
            "{reps} sum reductions of {len} doubles from {n} chares on {} PEs: {:.3} s, {:.1} us per reduction",
            num_pes(),
            secs,
            secs * 1e6 / reps as f64
        );
    })
}
