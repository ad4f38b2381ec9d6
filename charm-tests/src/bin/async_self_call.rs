//! An async entry method awaits calls to other entry methods of its own chare (sync and async,
//! `_ret` and `_awaitable`), and calls that come back to it through another chare: none of this
//! may deadlock.

use charm_rt::prelude::*;
use charm_tests::ok;
use std::cell::{Cell as StdCell, RefCell};

#[chare]
pub struct Agent {
    count: StdCell<u64>,
    log: RefCell<Vec<String>>,
}

#[chare]
impl Agent {
    fn new() -> Self {
        Agent {
            count: StdCell::new(0),
            log: RefCell::new(Vec::new()),
        }
    }

    pub fn add(&self, v: u64) -> u64 {
        self.count.set(self.count.get() + v);
        self.log.borrow_mut().push(format!("add{v}"));
        self.count.get()
    }

    pub async fn double_async(&self, v: u64) -> u64 {
        self.log.borrow_mut().push(format!("double{v}"));
        let me = Self::this_elem();
        // An async entry awaiting a sync entry of the same chare.
        me.add_ret(0).await.expect("add");
        2 * v
    }

    /// Awaits a sync entry, an async entry and an awaitable of its own chare, in sequence.
    pub async fn self_calls(&self, v: u64) -> (u64, u64, usize) {
        let me = Self::this_elem();
        let after_add = me.add_ret(v).await.expect("add");
        let doubled = me.double_async_ret(v).await.expect("double_async");
        me.add_awaitable(1).await.expect("add awaitable");
        assert_eq!(me.pe(), my_pe());
        (after_add, doubled, self.log.borrow().len())
    }

    /// Calls `peer`, which calls back into this chare while this coroutine is suspended.
    pub async fn via_peer(&self, peer: AgentElemProxy, v: u64) -> u64 {
        let me = Self::this_elem();
        peer.bounce_ret(me, v).await.expect("bounce")
    }

    /// Async too: calls back the caller (which is suspended in `via_peer`) and returns its reply.
    pub async fn bounce(&self, back: AgentElemProxy, v: u64) -> u64 {
        back.add_ret(v).await.expect("add on the caller") + 1000
    }

    /// Recursion through messages: awaits itself `depth` times.
    pub async fn recurse(&self, depth: u32) -> u32 {
        if depth == 0 {
            return 0;
        }
        let me = Self::this_elem();
        me.recurse_ret(depth - 1).await.expect("recurse") + 1
    }

    /// Awaits a broadcast to its own collection (which includes itself).
    pub async fn ask_everyone(&self) -> Vec<u64> {
        Self::this_proxy().add_ret(0).await.expect("add broadcast")
    }

    pub fn count(&self) -> u64 {
        self.count.get()
    }

    /// After each await, `this_index` and `this_elem` still name this element (other elements
    /// of the same PE ran in between).
    pub async fn where_after_awaits(&self, rounds: u32) -> (Vec<usize>, usize) {
        let before = Self::this_index();
        let me = Self::this_elem();
        for _ in 0..rounds {
            me.add_ret(1).await.expect("add");
            assert_eq!(
                Self::this_index(),
                before,
                "this_index changed across an await"
            );
            assert_eq!(Self::this_elem(), me, "this_elem changed across an await");
            assert_eq!(my_pe(), me.pe());
        }
        (before.to_vec(), my_pe())
    }
}

fn main() {
    charm_rt::start(|_args| async move {
        let n = num_pes();
        let g = AgentProxy::new_group();
        let last = g.elem(n - 1);

        let (after_add, doubled, log_len) = last.self_calls_ret(5).await.expect("self_calls");
        assert_eq!((after_add, doubled, log_len), (5, 10, 4));
        assert_eq!(last.count_ret().await.expect("count"), 6);

        // Every element at once.
        let all = g.self_calls_ret(2).await.expect("self_calls");
        for (pe, r) in all.into_iter().enumerate() {
            let base = if pe == n - 1 { 6 } else { 0 };
            assert_eq!(r.0, base + 2);
            assert_eq!(r.1, 4);
        }

        // Through a peer on another PE (itself with one PE) and back.
        let first = g.elem(0);
        let before = first.count_ret().await.expect("count");
        let got = first.via_peer_ret(last, 7).await.expect("via_peer");
        assert_eq!(got, before + 7 + 1000);

        // Deep self-recursion through messages.
        assert_eq!(last.recurse_ret(50).await.expect("recurse"), 50);
        assert_eq!(
            g.recurse_ret(3).await.expect("recurse"),
            vec![3; n],
            "every element recursing at once"
        );

        // A broadcast awaited from inside one element of the same collection.
        let counts = g.count_ret().await.expect("count");
        assert_eq!(last.ask_everyone_ret().await.expect("ask"), counts);
        // ... and from every element at once.
        let everyone = g.ask_everyone_ret().await.expect("ask");
        assert_eq!(everyone, vec![counts; n]);

        // An array with several elements per PE: broadcasts to async entries complete once per
        // element, and each coroutine keeps its own element across awaits.
        let arr = AgentProxy::new_array((3, n));
        let got = arr
            .where_after_awaits_ret(5)
            .await
            .expect("where_after_awaits");
        assert_eq!(got.len(), 3 * n);
        for (e, (ix, pe)) in arr.elems().zip(got) {
            assert_eq!(arr.elem(ix.as_slice()), e, "results sorted by index");
            assert_eq!(pe, e.pe());
        }
        let r = arr.self_calls_ret(1).await.expect("self_calls");
        assert!(r.iter().all(|&(a, d, _)| a == 6 && d == 2), "{r:?}");
        assert_eq!(arr.count_ret().await.expect("count"), vec![7; 3 * n]);
        ok("async_self_call");
    })
}
