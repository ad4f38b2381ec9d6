//! Collections created on a PE other than 0, used at once (before their elements exist), and their
//! proxies handed back to main.

use charm_rt::prelude::*;
use charm_tests::ok;

#[chare]
pub struct Leaf {
    label: String,
    log: Vec<u32>,
}

#[chare]
impl Leaf {
    fn new(label: String) -> Self {
        Leaf {
            label,
            log: Vec::new(),
        }
    }

    pub fn push(&mut self, v: u32) {
        self.log.push(v);
    }

    pub fn log(&self) -> (String, usize, Vec<u32>) {
        (self.label.clone(), my_pe(), self.log.clone())
    }
}

#[chare]
pub struct Maker {}

#[chare]
impl Maker {
    fn new() -> Self {
        Maker {}
    }

    /// Creates a group, an array and a single chare from this PE and sends to each right away
    /// (messages are sent before any element can have been built). Returns the proxies.
    pub fn make(&self, k: u32) -> (LeafProxy, LeafProxy, LeafElemProxy) {
        let creator = my_pe();
        let g = LeafProxy::new_group(format!("g{creator}"));
        g.push(k);
        g.elem(num_pes() - 1).push(k + 1);
        let a = LeafProxy::new_array((2, num_pes() + 1), format!("a{creator}"));
        a.push(k);
        a.elem((1, num_pes())).push(k + 1);
        let s = LeafProxy::new_chare(Some(0), format!("s{creator}"));
        s.push(k);
        s.push(k + 1);
        (g, a, s)
    }

    /// Creates an array and awaits nothing, but reports its contents through a future from the
    /// array's elements themselves, via a second hop.
    pub fn make_and_report(&self, done: MultiFuture<(String, usize, Vec<u32>)>, n: usize) {
        let a = LeafProxy::new_array(n, "r".to_string());
        for (i, e) in a.elems().enumerate() {
            e.push(i as u32);
        }
        let me = Self::this_elem();
        me.report(a, done);
    }

    pub fn report(&self, a: LeafProxy, done: MultiFuture<(String, usize, Vec<u32>)>) {
        for e in a.elems() {
            e.push(99);
        }
        // A helper chare on this PE collects from the array and resolves the caller's future.
        let h = HelperProxy::new_chare(Some(my_pe()));
        h.collect(a, done);
    }
}

#[chare]
pub struct Helper {}

#[chare]
impl Helper {
    fn new() -> Self {
        Helper {}
    }

    pub async fn collect(&self, a: LeafProxy, done: MultiFuture<(String, usize, Vec<u32>)>) {
        for v in a.log_ret().await.expect("log") {
            done.send(v);
        }
    }
}

fn main() {
    charm_rt::start(|_args| async move {
        let n = num_pes();
        let makers = MakerProxy::new_group();
        // Every PE creates collections (the last PE first).
        for creator in (0..n).rev() {
            let (g, a, s) = makers.elem(creator).make_ret(10).await.expect("make");
            // The creator's calls and main's calls below come from different PEs, and messages
            // from different PEs are not ordered (on MPI, main's can overtake the creator's):
            // wait until the creator's have all been delivered.
            charm_rt::wait_qd().await;
            let logs = g.log_ret().await.expect("group log");
            assert_eq!(logs.len(), n);
            for (pe, (label, on, log)) in logs.into_iter().enumerate() {
                assert_eq!(label, format!("g{creator}"));
                assert_eq!(on, pe);
                let want = if pe == n - 1 { vec![10, 11] } else { vec![10] };
                assert_eq!(log, want, "group element {pe}");
            }
            let logs = a.log_ret().await.expect("array log");
            assert_eq!(logs.len(), 2 * (n + 1));
            for (pos, (label, on, log)) in logs.into_iter().enumerate() {
                assert_eq!(label, format!("a{creator}"));
                assert_eq!(on, a.elems().nth(pos).expect("elem").pe());
                let want = if pos == 2 * (n + 1) - 1 {
                    vec![10, 11]
                } else {
                    vec![10]
                };
                assert_eq!(log, want, "array element {pos}");
            }
            let (label, on, log) = s.log_ret().await.expect("single log");
            assert_eq!((label, on, log), (format!("s{creator}"), 0, vec![10, 11]));
            // Main sends to the remotely created collections too.
            g.push(1);
            a.push(1);
            s.push(1);
            assert!(g
                .log_ret()
                .await
                .expect("log")
                .iter()
                .all(|l| l.2.last() == Some(&1)));
            assert!(a
                .log_ret()
                .await
                .expect("log")
                .iter()
                .all(|l| l.2.last() == Some(&1)));
            assert_eq!(s.log_ret().await.expect("log").2, vec![10, 11, 1]);
        }
        // Creation and use from the last PE, results to main through a future, with a coroutine
        // on the way.
        let size = 3 * n;
        let done = MultiFuture::new(size);
        makers.elem(n - 1).make_and_report(done, size);
        let mut got = done.await;
        assert_eq!(got.len(), size);
        got.sort_by_key(|g| g.2.clone());
        for (i, (label, _, log)) in got.into_iter().enumerate() {
            assert_eq!(label, "r");
            assert_eq!(log, vec![i as u32, 99]);
        }
        ok("create_remote");
    })
}
