//! Quiescence detection, and the report of a job that can never continue.
//!
//! Every PE counts the messages it sent to other PEs and the messages it took in from them
//! (runtime control messages excluded; messages a PE sends itself balance out by the time it is
//! idle, so they are not counted). PE 0 runs waves: it asks every PE for its counts, and each PE answers once it is
//! idle. The job is quiescent when two consecutive waves find the same totals, with as many
//! messages taken in as sent: nothing ran, nothing is queued, nothing is in flight.
//!
//! At quiescence, futures waiting in `wait_qd`/`start_qd` are resolved. If nobody asked for
//! quiescence but coroutines still await futures, nothing can ever resolve them: the job would
//! hang, so it ends with a report of those futures instead (Charm4py hangs silently there).

use super::control::{self, QD_REPLY, QD_REQUEST, QD_START};
use super::Pe;
use crate::message::{Body, Envelope, FutureId, HandlerId};
use std::cell::{Cell, RefCell};
use std::time::{Duration, Instant};

#[cfg(test)]
mod test;
mod waves;

use waves::{Outcome, Waves, IDLE_BEFORE_WAVE};

/// A PE's answer to a wave.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QdCounts {
    /// Messages this PE sent.
    pub sent: u64,
    /// Messages this PE took in.
    pub processed: u64,
    /// Futures some coroutine awaits on this PE.
    pub awaited: u64,
    /// Descriptions of (some of) them.
    pub about: Vec<String>,
}

/// Quiescence-detection state of one PE.
#[derive(Default)]
pub(crate) struct Qd {
    pub sent: Cell<u64>,
    pub processed: Cell<u64>,
    /// A wave asked this PE for its counts (answered when idle).
    pub(super) pending_wave: Cell<Option<u32>>,
    /// The waves (PE 0 only).
    waves: RefCell<Waves>,
}

impl Qd {
    fn local(&self) -> (u64, u64) {
        (self.sent.get(), self.processed.get())
    }
}

/// The report of a job that can never continue can be turned off with `CHARM_HANG_CHECK=0`
/// (for programs whose coroutines wait on events from outside the runtime, such as another
/// runtime's timers, which the quiescence counts cannot see).
fn hang_check_enabled() -> bool {
    !matches!(
        std::env::var("CHARM_HANG_CHECK").as_deref(),
        Ok("0" | "false" | "off")
    )
}

impl Pe {
    /// Counts a message sent to another PE (runtime control messages are not counted).
    #[inline]
    pub(crate) fn count_sent(&self, handler: HandlerId) {
        if self.services.counted(handler) {
            self.qd_count_one_sent();
        }
    }

    /// Counts one message (not a runtime control message) sent to another PE.
    #[inline]
    pub(crate) fn qd_count_one_sent(&self) {
        self.qd.sent.set(self.qd.sent.get() + 1);
    }

    /// Counts a message taken in from another PE.
    #[inline]
    pub(crate) fn count_processed(&self, env: &Envelope) {
        if self.services.counted(env.dest.handler) {
            self.qd.processed.set(self.qd.processed.get() + 1);
        }
    }

    fn control(&self, to: usize, handler: HandlerId, wave: u32, body: Body) {
        let env = control::envelope(handler, wave, 0, 0, body);
        if to == self.id {
            self.queue.borrow_mut().push_back(env);
        } else {
            self.endpoint.send(to, env);
        }
    }

    /// Asks for `f` to be resolved at the next quiescence.
    pub(crate) fn start_qd(&self, f: FutureId) {
        if self.id == 0 {
            self.qd.waves.borrow_mut().start(f);
        } else {
            let [a, b] = f.to_words();
            self.endpoint
                .send(0, control::envelope(QD_START, 0, a, b, Body::Empty));
        }
    }

    /// How long PE 0 may sleep while idle before it must start a wave.
    pub(crate) fn qd_max_sleep(&self) -> Option<Duration> {
        (self.id == 0).then_some(IDLE_BEFORE_WAVE)
    }

    /// Called when the PE has nothing to do: answer a pending wave; on PE 0, start one.
    pub(crate) fn qd_idle(&self) {
        if let Some(wave) = self.qd.pending_wave.take() {
            let counts = self.qd_counts();
            self.control(0, QD_REPLY, wave, Body::Typed(Box::new(counts)));
        }
        if self.id != 0 {
            return;
        }
        let wave = self
            .qd
            .waves
            .borrow_mut()
            .idle(Instant::now(), self.qd.local(), self.num_pes);
        if let Some(wave) = wave {
            for p in 0..self.num_pes {
                self.control(p, QD_REQUEST, wave, Body::Empty);
            }
        }
    }

    /// The PE did some work: PE 0 waits a while before the next wave.
    #[inline]
    pub(crate) fn qd_busy(&self) {
        if self.id == 0 {
            self.qd.waves.borrow_mut().busy();
        }
    }

    fn qd_counts(&self) -> QdCounts {
        let mut c = QdCounts::default();
        for report in &self.services.hooks.awaited {
            let (n, about) = report(self);
            c.add_awaited(n, about);
        }
        (c.sent, c.processed) = self.qd.local();
        c
    }

    pub(super) fn qd_reply(&self, wave: u32, c: QdCounts) {
        let local = self.qd.local();
        let outcome = self
            .qd
            .waves
            .borrow_mut()
            .reply(wave, c, local, hang_check_enabled());
        match outcome {
            Outcome::Pending | Outcome::NotQuiescent | Outcome::Settled => {}
            Outcome::Resolve(waiters) => {
                for f in waiters {
                    (self.services.hooks.resolve)(self, f);
                }
            }
            Outcome::Hang(report) => self.abort(&report),
        }
    }
}
