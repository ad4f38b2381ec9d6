//! The elements a PE hosts for one collection.

use super::chare::ChareObject;
use crate::message::CollectionMeta;
use std::cell::RefCell;

/// This PE's elements of one collection: a contiguous run of row-major positions.
pub(crate) struct LocalCollection {
    pub meta: CollectionMeta,
    /// Row-major position of `elems[0]`.
    pub first: u32,
    pub elems: Vec<RefCell<Box<dyn ChareObject>>>,
    pub type_name: &'static str,
    /// Next reduction number of each local element.
    pub red_seq: Vec<std::cell::Cell<u32>>,
    /// This PE's place in the collection's reduction tree.
    pub tree: crate::reduction::state::TreePlace,
}
