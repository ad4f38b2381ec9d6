//! A program built with `panic = "abort"`: nothing can catch a panic, so every panic ends the job
//! at once, and the panic hook still names the chare, the element, the method and the PE.
//!
//! These tests run `panic_fatal` built with the workspace's `panic-abort` profile, which plain
//! `cargo test` does not build; `.ci/run` builds it and runs them with `--ignored`:
//! `cargo build -p charm-tests --profile panic-abort --bin panic_fatal`, then
//! `cargo test -p charm-tests --test panic_abort -- --ignored`.

mod common;
use common::*;
use std::path::PathBuf;

/// `panic_fatal` from the `panic-abort` profile, next to the test profile's own build.
fn abort_build() -> String {
    let test_build = PathBuf::from(env!("CARGO_BIN_EXE_panic_fatal"));
    let name = test_build.file_name().expect("binary name").to_owned();
    let target = test_build
        .parent()
        .and_then(|p| p.parent())
        .expect("target dir");
    let bin = target.join("panic-abort").join(name);
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p charm-tests --profile panic-abort --bin panic_fatal{}` first",
        bin.display(),
        if cfg!(feature = "mpi") { " --features mpi" } else { "" }
    );
    bin.to_string_lossy().into_owned()
}

/// The job failed (aborted: killed by SIGABRT, or `mpirun`'s non-zero code for it), and the
/// runtime's line on stderr names what panicked.
fn aborted(pes: usize, mode: &str, parts: &[&str]) {
    let out = run(&abort_build(), pes, &[mode]);
    assert_ne!(out.code, Some(0), "the job must fail\n{out:?}");
    let head = format!("charm-rs: fatal error on PE {}", pes - 1);
    let line = out
        .stderr
        .lines()
        .find(|l| l.starts_with(&head))
        .unwrap_or_else(|| panic!("no line starting with {head:?}\n{out:?}"));
    for part in parts.iter().chain(&["panic = \"abort\""]) {
        assert!(line.contains(part), "{line:?} should mention {part:?}");
    }
    out.assert_stdout_lacks(&["caught:"]);
}

fn last2(pes: usize) -> String {
    format!("({}, 1)", pes - 1)
}

pes_tests! {
    #[ignore = "needs the panic-abort build of panic_fatal (see the top of this file)"]
    entry_method => |pes: usize| {
        let idx = last2(pes);
        aborted(pes, "sync", &["entry method panic_fatal::Worker::explode", &idx, "boom: sync"]);
    };
    #[ignore = "needs the panic-abort build of panic_fatal (see the top of this file)"]
    async_entry_method_after_await => |pes: usize| {
        let idx = format!("({})", pes - 1);
        let parts = ["entry method panic_fatal::Waiter::explode_later", &idx, "boom: after await"];
        aborted(pes, "async", &parts);
    };
    #[ignore = "needs the panic-abort build of panic_fatal (see the top of this file)"]
    constructor => |pes: usize| {
        let idx = last2(pes);
        aborted(pes, "ctor", &["constructor of panic_fatal::Fragile", &idx, "boom: in the constructor"]);
    };
    #[ignore = "needs the panic-abort build of panic_fatal (see the top of this file)"]
    awaited_call_is_fatal_too => |pes: usize| {
        let idx = last2(pes);
        aborted(pes, "awaited", &["entry method panic_fatal::Worker::explode", &idx, "boom: awaited"]);
    };
}
