//! Reductions over collections whose elements move (see `docs/migration-design.md`,
//! "Reductions over dynamic collections"): contributions are counted, not contributors.
//!
//! Each element's k-th contribution belongs to reduction k wherever it is made. A PE holds its
//! partial for k while one of its elements may still contribute to k (its next reduction number
//! is at most k), combining what its tree children send meanwhile; then it sends the partial to
//! its parent in a 4-ary tree over all PEs and marks k as sent: anything that reaches it for k
//! later goes straight on. PE 0, the root, completes k when the partials it holds count as many
//! contributions as the collection has elements.
//!
//! A PE can combine values only with the reduction's operations, which only a PE where an
//! element contributed has (a custom reducer is a function pointer, which cannot travel). So a PE
//! without them passes partials on uncombined, and a root without them hands the partials to a PE
//! that has them (the *finisher*, named in the partials), which completes the reduction.

use super::ops::{Acc, Ops};
use super::state::Target;
use crate::collections::table::LocalCollection;
use crate::ids::CollectionId;
use crate::message::{Addr, Body, Dest, Envelope, FutureId, HandlerId};
use crate::scheduler::{IdMap, Pe};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::rc::Rc;

/// A step of a reduction over a dynamic collection; address: [`Header::words`].
pub(crate) const DYN_REDUCTION: HandlerId = HandlerId(12);

/// How many reductions' operations a PE keeps after it sent its partial, per collection (for the
/// case where the root has to hand the reduction to it to finish).
const OPS_KEPT: usize = 256;

/// What a reduction message is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// A partial result on its way to the root.
    Up = 0,
    /// An allreduce result, for the receiving PE's waiting contributors.
    Down = 1,
    /// A partial result the root hands to the finisher.
    ToFinisher = 2,
    /// After the partials: finish the reduction (the root counted them all).
    Finish = 3,
}

/// The address of a dynamic reduction message: what a PE needs to know without the reduction's
/// operations.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Header {
    coll: CollectionId,
    seq: u32,
    kind: Kind,
    /// Contributions combined in the body.
    count: u32,
    /// A PE that has the operations (one that combined a local contribution into this partial).
    origin: u32,
    /// PEs whose contributors wait for the result (allreduce).
    waiters: BTreeSet<u32>,
}

impl Header {
    fn words(&self) -> Addr {
        let mut w = vec![
            self.coll.0,
            u64::from(self.seq) | (self.kind as u64) << 32,
            u64::from(self.count) | u64::from(self.origin) << 32,
        ];
        w.extend(self.waiters.iter().map(|&p| u64::from(p)));
        Addr::from_words(&w)
    }

    fn read(a: &Addr, num_pes: usize) -> Result<Self, String> {
        let w = a.words();
        if w.len() < 3 {
            return Err(format!("address of {} words", w.len()));
        }
        let kind = match (w[1] >> 32) as u8 {
            0 => Kind::Up,
            1 => Kind::Down,
            2 => Kind::ToFinisher,
            3 => Kind::Finish,
            k => return Err(format!("unknown step {k}")),
        };
        let origin = (w[2] >> 32) as u32;
        let pe_ok = |p: u64| (p as usize) < num_pes;
        if !pe_ok(u64::from(origin)) || !w[3..].iter().all(|&p| pe_ok(p)) {
            return Err("a PE outside the job".into());
        }
        Ok(Header {
            coll: CollectionId(w[0]),
            seq: w[1] as u32,
            kind,
            count: w[2] as u32,
            origin,
            waiters: w[3..].iter().map(|&p| p as u32).collect(),
        })
    }
}

/// A partial that could not be combined yet (no operations here): its header and body.
type Raw = (Header, Body);

/// One PE's part of one reduction.
#[derive(Default)]
struct State {
    ops: Option<Rc<dyn Ops>>,
    acc: Option<Acc>,
    /// Contributions combined in `acc`.
    count: u32,
    /// Partials kept as they arrived until operations are known (or passed on as they are).
    raw: Vec<Raw>,
    waiters: BTreeSet<u32>,
    origin: Option<u32>,
}

impl State {
    fn total(&self) -> u64 {
        u64::from(self.count)
            + self
                .raw
                .iter()
                .map(|(h, _)| u64::from(h.count))
                .sum::<u64>()
    }

    /// Combines what waits raw, once operations are known.
    fn absorb_raw(&mut self, pe: &Pe) {
        let Some(ops) = self.ops.clone() else { return };
        for (h, body) in std::mem::take(&mut self.raw) {
            self.combine_partial(pe, &ops, h, body);
        }
    }

    fn combine_partial(&mut self, pe: &Pe, ops: &Rc<dyn Ops>, h: Header, body: Body) {
        let v = ops
            .decode_child(body)
            .unwrap_or_else(|e| pe.abort(&format!("reduction message: {e}")));
        self.acc = Some(ops.combine(self.acc.take(), v));
        self.count += h.count;
        self.waiters.extend(h.waiters);
    }
}

/// Which reductions of a collection this PE already sent its partial for.
#[derive(Default)]
struct Sent {
    /// Every reduction below this one.
    below: u32,
    /// And these.
    above: BTreeSet<u32>,
}

impl Sent {
    fn contains(&self, k: u32) -> bool {
        k < self.below || self.above.contains(&k)
    }

    fn insert(&mut self, k: u32) {
        self.above.insert(k);
        while self.above.remove(&self.below) {
            self.below += 1;
        }
    }
}

/// An allreduce's local contributors: the operations and their futures.
type Waiters = (Rc<dyn Ops>, smallvec::SmallVec<[FutureId; 2]>);

/// The operations of recent reductions, by reduction number (newest last).
type KeptOps = VecDeque<(u32, Rc<dyn Ops>)>;

/// One PE's dynamic reductions.
#[derive(Default)]
pub(crate) struct Dynamic {
    states: IdMap<(CollectionId, u32), State>,
    sent: IdMap<CollectionId, Sent>,
    /// Local contributors of allreduces waiting for the result: operations and their futures.
    waiting: IdMap<(CollectionId, u32), Waiters>,
    /// Operations of recent reductions this PE contributed to (newest last).
    ops: IdMap<CollectionId, KeptOps>,
    /// Reductions the root handed to this PE to finish.
    finishing: IdMap<(CollectionId, u32), State>,
}

thread_local! {
    static DYNAMIC: RefCell<Dynamic> = RefCell::new(Dynamic::default());
}

fn with<R>(f: impl FnOnce(&mut Dynamic) -> R) -> R {
    DYNAMIC.with(|d| f(&mut d.borrow_mut()))
}

/// Drops this PE's state (at the end of the PE).
pub(crate) fn clear() {
    drop(DYNAMIC.with(|d| std::mem::take(&mut *d.borrow_mut())));
}

/// The parent of `pe` in the 4-ary tree over all PEs rooted at PE 0.
fn parent(pe: usize) -> Option<usize> {
    (pe > 0).then(|| (pe - 1) / 4)
}

/// Whether none of this PE's elements of `c` can still contribute to reduction `k`.
fn local_done(c: &LocalCollection, k: u32) -> bool {
    c.red_counts
        .borrow()
        .first_key_value()
        .is_none_or(|(&next, _)| next > k)
}

/// The running element of `c` contributed `value` to reduction `k` (its next reduction number,
/// already advanced).
pub(crate) fn contribute(
    pe: &Pe,
    c: &LocalCollection,
    k: u32,
    ops: Rc<dyn Ops>,
    value: Acc,
    target: Target,
) {
    {
        let mut counts = c.red_counts.borrow_mut();
        decrement(&mut counts, k);
        *counts.entry(k.wrapping_add(1)).or_insert(0) += 1;
    }
    let hwm = &c.inserts.red_hwm;
    hwm.set(hwm.get().max(k.wrapping_add(1)));
    let coll = c.meta.id;
    let me = pe.id as u32;
    let late = with(|d| {
        let kept = d.ops.entry(coll).or_default();
        if kept.back().is_none_or(|(s, _)| *s != k) {
            kept.push_back((k, ops.clone()));
            if kept.len() > OPS_KEPT {
                kept.pop_front();
            }
        }
        if let Target::All(f) = target {
            d.waiting
                .entry((coll, k))
                .or_insert_with(|| (ops.clone(), Default::default()))
                .1
                .push(f);
        }
        d.sent.get(&coll).is_some_and(|s| s.contains(k))
    });
    let mut waiters = BTreeSet::new();
    if matches!(target, Target::All(_)) {
        waiters.insert(me);
    }
    if late {
        // This PE already sent its partial for `k` (the element arrived after): on it goes.
        let h = Header {
            coll,
            seq: k,
            kind: Kind::Up,
            count: 1,
            origin: me,
            waiters,
        };
        let to = parent(pe.id).expect("the root never marks a reduction as sent");
        send(pe, to, &h, Body::Typed(ops.up_message(value)));
        return;
    }
    with(|d| {
        let st = d.states.entry((coll, k)).or_default();
        if st.ops.is_none() {
            st.ops = Some(ops.clone());
            st.absorb_raw(pe);
        }
        st.acc = Some(ops.combine(st.acc.take(), value));
        st.count += 1;
        st.waiters.extend(waiters);
        st.origin = Some(me);
    });
    check(pe, c, k);
}

fn decrement(counts: &mut BTreeMap<u32, u32>, k: u32) {
    if let Some(n) = counts.get_mut(&k) {
        *n -= 1;
        if *n == 0 {
            counts.remove(&k);
        }
    }
}

/// An element whose next reduction is `red_seq` left this PE: partials that only waited for it
/// can go.
pub(crate) fn element_left(pe: &Pe, c: &LocalCollection, red_seq: u32) {
    decrement(&mut c.red_counts.borrow_mut(), red_seq);
    let coll = c.meta.id;
    let open: Vec<u32> = with(|d| {
        d.states
            .keys()
            .filter(|(s, k)| *s == coll && *k >= red_seq)
            .map(|&(_, k)| k)
            .collect()
    });
    for k in open {
        check(pe, c, k);
    }
}

/// An element whose next reduction is `red_seq` arrived on this PE.
pub(crate) fn element_arrived(c: &LocalCollection, red_seq: u32) {
    *c.red_counts.borrow_mut().entry(red_seq).or_insert(0) += 1;
    let hwm = &c.inserts.red_hwm;
    hwm.set(hwm.get().max(red_seq));
}

/// Sends reduction `k` on if this PE is done with it (or completes it at the root).
fn check(pe: &Pe, c: &LocalCollection, k: u32) {
    let coll = c.meta.id;
    let Some(to) = parent(pe.id) else {
        return complete_if_counted(pe, c, k);
    };
    if !local_done(c, k) {
        return;
    }
    let Some(st) = with(|d| {
        let st = d.states.remove(&(coll, k))?;
        d.sent.entry(coll).or_default().insert(k);
        Some(st)
    }) else {
        return;
    };
    let me = pe.id as u32;
    if let (Some(ops), Some(acc)) = (&st.ops, st.acc) {
        let h = Header {
            coll,
            seq: k,
            kind: Kind::Up,
            count: st.count,
            origin: st.origin.unwrap_or(me),
            waiters: st.waiters,
        };
        send(pe, to, &h, Body::Typed(ops.up_message(acc)));
    }
    for (h, body) in st.raw {
        send(pe, to, &h, body);
    }
}

/// At the root: completes reduction `k` once its partials count every element that takes part.
fn complete_if_counted(pe: &Pe, c: &LocalCollection, k: u32) {
    let coll = c.meta.id;
    // Not while an insertion phase is open: the count is not final.
    let Some(expected) = c.members.borrow().expected(k) else {
        return;
    };
    let total = with(|d| d.states.get(&(coll, k)).map_or(0, State::total));
    if total < expected || total == 0 {
        return;
    }
    if total > expected {
        pe.abort(&format!(
            "reduction {k} of {} collection {coll} received {total} contributions for {expected} elements",
            c.type_name
        ));
    }
    let st = with(|d| d.states.remove(&(coll, k))).expect("counted above");
    match st.ops.clone() {
        Some(ops) => finish(pe, coll, k, &ops, st),
        None => hand_over(pe, coll, k, st),
    }
}

/// At the root: the collection's membership changed (a phase closed, an element left): the
/// reductions it held may be complete now.
pub(crate) fn members_changed(pe: &Pe, c: &LocalCollection) {
    let coll = c.meta.id;
    let open: Vec<u32> = with(|d| {
        d.states
            .keys()
            .filter(|(s, _)| *s == coll)
            .map(|&(_, k)| k)
            .collect()
    });
    for k in open {
        complete_if_counted(pe, c, k);
    }
}

/// The root has no operations for reduction `k` (none of its elements contributed): the
/// partials go to a PE that has them, then the order to finish.
fn hand_over(pe: &Pe, coll: CollectionId, k: u32, st: State) {
    let finisher = st.raw[0].0.origin as usize;
    let mut waiters = BTreeSet::new();
    for (mut h, body) in st.raw {
        waiters.extend(h.waiters.iter().copied());
        h.kind = Kind::ToFinisher;
        send(pe, finisher, &h, body);
    }
    let h = Header {
        coll,
        seq: k,
        kind: Kind::Finish,
        count: 0,
        origin: finisher as u32,
        waiters,
    };
    send(pe, finisher, &h, Body::Empty);
}

/// Delivers a complete reduction: to its target, or to every waiting contributor (allreduce).
fn finish(pe: &Pe, coll: CollectionId, k: u32, ops: &Rc<dyn Ops>, mut st: State) {
    st.absorb_raw(pe);
    let acc = st.acc.take().expect("a complete reduction has a value");
    if st.waiters.is_empty() {
        return ops.deliver(pe, acc);
    }
    let others: Vec<u32> = st
        .waiters
        .iter()
        .copied()
        .filter(|&p| p as usize != pe.id)
        .collect();
    let (down, _) = ops.fan_out(&acc, others.len(), 0);
    for (&p, msg) in others.iter().zip(down) {
        let h = Header {
            coll,
            seq: k,
            kind: Kind::Down,
            count: 0,
            origin: pe.id as u32,
            waiters: BTreeSet::new(),
        };
        send(pe, p as usize, &h, Body::Typed(msg));
    }
    if st.waiters.contains(&(pe.id as u32)) {
        resolve_local(pe, coll, k, Some(acc), None);
    }
}

/// Gives the allreduce result to this PE's waiting contributors (from `acc`, or decoded from
/// `body`).
fn resolve_local(pe: &Pe, coll: CollectionId, k: u32, acc: Option<Acc>, body: Option<Body>) {
    let Some((ops, futures)) = with(|d| d.waiting.remove(&(coll, k))) else {
        pe.abort(&format!(
            "allreduce result {k} of collection {coll} for a PE with no waiting contributor"
        ));
    };
    let acc = match (acc, body) {
        (Some(a), _) => a,
        (None, Some(b)) => ops
            .decode_down(b)
            .unwrap_or_else(|e| pe.abort(&format!("allreduce message: {e}"))),
        (None, None) => unreachable!("a value or a message"),
    };
    let (_, mine) = ops.fan_out(&acc, 0, futures.len());
    for (f, msg) in futures.iter().zip(mine) {
        crate::future::service::deposit(pe, *f, Body::Typed(msg));
    }
}

fn send(pe: &Pe, to: usize, h: &Header, body: Body) {
    let dest = Dest {
        handler: DYN_REDUCTION,
        entry: 0,
        addr: h.words(),
    };
    pe.route(to, Envelope::new(dest, body));
}

/// The handler of dynamic reduction messages.
pub(crate) fn arrived(pe: &Pe, env: Envelope) {
    let h = Header::read(&env.dest.addr, pe.num_pes)
        .unwrap_or_else(|e| pe.abort(&format!("malformed reduction message: {e}")));
    let Some(c) = crate::collections::service::lookup(h.coll) else {
        return crate::collections::service::park(h.coll, env);
    };
    let (coll, k) = (h.coll, h.seq);
    match h.kind {
        Kind::Up => {
            let Some(to) = parent(pe.id) else {
                merge(pe, coll, k, h, env.body);
                return complete_if_counted(pe, &c, k);
            };
            if with(|d| d.sent.get(&coll).is_some_and(|s| s.contains(k))) {
                return send(pe, to, &h, env.body);
            }
            merge(pe, coll, k, h, env.body);
            check(pe, &c, k);
        }
        Kind::Down => resolve_local(pe, coll, k, None, Some(env.body)),
        Kind::ToFinisher => {
            let ops = kept_ops(pe, coll, k);
            with(|d| {
                let st = d.finishing.entry((coll, k)).or_default();
                st.ops = Some(ops.clone());
                st.combine_partial(pe, &ops, h, env.body);
            });
        }
        Kind::Finish => {
            let ops = kept_ops(pe, coll, k);
            let mut st = with(|d| d.finishing.remove(&(coll, k))).unwrap_or_default();
            st.waiters.extend(h.waiters);
            finish(pe, coll, k, &ops, st);
        }
    }
}

fn merge(pe: &Pe, coll: CollectionId, k: u32, h: Header, body: Body) {
    with(|d| {
        let st = d.states.entry((coll, k)).or_default();
        match st.ops.clone() {
            Some(ops) => st.combine_partial(pe, &ops, h, body),
            None => st.raw.push((h, body)),
        }
    });
}

/// The operations of reduction `k`, kept since this PE contributed to it.
fn kept_ops(pe: &Pe, coll: CollectionId, k: u32) -> Rc<dyn Ops> {
    with(|d| {
        d.ops.get(&coll).and_then(|q| {
            q.iter()
                .rev()
                .find(|(s, _)| *s == k)
                .map(|(_, o)| o.clone())
        })
    })
    .unwrap_or_else(|| {
        pe.abort(&format!(
            "reduction {k} of collection {coll} was handed to PE {} to finish, which no longer \
             keeps its operations (more than {OPS_KEPT} reductions in flight)",
            pe.id
        ))
    })
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn headers_round_trip_and_reject_foreign_pes() {
        let h = Header {
            coll: CollectionId(7),
            seq: 42,
            kind: Kind::ToFinisher,
            count: 9,
            origin: 3,
            waiters: [1, 3].into_iter().collect(),
        };
        assert_eq!(Header::read(&h.words(), 4).unwrap(), h);
        assert!(
            Header::read(&h.words(), 3).is_err(),
            "origin 3 in a job of 3"
        );
        assert!(Header::read(&Addr::from_words(&[1, 2]), 4).is_err());
        let bad_kind = Addr::from_words(&[1, 9 << 32, 0]);
        assert!(Header::read(&bad_kind, 4).is_err());
    }

    #[test]
    fn sent_sets_stay_small() {
        let mut s = Sent::default();
        s.insert(1);
        assert!(s.contains(1) && !s.contains(0));
        s.insert(0);
        assert_eq!((s.below, s.above.len()), (2, 0));
        s.insert(5);
        assert!(s.contains(5) && !s.contains(3));
    }

    #[test]
    fn the_tree_covers_every_pe() {
        assert_eq!(parent(0), None);
        for p in 1..100 {
            let mut q = p;
            let mut hops = 0;
            while let Some(up) = parent(q) {
                q = up;
                hops += 1;
            }
            assert!(hops <= 4, "PE {p}: depth {hops}");
        }
        assert_eq!(parent(4), Some(0));
        assert_eq!(parent(5), Some(1));
    }
}
