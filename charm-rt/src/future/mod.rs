//! Futures: values that arrive later, from any PE.
//!
//! A [`Future`] is a small, copyable handle (the creating PE and a slot) that can be sent inside
//! messages to any chare; whoever holds a copy may resolve it with [`Future::send`]. Only the
//! creating PE can await it. The results of awaitable calls arrive through [`Reply`] and
//! [`BroadcastReply`], which the generated proxy methods return.

pub(crate) mod service;
pub(crate) mod table;
pub(crate) mod value;
mod wait;

pub use wait::{wait_all, WaitAny};

use crate::error::CallError;
use crate::message::FutureId;
use crate::scheduler::{try_with_pe, with_pe, Pe};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use service::table;
use std::future::IntoFuture;
use std::marker::PhantomData;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};
use value::{decode_gather, decode_plain, decode_reply, unpack_gather, unpack_reply, Serde, Value};

fn poll_values(
    id: FutureId,
    cx: &mut Context<'_>,
) -> Poll<smallvec::SmallVec<[Box<dyn std::any::Any + Send>; 1]>> {
    let r = with_pe(|pe| {
        if pe.id as u32 != id.pe {
            pe.abort(&format!(
                "{id} was created on PE {} and can only be awaited there, not on PE {}",
                id.pe, pe.id
            ));
        }
        let task = pe.polled_task(cx.waker());
        table(|t| t.borrow_mut().poll_take(id, cx.waker(), task))
    });
    match r {
        Ok(Some(v)) => Poll::Ready(v),
        Ok(None) => Poll::Pending,
        Err(msg) => panic!("charm-rs: {msg}"),
    }
}

/// A value of type `T` that some chare will send later, possibly from another PE.
///
/// ```no_run
/// # async fn demo() {
/// let f = charm_rt::Future::<u64>::new();
/// // hand `f` to a chare in a message; it calls `f.send(42)` when done
/// let v: u64 = f.await;
/// # }
/// ```
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
pub struct Future<T> {
    id: FutureId,
    #[serde(skip)]
    _t: PhantomData<fn() -> T>,
}

impl<T> Clone for Future<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Future<T> {}

impl<T> Future<T> {
    pub(crate) fn raw_id(&self) -> FutureId {
        self.id
    }
}

impl<T> std::fmt::Debug for Future<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.id)
    }
}

impl<T: Serialize + DeserializeOwned + Send + 'static> Default for Future<T> {
    #[track_caller]
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Serialize + DeserializeOwned + Send + 'static> Future<T> {
    /// A new future on this PE, expecting one value.
    #[track_caller]
    pub fn new() -> Self {
        Self::new_at(Location::caller())
    }

    /// A new future whose creation site (named in errors) is `at`.
    pub(crate) fn new_at(at: &'static Location<'static>) -> Self {
        let id = with_pe(|_| table(|t| t.borrow_mut().create(1, decode_plain::<Serde<T>>, at)));
        Future {
            id,
            _t: PhantomData,
        }
    }

    /// Job-wide identity, for messages and errors.
    pub fn id(&self) -> FutureId {
        self.id
    }

    /// Resolves the future (from any PE). Sending a second value is a fatal error naming the future.
    pub fn send(&self, value: T) {
        send_value(self.id, Serde(value))
    }

    /// True once the value arrived (only meaningful on the creating PE).
    pub fn is_ready(&self) -> bool {
        try_with_pe(|_| table(|t| t.borrow().is_ready(self.id))).unwrap_or(false)
    }

    /// Waits for the value (same as `.await` on the future).
    pub fn get(self) -> FutureWait<T> {
        FutureWait {
            id: self.id,
            _t: PhantomData,
        }
    }
}

fn send_value<M: crate::message::Message>(id: FutureId, msg: M) {
    with_pe(|pe| service::send_typed(pe, id, msg))
}

impl<T: Serialize + DeserializeOwned + Send + 'static> IntoFuture for Future<T> {
    type Output = T;
    type IntoFuture = FutureWait<T>;
    fn into_future(self) -> FutureWait<T> {
        self.get()
    }
}

/// Awaiting a [`Future`].
#[must_use = "futures do nothing unless awaited"]
pub struct FutureWait<T> {
    id: FutureId,
    _t: PhantomData<fn() -> T>,
}

impl<T: Serialize + DeserializeOwned + Send + 'static> std::future::Future for FutureWait<T> {
    type Output = T;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        poll_values(self.id, cx).map(|mut v| {
            v.pop()
                .expect("one value")
                .downcast::<Serde<T>>()
                .expect("charm-rs: future value of unexpected type")
                .0
        })
    }
}

/// A future that expects `n` values, from any PEs; awaiting it gives them in arrival order.
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
pub struct MultiFuture<T> {
    id: FutureId,
    #[serde(skip)]
    _t: PhantomData<fn() -> T>,
}

impl<T> Clone for MultiFuture<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for MultiFuture<T> {}

impl<T: Serialize + DeserializeOwned + Send + 'static> MultiFuture<T> {
    /// A new future on this PE expecting `n` values (`n >= 1`).
    #[track_caller]
    pub fn new(n: usize) -> Self {
        let at = Location::caller();
        let n = u32::try_from(n).expect("too many values");
        let id = with_pe(|_| table(|t| t.borrow_mut().create(n, decode_plain::<Serde<T>>, at)));
        MultiFuture {
            id,
            _t: PhantomData,
        }
    }

    /// Sends one of the values (from any PE).
    pub fn send(&self, value: T) {
        send_value(self.id, Serde(value))
    }

    /// Job-wide identity.
    pub fn id(&self) -> FutureId {
        self.id
    }

    /// True once all values arrived.
    pub fn is_ready(&self) -> bool {
        try_with_pe(|_| table(|t| t.borrow().is_ready(self.id))).unwrap_or(false)
    }
}

impl<T: Serialize + DeserializeOwned + Send + 'static> IntoFuture for MultiFuture<T> {
    type Output = Vec<T>;
    type IntoFuture = MultiFutureWait<T>;
    fn into_future(self) -> MultiFutureWait<T> {
        MultiFutureWait {
            id: self.id,
            _t: PhantomData,
        }
    }
}

/// Awaiting a [`MultiFuture`].
#[must_use = "futures do nothing unless awaited"]
pub struct MultiFutureWait<T> {
    id: FutureId,
    _t: PhantomData<fn() -> T>,
}

impl<T: Serialize + DeserializeOwned + Send + 'static> std::future::Future for MultiFutureWait<T> {
    type Output = Vec<T>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<T>> {
        poll_values(self.id, cx).map(|v| {
            v.into_iter()
                .map(|b| {
                    b.downcast::<Serde<T>>()
                        .expect("charm-rs: future value of unexpected type")
                        .0
                })
                .collect()
        })
    }
}

type UnpackFn<T> = fn(Box<dyn std::any::Any + Send>) -> Result<T, CallError>;
type UnpackPartFn<T> = fn(Box<dyn std::any::Any + Send>) -> Result<Vec<(u64, T)>, CallError>;

/// The result of an awaitable call to one element: `Ok` with the method's return value (or `()`
/// for the `_awaitable` form), or the [`CallError`] of its panic. Dropping it without awaiting
/// is fine: the value is discarded when it arrives.
#[must_use = "the call was sent; await the reply or use the fire-and-forget form"]
pub struct Reply<T> {
    id: FutureId,
    done: bool,
    unpack: UnpackFn<T>,
}

impl<T> Reply<T> {
    #[inline]
    pub(crate) fn create<W: Value<Output = T>>(_: &Pe, at: &'static Location<'static>) -> Self {
        Reply {
            id: table(|t| t.borrow_mut().create(1, decode_reply::<W>, at)),
            done: false,
            unpack: unpack_reply::<W>,
        }
    }

    pub(crate) fn id(&self) -> FutureId {
        self.id
    }

    /// Whether the reply already arrived.
    pub fn is_ready(&self) -> bool {
        self.done || try_with_pe(|_| table(|t| t.borrow().is_ready(self.id))).unwrap_or(false)
    }
}

impl Reply<()> {
    #[inline]
    pub(crate) fn create_done(_: &Pe, at: &'static Location<'static>) -> Self {
        Reply {
            id: table(|t| t.borrow_mut().create(1, decode_reply::<Serde<()>>, at)),
            done: false,
            unpack: value::unpack_done,
        }
    }
}

impl<T> std::future::Future for Reply<T> {
    type Output = Result<T, CallError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let v = std::task::ready!(poll_values(self.id, cx));
        self.done = true;
        Poll::Ready((self.unpack)(v.into_iter().next().expect("one value")))
    }
}

fn abandon(id: FutureId) {
    // Off a PE (a reply dropped after its job ended) there is nothing to abandon.
    try_with_pe(|_| {
        service::try_table(|t| {
            if let Ok(mut t) = t.try_borrow_mut() {
                t.abandon(id)
            }
        })
    });
}

impl<T> Drop for Reply<T> {
    fn drop(&mut self) {
        if !self.done {
            abandon(self.id)
        }
    }
}

/// The result of an awaitable call to every element of a collection: the return values sorted
/// by element position (`()`s for the `_awaitable` form), or the first [`CallError`].
#[must_use = "the broadcast was sent; await the reply or use the fire-and-forget form"]
pub struct BroadcastReply<T> {
    id: FutureId,
    parts: u32,
    done: bool,
    unpack: UnpackPartFn<T>,
}

impl<T> BroadcastReply<T> {
    pub(crate) fn create<W: Value<Output = T>>(
        pe: &Pe,
        parts: u32,
        at: &'static Location<'static>,
    ) -> Self {
        let id = if parts == 0 {
            FutureId {
                pe: pe.id as u32,
                slot: u32::MAX,
                gen: 0,
            }
        } else {
            table(|t| t.borrow_mut().create(parts, decode_gather::<W>, at))
        };
        BroadcastReply {
            id,
            parts,
            done: parts == 0,
            unpack: unpack_gather::<W>,
        }
    }

    pub(crate) fn id(&self) -> FutureId {
        self.id
    }
}

impl<T> std::future::Future for BroadcastReply<T> {
    type Output = Result<Vec<T>, CallError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.parts == 0 {
            return Poll::Ready(Ok(Vec::new()));
        }
        let parts = std::task::ready!(poll_values(self.id, cx));
        self.done = true;
        let mut all = Vec::new();
        for p in parts {
            all.extend((self.unpack)(p)?);
        }
        all.sort_unstable_by_key(|(i, _)| *i);
        Poll::Ready(Ok(all.into_iter().map(|(_, v)| v).collect()))
    }
}

impl<T> Drop for BroadcastReply<T> {
    fn drop(&mut self) {
        if !self.done {
            abandon(self.id)
        }
    }
}
