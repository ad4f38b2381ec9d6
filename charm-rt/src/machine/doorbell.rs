//! How an idle PE sleeps and how others wake it.
//!
//! An idle PE first spins for a short while (a message that arrives then costs no wake-up), then
//! announces that it sleeps and parks its thread. Senders ring the doorbell after enqueueing; the
//! ring costs one shared load unless the PE actually sleeps. The two sides use the store → fence →
//! load pattern, so a message enqueued while the PE goes to sleep is never missed.

mod sync;
#[cfg(test)]
mod test;

use std::sync::atomic::Ordering;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use sync::{fence, AtomicBool, Thread};

/// How long an idle PE polls before it parks.
pub const SPIN: Duration = Duration::from_micros(50);

/// The wake-up handle of one PE.
#[derive(Debug, Default)]
pub struct Doorbell {
    sleeping: AtomicBool,
    thread: OnceLock<Thread>,
}

impl Doorbell {
    /// Binds the doorbell to the calling thread (the PE's scheduler thread).
    pub fn bind_current_thread(&self) {
        let _ = self.thread.set(sync::current());
    }

    /// Wakes the PE if it sleeps. Call after making the work visible.
    #[inline]
    pub fn ring(&self) {
        fence(Ordering::SeqCst);
        if self.sleeping.load(Ordering::Relaxed) {
            if let Some(t) = self.thread.get() {
                t.unpark();
            }
        }
    }

    /// Sleeps until rung (or `timeout` passes), unless `has_work` says work is already there.
    /// Spurious returns are allowed: the caller re-checks its queues.
    pub fn sleep(&self, timeout: Option<Duration>, has_work: impl Fn() -> bool) {
        self.sleeping.store(true, Ordering::Relaxed);
        fence(Ordering::SeqCst);
        if !has_work() {
            match timeout {
                Some(t) => sync::park_timeout(t),
                None => sync::park(),
            }
        }
        self.sleeping.store(false, Ordering::Relaxed);
    }
}

/// Spin-then-sleep policy of an idle PE.
#[derive(Debug)]
pub struct IdleState {
    since: Option<Instant>,
    spins: u32,
    spin: Duration,
}

impl Default for IdleState {
    fn default() -> Self {
        Self::new()
    }
}

impl IdleState {
    /// A PE that is busy, spinning [`SPIN`] when idle.
    pub fn new() -> Self {
        Self::with_spin(SPIN)
    }

    /// A PE that is busy, spinning `spin` when idle.
    pub fn with_spin(spin: Duration) -> Self {
        IdleState {
            since: None,
            spins: 0,
            spin,
        }
    }

    /// The PE did some work.
    #[inline]
    pub fn busy(&mut self) {
        self.since = None;
        self.spins = 0;
    }

    /// The PE found nothing to do; returns true when it has spun long enough to sleep.
    #[inline]
    pub fn idle_should_sleep(&mut self) -> bool {
        self.spins += 1;
        if !self.spins.is_multiple_of(64) {
            std::hint::spin_loop();
            return false;
        }
        let now = Instant::now();
        let since = *self.since.get_or_insert(now);
        if now - since < self.spin {
            std::hint::spin_loop();
            false
        } else {
            // Give another thread on this core a chance before parking.
            std::thread::yield_now();
            self.spins >= 64 * 4
        }
    }
}
