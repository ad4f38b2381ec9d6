//! The load-balancing strategies on simulated PEs: synthetic load distributions, no runtime.
//! For each distribution, number of objects and number of PEs, prints the busiest PE over the
//! average before and after each strategy, the share of objects it moves, and how long it took
//! to decide (one run, so a rough figure; `cargo bench --bench lb_strategies` measures the time
//! properly).
//!
//! Run: `cargo run --release --example lb_sim [max_objects]` (default 1000000).

use charm_rt::lb::strategy::{
    max_over_avg, Distributed, Greedy, GreedyRefine, LbStats, ObjLoad, Refine, Strategy,
};
use std::time::Instant;

/// xorshift64*: uniform in [0, 1).
fn uniform(s: &mut u64) -> f64 {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    (s.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
}

/// Objects `0..n` placed in blocks on `pes` PEs, with loads from `dist`.
fn synthetic(dist: &str, n: usize, pes: usize) -> LbStats {
    let mut rng = 0x9e37_79b9_7f4a_7c15u64 ^ n as u64 ^ (pes as u64) << 40;
    let objs = (0..n)
        .map(|i| {
            let pe = (i * pes / n) as u32;
            let load = match dist {
                // exp(3u): loads spread over a factor of 20 (as in the Charm++ notes).
                "random" => (3.0 * uniform(&mut rng)).exp(),
                // Pareto with shape 1.5: a few objects far heavier than the rest.
                "heavy-tail" => (1.0 - uniform(&mut rng)).powf(-1.0 / 1.5),
                // Every object alike, except on PE 0, where each is ten times heavier.
                "hot-PE" => {
                    if pe == 0 {
                        10.0
                    } else {
                        1.0
                    }
                }
                // Load rising with the index, so PE loads rise from first to last.
                "ramp" => 1.0 + 9.0 * i as f64 / n as f64,
                _ => unreachable!(),
            };
            ObjLoad {
                pe,
                load,
                migratable: true,
            }
        })
        .collect();
    LbStats {
        background: vec![0.0; pes],
        idle: vec![0.0; pes],
        objs,
        comm: Vec::new(),
    }
}

struct DistributedAll;

impl Strategy for DistributedAll {
    fn name(&self) -> &str {
        "Distributed"
    }
    fn assign(&self, stats: &LbStats) -> Vec<u32> {
        Distributed::default().assign(stats)
    }
}

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
    for dist in ["random", "heavy-tail", "hot-PE", "ramp"] {
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
