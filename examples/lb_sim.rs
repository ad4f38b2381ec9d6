//! The load-balancing strategies on simulated PEs: synthetic load distributions, no runtime.
//! For each distribution, number of objects and number of PEs, prints the busiest PE over the
//! average before and after each strategy, the share of objects it moves, and how long it took
//! to decide (one run, so a rough figure; `cargo bench --bench lb_strategies` measures the time
//! properly).
//!
//! Run: `cargo run --release --example lb_sim [max_objects]` (default 1000000).

use charm_rt::lb::strategy::{max_over_avg, Greedy, GreedyRefine, Refine, Strategy};
use std::time::Instant;

#[path = "../benches/support/synthetic_loads.rs"]
mod synthetic_loads;
use synthetic_loads::{synthetic, DistributedAll, DISTRIBUTIONS};

fn main() {
    let max: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let strategies: [&dyn Strategy; 4] = [
        &Greedy,
        &GreedyRefine::default(),
        &Refine::default(),
        &DistributedAll,
    ];
    println!(
        "{:<11} {:>8} {:>6} {:>7} | {:<13} {:>7} {:>7} {:>10}",
        "loads", "objects", "PEs", "max/avg", "strategy", "after", "moved", "decision"
    );
    for dist in DISTRIBUTIONS {
        for (n, pes) in [
            (10_000, 64),
            (100_000, 1024),
            (1_000_000, 1024),
            (1_000_000, 16_384),
        ] {
            if n > max {
                continue;
            }
            let s = synthetic(dist, n, pes);
            let before = max_over_avg(&s.current_loads());
            for st in strategies {
                let t = Instant::now();
                let a = st.assign(&s);
                let took = t.elapsed();
                let moved = a.iter().zip(&s.objs).filter(|(&p, o)| p != o.pe).count();
                println!(
                    "{:<11} {:>8} {:>6} {:>7.3} | {:<13} {:>7.3} {:>6.1}% {:>8.1} ms",
                    dist,
                    n,
                    pes,
                    before,
                    st.name(),
                    max_over_avg(&s.pe_loads(&a)),
                    100.0 * moved as f64 / n as f64,
                    took.as_secs_f64() * 1e3
                );
            }
        }
    }
}
