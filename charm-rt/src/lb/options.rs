//! The launch options of load balancing (`+balancer`, `+LBDebug 1`, `+LBTolerance`, `+LBTimer`),
//! shared by the PEs of a process.

use crate::scheduler::ClockKind;
use std::sync::{Arc, RwLock};

/// What loads are measured in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadTimer {
    /// Elapsed time: right when every PE has a core of its own.
    Wall,
    /// The PE thread's CPU time: right when PEs share cores (elapsed time would count the time
    /// another PE held the core).
    Cpu,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Options {
    /// The strategy to balance with; `None`: elements resume at once, nothing moves.
    pub balancer: Option<String>,
    pub debug: bool,
    /// A strategy's tolerance, when given (`+LBTolerance 1.05`).
    pub tolerance: Option<f64>,
    pub timer: Option<LoadTimer>,
    /// PEs in this process or host share its cores: the default timer is CPU time.
    pub oversubscribed: bool,
}

impl Options {
    /// Whether the launch strategy sees only PE totals.
    pub(crate) fn distributed(&self) -> bool {
        matches!(
            self.balancer.as_deref().and_then(super::strategy::builtin),
            Some(super::strategy::Builtin::Distributed(_))
        )
    }

    pub(crate) fn clock(&self) -> ClockKind {
        match self.timer {
            Some(LoadTimer::Wall) => ClockKind::Wall,
            Some(LoadTimer::Cpu) => ClockKind::Cpu,
            None if self.oversubscribed => ClockKind::Cpu,
            None => ClockKind::Wall,
        }
    }
}

static OPTIONS: RwLock<Option<Arc<Options>>> = RwLock::new(None);

/// Sets the options for the job about to start in this process.
pub(crate) fn set(o: Options) {
    *OPTIONS.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(o));
}

pub(crate) fn get() -> Arc<Options> {
    OPTIONS
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .unwrap_or_default()
}
