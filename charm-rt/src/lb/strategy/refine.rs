//! Refine (after Charm++'s RefineLB): starts from where the objects are and moves as few as it
//! can, heaviest fitting object first, from PEs above the target to the least-loaded PE.

use super::pe_min::PeMin;
use super::{LbStats, Strategy};

/// Moves objects off PEs whose load exceeds the average times `tolerance` until each is within
/// it or nothing more fits: for each overloaded PE, busiest first, its heaviest object that the
/// least-loaded PE can take without itself exceeding the target. Few moves; balance limited by
/// the objects' sizes.
#[derive(Clone, Copy, Debug)]
pub struct Refine {
    /// Target: the average PE load times this (Charm++'s default is 1.05 for its refiners).
    pub tolerance: f64,
}

impl Default for Refine {
    fn default() -> Self {
        Refine { tolerance: 1.05 }
    }
}

impl Strategy for Refine {
    fn name(&self) -> &str {
        "Refine"
    }

    fn assign(&self, stats: &LbStats) -> Vec<u32> {
        let mut assignment: Vec<u32> = stats.objs.iter().map(|o| o.pe).collect();
        let loads = stats.current_loads();
        let pes = loads.len();
        let total: f64 = loads.iter().sum();
        let target = total / pes.max(1) as f64 * self.tolerance.max(1.0);
        // Each PE's migratable objects, heaviest first.
        let mut on: Vec<Vec<(u32, f64)>> = vec![Vec::new(); pes];
        for m in stats.movable_sorted() {
            on[m.pe as usize].push((m.index, m.load()));
        }
        let mut over: Vec<u32> = (0..pes as u32)
            .filter(|&p| loads[p as usize] > target)
            .collect();
        over.sort_by(|&a, &b| {
            loads[b as usize]
                .total_cmp(&loads[a as usize])
                .then(a.cmp(&b))
        });
        let mut min = PeMin::new(loads);
        for p in over {
            for &(i, load) in &on[p as usize] {
                if min.load(p) <= target {
                    break;
                }
                let to = min.min();
                if to != p && min.load(to) + load <= target {
                    min.add(p, -load);
                    min.add(to, load);
                    assignment[i as usize] = to;
                }
            }
        }
        assignment
    }
}
