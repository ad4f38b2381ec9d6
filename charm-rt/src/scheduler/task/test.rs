//! The task table's slot and generation keys, and the wake path from threads that are not a PE.

use super::*;
use std::cell::Cell;
use std::rc::Rc;
use std::task::{Context, Poll};

/// A task whose future, when polled, records `label` in `seen`.
fn task(label: u32, seen: &Rc<Cell<u32>>) -> Task {
    let seen = seen.clone();
    Task {
        future: Some(Box::pin(async move { seen.set(label) })),
        waker: Waker::noop().clone(),
        elem: None,
        origin: Origin::Spawned,
        queued: false,
        timed: false,
    }
}

/// Which task `key` reaches: polls its future and reads the label it records.
fn label_of(t: &mut TaskTable, key: TaskKey, seen: &Rc<Cell<u32>>) -> Option<u32> {
    let task = t.get_mut(key)?;
    seen.set(0);
    let fut = task.future.as_mut().expect("a future");
    let done = fut
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
        .is_ready();
    assert!(done);
    Some(seen.get())
}

#[test]
fn insert_hands_the_key_to_the_task_it_builds() {
    let mut t = TaskTable::default();
    let seen = Rc::new(Cell::new(0));
    let mut given = None;
    let k = t.insert(|k| {
        given = Some(k);
        task(1, &seen)
    });
    assert_eq!(given, Some(k));
    assert_eq!(k.gen, 1);
    assert_eq!(t.len(), 1);
    assert_eq!(label_of(&mut t, k, &seen), Some(1));
}

#[test]
fn live_tasks_get_distinct_slots() {
    let mut t = TaskTable::default();
    let seen = Rc::new(Cell::new(0));
    let keys: Vec<_> = (1..=4).map(|i| t.insert(|_| task(i, &seen))).collect();
    for (i, &k) in keys.iter().enumerate() {
        assert_eq!(label_of(&mut t, k, &seen), Some(i as u32 + 1));
    }
    assert_eq!(t.len(), 4);
}

#[test]
fn a_stale_key_does_not_reach_the_task_in_a_reused_slot() {
    let mut t = TaskTable::default();
    let seen = Rc::new(Cell::new(0));
    let old = t.insert(|_| task(1, &seen));
    assert!(t.remove(old).is_some());
    assert!(
        t.get_mut(old).is_none(),
        "a removed task is still reachable"
    );

    let new = t.insert(|_| task(2, &seen));
    assert_eq!(new.slot, old.slot, "the freed slot was not reused");
    assert_eq!(new.gen, old.gen + 1);
    assert!(t.get_mut(old).is_none(), "a stale key reached the new task");
    assert!(t.remove(old).is_none(), "a stale key removed the new task");
    assert_eq!(label_of(&mut t, new, &seen), Some(2));
    assert_eq!(t.len(), 1);
}

#[test]
fn removing_twice_frees_the_slot_once() {
    // If the second remove freed the slot again, the next two inserts would share it and the
    // first of them would be overwritten.
    let mut t = TaskTable::default();
    let seen = Rc::new(Cell::new(0));
    let k = t.insert(|_| task(1, &seen));
    assert!(t.remove(k).is_some());
    assert!(t.remove(k).is_none());
    let a = t.insert(|_| task(2, &seen));
    let b = t.insert(|_| task(3, &seen));
    assert_ne!(a.slot, b.slot);
    assert_eq!(label_of(&mut t, a, &seen), Some(2));
    assert_eq!(label_of(&mut t, b, &seen), Some(3));
    assert_eq!(t.len(), 2);
}

#[test]
fn keys_beyond_the_table_are_absent() {
    let mut t = TaskTable::default();
    let seen = Rc::new(Cell::new(0));
    let k = t.insert(|_| task(1, &seen));
    let beyond = TaskKey { slot: 7, gen: 1 };
    let unborn = TaskKey {
        gen: k.gen + 1,
        ..k
    };
    for key in [beyond, unborn] {
        assert!(t.get_mut(key).is_none(), "{key:?}");
        assert!(t.remove(key).is_none(), "{key:?}");
    }
    assert_eq!(label_of(&mut t, k, &seen), Some(1));
}

#[test]
fn the_generation_wraps_instead_of_overflowing() {
    let mut t = TaskTable::default();
    let seen = Rc::new(Cell::new(0));
    let k = t.insert(|_| task(1, &seen));
    t.remove(k);
    t.slots[k.slot as usize].gen = u32::MAX;
    let wrapped = t.insert(|_| task(2, &seen));
    assert_eq!((wrapped.slot, wrapped.gen), (k.slot, 0));
    assert_eq!(label_of(&mut t, wrapped, &seen), Some(2));
}

#[test]
fn clear_hands_back_every_live_task_and_empties_the_table() {
    let mut t = TaskTable::default();
    let seen = Rc::new(Cell::new(0));
    let keys: Vec<_> = (1..=3).map(|i| t.insert(|_| task(i, &seen))).collect();
    t.remove(keys[1]);
    let mut left = t.clear();
    assert_eq!(left.len(), 2);
    let mut labels = Vec::new();
    for task in &mut left {
        let done = task
            .future
            .as_mut()
            .unwrap()
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()));
        assert_eq!(done, Poll::Ready(()));
        labels.push(seen.get());
    }
    labels.sort();
    assert_eq!(labels, [1, 3]);
    assert_eq!(t.len(), 0);
    for k in keys {
        assert!(t.get_mut(k).is_none());
    }
}

/// A task's waker, woken from a thread that runs no PE: the key goes through the shared list
/// and the doorbell (std's, so not in a loom build).
#[cfg(not(loom))]
mod foreign {
    use super::*;
    use std::time::{Duration, Instant};

    fn waker(key: TaskKey, shared: &Arc<WakeShared>) -> Waker {
        Waker::from(Arc::new(TaskWaker {
            key,
            shared: shared.clone(),
        }))
    }

    #[test]
    fn foreign_wakes_are_queued_in_order_and_taken_once() {
        let shared = Arc::new(WakeShared::new(Arc::new(Doorbell::default())));
        assert!(!shared.has_foreign());
        let (a, b) = (TaskKey { slot: 0, gen: 1 }, TaskKey { slot: 5, gen: 2 });
        let (wa, wb) = (waker(a, &shared), waker(b, &shared));
        std::thread::scope(|s| {
            s.spawn(|| {
                wa.wake_by_ref();
                wb.wake();
            });
        });
        assert!(shared.has_foreign());
        assert_eq!(shared.take_foreign(), [a, b]);
        assert!(!shared.has_foreign(), "the flag outlived the take");
        assert!(shared.take_foreign().is_empty());
    }

    #[test]
    fn a_foreign_wake_rings_the_sleeping_pe() {
        let shared = Arc::new(WakeShared::new(Arc::new(Doorbell::default())));
        shared.doorbell.bind_current_thread();
        let key = TaskKey { slot: 1, gen: 1 };
        let w = waker(key, &shared);
        let start = Instant::now();
        // Not a scoped thread: the end of one of those unparks the scope's owner by itself.
        let waking = std::thread::spawn(move || {
            // Most likely after the PE below went to sleep.
            std::thread::sleep(Duration::from_millis(20));
            w.wake();
        });
        // Without the ring, each sleep would last its full 10 s.
        while !shared.has_foreign() {
            shared
                .doorbell
                .sleep(Some(Duration::from_secs(10)), || shared.has_foreign());
        }
        let waited = start.elapsed();
        waking.join().unwrap();
        assert!(waited < Duration::from_secs(5), "woken after {waited:?}");
        assert_eq!(shared.take_foreign(), [key]);
    }
}
