//! The two strategies that do not weigh anything: for testing migration and measuring the
//! cost of a step.

use super::{LbStats, Strategy};

/// Moves every migratable object to the next PE (Charm++'s RotateLB): every step moves
/// everything, which exercises the migration paths.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rotate;

impl Strategy for Rotate {
    fn name(&self) -> &str {
        "Rotate"
    }

    fn assign(&self, stats: &LbStats) -> Vec<u32> {
        let pes = stats.num_pes() as u32;
        stats
            .objs
            .iter()
            .map(|o| if o.migratable { (o.pe + 1) % pes } else { o.pe })
            .collect()
    }
}

/// Moves nothing (Charm++'s DummyLB): the step still gathers the measurements and
/// synchronises, so its cost can be measured.
#[derive(Clone, Copy, Debug, Default)]
pub struct Dummy;

impl Strategy for Dummy {
    fn name(&self) -> &str {
        "Dummy"
    }

    fn assign(&self, stats: &LbStats) -> Vec<u32> {
        stats.objs.iter().map(|o| o.pe).collect()
    }
}
