//! Machine layers: they move envelopes between PEs and do nothing else.
//!
//! The scheduler talks to its layer only through [`Endpoint`], one per PE, owned by that PE's
//! thread. Nothing above this module knows which layer runs.

mod doorbell;
#[cfg(feature = "mpi")]
pub mod mpi;
pub mod multicore;

pub use doorbell::{Doorbell, IdleState};

use crate::codec::Head;
use crate::message::{Envelope, ErasedMessage};
use std::sync::Arc;
use std::time::Duration;

/// One PE's connection to the others.
pub trait Endpoint {
    /// Name of the layer, for the startup banner.
    fn layer_name(&self) -> &'static str;
    /// Whether this layer is one a user should not run production jobs on.
    fn slow_layer_warning(&self) -> Option<&'static str> {
        None
    }
    /// This PE.
    fn my_pe(&self) -> usize;
    /// Number of PEs in the job.
    fn num_pes(&self) -> usize;
    /// Sends an envelope to another PE (never to this one: the scheduler keeps those).
    fn send(&self, to: usize, env: Envelope);
    /// Whether the layer encodes every message it sends (then [`Endpoint::send_borrowed`] is
    /// worth calling: it spares boxing the message first).
    fn encodes_messages(&self) -> bool {
        false
    }
    /// Sends a message given in borrowed parts, encoding it at once; returns `false`, having
    /// sent nothing, when the layer must own the message instead (then call [`Endpoint::send`]).
    fn send_borrowed(&self, _to: usize, _head: Head<'_>, _body: &dyn ErasedMessage) -> bool {
        false
    }
    /// Takes one envelope that arrived, if any, with the PE that sent it. Never blocks.
    fn try_recv(&self) -> Option<(usize, Envelope)>;
    /// True when an envelope is waiting (used just before sleeping).
    fn has_incoming(&self) -> bool;
    /// How long an idle PE keeps polling before it sleeps.
    fn spin_time(&self) -> Duration {
        doorbell::SPIN
    }
    /// How long the PE may sleep before it must poll again (`None`: until its doorbell rings).
    fn max_sleep(&self) -> Option<Duration> {
        None
    }
    /// This PE's doorbell (rung by other threads of the process to wake it).
    fn doorbell(&self) -> &Arc<Doorbell>;
    /// Called once after the PE's scheduler stopped: finish what is in flight.
    fn shutdown(&self) {}
    /// Ends the whole job at once (after a fatal error), with `code`.
    fn abort(&self, code: i32) -> ! {
        std::process::exit(code)
    }
}
