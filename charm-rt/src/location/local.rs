//! Which elements of one collection are on this PE, and where each sits among the PE's
//! elements (its slot). A PE's elements are one contiguous run of positions when the static
//! map placed them (the arithmetic fast path); any other set (elements that arrived or left)
//! is kept in a map.

use crate::ids::ElemKey;
use crate::scheduler::IdMap;
use std::ops::Range;

/// The elements of one collection on this PE.
#[derive(Clone, Debug)]
pub(crate) enum LocalElements {
    /// Positions `first..first + len`, in slots `0..len`.
    Run { first: ElemKey, len: u32 },
    /// Any set: position → slot, and slot → position (`None`: a free slot).
    Map {
        slots: IdMap<ElemKey, u32>,
        positions: Vec<Option<ElemKey>>,
        /// Free slots (a stack: the last one freed is reused first).
        free: Vec<u32>,
    },
}

impl LocalElements {
    /// The run of positions the static map gives this PE.
    pub(crate) fn run(r: Range<ElemKey>) -> Self {
        LocalElements::Run {
            first: r.start,
            len: (r.end - r.start) as u32,
        }
    }

    /// The slot of the element at row-major position `elem`, if it is here.
    #[inline(always)]
    pub(crate) fn slot_of(&self, elem: ElemKey) -> Option<usize> {
        match self {
            LocalElements::Run { first, len } => {
                let off = elem.wrapping_sub(*first);
                (off < u64::from(*len)).then_some(off as usize)
            }
            LocalElements::Map { slots, .. } => slots.get(&elem).map(|&s| s as usize),
        }
    }

    /// The position of the element in `slot`.
    #[inline]
    pub(crate) fn position(&self, slot: usize) -> Option<ElemKey> {
        match self {
            LocalElements::Run { first, len } => {
                (slot < *len as usize).then(|| first + slot as u64)
            }
            LocalElements::Map { positions, .. } => positions.get(slot).copied().flatten(),
        }
    }

    /// How many elements are here.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        match self {
            LocalElements::Run { len, .. } => *len as usize,
            LocalElements::Map { slots, .. } => slots.len(),
        }
    }

    /// Slot and position of every element here, by slot.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, ElemKey)> + '_ {
        let n = match self {
            LocalElements::Run { len, .. } => *len as usize,
            LocalElements::Map { positions, .. } => positions.len(),
        };
        (0..n).filter_map(|s| self.position(s).map(|p| (s, p)))
    }

    fn as_map_mut(
        &mut self,
    ) -> (
        &mut IdMap<ElemKey, u32>,
        &mut Vec<Option<ElemKey>>,
        &mut Vec<u32>,
    ) {
        if let LocalElements::Run { first, len } = *self {
            let positions: Vec<Option<ElemKey>> =
                (first..first + u64::from(len)).map(Some).collect();
            let slots = (first..first + u64::from(len)).zip(0..).collect();
            *self = LocalElements::Map {
                slots,
                positions,
                free: Vec::new(),
            };
        }
        match self {
            LocalElements::Map {
                slots,
                positions,
                free,
            } => (slots, positions, free),
            LocalElements::Run { .. } => unreachable!("converted above"),
        }
    }

    /// Records that the element at `elem` is now here, in `slot` (from [`free_slot`]; any free
    /// slot or the next one also works). Returns `false`, changing nothing, if it was already
    /// here or the slot is taken.
    ///
    /// [`free_slot`]: LocalElements::free_slot
    pub(crate) fn insert(&mut self, elem: ElemKey, slot: usize) -> bool {
        if self.slot_of(elem).is_some() || self.position(slot).is_some() {
            return false;
        }
        let (slots, positions, free) = self.as_map_mut();
        if positions.len() <= slot {
            // Slots skipped over are free.
            free.extend(positions.len() as u32..slot as u32);
            positions.resize(slot + 1, None);
        }
        if free.last() == Some(&(slot as u32)) {
            free.pop();
        } else if let Some(i) = free.iter().position(|&f| f == slot as u32) {
            free.swap_remove(i);
        }
        positions[slot] = Some(elem);
        slots.insert(elem, slot as u32);
        true
    }

    /// Records that the element at `elem` left this PE; returns the slot it had.
    pub(crate) fn remove(&mut self, elem: ElemKey) -> Option<usize> {
        self.slot_of(elem)?;
        let (slots, positions, free) = self.as_map_mut();
        let slot = slots.remove(&elem)? as usize;
        positions[slot] = None;
        free.push(slot as u32);
        Some(slot)
    }

    /// A slot no element uses (the last one freed, or the next after the last).
    pub(crate) fn free_slot(&self) -> usize {
        match self {
            LocalElements::Run { len, .. } => *len as usize,
            LocalElements::Map {
                positions, free, ..
            } => free.last().map_or(positions.len(), |&f| f as usize),
        }
    }
}
