//! Receives posted in advance into reused slots, for small messages.
//!
//! Polling a posted receive with `MPI_Test` is the cheapest way to notice a small message (no
//! probe, no allocation); the measurements put it at raw-MPI latency. All slots post the
//! same (any source, one tag) receive, so MPI fills them strictly in posting order: only the
//! oldest slot needs testing. Like `owned_send`, the slots outlive any borrow, which needs the
//! one `unsafe` conversion below.

use mpi::request::{Request, StaticScope};
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

/// Bytes of one slot; larger messages travel with another tag and a matched probe.
pub(super) const SLOT_BYTES: usize = 4096;
/// Few, because MPI scans every receive posted from any source for each message a program
/// receives on its own tags (`with_world`): beside 8 slots, raw 8 B ping-pong was about 5%
/// slower and `MPI_Allreduce` 10-15% slower than beside 4; beside 32, ping-pong was 20% slower.
/// For the runtime's own 8 B latency, 8 measured 1-5% better than 4 (near the run-to-run noise).
const SLOTS: usize = 4;

struct Slot {
    request: Option<Request<'static, [u64], StaticScope>>,
    /// Source and word count once the receive completed and the message is not yet taken.
    done: Option<(i32, usize)>,
    buf: *mut [u64],
}

/// The posted receives: a ring whose order is the posting order (slots are taken and posted
/// again in turn), so the oldest posted one is at `head`. Slots stay in place (moving them cost
/// more than the rest of a poll).
pub(super) struct PostedRecvs {
    slots: Vec<Slot>,
    head: usize,
    /// The slot whose message was last taken, posted again at the next poll: after the
    /// message was handled (and its reply sent), off the latency's critical path.
    taken: Option<usize>,
    tag: i32,
}

fn post(
    world: &SimpleCommunicator,
    tag: i32,
    buf: *mut [u64],
) -> Request<'static, [u64], StaticScope> {
    // SAFETY: `buf` comes from `Box::into_raw` (in `new`) and is freed only in `Drop`, after its
    // request completed or was cancelled; while a request is posted nothing else touches the
    // buffer (we read it only after the request completed and before posting it again), so
    // handing MPI a unique `'static` borrow is sound.
    let data: &'static mut [u64] = unsafe { &mut *buf };
    world
        .any_process()
        .immediate_receive_into_with_tag(StaticScope, data, tag)
}

impl PostedRecvs {
    pub(super) fn new(world: &SimpleCommunicator, tag: i32) -> Self {
        let slots = (0..SLOTS)
            .map(|_| {
                let buf = Box::into_raw(vec![0u64; SLOT_BYTES / 8].into_boxed_slice());
                Slot {
                    request: Some(post(world, tag, buf)),
                    done: None,
                    buf,
                }
            })
            .collect();
        PostedRecvs {
            slots,
            head: 0,
            taken: None,
            tag,
        }
    }

    /// Whether the oldest slot holds a message (tested, not taken).
    #[inline]
    pub(super) fn ready(&mut self, world: &SimpleCommunicator) -> bool {
        if let Some(i) = self.taken.take() {
            // The newest post: every other slot was posted after its own last take.
            let slot = &mut self.slots[i];
            slot.request = Some(post(world, self.tag, slot.buf));
        }
        let slot = &mut self.slots[self.head];
        if slot.done.is_none() {
            let req = slot.request.take().expect("slot is posted");
            match req.test() {
                Err(req) => slot.request = Some(req),
                Ok(status) => {
                    let words = status.count(u64::equivalent_datatype()) as usize;
                    slot.done = Some((status.source_rank(), words));
                }
            }
        }
        slot.done.is_some()
    }

    /// If the oldest slot received a message, hands its source and words to `take` and posts
    /// the slot again (at the next poll).
    #[inline]
    pub(super) fn poll<R>(
        &mut self,
        world: &SimpleCommunicator,
        take: impl FnOnce(i32, &[u64]) -> R,
    ) -> Option<R> {
        if !self.ready(world) {
            return None;
        }
        let i = self.head;
        self.head = (i + 1) % SLOTS; // a constant: no division
        let slot = &mut self.slots[i];
        let (source, words) = slot.done.take().expect("ready");
        // SAFETY: the receive into this buffer completed, so MPI no longer writes it, and it is
        // not posted again until `take` returned; see `post`.
        let data: &[u64] = unsafe { &(&*slot.buf)[..words] };
        let out = take(source, data);
        self.taken = Some(i);
        Some(out)
    }
}

impl Drop for PostedRecvs {
    fn drop(&mut self) {
        for slot in self.slots.drain(..) {
            // A slot whose receive completed (`done`) has no request left.
            if let Some(req) = slot.request {
                req.cancel();
                req.wait_without_status();
            }
            // SAFETY: the request (if one was posted) was cancelled and completed, so MPI no longer
            // uses the buffer, which came from `Box::into_raw` and is freed exactly once, here.
            drop(unsafe { Box::from_raw(slot.buf) });
        }
    }
}
