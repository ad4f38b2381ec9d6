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

/// How long PE 0 stays idle before it starts a wave.
const IDLE_BEFORE_WAVE: Duration = Duration::from_millis(20);

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
    // PE 0 only:
    waiters: RefCell<Vec<FutureId>>,
    wave: Cell<u32>,
    in_wave: Cell<bool>,
    replies_left: Cell<usize>,
    totals: RefCell<QdCounts>,
    previous: RefCell<Option<(u64, u64)>>,
    idle_since: Cell<Option<Instant>>,
    /// Counts at the last quiescence nobody used, so idle waves stop until something happens.
    settled_at: Cell<Option<(u64, u64)>>,
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
            self.qd.waiters.borrow_mut().push(f);
            self.qd.settled_at.set(None);
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
        if self.id != 0 || self.qd.in_wave.get() {
            return;
        }
        let now = Instant::now();
        let since = match self.qd.idle_since.get() {
            Some(t) => t,
            None => {
                self.qd.idle_since.set(Some(now));
                now
            }
        };
        if now - since < IDLE_BEFORE_WAVE {
            return;
        }
        let totals_now = (self.qd.sent.get(), self.qd.processed.get());
        if self.qd.waiters.borrow().is_empty() && self.qd.settled_at.get() == Some(totals_now) {
            return; // already found quiescent with nothing to do, and nothing happened since
        }
        let wave = self.qd.wave.get().wrapping_add(1);
        self.qd.wave.set(wave);
        self.qd.in_wave.set(true);
        self.qd.replies_left.set(self.num_pes);
        *self.qd.totals.borrow_mut() = QdCounts::default();
        for p in 0..self.num_pes {
            self.control(p, QD_REQUEST, wave, Body::Empty);
        }
    }

    /// The PE did some work: PE 0 waits a while before the next wave.
    #[inline]
    pub(crate) fn qd_busy(&self) {
        if self.id == 0 {
            self.qd.idle_since.set(None);
        }
    }

    fn qd_counts(&self) -> QdCounts {
        let (mut awaited, mut about) = (0, Vec::new());
        for report in &self.services.hooks.awaited {
            let (n, more) = report(self);
            awaited += n;
            about.extend(more.into_iter().take(8usize.saturating_sub(about.len())));
        }
        QdCounts {
            sent: self.qd.sent.get(),
            processed: self.qd.processed.get(),
            awaited,
            about,
        }
    }

    pub(super) fn qd_reply(&self, wave: u32, c: QdCounts) {
        if wave != self.qd.wave.get() || !self.qd.in_wave.get() {
            return;
        }
        {
            let mut t = self.qd.totals.borrow_mut();
            t.sent += c.sent;
            t.processed += c.processed;
            t.awaited += c.awaited;
            let room = 8usize.saturating_sub(t.about.len());
            t.about.extend(c.about.into_iter().take(room));
        }
        self.qd.replies_left.set(self.qd.replies_left.get() - 1);
        if self.qd.replies_left.get() > 0 {
            return;
        }
        self.qd.in_wave.set(false);
        let t = std::mem::take(&mut *self.qd.totals.borrow_mut());
        let now = (t.sent, t.processed);
        let previous = self.qd.previous.replace(Some(now));
        if t.sent != t.processed || previous != Some(now) {
            return; // not quiescent (yet): the next idle period starts another wave
        }
        *self.qd.previous.borrow_mut() = None;
        let waiters = std::mem::take(&mut *self.qd.waiters.borrow_mut());
        if !waiters.is_empty() {
            for f in waiters {
                (self.services.hooks.resolve)(self, f);
            }
            return;
        }
        if t.awaited > 0 && hang_check_enabled() {
            let mut msg = format!(
                "the job is idle and can never continue: no PE has work and no message is in flight, \
                 but {} future(s) are still awaited (they can no longer be resolved):",
                t.awaited
            );
            for a in &t.about {
                msg.push_str("\n  - ");
                msg.push_str(a);
            }
            self.abort(&msg);
        }
        self.qd
            .settled_at
            .set(Some((self.qd.sent.get(), self.qd.processed.get())));
    }
}
