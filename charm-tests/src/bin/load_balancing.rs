//! AtSync load balancing (Charm4py's `tests/migration/test_migrate.py` and
//! `test_nonmigratables.py`). Every mode drives an array of `Worker`s through steps: each step,
//! every element works for a time that depends on its index, then calls `at_sync()`; its
//! `resume_from_sync()` records the step and the PE it is on. Every third element called
//! `set_migratable(false)` and must never move. After the steps, each element's history is
//! checked: one resumption per step, state intact, pinned elements where they started.
//!
//! Modes (run with the balancer on the command line, `+balancer NAME`, or none):
//! - `steps`: the checks above, plus, per balancer: none and `Dummy` move nothing; `Rotate`
//!   moves every migratable element to the next PE each step; others keep every PE valid;
//! - `switch`: starts with `Dummy`, switches to `Rotate` with `set_balancer` after two steps;
//! - `custom`: a strategy added with `add_strategy` that puts every movable element on the last
//!   PE;
//! - `bad_strategy`: an added strategy that moves a pinned element: the job ends naming it;
//! - `moved_while_waiting`: an element moves itself after `at_sync()`: the job ends naming it;
//! - `twice`: an element calls `at_sync()` twice in one step: the job ends naming the chare;
//! - `resume_panics`: an element's `resume_from_sync` panics: the job ends naming the chare, the
//!   hook, the element and the PE.

use charm_rt::lb::{LbStats, Strategy};
use charm_rt::prelude::*;
use charm_tests::{f64_data, ok};

#[chare(migratable, at_sync)]
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Worker {
    data: Vec<f64>,
    pinned: bool,
    started_on: usize,
    /// (step, PE where it worked, PE where it resumed).
    history: Vec<(u32, usize, usize)>,
    step: u32,
    worked_on: usize,
    resumed: Option<Future<u64>>,
    /// What the mode asks of each step (see `work`).
    twice: bool,
    move_self: bool,
    panic_in_resume: bool,
}

#[chare]
impl Worker {
    fn new() -> Self {
        let i = Self::this_index()[0];
        let pinned = i.is_multiple_of(3);
        if pinned {
            charm_rt::set_migratable(false);
        }
        Worker {
            data: f64_data(100, i as u64),
            pinned,
            started_on: my_pe(),
            history: Vec::new(),
            step: 0,
            worked_on: 0,
            resumed: None,
            twice: false,
            move_self: false,
            panic_in_resume: false,
        }
    }

    /// Works for about `(index + 1) × unit_us` microseconds, then waits in `at_sync()`.
    pub fn work(&mut self, step: u32, unit_us: u64, worked: Future<u64>, resumed: Future<u64>) {
        let i = Self::this_index()[0] as u64;
        let until = std::time::Instant::now() + std::time::Duration::from_micros((i + 1) * unit_us);
        let mut x = 0.0f64;
        while std::time::Instant::now() < until {
            x += (x + 1.0).sqrt();
        }
        std::hint::black_box(x);
        self.step = step;
        self.worked_on = my_pe();
        self.resumed = Some(resumed);
        charm_rt::contribute(1u64, Reducer::Sum, worked);
        self.at_sync();
        if self.twice && i == 1 {
            self.at_sync();
        }
        if self.move_self && i == 1 {
            Self::this_proxy()
                .elem(1)
                .migrate((my_pe() + 1) % num_pes());
        }
    }

    fn resume_from_sync(&mut self) {
        let i = Self::this_index()[0];
        assert!(!self.panic_in_resume, "resume failed on purpose");
        assert_eq!(
            self.data,
            f64_data(100, i as u64),
            "state survives the step"
        );
        self.history.push((self.step, self.worked_on, my_pe()));
        let resumed = self.resumed.take().expect("resumed once per at_sync()");
        charm_rt::contribute(1u64, Reducer::Sum, resumed);
    }

    pub fn set_mode(&mut self, twice: bool, move_self: bool, panic_in_resume: bool) {
        self.twice = twice;
        self.move_self = move_self;
        self.panic_in_resume = panic_in_resume;
    }

    /// (pinned, PE it started on, history).
    pub fn report(&self) -> (bool, usize, Vec<(u32, usize, usize)>) {
        (self.pinned, self.started_on, self.history.clone())
    }
}

/// Everything that may move goes to the last PE.
struct AllToLast;

impl Strategy for AllToLast {
    fn name(&self) -> &str {
        "AllToLast"
    }
    fn assign(&self, stats: &LbStats) -> Vec<u32> {
        let last = stats.num_pes() as u32 - 1;
        stats
            .objs
            .iter()
            .map(|o| if o.migratable { last } else { o.pe })
            .collect()
    }
}

/// Breaks the rules: moves every element, pinned ones too.
struct MovesPinned;

impl Strategy for MovesPinned {
    fn name(&self) -> &str {
        "MovesPinned"
    }
    fn assign(&self, stats: &LbStats) -> Vec<u32> {
        let pes = stats.num_pes() as u32;
        stats.objs.iter().map(|o| (o.pe + 1) % pes).collect()
    }
}

async fn run_steps(arr: WorkerProxy, n: usize, steps: u32, switch_after: Option<u32>) {
    for s in 0..steps {
        if switch_after == Some(s) {
            charm_rt::lb::set_balancer("Rotate");
        }
        let (worked, resumed) = (Future::new(), Future::new());
        arr.work(s, 50, worked, resumed);
        assert_eq!(worked.await, n as u64, "every element worked in step {s}");
        assert_eq!(
            resumed.await,
            n as u64,
            "every element resumed once in step {s}"
        );
    }
}

fn main() {
    charm_rt::lb::add_strategy("AllToLast", || Box::new(AllToLast));
    charm_rt::lb::add_strategy("MovesPinned", || Box::new(MovesPinned));
    charm_rt::start(|args| async move {
        let mode = args.get(1).cloned().unwrap_or_default();
        let balancer = args.get(2).cloned().unwrap_or_default();
        let p = num_pes();
        let n = 3 * p + 2;
        let steps = 4u32;
        let arr = WorkerProxy::new_array(n);
        match mode.as_str() {
            "steps" | "switch" | "custom" | "bad_strategy" => {
                let switch_after = (mode == "switch").then_some(2);
                run_steps(arr, n, steps, switch_after).await;
                let reports = arr.report_ret().await.expect("reports");
                for (i, (pinned, started, history)) in reports.into_iter().enumerate() {
                    let steps_seen: Vec<u32> = history.iter().map(|h| h.0).collect();
                    assert_eq!(
                        steps_seen,
                        (0..steps).collect::<Vec<_>>(),
                        "element {i}: one resumption per step"
                    );
                    let mut at = started;
                    for (s, worked_on, resumed_on) in history {
                        assert_eq!(worked_on, at, "element {i} worked where it was");
                        if pinned {
                            assert_eq!(
                                resumed_on, started,
                                "element {i} is pinned: it never moves"
                            );
                        } else {
                            let rotating = balancer == "Rotate" || (mode == "switch" && s >= 2);
                            let want = match (mode.as_str(), balancer.as_str()) {
                                _ if rotating => Some((at + 1) % p),
                                ("custom", _) => Some(p - 1),
                                (_, "" | "Dummy" | "none") => Some(at),
                                ("switch", _) => Some(at),
                                _ => None,
                            };
                            if let Some(want) = want {
                                assert_eq!(
                                    resumed_on, want,
                                    "element {i} in step {s} under {balancer:?}"
                                );
                            }
                            assert!(resumed_on < p);
                        }
                        at = resumed_on;
                    }
                }
                ok(format!("load_balancing {mode} {balancer}").trim_end());
            }
            "moved_while_waiting" | "twice" | "resume_panics" => {
                arr.elem(1)
                    .set_mode_awaitable(
                        mode == "twice",
                        mode == "moved_while_waiting",
                        mode == "resume_panics",
                    )
                    .await
                    .expect("mode set");
                run_steps(arr, n, 1, None).await;
                ok(&format!("load_balancing {mode}"));
            }
            other => panic!("unknown mode {other:?}"),
        }
    })
}
