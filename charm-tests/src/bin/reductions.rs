//! Reductions: every built-in reducer on scalars and vectors, gather, nop, custom reducers,
//! several reductions in flight, allreduce and barrier in coroutines; on an array, a group and a
//! single chare.

use charm_rt::prelude::*;
use charm_rt::{allreduce, barrier, contribute, contribute_gather, contribute_nop, Custom};
use charm_tests::ok;
use std::cell::Cell;

/// Targets of one round of reductions.
#[derive(Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Targets {
    sum: Future<u64>,
    max: Future<f64>,
    min: Future<i32>,
    product: Future<u64>,
    and: Future<bool>,
    or: Future<bool>,
    xor: Future<bool>,
    vec_sum: Future<Vec<f64>>,
    gather: Future<Vec<String>>,
    nop: Future<()>,
    custom: Future<Custom<(u64, u64)>>,
}

/// Element of the collections under test.
#[chare]
pub struct Part {
    rounds: Cell<u32>,
    log: std::cell::RefCell<Vec<String>>,
}

fn min_max(a: Custom<(u64, u64)>, b: Custom<(u64, u64)>) -> Custom<(u64, u64)> {
    Custom((a.0 .0.min(b.0 .0), a.0 .1.max(b.0 .1)))
}

#[chare]
impl Part {
    fn new() -> Self {
        Part {
            rounds: Cell::new(0),
            log: Default::default(),
        }
    }

    /// Contributes to every kind of reduction at once (so they are all in flight together).
    pub fn contribute_all(&self, t: Targets, vec_len: usize) {
        let me = Self::this_elem().position() as u64;
        self.rounds.set(self.rounds.get() + 1);
        contribute(me, Reducer::Sum, t.sum);
        contribute(me as f64 * 0.5, Reducer::Max, t.max);
        contribute(-(me as i32), Reducer::Min, t.min);
        contribute(if me < 5 { me + 1 } else { 1 }, Reducer::Product, t.product);
        contribute(me != 1, Reducer::And, t.and);
        contribute(me == 2, Reducer::Or, t.or);
        contribute(true, Reducer::Xor, t.xor);
        let v: Vec<f64> = (0..vec_len).map(|i| (i as f64) + me as f64).collect();
        contribute(v, Reducer::Sum, t.vec_sum);
        contribute_gather(format!("e{me}@{}", my_pe()), t.gather);
        contribute_nop(t.nop);
        contribute(Custom((me, me)), Reducer::Custom(min_max), t.custom);
    }

    /// Contributes to reductions whose results go to entry methods (callbacks).
    pub fn to_callbacks(&self) {
        let me = Self::this_elem().position() as u64;
        let all = Self::this_proxy();
        charm_rt::contribute(me, Reducer::Sum, all.elem(0).got_sum_callback());
        charm_rt::contribute(vec![me as f64, 1.0], Reducer::Sum, all.got_vec_callback());
        charm_rt::contribute_nop(all.elem(all.len() - 1).got_nop_callback());
        contribute_gather(me as f64 * 1.5, all.elem(1).got_numbers_callback());
        contribute_gather(format!("n{me}"), all.got_names_callback());
    }

    /// Receives a gather of numbers (direct copy).
    pub fn got_numbers(&self, v: Vec<f64>) {
        self.log.borrow_mut().push(format!("numbers {v:?}"));
    }

    /// Receives a gather of strings (broadcast to every element).
    pub fn got_names(&self, v: Vec<String>) {
        self.log.borrow_mut().push(format!("names {}", v.join(",")));
    }

    /// Receives a sum.
    pub fn got_sum(&self, total: u64) {
        self.log.borrow_mut().push(format!("sum {total}"));
    }

    /// Receives an element-wise sum (broadcast to every element).
    pub fn got_vec(&self, v: &[f64]) {
        self.log.borrow_mut().push(format!("vec {} {}", v[0], v[1]));
    }

    /// Told that everyone contributed.
    pub fn got_nop(&self) {
        self.log.borrow_mut().push("nop".to_string());
    }

    /// What this element received.
    pub fn log(&self) -> Vec<String> {
        self.log.borrow().clone()
    }

    /// Allreduce of the position, twice, with a barrier between; returns both results.
    pub async fn all(&self) -> (u64, f64) {
        let me = Self::this_elem().position() as u64;
        let s = allreduce(me, Reducer::Sum).await;
        barrier().await;
        let m = allreduce(vec![me as f64, -(me as f64)], Reducer::Max).await;
        (s, m[0] + m[1])
    }

    /// `rounds` allreduces, three in flight at a time, where odd elements hold back (yielding)
    /// so that partials from other PEs often arrive before this PE's own contribution; returns
    /// how many results were wrong.
    pub async fn all_many(&self, rounds: u64) -> u64 {
        let me = Self::this_elem().position() as u64;
        let n = Self::this_proxy().len() as u64;
        let mut wrong = 0;
        for r in 0..rounds {
            if (me + r) % 2 == 1 {
                for _ in 0..(r % 5) {
                    charm_rt::yield_now().await;
                }
            }
            let a = allreduce(me + r, Reducer::Sum);
            let b = allreduce(me as f64 * 0.5, Reducer::Max);
            let c = allreduce(vec![me, r], Reducer::Min);
            wrong += u64::from(a.await != n * (n - 1) / 2 + n * r);
            wrong += u64::from(b.await != (n - 1) as f64 * 0.5);
            wrong += u64::from(c.await != vec![0, r]);
        }
        wrong
    }
}

async fn check(name: &str, parts: PartProxy, vec_len: usize) {
    let n = parts.len() as u64;
    let t = Targets {
        sum: Future::new(),
        max: Future::new(),
        min: Future::new(),
        product: Future::new(),
        and: Future::new(),
        or: Future::new(),
        xor: Future::new(),
        vec_sum: Future::new(),
        gather: Future::new(),
        nop: Future::new(),
        custom: Future::new(),
    };
    parts.contribute_all(t, vec_len);
    assert_eq!(t.sum.await, n * (n - 1) / 2, "{name}: sum");
    assert_eq!(t.max.await, (n - 1) as f64 * 0.5, "{name}: max");
    assert_eq!(t.min.await, -((n - 1) as i32), "{name}: min");
    assert_eq!(
        t.product.await,
        (1..=n.min(5)).product::<u64>(),
        "{name}: product"
    );
    assert_eq!(t.and.await, n < 2, "{name}: and");
    assert_eq!(t.or.await, n > 2, "{name}: or");
    assert_eq!(t.xor.await, n % 2 == 1, "{name}: xor");
    let v = t.vec_sum.await;
    assert_eq!(v.len(), vec_len);
    for (i, x) in v.iter().enumerate() {
        assert_eq!(
            *x,
            (i as f64) * n as f64 + (n * (n - 1) / 2) as f64,
            "{name}: vec sum [{i}]"
        );
    }
    let g = t.gather.await;
    assert_eq!(g.len() as u64, n, "{name}: gather");
    for (i, (s, e)) in g.iter().zip(parts.elems()).enumerate() {
        assert_eq!(s, &format!("e{i}@{}", e.pe()), "{name}: gather order");
    }
    t.nop.await;
    assert_eq!(t.custom.await.0, (0, n - 1), "{name}: custom");
}

fn main() {
    charm_rt::start(|_args| async move {
        let pes = num_pes() as u64;
        // Array: 2-D, several elements per PE, a vector on the direct-copy path (160 KB).
        let array = PartProxy::new_array((3, 5));
        check("array", array, 20_000).await;
        // Two more rounds on the same array: reductions are matched by order.
        check("array round 2", array, 3).await;
        check("array round 3", array, 0).await;
        let group = PartProxy::new_group();
        check("group", group, 10).await;
        let single = PartProxy::new_array(1);
        check("single", single, 10).await;

        // Results delivered to entry methods.
        let cb = PartProxy::new_array(5);
        cb.to_callbacks();
        charm_rt::wait_qd().await;
        let logs = cb.log_ret().await.expect("logs");
        for (i, log) in logs.iter().enumerate() {
            let mut want = vec![];
            if i == 0 {
                want.push("sum 10".to_string());
            }
            want.push("vec 10 5".to_string());
            want.push("names n0,n1,n2,n3,n4".to_string());
            if i == 1 {
                want.push("numbers [0.0, 1.5, 3.0, 4.5, 6.0]".to_string());
            }
            if i == 4 {
                want.push("nop".to_string());
            }
            let mut got = log.clone();
            got.sort();
            want.sort();
            assert_eq!(got, want, "callbacks received by element {i}");
        }

        let res = array.all_ret().await.expect("allreduce");
        let n = array.len() as u64;
        assert!(
            res.iter()
                .all(|&(s, m)| s == n * (n - 1) / 2 && m == (n - 1) as f64),
            "allreduce: {res:?}"
        );
        let res = group.all_ret().await.expect("allreduce on a group");
        assert!(res.iter().all(|&(s, _)| s == pes * (pes - 1) / 2));
        // Many allreduces in flight, arriving early and late, on a group (all-to-all exchange
        // up to 8 PEs) and a larger array.
        for coll in [group, array] {
            let wrong = coll.all_many_ret(300).await.expect("allreduce stress");
            assert!(wrong.iter().all(|&w| w == 0), "allreduce stress: {wrong:?}");
        }
        ok("reductions");
    })
}
