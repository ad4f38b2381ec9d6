//! Unions of sections (Charm4py's `charm.combine`): one section whose members are the members of
//! several others, possibly of different collections and chare types, with its own tree.

use super::table::{self, install_local, Member, Membership, Waiting};
use super::typed::{Combine, UnionProxy};
use super::{decode_serde, dest, SectionDest, SectionId, SectionRef, SectionStep};
use crate::future::value::Serde;
use crate::future::MultiFuture;
use crate::message::{Body, Envelope, FutureId};
use crate::scheduler::{with_pe, Pe};
use serde::{Deserialize, Serialize};

/// What every PE is told about a union.
#[derive(Serialize, Deserialize)]
struct UnionSpec {
    /// The combined sections, with the rank of each one's first member in the union.
    parts: Vec<(SectionId, u32)>,
    /// PEs hosting members of any of them, in increasing order.
    hosting: Vec<u32>,
    /// Where each PE sends its number of members (an element in several parts counts once).
    counts: Option<FutureId>,
}

/// The union of `sections`: calls, reductions and splits over it reach every member of each.
/// Members are ranked section by section (the first section's members first), so `_ret` results
/// and gathers come in that order. An element in several of the sections is a member once (at
/// its first rank). Await it in a coroutine: it waits until this PE knows every combined section
/// (at once for sections created on this PE) and every other PE counted its members.
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
    let counts = with_pe(|pe| (pe.num_pes > 1).then(|| MultiFuture::<u32>::new(pe.num_pes - 1)));
    let (r, mine) = with_pe(|pe| {
        let mut hosting: Vec<u32> = Vec::new();
        let mut spec_parts = Vec::with_capacity(parts.len());
        let mut offset: u32 = 0;
        for s in &parts {
            let sec = table::known(pe, s.id()).expect(
                "charm-rs: internal error: a combined section is not known; please report it",
            );
            hosting.extend_from_slice(&sec.hosting);
            spec_parts.push((s.id(), offset));
            offset = offset.checked_add(sec.len).unwrap_or_else(|| {
                panic!("charm-rs: a union of sections has at most 2^32 - 1 members; combine fewer sections")
            });
        }
        hosting.sort_unstable();
        hosting.dedup();
        let spec = UnionSpec {
            parts: spec_parts,
            hosting,
            counts: counts.map(|c| c.id()),
        };
        let id = SectionId(crate::collections::service::new_collection_id(pe).0);
        for p in 0..pe.num_pes {
            if p != pe.id {
                let env = Envelope::new(
                    dest(id, SectionStep::Union),
                    Body::Typed(Box::new(Serde(UnionSpec {
                        parts: spec.parts.clone(),
                        hosting: spec.hosting.clone(),
                        counts: spec.counts,
                    }))),
                );
                pe.route(p, env);
            }
        }
        let r = SectionRef {
            id,
            root: spec.hosting[0],
            pes: spec.hosting.len() as u32,
            len: 0,
        };
        let mine = install(pe, id, spec);
        (r, mine)
    });
    let others: u32 = match counts {
        Some(c) => c.await.into_iter().sum(),
        None => 0,
    };
    SectionRef {
        len: mine + others,
        ..r
    }
}

/// A union's description reached this PE: install it once every combined section is known here.
pub(crate) fn arrived(pe: &Pe, d: SectionDest, body: Body) {
    let spec: UnionSpec =
        decode_serde(body).unwrap_or_else(|e| pe.abort(&format!("malformed section union: {e}")));
    match spec
        .parts
        .iter()
        .find(|(id, _)| table::known(pe, *id).is_none())
    {
        Some(&(missing, _)) => {
            let env = Envelope::new(dest(d.id, d.step), Body::Typed(Box::new(Serde(spec))));
            table::wait(pe, missing, Waiting::Message(env));
        }
        None => {
            let counts = spec.counts;
            let n = install(pe, d.id, spec);
            if let Some(f) = counts {
                crate::future::service::send_typed(pe, f, Serde(n));
            }
        }
    }
}

/// Installs this PE's part of the union; returns its number of members (and, on PEs other than
/// the creator, sends it to the creator).
fn install(pe: &Pe, id: SectionId, spec: UnionSpec) -> u32 {
    let mut members: Vec<Member> = Vec::new();
    let mut span: u32 = 0;
    for &(part, offset) in &spec.parts {
        let sec = table::known(pe, part)
            .expect("charm-rs: internal error: a combined section is not known; please report it");
        span = span.max(offset + sec.len);
        members.extend(sec.members.iter().map(|m| Member {
            rank: offset + m.rank,
            ..*m
        }));
    }
    // An element in several parts is a member once, at its first rank.
    members.sort_unstable_by_key(|m| (m.coll, m.elem, m.rank));
    members.dedup_by_key(|m| (m.coll, m.elem));
    let count = members.len() as u32;
    install_local(
        pe,
        id,
        Membership {
            hosting: spec.hosting,
            members,
            // The ranks' span (members counted once per part); the exact count is only in the
            // creator's `SectionRef`.
            len: span,
        },
    );
    count
}
