//! The runner's behaviour as data: each `tests/cases/*.toml` sets up an app, runs commands step by step, and states
//! the exit code, output and resulting files. One `check` runs them all and reports every failing case.
//!
//! Case format:
//! ```toml
//! about = "what the case proves"
//! [app]                         # the app's files before the first step ("{stages}" = tests/stages)
//! "stowage.toml" = "..."
//! [[step]]
//! args = ["containerize"]       # `--app` and (for containerize) `--report-dir` are added
//! remove = ["path"]            # files removed from the app before running (before `write`)
//! write = { "Dockerfile" = "..." }   # files changed in the app before running
//! code = 0                      # expected exit code
//! stdout = ["substring"]        # each must appear; `not_stdout` / `stderr` / `not_stderr` likewise
//! files = { "Dockerfile" = "..." }   # exact contents afterwards
//! absent = ["path"]             # must not exist afterwards
//! app_unchanged = true          # the app's bytes are exactly as before the step
//! same_as_step = 1              # stdout and the app equal those after step 1 (1-based)
//! ```
//!
//! More keys, for the cases that need them:
//! ```toml
//! app_dir = "my app"            # (case) the app folder's name; default "my app" (a space: paths must never be split)
//! [other_app]                   # (case) files of a second app at <scratch>/other/<app_dir>, "{other_app}" in strings
//! [outside_symlinks]            # (case) symlinks in the scratch folder (the app's parent): path -> target
//! tmpfs = ["deploy"]            # (case) folders of the app that are mount points of another file system (a tmpfs),
//!                               # as bind mounts and volumes are in dev containers; the case is skipped where
//!                               # mounting is not permitted
//! tmpfs_options = { "deploy" = "ro" }   # (case) mount options of those tmpfs (`ro`, `size=16k`)
//! fifos = ["pipe"]              # (case) named pipes (FIFOs) made in the app before the first step
//! [[step]]
//! code = [1, 2]                 # any of these exit codes (when the table allows more than one reading)
//! cwd = "."                     # run from this folder, relative to the app (default: the tests crate)
//! no_report_dir = true          # do not add `--report-dir` (the default report folder is used)
//! env = { "X" = "{scratch}" }   # extra environment; placeholders are filled
//! pause_ms = 800                # wait this long before running the step
//! background = true             # start the step and go on; its code/stdout/stderr are checked once the next
//!                               # foreground step has finished (its other keys are checked then too)
//! chmod = { "a.sh" = "755" }    # file modes (octal) set before running
//! modes = { "a.sh" = "755" }    # file modes (octal, permission bits) expected afterwards
//! stderr_max_bytes = 10000      # stderr must not be longer than this
//! file_contains = { "../report/report.json" = ["\"exit_code\": 2"] }   # substrings of a file afterwards
//!                               # (paths relative to the app; the run's report folder is ../report)
//! not_file_contains = { "../report/report.sarif" = ["helpUri"] }   # substrings a file must not hold afterwards
//! untouched = ["path"]         # these files are not rewritten by the step (same inode and modification time)
//! stdout_closed = true          # the reader of stdout has gone before the runner prints (`... | head -0`)
//! interrupt_after_ms = 1500     # run in a process group of its own and send that group SIGINT after this long,
//!                               # as Ctrl-C in a terminal does; a runner killed by a signal N exits as 128 + N
//! interrupt_on_stderr = "text"  # with interrupt_after_ms: count the wait from the first stderr line holding this
//! interrupt_signal = "KILL"     # with interrupt_after_ms: send this signal instead of INT (`kill -s` names)
//! file_max_bytes = { "../report/run/gen/stderr.log" = 9000000 }   # a file afterwards is at most this long
//! never_shown = ["hunter2"]     # none of these appears in stdout, stderr, any file under the report folder, or
//!                               # any file of the app the step created or changed (secrets never leave the app)
//! files_under = { "many" = [0, 20000] }   # the number of files below a folder is one of these (all or nothing)
//! no_name_starting_with = [".stowage-apply"]   # nothing in the app has a name starting with these
//! run_named_fix = true          # run the command the output names as the fix (the text in "run `...`"), with
//!                               # `cargo xtask` replaced by the runner's path, through `sh -c` from the step's cwd
//!                               # with the step's env; it must exit 0
//! ```
//! Placeholders in app files, args, env and expectations: `{stages}` (tests/stages), `{app}` (the app's absolute
//! path), `{scratch}` (the folder the app is in), `{other_app}`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde::Deserialize;

use crate::support::{Scratch, repo_root, text, tree, xtask};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    about: String,
    #[serde(default)]
    app: BTreeMap<String, String>,
    /// Symlinks in the app before the first step: path -> target.
    #[serde(default)]
    symlinks: BTreeMap<String, String>,
    /// The app folder's name.
    app_dir: Option<String>,
    /// A second app, beside the first in `<scratch>/other/`, with the same folder name.
    #[serde(default)]
    other_app: BTreeMap<String, String>,
    /// Symlinks in the scratch folder (the app's parent): path -> target.
    #[serde(default)]
    outside_symlinks: BTreeMap<String, String>,
    #[serde(default)]
    tmpfs: Vec<String>,
    #[serde(default)]
    tmpfs_options: BTreeMap<String, String>,
    #[serde(default)]
    fifos: Vec<String>,
    step: Vec<Step>,
}

/// File systems mounted for a case, unmounted when dropped (before the scratch folder goes).
struct Mounts(Vec<std::path::PathBuf>);

impl Drop for Mounts {
    fn drop(&mut self) {
        for dir in self.0.iter().rev() {
            let _ = Command::new("umount").arg(dir).status();
        }
    }
}

/// One exit code, or any of several.
#[derive(Deserialize)]
#[serde(untagged)]
enum Codes {
    One(i32),
    Any(Vec<i32>),
}

impl Codes {
    fn allows(&self, code: Option<i32>) -> bool {
        match self {
            Codes::One(c) => code == Some(*c),
            Codes::Any(cs) => cs.iter().any(|c| code == Some(*c)),
        }
    }
    fn shown(&self) -> String {
        match self {
            Codes::One(c) => c.to_string(),
            Codes::Any(cs) => format!("one of {cs:?}"),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    args: Vec<String>,
    #[serde(default)]
    write: BTreeMap<String, String>,
    #[serde(default)]
    remove: Vec<String>,
    code: Codes,
    #[serde(default)]
    stdout: Vec<String>,
    #[serde(default)]
    not_stdout: Vec<String>,
    #[serde(default)]
    stderr: Vec<String>,
    #[serde(default)]
    stdout_in_order: Vec<String>,
    #[serde(default)]
    stderr_in_order: Vec<String>,
    #[serde(default)]
    not_stderr: Vec<String>,
    #[serde(default)]
    files: BTreeMap<String, String>,
    #[serde(default)]
    absent: Vec<String>,
    #[serde(default)]
    app_unchanged: bool,
    same_as_step: Option<usize>,
    /// Extra environment for the command.
    #[serde(default)]
    env: BTreeMap<String, String>,
    /// Run from this folder, relative to the app.
    cwd: Option<String>,
    #[serde(default)]
    no_report_dir: bool,
    #[serde(default)]
    never_shown: Vec<String>,
    #[serde(default)]
    pause_ms: u64,
    #[serde(default)]
    background: bool,
    #[serde(default)]
    chmod: BTreeMap<String, String>,
    #[serde(default)]
    modes: BTreeMap<String, String>,
    stderr_max_bytes: Option<usize>,
    #[serde(default)]
    run_named_fix: bool,
    interrupt_after_ms: Option<u64>,
    #[serde(default)]
    stdout_closed: bool,
    #[serde(default)]
    file_contains: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    not_file_contains: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    untouched: Vec<String>,
    interrupt_on_stderr: Option<String>,
    interrupt_signal: Option<String>,
    #[serde(default)]
    file_max_bytes: BTreeMap<String, u64>,
    #[serde(default)]
    files_under: BTreeMap<String, Vec<usize>>,
    #[serde(default)]
    no_name_starting_with: Vec<String>,
}

#[test]
fn cases() {
    let dir = repo_root().join("tests/cases");
    let mut names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    // `STOWAGE_CASES=word cargo test ... cases` runs only the cases whose name holds the word, while working on them.
    let only = std::env::var("STOWAGE_CASES").ok();
    if let Some(word) = &only {
        names.retain(|p| p.file_stem().is_some_and(|n| n.to_string_lossy().contains(word.as_str())));
        assert!(!names.is_empty(), "no case name holds `{word}`");
    }
    let mut failures = Vec::new();
    for path in &names {
        if let Err(why) = check(path) {
            failures.push(format!("{}: {why}", path.file_name().unwrap().to_string_lossy()));
        }
    }
    assert!(only.is_some() || names.len() >= 20, "expected the full set of runner cases, found {}", names.len());
    assert!(failures.is_empty(), "{} of {} cases failed:\n\n{}", failures.len(), names.len(), failures.join("\n\n"));
}

fn check(path: &Path) -> Result<(), String> {
    let case: Case =
        toml::from_str(&std::fs::read_to_string(path).unwrap()).map_err(|e| format!("bad case file: {e}"))?;
    let name = path.file_stem().unwrap().to_string_lossy().to_string();
    let scratch = Scratch::new(&format!("case-{name}"));
    // A space in the app path everywhere: paths must never be split.
    let app_dir = case.app_dir.clone().unwrap_or_else(|| "my app".to_string());
    let app = scratch.0.join(&app_dir);
    let other_app = scratch.0.join("other").join(&app_dir);
    let report = scratch.0.join("report");
    std::fs::create_dir_all(&app).unwrap();
    let stages = repo_root().join("tests/stages");
    let fill = |s: &str| {
        s.replace("{stages}", &stages.display().to_string())
            .replace("{other_app}", &other_app.display().to_string())
            .replace("{app}", &app.display().to_string())
            .replace("{scratch}", &scratch.0.display().to_string())
    };
    let mut mounts = Mounts(Vec::new());
    for rel in &case.tmpfs {
        let dir = app.join(rel);
        std::fs::create_dir_all(&dir).unwrap();
        let options = case.tmpfs_options.get(rel).map(|o| vec!["-o", o.as_str()]).unwrap_or_default();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs"])
            .args(options)
            .args(["stowage-case", &dir.display().to_string()])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            eprintln!("{name}: skipped, mounting a tmpfs is not permitted here");
            return Ok(());
        }
        mounts.0.push(dir);
    }
    for (rel, contents) in &case.app {
        write(&app, rel, &fill(contents));
    }
    if !case.other_app.is_empty() {
        std::fs::create_dir_all(&other_app).unwrap();
        for (rel, contents) in &case.other_app {
            write(&other_app, rel, &fill(contents));
        }
    }
    for rel in &case.fifos {
        let made = Command::new("mkfifo").arg(app.join(rel)).status().is_ok_and(|s| s.success());
        if !made {
            return Err(format!("cannot make the FIFO {rel}"));
        }
    }
    for (rel, target) in &case.symlinks {
        std::os::unix::fs::symlink(target, app.join(rel)).unwrap();
    }
    for (rel, target) in &case.outside_symlinks {
        std::os::unix::fs::symlink(fill(target), scratch.0.join(rel)).unwrap();
    }
    // (stdout, app tree) after each step, for `same_as_step`.
    type Snapshot = (String, Vec<(String, Vec<u8>)>);
    let mut history: Vec<Snapshot> = Vec::new();
    // Steps started in the background: (index, label, child, app before).
    type Started = (usize, String, std::process::Child, Vec<(String, Vec<u8>)>, Option<std::path::PathBuf>);
    let mut background: Vec<Started> = Vec::new();
    for (i, step) in case.step.iter().enumerate() {
        let at = format!("step {} ({})", i + 1, step.args.join(" "));
        if step.pause_ms > 0 {
            std::thread::sleep(std::time::Duration::from_millis(step.pause_ms));
        }
        for rel in &step.remove {
            std::fs::remove_file(app.join(rel)).map_err(|e| format!("{at}: cannot remove {rel}: {e}"))?;
        }
        for (rel, contents) in &step.write {
            write(&app, rel, &fill(contents));
        }
        for (rel, mode) in &step.chmod {
            let mode = u32::from_str_radix(mode, 8).map_err(|e| format!("{at}: bad mode {mode}: {e}"))?;
            std::fs::set_permissions(app.join(rel), std::os::unix::fs::PermissionsExt::from_mode(mode))
                .map_err(|e| format!("{at}: cannot chmod {rel}: {e}"))?;
        }
        let before = tree(&app);
        let stamp = |rel: &str| {
            use std::os::unix::fs::MetadataExt;
            std::fs::symlink_metadata(app.join(rel)).map(|m| (m.ino(), m.mtime(), m.mtime_nsec())).ok()
        };
        let stamps: Vec<_> = step.untouched.iter().map(|rel| stamp(rel)).collect();
        let mut args: Vec<String> = step.args.iter().map(|a| fill(a)).collect();
        let sub = args.first().cloned().unwrap_or_default();
        if matches!(sub.as_str(), "containerize" | "clean" | "stages")
            && !args.iter().any(|a| a == "--app" || a.starts_with("--app="))
        {
            args.push("--app".into());
            args.push(app.display().to_string());
        }
        if sub == "containerize" && !step.no_report_dir && !args.iter().any(|a| a == "--report-dir") {
            args.push("--report-dir".into());
            args.push(report.display().to_string());
        }
        let cwd = step.cwd.as_ref().map(|c| app.join(c));
        let env: BTreeMap<String, String> = step.env.iter().map(|(k, v)| (k.clone(), fill(v))).collect();
        let mut command = Command::new(xtask());
        command.args(&args).env("NO_COLOR", "1").env_remove("CI").envs(&env);
        if let Some(cwd) = &cwd {
            command.current_dir(cwd);
        }
        if step.background {
            let child = command
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .map_err(|e| format!("{at}: cannot run xtask: {e}"))?;
            background.push((i, at, child, before, cwd));
            history.push((String::new(), Vec::new()));
            continue;
        }
        let output = match step.interrupt_after_ms {
            None if step.stdout_closed => {
                let mut child = command
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .map_err(|e| format!("{at}: cannot run xtask: {e}"))?;
                drop(child.stdout.take());
                child.wait_with_output().map_err(|e| format!("{at}: cannot wait: {e}"))?
            }
            None => command.output().map_err(|e| format!("{at}: cannot run xtask: {e}"))?,
            Some(ms) => {
                std::os::unix::process::CommandExt::process_group(&mut command, 0);
                let mut child = command
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .map_err(|e| format!("{at}: cannot run xtask: {e}"))?;
                let group = format!("-{}", child.id());
                let signal = step.interrupt_signal.clone().unwrap_or_else(|| "INT".into());
                // The terminal's Ctrl-C: SIGINT to every process of the foreground group.
                let interrupt = move || {
                    std::thread::sleep(std::time::Duration::from_millis(ms));
                    let _ = Command::new("kill").args(["-s", &signal, "--", &group]).status();
                };
                match &step.interrupt_on_stderr {
                    None => {
                        interrupt();
                        child.wait_with_output().map_err(|e| format!("{at}: cannot wait: {e}"))?
                    }
                    Some(marker) => {
                        use std::io::BufRead;
                        let mut reader = std::io::BufReader::new(child.stderr.take().expect("piped"));
                        let mut stderr = Vec::new();
                        let mut interrupt = Some(interrupt);
                        let mut line = Vec::new();
                        while reader.read_until(b'\n', &mut line).map_err(|e| format!("{at}: {e}"))? > 0 {
                            if String::from_utf8_lossy(&line).contains(marker.as_str())
                                && let Some(interrupt) = interrupt.take()
                            {
                                std::thread::spawn(interrupt);
                            }
                            stderr.append(&mut line);
                        }
                        let mut output = child.wait_with_output().map_err(|e| format!("{at}: cannot wait: {e}"))?;
                        output.stderr = stderr;
                        output
                    }
                }
            }
        };
        for (j, bg_at, child, bg_before, bg_cwd) in background.drain(..) {
            let bg_output = child.wait_with_output().map_err(|e| format!("{bg_at}: cannot wait: {e}"))?;
            let (bg_stdout, _) = text(&bg_output);
            let bg_env = case.step[j].env.iter().map(|(k, v)| (k.clone(), fill(v))).collect();
            verify(
                &case.step[j],
                &bg_at,
                &case.about,
                &bg_output,
                &app,
                &fill,
                &bg_before,
                bg_cwd.as_deref(),
                &bg_env,
            )?;
            history[j] = (bg_stdout, tree(&app));
        }
        let stdout = verify(step, &at, &case.about, &output, &app, &fill, &before, cwd.as_deref(), &env)?;
        for (rel, was) in step.untouched.iter().zip(&stamps) {
            if was.is_none() || stamp(rel) != *was {
                return Err(format!("{at}: {rel} was rewritten (or is missing), expected it untouched"));
            }
        }
        let after = tree(&app);
        if let Some(n) = step.same_as_step {
            let (prev_stdout, prev_tree) = &history[n - 1];
            if prev_stdout != &stdout || prev_tree != &after {
                return Err(format!("{at}: output or app differ from step {n}: not deterministic"));
            }
        }
        history.push((stdout, after));
    }
    if let Some((_, bg_at, mut child, _, _)) = background.pop() {
        let _ = child.kill();
        return Err(format!("{bg_at}: a background step needs a foreground step after it"));
    }
    Ok(())
}

/// Checks one finished step against its expectations; returns its stdout.
#[allow(clippy::too_many_arguments)]
fn verify(
    step: &Step,
    at: &str,
    about: &str,
    output: &std::process::Output,
    app: &Path,
    fill: &dyn Fn(&str) -> String,
    before: &[(String, Vec<u8>)],
    cwd: Option<&Path>,
    env: &BTreeMap<String, String>,
) -> Result<String, String> {
    let (stdout, stderr) = text(output);
    let shown = || format!("\n--- stdout\n{stdout}--- stderr\n{}---", clip(&stderr));
    // A process killed by signal N exits as 128 + N, as a shell reports it.
    let code =
        output.status.code().or_else(|| std::os::unix::process::ExitStatusExt::signal(&output.status).map(|s| 128 + s));
    if !step.code.allows(code) {
        return Err(format!("{at}: exit code {:?}, expected {} ({about}){}", code, step.code.shown(), shown()));
    }
    for (wanted, haystack, label, present) in step
        .stdout
        .iter()
        .map(|s| (s, &stdout, "stdout", true))
        .chain(step.not_stdout.iter().map(|s| (s, &stdout, "stdout", false)))
        .chain(step.stderr.iter().map(|s| (s, &stderr, "stderr", true)))
        .chain(step.not_stderr.iter().map(|s| (s, &stderr, "stderr", false)))
    {
        let wanted = fill(wanted);
        if haystack.contains(&wanted) != present {
            let verb = if present { "lacks" } else { "has" };
            return Err(format!("{at}: {label} {verb} `{wanted}`{}", shown()));
        }
    }
    if !step.never_shown.is_empty() {
        let mut places: Vec<(String, Vec<u8>)> =
            vec![("stdout".into(), stdout.clone().into_bytes()), ("stderr".into(), stderr.clone().into_bytes())];
        let report = app.parent().map(|p| p.join("report")).filter(|r| r.is_dir());
        places
            .extend(report.map(|r| tree(&r)).unwrap_or_default().into_iter().map(|(p, b)| (format!("report/{p}"), b)));
        places.extend(tree(app).into_iter().filter(|f| !before.contains(f)).map(|(p, b)| (format!("app/{p}"), b)));
        for secret in &step.never_shown {
            let secret = fill(secret);
            for (place, bytes) in &places {
                if String::from_utf8_lossy(bytes).contains(&secret) {
                    return Err(format!("{at}: `{secret}` is shown in {place}{}", shown()));
                }
            }
        }
    }
    for (wanted, haystack, label) in step
        .stdout_in_order
        .iter()
        .map(|s| (s, &stdout, "stdout"))
        .chain(step.stderr_in_order.iter().map(|s| (s, &stderr, "stderr")))
        .scan(std::collections::HashMap::new(), |from, (w, h, l)| {
            let start: usize = *from.get(l).unwrap_or(&0);
            let found = h[start..].find(w.as_str()).map(|i| start + i + w.len());
            from.insert(l, found.unwrap_or(usize::MAX / 2));
            Some((w, if found.is_some() { "" } else { h.as_str() }, l))
        })
    {
        if !haystack.is_empty() {
            return Err(format!("{at}: {label} lacks `{wanted}` after the previous expected line{}", shown()));
        }
    }
    if let Some(max) = step.stderr_max_bytes
        && output.stderr.len() > max
    {
        return Err(format!("{at}: stderr is {} bytes, expected at most {max}{}", output.stderr.len(), shown()));
    }
    for (rel, expected) in &step.files {
        let actual = std::fs::read(app.join(rel)).map_err(|e| format!("{at}: {rel} not readable: {e}{}", shown()))?;
        if actual != fill(expected).as_bytes() {
            return Err(format!(
                "{at}: {rel} holds {:?}, expected {:?}{}",
                String::from_utf8_lossy(&actual),
                fill(expected),
                shown()
            ));
        }
    }
    for (rel, wanted) in &step.file_contains {
        let actual = std::fs::read(app.join(rel)).map_err(|e| format!("{at}: {rel} not readable: {e}{}", shown()))?;
        let actual = String::from_utf8_lossy(&actual);
        for w in wanted {
            let w = fill(w);
            if !actual.contains(&w) {
                return Err(format!("{at}: {rel} lacks `{w}`; it holds:\n{}{}", clip(&actual), shown()));
            }
        }
    }
    for (rel, unwanted) in &step.not_file_contains {
        let actual = std::fs::read(app.join(rel)).map_err(|e| format!("{at}: {rel} not readable: {e}{}", shown()))?;
        let actual = String::from_utf8_lossy(&actual);
        for u in unwanted {
            let u = fill(u);
            if actual.contains(&u) {
                return Err(format!("{at}: {rel} holds `{u}`; it holds:\n{}{}", clip(&actual), shown()));
            }
        }
    }
    for (rel, max) in &step.file_max_bytes {
        let len =
            std::fs::metadata(app.join(rel)).map_err(|e| format!("{at}: {rel} not readable: {e}{}", shown()))?.len();
        if len > *max {
            return Err(format!("{at}: {rel} is {len} bytes, expected at most {max}{}", shown()));
        }
    }
    for (rel, expected) in &step.modes {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(app.join(rel))
            .map_err(|e| format!("{at}: {rel} not readable: {e}{}", shown()))?
            .permissions()
            .mode()
            & 0o7777;
        if format!("{mode:o}") != *expected {
            return Err(format!("{at}: {rel} has mode {mode:o}, expected {expected}{}", shown()));
        }
    }
    for (rel, counts) in &step.files_under {
        let dir = app.join(rel);
        let n = if dir.is_dir() { tree(&dir).iter().filter(|(p, _)| !p.ends_with('/')).count() } else { 0 };
        if !counts.contains(&n) {
            return Err(format!("{at}: {n} files under {rel}, expected one of {counts:?}{}", shown()));
        }
    }
    if !step.no_name_starting_with.is_empty() {
        for (path, _) in tree(app) {
            let hit =
                path.split('/').any(|name| step.no_name_starting_with.iter().any(|p| name.starts_with(p.as_str())));
            if hit {
                return Err(format!("{at}: the app holds `{path}`{}", shown()));
            }
        }
    }
    for rel in &step.absent {
        if std::fs::symlink_metadata(app.join(rel)).is_ok() {
            return Err(format!("{at}: {rel} exists, expected it absent{}", shown()));
        }
    }
    let after = tree(app);
    if step.app_unchanged && after != before {
        let changed: Vec<String> = after
            .iter()
            .filter(|e| !before.contains(e))
            .chain(before.iter().filter(|e| !after.contains(e)))
            .map(|(p, _)| p.clone())
            .collect();
        return Err(format!("{at}: the app changed ({}){}", changed.join(", "), shown()));
    }
    if step.run_named_fix {
        let Some(start) = stderr.find("run `").map(|i| i + 5) else {
            return Err(format!("{at}: the output names no command to run{}", shown()));
        };
        let fix = &stderr[start..start + stderr[start..].find('`').unwrap_or(0)];
        let Some(rest) = fix.strip_prefix("cargo xtask ") else {
            return Err(format!("{at}: the named fix `{fix}` does not start with `cargo xtask`{}", shown()));
        };
        let runner = xtask().display().to_string().replace('\'', "'\\''");
        let script = format!("'{runner}' {rest}");
        let mut command = Command::new("sh");
        command.arg("-c").arg(&script).env("NO_COLOR", "1").env_remove("CI").envs(env);
        if let Some(cwd) = cwd {
            command.current_dir(cwd);
        }
        let fixed = command.output().map_err(|e| format!("{at}: cannot run sh: {e}"))?;
        if !fixed.status.success() {
            let (o, e) = text(&fixed);
            return Err(format!(
                "{at}: the named fix `{fix}` exited {:?}\n--- its stdout\n{o}--- its stderr\n{}---",
                fixed.status.code(),
                clip(&e)
            ));
        }
    }
    Ok(stdout)
}

/// Long output, cut in the middle so that a failure message stays readable.
fn clip(text: &str) -> String {
    if text.len() <= 6000 {
        return text.to_string();
    }
    let head = text.char_indices().take_while(|(i, _)| *i < 3000).map(|(_, c)| c).collect::<String>();
    let tail_start = text.char_indices().map(|(i, _)| i).find(|i| *i >= text.len() - 3000).unwrap_or(0);
    format!("{head}\n[... {} bytes cut ...]\n{}", text.len() - 6000, &text[tail_start..])
}

fn write(app: &Path, rel: &str, contents: &str) {
    let dest = app.join(rel);
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    std::fs::write(dest, contents).unwrap();
}
