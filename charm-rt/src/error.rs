//! Errors a caller can see, and the fatal-error path that ends the job.

use serde::{Deserialize, Serialize};
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
