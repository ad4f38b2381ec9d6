//! Reductions over collections: every element contributes, asynchronously; contributions are
//! combined on each PE first, then travel up a 4-ary tree over the PEs that host elements (log
//! depth); the root delivers the result to a future, or, for `allreduce`, sends it back down to
//! every contributor.
//!
//! Reductions are matched by order, as in Charm4py: the k-th contribution of every element
//! belongs to the k-th reduction of the collection, so several can be in flight.

mod dynamic;
mod exchange;
pub(crate) mod ops;
mod phase;
mod reducer;
mod result;
pub(crate) mod service;
pub(crate) mod state;

pub use phase::RedPhase;
pub(crate) use phase::{read_step, step_word};

pub use reducer::{Custom, Reducer, Reducible};
pub use result::Allreduce;

use crate::collections::callback::Callback;
use crate::future::{Future, FutureWait};
use ops::{Acc, GatherOps, NopOps, PlainOps};
use serde::{de::DeserializeOwned, Serialize};
use state::Target;
use std::rc::Rc;

/// Contributes `value` to the next reduction of the calling element's collection; when every
/// element contributed, `target` receives the combination of all values.
///
/// Call it from an entry method (or coroutine) of an element of a group, array or single chare.
///
/// ```no_run
/// # use charm_rt::prelude::*;
/// # fn demo(target: Future<f64>) {
/// // in an entry method of each element:
/// charm_rt::contribute(1.5f64, Reducer::Sum, target);
/// # }
/// ```
#[track_caller]
pub fn contribute<T: Reducible>(value: T, reducer: Reducer<T>, target: impl Into<Callback<T>>) {
    let ops = PlainOps {
        op: reducer,
        target: Some(target.into()),
    };
    state::contribute(Rc::new(ops), Box::new(value) as Acc, Target::Root);
}

/// Contributes `value` to a gather: `target` receives every element's value, sorted by element
/// position (a future, or an entry method taking `Vec<T>`: `Vec`s of plain numbers reach it on
/// the direct-copy path).
#[track_caller]
pub fn contribute_gather<T: Serialize + DeserializeOwned + Send + 'static>(
    value: T,
    target: impl Into<Callback<Vec<T>>>,
) {
    let me = crate::scheduler::with_pe(|pe| pe.current.get())
        .map(|c| c.elem)
        .unwrap_or(0);
    let ops = GatherOps::<T> {
        target: target.into(),
        _t: std::marker::PhantomData,
    };
    state::contribute(
        Rc::new(ops),
        Box::new(vec![(me, value)]) as Acc,
        Target::Root,
    );
}

/// Contributes nothing: `target` resolves when every element has called this (a completion
/// signal, like a barrier without waiting).
#[track_caller]
pub fn contribute_nop(target: impl Into<Callback<()>>) {
    state::contribute(
        Rc::new(NopOps {
            target: Some(target.into()),
        }),
        Box::new(()) as Acc,
        Target::Root,
    );
}

/// Contributes `value` and returns the combined result to every contributor: await it inside an
/// async entry method.
///
/// ```no_run
/// # use charm_rt::prelude::*;
/// # async fn demo(local_error: f64) {
/// let max_error = charm_rt::allreduce(local_error, Reducer::Max).await;
/// # }
/// ```
#[track_caller]
pub fn allreduce<T: Reducible>(value: T, reducer: Reducer<T>) -> Allreduce<T> {
    state::contribute_all(value, reducer)
}

/// Waits until every element of the collection called it (a barrier for coroutines).
#[track_caller]
pub fn barrier() -> FutureWait<()> {
    let f = Future::<()>::new();
    state::contribute(
        Rc::new(NopOps { target: None }),
        Box::new(()) as Acc,
        Target::All(f.id()),
    );
    f.get()
}
