//! Starting and ending a job.

use crate::config::Config;
use crate::machine::{multicore, Endpoint};
use crate::scheduler::{run_pe, try_with_pe, with_pe, MainFn};
use std::future::Future;

/// Starts the runtime with the options on the command line (`+pN`, `++quiet`), runs `main` on PE 0
/// as a coroutine, and ends the process with the job's exit code. Returning from `main` ends the
/// job with code 0; [`exit`] ends it with another code from anywhere.
///
/// ```no_run
/// charm_rt::start(|args| async move {
///     println!("running on {} PEs with args {args:?}", charm_rt::num_pes());
/// })
/// ```
pub fn start<F, Fut>(main: F) -> !
where
    F: FnOnce(Vec<String>) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    let (cfg, args) = match Config::from_args(std::env::args(), |k| std::env::var(k).ok()) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2)
        }
    };
    let code = run(cfg, move || main(args));
    std::process::exit(code)
}

/// Runs a job with an explicit configuration and returns its exit code (for tests, benchmarks and
/// programs that do more after the job).
pub fn run<F, Fut>(cfg: Config, main: F) -> i32
where
    F: FnOnce() -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    // Build the chare registry and the handler table now, so a problem with either is reported
    // once, before any PE runs.
    crate::collections::chare::registry();
    crate::services::all();
    crate::error::install_panic_hook();
    #[cfg(feature = "mpi")]
    if crate::machine::mpi::launched_by_mpirun() {
        return run_mpi(cfg, main);
    }
    configure_lb(&cfg, cfg.pes);
    let mut endpoints = multicore::endpoints(cfg.pes).into_iter();
    let first = endpoints.next().expect("at least one PE");
    crate::banner::print(&cfg, &first);
    let profile = cfg.profile;
    let others: Vec<_> = endpoints
        .map(|ep| {
            let name = format!("charm-pe-{}", ep.my_pe());
            std::thread::Builder::new()
                .name(name)
                .spawn(move || {
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        run_pe(profile, Box::new(ep), crate::services::all(), None)
                    }))
                    .unwrap_or_else(|p| {
                        crate::error::abort_job(
                            usize::MAX,
                            &format!("a PE thread failed: {}", crate::error::panic_message(&*p)),
                        )
                    })
                })
                .expect("cannot start a PE thread")
        })
        .collect();
    let main: MainFn = Box::new(move || Box::pin(main()));
    let code = run_pe(
        cfg.profile,
        Box::new(first),
        crate::services::all(),
        Some(main),
    );
    for t in others {
        if t.join().is_err() {
            eprintln!("charm-rs: a PE thread ended abnormally");
        }
    }
    code
}

/// The load balancer's options for the job; `pes_here`: how many PEs share this host's cores.
fn configure_lb(cfg: &Config, pes_here: usize) {
    let cores = crate::scheduler::online_cores();
    crate::lb::configure(crate::lb::Options {
        balancer: cfg.balancer.clone(),
        debug: cfg.lb_debug,
        tolerance: cfg.lb_tolerance,
        timer: cfg.lb_timer,
        oversubscribed: pes_here > cores,
    });
}

/// One PE per MPI rank: this thread is the PE.
#[cfg(feature = "mpi")]
fn run_mpi<F, Fut>(cfg: Config, main: F) -> i32
where
    F: FnOnce() -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    let ep = crate::machine::mpi::MpiEndpoint::init();
    configure_lb(&cfg, crate::machine::mpi::ranks_on_this_host());
    ep.check_same_program(crate::collections::chare::registry_digest());
    crate::banner::print(&cfg, &ep);
    if ep.my_pe() == 0 && cfg.pes_given && cfg.pes != ep.num_pes() {
        eprintln!(
            "Charm-rs> Warning: +p{} ignored under mpirun: the job has one PE per rank ({} ranks)",
            cfg.pes,
            ep.num_pes()
        );
    }
    let main: Option<MainFn> = if ep.my_pe() == 0 {
        Some(Box::new(
            move || -> std::pin::Pin<Box<dyn Future<Output = ()>>> { Box::pin(main()) },
        ))
    } else {
        None
    };
    run_pe(cfg.profile, Box::new(ep), crate::services::all(), main)
}

/// Ends the job on every PE with `code`. The calling entry method finishes; nothing else runs.
pub fn exit(code: i32) {
    with_pe(|pe| pe.exit(code))
}

/// Ends the job at once with a message and exit code 1 (Charm4py's `charm.abort`).
pub fn abort(message: &str) -> ! {
    // On a PE, through its layer (MPI_Abort on the MPI layer); elsewhere, end the process.
    try_with_pe(|pe| pe.abort(message));
    crate::error::abort_job(0, message)
}

/// This PE's number, `0..num_pes()`.
pub fn my_pe() -> usize {
    with_pe(|pe| pe.id)
}

/// Number of PEs in the job.
pub fn num_pes() -> usize {
    with_pe(|pe| pe.num_pes)
}

/// Starts a coroutine on this PE that is not tied to a chare. A panic in it ends the job.
pub fn spawn(fut: impl Future<Output = ()> + 'static) {
    with_pe(|pe| {
        let fut = crate::error::track(
            || crate::error::Running {
                pe: pe.id,
                what: crate::error::RunningWhat::Spawned,
            },
            fut,
        );
        pe.spawn(fut, pe.current.get(), crate::scheduler::Origin::Spawned)
    })
}

/// Resolves `done` when the whole job is quiescent: no PE runs an entry method, none is queued
/// and none is in flight (Charm4py's `charm.startQD`). Callable from any PE.
pub fn start_qd(done: crate::Future<()>) {
    with_pe(|pe| pe.start_qd(done.id()))
}

/// Waits until the whole job is quiescent (Charm4py's `charm.waitQD`).
///
/// A job that becomes quiescent while coroutines still await futures can never continue; when
/// nobody waits for quiescence, the runtime ends such a job with a report of those futures
/// instead of hanging.
pub async fn wait_qd() {
    let f = crate::Future::<()>::new();
    start_qd(f);
    f.await
}

/// Waits (in a coroutine of a chare) until `cond` holds; it is checked now and again after each
/// entry method of the same chare runs (Charm4py's `self.wait('...')`).
///
/// ```no_run
/// # use std::cell::Cell;
/// # async fn demo(iteration: &Cell<u32>) {
/// charm_rt::wait_until(|| iteration.get() >= 10).await;
/// # }
/// ```
pub async fn wait_until(mut cond: impl FnMut() -> bool) {
    std::future::poll_fn(move |cx| {
        if cond() {
            return std::task::Poll::Ready(());
        }
        with_pe(|pe| {
            let ctx = pe
                .current
                .get()
                .unwrap_or_else(|| panic!("charm-rs: wait_until is for coroutines of chares"));
            let c = crate::collections::service::lookup(ctx.coll)
                .expect("the chare's collection is on its PE");
            let off = c.slot_of(ctx.elem).expect("the chare is on its PE");
            c.waits
                .borrow_mut()
                .entry(off)
                .or_default()
                .wakers
                .push(cx.waker().clone());
        });
        std::task::Poll::Pending
    })
    .await
}

/// Lets other messages and coroutines on this PE run before continuing.
pub async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await
}
