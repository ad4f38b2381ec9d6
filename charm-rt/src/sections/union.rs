//! Unions of sections (Charm4py's `charm.combine`): one section whose members are the members of
//! several others, possibly of different collections and chare types, with its own tree.

use super::table::{self, install_local, Member, Membership, Waiting};
use super::typed::{Combine, UnionProxy};
use super::{decode_serde, dest, SectionDest, SectionId, SectionRef, SectionStep};
use crate::future::value::Serde;
use crate::message::{Body, Dest, Envelope};
use crate::scheduler::{with_pe, Pe};
use serde::{Deserialize, Serialize};

/// What every PE is told about a union.
#[derive(Serialize, Deserialize)]
struct UnionSpec {
    /// The combined sections, with the rank of each one's first member in the union.
    parts: Vec<(SectionId, u32)>,
    /// PEs hosting members of any of them, in increasing order.
    hosting: Vec<u32>,
    len: u32,
}

/// The union of `sections`: calls, reductions and splits over it reach every member of each.
/// Members are ranked section by section (the first section's members first), so `_ret` results
/// and gathers come in that order. An element in several of the sections is a member once (at
/// its first rank); `len()` counts it once per section. Await it in a coroutine: it waits until
/// this PE knows every combined section (at once for sections created on this PE).
pub async fn combine<C: Combine>(sections: C) -> UnionProxy<C::Chares> {
    UnionProxy::from_ref(combine_refs(sections.refs()).await)
}

async fn combine_refs(parts: Vec<SectionRef>) -> SectionRef {
    assert!(
        !parts.is_empty(),
        "charm-rs: combine needs at least one section"
    );
    // Every PE hears about every section; wait for those not known here yet.
    std::future::poll_fn(|cx| {
        with_pe(
            |pe| match parts.iter().find(|s| table::known(pe, s.id()).is_none()) {
                Some(s) => {
                    table::wait(pe, s.id(), Waiting::Task(cx.waker().clone()));
                    std::task::Poll::Pending
                }
                None => std::task::Poll::Ready(()),
            },
        )
    })
    .await;
    with_pe(|pe| {
        let mut hosting: Vec<u32> = Vec::new();
        let mut spec_parts = Vec::with_capacity(parts.len());
        let mut offset: u32 = 0;
        for s in &parts {
            let sec = table::known(pe, s.id()).expect("known");
            hosting.extend_from_slice(&sec.hosting);
            spec_parts.push((s.id(), offset));
            offset = offset.checked_add(sec.len).unwrap_or_else(|| {
                panic!("charm-rs: a union of sections has at most 2^32 - 1 members")
            });
        }
        hosting.sort_unstable();
        hosting.dedup();
        let spec = UnionSpec {
            parts: spec_parts,
            hosting,
            len: offset,
        };
        let id = SectionId(pe.new_collection_id().0);
        for p in 0..pe.num_pes {
            if p != pe.id {
                let env = Envelope {
                    dest: dest(id, SectionStep::Union),
                    entry: 0,
                    reply: None,
                    body: Body::Typed(Box::new(Serde(UnionSpec {
                        parts: spec.parts.clone(),
                        hosting: spec.hosting.clone(),
                        len: spec.len,
                    }))),
                };
                pe.route(p, env);
            }
        }
        let r = SectionRef {
            id,
            root: spec.hosting[0],
            pes: spec.hosting.len() as u32,
            len: spec.len,
        };
        install(pe, id, spec);
        r
    })
}

/// A union's description reached this PE: install it once every combined section is known here.
pub(crate) fn arrived(pe: &Pe, d: SectionDest, body: Body) {
    let spec: UnionSpec = match body {
        Body::Typed(_) | Body::Wire(_) => decode_serde(body)
            .unwrap_or_else(|e| pe.abort(&format!("malformed section union: {e}"))),
        Body::Empty => pe.abort("empty section union"),
    };
    match spec
        .parts
        .iter()
        .find(|(id, _)| table::known(pe, *id).is_none())
    {
        Some(&(missing, _)) => {
            let env = Envelope {
                dest: Dest::Section(Box::new(d)),
                entry: 0,
                reply: None,
                body: Body::Typed(Box::new(Serde(spec))),
            };
            table::wait(pe, missing, Waiting::Message(env));
        }
        None => install(pe, d.id, spec),
    }
}

fn install(pe: &Pe, id: SectionId, spec: UnionSpec) {
    let mut members: Vec<Member> = Vec::new();
    for &(part, offset) in &spec.parts {
        let sec = table::known(pe, part).expect("every part is known");
        members.extend(sec.members.iter().map(|m| Member {
            rank: offset + m.rank,
            ..*m
        }));
    }
    // An element in several parts is a member once, at its first rank.
    members.sort_unstable_by_key(|m| (m.coll, m.elem, m.rank));
    members.dedup_by_key(|m| (m.coll, m.elem));
    let hosting = spec.hosting;
    install_local(
        pe,
        id,
        Membership {
            hosting,
            members,
            len: spec.len,
        },
    );
}
