//! One PE's part of the reductions in flight.

use super::exchange::ResultTo;
use super::ops::{Acc, Ops, PlainOps};
use super::phase::RedPhase;
use super::reducer::{Reducer, Reducible};
use super::result::{Allreduce, ResultSlot};
use super::service::local;
use crate::collections::table::LocalCollection;
use crate::ids::CollectionId;
use crate::message::{Body, Dest, Envelope, FutureId};
use crate::scheduler::{with_pe, Pe};
use crate::sections::SectionId;
use std::rc::Rc;

/// What a reduction runs over: a whole collection or a section.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) enum ScopeId {
    /// Every element of a collection.
    Collection(CollectionId),
    /// The members of a section.
    Section(SectionId),
}

impl ScopeId {
    /// The address of a reduction message of this scope.
    pub(crate) fn dest(self, seq: u32, phase: RedPhase) -> Dest {
        match self {
            ScopeId::Collection(coll) => super::service::dest(coll, seq, phase),
            ScopeId::Section(id) => crate::sections::reduction_dest(id, seq, phase),
        }
    }
}

/// This PE's view of a reduction scope: how many local contributors it has and its place in the
/// scope's tree over the PEs that host contributors.
pub(crate) struct Scope<'a> {
    pub id: ScopeId,
    /// Contributors on this PE.
    pub local: u32,
    pub tree: &'a TreePlace,
}

impl<'a> Scope<'a> {
    /// A whole collection (whose elements do not move: see `dynamic` for those that do).
    pub(crate) fn of_collection(c: &'a LocalCollection) -> Self {
        Scope {
            id: ScopeId::Collection(c.meta.id),
            local: c.len() as u32,
            tree: &c.tree,
        }
    }
}

/// A reduction: its scope and its sequence number there.
pub(crate) type Key = (ScopeId, u32);

/// Where a reduction's result goes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Target {
    /// A future or entry method, known to the reduction's operations (the root delivers).
    Root,
    /// Every contributor (allreduce): each element's own future on its PE.
    All(FutureId),
}

/// Up to this many hosting PEs, an allreduce exchanges partial results all-to-all (one message
/// latency) instead of going up and down the tree (two).
const EXCHANGE_MAX: usize = 8;

/// This PE's state of one reduction.
pub(crate) struct RedState {
    local_left: u32,
    children_left: u32,
    acc: Option<Acc>,
    ops: Option<Rc<dyn Ops>>,
    /// Messages that arrived before the first local contribution told the value type.
    early: Vec<(RedPhase, Body)>,
    target: Option<Target>,
    waiters: smallvec::SmallVec<[FutureId; 2]>,
    sent_up: bool,
    /// All-to-all allreduce: every hosting PE's partial, by its index among the hosting PEs.
    slots: Vec<Option<Acc>>,
}

impl RedState {
    /// The messages kept until the value type was known.
    pub(crate) fn take_early(self) -> Vec<(RedPhase, Body)> {
        self.early
    }
}

/// Reductions in flight on one PE, by scope and sequence number.
/// (Boxed: the state is large, and moving it in and out of the map cost more than allocating.)
pub(crate) type Reductions = crate::scheduler::IdMap<Key, Box<RedState>>;

/// This PE's place in a collection's reduction tree: the parent and children among the PEs
/// that host elements (4-ary, rooted at the lowest hosting PE).
#[derive(Clone, Debug, Default)]
pub(crate) struct TreePlace {
    pub parent: Option<u32>,
    pub children: smallvec::SmallVec<[u32; 4]>,
    /// All PEs hosting elements, in order, and this PE's index among them.
    pub hosting: Vec<u32>,
    pub index: usize,
}

pub(crate) fn tree_place(hosting: &[u32], me: u32) -> TreePlace {
    let Some(i) = hosting.iter().position(|&p| p == me) else {
        return TreePlace::default();
    };
    TreePlace {
        parent: (i > 0).then(|| hosting[(i - 1) / 4]),
        children: (4 * i + 1..=4 * i + 4)
            .filter_map(|c| hosting.get(c).copied())
            .collect(),
        hosting: hosting.to_vec(),
        index: i,
    }
}

impl TreePlace {
    /// Whether an allreduce to `target` exchanges partials all-to-all rather than using the tree.
    fn exchanges(&self, target: Target) -> bool {
        matches!(target, Target::All(_)) && self.exchanges_all()
    }

    /// Whether allreduces exchange partials all-to-all (few hosting PEs) rather than using the
    /// tree.
    pub(crate) fn exchanges_all(&self) -> bool {
        self.hosting.len() > 1 && self.hosting.len() <= EXCHANGE_MAX
    }
}

fn new_state(c: &Scope<'_>) -> Box<RedState> {
    Box::new(RedState {
        local_left: c.local,
        children_left: c.tree.children.len() as u32,
        acc: None,
        ops: None,
        early: Vec::new(),
        target: None,
        waiters: Default::default(),
        sent_up: false,
        slots: Vec::new(),
    })
}

/// The running element's collection and the sequence number of its next reduction.
#[track_caller]
fn next_reduction(pe: &Pe) -> (Rc<LocalCollection>, u32) {
    let ctx = pe.current.get().unwrap_or_else(|| {
        panic!("charm-rs: reductions are contributed from an entry method of a collection element")
    });
    let coll = crate::collections::service::lookup(ctx.coll)
        .unwrap_or_else(|| panic!("charm-rs: reductions are contributed from an entry method or coroutine of a collection element (not from main, and not from a constructor: the collection is not complete yet)"));
    let off = coll
        .slot_of(ctx.elem)
        .expect("charm-rs: internal error: the contributing element is not on its PE");
    if coll.table.borrow().slots[off].red_seq.get() == crate::collections::sparse::PENDING {
        panic!(
            "charm-rs: an element of a sparse {} array contributed to a reduction before done_inserting() counted it",
            coll.type_name
        );
    }
    let seq = coll.next_red_seq(off);
    (coll, seq)
}

/// A contribution of the running element to its collection's next reduction.
#[track_caller]
pub(crate) fn contribute(ops: Rc<dyn Ops>, value: Acc, target: Target) {
    with_pe(|pe| {
        let (coll, seq) = next_reduction(pe);
        if coll.meta.dynamic {
            return super::dynamic::contribute(pe, &coll, seq, ops, value, target);
        }
        contribute_in(pe, &Scope::of_collection(&coll), seq, ops, value, target);
    })
}

/// The running element's contribution to an allreduce of its collection.
#[track_caller]
pub(crate) fn contribute_all<T: Reducible>(value: T, op: Reducer<T>) -> Allreduce<T> {
    let at = std::panic::Location::caller();
    with_pe(|pe| {
        let (coll, seq) = next_reduction(pe);
        let scope = Scope::of_collection(&coll);
        if !coll.meta.dynamic && scope.tree.exchanges_all() {
            let slot = ResultSlot::new(at);
            let to = ResultTo::Slot(slot.clone());
            super::exchange::contribute(pe, &scope, seq, value, op, to);
            Allreduce::slot(slot)
        } else {
            let f = crate::Future::<T>::new_at(at);
            let ops = Rc::new(PlainOps { op, target: None });
            let target = Target::All(f.id());
            if coll.meta.dynamic {
                super::dynamic::contribute(pe, &coll, seq, ops, Box::new(value), target);
            } else {
                contribute_in(pe, &scope, seq, ops, Box::new(value), target);
            }
            Allreduce::future(f.get())
        }
    })
}

/// An element whose next reduction is `red_seq` left this PE.
pub(crate) fn element_left(pe: &Pe, c: &LocalCollection, red_seq: u32) {
    super::dynamic::element_left(pe, c, red_seq)
}

/// The membership of a collection changed (PE 0): held reductions may complete.
pub(crate) fn members_changed(pe: &Pe, c: &LocalCollection) {
    super::dynamic::members_changed(pe, c)
}

/// An element whose next reduction is `red_seq` arrived on this PE.
pub(crate) fn element_arrived(_: &Pe, c: &LocalCollection, red_seq: u32) {
    super::dynamic::element_arrived(c, red_seq)
}

/// One local contribution to allreduce `seq` of `scope` whose result goes to the future
/// `waiter`: typed when the PEs exchange partials all-to-all (see `exchange`), else through the
/// generic state.
pub(crate) fn contribute_all_in<T: Reducible>(
    pe: &Pe,
    scope: &Scope<'_>,
    seq: u32,
    value: T,
    op: Reducer<T>,
    waiter: FutureId,
) {
    if scope.tree.exchanges_all() {
        super::exchange::contribute(pe, scope, seq, value, op, ResultTo::Future(waiter));
    } else {
        let ops = Rc::new(PlainOps { op, target: None });
        contribute_in(pe, scope, seq, ops, Box::new(value), Target::All(waiter));
    }
}

/// One local contribution to reduction `seq` of `scope`.
pub(crate) fn contribute_in(
    pe: &Pe,
    scope: &Scope<'_>,
    seq: u32,
    ops: Rc<dyn Ops>,
    value: Acc,
    target: Target,
) {
    let key = (scope.id, seq);
    let early = {
        let l = local();
        let mut reds = l.reductions.borrow_mut();
        let st = reds.entry(key).or_insert_with(|| new_state(scope));
        if st.ops.is_none() {
            st.ops = Some(ops.clone());
        }
        st.target.get_or_insert(target);
        if let Target::All(f) = target {
            st.waiters.push(f);
        }
        st.acc = Some(ops.combine(st.acc.take(), value));
        st.local_left -= 1;
        std::mem::take(&mut st.early)
    };
    for (phase, body) in early {
        arrived(pe, scope, seq, phase, body);
    }
    if scope.tree.exchanges(target) {
        exchange_local_done(pe, scope, key);
    } else {
        check_complete(pe, scope, key);
    }
}

/// A reduction message from another PE.
pub(crate) fn arrived(pe: &Pe, scope: &Scope<'_>, seq: u32, phase: RedPhase, body: Body) {
    let key = (scope.id, seq);
    match phase {
        RedPhase::Up => child_partial(pe, scope, key, body),
        RedPhase::Down => down(pe, scope, key, body),
        RedPhase::Exchange(from) => {
            if let Err(body) = super::exchange::arrived(pe, key, from as usize, body) {
                exchange_partial(pe, scope, key, from as usize, body);
            }
        }
    }
}

/// The operations of a reduction, or `None` after keeping `body` for when they are known.
fn ops_or_keep(
    _: &Pe,
    scope: &Scope<'_>,
    key: Key,
    phase: RedPhase,
    body: Body,
) -> Option<(Rc<dyn Ops>, Body)> {
    let l = local();
    let mut reds = l.reductions.borrow_mut();
    let st = reds.entry(key).or_insert_with(|| new_state(scope));
    match &st.ops {
        None => {
            // No local contribution yet, so the value type is unknown: keep it for later.
            st.early.push((phase, body));
            None
        }
        Some(ops) => Some((ops.clone(), body)),
    }
}

/// All-to-all allreduce: this PE's elements all contributed; send the partial to every other
/// hosting PE.
fn exchange_local_done(pe: &Pe, scope: &Scope<'_>, key: Key) {
    let (acc, ops) = {
        let l = local();
        let mut reds = l.reductions.borrow_mut();
        let Some(st) = reds.get_mut(&key) else { return };
        if st.local_left > 0 || st.sent_up {
            return;
        }
        st.sent_up = true;
        (
            st.acc.take().expect("a contribution"),
            st.ops.clone().expect("operations"),
        )
    };
    let t = &scope.tree;
    let (copies, _) = ops.fan_out(&acc, t.hosting.len() - 1, 0);
    let others = t.hosting.iter().enumerate().filter(|(i, _)| *i != t.index);
    for ((_, &p), msg) in others.zip(copies) {
        let env = Envelope {
            dest: key.0.dest(key.1, RedPhase::Exchange(t.index as u8)),
            reply: None,
            body: Body::Typed(msg),
        };
        pe.route(p as usize, env);
    }
    store_slot(pe, scope, key, t.index, acc);
}

fn exchange_partial(pe: &Pe, scope: &Scope<'_>, key: Key, from: usize, body: Body) {
    let Some((ops, body)) = ops_or_keep(pe, scope, key, RedPhase::Exchange(from as u8), body)
    else {
        return;
    };
    let v = ops
        .decode_down(body)
        .unwrap_or_else(|e| pe.abort(&format!("allreduce message: {e}")));
    store_slot(pe, scope, key, from, v);
}

/// Records one PE's partial; when all are there, combines them in PE order (so every PE computes
/// the same bits) and resolves the local contributors.
fn store_slot(pe: &Pe, scope: &Scope<'_>, key: Key, index: usize, v: Acc) {
    let n = scope.tree.hosting.len();
    let done = {
        let l = local();
        let mut reds = l.reductions.borrow_mut();
        let st = reds.get_mut(&key).expect("reduction state");
        if st.slots.is_empty() {
            st.slots.resize_with(n, || None);
        }
        if index >= n || st.slots[index].is_some() {
            drop(reds);
            pe.abort(&format!(
                "allreduce partial from hosting PE #{index} arrived twice or out of range"
            ));
        }
        st.slots[index] = Some(v);
        if st.sent_up && st.slots.iter().all(Option::is_some) {
            reds.remove(&key)
        } else {
            None
        }
    };
    if let Some(st) = done {
        let ops = st.ops.expect("operations");
        let mut acc = None;
        for slot in st.slots {
            acc = Some(ops.combine(acc, slot.expect("all slots filled")));
        }
        let acc = acc.expect("at least one PE");
        let (_, mine) = ops.fan_out(&acc, 0, st.waiters.len());
        for (f, msg) in st.waiters.iter().zip(mine) {
            crate::future::service::deposit(pe, *f, Body::Typed(msg));
        }
    }
}

/// A partial result from a child PE.
fn child_partial(pe: &Pe, scope: &Scope<'_>, key: Key, body: Body) {
    let Some((ops, body)) = ops_or_keep(pe, scope, key, RedPhase::Up, body) else {
        return;
    };
    let v = ops
        .decode_child(body)
        .unwrap_or_else(|e| pe.abort(&format!("reduction message: {e}")));
    {
        let l = local();
        let mut reds = l.reductions.borrow_mut();
        let st = reds.get_mut(&key).expect("state exists");
        st.acc = Some(ops.combine(st.acc.take(), v));
        st.children_left -= 1;
    }
    check_complete(pe, scope, key);
}

fn check_complete(pe: &Pe, scope: &Scope<'_>, key: Key) {
    let (acc, ops, target) = {
        let l = local();
        let mut reds = l.reductions.borrow_mut();
        let Some(st) = reds.get_mut(&key) else { return };
        if st.local_left > 0 || st.children_left > 0 || st.sent_up {
            return;
        }
        st.sent_up = true;
        let acc = st.acc.take().expect("a complete reduction has a value");
        let ops = st.ops.clone().expect("a complete reduction has operations");
        let target = st.target.expect("a complete reduction has a target");
        // An allreduce keeps its state (the waiting contributors) until the result comes back.
        if matches!(target, Target::Root) {
            reds.remove(&key);
        }
        (acc, ops, target)
    };
    match (scope.tree.parent, target) {
        (Some(parent), _) => {
            let env = Envelope {
                dest: key.0.dest(key.1, RedPhase::Up),
                reply: None,
                body: Body::Typed(ops.up_message(acc)),
            };
            pe.route(parent as usize, env);
        }
        (None, Target::Root) => ops.deliver(pe, acc),
        (None, Target::All(_)) => fan_out(pe, scope, key, &ops, acc),
    }
}

/// The allreduce result reached this PE: pass it on down the tree and to the local contributors.
fn fan_out(pe: &Pe, scope: &Scope<'_>, key: Key, ops: &Rc<dyn Ops>, acc: Acc) {
    let st = local()
        .reductions
        .borrow_mut()
        .remove(&key)
        .expect("allreduce state kept until the result");
    let (down, mine) = ops.fan_out(&acc, scope.tree.children.len(), st.waiters.len());
    for (child, msg) in scope.tree.children.iter().zip(down) {
        let env = Envelope {
            dest: key.0.dest(key.1, RedPhase::Down),
            reply: None,
            body: Body::Typed(msg),
        };
        pe.route(*child as usize, env);
    }
    for (f, msg) in st.waiters.iter().zip(mine) {
        crate::future::service::deposit(pe, *f, Body::Typed(msg));
    }
}

/// The allreduce result from the parent PE.
fn down(pe: &Pe, scope: &Scope<'_>, key: Key, body: Body) {
    let ops = local()
        .reductions
        .borrow()
        .get(&key)
        .and_then(|s| s.ops.clone())
        .unwrap_or_else(|| {
            pe.abort("allreduce result for a reduction this PE did not take part in")
        });
    let acc = ops
        .decode_down(body)
        .unwrap_or_else(|e| pe.abort(&format!("allreduce message: {e}")));
    fan_out(pe, scope, key, &ops, acc);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_covers_every_pe_once() {
        for n in 1..40u32 {
            let hosting: Vec<u32> = (0..n).map(|p| p * 3).collect();
            let mut seen_as_child = vec![0; n as usize];
            for &p in &hosting {
                let t = tree_place(&hosting, p);
                assert_eq!(t.parent.is_none(), p == hosting[0]);
                for c in t.children {
                    seen_as_child[hosting.iter().position(|&h| h == c).unwrap()] += 1;
                    assert_eq!(tree_place(&hosting, c).parent, Some(p));
                }
            }
            assert_eq!(seen_as_child[0], 0);
            assert!(seen_as_child[1..].iter().all(|&k| k == 1));
        }
    }
}
