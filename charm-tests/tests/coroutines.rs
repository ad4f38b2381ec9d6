//! Async entry methods: self-calls, interleaving with other messages, awaitable completion, and
//! `yield_now` letting messages in.

mod common;
use common::*;

pes_tests! {
    async_self_call => |pes| {
        run(env!("CARGO_BIN_EXE_async_self_call"), pes, &[]).assert_ok("async_self_call");
    };
    async_interleave => |pes| {
        run(env!("CARGO_BIN_EXE_async_interleave"), pes, &[]).assert_ok("async_interleave");
    };
    async_awaitable => |pes| {
        run(env!("CARGO_BIN_EXE_async_awaitable"), pes, &[]).assert_ok("async_awaitable");
    };
}

pes_tests! {
    yield_now_lets_future_values_arrive => |pes| {
        run(env!("CARGO_BIN_EXE_yield_now"), pes, &["future"]).assert_ok("yield_now");
    };
    yield_now_lets_local_messages_run => |pes| {
        run(env!("CARGO_BIN_EXE_yield_now"), pes, &["local"]).assert_ok("yield_now");
    };
    yield_now_runs_every_message_queued_before_it => |pes| {
        run(env!("CARGO_BIN_EXE_yield_now"), pes, &["queued"]).assert_ok("yield_now");
    };
    yield_now_in_coroutine_lets_entry_methods_run => |pes| {
        run(env!("CARGO_BIN_EXE_yield_now"), pes, &["coroutine"]).assert_ok("yield_now");
    };
}
