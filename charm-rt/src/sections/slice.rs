//! Slices of an array: per dimension a range `start..end` and a step.

use crate::index::{Index, MAX_DIMS};
use std::fmt;
use std::ops::Range;

/// A rectangular, possibly strided, part of an array: per dimension `start..end` with a step
/// (1 unless given). Build one from ranges (`0..4`, `(0..4, 2..6)`, `[0..4, 2..6, 0..1]`) or
/// dimension by dimension with [`Slice::dim`] and [`Slice::dim_step`], and pass it to the
/// generated `XProxy::section_slice` (see [`SectionProxy`](crate::SectionProxy) for making and
/// calling sections).
///
/// ```
/// use charm_rt::Slice;
/// let rows = Slice::from((0..8, 2..3));                    // column 2 of the first 8 rows
/// let even = Slice::new().dim_step(0..8, 2).dim(0..8);     // the even rows
/// assert_eq!(even.to_string(), "[0..8;2, 0..8]");
/// # let _ = rows;
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Slice {
    dims: Vec<(usize, usize, usize)>,
}

impl Slice {
    /// A slice with no dimension yet.
    pub fn new() -> Self {
        Slice::default()
    }

    /// Adds a dimension: every index in `range`.
    pub fn dim(self, range: Range<usize>) -> Self {
        self.dim_step(range, 1)
    }

    /// Adds a dimension: `range.start`, `range.start + step`, ... below `range.end`.
    pub fn dim_step(mut self, range: Range<usize>, step: usize) -> Self {
        self.dims.push((range.start, range.end, step));
        self
    }

    /// The indices of the slice in row-major order, checked against `shape`.
    pub(crate) fn indices(&self, shape: &Index) -> Result<Vec<Index>, String> {
        if self.dims.len() != shape.ndims() {
            return Err(format!(
                "the slice {self} has {} dimension(s) but the shape {shape} has {}; give one range per dimension",
                self.dims.len(),
                shape.ndims()
            ));
        }
        let mut axes: Vec<Vec<usize>> = Vec::with_capacity(self.dims.len());
        for (d, &(start, end, step)) in self.dims.iter().enumerate() {
            if step == 0 {
                return Err(format!(
                    "dimension {d} of the slice {self} has step 0; use a step of 1 or more"
                ));
            }
            if end > shape.get(d) {
                return Err(format!(
                    "dimension {d} of the slice {self} ends at {end}, past the shape {shape}: \
                     indices are out of bounds; end each range at most at the dimension's size"
                ));
            }
            axes.push((start..end).step_by(step).collect());
        }
        let total: usize = axes.iter().map(Vec::len).product();
        let mut out = Vec::with_capacity(total);
        let mut at = [0usize; MAX_DIMS];
        if total == 0 {
            return Ok(out);
        }
        loop {
            let coords: Vec<usize> = (0..axes.len()).map(|d| axes[d][at[d]]).collect();
            out.push(Index::new(&coords));
            // Odometer over the axes, last dimension fastest.
            let mut d = axes.len();
            loop {
                if d == 0 {
                    return Ok(out);
                }
                d -= 1;
                at[d] += 1;
                if at[d] < axes[d].len() {
                    break;
                }
                at[d] = 0;
            }
        }
    }
}

impl fmt::Display for Slice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[")?;
        for (i, (s, e, st)) in self.dims.iter().enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            write!(f, "{s}..{e}")?;
            if *st != 1 {
                write!(f, ";{st}")?;
            }
        }
        write!(f, "]")
    }
}

impl From<Range<usize>> for Slice {
    fn from(r: Range<usize>) -> Self {
        Slice::new().dim(r)
    }
}

impl<const N: usize> From<[Range<usize>; N]> for Slice {
    fn from(rs: [Range<usize>; N]) -> Self {
        rs.into_iter().fold(Slice::new(), Slice::dim)
    }
}

impl From<(Range<usize>, Range<usize>)> for Slice {
    fn from((a, b): (Range<usize>, Range<usize>)) -> Self {
        Slice::new().dim(a).dim(b)
    }
}

impl From<(Range<usize>, Range<usize>, Range<usize>)> for Slice {
    fn from((a, b, c): (Range<usize>, Range<usize>, Range<usize>)) -> Self {
        Slice::new().dim(a).dim(b).dim(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strided_2d() {
        let s = Slice::new().dim_step(1..6, 2).dim(0..2);
        let got: Vec<String> = s
            .indices(&Index::from((6, 3)))
            .unwrap()
            .iter()
            .map(|i| i.to_string())
            .collect();
        assert_eq!(
            got,
            ["(1, 0)", "(1, 1)", "(3, 0)", "(3, 1)", "(5, 0)", "(5, 1)"]
        );
    }

    #[test]
    fn errors() {
        assert!(Slice::from(0..9).indices(&Index::from(8)).is_err());
        assert!(Slice::from(0..2).indices(&Index::from((2, 2))).is_err());
        assert!(Slice::new()
            .dim_step(0..2, 0)
            .indices(&Index::from(2))
            .is_err());
        assert!(Slice::from(3..3)
            .indices(&Index::from(8))
            .unwrap()
            .is_empty());
    }
}
