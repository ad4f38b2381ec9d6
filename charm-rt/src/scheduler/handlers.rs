//! The handler table (Charm++'s `CmiRegisterHandler`): what each kind of message is for is known
//! only to the service that registered its handler; the scheduler looks the handler up by the
//! id in the envelope and calls it.
//!
//! Services also register the few hooks the scheduler calls back into (start and end of a PE,
//! the report of what coroutines await, an async entry method that failed), so the scheduler
//! names none of them.

use super::{ElemCtx, Pe};
use crate::message::{Envelope, FutureId, HandlerId, ReplyTo};

/// Runs one arrived message on its PE.
pub(crate) type HandlerFn = fn(&Pe, Envelope);

/// One registered kind of message.
#[derive(Clone, Copy)]
pub(crate) struct Handler {
    /// For errors: what the messages are.
    pub name: &'static str,
    pub run: HandlerFn,
    /// Counted by quiescence detection (every message a program's work consists of; not the
    /// runtime's own control traffic).
    pub counted: bool,
    /// Never leaves its PE: arriving from another process it is a malformed message.
    pub local_only: bool,
}

impl Handler {
    /// A counted handler for messages that may cross processes.
    pub(crate) const fn new(name: &'static str, run: HandlerFn) -> Self {
        Handler {
            name,
            run,
            counted: true,
            local_only: false,
        }
    }
}

/// An async entry method's coroutine that panicked, for the service that reports it.
pub(crate) struct EntryFailure {
    pub chare: &'static str,
    pub method: &'static str,
    pub elem: ElemCtx,
    pub reply: Option<ReplyTo>,
    pub message: String,
}

/// A service's report of what coroutines on a PE await: how many, and descriptions.
pub(crate) type AwaitedFn = fn(&Pe) -> (u64, Vec<String>);

/// What the scheduler calls back into.
pub(crate) struct Hooks {
    /// A PE starts (set up the service's per-PE state).
    pub start: Vec<fn(&Pe)>,
    /// A PE ended (drop the service's per-PE state on the PE's own thread), in reverse order of
    /// registration.
    pub shutdown: Vec<fn(&Pe)>,
    /// What coroutines on this PE await: a count and descriptions, for the report of a job that
    /// can never continue.
    pub awaited: Vec<AwaitedFn>,
    /// An async entry method's coroutine panicked.
    pub entry_failed: fn(&Pe, EntryFailure),
    /// A coroutine of an element took a step (its chare may have changed state).
    pub element_stepped: fn(&Pe, ElemCtx),
    /// Resolve a future with `()` (quiescence reached).
    pub resolve: fn(&Pe, FutureId),
    /// An element whose work is measured ran for this many nanoseconds of the PE's load clock
    /// (an entry method, or one step of its coroutine).
    pub element_ran: fn(&Pe, ElemCtx, u64),
}

fn no_entry_service(pe: &Pe, f: EntryFailure) {
    pe.abort(&format!(
        "{}::{} failed on PE {}: {}",
        f.chare, f.method, pe.id, f.message
    ))
}

fn no_future_service(pe: &Pe, f: FutureId) {
    pe.abort(&format!("no service resolves {f}"))
}

impl Default for Hooks {
    fn default() -> Self {
        Hooks {
            start: Vec::new(),
            shutdown: Vec::new(),
            awaited: Vec::new(),
            entry_failed: no_entry_service,
            element_stepped: |_, _| {},
            resolve: no_future_service,
            element_ran: |_, _, _| {},
        }
    }
}

/// Every service's handlers and hooks, built once per job and shared by its PEs.
pub(crate) struct Services {
    /// Inline rather than boxed: one load fewer on every message.
    handlers: [Option<Handler>; 256],
    pub(crate) hooks: Hooks,
}

impl Default for Services {
    fn default() -> Self {
        let mut s = Services {
            handlers: [None; 256],
            hooks: Hooks::default(),
        };
        super::control::register(&mut s);
        s
    }
}

impl Services {
    /// Registers the handler of `id`; two services claiming one id is a bug in the runtime,
    /// caught when the job starts (and by the unit tests).
    pub(crate) fn handle(&mut self, id: HandlerId, h: Handler) {
        if let Some(old) = &self.handlers[usize::from(id.0)] {
            panic!(
                "charm-rs: internal error: handler {} is claimed by both {} and {}",
                id.0, old.name, h.name
            );
        }
        self.handlers[usize::from(id.0)] = Some(h);
    }

    /// The handler of `id`, if any service registered one.
    #[inline(always)]
    pub(crate) fn get(&self, id: HandlerId) -> Option<&Handler> {
        self.handlers[usize::from(id.0)].as_ref()
    }

    /// Whether messages for `id` count for quiescence (unknown ids count: they are reported
    /// as malformed when they arrive).
    #[inline(always)]
    pub(crate) fn counted(&self, id: HandlerId) -> bool {
        self.get(id).is_none_or(|h| h.counted)
    }

    /// Ids with a handler, in order.
    #[cfg(test)]
    pub(crate) fn registered(&self) -> impl Iterator<Item = (HandlerId, &Handler)> {
        self.handlers
            .iter()
            .enumerate()
            .filter_map(|(i, h)| h.as_ref().map(|h| (HandlerId(i as u8), h)))
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn nothing(_: &Pe, _: Envelope) {}

    #[test]
    fn the_scheduler_registers_its_control_messages_uncounted() {
        let s = Services::default();
        let control: Vec<_> = s.registered().collect();
        assert!(!control.is_empty());
        for (id, h) in control {
            assert!(!h.counted, "{} ({}) is control traffic", h.name, id.0);
            assert!(!s.counted(id));
        }
    }

    #[test]
    fn unknown_ids_have_no_handler_and_count() {
        let s = Services::default();
        assert!(s.get(HandlerId(7)).is_none());
        assert!(s.counted(HandlerId(7)));
    }

    #[test]
    fn a_registered_handler_is_found() {
        let mut s = Services::default();
        s.handle(HandlerId(7), Handler::new("test", nothing));
        let h = s.get(HandlerId(7)).expect("registered");
        assert_eq!(h.name, "test");
        assert!(h.counted && !h.local_only);
    }

    #[test]
    #[should_panic(expected = "claimed by both first and second")]
    fn two_services_cannot_claim_one_id() {
        let mut s = Services::default();
        s.handle(HandlerId(7), Handler::new("first", nothing));
        s.handle(HandlerId(7), Handler::new("second", nothing));
    }
}
