//! Element proxies and collection proxies travel in messages (as arguments, inside serde structs,
//! as return values, as constructor arguments) and the receivers use them.

use charm_rt::prelude::*;
use charm_tests::ok;
use serde::{Deserialize, Serialize};

#[chare]
pub struct Worker {
    id: usize,
    total: u64,
}

#[chare]
impl Worker {
    fn new(base: usize) -> Self {
        Worker {
            id: base + Self::this_index().get(0),
            total: 0,
        }
    }

    pub fn add(&mut self, v: u64) -> u64 {
        self.total += v;
        self.total
    }

    pub fn id(&self) -> usize {
        self.id
    }

    /// Reports (this element's id, its PE) to a future.
    pub fn report(&self, to: MultiFuture<(usize, usize)>) {
        to.send((self.id, my_pe()));
    }
}

/// A struct holding proxies and futures, sent through serde.
#[derive(Serialize, Deserialize, Clone, Copy)]
pub struct Plan {
    pub workers: WorkerProxy,
    pub first: WorkerElemProxy,
    pub last: WorkerElemProxy,
    pub done: MultiFuture<(usize, usize)>,
}

#[chare]
pub struct Relay {
    stored: Option<WorkerProxy>,
}

#[chare]
impl Relay {
    fn new(initial: Option<WorkerProxy>) -> Self {
        Relay { stored: initial }
    }

    /// Uses an element proxy received as an argument.
    pub fn poke(&self, w: WorkerElemProxy, v: u64) {
        w.add(v);
    }

    /// Uses a collection proxy received as an argument: broadcasts through it.
    pub fn poke_all(&self, ws: WorkerProxy, v: u64) {
        ws.add(v);
    }

    /// Uses a collection proxy received as an argument and awaits nothing: reports through the
    /// future that came along.
    pub fn follow_plan(&self, plan: Plan) {
        plan.first.report(plan.done);
        plan.last.report(plan.done);
        plan.workers.report(plan.done);
    }

    /// Returns proxies (a round trip through a return value).
    pub fn pick(&self, ws: WorkerProxy, i: usize) -> (WorkerElemProxy, WorkerProxy) {
        (ws.elem(i), ws)
    }

    /// Uses the proxy given to the constructor.
    pub fn use_stored(&self, v: u64) -> usize {
        let ws = self.stored.expect("a proxy from the constructor");
        ws.add(v);
        ws.len()
    }

    /// Stores a list of element proxies and forwards to each.
    pub fn fan_out(&mut self, targets: Vec<WorkerElemProxy>, v: u64) {
        for t in targets {
            t.add(v);
        }
    }
}

fn main() {
    charm_rt::start(|_args| async move {
        let n = num_pes();
        let len = 2 * n + 1;
        let ws = WorkerProxy::new_array(len, 100);
        let last_pe = n - 1;
        let relay = RelayProxy::new_chare(Some(last_pe), None);
        let relays = RelayProxy::new_group(Some(ws));

        // Element proxy as an argument.
        relay.poke(ws.elem(0usize), 5);
        relay.poke(ws.elem(len - 1), 7);
        // Collection proxy as an argument.
        relay.poke_all(ws, 1);
        // Make sure the relay's messages were handled: it is one chare, in order.
        let (e, all) = relay.pick_ret(ws, len - 1).await.expect("pick");
        assert_eq!(all, ws);
        assert_eq!(e, ws.elem(len - 1));
        assert_eq!(e.pe(), ws.elem(len - 1).pe());
        // The proxies returned by the relay work here.
        assert_eq!(e.id_ret().await.expect("id"), 100 + len - 1);
        assert_eq!(
            all.id_ret().await.expect("ids"),
            (100..100 + len).collect::<Vec<_>>()
        );
        // A struct of proxies and a future, through serde; the relay uses all of them.
        let plan_done = MultiFuture::<(usize, usize)>::new(len + 2);
        let plan = Plan {
            workers: ws,
            first: ws.elem(0usize),
            last: ws.elem(len - 1),
            done: plan_done,
        };
        relay.follow_plan(plan);
        let mut reports = plan_done.await;
        reports.sort_unstable();
        let mut want: Vec<(usize, usize)> =
            ws.elems().map(|e| (100 + e.position(), e.pe())).collect();
        want.push((100, ws.elem(0usize).pe()));
        want.push((100 + len - 1, ws.elem(len - 1).pe()));
        want.sort_unstable();
        assert_eq!(reports, want);

        // A proxy given to a group's constructor, used by every element.
        let lens = relays.use_stored_ret(10).await.expect("use_stored");
        assert_eq!(lens, vec![len; n]);

        // A vector of element proxies.
        let targets: Vec<WorkerElemProxy> = ws.elems().step_by(2).collect();
        relays
            .elem(0)
            .fan_out_awaitable(targets, 1000)
            .await
            .expect("fan_out");

        // Everything the relays sent was fire-and-forget; the totals converge to the expected
        // values. Poll (with a bound) until they do, since we have no other completion signal.
        let mut want_totals = vec![1 + 10 * n as u64; len];
        want_totals[0] += 5;
        want_totals[len - 1] += 7;
        for (i, t) in want_totals.iter_mut().enumerate() {
            if i % 2 == 0 {
                *t += 1000;
            }
        }
        let mut tries = 0;
        loop {
            let totals = ws.add_ret(0).await.expect("totals");
            if totals == want_totals {
                break;
            }
            tries += 1;
            assert!(
                tries < 10_000,
                "totals {totals:?} never reached {want_totals:?}"
            );
            charm_rt::yield_now().await;
        }
        ok("proxies_in_messages");
    })
}
