//! Sparse arrays, insertion phases, placement maps and destroyed elements (Charm4py's
//! `tests/array_maps/test1.py`, Charm++'s `dynamic_insertion` and `dynamic_insertion_deletion`
//! tests, and early messages to indices not inserted yet). Modes:
//! - `maps`: dense arrays of 1 to 5 dimensions placed by a map (every constructor runs on the
//!   PE the map gives), and a 6-D sparse array filled by `insert`;
//! - `phases`: a 1-D sparse array grows in several insertion phases (from main, from an element
//!   and from a group); every reduction and broadcast counts exactly the elements inserted;
//! - `early`: calls to indices before they are inserted (at their home, or elsewhere with
//!   `insert_on`) run once, after the insertion;
//! - `destroy`: elements destroyed by themselves and through proxies: reductions and broadcasts
//!   count the others, an awaiting caller gets an error, the index can be inserted again;
//! - `migrating_sparse`: elements of a sparse array of migratable chares move;
//! - error modes: `dead_message`, `insert_twice`, `bad_index`, `destroy_dense`, `late_insert`.

use charm_rt::prelude::*;
use charm_rt::{array_map, ArrayMap, Index};
use charm_tests::ok;

/// Homes by a hash of the index (as Charm4py's test map).
#[derive(serde::Serialize, serde::Deserialize)]
pub struct HashMap {
    salt: u64,
}

#[array_map]
impl ArrayMap for HashMap {
    fn home(&self, index: Index, num_pes: usize) -> usize {
        let mut h = self.salt;
        for c in index.to_vec() {
            h = (h ^ c as u64).wrapping_mul(0x0100_0000_01b3);
        }
        (h % num_pes as u64) as usize
    }
}

fn map_home(index: Index) -> usize {
    ArrayMap::home(&HashMap { salt: 7 }, index, num_pes())
}

/// An element that checks where it was built and contributes its index.
#[chare(migratable)]
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Cell {
    index: Vec<usize>,
    calls: Vec<u64>,
    bcasts: u32,
}

#[chare]
impl Cell {
    fn new(mapped: bool) -> Self {
        let index = Self::this_index();
        if mapped {
            assert_eq!(
                my_pe(),
                map_home(index),
                "element {index} built on its map's PE"
            );
        }
        Cell {
            index: index.to_vec(),
            calls: Vec::new(),
            bcasts: 0,
        }
    }

    /// Contributes the first coordinate to a sum.
    pub fn sum_to(&mut self, total: Future<u64>) {
        charm_rt::contribute(self.index[0] as u64, Reducer::Sum, total);
    }

    /// Where it is.
    pub fn where_now(&self) -> usize {
        my_pe()
    }

    /// A numbered call.
    pub fn call(&mut self, k: u64) -> u64 {
        self.calls.push(k);
        k
    }

    /// The calls it received.
    pub fn calls(&self) -> Vec<u64> {
        self.calls.clone()
    }

    /// Counts a broadcast and returns the first coordinate.
    pub fn ping(&mut self) -> usize {
        self.bcasts += 1;
        self.index[0]
    }

    /// Broadcasts received.
    pub fn bcasts(&self) -> u32 {
        self.bcasts
    }

    /// Inserts index `i` into `arr` (from an element).
    pub fn insert_into(&self, arr: CellProxy, i: usize) {
        arr.insert(i, false);
    }

    /// Destroys itself.
    pub fn die(&mut self) {
        Self::this_elem().destroy();
    }

    /// Moves to `to`.
    pub fn go(&mut self, to: usize) {
        Self::this_elem().migrate(to);
    }
}

/// A group that inserts elements too.
#[chare]
pub struct Inserter {}

#[chare]
impl Inserter {
    fn new() -> Self {
        Inserter {}
    }

    /// Inserts index `i` into `arr`.
    pub fn insert_into(&self, arr: CellProxy, i: usize) {
        arr.insert(i, false);
    }
}

/// A dense array of a chare that is not migratable.
#[chare]
pub struct Fixed {}

#[chare]
impl Fixed {
    fn new() -> Self {
        Fixed {}
    }

    pub fn nothing(&self) {}
}

async fn sum(arr: CellProxy) -> u64 {
    let total = Future::new();
    arr.sum_to(total);
    total.await
}

fn main() {
    charm_rt::start(|args| async move {
        let mode = args.get(1).cloned().unwrap_or_default();
        let p = num_pes();
        match mode.as_str() {
            "maps" => {
                for d in 1..=5usize {
                    let side = if d <= 3 { 4 } else { 2 };
                    let shape = Index::new(&vec![side; d]);
                    let arr = CellProxy::new_array_with_map(shape, HashMap { salt: 7 }, true);
                    let pes = arr.where_now_ret().await.expect("pe");
                    assert_eq!(pes.len(), shape.volume() as usize);
                    for (e, pe) in arr.elems().zip(&pes) {
                        let index = Index::from_linear(e.position() as u64, &shape);
                        assert_eq!(*pe, map_home(index), "{d}-D element {index}");
                    }
                    let n = shape.volume() as usize;
                    assert_eq!(arr.len(), n);
                }
                // A 6-D sparse array.
                let sparse = CellProxy::new_sparse_with_map(6, HashMap { salt: 7 });
                let mut indices = Vec::new();
                for a in 0..3usize {
                    for b in 0..2usize {
                        let i = Index::new(&[a, b, a + b, 1, a, 2]);
                        sparse.insert(i, true);
                        indices.push(i);
                    }
                }
                sparse.done_inserting();
                for i in &indices {
                    let pe = sparse.elem(*i).where_now_ret().await.expect("pe");
                    assert_eq!(pe, map_home(*i));
                }
                assert_eq!(
                    sum(sparse).await,
                    (1 + 2) * 2,
                    "first coordinates 0, 1 and 2, twice each"
                );
                assert_eq!(sparse.ping_ret().await.expect("ping").len(), 6);
                assert_eq!(sparse.len(), 6);
                ok("dynamic_arrays maps");
            }
            "phases" => {
                let arr = CellProxy::new_sparse(1);
                let group = InserterProxy::new_group();
                let mut n = 0usize;
                for i in 0..p {
                    arr.insert(i, false);
                    n += 1;
                }
                arr.done_inserting();
                for iter in 1..=10usize {
                    if iter % 3 == 0 || iter % 5 == 0 || iter % 7 == 0 {
                        arr.begin_inserting().await;
                        for k in 0..p {
                            let i = n + k;
                            match iter % 3 {
                                0 => arr.insert(i, false),
                                1 => arr.elem(0).insert_into(arr, i),
                                _ => group.elem(k % p).insert_into(arr, i),
                            }
                        }
                        n += p;
                        charm_rt::wait_qd().await;
                        arr.done_inserting();
                    }
                    let want: u64 = (0..n as u64).sum();
                    assert_eq!(sum(arr).await, want, "iteration {iter}: every element once");
                    let pings = arr.ping_ret().await.expect("ping");
                    assert_eq!(pings, (0..n).collect::<Vec<_>>(), "iteration {iter}");
                }
                assert_eq!(arr.len(), n);
                ok("dynamic_arrays phases");
            }
            "early" => {
                let arr = CellProxy::new_sparse(2);
                let at_home = Index::from((3, 4));
                let placed = Index::from((5, 6));
                let mut replies = Vec::new();
                for k in 0..5u64 {
                    arr.elem(at_home).call(k);
                    replies.push(arr.elem(placed).call_ret(k));
                }
                charm_rt::wait_qd().await;
                arr.insert(at_home, false);
                arr.insert_on(placed, p - 1, false);
                arr.done_inserting();
                for (k, r) in replies.into_iter().enumerate() {
                    assert_eq!(r.await.expect("reply"), k as u64);
                }
                assert_eq!(
                    arr.elem(at_home).calls_ret().await.expect("calls"),
                    vec![0, 1, 2, 3, 4]
                );
                assert_eq!(
                    arr.elem(placed).calls_ret().await.expect("calls"),
                    vec![0, 1, 2, 3, 4]
                );
                assert_eq!(arr.elem(placed).where_now_ret().await.expect("pe"), p - 1);
                ok("dynamic_arrays early");
            }
            "destroy" => {
                let n = 4 * p;
                let arr = CellProxy::new_sparse(1);
                for i in 0..n {
                    arr.insert(i, false);
                }
                arr.done_inserting();
                assert_eq!(sum(arr).await, (0..n as u64).sum());
                // Half destroy themselves, one is destroyed through its proxy.
                for i in (0..n).step_by(2) {
                    arr.elem(i).die();
                }
                arr.elem(1).destroy();
                let left: Vec<usize> = (3..n).step_by(2).collect();
                let want: u64 = left.iter().map(|&i| i as u64).sum();
                assert_eq!(sum(arr).await, want, "a reduction counts the elements left");
                let pings = arr.ping_ret().await.expect("ping");
                assert_eq!(pings, left, "a broadcast reaches the elements left");
                let err = arr.elem(0).call_ret(9).await.unwrap_err();
                assert!(err.message.contains("destroyed"), "{err}");
                // The index can be inserted again.
                arr.begin_inserting().await;
                arr.insert(0, false);
                arr.done_inserting();
                assert_eq!(arr.elem(0).call_ret(1).await.expect("again"), 1);
                assert_eq!(sum(arr).await, want);
                ok("dynamic_arrays destroy");
            }
            "migrating_sparse" => {
                let arr = CellProxy::new_sparse(1);
                let n = 3 * p + 1;
                for i in 0..n {
                    arr.insert(i, false);
                }
                arr.done_inserting();
                for round in 0..5usize {
                    for i in 0..n {
                        arr.elem(i).go((i + round) % p);
                    }
                    assert_eq!(sum(arr).await, (0..n as u64).sum(), "round {round}");
                    let pes = arr.where_now_ret().await.expect("pe");
                    charm_rt::wait_qd().await;
                    assert_eq!(pes.len(), n);
                }
                ok("dynamic_arrays migrating_sparse");
            }
            "dead_message" => {
                let arr = CellProxy::new_sparse(1);
                arr.insert(0usize, false);
                arr.insert(1usize, false);
                arr.done_inserting();
                arr.elem(1).die_awaitable().await.expect("die");
                charm_rt::wait_qd().await;
                arr.elem(1).call(5);
                charm_tests::forever().await;
            }
            "insert_twice" => {
                let arr = CellProxy::new_sparse(1);
                arr.insert(3usize, false);
                arr.insert_on(3usize, p - 1, false);
                arr.insert_on(3usize, 0, false);
                charm_tests::forever().await;
            }
            "bad_index" => {
                let arr = CellProxy::new_sparse(6);
                arr.insert(Index::new(&[0, 0, 0, 0, 0, 5000]), false);
                unreachable!("a coordinate of 5000 does not fit in 10 bits");
            }
            "destroy_dense" => {
                let arr = FixedProxy::new_array(3);
                arr.elem(1).nothing_awaitable().await.expect("built");
                arr.elem(1).destroy();
                charm_tests::forever().await;
            }
            "late_insert" => {
                let arr = CellProxy::new_sparse(1);
                arr.insert(0usize, false);
                arr.done_inserting();
                charm_rt::wait_qd().await;
                arr.insert(1usize, false);
                charm_tests::forever().await;
            }
            other => panic!("unknown mode {other}"),
        }
    })
}
