//! Ctrl-C and SIGTERM. While a stage runs: the stage runs in a process group of its own (so that a timeout can stop
//! everything it started), which also means the terminal's SIGINT never reaches it, so the runner's handler stops
//! that group, then exits as a process killed by the signal would (128 + N), leaving the app untouched. While the
//! app is being changed: the signal waits until the change is complete or rolled back, so the app is never left
//! half-applied.

use std::sync::atomic::{AtomicI32, Ordering};

/// The process group of the stage running now, or 0.
static GROUP: AtomicI32 = AtomicI32::new(0);
/// 1 while the app is being changed.
static APPLYING: AtomicI32 = AtomicI32::new(0);
/// A signal that arrived while applying, or 0.
static PENDING: AtomicI32 = AtomicI32::new(0);

/// Installs the handler; called once per process before the first stage starts.
pub fn install() {
    #[cfg(unix)]
    // SAFETY: `on_signal` only does async-signal-safe work (an atomic load, kill(2), _exit(2)).
    unsafe {
        let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}

#[cfg(unix)]
extern "C" fn on_signal(signal: libc::c_int) {
    if APPLYING.load(Ordering::SeqCst) == 1 {
        PENDING.store(signal, Ordering::SeqCst);
        return;
    }
    let group = GROUP.load(Ordering::SeqCst);
    // SAFETY: kill(2) and _exit(2) are async-signal-safe.
    unsafe {
        if group > 0 {
            libc::kill(-group, libc::SIGKILL);
        }
        libc::_exit(128 + signal);
    }
}

/// Records the stage that is running now.
pub fn running(handle: &duct::Handle) {
    if let Some(pid) = handle.pids().first() {
        GROUP.store(*pid as i32, Ordering::SeqCst);
    }
}

pub fn finished() {
    GROUP.store(0, Ordering::SeqCst);
}

/// Runs `change` with signals held back until it is done, then honours one that arrived meanwhile.
pub fn while_applying<T>(change: impl FnOnce() -> T) -> T {
    APPLYING.store(1, Ordering::SeqCst);
    let result = change();
    APPLYING.store(0, Ordering::SeqCst);
    let signal = PENDING.swap(0, Ordering::SeqCst);
    if signal != 0 {
        eprintln!("stowage: interrupted; the change to the app was completed or rolled back before stopping");
        std::process::exit(128 + signal);
    }
    result
}
