//! The scheduler's own messages: ending the job, a yielded coroutine's turn, and the waves of
//! quiescence detection. None of them counts for quiescence.

use super::handlers::{Handler, Services};
use super::qd::QdCounts;
use super::{Pe, TaskKey};
use crate::codec::Encoder;
use crate::message::{Body, Dest, Envelope, FutureId, HandlerId, Message};

/// End the PE's scheduler; the exit code is the entry number.
pub(crate) const EXIT: HandlerId = HandlerId(0xf0);
/// (Never leaves its PE) a coroutine that yielded, queued behind the messages ahead of it;
/// address: its task's slot and generation.
pub(crate) const RESUME: HandlerId = HandlerId(0xf1);
/// (To PE 0) resolve the future in the address at the next quiescence.
pub(crate) const QD_START: HandlerId = HandlerId(0xf2);
/// (From PE 0) report your message counts once idle, for the wave in the entry number.
pub(crate) const QD_REQUEST: HandlerId = HandlerId(0xf3);
/// (To PE 0) the counts (in the body) for the wave in the entry number.
pub(crate) const QD_REPLY: HandlerId = HandlerId(0xf4);

pub(super) fn register(s: &mut Services) {
    let control = |name, run| Handler {
        counted: false,
        ..Handler::new(name, run)
    };
    s.handle(EXIT, control("exit", exit));
    s.handle(
        RESUME,
        Handler {
            local_only: true,
            ..control("coroutine resume", resume)
        },
    );
    s.handle(QD_START, control("quiescence request", qd_start));
    s.handle(QD_REQUEST, control("quiescence wave", qd_request));
    s.handle(QD_REPLY, control("quiescence reply", qd_reply));
}

/// A control message.
pub(super) fn envelope(handler: HandlerId, entry: u32, a: u64, b: u64, body: Body) -> Envelope {
    Envelope::new(Dest::two(handler, entry, a, b), body)
}

fn exit(pe: &Pe, env: Envelope) {
    if pe.exit_code.get().is_none() {
        pe.exit_code.set(Some(env.dest.entry as i32));
    }
}

fn resume(pe: &Pe, env: Envelope) {
    let (slot, gen) = pe.address(&env);
    let key = TaskKey {
        slot: slot as u32,
        gen: gen as u32,
    };
    pe.ready.borrow_mut().push_back(key);
}

fn qd_start(pe: &Pe, env: Envelope) {
    let (a, b) = pe.address(&env);
    pe.start_qd(FutureId::from_words(a, b));
}

fn qd_request(pe: &Pe, env: Envelope) {
    pe.qd.pending_wave.set(Some(env.dest.entry));
}

fn qd_reply(pe: &Pe, env: Envelope) {
    let wave = env.dest.entry;
    let counts = env
        .body
        .take("quiescence reply", |d| d.serde())
        .unwrap_or_else(|e| pe.abort(&format!("malformed message: {e}")));
    pe.qd_reply(wave, counts);
}

impl Message for QdCounts {
    fn encode<'a>(&'a self, enc: &mut Encoder<'_, 'a>) {
        enc.serde(self)
    }
}
