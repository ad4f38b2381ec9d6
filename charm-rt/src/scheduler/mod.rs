//! The per-PE scheduler: one thread per PE runs messages and coroutines, one at a time.
//!
//! Each PE owns its tasks and its queue; nothing here is shared between threads except through
//! the machine layer's [`Endpoint`] and the task wakers' doorbell. The scheduler never knows
//! which layer runs, nor which services exist: arriving messages go to the handler registered
//! for their id (see [`handlers`]), and each service keeps its own per-PE state.

mod control;
mod deliver;
pub(crate) mod handlers;
mod load_clock;
mod profile;
mod qd;
mod task;

pub(crate) use handlers::{EntryFailure, Handler, Services};
pub(crate) use load_clock::{online_cores, ClockKind};
pub(crate) use task::{Origin, TaskKey};

use crate::codec::{CodecError, Head};
use crate::machine::{Endpoint, IdleState};
use crate::message::{Body, Dest, Envelope, Message, ReplyTo};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use task::{Task, TaskTable, TaskWaker, WakeShared};

/// The element an entry method or coroutine runs for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ElemCtx {
    pub coll: crate::ids::CollectionId,
    pub elem: crate::ids::ElemKey,
}

/// Hasher for ids that are already well spread integers.
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    // Enum discriminants hash as `isize`: without these they would take the byte loop above.
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn write_isize(&mut self, n: isize) {
        self.write_u64(n as u64);
    }
}

pub(crate) type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// The main function, made into a future on PE 0.
pub(crate) type MainFn = Box<dyn FnOnce() -> std::pin::Pin<Box<dyn Future<Output = ()>>>>;

/// One PE's state. Lives on its thread only.
pub(crate) struct Pe {
    pub id: usize,
    pub num_pes: usize,
    pub endpoint: Box<dyn Endpoint>,
    /// The layer encodes every message it sends (see [`Pe::route_typed`]).
    layer_encodes: bool,
    pub wake: Arc<WakeShared>,
    pub queue: RefCell<VecDeque<Envelope>>,
    ready: RefCell<VecDeque<TaskKey>>,
    tasks: RefCell<TaskTable>,
    /// The handlers and hooks of every service.
    services: &'static Services,
    /// The element whose entry method, constructor or coroutine runs.
    pub current: Cell<Option<ElemCtx>>,
    /// The coroutine being polled and the identity of its waker (data and vtable pointers,
    /// compared only), so futures it awaits directly can wake it by key.
    polling: Cell<Option<(TaskKey, *const (), *const std::task::RawWakerVTable)>>,
    pub exit_code: Cell<Option<i32>>,
    /// The PE the message being handled came from (this PE for its own queue and replays): a
    /// service that forwards it can tell that PE where the message should have gone.
    source: Cell<u32>,
    pub profile: profile::Profile,
    pub qd: qd::Qd,
    /// The clock of load measurements and this PE's idle time on it.
    pub load: load_clock::LoadClock,
}

thread_local! {
    static CURRENT_PE: RefCell<Option<Rc<Pe>>> = const { RefCell::new(None) };
}

/// Runs `f` with this thread's PE. Panics with a clear message off a PE thread.
#[inline]
pub(crate) fn with_pe<R>(f: impl FnOnce(&Pe) -> R) -> R {
    CURRENT_PE.with(|c| {
        let b = c.borrow();
        let pe = b.as_ref().unwrap_or_else(|| {
            panic!("charm-rs: this call must run on a PE (inside charm_rt::start, an entry method or a coroutine)")
        });
        f(pe)
    })
}

/// Runs `f` with this thread's PE, if the thread is one.
pub(crate) fn try_with_pe<R>(f: impl FnOnce(&Pe) -> R) -> Option<R> {
    // `try_with`: during thread teardown the thread-local is gone, which means "not on a PE".
    CURRENT_PE
        .try_with(|c| c.try_borrow().ok().and_then(|b| b.as_ref().map(|pe| f(pe))))
        .ok()
        .flatten()
}

/// Wakes a task if the caller is the task's own PE thread.
pub(crate) fn wake_local(shared: &Arc<WakeShared>, key: TaskKey) -> bool {
    try_with_pe(|pe| {
        if Arc::ptr_eq(&pe.wake, shared) {
            pe.make_ready(key);
            true
        } else {
            false
        }
    })
    .unwrap_or(false)
}

impl Pe {
    pub(crate) fn new(
        endpoint: Box<dyn Endpoint>,
        profile: bool,
        services: &'static Services,
    ) -> Rc<Pe> {
        let id = endpoint.my_pe();
        let wake = Arc::new(WakeShared::new(endpoint.doorbell().clone()));
        Rc::new(Pe {
            id,
            num_pes: endpoint.num_pes(),
            layer_encodes: endpoint.encodes_messages(),
            endpoint,
            wake,
            queue: RefCell::new(VecDeque::with_capacity(256)),
            ready: RefCell::new(VecDeque::new()),
            tasks: RefCell::new(TaskTable::default()),
            services,
            current: Cell::new(None),
            polling: Cell::new(None),
            exit_code: Cell::new(None),
            source: Cell::new(id as u32),
            profile: profile::Profile::new(profile),
            qd: qd::Qd::default(),
            load: Default::default(),
        })
    }

    /// An element whose work is measured ran for `ns` nanoseconds of [`Pe::load`]'s clock.
    #[inline]
    pub(crate) fn element_ran(&self, ctx: ElemCtx, ns: u64) {
        (self.services.hooks.element_ran)(self, ctx, ns)
    }

    /// Sends an envelope to `to`, keeping it local when `to` is this PE.
    #[inline(always)]
    pub(crate) fn route(&self, to: usize, env: Envelope) {
        if to == self.id {
            self.profile.record_send(true);
            self.queue.borrow_mut().push_back(env);
        } else {
            self.route_remote(to, env);
        }
    }

    /// [`Pe::route`] to another PE.
    #[inline(never)]
    fn route_remote(&self, to: usize, env: Envelope) {
        self.profile.record_send(false);
        // Only messages between PEs are counted for quiescence: a PE reports only when idle, by
        // which time its own queue is empty. Counted once sent: an argument that fails to
        // encode (a panic, reported to the caller) must not count as in flight.
        let counted = self.services.counted(env.dest.handler);
        self.endpoint.send(to, env);
        if counted {
            self.qd_count_one_sent();
        }
    }

    /// Sends a typed message to `to` like [`Pe::route`]. A layer that encodes what it sends
    /// (MPI) encodes it where it lies: boxing it first cost an allocation and a free per
    /// message.
    #[inline]
    pub(crate) fn route_typed<A: Message>(
        &self,
        to: usize,
        dest: Dest,
        reply: Option<ReplyTo>,
        args: A,
    ) {
        if to != self.id && self.layer_encodes {
            let head = Head { dest: &dest, reply };
            if self.endpoint.send_borrowed(to, head, &args) {
                self.profile.record_send(false);
                self.count_sent(dest.handler);
                return;
            }
        }
        let body = Body::Typed(Box::new(args));
        self.route(to, Envelope { dest, reply, body });
    }

    /// The PE the message being handled came from.
    #[inline]
    pub(crate) fn source(&self) -> usize {
        self.source.get() as usize
    }

    /// Ends every PE with `code`.
    pub(crate) fn exit(&self, code: i32) {
        for p in 0..self.num_pes {
            if p != self.id {
                let env = control::envelope(control::EXIT, code as u32, 0, 0, Body::Empty);
                self.endpoint.send(p, env);
            }
        }
        if self.exit_code.get().is_none() {
            self.exit_code.set(Some(code));
        }
    }

    /// Ends the job after a fatal error.
    pub(crate) fn abort(&self, msg: &str) -> ! {
        crate::error::report_fatal(self.id, msg);
        self.endpoint.abort(1)
    }

    /// Ends the job after a message that cannot be read.
    #[cold]
    pub(crate) fn malformed(&self, env: &Envelope, e: CodecError) -> ! {
        let what = self.services.get(env.dest.handler).map_or("?", |h| h.name);
        self.abort(&format!("malformed {what} message: {e}"))
    }

    /// The two address words of `env`, ending the job when it has another number.
    #[inline(always)]
    pub(crate) fn address(&self, env: &Envelope) -> (u64, u64) {
        match env.dest.pair() {
            Ok(p) => p,
            Err(e) => self.malformed(env, e),
        }
    }

    /// The coroutine being polled, if `waker` is its own (not a combinator's).
    #[inline]
    pub(crate) fn polled_task(&self, waker: &Waker) -> Option<TaskKey> {
        let (key, data, vtable) = self.polling.get()?;
        (std::ptr::eq(waker.data(), data) && std::ptr::eq(waker.vtable(), vtable)).then_some(key)
    }

    pub(crate) fn make_ready(&self, key: TaskKey) {
        if let Ok(mut tasks) = self.tasks.try_borrow_mut() {
            match tasks.get_mut(key) {
                Some(t) if !t.queued => t.queued = true,
                _ => return,
            }
        }
        // A coroutine that wakes itself while polled (`yield_now`) goes to the back of the
        // line, as a resumed thread does in Charm++: the messages queued on this PE by then run
        // first. (Letting in only the next one let a coroutine that sends to its own PE and
        // yields grow the queue without bound.) A marker in the queue costs nothing per message.
        if self.polling.get().is_some_and(|(k, _, _)| k == key) && !self.queue.borrow().is_empty() {
            let (slot, gen) = (u64::from(key.slot), u64::from(key.gen));
            let marker = control::envelope(control::RESUME, 0, slot, gen, Body::Empty);
            self.queue.borrow_mut().push_back(marker);
            return;
        }
        self.ready.borrow_mut().push_back(key);
    }

    /// Starts a coroutine on this PE; it first runs when the scheduler next polls tasks.
    pub(crate) fn spawn(
        &self,
        fut: impl Future<Output = ()> + 'static,
        elem: Option<ElemCtx>,
        origin: Origin,
    ) {
        self.spawn_timed(fut, elem, origin, false)
    }

    /// [`Pe::spawn`]; a `timed` coroutine's steps count towards its element's load.
    pub(crate) fn spawn_timed(
        &self,
        fut: impl Future<Output = ()> + 'static,
        elem: Option<ElemCtx>,
        origin: Origin,
        timed: bool,
    ) {
        let wake = self.wake.clone();
        let key = self.tasks.borrow_mut().insert(move |key| Task {
            future: Some(Box::pin(fut)),
            waker: Waker::from(Arc::new(TaskWaker { key, shared: wake })),
            elem,
            origin,
            queued: true,
            timed,
        });
        self.ready.borrow_mut().push_back(key);
    }

    fn poll_task(&self, key: TaskKey) {
        let (mut fut, waker, elem, to_caller, timed) = {
            let mut tasks = self.tasks.borrow_mut();
            let Some(t) = tasks.get_mut(key) else { return };
            t.queued = false;
            let Some(f) = t.future.take() else { return };
            // Borrowed out for the poll rather than cloned (that would cost two atomic
            // operations per step); put back below if the task goes on.
            (
                f,
                std::mem::replace(&mut t.waker, Waker::noop().clone()),
                t.elem,
                matches!(t.origin, Origin::Entry { reply: Some(_), .. }),
                t.timed,
            )
        };
        let started = timed.then(|| self.load.now());
        let prev = self.current.replace(elem);
        let prev_polling = self
            .polling
            .replace(Some((key, waker.data(), waker.vtable())));
        let res = crate::error::panics_go_to_caller(to_caller, || {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                fut.as_mut().poll(&mut Context::from_waker(&waker))
            }))
        });
        self.polling.set(prev_polling);
        self.current.set(prev);
        if let (Some(t0), Some(ctx)) = (started, elem) {
            (self.services.hooks.element_ran)(self, ctx, self.load.now().saturating_sub(t0));
        }
        self.after_poll(key, fut, waker, res);
        if let Some(ctx) = elem {
            // The coroutine may have changed its chare: its deferred messages may run now (and,
            // with the coroutine dropped if it ended, the chare may be free to move).
            (self.services.hooks.element_stepped)(self, ctx);
        }
    }

    /// Puts a polled coroutine back, or ends it.
    fn after_poll(
        &self,
        key: TaskKey,
        fut: std::pin::Pin<Box<dyn Future<Output = ()>>>,
        waker: Waker,
        res: std::thread::Result<Poll<()>>,
    ) {
        match res {
            Ok(Poll::Pending) => {
                if let Some(t) = self.tasks.borrow_mut().get_mut(key) {
                    t.future = Some(fut);
                    t.waker = waker;
                }
            }
            Ok(Poll::Ready(())) => {
                let task = self.tasks.borrow_mut().remove(key);
                drop(fut);
                if let Some(Task {
                    origin: Origin::Main,
                    ..
                }) = task
                {
                    self.exit(0);
                }
            }
            Err(payload) => {
                let task = self.tasks.borrow_mut().remove(key);
                drop(fut);
                let msg = crate::error::panic_message(&*payload);
                match task.map(|t| t.origin) {
                    Some(Origin::Entry {
                        chare,
                        method,
                        elem,
                        reply,
                    }) => {
                        let failure = EntryFailure {
                            chare,
                            method,
                            elem,
                            reply,
                            message: msg,
                        };
                        (self.services.hooks.entry_failed)(self, failure);
                    }
                    Some(Origin::Main) => self.abort(&format!("the main function panicked: {msg}")),
                    _ => self.abort(&format!(
                        "a coroutine spawned on PE {} panicked: {msg}",
                        self.id
                    )),
                }
            }
        }
    }

    /// Runs one round of work; returns whether anything was done.
    fn run_once(&self) -> bool {
        let mut worked = false;
        for _ in 0..64 {
            if self.exit_code.get().is_some() {
                return true;
            }
            match self.endpoint.try_recv() {
                Some((from, env)) => {
                    worked = true;
                    self.count_processed(&env);
                    self.source.set(from as u32);
                    self.deliver_remote(env);
                    self.source.set(self.id as u32);
                    self.run_ready();
                }
                None => break,
            }
        }
        if self.wake.has_foreign() {
            for key in self.wake.take_foreign() {
                self.make_ready(key);
            }
        }
        worked |= self.run_ready();
        for _ in 0..64 {
            let env = self.queue.borrow_mut().pop_front();
            match env {
                Some(env) => {
                    worked = true;
                    self.deliver_guarded(env);
                    self.run_ready();
                    if self.exit_code.get().is_some() {
                        break;
                    }
                }
                None => break,
            }
        }
        worked
    }

    /// Delivers a message; a panic outside an entry method (a reducer, a malformed message, a
    /// runtime bug) ends the job with a message rather than killing this PE's thread alone.
    #[inline]
    fn deliver_guarded(&self, env: Envelope) {
        if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.deliver(env)))
        {
            self.abort(&format!(
                "while handling a message: {}",
                crate::error::panic_message(&*p)
            ));
        }
    }

    /// Polls the tasks that are ready now (a task woken while polled waits for the next call,
    /// and for the local messages ahead of it: see `make_ready`).
    #[inline]
    fn run_ready(&self) -> bool {
        let n = self.ready.borrow().len();
        for _ in 0..n {
            if self.exit_code.get().is_some() {
                break;
            }
            let next = self.ready.borrow_mut().pop_front();
            match next {
                Some(key) => self.poll_task(key),
                None => break,
            }
        }
        n > 0
    }

    /// The scheduler loop; returns the exit code.
    fn run_loop(&self) -> i32 {
        let mut idle = IdleState::with_spin(self.endpoint.spin_time());
        loop {
            if let Some(code) = self.exit_code.get() {
                return code;
            }
            if self.run_once() {
                self.load.busy_round();
                idle.busy();
                self.qd_busy();
                continue;
            }
            self.load.idle_round();
            if idle.idle_should_sleep() {
                // Idle for a while: answer a quiescence wave (or, on PE 0, start one) first.
                self.qd_idle();
                let timeout = match (self.endpoint.max_sleep(), self.qd_max_sleep()) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                self.endpoint.doorbell().sleep(timeout, || {
                    self.endpoint.has_incoming()
                        || self.wake.has_foreign()
                        || !self.queue.borrow().is_empty()
                });
                self.load.idle_round();
                // No `busy()` here: a wake-up that finds nothing goes back to sleep at once
                // instead of spinning again.
            }
        }
    }

    /// Drops coroutines, then every service's state (chares among them), on this thread
    /// (they may be `!Send`).
    fn shutdown(&self) {
        let tasks = self.tasks.borrow_mut().clear();
        drop(tasks);
        self.ready.borrow_mut().clear();
        for end in self.services.hooks.shutdown.iter().rev() {
            end(self);
        }
        self.queue.borrow_mut().clear();
        while self.endpoint.try_recv().is_some() {}
    }
}

/// Runs a PE on the calling thread until the job exits; `main` runs as a coroutine on PE 0.
pub(crate) fn run_pe(
    profile: bool,
    endpoint: Box<dyn Endpoint>,
    services: &'static Services,
    main: Option<MainFn>,
) -> i32 {
    endpoint.doorbell().bind_current_thread();
    let pe = Pe::new(endpoint, profile, services);
    CURRENT_PE.with(|c| *c.borrow_mut() = Some(pe.clone()));
    for start in &services.hooks.start {
        start(&pe);
    }
    if let Some(main) = main {
        // Build the main future on the PE so it can use the runtime while being created.
        let main = crate::error::track(
            || crate::error::Running {
                pe: pe.id,
                what: crate::error::RunningWhat::Main,
            },
            async move { main().await },
        );
        pe.spawn(main, None, Origin::Main);
    }
    let code = pe.run_loop();
    if let Some(report) = pe.profile.report(pe.id) {
        print!("{report}");
    }
    pe.shutdown();
    pe.endpoint.shutdown();
    CURRENT_PE.with(|c| *c.borrow_mut() = None);
    code
}
