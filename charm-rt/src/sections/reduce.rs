//! Reductions over a section: every member contributes, in the same order; the partial results
//! travel the section's tree (the same code as collection reductions, see `reduction::state`).

use super::table::{self, LocalSection, Waiting};
use super::SectionRef;
use crate::collections::callback::Callback;
use crate::future::{Future, FutureWait};
use crate::reduction::ops::{Acc, GatherOps, NopOps, Ops, PlainOps};
use crate::reduction::state::{contribute_all_in, contribute_in, Scope, Target};
use crate::reduction::{Reducer, Reducible};
use crate::scheduler::{with_pe, ElemCtx, Pe};
use serde::{de::DeserializeOwned, Serialize};
use std::rc::Rc;

/// Makes the contribution once the member is known: given the section's scope on this PE, the
/// reduction's sequence number and the member's rank.
type Make = Box<dyn FnOnce(&Pe, &Scope<'_>, u32, u32)>;

/// A contribution through the generic reduction state.
fn generic(target: Target, make: impl FnOnce(u32) -> (Rc<dyn Ops>, Acc) + 'static) -> Make {
    Box::new(move |pe, scope, seq, rank| {
        let (ops, acc) = make(rank);
        contribute_in(pe, scope, seq, ops, acc, target);
    })
}

/// Why `ctx` may not contribute to `s`.
fn not_member(_: &Pe, ctx: ElemCtx, s: &SectionRef) -> String {
    let (name, index) = match crate::collections::service::lookup(ctx.coll).as_deref() {
        Some(c) => (c.type_name, c.meta.index_of(ctx.elem).to_string()),
        None => ("<unknown>", format!("#{}", ctx.elem)),
    };
    format!(
        "charm-rs: element {index} of a {name} collection contributed to a reduction over section {}, \
         of which it is not a member; only the members of a section contribute to its reductions",
        s.id
    )
}

fn contribute_known(pe: &Pe, sec: &Rc<LocalSection>, ctx: ElemCtx, make: Make) -> Result<(), ()> {
    let i = sec.find(ctx.coll, ctx.elem).ok_or(())?;
    let seq = sec.red_seq[i].get();
    sec.red_seq[i].set(seq.wrapping_add(1));
    make(pe, &sec.scope(), seq, sec.members[i].rank);
    Ok(())
}

/// A contribution of the running element to the next reduction of section `s`.
#[track_caller]
fn contribute(s: SectionRef, make: Make) {
    with_pe(|pe| {
        let ctx = pe.current.get().unwrap_or_else(|| {
            panic!("charm-rs: section reductions are contributed from an entry method or coroutine of a member; call this there, not in main")
        });
        match table::known(pe, s.id) {
            Some(sec) => {
                if contribute_known(pe, &sec, ctx, make).is_err() {
                    panic!("{}", not_member(pe, ctx, &s));
                }
            }
            // The membership is on its way: contribute when it arrives, in the same order.
            None => table::wait(
                pe,
                s.id,
                Waiting::Contribution(Box::new(move |pe, sec| {
                    if contribute_known(pe, sec, ctx, make).is_err() {
                        let msg = not_member(pe, ctx, &s);
                        pe.abort(msg.trim_start_matches("charm-rs: "));
                    }
                })),
            ),
        }
    })
}

/// Contributes `value` to the next reduction of `section` (the calling element must be a
/// member); when every member contributed, `target` receives the combination.
#[track_caller]
pub fn section_contribute<T: Reducible>(
    section: impl Into<SectionRef>,
    value: T,
    reducer: Reducer<T>,
    target: impl Into<Callback<T>>,
) {
    let target = Some(target.into());
    let make = generic(Target::Root, move |_| {
        (
            Rc::new(PlainOps {
                op: reducer,
                target,
            }) as Rc<dyn Ops>,
            Box::new(value) as Acc,
        )
    });
    contribute(section.into(), make);
}

/// Contributes `value` to a gather over `section`: `target` (a future, or an entry method taking
/// `Vec<T>`) receives every member's value in section order (row-major position for a section of
/// one collection).
#[track_caller]
pub fn section_contribute_gather<T: Serialize + DeserializeOwned + Send + 'static>(
    section: impl Into<SectionRef>,
    value: T,
    target: impl Into<Callback<Vec<T>>>,
) {
    let target = target.into();
    let make = generic(Target::Root, move |rank| {
        (
            Rc::new(GatherOps::<T> {
                target,
                _t: std::marker::PhantomData,
            }) as Rc<dyn Ops>,
            Box::new(vec![(u64::from(rank), value)]) as Acc,
        )
    });
    contribute(section.into(), make);
}

/// Contributes nothing: `target` resolves when every member of `section` has called this.
#[track_caller]
pub fn section_contribute_nop(section: impl Into<SectionRef>, target: impl Into<Callback<()>>) {
    let target = Some(target.into());
    let make = generic(Target::Root, move |_| {
        (
            Rc::new(NopOps { target }) as Rc<dyn Ops>,
            Box::new(()) as Acc,
        )
    });
    contribute(section.into(), make);
}

/// Contributes `value` to an allreduce over `section`: every member gets the combination. Await
/// it inside an async entry method.
#[track_caller]
pub fn section_allreduce<T: Reducible>(
    section: impl Into<SectionRef>,
    value: T,
    reducer: Reducer<T>,
) -> FutureWait<T> {
    let f = Future::<T>::new();
    let waiter = f.id();
    let make: Make = Box::new(move |pe, scope, seq, _| {
        contribute_all_in(pe, scope, seq, value, reducer, waiter);
    });
    contribute(section.into(), make);
    f.get()
}

/// Waits until every member of `section` called it (a barrier for coroutines of members).
#[track_caller]
pub fn section_barrier(section: impl Into<SectionRef>) -> FutureWait<()> {
    let f = Future::<()>::new();
    let make = generic(Target::All(f.id()), |_| {
        (
            Rc::new(NopOps { target: None }) as Rc<dyn Ops>,
            Box::new(()) as Acc,
        )
    });
    contribute(section.into(), make);
    f.get()
}
