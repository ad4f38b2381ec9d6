//! The least-loaded PE under changing loads: a binary min-heap of (load, PE) with each PE's
//! position kept, so any PE's load can change. A strategy mostly adds a small object to a PE
//! that is already among the lightest, so the PE sinks only a level or two: cheaper than a
//! tournament tree, which replays every level on each change. Ties go to the lower PE number,
//! which keeps every strategy deterministic.

#[derive(Clone, Copy)]
struct Node {
    load: f64,
    pe: u32,
}

impl Node {
    #[inline]
    fn lighter_than(self, other: Node) -> bool {
        self.load < other.load || (self.load == other.load && self.pe < other.pe)
    }
}

pub(crate) struct PeMin {
    heap: Vec<Node>,
    /// Where each PE is in `heap`.
    pos: Vec<u32>,
}

impl PeMin {
    pub(crate) fn new(loads: Vec<f64>) -> Self {
        assert!(!loads.is_empty(), "at least one PE");
        let mut m = PeMin {
            heap: loads
                .iter()
                .enumerate()
                .map(|(pe, &load)| Node {
                    load,
                    pe: pe as u32,
                })
                .collect(),
            pos: (0..loads.len() as u32).collect(),
        };
        for i in (0..m.heap.len() / 2).rev() {
            m.sift_down(i);
        }
        m
    }

    /// The least-loaded PE.
    #[inline]
    pub(crate) fn min(&self) -> u32 {
        self.heap[0].pe
    }

    #[inline]
    pub(crate) fn load(&self, pe: u32) -> f64 {
        self.heap[self.pos[pe as usize] as usize].load
    }

    /// Adds `delta` to PE `pe`'s load.
    #[inline]
    pub(crate) fn add(&mut self, pe: u32, delta: f64) {
        let i = self.pos[pe as usize] as usize;
        self.heap[i].load += delta;
        if delta >= 0.0 {
            self.sift_down(i);
        } else {
            self.sift_up(i);
        }
    }

    #[inline]
    fn place(&mut self, i: usize, n: Node) {
        self.heap[i] = n;
        self.pos[n.pe as usize] = i as u32;
    }

    fn sift_down(&mut self, mut i: usize) {
        let n = self.heap[i];
        let len = self.heap.len();
        loop {
            let l = 2 * i + 1;
            if l >= len {
                break;
            }
            let r = l + 1;
            let c = if r < len && self.heap[r].lighter_than(self.heap[l]) {
                r
            } else {
                l
            };
            if !self.heap[c].lighter_than(n) {
                break;
            }
            let child = self.heap[c];
            self.place(i, child);
            i = c;
        }
        self.place(i, n);
    }

    fn sift_up(&mut self, mut i: usize) {
        let n = self.heap[i];
        while i > 0 {
            let p = (i - 1) / 2;
            if !n.lighter_than(self.heap[p]) {
                break;
            }
            let parent = self.heap[p];
            self.place(i, parent);
            i = p;
        }
        self.place(i, n);
    }

    pub(crate) fn into_loads(self) -> Vec<f64> {
        let mut loads = vec![0.0; self.heap.len()];
        for n in self.heap {
            loads[n.pe as usize] = n.load;
        }
        loads
    }
}
