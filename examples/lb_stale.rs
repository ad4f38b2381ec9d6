//! Do stale locations cost? (Charm++ issue #2060: iteration time rose after every
//! load-balancing step, for hundreds of steps, as location caches went stale.) An array of
//! migratable elements, each holding proxies of a fixed set of partners made once at the start,
//! runs 200 load-balancing steps with `Rotate`, which moves every element to the next PE each
//! time, so every location any PE has learnt is wrong after each step. Around each step the
//! elements exchange one message with each partner twice: the first exchange after a step finds
//! every partner moved (its messages are forwarded once and the senders learn the new place),
//! the second goes straight. The table shows both over the run; neither should grow.
//!
//! Run: `cargo run --release --example lb_stale -- +p2 [elements] [steps]` (defaults 256, 200);
//! `+balancer Rotate` is the default here.

use charm_rt::prelude::*;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Partners are the elements at these distances in both directions: everyone sends and
/// receives the same number of messages per exchange.
const OFFSETS: [usize; 4] = [1, 5, 17, 61];

#[chare(migratable, at_sync)]
#[derive(Serialize, Deserialize)]
pub struct Node {
    /// Made once, in the constructor: their location hints go stale with every step.
    partners: Vec<NodeElemProxy>,
    round: u32,
    got: usize,
    done: Option<Future<u64>>,
    resumed: Option<Future<u64>>,
    /// Some state to carry when moving.
    state: Vec<f64>,
}

#[chare]
impl Node {
    fn new(n: usize) -> Self {
        let i = Self::this_index()[0] as usize;
        let me = Self::this_proxy();
        let partners = OFFSETS
            .iter()
            .flat_map(|&d| [(i + d) % n, (i + n - d % n) % n])
            .map(|j| me.elem(j))
            .collect();
        Node {
            partners,
            round: 0,
            got: 0,
            done: None,
            resumed: None,
            state: vec![i as f64; 64],
        }
    }

    /// Sends one message to each partner; `done` counts the elements that heard from theirs.
    pub fn exchange(&mut self, round: u32, done: Future<u64>) {
        self.round = round;
        self.done = Some(done);
        for p in &self.partners {
            p.ping(round);
        }
        self.finish_if_heard();
    }

    #[when(self.round == *round)]
    pub fn ping(&mut self, round: u32) {
        let _ = round;
        self.got += 1;
        self.finish_if_heard();
    }

    pub fn balance(&mut self, resumed: Future<u64>) {
        self.resumed = Some(resumed);
        self.at_sync();
    }

    fn resume_from_sync(&mut self) {
        let i = Self::this_index()[0] as usize;
        assert!(self.state.iter().all(|&v| v == i as f64), "state survives");
        let r = self.resumed.take().expect("balance came first");
        charm_rt::contribute(1u64, Reducer::Sum, r);
    }

    /// The PE this element is on.
    pub fn where_now(&self) -> usize {
        my_pe()
    }
}

impl Node {
    fn finish_if_heard(&mut self) {
        if self.got == self.partners.len() {
            if let Some(done) = self.done.take() {
                self.got = 0;
                charm_rt::contribute(1u64, Reducer::Sum, done);
            }
        }
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn arg(args: &[String], i: usize, default: usize) -> usize {
    args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default)
}

fn main() {
    let (mut cfg, args) = charm_rt::Config::from_args(std::env::args(), |k| std::env::var(k).ok())
        .unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(2)
        });
    if cfg.balancer.is_none() {
        cfg.balancer = Some("Rotate".into());
    }
    let code = charm_rt::run(cfg, move || async move {
        let n = arg(&args, 1, 256).max(2 * OFFSETS[3] + 2);
        let steps = arg(&args, 2, 200);
        let nodes = NodeProxy::new_array(n, n);
        let mut round = 0u32;
        let mut exchange = || {
            round += 1;
            let done = Future::new();
            nodes.exchange(round, done);
            done
        };
        // Warm-up, then the first measurement: nothing has moved yet.
        let mut rows: Vec<(usize, f64, f64, f64)> = Vec::new();
        let mut lb_times = Vec::new();
        for step in 0..=steps {
            let t = Instant::now();
            assert_eq!(exchange().await, n as u64);
            let first = t.elapsed().as_secs_f64();
            let t = Instant::now();
            assert_eq!(exchange().await, n as u64);
            let settled = t.elapsed().as_secs_f64();
            let mut lb = 0.0;
            if step < steps {
                let t = Instant::now();
                let resumed = Future::new();
                nodes.balance(resumed);
                assert_eq!(resumed.await, n as u64);
                lb = t.elapsed().as_secs_f64();
                lb_times.push(lb);
            }
            rows.push((step, first, settled, lb));
        }
        let at: Vec<usize> = nodes.where_now_ret().await.expect("where");
        if num_pes() > 1 {
            for (i, &pe) in at.iter().enumerate() {
                let home = i * num_pes() / n;
                assert_eq!(
                    pe,
                    (home + steps) % num_pes(),
                    "element {i} rotated {steps} times"
                );
            }
        }
        println!(
            "{n} elements, {} partners each, {steps} load-balancing steps (Rotate) on {} PEs",
            2 * OFFSETS.len(),
            num_pes()
        );
        println!(
            "{:>12} {:>22} {:>18} {:>14}",
            "after step", "first exchange (us)", "second (us)", "LB step (ms)"
        );
        let window = (steps / 10).max(1);
        let stat = |from: usize, to: usize| {
            let sel: Vec<&(usize, f64, f64, f64)> =
                rows.iter().filter(|r| r.0 >= from && r.0 < to).collect();
            let mut f: Vec<f64> = sel.iter().map(|r| r.1).collect();
            let mut s: Vec<f64> = sel.iter().map(|r| r.2).collect();
            let mut l: Vec<f64> = sel.iter().map(|r| r.3).filter(|&x| x > 0.0).collect();
            let lb = if l.is_empty() { 0.0 } else { median(&mut l) };
            (median(&mut f), median(&mut s), lb)
        };
        let (f0, s0, _) = stat(0, 1);
        println!(
            "{:>12} {:>22.1} {:>18.1} {:>14}",
            "none",
            f0 * 1e6,
            s0 * 1e6,
            "-"
        );
        let mut marks = Vec::new();
        let mut from = 1;
        while from <= steps {
            let to = (from + window).min(steps + 1);
            let (f, s, l) = stat(from, to);
            println!(
                "{:>12} {:>22.1} {:>18.1} {:>14.2}",
                format!("{from}-{}", to - 1),
                f * 1e6,
                s * 1e6,
                l * 1e3
            );
            marks.push((f, s));
            from = to;
        }
        let (first, last) = (marks[0], marks[marks.len() - 1]);
        println!(
            "medians, last window over first: first exchange {:.2}x, second exchange {:.2}x \
             (second exchange after the last step over before any step: {:.2}x)",
            last.0 / first.0,
            last.1 / first.1,
            last.1 / s0
        );
    });
    std::process::exit(code)
}
