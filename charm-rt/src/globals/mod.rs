//! Global values (Charm4py's `updateGlobals`): named, typed values broadcast to every PE and
//! readable there from any entry method.
//!
//! The value is encoded once (`Marshal`: numeric vectors by direct copy) and the same bytes go
//! to every PE; each PE decodes it the first time it is read, as the type the reader asks for,
//! and keeps the decoded value (shared through an `Rc`) until a new value of that name arrives.
//! The value travels with the name of its type (every rank runs the same program, so the names
//! agree), so that reading it as another type is an error rather than reinterpreted bytes.

use crate::codec::{self, Marshal};
use crate::future::MultiFuture;
use crate::message::{Body, Dest, Envelope, FutureId, HandlerId, WireBody};
use crate::scheduler::{with_pe, Handler, Pe, Services};
use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Where a global value goes and who to tell when it is stored.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GlobalAddr {
    name: String,
    done: FutureId,
    /// `std::any::type_name` of the value as set.
    type_name: String,
}

#[derive(Default)]
struct Globals {
    values: HashMap<String, Slot>,
}

/// A global value for this PE; address: [`GlobalAddr`] (serde).
pub(crate) const GLOBAL: HandlerId = HandlerId(8);

pub(crate) fn register(s: &mut Services) {
    s.handle(GLOBAL, Handler::new("global value", arrived));
    s.hooks
        .shutdown
        .push(|_| drop(std::mem::take(&mut *globals().borrow_mut())));
}

thread_local! {
    /// This PE's global values (one PE per thread).
    static GLOBALS: Rc<RefCell<Globals>> = Rc::default();
}

fn globals() -> Rc<RefCell<Globals>> {
    GLOBALS.with(Rc::clone)
}

fn arrived(pe: &Pe, env: Envelope) {
    let addr: GlobalAddr =
        codec::addr_serde(&env.dest.addr).unwrap_or_else(|e| pe.malformed(&env, e));
    pe.global_arrived(addr, env.body)
}

struct Slot {
    type_name: String,
    encoded: WireBody,
    decoded: Option<Rc<dyn Any>>,
}

/// Broadcasts `value` to every PE under `name` (replacing any earlier value of that name) and
/// resolves when every PE has stored it.
///
/// ```no_run
/// # async fn demo() {
/// charm_rt::set_global("weights", vec![0.5f64; 1000]).await;
/// // later, in any entry method on any PE:
/// let w = charm_rt::global::<Vec<f64>>("weights").expect("weights were set");
/// # }
/// ```
pub async fn set_global<T: Marshal>(name: &str, value: T) {
    let done = with_pe(|pe| {
        let done = MultiFuture::<()>::new(pe.num_pes);
        let body = WireBody::new(codec::encode_to_buf(|e| value.encode(e)));
        let addr = GlobalAddr {
            name: name.to_string(),
            done: done.id(),
            type_name: std::any::type_name::<T>().to_string(),
        };
        let dest = Dest {
            handler: GLOBAL,
            entry: 0,
            addr: codec::serde_addr(&addr),
        };
        for p in 0..pe.num_pes {
            pe.route(p, Envelope::new(dest.clone(), Body::Wire(body.clone())));
        }
        done
    });
    done.await;
}

/// The value last set under `name` with [`set_global`], on this PE, as `T`; `None` when no
/// value of that name reached this PE. Panics, naming both types, when the value was set with
/// another type.
#[track_caller]
pub fn global<T: Marshal>(name: &str) -> Option<Rc<T>> {
    with_pe(|_| {
        let all = globals();
        let mut g = all.borrow_mut();
        let slot = g.values.get_mut(name)?;
        if slot.type_name != std::any::type_name::<T>() {
            panic!(
                "charm-rs: global `{name}` was set as {} and cannot be read as {}",
                slot.type_name,
                std::any::type_name::<T>()
            );
        }
        if let Some(v) = &slot.decoded {
            return Some(
                v.clone()
                    .downcast::<T>()
                    .unwrap_or_else(|_| wrong_type::<T>(name)),
            );
        }
        let mut w = slot.encoded.clone();
        let v: T = w
            .decoder()
            .and_then(|mut d| {
                let v = T::decode(&mut d)?;
                d.finish()?;
                Ok(v)
            })
            .unwrap_or_else(|e| {
                panic!(
                    "charm-rs: global `{name}` cannot be read as {}: {e}",
                    std::any::type_name::<T>()
                )
            });
        let v = Rc::new(v);
        slot.decoded = Some(v.clone());
        Some(v)
    })
}

fn wrong_type<T>(name: &str) -> ! {
    panic!(
        "charm-rs: global `{name}` was already read as another type than {}",
        std::any::type_name::<T>()
    )
}

impl Pe {
    /// A global value arrived: store it (still encoded) and confirm.
    fn global_arrived(&self, addr: GlobalAddr, body: Body) {
        let encoded = match body {
            Body::Wire(w) => w,
            other => other.into_wire(),
        };
        globals().borrow_mut().values.insert(
            addr.name,
            Slot {
                type_name: addr.type_name,
                encoded,
                decoded: None,
            },
        );
        crate::future::service::send_typed(self, addr.done, crate::future::value::Serde(()));
    }
}
