//! The clock that load measurements use, and this PE's idle time on it. Services time what they
//! run with [`LoadClock::now`]; idle time is measured only once a service asks (the load
//! balancer, when it first times an element on this PE): then the scheduler reads the clock in
//! each round that finds no work.
//!
//! Wall time is the default. When PEs outnumber cores, a PE's wall time includes the time the
//! operating system gave its core to another PE, so one element's measured load would depend on
//! what ran beside it; the thread's CPU time does not, at the cost of a system call per reading
//! (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`; the vDSO serves only the wall clocks).

use std::cell::Cell;
use std::time::Instant;

/// Which clock loads are measured on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClockKind {
    Wall,
    Cpu,
}

pub(crate) struct LoadClock {
    kind: Cell<ClockKind>,
    /// Idle time is being measured.
    on: Cell<bool>,
    /// The last reading taken while idle (`None` while working).
    idle_mark: Cell<Option<u64>>,
    /// Nanoseconds idle since the PE started, elapsed time.
    idle: Cell<u64>,
    origin: Instant,
}

impl Default for LoadClock {
    fn default() -> Self {
        LoadClock {
            kind: Cell::new(ClockKind::Wall),
            on: Cell::new(false),
            idle_mark: Cell::new(None),
            idle: Cell::new(0),
            origin: Instant::now(),
        }
    }
}

impl LoadClock {
    /// Measures on `kind` (before any measurement is taken).
    pub(crate) fn set_kind(&self, kind: ClockKind) {
        self.kind.set(kind);
    }

    /// Starts measuring idle time.
    pub(crate) fn track_idle(&self) {
        self.on.set(true);
    }

    /// Whether idle time is measured.
    #[inline]
    pub(crate) fn on(&self) -> bool {
        self.on.get()
    }

    /// Nanoseconds on the chosen clock (from an arbitrary origin).
    #[inline]
    pub(crate) fn now(&self) -> u64 {
        match self.kind.get() {
            ClockKind::Wall => self.origin.elapsed().as_nanos() as u64,
            ClockKind::Cpu => thread_cpu_ns(),
        }
    }

    /// Nanoseconds of elapsed time on the wall clock (whatever the chosen clock).
    #[inline]
    fn wall_now(&self) -> u64 {
        self.origin.elapsed().as_nanos() as u64
    }

    /// Nanoseconds idle so far, in elapsed time: idle rounds read the cheap wall clock even
    /// when loads are CPU time (a CPU-time reading is a system call, and an idle PE polls
    /// often). Only stretches closed by a later idle round count: one still open may be ending
    /// in the busy round that asks.
    pub(crate) fn idle_ns(&self) -> u64 {
        self.idle.get()
    }

    /// A round of the scheduler found nothing to do (and may be about to sleep, or just woke).
    #[inline]
    pub(super) fn idle_round(&self) {
        if self.on.get() {
            let now = self.wall_now();
            if let Some(mark) = self.idle_mark.get() {
                self.idle.set(self.idle.get() + now.saturating_sub(mark));
            }
            self.idle_mark.set(Some(now));
        }
    }

    /// A round of the scheduler did work: the idle stretch (if any) ended at its last reading.
    #[inline]
    pub(super) fn busy_round(&self) {
        self.idle_mark.set(None);
    }
}

/// The host's online cores. Not `available_parallelism`, which under `mpirun` is the one core
/// a rank is bound to.
pub(crate) fn online_cores() -> usize {
    // SAFETY: `sysconf` only reads a system setting; it has no memory effects.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    if n > 0 {
        n as usize
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
}

/// CPU time of the calling thread, in nanoseconds.
fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable `timespec` for the duration of the call, and
    // CLOCK_THREAD_CPUTIME_ID is a clock every Linux and macOS kernel provides.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return 0;
    }
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn idle_time_counts_only_idle_rounds_while_on() {
        let c = LoadClock::default();
        c.idle_round();
        std::thread::sleep(std::time::Duration::from_millis(2));
        c.idle_round();
        assert_eq!(c.idle_ns(), 0, "off: nothing is measured");
        c.track_idle();
        c.idle_round();
        std::thread::sleep(std::time::Duration::from_millis(5));
        c.idle_round(); // the scheduler's round after it woke, finding work next
        c.busy_round();
        let idle = c.idle_ns();
        assert!(idle >= 5_000_000, "{idle}");
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(c.idle_ns(), idle, "busy time is not idle time");
    }

    #[test]
    fn cpu_time_advances_with_work_not_with_sleep() {
        let c = LoadClock::default();
        c.set_kind(ClockKind::Cpu);
        let t0 = c.now();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let slept = c.now() - t0;
        let t1 = c.now();
        let mut x = 0u64;
        let start = Instant::now();
        while start.elapsed() < std::time::Duration::from_millis(20) {
            x = x.wrapping_mul(31).wrapping_add(7);
        }
        std::hint::black_box(x);
        let worked = c.now() - t1;
        assert!(slept < 5_000_000, "sleeping took {slept} ns of CPU");
        assert!(worked > 5_000_000, "working took only {worked} ns of CPU");
    }
}
