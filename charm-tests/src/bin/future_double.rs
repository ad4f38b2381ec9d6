//! A future resolved twice is a fatal error naming the future. Modes (first argument):
//! `remote`: created by main on PE 0, resolved twice by a chare on the last PE, awaited in
//! between; `burst`: resolved twice in a row by the last PE before main awaits; `local`: main
//! resolves its own future twice; `multi`: a MultiFuture of 2 gets 3 values; `chare`: created by
//! a coroutine on the last PE, resolved twice by main; `await_twice`: main awaits a copy of a
//! future it already awaited (also fatal, naming the future).

use charm_rt::prelude::*;
use charm_tests::forever;

#[chare]
pub struct Twice {}

#[chare]
impl Twice {
    fn new() -> Self {
        Twice {}
    }

    pub fn once(&self, f: Future<u32>, v: u32) {
        f.send(v);
    }

    pub fn twice(&self, f: Future<u32>) {
        f.send(1);
        f.send(2);
    }

    pub fn thrice(&self, f: MultiFuture<u32>) {
        for v in 0..3 {
            f.send(v);
        }
    }

    /// Creates a future here and hands it to main's future; then awaits it.
    pub async fn own_future(&self, out: Future<Future<u32>>) {
        let f = Future::<u32>::new();
        println!("FUTURE {f:?}");
        out.send(f);
        let _ = f.await;
        forever().await;
    }
}

fn main() {
    charm_rt::start(|args| async move {
        let mode = args.get(1).cloned().unwrap_or_default();
        let n = num_pes();
        let g = TwiceProxy::new_group();
        let last = g.elem(n - 1);
        match mode.as_str() {
            "remote" => {
                let f = Future::<u32>::new();
                println!("FUTURE {f:?}");
                last.once(f, 1);
                assert_eq!(f.await, 1);
                last.once(f, 2);
            }
            "burst" => {
                let f = Future::<u32>::new();
                println!("FUTURE {f:?}");
                last.twice(f);
            }
            "local" => {
                let f = Future::<u32>::new();
                println!("FUTURE {f:?}");
                f.send(1);
                f.send(2);
            }
            "multi" => {
                let f = MultiFuture::<u32>::new(2);
                println!("FUTURE {}", f.id());
                last.thrice(f);
            }
            "chare" => {
                let out = Future::<Future<u32>>::new();
                last.own_future(out);
                let f = out.await;
                f.send(1);
                f.send(2);
            }
            "await_twice" => {
                let f = Future::<u32>::new();
                println!("FUTURE {f:?}");
                last.once(f, 1);
                assert_eq!(f.await, 1);
                let _second = f.await;
            }
            other => panic!("unknown mode {other:?}"),
        }
        forever().await;
    })
}
