//! Optional per-PE profile: time and calls per entry method, messages sent. Off by default (one
//! branch per message when off); turned on by `++profile` or `CHARM_PROFILE=1`, announced by the
//! startup banner, printed by each PE when the job ends.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write;
use std::time::Duration;

#[derive(Default)]
struct Counts {
    calls: u64,
    time: Duration,
}

/// One PE's profile.
#[derive(Default)]
pub(crate) struct Profile {
    enabled: bool,
    entries: RefCell<HashMap<(&'static str, &'static str), Counts>>,
    local_sends: std::cell::Cell<u64>,
    remote_sends: std::cell::Cell<u64>,
}

impl Profile {
    pub(crate) fn new(enabled: bool) -> Self {
        Profile {
            enabled,
            ..Profile::default()
        }
    }

    #[inline]
    pub(crate) fn enabled(&self) -> bool {
        self.enabled
    }

    pub(crate) fn record_entry(&self, chare: &'static str, method: &'static str, time: Duration) {
        let mut e = self.entries.borrow_mut();
        let c = e.entry((chare, method)).or_default();
        c.calls += 1;
        c.time += time;
    }

    #[inline]
    pub(crate) fn record_send(&self, local: bool) {
        if self.enabled {
            let c = if local {
                &self.local_sends
            } else {
                &self.remote_sends
            };
            c.set(c.get() + 1);
        }
    }

    /// The report of PE `pe`, or nothing when profiling is off.
    pub(crate) fn report(&self, pe: usize) -> Option<String> {
        if !self.enabled {
            return None;
        }
        let mut rows: Vec<_> = self
            .entries
            .borrow()
            .iter()
            .map(|(k, v)| (*k, v.calls, v.time))
            .collect();
        rows.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Charm-rs> profile of PE {pe}: {} messages sent to this PE, {} to other PEs",
            self.local_sends.get(),
            self.remote_sends.get()
        );
        let _ = writeln!(
            out,
            "Charm-rs> PE {pe} {:<48} {:>10} {:>12} {:>10}",
            "entry method", "calls", "total ms", "mean us"
        );
        for ((chare, method), calls, time) in rows {
            let _ = writeln!(
                out,
                "Charm-rs> PE {pe} {:<48} {:>10} {:>12.3} {:>10.3}",
                format!("{chare}::{method}"),
                calls,
                time.as_secs_f64() * 1e3,
                time.as_secs_f64() * 1e6 / calls as f64
            );
        }
        Some(out)
    }
}
