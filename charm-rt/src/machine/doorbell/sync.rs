//! What the doorbell synchronizes with: std's atomics and thread parking, or loom's models of them
//! in the crate's unit tests built with `--cfg loom` (the models are in `test.rs`; loom is only a
//! dev-dependency, so a plain build with `--cfg loom` keeps std's).

#[cfg(not(all(loom, test)))]
pub(super) use std::{
    sync::atomic::{fence, AtomicBool},
    thread::{current, park, park_timeout, Thread},
};

#[cfg(all(loom, test))]
pub(super) use loom::{
    sync::atomic::{fence, AtomicBool},
    thread::{current, park, Thread},
};

/// loom has no timed park: here the timeout never expires, so the model must show that a ring
/// alone wakes the sleeper. The model of an expiring timeout is a thread that unparks it.
#[cfg(all(loom, test))]
pub(super) fn park_timeout(_: std::time::Duration) {
    park()
}
