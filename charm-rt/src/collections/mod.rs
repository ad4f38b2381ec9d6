//! Chare collections (single chares, groups, dense arrays) and the untyped proxies that the
//! generated, typed proxies wrap.

pub(crate) mod balancing;
mod bcast;
pub mod callback;
pub(crate) mod chare;
pub(crate) mod deliver;
pub(crate) mod members;
pub(crate) mod meta;
pub(crate) mod migrate;
pub(crate) mod service;
pub(crate) mod sparse;
pub(crate) mod table;

pub(crate) use meta::{CollectionMeta, Kind};

use crate::codec;
use crate::future::value::{Serde, Value};
use crate::future::{BroadcastReply, Reply};
use crate::ids::{CollectionId, ElemKey, EntryId};
use crate::index::Index;
use crate::location;
use crate::message::{Body, Dest, Envelope, Message, ReplyTo, WireBody};
use crate::scheduler::{with_pe, ElemCtx, Pe};
use chare::ChareStruct;
use serde::{Deserialize, Serialize};
use service::{local, BROADCAST, CREATE, ELEMENT};
use std::panic::Location;

/// An untyped reference to a whole collection (what a generated `XProxy` wraps).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct CollectionRef {
    meta: CollectionMeta,
}

/// An untyped reference to one element (what a generated `XElemProxy` wraps): 24 bytes, with the
/// PE the element was last known on as a hint (computed once when the proxy is made; the
/// location service has the last word).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct ElemRef {
    coll: CollectionId,
    elem: ElemKey,
    pe: u32,
}

/// How to lay out a new collection.
#[derive(Clone, Copy, Debug)]
pub enum Layout {
    /// One element per PE.
    Group,
    /// A dense array of this shape.
    Array(Index),
    /// One chare on a given PE, or on one the runtime picks.
    Single(Option<usize>),
    /// An empty sparse array whose indices have this many coordinates.
    Sparse(usize),
}

/// What a collection's creation tells every PE: the collection, and its placement map if the
/// program gave one.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Creation {
    pub meta: CollectionMeta,
    pub map: Option<crate::location::maps::MapSpec>,
}

impl CollectionRef {
    /// Job-wide id.
    pub fn id(&self) -> CollectionId {
        self.meta.id
    }

    /// Number of elements (of a sparse array: as of the last `done_inserting` this PE heard
    /// of, less the elements destroyed since that it heard of).
    pub fn len(&self) -> usize {
        match location::size(&self.meta) {
            Some(n) => n as usize,
            None => service::lookup(self.meta.id).map_or(0, |c| c.members.borrow().size() as usize),
        }
    }

    /// True for an array with no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Shape: the array's dimensions, `(num_pes)` for a group, `(1)` for a single chare.
    pub fn shape(&self) -> Index {
        self.meta.shape
    }

    /// The element at `index`, or `None` when out of bounds (for a sparse array: when the index
    /// has another number of coordinates, or one too large to pack; see `insert`).
    #[inline]
    pub fn try_elem(&self, index: Index) -> Option<ElemRef> {
        let elem = self.meta.key_of(index)?;
        Some(ElemRef {
            coll: self.meta.id,
            elem,
            pe: location::home(&self.meta, elem),
        })
    }

    /// The element at `index`; panics with a message naming the collection when out of bounds.
    #[inline]
    #[track_caller]
    pub fn elem(&self, index: Index, type_name: &str) -> ElemRef {
        match self.try_elem(index) {
            Some(e) => e,
            None => panic!(
                "charm-rs: index {index} is out of bounds for the {type_name} collection of shape {}",
                self.meta.shape
            ),
        }
    }

    /// Every element's reference, in row-major order (not for sparse arrays, whose indices no
    /// PE lists).
    #[track_caller]
    pub fn elems(&self) -> impl Iterator<Item = ElemRef> + '_ {
        assert!(
            !matches!(self.meta.kind, Kind::Sparse),
            "charm-rs: elems() lists a dense collection; a sparse array's elements are not listed anywhere"
        );
        (0..self.len() as u64).map(|elem| ElemRef {
            coll: self.meta.id,
            elem,
            pe: location::home(&self.meta, elem),
        })
    }

    /// PEs that host at least one element.
    pub(crate) fn hosting_pes(&self) -> impl Iterator<Item = u32> + '_ {
        location::hosting_pes(&self.meta)
    }
}

impl ElemRef {
    /// PE that hosts the element, as far as this PE knows.
    #[inline]
    pub fn pe(&self) -> usize {
        location::route(self.coll, self.elem, self.pe) as usize
    }

    /// Row-major position of the element in its collection.
    pub fn position(&self) -> usize {
        self.elem as usize
    }

    /// The element's name in its collection (its position in a dense array).
    pub(crate) fn key(&self) -> ElemKey {
        self.elem
    }

    /// The collection.
    pub fn collection(&self) -> CollectionId {
        self.coll
    }
}

/// Creates a collection of `C` (asynchronously: the elements are built when their PEs get to it;
/// messages sent to them in the meantime wait for them).
pub fn create<C: ChareStruct, A: Message>(layout: Layout, args: A) -> CollectionRef {
    with_pe(|pe| create_in::<C>(pe, layout, None, args))
}

/// [`create`] with a placement map for an array.
pub fn create_with_map<C: ChareStruct, M: crate::ArrayMap, A: Message>(
    layout: Layout,
    map: M,
    args: A,
) -> CollectionRef {
    let spec = crate::location::maps::MapSpec::of(&map);
    with_pe(|pe| create_in::<C>(pe, layout, Some(spec), args))
}

fn create_in<C: ChareStruct>(
    pe: &Pe,
    layout: Layout,
    map: Option<crate::location::maps::MapSpec>,
    args: impl Message,
) -> CollectionRef {
    let (kind, shape) = match layout {
        Layout::Group => (Kind::Group, Index::from(pe.num_pes)),
        Layout::Array(shape) => {
            assert!(
                shape.volume() <= u64::from(u32::MAX),
                "charm-rs: an array of shape {shape} has more than 2^32 - 1 elements, the most a collection can have"
            );
            (Kind::Array, shape)
        }
        Layout::Sparse(ndims) => {
            assert!(
                (1..=crate::index::MAX_DIMS).contains(&ndims),
                "charm-rs: a sparse array's indices have 1 to {} coordinates, not {ndims}",
                crate::index::MAX_DIMS
            );
            (Kind::Sparse, Index::new(&vec![0; ndims]))
        }
        Layout::Single(on) => {
            let target = match on {
                Some(p) => {
                    assert!(
                        p < pe.num_pes,
                        "charm-rs: cannot place a {} on PE {p}: the job has {} PEs",
                        C::NAME,
                        pe.num_pes
                    );
                    p as u32
                }
                None => local(|l| {
                    let n = l.next_single.get();
                    l.next_single.set(n.wrapping_add(1));
                    n % pe.num_pes as u32
                }),
            };
            (Kind::Single { pe: target }, Index::from(1))
        }
    };
    let mapped = map.is_some();
    let meta = CollectionMeta {
        id: service::new_collection_id(pe),
        type_id: C::TYPE_ID,
        kind,
        shape,
        num_pes: pe.num_pes as u32,
        dynamic: C::MIGRATABLE || mapped || matches!(kind, Kind::Sparse),
        mapped,
    };
    if let Some(spec) = &map {
        // The creator knows the map at once: insertions and proxies made here right away find
        // their homes.
        match spec.rebuild() {
            Ok(m) => location::maps::install(meta.id, m),
            Err(e) => panic!("charm-rs: {e}"),
        }
    }
    let creation = Creation { meta, map };
    if let Kind::Single { pe: target } = kind {
        pe.route(
            target as usize,
            create_env(&creation, Body::Typed(Box::new(args))),
        );
    } else {
        let w = WireBody::new(codec::encode_to_buf(|e| args.encode(e)));
        // Every PE knows a dynamic collection from the start: its elements may move anywhere,
        // and its reductions and broadcasts span every PE.
        let to: Vec<u32> = if meta.dynamic {
            (0..meta.num_pes).collect()
        } else {
            location::hosting_pes(&meta).collect()
        };
        for p in to {
            pe.route(p as usize, create_env(&creation, Body::Wire(w.clone())));
        }
    }
    CollectionRef { meta }
}

fn create_env(creation: &Creation, body: Body) -> Envelope {
    let dest = Dest {
        handler: CREATE,
        entry: 0,
        addr: codec::serde_addr(creation),
    };
    Envelope::new(dest, body)
}

/// Sends a call to one element, fire-and-forget.
#[inline]
pub fn send<A: Message>(to: &ElemRef, entry: EntryId, args: A) {
    with_pe(|pe| pe.route_typed(to.pe(), elem_dest(to, entry), None, args))
}

/// The address of a call to one element.
#[inline(always)]
pub(crate) fn elem_dest(to: &ElemRef, entry: EntryId) -> Dest {
    Dest::two(ELEMENT, entry, to.coll.0, to.elem)
}

/// The address of a broadcast to a collection's elements on one PE.
#[inline]
pub(crate) fn broadcast_dest(coll: CollectionId, entry: EntryId) -> Dest {
    Dest::two(BROADCAST, entry, coll.0, 0)
}

#[inline]
fn call_in<A: Message>(
    pe: &Pe,
    to: &ElemRef,
    entry: EntryId,
    args: A,
    future: crate::message::FutureId,
    value: bool,
) {
    let reply = Some(ReplyTo {
        future,
        gather: false,
        value,
    });
    pe.route_typed(to.pe(), elem_dest(to, entry), reply, args);
}

/// Sends a call to one element; the reply resolves when the method completed.
#[inline]
#[track_caller]
pub fn call_awaitable<A: Message>(to: &ElemRef, entry: EntryId, args: A) -> Reply<()> {
    let at = Location::caller();
    with_pe(|pe| {
        let reply = Reply::create_done(pe, at);
        call_in(pe, to, entry, args, reply.id(), false);
        reply
    })
}

/// Sends a call to one element; the reply resolves to the method's return value.
#[inline]
#[track_caller]
pub fn call_ret<W: Value, A: Message>(to: &ElemRef, entry: EntryId, args: A) -> Reply<W::Output> {
    let at = Location::caller();
    with_pe(|pe| {
        let reply = Reply::create::<W>(pe, at);
        call_in(pe, to, entry, args, reply.id(), true);
        reply
    })
}

fn broadcast_in(
    pe: &Pe,
    coll: &CollectionRef,
    entry: EntryId,
    reply: Option<ReplyTo>,
    args: &dyn crate::message::ErasedMessage,
) {
    let w = WireBody::new(codec::encode_to_buf(|e| args.encode_erased(e)));
    if coll.meta.dynamic {
        // PE 0 numbers it and passes it on to every PE.
        let env = Envelope {
            dest: bcast::dest(coll.id(), entry, 0),
            reply,
            body: Body::Wire(w),
        };
        return pe.route(0, env);
    }
    for p in coll.hosting_pes() {
        let env = Envelope {
            dest: broadcast_dest(coll.id(), entry),
            reply,
            body: Body::Wire(w.clone()),
        };
        pe.route(p as usize, env);
    }
}

/// Calls an entry method on every element, fire-and-forget. The arguments are encoded once and
/// shared by every receiver.
pub fn broadcast<A: Message>(coll: &CollectionRef, entry: EntryId, args: A) {
    with_pe(|pe| broadcast_in(pe, coll, entry, None, &args))
}

fn broadcast_reply_in<W: Value, A: Message>(
    coll: &CollectionRef,
    entry: EntryId,
    args: A,
    value: bool,
    at: &'static Location<'static>,
) -> BroadcastReply<W::Output> {
    with_pe(|pe| {
        // One reply per hosting PE; for a collection whose elements move, replies count the
        // elements they cover.
        let parts = if coll.meta.dynamic {
            crate::future::table::UNKNOWN // PE 0 tells it when it numbers the broadcast
        } else {
            coll.hosting_pes().count() as u32
        };
        let reply = BroadcastReply::create::<W>(pe, parts, at);
        if parts > 0 {
            broadcast_in(
                pe,
                coll,
                entry,
                Some(ReplyTo {
                    future: reply.id(),
                    gather: true,
                    value,
                }),
                &args,
            );
        }
        reply
    })
}

/// Calls an entry method on every element; the reply resolves when all of them completed.
#[track_caller]
pub fn broadcast_awaitable<A: Message>(
    coll: &CollectionRef,
    entry: EntryId,
    args: A,
) -> BroadcastReply<()> {
    broadcast_reply_in::<Serde<()>, A>(coll, entry, args, false, Location::caller())
}

/// Calls an entry method on every element; the reply resolves to their return values, sorted by
/// element position.
#[track_caller]
pub fn broadcast_ret<W: Value, A: Message>(
    coll: &CollectionRef,
    entry: EntryId,
    args: A,
) -> BroadcastReply<W::Output> {
    broadcast_reply_in::<W, A>(coll, entry, args, true, Location::caller())
}

/// The collection of the element whose entry method (or constructor) is running.
#[track_caller]
pub fn this_collection(type_name: &'static str, type_id: crate::ids::TypeId) -> CollectionRef {
    with_pe(|pe| {
        let meta = current_meta(pe).unwrap_or_else(|| {
            panic!("charm-rs: {type_name}::this_proxy() can only be called inside an entry method or constructor of {type_name}")
        });
        assert!(
            meta.type_id == type_id,
            "charm-rs: {type_name}::this_proxy() called inside an entry method of another chare type"
        );
        CollectionRef { meta }
    })
}

/// The element whose entry method (or constructor) is running.
#[track_caller]
pub fn this_elem(type_name: &'static str, type_id: crate::ids::TypeId) -> ElemRef {
    let c = this_collection(type_name, type_id);
    let (ctx, here) = with_pe(|pe| (pe.current.get(), pe.id as u32));
    let ctx = ctx.expect("inside an element");
    debug_assert_eq!(ctx.coll, c.meta.id);
    // The element runs here, wherever its home is.
    ElemRef {
        coll: ctx.coll,
        elem: ctx.elem,
        pe: here,
    }
}

fn current_meta(pe: &Pe) -> Option<CollectionMeta> {
    let ElemCtx { coll, .. } = pe.current.get()?;
    if let Some(m) = local(|l| l.constructing.get()).filter(|m| m.id == coll) {
        return Some(m);
    }
    service::lookup(coll).map(|c| c.meta)
}

/// Index of the element whose entry method, coroutine or constructor is running.
///
/// Panics outside of one (in the main function, say).
#[track_caller]
pub fn this_index() -> Index {
    with_pe(|pe| {
        let ctx = pe
            .current
            .get()
            .expect("charm-rs: this_index() can only be called inside a chare");
        let meta = current_meta(pe).expect("charm-rs: current collection is not on this PE");
        meta.index_of(ctx.elem)
    })
}
