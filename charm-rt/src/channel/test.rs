//! The receiving end of a channel as a state machine: order, early arrivals, duplicates and
//! who is woken.

use super::state::{ChanState, Duplicate};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Wake, Waker};

/// A waker that counts its wake-ups.
struct Counter(AtomicUsize);

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn waker() -> (Waker, Arc<Counter>) {
    let c = Arc::new(Counter(AtomicUsize::new(0)));
    (Waker::from(c.clone()), c)
}

fn wakes(c: &Counter) -> usize {
    c.0.load(Ordering::SeqCst)
}

#[test]
fn values_in_order_are_taken_in_order() {
    let (w, _) = waker();
    let mut st = ChanState::default();
    for seq in 0..5u64 {
        assert!(st.arrive(seq, seq * 10).unwrap().is_empty(), "nobody waits");
    }
    for seq in 0..5u64 {
        assert_eq!(st.take_next(&w), Some(seq * 10));
    }
    assert_eq!(st.take_next(&w), None);
}

#[test]
fn early_arrivals_wait_for_the_values_before_them() {
    let (w, count) = waker();
    let mut st = ChanState::default();
    assert_eq!(st.take_next(&w), None);
    for seq in [3u64, 1, 2] {
        assert!(
            st.arrive(seq, seq).unwrap().is_empty(),
            "#{seq} is not the next value"
        );
        assert_eq!(st.take_next(&w), None, "#0 has not arrived");
    }
    assert_eq!(st.early(), 3);
    assert_eq!(wakes(&count), 0);
    let woken = st.arrive(0, 0).unwrap();
    assert_eq!(
        woken.len(),
        1,
        "the waiting receiver, registered once despite four polls"
    );
    woken.into_iter().for_each(Waker::wake);
    assert_eq!(wakes(&count), 1);
    let got: Vec<u64> = std::iter::from_fn(|| st.take_next(&w)).collect();
    assert_eq!(got, [0, 1, 2, 3]);
    assert_eq!(st.early(), 0);
}

#[test]
fn a_value_arriving_twice_is_reported() {
    let (w, _) = waker();
    let mut st = ChanState::default();
    st.arrive(1, 'b').unwrap();
    assert_eq!(
        st.arrive(1, 'x').unwrap_err(),
        Duplicate(1),
        "still waiting"
    );
    st.arrive(0, 'a').unwrap();
    assert_eq!(st.take_next(&w), Some('a'));
    assert_eq!(
        st.arrive(0, 'x').unwrap_err(),
        Duplicate(0),
        "already taken"
    );
    assert_eq!(st.take_next(&w), Some('b'), "the first copy is kept");
}

#[test]
fn every_waiting_receiver_is_woken() {
    // Two receivers wait on one channel (two coroutines, or a `WaitAny` that may drop its
    // receiver): both are woken, so the value is not left unclaimed if one went away.
    let (w1, c1) = waker();
    let (w2, c2) = waker();
    let mut st = ChanState::default();
    assert_eq!(st.take_next(&w1), None);
    assert_eq!(st.take_next(&w2), None);
    st.arrive(0, "zero")
        .unwrap()
        .into_iter()
        .for_each(Waker::wake);
    assert_eq!((wakes(&c1), wakes(&c2)), (1, 1));
    // The second takes the value; the first finds nothing and waits for the next one.
    assert_eq!(st.take_next(&w2), Some("zero"));
    assert_eq!(st.take_next(&w1), None);
    st.arrive(1, "one")
        .unwrap()
        .into_iter()
        .for_each(Waker::wake);
    assert_eq!(
        (wakes(&c1), wakes(&c2)),
        (2, 1),
        "only the one still waiting"
    );
    assert_eq!(st.take_next(&w1), Some("one"));
}

#[test]
fn waiting_receivers_are_woken_once_per_next_value() {
    let (w, count) = waker();
    let mut st = ChanState::default();
    assert_eq!(st.take_next(&w), None);
    st.arrive(0, 0u8).unwrap().into_iter().for_each(Waker::wake);
    // Value #1 arrives before the woken receiver ran: nobody is waiting for it.
    assert!(st.arrive(1, 1u8).unwrap().is_empty());
    assert_eq!(wakes(&count), 1);
    assert_eq!(st.take_next(&w), Some(0));
    assert_eq!(st.take_next(&w), Some(1));
}
