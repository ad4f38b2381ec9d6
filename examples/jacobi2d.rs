//! 2-D Jacobi relaxation (5-point stencil) on a chare array: each block exchanges its edges with
//! up to four neighbours through channels, waits on whichever arrives first, updates its cells and
//! joins an allreduce of the largest change, until it falls under the threshold or the iteration
//! limit is reached (as Charm4py's `examples/jacobi/jacobi2d.py`).
//!
//! Run: `cargo run --release --example jacobi2d -- +p4 [size] [blocks_x blocks_y] [max_iters]`
//! (defaults: 1024, a square-ish grid of one block per PE, 200). Under `mpirun` with the `mpi`
//! feature it also runs a plain rsmpi implementation of the same stencil and decomposition (one
//! block per rank) in the same run and prints both times.

use charm_rt::prelude::*;
use charm_rt::{Channel, WaitAny};
use std::cell::{OnceCell, RefCell};
use std::time::Instant;

const THRESHOLD: f64 = 1e-4;
/// Neighbour directions: north, south, west, east.
const DIRS: [(isize, isize); 4] = [(0, -1), (0, 1), (-1, 0), (1, 0)];

/// A block's cells with a ghost layer: `(h + 2) x (w + 2)`, row-major.
struct Cells {
    w: usize,
    h: usize,
    cur: Vec<f64>,
    next: Vec<f64>,
}

impl Cells {
    /// A block at block position `(bx, by)`; the global top edge is held at 1.0.
    fn new(w: usize, h: usize, top_of_grid: bool) -> Self {
        let mut cur = vec![0.0; (w + 2) * (h + 2)];
        if top_of_grid {
            cur[1..=w].fill(1.0);
        }
        let next = cur.clone();
        Cells { w, h, cur, next }
    }

    fn at(&self, x: usize, y: usize) -> usize {
        y * (self.w + 2) + x
    }

    /// The edge facing direction `d` (inner cells), to send to that neighbour.
    fn edge(&self, d: usize) -> Vec<f64> {
        match d {
            0 => (1..=self.w).map(|x| self.cur[self.at(x, 1)]).collect(),
            1 => (1..=self.w).map(|x| self.cur[self.at(x, self.h)]).collect(),
            2 => (1..=self.h).map(|y| self.cur[self.at(1, y)]).collect(),
            _ => (1..=self.h).map(|y| self.cur[self.at(self.w, y)]).collect(),
        }
    }

    /// Stores a neighbour's edge in the ghost layer on side `d`.
    fn set_ghost(&mut self, d: usize, v: &[f64]) {
        for (i, &x) in v.iter().enumerate() {
            let k = match d {
                0 => self.at(i + 1, 0),
                1 => self.at(i + 1, self.h + 1),
                2 => self.at(0, i + 1),
                _ => self.at(self.w + 1, i + 1),
            };
            self.cur[k] = x;
        }
    }

    /// One Jacobi sweep; returns the largest change.
    fn sweep(&mut self) -> f64 {
        let (w, stride) = (self.w, self.w + 2);
        let mut max = 0.0f64;
        for y in 1..=self.h {
            let row = y * stride;
            for x in 1..=w {
                let i = row + x;
                let v = 0.25
                    * (self.cur[i - 1]
                        + self.cur[i + 1]
                        + self.cur[i - stride]
                        + self.cur[i + stride]);
                max = max.max((v - self.cur[i]).abs());
                self.next[i] = v;
            }
        }
        // Keep the ghost layer (boundary values) and swap the interiors.
        for y in 1..=self.h {
            let row = y * stride;
            self.cur[row + 1..row + 1 + w].copy_from_slice(&self.next[row + 1..row + 1 + w]);
        }
        max
    }
}

/// One block of the grid.
#[chare]
pub struct Block {
    cells: RefCell<Cells>,
    blocks: (usize, usize),
    channels: OnceCell<Vec<(usize, Channel<Vec<f64>>)>>,
}

#[chare]
impl Block {
    fn new(size: usize, bx: usize, by: usize) -> Self {
        let ix = Self::this_index();
        let top = ix.get(1) == 0;
        Block {
            cells: RefCell::new(Cells::new(size / bx, size / by, top)),
            blocks: (bx, by),
            channels: OnceCell::new(),
        }
    }

    /// Iterates until convergence or `max_iters`; returns the iterations and the last change.
    pub async fn run(&self, max_iters: u32) -> (u32, f64) {
        let ix = Self::this_index();
        let (x, y) = (ix.get(0) as isize, ix.get(1) as isize);
        let (bx, by) = (self.blocks.0 as isize, self.blocks.1 as isize);
        let array = Self::this_proxy();
        let chans = self.channels.get_or_init(|| {
            DIRS.iter()
                .enumerate()
                .filter(|(_, (dx, dy))| (0..bx).contains(&(x + dx)) && (0..by).contains(&(y + dy)))
                .map(|(d, (dx, dy))| {
                    (
                        d,
                        Channel::new(array.elem(((x + dx) as usize, (y + dy) as usize))),
                    )
                })
                .collect()
        });
        let mut iter = 0;
        loop {
            for (d, ch) in chans {
                ch.send(self.cells.borrow().edge(*d));
            }
            let mut any = WaitAny::new(chans.iter().map(|(_, ch)| ch.recv()).collect());
            while let Some((i, edge)) = any.next().await {
                self.cells.borrow_mut().set_ghost(chans[i].0, &edge);
            }
            let local = self.cells.borrow_mut().sweep();
            let change = charm_rt::allreduce(local, Reducer::Max).await;
            iter += 1;
            if change < THRESHOLD || iter >= max_iters {
                return (iter, change);
            }
        }
    }
}

#[cfg(feature = "mpi")]
mod plain_mpi {
    //! The same stencil with rsmpi only: one block per rank, halo exchange with non-blocking
    //! sends and receives, `MPI_Allreduce` of the largest change.
    use super::{Cells, DIRS, THRESHOLD};
    use mpi::collective::SystemOperation;
    use mpi::traits::*;

    /// Runs on every rank (from an entry method); returns iterations, last change and seconds.
    pub fn run(
        world: &mpi::topology::SimpleCommunicator,
        size: usize,
        bx: usize,
        by: usize,
        max_iters: u32,
    ) -> (u32, f64, f64) {
        let rank = world.rank() as usize;
        let (x, y) = ((rank % bx) as isize, (rank / bx) as isize);
        let mut cells = Cells::new(size / bx, size / by, y == 0);
        let neighbours: Vec<(usize, i32)> = DIRS
            .iter()
            .enumerate()
            .filter(|(_, (dx, dy))| {
                (0..bx as isize).contains(&(x + dx)) && (0..by as isize).contains(&(y + dy))
            })
            .map(|(d, (dx, dy))| (d, ((y + dy) as usize * bx + (x + dx) as usize) as i32))
            .collect();
        let t = std::time::Instant::now();
        let mut iter = 0;
        loop {
            let sends: Vec<Vec<f64>> = neighbours.iter().map(|(d, _)| cells.edge(*d)).collect();
            let mut recvs: Vec<Vec<f64>> = neighbours
                .iter()
                .map(|(d, _)| vec![0.0; if *d < 2 { cells.w } else { cells.h }])
                .collect();
            mpi::request::scope(|scope| {
                let mut reqs = Vec::new();
                for ((d, nb), buf) in neighbours.iter().zip(&sends) {
                    reqs.push(world.process_at_rank(*nb).immediate_send_with_tag(
                        scope,
                        &buf[..],
                        100 + *d as i32,
                    ));
                }
                for ((d, nb), buf) in neighbours.iter().zip(recvs.iter_mut()) {
                    // The neighbour sent it in the opposite direction.
                    let from_dir = d ^ 1;
                    reqs.push(world.process_at_rank(*nb).immediate_receive_into_with_tag(
                        scope,
                        &mut buf[..],
                        100 + from_dir as i32,
                    ));
                }
                for r in reqs {
                    r.wait();
                }
            });
            for ((d, _), buf) in neighbours.iter().zip(&recvs) {
                cells.set_ghost(*d, buf);
            }
            let local = cells.sweep();
            let mut change = 0.0f64;
            world.all_reduce_into(&local, &mut change, SystemOperation::max());
            iter += 1;
            if change < THRESHOLD || iter >= max_iters {
                return (iter, change, t.elapsed().as_secs_f64());
            }
        }
    }
}

/// Runs the plain-MPI version on its rank.
#[chare]
pub struct PlainRunner {}

#[chare]
impl PlainRunner {
    fn new() -> Self {
        PlainRunner {}
    }

    /// The rsmpi stencil on this rank (blocks the PE while it runs); `None` off MPI.
    pub fn run(
        &mut self,
        size: usize,
        bx: usize,
        by: usize,
        max_iters: u32,
    ) -> Option<(u32, f64, f64)> {
        #[cfg(feature = "mpi")]
        {
            charm_rt::mpi::with_world(|w| plain_mpi::run(w, size, bx, by, max_iters))
        }
        #[cfg(not(feature = "mpi"))]
        {
            let _ = (size, bx, by, max_iters);
            None
        }
    }
}

fn square_ish(n: usize) -> (usize, usize) {
    let mut bx = (n as f64).sqrt() as usize;
    while !n.is_multiple_of(bx) {
        bx -= 1;
    }
    (n / bx, bx)
}

fn main() {
    charm_rt::start(|args| async move {
        let size: usize = args
            .get(1)
            .map(|s| s.parse().expect("size"))
            .unwrap_or(1024);
        let (bx, by) = match (args.get(2), args.get(3)) {
            (Some(a), Some(b)) => (a.parse().expect("blocks_x"), b.parse().expect("blocks_y")),
            _ => square_ish(num_pes()),
        };
        let max_iters: u32 = args
            .get(4)
            .map(|s| s.parse().expect("max_iters"))
            .unwrap_or(200);
        assert!(
            size.is_multiple_of(bx) && size.is_multiple_of(by),
            "size must divide into the blocks"
        );
        println!("jacobi2d: {size}x{size} grid, {bx}x{by} blocks on {} PEs, at most {max_iters} iterations", num_pes());

        // Three repetitions of each version, alternating, best time reported (the first run of
        // anything pays for warming caches and pages).
        let plain_possible = bx * by == num_pes();
        let plain_runner = PlainRunnerProxy::new_group();
        let (mut best, mut best_plain) = (f64::INFINITY, f64::INFINITY);
        let mut outcome = (0, 0.0);
        for _ in 0..3 {
            let blocks = BlockProxy::new_array((bx, by), size, bx, by);
            let t = Instant::now();
            let results = blocks.run_ret(max_iters).await.expect("jacobi");
            best = best.min(t.elapsed().as_secs_f64());
            outcome = results[0];
            assert!(
                results.iter().all(|r| *r == outcome),
                "every block agrees on the result"
            );
            if plain_possible {
                let plain = plain_runner
                    .run_ret(size, bx, by, max_iters)
                    .await
                    .expect("plain MPI");
                if let Some((p_iters, p_change, p_secs)) = plain[0] {
                    assert_eq!(
                        (p_iters, p_change),
                        outcome,
                        "plain MPI computes the same result"
                    );
                    best_plain = best_plain.min(p_secs);
                }
            }
        }
        let (iters, change) = outcome;
        let why = if change < THRESHOLD {
            "convergence"
        } else {
            "the iteration limit"
        };
        println!("charm-rs: finished due to {why} after {iters} iterations (change {change:.3e}); total time {best:.4} s (best of 3)");
        if best_plain.is_finite() {
            println!("plain rsmpi: same result; total time {best_plain:.4} s (best of 3); charm-rs / plain = {:.2}", best / best_plain);
        }
    })
}
