//! Quiescence detection: `wait_qd` after a cascade of fire-and-forget messages, `start_qd` from
//! a chare, and the report of a job that waits on futures nobody can resolve.
//!
//! Modes: `wait` (default), `failed_send`, `failed_gather`, `hang_main`, `hang_coroutine`,
//! `hang_allreduce`.

use charm_rt::prelude::*;
use charm_tests::ok;
use std::cell::Cell;

/// A value whose serialization always fails (it can only be moved within a process).
#[derive(serde::Deserialize)]
pub struct Refuses;

impl serde::Serialize for Refuses {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom(
            "this value refuses to be serialized",
        ))
    }
}

/// Passes a token along the array, counting hops, with no reply to anyone.
#[chare]
pub struct Relay {
    hops: Cell<u64>,
}

#[chare]
impl Relay {
    fn new() -> Self {
        Relay { hops: Cell::new(0) }
    }

    /// Counts a hop and passes the token on while `left > 0`, fanning out every 10th hop.
    pub fn hop(&self, left: u32) {
        self.hops.set(self.hops.get() + 1);
        if left > 0 {
            let array = Self::this_proxy();
            let next = (Self::this_elem().position() + 1) % array.len();
            array.elem(next).hop(left - 1);
            if left.is_multiple_of(10) {
                array.elem((next + 3) % array.len()).hop(0);
            }
        }
    }

    /// Calls `take` on the last element with a value that cannot be encoded: on the MPI layer,
    /// with the last element in another process, the send fails (a panic reported to the caller).
    pub fn send_refusing(&self) {
        let array = Self::this_proxy();
        array.elem(array.len() - 1).take(Refuses);
    }

    /// Receives the value.
    pub fn take(&self, _v: Refuses) {}

    /// Returns a value that cannot be encoded.
    pub fn give(&self) -> Refuses {
        Refuses
    }

    /// Hops counted here.
    pub fn hops(&self) -> u64 {
        self.hops.get()
    }

    /// Asks for `f` at quiescence, from this element's PE.
    pub fn notify_at_qd(&self, f: Future<()>) {
        charm_rt::start_qd(f);
    }

    /// An allreduce that element 0 never joins: the others wait forever.
    pub async fn partial_allreduce(&self) -> u64 {
        if Self::this_elem().position() == 0 {
            return 0;
        }
        charm_rt::allreduce(1u64, Reducer::Sum).await
    }

    /// Awaits a future that nobody will ever resolve.
    pub async fn stuck(&self) {
        let never = Future::<u32>::new();
        let _ = never.await;
    }
}

/// More traffic after a send that may have failed, then quiescence (which a failed send counted
/// as in flight would prevent).
async fn quiescence_after(relays: RelayProxy, what: &str, failed: bool) {
    relays.elem(0).hop(100);
    charm_rt::wait_qd().await;
    let how = if failed { "error" } else { "moved" };
    println!("failed {what}: {how}");
    ok("quiescence");
}

fn main() {
    charm_rt::start(|args| async move {
        let mode = args.get(1).cloned().unwrap_or_else(|| "wait".into());
        let relays = RelayProxy::new_array(8);
        match mode.as_str() {
            "wait" => {
                for round in 0..3u64 {
                    relays.elem(0).hop(1000);
                    charm_rt::wait_qd().await;
                    let hops: u64 = relays.hops_ret().await.unwrap().iter().sum();
                    assert_eq!(
                        hops,
                        (round + 1) * (1001 + 100),
                        "all hops done at quiescence (round {round})"
                    );
                }
                // start_qd from a chare on the last PE.
                let f = Future::new();
                relays.elem(7).notify_at_qd(f);
                relays.elem(3).hop(500);
                f.await;
                let hops: u64 = relays.hops_ret().await.unwrap().iter().sum();
                assert_eq!(hops, 3 * 1101 + 501 + 50);
                ok("quiescence");
            }
            "failed_send" => {
                // The failed send must not count as a message in flight: quiescence still comes.
                let r = relays.elem(0).send_refusing_awaitable().await;
                if let Err(e) = &r {
                    assert!(e.to_string().contains("refuses to be serialized"), "{e}");
                }
                quiescence_after(relays, "send", r.is_err()).await;
            }
            "failed_gather" => {
                // Values gathered on other PEs fail to encode there (MPI): the caller gets the
                // error, and the failed reply does not count as a message in flight.
                let r = relays.give_ret().await;
                match &r {
                    Err(e) => assert!(e.to_string().contains("refuses to be serialized"), "{e}"),
                    Ok(v) => assert_eq!(v.len(), 8),
                }
                quiescence_after(relays, "gather", r.is_err()).await;
            }
            "hang_main" => {
                let never = Future::<u32>::new();
                relays.elem(1).hop(10);
                never.await;
                unreachable!("nobody resolves this future");
            }
            "hang_coroutine" => {
                relays.elem(5).stuck_awaitable().await.unwrap();
                unreachable!("the coroutine never finishes");
            }
            "hang_allreduce" => {
                relays.partial_allreduce_ret().await.unwrap();
                unreachable!("seven elements wait for the eighth");
            }
            other => panic!("unknown mode {other}"),
        }
    })
}
