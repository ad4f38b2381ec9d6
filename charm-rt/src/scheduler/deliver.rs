//! Dispatch: each arriving envelope goes to the handler registered for its id.

use super::Pe;
use crate::message::Envelope;

impl Pe {
    /// Runs the handler of a message from this PE's own queue (or replayed by a service).
    #[inline]
    pub(crate) fn deliver(&self, env: Envelope) {
        match self.services.get(env.dest.handler) {
            Some(h) => (h.run)(self, env),
            None => self.unknown_handler(&env),
        }
    }

    /// Like [`Pe::deliver`], for a message from another PE: one that must never leave its PE
    /// is a malformed message. A panic outside an entry method (a reducer, a malformed message,
    /// a runtime bug) ends the job with a message rather than killing this PE's thread alone.
    #[inline]
    pub(super) fn deliver_remote(&self, env: Envelope) {
        if let Some(h) = self.services.get(env.dest.handler) {
            if h.local_only {
                self.abort(&format!(
                    "malformed message: a {} message, which never leaves its PE, arrived from another",
                    h.name
                ));
            }
        }
        self.deliver_guarded(env)
    }

    #[cold]
    fn unknown_handler(&self, env: &Envelope) -> ! {
        self.abort(&format!(
            "malformed message: no handler {} in this program (are all processes running the same binary?)",
            env.dest.handler.0
        ))
    }
}
