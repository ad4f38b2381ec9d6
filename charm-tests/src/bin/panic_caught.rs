//! A panic in an entry method called with `_ret` or `_awaitable` goes to the caller as a
//! `CallError` naming the chare type, element index, method and PE, and the job continues.

use charm_rt::prelude::*;
use charm_tests::ok;
use std::cell::Cell as StdCell;

#[chare]
pub struct Worker {
    calls: u32,
}

#[chare]
impl Worker {
    fn new() -> Self {
        Worker { calls: 0 }
    }

    pub fn explode(&mut self, why: String) -> u64 {
        self.calls += 1;
        panic!("boom: {why}");
    }

    pub fn explode_unit(&mut self) {
        self.calls += 1;
        panic!("boom: unit");
    }

    /// Panics on the elements listed; returns its position otherwise.
    pub fn maybe_explode(&mut self, victims: Vec<Vec<usize>>) -> usize {
        self.calls += 1;
        let me = Self::this_index().to_vec();
        if victims.contains(&me) {
            panic!("boom: victim {me:?}");
        }
        Self::this_elem().position()
    }

    pub fn calls(&self) -> u32 {
        self.calls
    }

    /// Non-string panic payload.
    pub fn explode_weird(&mut self) {
        std::panic::panic_any(42u32);
    }
}

#[chare]
pub struct Waiter {
    resumed: StdCell<u32>,
}

#[chare]
impl Waiter {
    fn new() -> Self {
        Waiter {
            resumed: StdCell::new(0),
        }
    }

    pub fn nothing(&self) {}

    pub async fn explode_later(&self, why: String) -> String {
        let me = Self::this_elem();
        me.nothing_awaitable().await.expect("nothing");
        self.resumed.set(self.resumed.get() + 1);
        panic!("boom: {why}");
    }

    pub async fn explode_at_once(&self) {
        panic!("boom: before any await");
    }

    /// Awaits a call that fails and returns the error it got.
    pub async fn relay_error(&self, w: WorkerElemProxy) -> CallError {
        w.explode_ret("relayed".into())
            .await
            .expect_err("the callee panics")
    }

    pub fn resumed(&self) -> u32 {
        self.resumed.get()
    }
}

fn check(e: &CallError, chare: &str, index: &str, method: &str, pe: usize, msg: &str) {
    assert_eq!(e.chare, format!("{}::{chare}", module_path!()), "{e:?}");
    assert_eq!(e.index, index, "{e:?}");
    assert_eq!(e.method, method, "{e:?}");
    assert_eq!(e.pe, pe, "{e:?}");
    assert!(e.message.contains(msg), "{e:?} should mention {msg:?}");
    let shown = e.to_string();
    for part in [&e.chare, index, method, &format!("PE {pe}"), msg] {
        assert!(shown.contains(part), "{shown:?} should mention {part:?}");
    }
}

fn main() {
    charm_rt::start(|_args| async move {
        let n = num_pes();
        let arr = WorkerProxy::new_array((n, 2));
        let victim = arr.elem((n - 1, 1));
        let vpe = victim.pe();
        let vix = format!("({}, 1)", n - 1);

        // _ret on a sync entry.
        let e = victim.explode_ret("ret".into()).await.expect_err("panics");
        check(&e, "Worker", &vix, "explode", vpe, "boom: ret");
        // _awaitable on a sync entry, both the unit one and the one with a value.
        let e = victim.explode_unit_awaitable().await.expect_err("panics");
        check(&e, "Worker", &vix, "explode_unit", vpe, "boom: unit");
        let e = victim
            .explode_awaitable("aw".into())
            .await
            .expect_err("panics");
        check(&e, "Worker", &vix, "explode", vpe, "boom: aw");
        // The element still works and kept its state.
        assert_eq!(victim.calls_ret().await.expect("calls"), 3);
        assert_eq!(
            victim.maybe_explode_ret(Vec::new()).await.expect("fine"),
            2 * n - 1
        );
        // A non-string payload.
        let e = victim.explode_weird_awaitable().await.expect_err("panics");
        assert_eq!(e.method, "explode_weird");
        assert_eq!(e.pe, vpe);

        // Broadcasts: one element panics => Err naming it; the others ran.
        let e = arr
            .maybe_explode_ret(vec![vec![n - 1, 1]])
            .await
            .expect_err("one element panics");
        check(&e, "Worker", &vix, "maybe_explode", vpe, "boom: victim");
        let e = arr
            .maybe_explode_awaitable(vec![vec![0, 0]])
            .await
            .expect_err("one element panics");
        check(&e, "Worker", "(0, 0)", "maybe_explode", 0, "boom: victim");
        let calls = arr.calls_ret().await.expect("calls");
        let mut want = vec![2u32; 2 * n];
        want[2 * n - 1] += 4; // explode, explode_unit, explode (awaitable), maybe_explode
        assert_eq!(calls, want, "every element ran both broadcasts");
        // Several elements panic: Err names one of them.
        let victims: Vec<Vec<usize>> = (0..n).map(|i| vec![i, 0]).collect();
        let e = arr
            .maybe_explode_ret(victims.clone())
            .await
            .expect_err("several panic");
        assert!(
            victims
                .iter()
                .any(|v| e.index == format!("({}, {})", v[0], v[1])),
            "{e:?}"
        );
        assert_eq!(e.method, "maybe_explode");
        // Broadcast with nobody panicking is fine again.
        let fine = arr.maybe_explode_ret(Vec::new()).await.expect("no panic");
        assert_eq!(fine, (0..2 * n).collect::<Vec<_>>());
        // A group broadcast where the last PE's element panics.
        let g = WorkerProxy::new_group();
        let e = g
            .maybe_explode_ret(vec![vec![n - 1]])
            .await
            .expect_err("panics");
        check(
            &e,
            "Worker",
            &format!("({})", n - 1),
            "maybe_explode",
            n - 1,
            "boom",
        );
        // A single chare.
        let s = WorkerProxy::new_chare(Some(n - 1));
        let e = s.explode_ret("single".into()).await.expect_err("panics");
        check(&e, "Worker", "(0)", "explode", n - 1, "boom: single");

        // Async entries: panic after a suspension and before any.
        let waiters = WaiterProxy::new_group();
        let w = waiters.elem(n - 1);
        let e = w
            .explode_later_ret("later".into())
            .await
            .expect_err("panics");
        check(
            &e,
            "Waiter",
            &format!("({})", n - 1),
            "explode_later",
            n - 1,
            "boom: later",
        );
        let e = w
            .explode_later_awaitable("aw".into())
            .await
            .expect_err("panics");
        check(
            &e,
            "Waiter",
            &format!("({})", n - 1),
            "explode_later",
            n - 1,
            "boom: aw",
        );
        assert_eq!(w.resumed_ret().await.expect("resumed"), 2);
        let e = w.explode_at_once_awaitable().await.expect_err("panics");
        check(
            &e,
            "Waiter",
            &format!("({})", n - 1),
            "explode_at_once",
            n - 1,
            "before any await",
        );
        // Broadcast to an async entry where every element panics.
        let e = waiters
            .explode_later_ret("all".into())
            .await
            .expect_err("panics");
        assert_eq!(e.method, "explode_later");
        assert!(e.pe < n);
        assert_eq!(waiters.resumed_ret().await.expect("resumed"), {
            let mut v = vec![1; n];
            v[n - 1] = 3;
            v
        });
        // An error observed inside a coroutine on another PE, handed back as a value.
        let e = waiters
            .elem(0)
            .relay_error_ret(victim)
            .await
            .expect("relay_error itself succeeds");
        check(&e, "Worker", &vix, "explode", vpe, "boom: relayed");

        // The job is healthy: the victim answers.
        // 6 counted above, two more broadcasts, and the relayed explode.
        assert_eq!(victim.calls_ret().await.expect("calls"), 6 + 2 + 1);
        ok("panic_caught");
    })
}
