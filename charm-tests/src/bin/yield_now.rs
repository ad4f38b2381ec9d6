//! `charm_rt::yield_now` lets other messages on this PE run: a coroutine that polls a condition
//! with `yield_now` sees messages that arrive meanwhile. Modes (first argument): `future` (main
//! spins until a future resolved by the last PE is ready), `local` (main spins until a chare on
//! PE 0 ran a fire-and-forget call), `coroutine` (an async entry method spins until another entry
//! method of its chare ran), `queued` (after main queued calls to a chare on its own PE, one
//! `yield_now` lets all of them run, not only the first: the queue cannot outgrow the batches).

use charm_rt::prelude::*;
use charm_tests::ok;
use std::cell::Cell as StdCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(2);

/// Calls of `bump` that ran in this process.
static BUMPS: AtomicU64 = AtomicU64::new(0);

#[chare]
pub struct Flag {
    set: StdCell<bool>,
}

#[chare]
impl Flag {
    fn new() -> Self {
        Flag {
            set: StdCell::new(false),
        }
    }

    pub fn set(&self) {
        self.set.set(true);
    }

    pub fn bump(&self) {
        BUMPS.fetch_add(1, Ordering::Relaxed);
    }

    pub fn resolve(&self, f: Future<usize>) {
        f.send(my_pe());
    }

    /// Spins with `yield_now` until `set` ran on this chare; returns how many yields it took.
    pub async fn wait_for_set(&self) -> u64 {
        let start = Instant::now();
        let mut yields = 0;
        while !self.set.get() {
            assert!(
                start.elapsed() < LIMIT,
                "`set` never ran while the coroutine yielded ({yields} yields)"
            );
            yields += 1;
            charm_rt::yield_now().await;
        }
        yields
    }
}

fn main() {
    charm_rt::start(|args| async move {
        let mode = args.get(1).cloned().unwrap_or_default();
        let n = num_pes();
        let g = FlagProxy::new_group();
        match mode.as_str() {
            "future" => {
                let f = Future::<usize>::new();
                g.elem(n - 1).resolve(f);
                let start = Instant::now();
                while !f.is_ready() {
                    assert!(
                        start.elapsed() < LIMIT,
                        "the value never arrived while main yielded"
                    );
                    charm_rt::yield_now().await;
                }
                assert_eq!(f.await, n - 1);
            }
            "local" => {
                let f = Future::<usize>::new();
                g.elem(0).resolve(f);
                let start = Instant::now();
                while !f.is_ready() {
                    assert!(
                        start.elapsed() < LIMIT,
                        "the local call never ran while main yielded"
                    );
                    charm_rt::yield_now().await;
                }
                assert_eq!(f.await, 0);
            }
            "coroutine" => {
                let last = g.elem(n - 1);
                let r = last.wait_for_set_ret();
                last.set();
                r.await.expect("wait_for_set");
            }
            "queued" => {
                let local = g.elem(my_pe());
                for batch in 1..=50u64 {
                    for _ in 0..1000 {
                        local.bump();
                    }
                    charm_rt::yield_now().await;
                    assert_eq!(
                        BUMPS.load(Ordering::Relaxed),
                        batch * 1000,
                        "one yield_now let only part of the calls queued before it run"
                    );
                }
            }
            other => panic!("unknown mode {other:?}"),
        }
        ok("yield_now");
    })
}
