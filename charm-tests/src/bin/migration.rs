//! Migration of array elements (Charm4py's `tests/migration/chare_migration.py`, Charm++'s
//! megatest `migration.C` and `anytime_migration`), and what must stay true while elements move.
//! Modes:
//! - `next_pe`: every element of a `2P + 1` array moves to the next PE; `migrated()` sees its new
//!   PE and its state intact; a reduction counts the moves;
//! - `walk`: every element walks every PE, each move asked for from its `migrated()` hook; the
//!   sum of the PEs each visited is `P (P - 1) / 2`;
//! - `chase`: one element moves every few calls while all others keep calling it; it receives
//!   every call exactly once, in order per sender only while it stays put;
//! - `stress`: many elements move at random many times while every element sends numbered calls
//!   to random others and awaits `_ret` replies; every element checks counts and checksums of
//!   what it received, and a reduction agrees with what was sent;
//! - `broadcasts`: `_ret` broadcasts and reductions while elements move: each element runs each
//!   broadcast exactly once, and every reduction counts every element;
//! - `busy`: an element asked to move while a coroutine of it waits moves when the coroutine ends;
//! - `channel`: a channel's receiving element moves in the middle of a stream;
//! - `when`: `#[when]` messages that wait for their condition move with the element;
//! - `pinned`: moving an element that called `set_migratable(false)` is an error;
//! - `in_section`: moving a member of a section is an error naming the section;
//! - `bad_pe`: moving to a PE outside the job is an error at the caller.

use charm_rt::prelude::*;
use charm_rt::Channel;
use charm_tests::{f64_data, ok};
use std::cell::Cell;

/// An element that moves and counts what it receives.
#[chare(migratable)]
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Mover {
    /// Set at construction, checked after every move.
    created_on: usize,
    data: Vec<f64>,
    /// PEs this element ran `migrated()` on.
    visited: Vec<usize>,
    /// Calls received from each sender (by index) and their checksum.
    got: Vec<u64>,
    sum: u64,
    /// The next call number expected from each sender while in order (`chase`).
    next_from: Vec<u64>,
    /// Broadcasts run, by number.
    bcasts: Vec<u32>,
    /// Walk: PEs still to visit.
    walk_left: u32,
    walk_sum: usize,
    /// `when`: the iteration this element is at.
    iter: u32,
    when_seen: Vec<u32>,
}

#[chare]
impl Mover {
    fn new(n: usize) -> Self {
        let i = Self::this_index()[0];
        Mover {
            created_on: my_pe(),
            data: f64_data(1000, i as u64),
            visited: Vec::new(),
            got: vec![0; n],
            sum: 0,
            next_from: vec![0; n],
            bcasts: Vec::new(),
            walk_left: 0,
            walk_sum: 0,
            iter: 0,
            when_seen: Vec::new(),
        }
    }

    fn migrated(&mut self) {
        let i = Self::this_index()[0];
        assert_eq!(
            self.data,
            f64_data(1000, i as u64),
            "state survives the move"
        );
        self.visited.push(my_pe());
        if self.walk_left > 0 {
            self.walk_left -= 1;
            self.walk_sum += my_pe();
            Self::this_elem().migrate((my_pe() + 1) % num_pes());
        }
    }

    /// Moves to `to`.
    pub fn go(&mut self, to: usize) {
        Self::this_elem().migrate(to);
    }

    /// Where it is and where it was made.
    pub fn whereabouts(&self) -> (usize, usize, Vec<usize>) {
        (my_pe(), self.created_on, self.visited.clone())
    }

    /// Starts a walk over every PE (`walk`).
    pub fn walk(&mut self) {
        self.walk_left = num_pes() as u32 - 1;
        self.walk_sum = my_pe();
        Self::this_elem().migrate((my_pe() + 1) % num_pes());
    }

    /// The PEs visited on the walk, summed.
    pub fn walk_sum(&self) -> usize {
        assert_eq!(self.walk_left, 0, "the walk is over");
        self.walk_sum
    }

    /// A numbered call from element `from`.
    pub fn call(&mut self, from: usize, k: u64) -> u64 {
        self.got[from] += 1;
        self.sum = self.sum.wrapping_add(k * 31 + from as u64);
        k
    }

    /// A call that must arrive in order while this element stays put (`chase`).
    pub fn ordered(&mut self, from: usize, k: u64, moves_seen: u32) {
        self.got[from] += 1;
        self.sum = self.sum.wrapping_add(k);
        if moves_seen == 0 {
            assert_eq!(
                self.next_from[from], k,
                "calls from one PE in order while it stays"
            );
        }
        self.next_from[from] = k + 1;
    }

    /// (calls received, checksum).
    pub fn received(&self) -> (u64, u64) {
        (self.got.iter().sum(), self.sum)
    }

    /// Calls received from each sender.
    pub fn received_from(&self) -> Vec<u64> {
        self.got.clone()
    }

    /// Sends `n` numbered calls to random elements of `to` (awaiting every `k`-th reply), moving
    /// itself now and then; contributes what it sent to `report`.
    pub fn storm(&mut self, to: MoverProxy, n: u64, seed: u64, report: Future<Vec<u64>>) {
        let me = Self::this_index()[0] as usize;
        let len = to.len();
        let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let mut sent = vec![0u64; len];
        let mut sum = 0u64;
        for k in 0..n {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let dest = (x % len as u64) as usize;
            to.elem(dest).call(me, k);
            sent[dest] += 1;
            sum = sum.wrapping_add(k * 31 + me as u64);
        }
        sent.push(sum);
        charm_rt::contribute(sent, Reducer::Sum, report);
    }

    /// Moves to a random PE.
    pub fn wander(&mut self, seed: u64) {
        let to = (seed as usize).wrapping_mul(2_654_435_761) % num_pes();
        Self::this_elem().migrate(to);
    }

    /// Records broadcast `b` and contributes to a sum.
    pub fn bcast(&mut self, b: u32) -> u32 {
        self.bcasts.push(b);
        b
    }

    /// The broadcasts run, in order.
    pub fn bcasts(&self) -> Vec<u32> {
        self.bcasts.clone()
    }

    /// Contributes 1 to a sum.
    pub fn count_me(&mut self, total: Future<u64>) {
        charm_rt::contribute(1u64, Reducer::Sum, total);
    }

    /// Waits, in a coroutine of another chare type, for nothing: see `Sleeper`.
    pub fn set_iter(&mut self, i: u32) {
        self.iter = i;
    }

    /// Runs only at iteration `i`.
    #[when(self.iter == *i)]
    pub fn at_iter(&mut self, i: u32) {
        self.when_seen.push(i);
    }

    /// What `at_iter` saw.
    pub fn when_seen(&self) -> Vec<u32> {
        self.when_seen.clone()
    }

    /// Refuses to move.
    pub fn stay(&mut self) {
        charm_rt::set_migratable(false);
    }
}

/// A shared chare (it has coroutines), to move while a coroutine waits.
#[chare(migratable)]
#[derive(serde::Serialize, serde::Deserialize, Default)]
pub struct Sleeper {
    woke_on: Cell<usize>,
    moves: Cell<u32>,
}

#[chare]
impl Sleeper {
    fn new() -> Self {
        Sleeper::default()
    }

    fn migrated(&self) {
        self.moves.set(self.moves.get() + 1);
    }

    /// Asks to move to `to`, then waits for `go` before finishing: the move waits too.
    pub async fn nap(&self, to: usize, go: Future<()>) -> usize {
        Self::this_elem().migrate(to);
        let before = my_pe();
        go.await;
        assert_eq!(my_pe(), before, "a coroutine does not move");
        self.woke_on.set(my_pe());
        my_pe()
    }

    /// Where it is now, and how often it moved.
    pub fn now(&self) -> (usize, u32) {
        (my_pe(), self.moves.get())
    }
}

/// The sending end of a stream (it keeps its channel, so its values stay numbered in order).
#[chare(migratable)]
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Producer {
    ch: Option<Channel<(u64, Vec<f64>)>>,
    next: u64,
}

#[chare]
impl Producer {
    fn new() -> Self {
        Producer { ch: None, next: 0 }
    }

    /// Sends the next `n` values to `to` (opening the channel the first time).
    pub fn produce(&mut self, to: ConsumerElemProxy, n: u64) {
        let ch = self.ch.get_or_insert_with(|| Channel::new(to));
        for _ in 0..n {
            ch.send((self.next, f64_data(50, self.next)));
            self.next += 1;
        }
    }
}

/// The receiving end of a stream, which moves while values wait for it.
#[chare(migratable)]
#[derive(serde::Serialize, serde::Deserialize, Default)]
pub struct Consumer {
    moves: Cell<u32>,
}

#[chare]
impl Consumer {
    fn new() -> Self {
        Consumer::default()
    }

    fn migrated(&self) {
        self.moves.set(self.moves.get() + 1);
    }

    /// Moves to `to`.
    pub fn go(&self, to: usize) {
        Self::this_elem().migrate(to);
    }

    /// Receives `n` values from `from`, checking their order and contents; returns the moves.
    pub async fn consume(&self, from: ProducerElemProxy, n: u64) -> u32 {
        let ch: Channel<(u64, Vec<f64>)> = Channel::new(from);
        for k in 0..n {
            let (i, v) = ch.recv().await;
            assert_eq!(i, k, "values in sending order");
            assert_eq!(v, f64_data(50, i), "value {i} intact");
        }
        self.moves.get()
    }
}

fn main() {
    charm_rt::start(|args| async move {
        let mode = args.get(1).cloned().unwrap_or_default();
        let p = num_pes();
        match mode.as_str() {
            "next_pe" => {
                let n = 2 * p + 1;
                let arr = MoverProxy::new_array(n, n);
                let before: Vec<usize> = arr.elems().map(|e| e.pe()).collect();
                for (i, e) in arr.elems().enumerate() {
                    e.go((before[i] + 1) % p);
                }
                charm_rt::wait_qd().await;
                let after = arr.whereabouts_ret().await.expect("whereabouts");
                for (i, (now, made, visited)) in after.into_iter().enumerate() {
                    let want = (before[i] + 1) % p;
                    assert_eq!(now, want, "element {i} on its next PE");
                    assert_eq!(made, before[i], "constructor ran once, on the first PE");
                    let moved = if p > 1 { vec![want] } else { vec![] };
                    assert_eq!(visited, moved, "migrated() ran on arrival only");
                }
                // Calls reach moved elements, and proxies made before the move still work.
                for (i, e) in arr.elems().enumerate() {
                    assert_eq!(e.call_ret(0, i as u64).await.expect("call"), i as u64);
                }
                let total = Future::new();
                arr.count_me(total);
                assert_eq!(total.await, n as u64, "a reduction counts every element");
                ok("migration next_pe");
            }
            "walk" => {
                let n = p + 2;
                let arr = MoverProxy::new_array(n, n);
                arr.walk();
                charm_rt::wait_qd().await;
                let sums = arr.walk_sum_ret().await.expect("walk");
                assert!(
                    sums.iter().all(|&s| s == p * (p - 1) / 2),
                    "every element visited every PE once: {sums:?}"
                );
                ok("migration walk");
            }
            "chase" => {
                let n = 3 * p;
                let arr = MoverProxy::new_array(n, n);
                let target = arr.elem(1);
                let rounds = 200u64;
                let mut moves = 0u32;
                for k in 0..rounds {
                    for from in 0..n {
                        target.ordered(from, k, moves);
                    }
                    if k % 25 == 24 && p > 1 {
                        target.go((k as usize / 25) % p);
                        moves += 1;
                    }
                }
                charm_rt::wait_qd().await;
                let got = target.received_from_ret().await.expect("counts");
                assert!(got.iter().all(|&g| g == rounds), "every call once: {got:?}");
                ok("migration chase");
            }
            "stress" => {
                let n = 40 * p;
                let arr = MoverProxy::new_array(n, n);
                let calls = 300u64;
                let mut want = 0u64;
                for round in 0..4u64 {
                    let report = Future::new();
                    arr.storm(arr, calls, round + 1, report);
                    for (i, e) in arr.elems().enumerate() {
                        if (i as u64 + round).is_multiple_of(3) {
                            e.wander(i as u64 * 7 + round);
                        }
                    }
                    // Awaited calls while moves are under way.
                    for (i, e) in arr.elems().enumerate().step_by(7) {
                        assert_eq!(
                            e.call_ret(i, 1000 + round).await.expect("_ret"),
                            1000 + round
                        );
                    }
                    let sent = report.await;
                    charm_rt::wait_qd().await;
                    let recv = arr.received_ret().await.expect("received");
                    let extra = arr.elems().enumerate().step_by(7).count() as u64;
                    let got: u64 = recv.iter().map(|r| r.0).sum();
                    want += sent[..n].iter().sum::<u64>() + extra;
                    assert_eq!(
                        got, want,
                        "round {round}: every call delivered exactly once"
                    );
                    let per_elem = arr.received_from_ret().await.expect("per element");
                    for (d, from) in per_elem.iter().enumerate() {
                        let total: u64 = from.iter().sum();
                        assert_eq!(total, recv[d].0, "element {d}'s counts agree");
                    }
                }
                ok("migration stress");
            }
            "broadcasts" => {
                let n = 5 * p;
                let arr = MoverProxy::new_array(n, n);
                for b in 1..=30u32 {
                    if b % 3 == 0 {
                        for (i, e) in arr.elems().enumerate() {
                            e.wander(i as u64 + b as u64);
                        }
                    }
                    if b % 2 == 0 {
                        let r = arr.bcast_ret(b).await.expect("bcast");
                        assert_eq!(r, vec![b; n], "broadcast {b}: every element once");
                    } else {
                        arr.bcast(b);
                    }
                    let total = Future::new();
                    arr.count_me(total);
                    assert_eq!(total.await, n as u64, "reduction {b}");
                }
                charm_rt::wait_qd().await;
                let seen = arr.bcasts_ret().await.expect("bcasts");
                for (i, s) in seen.iter().enumerate() {
                    let mut sorted = s.clone();
                    sorted.sort_unstable();
                    assert_eq!(sorted, (1..=30).collect::<Vec<_>>(), "element {i}: {s:?}");
                }
                ok("migration broadcasts");
            }
            "busy" => {
                let s = SleeperProxy::new_array(1);
                let e = s.elem(0);
                let go = Future::new();
                let to = (e.pe() + 1) % p;
                let r = e.nap_ret(to, go);
                charm_rt::wait_qd().await;
                assert_eq!(
                    e.now_ret().await.expect("now"),
                    (0, 0),
                    "not moved while waiting"
                );
                go.send(());
                assert_eq!(
                    r.await.expect("nap"),
                    0,
                    "the coroutine ended where it began"
                );
                charm_rt::wait_qd().await;
                let moved = u32::from(to != 0);
                assert_eq!(
                    e.now_ret().await.expect("now"),
                    (to, moved),
                    "moved afterwards"
                );
                ok("migration busy");
            }
            "channel" => {
                let prod = ProducerProxy::new_array(1).elem(0);
                let cons = ConsumerProxy::new_array(1).elem(0);
                let n = 1000u64;
                // Values wait for the receiver, which moves away with them, twice.
                prod.produce(cons, n / 2);
                charm_rt::wait_qd().await;
                cons.go((cons.pe() + 1) % p);
                charm_rt::wait_qd().await;
                prod.produce(cons, n / 4);
                cons.go((cons.pe() + 1) % p);
                prod.produce(cons, n / 4);
                let moves = cons.consume_ret(prod, n).await.expect("consume");
                assert_eq!(moves, if p > 1 { 2 } else { 0 });
                ok("migration channel");
            }
            "when" => {
                let arr = MoverProxy::new_array(2, 2);
                let e = arr.elem(1);
                for i in (1..=5).rev() {
                    e.at_iter(i);
                }
                charm_rt::wait_qd().await;
                e.go((e.pe() + 1) % p);
                charm_rt::wait_qd().await;
                for i in 1..=5 {
                    e.set_iter(i);
                }
                charm_rt::wait_qd().await;
                assert_eq!(e.when_seen_ret().await.expect("seen"), vec![1, 2, 3, 4, 5]);
                ok("migration when");
            }
            "pinned" => {
                let arr = MoverProxy::new_array(2, 2);
                arr.elem(1).stay_awaitable().await.expect("stay");
                arr.elem(1).go((arr.elem(1).pe() + 1) % p);
                charm_tests::forever().await;
            }
            "in_section" => {
                let arr = MoverProxy::new_array(3, 3);
                let sec = arr.section([1usize, 2]);
                // Once the call completed, every PE hosting a member knows the section.
                sec.call_awaitable(0, 0).await.expect("section call");
                arr.elem(2).go((arr.elem(2).pe() + 1) % p);
                charm_tests::forever().await;
            }
            "bad_pe" => {
                let arr = MoverProxy::new_array(2, 2);
                arr.elem(0).migrate(p);
                unreachable!("the job has no such PE");
            }
            other => panic!("unknown mode {other}"),
        }
    })
}
