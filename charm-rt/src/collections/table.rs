//! The elements a PE hosts for one collection.

use super::chare::ChareObject;
use super::members::Members;
use super::meta::CollectionMeta;
use crate::ids::{ElemKey, EntryId};
use crate::location::LocalElements;
use crate::message::{Body, ReplyTo};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::task::Waker;

/// What waits on one element: messages whose `#[when]` condition was false, and coroutines in
/// `wait_until`.
#[derive(Default)]
pub(crate) struct ElemWaits {
    pub deferred: VecDeque<(EntryId, Body, Option<ReplyTo>)>,
    pub wakers: Vec<Waker>,
}

/// One element's place on this PE: the chare and what the runtime keeps about it.
pub(crate) struct Slot {
    /// The chare; `None` while the slot is free (its element left).
    pub chare: RefCell<Option<Box<dyn ChareObject>>>,
    /// Number of the element's next reduction (its k-th contribution belongs to reduction k).
    pub red_seq: Cell<u32>,
    /// Number of the last broadcast the element received (dynamic collections).
    pub bcast_seq: Cell<u32>,
    /// `set_migratable(false)` was called: the element stays.
    pub pinned: Cell<bool>,
    /// A move was asked for: the element leaves for this PE once it is idle.
    pub move_to: Cell<Option<u32>>,
}

impl Slot {
    pub(crate) fn new(chare: Box<dyn ChareObject>) -> Self {
        Slot {
            chare: RefCell::new(Some(chare)),
            red_seq: Cell::new(0),
            bcast_seq: Cell::new(0),
            pinned: Cell::new(false),
            move_to: Cell::new(None),
        }
    }
}

/// Which elements are here (the location service's set) and their slots.
pub(crate) struct ElemTable {
    pub here: LocalElements,
    /// By slot; a slot whose element left stays until an arriving element takes it.
    pub slots: Vec<Slot>,
}

/// This PE's elements of one collection.
pub(crate) struct LocalCollection {
    pub meta: CollectionMeta,
    /// The elements here. Borrowed (shared) while an entry method runs; changed (exclusively)
    /// only by arrivals and departures, which never happen inside an entry method.
    pub table: RefCell<ElemTable>,
    pub type_name: &'static str,
    /// This PE's place in the collection's reduction tree.
    pub tree: crate::reduction::state::TreePlace,
    /// Per local element (by slot), what waits on it; empty for most collections.
    pub waits: RefCell<HashMap<usize, ElemWaits>>,
    /// How many elements here asked to move (or be destroyed) and wait to become idle.
    pub moves_pending: Cell<u32>,
    /// Messages for elements on their way here, by position, in arrival order.
    pub arriving: RefCell<HashMap<ElemKey, Vec<crate::message::Envelope>>>,
    /// Dynamic collections: how many elements here have each next reduction number (the
    /// reductions this PE must still wait for; see `reduction::dynamic`).
    pub red_counts: RefCell<std::collections::BTreeMap<u32, u32>>,
    /// Dynamic collections: the broadcasts this PE saw (see `bcast`).
    pub bcast: Broadcasts,
    /// Dynamic collections: who belongs (PE 0 hears of every change; see `members`).
    pub members: RefCell<Members>,
    /// Sparse arrays: this PE's part of the insertion phases (see `sparse`).
    pub inserts: Inserts,
    /// The chare type is `#[chare(at_sync)]`: its elements' work is timed for the load
    /// balancer.
    pub measured: bool,
}

/// A PE's part of a sparse array's insertion phases.
#[derive(Default)]
pub(crate) struct Inserts {
    /// Insertions this PE received in the current phase (those it sent are counted per
    /// collection in the service, since a PE may insert before the collection reaches it).
    pub received: Cell<u64>,
    /// Elements made here in the current phase (they start at the phase's first reduction).
    pub new_here: Cell<u64>,
    /// What this PE reported for the last counting wave of the phase.
    pub reported: Cell<u64>,
    /// The highest reduction number an element here reached (where new elements start).
    pub red_hwm: Cell<u32>,
    /// PE 0: the counting wave under way and its replies so far.
    pub wave: RefCell<super::sparse::Wave>,
}

/// A broadcast a PE keeps: its number, entry method, reply address and arguments.
pub(crate) type KeptBroadcast = (u32, EntryId, Option<ReplyTo>, crate::message::WireBody);

/// What a PE knows of a dynamic collection's broadcasts.
#[derive(Default)]
pub(crate) struct Broadcasts {
    /// PE 0: the number of the last broadcast it numbered.
    pub next: Cell<u32>,
    /// The number of the last broadcast that reached this PE.
    pub latest: Cell<u32>,
    /// The last broadcasts that reached this PE, for elements that arrive having missed them.
    pub kept: RefCell<VecDeque<KeptBroadcast>>,
    /// PE 0: broadcasts that wait for an insertion phase to close.
    pub held: RefCell<Vec<crate::message::Envelope>>,
    /// PE 0: recent broadcasts with a reply, whose count an element that leaves reduces.
    pub replies: RefCell<VecDeque<(u32, crate::message::FutureId)>>,
}

impl LocalCollection {
    /// This PE's part of a collection: the elements `here`, in `slots` (by slot).
    pub(crate) fn new(
        meta: CollectionMeta,
        here: LocalElements,
        slots: Vec<Slot>,
        type_name: &'static str,
        tree: crate::reduction::state::TreePlace,
    ) -> Self {
        let members = match crate::location::size(&meta) {
            Some(n) => Members::fixed(u64::from(n)),
            None => Members::sparse(),
        };
        let c = LocalCollection {
            meta,
            table: RefCell::new(ElemTable { here, slots }),
            type_name,
            tree,
            waits: RefCell::new(Default::default()),
            moves_pending: Cell::new(0),
            arriving: RefCell::new(Default::default()),
            red_counts: RefCell::new(Default::default()),
            bcast: Default::default(),
            members: RefCell::new(members),
            inserts: Default::default(),
            measured: super::chare::registry()
                .get(&meta.type_id)
                .is_some_and(|r| r.at_sync),
        };
        if meta.dynamic && c.len() > 0 {
            c.red_counts.borrow_mut().insert(0, c.len() as u32);
        }
        c
    }

    /// The slot of the element at row-major position `elem`, if it is here.
    #[inline]
    pub(crate) fn slot_of(&self, elem: ElemKey) -> Option<usize> {
        self.table.borrow().here.slot_of(elem)
    }

    /// How many elements are here.
    pub(crate) fn len(&self) -> usize {
        self.table.borrow().here.len()
    }

    /// Slot and position of every element here.
    pub(crate) fn elements(&self) -> Vec<(usize, ElemKey)> {
        self.table.borrow().here.iter().collect()
    }

    /// Takes the element's next reduction number and advances it.
    pub(crate) fn next_red_seq(&self, slot: usize) -> u32 {
        let t = self.table.borrow();
        let c = &t.slots[slot].red_seq;
        let seq = c.get();
        c.set(seq.wrapping_add(1));
        seq
    }
}
