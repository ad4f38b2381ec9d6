//! Quiescence detection and the report of a job that can never continue, on 1, 2 and 4 PEs.

mod common;
use common::*;

const BIN: &str = env!("CARGO_BIN_EXE_quiescence");

pes_tests! {
    wait_qd_and_start_qd => |pes| {
        run(BIN, pes, &["wait"]).assert_ok("quiescence");
    };
    wait_qd_after_a_send_that_failed_to_encode => |pes| {
        run(BIN, pes, &["failed_send"]).assert_ok("quiescence");
    };
    wait_qd_after_gathered_results_failed_to_encode => |pes| {
        run(BIN, pes, &["failed_gather"]).assert_ok("quiescence");
    };
    idle_main_is_reported => |pes| {
        run(BIN, pes, &["hang_main"])
            .assert_code(1)
            .assert_stderr_has(&["idle and can never continue", "1 future(s)", "created at", "quiescence.rs"]);
    };
    idle_allreduce_is_reported => |pes| {
        // Seven elements await an allreduce the eighth never joins, and main awaits them.
        run(BIN, pes, &["hang_allreduce"])
            .assert_code(1)
            .assert_stderr_has(&["idle and can never continue", "8 future(s)", "quiescence.rs"]);
    };
    idle_coroutine_is_reported => |pes| {
        // The coroutine's future and main's awaitable reply: two futures.
        run(BIN, pes, &["hang_coroutine"])
            .assert_code(1)
            .assert_stderr_has(&["idle and can never continue", "2 future(s)", "quiescence.rs"]);
    };
}
