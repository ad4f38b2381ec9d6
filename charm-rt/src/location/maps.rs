//! Placement maps (Charm4py's `ArrayMap`): a user's rule for the PE each element of an array
//! starts on, its *home*. Every PE holds the same map for a collection (it travels with the
//! collection's creation), so every PE computes the same homes.

use crate::codec::CodecError;
use crate::ids::CollectionId;
use crate::index::Index;
use crate::scheduler::IdMap;
use serde::{de::DeserializeOwned, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::rc::Rc;
use std::sync::OnceLock;

/// Where each element of an array starts: its *home* PE, which also always knows where the
/// element is after it moves. Implement it on a serde type and mark the impl
/// `#[charm_rt::array_map]`, which registers the type so that every process can rebuild the map
/// it receives with a collection's creation; pass a value of it to `new_array_with_map` or
/// `new_sparse_with_map`. `home` must give the same answer on every PE for the same map value.
///
/// ```
/// use charm_rt::prelude::*;
/// use charm_rt::{array_map, ArrayMap, Index};
///
/// /// Elements by their last coordinate, round robin.
/// #[derive(serde::Serialize, serde::Deserialize)]
/// pub struct ByLast;
///
/// #[array_map]
/// impl ArrayMap for ByLast {
///     fn home(&self, index: Index, num_pes: usize) -> usize {
///         index.get(index.ndims() - 1) % num_pes
///     }
/// }
///
/// #[chare]
/// pub struct Tile {}
///
/// #[chare]
/// impl Tile {
///     fn new() -> Self {
///         Tile {}
///     }
///
///     pub fn where_now(&self) -> usize {
///         my_pe()
///     }
/// }
///
/// let code = charm_rt::run(charm_rt::Config::with_pes(2), || async {
///     let tiles = TileProxy::new_array_with_map((2, 3), ByLast);
///     let pes = tiles.where_now_ret().await.unwrap();
///     assert_eq!(pes, vec![0, 1, 0, 0, 1, 0]);
/// });
/// assert_eq!(code, 0);
/// ```
pub trait ArrayMap: Serialize + DeserializeOwned + 'static {
    /// The registered name of the map type (written by `#[array_map]`).
    #[doc(hidden)]
    const NAME: &'static str;
    /// The home PE of the element at `index`, in `0..num_pes`.
    fn home(&self, index: Index, num_pes: usize) -> usize;
}

/// Rebuilds a map of one registered type from its serde bytes.
pub type DecodeMap = fn(&[u8]) -> Result<Rc<dyn DynMapBox>, CodecError>;

/// A map type, registered by `#[array_map]`.
pub struct MapRegistration {
    /// The type's full path.
    pub name: &'static str,
    /// Rebuilds a map from its serde bytes.
    pub decode: DecodeMap,
}

/// What a registration rebuilds (public only for the generated code).
#[doc(hidden)]
pub trait DynMapBox {
    /// See [`ArrayMap::home`].
    fn home(&self, index: Index, num_pes: usize) -> usize;
    /// See [`ArrayMap::NAME`].
    fn name(&self) -> &'static str;
}

impl<M: ArrayMap> DynMapBox for M {
    fn home(&self, index: Index, num_pes: usize) -> usize {
        ArrayMap::home(self, index, num_pes)
    }
    fn name(&self) -> &'static str {
        M::NAME
    }
}

inventory::collect!(MapRegistration);

/// Rebuilds a registered map type from serde bytes (the generated registration's `decode`).
#[doc(hidden)]
pub fn decode_map<M: ArrayMap>(bytes: &[u8]) -> Result<Rc<dyn DynMapBox>, CodecError> {
    crate::codec::serde_exact::<M>(bytes).map(|m| Rc::new(m) as Rc<dyn DynMapBox>)
}

fn registry() -> &'static HashMap<&'static str, &'static MapRegistration> {
    static REG: OnceLock<HashMap<&'static str, &'static MapRegistration>> = OnceLock::new();
    REG.get_or_init(|| {
        inventory::iter::<MapRegistration>
            .into_iter()
            .map(|r| (r.name, r))
            .collect()
    })
}

/// A map as it travels with a collection's creation: its type's name and its serde bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub(crate) struct MapSpec {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl MapSpec {
    pub(crate) fn of<M: ArrayMap>(map: &M) -> Self {
        let mut buf = crate::codec::WireBuf::new();
        crate::codec::serde_append(&mut buf, map);
        MapSpec {
            name: M::NAME.to_string(),
            bytes: buf.as_bytes().to_vec(),
        }
    }

    /// The map, rebuilt on this PE.
    pub(crate) fn rebuild(&self) -> Result<Rc<dyn DynMapBox>, String> {
        let reg = registry().get(self.name.as_str()).ok_or_else(|| {
            format!(
                "the placement map {} is not registered in this program (mark its `impl ArrayMap` \
                 `#[array_map]`, and run the same binary on every process)",
                self.name
            )
        })?;
        (reg.decode)(&self.bytes).map_err(|e| format!("placement map {}: {e}", self.name))
    }
}

thread_local! {
    /// This PE's maps, by collection.
    static MAPS: RefCell<IdMap<CollectionId, Rc<dyn DynMapBox>>> =
        const { RefCell::new(IdMap::with_hasher(BuildHasherDefault::new())) };
}

/// Installs collection `coll`'s map on this PE.
pub(crate) fn install(coll: CollectionId, map: Rc<dyn DynMapBox>) {
    MAPS.with(|m| m.borrow_mut().insert(coll, map));
}

/// Drops this PE's maps (at the end of the PE).
pub(crate) fn clear() {
    drop(MAPS.with(|m| std::mem::take(&mut *m.borrow_mut())));
}

/// The home of the element at `index` by collection `coll`'s map, if this PE has the map.
pub(crate) fn home(
    coll: CollectionId,
    index: Index,
    num_pes: usize,
) -> Option<Result<u32, String>> {
    MAPS.with(|m| {
        let m = m.borrow();
        let map = m.get(&coll)?;
        let pe = map.home(index, num_pes);
        Some(if pe < num_pes {
            Ok(pe as u32)
        } else {
            Err(format!(
                "the placement map {} gave PE {pe} for index {index} in a job of {num_pes} PEs",
                map.name()
            ))
        })
    })
}
