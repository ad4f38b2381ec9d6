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
pub(crate) mod maps;
pub(crate) mod placement;

pub(crate) use local::LocalElements;

use crate::collections::CollectionMeta;
use crate::ids::{CollectionId, ElemKey};
use crate::message::{Addr, Body, Dest, Envelope, HandlerId};
use crate::scheduler::{Handler, IdMap, Pe, Services};
use std::cell::{Cell, RefCell};
use std::hash::BuildHasherDefault;

/// How many times an element has moved: what orders reports of where it went.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Default)]
pub(crate) struct Epoch(pub u32);

/// State a service keeps about an element outside its chare (a channel's receiving end), which
/// travels with the element when it moves. Registered once per process (`services.rs`).
pub(crate) struct Carrier {
    /// Takes the element's state off this PE; `None` when there is none.
    pub take: fn(&Pe, CollectionId, ElemKey) -> Option<Vec<u8>>,
    /// Puts it back on the element's new PE.
    pub put: fn(&Pe, CollectionId, ElemKey, &[u8]),
}

static CARRIERS: std::sync::OnceLock<Vec<Carrier>> = std::sync::OnceLock::new();

/// Sets the services whose per-element state travels (once, when the runtime is assembled).
pub(crate) fn set_carriers(carriers: Vec<Carrier>) {
    let _ = CARRIERS.set(carriers);
}

/// Every carrier's state of an element that leaves, by carrier number.
pub(crate) fn carry_out(pe: &Pe, coll: CollectionId, elem: ElemKey) -> Vec<(u32, Vec<u8>)> {
    let carriers = CARRIERS.get().map_or(&[][..], Vec::as_slice);
    carriers
        .iter()
        .enumerate()
        .filter_map(|(i, c)| (c.take)(pe, coll, elem).map(|b| (i as u32, b)))
        .collect()
}

/// Puts back what [`carry_out`] took, on the element's new PE.
pub(crate) fn carry_in(pe: &Pe, coll: CollectionId, elem: ElemKey, carried: &[(u32, Vec<u8>)]) {
    let carriers = CARRIERS.get().map_or(&[][..], Vec::as_slice);
    for (i, bytes) in carried {
        match carriers.get(*i as usize) {
            Some(c) => (c.put)(pe, coll, elem, bytes),
            None => pe.abort("malformed element move: state of an unknown service"),
        }
    }
}

/// Where this PE knows an element to be, off its static map.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Known {
    /// Its PE, or [`GONE`].
    pub pe: u32,
    pub epoch: Epoch,
}

/// In a record: the element was destroyed.
pub(crate) const GONE: u32 = u32::MAX;

/// What to do with a message that arrived for an element.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Arrival {
    /// The element is here, in this slot of the collection's local elements.
    Here(usize),
    /// It is on another PE as far as this PE knows: send the message on there.
    Forward(u32),
    /// This PE does not know where it is: send the message to its home, which always knows.
    ToHome(u32),
    /// A record says it is here but it has not arrived yet, or it is a sparse array's index not
    /// inserted yet and this is its home: keep the message until it comes.
    Wait,
    /// It was destroyed.
    Gone,
    /// This is its home, it never left, and it is not here: the message is wrong.
    Missing,
}

thread_local! {
    /// Elements that cannot move from this PE, and why (a section they belong to).
    static PINS: RefCell<IdMap<(CollectionId, ElemKey), String>> =
        const { RefCell::new(IdMap::with_hasher(BuildHasherDefault::new())) };
    /// This PE's records of elements that are not where their static map puts them.
    static RECORDS: RefCell<IdMap<(CollectionId, ElemKey), Known>> =
        const { RefCell::new(IdMap::with_hasher(BuildHasherDefault::new())) };
    /// How many records there are, read on every send (zero while nothing moved). Kept apart
    /// from the map: a thread-local without a destructor is read without a state check.
    static RECORD_COUNT: Cell<usize> = const { Cell::new(0) };
}

/// A location update; address: the collection, the element and its epoch; entry: the PE it is
/// on.
pub(crate) const LOCATION: HandlerId = HandlerId(11);

pub(crate) fn register(s: &mut Services) {
    s.handle(LOCATION, Handler::new("location update", location_arrived));
    s.hooks.shutdown.push(|_| {
        RECORDS.with(|r| r.borrow_mut().clear());
        RECORD_COUNT.with(|c| c.set(0));
        PINS.with(|p| p.borrow_mut().clear());
        maps::clear();
    });
}

/// Element `elem` of `coll`, on this PE, cannot move while `reason` holds (named in the error a
/// move request gets).
pub(crate) fn pin(coll: CollectionId, elem: ElemKey, reason: String) {
    PINS.with(|p| p.borrow_mut().insert((coll, elem), reason));
}

/// Why element `elem` of `coll` cannot move, if it cannot.
pub(crate) fn pinned(coll: CollectionId, elem: ElemKey) -> Option<String> {
    PINS.with(|p| p.borrow().get(&(coll, elem)).cloned())
}

fn location_arrived(pe: &Pe, env: Envelope) {
    let coll = env
        .dest
        .addr
        .word(0)
        .unwrap_or_else(|e| pe.malformed(&env, e));
    let elem = env
        .dest
        .addr
        .word(1)
        .unwrap_or_else(|e| pe.malformed(&env, e));
    let epoch = env
        .dest
        .addr
        .word(2)
        .unwrap_or_else(|e| pe.malformed(&env, e));
    let at = Known {
        pe: env.dest.entry,
        epoch: Epoch(epoch as u32),
    };
    if at.pe as usize >= pe.num_pes && at.pe != GONE {
        pe.abort(&format!(
            "malformed location update: PE {} in a job of {}",
            at.pe, pe.num_pes
        ));
    }
    record(CollectionId(coll), elem, at);
}

/// Tells PE `to` that element `elem` of `coll` is on `at.pe` (at `at.epoch`).
pub(crate) fn tell(pe: &Pe, to: usize, coll: CollectionId, elem: ElemKey, at: Known) {
    let dest = Dest {
        handler: LOCATION,
        entry: at.pe,
        addr: Addr::from_words(&[coll.0, elem, u64::from(at.epoch.0)]),
    };
    pe.route(to, Envelope::new(dest, Body::Empty));
}

/// The PE to send a message for element `elem` of `coll` to, given the proxy's hint.
#[inline(always)]
pub(crate) fn route(coll: CollectionId, elem: ElemKey, hint: u32) -> u32 {
    if RECORD_COUNT.with(Cell::get) == 0 {
        return hint;
    }
    // A destroyed element: the message goes where a tombstone reports it.
    known(coll, elem).map_or(hint, |k| if k.pe == GONE { hint } else { k.pe })
}

/// Where this PE knows the element to be, if off its static map.
pub(crate) fn known(coll: CollectionId, elem: ElemKey) -> Option<Known> {
    RECORDS.with(|r| r.borrow().get(&(coll, elem)).copied())
}

/// Records that element `elem` of `coll` is on `pe`, unless this PE already knows a newer
/// epoch of it. Returns whether the record changed.
pub(crate) fn record(coll: CollectionId, elem: ElemKey, at: Known) -> bool {
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

/// What to do with a message for element `elem` of the collection `meta`, whose elements on this
/// PE are `here`.
#[inline(always)]
pub(crate) fn arrival(
    pe: &Pe,
    meta: &CollectionMeta,
    here: &LocalElements,
    elem: ElemKey,
) -> Arrival {
    match here.slot_of(elem) {
        Some(slot) => Arrival::Here(slot),
        None => elsewhere(pe, meta, elem),
    }
}

/// [`arrival`] for an element that is not here.
#[inline(never)]
pub(crate) fn elsewhere(pe: &Pe, meta: &CollectionMeta, elem: ElemKey) -> Arrival {
    let me = pe.id as u32;
    match known(meta.id, elem) {
        Some(k) if k.pe == GONE => Arrival::Gone,
        Some(k) if k.pe != me => Arrival::Forward(k.pe),
        Some(_) => Arrival::Wait,
        None => match home(meta, elem) {
            h if h != me => Arrival::ToHome(h),
            _ if matches!(meta.kind, crate::collections::Kind::Sparse) => Arrival::Wait,
            _ => Arrival::Missing,
        },
    }
}

/// The home of element `elem`: the PE its map (the layout's, or the user's) puts it on first.
#[inline]
pub(crate) fn home(meta: &CollectionMeta, elem: ElemKey) -> u32 {
    if meta.mapped {
        return mapped_home(meta, elem);
    }
    placement::pe_of(meta, elem)
}

#[cold]
fn mapped_home(meta: &CollectionMeta, elem: ElemKey) -> u32 {
    match maps::home(meta.id, meta.index_of(elem), meta.num_pes as usize) {
        Some(Ok(pe)) => pe,
        Some(Err(e)) => crate::scheduler::with_pe(|pe| pe.abort(&e)),
        // The collection's creation (with its map) has not reached this PE: its creator knows.
        None => meta.id.creator(),
    }
}

/// The elements the map puts on `pe` at creation.
pub(crate) fn initial_elements(meta: &CollectionMeta, pe: u32) -> LocalElements {
    if !meta.mapped {
        return LocalElements::run(placement::local_range(meta, pe));
    }
    let mut here = LocalElements::run(0..0);
    let n = placement::size(meta).unwrap_or(0);
    for key in 0..u64::from(n) {
        if home(meta, key) == pe {
            let slot = here.free_slot();
            here.insert(key, slot);
        }
    }
    here
}

/// The PEs a broadcast or reduction over the collection involves, in increasing order.
pub(crate) fn hosting_pes(meta: &CollectionMeta) -> impl Iterator<Item = u32> + '_ {
    placement::hosting_pes(meta)
}

/// Number of elements in the collection, when its layout fixes it (not a sparse array's).
pub(crate) fn size(meta: &CollectionMeta) -> Option<u32> {
    placement::size(meta)
}

#[cfg(test)]
mod test;
