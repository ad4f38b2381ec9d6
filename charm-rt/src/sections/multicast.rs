//! Calls on a section: sent once to the root of its tree; each PE passes the call on to its
//! children, then runs it on its own members.

use super::table::LocalSection;
use super::{dest_entry, SectionRef, SectionStep};
use crate::codec;
use crate::collections::service::{local, Gather};
use crate::future::value::{Serde, Value};
use crate::future::BroadcastReply;
use crate::ids::EntryId;
use crate::message::{Body, Envelope, ErasedMessage, Message, ReplyTo, WireBody};
use crate::scheduler::{with_pe, Pe};
use std::panic::Location;
use std::rc::Rc;

/// Sends an encoded call to the root of the section's tree.
pub(crate) fn multicast_wire(
    pe: &Pe,
    s: &SectionRef,
    entry: EntryId,
    reply: Option<ReplyTo>,
    w: WireBody,
) {
    let env = Envelope {
        dest: dest_entry(s.id, SectionStep::Multicast, entry),
        reply,
        body: Body::Wire(w),
    };
    pe.route(s.root as usize, env);
}

fn send_in(
    pe: &Pe,
    s: &SectionRef,
    entry: EntryId,
    reply: Option<ReplyTo>,
    args: &dyn ErasedMessage,
) {
    let w = WireBody::new(codec::encode_to_buf(|e| args.encode_erased(e)));
    multicast_wire(pe, s, entry, reply, w);
}

/// Calls an entry method on every member, fire-and-forget: one message to the root, no future.
pub fn multicast<A: Message>(s: &SectionRef, entry: EntryId, args: A) {
    with_pe(|pe| send_in(pe, s, entry, None, &args))
}

fn reply_in<W: Value, A: Message>(
    s: &SectionRef,
    entry: EntryId,
    args: A,
    value: bool,
    at: &'static Location<'static>,
) -> BroadcastReply<W::Output> {
    with_pe(|pe| {
        let reply = BroadcastReply::create::<W>(pe, s.pes, at);
        let to = ReplyTo {
            future: reply.id(),
            gather: true,
            value,
        };
        send_in(pe, s, entry, Some(to), &args);
        reply
    })
}

/// Calls an entry method on every member; the reply resolves when all of them completed.
#[track_caller]
pub fn multicast_awaitable<A: Message>(
    s: &SectionRef,
    entry: EntryId,
    args: A,
) -> BroadcastReply<()> {
    reply_in::<Serde<()>, A>(s, entry, args, false, Location::caller())
}

/// Calls an entry method on every member; the reply resolves to their return values in section
/// order (row-major position for a section of one collection).
#[track_caller]
pub fn multicast_ret<W: Value, A: Message>(
    s: &SectionRef,
    entry: EntryId,
    args: A,
) -> BroadcastReply<W::Output> {
    reply_in::<W, A>(s, entry, args, true, Location::caller())
}

/// A call reached this PE: pass it on down the tree, then run it on the local members (after
/// their collections were built here; until then it waits with the collection's other messages).
pub(crate) fn arrived(
    pe: &Pe,
    sec: &Rc<LocalSection>,
    entry: EntryId,
    reply: Option<ReplyTo>,
    body: Body,
) {
    // Members are sorted by collection: check each collection once.
    let mut prev = None;
    let missing = sec
        .members
        .iter()
        .map(|m| m.coll)
        .filter(|&c| prev.replace(c) != Some(c))
        .find(|&c| !crate::collections::service::known(c));
    if let Some(coll) = missing {
        let env = Envelope {
            dest: dest_entry(sec.id, SectionStep::Multicast, entry),
            reply,
            body,
        };
        return crate::collections::service::park(coll, env);
    }
    let Body::Wire(mut w) = body else {
        pe.abort("section call body is not encoded");
    };
    w.share(); // forwarded to the children and read by every local member
    if !sec.tree.children.is_empty() {
        let fwd = if w.external.is_some() {
            WireBody::new(codec::inline_externals(&w))
        } else {
            w.clone()
        };
        for &child in &sec.tree.children {
            let env = Envelope {
                dest: dest_entry(sec.id, SectionStep::Multicast, entry),
                reply,
                body: Body::Wire(fwd.clone()),
            };
            pe.route(child as usize, env);
        }
    }
    if let Some(r) = reply {
        let order = sec.clone();
        let order: Rc<dyn Fn(_) -> u64> = Rc::new(move |ctx| order.rank_of(ctx));
        local(|l| {
            l.gathers
                .borrow_mut()
                .insert(r.future, Gather::expecting(sec.members.len(), Some(order)))
        });
    }
    let mut current: Option<Rc<crate::collections::table::LocalCollection>> = None;
    for m in &sec.members {
        let c = match &current {
            Some(c) if c.meta.id == m.coll => c.clone(),
            _ => {
                let c = crate::collections::service::lookup(m.coll)
                    .expect("charm-rs: internal error: a section member's collection vanished; please report it");
                current = Some(c.clone());
                c
            }
        };
        let Some(off) = c.slot_of(m.elem) else {
            pe.abort(&format!(
                "a member of section {} is not on the PE its membership names: it moved before \
                 the section reached that PE (sections whose members move are not supported yet)",
                sec.id
            ));
        };
        let here = (off, m.elem);
        crate::collections::deliver::run_entry(pe, &c, here, entry, Body::Wire(w.clone()), reply);
    }
}
