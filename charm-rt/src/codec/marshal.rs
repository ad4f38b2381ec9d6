//! Values that choose their own encoding: numbers and strings through serde, `Vec`s of plain
//! numbers on the direct-copy path, tuples element by element, anything else wrapped in
//! [`Serde`](crate::codec::Serde). Channel messages are `Marshal` values, so
//! `ch.send((iteration, left_row))` sends the row without per-element encoding, as Charm4py's
//! `ch.send(iteration, array)` does.

use super::{CodecError, Decoder, Encoder, Pod};
use serde::{de::DeserializeOwned, Serialize};

/// A value that knows how to travel in a message.
pub trait Marshal: Send + Sized + 'static {
    /// Writes the value.
    fn encode<'a>(&'a self, enc: &mut Encoder<'_, 'a>);
    /// Reads it back.
    fn decode(dec: &mut Decoder<'_>) -> Result<Self, CodecError>;
}

/// Any serde value, encoded with serde (wrap types that are not `Marshal` themselves).
#[derive(
    Clone,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Serde<T>(pub T);

impl<T: Serialize + DeserializeOwned + Send + 'static> Marshal for Serde<T> {
    fn encode<'a>(&'a self, enc: &mut Encoder<'_, 'a>) {
        enc.serde(&self.0)
    }
    fn decode(dec: &mut Decoder<'_>) -> Result<Self, CodecError> {
        dec.serde().map(Serde)
    }
}

macro_rules! serde_marshal {
    ($($t:ty),*) => {$(
        impl Marshal for $t {
            fn encode<'a>(&'a self, enc: &mut Encoder<'_, 'a>) {
                enc.serde(self)
            }
            fn decode(dec: &mut Decoder<'_>) -> Result<Self, CodecError> {
                dec.serde()
            }
        }
    )*};
}
serde_marshal!(
    u8,
    i8,
    u16,
    i16,
    u32,
    i32,
    u64,
    i64,
    u128,
    i128,
    usize,
    isize,
    bool,
    char,
    String,
    ()
);

// Floats: bincode writes them as their little-endian bytes, so writing those bytes directly
// gives the same wire form without serde's machinery (allreduce's hot path sends one).
macro_rules! float_marshal {
    ($($t:ty),*) => {$(
        impl Marshal for $t {
            #[inline]
            fn encode<'a>(&'a self, enc: &mut Encoder<'_, 'a>) {
                enc.serde_raw(&self.to_le_bytes())
            }
            #[inline]
            fn decode(dec: &mut Decoder<'_>) -> Result<Self, CodecError> {
                dec.serde_raw().map(<$t>::from_le_bytes)
            }
        }
    )*};
}
float_marshal!(f32, f64);

impl<P: Pod> Marshal for Vec<P> {
    fn encode<'a>(&'a self, enc: &mut Encoder<'_, 'a>) {
        enc.bulk(&self[..])
    }
    fn decode(dec: &mut Decoder<'_>) -> Result<Self, CodecError> {
        dec.bulk_vec()
    }
}

impl Marshal for Vec<bool> {
    fn encode<'a>(&'a self, enc: &mut Encoder<'_, 'a>) {
        enc.serde(self)
    }
    fn decode(dec: &mut Decoder<'_>) -> Result<Self, CodecError> {
        dec.serde()
    }
}

impl<T: Marshal> Marshal for Option<T> {
    fn encode<'a>(&'a self, enc: &mut Encoder<'_, 'a>) {
        enc.serde(&self.is_some());
        if let Some(v) = self {
            v.encode(enc)
        }
    }
    fn decode(dec: &mut Decoder<'_>) -> Result<Self, CodecError> {
        if dec.serde::<bool>()? {
            T::decode(dec).map(Some)
        } else {
            Ok(None)
        }
    }
}

macro_rules! tuple_marshal {
    ($($n:ident),+) => {
        impl<$($n: Marshal),+> Marshal for ($($n,)+) {
            #[allow(non_snake_case)]
            fn encode<'a>(&'a self, enc: &mut Encoder<'_, 'a>) {
                let ($($n,)+) = self;
                $($n.encode(enc);)+
            }
            fn decode(dec: &mut Decoder<'_>) -> Result<Self, CodecError> {
                Ok(($($n::decode(dec)?,)+))
            }
        }
    };
}
tuple_marshal!(A);
tuple_marshal!(A, B);
tuple_marshal!(A, B, C);
tuple_marshal!(A, B, C, D);
tuple_marshal!(A, B, C, D, E);
tuple_marshal!(A, B, C, D, E, F);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::encode_to_buf;

    #[test]
    fn tuples_mix_serde_and_direct_copy() {
        let v = (
            7u32,
            vec![1.5f64, 2.5],
            Serde(vec!["a".to_string()]),
            Some(vec![1u8, 2]),
        );
        let buf = encode_to_buf(|e| v.encode(e));
        let mut d = Decoder::new(buf.as_bytes()).unwrap();
        let back = <(u32, Vec<f64>, Serde<Vec<String>>, Option<Vec<u8>>)>::decode(&mut d).unwrap();
        d.finish().unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn floats_have_their_serde_wire_form() {
        for x in [0.0f64, -1.5, f64::MAX, f64::MIN_POSITIVE, f64::INFINITY] {
            let raw = encode_to_buf(|e| x.encode(e));
            let via_serde = encode_to_buf(|e| e.serde(&x));
            assert_eq!(raw.as_bytes(), via_serde.as_bytes());
            let mut d = Decoder::new(raw.as_bytes()).unwrap();
            assert_eq!(d.serde::<f64>().unwrap().to_bits(), x.to_bits());
            let mut d = Decoder::new(via_serde.as_bytes()).unwrap();
            assert_eq!(f64::decode(&mut d).unwrap().to_bits(), x.to_bits());
            d.finish().unwrap();
        }
        let y = -3.25f32;
        let pair = (y, 2u8);
        let raw = encode_to_buf(|e| pair.encode(e));
        let via_serde = encode_to_buf(|e| e.serde(&(y, 2u8)));
        assert_eq!(raw.as_bytes(), via_serde.as_bytes());
        let mut d = Decoder::new(raw.as_bytes()).unwrap();
        assert_eq!(<(f32, u8)>::decode(&mut d).unwrap(), (y, 2));
        // Nothing left to read: an error, not a panic.
        let empty = encode_to_buf(|_| {});
        let mut d = Decoder::new(empty.as_bytes()).unwrap();
        assert!(f64::decode(&mut d).is_err());
    }
}
