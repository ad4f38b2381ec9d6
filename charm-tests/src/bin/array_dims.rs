//! Dense arrays of 1, 2, 3 and 6 dimensions (and arrays smaller than the number of PEs, and an
//! empty one): `this_index`, element placement, sorted broadcast results, element-to-element
//! messages along the row-major order.

use charm_rt::prelude::*;
use charm_tests::ok;

#[chare]
pub struct Cell {
    scale: u64,
    seen: Vec<usize>,
}

#[chare]
impl Cell {
    fn new(scale: u64) -> Self {
        // this_index and this_elem work in the constructor.
        let me = Self::this_elem();
        assert_eq!(me.pe(), my_pe());
        assert_eq!(Self::this_proxy().elem(Self::this_index()), me);
        Cell {
            scale,
            seen: Vec::new(),
        }
    }

    /// (index, PE this runs on, PE the element proxy says, row-major position).
    pub fn info(&self) -> (Vec<usize>, usize, usize, usize) {
        let me = Self::this_elem();
        (Self::this_index().to_vec(), my_pe(), me.pe(), me.position())
    }

    /// A value derived from the index, to check sorting of broadcast results.
    pub fn value(&self, add: u64) -> u64 {
        let me = Self::this_elem();
        me.position() as u64 * self.scale + add
    }

    /// Passes a token to the next element in row-major order; the last one resolves `done` with
    /// the positions the token visited.
    pub fn token(&mut self, mut visited: Vec<usize>, done: Future<Vec<usize>>) {
        let me = Self::this_elem();
        let proxy = Self::this_proxy();
        assert_eq!(
            visited.len(),
            me.position(),
            "token skipped or repeated an element"
        );
        visited.push(me.position());
        self.seen.push(visited.len());
        let shape = proxy.shape().to_vec();
        match next_index(&Self::this_index().to_vec(), &shape) {
            Some(next) => {
                let e = proxy.elem(next.as_slice());
                assert_eq!(e.position(), me.position() + 1);
                e.token(visited, done)
            }
            None => {
                assert_eq!(me.position() + 1, proxy.len());
                done.send(visited)
            }
        }
    }

    pub fn seen(&self) -> Vec<usize> {
        self.seen.clone()
    }
}

/// Next index in row-major order, or `None` after the last.
fn next_index(ix: &[usize], shape: &[usize]) -> Option<Vec<usize>> {
    let mut v = ix.to_vec();
    for d in (0..v.len()).rev() {
        v[d] += 1;
        if v[d] < shape[d] {
            return Some(v);
        }
        v[d] = 0;
    }
    None
}

/// All indices of `shape` in row-major order.
fn all_indices(shape: &[usize]) -> Vec<Vec<usize>> {
    let total: usize = shape.iter().product();
    if total == 0 {
        return Vec::new();
    }
    let mut out = vec![vec![0; shape.len()]];
    while let Some(n) = next_index(out.last().expect("one"), shape) {
        out.push(n);
    }
    out
}

async fn check(a: CellProxy, shape: &[usize]) {
    let n = num_pes();
    let total: usize = shape.iter().product();
    assert_eq!(a.len(), total);
    assert_eq!(a.shape().to_vec(), shape);
    let indices = all_indices(shape);

    // Element proxies: positions row-major, PEs non-decreasing, balanced within one element.
    let pes: Vec<usize> = a.elems().map(|e| e.pe()).collect();
    assert_eq!(pes.len(), total);
    assert!(
        pes.windows(2).all(|w| w[0] <= w[1]),
        "block placement: {pes:?}"
    );
    assert!(pes.iter().all(|&p| p < n));
    for p in 0..n {
        let k = pes.iter().filter(|&&q| q == p).count();
        assert!(
            k == total / n || k == total.div_ceil(n),
            "PE {p} hosts {k} of {total} elements"
        );
    }
    for (pos, ix) in indices.iter().enumerate() {
        let e = a.elem(ix.as_slice());
        assert_eq!(e.position(), pos);
        assert_eq!(Some(e), a.try_elem(ix.as_slice()));
    }

    // Broadcast ret: one entry per element, sorted by row-major index.
    let info = a.info_ret().await.expect("info");
    assert_eq!(info.len(), total);
    for (pos, (ix, ran_on, proxy_pe, p)) in info.iter().enumerate() {
        assert_eq!(ix, &indices[pos], "results sorted by row-major index");
        assert_eq!(*p, pos);
        assert_eq!(ran_on, proxy_pe, "element {ix:?}: .pe() is where it runs");
        assert_eq!(*ran_on, pes[pos]);
    }
    let values = a.value_ret(7).await.expect("value");
    assert_eq!(
        values,
        (0..total as u64).map(|p| p * 3 + 7).collect::<Vec<_>>()
    );

    // Calls to single elements, in reverse order.
    for (pos, ix) in indices.iter().enumerate().rev() {
        let e = a.elem(ix.as_slice());
        let (got, ran_on, _, _) = e.info_ret().await.expect("info");
        assert_eq!(&got, ix);
        assert_eq!(ran_on, e.pe());
        assert_eq!(e.value_ret(1).await.expect("value"), pos as u64 * 3 + 1);
    }

    // A token through every element, element to element.
    if total > 0 {
        let done = Future::<Vec<usize>>::new();
        a.elem(indices[0].as_slice()).token(Vec::new(), done);
        assert_eq!(done.await, (0..total).collect::<Vec<_>>());
        let seen = a.seen_ret().await.expect("seen");
        assert_eq!(seen, (1..=total).map(|k| vec![k]).collect::<Vec<_>>());
    }

    // Out of bounds in every dimension, and of the wrong rank.
    for d in 0..shape.len() {
        let mut ix = vec![0; shape.len()];
        ix[d] = shape[d];
        assert!(
            a.try_elem(ix.as_slice()).is_none(),
            "{ix:?} is out of bounds"
        );
    }
    let mut longer = vec![0; shape.len()];
    longer.push(0);
    if longer.len() <= charm_rt::MAX_DIMS {
        assert!(a.try_elem(longer.as_slice()).is_none());
    }
}

fn main() {
    charm_rt::start(|_args| async move {
        let n = num_pes();
        // 1 dimension, not a multiple of the PE count; index as usize.
        let a1 = CellProxy::new_array(7usize, 3);
        check(a1, &[7]).await;
        assert_eq!(a1.elem(5usize).position(), 5);
        // 2 dimensions, tuple shape.
        let a2 = CellProxy::new_array((3, 5), 3);
        check(a2, &[3, 5]).await;
        assert_eq!(a2.elem((2, 1)).position(), 11);
        // 3 dimensions, array shape.
        let a3 = CellProxy::new_array([2, 3, 4], 3);
        check(a3, &[2, 3, 4]).await;
        assert_eq!(a3.elem([1, 2, 3]).position(), 23);
        // 6 dimensions.
        let a6 = CellProxy::new_array((2, 1, 3, 1, 2, 2), 3);
        check(a6, &[2, 1, 3, 1, 2, 2]).await;
        assert_eq!(a6.elem((1, 0, 2, 0, 1, 0)).position(), 12 + 8 + 2);
        // Fewer elements than PEs, exactly one per PE, and a single element.
        check(
            CellProxy::new_array(n.saturating_sub(1).max(1), 3),
            &[n.saturating_sub(1).max(1)],
        )
        .await;
        check(CellProxy::new_array(n, 3), &[n]).await;
        check(CellProxy::new_array((1, 1), 3), &[1, 1]).await;
        // A larger array: 5000 elements.
        let big = CellProxy::new_array((100, 50), 1);
        let v = big.value_ret(0).await.expect("value");
        assert_eq!(v, (0..5000).collect::<Vec<u64>>());
        let info = big.info_ret().await.expect("info");
        assert!(info
            .iter()
            .all(|(_, ran_on, proxy_pe, _)| ran_on == proxy_pe));
        assert_eq!(info[4999].0, vec![99, 49]);
        // An empty array: no elements, broadcasts complete at once with no values.
        let empty = CellProxy::new_array(0usize, 3);
        assert_eq!(empty.len(), 0);
        assert!(empty.is_empty());
        assert!(empty.info_ret().await.expect("info").is_empty());
        empty.value_awaitable(0).await.expect("value");
        // Several arrays alive at once stay independent.
        let (x, y) = (
            CellProxy::new_array(4usize, 10),
            CellProxy::new_array(4usize, 100),
        );
        let (vx, vy) = (x.value_ret(0), y.value_ret(0));
        assert_eq!(vy.await.expect("y"), vec![0, 100, 200, 300]);
        assert_eq!(vx.await.expect("x"), vec![0, 10, 20, 30]);
        ok("array_dims");
    })
}
