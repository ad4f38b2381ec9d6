//! This PE's part of load balancing: the loads its elements accumulate, which of them wait in
//! `at_sync()`, the reports it sends PE 0 and what it does with PE 0's decisions.
//!
//! A PE reports once every element of the collection that it holds waits (it sends only the
//! elements it has not reported yet, so an element that arrives later and calls `at_sync()`
//! is reported on its own). PE 0 decides once it has heard of every element. A PE with no
//! elements of the collection reports nothing: to the strategy it is an idle PE.

use super::messages::{self, Decision, Report, CHECK, REPORT};
use super::options;
use super::strategy::{Distributed, ObjLoad, Transfer};
use crate::collections::balancing;
use crate::ids::{CollectionId, ElemKey};
use crate::scheduler::{ElemCtx, IdMap, Pe};
use std::cell::RefCell;

/// What this PE knows about one element of a balanced collection.
#[derive(Default, Clone, Copy)]
struct ElemLb {
    /// Nanoseconds of work since it was last reported.
    load_ns: u64,
    /// It called `at_sync()` and waits for `resume_from_sync`.
    waiting: bool,
    /// Its waiting was reported to PE 0.
    reported: bool,
    /// The balancer is moving it: it resumes where it arrives.
    moving: bool,
}

#[derive(Default)]
struct CollLb {
    elems: IdMap<ElemKey, ElemLb>,
    /// How many elements here wait.
    waiting: usize,
    /// Waiting elements not yet reported, in the order they called `at_sync()`.
    unreported: Vec<ElemKey>,
    /// The reported elements still waiting here for PE 0's decision, with their loads (for a
    /// strategy that picks elements on each PE).
    reported: Vec<(ElemKey, ObjLoad)>,
}

#[derive(Default)]
struct PeLb {
    colls: IdMap<CollectionId, CollLb>,
    /// The strategy `set_balancer` chose, over the launch option.
    chosen: Option<String>,
    /// The launch options (read once per PE).
    opts: std::sync::Arc<options::Options>,
    /// The load clock and idle time at this PE's last report.
    last_report: Option<(u64, u64)>,
}

thread_local! {
    static STATE: RefCell<PeLb> = RefCell::new(PeLb::default());
}

fn with<R>(f: impl FnOnce(&mut PeLb) -> R) -> R {
    STATE.with(|s| f(&mut s.borrow_mut()))
}

pub(super) fn clear() {
    STATE.with(|s| *s.borrow_mut() = PeLb::default());
}

/// Sets up this PE's state for a job with these options.
pub(super) fn init(pe: &Pe, opts: std::sync::Arc<options::Options>) {
    STATE.with(|s| {
        *s.borrow_mut() = PeLb {
            opts,
            // The first report counts from the start of the job.
            last_report: Some((pe.load.now(), pe.load.idle_ns())),
            ..PeLb::default()
        }
    });
}

fn opts() -> std::sync::Arc<options::Options> {
    with(|s| s.opts.clone())
}

/// `set_balancer` reached this PE.
pub(super) fn choose(name: &str) {
    with(|s| s.chosen = Some(name.to_string()));
}

/// Whether the current strategy sees PE totals only (reports then carry no element list).
fn distributed() -> bool {
    match with(|s| s.chosen.clone()) {
        Some(name) => matches!(
            super::strategy::builtin(&name),
            Some(super::strategy::Builtin::Distributed(_))
        ),
        None => opts().distributed(),
    }
}

/// The scheduler's hook: an element of a balanced collection ran for `ns` nanoseconds.
pub(super) fn element_ran(pe: &Pe, ctx: ElemCtx, ns: u64) {
    with(|s| {
        if !pe.load.on() && s.opts.balancer.is_some() {
            // The first element timed here: from now on, idle time counts too.
            pe.load.track_idle();
        }
        s.colls
            .entry(ctx.coll)
            .or_default()
            .elems
            .entry(ctx.elem)
            .or_default()
            .load_ns += ns;
    });
}

/// `at_sync()` of the running element.
pub(super) fn at_sync(pe: &Pe, ctx: ElemCtx, type_name: &str) {
    if !balancing::is_here(ctx.coll, ctx.elem) {
        panic!(
            "charm-rs: a {type_name} element called at_sync() in its constructor; call it from an \
             entry method or coroutine"
        );
    }
    let twice = with(|s| {
        let c = s.colls.entry(ctx.coll).or_default();
        let e = c.elems.entry(ctx.elem).or_default();
        if e.waiting {
            return true;
        }
        e.waiting = true;
        c.waiting += 1;
        c.unreported.push(ctx.elem);
        false
    });
    if twice {
        panic!(
            "charm-rs: a {type_name} element called at_sync() twice in one step; call it once, \
             then wait for resume_from_sync()"
        );
    }
    // Looked at after the entry method that called it returns: its time then counts in this
    // step's load, and (without a balancer) the element resumes after it, like every element.
    messages::nudge(pe, pe.id, CHECK, ctx.coll, 0);
}

/// Reports the waiting elements if every element here waits (with a balancer), or resumes them
/// (without one).
pub(super) fn check_ready(pe: &Pe, coll: CollectionId) {
    let here = balancing::count_here(coll);
    let ready = with(|s| {
        s.colls
            .get(&coll)
            .is_some_and(|c| here > 0 && c.waiting == here && !c.unreported.is_empty())
    });
    if !ready {
        return;
    }
    if opts().balancer.is_none() {
        let waiting = with(|s| {
            let c = s.colls.get_mut(&coll).expect("checked");
            c.unreported.clear();
            c.waiting = 0;
            let keys: Vec<ElemKey> = c
                .elems
                .iter_mut()
                .filter(|(_, e)| e.waiting)
                .map(|(k, e)| {
                    e.waiting = false;
                    *k
                })
                .collect();
            keys
        });
        for elem in sorted(waiting) {
            balancing::resume(pe, coll, elem);
        }
        return;
    }
    let Some(meta) = balancing::meta(coll) else {
        return;
    };
    let distributed = distributed();
    let (busy, idle) = pe_times(pe);
    let report = with(|s| {
        let c = s.colls.get_mut(&coll).expect("checked");
        let mut r = Report {
            meta,
            objs: Vec::new(),
            count: 0,
            load: 0.0,
            movable_load: 0.0,
            movable_count: 0,
            busy,
            idle,
        };
        for elem in std::mem::take(&mut c.unreported) {
            let e = c.elems.get_mut(&elem).expect("a waiting element");
            e.reported = true;
            let load = e.load_ns as f64 * 1e-9;
            e.load_ns = 0;
            let migratable = balancing::movable(coll, elem);
            r.count += 1;
            r.load += load;
            if migratable {
                r.movable_load += load;
                r.movable_count += 1;
            }
            if !distributed {
                r.objs.push((elem, load, migratable));
            }
            c.reported.push((
                elem,
                ObjLoad {
                    pe: pe.id as u32,
                    load,
                    migratable,
                },
            ));
        }
        r
    });
    messages::send(pe, 0, REPORT, coll, &report);
}

/// Seconds this PE was busy and idle since its last report. Idle time is elapsed time; with
/// loads in CPU time, busy is the CPU time less the idle time (a PE that polls while idle
/// spends CPU time then; one that sleeps spends none, so this can only undercount background).
fn pe_times(pe: &Pe) -> (f64, f64) {
    let now = pe.load.now();
    let idle = pe.load.idle_ns();
    with(|s| {
        let (then, idle_then) = s.last_report.replace((now, idle)).unwrap_or((now, idle));
        let idle_d = idle.saturating_sub(idle_then);
        let busy = now.saturating_sub(then).saturating_sub(idle_d);
        (busy as f64 * 1e-9, idle_d as f64 * 1e-9)
    })
}

/// PE 0's decision for this PE's reported elements.
pub(super) fn decided(pe: &Pe, coll: CollectionId, d: Decision) {
    let Some(meta) = balancing::meta(coll) else {
        pe.abort("a load-balancing decision for a collection this PE does not know");
    };
    let reported = with(|s| std::mem::take(&mut s.colls.entry(coll).or_default().reported));
    let moves: Vec<(ElemKey, u32)> = match d {
        Decision::Moves(m) => m,
        Decision::Transfers(t) => pick(&reported, &t),
    };
    // Mark the moving ones first, so that one leaving here is not mistaken for a move by hand.
    let moving: IdMap<ElemKey, u32> = moves.iter().copied().collect();
    with(|s| {
        let c = s.colls.entry(coll).or_default();
        for &(elem, to) in &moves {
            if to as usize != pe.id {
                c.elems.entry(elem).or_default().moving = true;
            }
        }
    });
    let mut resume = Vec::new();
    for &(elem, _) in &reported {
        match moving.get(&elem) {
            Some(&to) if to as usize != pe.id => {}
            _ => resume.push(elem),
        }
    }
    for &(elem, to) in &moves {
        if to as usize != pe.id {
            balancing::move_for_balance(pe, &meta, elem, to);
        }
    }
    for elem in resume {
        finish_waiting(pe, coll, elem);
    }
    // Elements that arrived here and waited while this PE waited for its decision.
    check_ready(pe, coll);
}

/// The elements this PE sends to carry out its transfers.
fn pick(reported: &[(ElemKey, ObjLoad)], transfers: &[Transfer]) -> Vec<(ElemKey, u32)> {
    let objs: Vec<(u32, ObjLoad)> = reported
        .iter()
        .enumerate()
        .map(|(i, (_, o))| (i as u32, *o))
        .collect();
    Distributed {
        tolerance: opts().tolerance.unwrap_or(Distributed::default().tolerance),
    }
    .pick(&objs, transfers)
    .into_iter()
    .map(|(i, to)| (reported[i as usize].0, to))
    .collect()
}

/// The element stops waiting and its `resume_from_sync` runs (it is here).
fn finish_waiting(pe: &Pe, coll: CollectionId, elem: ElemKey) {
    let was = with(|s| {
        let c = s.colls.entry(coll).or_default();
        let e = c.elems.entry(elem).or_default();
        let was = e.waiting;
        if was {
            e.waiting = false;
            e.reported = false;
            e.moving = false;
            c.waiting -= 1;
        }
        was
    });
    if was {
        balancing::resume(pe, coll, elem);
    }
}

/// A local nudge: an element the balancer moved arrived (resume it), or one left (every
/// element left here may wait now).
pub(super) fn resume_arrived(pe: &Pe, coll: CollectionId, elem: ElemKey) {
    finish_waiting(pe, coll, elem);
}

/// What travels with an element: its load so far and whether it waits.
#[derive(serde::Serialize, serde::Deserialize)]
struct Carried {
    load_ns: u64,
    waiting: bool,
    moving: bool,
}

/// The element leaves this PE: its state goes with it.
pub(super) fn take(pe: &Pe, coll: CollectionId, elem: ElemKey) -> Option<Vec<u8>> {
    let out = with(|s| {
        let c = s.colls.get_mut(&coll)?;
        let e = c.elems.remove(&elem)?;
        if e.waiting {
            c.waiting -= 1;
            c.unreported.retain(|&k| k != elem);
        }
        Some(e)
    })?;
    if out.waiting && !out.moving {
        let meta = balancing::meta(coll);
        pe.abort(&format!(
            "element {} of {} was moved while it waited in at_sync(): between at_sync() and \
             resume_from_sync() only the load balancer moves elements",
            meta.map_or_else(|| elem.to_string(), |m| balancing::index_text(&m, elem)),
            balancing::type_name(coll)
        ));
    }
    if !out.waiting {
        // The elements left here may all be waiting now.
        messages::nudge(pe, pe.id, CHECK, coll, 0);
    }
    let bytes = crate::codec::encode_to_buf(|e| {
        e.serde(&Carried {
            load_ns: out.load_ns,
            waiting: out.waiting,
            moving: out.moving,
        })
    });
    Some(bytes.as_bytes().to_vec())
}

/// The element arrived here with the state [`take`] sent.
pub(super) fn put(pe: &Pe, coll: CollectionId, elem: ElemKey, bytes: &[u8]) {
    let mut buf = crate::codec::WireBuf::with_capacity(bytes.len());
    buf.extend_from_slice(bytes);
    let carried: Carried = crate::message::WireBody::new(buf)
        .decoder()
        .and_then(|mut d| d.serde())
        .unwrap_or_else(|e| pe.abort(&format!("malformed element move (load state): {e}")));
    with(|s| {
        let c = s.colls.entry(coll).or_default();
        c.elems.insert(
            elem,
            ElemLb {
                load_ns: carried.load_ns,
                waiting: carried.waiting,
                reported: carried.waiting,
                moving: carried.moving,
            },
        );
        if carried.waiting {
            c.waiting += 1;
        }
    });
    if carried.waiting {
        // Resumed once its arrival is complete (its `migrated()` hook ran, what waited for it
        // was delivered).
        messages::nudge(pe, pe.id, messages::RESUME, coll, elem);
    }
}

fn sorted(mut v: Vec<ElemKey>) -> Vec<ElemKey> {
    v.sort_unstable();
    v
}
