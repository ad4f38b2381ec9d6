//! The collections service: this PE's elements of every collection, what waits for a collection
//! that has not reached this PE yet, and the handlers of element calls, broadcasts and creation.

use super::deliver;
use super::meta::CollectionMeta;
use super::table::LocalCollection;
use crate::ids::{CollectionId, ElemKey};
use crate::message::{Envelope, FutureId, HandlerId};
use crate::scheduler::{ElemCtx, Handler, IdMap, Pe, Services};
use std::cell::{Cell, RefCell};
use std::hash::BuildHasherDefault;
use std::mem::ManuallyDrop;
use std::rc::Rc;

/// A call to one element; entry: the entry method; address: collection, row-major position.
pub(crate) const ELEMENT: HandlerId = HandlerId(1);
/// A call to every element of a collection on the receiving PE; address: collection, 0.
pub(crate) const BROADCAST: HandlerId = HandlerId(2);
/// Build the receiving PE's elements of a new collection; address: its metadata (serde).
pub(crate) const CREATE: HandlerId = HandlerId(3);
/// A request that an element move; address: collection, position; entry: the PE to move to.
pub(crate) const MIGRATE: HandlerId = HandlerId(9);
/// An element arriving from another PE; address: collection, position; body: its state.
pub(crate) const MOVE_IN: HandlerId = HandlerId(10);
/// A step of a sparse array's insertion phase; entry: the step; address: the collection, ...
pub(crate) const PHASE: HandlerId = HandlerId(13);
/// An insertion into a sparse array; address: collection, key; body: constructor arguments.
pub(crate) const INSERT: HandlerId = HandlerId(14);

/// Turns a PE's gathered results into the reply message.
pub(crate) type GatherFinish = fn(Box<dyn std::any::Any>) -> Box<dyn crate::message::ErasedMessage>;

/// Per-PE gathering of a broadcast's results before one reply goes to the caller.
pub(crate) struct Gather {
    pub remaining: u32,
    /// How many of the caller's expected parts the reply stands for: 1 (one per PE), or the
    /// number of elements it covers (collections whose elements move count elements).
    pub weight: u32,
    pub acc: Option<Box<dyn std::any::Any>>,
    pub finish: Option<GatherFinish>,
    pub error: Option<crate::error::CallError>,
    /// How results are ordered (a section's member ranks); by element position when `None`.
    pub order: Option<Rc<dyn Fn(ElemCtx) -> u64>>,
}

impl Gather {
    /// Waiting for `remaining` local results, ordered by `order` (by element position if `None`).
    pub(crate) fn expecting(remaining: usize, order: Option<Rc<dyn Fn(ElemCtx) -> u64>>) -> Self {
        Gather {
            remaining: remaining as u32,
            weight: 1,
            acc: None,
            finish: None,
            error: None,
            order,
        }
    }
}

/// One PE's collections state.
pub(crate) struct Local {
    pub collections: RefCell<IdMap<CollectionId, Rc<LocalCollection>>>,
    /// Messages for collections whose creation has not reached this PE yet.
    pub pending: RefCell<IdMap<CollectionId, Vec<Envelope>>>,
    /// The collection delivered to last (most messages go to the same one as the previous).
    pub last: RefCell<Option<Rc<LocalCollection>>>,
    /// Broadcast results being gathered on this PE, by the caller's future.
    pub gathers: RefCell<IdMap<FutureId, Gather>>,
    /// Collection whose elements are being constructed (not yet in `collections`).
    pub constructing: Cell<Option<CollectionMeta>>,
    /// Elements that called `set_migratable(false)` in their constructor, before their slot
    /// existed (applied when it is made).
    pub pinned_at_birth: RefCell<Vec<(CollectionId, ElemKey)>>,
    /// Next collection (and section) sequence number of this PE.
    pub next_seq: Cell<u64>,
    /// Where the next single chare without a chosen PE goes.
    pub next_single: Cell<u32>,
    /// Insertions this PE sent to each sparse array in its current phase.
    pub inserts_sent: RefCell<IdMap<CollectionId, u64>>,
}

impl Local {
    const fn new() -> Self {
        Local {
            collections: RefCell::new(IdMap::with_hasher(BuildHasherDefault::new())),
            pending: RefCell::new(IdMap::with_hasher(BuildHasherDefault::new())),
            last: RefCell::new(None),
            gathers: RefCell::new(IdMap::with_hasher(BuildHasherDefault::new())),
            constructing: Cell::new(None),
            pinned_at_birth: RefCell::new(Vec::new()),
            next_seq: Cell::new(0),
            next_single: Cell::new(0),
            inserts_sent: RefCell::new(IdMap::with_hasher(BuildHasherDefault::new())),
        }
    }
}

thread_local! {
    /// `ManuallyDrop`: a thread-local without a destructor is reached without checking whether
    /// it was torn down, on every element call; the PE's shutdown hook empties it instead (the
    /// emptied maps own no memory).
    static LOCAL: ManuallyDrop<Local> = const { ManuallyDrop::new(Local::new()) };
}

/// Runs `f` with this PE's collections state.
#[inline(always)]
pub(crate) fn local<R>(f: impl FnOnce(&Local) -> R) -> R {
    LOCAL.with(|l| f(l))
}

pub(crate) fn register(s: &mut Services) {
    s.handle(ELEMENT, Handler::new("element call", deliver::element));
    s.handle(BROADCAST, Handler::new("broadcast", deliver::broadcast));
    s.handle(CREATE, Handler::new("collection creation", deliver::create));
    s.handle(
        MIGRATE,
        Handler::new("migration request", super::migrate::request_arrived),
    );
    s.handle(
        MOVE_IN,
        Handler::new("element move", super::migrate::arrived),
    );
    s.handle(
        PHASE,
        Handler::new("insertion phase", super::sparse::phase_arrived),
    );
    s.handle(
        INSERT,
        Handler::new("insertion", super::sparse::insert_arrived),
    );
    s.hooks.start.push(|pe| {
        local(|l| {
            l.next_seq.set(0);
            l.next_single.set(pe.id as u32);
        })
    });
    s.hooks.shutdown.push(|_| {
        // Chares are dropped here, on their PE's thread (they may be `!Send`).
        let (colls, last, pending, gathers) = local(|l| {
            l.inserts_sent.borrow_mut().clear();
            (
                std::mem::take(&mut *l.collections.borrow_mut()),
                l.last.borrow_mut().take(),
                std::mem::take(&mut *l.pending.borrow_mut()),
                std::mem::take(&mut *l.gathers.borrow_mut()),
            )
        });
        drop((last, colls, pending, gathers));
    });
    s.hooks.entry_failed =
        |pe, f| deliver::call_failed(pe, f.chare, f.method, f.elem, f.reply, f.message);
    s.hooks.element_stepped = deliver::element_stepped;
}

/// A fresh job-wide collection id (sections draw from the same sequence).
pub(crate) fn new_collection_id(pe: &Pe) -> CollectionId {
    local(|l| {
        let s = l.next_seq.get();
        l.next_seq.set(s + 1);
        CollectionId::new(pe.id, s)
    })
}

/// This PE's part of a collection, if it reached this PE.
#[inline]
pub(crate) fn lookup(coll: CollectionId) -> Option<Rc<LocalCollection>> {
    local(|l| {
        if let Some(c) = &*l.last.borrow() {
            if c.meta.id == coll {
                return Some(c.clone());
            }
        }
        let found = l.collections.borrow().get(&coll).cloned();
        if let Some(c) = &found {
            *l.last.borrow_mut() = Some(c.clone());
        }
        found
    })
}

/// Keeps a message for a collection whose creation has not reached this PE yet.
pub(crate) fn park(coll: CollectionId, env: Envelope) {
    local(|l| l.pending.borrow_mut().entry(coll).or_default().push(env));
}

/// Whether this PE knows collection `coll` (it was created here, or its creation arrived).
pub(crate) fn known(coll: CollectionId) -> bool {
    local(|l| l.collections.borrow().contains_key(&coll))
}
