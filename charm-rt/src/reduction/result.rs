//! Where an allreduce result goes on its contributor's PE, and the future that awaits it.
//!
//! An allreduce run by the all-to-all exchange hands its result to a slot shared with the
//! contributor's [`Allreduce`] future: no entry in the PE's future table, no boxed value and no
//! waker clone (the awaiting coroutine is woken by its task key). Allreduces on the tree path
//! (more hosting PEs) still go through a [`crate::Future`].

use crate::future::table::Waiter;
use crate::future::FutureWait;
use crate::scheduler::{with_pe, Pe};
use serde::{de::DeserializeOwned, Serialize};
use std::cell::Cell;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

/// One contributor's result, once known, and who waits for it.
pub(crate) struct ResultSlot<T> {
    value: Cell<Option<T>>,
    waiter: Cell<Option<Waiter>>,
    /// Where `allreduce` was called, for the report of an idle job.
    pub created_at: &'static Location<'static>,
}

impl<T> ResultSlot<T> {
    pub(crate) fn new(created_at: &'static Location<'static>) -> Rc<Self> {
        Rc::new(ResultSlot {
            value: Cell::new(None),
            waiter: Cell::new(None),
            created_at,
        })
    }

    /// Stores the result and wakes the awaiting coroutine, if it waits already.
    pub(crate) fn fulfil(&self, pe: &Pe, v: T) {
        self.value.set(Some(v));
        match self.waiter.take() {
            Some(Waiter::Task(key)) => pe.make_ready(key),
            Some(Waiter::Waker(w)) => w.wake(),
            None => {}
        }
    }

    /// Whether a coroutine awaits this result (for the report of an idle job).
    pub(crate) fn awaited(&self) -> bool {
        let w = self.waiter.take();
        let waiting = w.is_some();
        self.waiter.set(w);
        waiting
    }
}

/// Awaiting an allreduce: the combination of every contributor's value.
#[must_use = "futures do nothing unless awaited"]
pub struct Allreduce<T> {
    inner: Inner<T>,
}

enum Inner<T> {
    Slot(Rc<ResultSlot<T>>),
    Future(FutureWait<T>),
}

impl<T> Allreduce<T> {
    pub(crate) fn slot(slot: Rc<ResultSlot<T>>) -> Self {
        Allreduce {
            inner: Inner::Slot(slot),
        }
    }

    pub(crate) fn future(f: FutureWait<T>) -> Self {
        Allreduce {
            inner: Inner::Future(f),
        }
    }
}

impl<T: Serialize + DeserializeOwned + Send + 'static> std::future::Future for Allreduce<T> {
    type Output = T;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match &mut self.inner {
            Inner::Slot(s) => match s.value.take() {
                Some(v) => Poll::Ready(v),
                None => {
                    let waiter = with_pe(|pe| pe.polled_task(cx.waker()))
                        .map_or_else(|| Waiter::Waker(cx.waker().clone()), Waiter::Task);
                    s.waiter.set(Some(waiter));
                    Poll::Pending
                }
            },
            Inner::Future(f) => Pin::new(f).poll(cx),
        }
    }
}
