//! `charm_rt::exit(code)` from any PE ends the job with that exit code; returning from main exits
//! with 0. Modes (first argument): `last` (exit(3) from an entry method on the last PE), `async`
//! (exit(4) from a coroutine on the last PE, after it suspended), `main` (exit(5) from main),
//! `return` (main returns at once while fire-and-forget work is still in flight).

use charm_rt::prelude::*;
use charm_tests::forever;

#[chare]
pub struct Stopper {}

#[chare]
impl Stopper {
    fn new() -> Self {
        Stopper {}
    }

    pub fn stop(&self, code: i32) {
        assert_eq!(my_pe(), num_pes() - 1);
        println!("STOPPING {code} on PE {}", my_pe());
        charm_rt::exit(code);
    }

    pub async fn stop_later(&self, code: i32) {
        let me = Self::this_elem();
        me.busy_ret(1).await.expect("busy");
        charm_rt::exit(code);
    }

    pub fn busy(&self, rounds: u64) -> u64 {
        (0..rounds).fold(0u64, |a, x| a.wrapping_add(x * x))
    }
}

fn main() {
    charm_rt::start(|args| async move {
        let mode = args.get(1).cloned().unwrap_or_default();
        let n = num_pes();
        let g = StopperProxy::new_group();
        match mode.as_str() {
            "last" => {
                g.elem(n - 1).stop(3);
                forever().await;
            }
            "async" => {
                g.elem(n - 1).stop_later(4);
                forever().await;
            }
            "main" => {
                println!("EXITING");
                charm_rt::exit(5);
                forever().await;
            }
            "return" => {
                for _ in 0..100 {
                    g.busy(10_000);
                }
                println!("RETURNING");
            }
            other => panic!("unknown mode {other:?}"),
        }
    })
}
