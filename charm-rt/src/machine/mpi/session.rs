//! A rank's MPI session: MPI itself, the runtime's communicator, and the operations posted on
//! it, owned together so that none can outlive what it uses.
//!
//! Posted receives and sends in flight keep using the communicator and their buffers; the
//! communicator must be freed before MPI is finalized. `Drop` does it in that order, stated in
//! code rather than left to the order the fields happen to be declared in.

use super::owned_send::OwnedSends;
use super::posted_recv::PostedRecvs;
use mpi::environment::Universe;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use std::cell::RefCell;
use std::mem::ManuallyDrop;

pub(super) struct Session {
    posted: RefCell<PostedRecvs>,
    sends: RefCell<OwnedSends>,
    /// The runtime's own communicator, a duplicate of the world's: its messages never match a
    /// receive the program posts on the world (`with_world`), whatever the tags, and MPI does
    /// not check the runtime's posted receives against the program's messages.
    comm: ManuallyDrop<SimpleCommunicator>,
    /// Finalizes MPI when dropped.
    universe: ManuallyDrop<Universe>,
}

impl Session {
    /// Takes over MPI (initialized as `universe`), with receives posted on `tag` of a new
    /// communicator.
    pub(super) fn new(universe: Universe, tag: i32) -> Self {
        let comm = universe.world().duplicate();
        // SAFETY: the communicator is owned by this session, whose `Drop` closes the receives
        // before it frees the communicator and then finalizes MPI.
        let posted = unsafe { PostedRecvs::new(&comm, tag) };
        Session {
            posted: RefCell::new(posted),
            sends: RefCell::new(OwnedSends::default()),
            comm: ManuallyDrop::new(comm),
            universe: ManuallyDrop::new(universe),
        }
    }

    /// The runtime's communicator.
    #[inline(always)]
    pub(super) fn comm(&self) -> &SimpleCommunicator {
        &self.comm
    }

    /// The receives posted for small messages.
    #[inline(always)]
    pub(super) fn posted(&self) -> &RefCell<PostedRecvs> {
        &self.posted
    }

    /// The sends in flight.
    #[inline(always)]
    pub(super) fn sends(&self) -> &RefCell<OwnedSends> {
        &self.sends
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // MPI stops reading and writing the runtime's buffers...
        self.sends.get_mut().wait_all();
        self.posted.get_mut().close();
        // SAFETY: each is dropped exactly once, here, and never used again (this is the
        // session's own drop; the fields that use them were closed above). The communicator
        // is freed while MPI still runs, then MPI is finalized.
        unsafe {
            ManuallyDrop::drop(&mut self.comm);
            ManuallyDrop::drop(&mut self.universe);
        }
    }
}
