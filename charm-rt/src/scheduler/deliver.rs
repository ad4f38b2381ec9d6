//! What a PE does with each envelope: run an entry method, build a collection, fill a future.

use super::{ElemCtx, Gather, Pe};
use crate::collections::chare::{registry, CallCx, Dispatched};
use crate::collections::placement;
use crate::collections::table::LocalCollection;
use crate::error::{panic_message, CallError};
use crate::future::table::{Deposit, Waiter};
use crate::future::value::{ErrorMsg, GatherPart, Value};
use crate::ids::{CollectionId, EntryId};
use crate::index::Index;
use crate::message::{Body, CollectionMeta, Control, Dest, Envelope, ErasedMessage, ReplyTo};
use std::any::Any;
use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

impl Pe {
    pub(crate) fn deliver(&self, env: Envelope) {
        let Envelope {
            dest,
            entry,
            reply,
            body,
        } = env;
        match dest {
            Dest::Element { coll, elem } => {
                let Some(c) = self.lookup(coll) else {
                    return self.park(
                        coll,
                        Envelope {
                            dest: Dest::Element { coll, elem },
                            entry,
                            reply,
                            body,
                        },
                    );
                };
                let range = c.first..c.first + c.elems.len() as u32;
                if !range.contains(&elem) {
                    self.abort(&format!(
                        "message for element {} of {} collection {coll}, which is not on this PE",
                        Index::from_linear(elem, &c.meta.shape),
                        c.type_name
                    ));
                }
                self.run_entry(&c, (elem - c.first) as usize, entry, body, reply);
            }
            Dest::Broadcast { coll } => {
                let Some(c) = self.lookup(coll) else {
                    return self.park(
                        coll,
                        Envelope {
                            dest: Dest::Broadcast { coll },
                            entry,
                            reply,
                            body,
                        },
                    );
                };
                let Body::Wire(mut w) = body else {
                    self.abort("broadcast body is not encoded");
                };
                w.share();
                if let Some(r) = reply {
                    self.gathers
                        .borrow_mut()
                        .insert(r.future, Gather::expecting(c.elems.len(), None));
                }
                for off in 0..c.elems.len() {
                    self.run_entry(&c, off, entry, Body::Wire(w.clone()), reply);
                }
            }
            Dest::Create(meta) => self.create_local(*meta, body),
            Dest::Reduction { coll, seq, phase } => {
                let Some(c) = self.lookup(coll) else {
                    return self.park(
                        coll,
                        Envelope {
                            dest: Dest::Reduction { coll, seq, phase },
                            entry,
                            reply,
                            body,
                        },
                    );
                };
                let scope = crate::reduction::state::Scope::of_collection(&c);
                crate::reduction::state::arrived(self, &scope, seq, phase, body);
            }
            Dest::Future(id) => self.deposit(id, body),
            Dest::Control(Control::Exit(code)) => {
                if self.exit_code.get().is_none() {
                    self.exit_code.set(Some(code));
                }
            }
            Dest::Control(Control::Resume(slot, gen)) => self
                .ready
                .borrow_mut()
                .push_back(super::TaskKey { slot, gen }),
            Dest::Control(c) => self.qd_control(c, body),
            Dest::Channel(addr) => self.channel_arrived(*addr, body),
            Dest::Global(addr) => self.global_arrived(*addr, body),
            Dest::Section(d) => crate::sections::arrived(self, *d, entry, reply, body),
        }
    }

    #[inline]
    pub(crate) fn lookup(&self, coll: CollectionId) -> Option<Rc<LocalCollection>> {
        if let Some(c) = &*self.last_collection.borrow() {
            if c.meta.id == coll {
                return Some(c.clone());
            }
        }
        let found = self.collections.borrow().get(&coll).cloned();
        if let Some(c) = &found {
            *self.last_collection.borrow_mut() = Some(c.clone());
        }
        found
    }

    /// Keeps a message for a collection whose creation has not reached this PE yet.
    fn park(&self, coll: CollectionId, env: Envelope) {
        self.pending.borrow_mut().entry(coll).or_default().push(env);
    }

    pub(crate) fn deposit(&self, id: crate::message::FutureId, body: Body) {
        let r = self.futures.borrow_mut().deposit(id, body);
        match r {
            Ok(Deposit::Complete(Some(Waiter::Task(key)))) => self.make_ready(key),
            Ok(Deposit::Complete(Some(Waiter::Waker(w)))) => w.wake(),
            Ok(_) => {}
            Err(msg) => self.abort(&msg),
        }
    }

    pub(crate) fn run_entry(
        &self,
        c: &Rc<LocalCollection>,
        off: usize,
        entry: EntryId,
        body: Body,
        reply: Option<ReplyTo>,
    ) {
        if self.dispatch_once(c, off, entry, body, reply) {
            self.after_element_ran(c, off, true);
        }
    }

    /// Runs one message on one element; returns whether an entry method ran (rather than the
    /// message being deferred by its `#[when]` condition, or failing).
    fn dispatch_once(
        &self,
        c: &Rc<LocalCollection>,
        off: usize,
        entry: EntryId,
        body: Body,
        reply: Option<ReplyTo>,
    ) -> bool {
        let ctx = ElemCtx {
            coll: c.meta.id,
            elem: c.first + off as u32,
        };
        let cell: &RefCell<Box<dyn crate::collections::chare::ChareObject>> = &c.elems[off];
        let cx = CallCx {
            reply,
            elem: ctx,
            chare: c.type_name,
        };
        let prev = self.current.replace(Some(ctx));
        let started = self.profile.enabled().then(std::time::Instant::now);
        let res = catch_unwind(AssertUnwindSafe(|| {
            cell.borrow_mut().dispatch(entry, body, cx)
        }));
        if let Some(t) = started {
            self.profile
                .record_entry(c.type_name, cell.borrow().entry_name(entry), t.elapsed());
        }
        self.current.set(prev);
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
        let method = cell.borrow().entry_name(entry);
        self.call_failed(c.type_name, method, ctx, reply, failure);
        false
    }

    /// An entry method (`entry_ran`) or a coroutine step of an element happened: wake its
    /// `wait_until` coroutines (after entry methods) and offer its deferred messages again, in
    /// arrival order, until a pass runs none of them.
    pub(crate) fn after_element_ran(&self, c: &Rc<LocalCollection>, off: usize, entry_ran: bool) {
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
            for (entry, body, reply) in batch {
                ran |= self.dispatch_once(c, off, entry, body, reply);
            }
            if !ran {
                return;
            }
            wake = true;
        }
    }

    /// An entry method failed: the error goes to the caller's future, or ends the job.
    pub(crate) fn call_failed(
        &self,
        chare: &'static str,
        method: &'static str,
        ctx: ElemCtx,
        reply: Option<ReplyTo>,
        message: String,
    ) {
        let index = match self.collections.borrow().get(&ctx.coll) {
            Some(c) => Index::from_linear(ctx.elem, &c.meta.shape).to_string(),
            None => format!("#{}", ctx.elem),
        };
        let err = CallError {
            chare: chare.to_string(),
            index,
            method: method.to_string(),
            pe: self.id,
            message,
        };
        match reply {
            None => self.abort(&err.to_string()),
            Some(r) if !r.gather => {
                self.send_to_future(r, Box::new(ErrorMsg(err)));
            }
            Some(r) if self.gathers.borrow().contains_key(&r.future) => self.gather_done(r, |g| {
                g.error.get_or_insert(err);
            }),
            Some(r) => {
                // This PE's gathered results were complete and failed on their way out (a
                // value that cannot be encoded): its reply carries the error instead.
                self.send_to_future(r, Box::new(ErrorMsg(err)));
            }
        }
    }

    /// Sends a value to a future, depositing it at once when the future is on this PE.
    pub(crate) fn send_to_future(&self, r: ReplyTo, msg: Box<dyn ErasedMessage>) {
        self.send_future(r.future, msg)
    }

    /// Sends a value to the future `id`: deposited at once on its own PE, else a message.
    pub(crate) fn send_future(&self, id: crate::message::FutureId, msg: Box<dyn ErasedMessage>) {
        if id.pe as usize == self.id {
            self.deposit(id, Body::Typed(msg));
        } else {
            let env = Envelope {
                dest: Dest::Future(id),
                entry: 0,
                reply: None,
                body: Body::Typed(msg),
            };
            self.route(id.pe as usize, env);
        }
    }

    /// Like [`Pe::send_future`] for a typed value, which leaves the process without being
    /// boxed (see [`Pe::route_typed`]).
    #[inline]
    pub(crate) fn send_future_typed<M: crate::message::Message>(
        &self,
        id: crate::message::FutureId,
        msg: M,
    ) {
        if id.pe as usize == self.id {
            self.deposit(id, Body::Typed(Box::new(msg)));
        } else {
            self.route_typed(id.pe as usize, Dest::Future(id), 0, None, msg);
        }
    }

    /// Records one element's completion of a broadcast; the last one sends this PE's reply.
    fn gather_done(&self, r: ReplyTo, record: impl FnOnce(&mut Gather)) {
        let finished = {
            let mut gathers = self.gathers.borrow_mut();
            let Some(g) = gathers.get_mut(&r.future) else {
                drop(gathers);
                self.abort(&format!("broadcast result for unknown {}", r.future));
            };
            record(g);
            g.remaining -= 1;
            if g.remaining == 0 {
                gathers.remove(&r.future)
            } else {
                None
            }
        };
        if let Some(g) = finished {
            let msg: Box<dyn ErasedMessage> = match (g.error, g.acc, g.finish) {
                (Some(e), _, _) => Box::new(ErrorMsg(e)),
                (None, Some(acc), Some(finish)) => finish(acc),
                _ => unreachable!("a finished gather has results or an error"),
            };
            self.send_to_future(r, msg);
        }
    }

    /// A call completed with a value.
    pub(crate) fn complete<W: Value>(&self, cx: &CallCx, w: W) {
        let Some(r) = cx.reply else { return };
        if !r.value {
            drop(w);
            return self.complete_unit(cx, r);
        }
        if !r.gather {
            self.send_future_typed(r.future, crate::future::value::ReplyMsg(Ok(w)));
            return;
        }
        fn finish<W: Value>(acc: Box<dyn Any>) -> Box<dyn ErasedMessage> {
            let v = *acc.downcast::<Vec<(u32, W)>>().expect("gather of one type");
            Box::new(GatherPart(Ok(v)))
        }
        self.gather_done(r, |g| {
            let key = g.order.as_ref().map_or(cx.elem.elem, |o| o(cx.elem));
            let acc = g
                .acc
                .get_or_insert_with(|| Box::new(Vec::<(u32, W)>::new()));
            acc.downcast_mut::<Vec<(u32, W)>>()
                .expect("gather of one type")
                .push((key, w));
            g.finish = Some(finish::<W>);
        });
    }

    fn complete_unit(&self, cx: &CallCx, r: ReplyTo) {
        if r.gather {
            let cx = CallCx {
                reply: Some(ReplyTo { value: true, ..r }),
                ..cx.clone()
            };
            self.complete(&cx, crate::future::value::Serde(()));
        } else {
            self.send_future_typed(r.future, crate::future::value::Done);
        }
    }

    /// Builds this PE's elements of a new collection, then replays messages that waited for it.
    fn create_local(&self, meta: CollectionMeta, body: Body) {
        let Some(reg) = registry().get(&meta.type_id).copied() else {
            self.abort(&format!(
                "no chare type with id {:#x} in this program (are all processes running the same binary?)",
                meta.type_id
            ));
        };
        let range = placement::local_range(&meta, self.id as u32);
        let mut body = body;
        if let Body::Wire(w) = &mut body {
            w.share(); // read once per local element
        }
        let mut body = Some(body);
        let mut elems = Vec::with_capacity(range.len());
        let last = range.end.saturating_sub(1);
        for elem in range.clone() {
            let b = match body.take() {
                Some(Body::Wire(w)) if elem != last => {
                    body = Some(Body::Wire(w.clone()));
                    Body::Wire(w)
                }
                Some(b) => b,
                None => self.abort("constructor arguments used twice"),
            };
            let ctx = ElemCtx {
                coll: meta.id,
                elem,
            };
            let prev = self.current.replace(Some(ctx));
            // The collection is not in the table yet; let `this_proxy` inside constructors find it.
            self.constructing.replace(Some(meta));
            let res = catch_unwind(AssertUnwindSafe(|| (reg.construct)(b)));
            self.constructing.replace(None);
            self.current.set(prev);
            match res {
                Ok(Ok(obj)) => elems.push(RefCell::new(obj)),
                Ok(Err(e)) => self.abort(&format!(
                    "constructor of {} for element {} failed: {e}",
                    reg.name,
                    Index::from_linear(elem, &meta.shape)
                )),
                Err(p) => self.abort(&format!(
                    "constructor of {} panicked for element {}: {}",
                    reg.name,
                    Index::from_linear(elem, &meta.shape),
                    panic_message(&*p)
                )),
            }
        }
        let hosting: Vec<u32> = placement::hosting_pes(&meta).collect();
        let c = Rc::new(LocalCollection {
            meta,
            first: range.start,
            red_seq: (0..elems.len()).map(|_| std::cell::Cell::new(0)).collect(),
            elems,
            type_name: reg.name,
            tree: crate::reduction::state::tree_place(&hosting, self.id as u32),
            waits: RefCell::new(Default::default()),
        });
        self.collections.borrow_mut().insert(meta.id, c);
        let waiting = self.pending.borrow_mut().remove(&meta.id);
        for env in waiting.into_iter().flatten() {
            self.deliver(env);
        }
    }
}
