//! `_awaitable` (and `_ret`) on an async entry method resolve only when the coroutine finished,
//! not when it first suspended.

use charm_rt::prelude::*;
use charm_tests::{ok, poll_once};
use std::cell::{Cell as StdCell, RefCell};

#[chare]
pub struct Slow {
    release: RefCell<Option<Future<()>>>,
    finished: StdCell<u32>,
}

#[chare]
impl Slow {
    fn new() -> Self {
        Slow {
            release: RefCell::new(None),
            finished: StdCell::new(0),
        }
    }

    /// Suspends until `release` is called, in two steps.
    pub async fn slow(&self, started: Future<()>) -> u32 {
        let gate = Future::<()>::new();
        *self.release.borrow_mut() = Some(gate);
        started.send(());
        gate.await;
        // A second suspension after the first: the reply must wait for this one too.
        let me = Self::this_elem();
        let f = me.finished_ret().await.expect("finished");
        self.finished.set(f + 1);
        self.finished.get()
    }

    /// Like `slow`, reporting the start through a multi-future (for broadcasts).
    pub async fn slow_group(&self, started: MultiFuture<usize>) -> u32 {
        let gate = Future::<()>::new();
        *self.release.borrow_mut() = Some(gate);
        started.send(my_pe());
        gate.await;
        let me = Self::this_elem();
        let f = me.finished_ret().await.expect("finished");
        self.finished.set(f + 1);
        self.finished.get()
    }

    pub fn release(&self) {
        self.release
            .borrow_mut()
            .take()
            .expect("a coroutine waiting")
            .send(());
    }

    pub fn finished(&self) -> u32 {
        self.finished.get()
    }
}

fn main() {
    charm_rt::start(|_args| async move {
        let n = num_pes();
        let group = SlowProxy::new_group();

        let pes = if n == 1 { vec![0] } else { vec![n - 1, 0] };
        for pe in pes {
            let s = group.elem(pe);
            // _awaitable on one element.
            let started = Future::<()>::new();
            let mut r = s.slow_awaitable(started);
            started.await;
            // The coroutine is suspended: sync calls are answered, the reply is not ready.
            for _ in 0..5 {
                assert_eq!(s.finished_ret().await.expect("finished"), 0);
                assert!(
                    poll_once(&mut r).await.is_none(),
                    "_awaitable resolved while the coroutine was still suspended"
                );
            }
            s.release();
            r.await.expect("slow");
            assert_eq!(s.finished_ret().await.expect("finished"), 1);

            // _ret on one element: the value is the coroutine's final one.
            let started = Future::<()>::new();
            let mut r = s.slow_ret(started);
            started.await;
            assert_eq!(s.finished_ret().await.expect("finished"), 1);
            assert!(poll_once(&mut r).await.is_none());
            s.release();
            assert_eq!(r.await.expect("slow"), 2);
        }

        // Broadcast _awaitable: resolves only when every element's coroutine finished.
        let before = group.finished_ret().await.expect("finished");
        let starts: Vec<Future<()>> = (0..n).map(|_| Future::new()).collect();
        // One future per element: start them one by one through element calls.
        let mut rs = Vec::new();
        for (pe, st) in starts.iter().enumerate() {
            rs.push(group.elem(pe).slow_awaitable(*st));
        }
        for st in starts {
            st.await;
        }
        // Release all but the last; the last one's reply must still be pending.
        for pe in 0..n - 1 {
            group.elem(pe).release();
        }
        let mut last = rs.pop().expect("one per PE");
        for r in rs {
            r.await.expect("slow");
        }
        assert!(poll_once(&mut last).await.is_none());
        group.elem(n - 1).release();
        last.await.expect("slow");
        let after = group.finished_ret().await.expect("finished");
        let want: Vec<u32> = before.iter().map(|b| b + 1).collect();
        assert_eq!(after, want);

        // A broadcast _awaitable of an async entry; every coroutine waits for a release.
        let bcast = SlowProxy::new_group();
        let started = MultiFuture::<usize>::new(n);
        let mut r = bcast.slow_group_awaitable(started);
        let mut up = started.await;
        up.sort_unstable();
        assert_eq!(up, (0..n).collect::<Vec<_>>());
        assert!(poll_once(&mut r).await.is_none());
        for pe in 0..n {
            if pe + 1 < n {
                bcast.elem(pe).release();
            }
        }
        assert!(
            poll_once(&mut r).await.is_none(),
            "broadcast _awaitable resolved before every coroutine finished"
        );
        bcast.elem(n - 1).release();
        r.await.expect("slow_group");
        assert_eq!(bcast.finished_ret().await.expect("finished"), vec![1; n]);
        ok("async_awaitable");
    })
}
