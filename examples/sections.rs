//! Sections of a 2-D grid of chares: the boundary as a union of four slices, the quadrants by a
//! split on what each cell answers, a section allreduce, and the cost of a section call against a
//! broadcast to the whole grid.
//!
//! Run: `cargo run --release --example sections -- +p4 [side] [repetitions]` (defaults 32 and
//! 2000); under MPI: `mpirun -n 4 target/release/examples/sections`.

use charm_rt::prelude::*;
use charm_rt::{entry_id, section_allreduce, Slice};
use std::time::Instant;

/// One tile of the grid.
#[chare]
pub struct Tile {
    side: usize,
    heat: std::cell::Cell<f64>,
}

#[chare]
impl Tile {
    fn new(side: usize) -> Self {
        Tile {
            side,
            heat: std::cell::Cell::new(0.0),
        }
    }

    /// Adds heat.
    pub fn warm(&self, by: f64) {
        self.heat.set(self.heat.get() + by);
    }

    /// The quadrant this tile is in (0 to 3).
    pub fn quadrant(&self) -> usize {
        let i = Self::this_index();
        let half = self.side / 2;
        usize::from(i.get(0) >= half) * 2 + usize::from(i.get(1) >= half)
    }

    /// The total heat of a section this tile belongs to (every member gets it).
    pub async fn total(&self, sec: TileSectionProxy) -> f64 {
        section_allreduce(sec, self.heat.get(), Reducer::Sum).await
    }
}

fn main() {
    charm_rt::start(|args| async move {
        let side: usize = args.get(1).map_or(32, |s| s.parse().expect("side"));
        let reps: usize = args
            .get(2)
            .map_or(2000, |s| s.parse().expect("repetitions"));
        assert!(side >= 2 && side.is_multiple_of(2), "the side must be even");
        let grid = TileProxy::new_array((side, side), side);

        // The boundary: four slices combined (a corner is in two of them, but a member once).
        let top = grid.section_slice((0..1, 0..side));
        let bottom = grid.section_slice((side - 1..side, 0..side));
        let left = grid.section_slice((0..side, 0..1));
        let right = grid.section_slice((0..side, side - 1..side));
        let boundary = charm_rt::combine((top, bottom, left, right)).await;
        boundary
            .call_awaitable::<{ entry_id("warm") }>((1.0,))
            .await
            .expect("warm");

        // Quadrants, decided by the tiles themselves.
        let quads = grid.split(4, |g| g.quadrant_ret()).await;
        for (q, sec) in quads.iter().enumerate() {
            let totals = sec.total_ret(*sec).await.expect("total");
            // The quadrant's two outer edges, its corner counted once.
            let want = (2 * (side / 2) - 1) as f64;
            assert!(
                totals.iter().all(|&t| t == want),
                "quadrant {q}: {totals:?}"
            );
        }
        println!(
            "boundary: {} members; quadrants of {} tiles",
            boundary.len(),
            quads[0].len()
        );

        // Cost of a call: a section of every other row against a broadcast to the whole grid.
        let rows = grid.section_slice(Slice::new().dim_step(0..side, 2).dim(0..side));
        let time = |label: &str, t: Instant, members: usize| {
            let us = t.elapsed().as_secs_f64() * 1e6 / reps as f64;
            println!("{label}: {us:.2} us per awaited call to {members} chares");
        };
        let t = Instant::now();
        for _ in 0..reps {
            rows.warm_awaitable(0.0).await.expect("section call");
        }
        time("section (every other row)", t, rows.len());
        let t = Instant::now();
        for _ in 0..reps {
            grid.warm_awaitable(0.0).await.expect("broadcast");
        }
        time("broadcast (whole grid)", t, grid.len());
    })
}
