//! Failures: panics with and without a caller waiting, out-of-bounds elements, exit codes.

mod common;
use common::*;

const PANIC_FATAL: &str = env!("CARGO_BIN_EXE_panic_fatal");

/// The job ended with exit code 1 and stderr names the failing chare, index, method and PE (the
/// last PE in every mode of `panic_fatal`).
fn fatal(pes: usize, mode: &str, chare: &str, index: &str, method: &str, msg: &str) {
    let pe = pes - 1;
    let chare = format!("panic_fatal::{chare}");
    let out = run(PANIC_FATAL, pes, &[mode]);
    out.assert_code(1)
        .assert_stderr_has(&[&chare, index, method, &format!("PE {pe}"), msg]);
    // The runtime's own line, not only Rust's panic message.
    let head = format!("charm-rs: fatal error on PE {pe}");
    out.assert_stderr_has(&[&head]);
    let line = out
        .stderr
        .lines()
        .find(|l| l.starts_with(&head))
        .expect("fatal error line");
    for part in [&chare, index, method, msg] {
        assert!(line.contains(part), "{line:?} should mention {part:?}");
    }
}

/// Index `(pes - 1, 1)`: the last element of the `(pes, 2)` array, on the last PE.
fn last2(pes: usize) -> String {
    format!("({}, 1)", pes - 1)
}

pes_tests! {
    panic_sync_without_future_is_fatal => |pes: usize| {
        fatal(pes, "sync", "Worker", &last2(pes), "explode", "boom: sync");
    };
    panic_async_without_future_is_fatal => |pes: usize| {
        let index = format!("({})", pes - 1);
        fatal(pes, "async", "Waiter", &index, "explode_later", "boom: after await");
    };
    panic_in_broadcast_without_future_is_fatal => |pes: usize| {
        let msg = "boom: chosen victim";
        fatal(pes, "broadcast", "Worker", &last2(pes), "maybe_explode", msg);
    };
    panic_in_single_chare_is_fatal => |pes: usize| {
        fatal(pes, "single", "Worker", "(0)", "explode", "boom: single");
    };
    panic_in_nested_call_is_fatal => |pes: usize| {
        fatal(pes, "nested", "Worker", &last2(pes), "explode", "boom: nested");
    };
    panic_in_constructor_is_fatal => |pes: usize| {
        let out = run(PANIC_FATAL, pes, &["ctor"]);
        out.assert_code(1).assert_stderr_has(&[
            &format!("charm-rs: fatal error on PE {}", pes - 1),
            "constructor of panic_fatal::Fragile",
            &format!("element ({}, 1)", pes - 1),
            "boom: in the constructor",
        ]);
    };
    panic_with_future_goes_to_caller => |pes| {
        // The caller gets the error; nothing on stderr reads as a failure of the job (Rust's
        // panic message and backtrace note are kept for fatal panics only).
        run(env!("CARGO_BIN_EXE_panic_caught"), pes, &[])
            .assert_ok("panic_caught")
            .assert_stderr_lacks(&["panicked at", "boom", "RUST_BACKTRACE"]);
    };
}

/// `elem` out of bounds: non-zero exit, the message names the index and the shape.
fn out_of_bounds(pes: usize, mode: &str, parts: &[&str]) {
    let out = run(env!("CARGO_BIN_EXE_out_of_bounds"), pes, &[mode]);
    out.assert_failed()
        .assert_stdout_has(&["READY"])
        .assert_stdout_lacks(&["OK out_of_bounds"])
        .assert_stderr_has(&["out of bounds", "Target"])
        .assert_stderr_has(parts);
}

pes_tests! {
    out_of_bounds_1d_in_main => |pes: usize| {
        let (index, shape) = (format!("index ({})", 2 * pes), format!("shape ({})", 2 * pes));
        out_of_bounds(pes, "main1d", &[&index, &shape]);
    };
    out_of_bounds_2d_in_main => |pes: usize| {
        out_of_bounds(pes, "main2d", &["index (1, 3)", "shape (2, 3)"]);
    };
    out_of_bounds_wrong_rank => |pes: usize| {
        let shape = format!("shape ({})", 2 * pes);
        out_of_bounds(pes, "rank", &["index (0, 1)", &shape]);
    };
    out_of_bounds_group => |pes: usize| {
        let (index, shape) = (format!("index ({pes})"), format!("shape ({pes})"));
        out_of_bounds(pes, "group", &[&index, &shape]);
    };
    out_of_bounds_in_entry_method => |pes: usize| {
        // Raised inside an entry method nobody awaits: also names where it happened.
        out_of_bounds(pes, "entry", &[
            &format!("index ({})", 5 * pes),
            &format!("shape ({})", 2 * pes),
            "hit_elsewhere",
            &format!("PE {}", pes - 1),
        ]);
    };
}

pes_tests! {
    single_chare_on_missing_pe => |pes: usize| {
        let out = run(env!("CARGO_BIN_EXE_out_of_bounds"), pes, &["single_pe"]);
        out.assert_failed()
            .assert_stdout_lacks(&["OK out_of_bounds"])
            .assert_stderr_has(&[&format!("on PE {pes}"), &format!("{pes} PEs"), "Target"]);
    };
}

pes_tests! {
    exit_from_last_pe => |pes| {
        let out = run(env!("CARGO_BIN_EXE_exit_code"), pes, &["last"]);
        out.assert_code(3)
            .assert_stdout_has(&[&format!("STOPPING 3 on PE {}", pes - 1)]);
    };
    exit_from_coroutine_on_last_pe => |pes| {
        run(env!("CARGO_BIN_EXE_exit_code"), pes, &["async"]).assert_code(4);
    };
    exit_from_main => |pes| {
        run(env!("CARGO_BIN_EXE_exit_code"), pes, &["main"])
            .assert_code(5)
            .assert_stdout_has(&["EXITING"]);
    };
    main_returning_exits_zero => |pes| {
        run(env!("CARGO_BIN_EXE_exit_code"), pes, &["return"])
            .assert_code(0)
            .assert_stdout_has(&["RETURNING"]);
    };
}
