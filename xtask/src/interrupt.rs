//! Terminating signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT) and what a run leaves behind.
//!
//! The handler only writes the signal's number to a pipe (the one thing a handler may safely do); a watcher thread
//! reads it and stops the run: it waits until no change to the app is in progress (a change completes or rolls
//! back, so the app is never left half-applied) and no stage is being started, stops the running stage's process
//! group and every process a stage left behind (`sweep`), removes the run's private temporary folders, then exits
//! as a process killed by the signal would (128 + N). Stages run in process groups of their own, so the terminal's
//! Ctrl-C never reaches them: the watcher is what stops them.
//!
//! On Linux the runner is a child subreaper (`PR_SET_CHILD_SUBREAPER`): a process a stage started that outlives its
//! parent, even one that left the stage's process group with `setsid`, becomes the runner's child instead of
//! init's, so `sweep` finds and stops it when the stage ends.

use std::path::PathBuf;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Mutex, MutexGuard, Once};

/// The process group of the stage running now, or 0.
static GROUP: AtomicI32 = AtomicI32::new(0);
/// A signal that arrived, or 0.
static PENDING: AtomicI32 = AtomicI32::new(0);
/// The write end of the signal pipe, or -1 before `install`.
static PIPE: AtomicI32 = AtomicI32::new(-1);
/// Held while the app is being changed or a stage is being started: the watcher takes it before stopping the run.
static CRITICAL: Mutex<()> = Mutex::new(());
/// Private temporary folders of this run, removed when it is stopped.
static TEMP_DIRS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Installs the handlers and the watcher; once per process, before the first stage starts or temp folder is made.
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        #[cfg(unix)]
        {
            let mut fds = [0 as libc::c_int; 2];
            // SAFETY: pipe(2) fills the two descriptors; they live for the rest of the process.
            if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
                return;
            }
            PIPE.store(fds[1], Ordering::SeqCst);
            let read = fds[0];
            std::thread::spawn(move || watch(read));
            #[cfg(target_os = "linux")]
            // SAFETY: prctl(2) with PR_SET_CHILD_SUBREAPER only changes who adopts this process's orphans.
            unsafe {
                libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1 as libc::c_ulong, 0, 0, 0);
            }
            // SAFETY: `on_signal` only does async-signal-safe work (an atomic load and write(2)).
            unsafe {
                let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
                for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
                    libc::signal(signal, handler);
                }
            }
        }
    });
}

#[cfg(unix)]
extern "C" fn on_signal(signal: libc::c_int) {
    PENDING.store(signal, Ordering::SeqCst);
    let byte = signal as u8;
    // SAFETY: write(2) is async-signal-safe; the byte outlives the call.
    unsafe {
        libc::write(PIPE.load(Ordering::SeqCst), (&byte as *const u8).cast(), 1);
    }
}

#[cfg(unix)]
fn watch(read: libc::c_int) {
    let mut byte = 0u8;
    loop {
        // SAFETY: reads one byte into a live buffer.
        let n = unsafe { libc::read(read, (&mut byte as *mut u8).cast(), 1) };
        if n == 1 {
            break;
        }
        if n == 0 {
            return;
        }
    }
    let signal = i32::from(byte);
    // Wait for a change to the app in progress (and keep any new one or a new stage from starting).
    let guard = match CRITICAL.try_lock() {
        Ok(guard) => guard,
        Err(_) => {
            let guard = CRITICAL.lock().unwrap_or_else(|e| e.into_inner());
            eprintln!("stowage: interrupted; the change to the app was completed or rolled back before stopping");
            guard
        }
    };
    let group = GROUP.load(Ordering::SeqCst);
    if group > 0 {
        // SAFETY: kill(2) has no memory effects; a negative pid names the stage's process group.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
    }
    sweep();
    for dir in TEMP_DIRS.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        let _ = std::fs::remove_dir_all(dir);
    }
    drop(guard);
    // SAFETY: _exit(2) ends the process at once, without running other threads' code.
    unsafe { libc::_exit(128 + signal) }
}

/// Holds back the watcher while the app is changed or a stage is started; released when dropped.
pub fn critical() -> MutexGuard<'static, ()> {
    CRITICAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Records the stage that is running now (its process group).
pub fn running(pid: u32) {
    GROUP.store(pid as i32, Ordering::SeqCst);
}

pub fn finished() {
    GROUP.store(0, Ordering::SeqCst);
}

/// Runs `change` with the watcher held back until it is done.
pub fn while_applying<T>(change: impl FnOnce() -> T) -> T {
    install();
    let guard = critical();
    let result = change();
    drop(guard);
    // A signal that came meanwhile is the watcher's to finish: this thread must not end the process first.
    while PENDING.load(Ordering::SeqCst) != 0 {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    result
}

/// A private temporary folder (mode 0700, a name no other user can predict or take first, like mkdtemp(3)),
/// removed if the run is stopped by a signal; the caller removes it otherwise.
pub fn private_temp_dir(prefix: &str) -> std::io::Result<PathBuf> {
    install();
    let template = std::env::temp_dir().join(format!("{prefix}XXXXXX"));
    let dir = mkdtemp(&template)?;
    TEMP_DIRS.lock().unwrap_or_else(|e| e.into_inner()).push(dir.clone());
    Ok(dir)
}

/// Removes a folder made by `private_temp_dir`.
pub fn remove_temp_dir(dir: &std::path::Path) {
    let _ = std::fs::remove_dir_all(dir);
    TEMP_DIRS.lock().unwrap_or_else(|e| e.into_inner()).retain(|d| d != dir);
}

#[cfg(unix)]
fn mkdtemp(template: &std::path::Path) -> std::io::Result<PathBuf> {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    let mut bytes = template.as_os_str().as_bytes().to_vec();
    bytes.push(0);
    // SAFETY: a NUL-terminated, writable buffer, as mkdtemp(3) requires; it rewrites the Xs in place.
    let made = unsafe { libc::mkdtemp(bytes.as_mut_ptr().cast()) };
    if made.is_null() {
        return Err(std::io::Error::last_os_error());
    }
    bytes.pop();
    Ok(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
}

#[cfg(not(unix))]
fn mkdtemp(template: &std::path::Path) -> std::io::Result<PathBuf> {
    let dir = template.with_file_name(format!(
        "{}{}",
        template.file_name().unwrap_or_default().to_string_lossy().trim_end_matches('X'),
        std::process::id()
    ));
    std::fs::create_dir(&dir)?;
    Ok(dir)
}

/// Stops every process a finished stage left behind: the runner's children other than those it waits for are
/// such leftovers (adopted as a subreaper), and stopping one may orphan more, so it repeats until none is left.
pub fn sweep() {
    #[cfg(target_os = "linux")]
    for _round in 0..1000 {
        let children = children_of(std::process::id());
        if children.is_empty() {
            return;
        }
        for pid in &children {
            // SAFETY: kill(2) has no memory effects.
            unsafe {
                libc::kill(*pid, libc::SIGKILL);
            }
        }
        for pid in children {
            let mut status = 0;
            // SAFETY: waits for (reaps) one child of this process, writing its status into a live integer.
            unsafe {
                libc::waitpid(pid, &mut status, 0);
            }
        }
    }
}

/// The processes whose parent is `parent`, from /proc.
#[cfg(target_os = "linux")]
fn children_of(parent: u32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            // `pid (comm) state ppid ...`; comm may hold spaces and parentheses, so read after the last `)`.
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
            let after = stat.rfind(')').map(|i| &stat[i + 1..]).unwrap_or("");
            after.split_whitespace().nth(1).and_then(|p| p.parse::<u32>().ok()) == Some(parent)
        })
        .collect()
}

/// CPU time (user + system, in clock ticks) used so far by the processes of a process group, from /proc: tells a
/// stage that was working from one that waited (on a FIFO, a lock, the network).
#[cfg(target_os = "linux")]
pub fn group_cpu_ticks(group: u32) -> Option<u64> {
    let entries = std::fs::read_dir("/proc").ok()?;
    let mut total = 0;
    let mut any = false;
    for pid in entries.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok()) {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else { continue };
        let fields: Vec<&str> = after.split_whitespace().collect();
        // After the comm: state(0) ppid(1) pgrp(2) ... utime(11) stime(12) cutime(13) cstime(14).
        if fields.get(2).and_then(|g| g.parse::<u32>().ok()) != Some(group) {
            continue;
        }
        any = true;
        for i in 11..=14 {
            total += fields.get(i).and_then(|t| t.parse::<u64>().ok()).unwrap_or(0);
        }
    }
    any.then_some(total)
}

#[cfg(not(target_os = "linux"))]
pub fn group_cpu_ticks(_group: u32) -> Option<u64> {
    None
}
