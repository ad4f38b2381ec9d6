//! One direction of one channel at its receiving end, as a state machine: values come in
//! numbered by their sender and in any order; receivers take them out in sending order.

use smallvec::SmallVec;
use std::collections::BTreeMap;
use std::task::Waker;

/// What the receiving end holds of one direction of a channel. `V` is an arrived value (a
/// message body in the runtime).
pub(crate) struct ChanState<V> {
    /// The sequence number of the next value to hand out.
    next: u64,
    /// Values that arrived and were not taken yet, by sequence number (the next one among them,
    /// or values that overtook it).
    early: BTreeMap<u64, V>,
    /// Receivers waiting for value `next`. Every one is woken when it arrives: a receiver may
    /// have been dropped meanwhile (a `WaitAny` that finished on another future), so waking only
    /// one could leave the value unclaimed while another receiver sleeps.
    waiting: SmallVec<[Waker; 1]>,
}

impl<V> Default for ChanState<V> {
    fn default() -> Self {
        ChanState {
            next: 0,
            early: BTreeMap::new(),
            waiting: SmallVec::new(),
        }
    }
}

/// A value numbered `seq` arrived a second time, or after it was taken.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Duplicate(pub u64);

impl<V> ChanState<V> {
    /// Value `seq` arrived. Returns the receivers to wake (none unless it is the next value).
    pub(crate) fn arrive(&mut self, seq: u64, value: V) -> Result<SmallVec<[Waker; 1]>, Duplicate> {
        if seq < self.next || self.early.contains_key(&seq) {
            return Err(Duplicate(seq));
        }
        self.early.insert(seq, value);
        Ok(if seq == self.next {
            std::mem::take(&mut self.waiting)
        } else {
            SmallVec::new()
        })
    }

    /// Takes the next value in sending order if it is here; otherwise remembers `waker` (once
    /// per task) to be woken when it arrives.
    pub(crate) fn take_next(&mut self, waker: &Waker) -> Option<V> {
        match self.early.remove(&self.next) {
            Some(v) => {
                self.next += 1;
                Some(v)
            }
            None => {
                if !self.waiting.iter().any(|w| w.will_wake(waker)) {
                    self.waiting.push(waker.clone());
                }
                None
            }
        }
    }

    /// The next sequence number and the values not taken yet, for the receiving element's move
    /// to another PE; `None` while a receiver waits (an element with a live coroutine does not
    /// move).
    pub(crate) fn export(self) -> Option<(u64, Vec<(u64, V)>)> {
        self.waiting
            .is_empty()
            .then(|| (self.next, self.early.into_iter().collect()))
    }

    /// Rebuilds what [`ChanState::export`] gave, on the element's new PE.
    pub(crate) fn import(next: u64, early: Vec<(u64, V)>) -> Self {
        ChanState {
            next,
            early: early.into_iter().collect(),
            waiting: SmallVec::new(),
        }
    }

    /// Values that arrived ahead of the next one and wait for it.
    #[cfg(test)]
    pub(crate) fn early(&self) -> usize {
        self.early.len()
    }
}
