//! Steps of a reduction, and how a step is written in a message's address.

use crate::codec::CodecError;

/// Steps of a reduction.
#[derive(Clone, Copy, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub enum RedPhase {
    /// A partial result from a child PE in the tree.
    Up,
    /// An allreduce result from the parent PE.
    Down,
    /// An allreduce partial from the hosting PE at this index (all-to-all exchange).
    Exchange(u8),
}

/// Reduction number and step in one address word: `seq u32 | phase u8 | exchange index u8`.
#[inline]
pub(crate) fn step_word(seq: u32, p: RedPhase) -> u64 {
    let (phase, index) = match p {
        RedPhase::Up => (0u64, 0u8),
        RedPhase::Down => (1, 0),
        RedPhase::Exchange(i) => (2, i),
    };
    u64::from(seq) | phase << 32 | u64::from(index) << 40
}

/// Reads a word written by [`step_word`].
#[inline]
pub(crate) fn read_step(w: u64) -> Result<(u32, RedPhase), CodecError> {
    let phase = match (w >> 32) as u8 {
        0 => RedPhase::Up,
        1 => RedPhase::Down,
        2 => RedPhase::Exchange((w >> 40) as u8),
        p => return Err(CodecError(format!("unknown reduction step {p}"))),
    };
    Ok((w as u32, phase))
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn steps_round_trip() {
        for p in [
            RedPhase::Up,
            RedPhase::Down,
            RedPhase::Exchange(0),
            RedPhase::Exchange(7),
        ] {
            for seq in [0, 1, u32::MAX] {
                assert_eq!(read_step(step_word(seq, p)).unwrap(), (seq, p));
            }
        }
        assert!(read_step(9 << 32).is_err());
    }
}
