//! Creating a section: members from index lists or slices, numbered, and told to every PE.

use super::slice::Slice;
use super::table::{install_local, Member, Membership};
use super::{dest, SectionId, SectionRef, SectionStep};
use crate::collections::{CollectionRef, ElemRef};
use crate::future::value::Serde;
use crate::ids::CollectionId;
use crate::index::Index;
use crate::message::{Body, Envelope};
use crate::scheduler::with_pe;
use std::collections::BTreeMap;

/// A section of one collection: the elements at `indices` (in any order; duplicates count once).
/// Panics when an index is out of bounds or when there is no index at all.
#[track_caller]
pub fn section_of(
    coll: &CollectionRef,
    type_name: &str,
    indices: impl IntoIterator<Item = Index>,
) -> SectionRef {
    // A loop, not closures: the panics must point at the caller's line (`track_caller`).
    let mut elems: Vec<ElemRef> = Vec::new();
    for i in indices {
        match coll.try_elem(i) {
            Some(e) => elems.push(e),
            None => panic!(
                "charm-rs: cannot make a section of the {type_name} collection of shape {} with index {i}: \
                 it is out of bounds; give indices inside the shape",
                coll.shape()
            ),
        }
    }
    if elems.is_empty() {
        panic!(
            "charm-rs: a section of the {type_name} collection needs at least one element; \
             give a non-empty index list"
        );
    }
    create(&[elems])
}

/// A section of an array: the elements in `slice` (per dimension `start..end`, with a step).
#[track_caller]
pub fn section_of_slice(coll: &CollectionRef, type_name: &str, slice: Slice) -> SectionRef {
    let indices = match slice.indices(&coll.shape()) {
        Ok(i) => i,
        Err(e) => panic!("charm-rs: bad slice of the {type_name} collection: {e}"),
    };
    if indices.is_empty() {
        panic!(
            "charm-rs: the slice {slice} of the {type_name} collection of shape {} selects no element; \
             a section needs at least one",
            coll.shape()
        );
    }
    section_of(coll, type_name, indices)
}

/// Creates a section of the given members (one list per collection, in section order; each list
/// non-empty) and sends every PE its part. The creating PE knows its part at once.
pub(crate) fn create(parts: &[Vec<ElemRef>]) -> SectionRef {
    // Members in section order: collection order, then position; duplicates dropped.
    let mut ordered: Vec<(usize, crate::ids::ElemKey, CollectionId, u32)> = parts
        .iter()
        .enumerate()
        .flat_map(|(k, elems)| {
            elems
                .iter()
                .map(move |e| (k, e.key(), e.collection(), e.pe() as u32))
        })
        .collect();
    ordered.sort_unstable_by_key(|&(k, pos, _, _)| (k, pos));
    ordered.dedup_by_key(|&mut (_, pos, coll, _)| (coll, pos));
    let len = u32::try_from(ordered.len()).unwrap_or_else(|_| {
        panic!("charm-rs: a section has at most 2^32 - 1 members; make smaller sections")
    });
    let mut by_pe: BTreeMap<u32, Vec<Member>> = BTreeMap::new();
    for (rank, &(_, elem, coll, pe)) in ordered.iter().enumerate() {
        by_pe.entry(pe).or_default().push(Member {
            coll,
            elem,
            rank: rank as u32,
        });
    }
    let hosting: Vec<u32> = by_pe.keys().copied().collect();
    with_pe(|pe| {
        let id = SectionId(crate::collections::service::new_collection_id(pe).0);
        // Every PE hears about the section, hosting members or not, so that a contribution from
        // a non-member is reported wherever it happens and any PE can combine it with others.
        for p in 0..pe.num_pes as u32 {
            let mut members = by_pe.remove(&p).unwrap_or_default();
            members.sort_unstable_by_key(|m| (m.coll, m.elem));
            let m = Membership {
                hosting: hosting.clone(),
                members,
                len,
            };
            if p as usize == pe.id {
                install_local(pe, id, m);
            } else {
                let env = Envelope::new(
                    dest(id, SectionStep::Members),
                    Body::Typed(Box::new(Serde(m))),
                );
                pe.route(p as usize, env);
            }
        }
        SectionRef {
            id,
            root: hosting[0],
            pes: hosting.len() as u32,
            len,
        }
    })
}
