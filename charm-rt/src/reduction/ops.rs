//! The typed operations of one reduction, behind an object-safe trait so a PE can hold
//! reductions of any value type.

use super::reducer::{Reducer, Reducible};
use crate::codec::{CodecError, Decoder, Encoder};
use crate::collections::callback::Callback;
use crate::future::value::Serde;
use crate::message::{Body, ErasedMessage, Message};
use serde::{de::DeserializeOwned, Serialize};
use std::any::Any;

/// A partial result in flight.
pub(crate) type Acc = Box<dyn Any>;

/// Messages for the children (down the tree) and for the local contributors of an allreduce.
pub(crate) type FanOut = (Msgs, Msgs);
/// A few messages (most PEs have at most 4 children and one waiting contributor).
pub(crate) type Msgs = smallvec::SmallVec<[Box<dyn ErasedMessage>; 4]>;

/// What a PE needs to combine and forward partial results of one reduction.
pub(crate) trait Ops {
    /// Folds `b` into `a` (either may be absent).
    fn combine(&self, a: Option<Acc>, b: Acc) -> Acc;
    /// A partial result that arrived from a child PE.
    fn decode_child(&self, body: Body) -> Result<Acc, CodecError>;
    /// The message carrying a partial result to the parent PE.
    fn up_message(&self, acc: Acc) -> Box<dyn ErasedMessage>;
    /// Delivers the final value (root only): to the future or entry method of the reduction.
    fn deliver(&self, pe: &crate::scheduler::Pe, acc: Acc);
    /// For allreduce: the result as sent down the tree, decoded from a parent.
    fn decode_down(&self, body: Body) -> Result<Acc, CodecError>;
    /// For allreduce: copies of the result for the children, for each waiting contributor.
    fn fan_out(&self, acc: &Acc, children: usize, waiters: usize) -> FanOut;
}

fn take<T: 'static>(a: Acc, what: &str) -> T {
    *a.downcast::<T>().unwrap_or_else(|_| {
        panic!("charm-rs: elements contributed to one reduction with different value types or kinds ({what})")
    })
}

pub(crate) fn decode_with<T: 'static>(
    body: Body,
    typed: impl FnOnce(Box<dyn Any + Send>) -> T,
    wire: impl FnOnce(&mut Decoder<'_>) -> Result<T, CodecError>,
) -> Result<T, CodecError> {
    match body {
        Body::Typed(m) => Ok(typed(m.into_any())),
        Body::Wire(mut w) => {
            let mut d = w.decoder()?;
            let v = wire(&mut d)?;
            d.finish()?;
            Ok(v)
        }
        Body::Empty => Err(CodecError("empty reduction message".into())),
    }
}

/// A reducible value on the wire (direct copy for numeric vectors).
pub(crate) struct Plain<T>(pub T);

impl<T: Reducible> Message for Plain<T> {
    fn encode<'a>(&'a self, enc: &mut Encoder<'_, 'a>) {
        self.0.encode(enc)
    }
}

/// Sum, max, custom, ...: the partial result is a value of the contributions' type.
pub(crate) struct PlainOps<T> {
    pub op: Reducer<T>,
    /// Where the result goes (unused for allreduce).
    pub target: Option<Callback<T>>,
}

impl<T: Reducible> Ops for PlainOps<T> {
    fn combine(&self, a: Option<Acc>, b: Acc) -> Acc {
        match a {
            // The first value is kept in its box (checked, not re-allocated).
            None if b.is::<T>() => b,
            None => Box::new(take::<T>(b, "value")),
            Some(a) => Box::new(take::<T>(a, "value").combine(take(b, "value"), self.op)),
        }
    }
    fn decode_child(&self, body: Body) -> Result<Acc, CodecError> {
        decode_with(body, |m| take::<Plain<T>>(m, "partial").0, T::decode)
            .map(|v| Box::new(v) as Acc)
    }
    fn up_message(&self, acc: Acc) -> Box<dyn ErasedMessage> {
        Box::new(Plain(take::<T>(acc, "value")))
    }
    fn deliver(&self, pe: &crate::scheduler::Pe, acc: Acc) {
        let v = take::<T>(acc, "value");
        match self.target {
            Some(cb) => match cb.future_id() {
                Some(f) => crate::future::service::send_typed(pe, f, Serde(v)),
                None => cb.send_in(pe, v),
            },
            None => unreachable!("an allreduce is not delivered at the root"),
        }
    }
    fn decode_down(&self, body: Body) -> Result<Acc, CodecError> {
        self.decode_child(body)
    }
    fn fan_out(&self, acc: &Acc, children: usize, waiters: usize) -> FanOut {
        let v = acc.downcast_ref::<T>().expect("allreduce value");
        let down = (0..children)
            .map(|_| Box::new(Plain(v.clone())) as Box<dyn ErasedMessage>)
            .collect();
        let mine = (0..waiters)
            .map(|_| Box::new(Serde(v.clone())) as Box<dyn ErasedMessage>)
            .collect();
        (down, mine)
    }
}

/// Gather: contributions with their element positions, sorted at the root.
pub(crate) struct GatherOps<T> {
    pub target: Callback<Vec<T>>,
    pub _t: std::marker::PhantomData<fn() -> T>,
}

type Gathered<T> = Vec<(u64, T)>;

impl<T: Serialize + DeserializeOwned + Send + 'static> Ops for GatherOps<T> {
    fn combine(&self, a: Option<Acc>, b: Acc) -> Acc {
        let mut b: Gathered<T> = take(b, "gather");
        Box::new(match a {
            Some(a) => {
                let mut a: Gathered<T> = take(a, "gather");
                a.append(&mut b);
                a
            }
            None => b,
        })
    }
    fn decode_child(&self, body: Body) -> Result<Acc, CodecError> {
        decode_with(
            body,
            |m| take::<Serde<Gathered<T>>>(m, "gather partial").0,
            |d| d.serde(),
        )
        .map(|v| Box::new(v) as Acc)
    }
    fn up_message(&self, acc: Acc) -> Box<dyn ErasedMessage> {
        Box::new(Serde(take::<Gathered<T>>(acc, "gather")))
    }
    fn deliver(&self, pe: &crate::scheduler::Pe, acc: Acc) {
        let mut items: Gathered<T> = take(acc, "gather");
        items.sort_unstable_by_key(|(i, _)| *i);
        self.target
            .deliver_vec_in(pe, items.into_iter().map(|(_, v)| v).collect());
    }
    fn decode_down(&self, _: Body) -> Result<Acc, CodecError> {
        Err(CodecError("gather has no allreduce form".into()))
    }
    fn fan_out(&self, _: &Acc, _: usize, _: usize) -> FanOut {
        unreachable!("gather has no allreduce form")
    }
}

/// Nothing to combine: the reduction only signals that every element contributed.
pub(crate) struct NopOps {
    pub target: Option<Callback<()>>,
}

impl Ops for NopOps {
    fn combine(&self, _: Option<Acc>, _: Acc) -> Acc {
        Box::new(())
    }
    fn decode_child(&self, _: Body) -> Result<Acc, CodecError> {
        Ok(Box::new(()))
    }
    fn up_message(&self, _: Acc) -> Box<dyn ErasedMessage> {
        Box::new(Serde(()))
    }
    fn deliver(&self, pe: &crate::scheduler::Pe, _: Acc) {
        match self.target {
            Some(cb) => match cb.future_id() {
                Some(f) => crate::future::service::send_typed(pe, f, Serde(())),
                None => cb.send_in(pe, ()),
            },
            None => unreachable!("a barrier is not delivered at the root"),
        }
    }
    fn decode_down(&self, _: Body) -> Result<Acc, CodecError> {
        Ok(Box::new(()))
    }
    fn fan_out(&self, _: &Acc, children: usize, waiters: usize) -> FanOut {
        (
            (0..children)
                .map(|_| Box::new(Serde(())) as Box<dyn ErasedMessage>)
                .collect(),
            (0..waiters)
                .map(|_| Box::new(Serde(())) as Box<dyn ErasedMessage>)
                .collect(),
        )
    }
}
