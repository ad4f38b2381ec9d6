//! Futures created on one PE, sent in messages to chares on other PEs and resolved there; futures
//! created inside chares and awaited by their coroutines; `is_ready`; values of several types.

use charm_rt::prelude::*;
use charm_tests::{f64_data, ok};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
pub struct Report {
    pub pe: usize,
    pub words: Vec<String>,
    pub nested: Option<Box<Report>>,
}

#[chare]
pub struct Resolver {}

#[chare]
impl Resolver {
    fn new() -> Self {
        Resolver {}
    }

    pub fn resolve_string(&self, f: Future<String>) {
        f.send(format!("from PE {}", my_pe()));
    }

    pub fn resolve_vec(&self, f: Future<Vec<f64>>, n: usize) {
        f.send(f64_data(n, my_pe() as u64));
    }

    pub fn resolve_report(&self, f: Future<Report>) {
        f.send(Report {
            pe: my_pe(),
            words: vec!["a".into(), "b".into()],
            nested: Some(Box::new(Report {
                pe: num_pes(),
                words: Vec::new(),
                nested: None,
            })),
        });
    }

    pub fn resolve_unit(&self, f: Future<()>) {
        f.send(());
    }

    /// Forwards the future to the next PE; the `hops`-th PE resolves it with the path taken.
    pub fn hop(&self, f: Future<Vec<usize>>, mut path: Vec<usize>, hops: usize) {
        path.push(my_pe());
        if path.len() == hops {
            f.send(path);
        } else {
            Self::this_proxy()
                .elem((my_pe() + 1) % num_pes())
                .hop(f, path, hops);
        }
    }

    /// Creates a future here, has another PE resolve it, awaits it in this coroutine and returns
    /// what arrived along with the PE of the coroutine.
    pub async fn ask_neighbour(&self) -> (usize, String) {
        let f = Future::<String>::new();
        assert_eq!(
            f.id().pe as usize,
            my_pe(),
            "a future belongs to its creating PE"
        );
        let next = (my_pe() + 1) % num_pes();
        Self::this_proxy().elem(next).resolve_string(f);
        let v = f.await;
        (my_pe(), v)
    }
}

fn main() {
    charm_rt::start(|_args| async move {
        let n = num_pes();
        let g = ResolverProxy::new_group();

        // One future per PE, each resolved on its PE, awaited in reverse order.
        let fs: Vec<Future<String>> = (0..n).map(|_| Future::new()).collect();
        for (pe, f) in fs.iter().enumerate() {
            assert!(!f.is_ready());
            g.elem(pe).resolve_string(*f);
        }
        for (pe, f) in fs.into_iter().enumerate().rev() {
            assert_eq!(f.await, format!("from PE {pe}"));
        }

        // Other value types, from the last PE.
        let last = g.elem(n - 1);
        let fv = Future::<Vec<f64>>::new();
        last.resolve_vec(fv, 100_000);
        assert_eq!(fv.await, f64_data(100_000, (n - 1) as u64));
        let fr = Future::<Report>::new();
        last.resolve_report(fr);
        let r = fr.await;
        assert_eq!(r.pe, n - 1);
        assert_eq!(r.words, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(r.nested.expect("nested").pe, n);
        let fu = Future::<()>::new();
        last.resolve_unit(fu);
        fu.await;

        // is_ready: false until the value is deposited. A chare on this PE deposits at once, so
        // the value is there when its call completed.
        let fw = Future::<String>::new();
        assert!(!fw.is_ready());
        g.elem(0)
            .resolve_string_awaitable(fw)
            .await
            .expect("resolve_string");
        assert!(fw.is_ready());
        assert_eq!(fw.get().await, "from PE 0");

        // A future resolved by main itself, and one with Default.
        let own = Future::<u64>::new();
        own.send(42);
        assert!(own.is_ready());
        assert_eq!(own.await, 42);
        let d: Future<u8> = Future::default();
        g.elem(0).resolve_unit(Future::new()); // dropped future handle: resolved, never awaited
        d.send(7);
        assert_eq!(d.await, 7);

        // A future passed along several PEs before it is resolved.
        let hops = 2 * n + 1;
        let fh = Future::<Vec<usize>>::new();
        g.elem(n - 1).hop(fh, Vec::new(), hops);
        let want: Vec<usize> = (0..hops).map(|k| (n - 1 + k) % n).collect();
        assert_eq!(fh.await, want);

        // Futures created inside coroutines on every PE, resolved on the next PE.
        let got = g.ask_neighbour_ret().await.expect("ask_neighbour");
        let want: Vec<(usize, String)> = (0..n)
            .map(|pe| (pe, format!("from PE {}", (pe + 1) % n)))
            .collect();
        assert_eq!(got, want);

        // Many futures in flight at once.
        let many: Vec<Future<String>> = (0..200).map(|_| Future::new()).collect();
        for (k, f) in many.iter().enumerate() {
            g.elem(k % n).resolve_string(*f);
        }
        for (k, f) in many.into_iter().enumerate() {
            assert_eq!(f.await, format!("from PE {}", k % n));
        }
        ok("future_remote");
    })
}
