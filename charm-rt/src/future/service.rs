//! The futures service: this PE's table of futures, and the handler of the values sent to them.
//!
//! A value for a future on this PE is deposited at once; for a future on another PE it travels
//! as a message whose address is the future's id.

use super::table::{Deposit, FutureTable, Waiter};
use super::value::Serde;
use crate::codec::CodecError;
use crate::message::{Addr, Body, Dest, Envelope, ErasedMessage, FutureId, HandlerId, Message};
use crate::scheduler::{Handler, Pe, Services};
use std::cell::RefCell;
use std::mem::ManuallyDrop;

/// A value for a future; address: the future's id, then, for a value that stands for several
/// (a broadcast reply covering several elements of a collection whose elements move), how many.
pub(crate) const FUTURE: HandlerId = HandlerId(4);

thread_local! {
    /// This PE's futures (one PE per thread). `ManuallyDrop`: a thread-local without a destructor
    /// is reached without checking whether it was torn down, on every future and reply; the
    /// PE's shutdown hook empties the table instead (an empty table owns no memory).
    static TABLE: ManuallyDrop<RefCell<FutureTable>> =
        const { ManuallyDrop::new(RefCell::new(FutureTable::new(0))) };
}

/// Runs `f` with this PE's future table.
#[inline(always)]
pub(crate) fn table<R>(f: impl FnOnce(&RefCell<FutureTable>) -> R) -> R {
    TABLE.with(|t| f(t))
}

/// Like [`table`], doing nothing when the thread is being torn down.
pub(crate) fn try_table(f: impl FnOnce(&RefCell<FutureTable>)) {
    let _ = TABLE.try_with(|t| f(t));
}

pub(crate) fn register(s: &mut Services) {
    s.handle(FUTURE, Handler::new("future value", arrived));
    s.hooks
        .start
        .push(|pe| table(|t| *t.borrow_mut() = FutureTable::new(pe.id)));
    // Values still held are dropped on the PE's own thread.
    s.hooks
        .shutdown
        .push(|pe| table(|t| drop(t.replace(FutureTable::new(pe.id)))));
    s.hooks.awaited.push(|_| table(|t| t.borrow().awaited()));
    s.hooks.resolve = |pe, f| send_typed(pe, f, Serde(()));
}

/// The address of a value for `id`.
#[inline(always)]
pub(crate) fn dest(id: FutureId) -> Dest {
    let [a, b] = id.to_words();
    Dest::two(FUTURE, 0, a, b)
}

/// In a future message's third address word: set how many values the future expects.
const SET: u64 = 1 << 62;
/// In a future message's third address word: the future expects this many fewer values.
const FEWER: u64 = 1 << 61;

fn arrived(pe: &Pe, env: Envelope) {
    if let Addr::Words(w) = &env.dest.addr {
        let &[a, b, word] = &w[..] else {
            pe.malformed(
                &env,
                CodecError(format!("future address of {} words", w.len())),
            );
        };
        let id = FutureId::from_words(a, b);
        let n = word as u32;
        return match word & (SET | FEWER) {
            0 => deposit_counted(pe, id, env.body, n),
            SET => change(pe, id, |t| t.set_expected(id, n)),
            FEWER => change(pe, id, |t| t.expect_fewer(id, n)),
            _ => pe.malformed(&env, CodecError("future control word".into())),
        };
    }
    let (a, b) = pe.address(&env);
    deposit(pe, FutureId::from_words(a, b), env.body)
}

/// Stores a value for a future of this PE and wakes whoever awaits it.
#[inline]
pub(crate) fn deposit(pe: &Pe, id: FutureId, body: Body) {
    deposit_counted(pe, id, body, 1)
}

/// Stores a value that stands for `weight` of the values the future expects.
pub(crate) fn deposit_counted(pe: &Pe, id: FutureId, body: Body, weight: u32) {
    let r = table(|t| t.borrow_mut().deposit_counted(id, body, weight));
    match r {
        Ok(Deposit::Complete(Some(Waiter::Task(key)))) => pe.make_ready(key),
        Ok(Deposit::Complete(Some(Waiter::Waker(w)))) => w.wake(),
        Ok(_) => {}
        Err(msg) => pe.abort(&msg),
    }
}

/// Sends a value to the future `id`: deposited at once on its own PE, else a message.
pub(crate) fn send(pe: &Pe, id: FutureId, msg: Box<dyn ErasedMessage>) {
    if id.pe as usize == pe.id {
        deposit(pe, id, Body::Typed(msg));
    } else {
        pe.route(id.pe as usize, Envelope::new(dest(id), Body::Typed(msg)));
    }
}

/// Tells future `id` how many values it expects (its creator could not know: a broadcast reply
/// of a collection whose membership changes).
pub(crate) fn set_expected(pe: &Pe, id: FutureId, n: u32) {
    control(pe, id, SET | u64::from(n), |t| t.set_expected(id, n))
}

/// Tells future `id` it expects `by` fewer values.
pub(crate) fn expect_fewer(pe: &Pe, id: FutureId, by: u32) {
    control(pe, id, FEWER | u64::from(by), |t| t.expect_fewer(id, by))
}

fn control(
    pe: &Pe,
    id: FutureId,
    word: u64,
    local: impl FnOnce(&mut FutureTable) -> Result<Deposit, String>,
) {
    if id.pe as usize == pe.id {
        return change(pe, id, local);
    }
    let [a, b] = id.to_words();
    let dest = Dest {
        handler: FUTURE,
        entry: 0,
        addr: Addr::from_words(&[a, b, word]),
    };
    pe.route(id.pe as usize, Envelope::new(dest, Body::Empty));
}

fn change(pe: &Pe, _id: FutureId, f: impl FnOnce(&mut FutureTable) -> Result<Deposit, String>) {
    let r = table(|t| f(&mut t.borrow_mut()));
    woke(pe, r)
}

fn woke(pe: &Pe, r: Result<Deposit, String>) {
    match r {
        Ok(Deposit::Complete(Some(Waiter::Task(key)))) => pe.make_ready(key),
        Ok(Deposit::Complete(Some(Waiter::Waker(w)))) => w.wake(),
        Ok(_) => {}
        Err(msg) => pe.abort(&msg),
    }
}

/// Like [`send`], for a value that stands for `weight` values of the future.
pub(crate) fn send_counted(pe: &Pe, id: FutureId, msg: Box<dyn ErasedMessage>, weight: u32) {
    if weight == 1 {
        return send(pe, id, msg);
    }
    if id.pe as usize == pe.id {
        deposit_counted(pe, id, Body::Typed(msg), weight);
    } else {
        let [a, b] = id.to_words();
        let dest = Dest {
            handler: FUTURE,
            entry: 0,
            addr: Addr::from_words(&[a, b, u64::from(weight)]),
        };
        pe.route(id.pe as usize, Envelope::new(dest, Body::Typed(msg)));
    }
}

/// Like [`send`] for a typed value, which leaves the process without being boxed (see
/// `Pe::route_typed`).
#[inline]
pub(crate) fn send_typed<M: Message>(pe: &Pe, id: FutureId, msg: M) {
    if id.pe as usize == pe.id {
        deposit(pe, id, Body::Typed(Box::new(msg)));
    } else {
        pe.route_typed(id.pe as usize, dest(id), None, msg);
    }
}
