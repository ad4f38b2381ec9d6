//! Sections: multicast reaches exactly the members (index lists, strided slices of a 2-D array,
//! a group by PE list), in order, with `_ret` sorted by index; reductions, gathers, callbacks and
//! allreduce over sections with several in flight; split and section_where.
//!
//! Modes (first argument) for the errors: `oob_index`, `oob_slice`, `empty`, `non_member`.

use charm_rt::prelude::*;
use charm_rt::{
    entry_id, section_allreduce, section_barrier, section_contribute, section_contribute_gather,
    section_contribute_nop, SectionRef, Slice,
};
use charm_tests::{forever, ok};
use std::cell::RefCell;

/// Where one round of section reductions goes.
#[derive(Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Targets {
    sum: Future<u64>,
    gather: Future<Vec<String>>,
    nop: Future<()>,
    vec: Future<Vec<f64>>,
}

/// Element of every collection under test; logs what it receives.
#[chare]
pub struct Worker {
    log: RefCell<Vec<u64>>,
}

#[chare]
impl Worker {
    fn new() -> Self {
        Worker {
            log: RefCell::new(Vec::new()),
        }
    }

    /// Records a tag.
    pub fn hit(&self, tag: u64) {
        self.log.borrow_mut().push(tag);
    }

    /// Everything recorded, in arrival order.
    pub fn log(&self) -> Vec<u64> {
        self.log.borrow().clone()
    }

    /// Forgets the log.
    pub fn clear(&self) {
        self.log.borrow_mut().clear();
    }

    /// Position and PE.
    pub fn who(&self) -> (usize, usize) {
        (Self::this_elem().position(), my_pe())
    }

    /// Calls the section from wherever this element is.
    pub fn relay(&self, sec: WorkerSectionProxy, tag: u64) {
        sec.hit(tag);
    }

    /// Contributes to every kind of section reduction.
    pub fn contrib(&self, sec: WorkerSectionProxy, t: Targets) {
        let me = Self::this_elem().position() as u64;
        section_contribute(sec, me, Reducer::Sum, t.sum);
        section_contribute_gather(sec, format!("e{me}@{}", my_pe()), t.gather);
        section_contribute_nop(sec, t.nop);
        section_contribute(sec, vec![me as f64, 1.0], Reducer::Sum, t.vec);
    }

    /// Contributes its position; the sum goes to every member's `hit`.
    pub fn contrib_to_section(&self, sec: WorkerSectionProxy) {
        let me = Self::this_elem().position() as u64;
        section_contribute(sec, me, Reducer::Sum, sec.hit_callback());
    }

    /// Two allreduces in flight at once, then a barrier.
    pub async fn all(&self, sec: WorkerSectionProxy) -> (u64, u64) {
        let me = Self::this_elem().position() as u64;
        let s = section_allreduce(sec, me, Reducer::Sum);
        let m = section_allreduce(sec, me, Reducer::Max);
        let (s, m) = (s.await, m.await);
        section_barrier(sec).await;
        (s, m)
    }

    /// Section numbers for a split into `k`: `position % k`, and section 0 too for multiples of 5.
    pub fn color(&self, k: usize) -> Vec<usize> {
        let p = Self::this_elem().position();
        let mut v = vec![p % k];
        if p.is_multiple_of(5) && !p.is_multiple_of(k) {
            v.push(0);
        }
        v
    }

    /// Makes a section of `all` here (on this element's PE) and returns it.
    pub fn make_section(&self, all: WorkerProxy, idx: Vec<usize>) -> WorkerSectionProxy {
        all.section(idx)
    }

    /// Contributes its position to a sum over a union.
    pub fn add(&self, u: SectionRef, to: Future<u64>) {
        let me = Self::this_elem().position() as u64;
        section_contribute(u, me, Reducer::Sum, to);
    }

    /// Allreduce of the position over a union.
    pub async fn all_of(&self, u: SectionRef) -> u64 {
        let me = Self::this_elem().position() as u64;
        section_allreduce(u, me, Reducer::Sum).await
    }

    /// Sums a vector (large ones travel on the direct-copy path) and a slice.
    pub fn sum_bulk(&self, v: Vec<f64>, s: &[u32]) -> (f64, u64) {
        (v.iter().sum(), s.iter().map(|&x| u64::from(x)).sum())
    }

    /// Whether the position is even.
    pub fn is_even(&self) -> bool {
        Self::this_elem().position().is_multiple_of(2)
    }
}

/// Another chare type sharing `hit`, `who` and `all` with `Worker` (for unions).
#[chare]
pub struct Wall {
    log: RefCell<Vec<u64>>,
}

#[chare]
impl Wall {
    fn new() -> Self {
        Wall {
            log: RefCell::new(Vec::new()),
        }
    }

    /// Records a tag.
    pub fn hit(&self, tag: u64) {
        self.log.borrow_mut().push(tag);
    }

    /// Everything recorded.
    pub fn log(&self) -> Vec<u64> {
        self.log.borrow().clone()
    }

    /// Position (plus 1000, to tell walls from workers) and PE.
    pub fn who(&self) -> (usize, usize) {
        (1000 + Self::this_elem().position(), my_pe())
    }

    /// Contributes 1000 + position to a sum over a union.
    pub fn add(&self, u: SectionRef, to: Future<u64>) {
        let me = 1000 + Self::this_elem().position() as u64;
        section_contribute(u, me, Reducer::Sum, to);
    }

    /// Allreduce of 1000 + position over a union.
    pub async fn all_of(&self, u: SectionRef) -> u64 {
        let me = 1000 + Self::this_elem().position() as u64;
        section_allreduce(u, me, Reducer::Sum).await
    }
}

/// Checks that exactly the elements at `members` (positions) logged `want`, all others nothing;
/// then clears the logs.
async fn expect_logs(what: &str, all: WorkerProxy, members: &[usize], want: &[u64]) {
    let logs = all.log_ret().await.expect("logs");
    for (pos, log) in logs.iter().enumerate() {
        let expected: &[u64] = if members.contains(&pos) { want } else { &[] };
        assert_eq!(log, expected, "{what}: log of element {pos}");
    }
    all.clear_awaitable().await.expect("clear");
}

fn sorted(mut v: Vec<usize>) -> Vec<usize> {
    v.sort_unstable();
    v.dedup();
    v
}

async fn multicast_tests(pes: usize) {
    // 1-D array, uneven placement; an index list in any order, with a duplicate.
    let n = 3 * pes + 1;
    let arr = WorkerProxy::new_array(n);
    let picks = vec![n - 1, 0, n / 2, 0, 2];
    let sec = arr.section(picks.clone());
    let members = sorted(picks);
    assert_eq!(sec.len(), members.len());
    // Two fire-and-forget calls, then an awaited one: every member sees them in this order.
    sec.hit(1);
    sec.hit(2);
    sec.hit_awaitable(3).await.expect("awaitable");
    expect_logs("index list", arr, &members, &[1, 2, 3]).await;

    // `_ret` sorted by index, with each member on its own PE.
    let who = sec.who_ret().await.expect("who");
    let want: Vec<(usize, usize)> = members.iter().map(|&p| (p, arr.elem(p).pe())).collect();
    assert_eq!(who, want, "_ret of an index-list section");

    // Reused many times: twenty calls from here arrive in order.
    for t in 0..20 {
        sec.hit(100 + t);
    }
    charm_rt::wait_qd().await;
    expect_logs("reuse", arr, &members, &(100..120).collect::<Vec<_>>()).await;
    // Called from another PE (an element was sent the proxy in a message).
    arr.elem(n - 1).relay(sec, 200);
    charm_rt::wait_qd().await;
    expect_logs("relay", arr, &members, &[200]).await;

    // Strided slice of a 2-D array.
    let cols = 2 * pes + 1;
    let grid = WorkerProxy::new_array((4, cols));
    let slice = Slice::new().dim_step(0..4, 2).dim(1..cols);
    let gsec = grid.section_slice(slice);
    let gmembers: Vec<usize> = [0usize, 2]
        .iter()
        .flat_map(|&r| (1..cols).map(move |c| r * cols + c))
        .collect();
    assert_eq!(gsec.len(), gmembers.len());
    gsec.hit_awaitable(7).await.expect("slice");
    expect_logs("slice", grid, &gmembers, &[7]).await;
    let who = gsec.who_ret().await.expect("who");
    let got: Vec<usize> = who.iter().map(|w| w.0).collect();
    assert_eq!(got, gmembers, "_ret of a slice is sorted by index");
    // A 1-D slice from a range, and a section made right after its collection (the members'
    // PEs may not have built them yet).
    let fresh = WorkerProxy::new_array(n);
    let fsec = fresh.section_slice(1..n);
    fsec.hit(5);
    fsec.hit(6);
    charm_rt::wait_qd().await;
    expect_logs("fresh", fresh, &(1..n).collect::<Vec<_>>(), &[5, 6]).await;

    // Large direct-copy arguments, sent from a PE that is not the root (a section of the upper
    // half of the PEs is rooted away from PE 0), so they are passed on down the tree.
    let big: Vec<f64> = (0..20_000).map(f64::from).collect();
    let small: Vec<u32> = (0..100).collect();
    let upper = WorkerProxy::new_group().section(pes / 2..pes);
    let sums = upper.sum_bulk_ret(big.clone(), &small).await.expect("bulk");
    let want = (
        big.iter().sum::<f64>(),
        small.iter().map(|&x| u64::from(x)).sum::<u64>(),
    );
    assert_eq!(
        sums,
        vec![want; pes - pes / 2],
        "bulk arguments through the tree"
    );

    // A group by PE list.
    let group = WorkerProxy::new_group();
    let pes_list = sorted(vec![0, pes - 1]);
    let gs = group.section(pes_list.clone());
    gs.hit_awaitable(9).await.expect("group section");
    expect_logs("group", group, &pes_list, &[9]).await;
    println!("multicast ok");
}

async fn reduction_tests(pes: usize) {
    let n = 4 * pes + 3;
    let arr = WorkerProxy::new_array(n);
    let members: Vec<usize> = (0..n).filter(|p| p % 3 != 1).collect();
    let sec = arr.section(members.clone());
    let mk = || Targets {
        sum: Future::new(),
        gather: Future::new(),
        nop: Future::new(),
        vec: Future::new(),
    };
    // Three rounds in flight at once.
    let rounds = [mk(), mk(), mk()];
    for t in rounds {
        sec.contrib(sec, t);
    }
    let want_sum: u64 = members.iter().map(|&p| p as u64).sum();
    for t in rounds {
        assert_eq!(t.sum.await, want_sum, "section sum");
        let g = t.gather.await;
        let want: Vec<String> = members
            .iter()
            .map(|&p| format!("e{p}@{}", arr.elem(p).pe()))
            .collect();
        assert_eq!(g, want, "section gather in index order");
        t.nop.await;
        assert_eq!(
            t.vec.await,
            vec![want_sum as f64, members.len() as f64],
            "section vector sum"
        );
    }
    // Result to an entry method of every member.
    sec.contrib_to_section(sec);
    charm_rt::wait_qd().await;
    expect_logs("reduction to section callback", arr, &members, &[want_sum]).await;

    // Allreduce and barrier, twice in a row.
    for _ in 0..2 {
        let res = sec.all_ret(sec).await.expect("allreduce");
        let max = *members.last().unwrap() as u64;
        assert_eq!(
            res,
            vec![(want_sum, max); members.len()],
            "section allreduce"
        );
    }
    // Reductions over the whole collection still work alongside.
    let all = WorkerProxy::new_group();
    let res = all
        .all_ret(all.section(0..pes))
        .await
        .expect("group allreduce");
    let s = (pes * (pes - 1) / 2) as u64;
    assert_eq!(res, vec![(s, (pes - 1) as u64); pes]);
    println!("reductions ok");
}

async fn split_tests(pes: usize) {
    let n = 5 * pes + 2;
    let arr = WorkerProxy::new_array(n);
    let k = 3;
    let secs = arr.split(k, |p| p.color_ret(k)).await;
    assert_eq!(secs.len(), k);
    for (i, s) in secs.iter().enumerate() {
        s.hit_awaitable(10 + i as u64).await.expect("split section");
    }
    let logs = arr.log_ret().await.expect("logs");
    for (p, log) in logs.iter().enumerate() {
        let mut want = vec![];
        if p % k == 0 || p % 5 == 0 {
            want.push(10);
        }
        if p % k != 0 {
            want.push(10 + (p % k) as u64);
        }
        want.sort_unstable();
        let mut got = log.clone();
        got.sort_unstable();
        assert_eq!(got, want, "split: element {p}");
    }
    arr.clear_awaitable().await.expect("clear");
    let even = arr.section_where(|p| p.is_even_ret()).await;
    assert_eq!(even.len(), n.div_ceil(2));
    even.hit_awaitable(77).await.expect("even");
    let evens: Vec<usize> = (0..n).step_by(2).collect();
    expect_logs("section_where", arr, &evens, &[77]).await;
    // A split section reduces like any other.
    let t = Targets {
        sum: Future::new(),
        gather: Future::new(),
        nop: Future::new(),
        vec: Future::new(),
    };
    even.contrib(even, t);
    assert_eq!(t.sum.await, evens.iter().map(|&p| p as u64).sum::<u64>());
    println!("split ok");
}

async fn union_tests(pes: usize) {
    let n = 2 * pes + 1;
    let arr = WorkerProxy::new_array(n);
    let walls = WallProxy::new_group();
    let wmembers: Vec<usize> = (0..n).step_by(2).collect();
    let lmembers = sorted(vec![pes - 1, 0]);
    let a = arr.section(wmembers.clone());
    let b = walls.section(lmembers.clone());
    let u = charm_rt::combine((a, b)).await;
    assert_eq!(u.len(), wmembers.len() + lmembers.len());
    u.call::<{ entry_id("hit") }>((41,));
    u.call_awaitable::<{ entry_id("hit") }>((42,))
        .await
        .expect("union awaitable");
    expect_logs("union (workers)", arr, &wmembers, &[41, 42]).await;
    let wall_logs = walls.log_ret().await.expect("wall logs");
    for (p, log) in wall_logs.iter().enumerate() {
        let want: &[u64] = if lmembers.contains(&p) {
            &[41, 42]
        } else {
            &[]
        };
        assert_eq!(log, want, "union: wall {p}");
    }
    // Results come section by section, each by index.
    let who = u.call_ret::<{ entry_id("who") }>(()).await.expect("who");
    let got: Vec<usize> = who.iter().map(|w| w.0).collect();
    let mut want = wmembers.clone();
    want.extend(lmembers.iter().map(|p| 1000 + p));
    assert_eq!(got, want, "union _ret order");
    // Reductions over the union: members of both collections contribute.
    let total: u64 = want.iter().map(|&x| x as u64).sum();
    let f = Future::new();
    a.add(u.section_ref(), f);
    b.add(u.section_ref(), f);
    assert_eq!(f.await, total, "union sum");
    let r = u
        .call_ret::<{ entry_id("all_of") }>((u.section_ref(),))
        .await
        .expect("union allreduce");
    assert_eq!(r, vec![total; want.len()], "union allreduce");
    // Overlapping sections: an element in both is a member (and called) once.
    let both = charm_rt::combine((a, arr.section([0, 1]))).await;
    let mut once = wmembers.clone();
    once.push(1);
    once.sort_unstable();
    assert_eq!(
        both.len(),
        once.len(),
        "overlapping union counts each member once"
    );
    both.call_awaitable::<{ entry_id("hit") }>((44,))
        .await
        .expect("overlap");
    expect_logs("overlapping union", arr, &once, &[44]).await;
    // A section made on another PE, combined here (this PE may learn its membership late).
    let far = arr
        .elem(n - 1)
        .make_section_ret(arr, vec![1])
        .await
        .expect("made remotely");
    far.hit_awaitable(43).await.expect("remote-made section");
    let u2 = charm_rt::combine((far, b)).await;
    let who = u2.call_ret::<{ entry_id("who") }>(()).await.expect("who");
    let mut want = vec![1];
    want.extend(lmembers.iter().map(|p| 1000 + p));
    assert_eq!(who.iter().map(|w| w.0).collect::<Vec<_>>(), want, "union 2");
    expect_logs("remote-made section", arr, &[1], &[43]).await;
    println!("union ok");
}

fn main() {
    charm_rt::start(|args| async move {
        let mode = args.get(1).cloned().unwrap_or_default();
        let pes = num_pes();
        let arr = WorkerProxy::new_array(2 * pes);
        match mode.as_str() {
            "" => {}
            "oob_index" => {
                println!("READY");
                arr.section([0, 2 * pes]);
            }
            "oob_slice" => {
                println!("READY");
                arr.section_slice(1..2 * pes + 1);
            }
            "empty" => {
                println!("READY");
                arr.section(Vec::<usize>::new());
            }
            "non_member" => {
                println!("READY");
                let sec = arr.section([0]);
                let t = Targets {
                    sum: Future::new(),
                    gather: Future::new(),
                    nop: Future::new(),
                    vec: Future::new(),
                };
                // Every element contributes, but only element 0 is a member.
                arr.contrib(sec, t);
                forever().await;
            }
            other => panic!("unknown mode {other:?}"),
        }
        if !mode.is_empty() {
            // Not reached when the runtime reports the error.
            ok("sections");
            forever().await;
        }
        multicast_tests(pes).await;
        reduction_tests(pes).await;
        split_tests(pes).await;
        union_tests(pes).await;
        ok("sections");
    })
}
