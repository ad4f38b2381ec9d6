//! What one PE knows about sections: its members of each, its place in each tree, and what
//! waits for a section whose membership has not arrived yet.

use super::{decode_serde, SectionId};
use crate::ids::CollectionId;
use crate::message::Envelope;
use crate::reduction::state::{tree_place, Scope, ScopeId, TreePlace};
use crate::scheduler::{ElemCtx, IdMap, Pe};
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// One member on this PE.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Member {
    pub coll: CollectionId,
    /// Row-major position in its collection.
    pub elem: crate::ids::ElemKey,
    /// Position in the section (collection order, then row-major position).
    pub rank: u32,
}

/// What the creator tells each PE.
#[derive(Serialize, Deserialize)]
pub(crate) struct Membership {
    /// PEs hosting members, in increasing order.
    pub hosting: Vec<u32>,
    /// This PE's members, sorted by collection and position.
    pub members: Vec<Member>,
    /// Number of members in the whole section.
    pub len: u32,
}

/// This PE's part of a section.
pub(crate) struct LocalSection {
    pub id: SectionId,
    pub members: Vec<Member>,
    /// PEs hosting members, in increasing order.
    pub hosting: Vec<u32>,
    /// Number of members in the whole section.
    pub len: u32,
    /// This PE's place in the tree (its default when it hosts no member).
    pub tree: TreePlace,
    /// Next reduction number of each local member.
    pub red_seq: Vec<Cell<u32>>,
}

impl LocalSection {
    /// Index in `members` of an element, if it is a member.
    pub(crate) fn find(&self, coll: CollectionId, elem: crate::ids::ElemKey) -> Option<usize> {
        self.members
            .binary_search_by(|m| (m.coll, m.elem).cmp(&(coll, elem)))
            .ok()
    }

    /// The rank of a member (its position for sorting `_ret` results).
    pub(crate) fn rank_of(&self, ctx: ElemCtx) -> u64 {
        self.find(ctx.coll, ctx.elem)
            .map_or(ctx.elem, |i| u64::from(self.members[i].rank))
    }

    /// This PE's view of the section as a reduction scope.
    pub(crate) fn scope(&self) -> Scope<'_> {
        Scope {
            id: ScopeId::Section(self.id),
            local: self.members.len() as u32,
            tree: &self.tree,
        }
    }
}

/// A contribution made before the membership arrived, replayed when it does.
pub(crate) type EarlyContribution = Box<dyn FnOnce(&Pe, &Rc<LocalSection>)>;

/// Something waiting for a section's membership.
pub(crate) enum Waiting {
    Message(Envelope),
    Contribution(EarlyContribution),
    /// A coroutine (in `combine`) waiting for the section.
    Task(std::task::Waker),
}

/// All sections one PE knows of.
#[derive(Default)]
pub(crate) struct Sections {
    known: IdMap<SectionId, Rc<LocalSection>>,
    waiting: IdMap<SectionId, Vec<Waiting>>,
    /// Testing aid: how many times a membership was put back in the queue.
    held: IdMap<SectionId, u32>,
}

/// Testing aid: with `CHARM_TEST_HOLD_SECTIONS=1`, a PE puts a section's membership back in its
/// queue until something waits for it (or a while has passed), so that tests exercise messages
/// and contributions that arrive before the membership (which normal timing makes rare).
fn hold_for_tests() -> bool {
    static HOLD: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *HOLD.get_or_init(|| std::env::var("CHARM_TEST_HOLD_SECTIONS").is_ok_and(|v| v == "1"))
}

/// Requeues of one membership before it is installed anyway (testing aid).
const HOLD_MAX: u32 = 20_000;

thread_local! {
    /// All sections this PE knows of (one PE per thread).
    static SECTIONS: Rc<RefCell<Sections>> = Rc::default();
}

fn sections() -> Rc<RefCell<Sections>> {
    SECTIONS.with(Rc::clone)
}

/// Everything this PE knew of sections (at the end of a job, to drop it on the PE's thread).
pub(crate) fn take_all() -> Sections {
    std::mem::take(&mut *sections().borrow_mut())
}

/// The section, if its membership reached this PE.
pub(crate) fn known(_: &Pe, id: SectionId) -> Option<Rc<LocalSection>> {
    sections().borrow().known.get(&id).cloned()
}

/// Keeps `w` until the membership of `id` arrives.
pub(crate) fn wait(_: &Pe, id: SectionId, w: Waiting) {
    sections()
        .borrow_mut()
        .waiting
        .entry(id)
        .or_default()
        .push(w);
}

/// The membership of a section arrived (as a message).
pub(crate) fn install(pe: &Pe, id: SectionId, body: crate::message::Body) {
    if hold_for_tests() {
        let all = sections();
        let mut s = all.borrow_mut();
        let waiting = s.waiting.get(&id).map_or(0, Vec::len);
        let n = s.held.entry(id).or_insert(0);
        if waiting == 0 && *n < HOLD_MAX {
            *n += 1;
            drop(s);
            let env = Envelope::new(super::dest(id, super::SectionStep::Members), body);
            return pe.route(pe.id, env);
        }
        s.held.remove(&id);
    }
    let m: Membership = decode_serde(body)
        .unwrap_or_else(|e| pe.abort(&format!("malformed section membership: {e}")));
    install_local(pe, id, m);
}

/// Records this PE's part of a section, then replays what waited for it, in arrival order.
pub(crate) fn install_local(pe: &Pe, id: SectionId, m: Membership) {
    // A member of a live section stays where the section found it (its calls and reductions
    // follow the PEs the membership names).
    for mem in &m.members {
        crate::location::pin(mem.coll, mem.elem, format!("section {id}"));
    }
    let sec = Rc::new(LocalSection {
        id,
        red_seq: m.members.iter().map(|_| Cell::new(0)).collect(),
        tree: if m.members.is_empty() {
            TreePlace::default()
        } else {
            tree_place(&m.hosting, pe.id as u32)
        },
        members: m.members,
        hosting: m.hosting,
        len: m.len,
    });
    let waiting = {
        let all = sections();
        let mut s = all.borrow_mut();
        s.known.insert(id, sec.clone());
        s.waiting.remove(&id)
    };
    for w in waiting.into_iter().flatten() {
        match w {
            Waiting::Message(env) => pe.deliver(env),
            Waiting::Contribution(f) => f(pe, &sec),
            Waiting::Task(w) => w.wake(),
        }
    }
}
