//! What every PE knows about a collection: its id, chare type, layout and shape.

use crate::ids::{CollectionId, ElemKey, TypeId};
use crate::index::Index;

/// How a collection is laid out.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
pub enum Kind {
    /// One chare on one PE.
    Single {
        /// Its PE.
        pe: u32,
    },
    /// One element per PE.
    Group,
    /// Dense array, block-mapped onto PEs (or placed by a map).
    Array,
    /// Sparse array: elements inserted one by one, at indices of `shape.ndims()` coordinates with
    /// no bounds (Charm4py's `Array(C, ndims=N)`).
    Sparse,
}

/// Everything a PE needs to know about a collection to host its elements and address them.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
pub struct CollectionMeta {
    /// Job-wide id.
    pub id: CollectionId,
    /// Chare type of the elements.
    pub type_id: TypeId,
    /// Layout.
    pub kind: Kind,
    /// Shape (arrays), `(num_pes)` for groups, `(1)` for a single chare.
    pub shape: Index,
    /// Number of PEs of the job.
    pub num_pes: u32,
    /// Its elements can move, appear or go (a migratable chare type, a sparse array, or a map):
    /// reductions and broadcasts take the paths that follow them (see
    /// `docs/migration-design.md`).
    pub dynamic: bool,
    /// Placed by a user's map (`ArrayMap`), which every PE holds (the `location` service).
    pub mapped: bool,
}

impl CollectionMeta {
    /// The index of element `key`.
    pub(crate) fn index_of(&self, key: ElemKey) -> Index {
        match self.kind {
            Kind::Sparse => Index::unpack(key, self.shape.ndims()),
            _ => Index::from_linear(key, &self.shape),
        }
    }

    /// The key of the element at `index`, if the collection can have one there.
    pub(crate) fn key_of(&self, index: Index) -> Option<ElemKey> {
        match self.kind {
            Kind::Sparse => (index.ndims() == self.shape.ndims())
                .then(|| index.pack())
                .flatten(),
            _ => index.linear_in(&self.shape),
        }
    }
}
