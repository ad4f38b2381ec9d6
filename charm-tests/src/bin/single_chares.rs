//! Single chares on an explicit PE and on a PE the runtime picks.

use charm_rt::prelude::*;
use charm_tests::ok;

#[chare]
pub struct Solo {
    name: String,
    count: u32,
}

#[chare]
impl Solo {
    fn new(name: String) -> Self {
        Solo { name, count: 0 }
    }

    /// (name, index, PE this runs on, PE of this element's proxy, collection size).
    pub fn locate(&mut self) -> (String, Vec<usize>, usize, usize, usize) {
        self.count += 1;
        (
            self.name.clone(),
            Self::this_index().to_vec(),
            my_pe(),
            Self::this_elem().pe(),
            Self::this_proxy().len(),
        )
    }

    pub fn count(&self) -> u32 {
        self.count
    }

    /// Sends this chare's own proxy to a peer, which calls back.
    pub fn ping_peer(&self, peer: SoloElemProxy, done: Future<String>) {
        peer.pong(Self::this_elem(), done);
    }

    pub fn pong(&self, back: SoloElemProxy, done: Future<String>) {
        back.finish(self.name.clone(), done);
    }

    pub fn finish(&self, from: String, done: Future<String>) {
        done.send(format!("{}<-{from}", self.name));
    }
}

fn main() {
    charm_rt::start(|_args| async move {
        let n = num_pes();
        // Explicit PEs, last to first.
        let mut placed = Vec::new();
        for pe in (0..n).rev() {
            let c = SoloProxy::new_chare(Some(pe), format!("on{pe}"));
            assert_eq!(c.pe(), pe);
            assert_eq!(c.position(), 0);
            placed.push((pe, c));
        }
        for (pe, c) in &placed {
            let (name, ix, ran_on, proxy_pe, len) = c.locate_ret().await.expect("where");
            assert_eq!(name, format!("on{pe}"));
            assert_eq!(ix, vec![0]);
            assert_eq!((ran_on, proxy_pe, len), (*pe, *pe, 1));
        }
        // Runtime-chosen PEs: valid, and where the proxy says.
        let mut chosen = Vec::new();
        for k in 0..2 * n {
            let c = SoloProxy::new_chare(None, format!("auto{k}"));
            assert!(c.pe() < n);
            chosen.push(c);
        }
        let replies: Vec<_> = chosen.iter().map(|c| c.locate_ret()).collect();
        for (k, (c, r)) in chosen
            .iter()
            .zip(charm_rt::wait_all(replies).await)
            .enumerate()
        {
            let (name, ix, ran_on, proxy_pe, _) = r.expect("where");
            assert_eq!(name, format!("auto{k}"));
            assert_eq!(ix, vec![0]);
            assert_eq!(ran_on, c.pe());
            assert_eq!(proxy_pe, c.pe());
        }
        // Fire-and-forget calls then a value; calls between singles on different PEs.
        let a = placed[0].1;
        for _ in 0..5 {
            a.locate();
        }
        assert_eq!(a.count_ret().await.expect("count"), 6);
        let b = SoloProxy::new_chare(Some(0), "zero".to_string());
        let done = Future::<String>::new();
        a.ping_peer(b, done);
        assert_eq!(done.await, format!("on{}<-zero", n - 1));
        ok("single_chares");
    })
}
