//! Measurement-based load balancing, Charm++'s AtSync model: the elements of an array of a
//! `#[chare(at_sync)]` chare call `at_sync()` at a point where they may move; once all have, PE 0
//! runs a [`Strategy`] on what the runtime measured (the time each element spent in its entry
//! methods, each PE's other work), the elements it chose move, and every element's
//! `resume_from_sync` hook runs on the PE where it now is. Without a balancer (`+balancer`) the
//! hook runs as soon as all of a PE's elements have called `at_sync()`, and nothing moves.
//!
//! Pieces: [`strategy`] (pure functions, tested apart), `local` (each PE: loads, waiting
//! elements, reports, decisions), `root` (PE 0: gathering and deciding), `messages`.
//! See `docs/load-balancing.md`.

mod local;
mod messages;
mod options;
mod root;
pub mod strategy;

pub use options::LoadTimer;
pub use strategy::{CommEdge, Distributed, LbStats, ObjLoad, Strategy};

pub(crate) use options::{set as configure, Options};

use crate::ids::CollectionId;
use crate::location::Carrier;
use crate::message::Envelope;
use crate::scheduler::{with_pe, Handler, Pe, Services};
use std::sync::{Arc, Mutex};

/// `at_sync()` of a `#[chare(at_sync)]` element (what the generated method calls).
#[track_caller]
pub fn at_sync(type_name: &'static str) {
    with_pe(|pe| {
        let ctx = pe.current.get().unwrap_or_else(|| {
            panic!(
                "charm-rs: at_sync() is called by an element, from its entry methods or coroutines"
            )
        });
        local::at_sync(pe, ctx, type_name)
    })
}

/// Uses the strategy named `name` for the next load-balancing steps: a built-in one
/// (`GreedyRefine`, `Greedy`, `Refine`, `Rotate`, `Dummy`, `Distributed`; Charm++'s names
/// ending in `LB` work too) or one added with [`add_strategy`]. Balancing itself is chosen at
/// launch (`+balancer NAME` or [`Config::balancer`](crate::Config::balancer)): in a job started
/// without a balancer this panics, since elements there resume without waiting for PE 0.
#[track_caller]
pub fn set_balancer(name: &str) {
    assert!(
        options::get().balancer.is_some(),
        "charm-rs: set_balancer({name:?}) in a job started without load balancing; start it with \
         +balancer NAME (or Config::balancer) to balance"
    );
    with_pe(|pe| {
        for p in 0..pe.num_pes {
            messages::send(pe, p, messages::SET, CollectionId(0), &name.to_string());
        }
    })
}

/// The strategy the job was started with (`+balancer NAME` or `Config::balancer`), if any.
pub fn balancer() -> Option<String> {
    options::get().balancer.clone()
}

type Factory = Arc<dyn Fn() -> Box<dyn Strategy> + Send + Sync>;

static ADDED: Mutex<Vec<(String, Factory)>> = Mutex::new(Vec::new());

/// Adds a strategy of your own under `name`, for `+balancer NAME` and [`set_balancer`]. Call it
/// before the job starts (under `mpirun`, in every process: the strategy runs on PE 0, and every
/// process reads the launch options).
pub fn add_strategy(name: &str, make: impl Fn() -> Box<dyn Strategy> + Send + Sync + 'static) {
    let mut added = ADDED.lock().unwrap_or_else(|e| e.into_inner());
    added.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    added.push((name.to_string(), Arc::new(make)));
}

/// A strategy added with [`add_strategy`].
pub(crate) fn added(name: &str) -> Option<Box<dyn Strategy>> {
    let added = ADDED.lock().unwrap_or_else(|e| e.into_inner());
    added
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, f)| f())
}

/// Whether a name is a strategy this process knows.
pub(crate) fn known_strategy(name: &str) -> bool {
    strategy::builtin(name).is_some() || added(name).is_some()
}

fn arrived(pe: &Pe, env: Envelope) {
    let (coll, elem) = pe.address(&env);
    let coll = CollectionId(coll);
    match env.dest.entry {
        messages::REPORT => {
            let from = pe.source();
            let r: messages::Report = messages::decode(pe, env);
            root::reported(pe, from, r)
        }
        messages::DECIDE => {
            let d: messages::Decision = messages::decode(pe, env);
            local::decided(pe, coll, d)
        }
        messages::RESUME => local::resume_arrived(pe, coll, elem),
        messages::CHECK => local::check_ready(pe, coll),
        messages::SET => {
            let name: String = messages::decode(pe, env);
            local::choose(&name);
            if pe.id == 0 {
                root::choose(pe, name)
            }
        }
        other => pe.abort(&format!("malformed load-balancer message: kind {other}")),
    }
}

pub(crate) fn register(s: &mut Services) {
    s.handle(messages::LB, Handler::new("load balancing", arrived));
    s.hooks.element_ran = local::element_ran;
    s.hooks.start.push(|pe| {
        let opts = options::get();
        pe.load.set_kind(opts.clock());
        local::init(pe, opts);
        root::clear();
    });
    s.hooks.shutdown.push(|_| {
        local::clear();
        root::clear();
    });
}

/// The load balancer's state about an element travels with it.
pub(crate) fn carrier() -> Carrier {
    Carrier {
        take: local::take,
        put: local::put,
    }
}
