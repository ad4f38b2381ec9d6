//! The waves of quiescence detection as a state machine: time and counts are passed in, so
//! each rule is checked without a PE or a clock.

use super::waves::{hang_report, Outcome, Waves, IDLE_BEFORE_WAVE, MAX_ABOUT};
use super::QdCounts;
use crate::message::FutureId;
use std::time::{Duration, Instant};

fn counts(sent: u64, processed: u64) -> QdCounts {
    QdCounts {
        sent,
        processed,
        ..QdCounts::default()
    }
}

fn future(n: u64) -> FutureId {
    FutureId::from_words(n, 0)
}

/// Starts a wave on `pes` PEs after the idle delay, returning its number. (Taking in the
/// replies of the previous wave was work, so the delay starts again at `t0`.)
fn wave(w: &mut Waves, t0: Instant, local: (u64, u64), pes: usize) -> u32 {
    w.busy();
    assert_eq!(
        w.idle(t0, local, pes),
        None,
        "no wave before the idle delay"
    );
    w.idle(t0 + IDLE_BEFORE_WAVE, local, pes)
        .expect("a wave once PE 0 has been idle long enough")
}

/// Runs one wave in which every PE answers `each`; returns the last reply's outcome.
fn run_wave(w: &mut Waves, t0: Instant, pes: usize, each: &QdCounts) -> Outcome {
    let n = wave(w, t0, (0, 0), pes);
    let mut last = Outcome::Pending;
    for _ in 0..pes {
        last = w.reply(n, each.clone(), (0, 0), true);
    }
    last
}

#[test]
fn a_wave_starts_only_after_pe_0_was_idle_long_enough() {
    let mut w = Waves::default();
    let t0 = Instant::now();
    assert_eq!(w.idle(t0, (0, 0), 2), None);
    assert_eq!(w.idle(t0 + IDLE_BEFORE_WAVE / 2, (0, 0), 2), None);
    assert_eq!(w.idle(t0 + IDLE_BEFORE_WAVE, (0, 0), 2), Some(1));
}

#[test]
fn work_restarts_the_idle_delay() {
    let mut w = Waves::default();
    let t0 = Instant::now();
    assert_eq!(w.idle(t0, (0, 0), 1), None);
    w.busy();
    let t1 = t0 + IDLE_BEFORE_WAVE;
    assert_eq!(
        w.idle(t1, (0, 0), 1),
        None,
        "the delay counts from the last work"
    );
    assert_eq!(w.idle(t1 + IDLE_BEFORE_WAVE, (0, 0), 1), Some(1));
}

#[test]
fn no_second_wave_while_one_is_out() {
    let mut w = Waves::default();
    let t0 = Instant::now();
    let n = wave(&mut w, t0, (0, 0), 2);
    let later = t0 + 10 * IDLE_BEFORE_WAVE;
    assert_eq!(w.idle(later, (0, 0), 2), None);
    assert_eq!(w.reply(n, counts(0, 0), (0, 0), true), Outcome::Pending);
    assert_eq!(w.idle(later, (0, 0), 2), None, "one PE has not answered");
}

#[test]
fn quiescence_needs_two_waves_with_equal_balanced_totals() {
    let mut w = Waves::default();
    w.start(future(7));
    let t0 = Instant::now();
    let c = counts(5, 5);
    assert_eq!(run_wave(&mut w, t0, 3, &c), Outcome::NotQuiescent);
    assert_eq!(
        run_wave(&mut w, t0 + Duration::from_secs(1), 3, &c),
        Outcome::Resolve(vec![future(7)])
    );
}

#[test]
fn messages_in_flight_are_not_quiescence() {
    let mut w = Waves::default();
    w.start(future(1));
    let t0 = Instant::now();
    // Two equal waves, but one message sent is not yet taken in.
    assert_eq!(
        run_wave(&mut w, t0, 2, &counts(3, 2)),
        Outcome::NotQuiescent
    );
    assert_eq!(
        run_wave(&mut w, t0 + Duration::from_secs(1), 2, &counts(3, 2)),
        Outcome::NotQuiescent
    );
}

#[test]
fn work_between_two_waves_is_not_quiescence() {
    let mut w = Waves::default();
    w.start(future(1));
    let t0 = Instant::now();
    assert_eq!(
        run_wave(&mut w, t0, 2, &counts(4, 4)),
        Outcome::NotQuiescent
    );
    // Balanced again, but more messages went by in between: something ran.
    let t1 = t0 + Duration::from_secs(1);
    assert_eq!(
        run_wave(&mut w, t1, 2, &counts(6, 6)),
        Outcome::NotQuiescent
    );
    let t2 = t1 + Duration::from_secs(1);
    assert_eq!(
        run_wave(&mut w, t2, 2, &counts(6, 6)),
        Outcome::Resolve(vec![future(1)])
    );
}

#[test]
fn a_wave_sums_the_replies_of_every_pe() {
    let mut w = Waves::default();
    w.start(future(1));
    let t0 = Instant::now();
    for round in 0..2u64 {
        let n = wave(&mut w, t0 + Duration::from_secs(round), (0, 0), 2);
        // Across the job 3 sent and 3 taken in, though neither PE balances alone.
        assert_eq!(w.reply(n, counts(3, 1), (0, 0), true), Outcome::Pending);
        let last = w.reply(n, counts(0, 2), (0, 0), true);
        if round == 0 {
            assert_eq!(last, Outcome::NotQuiescent);
        } else {
            assert_eq!(last, Outcome::Resolve(vec![future(1)]));
        }
    }
}

#[test]
fn answers_to_an_older_wave_are_ignored() {
    let mut w = Waves::default();
    let t0 = Instant::now();
    let first = wave(&mut w, t0, (0, 0), 1);
    assert_eq!(
        w.reply(first, counts(1, 0), (0, 0), true),
        Outcome::NotQuiescent
    );
    let second = wave(&mut w, t0 + Duration::from_secs(1), (0, 0), 1);
    assert_ne!(first, second);
    assert_eq!(w.reply(first, counts(0, 0), (0, 0), true), Outcome::Pending);
    // The late answer was not counted: the second wave still waits for its one reply.
    assert_eq!(
        w.reply(second, counts(1, 1), (0, 0), true),
        Outcome::NotQuiescent
    );
    // And with no wave out, any answer is ignored.
    assert_eq!(
        w.reply(second, counts(1, 1), (0, 0), true),
        Outcome::Pending
    );
}

#[test]
fn waiters_are_resolved_once_and_in_order() {
    let mut w = Waves::default();
    w.start(future(1));
    w.start(future(2));
    let t0 = Instant::now();
    let c = counts(0, 0);
    run_wave(&mut w, t0, 1, &c);
    assert_eq!(
        run_wave(&mut w, t0 + Duration::from_secs(1), 1, &c),
        Outcome::Resolve(vec![future(1), future(2)])
    );
    // A new waiter needs a fresh pair of waves: the old totals do not count.
    w.start(future(3));
    let t1 = t0 + Duration::from_secs(2);
    assert_eq!(run_wave(&mut w, t1, 1, &c), Outcome::NotQuiescent);
    assert_eq!(
        run_wave(&mut w, t1 + Duration::from_secs(1), 1, &c),
        Outcome::Resolve(vec![future(3)])
    );
}

#[test]
fn awaited_futures_at_quiescence_end_the_job_with_a_report() {
    let mut w = Waves::default();
    let t0 = Instant::now();
    let mut c = counts(2, 2);
    c.add_awaited(1, ["future 3 awaited by Worker[0].run on PE 1".to_string()]);
    run_wave(&mut w, t0, 2, &c);
    match run_wave(&mut w, t0 + Duration::from_secs(1), 2, &c) {
        Outcome::Hang(report) => {
            assert!(report.contains("can never continue"), "{report}");
            assert!(
                report.contains("2 future(s)"),
                "two PEs, one each: {report}"
            );
            assert!(report.contains("Worker[0].run on PE 1"), "{report}");
        }
        other => panic!("expected a hang report, got {other:?}"),
    }
}

#[test]
fn waiters_come_before_the_hang_report() {
    // Someone waits for quiescence: that waiter may resolve the awaited futures.
    let mut w = Waves::default();
    w.start(future(9));
    let t0 = Instant::now();
    let mut c = counts(0, 0);
    c.add_awaited(1, []);
    run_wave(&mut w, t0, 1, &c);
    assert_eq!(
        run_wave(&mut w, t0 + Duration::from_secs(1), 1, &c),
        Outcome::Resolve(vec![future(9)])
    );
}

#[test]
fn with_the_hang_check_off_awaited_futures_only_settle() {
    let mut w = Waves::default();
    let t0 = Instant::now();
    let mut c = counts(0, 0);
    c.add_awaited(1, []);
    for round in 0..2u64 {
        let n = wave(&mut w, t0 + Duration::from_secs(round), (0, 0), 1);
        let out = w.reply(n, c.clone(), (0, 0), false);
        assert_eq!(
            out,
            if round == 0 {
                Outcome::NotQuiescent
            } else {
                Outcome::Settled
            }
        );
    }
}

#[test]
fn a_settled_job_starts_no_more_waves_until_something_happens() {
    let mut w = Waves::default();
    let t0 = Instant::now();
    let c = counts(0, 0);
    let local = (4, 4);
    for round in 0..2u64 {
        let n = wave(&mut w, t0 + Duration::from_secs(round), local, 1);
        w.reply(n, c.clone(), local, true);
    }
    let t1 = t0 + Duration::from_secs(5);
    assert_eq!(w.idle(t1, local, 1), None);
    assert_eq!(
        w.idle(t1 + 10 * IDLE_BEFORE_WAVE, local, 1),
        None,
        "still settled"
    );
    // PE 0 took in a message since: waves start again.
    assert!(w.idle(t1 + 10 * IDLE_BEFORE_WAVE, (4, 5), 1).is_some());
}

#[test]
fn a_new_waiter_wakes_a_settled_job() {
    let mut w = Waves::default();
    let t0 = Instant::now();
    let c = counts(0, 0);
    for round in 0..2u64 {
        let n = wave(&mut w, t0 + Duration::from_secs(round), (0, 0), 1);
        w.reply(n, c.clone(), (0, 0), true);
    }
    let t1 = t0 + Duration::from_secs(5);
    assert_eq!(w.idle(t1, (0, 0), 1), None);
    w.start(future(1));
    assert!(w.idle(t1 + IDLE_BEFORE_WAVE, (0, 0), 1).is_some());
}

#[test]
fn descriptions_of_awaited_futures_are_capped() {
    let mut c = QdCounts::default();
    c.add_awaited(5, (0..5).map(|i| format!("a{i}")));
    let mut other = QdCounts::default();
    other.add_awaited(MAX_ABOUT as u64, (0..MAX_ABOUT).map(|i| format!("b{i}")));
    c.add(other);
    assert_eq!(c.awaited, 5 + MAX_ABOUT as u64, "every future is counted");
    assert_eq!(c.about.len(), MAX_ABOUT, "but only the first few described");
    assert_eq!(c.about[0], "a0");
    assert_eq!(c.about[5], "b0");
    let report = hang_report(&c);
    assert_eq!(report.matches("\n  - ").count(), MAX_ABOUT);
}
