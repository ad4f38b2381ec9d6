//! The least-loaded PE under changing loads: a tournament tree over the PEs (each inner node
//! holds the lighter of its two children, load and PE together so a step reads one cache line),
//! so finding the lightest PE is one read and changing any PE's load is a walk of log2(PEs)
//! steps. Ties go to the lower PE number, which keeps every strategy deterministic.

#[derive(Clone, Copy)]
struct Node {
    load: f64,
    pe: u32,
}

impl Node {
    #[inline]
    fn lighter(a: Node, b: Node) -> Node {
        if b.load < a.load || (b.load == a.load && b.pe < a.pe) {
            b
        } else {
            a
        }
    }
}

pub(crate) struct PeMin {
    /// Node `i` has children `2i` and `2i + 1`; leaves start at `size`.
    tree: Vec<Node>,
    size: usize,
}

impl PeMin {
    pub(crate) fn new(loads: Vec<f64>) -> Self {
        assert!(!loads.is_empty(), "at least one PE");
        let size = loads.len().next_power_of_two();
        let pad = Node {
            load: f64::INFINITY,
            pe: u32::MAX,
        };
        let mut tree = vec![pad; 2 * size];
        for (pe, &load) in loads.iter().enumerate() {
            tree[size + pe] = Node {
                load,
                pe: pe as u32,
            };
        }
        for i in (1..size).rev() {
            tree[i] = Node::lighter(tree[2 * i], tree[2 * i + 1]);
        }
        PeMin { tree, size }
    }

    /// The least-loaded PE.
    #[inline]
    pub(crate) fn min(&self) -> u32 {
        self.tree[1].pe
    }

    #[inline]
    pub(crate) fn load(&self, pe: u32) -> f64 {
        self.tree[self.size + pe as usize].load
    }

    /// Adds `delta` to PE `pe`'s load.
    #[inline]
    pub(crate) fn add(&mut self, pe: u32, delta: f64) {
        let mut i = self.size + pe as usize;
        self.tree[i].load += delta;
        while i > 1 {
            i /= 2;
            self.tree[i] = Node::lighter(self.tree[2 * i], self.tree[2 * i + 1]);
        }
    }

    pub(crate) fn into_loads(self) -> Vec<f64> {
        let size = self.size;
        self.tree[size..]
            .iter()
            .take_while(|n| n.pe != u32::MAX)
            .map(|n| n.load)
            .collect()
    }
}
