//! Async entry methods take `&self`; the chare's other entry methods then take `&self` too.
#![deny(warnings)]

use charm_rt::prelude::*;
use std::cell::{Cell, RefCell};

#[chare]
pub struct Waiter {
    count: Cell<u64>,
    log: RefCell<Vec<String>>,
}

#[chare]
impl Waiter {
    fn new() -> Self {
        Waiter {
            count: Cell::new(0),
            log: RefCell::new(Vec::new()),
        }
    }

    /// Waits for another element, then answers.
    pub async fn relay(&self, other: WaiterElemProxy, n: u64) -> u64 {
        let got = other.bump_ret(n).await.unwrap_or(0);
        self.count.set(self.count.get() + got);
        self.count.get()
    }

    /// An async entry with no return value and a borrowed slice.
    pub async fn record(&self, data: &[f64], msg: String) {
        self.log.borrow_mut().push(format!("{msg}: {}", data.len()));
    }

    /// An async entry returning bulk data.
    pub async fn bulk(&self, v: Vec<u32>) -> Vec<u32> {
        v
    }

    /// A synchronous entry of a chare that has async ones.
    pub fn bump(&self, by: u64) -> u64 {
        self.count.set(self.count.get() + by);
        self.count.get()
    }
}

async fn drive(w: WaiterProxy) -> Result<(), CallError> {
    let a = w.elem(0);
    let b = w.elem(1);
    let _: u64 = a.relay_ret(b, 1).await?;
    a.record_awaitable(&[1.0], "x".into()).await?;
    let _: Vec<Vec<u32>> = w.bulk_ret(vec![1, 2]).await?;
    w.bump(1);
    Ok(())
}

fn main() {
    let _ = WaiterProxy::new_group;
    let _ = drive;
}
