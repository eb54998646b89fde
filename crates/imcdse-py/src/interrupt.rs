//! Ctrl-C in a long call: Python handles SIGINT only when the interpreter runs, and a study
//! runs in Rust with the GIL released, so the signal used to wait until the study had finished
//! (its result then lost). A study here runs on a thread of its own while the calling thread
//! checks for signals every 100 ms; on KeyboardInterrupt it raises a flag, and the study's
//! progress bar ([`Interruptible`]) stops it at its next step by unwinding, which leaves its
//! folder as an interrupted run leaves it (status running, the checkpoint kept): `resume=True`
//! continues it, as after Ctrl-C in the CLI.

use pyo3::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

use imcdse::progress::{Bar, Progress};

/// Set while a KeyboardInterrupt stops the running studies.
static CANCEL: AtomicBool = AtomicBool::new(false);

/// The unwinding payload of a stopped study.
struct Cancelled;

/// Whether the calling thread should stop; unwinds with [`Cancelled`] if so. Unwinding by
/// `resume_unwind` runs no panic hook, so nothing is printed.
pub fn check() {
    if CANCEL.load(Ordering::Relaxed) {
        std::panic::resume_unwind(Box::new(Cancelled));
    }
}

/// A progress that reports nothing and stops its study when Ctrl-C was pressed.
pub struct Interruptible;

struct StopBar;

impl Bar for StopBar {
    fn inc(&self, _: u64) {
        check();
    }
    fn set_message(&self, _: &str) {
        check();
    }
    fn finish(&self) {}
}

impl Progress for Interruptible {
    fn note(&self, _: &str) {}
    fn bar(&self, _: u64, _: &str) -> Box<dyn Bar + '_> {
        Box::new(StopBar)
    }
}

/// Runs `f` on a thread of its own, the GIL released, checking for signals every 100 ms; a
/// KeyboardInterrupt (or any exception a signal handler raises) stops `f` at its next step
/// and is raised here once `f` has unwound.
pub fn run<T: Send>(
    py: Python<'_>,
    f: impl FnOnce(&Interruptible) -> anyhow::Result<T> + Send,
) -> PyResult<anyhow::Result<T>> {
    let (tx, rx) = std::sync::mpsc::channel();
    // Behind a lock only so that the wait can be sent to the GIL-free closure.
    let rx = std::sync::Mutex::new(rx);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&Interruptible)));
            let _ = tx.send(got);
        });
        let mut raised: Option<PyErr> = None;
        loop {
            let wait = || {
                let rx = rx.lock().unwrap_or_else(|p| p.into_inner());
                rx.recv_timeout(Duration::from_millis(100))
            };
            match py.detach(wait) {
                Ok(got) => {
                    CANCEL.store(false, Ordering::Relaxed);
                    return match (got, raised) {
                        (_, Some(e)) => Err(e),
                        (Ok(result), None) => Ok(result),
                        (Err(payload), None) if payload.is::<Cancelled>() => Err(
                            pyo3::exceptions::PyKeyboardInterrupt::new_err("interrupted"),
                        ),
                        (Err(payload), None) => std::panic::resume_unwind(payload),
                    };
                }
                Err(RecvTimeoutError::Disconnected) => {
                    CANCEL.store(false, Ordering::Relaxed);
                    return Err(pyo3::exceptions::PyRuntimeError::new_err(
                        "the study's thread ended without a result",
                    ));
                }
                Err(RecvTimeoutError::Timeout) if raised.is_none() => {
                    if let Err(e) = py.check_signals() {
                        CANCEL.store(true, Ordering::Relaxed);
                        raised = Some(e);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
        }
    })
}
