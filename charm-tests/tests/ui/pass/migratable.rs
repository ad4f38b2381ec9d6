// Migratable chares, exclusive and shared, with and without a `migrated` hook; `migrate` through
// element proxies and from inside; `set_migratable`.
use charm_rt::prelude::*;

#[chare(migratable)]
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Walker {
    visited: Vec<usize>,
    next: Option<WalkerElemProxy>,
}

#[chare]
impl Walker {
    fn new() -> Self {
        Walker {
            visited: vec![my_pe()],
            next: None,
        }
    }

    fn migrated(&mut self) {
        self.visited.push(my_pe());
    }

    pub fn hop(&mut self, to: usize) {
        Self::this_elem().migrate(to);
    }

    pub fn stay(&mut self) {
        charm_rt::set_migratable(false);
    }
}

#[chare(migratable)]
#[derive(serde::Serialize, serde::Deserialize, Default)]
pub struct Shared {
    n: std::cell::Cell<u64>,
}

#[chare]
impl Shared {
    fn new() -> Self {
        Shared::default()
    }

    fn migrated(&self) {
        self.n.set(self.n.get() + 1);
    }

    pub async fn wait(&self) -> u64 {
        charm_rt::yield_now().await;
        self.n.get()
    }
}

fn main() {
    charm_rt::start(|_| async {
        let w = WalkerProxy::new_array(4);
        w.elem(0).migrate(1);
        w.elem(1).hop(0);
        let s = SharedProxy::new_array(2);
        s.elem(1).migrate(0);
        let _ = s.elem(1).wait_ret().await;
    })
}
