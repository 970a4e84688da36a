//! Runs the selected stages in order over one app: writes each stage's context, runs it with a timeout, reads its
//! report, and collects what it staged.
//!
//! **Architecture Invariant:** nothing here writes into the app. Stages get a scratch folder under the report
//! directory, and their outputs are only checked and collected; applying them is `apply`'s job.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use stowage_kit::{App, CONTRACT_VERSION, Config, Context, Mode, Report, StagedFile, check_output_path};

use crate::discover::{Origin, StageSpec};
use crate::failure::{Failure, Result};
use crate::interrupt;

/// Marks a report folder's `run/` as made by stowage, so a later run may clear it.
const RUN_MARKER: &str = ".stowage-run";

/// A file a stage produced, ready to be planned against the app.
#[derive(Debug, Clone)]
pub struct Output {
    pub path: String,
    pub stage: String,
    pub stage_version: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct StageOutcome {
    pub name: String,
    /// `ok`, `gate-failed`, `bad-input`, `crashed`, `timed-out` or `not-run`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    pub files: usize,
    pub findings: usize,
    /// Why a stage that failed its gate did so, when its findings do not say it (exit code and stderr tail).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip)]
    pub elapsed: Duration,
}

pub struct PipelineResult {
    pub outcomes: Vec<StageOutcome>,
    pub reports: Vec<Report>,
    pub outputs: Vec<Output>,
    /// A stage that stopped the run (bad input, crash, timeout, bad output), with its code and message.
    pub failure: Option<Failure>,
}

pub struct Pipeline<'a> {
    pub app_root: &'a Path,
    pub config: &'a Config,
    pub mode: Mode,
    pub managed: Vec<String>,
    /// Scratch space for this run: `<report dir>/run/`.
    pub run_dir: PathBuf,
    /// Where workspace stage binaries were built.
    pub bin_dir: Option<PathBuf>,
    /// The report folder is stowage's default one, which it may clear even without the marker (an older stowage's).
    pub owns_run_dir: bool,
    /// Where the timeout was set, for the advice when a stage exceeds it.
    pub timeout_setting: String,
    /// Called after each stage, for the progress line.
    pub progress: &'a dyn Fn(&StageOutcome),
    /// Show a stage's `progress: ` lines on stdout as they come (a long stage such as verify says what it builds).
    pub live: bool,
    /// Folders inside the app that the run itself writes (the report folder, cargo's target folder when the app is
    /// the workspace): not watched for changes made by stages.
    pub unwatched: Vec<PathBuf>,
}

impl Pipeline<'_> {
    /// `[stages.NAME] timeout_seconds`: a stage whose work is known to be long (verify builds images) has its own.
    fn stage_timeout(&self, stage: &str) -> Option<u64> {
        self.config.stage_options.get(stage)?.get("timeout_seconds")?.as_u64()
    }

    fn timeout_seconds(&self, stage: &str) -> u64 {
        self.stage_timeout(stage).unwrap_or(self.config.thresholds.stage_timeout_seconds)
    }

    pub fn run(&self, stages: &[StageSpec]) -> Result<PipelineResult> {
        interrupt::install();
        // The scratch folder is cleared only when a run made it (its marker is there): never a person's folder.
        let marker = self.run_dir.join(RUN_MARKER);
        if std::fs::symlink_metadata(&self.run_dir).is_ok() {
            if !marker.is_file() && !self.owns_run_dir {
                return Err(Failure::usage(format!(
                    "{} exists and was not made by stowage; stowage clears that folder before each run: move it, or \
                     choose another --report-dir",
                    self.run_dir.display()
                )));
            }
            std::fs::remove_dir_all(&self.run_dir)
                .map_err(|e| Failure::usage(format!("cannot clear {}: {e}", self.run_dir.display())))?;
        }
        std::fs::create_dir_all(&self.run_dir)
            .and_then(|()| std::fs::write(&marker, "scratch space of a stowage run; removed by the next run\n"))
            .map_err(|e| Failure::usage(format!("cannot create {}: {e}", self.run_dir.display())))?;
        let mut result =
            PipelineResult { outcomes: Vec::new(), reports: Vec::new(), outputs: Vec::new(), failure: None };
        let mut facts: BTreeMap<String, serde_json::Value> = BTreeMap::new();
        let mut staged: Vec<StagedFile> = Vec::new();
        let mut owner: BTreeMap<String, String> = BTreeMap::new();
        let mut app_before = app_state(self.app_root, &self.unwatched);
        for stage in stages {
            if result.failure.is_some() {
                result.outcomes.push(StageOutcome {
                    name: stage.name.clone(),
                    status: "not-run",
                    exit_code: None,
                    files: 0,
                    findings: 0,
                    detail: None,
                    elapsed: Duration::ZERO,
                });
                continue;
            }
            let dir = self.run_dir.join(&stage.name);
            let out = dir.join("out");
            std::fs::create_dir_all(&out)
                .map_err(|e| Failure::usage(format!("cannot create {}: {e}", out.display())))?;
            let context = Context {
                contract_version: CONTRACT_VERSION,
                stowage_version: env!("CARGO_PKG_VERSION").to_string(),
                stage: stage.name.clone(),
                mode: self.mode,
                app: App { root: self.app_root.to_path_buf(), name: self.config.name.clone() },
                config: self.config.clone(),
                facts: facts.clone(),
                staged: staged.clone(),
                managed: self.managed.clone(),
            };
            let context_file = dir.join("context.json");
            let report_file = dir.join("report.json");
            write_json(&context_file, &context)?;
            let started = Instant::now();
            let ran = self.exec(stage, &dir, &context_file, &out, &report_file)?;
            // Only the runner changes the app, and only in apply, after every stage: a change now is the stage's.
            let app_after = app_state(self.app_root, &self.unwatched);
            let changed = changes(self.app_root, &app_before, &app_after);
            app_before = app_after;
            let code = ran.code();
            let elapsed = started.elapsed();
            let mut outcome = StageOutcome {
                name: stage.name.clone(),
                status: "ok",
                exit_code: code,
                files: 0,
                findings: 0,
                detail: None,
                elapsed,
            };
            let stage_failure = match code {
                _ if !changed.is_empty() => {
                    outcome.status = "crashed";
                    Some(Failure::crash(format!(
                        "stage `{}` changed the app while it ran ({}); stages write only under --out and the runner \
                         alone changes the app: fix or remove the stage, and review those changes yourself (stowage \
                         cannot undo them); nothing was applied",
                        stage.name, changed
                    )))
                }
                _ if ran.timed_out => {
                    outcome.status = "timed-out";
                    let limit = self.timeout_seconds(&stage.name);
                    // A stage that spent its time waiting (on a FIFO or device in the app, a lock, the network) is
                    // not helped by more time: say so instead of pointing at the timeout.
                    let advice = match ran.cpu_seconds() {
                        Some(cpu) if cpu * 10.0 < limit as f64 => format!(
                            "it used {cpu:.1} s of processor time in that time, so it was waiting rather than \
                             working (a FIFO or device it reads, a lock, the network): more time will not help; its \
                             stderr may say what it waited for"
                        ),
                        _ if self.stage_timeout(&stage.name).is_some() => {
                            format!("raise `[stages.{}] timeout_seconds` if it needs longer", stage.name)
                        }
                        _ => format!("raise {} if it needs longer", self.timeout_setting),
                    };
                    Some(Failure::crash(format!(
                        "stage `{}` timed out after {limit} s and was stopped; {advice}{}",
                        stage.name,
                        tail(&ran.stderr)
                    )))
                }
                Some(0) | Some(1) => None,
                Some(2) => {
                    outcome.status = "bad-input";
                    Some(Failure::usage(format!(
                        "stage `{}` rejected its input (exit code 2){}",
                        stage.name,
                        tail(&ran.stderr)
                    )))
                }
                _ => {
                    outcome.status = "crashed";
                    Some(Failure::crash(format!(
                        "stage `{}` crashed ({}){}{}",
                        stage.name,
                        ran.how(),
                        logs(&dir),
                        tail(&ran.stderr)
                    )))
                }
            };
            let stage_failure = match stage_failure {
                Some(f) => Some(f),
                None => match read_report(stage, &report_file, &ran) {
                    Err(f) => {
                        outcome.status = if f.code == crate::failure::Code::Usage { "bad-input" } else { "crashed" };
                        Some(f)
                    }
                    Ok(report) => {
                        if code == Some(1) {
                            outcome.status = "gate-failed";
                            outcome.detail = Some(format!(
                                "stage `{}` failed its gate (exit code 1){}",
                                stage.name,
                                tail(&ran.stderr)
                            ));
                        }
                        outcome.findings = report.findings.len();
                        match collect_outputs(stage, &out, &mut owner) {
                            Err(f) => {
                                outcome.status = "crashed";
                                Some(f)
                            }
                            Ok(files) => {
                                outcome.files = files.len();
                                for file in files {
                                    let unmanaged = stowage_kit::any_glob_match(&self.config.unmanaged, &file.path);
                                    // The team's own file is judged in place of the generated one: a regular file
                                    // inside the app (a symlink to one, as the file it names), never one outside.
                                    let source = if unmanaged {
                                        unmanaged_source(self.app_root, &file.path)
                                    } else {
                                        Some(out.join(&file.path))
                                    };
                                    if let Some(source) = source {
                                        staged.push(StagedFile {
                                            path: file.path.clone(),
                                            stage: stage.name.clone(),
                                            source,
                                            unmanaged,
                                        });
                                    }
                                    result.outputs.push(file);
                                }
                                facts.insert(stage.name.clone(), report.facts.clone());
                                result.reports.push(report);
                                None
                            }
                        }
                    }
                },
            };
            (self.progress)(&outcome);
            result.outcomes.push(outcome);
            result.failure = stage_failure;
        }
        Ok(result)
    }

    fn exec(&self, stage: &StageSpec, dir: &Path, context: &Path, out: &Path, report: &Path) -> Result<Ran> {
        // External stages run from the app root, so that `python3 stowage/check.py` in stowage.toml means the app's
        // own script; built stages run in their scratch folder.
        let cwd = match &stage.origin {
            Origin::External { .. } => self.app_root,
            _ => dir,
        };
        let (program, mut args): (PathBuf, Vec<std::ffi::OsString>) = match &stage.origin {
            Origin::Workspace { package, .. } => {
                let bin_dir = self.bin_dir.as_ref().expect("workspace stages come with a build folder");
                (bin_dir.join(format!("{package}{}", std::env::consts::EXE_SUFFIX)), Vec::new())
            }
            Origin::Installed { path } => (path.clone(), Vec::new()),
            Origin::External { command, .. } => {
                let program = PathBuf::from(&command[0]);
                // A relative program path with a separator is the app's own script.
                let program = if program.is_relative() && command[0].contains('/') {
                    self.app_root.join(program)
                } else {
                    program
                };
                (program, command[1..].iter().map(Into::into).collect())
            }
        };
        args.extend(["--context".into(), context.into(), "--out".into(), out.into(), "--report".into(), report.into()]);
        let mut command = std::process::Command::new(&program);
        command
            .args(&args)
            .current_dir(cwd)
            .stdin(std::process::Stdio::null())
            // A Python stage importing its own modules would otherwise leave __pycache__ in the app.
            .env("PYTHONDONTWRITEBYTECODE", "1");
        #[cfg(unix)]
        {
            // Its own process group, so that a timeout or Ctrl-C stops the stage and every process it started.
            std::os::unix::process::CommandExt::process_group(&mut command, 0);
            #[cfg(target_os = "linux")]
            // SAFETY: prctl(2) is async-signal-safe; it only asks the kernel to stop the stage if the runner dies
            // (killed with SIGKILL, the runner can stop nothing itself).
            unsafe {
                std::os::unix::process::CommandExt::pre_exec(&mut command, || {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong, 0, 0, 0);
                    Ok(())
                });
            }
        }
        // Output goes through pipes to threads that keep the logs bounded (a stage printing gigabytes fills
        // neither the disk nor the runner's memory); every process that could hold a pipe open is stopped with
        // the stage, so the pipes close when it ends.
        let pipe = || std::io::pipe().map_err(|e| Failure::crash(format!("cannot make a pipe: {e}")));
        let (stdout_read, stdout_write) = pipe()?;
        let (stderr_read, stderr_write) = pipe()?;
        command.stdout(stdout_write).stderr(stderr_write);
        let spawned = {
            let _held = interrupt::critical();
            let spawned = command.spawn();
            if let Ok(child) = &spawned {
                interrupt::running(child.id());
            }
            spawned
        };
        // The runner's copies of the pipes' write ends go with the command.
        drop(command);
        let mut child = spawned.map_err(|e| {
            Failure::usage(format!(
                "cannot start stage `{}`: `{}`: {e}{}; install it or fix the command",
                stage.name,
                program.display(),
                match stage.declared_at("command") {
                    at if at.is_empty() => String::new(),
                    at => format!(" (declared at {})", at.trim_end_matches(": ")),
                }
            ))
        })?;
        let stdout_file = dir.join("stdout.log");
        let stderr_file = dir.join("stderr.log");
        let echo = self.live.then(|| stage.name.clone());
        let stdout_thread = std::thread::spawn(move || capture(stdout_read, &stdout_file, echo));
        let stderr_thread = std::thread::spawn(move || capture(stderr_read, &stderr_file, None));
        // A timeout too large for the clock (someone meaning "no limit") is a hundred years.
        let timeout = Duration::from_secs(self.timeout_seconds(&stage.name).min(100 * 365 * 24 * 3600));
        let deadline = Instant::now() + timeout;
        let mut pause = Duration::from_millis(1);
        let waited = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Ok((Some(status), false, None)),
                Ok(None) if Instant::now() >= deadline => {
                    let ticks = interrupt::group_cpu_ticks(child.id());
                    kill_group(child.id());
                    let _ = child.wait();
                    break Ok((None, true, ticks));
                }
                Ok(None) => {
                    std::thread::sleep(pause.min(deadline.saturating_duration_since(Instant::now())));
                    pause = (pause * 2).min(Duration::from_millis(20));
                }
                Err(e) => {
                    kill_group(child.id());
                    let _ = child.wait();
                    break Err(e);
                }
            }
        };
        // Whatever the stage left running dies with it: its process group, then anything that left the group.
        kill_group(child.id());
        interrupt::sweep();
        interrupt::finished();
        let _ = stdout_thread.join();
        let stderr = stderr_thread.join().ok().and_then(|r| r.ok()).unwrap_or_default();
        let stderr = String::from_utf8_lossy(&stderr).into_owned();
        let (status, timed_out, cpu_ticks) =
            waited.map_err(|e| Failure::crash(format!("waiting for stage `{}` failed: {e}", stage.name)))?;
        Ok(Ran { status, stderr, timed_out, cpu_ticks })
    }
}

/// Most of a stage's stdout or stderr kept in its log file; past that, only the end is kept.
const LOG_CAP: u64 = 8 << 20;
/// How much of the end of a stream is kept for the log and for messages.
const TAIL_BYTES: usize = 64 << 10;

/// Copies a stage's output stream into its log file, keeping the first `LOG_CAP` bytes and the last `TAIL_BYTES`
/// (with a line saying how much was cut between them); returns the last `TAIL_BYTES` of the stream.
/// With `echo` (the stage's name), each line starting `progress: ` is also shown on the terminal as it arrives.
fn capture(mut from: std::io::PipeReader, path: &Path, echo: Option<String>) -> std::io::Result<Vec<u8>> {
    use std::io::{Read, Write};
    let mut log = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut total: u64 = 0;
    let mut tail: std::collections::VecDeque<u8> = std::collections::VecDeque::with_capacity(TAIL_BYTES);
    let mut buffer = vec![0u8; 64 << 10];
    let mut pending: Vec<u8> = Vec::new();
    loop {
        let n = match from.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let chunk = &buffer[..n];
        if let Some(stage) = &echo {
            pending.extend_from_slice(chunk);
            while let Some(end) = pending.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = pending.drain(..=end).collect();
                let line = String::from_utf8_lossy(&line);
                if let Some(text) = line.trim_end().strip_prefix("progress: ") {
                    eprintln!("stowage: {stage:<12} {}", crate::for_terminal(text));
                }
            }
            // A line longer than the log's tail is no progress line worth keeping whole.
            if pending.len() > TAIL_BYTES {
                pending.clear();
            }
        }
        let room = LOG_CAP.saturating_sub(total).min(n as u64) as usize;
        log.write_all(&chunk[..room])?;
        total += n as u64;
        tail.extend(chunk);
        let extra = tail.len().saturating_sub(TAIL_BYTES);
        tail.drain(..extra);
    }
    let tail: Vec<u8> = tail.into();
    if total > LOG_CAP {
        // The tail may overlap the head already written when little went past the cap.
        let past_cap = total - LOG_CAP;
        let shown = (tail.len() as u64).min(past_cap) as usize;
        let skipped = past_cap - shown as u64;
        if skipped > 0 {
            writeln!(log, "\n[stowage: {skipped} bytes cut from this log; its last {shown} bytes follow]")?;
        }
        log.write_all(&tail[tail.len() - shown..])?;
    }
    log.flush()?;
    Ok(tail)
}

/// Stops a stage's process group (the stage and every process it started that stayed in the group).
fn kill_group(pid: u32) {
    #[cfg(unix)]
    // SAFETY: kill(2) has no memory effects; a negative pid names the process group the stage leads.
    unsafe {
        libc::kill(-(pid as libc::pid_t), libc::SIGKILL);
    }
    let _ = pid;
}

/// One entry of the app as the file system describes it: kind and permissions, size, inode, and modification and
/// change times (the change time moves on any write and cannot be set back), so any change shows without reading
/// a byte.
type Entry = (u32, u64, u64, i64, i64, i64, i64);

/// Every entry under the app, by path, except `.git` folders (version control's; stages cannot write there
/// through the runner) and the run's own folders.
fn app_state(root: &Path, unwatched: &[PathBuf]) -> BTreeMap<PathBuf, Entry> {
    let mut state = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if unwatched.iter().any(|u| u == &path) {
                continue;
            }
            let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
            if meta.is_dir() && entry.file_name().eq_ignore_ascii_case(".git") {
                continue;
            }
            #[cfg(unix)]
            let described = {
                use std::os::unix::fs::MetadataExt;
                (meta.mode(), meta.size(), meta.ino(), meta.mtime(), meta.mtime_nsec(), meta.ctime(), meta.ctime_nsec())
            };
            #[cfg(not(unix))]
            let described = (0, meta.len(), 0, 0, 0, 0, 0);
            if meta.is_dir() {
                pending.push(path.clone());
            }
            state.insert(path, described);
        }
    }
    state
}

/// The entries created, removed or changed between two states, as `created `x``, at most five named.
fn changes(root: &Path, before: &BTreeMap<PathBuf, Entry>, after: &BTreeMap<PathBuf, Entry>) -> String {
    // A folder's times move when an entry inside it comes or goes, which is named on its own.
    let is_dir = |e: &Entry| e.0 & 0o170000 == 0o040000;
    let mut found = Vec::new();
    for (path, entry) in after {
        match before.get(path) {
            None => found.push(("created", path)),
            Some(old) if old != entry && !(is_dir(old) && is_dir(entry)) => found.push(("changed", path)),
            _ => {}
        }
    }
    for path in before.keys().filter(|p| !after.contains_key(*p)) {
        found.push(("removed", path));
    }
    let shown_path = |p: &Path| p.strip_prefix(root).unwrap_or(p).to_string_lossy().into_owned();
    let mut shown: Vec<String> = found.iter().take(5).map(|(what, p)| format!("{what} `{}`", shown_path(p))).collect();
    if found.len() > 5 {
        shown.push(format!("and {} more", found.len() - 5));
    }
    shown.join(", ")
}

/// The file a stage reads for an unmanaged path: the app's own regular file there, or the regular file inside the
/// app a symlink there leads to; nothing for anything else (a link out of the app, a folder, a FIFO).
fn unmanaged_source(app_root: &Path, rel: &str) -> Option<PathBuf> {
    let resolved = app_root.join(rel).canonicalize().ok()?;
    let regular = std::fs::metadata(&resolved).is_ok_and(|m| m.is_file());
    (regular && resolved.starts_with(app_root)).then_some(resolved)
}

struct Ran {
    status: Option<std::process::ExitStatus>,
    /// The end of its stderr.
    stderr: String,
    timed_out: bool,
    /// CPU time its process group had used when it timed out, where the system tells.
    cpu_ticks: Option<u64>,
}

impl Ran {
    /// The processor time the timed-out stage had used, in seconds.
    fn cpu_seconds(&self) -> Option<f64> {
        #[cfg(unix)]
        // SAFETY: sysconf(3) reads a constant of the system.
        let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        #[cfg(not(unix))]
        let per_second = 0;
        self.cpu_ticks.filter(|_| per_second > 0).map(|t| t as f64 / per_second as f64)
    }

    fn code(&self) -> Option<i32> {
        self.status.and_then(|s| s.code())
    }

    /// `exit code N` or `signal N`.
    fn how(&self) -> String {
        match (self.code(), self.status) {
            (Some(code), _) => format!("exit code {code}"),
            #[cfg(unix)]
            (None, Some(status)) => match std::os::unix::process::ExitStatusExt::signal(&status) {
                Some(signal) => format!("killed by signal {signal}"),
                None => "no exit code".into(),
            },
            _ => "no exit code".into(),
        }
    }
}

/// The last lines of a stage's stderr, to show with a failure: at most 20 lines of at most 400 characters each,
/// so that a stage that printed megabytes does not bury the message.
fn tail(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.trim_end().lines().collect();
    if lines.is_empty() {
        return String::new();
    }
    let start = lines.len().saturating_sub(20);
    let shown: Vec<String> = lines[start..]
        .iter()
        .map(|line| match line.chars().nth(400) {
            Some(_) => format!("[…] {}", tail_chars(line, 400)),
            None => line.to_string(),
        })
        .collect();
    format!("; its stderr ends with:\n  {}", shown.join("\n  "))
}

/// Where a stage's full output is kept, for failure messages.
fn logs(dir: &Path) -> String {
    format!(" (full output: {})", dir.join("stderr.log").display())
}

/// The last `n` characters of a line.
fn tail_chars(line: &str, n: usize) -> String {
    let count = line.chars().count();
    line.chars().skip(count.saturating_sub(n)).collect()
}

fn write_json(path: &Path, value: &impl serde::Serialize) -> Result<()> {
    let text = serde_json::to_string_pretty(value).expect("contract types serialize") + "\n";
    std::fs::write(path, text).map_err(|e| Failure::usage(format!("cannot write {}: {e}", path.display())))
}

fn read_report(stage: &StageSpec, path: &Path, ran: &Ran) -> Result<Report> {
    let text = std::fs::read_to_string(path).map_err(|_| {
        Failure::crash(format!(
            "stage `{}` ({}) wrote no report to --report{}",
            stage.name,
            ran.how(),
            tail(&ran.stderr)
        ))
    })?;
    // The version first, so that a stage of another contract is named as such rather than as malformed.
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Failure::crash(format!(
            "stage `{}` ({}) wrote a report that is not JSON: {e}{}",
            stage.name,
            ran.how(),
            tail(&ran.stderr)
        ))
    })?;
    let version = value.get("contract_version").and_then(|v| v.as_u64());
    if version != Some(CONTRACT_VERSION as u64) {
        let theirs = version.map_or("none".to_string(), |v| v.to_string());
        return Err(Failure::usage(format!(
            "stage `{}` ({}) speaks stage contract {theirs}, this runner speaks contract {CONTRACT_VERSION}: \
             update the stage to contract {CONTRACT_VERSION}",
            stage.name,
            stage.origin_label(None)
        )));
    }
    let report: Report = serde_json::from_value(value).map_err(|e| {
        Failure::crash(format!("stage `{}` wrote a report that does not follow the contract: {e}", stage.name))
    })?;
    if report.stage != stage.name {
        return Err(Failure::crash(format!("stage `{}` wrote a report for stage `{}`", stage.name, report.stage)));
    }
    // What the runner prints and what reports link to must stay inside the app and on one line.
    let findings = report.findings.iter().chain(report.suppressed.iter().map(|s| &s.finding));
    for (i, finding) in findings.enumerate() {
        let why = stowage_kit::check_finding_path(&finding.file)
            .and_then(|()| stowage_kit::check_rule_code(&finding.rule))
            .err();
        if let Some(why) = why {
            return Err(Failure::crash(format!(
                "stage `{}` wrote a report that does not follow the contract: finding {}: {why}",
                stage.name,
                i + 1
            )));
        }
    }
    if !report.facts.is_object() {
        return Err(Failure::crash(format!("stage `{}` published facts that are not a JSON object", stage.name)));
    }
    Ok(report)
}

/// Walks a stage's output folder. Rejects symlinks, special files, paths that are not plain app-relative paths, and
/// a path another stage already wrote.
fn collect_outputs(stage: &StageSpec, out: &Path, owner: &mut BTreeMap<String, String>) -> Result<Vec<Output>> {
    let mut files = Vec::new();
    let mut pending = vec![out.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries =
            std::fs::read_dir(&dir).map_err(|e| Failure::crash(format!("cannot read {}: {e}", dir.display())))?;
        for entry in entries {
            let entry = entry.map_err(|e| Failure::crash(format!("cannot read {}: {e}", dir.display())))?;
            let path = entry.path();
            let rel = path.strip_prefix(out).expect("walk stays under out");
            let Some(rel) = rel.to_str().map(|r| r.replace(std::path::MAIN_SEPARATOR, "/")) else {
                return Err(Failure::crash(format!(
                    "stage `{}` wrote a file whose name is not UTF-8: {}",
                    stage.name,
                    rel.display()
                )));
            };
            let kind = entry.file_type().map_err(|e| Failure::crash(e.to_string()))?;
            if kind.is_symlink() {
                return Err(Failure::crash(format!(
                    "stage `{}` wrote a symlink `{rel}`; stages write plain files only, nothing was applied",
                    stage.name
                )));
            } else if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() {
                check_output_path(&rel).map_err(|why| {
                    Failure::crash(format!("stage `{}` wrote an invalid path: {why}; nothing was applied", stage.name))
                })?;
                if let Some(first) = owner.insert(rel.clone(), stage.name.clone()) {
                    return Err(Failure::crash(format!(
                        "stages `{first}` and `{}` both write `{rel}`; nothing was applied",
                        stage.name
                    )));
                }
                // A file of one stage where another stage's folder goes (`deploy` and `deploy/app.yaml`).
                let ancestors = rel.match_indices('/').map(|(i, _)| &rel[..i]);
                let clash =
                    ancestors.filter_map(|a| owner.get(a).map(|o| (a.to_string(), o.clone()))).next().or_else(|| {
                        let prefix = format!("{rel}/");
                        owner
                            .range(prefix.clone()..)
                            .next()
                            .filter(|(p, _)| p.starts_with(&prefix))
                            .map(|(p, o)| (p.clone(), o.clone()))
                    });
                if let Some((other, other_stage)) = clash {
                    return Err(Failure::crash(format!(
                        "stage `{other_stage}` writes `{other}` and stage `{}` writes `{rel}`: one path cannot be both a \
                         file and a folder; nothing was applied",
                        stage.name
                    )));
                }
                let bytes =
                    std::fs::read(&path).map_err(|e| Failure::crash(format!("cannot read {}: {e}", path.display())))?;
                files.push(Output {
                    path: rel,
                    stage: stage.name.clone(),
                    stage_version: stage.version.clone(),
                    bytes,
                });
            } else {
                return Err(Failure::crash(format!("stage `{}` wrote a special file `{rel}`", stage.name)));
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}
