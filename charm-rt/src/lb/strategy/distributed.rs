//! A strategy that never gathers the objects in one place: PE 0 sees one number per PE (its
//! load), decides how much load each overloaded PE should hand to which underloaded PE, and
//! each overloaded PE picks the objects to send from its own. The work on PE 0 grows with the
//! number of PEs only; the work on each PE with its own objects only.
//!
//! Compared with Charm++'s DistributedLB (gossip among underloaded PEs, probabilistic transfers
//! with acknowledgements over several phases), this takes one reduction of PE totals and one
//! message to each PE, is deterministic, and works on any number of PEs (Charm++'s needs three;
//! its issue #1275). Its balance is limited by what each PE can pick locally.

use super::{LbStats, ObjLoad};

/// Load transfers planned from PE totals, objects picked where they are.
#[derive(Clone, Copy, Debug)]
pub struct Distributed {
    /// PEs whose load is within the average times this are left alone.
    pub tolerance: f64,
}

impl Default for Distributed {
    fn default() -> Self {
        Distributed { tolerance: 1.02 }
    }
}

/// Load that one PE should send to another.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Transfer {
    /// The PE to send load to.
    pub to: u32,
    /// How much: seconds of measured work.
    pub amount: f64,
}

impl Distributed {
    /// The name `+balancer` knows it by.
    pub fn name(&self) -> &str {
        "Distributed"
    }

    /// On PE 0: from each PE's load (objects that can move plus everything that cannot) and
    /// the mean load of its movable objects (its grain), what each PE should send where. PEs
    /// above `average × tolerance` shed down to the average. Each transfer goes to the PE
    /// furthest below the average and is at least one grain, so objects larger than the small
    /// gaps of many slightly underloaded PEs still find a place (one each) instead of none.
    pub fn plan(&self, loads: &[f64], grains: &[f64]) -> Vec<Vec<Transfer>> {
        let pes = loads.len();
        let mut plan = vec![Vec::new(); pes];
        if pes < 2 {
            return plan;
        }
        let avg = loads.iter().sum::<f64>() / pes as f64;
        let mut over: Vec<(u32, f64)> = (0..pes as u32)
            .filter(|&p| loads[p as usize] > avg * self.tolerance.max(1.0))
            .map(|p| (p, loads[p as usize] - avg))
            .collect();
        over.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        // Underloaded PEs by how far below the average they are, most first.
        let mut under: std::collections::BinaryHeap<(u64, std::cmp::Reverse<u32>)> = (0..pes
            as u32)
            .filter(|&p| loads[p as usize] < avg)
            .map(|p| ((avg - loads[p as usize]).to_bits(), std::cmp::Reverse(p)))
            .collect();
        for (p, mut surplus) in over {
            let grain = grains[p as usize];
            while surplus > grain / 2.0 && surplus > 0.0 {
                let Some((gap, std::cmp::Reverse(to))) = under.pop() else {
                    break;
                };
                let gap = f64::from_bits(gap);
                let amount = surplus.min(gap.max(grain));
                plan[p as usize].push(Transfer { to, amount });
                surplus -= amount;
                if gap - amount > 0.0 {
                    under.push(((gap - amount).to_bits(), std::cmp::Reverse(to)));
                }
            }
        }
        plan
    }

    /// On each PE: which of its objects go where to carry out its transfers. `objs` are this
    /// PE's objects (index, load, migratable); returns (index, PE) pairs. Heaviest first, each
    /// object goes to the first transfer it fits in whole; an object may overfill a transfer by
    /// at most half its own load (so a transfer smaller than every object may still take one
    /// when that brings the PEs closer).
    pub fn pick(&self, objs: &[(u32, ObjLoad)], transfers: &[Transfer]) -> Vec<(u32, u32)> {
        let mut left: Vec<f64> = transfers.iter().map(|t| t.amount).collect();
        // Elements that measured no work would fit any transfer and move for nothing.
        let mut order: Vec<&(u32, ObjLoad)> = objs
            .iter()
            .filter(|(_, o)| o.migratable && o.load > 0.0)
            .collect();
        order.sort_unstable_by_key(|(i, o)| (std::cmp::Reverse(o.load.max(0.0).to_bits()), *i));
        let mut moves = Vec::new();
        for (i, o) in order {
            if let Some(t) = (0..left.len()).find(|&t| o.load <= left[t] + o.load / 2.0) {
                left[t] -= o.load;
                moves.push((*i, transfers[t].to));
            }
            if left.iter().all(|&l| l <= 0.0) {
                break;
            }
        }
        moves
    }

    /// The whole strategy in one place, as the runtime spreads it over the PEs (for tests and
    /// for measuring it on simulated PEs): the new PE of every object.
    pub fn assign(&self, stats: &LbStats) -> Vec<u32> {
        let pes = stats.num_pes();
        let mut on: Vec<Vec<(u32, ObjLoad)>> = vec![Vec::new(); pes];
        for (i, o) in stats.objs.iter().enumerate() {
            on[o.pe as usize].push((i as u32, *o));
        }
        let grains: Vec<f64> = on.iter().map(|objs| grain(objs)).collect();
        let plan = self.plan(&stats.current_loads(), &grains);
        let mut assignment: Vec<u32> = stats.objs.iter().map(|o| o.pe).collect();
        for (p, transfers) in plan.iter().enumerate() {
            if !transfers.is_empty() {
                for (i, to) in self.pick(&on[p], transfers) {
                    assignment[i as usize] = to;
                }
            }
        }
        assignment
    }
}

/// The mean load of a PE's movable objects (0 without any).
pub fn grain(objs: &[(u32, ObjLoad)]) -> f64 {
    let (n, sum) = objs
        .iter()
        .filter(|(_, o)| o.migratable)
        .fold((0usize, 0.0), |(n, s), (_, o)| (n + 1, s + o.load));
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
}
