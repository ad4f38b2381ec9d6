//! AtSync load balancing on 1, 2 and 4 PEs (under mpirun with the `mpi` feature): every
//! element resumes once per step on the PE where it now is, state survives, pinned elements
//! stay, and each strategy's moves are the ones it chose.

mod common;
use common::*;

const BIN: &str = env!("CARGO_BIN_EXE_load_balancing");

fn steps(pes: usize, balancer: &str) {
    let mut args = vec![];
    if !balancer.is_empty() {
        args.extend(["+balancer", balancer]);
    }
    args.extend(["steps", balancer]);
    run(BIN, pes, &args).assert_ok(format!("load_balancing steps {balancer}").trim_end());
}

pes_tests! {
    without_a_balancer_every_element_resumes_where_it_is => |pes| steps(pes, "");
    dummy_gathers_and_moves_nothing => |pes| steps(pes, "Dummy");
    rotate_moves_every_migratable_element_each_step => |pes| steps(pes, "Rotate");
    greedy_refine_balances_and_keeps_pinned_elements => |pes| steps(pes, "GreedyRefine");
    greedy_balances => |pes| steps(pes, "Greedy");
    refine_balances => |pes| steps(pes, "Refine");
    distributed_picks_elements_on_each_pe => |pes| steps(pes, "Distributed");
    charm_names_are_accepted => |pes| {
        run(BIN, pes, &["+balancer", "GreedyRefineLB", "steps", "GreedyRefineLB"])
            .assert_ok("load_balancing steps GreedyRefineLB");
    };
    set_balancer_switches_the_strategy_between_steps => |pes| {
        run(BIN, pes, &["+balancer", "Dummy", "switch", "Dummy"])
            .assert_ok("load_balancing switch Dummy");
    };
    a_strategy_added_by_the_program_is_used => |pes| {
        run(BIN, pes, &["+balancer", "AllToLast", "custom", "AllToLast"])
            .assert_ok("load_balancing custom AllToLast");
    };
    a_strategy_that_moves_a_pinned_element_is_named_in_the_error => |pes| {
        let out = run(BIN, pes, &["+balancer", "MovesPinned", "bad_strategy", "MovesPinned"]);
        if pes == 1 {
            out.assert_ok("load_balancing bad_strategy MovesPinned");
        } else {
            out.assert_code(1).assert_stderr_has(&[
                "the load-balancing strategy MovesPinned gave an unusable answer",
                "which is not migratable",
            ]);
        }
    };
    moving_an_element_by_hand_while_it_waits_is_an_error => |pes| {
        let out = run(BIN, pes, &["+balancer", "GreedyRefine", "moved_while_waiting"]);
        if pes == 1 {
            out.assert_ok("load_balancing moved_while_waiting");
        } else {
            out.assert_code(1).assert_stderr_has(&[
                "element (1) of load_balancing::Worker was moved while it waited in at_sync()",
            ]);
        }
    };
    calling_at_sync_twice_in_a_step_is_an_error_naming_the_chare => |pes| {
        run(BIN, pes, &["twice"]).assert_code(1).assert_stderr_has(&[
            "load_balancing::Worker::work",
            "called at_sync() twice in one step",
        ]);
    };
    a_panic_in_resume_from_sync_names_the_chare_the_element_and_the_pe => |pes| {
        run(BIN, pes, &["+balancer", "GreedyRefine", "resume_panics"])
            .assert_code(1)
            .assert_stderr_has(&[
                "load_balancing::Worker::resume_from_sync panicked for element (1) on PE",
                "resume failed on purpose",
            ]);
    };
    lb_debug_prints_each_step => |pes| {
        run(BIN, pes, &["+balancer", "GreedyRefine", "+LBDebug", "1", "steps", "GreedyRefine"])
            .assert_ok("load_balancing steps GreedyRefine")
            .assert_stdout_has(&["[charm-rs LB] load_balancing::Worker step 4:", "max/avg load"]);
    };
}

#[test]
fn an_unknown_balancer_is_refused_at_start() {
    run(BIN, 2, &["+balancer", "Nope", "steps"])
        .assert_code(2)
        .assert_stderr_has(&["no load-balancing strategy named \"Nope\"", "GreedyRefine"]);
}
