//! Moving elements between PEs (see `docs/migration-design.md`): a request marks the element,
//! which leaves once it is idle; the PE it leaves forwards what arrives for it; the PE it reaches
//! rebuilds it, delivers what waited for it and tells its home.

use super::chare::registry;
use super::meta::CollectionMeta;
use super::service::{local, lookup, MIGRATE, MOVE_IN};
use super::table::{LocalCollection, Slot};
use super::ElemRef;
use crate::codec::{self, CodecError, Decoder};
use crate::error::panic_message;
use crate::ids::{CollectionId, ElemKey, EntryId};
use crate::index::Index;
use crate::location::{self, Arrival, Epoch, Known};
use crate::message::{Body, Dest, Envelope, ReplyTo, WireBody};
use crate::scheduler::{with_pe, ElemCtx, Pe};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

/// Asks element `elem` to move to PE `to_pe` (the generated `migrate` of element proxies). From
/// inside the element itself, it leaves as soon as the running entry method returns (or, from a
/// coroutine, when its last coroutine ends); from anywhere else the request travels to the
/// element as a message, after the messages sent to it before.
#[track_caller]
pub fn request_migration(elem: &ElemRef, to_pe: usize, type_name: &str) {
    with_pe(|pe| {
        assert!(
            to_pe < pe.num_pes,
            "charm-rs: cannot move a {type_name} element to PE {to_pe}: the job has {} PEs",
            pe.num_pes
        );
        let (coll, position) = (elem.collection(), elem.key());
        let me = pe.current.get();
        if me.is_some_and(|c| c.coll == coll && c.elem == position) {
            let c = lookup(coll).unwrap_or_else(|| {
                panic!("charm-rs: an element cannot ask to move from its constructor")
            });
            let slot = c.slot_of(position).expect("the running element is here");
            if let Err(why) = mark(pe, &c, slot, position, to_pe as u32) {
                panic!("charm-rs: {why}");
            }
            return;
        }
        let dest = Dest::two(MIGRATE, to_pe as EntryId, coll.0, position);
        pe.route(elem.pe(), Envelope::new(dest, Body::Empty));
    })
}

/// In a move request or a slot's pending move: destroy the element instead of moving it.
pub(crate) const DESTROY: u32 = u32::MAX;

/// Asks element `elem` to be destroyed (the generated `destroy` of element proxies): like a
/// move, from inside the element it happens as soon as the running entry method returns (or its
/// last coroutine ends), from elsewhere the request travels to it.
#[track_caller]
pub fn request_destroy(elem: &ElemRef, type_name: &str) {
    with_pe(|pe| {
        let (coll, key) = (elem.collection(), elem.key());
        let me = pe.current.get();
        if me.is_some_and(|c| c.coll == coll && c.elem == key) {
            let c = lookup(coll).unwrap_or_else(|| {
                panic!("charm-rs: a {type_name} element cannot destroy itself from its constructor")
            });
            let slot = c.slot_of(key).expect("the running element is here");
            if let Err(why) = mark(pe, &c, slot, key, DESTROY) {
                panic!("charm-rs: {why}");
            }
            return;
        }
        let dest = Dest::two(MIGRATE, DESTROY, coll.0, key);
        pe.route(elem.pe(), Envelope::new(dest, Body::Empty));
    })
}

/// `set_migratable(false)` inside an element: later requests to move it are errors.
#[track_caller]
pub fn set_migratable(migratable: bool) {
    with_pe(|pe| {
        let ctx = pe.current.get().unwrap_or_else(|| {
            panic!("charm-rs: set_migratable is called from an entry method or coroutine of an element")
        });
        let slot = lookup(ctx.coll).and_then(|c| c.slot_of(ctx.elem).map(|s| (c, s)));
        match slot {
            Some((c, slot)) => c.table.borrow().slots[slot].pinned.set(!migratable),
            // In its constructor: the slot is made when the constructor returns.
            None => local(|l| {
                let mut pins = l.pinned_at_birth.borrow_mut();
                pins.retain(|&p| p != (ctx.coll, ctx.elem));
                if !migratable {
                    pins.push((ctx.coll, ctx.elem));
                }
            }),
        }
    })
}

/// The handler of a move request; entry: the PE to move to.
pub(super) fn request_arrived(pe: &Pe, env: Envelope) {
    let (coll, elem) = pe.address(&env);
    let Some(c) = lookup(CollectionId(coll)) else {
        return super::service::park(CollectionId(coll), env);
    };
    let arrival = location::arrival(pe, &c.meta, &c.table.borrow().here, elem);
    let slot = match arrival {
        Arrival::Here(slot) => slot,
        other => return not_here(pe, &c, elem, env, other),
    };
    // Nobody awaits a request: a refused one ends the job.
    if let Err(why) = mark(pe, &c, slot, elem, env.dest.entry) {
        pe.abort(&why);
    }
    leave_if_idle(pe, &c, slot);
}

/// Records that the element in `slot` is to move to `to` (or be destroyed), or why it cannot.
pub(super) fn mark(
    pe: &Pe,
    c: &LocalCollection,
    slot: usize,
    elem: ElemKey,
    to: u32,
) -> Result<(), String> {
    let what = || format!("element {} of {}", c.meta.index_of(elem), c.type_name);
    let t = c.table.borrow();
    let s = &t.slots[slot];
    if to == DESTROY {
        if !c.meta.dynamic {
            return Err(format!(
                "{} cannot be destroyed: only elements of collections whose membership can change \
                 (sparse arrays, migratable or mapped chares) can be",
                what()
            ));
        }
    } else {
        if !migratable(c) {
            return Err(format!(
                "{} was asked to move, but {} is not migratable",
                what(),
                c.type_name
            ));
        }
        if to as usize >= pe.num_pes {
            return Err(format!(
                "{} was asked to move to PE {to}: the job has {} PEs",
                what(),
                pe.num_pes
            ));
        }
        if s.pinned.get() {
            return Err(format!(
                "{} was asked to move to PE {to}, but it called set_migratable(false)",
                what()
            ));
        }
    }
    if let Some(reason) = location::pinned(c.meta.id, elem) {
        return Err(format!(
            "{} cannot {} while it is a member of {reason}",
            what(),
            if to == DESTROY {
                "be destroyed"
            } else {
                "move"
            }
        ));
    }
    let before = s.move_to.replace((to as usize != pe.id).then_some(to));
    match (before.is_some(), s.move_to.get().is_some()) {
        (false, true) => c.moves_pending.set(c.moves_pending.get() + 1),
        (true, false) => c.moves_pending.set(c.moves_pending.get() - 1),
        _ => {}
    }
    Ok(())
}

/// Whether the collection's chare type can move (a sparse array or a mapped one may hold chares
/// that cannot).
fn migratable(c: &LocalCollection) -> bool {
    registry()
        .get(&c.meta.type_id)
        .is_some_and(|r| r.migratable)
}

/// Moves the element in `slot` if it asked to and is idle (no coroutine holds it). Called after
/// each of its entry methods and coroutine steps while a move is pending in its collection.
pub(crate) fn leave_if_idle(pe: &Pe, c: &Rc<LocalCollection>, slot: usize) {
    let to = {
        let t = c.table.borrow();
        let Some(s) = t.slots.get(slot) else { return };
        let Some(to) = s.move_to.get() else { return };
        if to == DESTROY && s.red_seq.get() == super::sparse::PENDING {
            return; // inserted in a phase still open: destroyed when it closes
        }
        let busy = match s.chare.try_borrow() {
            Ok(ch) => ch.as_ref().is_none_or(|ch| ch.busy()),
            Err(_) => true, // an entry method of it runs
        };
        if busy {
            return;
        }
        to
    };
    c.moves_pending.set(c.moves_pending.get() - 1);
    if to == DESTROY {
        destroy(pe, c, slot);
    } else {
        emigrate(pe, c, slot, to);
    }
}

/// Takes the element in `slot` off this PE (for a move or for good): its position, its chare,
/// and its next reduction and last broadcast numbers. The slot stays, free for an arrival.
fn take_out(
    c: &LocalCollection,
    slot: usize,
) -> (ElemKey, Box<dyn super::chare::ChareObject>, u32, u32) {
    let mut t = c.table.borrow_mut();
    let t = &mut *t;
    let elem = t.here.position(slot).expect("a local element's slot");
    t.here.remove(elem);
    let s = &t.slots[slot];
    let chare = s.chare.borrow_mut().take().expect("an element in its slot");
    s.move_to.set(None);
    (elem, chare, s.red_seq.get(), s.bcast_seq.get())
}

/// The element in `slot` leaves for PE `to`.
fn emigrate(pe: &Pe, c: &Rc<LocalCollection>, slot: usize, to: u32) {
    let (elem, chare, red_seq, bcast_seq) = take_out(c, slot);
    let deferred: Vec<(EntryId, Option<ReplyTo>, Vec<u8>)> = c
        .waits
        .borrow_mut()
        .remove(&slot)
        .map(|w| {
            debug_assert!(
                w.wakers.is_empty(),
                "an idle element has no waiting coroutine"
            );
            w.deferred
                .into_iter()
                .map(|(entry, body, reply)| {
                    let w = body.into_wire();
                    (
                        entry,
                        reply,
                        codec::inline_externals(&w).as_bytes().to_vec(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let carried = location::carry_out(pe, c.meta.id, elem);
    let epoch = location::known(c.meta.id, elem).map_or(0, |k| k.epoch.0) + 1;
    let moving = Moving {
        meta: c.meta,
        elem,
        epoch,
        red_seq,
        bcast_seq,
        deferred,
        carried,
    };
    let body = codec::encode_to_buf(|e| {
        e.serde(&moving);
        chare.pack(e);
    });
    drop(chare);
    location::record(
        c.meta.id,
        elem,
        Known {
            pe: to,
            epoch: Epoch(epoch),
        },
    );
    let dest = Dest::two(MOVE_IN, 0, c.meta.id.0, elem);
    pe.route(
        to as usize,
        Envelope::new(dest, Body::Wire(WireBody::new(body))),
    );
    crate::reduction::state::element_left(pe, c, red_seq);
}

/// Destroys the element in `slot`: a tombstone stays (here and at its home) to report messages
/// that still come for it, and PE 0 learns it will not contribute or answer again.
fn destroy(pe: &Pe, c: &Rc<LocalCollection>, slot: usize) {
    let (elem, chare, red_seq, bcast_seq) = take_out(c, slot);
    drop(chare);
    let what = || format!("element {} of {}", c.meta.index_of(elem), c.type_name);
    if let Some(w) = c.waits.borrow_mut().remove(&slot) {
        for (entry, _, reply) in w.deferred {
            match reply {
                Some(r) => super::deliver::call_failed(
                    pe,
                    c.type_name,
                    "<deferred>",
                    crate::scheduler::ElemCtx {
                        coll: c.meta.id,
                        elem,
                    },
                    Some(r),
                    format!("the element was destroyed before its #[when] condition held (entry {entry:#x})"),
                ),
                None => pe.abort(&format!(
                    "{} was destroyed with a #[when] message still waiting for its condition",
                    what()
                )),
            }
        }
    }
    drop(location::carry_out(pe, c.meta.id, elem));
    let epoch = location::known(c.meta.id, elem).map_or(0, |k| k.epoch.0) + 1;
    let gone = Known {
        pe: location::GONE,
        epoch: Epoch(epoch),
    };
    location::record(c.meta.id, elem, gone);
    let home = location::home(&c.meta, elem) as usize;
    if home != pe.id {
        location::tell(pe, home, c.meta.id, elem, gone);
    }
    crate::reduction::state::element_left(pe, c, red_seq);
    super::sparse::left_for_good(pe, c, red_seq, bcast_seq);
}

/// What travels with an element besides its chare's state (which follows it in the message).
#[derive(serde::Serialize, serde::Deserialize)]
struct Moving {
    meta: CollectionMeta,
    elem: ElemKey,
    epoch: u32,
    red_seq: u32,
    bcast_seq: u32,
    /// `#[when]` messages that waited for their condition: entry, reply, encoded arguments.
    deferred: Vec<(EntryId, Option<ReplyTo>, Vec<u8>)>,
    /// Other services' state about the element (channel ends), by service.
    carried: Vec<(u32, Vec<u8>)>,
}

/// The handler of an element arriving from another PE.
pub(super) fn arrived(pe: &Pe, env: Envelope) {
    let Body::Wire(mut w) = env.body else {
        pe.abort("a moving element's message is not encoded");
    };
    let mut dec = w
        .decoder()
        .unwrap_or_else(|e| pe.abort(&format!("malformed element move: {e}")));
    let moving: Moving = dec
        .serde()
        .unwrap_or_else(|e| pe.abort(&format!("malformed element move: {e}")));
    let Some(reg) = registry().get(&moving.meta.type_id).copied() else {
        pe.abort(&format!(
            "no chare type with id {:#x} in this program (are all processes running the same binary?)",
            moving.meta.type_id
        ));
    };
    let index = moving.meta.index_of(moving.elem);
    let chare = match catch_unwind(AssertUnwindSafe(|| unpack(reg.unpack, &mut dec))) {
        Ok(Ok(chare)) => chare,
        Ok(Err(e)) => pe.abort(&format!(
            "element {index} of {} could not be rebuilt after a move: {e}",
            reg.name
        )),
        Err(p) => pe.abort(&format!(
            "element {index} of {} could not be rebuilt after a move: {}",
            reg.name,
            panic_message(&*p)
        )),
    };
    let c = collection_here(pe, moving.meta, reg.name);
    let slot = {
        let mut table = c.table.borrow_mut();
        let t = &mut *table;
        let slot = t.here.free_slot();
        if !t.here.insert(moving.elem, slot) {
            drop(table);
            pe.abort(&format!(
                "element {index} of {} arrived on PE {}, where it already is",
                reg.name, pe.id
            ));
        }
        let s = Slot::new(chare);
        s.red_seq.set(moving.red_seq);
        s.bcast_seq.set(moving.bcast_seq);
        if slot == t.slots.len() {
            t.slots.push(s);
        } else {
            t.slots[slot] = s;
        }
        slot
    };
    let me = Known {
        pe: pe.id as u32,
        epoch: Epoch(moving.epoch),
    };
    location::record(c.meta.id, moving.elem, me);
    crate::reduction::state::element_arrived(pe, &c, moving.red_seq);
    location::carry_in(pe, c.meta.id, moving.elem, &moving.carried);
    if !moving.deferred.is_empty() {
        let mut waits = c.waits.borrow_mut();
        let w = waits.entry(slot).or_default();
        for (entry, reply, bytes) in moving.deferred {
            let mut buf = codec::WireBuf::with_capacity(bytes.len());
            buf.extend_from_slice(&bytes);
            w.deferred
                .push_back((entry, Body::Wire(WireBody::new(buf)), reply));
        }
    }
    run_hook(pe, &c, slot, moving.elem, reg.name, &index);
    super::bcast::catch_up(pe, &c, slot, moving.bcast_seq);
    let home = location::home(&c.meta, moving.elem);
    if home as usize != pe.id {
        location::tell(pe, home as usize, c.meta.id, moving.elem, me);
    }
    let waiting = c.arriving.borrow_mut().remove(&moving.elem);
    for env in waiting.into_iter().flatten() {
        pe.deliver(env);
    }
    super::deliver::offer_deferred(pe, &c, slot);
    // The hook, or what waited, may have asked it to move on.
    if c.moves_pending.get() > 0 {
        if let Some(slot) = c.slot_of(moving.elem) {
            leave_if_idle(pe, &c, slot);
        }
    }
}

fn unpack(
    f: fn(&mut Decoder<'_>) -> Result<Box<dyn super::chare::ChareObject>, CodecError>,
    dec: &mut Decoder<'_>,
) -> Result<Box<dyn super::chare::ChareObject>, CodecError> {
    f(dec)
}

/// Runs the chare's `migrated` hook; a panic there ends the job, as one in a constructor does.
fn run_hook(
    pe: &Pe,
    c: &Rc<LocalCollection>,
    slot: usize,
    elem: ElemKey,
    name: &str,
    index: &Index,
) {
    run_chare_hook(
        pe,
        c,
        slot,
        elem,
        |ch| ch.after_migration(),
        |msg| {
            format!(
                "the migrated() hook of {name} panicked for element {index} on PE {}: {msg}",
                pe.id
            )
        },
    );
}

/// Runs `hook` on the element in `slot` as that element (its context set, so it may send,
/// contribute or ask to move); a panic there ends the job with `report(panic message)`.
pub(super) fn run_chare_hook(
    pe: &Pe,
    c: &LocalCollection,
    slot: usize,
    elem: ElemKey,
    hook: impl FnOnce(&mut dyn super::chare::ChareObject),
    report: impl FnOnce(&str) -> String,
) {
    let ctx = ElemCtx {
        coll: c.meta.id,
        elem,
    };
    let prev = pe.current.replace(Some(ctx));
    let res = {
        let t = c.table.borrow();
        let cell = &t.slots[slot].chare;
        catch_unwind(AssertUnwindSafe(|| {
            if let Some(ch) = cell.borrow_mut().as_mut() {
                hook(&mut **ch);
            }
        }))
    };
    pe.current.set(prev);
    if let Err(p) = res {
        pe.abort(&report(&panic_message(&*p)));
    }
}

/// This PE's part of a collection, made empty if an element is the first of it to arrive here
/// (a PE outside the static map never received the collection's creation).
fn collection_here(pe: &Pe, meta: CollectionMeta, type_name: &'static str) -> Rc<LocalCollection> {
    if let Some(c) = lookup(meta.id) {
        return c;
    }
    let c = Rc::new(LocalCollection::new(
        meta,
        location::LocalElements::run(0..0),
        Vec::new(),
        type_name,
        Default::default(),
    ));
    let parked = local(|l| {
        l.collections.borrow_mut().insert(meta.id, c.clone());
        l.pending.borrow_mut().remove(&meta.id)
    });
    // Messages that reached this PE before it knew the collection wait behind the element.
    for env in parked.into_iter().flatten() {
        pe.queue.borrow_mut().push_back(env);
    }
    c
}

/// A message for element `elem` that is not here: sent on, kept until the element arrives, or
/// reported.
pub(crate) fn not_here(pe: &Pe, c: &LocalCollection, elem: ElemKey, env: Envelope, at: Arrival) {
    match at {
        Arrival::Here(_) => unreachable!("handled by the caller"),
        Arrival::Forward(to) => {
            let from = pe.source();
            if from != pe.id && from != to as usize {
                if let Some(k) = location::known(c.meta.id, elem) {
                    location::tell(pe, from, c.meta.id, elem, k);
                }
            }
            pe.route(to as usize, env)
        }
        Arrival::ToHome(home) => pe.route(home as usize, env),
        Arrival::Wait => c.arriving.borrow_mut().entry(elem).or_default().push(env),
        Arrival::Gone => {
            let what = format!(
                "a message for element {} of {}, which was destroyed",
                c.meta.index_of(elem),
                c.type_name
            );
            match env.reply {
                // An awaiting caller gets the error; nobody waits forever.
                Some(r) => super::deliver::call_failed(
                    pe,
                    c.type_name,
                    "<destroyed>",
                    crate::scheduler::ElemCtx {
                        coll: c.meta.id,
                        elem,
                    },
                    Some(r),
                    "the element was destroyed".to_string(),
                ),
                None => pe.abort(&format!("{what} (it reached PE {})", pe.id)),
            }
        }
        Arrival::Missing => pe.abort(&format!(
            "message for element {} of {} collection {}, which is not on this PE",
            c.meta.index_of(elem),
            c.type_name,
            c.meta.id
        )),
    }
}

/// Applies `set_migratable(false)` calls made by constructors of this collection's elements.
pub(crate) fn apply_birth_pins(c: &LocalCollection) {
    let pins: Vec<ElemKey> = local(|l| {
        let mut all = l.pinned_at_birth.borrow_mut();
        let mine = all
            .iter()
            .filter(|p| p.0 == c.meta.id)
            .map(|p| p.1)
            .collect();
        all.retain(|p| p.0 != c.meta.id);
        mine
    });
    let t = c.table.borrow();
    for elem in pins {
        if let Some(slot) = t.here.slot_of(elem) {
            t.slots[slot].pinned.set(true);
        }
    }
}
