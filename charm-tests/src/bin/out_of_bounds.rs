//! `elem` with an index outside the collection panics at the sender, naming the index and the
//! shape. Modes (first argument): `main1d` (index P*2 of a 1-D array of P*2, in main), `main2d`
//! ((1, 3) of a (2, 3) array), `rank` (a 2-D index into a 1-D array), `group` (element P of a
//! group), `entry` (inside an entry method on the last PE, fire-and-forget), `single_pe` (a single
//! chare placed on PE P).

use charm_rt::prelude::*;
use charm_tests::{forever, ok};

#[chare]
pub struct Target {}

#[chare]
impl Target {
    fn new() -> Self {
        Target {}
    }

    pub fn hit(&self) {}

    pub fn hit_elsewhere(&self, t: TargetProxy, at: usize) {
        t.elem(at).hit();
    }
}

fn main() {
    charm_rt::start(|args| async move {
        let mode = args.get(1).cloned().unwrap_or_default();
        let n = num_pes();
        let a1 = TargetProxy::new_array(2 * n);
        // try_elem is the non-panicking form.
        assert!(a1.try_elem(2 * n).is_none());
        assert!(a1.try_elem((0, 0)).is_none());
        a1.elem(2 * n - 1).hit_awaitable().await.expect("in bounds");
        println!("READY");
        match mode.as_str() {
            "main1d" => a1.elem(2 * n).hit(),
            "main2d" => TargetProxy::new_array((2, 3)).elem((1, 3)).hit(),
            "rank" => a1.elem((0, 1)).hit(),
            "group" => TargetProxy::new_group().elem(n).hit(),
            "entry" => {
                let g = TargetProxy::new_group();
                g.elem(n - 1).hit_elsewhere(a1, 5 * n);
                // The panic happens on the last PE; main has nothing more to do.
                forever().await;
            }
            "single_pe" => {
                TargetProxy::new_chare(Some(n));
            }
            other => panic!("unknown mode {other:?}"),
        }
        // Not reached when the runtime does its job (the panic is in main).
        ok("out_of_bounds");
        forever().await;
    })
}
