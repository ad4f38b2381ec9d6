//! Identifiers that every process computes the same way, with no registration order involved.
//!
//! Chare types are named by a 64-bit FNV-1a hash of their full path (`module_path!()::Type`), entry
//! methods by a 32-bit hash of their name within the type. Both are constants in the generated code,
//! so PEs in different processes (MPI ranks) agree on them whatever the link order.

use serde::{Deserialize, Serialize};

/// 64-bit FNV-1a of a string, usable in constants.
pub const fn fnv1a64(s: &str) -> u64 {
    let b = s.as_bytes();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < b.len() {
        h ^= b[i] as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    h
}

/// 32-bit FNV-1a of a string; never 0 (0 means "no entry method").
pub const fn fnv1a32(s: &str) -> u32 {
    let b = s.as_bytes();
    let mut h: u32 = 0x811c_9dc5;
    let mut i = 0;
    while i < b.len() {
        h ^= b[i] as u32;
        h = h.wrapping_mul(0x0100_0193);
        i += 1;
    }
    if h == 0 {
        1
    } else {
        h
    }
}

/// Identifies an entry method within its chare type.
pub type EntryId = u32;

/// Names an element within its collection: the row-major position in a dense array, the packed
/// index in a sparse one (see `Index::pack`).
pub(crate) type ElemKey = u64;

/// Identifies a chare type across all processes of a job.
pub type TypeId = u64;

/// A collection (single chare, group or array), unique in the job: the creating PE in the high
/// bits, a per-PE sequence number in the low bits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
pub struct CollectionId(pub u64);

impl CollectionId {
    pub(crate) fn new(creator_pe: usize, seq: u64) -> Self {
        CollectionId(((creator_pe as u64) << 40) | (seq & ((1 << 40) - 1)))
    }

    /// The PE that created the collection.
    pub(crate) fn creator(self) -> u32 {
        (self.0 >> 40) as u32
    }
}

impl std::fmt::Display for CollectionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.0 >> 40, self.0 & ((1 << 40) - 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_stable() {
        // Known FNV-1a test vectors.
        assert_eq!(fnv1a64(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a32("a"), 0xe40c_292c);
        assert_ne!(fnv1a32(""), 0);
    }

    #[test]
    fn collection_id_display() {
        assert_eq!(CollectionId::new(3, 7).to_string(), "3:7");
    }
}
