//! Groups: one element per PE; fire-and-forget broadcasts whose completion is signalled through a
//! `MultiFuture` or a `Future`, awaitable and value-returning broadcasts, calls to one element.

use charm_rt::prelude::*;
use charm_tests::ok;

#[chare]
pub struct Member {
    tag: String,
    hits: u32,
    arrived: usize,
    done: Option<Future<usize>>,
}

#[chare]
impl Member {
    fn new(tag: String) -> Self {
        assert_eq!(Self::this_index(), Index::from(my_pe()));
        Member {
            tag,
            hits: 0,
            arrived: 0,
            done: None,
        }
    }

    /// Fire-and-forget; reports (element, PE) through a multi-future.
    pub fn report(&mut self, to: MultiFuture<(usize, usize)>) {
        self.hits += 1;
        to.send((Self::this_index().get(0), my_pe()));
    }

    /// Fire-and-forget; every element tells element 0, which resolves `done` once all arrived.
    pub fn arrive_all(&mut self, done: Future<usize>) {
        self.hits += 1;
        Self::this_proxy().elem(0).arrive(my_pe(), done);
    }

    pub fn arrive(&mut self, from: usize, done: Future<usize>) {
        assert_eq!(my_pe(), 0);
        assert!(from < num_pes());
        self.arrived += 1;
        self.done = Some(done);
        if self.arrived == num_pes() {
            self.done.take().expect("future").send(self.arrived);
            self.arrived = 0;
        }
    }

    pub fn bump(&mut self) {
        self.hits += 1;
    }

    pub fn hits(&self) -> u32 {
        self.hits
    }

    pub fn whoami(&self) -> (usize, usize, String) {
        let this = Self::this_elem();
        assert_eq!(this.pe(), my_pe());
        (Self::this_index().get(0), my_pe(), self.tag.clone())
    }
}

fn main() {
    charm_rt::start(|_args| async move {
        let n = num_pes();
        let g = MemberProxy::new_group("g".to_string());
        assert_eq!(g.len(), n);
        assert_eq!(g.shape(), Index::from(n));
        for (i, e) in g.elems().enumerate() {
            assert_eq!(e.pe(), i, "group element {i} is on PE {i}");
            assert_eq!(e.position(), i);
        }

        // Fire-and-forget broadcast; completion through a MultiFuture.
        let mf = MultiFuture::<(usize, usize)>::new(n);
        g.report(mf);
        let mut got = mf.await;
        got.sort_unstable();
        assert_eq!(got, (0..n).map(|i| (i, i)).collect::<Vec<_>>());

        // Fire-and-forget broadcast; completion through a plain Future resolved by element 0.
        let done = Future::<usize>::new();
        g.arrive_all(done);
        assert_eq!(done.await, n);

        // Awaitable broadcast: resolves once every element ran the method.
        let units = g.bump_awaitable().await.expect("bump");
        assert_eq!(units.len(), n);
        let hits = g.hits_ret().await.expect("hits");
        assert_eq!(
            hits,
            vec![3; n],
            "every element ran report, arrive_all and bump"
        );

        // Value-returning broadcast: one value per PE, sorted by element index.
        let who = g.whoami_ret().await.expect("whoami");
        let want: Vec<_> = (0..n).map(|i| (i, i, "g".to_string())).collect();
        assert_eq!(who, want);

        // Calls to one element, from the last one to the first.
        for pe in (0..n).rev() {
            let (i, on, _) = g.elem(pe).whoami_ret().await.expect("whoami");
            assert_eq!((i, on), (pe, pe));
            g.elem(pe).bump_awaitable().await.expect("bump");
            assert_eq!(g.elem(pe).hits_ret().await.expect("hits"), 4);
        }
        assert!(g.try_elem(n).is_none());

        // A second group is independent of the first.
        let h = MemberProxy::new_group("h".to_string());
        assert_ne!(g, h);
        let tags: Vec<String> = h
            .whoami_ret()
            .await
            .expect("whoami")
            .into_iter()
            .map(|t| t.2)
            .collect();
        assert_eq!(tags, vec!["h".to_string(); n]);
        assert_eq!(h.hits_ret().await.expect("hits"), vec![0; n]);
        ok("group_basic");
    })
}
