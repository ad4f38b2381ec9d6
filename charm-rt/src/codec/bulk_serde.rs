//! `#[serde(with = "charm_rt::bulk")]`: a `Vec` of plain numbers in a serde type written as one
//! byte string (one copy) instead of number by number. A migratable chare's large numeric state
//! moves in about the time of a message of its size this way.

use super::Pod;
use serde::de::{Deserializer, Error, SeqAccess, Visitor};
use serde::Serializer;
use std::marker::PhantomData;

/// Writes `v` as one byte string.
pub fn serialize<P: Pod, S: Serializer>(v: &[P], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_bytes(bytemuck::cast_slice(v))
}

/// Reads what [`serialize`] wrote.
pub fn deserialize<'de, P: Pod, D: Deserializer<'de>>(d: D) -> Result<Vec<P>, D::Error> {
    // `bytes`, not `byte_buf`: a decoder reading from memory lends the bytes, which are then
    // copied once, into the vector.
    d.deserialize_bytes(Bytes::<P>(PhantomData))
}

struct Bytes<P>(PhantomData<P>);

impl<'de, P: Pod> Visitor<'de> for Bytes<P> {
    type Value = Vec<P>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the bytes of {} values", std::any::type_name::<P>())
    }

    fn visit_bytes<E: Error>(self, bytes: &[u8]) -> Result<Vec<P>, E> {
        if !bytes.len().is_multiple_of(std::mem::size_of::<P>()) {
            return Err(E::custom(format!(
                "{} bytes are not a whole number of {}",
                bytes.len(),
                std::any::type_name::<P>()
            )));
        }
        // Copied into a vector of `P`, so the values are aligned whatever the bytes were.
        Ok(bytemuck::allocation::pod_collect_to_vec(bytes))
    }

    fn visit_byte_buf<E: Error>(self, bytes: Vec<u8>) -> Result<Vec<P>, E> {
        self.visit_bytes(&bytes)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<P>, A::Error> {
        let mut bytes = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(b) = seq.next_element::<u8>()? {
            bytes.push(b);
        }
        self.visit_bytes(&bytes)
    }
}

#[cfg(test)]
mod tests {
    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct State {
        #[serde(with = "crate::codec::bulk_serde")]
        xs: Vec<f64>,
        n: u32,
    }

    #[test]
    fn round_trips_through_the_codec() {
        let s = State {
            xs: (0..1000).map(|i| i as f64 * 0.5).collect(),
            n: 7,
        };
        let buf = crate::codec::encode_to_buf(|e| e.serde(&s));
        let mut d = crate::codec::Decoder::new(buf.as_bytes()).unwrap();
        let back: State = d.serde().unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn a_length_that_is_not_whole_values_is_an_error() {
        #[derive(serde::Serialize)]
        struct Raw {
            #[serde(with = "serde_bytes_like")]
            xs: Vec<u8>,
            n: u32,
        }
        mod serde_bytes_like {
            pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(v)
            }
        }
        let buf = crate::codec::encode_to_buf(|e| {
            e.serde(&Raw {
                xs: vec![1; 12],
                n: 7,
            })
        });
        let mut d = crate::codec::Decoder::new(buf.as_bytes()).unwrap();
        let err = d.serde::<State>().unwrap_err();
        assert!(err.0.contains("whole number"), "{err}");
    }
}
