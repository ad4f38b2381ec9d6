//! One PE's part of the reductions in flight.

use super::ops::{Acc, Ops};
use crate::collections::table::LocalCollection;
use crate::ids::CollectionId;
use crate::message::{Body, Dest, Envelope, FutureId};
use crate::scheduler::{with_pe, Pe};
use std::collections::HashMap;
use std::rc::Rc;

/// Where a reduction's result goes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Target {
    /// One future (the root sends it the result).
    Future(FutureId),
    /// Every contributor (allreduce): each element's own future on its PE.
    All(FutureId),
}

/// This PE's state of one reduction.
pub(crate) struct RedState {
    local_left: u32,
    children_left: u32,
    acc: Option<Acc>,
    ops: Option<Rc<dyn Ops>>,
    early_children: Vec<Body>,
    target: Option<Target>,
    waiters: Vec<FutureId>,
    sent_up: bool,
}

/// Reductions in flight on one PE, by collection and sequence number.
pub(crate) type Reductions = HashMap<(CollectionId, u32), RedState>;

/// This PE's place in a collection's reduction tree: the parent and children among the PEs
/// that host elements (4-ary, rooted at the lowest hosting PE).
#[derive(Clone, Debug, Default)]
pub(crate) struct TreePlace {
    pub parent: Option<u32>,
    pub children: smallvec::SmallVec<[u32; 4]>,
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
    }
}

fn new_state(c: &LocalCollection) -> RedState {
    RedState {
        local_left: c.elems.len() as u32,
        children_left: c.tree.children.len() as u32,
        acc: None,
        ops: None,
        early_children: Vec::new(),
        target: None,
        waiters: Vec::new(),
        sent_up: false,
    }
}

/// A contribution of the running element.
#[track_caller]
pub(crate) fn contribute(ops: Rc<dyn Ops>, value: Acc, target: Target) {
    with_pe(|pe| {
        let ctx = pe.current.get().unwrap_or_else(|| {
            panic!(
                "charm-rs: reductions are contributed from an entry method of a collection element"
            )
        });
        let coll = pe
            .collections
            .borrow()
            .get(&ctx.coll)
            .cloned()
            .unwrap_or_else(|| panic!("charm-rs: reductions are contributed from an entry method of a collection element"));
        let off = (ctx.elem - coll.first) as usize;
        let seq = coll.red_seq[off].get();
        coll.red_seq[off].set(seq.wrapping_add(1));
        let key = (coll.meta.id, seq);
        let early = {
            let mut reds = pe.reductions.borrow_mut();
            let st = reds.entry(key).or_insert_with(|| new_state(&coll));
            if st.ops.is_none() {
                st.ops = Some(ops.clone());
            }
            st.target.get_or_insert(target);
            if let Target::All(f) = target {
                st.waiters.push(f);
            }
            st.acc = Some(ops.combine(st.acc.take(), value));
            st.local_left -= 1;
            std::mem::take(&mut st.early_children)
        };
        for body in early {
            child_partial(pe, &coll, key, body);
        }
        check_complete(pe, &coll, key);
    })
}

/// A partial result from a child PE.
pub(crate) fn child_partial(pe: &Pe, coll: &LocalCollection, key: (CollectionId, u32), body: Body) {
    let ops = {
        let mut reds = pe.reductions.borrow_mut();
        let st = reds.entry(key).or_insert_with(|| new_state(coll));
        match &st.ops {
            None => {
                // No local contribution yet, so the value type is unknown: keep it for later.
                st.early_children.push(body);
                return;
            }
            Some(ops) => ops.clone(),
        }
    };
    let v = ops
        .decode_child(body)
        .unwrap_or_else(|e| pe.abort(&format!("reduction message: {e}")));
    {
        let mut reds = pe.reductions.borrow_mut();
        let st = reds.get_mut(&key).expect("state exists");
        st.acc = Some(ops.combine(st.acc.take(), v));
        st.children_left -= 1;
    }
    check_complete(pe, coll, key);
}

fn check_complete(pe: &Pe, coll: &LocalCollection, key: (CollectionId, u32)) {
    let (acc, ops, target) = {
        let mut reds = pe.reductions.borrow_mut();
        let Some(st) = reds.get_mut(&key) else { return };
        if st.local_left > 0 || st.children_left > 0 || st.sent_up {
            return;
        }
        st.sent_up = true;
        let acc = st.acc.take().expect("a complete reduction has a value");
        let ops = st.ops.clone().expect("a complete reduction has operations");
        let target = st.target.expect("a complete reduction has a target");
        // An allreduce keeps its state (the waiting contributors) until the result comes back.
        if matches!(target, Target::Future(_)) {
            reds.remove(&key);
        }
        (acc, ops, target)
    };
    let (coll_id, seq) = key;
    match (coll.tree.parent, target) {
        (Some(parent), _) => {
            let env = Envelope {
                dest: Dest::Reduction {
                    coll: coll_id,
                    seq,
                    down: false,
                },
                entry: 0,
                reply: None,
                body: Body::Typed(ops.up_message(acc)),
            };
            pe.route(parent as usize, env);
        }
        (None, Target::Future(f)) => {
            let r = ops.result_message(acc);
            send_future(pe, f, r);
        }
        (None, Target::All(_)) => fan_out(pe, coll, key, &ops, acc),
    }
}

fn send_future(pe: &Pe, f: FutureId, msg: Box<dyn crate::message::ErasedMessage>) {
    if f.pe as usize == pe.id {
        pe.deposit(f, Body::Typed(msg));
    } else {
        pe.endpoint.send(
            f.pe as usize,
            Envelope {
                dest: Dest::Future(f),
                entry: 0,
                reply: None,
                body: Body::Typed(msg),
            },
        );
    }
}

/// The allreduce result reached this PE: pass it on down the tree and to the local contributors.
fn fan_out(pe: &Pe, coll: &LocalCollection, key: (CollectionId, u32), ops: &Rc<dyn Ops>, acc: Acc) {
    let st = pe
        .reductions
        .borrow_mut()
        .remove(&key)
        .expect("allreduce state kept until the result");
    let (down, mine) = ops.fan_out(&acc, coll.tree.children.len(), st.waiters.len());
    for (child, msg) in coll.tree.children.iter().zip(down) {
        let env = Envelope {
            dest: Dest::Reduction {
                coll: key.0,
                seq: key.1,
                down: true,
            },
            entry: 0,
            reply: None,
            body: Body::Typed(msg),
        };
        pe.route(*child as usize, env);
    }
    for (f, msg) in st.waiters.iter().zip(mine) {
        pe.deposit(*f, Body::Typed(msg));
    }
}

/// The allreduce result from the parent PE.
pub(crate) fn down(pe: &Pe, coll: &LocalCollection, key: (CollectionId, u32), body: Body) {
    let ops = pe
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
    fan_out(pe, coll, key, &ops, acc);
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
