//! A panic in an entry method that nobody awaits ends the job with exit code 1 and a message
//! naming the chare type, the element index, the method and the PE. Modes (first argument):
//! `sync` (element (P-1, 1) of a (P, 2) array), `async` (async entry of group element P-1, after
//! it suspended once), `broadcast` (fire-and-forget broadcast, only element (P-1, 1) panics),
//! `single` (single chare on PE P-1), `nested` (element (P-1, 1) panics in a call made by another
//! chare's entry method), `ctor` (the constructor of element (P-1, 1) panics), `awaited`
//! (element (P-1, 1) panics in a `_awaitable` call that main awaits: the caller gets the error and the
//! job exits with 5, unless the build has `panic = "abort"`, where every panic is fatal).

use charm_rt::prelude::*;
use charm_tests::forever;

#[chare]
pub struct Worker {}

#[chare]
impl Worker {
    fn new() -> Self {
        Worker {}
    }

    pub fn explode(&mut self, why: String) {
        panic!("boom: {why}");
    }

    pub fn maybe_explode(&mut self, victim: Vec<usize>) {
        if Self::this_index().to_vec() == victim {
            panic!("boom: chosen victim");
        }
    }
}

#[chare]
pub struct Fragile {}

#[chare]
impl Fragile {
    fn new(victim: Vec<usize>) -> Self {
        if Self::this_index().to_vec() == victim {
            panic!("boom: in the constructor");
        }
        Fragile {}
    }

    pub fn touch(&self) {}
}

#[chare]
pub struct Waiter {}

#[chare]
impl Waiter {
    fn new() -> Self {
        Waiter {}
    }

    pub async fn explode_later(&self) {
        let me = Self::this_elem();
        me.nothing_awaitable().await.expect("nothing");
        panic!("boom: after await");
    }

    pub fn nothing(&self) {}

    /// Makes a fire-and-forget call that panics elsewhere.
    pub fn call_victim(&self, w: WorkerElemProxy) {
        w.explode("nested".to_string());
    }
}

fn main() {
    charm_rt::start(|args| async move {
        let mode = args.get(1).cloned().unwrap_or_default();
        let n = num_pes();
        let arr = WorkerProxy::new_array((n, 2));
        let victim = arr.elem((n - 1, 1));
        assert_eq!(victim.pe(), n - 1);
        match mode.as_str() {
            "sync" => victim.explode("sync".to_string()),
            "async" => WaiterProxy::new_group().elem(n - 1).explode_later(),
            "broadcast" => arr.maybe_explode(vec![n - 1, 1]),
            "single" => WorkerProxy::new_chare(Some(n - 1)).explode("single".to_string()),
            "nested" => WaiterProxy::new_chare(Some(0)).call_victim(victim),
            "ctor" => FragileProxy::new_array((n, 2), vec![n - 1, 1]).touch(),
            "awaited" => {
                let err = victim
                    .explode_awaitable("awaited".to_string())
                    .await
                    .unwrap_err();
                println!("caught: {err}");
                charm_rt::exit(5);
            }
            other => panic!("unknown mode {other:?}"),
        }
        forever().await;
    })
}
