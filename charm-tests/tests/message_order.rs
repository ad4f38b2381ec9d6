//! Point-to-point messages between two PEs keep their order, on every path a layer takes
//! (1, 2 and 4 PEs; under mpirun with the `mpi` feature).

mod common;
use common::*;

const BIN: &str = env!("CARGO_BIN_EXE_message_order");

pes_tests! {
    calls_between_every_pair_of_pes_keep_their_order => |pes| {
        run(BIN, pes, &["pairs"]).assert_ok("message_order pairs");
    };
    values_to_a_future_keep_their_order_per_sender => |pes| {
        run(BIN, pes, &["futures"]).assert_ok("message_order futures");
    };
    calls_that_arrive_before_their_array_keep_their_order => |pes| {
        run(BIN, pes, &["before_creation"]).assert_ok("message_order before_creation");
    };
}
