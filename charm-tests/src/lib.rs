//! Helpers shared by the scenario programs in `src/bin/`.
//!
//! Each scenario is a small charm-rs program that asserts internally and prints `OK <scenario>`
//! as its last line; the harness in `tests/` runs it on 1, 2 and 4 PEs and checks the exit code
//! and the output. Chare types are defined in the scenario programs themselves (their names, as
//! the runtime reports them, are `<program>::<Type>`).

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

/// Prints the line the harness looks for at the end of a successful scenario.
pub fn ok(scenario: &str) {
    println!("OK {scenario}");
}

/// Polls `fut` exactly once (with the current task's waker) and returns its output if it was
/// ready. Used to check that a reply has *not* arrived yet.
pub async fn poll_once<F: Future + Unpin>(fut: &mut F) -> Option<F::Output> {
    std::future::poll_fn(|cx| match Pin::new(&mut *fut).poll(cx) {
        Poll::Ready(v) => Poll::Ready(Some(v)),
        Poll::Pending => Poll::Ready(None),
    })
    .await
}

/// Lets the scheduler run other messages a few times (gives messages in flight a chance to arrive
/// without making a test depend on timing for its correctness).
pub async fn settle(rounds: usize) {
    for _ in 0..rounds {
        charm_rt::yield_now().await;
    }
}

/// Deterministic test data: `n` doubles derived from `seed`.
pub fn f64_data(n: usize, seed: u64) -> Vec<f64> {
    (0..n)
        .map(|i| (i as u64).wrapping_mul(2_654_435_761).wrapping_add(seed) as f64 * 0.5 - 7.25)
        .collect()
}

/// Deterministic test data: `n` bytes derived from `seed`.
pub fn u8_data(n: usize, seed: u64) -> Vec<u8> {
    (0..n)
        .map(|i| ((i as u64).wrapping_mul(31).wrapping_add(seed) % 251) as u8)
        .collect()
}

/// A future that never resolves (for a main that must not return before `exit` ends the job).
pub async fn forever() {
    std::future::pending::<()>().await
}
