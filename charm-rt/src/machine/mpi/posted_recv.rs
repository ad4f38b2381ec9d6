//! Receives posted in advance into reused slots, for small messages.
//!
//! Polling a posted receive with `MPI_Test` is the cheapest way to notice a small message (no
//! probe, no allocation); the measurements put it at raw-MPI latency. All slots post the
//! same (any source, one tag) receive, so MPI fills them strictly in posting order: only the
//! oldest slot needs testing.
//!
//! Each slot is a persistent receive (`MPI_Recv_init`), started again with `MPI_Start` after its
//! message was taken. Against a fresh `MPI_Irecv` per message this measured (cycle counter, 8 B
//! messages): the test that finds a message 140 -> 114 cycles (a completed persistent request
//! is not freed), posting again 60 -> 44 cycles (no request set-up). rsmpi does not wrap
//! persistent requests, so this module calls MPI through its raw bindings; every call is on
//! the PE's thread, which is the rank's only MPI thread.

use mpi::ffi;
use mpi::raw::AsRaw;
use mpi::topology::SimpleCommunicator;
use std::mem::MaybeUninit;
use std::os::raw::c_int;

/// Bytes of one slot; larger messages travel with another tag and a matched probe.
pub(super) const SLOT_BYTES: usize = 4096;
/// Few: 8 measured the same as 4 for the runtime's latency and message rate. (When the slots
/// were on the world communicator, MPI scanned them for every message the program received
/// itself, and 8 slowed its `MPI_Allreduce` by 10-15% against 4; they are on the runtime's own
/// communicator now.)
const SLOTS: usize = 4;
pub(super) const SLOT_WORDS: usize = SLOT_BYTES / 8;

struct Slot {
    /// The persistent receive into `buf`, made once in `new` and freed in `Drop`.
    request: ffi::MPI_Request,
    /// Started and not yet seen complete: MPI may write `buf`.
    active: bool,
    /// The source once the receive completed and the message is not yet taken.
    done: Option<i32>,
    /// From `Box::into_raw`; freed in `Drop`. Never borrowed while `active`.
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
}

impl Slot {
    /// Starts the receive again.
    fn start(&mut self) {
        debug_assert!(!self.active && self.done.is_none());
        // SAFETY: `request` is the persistent receive made in `new` and not yet freed; it is
        // inactive (never started, or seen complete by `test`), as `MPI_Start` requires. MPI
        // may write `buf` from now on: nothing reads it until `test` saw the receive complete.
        unsafe { ffi::MPI_Start(&mut self.request) };
        self.active = true;
    }

    /// Tests the started receive; on completion records its source. (Not its length: the
    /// message states it, which spares an `MPI_Get_count` per message.)
    fn test(&mut self) {
        debug_assert!(self.active);
        let mut flag: c_int = 0;
        // Zeroed, not uninitialized: `MPI_Test` leaves the status's error field alone.
        let mut status = MaybeUninit::<ffi::MPI_Status>::zeroed();
        // SAFETY: the request is active (see `active`); `flag` and `status` are valid
        // out-parameters.
        unsafe { ffi::MPI_Test(&mut self.request, &mut flag, status.as_mut_ptr()) };
        if flag == 0 {
            return;
        }
        // SAFETY: an `MPI_Status` is plain integers, for which all-zero bytes (what `MPI_Test`
        // did not write) are valid.
        let status = unsafe { status.assume_init() };
        self.active = false;
        self.done = Some(status.MPI_SOURCE);
    }
}

impl PostedRecvs {
    /// Posts the receives on `comm`.
    ///
    /// # Safety
    /// `comm` (and MPI) must stay valid until the receives are closed ([`PostedRecvs::close`],
    /// or dropping them): MPI keeps using the communicator of a posted receive.
    pub(super) unsafe fn new(comm: &SimpleCommunicator, tag: i32) -> Self {
        let slots = (0..SLOTS)
            .map(|_| {
                let buf = Box::into_raw(vec![0u64; SLOT_WORDS].into_boxed_slice());
                // SAFETY: reading MPI's null-request constant.
                let mut request = unsafe { ffi::RSMPI_REQUEST_NULL };
                // SAFETY: `buf` holds `SLOT_WORDS` u64s and stays allocated until `close`,
                // which frees it only after the request is complete and freed; the caller
                // keeps the communicator valid until then (this function's contract).
                unsafe {
                    ffi::MPI_Recv_init(
                        buf.cast(),
                        SLOT_WORDS as c_int,
                        ffi::RSMPI_UINT64_T,
                        ffi::RSMPI_ANY_SOURCE,
                        tag,
                        comm.as_raw(),
                        &mut request,
                    )
                };
                let mut slot = Slot {
                    request,
                    active: false,
                    done: None,
                    buf,
                };
                slot.start();
                slot
            })
            .collect();
        PostedRecvs {
            slots,
            head: 0,
            taken: None,
        }
    }

    /// Whether the oldest slot holds a message (tested, not taken).
    #[inline]
    pub(super) fn ready(&mut self) -> bool {
        if let Some(i) = self.taken.take() {
            // The newest post: every other slot was posted after its own last take.
            self.slots[i].start();
        }
        let slot = &mut self.slots[self.head];
        if slot.done.is_none() {
            slot.test();
        }
        slot.done.is_some()
    }

    /// If the oldest slot received a message, hands its source and the whole slot to `take`
    /// (the message states its length in its first word) and posts the slot again (at the next
    /// poll).
    #[inline]
    pub(super) fn poll<R>(&mut self, take: impl FnOnce(i32, &[u64]) -> R) -> Option<R> {
        if !self.ready() {
            return None;
        }
        let i = self.head;
        self.head = (i + 1) % SLOTS; // a constant: no division
        let slot = &mut self.slots[i];
        let source = slot.done.take().expect("ready");
        // SAFETY: the receive into this buffer completed (`test` saw it), so MPI no longer
        // writes it, and it is not started again before the next poll (see `ready`), after this
        // borrow ends. The buffer is reached only through this slot's pointer, so the borrow is
        // the only one; it is valid and initialized (allocated zeroed in `new`).
        let data: &mut [u64] = unsafe { &mut *slot.buf };
        let out = take(source, data);
        // An empty message would leave the previous first word in place and read as that
        // message again: clear it, so one reads as malformed instead.
        data[0] = 0;
        self.taken = Some(i);
        Some(out)
    }
}

impl PostedRecvs {
    /// Cancels the receives and frees their requests and buffers (once: later calls, and the
    /// drop, find nothing left).
    pub(super) fn close(&mut self) {
        self.taken = None;
        for mut slot in self.slots.drain(..) {
            // SAFETY: an active receive is cancelled and waited for (if a message matched it
            // first, the wait just finishes receiving it), so MPI no longer writes the buffer;
            // then the persistent request (inactive now) is freed once, and the buffer, from
            // `Box::into_raw`, is freed once.
            unsafe {
                if slot.active {
                    ffi::MPI_Cancel(&mut slot.request);
                    ffi::MPI_Wait(&mut slot.request, ffi::RSMPI_STATUS_IGNORE);
                }
                ffi::MPI_Request_free(&mut slot.request);
                drop(Box::from_raw(slot.buf));
            }
        }
    }
}

impl Drop for PostedRecvs {
    fn drop(&mut self) {
        self.close();
    }
}
