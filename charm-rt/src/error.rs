//! Errors a caller can see, and the fatal-error path that ends the job.

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
pub(crate) fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !FOR_CALLER.try_with(Cell::get).unwrap_or(false) {
                previous(info)
            }
        }));
    });
}

/// Runs `f`, in which a panic goes to an awaiting caller when `to_caller` (call it outside the
/// `catch_unwind`, so the previous state is restored whatever `f` did).
#[inline]
pub(crate) fn panics_go_to_caller<R>(to_caller: bool, f: impl FnOnce() -> R) -> R {
    if !to_caller {
        return f();
    }
    let prev = FOR_CALLER.replace(true);
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
