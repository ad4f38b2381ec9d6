//! The reductions service: this PE's reductions and all-to-all allreduces in flight, and the
//! handler of reduction steps between PEs.

use super::exchange::Exchanges;
use super::phase::{read_step, step_word, RedPhase};
use super::state::{self, Reductions, Scope};
use crate::collections::service::{lookup, park};
use crate::ids::CollectionId;
use crate::message::{Dest, Envelope, HandlerId};
use crate::scheduler::{Handler, Pe, Services};
use std::cell::RefCell;
use std::rc::Rc;

/// A step of a reduction over a collection; address: the collection, then reduction number and
/// step ([`step_word`]).
pub(crate) const REDUCTION: HandlerId = HandlerId(5);

/// One PE's reductions state.
#[derive(Default)]
pub(crate) struct Local {
    pub reductions: RefCell<Reductions>,
    /// All-to-all allreduces in flight (typed; see `exchange`).
    pub exchanges: RefCell<Exchanges>,
}

thread_local! {
    static LOCAL: Rc<Local> = Rc::default();
}

/// This PE's reductions state.
#[inline(always)]
pub(crate) fn local() -> Rc<Local> {
    LOCAL.with(Rc::clone)
}

pub(crate) fn register(s: &mut Services) {
    s.handle(REDUCTION, Handler::new("reduction", arrived));
    s.handle(
        super::dynamic::DYN_REDUCTION,
        Handler::new("reduction over moving elements", super::dynamic::arrived),
    );
    s.hooks
        .awaited
        .push(|pe| local().exchanges.borrow().awaited(pe.id));
    s.hooks.shutdown.push(|_| {
        let l = local();
        let reds = std::mem::take(&mut *l.reductions.borrow_mut());
        let ex = std::mem::take(&mut *l.exchanges.borrow_mut());
        drop((reds, ex));
        super::dynamic::clear();
    });
}

/// The address of a reduction step over collection `coll`.
#[inline]
pub(crate) fn dest(coll: CollectionId, seq: u32, phase: RedPhase) -> Dest {
    Dest::two(REDUCTION, 0, coll.0, step_word(seq, phase))
}

fn arrived(pe: &Pe, env: Envelope) {
    let (coll, step) = pe.address(&env);
    let coll = CollectionId(coll);
    let (seq, phase) = read_step(step).unwrap_or_else(|e| pe.malformed(&env, e));
    let Some(c) = lookup(coll) else {
        return park(coll, env);
    };
    let scope = Scope::of_collection(&c);
    state::arrived(pe, &scope, seq, phase, env.body);
}
