//! A PE's table of pending futures: values arrive as messages and wake the awaiting task.

use crate::codec::CodecError;
use crate::message::{Body, FutureId, WireBody};
use smallvec::SmallVec;
use std::any::Any;
use std::collections::VecDeque;
use std::panic::Location;
use std::task::Waker;

#[cfg(test)]
mod test;

/// The values of a complete future.
pub(crate) type Values = SmallVec<[Box<dyn Any + Send>; 1]>;

/// Turns an encoded value into the boxed type the awaiting side downcasts to.
pub(crate) type DecodeFn = fn(&mut WireBody) -> Result<Box<dyn Any + Send>, CodecError>;

struct Pending {
    expected: u32,
    /// How much of `expected` the values cover: one each, or more for a part that stands for
    /// several (a broadcast reply covering several elements).
    received: u32,
    values: SmallVec<[Box<dyn Any + Send>; 1]>,
    waiter: Option<Waiter>,
    decode: DecodeFn,
    created_at: &'static Location<'static>,
    /// The awaiting handle was dropped: values that still arrive are discarded.
    abandoned: bool,
}

struct Slot {
    gen: u32,
    pending: Option<Pending>,
}

/// Futures created on one PE.
pub(crate) struct FutureTable {
    pe: u32,
    slots: Vec<Slot>,
    free: Vec<u32>,
    /// Futures recently completed, to name them when a stray value arrives.
    recent: VecDeque<(FutureId, &'static Location<'static>, u32)>,
}

/// Who awaits a future.
pub(crate) enum Waiter {
    /// A coroutine of this PE, awaiting the future directly: made ready by key (no reference
    /// counting, unlike its `Waker`).
    Task(crate::scheduler::TaskKey),
    /// Anything else (a combinator's own waker, an executor of another runtime).
    Waker(Waker),
}

/// What happened to a deposited value.
pub(crate) enum Deposit {
    /// Stored; the future still waits for more.
    Stored,
    /// The future is complete; wake this waiter if any.
    Complete(Option<Waiter>),
    /// The handle was dropped; the value was discarded.
    Discarded,
}

const RECENT: usize = 1024;

/// What a future expects before it is told how many values (see `set_expected`).
pub(crate) const UNKNOWN: u32 = u32::MAX;

impl FutureTable {
    pub(crate) const fn new(pe: usize) -> Self {
        FutureTable {
            pe: pe as u32,
            slots: Vec::new(),
            free: Vec::new(),
            recent: VecDeque::new(),
        }
    }

    /// A new pending future. Inlined into the caller, so the id it returns stays in registers
    /// (returned through memory, it was read back with wider loads than it was written with,
    /// which stalled the processor on every awaitable call). `always`: behind the per-PE
    /// thread-local the plain hint was no longer taken.
    #[inline(always)]
    pub(crate) fn create(
        &mut self,
        expected: u32,
        decode: DecodeFn,
        created_at: &'static Location<'static>,
    ) -> FutureId {
        assert!(
            expected > 0,
            "charm-rs: a future must expect at least one value"
        );
        // (`UNKNOWN` expected values: a broadcast reply whose count the root sets later.)
        let pending = Pending {
            expected,
            received: 0,
            values: SmallVec::new(),
            waiter: None,
            decode,
            created_at,
            abandoned: false,
        };
        let slot = match self.free.pop() {
            Some(i) => i,
            None => self.grow(),
        };
        let s = &mut self.slots[slot as usize];
        s.gen = s.gen.wrapping_add(1);
        s.pending = Some(pending);
        FutureId {
            pe: self.pe,
            slot,
            gen: s.gen,
        }
    }

    /// A new slot (the table only grows when every slot is in use).
    #[cold]
    fn grow(&mut self) -> u32 {
        self.slots.push(Slot {
            gen: 0,
            pending: None,
        });
        (self.slots.len() - 1) as u32
    }

    fn pending_mut(&mut self, id: FutureId) -> Option<&mut Pending> {
        let s = self.slots.get_mut(id.slot as usize)?;
        if s.gen != id.gen {
            return None;
        }
        s.pending.as_mut()
    }

    /// Describes a future for an error message.
    pub(crate) fn describe(&self, id: FutureId) -> String {
        if let Some(s) = self.slots.get(id.slot as usize) {
            if s.gen == id.gen {
                if let Some(p) = &s.pending {
                    return format!(
                        "{id} (created at {}, expecting {} value(s))",
                        p.created_at, p.expected
                    );
                }
            }
        }
        match self.recent.iter().find(|(r, _, _)| *r == id) {
            Some((_, at, n)) => {
                format!("{id} (created at {at}, expecting {n} value(s), already complete)")
            }
            None => format!("{id} (unknown or long completed)"),
        }
    }

    /// Stores a value. `Err` carries a message for a fatal error (value for a completed future,
    /// malformed value).
    #[cfg(test)]
    pub(crate) fn deposit(&mut self, id: FutureId, body: Body) -> Result<Deposit, String> {
        self.deposit_counted(id, body, 1)
    }

    /// Sets how many values the future expects (a broadcast reply created before anyone knew
    /// how many elements it covers); it may be complete at once.
    pub(crate) fn set_expected(&mut self, id: FutureId, n: u32) -> Result<Deposit, String> {
        self.change_expected(id, |_| n)
    }

    /// Expects `by` fewer values (elements that will never answer).
    pub(crate) fn expect_fewer(&mut self, id: FutureId, by: u32) -> Result<Deposit, String> {
        self.change_expected(id, |e| e.saturating_sub(by))
    }

    fn change_expected(
        &mut self,
        id: FutureId,
        f: impl FnOnce(u32) -> u32,
    ) -> Result<Deposit, String> {
        let Some(p) = self.pending_mut(id) else {
            // Complete already, or abandoned and released: nothing waits.
            return Ok(Deposit::Discarded);
        };
        p.expected = f(p.expected);
        if p.received > p.expected {
            return Err(format!(
                "{} received more values than it expects",
                self.describe(id)
            ));
        }
        if p.received < p.expected {
            return Ok(Deposit::Stored);
        }
        if p.abandoned {
            self.release(id);
            return Ok(Deposit::Discarded);
        }
        Ok(Deposit::Complete(p.waiter.take()))
    }

    /// Stores a value that covers `weight` of the values the future expects.
    pub(crate) fn deposit_counted(
        &mut self,
        id: FutureId,
        body: Body,
        weight: u32,
    ) -> Result<Deposit, String> {
        // One sentence whether the complete values were taken already or still wait to be
        // (a future resolved twice on its own PE before it is awaited): the documented one.
        let complete = |t: &Self| {
            format!(
                "{} received a value after it already had all its values \
                 (a future can be resolved only as many times as it expects)",
                t.describe(id)
            )
        };
        let Some(p) = self.pending_mut(id) else {
            return Err(complete(self));
        };
        if p.received.saturating_add(weight) > p.expected {
            return Err(complete(self));
        }
        let v = match body {
            Body::Typed(m) => Ok(m.into_any()),
            Body::Wire(mut w) => (p.decode)(&mut w).map_err(Some),
            Body::Empty => Err(None),
        };
        let v = match v {
            Ok(v) => v,
            Err(Some(e)) => return Err(format!("value for {}: {e}", self.describe(id))),
            Err(None) => return Err(format!("empty value for {}", self.describe(id))),
        };
        p.received += weight;
        if p.abandoned {
            p.values.push(v);
            if p.received == p.expected {
                self.release(id);
            }
            return Ok(Deposit::Discarded);
        }
        p.values.push(v);
        if p.received == p.expected {
            Ok(Deposit::Complete(p.waiter.take()))
        } else {
            Ok(Deposit::Stored)
        }
    }

    /// Takes the values if all arrived; otherwise remembers the waiter: `task` when `waker` is
    /// that coroutine's own, else the waker.
    pub(crate) fn poll_take(
        &mut self,
        id: FutureId,
        waker: &Waker,
        task: Option<crate::scheduler::TaskKey>,
    ) -> Result<Option<Values>, String> {
        let Some(p) = self.pending_mut(id) else {
            return Err(format!(
                "{} was already awaited: a future's value can be taken once",
                self.describe(id)
            ));
        };
        if p.received == p.expected {
            let values = std::mem::take(&mut p.values);
            self.release(id);
            Ok(Some(values))
        } else {
            match (&mut p.waiter, task) {
                (Some(Waiter::Task(k)), Some(t)) if *k == t => {}
                (Some(Waiter::Waker(w)), None) if w.will_wake(waker) => {}
                (slot, Some(t)) => *slot = Some(Waiter::Task(t)),
                (slot, None) => *slot = Some(Waiter::Waker(waker.clone())),
            }
            Ok(None)
        }
    }

    /// True when every expected value arrived.
    pub(crate) fn is_ready(&self, id: FutureId) -> bool {
        self.slots
            .get(id.slot as usize)
            .filter(|s| s.gen == id.gen)
            .and_then(|s| s.pending.as_ref())
            .is_some_and(|p| p.received == p.expected)
    }

    /// Futures that a coroutine is waiting on (a waker is registered and values are missing):
    /// how many, and a description of the first few.
    pub(crate) fn awaited(&self) -> (u64, Vec<String>) {
        let mut n = 0;
        let mut about = Vec::new();
        for (slot, s) in self.slots.iter().enumerate() {
            if let Some(p) = &s.pending {
                if p.waiter.is_some() && !p.abandoned && p.received < p.expected {
                    n += 1;
                    if about.len() < 8 {
                        let id = FutureId {
                            pe: self.pe,
                            slot: slot as u32,
                            gen: s.gen,
                        };
                        about.push(format!(
                            "{id} created at {}, awaited on PE {} ({} of {} value(s) arrived)",
                            p.created_at, self.pe, p.received, p.expected
                        ));
                    }
                }
            }
        }
        (n, about)
    }

    /// The awaiting handle is gone: free the slot now or when the last value arrives.
    pub(crate) fn abandon(&mut self, id: FutureId) {
        if let Some(p) = self.pending_mut(id) {
            if p.received == p.expected {
                self.release(id);
            } else {
                p.abandoned = true;
                p.waiter = None;
            }
        }
    }

    fn release(&mut self, id: FutureId) {
        let s = &mut self.slots[id.slot as usize];
        // Read and dropped in place: moving the whole entry out stalled on the fields just
        // written (see `create`).
        if let Some(p) = &s.pending {
            let (at, expected) = (p.created_at, p.expected);
            s.pending = None;
            if self.recent.len() == RECENT {
                self.recent.pop_front();
            }
            self.recent.push_back((id, at, expected));
            self.free.push(id.slot);
        }
    }
}
