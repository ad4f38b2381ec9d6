//! Errors a caller can see, and the fatal-error path that ends the job.

use crate::index::Index;
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::fmt;
use std::io::Write;

/// Why an awaited call did not produce its value: the entry method panicked (or its message
/// could not be decoded) on the callee's PE.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallError {
    /// Chare type, e.g. `my_crate::Worker`.
    pub chare: String,
    /// Index of the element, e.g. `(3)`.
    pub index: String,
    /// Entry method name.
    pub method: String,
    /// PE the method ran on.
    pub pe: usize,
    /// The panic message.
    pub message: String,
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "entry method {}::{} of element {} panicked on PE {}: {}",
            self.chare, self.method, self.index, self.pe, self.message
        )
    }
}

impl std::error::Error for CallError {}

/// Text of a panic payload.
pub(crate) fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string panic payload)".to_string()
    }
}

thread_local! {
    /// A panic on this thread now becomes a [`CallError`] at an awaiting caller.
    static FOR_CALLER: Cell<bool> = const { Cell::new(false) };
}

/// Installs, once per process, a panic hook that stays quiet for a panic that an awaiting
/// caller receives as a [`CallError`] (it is not a failure of the job, and Rust's message and
/// backtrace note would read as one in the logs), and leaves every other panic to the hook
/// that was there before (Rust's own, or the program's): a fatal panic keeps its usual report,
/// and the runtime adds its own line naming the chare, the method and the PE.
///
/// In a build with `panic = "abort"` nothing is caught: the process aborts when the hook
/// returns, so the hook itself prints the runtime's line (from [`running`]), and no panic is
/// quiet.
pub(crate) fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if cfg!(panic = "abort") || !FOR_CALLER.try_with(Cell::get).unwrap_or(false) {
                previous(info);
                #[cfg(panic = "abort")]
                uncaught::report(info);
            }
        }));
    });
}

/// What a PE thread runs now, for the report of a panic that cannot be caught.
#[derive(Clone, Copy)]
#[cfg_attr(not(panic = "abort"), allow(dead_code))]
pub(crate) struct Running {
    pub pe: usize,
    pub what: RunningWhat,
}

/// The kinds of work whose panics the runtime reports.
#[derive(Clone, Copy)]
#[cfg_attr(not(panic = "abort"), allow(dead_code))]
pub(crate) enum RunningWhat {
    Entry {
        chare: &'static str,
        method: &'static str,
        index: Index,
    },
    Constructor {
        chare: &'static str,
        index: Index,
    },
    Main,
    Spawned,
}

/// Runs `f` as `what`. Only a build with `panic = "abort"` remembers it (one thread-local
/// write), for the panic hook's report; otherwise `what` is never called and this is `f()`,
/// since `catch_unwind` around the work reports its panics.
#[inline(always)]
pub(crate) fn running<R>(what: impl FnOnce() -> Running, f: impl FnOnce() -> R) -> R {
    #[cfg(panic = "abort")]
    {
        uncaught::running(what(), f)
    }
    #[cfg(not(panic = "abort"))]
    {
        let _ = what;
        f()
    }
}

/// `fut`, run as `what` at each of its steps (see [`running`]): itself, unless the build has
/// `panic = "abort"`.
#[cfg(not(panic = "abort"))]
#[inline(always)]
pub(crate) fn track<F: std::future::Future>(what: impl FnOnce() -> Running, fut: F) -> F {
    let _ = what;
    fut
}

/// `fut`, run as `what` at each of its steps (see [`running`]).
#[cfg(panic = "abort")]
pub(crate) fn track<F: std::future::Future>(
    what: impl FnOnce() -> Running,
    fut: F,
) -> uncaught::Tracked<F> {
    uncaught::Tracked {
        now: what(),
        fut: Box::pin(fut),
    }
}

/// Panics that nothing catches: a build with `panic = "abort"`.
#[cfg(panic = "abort")]
mod uncaught {
    use super::{Running, RunningWhat};
    use std::cell::Cell;

    thread_local! {
        static RUNNING: Cell<Option<Running>> = const { Cell::new(None) };
    }

    /// A future whose steps run as `now`.
    pub(crate) struct Tracked<F> {
        pub(super) now: Running,
        pub(super) fut: std::pin::Pin<Box<F>>,
    }

    impl<F: std::future::Future> std::future::Future for Tracked<F> {
        type Output = F::Output;

        fn poll(
            self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<F::Output> {
            let this = self.get_mut();
            running(this.now, || this.fut.as_mut().poll(cx))
        }
    }

    pub(super) fn running<R>(now: Running, f: impl FnOnce() -> R) -> R {
        let prev = RUNNING.replace(Some(now));
        let r = f();
        RUNNING.set(prev);
        r
    }

    /// The runtime's line for a panic in its work, in the words the unwinding build uses.
    pub(super) fn report(info: &std::panic::PanicHookInfo<'_>) {
        let Some(Running { pe, what }) = RUNNING.try_with(Cell::get).ok().flatten() else {
            return; // not the runtime's work: Rust's message says it all
        };
        let msg = super::panic_message(info.payload());
        let what = match what {
            RunningWhat::Entry {
                chare,
                method,
                index,
            } => format!(
                "entry method {chare}::{method} of element {index} panicked on PE {pe}: {msg}"
            ),
            RunningWhat::Constructor { chare, index } => {
                format!("constructor of {chare} panicked for element {index}: {msg}")
            }
            RunningWhat::Main => format!("the main function panicked: {msg}"),
            RunningWhat::Spawned => format!("a coroutine spawned on PE {pe} panicked: {msg}"),
        };
        super::report_fatal(
            pe,
            &format!(
                "{what} (built with panic = \"abort\": the process aborts, and no caller \
                 receives a CallError)"
            ),
        );
    }
}

/// Runs `f`, in which a panic goes to an awaiting caller exactly when `to_caller` (call it
/// outside the `catch_unwind`, so the previous state is restored whatever `f` did). `f` is
/// called in one place only: called in two, it was no longer inlined into the dispatch of
/// every entry method.
#[inline(always)]
pub(crate) fn panics_go_to_caller<R>(to_caller: bool, f: impl FnOnce() -> R) -> R {
    let prev = FOR_CALLER.replace(to_caller);
    let r = f();
    FOR_CALLER.set(prev);
    r
}

/// Prints the fatal-error message of PE `pe`.
pub(crate) fn report_fatal(pe: usize, msg: &str) {
    let _ = std::io::stdout().flush();
    if pe == usize::MAX {
        eprintln!("charm-rs: fatal error: {msg}");
    } else {
        eprintln!("charm-rs: fatal error on PE {pe}: {msg}");
    }
    let _ = std::io::stderr().flush();
}

/// Ends the whole process with a message and exit code 1 (outside a PE, or before the layer
/// is up).
pub(crate) fn abort_job(pe: usize, msg: &str) -> ! {
    report_fatal(pe, msg);
    std::process::exit(1)
}
