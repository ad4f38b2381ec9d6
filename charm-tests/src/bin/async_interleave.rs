//! While an async entry method is suspended on a future, other messages to the same chare run and
//! change its state; several coroutines of one chare interleave.

use charm_rt::prelude::*;
use charm_tests::ok;
use std::cell::{Cell as StdCell, RefCell};

#[chare]
pub struct Gate {
    pokes: StdCell<u32>,
    want: StdCell<u32>,
    waiting: RefCell<Option<Future<u32>>>,
    events: RefCell<Vec<String>>,
}

#[chare]
impl Gate {
    fn new() -> Self {
        Gate {
            pokes: StdCell::new(0),
            want: StdCell::new(u32::MAX),
            waiting: RefCell::new(None),
            events: RefCell::new(Vec::new()),
        }
    }

    /// Tells `started` it is suspended, then waits until `n` pokes arrived; returns the pokes
    /// seen after waking.
    pub async fn wait_for_pokes(&self, started: Future<u32>, n: u32) -> u32 {
        let f = Future::<u32>::new();
        *self.waiting.borrow_mut() = Some(f);
        self.want.set(self.pokes.get() + n);
        self.events.borrow_mut().push("suspend".into());
        started.send(self.pokes.get());
        let v = f.await;
        self.events.borrow_mut().push("resume".into());
        assert_eq!(v, self.pokes.get());
        v
    }

    pub fn poke(&self) {
        self.pokes.set(self.pokes.get() + 1);
        self.events.borrow_mut().push("poke".into());
        if self.pokes.get() == self.want.get() {
            let f = self
                .waiting
                .borrow_mut()
                .take()
                .expect("a waiting coroutine");
            f.send(self.pokes.get());
        }
    }

    pub fn pokes(&self) -> u32 {
        self.pokes.get()
    }

    pub fn events(&self) -> Vec<String> {
        self.events.borrow().clone()
    }

    /// Waits for a future held by the caller (main resolves the futures in some order); several
    /// of these run at once on one chare.
    pub async fn wait_named(
        &self,
        name: String,
        started: MultiFuture<String>,
        f: Future<Future<u32>>,
    ) -> String {
        let mine = Future::<u32>::new();
        f.send(mine);
        started.send(name.clone());
        let v = mine.await;
        self.events.borrow_mut().push(format!("{name}={v}"));
        format!("{name}:{v}")
    }
}

fn main() {
    charm_rt::start(|_args| async move {
        let n = num_pes();
        let gates = GateProxy::new_group();
        let g = gates.elem(n - 1);

        // A coroutine suspended on a future; pokes run meanwhile and resolve it.
        let started = Future::<u32>::new();
        let r = g.wait_for_pokes_ret(started, 3);
        assert_eq!(started.await, 0, "the coroutine is suspended now");
        for _ in 0..3 {
            g.poke();
        }
        assert_eq!(r.await.expect("wait_for_pokes"), 3);
        assert_eq!(
            g.events_ret().await.expect("events"),
            vec!["suspend", "poke", "poke", "poke", "resume"]
        );
        // Sync calls are answered while a coroutine of the chare is suspended.
        let started = Future::<u32>::new();
        let r = g.wait_for_pokes_ret(started, 2);
        assert_eq!(started.await, 3);
        assert_eq!(g.pokes_ret().await.expect("pokes"), 3);
        g.poke();
        assert_eq!(g.pokes_ret().await.expect("pokes"), 4);
        g.poke();
        assert_eq!(r.await.expect("wait_for_pokes"), 5);

        // Three coroutines of the same chare suspended at once, woken in another order.
        let started = MultiFuture::<String>::new(3);
        let names = ["a", "b", "c"];
        let mut holders = Vec::new();
        let mut replies = Vec::new();
        for name in names {
            let holder = Future::<Future<u32>>::new();
            replies.push(g.wait_named_ret(name.to_string(), started, holder));
            holders.push(holder);
        }
        let mut s = started.await;
        s.sort();
        assert_eq!(s, names);
        let mut inner = Vec::new();
        for h in holders {
            inner.push(h.await);
        }
        // Wake c, then a, then b, waiting for each to finish before waking the next.
        let mut replies: Vec<Option<_>> = replies.into_iter().map(Some).collect();
        for (k, &i) in [2usize, 0, 1].iter().enumerate() {
            inner[i].send(10 * k as u32);
            let got = replies[i].take().expect("reply").await.expect("wait_named");
            assert_eq!(got, format!("{}:{}", names[i], 10 * k));
        }
        let ev = g.events_ret().await.expect("events");
        assert_eq!(&ev[ev.len() - 3..], ["c=0", "a=10", "b=20"]);

        // The same on every PE at once, through a broadcast.
        let starteds: Vec<Future<u32>> = (0..n).map(|_| Future::new()).collect();
        let mut rs = Vec::new();
        for (pe, s) in starteds.iter().enumerate() {
            rs.push(gates.elem(pe).wait_for_pokes_ret(*s, 2));
        }
        for s in starteds {
            s.await;
        }
        gates.poke();
        gates.poke();
        for r in charm_rt::wait_all(rs).await {
            r.expect("wait_for_pokes");
        }
        ok("async_interleave");
    })
}
