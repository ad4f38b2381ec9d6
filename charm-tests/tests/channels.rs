//! Channels on 1, 2 and 4 PEs.

mod common;
use common::*;

const BIN: &str = env!("CARGO_BIN_EXE_channels");

pes_tests! {
    channels => |pes| {
        run(BIN, pes, &[]).assert_ok("channels");
    };
}
