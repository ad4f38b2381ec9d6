//! Values that travel to futures: results of calls, broadcast results gathered per PE, errors.

use crate::codec::{CodecError, Decoder, Encoder, Marshal, Pod};
use crate::error::CallError;
use crate::message::{Message, WireBody};
use serde::{de::DeserializeOwned, Serialize};
use std::any::Any;

/// A [`Marshal`] wrapper around an entry method's return value, chosen by the `#[chare]`
/// macro ([`Bulk`] for `Vec`s of plain numbers, [`Serde`] for everything else), and what the
/// caller unwraps it to.
pub trait Value: Marshal {
    /// What the receiver gets.
    type Output;
    /// Unwraps it.
    fn into_output(self) -> Self::Output;
}

/// Serde values are the one [`Serde`](crate::codec::Serde) wrapper of the codec, also a
/// future value and a message.
pub use crate::codec::Serde;

impl<T: Serialize + DeserializeOwned + Send + 'static> Value for Serde<T> {
    type Output = T;
    #[inline]
    fn into_output(self) -> T {
        self.0
    }
}

/// A `Vec` of plain numbers, on the direct-copy path.
pub struct Bulk<P>(pub Vec<P>);

impl<P: Pod> Marshal for Bulk<P> {
    #[inline]
    fn encode<'a>(&'a self, enc: &mut Encoder<'_, 'a>) {
        enc.bulk(&self.0)
    }
    #[inline]
    fn decode(dec: &mut Decoder<'_>) -> Result<Self, CodecError> {
        dec.bulk_vec().map(Bulk)
    }
}

impl<P: Pod> Value for Bulk<P> {
    type Output = Vec<P>;
    #[inline]
    fn into_output(self) -> Vec<P> {
        self.0
    }
}

impl<T: Serialize + DeserializeOwned + Send + 'static> Message for Serde<T> {
    fn encode<'a>(&'a self, enc: &mut Encoder<'_, 'a>) {
        Marshal::encode(self, enc)
    }
}

impl<P: Pod> Message for Bulk<P> {
    fn encode<'a>(&'a self, enc: &mut Encoder<'_, 'a>) {
        Marshal::encode(self, enc)
    }
}

// The result tag: one byte, written as bincode writes a `u8` (without going through serde,
// which cost more than the rest of a small reply's encoding).
const OK: u8 = 0;
const ERR: u8 = 1;

/// The result of one call, sent to the caller's future.
pub struct ReplyMsg<W>(pub Result<W, CallError>);

impl<W: Value> Message for ReplyMsg<W> {
    fn encode<'a>(&'a self, enc: &mut Encoder<'_, 'a>) {
        match &self.0 {
            Ok(w) => {
                enc.serde_raw(&[OK]);
                w.encode(enc)
            }
            Err(e) => {
                enc.serde_raw(&[ERR]);
                enc.serde(e)
            }
        }
    }
}

/// A failed call or failed part of a broadcast, when the value type is not known (the runtime
/// sends it after a panic). Encoded exactly like the `Err` side of [`ReplyMsg`] and [`GatherPart`].
pub struct ErrorMsg(pub CallError);

impl Message for ErrorMsg {
    fn encode<'a>(&'a self, enc: &mut Encoder<'_, 'a>) {
        enc.serde_raw(&[ERR]);
        enc.serde(&self.0)
    }
}

/// Completion of an `_awaitable` call: no value, and (being zero-sized) no allocation when it
/// stays in the address space. Encoded like `ReplyMsg(Ok(Serde(())))`.
pub struct Done;

impl Message for Done {
    fn encode<'a>(&'a self, enc: &mut Encoder<'_, 'a>) {
        enc.serde_raw(&[OK]);
    }
}

/// Unpacks the completion of an `_awaitable` call.
pub(crate) fn unpack_done(b: Box<dyn Any + Send>) -> Result<(), CallError> {
    if b.is::<Done>() {
        return Ok(());
    }
    unpack_reply::<Serde<()>>(b)
}

/// The results of a broadcast's elements on one PE, with their element positions.
pub struct GatherPart<W>(pub Result<Vec<(u64, W)>, CallError>);

impl<W: Value> Message for GatherPart<W> {
    fn encode<'a>(&'a self, enc: &mut Encoder<'_, 'a>) {
        match &self.0 {
            Ok(items) => {
                enc.serde_raw(&[OK]);
                enc.serde(&(items.len() as u32));
                for (i, w) in items {
                    enc.serde(i);
                    w.encode(enc);
                }
            }
            Err(e) => {
                enc.serde_raw(&[ERR]);
                enc.serde(e)
            }
        }
    }
}

fn decode_tagged<T>(
    w: &mut WireBody,
    ok: impl FnOnce(&mut Decoder<'_>) -> Result<T, CodecError>,
) -> Result<Result<T, CallError>, CodecError> {
    let mut d = w.decoder()?;
    let [tag] = d.serde_raw::<1>()?;
    let r = match tag {
        OK => Ok(ok(&mut d)?),
        ERR => Err(d.serde::<CallError>()?),
        t => return Err(CodecError(format!("bad result tag {t}"))),
    };
    d.finish()?;
    Ok(r)
}

pub(crate) fn decode_reply<W: Value>(w: &mut WireBody) -> Result<Box<dyn Any + Send>, CodecError> {
    decode_tagged(w, W::decode).map(|r| Box::new(ReplyMsg(r)) as Box<dyn Any + Send>)
}

pub(crate) fn decode_gather<W: Value>(w: &mut WireBody) -> Result<Box<dyn Any + Send>, CodecError> {
    decode_tagged(w, |d| {
        let n: u32 = d.serde()?;
        (0..n)
            .map(|_| Ok((d.serde::<u64>()?, W::decode(d)?)))
            .collect::<Result<Vec<_>, CodecError>>()
    })
    .map(|r| Box::new(GatherPart(r)) as Box<dyn Any + Send>)
}

pub(crate) fn decode_plain<W: Value>(w: &mut WireBody) -> Result<Box<dyn Any + Send>, CodecError> {
    let mut d = w.decoder()?;
    let v = W::decode(&mut d)?;
    d.finish()?;
    Ok(Box::new(v))
}

/// Unpacks a call result stored in a future.
pub(crate) fn unpack_reply<W: Value>(b: Box<dyn Any + Send>) -> Result<W::Output, CallError> {
    match b.downcast::<ReplyMsg<W>>() {
        Ok(m) => m.0.map(W::into_output),
        Err(b) => Err(b
            .downcast::<ErrorMsg>()
            .expect("charm-rs: reply of unexpected type")
            .0),
    }
}

/// Unpacks one PE's part of a broadcast result.
pub(crate) fn unpack_gather<W: Value>(
    b: Box<dyn Any + Send>,
) -> Result<Vec<(u64, W::Output)>, CallError> {
    match b.downcast::<GatherPart<W>>() {
        Ok(m) => {
            m.0.map(|v| v.into_iter().map(|(i, w)| (i, w.into_output())).collect())
        }
        Err(b) => Err(b
            .downcast::<ErrorMsg>()
            .expect("charm-rs: broadcast reply of unexpected type")
            .0),
    }
}
