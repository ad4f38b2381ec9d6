//! Direct-copy arrays that travel outside the message buffer ("external segments").
//!
//! A large `Vec<P>` argument is sent as its own message straight from the sender's memory and
//! received into a vector of an unsigned type with `P`'s size and alignment, which then becomes
//! the receiver's `Vec<P>` without a copy (`f64` from `u64`, `i32` from `u32`, ...).

use super::Pod;

/// A received external segment.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// Elements of 1 byte.
    U8(Vec<u8>),
    /// Elements of 2 bytes.
    U16(Vec<u16>),
    /// Elements of 4 bytes.
    U32(Vec<u32>),
    /// Elements of 8 bytes.
    U64(Vec<u64>),
    /// Elements of 16 bytes.
    U128(Vec<u128>),
    /// Taken by the decoder.
    Taken,
}

impl Segment {
    /// Its bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Segment::U8(v) => v,
            Segment::U16(v) => bytemuck::cast_slice(v),
            Segment::U32(v) => bytemuck::cast_slice(v),
            Segment::U64(v) => bytemuck::cast_slice(v),
            Segment::U128(v) => bytemuck::cast_slice(v),
            Segment::Taken => &[],
        }
    }

    /// Its bytes, mutable (to receive into).
    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        match self {
            Segment::U8(v) => v,
            Segment::U16(v) => bytemuck::cast_slice_mut(v),
            Segment::U32(v) => bytemuck::cast_slice_mut(v),
            Segment::U64(v) => bytemuck::cast_slice_mut(v),
            Segment::U128(v) => bytemuck::cast_slice_mut(v),
            Segment::Taken => &mut [],
        }
    }

    /// A zeroed segment of `bytes` bytes for elements of `elem_size` bytes.
    pub fn zeroed(bytes: usize, elem_size: usize) -> Option<Segment> {
        if elem_size == 0 || !bytes.is_multiple_of(elem_size) {
            return None;
        }
        let n = bytes / elem_size;
        Some(match elem_size {
            1 => Segment::U8(vec![0; n]),
            2 => Segment::U16(vec![0; n]),
            4 => Segment::U32(vec![0; n]),
            8 => Segment::U64(vec![0; n]),
            16 => Segment::U128(vec![0; n]),
            _ => return None,
        })
    }

    /// Takes the elements as a `Vec<P>`: without copying when `P` has the segment's size and
    /// alignment, otherwise by copying.
    pub fn take_vec<P: Pod>(&mut self) -> Vec<P> {
        fn cast<A: bytemuck::Pod, P: Pod>(v: Vec<A>) -> Vec<P> {
            bytemuck::allocation::try_cast_vec(v)
                .unwrap_or_else(|(_, v)| bytemuck::allocation::pod_collect_to_vec(&v))
        }
        match std::mem::replace(self, Segment::Taken) {
            Segment::U8(v) => cast(v),
            Segment::U16(v) => cast(v),
            Segment::U32(v) => cast(v),
            Segment::U64(v) => cast(v),
            Segment::U128(v) => cast(v),
            Segment::Taken => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_layout_takes_without_copy() {
        let mut s = Segment::U64(vec![1.5f64.to_bits(), 2.5f64.to_bits()]);
        let ptr = s.as_bytes().as_ptr();
        let v: Vec<f64> = s.take_vec();
        assert_eq!(v, [1.5, 2.5]);
        assert_eq!(v.as_ptr() as *const u8, ptr, "no copy");
        assert_eq!(s, Segment::Taken);
    }

    #[test]
    fn other_layout_copies() {
        let mut s = Segment::U8(vec![1, 0, 0, 0, 2, 0, 0, 0]);
        let v: Vec<u32> = s.take_vec();
        assert_eq!(
            v,
            [
                u32::from_le_bytes([1, 0, 0, 0]),
                u32::from_le_bytes([2, 0, 0, 0])
            ]
        );
        assert!(Segment::zeroed(7, 2).is_none());
        assert_eq!(Segment::zeroed(8, 4).unwrap().as_bytes().len(), 8);
    }
}
