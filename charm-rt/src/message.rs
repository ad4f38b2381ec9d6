//! What travels between PEs: an envelope (a handler's address, a reply address) and a body.
//!
//! Nothing here knows which services exist: a destination is a handler id, an entry number and
//! address words that the owning service writes and reads.

use crate::codec::{self, BodyBuf, CodecError, Decoder, Encoder, Segment, WireBuf};
use crate::ids::EntryId;
use std::any::Any;

/// The arguments of one entry-method call, or a value for a future: something that can be moved
/// as is to a PE in the same address space, or encoded for another process. It is the encode
/// half of [`Marshal`](crate::Marshal): the receiver (the generated dispatch, or the service
/// that owns the message) knows the concrete type and decodes it itself.
pub trait Message: Send + 'static {
    /// Writes the message through the codec (only when it must leave the address space or be
    /// shared by several receivers).
    fn encode<'a>(&'a self, enc: &mut Encoder<'_, 'a>);
}

/// Object-safe face of [`Message`].
pub trait ErasedMessage: Send {
    /// See [`Message::encode`].
    fn encode_erased<'a>(&'a self, enc: &mut Encoder<'_, 'a>);
    /// For the receiver, which knows the concrete type.
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send>;
}

impl<M: Message> ErasedMessage for M {
    fn encode_erased<'a>(&'a self, enc: &mut Encoder<'_, 'a>) {
        self.encode(enc)
    }
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        self
    }
}

/// Direct-copy arguments received outside the message buffer (boxed behind a thin pointer so
/// that envelopes stay small).
#[derive(Clone, Debug)]
pub struct Segments(pub Vec<Segment>);

/// An encoded body. The buffer is shared when several receivers read the same bytes (broadcasts).
#[derive(Clone, Debug)]
pub struct WireBody {
    /// The buffer.
    pub buf: BodyBuf,
    /// Where the body starts in it (8-aligned).
    pub start: u32,
    /// Direct-copy arguments that arrived outside the buffer (see `codec`); boxed so that the
    /// common case keeps envelopes small.
    pub external: Option<Box<Segments>>,
}

impl WireBody {
    /// A body that is a whole buffer.
    pub fn new(buf: WireBuf) -> Self {
        WireBody {
            buf: buf.into(),
            start: 0,
            external: None,
        }
    }

    /// Makes the buffer shareable before several receivers each get a clone of this body.
    pub fn share(&mut self) {
        self.buf.share();
    }

    /// A decoder over the body; external arguments are handed over without a copy.
    #[inline(always)]
    pub fn decoder(&mut self) -> Result<Decoder<'_>, CodecError> {
        let bytes = &self.buf.as_bytes()[self.start as usize..];
        match &mut self.external {
            Some(ext) => Decoder::with_externals(bytes, &mut ext.0),
            None => Decoder::new(bytes),
        }
    }

    /// The body's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.buf.as_bytes()[self.start as usize..]
    }
}

/// The payload of an envelope.
pub enum Body {
    /// Nothing (control messages).
    Empty,
    /// A typed message moved within the address space: no encoding at all.
    Typed(Box<dyn ErasedMessage>),
    /// Encoded bytes.
    Wire(WireBody),
}

impl Body {
    /// The value a body carries: moved out of a typed body that is an `M`, or read from an
    /// encoded one by `decode`, which must read all of it. `what` names the message in errors.
    pub fn take<M: 'static>(
        self,
        what: &str,
        decode: impl FnOnce(&mut Decoder<'_>) -> Result<M, CodecError>,
    ) -> Result<M, CodecError> {
        match self {
            Body::Typed(m) => m
                .into_any()
                .downcast::<M>()
                .map(|b| *b)
                .map_err(|_| CodecError(format!("{what} of an unexpected type"))),
            Body::Wire(mut w) => {
                let mut d = w.decoder()?;
                let v = decode(&mut d)?;
                d.finish()?;
                Ok(v)
            }
            Body::Empty => Err(CodecError(format!("empty {what}"))),
        }
    }

    /// Encodes a typed body (or returns an encoded one as is).
    pub fn into_wire(self) -> WireBody {
        match self {
            Body::Empty => WireBody::new(codec::encode_to_buf(|_| {})),
            Body::Typed(m) => WireBody::new(codec::encode_to_buf(|e| m.encode_erased(e))),
            Body::Wire(w) => w,
        }
    }
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Body::Empty => write!(f, "Empty"),
            Body::Typed(_) => write!(f, "Typed"),
            Body::Wire(w) => write!(f, "Wire({} bytes)", w.bytes().len()),
        }
    }
}

/// Identifies a future: the slot in its PE's table and a generation, so a stale value is caught.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
pub struct FutureId {
    /// PE that created the future and can await it.
    pub pe: u32,
    /// Slot in that PE's table.
    pub slot: u32,
    /// Reuse count of the slot.
    pub gen: u32,
}

impl FutureId {
    /// The id as two address words.
    #[inline(always)]
    pub fn to_words(self) -> [u64; 2] {
        [
            u64::from(self.pe) | u64::from(self.slot) << 32,
            u64::from(self.gen),
        ]
    }

    /// The id from two address words (the inverse of [`FutureId::to_words`]).
    #[inline(always)]
    pub fn from_words(a: u64, b: u64) -> Self {
        FutureId {
            pe: a as u32,
            slot: (a >> 32) as u32,
            gen: b as u32,
        }
    }
}

impl std::fmt::Display for FutureId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "future {}:{}.{}", self.pe, self.slot, self.gen)
    }
}

/// Where the result of a call goes.
#[derive(Clone, Copy, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct ReplyTo {
    /// The future that receives the result.
    pub future: FutureId,
    /// `true` for broadcasts: each PE sends one combined reply with its elements' results.
    pub gather: bool,
    /// `false` when the caller only waits for completion: the return value is not sent.
    pub value: bool,
}

/// Which handler takes a message on the receiving PE. The service that owns a kind of message
/// registers its handler under its id (see the scheduler's handler table); the wire layer only
/// carries the number.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct HandlerId(pub u8);

/// A message's address on its PE, in words whose meaning its handler defines: two words inline
/// (every frequent kind has two, and reads them without a length check), any other number on
/// the heap.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Addr {
    /// Exactly two words.
    Two([u64; 2]),
    /// Any number of words (an address of two words is `Two`).
    Words(Box<[u64]>),
}

impl Default for Addr {
    /// No words.
    fn default() -> Self {
        Addr::Words(Box::new([]))
    }
}

impl Addr {
    /// An address of two words.
    #[inline(always)]
    pub fn two(a: u64, b: u64) -> Self {
        Addr::Two([a, b])
    }

    /// An address of any number of words.
    pub fn from_words(words: &[u64]) -> Self {
        match *words {
            [a, b] => Addr::Two([a, b]),
            _ => Addr::Words(words.into()),
        }
    }

    /// The words.
    #[inline(always)]
    pub fn words(&self) -> &[u64] {
        match self {
            Addr::Two(w) => w,
            Addr::Words(w) => w,
        }
    }

    /// Word `i`, or an error naming the handler's kind when the address is too short (a
    /// malformed message from another process).
    #[inline(always)]
    pub fn word(&self, i: usize) -> Result<u64, CodecError> {
        let words = self.words();
        match words.get(i) {
            Some(&w) => Ok(w),
            None => Err(short_addr(i, words.len())),
        }
    }

    /// Appends a word.
    pub fn push(&mut self, w: u64) {
        let mut words = self.words().to_vec();
        words.push(w);
        *self = Addr::from_words(&words);
    }
}

#[cold]
fn short_addr(i: usize, len: usize) -> CodecError {
    CodecError(format!("address of {len} words has no word {i}"))
}

/// Where an envelope goes on its PE: the handler, an entry (the entry method of an element
/// call, or a sub-kind the handler defines) and the handler's address words.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Dest {
    /// Which handler takes it.
    pub handler: HandlerId,
    /// Entry method, or a handler-defined number (0 when unused).
    pub entry: EntryId,
    /// The handler's address words.
    pub addr: Addr,
}

impl Dest {
    /// The two address words of a two-word address (what most handlers use), or an error for a
    /// malformed message.
    #[inline(always)]
    pub fn pair(&self) -> Result<(u64, u64), CodecError> {
        match self.addr {
            Addr::Two([a, b]) => Ok((a, b)),
            Addr::Words(ref w) => Err(CodecError(format!(
                "address of {} words where two were expected",
                w.len()
            ))),
        }
    }

    /// A destination of two address words.
    #[inline(always)]
    pub fn two(handler: HandlerId, entry: EntryId, a: u64, b: u64) -> Self {
        Dest {
            handler,
            entry,
            addr: Addr::two(a, b),
        }
    }
}

/// A message with its address.
#[derive(Debug)]
pub struct Envelope {
    /// Where it goes.
    pub dest: Dest,
    /// Where the result goes, when the caller asked for one.
    pub reply: Option<ReplyTo>,
    /// The payload.
    pub body: Body,
}

impl Envelope {
    /// An envelope with no reply address.
    #[inline]
    pub fn new(dest: Dest, body: Body) -> Self {
        Envelope {
            dest,
            reply: None,
            body,
        }
    }
}

#[cfg(test)]
mod size_tests {
    #[test]
    fn envelopes_stay_small() {
        // Every message moves one of these through queues: a regression guard on its size
        // (80 bytes: Dest 32 (address words 24, entry 4, handler 1), Body 32, reply 16).
        use std::mem::size_of;
        let sizes = (
            size_of::<super::Envelope>(),
            size_of::<super::Dest>(),
            size_of::<super::Body>(),
            size_of::<Option<super::ReplyTo>>(),
        );
        assert!(sizes.0 <= 80, "Envelope, Dest, Body, reply: {sizes:?}");
    }
}
