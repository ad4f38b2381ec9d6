//! The load balancer's messages: reports to PE 0, decisions back, and the local nudges that
//! run work after the current handler.

use super::strategy::Transfer;
use crate::codec;
use crate::collections::CollectionMeta;
use crate::ids::{CollectionId, ElemKey};
use crate::message::{Body, Dest, Envelope, HandlerId, WireBody};
use crate::scheduler::Pe;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// Every load-balancer message; entry: one of the kinds below; address: the collection (and,
/// for [`RESUME`], the element).
pub(crate) const LB: HandlerId = HandlerId(15);

/// To PE 0: elements of a collection that all called `at_sync()` on a PE ([`Report`]).
pub(crate) const REPORT: u32 = 0;
/// From PE 0: what a PE's elements do in this step ([`Decision`]).
pub(crate) const DECIDE: u32 = 1;
/// Local: run `resume_from_sync` on an element that arrived after the balancer moved it.
pub(crate) const RESUME: u32 = 2;
/// Local: see whether every element here waits now (after an element left).
pub(crate) const CHECK: u32 = 3;
/// To PE 0: use this strategy from now on (a name).
pub(crate) const SET: u32 = 4;

/// What a PE tells PE 0 when every element of the collection it holds called `at_sync()`: the
/// elements it had not reported yet, and its own time.
#[derive(Serialize, Deserialize, Debug)]
pub(crate) struct Report {
    pub meta: CollectionMeta,
    /// The elements: key, seconds in their entry methods since the last step, whether they may
    /// move. Empty for a strategy that sees PE totals only (then `count` and `load` tell).
    pub objs: Vec<(ElemKey, f64, bool)>,
    /// How many elements this report covers.
    pub count: u64,
    /// Seconds of the reported elements' work.
    pub load: f64,
    /// Seconds of that work in elements that may move, and how many they are.
    pub movable_load: f64,
    pub movable_count: u64,
    /// Seconds this PE was busy (not idle) since its last report, and idle.
    pub busy: f64,
    pub idle: f64,
}

/// What PE 0 tells a PE that reported, once every element of the collection did.
#[derive(Serialize, Deserialize, Debug)]
pub(crate) enum Decision {
    /// These elements go to these PEs; the others resume here.
    Moves(Vec<(ElemKey, u32)>),
    /// Send about this much load to these PEs, picking the elements here.
    Transfers(Vec<Transfer>),
}

pub(crate) fn send<T: Serialize>(pe: &Pe, to: usize, kind: u32, coll: CollectionId, v: &T) {
    let body = codec::encode_to_buf(|e| e.serde(v));
    let dest = Dest::two(LB, kind, coll.0, 0);
    pe.route(to, Envelope::new(dest, Body::Wire(WireBody::new(body))));
}

/// A message with no body about one element (or, with `elem` 0, the whole collection).
pub(crate) fn nudge(pe: &Pe, to: usize, kind: u32, coll: CollectionId, elem: ElemKey) {
    let dest = Dest::two(LB, kind, coll.0, elem);
    pe.route(to, Envelope::new(dest, Body::Empty));
}

pub(crate) fn decode<T: DeserializeOwned>(pe: &Pe, env: Envelope) -> T {
    let what = match env.dest.entry {
        REPORT => "load report",
        DECIDE => "load-balancing decision",
        _ => "load-balancer message",
    };
    let Body::Wire(mut w) = env.body else {
        pe.abort(&format!("malformed {what}: not encoded"));
    };
    w.decoder()
        .and_then(|mut d| d.serde())
        .unwrap_or_else(|e| pe.abort(&format!("malformed {what}: {e}")))
}
