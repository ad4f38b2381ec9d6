//! The collection manager: what a PE does with a call to its elements (run the entry method,
//! defer it by its `#[when]` condition, report its failure), with a broadcast's results, and
//! with the creation of a collection.

use super::chare::{registry, CallCx, ChareObject, Dispatched};
use super::meta::CollectionMeta;
use super::service::{local, lookup, park, Gather};
use super::table::{ElemTable, LocalCollection, Slot};
use crate::error::{panic_message, CallError, Running, RunningWhat};
use crate::future::service as futures;
use crate::future::value::{ErrorMsg, GatherPart, Value};
use crate::ids::{CollectionId, ElemKey, EntryId};
use crate::index::Index;
use crate::location;
use crate::message::{Body, Envelope, ErasedMessage, ReplyTo};
use crate::scheduler::{ElemCtx, Pe};
use std::any::Any;
use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

/// The handler of a call to one element.
pub(super) fn element(pe: &Pe, env: Envelope) {
    let (coll, elem) = pe.address(&env);
    let coll = CollectionId(coll);
    let Some(c) = lookup(coll) else {
        return park(coll, env);
    };
    // One borrow of the table finds the element and runs it.
    let table = c.table.borrow();
    match table.here.slot_of(elem) {
        Some(slot) => {
            let ran = dispatch_here(
                pe,
                &c,
                &table,
                (slot, elem),
                env.dest.entry,
                env.body,
                env.reply,
            );
            drop(table);
            after_dispatch(pe, &c, slot, ran);
        }
        None => {
            drop(table);
            let at = location::elsewhere(pe, &c.meta, elem);
            super::migrate::not_here(pe, &c, elem, env, at)
        }
    }
}

/// The handler of a broadcast: every local element runs it.
pub(super) fn broadcast(pe: &Pe, env: Envelope) {
    let (coll, _) = pe.address(&env);
    let coll = CollectionId(coll);
    let Some(c) = lookup(coll) else {
        return park(coll, env);
    };
    if c.meta.dynamic {
        return super::bcast::arrived(pe, &c, env);
    }
    let Body::Wire(mut w) = env.body else {
        pe.abort("broadcast body is not encoded");
    };
    w.share();
    let (entry, reply) = (env.dest.entry, env.reply);
    let elements = c.elements();
    if let Some(r) = reply {
        local(|l| {
            l.gathers
                .borrow_mut()
                .insert(r.future, Gather::expecting(elements.len(), None))
        });
    }
    for here in elements {
        run_entry(pe, &c, here, entry, Body::Wire(w.clone()), reply);
    }
}

/// The handler of a collection's creation.
pub(super) fn create(pe: &Pe, env: Envelope) {
    let creation: super::Creation = match crate::codec::addr_serde(&env.dest.addr) {
        Ok(m) => m,
        Err(e) => pe.malformed(&env, e),
    };
    if let Some(spec) = &creation.map {
        match spec.rebuild() {
            Ok(map) => location::maps::install(creation.meta.id, map),
            Err(e) => pe.abort(&e),
        }
    }
    create_local(pe, creation.meta, env.body)
}

/// Runs one message on one element (its slot among this PE's elements, and its position),
/// then what its running made possible.
pub(crate) fn run_entry(
    pe: &Pe,
    c: &Rc<LocalCollection>,
    (off, elem): (usize, ElemKey),
    entry: EntryId,
    body: Body,
    reply: Option<ReplyTo>,
) {
    let ran = dispatch_once(pe, c, (off, elem), entry, body, reply);
    after_dispatch(pe, c, off, ran);
}

/// After an element ran a message: what its running made possible, and a move it asked for.
#[inline]
fn after_dispatch(pe: &Pe, c: &Rc<LocalCollection>, off: usize, ran: bool) {
    // Most collections have no deferred messages and no waiting coroutines: skip the lookup.
    if ran && !c.waits.borrow().is_empty() {
        after_element_ran(pe, c, off, true);
    }
    if c.moves_pending.get() > 0 {
        super::migrate::leave_if_idle(pe, c, off);
    }
}

/// Runs one message on one element; returns whether an entry method ran (rather than the
/// message being deferred by its `#[when]` condition, or failing).
fn dispatch_once(
    pe: &Pe,
    c: &Rc<LocalCollection>,
    at: (usize, ElemKey),
    entry: EntryId,
    body: Body,
    reply: Option<ReplyTo>,
) -> bool {
    let table = c.table.borrow();
    dispatch_here(pe, c, &table, at, entry, body, reply)
}

/// [`dispatch_in`], timed for the load balancer when the collection's work is measured (its
/// chare is `#[chare(at_sync)]`): one branch on the path of every other collection.
#[inline(always)]
fn dispatch_here(
    pe: &Pe,
    c: &Rc<LocalCollection>,
    table: &ElemTable,
    at: (usize, ElemKey),
    entry: EntryId,
    body: Body,
    reply: Option<ReplyTo>,
) -> bool {
    if c.measured {
        dispatch_measured(pe, c, table, at, entry, body, reply)
    } else {
        dispatch_in(pe, c, table, at, entry, body, reply)
    }
}

#[inline(never)]
fn dispatch_measured(
    pe: &Pe,
    c: &Rc<LocalCollection>,
    table: &ElemTable,
    at: (usize, ElemKey),
    entry: EntryId,
    body: Body,
    reply: Option<ReplyTo>,
) -> bool {
    let t0 = pe.load.now();
    let ran = dispatch_in(pe, c, table, at, entry, body, reply);
    let ctx = ElemCtx {
        coll: c.meta.id,
        elem: at.1,
    };
    pe.element_ran(ctx, pe.load.now().saturating_sub(t0));
    ran
}

/// [`dispatch_once`] with the collection's table already borrowed.
fn dispatch_in(
    pe: &Pe,
    c: &Rc<LocalCollection>,
    table: &ElemTable,
    (off, elem): (usize, ElemKey),
    entry: EntryId,
    body: Body,
    reply: Option<ReplyTo>,
) -> bool {
    let ctx = ElemCtx {
        coll: c.meta.id,
        elem,
    };
    let cell = &table.slots[off].chare;
    let cx = CallCx {
        reply,
        elem: ctx,
        chare: c.type_name,
    };
    let prev = pe.current.replace(Some(ctx));
    let started = pe.profile.enabled().then(std::time::Instant::now);
    let res = crate::error::panics_go_to_caller(reply.is_some(), || {
        catch_unwind(AssertUnwindSafe(|| {
            // Built inside the guarded closure: outside, its captures would be stored for
            // `catch_unwind` even in builds that never call it.
            let running = || Running {
                pe: pe.id,
                what: RunningWhat::Entry {
                    chare: c.type_name,
                    method: entry_name(cell, entry),
                    index: c.meta.index_of(ctx.elem),
                },
            };
            crate::error::running(running, || {
                let mut chare = cell.borrow_mut();
                let chare = chare.as_mut().expect("an element in its slot");
                chare.dispatch(entry, body, cx)
            })
        }))
    });
    if let Some(t) = started {
        pe.profile
            .record_entry(c.type_name, entry_name(cell, entry), t.elapsed());
    }
    pe.current.set(prev);
    let failure = match res {
        Ok(Ok(Dispatched::Ran)) => return true,
        Ok(Ok(Dispatched::NotYet(body))) => {
            c.waits
                .borrow_mut()
                .entry(off)
                .or_default()
                .deferred
                .push_back((entry, body, reply));
            return false;
        }
        Ok(Err(e)) => e.to_string(),
        Err(p) => panic_message(&*p),
    };
    let method = entry_name(cell, entry);
    call_failed(pe, c.type_name, method, ctx, reply, failure);
    false
}

fn entry_name(cell: &RefCell<Option<Box<dyn ChareObject>>>, entry: EntryId) -> &'static str {
    cell.borrow()
        .as_ref()
        .map_or("<element gone>", |c| c.entry_name(entry))
}

/// A coroutine of an element took a step: the chare may have changed, so its deferred
/// messages are offered again; if it was the element's last coroutine and the element asked to
/// move, it moves now.
pub(super) fn element_stepped(pe: &Pe, ctx: ElemCtx) {
    if let Some(c) = lookup(ctx.coll) {
        let waiting = !c.waits.borrow().is_empty();
        if waiting || c.moves_pending.get() > 0 {
            if let Some(slot) = c.slot_of(ctx.elem) {
                if waiting {
                    after_element_ran(pe, &c, slot, false);
                }
                if c.moves_pending.get() > 0 {
                    super::migrate::leave_if_idle(pe, &c, slot);
                }
            }
        }
    }
}

/// Offers an element's deferred `#[when]` messages again (after it arrived from another PE).
pub(super) fn offer_deferred(pe: &Pe, c: &Rc<LocalCollection>, off: usize) {
    if !c.waits.borrow().is_empty() {
        after_element_ran(pe, c, off, false);
    }
}

/// An entry method (`entry_ran`) or a coroutine step of an element happened: wake its
/// `wait_until` coroutines (after entry methods) and offer its deferred messages again, in
/// arrival order, until a pass runs none of them.
fn after_element_ran(pe: &Pe, c: &Rc<LocalCollection>, off: usize, entry_ran: bool) {
    // Waiters are woken after entry methods (deferred ones included), not after coroutine
    // steps: two coroutines waiting on each other would otherwise wake each other forever.
    let mut wake = entry_ran;
    loop {
        let batch = {
            let mut waits = c.waits.borrow_mut();
            let Some(w) = waits.get_mut(&off) else { return };
            if wake {
                for wk in w.wakers.drain(..) {
                    wk.wake();
                }
            }
            if w.deferred.is_empty() {
                if w.wakers.is_empty() {
                    waits.remove(&off);
                }
                return;
            }
            std::mem::take(&mut w.deferred)
        };
        let mut ran = false;
        let elem = c
            .table
            .borrow()
            .here
            .position(off)
            .expect("a local element's slot");
        for (entry, body, reply) in batch {
            ran |= dispatch_once(pe, c, (off, elem), entry, body, reply);
        }
        if !ran {
            return;
        }
        wake = true;
    }
}

/// The index of a local or remote element, as reports print it.
pub(crate) fn index_of(ctx: ElemCtx) -> Index {
    match lookup(ctx.coll) {
        Some(c) => c.meta.index_of(ctx.elem),
        None => Index::from(ctx.elem as usize),
    }
}

/// An entry method failed: the error goes to the caller's future, or ends the job.
pub(crate) fn call_failed(
    pe: &Pe,
    chare: &'static str,
    method: &'static str,
    ctx: ElemCtx,
    reply: Option<ReplyTo>,
    message: String,
) {
    let index = match lookup(ctx.coll) {
        Some(c) => c.meta.index_of(ctx.elem).to_string(),
        None => format!("#{}", ctx.elem),
    };
    let err = CallError {
        chare: chare.to_string(),
        index,
        method: method.to_string(),
        pe: pe.id,
        message,
    };
    match reply {
        None => pe.abort(&err.to_string()),
        Some(r) if !r.gather => futures::send(pe, r.future, Box::new(ErrorMsg(err))),
        Some(r) if local(|l| l.gathers.borrow().contains_key(&r.future)) => {
            gather_done(pe, r, |g| {
                g.error.get_or_insert(err);
            })
        }
        Some(r) => {
            // This PE's gathered results were complete and failed on their way out (a
            // value that cannot be encoded): its reply carries the error instead.
            futures::send(pe, r.future, Box::new(ErrorMsg(err)));
        }
    }
}

/// Records one element's completion of a broadcast; the last one sends this PE's reply.
fn gather_done(pe: &Pe, r: ReplyTo, record: impl FnOnce(&mut Gather)) {
    let finished = local(|l| {
        let mut gathers = l.gathers.borrow_mut();
        let g = gathers.get_mut(&r.future)?;
        record(g);
        g.remaining -= 1;
        Some(if g.remaining == 0 {
            gathers.remove(&r.future)
        } else {
            None
        })
    });
    let Some(finished) = finished else {
        pe.abort(&format!("broadcast result for unknown {}", r.future));
    };
    if let Some(g) = finished {
        let msg: Box<dyn ErasedMessage> = match (g.error, g.acc, g.finish) {
            (Some(e), _, _) => Box::new(ErrorMsg(e)),
            (None, Some(acc), Some(finish)) => finish(acc),
            _ => unreachable!("a finished gather has results or an error"),
        };
        futures::send_counted(pe, r.future, msg, g.weight);
    }
}

/// A call completed with a value.
pub(crate) fn complete<W: Value>(pe: &Pe, cx: &CallCx, w: W) {
    let Some(r) = cx.reply else { return };
    if !r.value {
        drop(w);
        return complete_unit(pe, cx, r);
    }
    if !r.gather {
        futures::send_typed(pe, r.future, crate::future::value::ReplyMsg(Ok(w)));
        return;
    }
    fn finish<W: Value>(acc: Box<dyn Any>) -> Box<dyn ErasedMessage> {
        let v = *acc.downcast::<Vec<(u64, W)>>().expect("gather of one type");
        Box::new(GatherPart(Ok(v)))
    }
    gather_done(pe, r, |g| {
        let key = g.order.as_ref().map_or(cx.elem.elem, |o| o(cx.elem));
        let acc = g
            .acc
            .get_or_insert_with(|| Box::new(Vec::<(u64, W)>::new()));
        acc.downcast_mut::<Vec<(u64, W)>>()
            .expect("gather of one type")
            .push((key, w));
        g.finish = Some(finish::<W>);
    });
}

fn complete_unit(pe: &Pe, cx: &CallCx, r: ReplyTo) {
    if r.gather {
        let cx = CallCx {
            reply: Some(ReplyTo { value: true, ..r }),
            ..cx.clone()
        };
        complete(pe, &cx, crate::future::value::Serde(()));
    } else {
        futures::send_typed(pe, r.future, crate::future::value::Done);
    }
}

/// Builds element `elem` of the collection `meta` from its constructor's arguments; a failing
/// constructor ends the job.
pub(super) fn construct(
    pe: &Pe,
    meta: &CollectionMeta,
    reg: &super::chare::Registration,
    elem: ElemKey,
    body: Body,
) -> Box<dyn ChareObject> {
    let ctx = ElemCtx {
        coll: meta.id,
        elem,
    };
    let prev = pe.current.replace(Some(ctx));
    // The collection may not be in the table yet; let `this_proxy` inside constructors find it.
    let prev_meta = local(|l| l.constructing.replace(Some(*meta)));
    let running = || Running {
        pe: pe.id,
        what: RunningWhat::Constructor {
            chare: reg.name,
            index: meta.index_of(elem),
        },
    };
    let res = catch_unwind(AssertUnwindSafe(|| {
        crate::error::running(running, || (reg.construct)(body))
    }));
    local(|l| l.constructing.replace(prev_meta));
    pe.current.set(prev);
    match res {
        Ok(Ok(obj)) => obj,
        Ok(Err(e)) => pe.abort(&format!(
            "constructor of {} for element {} failed: {e}",
            reg.name,
            meta.index_of(elem)
        )),
        Err(p) => pe.abort(&format!(
            "constructor of {} panicked for element {}: {}",
            reg.name,
            meta.index_of(elem),
            panic_message(&*p)
        )),
    }
}

/// Builds this PE's elements of a new collection, then replays messages that waited for it.
fn create_local(pe: &Pe, meta: CollectionMeta, body: Body) {
    let Some(reg) = registry().get(&meta.type_id).copied() else {
        pe.abort(&format!(
            "no chare type with id {:#x} in this program (are all processes running the same binary?)",
            meta.type_id
        ));
    };
    let here = location::initial_elements(&meta, pe.id as u32);
    let mut body = body;
    if let Body::Wire(w) = &mut body {
        w.share(); // read once per local element
    }
    let mut body = Some(body);
    let mut elems = Vec::with_capacity(here.len());
    let last = here.len().saturating_sub(1);
    for (slot, elem) in here.iter() {
        let b = match body.take() {
            Some(Body::Wire(w)) if slot != last => {
                body = Some(Body::Wire(w.clone()));
                Body::Wire(w)
            }
            Some(b) => b,
            None => pe.abort("constructor arguments used twice"),
        };
        elems.push(construct(pe, &meta, reg, elem, b));
    }
    let tree = if meta.dynamic {
        Default::default()
    } else {
        let hosting: Vec<u32> = location::hosting_pes(&meta).collect();
        crate::reduction::state::tree_place(&hosting, pe.id as u32)
    };
    let slots = elems.into_iter().map(Slot::new).collect();
    let c = Rc::new(LocalCollection::new(meta, here, slots, reg.name, tree));
    super::migrate::apply_birth_pins(&c);
    let waiting = local(|l| {
        l.collections.borrow_mut().insert(meta.id, c);
        l.pending.borrow_mut().remove(&meta.id)
    });
    for env in waiting.into_iter().flatten() {
        pe.deliver(env);
    }
}
