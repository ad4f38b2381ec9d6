//! The location service: the one place that answers "where is element X of collection C now"
//! and "is X here" (Charm++'s location manager). Sends, broadcasts, reductions, sections and
//! channels ask it; nothing else computes where an element lives.
//!
//! Every element has a *home*, the PE the static map gives it ([`placement`]), which every PE
//! computes alike. An element proxy carries the PE it was last known on as a hint. A PE that
//! learns an element is elsewhere (it moved, or was inserted there) records that with the
//! element's *epoch*, a count of its moves: a newer epoch replaces an older record, an older
//! one is ignored, so reports arriving out of order cannot send messages backwards. Today no
//! element moves, so every answer is the static map's; migration and dynamic insertion add the
//! records.
//!
//! On arrival a message either finds its element here, is sent on to where this PE knows it
//! went, or finds it neither here nor known elsewhere ([`Arrival`]); the owning service decides
//! what that means for its collection (an error for a static layout; buffering for an element
//! being inserted or migrating in).

mod local;
pub(crate) mod placement;

pub(crate) use local::LocalElements;

use crate::collections::CollectionMeta;
use crate::ids::CollectionId;
use crate::scheduler::{IdMap, Pe, Services};
use std::cell::{Cell, RefCell};
use std::hash::BuildHasherDefault;

/// How many times an element has moved: what orders reports of where it went.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Default)]
pub(crate) struct Epoch(pub u32);

/// Where this PE knows an element to be, off its static map.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Known {
    pub pe: u32,
    pub epoch: Epoch,
}

/// What to do with a message that arrived for an element.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Arrival {
    /// The element is here, in this slot of the collection's local elements.
    Here(usize),
    /// It is on another PE now: send the message on there.
    Forward(u32),
    /// Neither here nor known elsewhere.
    NotHere,
}

thread_local! {
    /// This PE's records of elements that are not where their static map puts them.
    static RECORDS: RefCell<IdMap<(CollectionId, u32), Known>> =
        const { RefCell::new(IdMap::with_hasher(BuildHasherDefault::new())) };
    /// How many records there are, read on every send (zero while nothing moved). Kept apart
    /// from the map: a thread-local without a destructor is read without a state check.
    static RECORD_COUNT: Cell<usize> = const { Cell::new(0) };
}

pub(crate) fn register(s: &mut Services) {
    s.hooks.shutdown.push(|_| {
        RECORDS.with(|r| r.borrow_mut().clear());
        RECORD_COUNT.with(|c| c.set(0));
    });
}

/// The PE to send a message for element `elem` of `coll` to, given the proxy's hint.
#[inline(always)]
pub(crate) fn route(coll: CollectionId, elem: u32, hint: u32) -> u32 {
    if RECORD_COUNT.with(Cell::get) == 0 {
        return hint;
    }
    known(coll, elem).map_or(hint, |k| k.pe)
}

/// Where this PE knows the element to be, if off its static map.
pub(crate) fn known(coll: CollectionId, elem: u32) -> Option<Known> {
    RECORDS.with(|r| r.borrow().get(&(coll, elem)).copied())
}

#[cfg_attr(
    not(test),
    expect(
        dead_code,
        reason = "the interface migration and insertion use (issue 14); unit-tested now"
    )
)]
/// Records that element `elem` of `coll` is on `pe`, unless this PE already knows a newer
/// epoch of it. Returns whether the record changed.
pub(crate) fn record(coll: CollectionId, elem: u32, at: Known) -> bool {
    RECORDS.with(|r| {
        let mut known = r.borrow_mut();
        let changed = match known.get(&(coll, elem)) {
            Some(k) if k.epoch >= at.epoch => false,
            _ => {
                known.insert((coll, elem), at);
                true
            }
        };
        RECORD_COUNT.with(|c| c.set(known.len()));
        changed
    })
}

/// What to do with a message for element `elem` of a collection whose elements on this PE are
/// `here`.
#[inline(always)]
pub(crate) fn arrival(pe: &Pe, coll: CollectionId, here: &LocalElements, elem: u32) -> Arrival {
    match here.slot_of(elem) {
        Some(slot) => Arrival::Here(slot),
        None => match known(coll, elem) {
            Some(k) if k.pe as usize != pe.id => Arrival::Forward(k.pe),
            _ => Arrival::NotHere,
        },
    }
}

/// The PE the static map gives element `elem`.
#[inline]
pub(crate) fn home(meta: &CollectionMeta, elem: u32) -> u32 {
    placement::pe_of(meta, elem)
}

/// The elements the static map puts on `pe`.
pub(crate) fn initial_elements(meta: &CollectionMeta, pe: u32) -> LocalElements {
    LocalElements::run(placement::local_range(meta, pe))
}

/// The PEs a broadcast or reduction over the collection involves, in increasing order.
pub(crate) fn hosting_pes(meta: &CollectionMeta) -> impl Iterator<Item = u32> + '_ {
    placement::hosting_pes(meta)
}

/// Number of elements in the collection.
pub(crate) fn size(meta: &CollectionMeta) -> u32 {
    placement::size(meta)
}

#[cfg(test)]
mod test;
