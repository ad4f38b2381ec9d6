//! The MPI layer: one PE per MPI rank, the PE's scheduler thread owning the communicator.
//!
//! MPI is initialised with `MPI_THREAD_SINGLE`: the PE's thread is the rank's only thread.
//! The PE polls MPI between messages (as Charm++'s non-SMP MPI layer does), so a message costs
//! no hop to a communication thread.
//!
//! The runtime's messages travel on a duplicate of the world communicator, so a program that
//! uses MPI itself (`with_world`) never receives them, nor they its messages.
//!
//! Every message starts on one tag, [`TAG_MSG`], and arrives in receives posted in advance into
//! reused slots, polled with `MPI_Test`: no probe and no allocation in MPI's path, and one
//! ordered stream per sender. What does not fit a slot follows on [`TAG_SEG`], from the same
//! sender, in order:
//! - a message up to a slot (4 KiB) is sent whole, with a non-blocking send from the reused
//!   scratch buffer, tested once: it usually completes at once (eagerly), and when it does not
//!   (the receiver is busy and MPI's buffers towards it are full) the buffer stays with the
//!   send until it completes; no send ever waits for its receiver;
//! - a larger message is announced by a one-word notice, its bytes follow as one message;
//! - direct-copy arguments of 64 KiB or more follow as their own messages, sent straight from
//!   the sender's vectors and received into the receiver's, uncopied.
//!
//! The parts on `TAG_SEG` are taken with a matched probe on their sender only once their first
//! part arrived, so polling never probes, and a flood of small messages queued in MPI (a sender
//! outrunning its receiver) never makes a poll scan them.
//!
//! Envelopes become bytes in `codec`, not here: this module only moves them.

mod malloc_tuning;
mod owned_send;
mod posted_recv;
mod session;

use super::{Doorbell, Endpoint};
use crate::codec::{
    decode_shared_envelope, encode_envelope, encode_parts, external_layout, has_externals,
    stated_words, BodyBuf, BodyRef, Head, PooledBuf, Segment, WireBuf,
};
use crate::message::{Body, Envelope, ErasedMessage};
use mpi::point_to_point::MatchedReceiveVec;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use owned_send::{HeldEnvelope, OwnedSends};
use session::Session;
use smallvec::SmallVec;
use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::time::Duration;

/// Tag of small runtime messages, on the runtime's own communicator (a program using MPI
/// directly may use any tag on the world communicator).
pub const TAG_MSG: i32 = 0x6368; // "ch"
/// Tag of the parts of a message that follow its first part: a large message's bytes and
/// direct-copy arguments sent on their own.
pub const TAG_SEG: i32 = 0x636a;
/// A first part of exactly one word with this value announces a message too large for a slot
/// (encoded messages are at least two words, so nothing else looks like it).
const LARGE_NOTICE: u64 = u64::from_le_bytes(*b"chrmLRG\0");
/// Direct-copy arguments this large go straight from the sender's vector, uncopied.
const EXTERNAL_MIN: usize = 64 * 1024;

use posted_recv::{SLOT_BYTES, SLOT_WORDS};

/// True when this process was started by an MPI launcher (`mpirun`, `mpiexec`, `srun`).
pub fn launched_by_mpirun() -> bool {
    [
        "OMPI_COMM_WORLD_SIZE",
        "PMI_SIZE",
        "PMIX_RANK",
        "PMI_RANK",
        "MPI_LOCALNRANKS",
        "SLURM_STEP_NUM_TASKS",
    ]
    .iter()
    .any(|v| std::env::var_os(v).is_some())
}

/// How many ranks of the job run on this host, as the launcher tells its processes (Open MPI,
/// MPICH/Hydra, Slurm); 1 when it does not say.
pub fn ranks_on_this_host() -> usize {
    [
        "OMPI_COMM_WORLD_LOCAL_SIZE",
        "MPI_LOCALNRANKS",
        "SLURM_NTASKS_PER_NODE",
    ]
    .iter()
    .find_map(|v| std::env::var(v).ok()?.trim().parse().ok())
    .unwrap_or(1)
}

/// Whether more ranks run on this host than it has cores (then idle ranks must not spin long).
fn oversubscribed() -> bool {
    let local = [
        "OMPI_COMM_WORLD_LOCAL_SIZE",
        "MPI_LOCALNRANKS",
        "SLURM_NTASKS_PER_NODE",
    ]
    .iter()
    .find_map(|v| std::env::var(v).ok()?.parse::<usize>().ok());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    local.is_some_and(|n| n > cores)
}

/// One rank's end of the MPI layer.
pub struct MpiEndpoint {
    /// MPI, the runtime's communicator and what is posted on it.
    session: Session,
    /// The world communicator (freeing it is a no-op, so it may drop in any order).
    world: SimpleCommunicator,
    rank: usize,
    size: usize,
    doorbell: Arc<Doorbell>,
    scratch: RefCell<WireBuf>,
    /// How long an idle rank polls before sleeping: long when it has a core to itself.
    spin: Duration,
}

impl MpiEndpoint {
    /// Initializes MPI on the calling thread, which becomes the PE's thread.
    pub fn init() -> Self {
        malloc_tuning::apply();
        // Only this thread ever calls MPI (one PE per rank), so the single-threaded level is exact,
        // and it spares OpenMPI's internal locking (measured: raw 8 B latency 0.15 -> 0.12 us).
        let (universe, _provided) = mpi::initialize_with_threading(mpi::Threading::Single)
            .unwrap_or_else(|| {
                crate::error::abort_job(0, "MPI was already initialized in this process")
            });
        let world = universe.world();
        let rank = world.rank() as usize;
        let size = world.size() as usize;
        let session = Session::new(universe, TAG_MSG);
        OWNS_MPI.with(|o| o.set(true));
        let spin = if oversubscribed() {
            Duration::from_micros(50)
        } else {
            Duration::from_millis(5)
        };
        MpiEndpoint {
            session,
            world,
            rank,
            size,
            doorbell: Arc::new(Doorbell::default()),
            scratch: RefCell::new(WireBuf::with_capacity(SLOT_BYTES)),
            spin,
        }
    }

    /// Checks that every rank runs the same program (same chare types), so ids dispatch alike.
    pub fn check_same_program(&self, digest: u64) {
        let mut all = vec![0u64; self.size];
        self.world.all_gather_into(&digest, &mut all[..]);
        let odd: Vec<usize> = (0..self.size).filter(|&r| all[r] != all[0]).collect();
        if !odd.is_empty() {
            if self.rank == 0 {
                eprintln!(
                    "charm-rs: fatal error: ranks {odd:?} run a different program than rank 0 (their chare types differ); \
                     start the same binary on every rank"
                );
            }
            self.world.abort(1);
        }
    }

    fn receive(&self) -> Option<(usize, Envelope)> {
        let (source, buf) = self.session.posted().borrow_mut().poll(|source, slot| match slot[0] {
            LARGE_NOTICE => (source, None),
            first => {
                let words = match stated_words(first) {
                    n @ 1..=SLOT_WORDS => n,
                    n => crate::error::abort_job(
                        self.rank,
                        &format!("malformed message from rank {source}: it states a length of {n} words"),
                    ),
                };
                // Owned by the one body that reads it, from a per-thread pool: no
                // allocation and no reference counting per message.
                let buf = PooledBuf::from_words(&slot[..words]);
                (source, Some(BodyBuf::Owned(buf)))
            }
        })?;
        let buf = buf.unwrap_or_else(|| self.receive_large(source).into());
        let separate = buf.words().first().is_some_and(|&w| has_externals(w));
        let mut env = match decode_shared_envelope(buf) {
            Ok(env) => env,
            Err(e) => crate::error::abort_job(
                self.rank,
                &format!("malformed message from rank {source}: {e}"),
            ),
        };
        if let (true, Body::Wire(w)) = (separate, &mut env.body) {
            match external_layout(w.bytes()) {
                Ok(layout) => {
                    if !layout.is_empty() {
                        let segs = layout
                            .into_iter()
                            .map(|(bytes, elem)| self.receive_segment(source, bytes, elem));
                        w.external = Some(Box::new(crate::message::Segments(segs.collect())));
                    }
                }
                Err(e) => crate::error::abort_job(
                    self.rank,
                    &format!("malformed message from rank {source}: {e}"),
                ),
            }
        }
        Some((source as usize, env))
    }

    /// Sends an encoded message (its first part: what follows on [`TAG_SEG`] is the caller's).
    /// Nothing here waits for the receiver: a PE that computes for a long time must not stall
    /// the PEs that send to it (see `OwnedSends::send_or_keep`).
    #[inline]
    fn send_first_part(&self, to: usize, scratch: &mut WireBuf, sends: &mut OwnedSends) {
        let comm = self.session.comm();
        if scratch.len() <= SLOT_BYTES {
            sends.send_or_keep(comm, to as i32, TAG_MSG, scratch, SLOT_BYTES);
        } else {
            static NOTICE: [u64; 1] = [LARGE_NOTICE];
            sends.send_static_or_keep(comm, to as i32, TAG_MSG, &NOTICE);
            let owned = std::mem::replace(scratch, WireBuf::with_capacity(SLOT_BYTES));
            let n = owned.words().len();
            sends.start_words(comm, to as i32, TAG_SEG, owned.into_words(), n);
        }
    }

    /// Receives the bytes of a large message announced by `source`, into a pooled buffer.
    fn receive_large(&self, source: i32) -> WireBuf {
        let (msg, status) = self
            .session
            .comm()
            .process_at_rank(source)
            .matched_probe_with_tag(TAG_SEG);
        let words = status.count(u64::equivalent_datatype()) as usize;
        let mut buf = WireBuf::zeroed(words * 8);
        msg.matched_receive_into(buf.words_mut());
        buf
    }

    /// Receives one direct-copy argument that follows a message from `source`, into a vector of
    /// the argument's element size (no zero-filling, no copy afterwards).
    fn receive_segment(&self, source: i32, bytes: usize, elem: usize) -> Segment {
        let (msg, status) = self
            .session
            .comm()
            .process_at_rank(source)
            .matched_probe_with_tag(TAG_SEG);
        let seg = match elem {
            1 => Segment::U8((msg, status).matched_receive_vec::<u8>().0),
            2 => Segment::U16((msg, status).matched_receive_vec::<u16>().0),
            4 => Segment::U32((msg, status).matched_receive_vec::<u32>().0),
            _ => Segment::U64((msg, status).matched_receive_vec::<u64>().0),
        };
        if seg.as_bytes().len() != bytes {
            crate::error::abort_job(
                self.rank,
                &format!("malformed message from rank {source}: direct-copy argument of {} bytes, expected {bytes}", seg.as_bytes().len()),
            );
        }
        seg
    }

    /// Completes outstanding sends and discards incoming messages until every rank got here.
    fn drain_and_synchronize(&self) {
        loop {
            self.session.sends().borrow_mut().progress();
            while self.receive().is_some() {}
            if self.session.sends().borrow().len() == 0 {
                break;
            }
            std::thread::yield_now();
        }
        let mut barrier = self.session.comm().immediate_barrier();
        loop {
            match barrier.test() {
                Ok(_) => break,
                Err(b) => barrier = b,
            }
            while self.receive().is_some() {}
            std::thread::yield_now();
        }
    }
}

impl Endpoint for MpiEndpoint {
    fn layer_name(&self) -> &'static str {
        "mpi"
    }

    fn my_pe(&self) -> usize {
        self.rank
    }

    fn num_pes(&self) -> usize {
        self.size
    }

    fn encodes_messages(&self) -> bool {
        true
    }

    fn send_borrowed(&self, to: usize, head: Head<'_>, body: &dyn ErasedMessage) -> bool {
        let mut scratch = self.scratch.borrow_mut();
        scratch.clear();
        let externals = encode_parts(head, BodyRef::Typed(body), &mut scratch, EXTERNAL_MIN);
        if !externals.is_empty() {
            // Its large arguments are sent from the message's own vectors, which must stay
            // alive until the sends complete: only an owned envelope can keep them.
            return false;
        }
        drop(externals);
        let mut sends = self.session.sends().borrow_mut();
        self.send_first_part(to, &mut scratch, &mut sends);
        if sends.len() > 0 {
            sends.progress();
        }
        true
    }

    fn send(&self, to: usize, env: Envelope) {
        let mut scratch = self.scratch.borrow_mut();
        scratch.clear();
        if encode_envelope(&env, &mut scratch, EXTERNAL_MIN).is_empty() {
            let mut sends = self.session.sends().borrow_mut();
            self.send_first_part(to, &mut scratch, &mut sends);
            if sends.len() > 0 {
                sends.progress();
            }
            return;
        }
        // Its large arguments are sent from the envelope's own memory: hold the envelope where
        // it stays until those sends complete, and borrow them again from there (encoding the
        // rest again is small beside the 64 KiB+ they send).
        let held = HeldEnvelope::new(env);
        scratch.clear();
        let externals = encode_envelope(held.get(), &mut scratch, EXTERNAL_MIN);
        let segments: SmallVec<[(*const u8, usize, usize); 2]> = externals
            .iter()
            .map(|(s, elem)| (s.as_ptr(), s.len(), *elem))
            .collect();
        drop(externals);
        // MPI counts are 32-bit: refuse before anything of this message is sent.
        for &(_, len, elem) in &segments {
            let count = len / elem.clamp(1, 8);
            assert!(
                count <= i32::MAX as usize,
                "charm-rs: a direct-copy argument of {count} elements is more than MPI can send in one message \
                 (at most {} elements); split it",
                i32::MAX
            );
        }
        let mut sends = self.session.sends().borrow_mut();
        self.send_first_part(to, &mut scratch, &mut sends);
        // SAFETY: the segments were borrowed from `held.get()`, after the envelope was held.
        unsafe { sends.start_segments(self.session.comm(), to as i32, TAG_SEG, &segments, held) };
        sends.progress();
    }

    fn try_recv(&self) -> Option<(usize, Envelope)> {
        let mut sends = self.session.sends().borrow_mut();
        if sends.len() > 0 {
            sends.progress();
        }
        drop(sends);
        self.receive()
    }

    fn has_incoming(&self) -> bool {
        self.session.posted().borrow_mut().ready()
    }

    fn spin_time(&self) -> Duration {
        self.spin
    }

    fn max_sleep(&self) -> Option<Duration> {
        // MPI cannot ring the doorbell: an idle rank wakes up to poll.
        Some(Duration::from_micros(100))
    }

    fn doorbell(&self) -> &Arc<Doorbell> {
        &self.doorbell
    }

    fn shutdown(&self) {
        self.drain_and_synchronize();
    }

    fn abort(&self, code: i32) -> ! {
        // `mpirun` forwards a rank's output asynchronously, and `MPI_Abort` kills every rank at
        // once: give the forwarding a moment so the fatal-error report is not lost.
        use std::io::Write;
        let _ = std::io::stdout().flush();
        let _ = std::io::stderr().flush();
        std::thread::sleep(Duration::from_millis(200));
        self.world.abort(code)
    }
}

thread_local! {
    /// Whether this thread initialized MPI and owns it (the PE's thread of an MPI job).
    static OWNS_MPI: Cell<bool> = const { Cell::new(false) };
}

impl Drop for MpiEndpoint {
    fn drop(&mut self) {
        // Before the fields drop (MPI is finalized with the last of them).
        OWNS_MPI.with(|o| o.set(false));
    }
}

/// Runs `f` with the MPI world communicator when the job runs on the MPI layer and this is the
/// PE's thread (`None` on the multicore layer). Programs may use it directly, with any tags:
/// the runtime's own messages travel on a duplicate of it, so they never match the program's
/// receives. The runtime does not poll MPI while `f` runs.
pub fn with_world<R>(f: impl FnOnce(&SimpleCommunicator) -> R) -> Option<R> {
    OWNS_MPI
        .with(Cell::get)
        .then(|| f(&SimpleCommunicator::world()))
}
