//! # charm-rs runtime
//!
//! Message-driven parallel objects ("chares") in the style of Charm4py, on threads in one
//! process (the multicore layer, the default) or one PE per MPI rank.
//!
//! A chare is an ordinary struct; `#[chare]` on it and on its `impl` block generates, at compile
//! time, a proxy type with one method per entry method (the `pub fn`s), taking the same positional
//! arguments. Calls are asynchronous messages; each comes in three forms:
//!
//! | form | returns | costs |
//! |---|---|---|
//! | `proxy.work(a, b)` | nothing (fire-and-forget) | one message, no future |
//! | `proxy.work_awaitable(a, b)` | a reply that resolves when the method completed | one future |
//! | `proxy.work_ret(a, b)` | a reply with the return value (a `Vec` sorted by index for broadcasts) | one future |
//!
//! ```
//! use charm_rt::prelude::*;
//!
//! #[chare]
//! pub struct Hello {
//!     greeting: String,
//! }
//!
//! #[chare]
//! impl Hello {
//!     fn new(greeting: String) -> Self {
//!         Hello { greeting }
//!     }
//!
//!     /// Says hello from this element's PE and returns the PE number.
//!     pub fn say_hi(&mut self, from: usize) -> usize {
//!         println!("{} from PE {} (asked by {from})", self.greeting, my_pe());
//!         my_pe()
//!     }
//! }
//!
//! // `charm_rt::start(|args| async move { .. })` is the usual `main`; `run` returns the exit
//! // code instead of ending the process, which suits tests like this one.
//! let code = charm_rt::run(charm_rt::Config::with_pes(2), || async {
//!     let group = HelloProxy::new_group("hi".to_string());
//!     let pes = group.say_hi_ret(0).await.unwrap();
//!     assert_eq!(pes, vec![0, 1]);
//! });
//! assert_eq!(code, 0);
//! ```
//!
//! **Sections.** `#[chare]` also generates `XSectionProxy`, a `Copy` proxy over part of a
//! collection (`proxy.section(indices)`, `proxy.section_slice(Slice)`, `proxy.split(n, ..)`,
//! `proxy.section_where(..)`) with the same call forms as broadcasts, multicast through a
//! spanning tree; members reduce with [`section_contribute`], [`section_allreduce`] and friends;
//! [`combine`] makes a [`UnionProxy`] over sections of several chare types whose calls are
//! checked at compile time ([`HasEntry`]).
//!
//! See the user guide in `docs/` for collections, futures, coroutines, marshalling, reductions
//! and sections.

#![warn(missing_docs)]

mod banner;
mod channel;
mod codec;
mod collections;
mod config;
mod error;
mod future;
mod globals;
// The user guide's Rust snippets, compiled and run as doctests so that they cannot drift.
#[cfg(doctest)]
mod guide;
mod ids;
mod index;
pub mod lb;
mod location;
mod machine;
mod message;
mod reduction;
mod scheduler;
mod sections;
mod services;
mod start;

#[doc(hidden)]
pub mod __private;

pub use channel::{Channel, Recv};
pub use charm_macros::{array_map, chare};
pub use codec::{CodecError, Decoder, Encoder, Marshal, Pod, Serde};
pub use collections::callback::Callback;
pub use collections::migrate::set_migratable;
pub use collections::sparse::InsertionPhase;
pub use collections::{this_index, CollectionRef, ElemRef};
pub use config::{Config, ConfigError};
pub use error::CallError;
pub use future::{
    wait_all, BroadcastReply, Future, FutureWait, MultiFuture, MultiFutureWait, Reply, WaitAny,
};
pub use globals::{global, set_global};
pub use ids::CollectionId;
pub use index::{Index, MAX_DIMS};
pub use location::maps::ArrayMap;
pub use message::FutureId;
pub use reduction::{
    allreduce, barrier, contribute, contribute_gather, contribute_nop, Allreduce, Custom, Reducer,
    Reducible,
};
pub use sections::{
    combine, entry_id, section_allreduce, section_barrier, section_contribute,
    section_contribute_gather, section_contribute_nop, AllHave, BulkArg, Combine, HasEntry,
    SectionId, SectionNumbers, SectionProxy, SectionRef, SerdeArg, Slice, UnionProxy,
};
pub use start::{
    abort, exit, my_pe, num_pes, run, spawn, start, start_qd, wait_qd, wait_until, yield_now,
};

/// The MPI layer, for programs that also use MPI directly (feature `mpi`).
#[cfg(feature = "mpi")]
pub mod mpi {
    pub use crate::machine::mpi::{launched_by_mpirun, with_world};
    #[doc(hidden)]
    pub use crate::machine::mpi::{TAG_MSG, TAG_SEG};
}

/// `#[serde(with = "charm_rt::bulk")]` on a `Vec` of plain numbers in a serde type (a
/// migratable chare's state): written as one byte string, one copy, instead of number by
/// number.
pub mod bulk {
    pub use crate::codec::bulk_serde::{deserialize, serialize};
}

/// What most programs need: `use charm_rt::prelude::*;`.
pub mod prelude {
    pub use crate::{chare, exit, my_pe, num_pes, CallError, Future, Index, MultiFuture, Reducer};
}
