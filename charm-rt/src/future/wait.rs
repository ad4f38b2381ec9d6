//! Waiting on several awaitables: all of them, or each as it becomes ready.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Waits for every future; the outputs come in the order of the input.
pub async fn wait_all<F: Future + Unpin>(futures: Vec<F>) -> Vec<F::Output> {
    let mut slots: Vec<(Option<F>, Option<F::Output>)> =
        futures.into_iter().map(|f| (Some(f), None)).collect();
    std::future::poll_fn(move |cx| {
        let mut pending = false;
        for (f, out) in slots.iter_mut() {
            if let Some(fut) = f {
                match Pin::new(fut).poll(cx) {
                    Poll::Ready(v) => {
                        *out = Some(v);
                        *f = None;
                    }
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(
                slots
                    .iter_mut()
                    .map(|(_, o)| o.take().expect("each output once"))
                    .collect(),
            )
        }
    })
    .await
}

/// Yields each future's output as soon as it is ready, with its position in the input (Charm4py's
/// `charm.iwait`); `next().await` returns `None` when all are done.
///
/// ```no_run
/// # async fn demo(replies: Vec<charm_rt::Future<u32>>) {
/// let mut any = charm_rt::WaitAny::new(replies.into_iter().map(|f| f.get()).collect());
/// while let Some((i, v)) = any.next().await {
///     println!("future {i} gave {v}");
/// }
/// # }
/// ```
pub struct WaitAny<F> {
    futures: Vec<Option<F>>,
    left: usize,
}

impl<F: Future + Unpin> WaitAny<F> {
    /// Waits on these futures.
    pub fn new(futures: Vec<F>) -> Self {
        let left = futures.len();
        WaitAny {
            futures: futures.into_iter().map(Some).collect(),
            left,
        }
    }

    /// Number of futures not yet ready.
    pub fn remaining(&self) -> usize {
        self.left
    }

    /// The next ready output and its position, or `None` when all were returned.
    pub async fn next(&mut self) -> Option<(usize, F::Output)> {
        if self.left == 0 {
            return None;
        }
        std::future::poll_fn(|cx: &mut Context<'_>| {
            for (i, slot) in self.futures.iter_mut().enumerate() {
                if let Some(f) = slot {
                    if let Poll::Ready(v) = Pin::new(f).poll(cx) {
                        *slot = None;
                        self.left -= 1;
                        return Poll::Ready(Some((i, v)));
                    }
                }
            }
            Poll::Pending
        })
        .await
    }
}
