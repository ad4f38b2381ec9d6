//! Startup options (`+pN`, `+p N`, `CHARM_PES`, `++quiet`, `CHARM_QUIET`), the banner, program
//! arguments, exit status of a normal run, and the harness's own hang detection.

mod common;
use common::*;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_startup_info");
const BANNER: &str = "Charm-rs> charm-rs";

fn pes_of(l: &Launch<'_>) -> usize {
    let out = launch(BIN, l);
    out.assert_ok("startup_info");
    out.value("PES").parse().expect("a number")
}

pes_tests! {
    plus_p_gives_that_many_pes => |pes: usize| {
        let out = run(BIN, pes, &[]);
        out.assert_ok("startup_info");
        assert_eq!(out.value("PES"), pes.to_string());
    };
    main_returning_exits_zero_with_quiet_output => |pes| {
        let out = run(BIN, pes, &[]);
        out.assert_code(0).assert_stdout_lacks(&["Charm-rs>"]);
        assert!(out.stderr.trim().is_empty(), "nothing on stderr: {}", out.stderr);
    };
    banner_without_quiet => |pes: usize| {
        let out = launch(BIN, &Launch { pes: Pes::Joined(pes), quiet: false, ..Launch::default() });
        out.assert_ok("startup_info").assert_stdout_has(&[BANNER, &format!("{pes} PE")]);
        let first = out.stdout.lines().next().unwrap_or("");
        assert!(first.starts_with(BANNER), "the banner comes first: {first:?}");
        assert_eq!(out.stdout.matches(BANNER).count(), 1, "printed once, by PE 0");
    };
    banner_absent_with_quiet => |pes| {
        run(BIN, pes, &[]).assert_ok("startup_info").assert_stdout_lacks(&["Charm-rs>"]);
    };
    banner_absent_with_charm_quiet_env => |pes: usize| {
        let out = launch(BIN, &Launch {
            pes: Pes::Joined(pes),
            quiet: false,
            env: &[("CHARM_QUIET", "1")],
            ..Launch::default()
        });
        out.assert_ok("startup_info").assert_stdout_lacks(&["Charm-rs>"]);
    };
    program_arguments_pass_through => |pes| {
        let out = run(BIN, pes, &["alpha", "--beta", "-p", "7"]);
        out.assert_ok("startup_info");
        assert_eq!(out.value("ARGS"), "alpha --beta -p 7");
    };
}

#[test]
fn plus_p_with_a_space() {
    assert_eq!(
        pes_of(&Launch {
            pes: Pes::Spaced(3),
            ..Launch::default()
        }),
        3
    );
}

#[test]
fn charm_pes_environment() {
    assert_eq!(
        pes_of(&Launch {
            pes: Pes::Env(3),
            ..Launch::default()
        }),
        3
    );
}

#[test]
fn command_line_wins_over_environment() {
    let l = Launch {
        pes: Pes::Joined(2),
        env: &[("CHARM_PES", "3")],
        ..Launch::default()
    };
    assert_eq!(pes_of(&l), 2);
}

#[test]
fn default_pe_count_is_positive() {
    assert!(pes_of(&Launch::default()) >= 1);
}

#[test]
fn runtime_options_anywhere_on_the_command_line() {
    let out = launch(
        BIN,
        &Launch {
            pes: Pes::Default,
            args: &["x", "+p3", "y"],
            ..Launch::default()
        },
    );
    out.assert_ok("startup_info");
    assert_eq!(out.value("PES"), "3");
    assert_eq!(out.value("ARGS"), "x y");
}

#[test]
fn bad_pe_counts_are_rejected() {
    for (args, env) in [
        (&["+p0"][..], &[][..]),
        (&["+pfour"][..], &[][..]),
        (&["+p"][..], &[][..]),
        (&[][..], &[("CHARM_PES", "zero")][..]),
    ] {
        let out = launch(
            BIN,
            &Launch {
                pes: Pes::Default,
                args,
                env,
                ..Launch::default()
            },
        );
        out.assert_code(2)
            .assert_stdout_lacks(&["OK startup_info"])
            .assert_stderr_has(&["charm-rs:", "PEs"]);
    }
}

#[test]
fn a_hung_job_is_killed_and_fails() {
    let start = std::time::Instant::now();
    let r = std::panic::catch_unwind(|| {
        launch(
            env!("CARGO_BIN_EXE_hang"),
            &Launch {
                pes: Pes::Joined(2),
                timeout: Duration::from_secs(1),
                ..Launch::default()
            },
        )
    });
    let msg = match r {
        Ok(out) => panic!("a job that never ends was reported as finished: {out:?}"),
        Err(p) => p.downcast_ref::<String>().cloned().unwrap_or_default(),
    };
    assert!(msg.starts_with("hung"), "{msg}");
    assert!(msg.contains("HANGING"), "the output so far is shown: {msg}");
    assert!(start.elapsed() < Duration::from_secs(30));
}
