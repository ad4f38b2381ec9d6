//! Decision time of the load-balancing strategies alone (no runtime), on synthetic random loads
//! (`exp(3u)`, block initial placement) for 10^4, 10^5 and 10^6 objects on 64, 1024 and 16384
//! simulated PEs. The balance each reaches and the share of objects moved are printed by
//! `cargo run --release --example lb_sim`; the figures are in `docs/load-balancing.md`.
//!
//! Run: `cargo bench --bench lb_strategies` (about three minutes).

use charm_rt::lb::strategy::{Greedy, GreedyRefine, Refine, Strategy};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::time::Duration;

#[path = "support/synthetic_loads.rs"]
mod synthetic_loads;
use synthetic_loads::DistributedAll;

fn strategies(c: &mut Criterion) {
    let all: [&dyn Strategy; 4] = [
        &Greedy,
        &GreedyRefine::default(),
        &Refine::default(),
        &DistributedAll,
    ];
    for objects in [10_000usize, 100_000, 1_000_000] {
        let mut g = c.benchmark_group(format!("lb_decision/{objects}_objects"));
        g.sample_size(10)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2));
        for pes in [64usize, 1024, 16_384] {
            let stats = synthetic_loads::synthetic("random", objects, pes);
            for s in all {
                g.bench_with_input(BenchmarkId::new(s.name(), pes), &stats, |b, stats| {
                    b.iter(|| s.assign(stats))
                });
            }
        }
        g.finish();
    }
}

criterion_group!(benches, strategies);
criterion_main!(benches);
