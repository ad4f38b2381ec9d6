//! Non-blocking sends from memory the runtime keeps alive until MPI is done with it.
//!
//! rsmpi ties a request to a borrow of its buffer; a runtime that keeps many sends in flight
//! across scheduler iterations needs the memory to outlive the function that started the send.
//! Two kinds are kept: a message buffer (recycled when done) and the direct-copy arguments of an
//! envelope, sent straight from the sender's vectors (the envelope is kept until done). This
//! module is the only place of the MPI layer, with `posted_recv`, that needs `unsafe`.

use crate::message::Envelope;
use mpi::request::{Request, StaticScope};
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use smallvec::SmallVec;
use std::ptr::NonNull;

/// A request on memory of one element type.
enum AnyRequest {
    B1(Request<'static, [u8], StaticScope>),
    B2(Request<'static, [u16], StaticScope>),
    B4(Request<'static, [u32], StaticScope>),
    B8(Request<'static, [u64], StaticScope>),
}

impl AnyRequest {
    /// `None` when complete, else the request back.
    fn test(self) -> Option<AnyRequest> {
        match self {
            AnyRequest::B1(r) => r.test().err().map(AnyRequest::B1),
            AnyRequest::B2(r) => r.test().err().map(AnyRequest::B2),
            AnyRequest::B4(r) => r.test().err().map(AnyRequest::B4),
            AnyRequest::B8(r) => r.test().err().map(AnyRequest::B8),
        }
    }

    fn wait(self) {
        match self {
            AnyRequest::B1(r) => r.wait_without_status(),
            AnyRequest::B2(r) => r.wait_without_status(),
            AnyRequest::B4(r) => r.wait_without_status(),
            AnyRequest::B8(r) => r.wait_without_status(),
        }
    }
}

/// An envelope kept at one heap address while MPI reads its direct-copy arguments.
///
/// It is boxed once, before anything borrows its arguments, and from then on reached only
/// through this pointer until [`HeldEnvelope::release`]: moving it moves the pointer, never the
/// envelope, and no unique borrow (such as moving a `Box`) is made while sends read it, so the
/// borrows the sends were started from stay valid.
pub(super) struct HeldEnvelope(NonNull<Envelope>);

impl HeldEnvelope {
    pub(super) fn new(env: Envelope) -> Self {
        HeldEnvelope(NonNull::from(Box::leak(Box::new(env))))
    }

    /// The envelope at its final place: borrow its direct-copy arguments from here.
    pub(super) fn get(&self) -> &Envelope {
        // SAFETY: the pointer comes from `Box::leak`, so it is valid and aligned until
        // `release`, which consumes `self`; until then only shared borrows are made.
        unsafe { self.0.as_ref() }
    }

    /// Frees the envelope.
    ///
    /// # Safety
    /// No request started from a borrow of [`get`](HeldEnvelope::get) may still be pending.
    unsafe fn release(self) {
        // SAFETY: the pointer came from `Box::leak` and is released once (this consumes
        // `self`); the caller guarantees MPI no longer reads the envelope's memory.
        drop(unsafe { Box::from_raw(self.0.as_ptr()) });
    }
}

/// Sends in flight and the memory they read.
struct InFlight {
    requests: SmallVec<[AnyRequest; 2]>,
    /// A message buffer from `Box::into_raw`, recycled when the requests are done.
    words: Option<*mut Vec<u64>>,
    /// The envelope whose direct-copy arguments are being sent.
    envelope: Option<HeldEnvelope>,
}

impl InFlight {
    /// Frees the memory of completed requests: small buffers go to `small` for reuse.
    fn release(&mut self, small: &mut Vec<Vec<u64>>) {
        debug_assert!(
            self.requests.is_empty(),
            "release before the sends completed"
        );
        if let Some(env) = self.envelope.take() {
            // SAFETY: every request reading the envelope completed (callers check).
            unsafe { env.release() };
        }
        if let Some(w) = self.words.take() {
            // SAFETY: every request reading the buffer completed (callers check), so MPI no longer
            // reads it and the `'static` borrow handed out in `start_words` is dead; the pointer
            // came from `Box::into_raw` and is released exactly once, here.
            let words = *unsafe { Box::from_raw(w) };
            if words.capacity() <= 1024 && small.len() < 64 {
                small.push(words);
            } else {
                crate::codec::WireBuf::recycle(words);
            }
        }
    }
}

/// Sends in flight, completed by [`OwnedSends::progress`]. A pending request is never dropped.
#[derive(Default)]
pub(super) struct OwnedSends {
    /// In the order they started.
    in_flight: std::collections::VecDeque<InFlight>,
    /// Slot-sized buffers of completed small sends, for reuse.
    small: Vec<Vec<u64>>,
}

impl OwnedSends {
    /// Starts sending the first `n` words of `words` to `to` with `tag`; the buffer goes back to
    /// the pool once the send completes.
    pub(super) fn start_words(
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
        // resized) is released only in `InFlight::release`, after the request reading it has
        // completed, and nothing writes to it meanwhile, so a shared `'static` borrow is sound.
        let data: &'static [u64] = unsafe { &(&*owner)[..n] };
        let request = world
            .process_at_rank(to)
            .immediate_send_with_tag(StaticScope, data, tag);
        let mut requests = SmallVec::new();
        requests.push(AnyRequest::B8(request));
        self.in_flight.push_back(InFlight {
            requests,
            words: Some(owner),
            envelope: None,
        });
    }

    /// Sends `msg`'s words to `to` with `tag` without ever waiting for the receiver: a
    /// non-blocking send, tested once. When MPI finished it at once (the usual case: a small
    /// message goes eagerly into the receiver's buffers), `msg` stays with the caller for the
    /// next message. When it did not (the receiver is busy and MPI's buffers towards it are
    /// full), `msg`'s storage stays here until the send completes and `msg` gets fresh storage
    /// of `fresh_bytes`. A blocking send here could wait as long as the receiver computes, and
    /// every PE sending to it would wait too.
    pub(super) fn send_or_keep(
        &mut self,
        world: &SimpleCommunicator,
        to: i32,
        tag: i32,
        msg: &mut crate::codec::WireBuf,
        fresh_bytes: usize,
    ) {
        let words = msg.words();
        // SAFETY: the slice is `msg`'s heap storage, which nothing writes or frees until the
        // request completes: `msg` is borrowed uniquely for this whole function; if the test
        // below finds the send complete, MPI is done with the memory before the borrow ends;
        // if not, the storage is moved (as a `Vec`, whose heap buffer does not move) into
        // `in_flight`, which frees it only after the request completed (`progress`, `wait_all`).
        let data: &'static [u64] =
            unsafe { std::slice::from_raw_parts(words.as_ptr(), words.len()) };
        let request = world
            .process_at_rank(to)
            .immediate_send_with_tag(StaticScope, data, tag);
        let Err(request) = request.test() else {
            return;
        };
        let fresh = match self.small.pop() {
            Some(mut words) => {
                words.clear();
                crate::codec::WireBuf::from_words(words, 0)
            }
            None => crate::codec::WireBuf::with_capacity(fresh_bytes),
        };
        let owned = std::mem::replace(msg, fresh);
        let storage = owned.into_words();
        debug_assert_eq!(storage.as_ptr(), data.as_ptr(), "the storage did not move");
        let mut requests = SmallVec::new();
        requests.push(AnyRequest::B8(request));
        self.in_flight.push_back(InFlight {
            requests,
            words: Some(Box::into_raw(Box::new(storage))),
            envelope: None,
        });
    }

    /// Sends a word that lives for the whole program without waiting for the receiver (see
    /// [`OwnedSends::send_or_keep`]).
    pub(super) fn send_static_or_keep(
        &mut self,
        world: &SimpleCommunicator,
        to: i32,
        tag: i32,
        word: &'static [u64; 1],
    ) {
        let request =
            world
                .process_at_rank(to)
                .immediate_send_with_tag(StaticScope, &word[..], tag);
        if let Err(request) = request.test() {
            let mut requests = SmallVec::new();
            requests.push(AnyRequest::B8(request));
            self.in_flight.push_back(InFlight {
                requests,
                words: None,
                envelope: None,
            });
        }
    }

    /// Starts sending each direct-copy argument `(pointer, byte length, element size)` of
    /// `envelope` to `to` with `tag`, straight from the envelope's own memory, which is kept
    /// (with the envelope) until the sends complete.
    ///
    /// # Safety
    /// Every segment is a borrow of `envelope.get()` made after the envelope was held (not of
    /// the envelope before it moved into the [`HeldEnvelope`]).
    pub(super) unsafe fn start_segments(
        &mut self,
        world: &SimpleCommunicator,
        to: i32,
        tag: i32,
        segments: &[(*const u8, usize, usize)],
        envelope: HeldEnvelope,
    ) {
        let dest = world.process_at_rank(to);
        let mut requests = SmallVec::new();
        for &(ptr, len, elem) in segments {
            // SAFETY: `ptr..ptr + len` was borrowed from the held envelope at its final place
            // (the caller's promise). The envelope is stored in the same entry as the requests
            // and released only after they all completed, and only shared borrows of it are made
            // meanwhile, so the bytes stay valid and unchanged for as long as MPI reads them.
            let bytes: &'static [u8] = unsafe { std::slice::from_raw_parts(ptr, len) };
            let r = match elem {
                1 => AnyRequest::B1(dest.immediate_send_with_tag(StaticScope, bytes, tag)),
                2 => AnyRequest::B2(dest.immediate_send_with_tag(
                    StaticScope,
                    bytemuck::cast_slice::<u8, u16>(bytes),
                    tag,
                )),
                4 => AnyRequest::B4(dest.immediate_send_with_tag(
                    StaticScope,
                    bytemuck::cast_slice::<u8, u32>(bytes),
                    tag,
                )),
                _ => AnyRequest::B8(dest.immediate_send_with_tag(
                    StaticScope,
                    bytemuck::cast_slice::<u8, u64>(bytes),
                    tag,
                )),
            };
            requests.push(r);
        }
        self.in_flight.push_back(InFlight {
            requests,
            words: None,
            envelope: Some(envelope),
        });
    }

    /// Number of sends in flight.
    pub(super) fn len(&self) -> usize {
        self.in_flight.len()
    }

    /// Completes the sends that MPI has finished, oldest first, and releases their memory; stops
    /// at the first that is still pending. Sends to one receiver complete in the order they
    /// started, so the later ones rarely finish first, and a receiver that computes for a long
    /// time while many sends to it wait costs one test per call here, not one per send.
    pub(super) fn progress(&mut self) {
        while let Some(f) = self.in_flight.front_mut() {
            let pending: SmallVec<[AnyRequest; 2]> =
                f.requests.drain(..).filter_map(AnyRequest::test).collect();
            f.requests = pending;
            if !f.requests.is_empty() {
                break;
            }
            let mut f = self.in_flight.pop_front().expect("the front");
            f.release(&mut self.small);
        }
    }

    /// Waits for every send in flight and releases its memory (before the communicator goes:
    /// see `Session`).
    pub(super) fn wait_all(&mut self) {
        for mut f in self.in_flight.drain(..) {
            for r in f.requests.drain(..) {
                r.wait();
            }
            f.release(&mut self.small);
        }
    }
}

impl Drop for OwnedSends {
    fn drop(&mut self) {
        // Dropping a pending request panics in rsmpi and would leave MPI reading freed memory.
        self.wait_all();
    }
}
