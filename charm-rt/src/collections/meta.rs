//! What every PE knows about a collection: its id, chare type, layout and shape.

use crate::ids::{CollectionId, TypeId};
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
    /// Dense array, block-mapped onto PEs.
    Array,
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
    /// Its elements can move (a migratable chare type): reductions and broadcasts take the
    /// paths that follow moving elements (see `docs/migration-design.md`).
    pub dynamic: bool,
}
