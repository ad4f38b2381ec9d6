//! Global values: set from main, read on every PE; a 1 MiB array by direct copy; overwriting;
//! reading with the wrong type (mode `wrong_type`) is an error naming the global and both types,
//! even where the bytes would decode as the wrong type.

use charm_rt::prelude::*;
use charm_rt::{global, set_global, Serde};
use charm_tests::ok;

/// Reads globals on its PE.
#[chare]
pub struct Reader {}

#[chare]
impl Reader {
    fn new() -> Self {
        Reader {}
    }

    /// What this PE sees: size, weights length and checksum, greeting, and a missing name.
    pub fn look(&mut self) -> (usize, usize, f64, String, bool) {
        let size = *global::<usize>("size").expect("size");
        let w = global::<Vec<f64>>("weights").expect("weights");
        let again = global::<Vec<f64>>("weights").expect("weights");
        assert!(std::rc::Rc::ptr_eq(&w, &again), "decoded once per PE");
        let g = global::<Serde<Vec<String>>>("greeting").expect("greeting");
        (
            size,
            w.len(),
            w.iter().sum(),
            g.0.join(" "),
            global::<u8>("missing").is_none(),
        )
    }

    /// Reads `weights` with another type whose bytes would decode (the `Vec<f64>` as
    /// `Vec<u64>`): an error, not reinterpreted numbers.
    pub fn misread(&mut self) -> usize {
        global::<Vec<u64>>("weights").map_or(0, |w| w.len())
    }
}

fn main() {
    charm_rt::start(|args| async move {
        let readers = ReaderProxy::new_group();
        let weights: Vec<f64> = (0..1 << 17).map(|i| i as f64).collect();
        let sum: f64 = weights.iter().sum();
        set_global("size", 42usize).await;
        set_global("weights", weights).await;
        set_global(
            "greeting",
            Serde(vec!["hello".to_string(), "world".to_string()]),
        )
        .await;
        if args.get(1).map(String::as_str) == Some("wrong_type") {
            readers.elem(num_pes() - 1).misread();
            charm_rt::wait_qd().await;
            unreachable!("the misread ends the job");
        }
        let seen = readers.look_ret().await.expect("look");
        assert!(
            seen.iter()
                .all(|s| *s == (42, 1 << 17, sum, "hello world".to_string(), true)),
            "{seen:?}"
        );
        set_global("size", 7usize).await;
        let seen = readers.look_ret().await.expect("look again");
        assert!(seen.iter().all(|s| s.0 == 7), "overwritten everywhere");
        ok("globals");
    })
}
