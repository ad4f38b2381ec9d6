//! PE 0's waves as a state machine: no PE, no clock reads, no environment, no sending. The
//! caller passes the time and its own counts in, and turns what comes out into control
//! messages, resolved futures or the end of the job.

use super::QdCounts;
use crate::message::FutureId;
use std::time::{Duration, Instant};

/// How long PE 0 stays idle before it starts a wave.
pub(crate) const IDLE_BEFORE_WAVE: Duration = Duration::from_millis(20);

/// At most this many descriptions of awaited futures are gathered (a PE's and the job's).
pub(crate) const MAX_ABOUT: usize = 8;

impl QdCounts {
    /// Adds `n` awaited futures and their descriptions, keeping at most [`MAX_ABOUT`].
    pub(crate) fn add_awaited(&mut self, n: u64, about: impl IntoIterator<Item = String>) {
        self.awaited += n;
        let room = MAX_ABOUT.saturating_sub(self.about.len());
        self.about.extend(about.into_iter().take(room));
    }

    /// Adds another PE's answer.
    pub(crate) fn add(&mut self, c: QdCounts) {
        self.sent += c.sent;
        self.processed += c.processed;
        self.add_awaited(c.awaited, c.about);
    }
}

/// What a reply to a wave led to.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Not every PE has answered this wave yet (or the reply was for an older wave).
    Pending,
    /// The wave is complete but did not find quiescence (yet): the next idle period starts
    /// another.
    NotQuiescent,
    /// Quiescent: resolve these futures (the waiters of `wait_qd`/`start_qd`).
    Resolve(Vec<FutureId>),
    /// Quiescent with nobody waiting, but futures are still awaited: end the job with this
    /// report.
    Hang(String),
    /// Quiescent with nothing to do: no more idle waves until something happens.
    Settled,
}

/// PE 0's side of quiescence detection.
#[derive(Default)]
pub(crate) struct Waves {
    /// Futures to resolve at the next quiescence.
    waiters: Vec<FutureId>,
    /// The number of the current (or last) wave.
    wave: u32,
    in_wave: bool,
    replies_left: usize,
    /// The sum of this wave's replies so far.
    totals: QdCounts,
    /// The (sent, processed) totals of the previous complete wave.
    previous: Option<(u64, u64)>,
    idle_since: Option<Instant>,
    /// PE 0's own counts at the last quiescence nobody used, so idle waves stop until
    /// something happens.
    settled_at: Option<(u64, u64)>,
}

impl Waves {
    /// Asks for `f` to be resolved at the next quiescence.
    pub(crate) fn start(&mut self, f: FutureId) {
        self.waiters.push(f);
        self.settled_at = None;
    }

    /// PE 0 did some work: it waits a while before the next wave.
    pub(crate) fn busy(&mut self) {
        self.idle_since = None;
    }

    /// PE 0 is idle at `now`, having sent and processed `local` (sent, processed) messages:
    /// the number of a wave to start (asking each of the `num_pes` PEs), if it is time for one.
    pub(crate) fn idle(&mut self, now: Instant, local: (u64, u64), num_pes: usize) -> Option<u32> {
        if self.in_wave {
            return None;
        }
        let since = *self.idle_since.get_or_insert(now);
        if now.saturating_duration_since(since) < IDLE_BEFORE_WAVE {
            return None;
        }
        if self.waiters.is_empty() && self.settled_at == Some(local) {
            return None; // already found quiescent with nothing to do, and nothing happened since
        }
        self.wave = self.wave.wrapping_add(1);
        self.in_wave = true;
        self.replies_left = num_pes;
        self.totals = QdCounts::default();
        Some(self.wave)
    }

    /// A PE answered `wave` with `counts`. `local` is PE 0's own (sent, processed) now, and
    /// `hang_check` whether a job that can never continue is ended with a report.
    pub(crate) fn reply(
        &mut self,
        wave: u32,
        counts: QdCounts,
        local: (u64, u64),
        hang_check: bool,
    ) -> Outcome {
        if wave != self.wave || !self.in_wave {
            return Outcome::Pending; // an answer to an older wave
        }
        self.totals.add(counts);
        self.replies_left -= 1;
        if self.replies_left > 0 {
            return Outcome::Pending;
        }
        self.in_wave = false;
        let t = std::mem::take(&mut self.totals);
        let now = (t.sent, t.processed);
        let previous = self.previous.replace(now);
        if t.sent != t.processed || previous != Some(now) {
            return Outcome::NotQuiescent;
        }
        self.previous = None;
        if !self.waiters.is_empty() {
            return Outcome::Resolve(std::mem::take(&mut self.waiters));
        }
        if t.awaited > 0 && hang_check {
            return Outcome::Hang(hang_report(&t));
        }
        self.settled_at = Some(local);
        Outcome::Settled
    }
}

/// The report of a job that can never continue.
pub(crate) fn hang_report(t: &QdCounts) -> String {
    let mut msg = format!(
        "the job is idle and can never continue: no PE has work and no message is in flight, \
         but {} future(s) are still awaited (they can no longer be resolved):",
        t.awaited
    );
    for a in &t.about {
        msg.push_str("\n  - ");
        msg.push_str(a);
    }
    msg
}
