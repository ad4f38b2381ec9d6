//! The launcher every integration test goes through, and assertions on a finished job.
//!
//! Scenario programs live in `src/bin/`; a test launches one with [`run`] (or [`launch`] for the
//! startup tests that vary the command line) and inspects its exit code and output. Nothing here
//! shares state with the program under test.
//!
//! Built with the `mpi` feature (`cargo test -p charm-tests --features mpi`), every job runs
//! under a real `mpirun -n {pes}` on the MPI layer, one PE per rank, with the same arguments;
//! without it, the program runs directly on the multicore layer.
#![allow(dead_code)]

use std::io::Read;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// PE counts every scenario runs on.
pub const PES: [usize; 3] = [1, 2, 4];

/// How long a job may run before it counts as hung (override with `CHARM_TEST_TIMEOUT`, seconds).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// How the number of PEs is given to the program.
#[derive(Clone, Copy, Debug)]
pub enum Pes {
    /// `+p{n}`.
    Joined(usize),
    /// `+p {n}`.
    Spaced(usize),
    /// `CHARM_PES={n}` in the environment, nothing on the command line.
    Env(usize),
    /// Not given at all (the runtime's default).
    Default,
}

/// Everything [`launch`] can vary.
#[derive(Clone, Debug)]
pub struct Launch<'a> {
    pub pes: Pes,
    /// Pass `++quiet`.
    pub quiet: bool,
    /// Program arguments (after the runtime options).
    pub args: &'a [&'a str],
    /// Extra environment variables.
    pub env: &'a [(&'a str, &'a str)],
    pub timeout: Duration,
}

impl Default for Launch<'_> {
    fn default() -> Self {
        Launch {
            pes: Pes::Default,
            quiet: true,
            args: &[],
            env: &[],
            timeout: timeout(),
        }
    }
}

fn timeout() -> Duration {
    std::env::var("CHARM_TEST_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_TIMEOUT)
}

/// What a finished job left behind.
#[derive(Debug)]
pub struct Output {
    /// The command line, for messages.
    pub cmdline: String,
    /// Exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `bin +p{pes} ++quiet args...` and waits for it (at most the timeout).
pub fn run(bin: &str, pes: usize, args: &[&str]) -> Output {
    launch(
        bin,
        &Launch {
            pes: Pes::Joined(pes),
            args,
            ..Launch::default()
        },
    )
}

/// The one place that starts a job. Panics with "hung" when the job outlives the timeout (after
/// killing it), so a hang fails the test instead of blocking the suite.
pub fn launch(bin: &str, l: &Launch<'_>) -> Output {
    let mut cmd = command(bin, l);
    // The test runner's environment must not change what the job does.
    cmd.env_remove("CHARM_PES").env_remove("CHARM_QUIET");
    match l.pes {
        Pes::Joined(n) => {
            cmd.arg(format!("+p{n}"));
        }
        Pes::Spaced(n) => {
            cmd.arg("+p").arg(n.to_string());
        }
        Pes::Env(n) => {
            cmd.env("CHARM_PES", n.to_string());
        }
        Pes::Default => {}
    }
    if l.quiet {
        cmd.arg("++quiet");
    }
    cmd.args(l.args);
    for (k, v) in l.env {
        cmd.env(k, v);
    }
    let cmdline = format!("{cmd:?}");
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmdline}: {e}"));
    let out = drain(child.stdout.take().expect("piped stdout"));
    let err = drain(child.stderr.take().expect("piped stderr"));
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed() >= l.timeout => {
                let _ = child.kill();
                let _ = child.wait();
                let stdout = out.join().unwrap_or_default();
                let stderr = err.join().unwrap_or_default();
                panic!(
                    "hung: {cmdline} did not finish within {:?} and was killed\n\
                     --- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
                    l.timeout
                );
            }
            Ok(None) => thread::sleep(Duration::from_millis(5)),
            Err(e) => panic!("waiting for {cmdline}: {e}"),
        }
    };
    Output {
        cmdline,
        code: status.code(),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

/// The PE count a launch asks for (for `mpirun -n`): as given, or read from the program's
/// arguments, or the number of cores.
fn requested_pes(l: &Launch<'_>) -> usize {
    match l.pes {
        Pes::Joined(n) | Pes::Spaced(n) | Pes::Env(n) => n,
        Pes::Default => {
            let mut it = l.args.iter();
            while let Some(a) = it.next() {
                if *a == "+p" {
                    if let Some(n) = it.next().and_then(|n| n.parse().ok()) {
                        return n;
                    }
                } else if let Some(n) = a.strip_prefix("+p").and_then(|n| n.parse().ok()) {
                    return n;
                }
            }
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        }
    }
}

/// The program itself (multicore layer).
#[cfg(not(feature = "mpi"))]
fn command(bin: &str, _l: &Launch<'_>) -> Command {
    Command::new(bin)
}

/// `mpirun -n {pes}` around the program (MPI layer). A missing MPI fails the test with what to
/// install, never a silent skip.
#[cfg(feature = "mpi")]
fn command(bin: &str, l: &Launch<'_>) -> Command {
    let mpirun = std::env::var("MPIRUN").unwrap_or_else(|_| "mpirun".to_string());
    if Command::new(&mpirun).arg("--version").output().is_err() {
        panic!(
            "`{mpirun}` not found: the MPI tests need an MPI launcher; on Debian install \
             `openmpi-bin libopenmpi-dev libclang-dev` (or set MPIRUN)"
        );
    }
    let ranks = requested_pes(l).max(1);
    let mut cmd = Command::new(mpirun);
    cmd.args([
        "-n",
        &ranks.to_string(),
        "--oversubscribe",
        "--bind-to",
        "none",
    ])
    // Root is allowed here (CI runs as root); the flags are harmless otherwise.
    .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
    .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    .arg(bin);
    cmd
}

fn drain(mut r: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    })
}

impl Output {
    fn context(&self) -> String {
        format!(
            "command: {}\nexit code: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.cmdline, self.code, self.stdout, self.stderr
        )
    }

    /// The job exited with 0 and its last line is `OK <scenario>`.
    pub fn assert_ok(&self, scenario: &str) -> &Self {
        assert_eq!(self.code, Some(0), "job failed\n{}", self.context());
        let last = self.stdout.lines().last().unwrap_or("");
        assert_eq!(
            last.trim(),
            format!("OK {scenario}"),
            "missing OK line\n{}",
            self.context()
        );
        self
    }

    /// The job exited with `code`.
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(code),
            "unexpected exit code\n{}",
            self.context()
        );
        self
    }

    /// The job did not succeed and was not killed by a signal.
    pub fn assert_failed(&self) -> &Self {
        assert!(
            matches!(self.code, Some(c) if c != 0),
            "expected a non-zero exit code\n{}",
            self.context()
        );
        self
    }

    /// Standard error contains every one of `parts`.
    pub fn assert_stderr_has(&self, parts: &[&str]) -> &Self {
        for p in parts {
            assert!(
                self.stderr.contains(p),
                "stderr does not mention {p:?}\n{}",
                self.context()
            );
        }
        self
    }

    /// Standard output contains every one of `parts`.
    pub fn assert_stdout_has(&self, parts: &[&str]) -> &Self {
        for p in parts {
            assert!(
                self.stdout.contains(p),
                "stdout does not mention {p:?}\n{}",
                self.context()
            );
        }
        self
    }

    /// Standard output contains none of `parts`.
    pub fn assert_stdout_lacks(&self, parts: &[&str]) -> &Self {
        for p in parts {
            assert!(
                !self.stdout.contains(p),
                "stdout unexpectedly mentions {p:?}\n{}",
                self.context()
            );
        }
        self
    }

    /// Standard error contains none of `parts`.
    pub fn assert_stderr_lacks(&self, parts: &[&str]) -> &Self {
        for p in parts {
            assert!(
                !self.stderr.contains(p),
                "stderr unexpectedly mentions {p:?}\n{}",
                self.context()
            );
        }
        self
    }

    /// The value after `KEY ` on the first stdout line that starts with it.
    pub fn value(&self, key: &str) -> String {
        let prefix = format!("{key} ");
        self.stdout
            .lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("no `{key}` line in stdout\n{}", self.context()))
    }
}

/// One test per PE count for each listed case: `pes_tests! { name => |pes| { ... } }` makes
/// `name::pes1`, `name::pes2` and `name::pes4`. Attributes before a name (`#[ignore = ".."]`)
/// go on each of its tests.
macro_rules! pes_tests {
    ($($(#[$attr:meta])* $name:ident => $body:expr;)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;
                #[test]
                $(#[$attr])*
                fn pes1() {
                    ($body)(1usize)
                }
                #[test]
                $(#[$attr])*
                fn pes2() {
                    ($body)(2usize)
                }
                #[test]
                $(#[$attr])*
                fn pes4() {
                    ($body)(4usize)
                }
            }
        )*
    };
}
pub(crate) use pes_tests;
