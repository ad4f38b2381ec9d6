//! Regressions found in review, on 1, 2 and 4 PEs (under mpirun with the `mpi` feature).

mod common;
use common::*;

const BIN: &str = env!("CARGO_BIN_EXE_regressions");

pes_tests! {
    arrays_stay_with_their_messages => |pes| {
        run(BIN, pes, &["segments"]).assert_ok("regressions segments");
    };
    bursts_near_the_eager_limit_complete => |pes| {
        run(BIN, pes, &["burst"]).assert_ok("regressions burst");
    };
    a_flood_of_small_messages_to_a_busy_pe_completes => |pes| {
        run(BIN, pes, &["flood"]).assert_ok("regressions flood");
    };
    mpi_programs_may_use_the_runtime_tags => |pes| {
        run(BIN, pes, &["mpi_tags"]).assert_ok("regressions mpi_tags");
    };
    a_panicking_reducer_ends_the_job => |pes| {
        run(BIN, pes, &["reducer_panic"]).assert_code(1).assert_stderr_has(&["charm-rs: fatal error", "custom reducer exploded"]);
    };
}
