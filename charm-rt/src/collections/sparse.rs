//! Sparse arrays (Charm4py's `Array(C, ndims=N)` with `ckInsert` and `ckDoneInserting`):
//! elements inserted one by one from any PE, in insertion phases.
//!
//! A phase opens when the array is made (and again with `begin_inserting`) and closes with
//! `done_inserting`. Closing counts: PE 0 asks every PE how many insertions it sent and received
//! in the phase (again, until the sums agree, so none is in flight) and how many elements it made;
//! then it tells every PE the phase is closed, with the number of the first reduction and of the
//! last broadcast the new elements start after. Until then PE 0 holds the array's broadcasts and
//! completes none of its reductions, so both count exactly the elements inserted.
//!
//! An element's home is its map's PE (round robin without a map). A message to an index not
//! inserted yet waits at its home; an element inserted elsewhere tells its home, which passes on
//! what waited and reports an index inserted twice.

use super::chare::registry;
use super::service::{local, lookup, park, INSERT, PHASE};
use super::table::{LocalCollection, Slot};
use super::CollectionRef;
use crate::future::{MultiFuture, MultiFutureWait};
use crate::ids::{CollectionId, ElemKey};
use crate::index::Index;
use crate::location::{self, Epoch, Known};
use crate::message::{Addr, Body, Dest, Envelope, FutureId, Message};
use crate::scheduler::{with_pe, Pe};
use std::rc::Rc;

/// Steps of an insertion phase (the `entry` of a phase message).
mod step {
    /// To PE 0: open a phase; address: collection, the opener's future.
    pub const BEGIN: u32 = 0;
    /// From PE 0: a phase is open; address: collection, the opener's future.
    pub const OPEN: u32 = 1;
    /// To PE 0: close the phase; address: collection.
    pub const DONE: u32 = 2;
    /// From PE 0: report your counts; address: collection, wave.
    pub const COUNT: u32 = 3;
    /// To PE 0: a PE's counts; address: collection, wave, sent, received, made, highest
    /// reduction number.
    pub const COUNTED: u32 = 4;
    /// From PE 0: the phase is closed; address: collection, first reduction of the new
    /// elements, last broadcast before them, elements made in the phase.
    pub const CLOSE: u32 = 5;
    /// To PE 0: an element was destroyed; address: collection, its next reduction number, the
    /// last broadcast it ran.
    pub const LEFT: u32 = 6;
}

/// The `entry` of an insertion: placed by the inserter (not at the index's home).
const PLACED: u32 = 1;
/// The `entry` of an insertion's notice to the index's home.
const NOTICE: u32 = 2;

/// A reduction number that means "not yet": an element inserted in a phase that is still open.
pub(crate) const PENDING: u32 = u32::MAX;

/// PE 0's counting wave of a phase that closes.
#[derive(Default)]
pub(crate) struct Wave {
    /// The wave under way (0: none, the phase is not closing).
    number: u64,
    /// The futures of `done_inserting` callers, resolved by every PE when it closes.
    waiters: Vec<[u64; 2]>,
    replies: usize,
    sent: u64,
    received: u64,
    made: u64,
    red_hwm: u32,
}

/// Inserts an element at `index`, built with `args`, on its home PE or on `on_pe`. Panics when the
/// index does not fit the array (see `Index::pack`) or the PE is not in the job.
#[track_caller]
pub fn insert<A: Message>(
    coll: &CollectionRef,
    type_name: &str,
    index: Index,
    on_pe: Option<usize>,
    args: A,
) {
    let meta = coll.meta;
    assert!(
        matches!(meta.kind, super::Kind::Sparse),
        "charm-rs: insert() is for sparse arrays (new_sparse); this {type_name} collection is dense"
    );
    let key = meta.key_of(index).unwrap_or_else(|| {
        panic!(
            "charm-rs: cannot insert index {index} into a sparse {type_name} array of {} dimensions: \
             an index has {} coordinates below 2^{} each",
            meta.shape.ndims(),
            meta.shape.ndims(),
            Index::pack_bits(meta.shape.ndims())
        )
    });
    with_pe(|pe| {
        let to = match on_pe {
            Some(p) => {
                assert!(
                    p < pe.num_pes,
                    "charm-rs: cannot insert a {type_name} element on PE {p}: the job has {} PEs",
                    pe.num_pes
                );
                p
            }
            None => location::home(&meta, key) as usize,
        };
        local(|l| *l.inserts_sent.borrow_mut().entry(meta.id).or_insert(0) += 1);
        let how = if on_pe.is_some() { PLACED } else { 0 };
        let dest = Dest::two(INSERT, how, meta.id.0, key);
        pe.route_typed(to, dest, None, args);
    })
}

/// The handler of an insertion (or of its notice to the index's home).
pub(super) fn insert_arrived(pe: &Pe, env: Envelope) {
    let word = |i| {
        env.dest
            .addr
            .word(i)
            .unwrap_or_else(|e| pe.malformed(&env, e))
    };
    let (coll, key) = (CollectionId(word(0)), word(1));
    let Some(c) = lookup(coll) else {
        return park(coll, env);
    };
    if env.dest.entry == NOTICE {
        let epoch = word(2) as u32;
        return noticed(pe, &c, key, pe.source(), epoch);
    }
    let home = location::home(&c.meta, key) as usize;
    if env.dest.entry != PLACED && home != pe.id {
        // Sent here before the sender knew the array's map (it asked the array's creator).
        return pe.route(home, env);
    }
    let index = c.meta.index_of(key);
    let what = || format!("element {index} of sparse {} array", c.type_name);
    if !c.members.borrow().is_open() {
        pe.abort(&format!(
            "{} was inserted outside an insertion phase (after done_inserting(), before \
             begin_inserting() resolved)",
            what()
        ));
    }
    // A destroyed index may be inserted again: its epochs go on from its tombstone's.
    let epoch = match location::known(coll, key) {
        Some(k) if k.pe == location::GONE => k.epoch.0 + 1,
        Some(k) if k.pe as usize != pe.id => pe.abort(&format!(
            "{} was inserted on PE {}, but it exists on PE {}",
            what(),
            pe.id,
            k.pe
        )),
        _ if c.slot_of(key).is_some() => {
            pe.abort(&format!("{} was inserted twice on PE {}", what(), pe.id))
        }
        _ => 0,
    };
    let Some(reg) = registry().get(&c.meta.type_id).copied() else {
        pe.abort("an insertion for a chare type this program does not have");
    };
    let chare = super::deliver::construct(pe, &c.meta, reg, key, env.body);
    c.inserts.received.set(c.inserts.received.get() + 1);
    c.inserts.new_here.set(c.inserts.new_here.get() + 1);
    {
        let mut t = c.table.borrow_mut();
        let slot = t.here.free_slot();
        t.here.insert(key, slot);
        let s = Slot::new(chare);
        s.red_seq.set(PENDING);
        s.bcast_seq.set(u32::MAX);
        if slot == t.slots.len() {
            t.slots.push(s);
        } else {
            t.slots[slot] = s;
        }
    }
    super::migrate::apply_birth_pins(&c);
    let here = Known {
        pe: pe.id as u32,
        epoch: Epoch(epoch),
    };
    location::record(coll, key, here);
    if home != pe.id {
        let dest = Dest {
            handler: INSERT,
            entry: NOTICE,
            addr: Addr::from_words(&[coll.0, key, u64::from(epoch)]),
        };
        pe.route(home, Envelope::new(dest, Body::Empty));
    }
    let waiting = c.arriving.borrow_mut().remove(&key);
    for env in waiting.into_iter().flatten() {
        pe.deliver(env);
    }
}

/// At an index's home: the element was inserted on PE `on` (at `epoch`).
fn noticed(pe: &Pe, c: &Rc<LocalCollection>, key: ElemKey, on: usize, epoch: u32) {
    let twice = c.slot_of(key).is_some()
        || location::known(c.meta.id, key)
            .is_some_and(|k| k.pe != location::GONE && k.pe as usize != on && k.epoch.0 >= epoch);
    if twice {
        pe.abort(&format!(
            "element {} of sparse {} array was inserted twice (one on PE {on})",
            c.meta.index_of(key),
            c.type_name
        ));
    }
    let at = Known {
        pe: on as u32,
        epoch: Epoch(epoch),
    };
    location::record(c.meta.id, key, at);
    // Messages that waited here for the index go where it was inserted.
    let waiting = c.arriving.borrow_mut().remove(&key);
    for env in waiting.into_iter().flatten() {
        pe.route(on, env);
    }
}

/// A change of a sparse array's insertion phase, which resolves when every PE knows of it
/// (`begin_inserting`, `done_inserting`).
pub struct InsertionPhase(MultiFutureWait<()>);

impl std::future::Future for InsertionPhase {
    type Output = ();
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        std::pin::Pin::new(&mut self.0).poll(cx).map(drop)
    }
}

/// Opens an insertion phase; resolves when every PE knows it is open.
pub fn begin_inserting(coll: &CollectionRef) -> InsertionPhase {
    let meta = coll.meta;
    assert!(
        matches!(meta.kind, super::Kind::Sparse),
        "charm-rs: begin_inserting() is for sparse arrays"
    );
    let opened: MultiFutureWait<()> = with_pe(|pe| {
        let f = MultiFuture::<()>::new(pe.num_pes);
        let [a, b] = f.id().to_words();
        send_phase(pe, 0, step::BEGIN, &[meta.id.0, a, b]);
        std::future::IntoFuture::into_future(f)
    });
    InsertionPhase(opened)
}

/// Closes the insertion phase; resolves when every PE knows it is closed. Broadcasts and
/// reductions wait for the close by themselves, so awaiting it is needed only before
/// destroying or moving elements inserted in the phase with a guarantee on when that happens.
pub fn done_inserting(coll: &CollectionRef) -> InsertionPhase {
    let meta = coll.meta;
    assert!(
        matches!(meta.kind, super::Kind::Sparse),
        "charm-rs: done_inserting() is for sparse arrays"
    );
    let closed: MultiFutureWait<()> = with_pe(|pe| {
        let f = MultiFuture::<()>::new(pe.num_pes);
        let [a, b] = f.id().to_words();
        send_phase(pe, 0, step::DONE, &[meta.id.0, a, b]);
        std::future::IntoFuture::into_future(f)
    });
    InsertionPhase(closed)
}

fn send_phase(pe: &Pe, to: usize, step: u32, words: &[u64]) {
    let dest = Dest {
        handler: PHASE,
        entry: step,
        addr: Addr::from_words(words),
    };
    pe.route(to, Envelope::new(dest, Body::Empty));
}

fn words(pe: &Pe, env: &Envelope, n: usize) -> Vec<u64> {
    let w = env.dest.addr.words();
    if w.len() != n {
        pe.abort(&format!(
            "malformed insertion phase message: {} address words, {n} expected",
            w.len()
        ));
    }
    w.to_vec()
}

/// The handler of insertion phase steps.
pub(super) fn phase_arrived(pe: &Pe, env: Envelope) {
    let coll = CollectionId(
        env.dest
            .addr
            .word(0)
            .unwrap_or_else(|e| pe.malformed(&env, e)),
    );
    let Some(c) = lookup(coll) else {
        return park(coll, env);
    };
    match env.dest.entry {
        step::BEGIN => {
            let w = words(pe, &env, 3);
            c.members.borrow_mut().open();
            for p in 0..pe.num_pes {
                send_phase(pe, p, step::OPEN, &w);
            }
        }
        step::OPEN => {
            let w = words(pe, &env, 3);
            c.members.borrow_mut().open();
            c.inserts.received.set(0);
            c.inserts.new_here.set(0);
            c.inserts.reported.set(0);
            local(|l| l.inserts_sent.borrow_mut().insert(coll, 0));
            let done = FutureId::from_words(w[1], w[2]);
            crate::future::service::send_typed(pe, done, crate::future::value::Serde(()));
        }
        step::DONE => {
            let w = words(pe, &env, 3);
            if !c.members.borrow().is_open() {
                // Closed already (done_inserting called twice): every PE knows it.
                let f = FutureId::from_words(w[1], w[2]);
                for _ in 0..pe.num_pes {
                    crate::future::service::send_typed(pe, f, crate::future::value::Serde(()));
                }
                return;
            }
            let closing = {
                let mut wave = c.inserts.wave.borrow_mut();
                wave.waiters.push([w[1], w[2]]);
                wave.number > 0
            };
            if !closing {
                start_wave(pe, &c);
            }
        }
        step::COUNT => {
            let w = words(pe, &env, 2);
            let sent = local(|l| l.inserts_sent.borrow().get(&coll).copied().unwrap_or(0));
            let i = &c.inserts;
            i.reported.set(i.new_here.get());
            send_phase(
                pe,
                0,
                step::COUNTED,
                &[
                    coll.0,
                    w[1],
                    sent,
                    i.received.get(),
                    i.new_here.get(),
                    u64::from(i.red_hwm.get()),
                ],
            );
        }
        step::COUNTED => {
            let w = words(pe, &env, 6);
            let all_in = {
                let mut wave = c.inserts.wave.borrow_mut();
                if w[1] != wave.number {
                    return; // a reply to a wave that already ended
                }
                wave.replies += 1;
                wave.sent += w[2];
                wave.received += w[3];
                wave.made += w[4];
                wave.red_hwm = wave.red_hwm.max(w[5] as u32);
                wave.replies == pe.num_pes
            };
            if !all_in {
                return;
            }
            let (balanced, made, first) = {
                let wave = c.inserts.wave.borrow();
                (wave.sent == wave.received, wave.made, wave.red_hwm)
            };
            if !balanced {
                return start_wave(pe, &c); // insertions still in flight: count again
            }
            let last_bcast = u64::from(c.bcast.next.get());
            let mut close_words = vec![coll.0, u64::from(first), last_bcast, made];
            for [a, b] in std::mem::take(&mut c.inserts.wave.borrow_mut().waiters) {
                close_words.extend([a, b]);
            }
            *c.inserts.wave.borrow_mut() = Wave::default();
            for p in 0..pe.num_pes {
                send_phase(pe, p, step::CLOSE, &close_words);
            }
        }
        step::CLOSE => {
            let w = env.dest.addr.words().to_vec();
            if w.len() < 4 || !w.len().is_multiple_of(2) {
                pe.abort("malformed insertion phase message: close");
            }
            close(pe, &c, w[1] as u32, w[2] as u32, w[3]);
            for ab in w[4..].chunks(2) {
                let done = FutureId::from_words(ab[0], ab[1]);
                crate::future::service::send_typed(pe, done, crate::future::value::Serde(()));
            }
        }
        step::LEFT => {
            let w = words(pe, &env, 3);
            left(pe, &c, w[1] as u32, w[2] as u32);
        }
        other => pe.abort(&format!("malformed insertion phase step {other}")),
    }
}

/// An element was destroyed: PE 0 stops counting it (it had made reductions before `red_seq` and
/// run broadcasts up to `bcast_seq`).
pub(crate) fn left_for_good(pe: &Pe, c: &Rc<LocalCollection>, red_seq: u32, bcast_seq: u32) {
    if pe.id == 0 {
        left(pe, c, red_seq, bcast_seq);
    } else {
        send_phase(
            pe,
            0,
            step::LEFT,
            &[c.meta.id.0, u64::from(red_seq), u64::from(bcast_seq)],
        );
    }
}

/// At PE 0: an element is gone: reductions from `red_seq` and replies to broadcasts after
/// `bcast_seq` no longer wait for it.
fn left(pe: &Pe, c: &Rc<LocalCollection>, red_seq: u32, bcast_seq: u32) {
    c.members.borrow_mut().remove(red_seq);
    let waiting: Vec<FutureId> = c
        .bcast
        .replies
        .borrow()
        .iter()
        .filter(|(b, _)| *b > bcast_seq)
        .map(|&(_, f)| f)
        .collect();
    for f in waiting {
        crate::future::service::expect_fewer(pe, f, 1);
    }
    crate::reduction::state::members_changed(pe, c);
}

fn start_wave(pe: &Pe, c: &LocalCollection) {
    let number = {
        let mut wave = c.inserts.wave.borrow_mut();
        let number = wave.number + 1;
        let waiters = std::mem::take(&mut wave.waiters);
        *wave = Wave {
            number,
            waiters,
            ..Wave::default()
        };
        number
    };
    for p in 0..pe.num_pes {
        send_phase(pe, p, step::COUNT, &[c.meta.id.0, number]);
    }
}

/// The phase is closed: this PE's new elements join from reduction `first`, after broadcast
/// `last_bcast`; `made` elements joined in all.
fn close(pe: &Pe, c: &Rc<LocalCollection>, first: u32, last_bcast: u32, made: u64) {
    let i = &c.inserts;
    if i.new_here.get() != i.reported.get() {
        pe.abort(&format!(
            "{} element(s) of sparse {} array were inserted on PE {} after done_inserting() was \
             called (insert before calling it, or open a new phase with begin_inserting())",
            i.new_here.get() - i.reported.get(),
            c.type_name,
            pe.id
        ));
    }
    let joined = {
        let t = c.table.borrow();
        let mut n = 0;
        for s in &t.slots {
            if s.chare.borrow().is_some() && s.red_seq.get() == PENDING {
                s.red_seq.set(first);
                s.bcast_seq.set(last_bcast);
                n += 1;
            }
        }
        n
    };
    if joined > 0 {
        *c.red_counts.borrow_mut().entry(first).or_insert(0) += joined;
    }
    c.members.borrow_mut().close(first, made);
    // Elements asked to go or move while the phase was open may now.
    if c.moves_pending.get() > 0 {
        for (slot, _) in c.elements() {
            super::migrate::leave_if_idle(pe, c, slot);
        }
    }
    if pe.id == 0 {
        let held = std::mem::take(&mut *c.bcast.held.borrow_mut());
        for env in held {
            super::bcast::arrived(pe, c, env);
        }
        crate::reduction::state::members_changed(pe, c);
    }
}
