//! Callbacks: where a result goes (a future, one element's entry method, a broadcast to a
//! collection's entry method, or a call to a section's members), as a value that can be stored
//! and sent in messages.

use super::{CollectionRef, ElemRef};
use crate::codec::{self, Marshal};
use crate::future::Future;
use crate::ids::EntryId;
use crate::message::{Body, Dest, Envelope, FutureId, WireBody};
use crate::scheduler::Pe;
use serde::{Deserialize, Serialize};
use std::marker::PhantomData;

/// Where a value of type `T` goes. Make one from a [`Future`] (`future.into()`), or with the
/// `foo_callback()` method the proxies have for every entry method `foo` with one argument.
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
    Elem(ElemRef, EntryId),
    Broadcast(CollectionRef, EntryId),
    Section(crate::sections::SectionRef, EntryId),
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
    pub fn to_elem(e: ElemRef, entry: EntryId) -> Self {
        Callback {
            target: Target::Elem(e, entry),
            _t: PhantomData,
        }
    }

    #[doc(hidden)]
    pub fn to_broadcast(c: CollectionRef, entry: EntryId) -> Self {
        Callback {
            target: Target::Broadcast(c, entry),
            _t: PhantomData,
        }
    }

    #[doc(hidden)]
    pub fn to_section(s: crate::sections::SectionRef, entry: EntryId) -> Self {
        Callback {
            target: Target::Section(s, entry),
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
        match self.target {
            // A future holds serde values (`Future::send`), an entry method decodes its arguments.
            Target::Future(f) => pe.send_future(f, Box::new(crate::future::value::Serde(value))),
            Target::Elem(e, entry) => {
                let body = WireBody::new(codec::encode_to_buf(|en| value.encode(en)));
                let env = Envelope {
                    dest: Dest::Element {
                        coll: e.collection(),
                        elem: e.position() as u32,
                    },
                    entry,
                    reply: None,
                    body: Body::Wire(body),
                };
                pe.route(e.pe(), env);
            }
            Target::Broadcast(c, entry) => {
                let body = WireBody::new(codec::encode_to_buf(|en| value.encode(en)));
                for p in c.hosting_pes() {
                    let env = Envelope {
                        dest: Dest::Broadcast { coll: c.id() },
                        entry,
                        reply: None,
                        body: Body::Wire(body.clone()),
                    };
                    pe.route(p as usize, env);
                }
            }
            Target::Section(s, entry) => {
                let body = WireBody::new(codec::encode_to_buf(|en| value.encode(en)));
                crate::sections::multicast_wire(pe, &s, entry, None, body);
            }
        }
    }
}
