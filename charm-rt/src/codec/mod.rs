//! The codec: how entry-method arguments and future values become bytes and back.
//!
//! This is the only module that knows the serializer (serde + bincode 2). A message body is
//!
//! ```text
//! u32 serde_len | u32 bulk_count | serde section (serde_len bytes) | pad to 8 |
//! (u64 byte_len | raw bytes | pad to 8) * bulk_count
//! ```
//!
//! Arguments of plain numeric slice or `Vec` types ("bulk" arguments) skip serde: their bytes are
//! copied once into the buffer and handed to the receiver as an aligned slice, with no per-element
//! decoding (the "direct copy" of Charm4py, made automatic). Everything else is bincode.
//!
//! A layer that crosses processes may ask for large bulk arguments to stay *external*: the body
//! then records only their length and element size (`byte_len | elem_size << 56 | 1 << 63`), and
//! the layer moves the bytes separately, straight from the sender's memory into a [`Segment`]
//! that the decoder hands to the receiver as its `Vec` without a copy.

mod body_buf;
pub(crate) mod bulk_serde;
mod envelope;
mod marshal;
mod segment;
mod wire;

// What only the layers that cross processes (MPI) use is built, and unit-tested, without them.
#[cfg_attr(not(feature = "mpi"), allow(unused_imports))]
pub use body_buf::{BodyBuf, PooledBuf};
#[cfg_attr(not(feature = "mpi"), allow(unused_imports))]
pub use envelope::{
    decode_shared_envelope, encode_envelope, encode_parts, has_externals, stated_words, BodyRef,
    Head,
};
pub use marshal::{Marshal, Serde};
pub use segment::Segment;
pub use wire::WireBuf;

const EXTERNAL_BIT: u64 = 1 << 63;
const LEN_MASK: u64 = (1 << 56) - 1;

use serde::{de::DeserializeOwned, Serialize};
use smallvec::SmallVec;
use std::borrow::Cow;
use std::fmt;

/// Plain numeric element types that travel on the direct-copy path.
pub trait Pod: bytemuck::Pod + Send + Sync + 'static {}

/// Calls `$m!(u8, i8, ...)` with the plain numeric types. The list is the one `#[chare]`
/// classifies argument types with (in charm-macros), so the two cannot disagree.
macro_rules! for_each_pod {
    ($m:ident) => {
        charm_macros::__for_each_pod!($m);
    };
}
pub(crate) use for_each_pod;

macro_rules! pod {
    ($($t:ty),*) => { $(impl Pod for $t {})* };
}
for_each_pod!(pod);

fn config() -> impl bincode::config::Config {
    bincode::config::standard()
}

/// A message that cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecError(pub String);

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed message: {}", self.0)
    }
}

impl std::error::Error for CodecError {}

struct BufWriter<'a>(&'a mut WireBuf);

impl bincode::enc::write::Writer for BufWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> Result<(), bincode::error::EncodeError> {
        self.0.extend_from_slice(bytes);
        Ok(())
    }
}

/// Writes the arguments of one message, in order. `'a` is the lifetime of the arguments, whose
/// direct-copy slices are copied only when the encoder finishes.
pub struct Encoder<'b, 'a> {
    buf: &'b mut WireBuf,
    start: usize,
    bulk: SmallVec<[(&'a [u8], u8); 4]>,
    external_min: usize,
}

/// Bulk arguments left out of a body, to be moved by the layer: bytes and element size.
pub type Externals<'a> = SmallVec<[(&'a [u8], usize); 2]>;

impl<'b, 'a> Encoder<'b, 'a> {
    /// Starts a body at the end of `buf` (which must be 8-aligned there).
    #[inline]
    pub fn new(buf: &'b mut WireBuf) -> Self {
        Self::with_externals(buf, usize::MAX)
    }

    /// Like [`Encoder::new`], but bulk arguments of at least `external_min` bytes are left out of
    /// the buffer and returned by [`Encoder::finish`] for the layer to move separately.
    #[inline]
    pub fn with_externals(buf: &'b mut WireBuf, external_min: usize) -> Self {
        buf.align8();
        let start = buf.len();
        buf.push_u64(0);
        Encoder {
            buf,
            start,
            bulk: SmallVec::new(),
            external_min,
        }
    }

    /// Appends a value through serde.
    pub fn serde<T: Serialize + ?Sized>(&mut self, v: &T) {
        bincode::serde::encode_into_writer(v, BufWriter(self.buf), config())
            .unwrap_or_else(|e| panic!("charm-rs: cannot serialize an argument: {e}"));
    }

    /// Appends bytes to the serde stream as they are (for values whose serde form is known to
    /// be exactly these bytes).
    #[inline]
    pub(crate) fn serde_raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Appends a slice of plain numbers on the direct-copy path.
    pub fn bulk<P: Pod>(&mut self, v: &'a [P]) {
        self.bulk
            .push((bytemuck::cast_slice(v), std::mem::size_of::<P>() as u8));
    }

    /// Writes the direct-copy section and the lengths; returns the external arguments.
    #[inline]
    pub fn finish(mut self) -> Externals<'a> {
        self.finish_in_place()
    }

    /// [`Encoder::finish`] without moving the encoder (it is large: moving it costs more than
    /// encoding a small message).
    fn finish_in_place(&mut self) -> Externals<'a> {
        let start = self.start;
        let serde_len = self.buf.len() - start - 8;
        let serde_len = u32::try_from(serde_len).expect("serde section over 4 GiB");
        self.buf
            .patch_u64(start, u64::from(serde_len) | (self.bulk.len() as u64) << 32);
        let mut externals = Externals::new();
        for &(seg, elem_size) in self.bulk.iter() {
            self.buf.align8();
            if seg.len() >= self.external_min {
                let word = seg.len() as u64 | (u64::from(elem_size) << 56) | EXTERNAL_BIT;
                self.buf.push_u64(word);
                externals.push((seg, elem_size as usize));
            } else {
                self.buf.push_u64(seg.len() as u64);
                self.buf.extend_from_slice(seg);
            }
        }
        externals
    }
}

/// Encodes a whole message into a fresh buffer.
pub fn encode_to_buf<'a>(write: impl for<'b> FnOnce(&mut Encoder<'b, 'a>)) -> WireBuf {
    let mut buf = WireBuf::new();
    encode_into(&mut buf, write);
    buf
}

/// Encodes a message at the end of `buf`.
pub fn encode_into<'a>(buf: &mut WireBuf, write: impl for<'b> FnOnce(&mut Encoder<'b, 'a>)) {
    let mut enc = Encoder::new(buf);
    write(&mut enc);
    let externals = enc.finish_in_place();
    debug_assert!(externals.is_empty());
}

/// Encodes a message at the end of `buf`, leaving bulk arguments of `external_min` bytes or more
/// out of it; returns them.
#[cfg_attr(not(feature = "mpi"), allow(dead_code))]
pub fn encode_with_externals<'a>(
    buf: &mut WireBuf,
    external_min: usize,
    write: impl for<'b> FnOnce(&mut Encoder<'b, 'a>),
) -> Externals<'a> {
    let mut enc = Encoder::with_externals(buf, external_min);
    write(&mut enc);
    enc.finish_in_place()
}

/// Appends `v` through serde, with no body framing (for envelope headers).
pub(crate) fn serde_append<T: Serialize + ?Sized>(buf: &mut WireBuf, v: &T) {
    bincode::serde::encode_into_writer(v, BufWriter(buf), config())
        .unwrap_or_else(|e| panic!("charm-rs: cannot serialize a message header: {e}"));
}

/// Reads a value written by [`serde_append`] that must fill `bytes` exactly.
pub(crate) fn serde_exact<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    let (v, used) = bincode::serde::decode_from_slice::<T, _>(bytes, config())
        .map_err(|e| CodecError(format!("cannot decode a message header: {e}")))?;
    if used != bytes.len() {
        return Err(CodecError("trailing bytes after a message header".into()));
    }
    Ok(v)
}

/// An address carrying a serde value, for kinds of message rare enough that serde's cost does
/// not matter and whose address is more than a few numbers: its byte length, then its bytes
/// packed into little-endian words.
pub(crate) fn serde_addr<T: Serialize + ?Sized>(v: &T) -> crate::message::Addr {
    let mut buf = WireBuf::new();
    serde_append(&mut buf, v);
    let len = buf.len();
    buf.align8();
    let mut addr = crate::message::Addr::from_words(&[len as u64]);
    for &w in buf.words() {
        addr.push(w);
    }
    addr
}

/// Reads a value written by [`serde_addr`].
pub(crate) fn addr_serde<T: DeserializeOwned>(
    addr: &crate::message::Addr,
) -> Result<T, CodecError> {
    let (len, words) = match addr.words().split_first() {
        Some((&len, words)) => (len, words),
        None => return Err(CodecError("empty address".into())),
    };
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    let len = usize::try_from(len)
        .ok()
        .filter(|&n| n <= bytes.len())
        .ok_or_else(|| CodecError(format!("address states {len} bytes, has {}", bytes.len())))?;
    serde_exact(&bytes[..len])
}

/// The external arguments a body refers to, in order: byte length and element size.
#[cfg_attr(not(feature = "mpi"), allow(dead_code))]
pub fn external_layout(bytes: &[u8]) -> Result<SmallVec<[(usize, usize); 2]>, CodecError> {
    let serde_len = read_u32(bytes, 0)? as usize;
    let count = read_u32(bytes, 4)?;
    let mut at = (8 + serde_len).next_multiple_of(8);
    let mut out = SmallVec::new();
    for _ in 0..count {
        let word = bytes
            .get(at..at + 8)
            .map(|w| u64::from_le_bytes(w.try_into().expect("8 bytes")))
            .ok_or_else(|| CodecError("truncated direct-copy length".into()))?;
        let len = (word & LEN_MASK) as usize;
        if word & EXTERNAL_BIT != 0 {
            out.push((len, ((word >> 56) & 0x7f) as usize));
            at += 8;
        } else {
            at = (at + 8 + len).next_multiple_of(8);
        }
    }
    Ok(out)
}

/// A copy of a received body with its external direct-copy arguments put back inline, so it can
/// be passed on to another PE (sections forward calls down their tree).
pub(crate) fn inline_externals(w: &crate::message::WireBody) -> WireBuf {
    let bytes = w.bytes();
    let segs: &[Segment] = w.external.as_ref().map_or(&[], |e| &e.0[..]);
    fn malformed() -> ! {
        panic!("charm-rs: internal error: a received body is malformed; please report it")
    }
    let serde_len = read_u32(bytes, 0).unwrap_or_else(|_| malformed()) as usize;
    let count = read_u32(bytes, 4).unwrap_or_else(|_| malformed());
    let mut at = (8 + serde_len).next_multiple_of(8);
    let mut out = WireBuf::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..at.min(bytes.len())]);
    let mut next_seg = segs.iter();
    for _ in 0..count {
        out.align8();
        let word = bytes
            .get(at..at + 8)
            .map(|w| u64::from_le_bytes(w.try_into().expect("8 bytes")))
            .unwrap_or_else(|| malformed());
        let len = (word & LEN_MASK) as usize;
        if word & EXTERNAL_BIT != 0 {
            let seg = next_seg.next().unwrap_or_else(|| malformed());
            out.extend_from_slice(&(len as u64).to_le_bytes());
            out.extend_from_slice(seg.as_bytes());
            at += 8;
        } else {
            out.extend_from_slice(&bytes[at..at + 8 + len]);
            at = (at + 8 + len).next_multiple_of(8);
        }
    }
    out.align8();
    out
}

/// The external segments a decoder reads from.
enum Ext<'a> {
    /// The decoder owns them: `Vec`s are taken without a copy.
    Unique(&'a mut [Segment]),
    /// Shared with other receivers: read only.
    Shared(&'a [Segment]),
}

/// Reads the arguments of one message, in the order they were written.
pub struct Decoder<'a> {
    serde: &'a [u8],
    bulk: &'a [u8],
    bulk_left: u32,
    external: Ext<'a>,
}

/// One direct-copy argument as stored.
enum BulkRef<'a> {
    Inline(&'a [u8]),
    External(&'a mut Segment),
    SharedExternal(&'a Segment),
}

fn read_u32(b: &[u8], at: usize) -> Result<u32, CodecError> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes(s.try_into().unwrap()))
        .ok_or_else(|| CodecError("truncated header".into()))
}

// The decoder's errors are built out of line, so that its small functions inline into the
// generated dispatch code. Not inlined, each returned its result through memory, and reading it
// back with wider loads than it was written with stalled the processor (store forwarding) on
// every message.
#[cold]
#[inline(never)]
fn truncated(what: &str) -> CodecError {
    CodecError(format!("truncated {what}"))
}

#[cold]
#[inline(never)]
fn truncated_section(what: &str, len: usize) -> CodecError {
    CodecError(format!("{what} of {len} bytes is truncated"))
}

#[cold]
#[inline(never)]
fn missing_bulk() -> CodecError {
    CodecError("missing direct-copy argument".into())
}

#[cold]
#[inline(never)]
fn unread(serde: usize, bulk: u32) -> CodecError {
    CodecError(format!(
        "{serde} unread serde bytes and {bulk} unread direct-copy arguments"
    ))
}

impl<'a> Decoder<'a> {
    /// Opens a body; `bytes` must start where [`Encoder::new`] started it.
    #[inline(always)]
    pub fn new(bytes: &'a [u8]) -> Result<Self, CodecError> {
        let Some((head, _)) = bytes.split_first_chunk::<8>() else {
            return Err(truncated("header"));
        };
        let serde_len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let bulk_left = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
        let Some(serde) = bytes.get(8..8 + serde_len) else {
            return Err(truncated_section("serde section", serde_len));
        };
        let bulk_start = (8 + serde_len).next_multiple_of(8);
        let bulk = bytes.get(bulk_start..).unwrap_or(&[]);
        Ok(Decoder {
            serde,
            bulk,
            bulk_left,
            external: Ext::Shared(&[]),
        })
    }

    /// Opens a body whose external arguments were received into `external` (taken on decode).
    #[inline]
    pub fn with_externals(
        bytes: &'a [u8],
        external: &'a mut [Segment],
    ) -> Result<Self, CodecError> {
        Ok(Decoder {
            external: Ext::Unique(external),
            ..Decoder::new(bytes)?
        })
    }

    /// Opens a body whose external arguments are shared with other receivers (copied on decode).
    pub fn with_shared_externals(
        bytes: &'a [u8],
        external: &'a [Segment],
    ) -> Result<Self, CodecError> {
        Ok(Decoder {
            external: Ext::Shared(external),
            ..Decoder::new(bytes)?
        })
    }

    /// Reads the next serde argument.
    pub fn serde<T: DeserializeOwned>(&mut self) -> Result<T, CodecError> {
        let (v, used) =
            bincode::serde::decode_from_slice::<T, _>(self.serde, config()).map_err(|e| {
                CodecError(format!("cannot decode {}: {e}", std::any::type_name::<T>()))
            })?;
        self.serde = &self.serde[used..];
        Ok(v)
    }

    /// Reads `N` bytes of the serde stream as they are (see [`Encoder::serde_raw`]).
    #[inline]
    pub(crate) fn serde_raw<const N: usize>(&mut self) -> Result<[u8; N], CodecError> {
        let Some((head, rest)) = self.serde.split_first_chunk::<N>() else {
            return Err(CodecError("truncated argument".into()));
        };
        self.serde = rest;
        Ok(*head)
    }

    #[inline(always)]
    fn next_bulk(&mut self) -> Result<BulkRef<'a>, CodecError> {
        if self.bulk_left == 0 {
            return Err(missing_bulk());
        }
        self.bulk_left -= 1;
        let Some((len_bytes, _)) = self.bulk.split_first_chunk::<8>() else {
            return Err(truncated("direct-copy length"));
        };
        let word = u64::from_le_bytes(*len_bytes);
        let len = (word & LEN_MASK) as usize;
        if word & EXTERNAL_BIT != 0 {
            return self.next_external(len);
        }
        let Some(data) = self.bulk.get(8..8 + len) else {
            return Err(truncated_section("direct-copy argument", len));
        };
        let next = (8 + len).next_multiple_of(8).min(self.bulk.len());
        self.bulk = &self.bulk[next..];
        Ok(BulkRef::Inline(data))
    }

    /// The next argument, which arrived outside the message (`len` bytes).
    #[inline(never)]
    fn next_external(&mut self, len: usize) -> Result<BulkRef<'a>, CodecError> {
        self.bulk = &self.bulk[8..];
        let missing = || CodecError("external direct-copy argument was not received".into());
        let seg = match std::mem::replace(&mut self.external, Ext::Shared(&[])) {
            Ext::Unique(segs) => {
                let (first, rest) = segs.split_first_mut().ok_or_else(missing)?;
                self.external = Ext::Unique(rest);
                if first.as_bytes().len() != len {
                    return Err(CodecError("external argument has the wrong length".into()));
                }
                BulkRef::External(first)
            }
            Ext::Shared(segs) => {
                let (first, rest) = segs.split_first().ok_or_else(missing)?;
                self.external = Ext::Shared(rest);
                if first.as_bytes().len() != len {
                    return Err(CodecError("external argument has the wrong length".into()));
                }
                BulkRef::SharedExternal(first)
            }
        };
        Ok(seg)
    }

    #[inline]
    fn view<P: Pod>(bytes: &'a [u8]) -> Result<Cow<'a, [P]>, CodecError> {
        if !bytes.len().is_multiple_of(std::mem::size_of::<P>()) {
            return Err(CodecError(format!(
                "direct-copy argument of {} bytes is not a whole number of {}",
                bytes.len(),
                std::any::type_name::<P>()
            )));
        }
        match bytemuck::try_cast_slice::<u8, P>(bytes) {
            Ok(s) => Ok(Cow::Borrowed(s)),
            Err(_) => Ok(Cow::Owned(bytemuck::allocation::pod_collect_to_vec(bytes))),
        }
    }

    /// Reads the next direct-copy argument as a slice: borrowed from the message when aligned.
    pub fn bulk_slice<P: Pod>(&mut self) -> Result<Cow<'a, [P]>, CodecError> {
        match self.next_bulk()? {
            BulkRef::Inline(b) => Self::view(b),
            BulkRef::External(s) => Self::view(&*s.as_bytes_mut()),
            BulkRef::SharedExternal(s) => Self::view(s.as_bytes()),
        }
    }

    /// Reads the next direct-copy argument into an owned `Vec`: taken without a copy when it
    /// arrived as an external segment of the same element layout, else one memcpy.
    #[inline(always)]
    pub fn bulk_vec<P: Pod>(&mut self) -> Result<Vec<P>, CodecError> {
        match self.next_bulk()? {
            BulkRef::External(s) => {
                if !s.as_bytes().len().is_multiple_of(std::mem::size_of::<P>()) {
                    return Err(CodecError(format!(
                        "external argument is not a whole number of {}",
                        std::any::type_name::<P>()
                    )));
                }
                Ok(s.take_vec::<P>())
            }
            BulkRef::Inline(b) => Ok(Self::view::<P>(b)?.into_owned()),
            BulkRef::SharedExternal(s) => Ok(Self::view::<P>(s.as_bytes())?.into_owned()),
        }
    }

    /// Checks that every argument was consumed.
    #[inline(always)]
    pub fn finish(self) -> Result<(), CodecError> {
        if !self.serde.is_empty() || self.bulk_left != 0 {
            return Err(unread(self.serde.len(), self.bulk_left));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn externals_put_back_inline() {
        let big: Vec<f64> = (0..300).map(|i| i as f64).collect();
        let small: Vec<u16> = vec![4, 5, 6];
        let mut buf = WireBuf::new();
        let ext = encode_with_externals(&mut buf, 1024, |e| {
            e.serde(&"x");
            e.bulk(&big);
            e.bulk(&small);
        });
        let segs: Vec<Segment> = ext
            .iter()
            .map(|(bytes, elem)| {
                let mut s = Segment::zeroed(bytes.len(), *elem).unwrap();
                s.as_bytes_mut().copy_from_slice(bytes);
                s
            })
            .collect();
        assert_eq!(segs.len(), 1);
        drop(ext);
        let mut w = crate::message::WireBody::new(buf);
        w.external = Some(Box::new(crate::message::Segments(segs)));
        let flat = inline_externals(&w);
        let mut d = Decoder::new(flat.as_bytes()).unwrap();
        assert_eq!(d.serde::<String>().unwrap(), "x");
        assert_eq!(d.bulk_vec::<f64>().unwrap(), big);
        assert_eq!(d.bulk_vec::<u16>().unwrap(), small);
        d.finish().unwrap();
    }

    #[test]
    fn mixed_arguments_round_trip() {
        let data: Vec<f64> = (0..1000).map(|i| i as f64 * 0.5).collect();
        let small: Vec<u8> = vec![1, 2, 3];
        let buf = encode_to_buf(|e| {
            e.serde(&7u32);
            e.bulk(&small);
            e.serde("hello");
            e.bulk(&data);
        });
        let mut d = Decoder::new(buf.as_bytes()).unwrap();
        assert_eq!(d.serde::<u32>().unwrap(), 7);
        assert_eq!(&*d.bulk_slice::<u8>().unwrap(), &small[..]);
        assert_eq!(d.serde::<String>().unwrap(), "hello");
        let view = d.bulk_slice::<f64>().unwrap();
        assert!(
            matches!(view, Cow::Borrowed(_)),
            "aligned bulk data is viewed in place"
        );
        assert_eq!(&*view, &data[..]);
        d.finish().unwrap();
    }

    #[test]
    fn truncated_messages_are_errors_not_panics() {
        let buf = encode_to_buf(|e| {
            e.serde(&"some string".to_string());
            e.bulk(&[1.0f64, 2.0][..]);
        });
        let bytes = buf.as_bytes();
        for cut in 0..bytes.len() {
            let res = Decoder::new(&bytes[..cut]).and_then(|mut d| {
                d.serde::<String>()?;
                d.bulk_vec::<f64>()?;
                d.finish()
            });
            assert!(res.is_err(), "cut at {cut} decoded");
        }
    }

    #[test]
    fn wrong_type_is_an_error() {
        let buf = encode_to_buf(|e| e.serde(&1u8));
        let mut d = Decoder::new(buf.as_bytes()).unwrap();
        assert!(d.bulk_vec::<f64>().is_err());
    }

    #[test]
    fn unaligned_bulk_is_copied() {
        // A body starting at an odd offset still decodes (copying instead of borrowing).
        let buf = encode_to_buf(|e| e.bulk(&[1.5f64, 2.5][..]));
        let mut shifted = vec![0u8];
        shifted.extend_from_slice(buf.as_bytes());
        let mut d = Decoder::new(&shifted[1..]).unwrap();
        assert_eq!(&*d.bulk_slice::<f64>().unwrap(), &[1.5, 2.5]);
    }
}
