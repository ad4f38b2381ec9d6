//! MultiFuture: `n` values from any PEs; awaiting gives them in arrival order.

use charm_rt::prelude::*;
use charm_tests::ok;

#[chare]
pub struct Sender {}

#[chare]
impl Sender {
    fn new() -> Self {
        Sender {}
    }

    /// Sends `k` values tagged with this PE.
    pub fn send_k(&self, to: MultiFuture<(usize, usize)>, k: usize) {
        for j in 0..k {
            to.send((my_pe(), j));
        }
    }

    pub fn send_one(&self, to: MultiFuture<String>, v: String) {
        to.send(v);
    }
}

fn main() {
    charm_rt::start(|_args| async move {
        let n = num_pes();
        let g = SenderProxy::new_group();

        // Values from every PE, three each; within one sender they arrive in sending order only
        // if the layer keeps it, so check them as a set plus per-sender completeness.
        let mf = MultiFuture::<(usize, usize)>::new(3 * n);
        g.send_k(mf, 3);
        let got = mf.await;
        assert_eq!(got.len(), 3 * n);
        let mut sorted = got.clone();
        sorted.sort_unstable();
        let want: Vec<_> = (0..n).flat_map(|p| (0..3).map(move |j| (p, j))).collect();
        assert_eq!(sorted, want);

        // Arrival order: values deposited on this PE arrive exactly in the order they were sent.
        let local = MultiFuture::<String>::new(4);
        for v in ["d", "a", "c", "b"] {
            local.send(v.to_string());
        }
        assert!(local.is_ready());
        assert_eq!(local.await, vec!["d", "a", "c", "b"]);

        // Arrival order with a chare on this PE: each call completes before the next one starts.
        let mixed = MultiFuture::<String>::new(2 * n + 2);
        mixed.send("main-1".to_string());
        g.elem(0)
            .send_one_awaitable(mixed, "pe0-1".to_string())
            .await
            .expect("send_one");
        mixed.send("main-2".to_string());
        // Remote senders; their values may interleave with anything after this point.
        for pe in 1..n {
            g.elem(pe).send_one(mixed, format!("remote-{pe}-a"));
            g.elem(pe).send_one(mixed, format!("remote-{pe}-b"));
        }
        g.elem(0)
            .send_one_awaitable(mixed, "pe0-2".to_string())
            .await
            .expect("send_one");
        if n == 1 {
            assert!(mixed.is_ready(), "every value was deposited on this PE");
        }
        let arrived = mixed.await;
        assert_eq!(arrived.len(), 2 * n + 2);
        let locals: Vec<&str> = arrived
            .iter()
            .map(String::as_str)
            .filter(|s| !s.starts_with("remote"))
            .collect();
        assert_eq!(
            locals,
            vec!["main-1", "pe0-1", "main-2", "pe0-2"],
            "local values in arrival order"
        );
        let mut remotes: Vec<&str> = arrived
            .iter()
            .map(String::as_str)
            .filter(|s| s.starts_with("remote"))
            .collect();
        remotes.sort_unstable();
        let mut want_remotes: Vec<String> = (1..n)
            .flat_map(|p| [format!("remote-{p}-a"), format!("remote-{p}-b")])
            .collect();
        want_remotes.sort_unstable();
        assert_eq!(remotes, want_remotes);

        // A MultiFuture of one value behaves like a future; several in flight at once.
        let ones: Vec<MultiFuture<String>> = (0..n).map(|_| MultiFuture::new(1)).collect();
        for (pe, m) in ones.iter().enumerate().rev() {
            g.elem(pe).send_one(*m, format!("only-{pe}"));
        }
        for (pe, m) in ones.into_iter().enumerate() {
            assert_eq!(m.await, vec![format!("only-{pe}")]);
        }
        ok("multi_future");
    })
}
