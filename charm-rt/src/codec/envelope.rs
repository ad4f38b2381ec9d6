//! Envelopes as bytes, for layers that cross an address-space boundary.
//!
//! A wire message is a header followed, at the next 8-byte boundary, by the body in the usual
//! codec layout. The header of the frequent destinations (element calls, broadcasts, future
//! values, reduction steps) is a fixed binary layout written and read with a few stores and
//! loads; rare destinations (creation, control, channels, globals, sections) go through serde:
//!
//! ```text
//! word 0: kind u8 | flags u8 | words u16 | entry u32
//! Element:   coll u64 | elem u32 | 0u32
//! Broadcast: coll u64
//! Future:    pe u32 | slot u32 | gen u32 | 0u32
//! Reduction: coll u64 | seq u32 | phase u8 | exchange index u8 | 0u16
//! Other:     serde_len u32 | 0u32 | serde bytes | pad to 8
//! reply (flag HAS_REPLY): pe u32 | slot u32 | gen u32 | 0u32
//! ```
//!
//! `words` is the whole message's length in 8-byte words (0 when it does not fit 16 bits): a
//! receiver that got the message into a larger buffer reads its length here rather than asking
//! MPI (`MPI_Get_count` cost about 3% of a small message's one-way time).
//!
//! Typed bodies are encoded here; already encoded bodies (broadcasts) are appended as they are.

use super::{encode_with_externals, BodyBuf, CodecError, Externals, WireBuf};
use crate::ids::CollectionId;
use crate::ids::EntryId;
use crate::message::{
    Body, CollectionMeta, Control, Dest, Envelope, ErasedMessage, FutureId, RedPhase, ReplyTo,
    WireBody,
};
use serde::{Deserialize, Serialize};

const KIND_ELEMENT: u8 = 1;
const KIND_BROADCAST: u8 = 2;
const KIND_FUTURE: u8 = 3;
const KIND_REDUCTION: u8 = 4;
const KIND_OTHER: u8 = 5;

const HAS_REPLY: u8 = 1;
const REPLY_GATHER: u8 = 2;
const REPLY_VALUE: u8 = 4;
/// Some direct-copy arguments travel outside the message (so most receivers skip looking).
const HAS_EXTERNALS: u8 = 8;

/// Destinations rare enough that serde's cost does not matter.
#[derive(Serialize, Deserialize)]
enum OtherDest {
    Create(CollectionMeta),
    Control(Control),
    Channel(crate::channel::ChanAddr),
    Global(crate::globals::GlobalAddr),
    Section(crate::sections::SectionDest),
}

fn future_words(f: FutureId) -> [u64; 2] {
    [u64::from(f.pe) | u64::from(f.slot) << 32, u64::from(f.gen)]
}

fn phase_word(p: RedPhase) -> u64 {
    let (phase, index) = match p {
        RedPhase::Up => (0u64, 0u8),
        RedPhase::Down => (1, 0),
        RedPhase::Exchange(i) => (2, i),
    };
    phase << 32 | u64::from(index) << 40
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
        entry: env.entry,
        reply: env.reply,
    };
    encode_parts(head, body, buf, external_min)
}

/// An envelope's address, borrowed: what [`encode_parts`] writes before the body.
#[derive(Clone, Copy)]
pub struct Head<'a> {
    /// Where the message goes.
    pub dest: &'a Dest,
    /// Entry method (0 when the destination is not one).
    pub entry: EntryId,
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
    let kind = match head.dest {
        Dest::Element { .. } => KIND_ELEMENT,
        Dest::Broadcast { .. } => KIND_BROADCAST,
        Dest::Future(_) => KIND_FUTURE,
        Dest::Reduction { .. } => KIND_REDUCTION,
        _ => KIND_OTHER,
    };
    let word0 = u64::from(kind) | u64::from(flags) << 8 | u64::from(head.entry) << 32;
    buf.push_u64(word0);
    match head.dest {
        Dest::Element { coll, elem } => {
            buf.push_u64(coll.0);
            buf.push_u64(u64::from(*elem));
        }
        Dest::Broadcast { coll } => buf.push_u64(coll.0),
        Dest::Future(id) => {
            let [a, b] = future_words(*id);
            buf.push_u64(a);
            buf.push_u64(b);
        }
        Dest::Reduction { coll, seq, phase } => {
            buf.push_u64(coll.0);
            buf.push_u64(u64::from(*seq) | phase_word(*phase));
        }
        _ => {
            let other = match head.dest {
                Dest::Create(meta) => OtherDest::Create(**meta),
                Dest::Control(c) => OtherDest::Control(*c),
                Dest::Channel(a) => OtherDest::Channel(**a),
                Dest::Global(a) => OtherDest::Global((**a).clone()),
                Dest::Section(d) => OtherDest::Section(**d),
                _ => unreachable!("frequent destinations have a fixed header"),
            };
            let at = buf.len();
            buf.push_u64(0);
            super::serde_append(buf, &other);
            let serde_len = buf.len() - at - 8;
            buf.patch_u32(at, u32::try_from(serde_len).expect("header over 4 GiB"));
            buf.align8();
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
    let words = (buf.len() - start) / 8;
    let mut word0 = word0 | u64::from(u16::try_from(words).unwrap_or(0)) << 16;
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
    fn take<const N: usize>(&mut self) -> Result<[u8; N], CodecError> {
        let b = self
            .bytes
            .get(self.at..self.at + N)
            .ok_or_else(|| CodecError("truncated message header".into()))?;
        self.at += N;
        Ok(b.try_into().expect("N bytes"))
    }
    fn u32(&mut self) -> Result<u32, CodecError> {
        Ok(u32::from_le_bytes(self.take()?))
    }
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

/// Reads a wire message back into an envelope whose body refers to the same buffer.
pub fn decode_envelope(buf: WireBuf) -> Result<Envelope, CodecError> {
    decode_shared_envelope(buf.into())
}

/// Like [`decode_envelope`], for a buffer already shared (a layer may recycle it once the
/// envelope's body is gone).
pub fn decode_shared_envelope(buf: BodyBuf) -> Result<Envelope, CodecError> {
    let (dest, entry, reply, body_start) = {
        let mut r = Reader {
            bytes: buf.as_bytes(),
            at: 0,
        };
        let [kind, flags, w0, w1] = r.take()?;
        let stated = usize::from(u16::from_le_bytes([w0, w1]));
        if stated != 0 && stated * 8 != buf.len() {
            return Err(CodecError(format!(
                "message of {} bytes says it has {stated} words",
                buf.len()
            )));
        }
        let entry = r.u32()?;
        let dest = match kind {
            KIND_ELEMENT => {
                let coll = CollectionId(r.u64()?);
                let elem = r.u32()?;
                r.u32()?;
                Dest::Element { coll, elem }
            }
            KIND_BROADCAST => Dest::Broadcast {
                coll: CollectionId(r.u64()?),
            },
            KIND_FUTURE => Dest::Future(r.future()?),
            KIND_REDUCTION => {
                let coll = CollectionId(r.u64()?);
                let seq = r.u32()?;
                let [p, i, _, _] = r.take()?;
                let phase = match p {
                    0 => RedPhase::Up,
                    1 => RedPhase::Down,
                    2 => RedPhase::Exchange(i),
                    _ => return Err(CodecError(format!("unknown reduction step {p}"))),
                };
                Dest::Reduction { coll, seq, phase }
            }
            KIND_OTHER => {
                let len = r.u32()? as usize;
                r.u32()?;
                let bytes = r
                    .bytes
                    .get(r.at..r.at + len)
                    .ok_or_else(|| CodecError("truncated message header".into()))?;
                let other: OtherDest = super::serde_exact(bytes)?;
                r.at = (r.at + len).next_multiple_of(8);
                match other {
                    OtherDest::Create(meta) => Dest::Create(Box::new(meta)),
                    OtherDest::Control(Control::Resume(..)) => {
                        return Err(CodecError(
                            "a control message that never leaves its PE arrived from another"
                                .into(),
                        ))
                    }
                    OtherDest::Control(c) => Dest::Control(c),
                    OtherDest::Channel(a) => Dest::Channel(Box::new(a)),
                    OtherDest::Global(a) => Dest::Global(Box::new(a)),
                    OtherDest::Section(d) => Dest::Section(Box::new(d)),
                }
            }
            k => return Err(CodecError(format!("unknown message kind {k}"))),
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
        (dest, entry, reply, r.at)
    };
    if body_start + 8 > buf.len() {
        return Err(CodecError("message has no body".into()));
    }
    let body = Body::Wire(WireBody {
        buf,
        start: body_start as u32,
        external: None,
    });
    Ok(Envelope {
        dest,
        entry,
        reply,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Decoder;
    use crate::future::value::Serde;
    use crate::message::Message;

    fn round_trip(env: &Envelope) -> Envelope {
        let mut buf = WireBuf::new();
        encode_envelope(env, &mut buf, usize::MAX);
        assert_eq!(buf.len() % 8, 0);
        decode_envelope(buf).unwrap()
    }

    #[test]
    fn element_call_with_reply() {
        let env = Envelope {
            dest: Dest::Element {
                coll: CollectionId(7),
                elem: 3,
            },
            entry: 42,
            reply: Some(ReplyTo {
                future: FutureId {
                    pe: 1,
                    slot: 2,
                    gen: 3,
                },
                gather: true,
                value: false,
            }),
            body: Body::Typed(Box::new(Serde((5u32, "x".to_string())))),
        };
        let back = round_trip(&env);
        assert!(matches!(
            back.dest,
            Dest::Element {
                coll: CollectionId(7),
                elem: 3
            }
        ));
        assert_eq!(back.entry, 42);
        assert_eq!(back.reply, env.reply);
        let Body::Wire(w) = back.body else {
            panic!("wire body")
        };
        let mut d = Decoder::new(w.bytes()).unwrap();
        assert_eq!(d.serde::<(u32, String)>().unwrap(), (5, "x".to_string()));
    }

    #[test]
    fn encoded_body_is_kept() {
        let w = WireBody::new(crate::codec::encode_to_buf(|e| e.bulk(&[1.0f64, 2.0][..])));
        let env = Envelope {
            dest: Dest::Broadcast {
                coll: CollectionId(1),
            },
            entry: 9,
            reply: None,
            body: Body::Wire(w),
        };
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
        struct Big(Vec<f64>);
        impl Message for Big {
            fn encode<'a>(&'a self, e: &mut crate::codec::Encoder<'_, 'a>) {
                e.bulk(&self.0[..])
            }
        }
        let env = Envelope {
            dest: Dest::Element {
                coll: CollectionId(1),
                elem: 0,
            },
            entry: 5,
            reply: None,
            body: Body::Typed(Box::new(Big(vec![1.5; 64]))),
        };
        for (min, separate) in [(usize::MAX, false), (64, true)] {
            let mut buf = WireBuf::new();
            let ext = encode_envelope(&env, &mut buf, min);
            assert_eq!(ext.len(), usize::from(separate));
            assert_eq!(has_externals(buf.words()[0]), separate);
            drop(ext);
            let back = decode_envelope(buf).unwrap();
            assert_eq!(back.entry, 5);
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
    fn fixed_headers_round_trip() {
        let f = FutureId {
            pe: 5,
            slot: 6,
            gen: 7,
        };
        let dests = [
            Dest::Broadcast {
                coll: CollectionId(u64::MAX),
            },
            Dest::Future(f),
            Dest::Reduction {
                coll: CollectionId(9),
                seq: 11,
                phase: RedPhase::Exchange(3),
            },
            Dest::Reduction {
                coll: CollectionId(9),
                seq: 12,
                phase: RedPhase::Down,
            },
        ];
        for dest in dests {
            let want = format!("{dest:?}");
            let env = Envelope {
                dest,
                entry: 0xdead_beef,
                reply: Some(ReplyTo {
                    future: f,
                    gather: false,
                    value: true,
                }),
                body: Body::Empty,
            };
            let back = round_trip(&env);
            assert_eq!(format!("{:?}", back.dest), want);
            assert_eq!(back.entry, 0xdead_beef);
            assert_eq!(back.reply, env.reply);
        }
    }

    struct Unit;
    impl Message for Unit {
        fn encode<'a>(&'a self, _: &mut crate::codec::Encoder<'_, 'a>) {}
    }

    #[test]
    fn section_message() {
        use crate::sections::{SectionDest, SectionId, SectionStep};
        let d = SectionDest {
            id: SectionId(5 << 40 | 9),
            step: SectionStep::Reduction {
                seq: 7,
                phase: RedPhase::Exchange(3),
            },
        };
        let env = Envelope {
            dest: Dest::Section(Box::new(d)),
            entry: 11,
            reply: None,
            body: Body::Typed(Box::new(Unit)),
        };
        match round_trip(&env).dest {
            Dest::Section(back) => assert_eq!(*back, d),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn control_message() {
        let env = Envelope {
            dest: Dest::Control(Control::Exit(3)),
            entry: 0,
            reply: None,
            body: Body::Typed(Box::new(Unit)),
        };
        assert!(matches!(
            round_trip(&env).dest,
            Dest::Control(Control::Exit(3))
        ));
    }

    #[test]
    fn local_only_control_from_the_network_is_an_error() {
        let env = Envelope {
            dest: Dest::Control(Control::Resume(1, 2)),
            entry: 0,
            reply: None,
            body: Body::Empty,
        };
        let mut buf = WireBuf::new();
        encode_envelope(&env, &mut buf, usize::MAX);
        let err = decode_envelope(buf).expect_err("a resume marker is local only");
        assert!(err.0.contains("never leaves its PE"), "{err}");
    }

    #[test]
    fn message_states_its_length() {
        let env = Envelope {
            dest: Dest::Element {
                coll: CollectionId(4),
                elem: 1,
            },
            entry: 3,
            reply: None,
            body: Body::Typed(Box::new(crate::future::value::Bulk(vec![7u8; 8]))),
        };
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
        let env = Envelope {
            dest: Dest::Future(FutureId {
                pe: 0,
                slot: 1,
                gen: 2,
            }),
            entry: 0,
            reply: None,
            body: Body::Typed(Box::new(crate::future::value::Bulk(vec![1u8; 600_000]))),
        };
        let mut buf = WireBuf::new();
        encode_envelope(&env, &mut buf, usize::MAX);
        assert!(buf.len() > 8 * 0xffff);
        assert_eq!(stated_words(buf.words()[0]), 0);
        assert!(decode_envelope(buf).is_ok());
    }
}
