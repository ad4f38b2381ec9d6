//! The doorbell's wake-up protocol and the idle policy.
//!
//! With real threads (a normal `cargo test`), and as loom models that explore every interleaving
//! and the weak-memory outcomes of the protocol's relaxed accesses and fences that loom simulates
//! (not load buffering; and the `OnceLock` holding the PE's thread stays std's, unmodelled: it is
//! set before the PE first announces that it sleeps, and read only by a ringer that saw that):
//!
//! ```text
//! RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target-loom cargo test -p charm-rt --lib --release doorbell
//! ```

#[cfg(not(loom))]
mod threads {
    use super::super::*;
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;

    #[test]
    fn the_sleeper_announces_itself_before_checking_for_work() {
        let db = Doorbell::default();
        db.bind_current_thread();
        let checked = std::cell::Cell::new(false);
        db.sleep(Some(Duration::from_secs(10)), || {
            assert!(
                db.sleeping.load(Ordering::Relaxed),
                "checked before announcing"
            );
            checked.set(true);
            true
        });
        assert!(checked.get());
        assert!(
            !db.sleeping.load(Ordering::Relaxed),
            "still announced after waking"
        );
    }

    #[test]
    fn work_already_there_means_no_sleep() {
        let db = Doorbell::default();
        db.bind_current_thread();
        let start = Instant::now();
        db.sleep(Some(Duration::from_secs(10)), || true);
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "parked despite work"
        );
    }

    #[test]
    fn a_ring_from_another_thread_wakes_the_sleeper() {
        let db = Arc::new(Doorbell::default());
        db.bind_current_thread();
        let work = Arc::new(AtomicBool::new(false));
        let start = Instant::now();
        let ringer = {
            let (db, work) = (db.clone(), work.clone());
            std::thread::spawn(move || {
                // Most likely after the sleeper parked.
                std::thread::sleep(Duration::from_millis(20));
                work.store(true, Ordering::Release);
                db.ring();
            })
        };
        while !work.load(Ordering::Acquire) {
            db.sleep(Some(Duration::from_secs(10)), || {
                work.load(Ordering::Acquire)
            });
        }
        let waited = start.elapsed();
        ringer.join().unwrap();
        assert!(waited < Duration::from_secs(5), "woken after {waited:?}");
    }

    #[test]
    fn an_idle_pe_sleeps_after_its_spin_time_and_not_before() {
        let mut idle = IdleState::with_spin(Duration::from_secs(3600));
        assert!((0..10_000).all(|_| !idle.idle_should_sleep()));

        // With no spin time, it still polls 256 times (checking the clock every 64th).
        let mut idle = IdleState::with_spin(Duration::ZERO);
        for round in 0..2 {
            let polls = (1..).find(|_| idle.idle_should_sleep()).unwrap();
            assert_eq!(polls, 256, "round {round}");
            // Work resets the count.
            idle.busy();
        }
    }
}

/// Each model is one PE that sleeps until it sees the work that other threads make visible (a
/// relaxed flag, the weakest a caller could use) and then ring. A lost wake-up leaves the PE
/// parked for ever, which loom reports as a deadlock.
///
/// The PE is a thread of its own, not the model's main thread: a ring may unpark it at any time
/// (even after it stopped sleeping, which only leaves a token), and loom cannot unpark a thread
/// that is blocked in `join` (it fails an internal assertion), where the main thread waits.
#[cfg(loom)]
mod model {
    use super::super::*;
    use loom::sync::atomic::AtomicBool;
    use loom::sync::Arc;
    use loom::thread::{self, JoinHandle};

    fn flags(n: usize) -> Vec<Arc<AtomicBool>> {
        (0..n).map(|_| Arc::new(AtomicBool::new(false))).collect()
    }

    /// The scheduler's idle loop, cut down: sleep until every flag is seen.
    fn pe(
        db: &Arc<Doorbell>,
        timeout: Option<Duration>,
        work: &[Arc<AtomicBool>],
    ) -> JoinHandle<()> {
        let (db, work) = (db.clone(), work.to_vec());
        thread::spawn(move || {
            db.bind_current_thread();
            let all = || work.iter().all(|w| w.load(Ordering::Relaxed));
            while !all() {
                db.sleep(timeout, all);
            }
        })
    }

    /// Makes work visible, then rings the doorbell.
    fn send(db: &Doorbell, work: &AtomicBool) {
        work.store(true, Ordering::Relaxed);
        db.ring();
    }

    /// The model's main thread is the sender.
    #[test]
    fn doorbell_no_lost_wakeup() {
        loom::model(|| {
            let db = Arc::new(Doorbell::default());
            let work = flags(1);
            let pe = pe(&db, None, &work);
            send(&db, &work[0]);
            pe.join().unwrap();
        });
    }

    /// Two senders, so the PE may wake, find half its work, and sleep again while the other rings
    /// (a leftover unpark token or `sleeping` flag from the first round must not hide the second).
    #[test]
    fn doorbell_no_lost_wakeup_two_senders() {
        loom::model(|| {
            let db = Arc::new(Doorbell::default());
            let work = flags(2);
            let pe = pe(&db, None, &work);
            let other = {
                let (db, work) = (db.clone(), work[1].clone());
                thread::spawn(move || send(&db, &work))
            };
            send(&db, &work[0]);
            other.join().unwrap();
            pe.join().unwrap();
        });
    }

    /// A timed sleep. The timeout expiring is a thread that unparks the PE once, at any moment
    /// (as `park_timeout` returns on its own); the PE must still not depend on it to see the work.
    #[test]
    fn doorbell_no_lost_wakeup_with_timeout() {
        loom::model(|| {
            let db = Arc::new(Doorbell::default());
            let work = flags(1);
            let pe = pe(&db, Some(Duration::from_millis(1)), &work);
            let pe_thread = pe.thread().clone();
            let timer = thread::spawn(move || pe_thread.unpark());
            send(&db, &work[0]);
            timer.join().unwrap();
            pe.join().unwrap();
        });
    }
}
