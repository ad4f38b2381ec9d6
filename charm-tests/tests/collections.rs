//! Groups, arrays of 1 to 6 dimensions, single chares, proxies in messages, remote creation.

mod common;
use common::*;

pes_tests! {
    group_basic => |pes| {
        run(env!("CARGO_BIN_EXE_group_basic"), pes, &[]).assert_ok("group_basic");
    };
}

pes_tests! {
    array_dims => |pes| {
        run(env!("CARGO_BIN_EXE_array_dims"), pes, &[]).assert_ok("array_dims");
    };
}

pes_tests! {
    single_chares => |pes| {
        run(env!("CARGO_BIN_EXE_single_chares"), pes, &[]).assert_ok("single_chares");
    };
    proxies_in_messages => |pes| {
        run(env!("CARGO_BIN_EXE_proxies_in_messages"), pes, &[]).assert_ok("proxies_in_messages");
    };
    create_remote => |pes| {
        run(env!("CARGO_BIN_EXE_create_remote"), pes, &[]).assert_ok("create_remote");
    };
}
