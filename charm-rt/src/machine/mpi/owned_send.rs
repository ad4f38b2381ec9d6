//! Non-blocking sends from buffers the runtime owns until MPI is done with them.
//!
//! rsmpi ties a request to a borrow of its buffer; a runtime that keeps many sends in flight
//! across scheduler iterations needs the buffer to outlive the function that started the send.
//! This module turns an owned buffer into a `'static` borrow for the request and frees it when
//! the request has completed. It is the only place of the MPI layer with `unsafe`.

use mpi::request::{Request, StaticScope};
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

/// A send in flight and the buffer it reads.
struct InFlight {
    request: Option<Request<'static, [u64], StaticScope>>,
    owner: *mut Vec<u64>,
}

/// Sends in flight, completed by [`OwnedSends::progress`]. A pending request is never dropped.
#[derive(Default)]
pub(super) struct OwnedSends {
    in_flight: Vec<InFlight>,
}

impl OwnedSends {
    /// Starts sending the first `n` words of `words` to `to` with `tag`; the buffer goes back to
    /// the pool once the send completes.
    pub(super) fn start(
        &mut self,
        world: &SimpleCommunicator,
        to: i32,
        tag: i32,
        words: Vec<u64>,
        n: usize,
    ) {
        assert!(n <= words.len(), "send beyond the buffer");
        let owner: *mut Vec<u64> = Box::into_raw(Box::new(words));
        // SAFETY: `owner` comes from `Box::into_raw`, so it is valid and uniquely owned by this
        // entry. The vector (and so its heap buffer, which does not move while it is not
        // resized) is released only in `progress` or `drop`, after the request reading it has
        // completed, and nothing writes to it meanwhile, so a shared `'static` borrow is sound.
        let data: &'static [u64] = unsafe { &(&*owner)[..n] };
        let request = world
            .process_at_rank(to)
            .immediate_send_with_tag(StaticScope, data, tag);
        self.in_flight.push(InFlight {
            request: Some(request),
            owner,
        });
    }

    /// Number of sends in flight.
    pub(super) fn len(&self) -> usize {
        self.in_flight.len()
    }

    /// Completes the sends that MPI has finished and frees their buffers.
    pub(super) fn progress(&mut self) {
        self.in_flight.retain_mut(|f| {
            let req = f.request.take().expect("request present while in flight");
            match req.test() {
                Ok(_status) => {
                    // SAFETY: the request completed, so MPI no longer reads the buffer, and the
                    // borrow handed to it ended with the request; `owner` came from
                    // `Box::into_raw` and is released exactly once, here.
                    let words = *unsafe { Box::from_raw(f.owner) };
                    crate::codec::WireBuf::recycle(words);
                    false
                }
                Err(req) => {
                    f.request = Some(req);
                    true
                }
            }
        });
    }
}

impl Drop for OwnedSends {
    fn drop(&mut self) {
        // Dropping a pending request panics in rsmpi and would leave MPI reading freed memory:
        // wait for every send before the buffers go.
        for f in self.in_flight.drain(..) {
            if let Some(req) = f.request {
                req.wait_without_status();
            }
            // SAFETY: the request completed just above (or never existed); see `progress`.
            drop(unsafe { Box::from_raw(f.owner) });
        }
    }
}
