//! Channels: in-order streams of values between two chares (Charm4py's `Channel`).
//!
//! Both ends create their end with the other element's proxy; the k-th channel one element
//! creates to another is matched with the k-th channel the other creates back. Sending never
//! blocks; receiving is awaited in a coroutine and returns values in sending order (each value
//! carries a sequence number; early arrivals wait). Values are [`Marshal`], so `Vec`s of plain
//! numbers (also inside tuples) travel on the direct-copy path.

use crate::codec::{CodecError, Encoder, Marshal};
use crate::collections::ElemRef;
use crate::ids::{CollectionId, ElemKey};
use crate::message::{Addr, Body, Dest, Envelope, HandlerId, Message};
use crate::scheduler::{with_pe, Handler, Pe, Services};
use state::ChanState;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

mod state;
#[cfg(test)]
mod test;

/// An element: collection and row-major position.
pub(crate) type ElemAddr = (CollectionId, ElemKey);

/// A value on a channel; address: [`ChanAddr::words`].
pub(crate) const CHANNEL: HandlerId = HandlerId(7);

pub(crate) fn register(s: &mut Services) {
    s.handle(CHANNEL, Handler::new("channel value", arrived));
    s.hooks
        .shutdown
        .push(|_| drop(std::mem::take(&mut *channels().borrow_mut())));
}

thread_local! {
    /// This PE's channel ends (one PE per thread).
    static CHANNELS: Rc<RefCell<Channels>> = Rc::default();
}

fn channels() -> Rc<RefCell<Channels>> {
    CHANNELS.with(Rc::clone)
}

/// Names one value of one direction of a channel: from `from` to `to`, channel number `k`,
/// the `seq`-th value.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) struct ChanAddr {
    to: ElemAddr,
    from: ElemAddr,
    k: u32,
    seq: u64,
}

impl ChanAddr {
    /// As address words: receiver, sender (collection and element each), number, sequence.
    fn words(&self) -> Addr {
        Addr::from_words(&[
            self.to.0 .0,
            self.to.1,
            self.from.0 .0,
            self.from.1,
            u64::from(self.k),
            self.seq,
        ])
    }

    fn read(a: &Addr) -> Result<Self, CodecError> {
        Ok(ChanAddr {
            to: (CollectionId(a.word(0)?), a.word(1)?),
            from: (CollectionId(a.word(2)?), a.word(3)?),
            k: a.word(4)? as u32,
            seq: a.word(5)?,
        })
    }
}

/// Channel ends of one PE: arrived values by (receiver, sender, number), and how many channels
/// each local element opened to each peer.
#[derive(Default)]
pub(crate) struct Channels {
    states: HashMap<(ElemAddr, ElemAddr, u32), ChanState<Body>>,
    opened: HashMap<(ElemAddr, ElemAddr), u32>,
}

/// One end of a channel carrying values of type `T`. Create it inside an entry method,
/// constructor or coroutine of an element; keep it in the chare.
///
/// Each side opens its end with the other's element proxy; the k-th channel an element opens
/// to a peer is matched with the k-th the peer opens back. [`send`](Channel::send) never
/// blocks; [`recv`](Channel::recv) is awaited and returns values in sending order.
///
/// ```
/// use charm_rt::prelude::*;
/// use charm_rt::Channel;
///
/// #[chare]
/// pub struct Stage {}
///
/// #[chare]
/// impl Stage {
///     fn new() -> Self {
///         Stage {}
///     }
///
///     /// Sends `n` squares to `next`.
///     pub fn produce(&self, next: StageElemProxy, n: u64) {
///         let out: Channel<u64> = Channel::new(next);
///         (0..n).for_each(|i| out.send(i * i));
///     }
///
///     /// Sums `n` values from `prev`, in the order they were sent.
///     pub async fn consume(&self, prev: StageElemProxy, n: u64) -> u64 {
///         let input: Channel<u64> = Channel::new(prev);
///         let mut sum = 0;
///         for _ in 0..n {
///             sum += input.recv().await;
///         }
///         sum
///     }
/// }
///
/// let code = charm_rt::run(charm_rt::Config::with_pes(2), || async {
///     let stages = StageProxy::new_array(2); // one element per PE
///     let (a, b) = (stages.elem(0), stages.elem(1));
///     let sum = b.consume_ret(a, 4);
///     a.produce(b, 4);
///     assert_eq!(sum.await.unwrap(), 0 + 1 + 4 + 9);
/// });
/// assert_eq!(code, 0);
/// ```
///
/// A channel end is a plain value (serde), so a migratable chare keeps its channels when it moves:
/// values sent to it follow it, and those that arrived and were not taken yet travel with it.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(bound = "")]
pub struct Channel<T> {
    me: ElemAddr,
    peer: ElemRef,
    k: u32,
    sent: Cell<u64>,
    _t: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for Channel<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Channel(#{} to {:?})", self.k, self.peer)
    }
}

struct ChanMsg<T>(T);

impl<T: Marshal> Message for ChanMsg<T> {
    fn encode<'a>(&'a self, enc: &mut Encoder<'_, 'a>) {
        self.0.encode(enc)
    }
}

impl<T: Marshal> Channel<T> {
    /// Opens this element's end of its next channel to `peer` (which opens the other end with
    /// this element's proxy).
    #[track_caller]
    pub fn new(peer: impl Into<ElemRef>) -> Self {
        let peer = peer.into();
        with_pe(|pe| {
            let ctx = pe.current.get().unwrap_or_else(|| {
                panic!("charm-rs: a channel is opened from an entry method, constructor or coroutine of an element")
            });
            let me = (ctx.coll, ctx.elem);
            let them = (peer.collection(), peer.key());
            let all = channels();
            let mut chans = all.borrow_mut();
            let n = chans.opened.entry((me, them)).or_insert(0);
            let k = *n;
            *n += 1;
            Channel {
                me,
                peer,
                k,
                sent: Cell::new(0),
                _t: PhantomData,
            }
        })
    }

    /// Sends a value (never blocks).
    pub fn send(&self, value: T) {
        let seq = self.sent.get();
        self.sent.set(seq + 1);
        let addr = ChanAddr {
            to: (self.peer.collection(), self.peer.key()),
            from: self.me,
            k: self.k,
            seq,
        };
        let dest = Dest {
            handler: CHANNEL,
            entry: 0,
            addr: addr.words(),
        };
        with_pe(|pe| pe.route_typed(self.peer.pe(), dest, None, ChanMsg(value)));
    }

    /// The next value, in sending order (await it in a coroutine).
    pub fn recv(&self) -> Recv<T> {
        Recv {
            key: (self.me, (self.peer.collection(), self.peer.key()), self.k),
            _t: PhantomData,
        }
    }

    /// The other end's element.
    pub fn peer(&self) -> ElemRef {
        self.peer
    }
}

/// Awaiting the next value of a channel (`Unpin`, so several can go in a [`WaitAny`](crate::WaitAny),
/// Charm4py's `iwait`).
#[must_use = "futures do nothing unless awaited"]
pub struct Recv<T> {
    key: (ElemAddr, ElemAddr, u32),
    _t: PhantomData<fn() -> T>,
}

fn decode<T: Marshal>(body: Body) -> Result<T, CodecError> {
    body.take("channel value", |d| T::decode(d).map(ChanMsg))
        .map(|m: ChanMsg<T>| m.0)
}

impl<T: Marshal> std::future::Future for Recv<T> {
    type Output = T;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let key = self.key;
        let body = with_pe(|_| {
            let all = channels();
            let mut chans = all.borrow_mut();
            chans.states.entry(key).or_default().take_next(cx.waker())
        });
        match body {
            Some(b) => {
                Poll::Ready(decode(b).unwrap_or_else(|e| panic!("charm-rs: channel message: {e}")))
            }
            None => Poll::Pending,
        }
    }
}

/// The handler of channel values: kept for the receiving element if it is here, otherwise sent
/// where it went (or kept until it arrives).
fn arrived(pe: &Pe, env: Envelope) {
    let addr = ChanAddr::read(&env.dest.addr).unwrap_or_else(|e| pe.malformed(&env, e));
    let (coll, elem) = addr.to;
    let Some(c) = crate::collections::service::lookup(coll) else {
        return crate::collections::service::park(coll, env);
    };
    let at = crate::location::arrival(pe, &c.meta, &c.table.borrow().here, elem);
    match at {
        crate::location::Arrival::Here(_) => pe.channel_arrived(addr, env.body),
        other => crate::collections::migrate::not_here(pe, &c, elem, env, other),
    }
}

/// Values of a channel that arrived and were not taken, by sequence number (encoded).
type Waiting = Vec<(u64, Vec<u8>)>;

/// A receiving element's channel ends, which travel with it.
#[derive(serde::Serialize, serde::Deserialize)]
struct Ends {
    /// Per channel to it: the sender, the channel number, the next sequence number, and the
    /// values that arrived and were not taken.
    receiving: Vec<(ElemAddr, u32, u64, Waiting)>,
    /// How many channels it opened to each peer.
    opened: Vec<(ElemAddr, u32)>,
}

/// Takes a leaving element's channel state off this PE.
fn take_ends(pe: &Pe, coll: CollectionId, elem: ElemKey) -> Option<Vec<u8>> {
    let me = (coll, elem);
    let all = channels();
    let mut chans = all.borrow_mut();
    let keys: Vec<_> = chans.states.keys().filter(|k| k.0 == me).copied().collect();
    let mut ends = Ends {
        receiving: Vec::with_capacity(keys.len()),
        opened: Vec::new(),
    };
    for key in keys {
        let st = chans.states.remove(&key).expect("listed above");
        let Some((next, early)) = st.export() else {
            pe.abort("internal error: a channel receiver waits in an element that moves");
        };
        let early = early
            .into_iter()
            .map(|(seq, body)| {
                let w = body.into_wire();
                (seq, crate::codec::inline_externals(&w).as_bytes().to_vec())
            })
            .collect();
        ends.receiving.push((key.1, key.2, next, early));
    }
    let opened: Vec<_> = chans.opened.keys().filter(|k| k.0 == me).copied().collect();
    for key in opened {
        let n = chans.opened.remove(&key).expect("listed above");
        ends.opened.push((key.1, n));
    }
    if ends.receiving.is_empty() && ends.opened.is_empty() {
        return None;
    }
    Some(
        crate::codec::encode_to_buf(|e| e.serde(&ends))
            .as_bytes()
            .to_vec(),
    )
}

/// Puts an arriving element's channel state back.
fn put_ends(pe: &Pe, coll: CollectionId, elem: ElemKey, bytes: &[u8]) {
    let me = (coll, elem);
    let ends: Ends = crate::codec::Decoder::new(bytes)
        .and_then(|mut d| d.serde())
        .unwrap_or_else(|e| pe.abort(&format!("malformed element move (channels): {e}")));
    let all = channels();
    let mut chans = all.borrow_mut();
    for (from, k, next, early) in ends.receiving {
        let early = early
            .into_iter()
            .map(|(seq, bytes)| {
                let mut buf = crate::codec::WireBuf::with_capacity(bytes.len());
                buf.extend_from_slice(&bytes);
                (seq, Body::Wire(crate::message::WireBody::new(buf)))
            })
            .collect();
        // Values that reached this PE before the element did are already in the table.
        let st = chans.states.remove(&(me, from, k));
        let mut moved = ChanState::import(next, early);
        if let Some(st) = st {
            if let Some((_, arrived)) = st.export() {
                for (seq, body) in arrived {
                    if let Err(state::Duplicate(seq)) = moved.arrive(seq, body) {
                        pe.abort(&format!("channel value #{seq} arrived twice"));
                    }
                }
            }
        }
        chans.states.insert((me, from, k), moved);
    }
    for (peer, n) in ends.opened {
        chans.opened.insert((me, peer), n);
    }
}

/// The channel service's state that travels with a moving element.
pub(crate) fn carrier() -> crate::location::Carrier {
    crate::location::Carrier {
        take: take_ends,
        put: put_ends,
    }
}

impl Pe {
    /// A channel value arrived for a local element.
    fn channel_arrived(&self, addr: ChanAddr, body: Body) {
        let woken = channels()
            .borrow_mut()
            .states
            .entry((addr.to, addr.from, addr.k))
            .or_default()
            .arrive(addr.seq, body);
        match woken {
            Ok(wakers) => wakers.into_iter().for_each(Waker::wake),
            Err(state::Duplicate(seq)) => {
                self.abort(&format!("channel value #{seq} arrived twice"))
            }
        }
    }
}
