//! A 2-D particle simulation on a grid of migratable cells (as Charm4py's
//! `examples/particle/particle.py`): the box is cut into cells, each cell owns the particles
//! inside it, and in each step every particle takes a random step; those that leave their cell
//! are sent to one of the eight neighbours (the box wraps around). The particles start in a blob
//! inside the part of the box that the block map gives PE 0, so PE 0 does most of the work.
//!
//! The simulation runs from the same start several ways and prints the time per step of each:
//! - as placed by the map, never balanced;
//! - with a manual rebalancing every `k` steps: main asks every cell for its particle count and
//!   moves cells from the busiest PE to the idlest until their loads are close;
//! - with the runtime's load balancing every `k` steps, when a strategy is given at launch
//!   (`+balancer GreedyRefine`, ...): every cell calls `at_sync()`, and the runtime moves cells
//!   by the time they measurably spent in their entry methods.
//!
//! Each run also reports the ideal time per step: the work the cells measured themselves
//! (seconds in their entry methods, as the runtime measures loads) divided by the number of
//! PEs.
//!
//! Run: `cargo run --release --example particle -- +p2 [+balancer NAME] [cells_x cells_y]
//! [steps] [k]` (defaults: 16 x 16 cells, 60 steps, k = 5); under `mpirun` with the `mpi`
//! feature as well.

use charm_rt::prelude::*;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Most particles a cell starts with (the cell at the heavy corner).
const MAX_START: usize = 1000;
/// Length of the box's side.
const BOX: f64 = 100.0;
/// Arithmetic per particle and step, standing in for a force computation.
const WORK: u32 = 40;

/// One cell of the box and its particles.
#[chare(migratable, at_sync)]
#[derive(Serialize, Deserialize)]
pub struct Cell {
    /// `x0, y0, x1, y1, ...`: moves as one byte string when the cell migrates.
    #[serde(with = "charm_rt::bulk")]
    coords: Vec<f64>,
    cells: (usize, usize),
    /// Steps this cell has started.
    started: u32,
    /// Neighbours heard from in the current step.
    heard: u32,
    /// Where the current step's particle count goes.
    done: Option<Future<u64>>,
    rng: u64,
    /// A running value of the stand-in computation (kept so it is not optimised away).
    energy: f64,
    moves: u32,
    /// Seconds spent in `step` and `arrive` (moving particles, sending and receiving them), over
    /// the whole run.
    work: f64,
    /// Where the end of the current load-balancing step is reported.
    resumed: Option<Future<u64>>,
}

#[chare]
impl Cell {
    fn new(cells: (usize, usize), seed: u64) -> Self {
        let ix = Self::this_index();
        let (x, y) = (ix.get(0), ix.get(1));
        let mut rng = seed ^ (x as u64 * 0x9e37_79b9_7f4a_7c15) ^ (y as u64 + 1) << 32;
        let (w, h) = cell_size(cells);
        let n = start_count((x, y), cells);
        let mut coords = Vec::with_capacity(2 * n);
        for _ in 0..n {
            coords.push(x as f64 * w + uniform(&mut rng) * w * 0.999);
            coords.push(y as f64 * h + uniform(&mut rng) * h * 0.999);
        }
        Cell {
            coords,
            cells,
            started: 0,
            heard: 0,
            done: None,
            rng,
            energy: 0.0,
            moves: 0,
            work: 0.0,
            resumed: None,
        }
    }

    fn migrated(&mut self) {
        self.moves += 1;
    }

    /// Step `step`: moves every particle and sends those that left to their new cells; `done`
    /// receives the sum of the particle counts once every cell heard from its neighbours.
    pub fn step(&mut self, step: u32, done: Future<u64>) {
        let me = Self::this_index();
        let here = (me.get(0), me.get(1));
        let (w, h) = cell_size(self.cells);
        let nbs = neighbours(here, self.cells);
        let mut out: Vec<Vec<f64>> = vec![Vec::new(); nbs.len()];
        let t = std::time::Instant::now();
        let mut kept = Vec::with_capacity(self.coords.len());
        for p in self.coords.chunks_exact(2) {
            let x = wrap(p[0] + (uniform(&mut self.rng) - 0.5) * w * 0.2);
            let y = wrap(p[1] + (uniform(&mut self.rng) - 0.5) * h * 0.2);
            self.energy += work(x, y);
            let to = (
                ((x / w) as usize).min(self.cells.0 - 1),
                ((y / h) as usize).min(self.cells.1 - 1),
            );
            if to == here {
                kept.extend([x, y]);
            } else {
                let k = nbs
                    .iter()
                    .position(|&n| n == to)
                    .expect("a particle moves at most one cell per step");
                out[k].extend([x, y]);
            }
        }
        self.coords = kept;
        let cells = Self::this_proxy();
        for (nb, particles) in nbs.into_iter().zip(out) {
            cells.elem(nb).arrive(step, particles);
        }
        self.work += t.elapsed().as_secs_f64();
        self.started = step + 1;
        self.done = Some(done);
        self.finish_if_heard();
    }

    /// Particles from a neighbour for step `step` (after this cell ran that step itself).
    #[when(self.started == *step + 1)]
    pub fn arrive(&mut self, step: u32, particles: Vec<f64>) {
        debug_assert_eq!(self.started, step + 1);
        let t = std::time::Instant::now();
        self.coords.extend_from_slice(&particles);
        self.heard += 1;
        self.finish_if_heard();
        self.work += t.elapsed().as_secs_f64();
    }

    /// This cell's load (its particle count), the PE it is on, how often it moved and the
    /// seconds it spent moving particles.
    pub fn load(&self) -> (u64, usize, u32, f64) {
        (
            (self.coords.len() / 2) as u64,
            my_pe(),
            self.moves,
            self.work,
        )
    }

    /// Lets the runtime balance the load: `resumed` gets one count per cell once every cell
    /// resumed, on its new PE.
    pub fn balance(&mut self, resumed: Future<u64>) {
        self.resumed = Some(resumed);
        self.at_sync();
    }

    fn resume_from_sync(&mut self) {
        let resumed = self.resumed.take().expect("balance() came first");
        charm_rt::contribute(1u64, Reducer::Sum, resumed);
    }
}

impl Cell {
    fn finish_if_heard(&mut self) {
        if self.heard as usize == neighbours((0, 0), self.cells).len() {
            self.heard = 0;
            let done = self.done.take().expect("the step started");
            // `energy` only keeps the stand-in work alive; it is always finite.
            let count = (self.coords.len() / 2) as u64 + u64::from(self.energy.is_nan());
            charm_rt::contribute(count, Reducer::Sum, done);
        }
    }
}

fn cell_size(cells: (usize, usize)) -> (f64, f64) {
    (BOX / cells.0 as f64, BOX / cells.1 as f64)
}

/// The (distinct) cells around `(x, y)` on the wrapped grid.
fn neighbours((x, y): (usize, usize), (cx, cy): (usize, usize)) -> Vec<(usize, usize)> {
    let mut v = Vec::with_capacity(8);
    for dx in [cx - 1, 0, 1] {
        for dy in [cy - 1, 0, 1] {
            let n = ((x + dx) % cx, (y + dy) % cy);
            if n != (x, y) && !v.contains(&n) {
                v.push(n);
            }
        }
    }
    v
}

/// A blob of particles centred a quarter of the way along the first axis, inside the half of
/// the box the block map gives PE 0 on two PEs; a few particles everywhere else.
fn start_count((x, y): (usize, usize), (cx, cy): (usize, usize)) -> usize {
    let (mx, my) = (cx as f64 / 4.0 - 0.5, cy as f64 / 2.0 - 0.5);
    let r = cx as f64 / 4.0 + 0.5;
    let d = ((x as f64 - mx).powi(2) + (y as f64 - my).powi(2)).sqrt();
    let f = (1.0 - d / r).max(0.0);
    (f * MAX_START as f64) as usize + 2
}

fn wrap(v: f64) -> f64 {
    v.rem_euclid(BOX)
}

/// xorshift64*: a uniform number in [0, 1).
fn uniform(s: &mut u64) -> f64 {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    (s.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
}

fn work(x: f64, y: f64) -> f64 {
    let mut e = 0.0;
    for i in 0..WORK {
        e += (x * f64::from(i) + y).sin() * 1e-3;
    }
    e
}

/// Moves cells from the busiest PE to the idlest while that narrows the gap; returns the moves
/// as (cell, to PE).
fn rebalance(loads: &[(u64, usize)], pes: usize) -> Vec<(usize, usize)> {
    let mut on: Vec<usize> = loads.iter().map(|&(_, pe)| pe).collect();
    let mut pe_load = vec![0u64; pes];
    for &(l, pe) in loads {
        pe_load[pe] += l;
    }
    let mut moves = Vec::new();
    loop {
        let heavy = (0..pes).max_by_key(|&p| pe_load[p]).expect("one PE");
        let light = (0..pes).min_by_key(|&p| pe_load[p]).expect("one PE");
        let gap = pe_load[heavy] - pe_load[light];
        // The largest cell on the busiest PE that fits in half the gap.
        let best = (0..loads.len())
            .filter(|&c| on[c] == heavy && loads[c].0 > 0 && 2 * loads[c].0 <= gap)
            .max_by_key(|&c| loads[c].0);
        let Some(c) = best else { break };
        on[c] = light;
        pe_load[heavy] -= loads[c].0;
        pe_load[light] += loads[c].0;
        moves.retain(|&(m, _)| m != c);
        if loads[c].1 != light {
            moves.push((c, light));
        }
    }
    moves
}

/// Largest PE load over the average.
fn imbalance(loads: &[(u64, usize)], pes: usize) -> f64 {
    let mut pe_load = vec![0u64; pes];
    for &(l, pe) in loads {
        pe_load[pe] += l;
    }
    let total: u64 = pe_load.iter().sum();
    *pe_load.iter().max().expect("one PE") as f64 * pes as f64 / total.max(1) as f64
}

/// How a run keeps the load balanced.
#[derive(Clone, Copy, PartialEq)]
enum Balancing {
    None,
    /// Main moves cells by their particle counts.
    Manual,
    /// The runtime's strategy, from `at_sync()`.
    AtSync,
}

/// What a run measured.
struct Run {
    /// Seconds of the whole run (steps and balancing).
    total: f64,
    /// Seconds per step over the last `every` steps.
    steady: f64,
    /// The cells' own work over those steps, per step and PE: the time per step if the work
    /// were spread perfectly.
    ideal: f64,
    /// Seconds spent balancing.
    balancing: f64,
}

/// One simulation.
async fn simulate(cells: (usize, usize), steps: u32, every: u32, how: Balancing) -> Run {
    let pes = num_pes();
    let grid = CellProxy::new_array(cells, cells, 7);
    let loads = |v: &[(u64, usize, u32, f64)]| -> Vec<(u64, usize)> {
        v.iter().map(|&(l, pe, _, _)| (l, pe)).collect()
    };
    let work = |v: &[(u64, usize, u32, f64)]| -> f64 { v.iter().map(|l| l.3).sum() };
    let first = grid.load_ret().await.expect("loads");
    let start = loads(&first);
    let total: u64 = start.iter().map(|l| l.0).sum();
    println!(
        "{} particles in {} x {} cells; load of the busiest PE / average: {:.2}",
        total,
        cells.0,
        cells.1,
        imbalance(&start, pes)
    );
    let run_start = Instant::now();
    let mut balancing = 0.0;
    let mut t = Instant::now();
    let mut moved = 0;
    let mut last = (0.0, 0.0); // (seconds, work) of the last reported stretch
    let mut work_before = work(&first);
    for s in 0..steps {
        let done = Future::new();
        grid.step(s, done);
        assert_eq!(done.await, total, "no particle is lost or duplicated");
        let s = s + 1;
        if s % every == 0 || s == steps {
            let n = (s - 1) % every + 1;
            let took = t.elapsed().as_secs_f64();
            let now_all = grid.load_ret().await.expect("loads");
            let now = loads(&now_all);
            let w = work(&now_all);
            last = (
                took / f64::from(n),
                (w - work_before) / f64::from(n) / pes as f64,
            );
            work_before = w;
            println!(
                "  steps {:>3}-{:<3} {:>8.2} ms/step (ideal {:>6.2})   busiest PE / average {:.2}",
                s - n + 1,
                s,
                last.0 * 1e3,
                last.1 * 1e3,
                imbalance(&now, pes)
            );
            if how != Balancing::None && s < steps {
                let t = Instant::now();
                let what = match how {
                    Balancing::Manual => {
                        let moves = rebalance(&now, pes);
                        moved += moves.len();
                        // A call sent after the move request reaches the cell once it arrived
                        // (calls follow moving elements), so its reply tells that the move is
                        // done.
                        let arrived: Vec<_> = moves
                            .iter()
                            .map(|&(c, to)| {
                                let cell = grid.elem((c / cells.1, c % cells.1));
                                cell.migrate(to);
                                (cell.load_ret(), to)
                            })
                            .collect();
                        for (reply, to) in arrived {
                            assert_eq!(reply.await.expect("load").1, to, "the cell moved");
                        }
                        format!("{} cells moved", moves.len())
                    }
                    _ => {
                        let resumed = Future::new();
                        grid.balance(resumed);
                        assert_eq!(resumed.await, (cells.0 * cells.1) as u64);
                        "by the runtime".to_string()
                    }
                };
                let after = loads(&grid.load_ret().await.expect("loads"));
                balancing += t.elapsed().as_secs_f64();
                println!(
                    "  rebalanced in {:.1} ms, {what}; busiest PE / average now {:.2}",
                    t.elapsed().as_secs_f64() * 1e3,
                    imbalance(&after, pes)
                );
            }
            t = Instant::now();
        }
    }
    let total_secs = run_start.elapsed().as_secs_f64();
    if how == Balancing::Manual {
        let total_moves: u32 = grid
            .load_ret()
            .await
            .expect("loads")
            .iter()
            .map(|l| l.2)
            .sum();
        assert_eq!(
            total_moves as usize, moved,
            "every requested move happened once"
        );
    }
    Run {
        total: total_secs,
        steady: last.0,
        ideal: last.1,
        balancing,
    }
}

fn arg<T: std::str::FromStr>(args: &[String], i: usize, default: T) -> T {
    args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default)
}

fn main() {
    charm_rt::start(|args| async move {
        let cells = (arg(&args, 1, 16usize), arg(&args, 2, 16usize));
        let steps = arg(&args, 3, 60u32);
        let every = arg(&args, 4, 5u32).max(1);
        assert!(
            cells.0 >= 3 && cells.1 >= 3,
            "the grid needs at least 3 x 3 cells"
        );
        let strategy = charm_rt::lb::balancer();
        println!("particles on {} PEs, {steps} steps", num_pes());
        let mut runs = vec![
            ("as placed", Balancing::None),
            ("manual", Balancing::Manual),
        ];
        if strategy.is_some() {
            runs.push(("at_sync", Balancing::AtSync));
        }
        let mut results = Vec::new();
        for (name, how) in runs {
            match how {
                Balancing::None => println!("as placed by the map:"),
                Balancing::Manual => println!("rebalanced by main every {every} steps:"),
                Balancing::AtSync => println!(
                    "balanced by the runtime ({}) every {every} steps:",
                    strategy.as_deref().unwrap_or("")
                ),
            }
            results.push((name, simulate(cells, steps, every, how).await));
        }
        println!();
        println!(
            "{:<12} {:>10} {:>14} {:>14} {:>16} {:>12}",
            "run", "total s", "last ms/step", "ideal ms/step", "last / ideal", "balancing ms"
        );
        let base = results[0].1.total;
        for (name, r) in &results {
            let name = if *name == "at_sync" {
                strategy.clone().unwrap_or_default()
            } else {
                name.to_string()
            };
            println!(
                "{:<12} {:>10.3} {:>14.2} {:>14.2} {:>16.2} {:>12.1}   ({:.2}x faster than as placed)",
                name,
                r.total,
                r.steady * 1e3,
                r.ideal * 1e3,
                r.steady / r.ideal,
                r.balancing * 1e3,
                base / r.total
            );
        }
    })
}
