//! PE 0's part of load balancing: it gathers the reports of a collection's step until it has
//! heard of every element, runs the strategy, checks its answer, and tells each PE that
//! reported what its elements do. With `+LBDebug` it prints what the step did.

use super::messages::{self, Decision, Report, DECIDE};
use super::options;
use super::strategy::{self, max_over_avg, Builtin, Distributed, LbStats, ObjLoad};
use crate::collections::{balancing, CollectionMeta};
use crate::ids::{CollectionId, ElemKey};
use crate::scheduler::{IdMap, Pe};
use std::cell::RefCell;
use std::time::Instant;

/// One collection's step being gathered.
struct Gathering {
    meta: CollectionMeta,
    started: Instant,
    /// Elements heard of.
    count: u64,
    /// Per PE: busy and idle seconds, work of its reported elements, movable work and count.
    pes: Vec<PeSums>,
    /// Every reported element: key and load (central strategies).
    objs: Vec<(ElemKey, ObjLoad)>,
    reporters: Vec<bool>,
}

#[derive(Default, Clone, Copy)]
struct PeSums {
    busy: f64,
    idle: f64,
    load: f64,
    movable_load: f64,
    movable_count: u64,
}

#[derive(Default)]
struct Root {
    steps: IdMap<CollectionId, Gathering>,
    /// Steps completed per collection, for the debug output.
    done: IdMap<CollectionId, u32>,
    /// The strategy chosen with `set_balancer` (over the launch option).
    chosen: Option<String>,
}

thread_local! {
    static ROOT: RefCell<Root> = RefCell::new(Root::default());
}

pub(super) fn clear() {
    ROOT.with(|r| *r.borrow_mut() = Root::default());
}

/// `set_balancer` reached PE 0.
pub(super) fn choose(pe: &Pe, name: String) {
    if strategy_named(&name).is_none() {
        pe.abort(&format!(
            "set_balancer: no load-balancing strategy named {name:?} (built in: {}; or one added \
             with charm_rt::lb::add_strategy)",
            strategy::BUILTIN_NAMES.join(", ")
        ));
    }
    ROOT.with(|r| r.borrow_mut().chosen = Some(name));
}

fn strategy_named(name: &str) -> Option<Builtin> {
    strategy::builtin_with(name, options::get().tolerance)
        .or_else(|| super::added(name).map(Builtin::Central))
}

/// A PE's report arrived.
pub(super) fn reported(pe: &Pe, from: usize, r: Report) {
    let coll = r.meta.id;
    let complete = ROOT.with(|root| {
        let mut root = root.borrow_mut();
        let g = root.steps.entry(coll).or_insert_with(|| Gathering {
            meta: r.meta,
            started: Instant::now(),
            count: 0,
            pes: vec![PeSums::default(); pe.num_pes],
            objs: Vec::new(),
            reporters: vec![false; pe.num_pes],
        });
        g.count += r.count;
        let p = &mut g.pes[from];
        p.busy += r.busy;
        p.idle += r.idle;
        p.load += r.load;
        p.movable_load += r.movable_load;
        p.movable_count += r.movable_count;
        g.reporters[from] = true;
        g.objs
            .extend(r.objs.into_iter().map(|(k, load, migratable)| {
                (
                    k,
                    ObjLoad {
                        pe: from as u32,
                        load,
                        migratable,
                    },
                )
            }));
        g.count >= balancing::size_on_pe0(&g.meta)
    });
    if complete {
        let g = ROOT.with(|root| root.borrow_mut().steps.remove(&coll).expect("gathering"));
        decide(pe, g);
    }
}

fn decide(pe: &Pe, mut g: Gathering) {
    let opts = options::get();
    let name = ROOT
        .with(|r| r.borrow().chosen.clone())
        .or(opts.balancer.clone())
        .unwrap_or_else(|| "GreedyRefine".into());
    let Some(mut strategy) = strategy_named(&name) else {
        pe.abort(&format!(
            "+balancer: no load-balancing strategy named {name:?} (built in: {}; or one added \
             with charm_rt::lb::add_strategy)",
            strategy::BUILTIN_NAMES.join(", ")
        ));
    };
    if matches!(strategy, Builtin::Central(_)) && (g.objs.len() as u64) < g.count {
        // Some PE reported totals only (it switched to `Distributed` with `set_balancer` before
        // this PE did): balance this step from the totals.
        strategy = Builtin::Distributed(Distributed {
            tolerance: opts.tolerance.unwrap_or(Distributed::default().tolerance),
        });
    }
    let gathered = g.started.elapsed();
    let pes = pe.num_pes;
    // Background: what a PE was busy with beyond its reported elements.
    let background: Vec<f64> = g.pes.iter().map(|p| (p.busy - p.load).max(0.0)).collect();
    let t = Instant::now();
    let background_for_debug = background.clone();
    let (decisions, moved, before, after, strategy_name) = match strategy {
        Builtin::Central(s) => {
            // The same input in the same order on every run.
            g.objs.sort_unstable_by_key(|(k, _)| *k);
            let stats = LbStats {
                background,
                idle: g.pes.iter().map(|p| p.idle).collect(),
                objs: g.objs.iter().map(|(_, o)| *o).collect(),
                comm: Vec::new(),
            };
            let assignment = s.assign(&stats);
            if let Err(why) = strategy::check_assignment(&stats, &assignment) {
                pe.abort(&format!(
                    "the load-balancing strategy {} gave an unusable answer: {why}",
                    s.name()
                ));
            }
            let mut per_pe: Vec<Vec<(ElemKey, u32)>> = vec![Vec::new(); pes];
            let mut moved = 0;
            for ((k, o), &to) in g.objs.iter().zip(&assignment) {
                if to != o.pe {
                    per_pe[o.pe as usize].push((*k, to));
                    moved += 1;
                }
            }
            let before = max_over_avg(&stats.current_loads());
            let after = max_over_avg(&stats.pe_loads(&assignment));
            let decisions: Vec<Decision> = per_pe.into_iter().map(Decision::Moves).collect();
            (
                decisions,
                Some(moved),
                before,
                Some(after),
                s.name().to_string(),
            )
        }
        Builtin::Distributed(d) => {
            let loads: Vec<f64> = g
                .pes
                .iter()
                .zip(&background)
                .map(|(p, b)| p.load + b)
                .collect();
            let grains: Vec<f64> = g
                .pes
                .iter()
                .map(|p| {
                    if p.movable_count == 0 {
                        0.0
                    } else {
                        p.movable_load / p.movable_count as f64
                    }
                })
                .collect();
            let plan = d.plan(&loads, &grains);
            let before = max_over_avg(&loads);
            let decisions: Vec<Decision> = plan.into_iter().map(Decision::Transfers).collect();
            (decisions, None, before, None, d.name().to_string())
        }
    };
    let took = t.elapsed();
    for (p, d) in decisions.into_iter().enumerate() {
        if g.reporters[p] {
            messages::send(pe, p, DECIDE, g.meta.id, &d);
        }
    }
    let step = ROOT.with(|r| {
        let mut r = r.borrow_mut();
        let n = r.done.entry(g.meta.id).or_default();
        *n += 1;
        *n
    });
    if opts.debug {
        let ms = |v: f64| v * 1e3;
        let bg_max = background_for_debug.iter().cloned().fold(0.0, f64::max);
        let idle: f64 = g.pes.iter().map(|p| p.idle).sum::<f64>() / pes as f64;
        let work: f64 = g.pes.iter().map(|p| p.load).sum();
        let moved = moved.map_or("picked on each PE".to_string(), |m| {
            format!("{m} migrations")
        });
        let after = after.map_or(String::new(), |a| format!(" -> {a:.3} predicted"));
        println!(
            "[charm-rs LB] {} step {step}: {} objects on {pes} PEs, {moved}; max/avg load {before:.3}{after}; \
             {strategy_name} took {:.3} ms (gathering {:.3} ms); objects' work {:.1} ms, \
             background up to {:.1} ms per PE, idle {:.1} ms per PE",
            balancing::type_name(g.meta.id),
            g.count,
            took.as_secs_f64() * 1e3,
            gathered.as_secs_f64() * 1e3,
            ms(work),
            ms(bg_max),
            ms(idle)
        );
    }
}
