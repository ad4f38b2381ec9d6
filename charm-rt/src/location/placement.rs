//! The static maps: where an element starts. Groups one per PE, arrays block-mapped, balanced to
//! within one; a single chare on its PE.

use crate::collections::{CollectionMeta, Kind};
use crate::ids::ElemKey;
use std::ops::Range;

/// Number of elements, when the layout fixes it (not for a sparse array).
pub(crate) fn size(meta: &CollectionMeta) -> Option<u32> {
    match meta.kind {
        Kind::Single { .. } => Some(1),
        Kind::Group => Some(meta.num_pes),
        Kind::Array => Some(meta.shape.volume() as u32),
        Kind::Sparse => None,
    }
}

/// PE of element `elem` (row-major position). Element `i` of `n` goes to PE `floor(i * P / n)`.
#[inline]
pub(crate) fn pe_of(meta: &CollectionMeta, elem: ElemKey) -> u32 {
    match meta.kind {
        Kind::Single { pe } => pe,
        Kind::Group => elem as u32,
        Kind::Array => {
            let n = meta.shape.volume();
            ((elem * u64::from(meta.num_pes)) / n) as u32
        }
        // Round robin (Charm++'s RRMap): by coordinate for one dimension, by a hash of the index
        // for more.
        Kind::Sparse if meta.shape.ndims() == 1 => (elem % u64::from(meta.num_pes)) as u32,
        Kind::Sparse => {
            let h = (elem ^ (elem >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            ((h ^ (h >> 32)) % u64::from(meta.num_pes)) as u32
        }
    }
}

/// Elements hosted by `pe`, as a range of row-major positions.
pub(crate) fn local_range(meta: &CollectionMeta, pe: u32) -> Range<ElemKey> {
    match meta.kind {
        Kind::Single { pe: home } => {
            if pe == home {
                0..1
            } else {
                0..0
            }
        }
        Kind::Group => u64::from(pe)..u64::from(pe) + 1,
        Kind::Array => {
            let n = meta.shape.volume();
            let p = u64::from(meta.num_pes);
            // First i with floor(i * P / n) >= pe is ceil(pe * n / P).
            let lo = (u64::from(pe) * n).div_ceil(p);
            let hi = ((u64::from(pe) + 1) * n).div_ceil(p);
            lo..hi
        }
        Kind::Sparse => 0..0,
    }
}

/// PEs that host at least one element, in increasing order.
pub(crate) fn hosting_pes(meta: &CollectionMeta) -> impl Iterator<Item = u32> + '_ {
    (0..meta.num_pes).filter(move |&pe| !local_range(meta, pe).is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::CollectionId;
    use crate::index::Index;

    fn array(n: usize, pes: u32) -> CollectionMeta {
        CollectionMeta {
            id: CollectionId(1),
            type_id: 0,
            kind: Kind::Array,
            shape: Index::from(n),
            num_pes: pes,
            dynamic: false,
            mapped: false,
        }
    }

    #[test]
    fn ranges_partition_and_agree_with_pe_of() {
        for n in 1..40 {
            for p in 1..9 {
                let m = array(n, p);
                let mut next = 0;
                for pe in 0..p {
                    let r = local_range(&m, pe);
                    assert_eq!(r.start, next);
                    for e in r.clone() {
                        assert_eq!(pe_of(&m, e), pe, "n={n} p={p} e={e}");
                    }
                    next = r.end;
                    assert!(r.end - r.start <= (n as u64).div_ceil(p as u64));
                }
                assert_eq!(next as usize, n);
            }
        }
    }
}
