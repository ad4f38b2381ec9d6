//! Futures sent to other PEs, MultiFuture, wait_all, WaitAny, and resolving a future twice.

mod common;
use common::*;

pes_tests! {
    future_remote => |pes| {
        run(env!("CARGO_BIN_EXE_future_remote"), pes, &[]).assert_ok("future_remote");
    };
    multi_future => |pes| {
        run(env!("CARGO_BIN_EXE_multi_future"), pes, &[]).assert_ok("multi_future");
    };
    wait_all => |pes| {
        run(env!("CARGO_BIN_EXE_wait_all"), pes, &[]).assert_ok("wait_all");
    };
    wait_any => |pes| {
        run(env!("CARGO_BIN_EXE_wait_any"), pes, &[]).assert_ok("wait_any");
    };
}

/// Runs `future_double <mode>` and checks the job died naming the future it printed.
fn double(pes: usize, mode: &str, owner_pe: usize) {
    let out = run(env!("CARGO_BIN_EXE_future_double"), pes, &[mode]);
    out.assert_code(1);
    let future = out.value("FUTURE");
    assert!(
        future.starts_with(&format!("future {owner_pe}:")),
        "{future} belongs to PE {owner_pe}"
    );
    out.assert_stderr_has(&[
        &format!("fatal error on PE {owner_pe}"),
        &future,
        "future_double.rs",
    ]);
    assert!(
        !out.stdout.contains("OK "),
        "the job must not complete normally"
    );
}

pes_tests! {
    future_resolved_twice_remote => |pes| double(pes, "remote", 0);
    future_resolved_twice_burst => |pes| double(pes, "burst", 0);
    future_resolved_twice_local => |pes| double(pes, "local", 0);
    multi_future_overfilled => |pes| double(pes, "multi", 0);
    future_resolved_twice_on_chare_pe => |pes| double(pes, "chare", pes - 1);
}

/// Awaiting a future on another PE than its creator's is fatal (needs 2 PEs or more).
fn awaited_elsewhere(pes: usize) {
    let out = run(env!("CARGO_BIN_EXE_future_wrong_pe"), pes, &[]);
    out.assert_code(1);
    let future = out.value("FUTURE");
    out.assert_stderr_has(&[
        &future,
        "created on PE 0",
        &format!("not on PE {}", pes - 1),
    ]);
}

#[test]
fn future_awaited_on_another_pe_pes2() {
    awaited_elsewhere(2)
}

#[test]
fn future_awaited_on_another_pe_pes4() {
    awaited_elsewhere(4)
}

pes_tests! {
    future_awaited_twice => |pes| double(pes, "await_twice", 0);
    dropped_replies => |pes| {
        run(env!("CARGO_BIN_EXE_dropped_replies"), pes, &[]).assert_ok("dropped_replies");
    };
}
