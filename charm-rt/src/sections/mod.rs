//! Sections: proxies over a subset of one collection (by index list, by slices of an array, by a
//! predicate evaluated on the elements), or over the union of sections of several collections.
//!
//! A section is created once, on any PE: the creator computes its members, numbers them (their
//! *rank*: collection order, then row-major position) and tells every PE which of its elements
//! are members, together with the PEs that host members. Those PEs form a 4-ary tree rooted at
//! the lowest of them, as for reductions. A call on a section goes to the root; each PE passes
//! it on to its children and then runs it on its own members. Section reductions travel the same
//! tree. Messages that reach a PE before the membership does wait there.

mod create;
mod multicast;
mod reduce;
mod slice;
mod split;
pub(crate) mod table;
mod typed;
mod union;

pub use create::{section_of, section_of_slice};
pub use multicast::{multicast, multicast_awaitable, multicast_ret};
pub use reduce::{
    section_allreduce, section_barrier, section_contribute, section_contribute_gather,
    section_contribute_nop,
};
pub use slice::Slice;
pub use split::{split, split_one, SectionNumbers};
pub use typed::{
    entry_id, AllHave, BulkArg, Combine, HasEntry, SectionProxy, SerdeArg, UnionProxy,
};
pub use union::combine;

pub(crate) use multicast::multicast_wire;

use crate::codec::CodecError;
use crate::message::{Body, Dest, Envelope, RedPhase, ReplyTo};
use crate::scheduler::Pe;
use serde::{Deserialize, Serialize};

/// Identifies a section in the job (drawn from the creating PE's collection-id sequence).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
pub struct SectionId(pub u64);

impl std::fmt::Display for SectionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.0 >> 40, self.0 & ((1 << 40) - 1))
    }
}

/// An untyped reference to a section (what a generated `XSectionProxy` wraps): 24 bytes, `Copy`,
/// valid on every PE and in messages.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct SectionRef {
    id: SectionId,
    /// Root of the multicast tree (the lowest PE hosting a member).
    root: u32,
    /// Number of PEs hosting members.
    pes: u32,
    /// Number of members.
    len: u32,
}

impl SectionRef {
    /// Job-wide id.
    pub fn id(&self) -> SectionId {
        self.id
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Always false: a section has at least one member.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of PEs hosting members.
    pub fn num_pes(&self) -> usize {
        self.pes as usize
    }
}

/// The address of a section message on its PE (boxed in [`Dest::Section`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SectionDest {
    /// The section.
    pub id: SectionId,
    /// What the message is.
    pub step: SectionStep,
}

/// What a section message is.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum SectionStep {
    /// The receiving PE's members and the hosting PEs (in the body).
    Members,
    /// Make this section the union of others (listed in the body).
    Union,
    /// An entry-method call to every member, passed down the tree.
    Multicast,
    /// A step of reduction `seq` over the section.
    Reduction {
        /// Reduction number.
        seq: u32,
        /// Which step.
        phase: RedPhase,
    },
}

pub(crate) fn dest(id: SectionId, step: SectionStep) -> Dest {
    Dest::Section(Box::new(SectionDest { id, step }))
}

/// Address of a section reduction message.
pub(crate) fn reduction_dest(id: SectionId, seq: u32, phase: RedPhase) -> Dest {
    dest(id, SectionStep::Reduction { seq, phase })
}

/// A section message reached this PE.
pub(crate) fn arrived(pe: &Pe, d: SectionDest, entry: u32, reply: Option<ReplyTo>, body: Body) {
    match d.step {
        SectionStep::Members => return table::install(pe, d.id, body),
        SectionStep::Union => return union::arrived(pe, d, body),
        _ => {}
    }
    let Some(sec) = table::known(pe, d.id) else {
        let env = Envelope {
            dest: Dest::Section(Box::new(d)),
            entry,
            reply,
            body,
        };
        return table::wait(pe, d.id, table::Waiting::Message(env));
    };
    match d.step {
        SectionStep::Members | SectionStep::Union => {
            unreachable!("charm-rs: internal error: section step handled above")
        }
        SectionStep::Multicast => multicast::arrived(pe, &sec, entry, reply, body),
        SectionStep::Reduction { seq, phase } => {
            crate::reduction::state::arrived(pe, &sec.scope(), seq, phase, body)
        }
    }
}

/// Decodes a serde value from a body moved within the process or received as bytes.
pub(crate) fn decode_serde<T: serde::de::DeserializeOwned + 'static>(
    body: Body,
) -> Result<T, CodecError> {
    match body {
        Body::Typed(m) => m
            .into_any()
            .downcast::<crate::future::value::Serde<T>>()
            .map(|b| b.0)
            .map_err(|_| CodecError("section message of an unexpected type".into())),
        Body::Wire(mut w) => {
            let mut d = w.decoder()?;
            let v = d.serde()?;
            d.finish()?;
            Ok(v)
        }
        Body::Empty => Err(CodecError("empty section message".into())),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn section_refs_stay_small() {
        // Documented as a 24-byte `Copy` value.
        assert_eq!(std::mem::size_of::<super::SectionRef>(), 24);
        assert!(std::mem::size_of::<crate::message::Envelope>() <= 80);
    }
}
