//! Arguments and return values: bulk numeric data, strings and serde types, up to 1 MiB.

mod common;
use common::*;

pes_tests! {
    bulk_args => |pes| {
        run(env!("CARGO_BIN_EXE_bulk_args"), pes, &[]).assert_ok("bulk_args");
    };
}
