//! Conditional delivery: `#[when]` entry methods receive messages sent out of order in the order
//! their condition allows; replies and broadcasts wait with them; `wait_until` in coroutines.

use charm_rt::prelude::*;
use charm_rt::wait_until;
use charm_tests::ok;
use std::cell::{Cell, RefCell};

/// Processes iterations strictly in order.
#[chare]
pub struct Stepper {
    iter: u32,
    seen: Vec<u32>,
}

#[chare]
impl Stepper {
    fn new() -> Self {
        Stepper {
            iter: 0,
            seen: Vec::new(),
        }
    }

    /// Runs only when `iter` is the next iteration.
    #[when(self.iter == *iter)]
    pub fn step(&mut self, iter: u32, data: Vec<f64>) -> u32 {
        assert_eq!(data.len(), iter as usize, "arguments kept with the message");
        self.seen.push(iter);
        self.iter += 1;
        iter
    }

    /// The order in which steps ran.
    pub fn order(&mut self) -> Vec<u32> {
        self.seen.clone()
    }
}

/// A chare with coroutines: `#[when]` on `&self` methods and `wait_until`.
#[chare]
pub struct Waiter {
    level: Cell<u32>,
    log: RefCell<Vec<String>>,
}

#[chare]
impl Waiter {
    fn new() -> Self {
        Waiter {
            level: Cell::new(0),
            log: RefCell::new(Vec::new()),
        }
    }

    /// Raises the level by one.
    pub fn raise(&self) {
        self.level.set(self.level.get() + 1);
    }

    /// Runs once the level reached `at`.
    #[when(self.level.get() >= *at)]
    pub fn at_level(&self, at: u32) {
        self.log.borrow_mut().push(format!("at {at}"));
    }

    /// Waits (as a coroutine) until the level reaches `n`, then returns the log.
    pub async fn wait_for(&self, n: u32) -> Vec<String> {
        wait_until(|| self.level.get() >= n).await;
        self.log.borrow_mut().push(format!("waited {n}"));
        self.log.borrow().clone()
    }

    /// A coroutine that raises the level after yielding (state changed by a coroutine, not by
    /// an entry method, must still release deferred messages).
    pub async fn raise_later(&self) {
        charm_rt::yield_now().await;
        self.level.set(self.level.get() + 1);
    }
}

fn main() {
    charm_rt::start(|_args| async move {
        let steppers = StepperProxy::new_array(num_pes() * 2);
        let s = steppers.elem(steppers.len() - 1);
        // Out of order, fire-and-forget and with replies.
        let r3 = s.step_ret(3, vec![0.0; 3]);
        s.step(1, vec![0.0; 1]);
        let r2 = s.step_ret(2, vec![0.0; 2]);
        s.step(0, vec![]);
        assert_eq!((r3.await.unwrap(), r2.await.unwrap()), (3, 2));
        assert_eq!(s.order_ret().await.unwrap(), vec![0, 1, 2, 3]);
        // Broadcasts, also out of order.
        let b5 = steppers.step_ret(5, vec![0.0; 5]);
        let b4 = steppers.step_ret(4, vec![0.0; 4]);
        for e in steppers.elems() {
            if e != s {
                for i in 0..4 {
                    e.step(i, vec![0.0; i as usize]);
                }
            }
        }
        assert!(b5.await.unwrap().iter().all(|&v| v == 5));
        assert!(b4.await.unwrap().iter().all(|&v| v == 4));
        let orders = steppers.order_ret().await.unwrap();
        assert!(
            orders.iter().all(|o| *o == vec![0, 1, 2, 3, 4, 5]),
            "{orders:?}"
        );

        let w = WaiterProxy::new_chare(Some(num_pes() - 1));
        let waited = w.wait_for_ret(2);
        w.at_level(2);
        w.at_level(1);
        w.raise();
        w.raise_later();
        let log = waited.await.unwrap();
        assert_eq!(
            log,
            vec!["at 1", "at 2", "waited 2"],
            "deferred messages run before the coroutine resumes"
        );
        ok("when");
    })
}
