//! The future table as a state machine, without a PE: slots, generations, parts, waiters.

use super::*;
use crate::future::value::{decode_plain, Serde};
use crate::scheduler::TaskKey;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Wake;

const PE: usize = 3;

fn decode_u64(w: &mut WireBody) -> Result<Box<dyn Any + Send>, CodecError> {
    decode_plain::<Serde<u64>>(w)
}

#[track_caller]
fn create(t: &mut FutureTable, expected: u32) -> FutureId {
    t.create(expected, decode_u64, Location::caller())
}

fn typed(v: u64) -> Body {
    Body::Typed(Box::new(Serde(v)))
}

/// The same value, encoded as if it came from another process.
fn wire(v: u64) -> Body {
    Body::Wire(typed(v).into_wire())
}

fn unpack(values: Values) -> Vec<u64> {
    values
        .into_iter()
        .map(|b| b.downcast::<Serde<u64>>().expect("a u64 value").0)
        .collect()
}

fn key(slot: u32, gen: u32) -> TaskKey {
    TaskKey { slot, gen }
}

/// A waker that counts its wake-ups.
#[derive(Default)]
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting_waker() -> (Arc<Count>, Waker) {
    let c = Arc::new(Count::default());
    (c.clone(), Waker::from(c))
}

/// Completes a future and takes its value, freeing its slot.
fn finish(t: &mut FutureTable, id: FutureId) {
    deposit_ok(t, id, typed(0));
    t.poll_take(id, Waker::noop(), None).unwrap().unwrap();
}

fn deposit_ok(t: &mut FutureTable, id: FutureId, body: Body) -> Deposit {
    t.deposit(id, body)
        .unwrap_or_else(|e| panic!("deposit failed: {e}"))
}

#[test]
fn ids_name_the_pe_and_fresh_slots() {
    let mut t = FutureTable::new(PE);
    let a = create(&mut t, 1);
    let b = create(&mut t, 1);
    assert_eq!((a.pe, b.pe), (PE as u32, PE as u32));
    assert_ne!(a.slot, b.slot, "two live futures share a slot");
    assert_eq!((a.gen, b.gen), (1, 1));
    assert!(!t.is_ready(a) && !t.is_ready(b));
}

#[test]
fn one_value_completes_and_is_taken_once() {
    let mut t = FutureTable::new(PE);
    let id = create(&mut t, 1);
    let noop = Waker::noop();
    assert!(matches!(t.poll_take(id, noop, None), Ok(None)));
    assert!(matches!(
        deposit_ok(&mut t, id, typed(42)),
        Deposit::Complete(Some(Waiter::Waker(_)))
    ));
    assert!(t.is_ready(id));
    let values = t.poll_take(id, noop, None).unwrap().expect("complete");
    assert_eq!(unpack(values), [42]);
    assert!(!t.is_ready(id), "a taken future still reads as ready");
    let err = t.poll_take(id, noop, None).expect_err("second take");
    assert!(err.contains("already awaited"), "{err}");
}

#[test]
fn encoded_values_are_decoded_with_the_future_s_decoder() {
    let mut t = FutureTable::new(PE);
    let id = create(&mut t, 2);
    assert!(matches!(deposit_ok(&mut t, id, wire(7)), Deposit::Stored));
    assert!(matches!(
        deposit_ok(&mut t, id, typed(8)),
        Deposit::Complete(None)
    ));
    let values = t.poll_take(id, Waker::noop(), None).unwrap().unwrap();
    assert_eq!(unpack(values), [7, 8], "values out of arrival order");
}

#[test]
fn a_malformed_or_empty_value_is_an_error_and_not_counted() {
    let mut t = FutureTable::new(PE);
    let id = create(&mut t, 1);
    // No bytes at all where a u64 is expected.
    let garbage = Body::Wire(WireBody::new(crate::codec::encode_to_buf(|_| {})));
    let err = t.deposit(id, garbage).err().expect("garbage accepted");
    assert!(err.starts_with(&format!("value for {id}")), "{err}");
    let err = t.deposit(id, Body::Empty).err().expect("empty accepted");
    assert!(err.starts_with(&format!("empty value for {id}")), "{err}");
    assert!(!t.is_ready(id));
    assert!(matches!(
        deposit_ok(&mut t, id, typed(1)),
        Deposit::Complete(None)
    ));
}

#[test]
#[should_panic(expected = "at least one value")]
fn a_future_expecting_nothing_is_refused() {
    create(&mut FutureTable::new(PE), 0);
}

#[test]
fn a_value_too_many_is_an_error_before_and_after_the_take() {
    let mut t = FutureTable::new(PE);
    let id = create(&mut t, 1);
    deposit_ok(&mut t, id, typed(1));
    // Complete but not yet taken: the slot is still live.
    let err = t
        .deposit(id, typed(2))
        .err()
        .expect("second value accepted");
    // The documented sentence, as after the take.
    assert!(
        err.contains("received a value after it already had all its values"),
        "{err}"
    );
    // The extra value did not replace or join the first one.
    assert_eq!(
        unpack(t.poll_take(id, Waker::noop(), None).unwrap().unwrap()),
        [1]
    );
    // Taken: the slot is free, and the table still names the future.
    let err = t
        .deposit(id, typed(3))
        .err()
        .expect("value after take accepted");
    assert!(err.contains("already had all its values"), "{err}");
    assert!(err.contains("already complete"), "{err}");
    assert!(err.contains("expecting 1 value(s)"), "{err}");
}

#[test]
fn slot_reuse_bumps_the_generation_and_stale_values_miss_the_new_future() {
    let mut t = FutureTable::new(PE);
    let old = create(&mut t, 1);
    finish(&mut t, old);

    let new = create(&mut t, 1);
    assert_eq!(new.slot, old.slot, "a freed slot was not reused");
    assert_eq!(new.gen, old.gen + 1);

    let err = t
        .deposit(old, typed(2))
        .err()
        .expect("stale value accepted");
    assert!(err.starts_with(&old.to_string()), "{err}");
    assert!(err.contains("already complete"), "{err}");
    assert!(!t.is_ready(new), "a stale value completed the new future");
    assert!(t.poll_take(old, Waker::noop(), None).is_err());

    deposit_ok(&mut t, new, typed(3));
    assert_eq!(
        unpack(t.poll_take(new, Waker::noop(), None).unwrap().unwrap()),
        [3]
    );
}

#[test]
fn ids_from_nowhere_are_errors() {
    let mut t = FutureTable::new(PE);
    let live = create(&mut t, 1);
    let beyond = FutureId { slot: 99, ..live };
    let future_gen = FutureId {
        gen: live.gen + 1,
        ..live
    };
    for id in [beyond, future_gen] {
        let err = t.deposit(id, typed(1)).err().expect("accepted");
        assert!(err.contains("unknown or long completed"), "{id}: {err}");
        assert!(!t.is_ready(id));
    }
    assert!(!t.is_ready(live), "a foreign id touched a live future");
}

#[test]
fn the_generation_wraps_instead_of_overflowing() {
    let mut t = FutureTable::new(PE);
    let a = create(&mut t, 1);
    finish(&mut t, a);
    t.slots[a.slot as usize].gen = u32::MAX;
    let b = create(&mut t, 1);
    assert_eq!((b.slot, b.gen), (a.slot, 0));
    deposit_ok(&mut t, b, typed(5));
    assert!(t.is_ready(b));
}

#[test]
fn a_broadcast_future_counts_its_parts() {
    let mut t = FutureTable::new(PE);
    let id = create(&mut t, 3);
    let (count, waker) = counting_waker();
    assert!(matches!(t.poll_take(id, &waker, None), Ok(None)));
    for v in [10, 11] {
        assert!(matches!(deposit_ok(&mut t, id, wire(v)), Deposit::Stored));
        assert!(!t.is_ready(id));
        assert!(
            matches!(t.poll_take(id, &waker, None), Ok(None)),
            "taken before every part arrived"
        );
    }
    let Deposit::Complete(Some(Waiter::Waker(w))) = deposit_ok(&mut t, id, wire(12)) else {
        panic!("the last part did not complete the future with its waker");
    };
    assert_eq!(count.0.load(Ordering::SeqCst), 0, "woken early");
    w.wake();
    assert_eq!(count.0.load(Ordering::SeqCst), 1);
    assert_eq!(
        unpack(t.poll_take(id, &waker, None).unwrap().unwrap()),
        [10, 11, 12]
    );
    assert!(t.deposit(id, wire(13)).is_err());
}

#[test]
fn a_coroutine_waits_by_task_key() {
    let mut t = FutureTable::new(PE);
    let id = create(&mut t, 1);
    assert!(matches!(
        t.poll_take(id, Waker::noop(), Some(key(4, 9))),
        Ok(None)
    ));
    match deposit_ok(&mut t, id, typed(1)) {
        Deposit::Complete(Some(Waiter::Task(k))) => assert_eq!(k, key(4, 9)),
        _ => panic!("the coroutine's key was not handed back"),
    }
}

#[test]
fn the_last_poller_is_the_one_woken() {
    // A task key replaces a waker, another key replaces that key.
    let mut t = FutureTable::new(PE);
    let id = create(&mut t, 1);
    let (_, waker) = counting_waker();
    t.poll_take(id, &waker, None).unwrap();
    t.poll_take(id, &waker, Some(key(1, 1))).unwrap();
    t.poll_take(id, &waker, Some(key(2, 1))).unwrap();
    match deposit_ok(&mut t, id, typed(1)) {
        Deposit::Complete(Some(Waiter::Task(k))) => assert_eq!(k, key(2, 1)),
        _ => panic!("not the last task"),
    }

    // A waker replaces a task key, and a different waker replaces that one.
    let id = create(&mut t, 1);
    let (first, w1) = counting_waker();
    let (second, w2) = counting_waker();
    t.poll_take(id, &w1, Some(key(1, 1))).unwrap();
    t.poll_take(id, &w1, None).unwrap();
    t.poll_take(id, &w2, None).unwrap();
    let Deposit::Complete(Some(Waiter::Waker(w))) = deposit_ok(&mut t, id, typed(1)) else {
        panic!("not a waker");
    };
    w.wake();
    assert_eq!(
        first.0.load(Ordering::SeqCst),
        0,
        "the replaced waker was kept"
    );
    assert_eq!(second.0.load(Ordering::SeqCst), 1);
}

#[test]
fn polling_again_with_the_same_waker_keeps_a_single_clone() {
    let mut t = FutureTable::new(PE);
    let id = create(&mut t, 1);
    let (count, waker) = counting_waker();
    for _ in 0..5 {
        t.poll_take(id, &waker, None).unwrap();
    }
    // Ours, `waker`, and the table's one clone.
    assert_eq!(Arc::strong_count(&count), 3);
}

#[test]
fn abandoning_an_incomplete_future_discards_late_values_then_frees_it() {
    let mut t = FutureTable::new(PE);
    let id = create(&mut t, 2);
    let (count, waker) = counting_waker();
    t.poll_take(id, &waker, None).unwrap();
    assert_eq!(t.awaited().0, 1);
    t.abandon(id);
    assert_eq!(Arc::strong_count(&count), 2, "the waiter outlived abandon");
    assert_eq!(t.awaited().0, 0, "an abandoned future is reported awaited");

    assert!(matches!(
        deposit_ok(&mut t, id, typed(1)),
        Deposit::Discarded
    ));
    let other = create(&mut t, 1);
    assert_ne!(
        other.slot, id.slot,
        "a slot still expecting a value was reused"
    );
    assert!(matches!(
        deposit_ok(&mut t, id, typed(2)),
        Deposit::Discarded
    ));
    // The last value freed the slot.
    assert!(t.deposit(id, typed(3)).is_err());
    let reused = create(&mut t, 1);
    assert_eq!((reused.slot, reused.gen), (id.slot, id.gen + 1));
    assert_eq!(count.0.load(Ordering::SeqCst), 0, "abandoned future woke");
}

#[test]
fn abandoning_a_complete_future_frees_it_at_once() {
    let mut t = FutureTable::new(PE);
    let id = create(&mut t, 1);
    deposit_ok(&mut t, id, typed(1));
    t.abandon(id);
    assert!(!t.is_ready(id));
    assert!(t.poll_take(id, Waker::noop(), None).is_err());
    assert_eq!(create(&mut t, 1).slot, id.slot);
    // Abandoning a stale id is harmless.
    t.abandon(id);
    assert_eq!(t.free.len(), 0, "a stale abandon freed a live slot");
}

#[test]
fn awaited_lists_futures_with_a_waiter_and_missing_values() {
    let mut t = FutureTable::new(PE);
    let waiting = create(&mut t, 3);
    let _unpolled = create(&mut t, 1);
    let complete = create(&mut t, 1);
    t.poll_take(waiting, Waker::noop(), Some(key(0, 1)))
        .unwrap();
    deposit_ok(&mut t, waiting, typed(1));
    t.poll_take(complete, Waker::noop(), None).unwrap();
    deposit_ok(&mut t, complete, typed(1));

    let (n, about) = t.awaited();
    assert_eq!(n, 1);
    assert_eq!(about.len(), 1);
    let line = &about[0];
    assert!(line.starts_with(&waiting.to_string()), "{line}");
    assert!(line.contains(file!()), "no creation site: {line}");
    assert!(line.contains(&format!("awaited on PE {PE}")), "{line}");
    assert!(line.contains("(1 of 3 value(s) arrived)"), "{line}");
}

#[test]
fn awaited_counts_all_but_describes_the_first_eight() {
    let mut t = FutureTable::new(PE);
    let ids: Vec<_> = (0..11).map(|_| create(&mut t, 1)).collect();
    for &id in &ids {
        t.poll_take(id, Waker::noop(), None).unwrap();
    }
    let (n, about) = t.awaited();
    assert_eq!(n, 11);
    assert_eq!(about.len(), 8);
    for (line, id) in about.iter().zip(&ids) {
        assert!(line.starts_with(&format!("{id} ")), "{line}");
    }
}

#[test]
fn describe_names_live_recent_and_unknown_futures() {
    let mut t = FutureTable::new(PE);
    let id = create(&mut t, 2);
    let live = t.describe(id);
    assert!(live.starts_with(&id.to_string()), "{live}");
    assert!(live.contains("expecting 2 value(s))"), "{live}");
    assert!(!live.contains("already complete"), "{live}");
    t.abandon(id);
    deposit_ok(&mut t, id, typed(1));
    deposit_ok(&mut t, id, typed(2));
    assert!(t.describe(id).contains("already complete"));
}

#[test]
fn the_recent_log_is_bounded() {
    let mut t = FutureTable::new(PE);
    let first = create(&mut t, 1);
    finish(&mut t, first);
    for _ in 0..RECENT {
        let id = create(&mut t, 1);
        finish(&mut t, id);
    }
    assert_eq!(t.recent.len(), RECENT);
    assert_eq!(t.slots.len(), 1, "released slots were not reused");
    assert!(t.describe(first).contains("unknown or long completed"));
    let last = FutureId {
        gen: first.gen + RECENT as u32,
        ..first
    };
    assert!(t.describe(last).contains("already complete"));
}
