//! Conditional delivery (`#[when]`) and `wait_until` on 1, 2 and 4 PEs.

mod common;
use common::*;

const BIN: &str = env!("CARGO_BIN_EXE_when");

pes_tests! {
    when => |pes| {
        run(BIN, pes, &[]).assert_ok("when");
    };
}
