//! `WaitAny`: each output as soon as it is ready, with its position in the input; `None` at the
//! end. The values are released one at a time in a chosen order, so the order is deterministic.

use charm_rt::prelude::*;
use charm_rt::WaitAny;
use charm_tests::ok;

#[chare]
pub struct Keeper {
    held: Vec<Option<Future<String>>>,
}

#[chare]
impl Keeper {
    fn new() -> Self {
        Keeper { held: Vec::new() }
    }

    pub fn keep(&mut self, fs: Vec<Future<String>>) {
        self.held = fs.into_iter().map(Some).collect();
    }

    pub fn release(&mut self, k: usize) {
        let f = self.held[k].take().expect("released once");
        f.send(format!("v{k}@{}", my_pe()));
    }

    pub fn echo(&self, x: u32) -> u32 {
        x
    }
}

fn main() {
    charm_rt::start(|_args| async move {
        let n = num_pes();
        let keepers = KeeperProxy::new_group();
        let k = keepers.elem(n - 1);
        let fs: Vec<Future<String>> = (0..6).map(|_| Future::new()).collect();
        k.keep(fs.clone());
        let mut any = WaitAny::new(fs.iter().map(|f| f.get()).collect());
        assert_eq!(any.remaining(), 6);

        // One at a time, in an order unrelated to the input order.
        let order = [3usize, 0, 5, 1];
        for (done, &i) in order.iter().enumerate() {
            k.release(i);
            let (pos, v) = any.next().await.expect("one more");
            assert_eq!(pos, i, "WaitAny returned the future that became ready");
            assert_eq!(v, format!("v{i}@{}", n - 1));
            assert_eq!(any.remaining(), 6 - done - 1);
        }
        // Two released together: both come, in some order.
        k.release(4);
        k.release(2);
        let (a, va) = any.next().await.expect("one more");
        let (b, vb) = any.next().await.expect("one more");
        let mut both = [(a, va), (b, vb)];
        both.sort();
        assert_eq!(
            both,
            [(2, format!("v2@{}", n - 1)), (4, format!("v4@{}", n - 1))]
        );
        assert_eq!(any.remaining(), 0);
        assert!(any.next().await.is_none());
        assert!(any.next().await.is_none());

        // Over replies of calls to every PE: every position exactly once.
        let replies: Vec<_> = (0..3 * n as u32)
            .map(|x| keepers.elem(x as usize % n).echo_ret(x))
            .collect();
        let mut any = WaitAny::new(replies);
        let mut seen = Vec::new();
        while let Some((pos, r)) = any.next().await {
            assert_eq!(r.expect("echo"), pos as u32);
            seen.push(pos);
        }
        seen.sort_unstable();
        assert_eq!(seen, (0..3 * n).collect::<Vec<_>>());

        // Empty.
        let mut empty = WaitAny::new(Vec::<charm_rt::FutureWait<u8>>::new());
        assert!(empty.next().await.is_none());
        ok("wait_any");
    })
}
