//! Load-balancing strategies: pure functions from a step's measurements ([`LbStats`]) to a new
//! placement, unit-tested apart from the runtime (`test.rs`). The runtime gathers the
//! measurements, runs the chosen strategy on PE 0, checks its answer and moves the elements.
//!
//! Built in, by the names `+balancer` takes (Charm++'s names with `LB` are accepted too):
//! [`Greedy`], [`GreedyRefine`] (the default when a balancer is asked for without a name),
//! [`Refine`], [`Rotate`], [`Dummy`], and [`Distributed`], which sees only PE totals.

mod distributed;
mod greedy;
mod pe_min;
mod refine;
mod simple;
#[cfg(test)]
mod test;

pub use distributed::{Distributed, Transfer};
pub use greedy::{Greedy, GreedyRefine};
pub use refine::Refine;
pub use simple::{Dummy, Rotate};

use serde::{Deserialize, Serialize};

/// One object (an array element) in a load-balancing step.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ObjLoad {
    /// The PE it is on.
    pub pe: u32,
    /// Seconds it spent in its entry methods since the last step.
    pub load: f64,
    /// Whether it may move (`false` after `set_migratable(false)`, or for a chare type that
    /// cannot): a strategy must leave it where it is, and its load counts on its PE.
    pub migratable: bool,
}

/// Messages and bytes one object sent another since the last step.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommEdge {
    /// Sender, as an index into [`LbStats::objs`].
    pub from: u32,
    /// Receiver, as an index into [`LbStats::objs`].
    pub to: u32,
    /// Messages sent.
    pub messages: u64,
    /// Bytes of their arguments.
    pub bytes: u64,
}

/// What a strategy sees: every object of the collection being balanced and every PE's load
/// that does not belong to those objects.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LbStats {
    /// Per PE, seconds of work that no object accounts for (the runtime, other collections'
    /// chares): it stays on its PE whatever the strategy does.
    pub background: Vec<f64>,
    /// Per PE, seconds it was idle since the last step (for strategies that want it).
    pub idle: Vec<f64>,
    /// The objects, in an order that is the same on every run with the same input.
    pub objs: Vec<ObjLoad>,
    /// Who talked to whom, when the strategy asked for it ([`Strategy::wants_comm`]).
    pub comm: Vec<CommEdge>,
}

impl LbStats {
    /// Number of PEs.
    pub fn num_pes(&self) -> usize {
        self.background.len()
    }

    /// Each PE's load if the objects were placed as `assignment` says.
    pub fn pe_loads(&self, assignment: &[u32]) -> Vec<f64> {
        let mut loads = self.background.clone();
        for (o, &pe) in self.objs.iter().zip(assignment) {
            loads[pe as usize] += o.load;
        }
        loads
    }

    /// Each PE's load as the objects are placed now.
    pub fn current_loads(&self) -> Vec<f64> {
        let now: Vec<u32> = self.objs.iter().map(|o| o.pe).collect();
        self.pe_loads(&now)
    }

    /// The PEs' loads before any migratable object is placed: background plus the objects
    /// that cannot move.
    pub fn fixed_loads(&self) -> Vec<f64> {
        let mut loads = self.background.clone();
        for o in self.objs.iter().filter(|o| !o.migratable) {
            loads[o.pe as usize] += o.load;
        }
        loads
    }

    /// Indices of the migratable objects, heaviest first (ties by index, so every PE and run
    /// agrees).
    pub fn movable_heaviest_first(&self) -> Vec<u32> {
        self.movable_sorted().into_iter().map(|m| m.index).collect()
    }

    /// The migratable objects, heaviest first (ties by index), each with its load and PE: the
    /// strategies walk this in order instead of reaching back into [`LbStats::objs`] at random,
    /// which on a million objects cost more than all the rest.
    pub(crate) fn movable_sorted(&self) -> Vec<Movable> {
        let keyed: Vec<Movable> = self
            .objs
            .iter()
            .enumerate()
            .filter(|(_, o)| o.migratable)
            .map(|(i, o)| Movable {
                // Loads are non-negative, so their bit patterns order like the numbers;
                // inverted, the heaviest comes first.
                key: !o.load.max(0.0).to_bits(),
                index: i as u32,
                pe: o.pe,
            })
            .collect();
        radix_sort(keyed)
    }
}

/// A migratable object as the strategies walk it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Movable {
    /// The load's bits, inverted (see [`LbStats::movable_sorted`]).
    key: u64,
    pub index: u32,
    pub pe: u32,
}

impl Movable {
    #[inline]
    pub(crate) fn load(&self) -> f64 {
        f64::from_bits(!self.key)
    }
}

/// Sorts by the upper 32 bits of the key (sign, exponent and 20 bits of mantissa: loads that
/// differ by less than one part in a million count as equal), stably, so equal keys keep their
/// index order and every run agrees: four passes over one byte each, skipping bytes that are
/// the same in every key. On a million objects this takes a few milliseconds where a
/// comparison sort took tens.
fn radix_sort(mut v: Vec<Movable>) -> Vec<Movable> {
    let mut buf = vec![Movable::default(); v.len()];
    for byte in 4..8 {
        let shift = byte * 8;
        let mut counts = [0usize; 256];
        for m in &v {
            counts[((m.key >> shift) & 0xff) as usize] += 1;
        }
        if counts.contains(&v.len()) {
            continue;
        }
        let mut start = 0;
        for c in counts.iter_mut() {
            let n = *c;
            *c = start;
            start += n;
        }
        for &m in &v {
            let d = ((m.key >> shift) & 0xff) as usize;
            buf[counts[d]] = m;
            counts[d] += 1;
        }
        std::mem::swap(&mut v, &mut buf);
    }
    v
}

/// Largest PE load over the average (1 is perfect balance); 1 when there is no load at all.
pub fn max_over_avg(loads: &[f64]) -> f64 {
    let total: f64 = loads.iter().sum();
    if loads.is_empty() || total <= 0.0 {
        return 1.0;
    }
    let max = loads.iter().cloned().fold(f64::MIN, f64::max);
    max * loads.len() as f64 / total
}

/// A load-balancing strategy: from the measurements, the PE each object should be on.
///
/// Strategies run on PE 0 once every element of the collection called `at_sync()`. Their
/// answer is checked: one PE per object, each a PE of the job, and every object that is not
/// migratable left where it is; a strategy that breaks this ends the job with a message naming
/// it. Register your own with [`crate::lb::add_strategy`] and select it by name.
pub trait Strategy: Send + Sync {
    /// The name `+balancer` and `set_balancer` know it by.
    fn name(&self) -> &str;
    /// The PE of each object of `stats.objs`, in the same order. `stats` has at least one PE
    /// (the runtime never asks about fewer).
    fn assign(&self, stats: &LbStats) -> Vec<u32>;
    /// Whether the strategy reads [`LbStats::comm`]; the runtime records the graph only then.
    fn wants_comm(&self) -> bool {
        false
    }
}

/// Why a strategy's answer cannot be used.
pub(crate) fn check_assignment(stats: &LbStats, assignment: &[u32]) -> Result<(), String> {
    if assignment.len() != stats.objs.len() {
        return Err(format!(
            "it placed {} objects, but there are {}",
            assignment.len(),
            stats.objs.len()
        ));
    }
    let pes = stats.num_pes() as u32;
    for (i, (o, &pe)) in stats.objs.iter().zip(assignment).enumerate() {
        if pe >= pes {
            return Err(format!(
                "it placed object {i} on PE {pe}, but the job has {pes} PEs"
            ));
        }
        if !o.migratable && pe != o.pe {
            return Err(format!(
                "it moved object {i}, which is not migratable, from PE {} to PE {pe}",
                o.pe
            ));
        }
    }
    Ok(())
}

/// A built-in strategy by name (case does not matter; a trailing `LB` is ignored, so
/// Charm++'s `GreedyRefineLB` works), with its default tolerance.
pub(crate) fn builtin(name: &str) -> Option<Builtin> {
    builtin_with(name, None)
}

/// [`builtin`], with the tolerance of `+LBTolerance` when given (GreedyRefine, Refine,
/// Distributed).
pub(crate) fn builtin_with(name: &str, tolerance: Option<f64>) -> Option<Builtin> {
    let lower = name.to_ascii_lowercase();
    let base = lower.strip_suffix("lb").unwrap_or(&lower);
    Some(match base {
        "greedy" => Builtin::Central(Box::new(Greedy)),
        "greedyrefine" => Builtin::Central(Box::new(GreedyRefine {
            tolerance: tolerance.unwrap_or(GreedyRefine::default().tolerance),
        })),
        "refine" => Builtin::Central(Box::new(Refine {
            tolerance: tolerance.unwrap_or(Refine::default().tolerance),
        })),
        "rotate" => Builtin::Central(Box::new(Rotate)),
        "dummy" => Builtin::Central(Box::new(Dummy)),
        "distributed" => Builtin::Distributed(Distributed {
            tolerance: tolerance.unwrap_or(Distributed::default().tolerance),
        }),
        _ => return None,
    })
}

/// The names [`builtin`] knows, for error messages and docs.
pub(crate) const BUILTIN_NAMES: &[&str] = &[
    "GreedyRefine",
    "Greedy",
    "Refine",
    "Rotate",
    "Dummy",
    "Distributed",
];

/// A strategy as the runtime runs it: on PE 0 with every object, or spread over the PEs.
pub(crate) enum Builtin {
    Central(Box<dyn Strategy>),
    Distributed(Distributed),
}
