//! Synthetic load distributions for the load-balancing strategies (shared by
//! `examples/lb_sim.rs` and `benches/lb_strategies.rs`): objects placed in blocks on the PEs,
//! with loads drawn from a named distribution by a fixed-seed generator, so every run sees the
//! same input.

use charm_rt::lb::strategy::{Distributed, LbStats, ObjLoad, Strategy};

/// The distributions [`synthetic`] knows.
#[allow(dead_code)]
pub const DISTRIBUTIONS: [&str; 4] = ["random", "heavy-tail", "hot-PE", "ramp"];

/// xorshift64*: uniform in [0, 1).
fn uniform(s: &mut u64) -> f64 {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    (s.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
}

/// Objects `0..n` placed in blocks on `pes` PEs, with loads from `dist`.
pub fn synthetic(dist: &str, n: usize, pes: usize) -> LbStats {
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

/// The distributed strategy run in one place (all PEs' picking one after the other), so it can
/// be measured and compared like the central ones.
pub struct DistributedAll;

impl Strategy for DistributedAll {
    fn name(&self) -> &str {
        "Distributed"
    }
    fn assign(&self, stats: &LbStats) -> Vec<u32> {
        Distributed::default().assign(stats)
    }
}
