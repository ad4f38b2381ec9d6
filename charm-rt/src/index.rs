//! Element indices and collection shapes: up to six dimensions, row-major linearisation.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Most dimensions a dense array may have.
pub const MAX_DIMS: usize = 6;

/// The index of an element (or the shape of an array): 1 to 6 coordinates.
///
/// Group elements are indexed by PE number (one coordinate); a single chare has index `(0)`.
/// Build one from a `usize`, a tuple or an array: `Index::from(3)`, `(1, 2).into()`, `[1, 2, 3].into()`.
///
/// # Examples
///
/// ```
/// use charm_rt::Index;
///
/// let shape = Index::from((3, 4)); // a 3 x 4 array
/// assert_eq!((shape.ndims(), shape.volume()), (2, 12));
///
/// let i: Index = (1, 2).into();
/// assert_eq!((i.get(0), i.get(1), i.to_string()), (1, 2, "(1, 2)".to_string()));
/// // Row-major: (1, 2) is element 1 * 4 + 2 of the shape.
/// assert_eq!(i.linear_in(&shape), Some(6));
/// assert_eq!(Index::from_linear(6, &shape), i);
/// assert_eq!(Index::from((3, 0)).linear_in(&shape), None); // out of bounds
///
/// // A rank known only at run time.
/// let dims = vec![2, 3, 4];
/// assert_eq!(Index::new(&dims).volume(), 24);
/// ```
///
/// Proxies take anything that converts into an `Index`, and an element finds its own with
/// `Self::this_index()`:
///
/// ```
/// use charm_rt::prelude::*;
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
///     /// This element's index.
///     pub fn whoami(&self) -> Index {
///         Self::this_index()
///     }
/// }
///
/// let code = charm_rt::run(charm_rt::Config::with_pes(2), || async {
///     let tiles = TileProxy::new_array((2, 3));
///     assert_eq!(tiles.shape(), Index::from((2, 3)));
///     assert_eq!(tiles.elem((1, 2)).whoami_ret().await.unwrap(), Index::from((1, 2)));
///     let all = tiles.whoami_ret().await.unwrap(); // sorted by element position
///     assert_eq!(all[4], Index::from((1, 1)));
/// });
/// assert_eq!(code, 0);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Index {
    n: u8,
    v: [u32; MAX_DIMS],
}

impl Index {
    /// An index from its coordinates. Panics with more than six or with none.
    pub fn new(coords: &[usize]) -> Self {
        assert!(
            !coords.is_empty() && coords.len() <= MAX_DIMS,
            "charm-rs: an index has 1 to {MAX_DIMS} coordinates, got {}",
            coords.len()
        );
        let mut v = [0u32; MAX_DIMS];
        for (slot, &c) in v.iter_mut().zip(coords) {
            *slot = u32::try_from(c).expect("charm-rs: index coordinate does not fit in 32 bits");
        }
        Index {
            n: coords.len() as u8,
            v,
        }
    }

    /// How many coordinates.
    pub fn ndims(&self) -> usize {
        self.n as usize
    }

    /// Coordinate `d`.
    pub fn get(&self, d: usize) -> usize {
        assert!(
            d < self.ndims(),
            "charm-rs: index {self} has no coordinate {d}"
        );
        self.v[d] as usize
    }

    /// The coordinates as a vector.
    pub fn to_vec(&self) -> Vec<usize> {
        self.coords().map(|c| c as usize).collect()
    }

    fn coords(&self) -> impl Iterator<Item = u32> + '_ {
        self.v[..self.n as usize].iter().copied()
    }

    /// Product of the coordinates (number of elements, when `self` is a shape).
    pub fn volume(&self) -> u64 {
        // Saturates instead of wrapping, so an absurd shape is caught by the size check.
        self.coords()
            .map(u64::from)
            .fold(1u64, |a, c| a.saturating_mul(c))
    }

    /// Row-major position of `self` within `shape`, or `None` when out of bounds, of another
    /// rank, or beyond the 2^32 - 1 elements a dense array can have.
    pub fn linear_in(&self, shape: &Index) -> Option<u64> {
        if self.n != shape.n {
            return None;
        }
        let mut lin: u64 = 0;
        for (c, s) in self.coords().zip(shape.coords()) {
            if c >= s {
                return None;
            }
            lin = lin * u64::from(s) + u64::from(c);
        }
        (lin <= u64::from(u32::MAX)).then_some(lin)
    }

    /// The index at row-major position `lin` of `shape`.
    pub fn from_linear(mut lin: u64, shape: &Index) -> Index {
        let mut v = [0u32; MAX_DIMS];
        for d in (0..shape.n as usize).rev() {
            let s = u64::from(shape.v[d]);
            v[d] = (lin % s) as u32;
            lin /= s;
        }
        Index { n: shape.n, v }
    }

    /// Bits per coordinate of a packed index of `ndims` coordinates.
    pub(crate) fn pack_bits(ndims: usize) -> u32 {
        (64 / ndims.clamp(1, MAX_DIMS)).min(32) as u32
    }

    /// The index as one 64-bit key (a sparse array's element name): `64 / ndims` bits per
    /// coordinate (at most 32), first coordinate highest; `None` when a coordinate does not fit.
    pub(crate) fn pack(&self) -> Option<u64> {
        let bits = Self::pack_bits(self.ndims());
        let mut key = 0u64;
        for c in self.coords() {
            if bits < 32 && u64::from(c) >> bits != 0 {
                return None;
            }
            key = (key << bits) | u64::from(c);
        }
        Some(key)
    }

    /// The index of `ndims` coordinates packed into `key` by [`Index::pack`].
    pub(crate) fn unpack(mut key: u64, ndims: usize) -> Index {
        let bits = Self::pack_bits(ndims);
        let mask = if bits >= 64 {
            u64::MAX
        } else {
            (1u64 << bits) - 1
        };
        let mut v = [0u32; MAX_DIMS];
        for d in (0..ndims).rev() {
            v[d] = (key & mask) as u32;
            key = key.checked_shr(bits).unwrap_or(0);
        }
        Index { n: ndims as u8, v }
    }
}

impl std::ops::Index<usize> for Index {
    type Output = u32;
    fn index(&self, d: usize) -> &u32 {
        &self.v[..self.n as usize][d]
    }
}

impl fmt::Display for Index {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "(")?;
        for (i, c) in self.coords().enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            write!(f, "{c}")?;
        }
        write!(f, ")")
    }
}

impl fmt::Debug for Index {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl From<usize> for Index {
    fn from(i: usize) -> Self {
        Index::new(&[i])
    }
}

impl<const N: usize> From<[usize; N]> for Index {
    fn from(a: [usize; N]) -> Self {
        Index::new(&a)
    }
}

impl From<&[usize]> for Index {
    fn from(a: &[usize]) -> Self {
        Index::new(a)
    }
}

macro_rules! tuple_index {
    ($($v:ident),+) => {
        impl From<($(tuple_index!(@usize $v),)+)> for Index {
            fn from(($($v,)+): ($(tuple_index!(@usize $v),)+)) -> Self {
                Index::new(&[$($v),+])
            }
        }
    };
    (@usize $v:ident) => { usize };
}
tuple_index!(a, b);
tuple_index!(a, b, c);
tuple_index!(a, b, c, d);
tuple_index!(a, b, c, d, e);
tuple_index!(a, b, c, d, e, f);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linearisation_round_trips() {
        let shape = Index::from((3, 4, 5));
        for lin in 0..60 {
            let ix = Index::from_linear(lin, &shape);
            assert_eq!(ix.linear_in(&shape), Some(lin));
        }
        assert_eq!(
            Index::from((1, 2, 3)).linear_in(&shape),
            Some(20 + 2 * 5 + 3)
        );
    }

    #[test]
    fn out_of_bounds_and_rank_mismatch() {
        let shape = Index::from((3, 4));
        assert_eq!(Index::from((3, 0)).linear_in(&shape), None);
        assert_eq!(Index::from(2).linear_in(&shape), None);
    }

    #[test]
    fn display() {
        assert_eq!(Index::from((1, 2)).to_string(), "(1, 2)");
        assert_eq!(Index::from(7)[0], 7);
    }
}
