//! The all-to-all allreduce of a collection hosted on a few PEs, with the value type known.
//!
//! Each hosting PE sends its partial to every other one and combines all partials in PE order
//! (identical bits everywhere). This is the latency path of an iterative solver's convergence
//! check, so its state keeps values unboxed and is reused by the next allreduce of the same type
//! (the generic state, `state.rs`, boxes every value and allocates per reduction); results go to
//! the contributors' result slots (`result.rs`).

use super::ops::{decode_with, Plain};
use super::phase::RedPhase;
use super::reducer::{Reducer, Reducible};
use super::result::ResultSlot;
use super::service::local;
use super::state::{Key, Scope};
use crate::future::value::Serde;
use crate::message::{Body, FutureId};
use crate::scheduler::Pe;
use smallvec::SmallVec;
use std::any::Any;
use std::rc::Rc;

/// Where one local contributor's result goes.
pub(crate) enum ResultTo<T> {
    /// The slot of an [`super::Allreduce`] (collection allreduce).
    Slot(Rc<ResultSlot<T>>),
    /// A future of this PE (section allreduce).
    Future(FutureId),
}

/// Exchanges in flight on one PE, by scope and sequence number.
#[derive(Default)]
pub(crate) struct Exchanges {
    /// Oldest first. A list, not a hash map: usually one or two are in flight (a PE runs ahead
    /// of the others by an allreduce or so), and a scan of those measured about 40 cycles per
    /// allreduce cheaper than the map's insert, lookup and removal.
    inflight: Vec<(Key, Box<dyn Exchanging>)>,
    /// The last finished state, reused by the next exchange of the same value type (an
    /// iterative solver's allreduces then allocate no state).
    spare: Option<Box<dyn Exchanging>>,
}

/// One exchange, whatever its value type.
pub(crate) trait Exchanging {
    fn as_any_mut(&mut self) -> &mut dyn Any;
    /// Stores the partial of the hosting PE at index `from`.
    fn partial(&mut self, from: usize, body: Body) -> Result<(), String>;
    /// Every partial is there (this PE's included).
    fn complete(&self) -> bool;
    /// Combines the partials and resolves this PE's waiting contributors, leaving the state
    /// empty for reuse.
    fn finish(&mut self, pe: &Pe);
    /// Contributors of this PE whose coroutines await the result, and where they called
    /// `allreduce` (for the report of an idle job).
    fn awaited(&self, pe: usize, about: &mut Vec<String>) -> u64;
}

struct Exchange<T> {
    op: Reducer<T>,
    local_left: u32,
    /// This PE's partial until its last local contributor.
    acc: Option<T>,
    /// Every hosting PE's partial, by its index among the hosting PEs.
    slots: SmallVec<[Option<T>; 8]>,
    filled: usize,
    waiters: SmallVec<[ResultTo<T>; 2]>,
}

impl<T: Reducible> Exchanging for Exchange<T> {
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn partial(&mut self, from: usize, body: Body) -> Result<(), String> {
        let v = decode_with(
            body,
            |m| match m.downcast::<Plain<T>>() {
                Ok(p) => Ok(p.0),
                Err(_) => Err(()),
            },
            |d| T::decode(d).map(Ok),
        )
        .map_err(|e| format!("allreduce message: {e}"))?
        .map_err(|()| {
            "elements contributed to one allreduce with different value types".to_string()
        })?;
        self.store(from, v)
    }

    fn complete(&self) -> bool {
        self.filled == self.slots.len()
    }

    fn finish(&mut self, pe: &Pe) {
        let op = self.op;
        let mut partials = self.slots.iter_mut().filter_map(Option::take);
        let first = partials.next().expect("at least one hosting PE");
        let result = partials.fold(first, |a, b| a.combine(b, op));
        self.filled = 0;
        let waiters = std::mem::take(&mut self.waiters);
        let n = waiters.len();
        let mut result = Some(result);
        for (i, to) in waiters.into_iter().enumerate() {
            let v = if i + 1 == n {
                result.take().expect("moved to the last contributor only")
            } else {
                result.clone().expect("kept until the last contributor")
            };
            match to {
                ResultTo::Slot(s) => s.fulfil(pe, v),
                ResultTo::Future(f) => {
                    crate::future::service::deposit(pe, f, Body::Typed(Box::new(Serde(v))))
                }
            }
        }
    }

    fn awaited(&self, pe: usize, about: &mut Vec<String>) -> u64 {
        let mut n = 0;
        for to in &self.waiters {
            if let ResultTo::Slot(s) = to {
                if s.awaited() {
                    n += 1;
                    about.push(format!(
                        "an allreduce called at {}, awaited on PE {pe} ({} of {} hosting PEs' partials arrived)",
                        s.created_at,
                        self.filled,
                        self.slots.len()
                    ));
                }
            }
        }
        n
    }
}

impl Exchanges {
    /// Contributors awaiting allreduce results on this PE (see [`Exchanging::awaited`]).
    pub(crate) fn awaited(&self, pe: usize) -> (u64, Vec<String>) {
        let mut about = Vec::new();
        let n = self
            .inflight
            .iter()
            .map(|(_, st)| st.awaited(pe, &mut about))
            .sum();
        (n, about)
    }
}

impl<T> Exchange<T> {
    fn empty(op: Reducer<T>) -> Self {
        Exchange {
            op,
            local_left: 0,
            acc: None,
            slots: SmallVec::new(),
            filled: 0,
            waiters: SmallVec::new(),
        }
    }

    fn store(&mut self, index: usize, v: T) -> Result<(), String> {
        match self.slots.get_mut(index) {
            Some(slot @ None) => {
                *slot = Some(v);
                self.filled += 1;
                Ok(())
            }
            _ => Err(format!(
                "allreduce partial from hosting PE #{index} arrived twice or out of range"
            )),
        }
    }
}

/// A local contribution to allreduce `seq` of `scope` (whose tree exchanges all-to-all).
pub(crate) fn contribute<T: Reducible>(
    pe: &Pe,
    scope: &Scope<'_>,
    seq: u32,
    value: T,
    op: Reducer<T>,
    waiter: ResultTo<T>,
) {
    let key = (scope.id, seq);
    let tree = scope.tree;
    let l = local();
    let mut guard = l.exchanges.borrow_mut();
    let Exchanges { inflight, spare } = &mut *guard;
    let (at, fresh) = match inflight.iter().position(|(k, _)| *k == key) {
        Some(at) => (at, false),
        None => {
            let mut st = spare
                .take()
                .unwrap_or_else(|| Box::new(Exchange::<T>::empty(op)));
            match st.as_any_mut().downcast_mut::<Exchange<T>>() {
                Some(e) => e.op = op,
                None => st = Box::new(Exchange::<T>::empty(op)),
            }
            inflight.push((key, st));
            (inflight.len() - 1, true)
        }
    };
    let st = inflight[at]
        .1
        .as_any_mut()
        .downcast_mut::<Exchange<T>>()
        .unwrap_or_else(|| {
            panic!("charm-rs: elements contributed to one allreduce with different value types")
        });
    if fresh {
        st.local_left = scope.local;
        st.slots.resize_with(tree.hosting.len(), || None);
    }
    st.waiters.push(waiter);
    st.acc = Some(match st.acc.take() {
        Some(a) => a.combine(value, op),
        None => value,
    });
    st.local_left -= 1;
    if fresh {
        // Partials that came before this PE knew the value type wait in the generic state.
        let early = {
            let l2 = local();
            let mut reds = l2.reductions.borrow_mut();
            if reds.is_empty() {
                None
            } else {
                reds.remove(&key)
            }
        };
        for (phase, body) in early.map(|e| e.take_early()).into_iter().flatten() {
            let RedPhase::Exchange(from) = phase else {
                drop(guard);
                pe.abort("a tree reduction message for an all-to-all allreduce");
            };
            if let Err(msg) = st.partial(from as usize, body) {
                drop(guard);
                pe.abort(&msg);
            }
        }
    }
    if st.local_left == 0 {
        let mine = st.acc.take().expect("a contribution");
        let others = tree
            .hosting
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != tree.index);
        for (_, &p) in others {
            let dest = key.0.dest(seq, RedPhase::Exchange(tree.index as u8));
            pe.route_typed(p as usize, dest, None, Plain(mine.clone()));
        }
        if let Err(msg) = st.store(tree.index, mine) {
            drop(guard);
            pe.abort(&msg);
        }
    }
    if st.local_left == 0 && st.complete() {
        let (_, st) = inflight.remove(at);
        drop(guard);
        finish(pe, st);
    }
}

/// A partial from another PE, if this PE runs that allreduce here; `Err(body)` when it does
/// not (no local contribution yet, or a reduction of the generic kind).
pub(crate) fn arrived(pe: &Pe, key: Key, from: usize, body: Body) -> Result<(), Body> {
    let l = local();
    let mut guard = l.exchanges.borrow_mut();
    let Some(at) = guard.inflight.iter().position(|(k, _)| *k == key) else {
        return Err(body);
    };
    let st = &mut guard.inflight[at].1;
    if let Err(msg) = st.partial(from, body) {
        drop(guard);
        pe.abort(&msg);
    }
    // Complete only after this PE sent its own partial (it fills its own slot then).
    if st.complete() {
        let (_, st) = guard.inflight.remove(at);
        drop(guard);
        finish(pe, st);
    }
    Ok(())
}

/// Resolves a complete exchange, taken out of the table (depositing wakes coroutines, which may
/// start the next one), and keeps its state for the next one.
fn finish(pe: &Pe, mut st: Box<dyn Exchanging>) {
    st.finish(pe);
    local().exchanges.borrow_mut().spare = Some(st);
}
