//! Envelopes as bytes, for layers that cross an address-space boundary.
//!
//! A wire message is a header section (the envelope's address, through serde) followed, at the
//! next 8-byte boundary, by the body in the usual codec layout. Typed bodies are encoded here;
//! already encoded bodies (broadcasts) are appended as they are.

use super::{encode_into, encode_with_externals, CodecError, Decoder, Externals, WireBuf};
use crate::ids::{CollectionId, EntryId};
use crate::message::{
    Body, CollectionMeta, Control, Dest, Envelope, FutureId, RedPhase, ReplyTo, WireBody,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Serialize, Deserialize)]
enum WireDest {
    Element(CollectionId, u32),
    Broadcast(CollectionId),
    Create(CollectionMeta),
    Future(FutureId),
    Control(Control),
    Reduction(CollectionId, u32, RedPhase),
    Channel(crate::channel::ChanAddr),
    Global(crate::globals::GlobalAddr),
    Section(crate::sections::SectionDest),
}

#[derive(Serialize, Deserialize)]
struct WireReply {
    future: FutureId,
    gather: bool,
    value: bool,
}

#[derive(Serialize, Deserialize)]
struct Header {
    dest: WireDest,
    entry: EntryId,
    reply: Option<WireReply>,
}

/// Appends `env` to `buf` as a wire message (header, then body at an 8-byte boundary), padded to
/// a multiple of 8 bytes so it can be received into `u64` words. Direct-copy arguments of
/// `external_min` bytes or more stay out of the buffer and are returned, to be sent separately.
pub fn encode_envelope<'a>(
    env: &'a Envelope,
    buf: &mut WireBuf,
    external_min: usize,
) -> Externals<'a> {
    let dest = match &env.dest {
        Dest::Element { coll, elem } => WireDest::Element(*coll, *elem),
        Dest::Broadcast { coll } => WireDest::Broadcast(*coll),
        Dest::Create(meta) => WireDest::Create(**meta),
        Dest::Future(id) => WireDest::Future(*id),
        Dest::Reduction { coll, seq, phase } => WireDest::Reduction(*coll, *seq, *phase),
        Dest::Control(c) => WireDest::Control(*c),
        Dest::Channel(a) => WireDest::Channel(**a),
        Dest::Global(a) => WireDest::Global((**a).clone()),
        Dest::Section(d) => WireDest::Section(**d),
    };
    let reply = env.reply.map(|r| WireReply {
        future: r.future,
        gather: r.gather,
        value: r.value,
    });
    let header = Header {
        dest,
        entry: env.entry,
        reply,
    };
    encode_into(buf, |e| e.serde(&header));
    buf.align8();
    let externals = match &env.body {
        Body::Empty => {
            encode_into(buf, |_| {});
            Externals::new()
        }
        Body::Typed(m) => encode_with_externals(buf, external_min, |e| m.encode_erased(e)),
        Body::Wire(w) => {
            assert!(
                w.external.is_none(),
                "a received body with external arguments is not forwarded"
            );
            buf.extend_from_slice(w.bytes());
            Externals::new()
        }
    };
    buf.align8();
    externals
}

/// Reads a wire message back into an envelope whose body refers to the same buffer.
pub fn decode_envelope(buf: WireBuf) -> Result<Envelope, CodecError> {
    let (header, body_start) = {
        let bytes = buf.as_bytes();
        let mut d = Decoder::new(bytes)?;
        let header: Header = d.serde()?;
        d.finish()?;
        let serde_len = u32::from_le_bytes(bytes[0..4].try_into().expect("4 bytes")) as usize;
        (header, (8 + serde_len).next_multiple_of(8))
    };
    if body_start + 8 > buf.len() {
        return Err(CodecError("message has no body".into()));
    }
    let dest = match header.dest {
        WireDest::Element(coll, elem) => Dest::Element { coll, elem },
        WireDest::Broadcast(coll) => Dest::Broadcast { coll },
        WireDest::Create(meta) => Dest::Create(Box::new(meta)),
        WireDest::Future(id) => Dest::Future(id),
        WireDest::Reduction(coll, seq, phase) => Dest::Reduction { coll, seq, phase },
        WireDest::Control(c) => Dest::Control(c),
        WireDest::Channel(a) => Dest::Channel(Box::new(a)),
        WireDest::Global(a) => Dest::Global(Box::new(a)),
        WireDest::Section(d) => Dest::Section(Box::new(d)),
    };
    let reply = header.reply.map(|r| ReplyTo {
        future: r.future,
        gather: r.gather,
        value: r.value,
    });
    let body = Body::Wire(WireBody {
        buf: Arc::new(buf),
        start: body_start as u32,
        external: None,
    });
    Ok(Envelope {
        dest,
        entry: header.entry,
        reply,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
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
    fn garbage_is_an_error() {
        for len in [0usize, 3, 8, 16, 64] {
            let mut b = WireBuf::new();
            b.extend_from_slice(&vec![0xff; len]);
            assert!(decode_envelope(b).is_err());
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
}
