//! Global values on 1, 2 and 4 PEs.

mod common;
use common::*;

const BIN: &str = env!("CARGO_BIN_EXE_globals");

pes_tests! {
    globals => |pes| {
        run(BIN, pes, &[]).assert_ok("globals");
    };
    wrong_type_is_an_error => |pes| {
        run(BIN, pes, &["wrong_type"]).assert_code(1).assert_stderr_has(&["global `weights` was set as alloc::vec::Vec<f64> and cannot be read as alloc::vec::Vec<u64>", "misread"]);
    };
}
