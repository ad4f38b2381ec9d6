//! Callbacks: where a result goes (a future, one element's entry method, a broadcast to a
//! collection's entry method, or a call to a section's members), as a value that can be stored
//! and sent in messages.

use super::{CollectionRef, ElemRef};
use crate::codec::{self, Marshal};
use crate::future::Future;
use crate::ids::EntryId;
use crate::message::{Body, Envelope, FutureId, WireBody};
use crate::scheduler::Pe;
use serde::{Deserialize, Serialize};
use std::marker::PhantomData;

/// Where a value of type `T` goes. Make one from a [`Future`] (`future.into()`), or with the
/// `foo_callback()` method the proxies have for every entry method `foo` with one argument.
///
/// A callback is a `Copy` value that can be stored and sent in messages; reductions deliver
/// their result through one, and [`send`](Callback::send) delivers a value through it from
/// anywhere.
///
/// # Examples
///
/// ```
/// use charm_rt::prelude::*;
/// use charm_rt::Callback;
///
/// #[chare]
/// pub struct Worker {
///     report: Future<u64>,
/// }
///
/// #[chare]
/// impl Worker {
///     fn new(report: Future<u64>) -> Self {
///         Worker { report }
///     }
///
///     /// Every element contributes its index; the sum goes to `target`.
///     pub fn sum_to(&mut self, target: Callback<u64>) {
///         charm_rt::contribute(u64::from(Self::this_index()[0]), Reducer::Sum, target);
///     }
///
///     /// Receives a total and reports it to main.
///     pub fn total(&mut self, total: u64) {
///         self.report.send(total);
///     }
/// }
///
/// let code = charm_rt::run(charm_rt::Config::with_pes(2), || async {
///     let report = Future::new();
///     let workers = WorkerProxy::new_array(4, report);
///
///     // A future as the target: the reduction resolves it.
///     let f = Future::new();
///     workers.sum_to(f.into());
///     assert_eq!(f.await, 0 + 1 + 2 + 3);
///
///     // An entry method as the target: the result calls `total` on element 0.
///     workers.sum_to(workers.elem(0).total_callback());
///     assert_eq!(report.await, 6);
///
///     // Any code on any PE can deliver a value through a callback.
///     let g = Future::new();
///     let cb: Callback<u64> = g.into();
///     cb.send(42);
///     assert_eq!(g.await, 42);
/// });
/// assert_eq!(code, 0);
/// ```
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
pub struct Callback<T> {
    target: Target,
    #[serde(skip)]
    _t: PhantomData<fn(T)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
enum Target {
    Future(FutureId),
    Elem(ElemRef, EntryId, ArgCoding),
    Broadcast(CollectionRef, EntryId, ArgCoding),
    Section(crate::sections::SectionRef, EntryId, ArgCoding),
}

/// How the entry method behind a callback reads its argument, as `#[chare]` decided from the
/// parameter's type: the value must be encoded the same way.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArgCoding {
    /// A `Vec` or slice of plain numbers, on the direct-copy path.
    Bulk,
    /// Anything else, through serde (also no argument at all).
    Serde,
}

impl<T> Clone for Callback<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Callback<T> {}

impl<T> std::fmt::Debug for Callback<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Callback({:?})", self.target)
    }
}

impl<T> From<Future<T>> for Callback<T> {
    fn from(f: Future<T>) -> Self {
        Callback {
            target: Target::Future(f.raw_id()),
            _t: PhantomData,
        }
    }
}

impl<T> Callback<T> {
    #[doc(hidden)]
    pub fn to_elem(e: ElemRef, entry: EntryId, coding: ArgCoding) -> Self {
        Callback {
            target: Target::Elem(e, entry, coding),
            _t: PhantomData,
        }
    }

    #[doc(hidden)]
    pub fn to_broadcast(c: CollectionRef, entry: EntryId, coding: ArgCoding) -> Self {
        Callback {
            target: Target::Broadcast(c, entry, coding),
            _t: PhantomData,
        }
    }

    #[doc(hidden)]
    pub fn to_section(s: crate::sections::SectionRef, entry: EntryId, coding: ArgCoding) -> Self {
        Callback {
            target: Target::Section(s, entry, coding),
            _t: PhantomData,
        }
    }

    pub(crate) fn future_id(&self) -> Option<FutureId> {
        match self.target {
            Target::Future(f) => Some(f),
            _ => None,
        }
    }
}

impl<T: Marshal + Serialize + serde::de::DeserializeOwned> Callback<T> {
    /// Delivers `value`: resolves the future, or calls the entry method with it.
    pub fn send(&self, value: T) {
        crate::scheduler::with_pe(|pe| self.send_in(pe, value));
    }

    pub(crate) fn send_in(&self, pe: &Pe, value: T) {
        self.deliver_in(pe, value, |v, en| v.encode(en));
    }
}

impl<T: Serialize + serde::de::DeserializeOwned + Send + 'static> Callback<T> {
    /// Delivers `value`; `bulk` writes it for an entry method that takes it on the direct-copy
    /// path (only called when the callback's entry method does).
    pub(crate) fn deliver_in(
        &self,
        pe: &Pe,
        value: T,
        bulk: impl for<'a> FnOnce(&'a T, &mut codec::Encoder<'_, 'a>),
    ) {
        let encode = |coding: ArgCoding| {
            WireBody::new(codec::encode_to_buf(|en| match coding {
                ArgCoding::Bulk => bulk(&value, en),
                ArgCoding::Serde => en.serde(&value),
            }))
        };
        match self.target {
            // A future holds serde values (`Future::send`), an entry method decodes its arguments.
            Target::Future(f) => {
                crate::future::service::send_typed(pe, f, crate::future::value::Serde(value))
            }
            Target::Elem(e, entry, coding) => {
                let env = Envelope::new(super::elem_dest(&e, entry), Body::Wire(encode(coding)));
                pe.route(e.pe(), env);
            }
            Target::Broadcast(c, entry, coding) => {
                let body = encode(coding);
                for p in c.hosting_pes() {
                    let dest = super::broadcast_dest(c.id(), entry);
                    pe.route(p as usize, Envelope::new(dest, Body::Wire(body.clone())));
                }
            }
            Target::Section(s, entry, coding) => {
                crate::sections::multicast_wire(pe, &s, entry, None, encode(coding));
            }
        }
    }
}

impl<T: Serialize + serde::de::DeserializeOwned + Send + 'static> Callback<Vec<T>> {
    /// Delivers gathered values: an entry method taking `Vec<P>` of plain numbers reads them on
    /// the direct-copy path, anything else through serde.
    pub(crate) fn deliver_vec_in(&self, pe: &Pe, items: Vec<T>) {
        self.deliver_in(pe, items, |v, en| {
            if !encode_plain_vec(v, en) {
                panic!(
                    "charm-rs: a gather of {} went to an entry method that takes numbers on the direct-copy path",
                    std::any::type_name::<T>()
                )
            }
        });
    }
}

/// Writes `v` on the direct-copy path if its elements are plain numbers; false otherwise.
// `&Vec`, not a slice: `Any` downcasts only sized types.
#[allow(clippy::ptr_arg)]
fn encode_plain_vec<'a, T: 'static>(v: &'a Vec<T>, en: &mut codec::Encoder<'_, 'a>) -> bool {
    let any: &'a dyn std::any::Any = v;
    macro_rules! try_bulk {
        ($($p:ty),*) => {$(
            if let Some(x) = any.downcast_ref::<Vec<$p>>() {
                en.bulk(&x[..]);
                return true;
            }
        )*};
    }
    crate::codec::for_each_pod!(try_bulk);
    false
}
