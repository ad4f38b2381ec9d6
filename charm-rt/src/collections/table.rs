//! The elements a PE hosts for one collection.

use super::chare::ChareObject;
use super::meta::CollectionMeta;
use crate::ids::EntryId;
use crate::location::LocalElements;
use crate::message::{Body, ReplyTo};
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::task::Waker;

/// What waits on one element: messages whose `#[when]` condition was false, and coroutines in
/// `wait_until`.
#[derive(Default)]
pub(crate) struct ElemWaits {
    pub deferred: VecDeque<(EntryId, Body, Option<ReplyTo>)>,
    pub wakers: Vec<Waker>,
}

/// This PE's elements of one collection.
pub(crate) struct LocalCollection {
    pub meta: CollectionMeta,
    /// Which elements are here, and in which slot of `elems` (the location service's).
    pub here: LocalElements,
    /// The chares, by slot.
    pub elems: Vec<RefCell<Box<dyn ChareObject>>>,
    pub type_name: &'static str,
    /// Next reduction number of each local element, by slot.
    pub red_seq: Vec<std::cell::Cell<u32>>,
    /// This PE's place in the collection's reduction tree.
    pub tree: crate::reduction::state::TreePlace,
    /// Per local element (by slot), what waits on it; empty for most collections.
    pub waits: RefCell<HashMap<usize, ElemWaits>>,
}
