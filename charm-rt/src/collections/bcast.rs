//! Broadcasts to collections whose elements move (see `docs/migration-design.md`, "Broadcasts
//! over dynamic collections"): numbered by PE 0, passed down a 4-ary tree over all PEs, and
//! delivered to each element exactly once wherever it is when the broadcast passes or arrives.
//!
//! Each element remembers the number of the last broadcast it ran. A PE runs broadcast `b` on
//! its elements whose number is below `b`, and keeps the last broadcasts it saw, so an element
//! that arrives having missed some (it was on its way) runs them on arrival, in order.

use super::service::{local, Gather, BROADCAST};
use super::table::LocalCollection;
use crate::codec;
use crate::ids::EntryId;
use crate::message::{Body, Dest, Envelope, ReplyTo, WireBody};
use crate::scheduler::Pe;
use std::rc::Rc;

/// How many broadcasts a PE keeps per collection for elements that arrive late (and PE 0 keeps
/// the reply addresses of, for elements that leave for good).
const KEPT: usize = 64;

/// The address of broadcast number `b` (0: not numbered yet, on its way to PE 0).
pub(super) fn dest(coll: crate::ids::CollectionId, entry: EntryId, b: u32) -> Dest {
    Dest::two(BROADCAST, entry, coll.0, u64::from(b))
}

/// A broadcast to a dynamic collection reached this PE.
pub(super) fn arrived(pe: &Pe, c: &Rc<LocalCollection>, env: Envelope) {
    let (_, b) = pe.address(&env);
    let b = match b as u32 {
        0 if pe.id == 0 => {
            if c.members.borrow().is_open() {
                // A sparse array's insertion phase is open: the broadcast covers exactly the
                // elements inserted, once the phase closes.
                c.bcast.held.borrow_mut().push(env);
                return;
            }
            let b = c.bcast.next.get() + 1;
            c.bcast.next.set(b);
            if let Some(r) = env.reply {
                // The caller could not know how many elements answer: PE 0 tells it.
                let n = c.members.borrow().size();
                crate::future::service::set_expected(pe, r.future, n as u32);
                let mut log = c.bcast.replies.borrow_mut();
                log.push_back((b, r.future));
                if log.len() > KEPT {
                    log.pop_front();
                }
            }
            b
        }
        0 => pe.abort("malformed broadcast: an unnumbered broadcast away from PE 0"),
        b => b,
    };
    let Body::Wire(mut w) = env.body else {
        pe.abort("broadcast body is not encoded");
    };
    w.share();
    let (entry, reply) = (env.dest.entry, env.reply);
    let children = (4 * pe.id + 1..=4 * pe.id + 4).filter(|&p| p < pe.num_pes);
    let mut fwd = None;
    for child in children {
        let body = fwd
            .get_or_insert_with(|| {
                if w.external.is_some() {
                    WireBody::new(codec::inline_externals(&w))
                } else {
                    w.clone()
                }
            })
            .clone();
        let env = Envelope {
            dest: dest(c.meta.id, entry, b),
            reply,
            body: Body::Wire(body),
        };
        pe.route(child, env);
    }
    {
        let mut kept = c.bcast.kept.borrow_mut();
        kept.push_back((b, entry, reply, w.clone()));
        if kept.len() > KEPT {
            kept.pop_front();
        }
    }
    c.bcast.latest.set(b);
    run(pe, c, b, entry, reply, &w, None);
}

/// Runs broadcast `b` on this PE's elements that have not run it (or only on the element in
/// `only`).
fn run(
    pe: &Pe,
    c: &Rc<LocalCollection>,
    b: u32,
    entry: EntryId,
    reply: Option<ReplyTo>,
    w: &WireBody,
    only: Option<usize>,
) {
    let targets: Vec<(usize, crate::ids::ElemKey)> = {
        let t = c.table.borrow();
        t.here
            .iter()
            .filter(|&(slot, _)| only.is_none_or(|o| o == slot))
            .filter(|&(slot, _)| {
                let seen = &t.slots[slot].bcast_seq;
                (seen.get() < b).then(|| seen.set(b)).is_some()
            })
            .collect()
    };
    if targets.is_empty() {
        return;
    }
    if let Some(r) = reply {
        let n = targets.len() as u32;
        local(|l| {
            let mut gathers = l.gathers.borrow_mut();
            match gathers.get_mut(&r.future) {
                // The same broadcast for an element that arrived while this PE's part of it
                // still runs: one more result in that part.
                Some(g) => {
                    g.remaining += n;
                    g.weight += n;
                }
                None => {
                    let mut g = Gather::expecting(n as usize, None);
                    g.weight = n;
                    gathers.insert(r.future, g);
                }
            }
        });
    }
    for here in targets {
        super::deliver::run_entry(pe, c, here, entry, Body::Wire(w.clone()), reply);
    }
}

/// An element arrived having run broadcasts up to `seen`: it runs the ones it missed.
pub(super) fn catch_up(pe: &Pe, c: &Rc<LocalCollection>, slot: usize, seen: u32) {
    let latest = c.bcast.latest.get();
    if seen >= latest {
        return;
    }
    let missed: Vec<_> = c
        .bcast
        .kept
        .borrow()
        .iter()
        .filter(|(b, ..)| *b > seen)
        .cloned()
        .collect();
    if missed.first().is_none_or(|(b, ..)| *b != seen + 1) {
        pe.abort(&format!(
            "an element of {} arrived having missed broadcast {} of its collection, which this PE \
             no longer keeps (it keeps the last {KEPT})",
            c.type_name,
            seen + 1
        ));
    }
    for (b, entry, reply, w) in missed {
        run(pe, c, b, entry, reply, &w, Some(slot));
    }
}
