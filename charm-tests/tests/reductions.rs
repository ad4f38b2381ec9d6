//! Reductions, gather, nop, custom reducers, allreduce and barrier on 1, 2 and 4 PEs.

mod common;
use common::*;

const BIN: &str = env!("CARGO_BIN_EXE_reductions");

pes_tests! {
    reductions => |pes| {
        run(BIN, pes, &[]).assert_ok("reductions");
    };
}
