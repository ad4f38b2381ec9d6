//! Migration of array elements on 1, 2 and 4 PEs (under mpirun with the `mpi` feature): moves
//! asked for from anywhere, state and proxies that survive them, and calls, replies,
//! broadcasts, reductions, channels and `#[when]` messages that follow moving elements.

mod common;
use common::*;

const BIN: &str = env!("CARGO_BIN_EXE_migration");

pes_tests! {
    every_element_moves_to_the_next_pe => |pes| {
        run(BIN, pes, &["next_pe"]).assert_ok("migration next_pe");
    };
    elements_walk_every_pe_from_their_migrated_hook => |pes| {
        run(BIN, pes, &["walk"]).assert_ok("migration walk");
    };
    calls_follow_an_element_that_keeps_moving => |pes| {
        run(BIN, pes, &["chase"]).assert_ok("migration chase");
    };
    random_moves_under_random_calls_lose_and_duplicate_nothing => |pes| {
        run(BIN, pes, &["stress"]).assert_ok("migration stress");
    };
    broadcasts_and_reductions_count_every_element_once_while_elements_move => |pes| {
        run(BIN, pes, &["broadcasts"]).assert_ok("migration broadcasts");
    };
    an_element_with_a_waiting_coroutine_moves_when_it_ends => |pes| {
        run(BIN, pes, &["busy"]).assert_ok("migration busy");
    };
    channel_values_follow_a_moving_receiver => |pes| {
        run(BIN, pes, &["channel"]).assert_ok("migration channel");
    };
    when_messages_move_with_their_element => |pes| {
        run(BIN, pes, &["when"]).assert_ok("migration when");
    };
    moving_a_pinned_element_is_an_error => |pes| {
        run(BIN, pes, &["pinned"]).assert_code(1).assert_stderr_has(&[
            "element (1) of migration::Mover was asked to move",
            "set_migratable(false)",
        ]);
    };
    moving_a_section_member_is_an_error_naming_the_section => |pes| {
        run(BIN, pes, &["in_section"]).assert_code(1).assert_stderr_has(&[
            "element (2) of migration::Mover cannot move while it is a member of section",
        ]);
    };
    moving_to_a_pe_outside_the_job_is_an_error_at_the_caller => |pes| {
        run(BIN, pes, &["bad_pe"]).assert_code(1).assert_stderr_has(&[
            &format!("cannot move a migration::Mover element to PE {pes}: the job has {pes} PEs"),
        ]);
    };
}
