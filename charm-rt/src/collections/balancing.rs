//! What the load balancer (the `lb` service) asks of collections: which elements are here,
//! whether each may move, moving one where the balancer decided, running `resume_from_sync`,
//! and how many elements a collection has. The balancer keeps its own state; this module only
//! reads and acts on the collections' own.

use super::migrate;
use super::service::lookup;
use super::{CollectionMeta, ElemRef};
use crate::ids::{CollectionId, ElemKey};
use crate::location;
use crate::scheduler::Pe;

/// How many elements of the collection are on this PE.
pub(crate) fn count_here(coll: CollectionId) -> usize {
    lookup(coll).map_or(0, |c| c.len())
}

/// Whether the element is on this PE (constructed: a constructor's element has no slot yet).
pub(crate) fn is_here(coll: CollectionId, elem: ElemKey) -> bool {
    lookup(coll).is_some_and(|c| c.slot_of(elem).is_some())
}

/// Whether the element here may move: its chare type can, it did not call
/// `set_migratable(false)`, and no section holds it.
pub(crate) fn movable(coll: CollectionId, elem: ElemKey) -> bool {
    let Some(c) = lookup(coll) else { return false };
    let type_can = super::chare::registry()
        .get(&c.meta.type_id)
        .is_some_and(|r| r.migratable);
    let pinned = {
        let t = c.table.borrow();
        t.here
            .slot_of(elem)
            .is_none_or(|slot| t.slots[slot].pinned.get())
    };
    type_can && !pinned && location::pinned(coll, elem).is_none()
}

/// The collection's layout, if this PE knows it.
pub(crate) fn meta(coll: CollectionId) -> Option<CollectionMeta> {
    lookup(coll).map(|c| c.meta)
}

/// The chare type's name.
pub(crate) fn type_name(coll: CollectionId) -> &'static str {
    lookup(coll).map_or("<unknown chare>", |c| c.type_name)
}

/// The element's index, for messages.
pub(crate) fn index_text(meta: &CollectionMeta, elem: ElemKey) -> String {
    meta.index_of(elem).to_string()
}

/// On PE 0: how many elements the collection has (PE 0 hears of every insertion and
/// destruction).
pub(crate) fn size_on_pe0(meta: &CollectionMeta) -> u64 {
    match location::size(meta) {
        Some(n) if !meta.dynamic => u64::from(n),
        _ => lookup(meta.id).map_or(0, |c| c.members.borrow().size()),
    }
}

/// Moves the element to `to` for the balancer: at once if it is here and idle, when it
/// becomes idle otherwise; if it is no longer here, the request follows it.
pub(crate) fn move_for_balance(pe: &Pe, meta: &CollectionMeta, elem: ElemKey, to: u32) {
    let r = ElemRef {
        coll: meta.id,
        elem,
        pe: location::home(meta, elem),
    };
    let name = type_name(meta.id);
    match lookup(meta.id) {
        Some(c) if c.slot_of(elem).is_some() => {
            let slot = c.slot_of(elem).expect("checked");
            migrate::mark(pe, &c, slot, elem, to)
                .unwrap_or_else(|why| pe.abort(&format!("the load balancer: {why}")));
            migrate::leave_if_idle(pe, &c, slot);
        }
        _ => migrate::request_migration(&r, to as usize, name),
    }
}

/// Runs the element's `resume_from_sync` hook (it is here); a panic there ends the job with a
/// message naming the chare, the element and the PE.
pub(crate) fn resume(pe: &Pe, coll: CollectionId, elem: ElemKey) {
    let Some(c) = lookup(coll) else { return };
    let Some(slot) = c.slot_of(elem) else { return };
    migrate::run_chare_hook(
        pe,
        &c,
        slot,
        elem,
        |ch| ch.resume_from_sync(),
        |msg| {
            format!(
                "{}::resume_from_sync panicked for element {} on PE {}: {msg}",
                c.type_name,
                c.meta.index_of(elem),
                pe.id
            )
        },
    );
    // The hook may have changed the chare (deferred messages may run now) or asked to move.
    super::deliver::offer_deferred(pe, &c, slot);
    if c.moves_pending.get() > 0 {
        if let Some(slot) = c.slot_of(elem) {
            migrate::leave_if_idle(pe, &c, slot);
        }
    }
}
