use super::Strategy;
use super::*;
use proptest::prelude::{prop_assert, prop_assert_eq, proptest, Strategy as _};

fn obj(pe: u32, load: f64) -> ObjLoad {
    ObjLoad {
        pe,
        load,
        migratable: true,
    }
}

fn stats(pes: usize, objs: Vec<ObjLoad>) -> LbStats {
    LbStats {
        background: vec![0.0; pes],
        idle: vec![0.0; pes],
        objs,
        comm: Vec::new(),
    }
}

fn all_central() -> Vec<Box<dyn Strategy>> {
    vec![
        Box::new(Greedy),
        Box::new(GreedyRefine::default()),
        Box::new(Refine::default()),
        Box::new(Rotate),
        Box::new(Dummy),
        Box::new(DistributedAsStrategy),
    ]
}

/// The distributed strategy run in one place, checked like the others.
struct DistributedAsStrategy;

impl Strategy for DistributedAsStrategy {
    fn name(&self) -> &str {
        "Distributed"
    }
    fn assign(&self, stats: &LbStats) -> Vec<u32> {
        Distributed::default().assign(stats)
    }
}

#[test]
fn pe_min_finds_the_lightest_pe_through_updates() {
    let mut m = pe_min::PeMin::new(vec![3.0, 1.0, 2.0, 1.0, 5.0]);
    assert_eq!(m.min(), 1, "ties go to the lower PE");
    m.add(1, 1.5);
    assert_eq!(m.min(), 3);
    m.add(3, 10.0);
    assert_eq!(m.min(), 2);
    m.add(4, -5.0);
    assert_eq!(m.min(), 4);
    let one = pe_min::PeMin::new(vec![7.0]);
    assert_eq!(one.min(), 0);
}

#[test]
fn objects_are_ordered_heaviest_first_with_ties_by_index() {
    let loads = [1.0, 5.0, 0.0, 5.0, 2.5, 1e-300, 7.0, 5.000000000001];
    let s = stats(1, loads.iter().map(|&l| obj(0, l)).collect());
    // Loads within a part in a million of each other count as equal (then by index).
    assert_eq!(s.movable_heaviest_first(), vec![6, 1, 3, 7, 4, 0, 5, 2]);
}

#[test]
fn greedy_puts_the_heaviest_objects_on_the_lightest_pes() {
    // All on PE 0: 4, 3, 2, 1 on 2 PEs -> {4, 1} and {3, 2}.
    let s = stats(2, vec![obj(0, 4.0), obj(0, 3.0), obj(0, 2.0), obj(0, 1.0)]);
    let a = Greedy.assign(&s);
    assert_eq!(a, vec![0, 1, 1, 0]);
    assert_eq!(s.pe_loads(&a), vec![5.0, 5.0]);
}

#[test]
fn greedy_counts_background_and_fixed_objects() {
    let mut s = stats(2, vec![obj(0, 1.0), obj(0, 1.0)]);
    s.background = vec![0.0, 3.0];
    s.objs.push(ObjLoad {
        pe: 0,
        load: 1.0,
        migratable: false,
    });
    let a = Greedy.assign(&s);
    assert_eq!(a[2], 0, "a fixed object stays");
    assert_eq!(s.pe_loads(&a), vec![3.0, 3.0]);
}

#[test]
fn greedy_refine_keeps_objects_that_fit_where_they_are() {
    // Already balanced: nothing moves.
    let s = stats(2, vec![obj(0, 2.0), obj(1, 2.0), obj(0, 1.0), obj(1, 1.0)]);
    assert_eq!(GreedyRefine::default().assign(&s), vec![0, 1, 0, 1]);
    // One PE twice as busy: one object of the right size moves, not all of them.
    let s = stats(
        2,
        vec![
            obj(0, 2.0),
            obj(0, 2.0),
            obj(1, 2.0),
            obj(0, 1.0),
            obj(1, 1.0),
        ],
    );
    let a = GreedyRefine::default().assign(&s);
    let moved = a.iter().zip(&s.objs).filter(|(&p, o)| p != o.pe).count();
    assert_eq!(
        max_over_avg(&s.pe_loads(&a)),
        max_over_avg(&s.pe_loads(&Greedy.assign(&s)))
    );
    assert!(moved <= 1, "moved {moved}: {a:?}");
}

#[test]
fn refine_moves_few_objects_off_overloaded_pes() {
    let s = stats(
        3,
        vec![
            obj(0, 3.0),
            obj(0, 3.0),
            obj(0, 3.0),
            obj(1, 3.0),
            obj(2, 0.5),
        ],
    );
    let a = Refine::default().assign(&s);
    let loads = s.pe_loads(&a);
    assert!(loads.iter().all(|&l| l <= 6.0), "{loads:?}");
    let moved = a.iter().zip(&s.objs).filter(|(&p, o)| p != o.pe).count();
    assert_eq!(moved, 1, "{a:?}");
}

#[test]
fn rotate_moves_every_migratable_object_to_the_next_pe() {
    let mut s = stats(3, vec![obj(0, 1.0), obj(2, 1.0)]);
    s.objs.push(ObjLoad {
        pe: 1,
        load: 1.0,
        migratable: false,
    });
    assert_eq!(Rotate.assign(&s), vec![1, 0, 1]);
    assert_eq!(Dummy.assign(&s), vec![0, 2, 1]);
}

#[test]
fn distributed_plans_from_totals_and_sheds_to_the_average() {
    let d = Distributed { tolerance: 1.0 };
    let plan = d.plan(&[10.0, 2.0, 0.0, 4.0], &[1.0; 4]);
    // Average 4: PE 0 sheds 6 -> 4 to PE 2, 2 to PE 1.
    assert_eq!(
        plan[0],
        vec![
            distributed::Transfer { to: 2, amount: 4.0 },
            distributed::Transfer { to: 1, amount: 2.0 }
        ]
    );
    assert!(plan[1..].iter().all(Vec::is_empty));
    let objs: Vec<(u32, ObjLoad)> = (0..10).map(|i| (i, obj(0, 1.0))).collect();
    let moves = d.pick(&objs, &plan[0]);
    assert_eq!(moves.iter().filter(|m| m.1 == 2).count(), 4);
    assert_eq!(moves.iter().filter(|m| m.1 == 1).count(), 2);
    assert!(
        d.plan(&[5.0], &[1.0]).iter().all(Vec::is_empty),
        "one PE: nothing to do"
    );
    // Objects larger than every gap: one each to the emptiest PEs rather than none.
    let plan = d.plan(
        &[40.0, 9.0, 9.0, 9.0, 9.0, 9.0],
        &[10.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    );
    let amounts: Vec<f64> = plan[0].iter().map(|t| t.amount).collect();
    assert_eq!(amounts.len(), 3, "{plan:?}");
    assert_eq!(&amounts[..2], &[10.0, 10.0], "{plan:?}");
    assert!(
        (amounts.iter().sum::<f64>() - (40.0 - 85.0 / 6.0)).abs() < 1e-9,
        "{plan:?}"
    );
}

#[test]
fn builtin_names_include_charm_spellings() {
    for n in [
        "GreedyRefineLB",
        "greedyrefine",
        "GreedyLB",
        "RefineLB",
        "RotateLB",
        "DummyLB",
        "Distributed",
    ] {
        assert!(builtin(n).is_some(), "{n}");
    }
    assert!(builtin("Metis").is_none());
    for n in BUILTIN_NAMES {
        assert!(builtin(n).is_some(), "{n}");
    }
}

#[test]
fn check_assignment_names_what_is_wrong() {
    let mut s = stats(2, vec![obj(0, 1.0)]);
    s.objs.push(ObjLoad {
        pe: 1,
        load: 1.0,
        migratable: false,
    });
    assert!(check_assignment(&s, &[1, 1]).is_ok());
    assert!(check_assignment(&s, &[1])
        .unwrap_err()
        .contains("placed 1 objects"));
    assert!(check_assignment(&s, &[2, 1]).unwrap_err().contains("PE 2"));
    assert!(check_assignment(&s, &[0, 0])
        .unwrap_err()
        .contains("not migratable"));
}

fn arb_stats() -> impl proptest::strategy::Strategy<Value = LbStats> {
    (1usize..9).prop_flat_map(|pes| {
        let obj = (0..pes as u32, 0.0f64..100.0, proptest::bool::weighted(0.85)).prop_map(
            |(pe, load, migratable)| ObjLoad {
                pe,
                load,
                migratable,
            },
        );
        (
            proptest::collection::vec(obj, 0..60),
            proptest::collection::vec(0.0f64..20.0, pes),
        )
            .prop_map(move |(objs, background)| LbStats {
                idle: vec![0.0; background.len()],
                background,
                objs,
                comm: Vec::new(),
            })
    })
}

proptest! {
    #[test]
    fn every_strategy_places_each_object_once_on_a_real_pe_and_never_moves_fixed_ones(s in arb_stats()) {
        for strategy in all_central() {
            let a = strategy.assign(&s);
            prop_assert!(check_assignment(&s, &a).is_ok(), "{}: {:?}", strategy.name(), check_assignment(&s, &a));
        }
    }

    #[test]
    fn strategies_are_deterministic(s in arb_stats()) {
        for strategy in all_central() {
            prop_assert_eq!(strategy.assign(&s), strategy.assign(&s.clone()), "{}", strategy.name());
        }
    }

    #[test]
    fn refining_strategies_never_make_the_busiest_pe_busier(s in arb_stats()) {
        let before = s.current_loads().into_iter().fold(0.0, f64::max);
        for strategy in [&GreedyRefine::default() as &dyn Strategy, &Refine::default()] {
            let after = s.pe_loads(&strategy.assign(&s)).into_iter().fold(0.0, f64::max);
            prop_assert!(after <= before * (1.0 + 1e-9) + 1e-9, "{}: {} -> {}", strategy.name(), before, after);
        }
    }

    #[test]
    fn greedy_and_greedy_refine_meet_the_list_scheduling_bound(s in arb_stats()) {
        // An object that moves goes to the least-loaded PE, which is at most the average: no
        // PE ends above the average plus the heaviest object, unless its fixed load alone is
        // higher (GreedyRefine keeps objects only under Greedy's own busiest load).
        let total: f64 = s.current_loads().iter().sum();
        let heaviest = s.objs.iter().filter(|o| o.migratable).map(|o| o.load).fold(0.0, f64::max);
        let fixed = s.fixed_loads().into_iter().fold(0.0, f64::max);
        let bound = fixed.max(total / s.num_pes() as f64 + heaviest);
        for strategy in [&Greedy as &dyn Strategy, &GreedyRefine::default()] {
            let after = s.pe_loads(&strategy.assign(&s)).into_iter().fold(0.0, f64::max);
            prop_assert!(after <= bound * (1.0 + 1e-9) + 1e-9, "{}: {} > {}", strategy.name(), after, bound);
        }
    }
}
