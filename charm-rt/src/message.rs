//! What travels between PEs: an envelope (destination, entry method, reply address) and a body.

use crate::codec::{self, BodyBuf, CodecError, Decoder, Encoder, Segment, WireBuf};
use crate::ids::{CollectionId, EntryId, TypeId};
use crate::index::Index;
use std::any::Any;

/// The arguments of one entry-method call, or a value for a future: something that can be moved
/// as is to a PE in the same address space, or encoded for another process.
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

impl std::fmt::Display for FutureId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "future {}:{}.{}", self.pe, self.slot, self.gen)
    }
}

/// Where the result of a call goes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ReplyTo {
    /// The future that receives the result.
    pub future: FutureId,
    /// `true` for broadcasts: each PE sends one combined reply with its elements' results.
    pub gather: bool,
    /// `false` when the caller only waits for completion: the return value is not sent.
    pub value: bool,
}

/// How a collection is laid out.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
pub enum Kind {
    /// One chare on one PE.
    Single {
        /// Its PE.
        pe: u32,
    },
    /// One element per PE.
    Group,
    /// Dense array, block-mapped onto PEs.
    Array,
}

/// Everything a PE needs to know about a collection to host its elements and address them.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
pub struct CollectionMeta {
    /// Job-wide id.
    pub id: CollectionId,
    /// Chare type of the elements.
    pub type_id: TypeId,
    /// Layout.
    pub kind: Kind,
    /// Shape (arrays), `(num_pes)` for groups, `(1)` for a single chare.
    pub shape: Index,
    /// Number of PEs of the job.
    pub num_pes: u32,
}

/// Runtime-internal messages.
#[derive(Clone, Copy, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub enum Control {
    /// End the PE's scheduler with this exit code.
    Exit(i32),
    /// (To PE 0) resolve this future at the next quiescence.
    QdStart(FutureId),
    /// (From PE 0) report your message counts once idle, for this wave.
    QdRequest(u32),
    /// (To PE 0) the counts for this wave (in the body).
    QdReply(u32),
    /// (Never leaves its PE) a coroutine that yielded, queued behind the messages ahead of it:
    /// make it ready again. Its task's slot and generation.
    Resume(u32, u32),
}

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

/// Where an envelope goes on its PE.
#[derive(Debug)]
pub enum Dest {
    /// One element of a collection.
    Element {
        /// The collection.
        coll: CollectionId,
        /// Row-major position of the element.
        elem: u32,
    },
    /// Every element of a collection that lives on the receiving PE.
    Broadcast {
        /// The collection.
        coll: CollectionId,
    },
    /// Construct the receiving PE's elements of a new collection.
    Create(Box<CollectionMeta>),
    /// A value for a future.
    Future(FutureId),
    /// A partial or final result of a reduction.
    Reduction {
        /// The collection.
        coll: CollectionId,
        /// Reduction number.
        seq: u32,
        /// Which step.
        phase: RedPhase,
    },
    /// A runtime-internal message.
    Control(Control),
    /// A value on a channel.
    Channel(Box<crate::channel::ChanAddr>),
    /// A global value for this PE.
    Global(Box<crate::globals::GlobalAddr>),
    /// A section's membership, a call to its members or a step of one of its reductions.
    Section(Box<crate::sections::SectionDest>),
}

/// A message with its address.
#[derive(Debug)]
pub struct Envelope {
    /// Where it goes.
    pub dest: Dest,
    /// Entry method (0 when the destination is not an entry method).
    pub entry: EntryId,
    /// Where the result goes, when the caller asked for one.
    pub reply: Option<ReplyTo>,
    /// The payload.
    pub body: Body,
}

#[cfg(test)]
mod size_tests {
    #[test]
    fn envelopes_stay_small() {
        // Every message moves one of these through queues: a regression guard on its size
        // (80 bytes: Dest 24, Body 32, reply 16, entry 4).
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
