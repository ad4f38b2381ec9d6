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
use crate::ids::EntryId;
use crate::message::{Body, Dest, Envelope, HandlerId};
use crate::reduction::{read_step, step_word, RedPhase};
use crate::scheduler::{Handler, Pe, Services};
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

/// A section's membership, a call to its members or a step of one of its reductions; entry:
/// the entry method of a call; address: the section, then the step ([`SectionStep::word`]).
pub(crate) const SECTION: HandlerId = HandlerId(6);

pub(crate) fn register(s: &mut Services) {
    s.handle(SECTION, Handler::new("section", handle));
    s.hooks.shutdown.push(|_| drop(table::take_all()));
}

/// The address of a section message on its PE.
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

impl SectionStep {
    /// The step in one address word: a tag in the top byte, a reduction's number and step below.
    fn word(self) -> u64 {
        match self {
            SectionStep::Members => 0,
            SectionStep::Union => 1 << 56,
            SectionStep::Multicast => 2 << 56,
            SectionStep::Reduction { seq, phase } => 3 << 56 | step_word(seq, phase),
        }
    }

    /// Reads a word written by [`SectionStep::word`].
    fn read(w: u64) -> Result<Self, CodecError> {
        Ok(match w >> 56 {
            0 => SectionStep::Members,
            1 => SectionStep::Union,
            2 => SectionStep::Multicast,
            3 => {
                let (seq, phase) = read_step(w & ((1 << 56) - 1))?;
                SectionStep::Reduction { seq, phase }
            }
            t => return Err(CodecError(format!("unknown section step {t}"))),
        })
    }
}

/// The address of a section message (`entry`: the entry method of a call, else 0).
pub(crate) fn dest_entry(id: SectionId, step: SectionStep, entry: EntryId) -> Dest {
    Dest::two(SECTION, entry, id.0, step.word())
}

pub(crate) fn dest(id: SectionId, step: SectionStep) -> Dest {
    dest_entry(id, step, 0)
}

/// Address of a section reduction message.
pub(crate) fn reduction_dest(id: SectionId, seq: u32, phase: RedPhase) -> Dest {
    dest(id, SectionStep::Reduction { seq, phase })
}

/// The handler of section messages.
fn handle(pe: &Pe, env: Envelope) {
    let (id, step) = pe.address(&env);
    let step = SectionStep::read(step).unwrap_or_else(|e| pe.malformed(&env, e));
    let d = SectionDest {
        id: SectionId(id),
        step,
    };
    arrived(pe, d, env)
}

/// A section message reached this PE.
pub(crate) fn arrived(pe: &Pe, d: SectionDest, env: Envelope) {
    match d.step {
        SectionStep::Members => return table::install(pe, d.id, env.body),
        SectionStep::Union => return union::arrived(pe, d, env.body),
        _ => {}
    }
    let Some(sec) = table::known(pe, d.id) else {
        return table::wait(pe, d.id, table::Waiting::Message(env));
    };
    let Envelope { dest, reply, body } = env;
    let entry = dest.entry;
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
    body.take("section message", |d| d.serde().map(crate::codec::Serde))
        .map(|s| s.0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn section_refs_stay_small() {
        // Documented as a 24-byte `Copy` value.
        assert_eq!(std::mem::size_of::<super::SectionRef>(), 24);
        assert!(std::mem::size_of::<crate::message::Envelope>() <= 80);
    }

    #[test]
    fn steps_round_trip_through_their_word() {
        use super::{RedPhase, SectionStep};
        for step in [
            SectionStep::Members,
            SectionStep::Union,
            SectionStep::Multicast,
            SectionStep::Reduction {
                seq: u32::MAX,
                phase: RedPhase::Exchange(3),
            },
        ] {
            assert_eq!(SectionStep::read(step.word()).unwrap(), step);
        }
        assert!(SectionStep::read(9 << 56).is_err());
    }
}
