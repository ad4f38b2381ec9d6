//! Who belongs to a collection whose membership changes (a sparse array's insertions, deleted
//! elements), as reductions and broadcasts need it: how many elements take part in reduction
//! `k`, and how many there are now.

use std::collections::BTreeMap;

/// The membership of one collection, as far as this PE knows it (PE 0, the root of the
/// collection's reductions and broadcasts, hears of every change).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Members {
    /// Closed insertion phases: the first reduction number of their elements, and how many.
    phases: Vec<(u32, u64)>,
    /// Elements gone for good, by the number of the reduction they would have contributed to
    /// next.
    gone: BTreeMap<u32, u64>,
    /// An insertion phase is open: the counts are not final.
    open: bool,
}

impl Members {
    /// A collection of `n` elements from the start, which contribute from reduction 0.
    pub(crate) fn fixed(n: u64) -> Self {
        Members {
            phases: vec![(0, n)],
            ..Members::default()
        }
    }

    /// A sparse array: empty, in its first insertion phase.
    pub(crate) fn sparse() -> Self {
        Members {
            open: true,
            ..Members::default()
        }
    }

    /// Whether an insertion phase is open.
    pub(crate) fn is_open(&self) -> bool {
        self.open
    }

    /// Opens an insertion phase.
    pub(crate) fn open(&mut self) {
        self.open = true;
    }

    /// Closes the open phase: `n` elements joined, contributing from reduction `first`.
    pub(crate) fn close(&mut self, first: u32, n: u64) {
        self.open = false;
        if n > 0 {
            self.phases.push((first, n));
        }
    }

    /// An element left for good; it would have contributed to reduction `next` next.
    pub(crate) fn remove(&mut self, next: u32) {
        *self.gone.entry(next).or_insert(0) += 1;
    }

    /// How many contributions reduction `k` has, or `None` while an insertion phase is open.
    pub(crate) fn expected(&self, k: u32) -> Option<u64> {
        if self.open {
            return None;
        }
        let joined: u64 = self
            .phases
            .iter()
            .filter(|(first, _)| *first <= k)
            .map(|(_, n)| n)
            .sum();
        let gone: u64 = self.gone.range(..=k).map(|(_, n)| n).sum();
        Some(joined.saturating_sub(gone))
    }

    /// How many elements there are.
    pub(crate) fn size(&self) -> u64 {
        let joined: u64 = self.phases.iter().map(|(_, n)| n).sum();
        joined.saturating_sub(self.gone.values().sum())
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn a_fixed_collection_counts_every_element_in_every_reduction() {
        let m = Members::fixed(10);
        assert_eq!(m.expected(0), Some(10));
        assert_eq!(m.expected(500), Some(10));
        assert_eq!(m.size(), 10);
        assert!(!m.is_open());
    }

    #[test]
    fn phases_join_from_their_first_reduction() {
        let mut m = Members::sparse();
        assert_eq!(m.expected(0), None, "counts are not final while inserting");
        m.close(0, 4);
        assert_eq!(m.expected(0), Some(4));
        m.open();
        assert_eq!(m.expected(3), None);
        m.close(3, 2);
        assert_eq!(
            m.expected(2),
            Some(4),
            "the new elements start at reduction 3"
        );
        assert_eq!(m.expected(3), Some(6));
        assert_eq!(m.size(), 6);
    }

    #[test]
    fn deleted_elements_leave_the_reductions_they_would_have_made() {
        let mut m = Members::fixed(5);
        m.remove(2);
        assert_eq!(m.expected(1), Some(5), "it contributed to 0 and 1");
        assert_eq!(m.expected(2), Some(4));
        assert_eq!(m.size(), 4);
        m.close(7, 0);
        assert_eq!(m.expected(9), Some(4), "an empty phase adds nobody");
    }
}
