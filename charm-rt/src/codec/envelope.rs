//! Envelopes as bytes, for layers that cross an address-space boundary.
//!
//! A wire message is a header followed, at the next 8-byte boundary, by the body in the usual
//! codec layout. The header is a fixed binary layout written and read with a few stores and
//! loads, whatever the handler: the handler's address words follow the first word, two of them
//! inline (every frequent kind fits), any other number after a count.
//!
//! ```text
//! word 0: handler u8 | flags u8 | words u16 | entry u32
//! address (two words):           word | word
//! address (flag LONG_ADDR):      count u64 | count words
//! reply (flag HAS_REPLY):        pe u32 | slot u32 | gen u32 | 0u32
//! ```
//!
//! `words` is the whole message's length in 8-byte words (0 when it does not fit 16 bits): a
//! receiver that got the message into a larger buffer reads its length here rather than asking
//! MPI (`MPI_Get_count` cost about 3% of a small message's one-way time).
//!
//! Typed bodies are encoded here; already encoded bodies (broadcasts) are appended as they are.
//! Which handler ids exist, and what their words mean, is not known here.

// Only layers that cross processes (MPI) use the wire format; it is built and unit-tested
// without them too.
#![cfg_attr(not(feature = "mpi"), allow(dead_code))]

use super::{encode_with_externals, BodyBuf, CodecError, Externals, WireBuf};
use crate::message::{
    Addr, Body, Dest, Envelope, ErasedMessage, FutureId, HandlerId, ReplyTo, WireBody,
};

const HAS_REPLY: u8 = 1;
const REPLY_GATHER: u8 = 2;
const REPLY_VALUE: u8 = 4;
/// Some direct-copy arguments travel outside the message (so most receivers skip looking).
const HAS_EXTERNALS: u8 = 8;
/// The address is not two words: a count and the words follow.
const LONG_ADDR: u8 = 16;

fn future_words(f: FutureId) -> [u64; 2] {
    [u64::from(f.pe) | u64::from(f.slot) << 32, u64::from(f.gen)]
}

/// Appends `env` to `buf` as a wire message (header, then body at an 8-byte boundary), padded to
/// a multiple of 8 bytes so it can be received into `u64` words. Direct-copy arguments of
/// `external_min` bytes or more stay out of the buffer and are returned, to be sent separately.
pub fn encode_envelope<'a>(
    env: &'a Envelope,
    buf: &mut WireBuf,
    external_min: usize,
) -> Externals<'a> {
    let body = match &env.body {
        Body::Empty => BodyRef::Empty,
        Body::Typed(m) => BodyRef::Typed(&**m),
        Body::Wire(w) => BodyRef::Wire(w),
    };
    let head = Head {
        dest: &env.dest,
        reply: env.reply,
    };
    encode_parts(head, body, buf, external_min)
}

/// An envelope's address, borrowed: what [`encode_parts`] writes before the body.
#[derive(Clone, Copy)]
pub struct Head<'a> {
    /// Where the message goes.
    pub dest: &'a Dest,
    /// Where the result goes.
    pub reply: Option<ReplyTo>,
}

/// A body, borrowed: a typed message can be encoded where it lies, without being boxed first.
#[derive(Clone, Copy)]
pub enum BodyRef<'a> {
    /// No body.
    Empty,
    /// A typed message, encoded here.
    Typed(&'a dyn ErasedMessage),
    /// Already encoded bytes, appended as they are.
    Wire(&'a WireBody),
}

/// Like [`encode_envelope`], for an envelope given in borrowed parts.
#[inline]
pub fn encode_parts<'a>(
    head: Head<'_>,
    body: BodyRef<'a>,
    buf: &mut WireBuf,
    external_min: usize,
) -> Externals<'a> {
    buf.align8();
    let start = buf.len();
    let mut flags = 0u8;
    if let Some(r) = head.reply {
        flags |= HAS_REPLY;
        if r.gather {
            flags |= REPLY_GATHER;
        }
        if r.value {
            flags |= REPLY_VALUE;
        }
    }
    let words = head.dest.addr.words();
    if words.len() != 2 {
        flags |= LONG_ADDR;
    }
    let word0 =
        u64::from(head.dest.handler.0) | u64::from(flags) << 8 | u64::from(head.dest.entry) << 32;
    buf.push_u64(word0);
    if let [a, b] = *words {
        buf.push_u64(a);
        buf.push_u64(b);
    } else {
        buf.push_u64(words.len() as u64);
        for &w in words {
            buf.push_u64(w);
        }
    }
    if let Some(r) = head.reply {
        let [a, b] = future_words(r.future);
        buf.push_u64(a);
        buf.push_u64(b);
    }
    let externals = match body {
        BodyRef::Empty => {
            buf.extend_from_slice(&[0u8; 8]);
            Externals::new()
        }
        BodyRef::Typed(m) => encode_with_externals(buf, external_min, |e| m.encode_erased(e)),
        BodyRef::Wire(w) => {
            assert!(
                w.external.is_none(),
                "a received body with external arguments is not forwarded"
            );
            buf.extend_from_slice(w.bytes());
            Externals::new()
        }
    };
    buf.align8();
    let total = (buf.len() - start) / 8;
    let mut word0 = word0 | u64::from(u16::try_from(total).unwrap_or(0)) << 16;
    if !externals.is_empty() {
        word0 |= u64::from(HAS_EXTERNALS) << 8;
    }
    buf.patch_u64(start, word0);
    externals
}

/// The length in words a wire message's first word gives (0: not given, the message is longer
/// than 16 bits can say).
#[inline]
pub fn stated_words(first_word: u64) -> usize {
    (first_word >> 16) as u16 as usize
}

/// Whether a wire message, given its first word, has direct-copy arguments sent separately.
#[inline]
pub fn has_externals(first_word: u64) -> bool {
    (first_word >> 8) as u8 & HAS_EXTERNALS != 0
}

/// Reads fixed-layout fields of a header.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    #[inline(always)]
    fn take<const N: usize>(&mut self) -> Result<[u8; N], CodecError> {
        match self.bytes.get(self.at..self.at + N) {
            Some(b) => {
                self.at += N;
                Ok(b.try_into().expect("N bytes"))
            }
            None => Err(truncated()),
        }
    }
    #[inline(always)]
    fn u32(&mut self) -> Result<u32, CodecError> {
        Ok(u32::from_le_bytes(self.take()?))
    }
    #[inline(always)]
    fn u64(&mut self) -> Result<u64, CodecError> {
        Ok(u64::from_le_bytes(self.take()?))
    }
    fn future(&mut self) -> Result<FutureId, CodecError> {
        let f = FutureId {
            pe: self.u32()?,
            slot: self.u32()?,
            gen: self.u32()?,
        };
        self.u32()?;
        Ok(f)
    }
}

#[cold]
fn truncated() -> CodecError {
    CodecError("truncated message header".into())
}

/// Reads a wire message back into an envelope whose body refers to the same buffer.
#[cfg(test)]
pub fn decode_envelope(buf: WireBuf) -> Result<Envelope, CodecError> {
    decode_shared_envelope(buf.into())
}

/// Like [`decode_envelope`], for a buffer already shared (a layer may recycle it once the
/// envelope's body is gone).
pub fn decode_shared_envelope(buf: BodyBuf) -> Result<Envelope, CodecError> {
    let (dest, reply, body_start) = {
        let mut r = Reader {
            bytes: buf.as_bytes(),
            at: 0,
        };
        let [handler, flags, w0, w1] = r.take()?;
        let stated = usize::from(u16::from_le_bytes([w0, w1]));
        if stated != 0 && stated * 8 != buf.len() {
            return Err(CodecError(format!(
                "message of {} bytes says it has {stated} words",
                buf.len()
            )));
        }
        let entry = r.u32()?;
        let addr = if flags & LONG_ADDR == 0 {
            let a = r.u64()?;
            Addr::two(a, r.u64()?)
        } else {
            let n = r.u64()?;
            // Bounded by what arrived: a stated count longer than the message is an error, not
            // an allocation.
            let n = usize::try_from(n)
                .ok()
                .filter(|&n| n <= (r.bytes.len() - r.at) / 8)
                .ok_or_else(truncated)?;
            let mut words = Vec::with_capacity(n);
            for _ in 0..n {
                words.push(r.u64()?);
            }
            Addr::from_words(&words)
        };
        let dest = Dest {
            handler: HandlerId(handler),
            entry,
            addr,
        };
        let reply = if flags & HAS_REPLY != 0 {
            Some(ReplyTo {
                future: r.future()?,
                gather: flags & REPLY_GATHER != 0,
                value: flags & REPLY_VALUE != 0,
            })
        } else {
            None
        };
        (dest, reply, r.at)
    };
    if body_start + 8 > buf.len() {
        return Err(CodecError("message has no body".into()));
    }
    let body = Body::Wire(WireBody {
        buf,
        start: body_start as u32,
        external: None,
    });
    Ok(Envelope { dest, reply, body })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{Decoder, Encoder};
    use crate::message::Message;

    fn round_trip(env: &Envelope) -> Envelope {
        let mut buf = WireBuf::new();
        encode_envelope(env, &mut buf, usize::MAX);
        assert_eq!(buf.len() % 8, 0);
        decode_envelope(buf).unwrap()
    }

    struct Pair(u32, String);
    impl Message for Pair {
        fn encode<'a>(&'a self, e: &mut Encoder<'_, 'a>) {
            e.serde(&(self.0, &self.1))
        }
    }

    struct Bytes(Vec<u8>);
    impl Message for Bytes {
        fn encode<'a>(&'a self, e: &mut Encoder<'_, 'a>) {
            e.bulk(&self.0[..])
        }
    }

    fn reply() -> ReplyTo {
        ReplyTo {
            future: FutureId {
                pe: 1,
                slot: 2,
                gen: 3,
            },
            gather: true,
            value: false,
        }
    }

    #[test]
    fn two_word_address_with_reply() {
        let env = Envelope {
            dest: Dest::two(HandlerId(9), 42, 7, 3),
            reply: Some(reply()),
            body: Body::Typed(Box::new(Pair(5, "x".into()))),
        };
        let mut buf = WireBuf::new();
        encode_envelope(&env, &mut buf, usize::MAX);
        // Header of a call with a reply: first word, two address words, two reply words.
        let back = decode_envelope(buf).unwrap();
        assert_eq!(back.dest, env.dest);
        assert_eq!(back.reply, env.reply);
        let Body::Wire(w) = back.body else {
            panic!("wire body")
        };
        assert_eq!(w.start, 40);
        let mut d = Decoder::new(w.bytes()).unwrap();
        assert_eq!(d.serde::<(u32, String)>().unwrap(), (5, "x".to_string()));
    }

    #[test]
    fn addresses_of_any_length_round_trip() {
        for n in [0usize, 1, 3, 7] {
            let words: Vec<u64> = (0..n as u64).map(|i| i * 0x1_0000_0001 + 5).collect();
            let env = Envelope::new(
                Dest {
                    handler: HandlerId(200),
                    entry: 0xdead_beef,
                    addr: Addr::from_words(&words),
                },
                Body::Empty,
            );
            let back = round_trip(&env);
            assert_eq!(back.dest, env.dest, "{n} words");
            assert_eq!(back.reply, None);
        }
    }

    #[test]
    fn encoded_body_is_kept() {
        let w = WireBody::new(crate::codec::encode_to_buf(|e| e.bulk(&[1.0f64, 2.0][..])));
        let env = Envelope::new(Dest::two(HandlerId(2), 9, 1, 0), Body::Wire(w));
        let Body::Wire(w) = round_trip(&env).body else {
            panic!()
        };
        assert_eq!(
            &*Decoder::new(w.bytes())
                .unwrap()
                .bulk_slice::<f64>()
                .unwrap(),
            &[1.0, 2.0]
        );
    }

    #[test]
    fn header_says_whether_arguments_travel_separately() {
        let env = Envelope::new(
            Dest::two(HandlerId(1), 5, 1, 0),
            Body::Typed(Box::new(Bytes(vec![1; 512]))),
        );
        for (min, separate) in [(usize::MAX, false), (64, true)] {
            let mut buf = WireBuf::new();
            let ext = encode_envelope(&env, &mut buf, min);
            assert_eq!(ext.len(), usize::from(separate));
            assert_eq!(has_externals(buf.words()[0]), separate);
            drop(ext);
            let back = decode_envelope(buf).unwrap();
            assert_eq!(back.dest.entry, 5);
        }
    }

    #[test]
    fn garbage_is_an_error() {
        for len in [0usize, 3, 8, 16, 64] {
            let mut b = WireBuf::new();
            b.extend_from_slice(&vec![0xff; len]);
            assert!(decode_envelope(b).is_err());
        }
    }

    #[test]
    fn a_long_address_count_beyond_the_message_is_an_error() {
        let env = Envelope::new(
            Dest {
                handler: HandlerId(3),
                entry: 0,
                addr: Addr::from_words(&[1, 2, 3]),
            },
            Body::Empty,
        );
        let mut buf = WireBuf::new();
        encode_envelope(&env, &mut buf, usize::MAX);
        let mut words = buf.words().to_vec();
        words[0] &= !(0xffff << 16); // no stated length, so only the count is wrong
        words[1] = u64::MAX / 2;
        let n = words.len() * 8;
        let err = decode_envelope(WireBuf::from_words(words, n)).expect_err("count too long");
        assert!(err.0.contains("truncated"), "{err}");
    }

    #[test]
    fn message_states_its_length() {
        let env = Envelope::new(
            Dest::two(HandlerId(1), 3, 4, 1),
            Body::Typed(Box::new(Bytes(vec![7u8; 8]))),
        );
        let mut buf = WireBuf::new();
        encode_envelope(&env, &mut buf, usize::MAX);
        assert_eq!(stated_words(buf.words()[0]) * 8, buf.len());
        // A length that disagrees with what arrived is an error, not a misread.
        let mut words = buf.words().to_vec();
        words.push(0);
        let n = words.len() * 8;
        let err = decode_envelope(WireBuf::from_words(words, n)).expect_err("wrong length");
        assert!(err.0.contains("says it has"), "{err}");
    }

    #[test]
    fn a_message_too_long_to_state_its_length_states_zero() {
        let env = Envelope::new(
            Dest::two(HandlerId(4), 0, 1 << 32, 2),
            Body::Typed(Box::new(Bytes(vec![1u8; 600_000]))),
        );
        let mut buf = WireBuf::new();
        encode_envelope(&env, &mut buf, usize::MAX);
        assert!(buf.len() > 8 * 0xffff);
        assert_eq!(stated_words(buf.words()[0]), 0);
        assert!(decode_envelope(buf).is_ok());
    }
}
