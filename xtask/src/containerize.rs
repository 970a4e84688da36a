//! `containerize`: run the pipeline over an app, then apply its outputs or (with `--check`) fail on drift.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Serialize;
use stowage_kit::{Finding, Mode};

use crate::apply::{self, Plan, PlanInput, Status};
use crate::cli::{ContainerizeArgs, Format};
use crate::config::{self, Flags};
use crate::discover;
use crate::failure::{Failure, Result};
use crate::home::Home;
use crate::lock::Lock;
use crate::pipeline::{Pipeline, StageOutcome};

/// Everything a run decided, written as the run's report and printed with `--format json`.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub app: String,
    pub mode: &'static str,
    pub profile: String,
    pub exit_code: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub stages: Vec<StageOutcome>,
    pub files: Vec<FileSummary>,
    pub findings: Vec<StageFinding>,
    pub notes: Vec<StageNote>,
    pub facts: std::collections::BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub struct FileSummary {
    pub path: String,
    pub stage: String,
    pub status: Status,
}

#[derive(Debug, Serialize)]
pub struct StageFinding {
    pub stage: String,
    #[serde(flatten)]
    pub finding: Finding,
}

#[derive(Debug, Serialize)]
pub struct StageNote {
    pub stage: String,
    pub note: String,
}

/// Resolves `--app` (or the default) to an absolute folder.
pub fn app_root(home: &Home, app: Option<&Path>) -> Result<PathBuf> {
    let given = match (app, home.root()) {
        (Some(app), _) => app.to_path_buf(),
        (None, Some(root)) => root.to_path_buf(),
        (None, None) => PathBuf::from("."),
    };
    let root = given
        .canonicalize()
        .map_err(|e| Failure::usage(format!("cannot open the app folder {}: {e}", given.display())))?;
    if !root.is_dir() {
        return Err(Failure::usage(format!("the app path {} is not a folder", given.display())));
    }
    Ok(root)
}

/// Where a run's report goes unless `--report-dir` says otherwise: never into the app.
pub fn default_report_dir(home: &Home, app_root: &Path, name: &str) -> PathBuf {
    match home {
        // Cargo's own target folder: CARGO_TARGET_DIR when set, as cargo does.
        // A relative CARGO_TARGET_DIR is relative to the current folder, as cargo reads it.
        Home::Workspace { root } => std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .map(|t| if t.is_absolute() { t } else { std::env::current_dir().unwrap_or_default().join(t) })
            .unwrap_or_else(|| root.join("target"))
            .join("stowage")
            .join(name),
        Home::Installed { .. } => {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
                .unwrap_or_else(std::env::temp_dir);
            // Keyed by the app's path too: one CI machine may check several repositories with the same name.
            let key = crate::lock::hash(app_root.to_string_lossy().as_bytes());
            cache.join("stowage").join(format!("{name}-{}", &key[..12]))
        }
    }
}

pub fn run(home: &Home, args: &ContainerizeArgs) -> Result<i32> {
    let mut reported = false;
    let result = execute(home, args, false, &mut reported);
    let Err(failure) = result else { return result };
    // The full report of a run that got as far as writing one is kept: CI needs exactly the failing runs' reports.
    if reported {
        return Err(failure);
    }
    // A failure before the pipeline ran (configuration, discovery) still leaves a report, so that the folder never
    // shows an older run's success, and gives scripts a summary to read.
    let summary = serde_json::json!({
        "mode": if args.check { "check" } else { "apply" },
        "exit_code": failure.code as i32,
        "error": failure.message,
    });
    if let Ok(root) = app_root(home, args.app.app.as_deref()) {
        // The app's own name when its configuration reads, so the report lands where a successful run's would.
        let name = config::load(&root, &Flags::default())
            .map(|l| l.config.name)
            .unwrap_or_else(|_| config::default_name(&root));
        let dir = report_dir(home, args, &root, &name);
        if !inside(&dir, &root) || home.root() == Some(root.as_path()) {
            let _ = std::fs::create_dir_all(&dir).and_then(|()| {
                std::fs::write(dir.join("report.json"), serde_json::to_string_pretty(&summary).expect("json") + "\n")
            });
        }
    }
    if args.format == Format::Json {
        crate::print_stdout(&(serde_json::to_string_pretty(&summary).expect("summary serializes") + "\n"));
        eprintln!("error: {}", failure.message);
        return Ok(failure.code as i32);
    }
    Err(failure)
}

/// The run's report folder, absolute (stages get absolute paths): `--report-dir`, or the default for the app's name.
fn report_dir(home: &Home, args: &ContainerizeArgs, app_root: &Path, name: &str) -> PathBuf {
    let dir = args.report_dir.clone().unwrap_or_else(|| default_report_dir(home, app_root, name));
    if dir.is_absolute() { dir } else { std::env::current_dir().unwrap_or_default().join(dir) }
}

/// Runs without printing anything but errors; the caller reads the report file.
pub fn run_quiet(home: &Home, args: &ContainerizeArgs) -> Result<i32> {
    execute(home, args, true, &mut false)
}

/// Runs the pipeline; `reported` is set once the run's full report is written.
fn execute(home: &Home, args: &ContainerizeArgs, silent: bool, reported: &mut bool) -> Result<i32> {
    let mode = if args.check { Mode::Check } else { Mode::Apply };
    let app_root = app_root(home, args.app.app.as_deref())?;
    let flags = Flags {
        profile: args.settings.profile.clone(),
        fail_on: args.settings.fail_on.map(Into::into),
        stage_timeout_seconds: args.settings.stage_timeout,
        only: args.only.clone(),
        skip: args.skip.clone(),
    };
    let loaded = config::load(&app_root, &flags)?;
    let found = home.find()?;
    for warning in &found.warnings {
        eprintln!("warning: {warning}");
    }
    let mut all = found.stages;
    all.extend(discover::external_stages(&loaded.config)?);
    let ordered = discover::order(all)?;
    let pipeline_names: BTreeSet<String> = ordered.iter().map(|s| s.name.clone()).collect();
    let selected = discover::select(ordered, loaded.only.as_deref(), &loaded.skip, &loaded.selection_at)?;
    discover::check_stage_options(&loaded.config, &pipeline_names)?;
    home.build(&selected)?;
    let lock = Lock::read(&app_root)?;
    let report_dir = report_dir(home, args, &app_root, &loaded.config.name);
    if inside(&report_dir, &app_root) && home.root() != Some(app_root.as_path()) {
        return Err(Failure::usage(format!(
            "the report folder {} is inside the app; stowage never writes reports into the app: choose another --report-dir",
            report_dir.display()
        )));
    }
    // The run's scratch folder is cleared first: it must not hold the app.
    if inside(&app_root, &report_dir.join("run")) {
        return Err(Failure::usage(format!(
            "the app {} is inside the report folder's scratch space {}: choose another --report-dir",
            app_root.display(),
            report_dir.join("run").display()
        )));
    }
    // One run at a time per report folder: two runs of same-named apps would otherwise share scratch space.
    let _guard = lock_report_dir(&report_dir)?;
    let human = args.format == Format::Human && !silent;
    let progress = |o: &StageOutcome| {
        if human {
            eprintln!(
                "stowage: {:<12} {:<11} {:>6} ms  {} file{}, {} finding{}",
                o.name,
                o.status,
                o.elapsed.as_millis(),
                o.files,
                if o.files == 1 { "" } else { "s" },
                o.findings,
                if o.findings == 1 { "" } else { "s" }
            );
        }
    };
    let pipeline = Pipeline {
        app_root: &app_root,
        config: &loaded.config,
        mode,
        managed: lock.as_ref().map(|l| l.files.iter().map(|f| f.path.clone()).collect()).unwrap_or_default(),
        run_dir: report_dir.join("run"),
        bin_dir: found.bin_dir.clone(),
        owns_run_dir: args.report_dir.is_none(),
        timeout_setting: match (
            args.settings.stage_timeout,
            loaded.config.key_locations.get("thresholds.stage_timeout_seconds"),
        ) {
            (Some(_), _) => "`--stage-timeout`".into(),
            (None, Some(at)) => format!("`thresholds.stage_timeout_seconds` ({at})"),
            (None, None) => "`thresholds.stage_timeout_seconds` in stowage.toml".into(),
        },
        progress: &progress,
    };
    let result = pipeline.run(&selected)?;
    // `--adopt ./Dockerfile` or an absolute path into the app name the same file as `Dockerfile`.
    let adopted: Vec<String> = args.adopt.iter().map(|p| app_relative(&app_root, p)).collect();
    let stages_that_ran: BTreeSet<String> = result.outcomes.iter().map(|o| o.name.clone()).collect();
    let findings: Vec<StageFinding> = result
        .reports
        .iter()
        .flat_map(|r| r.findings.iter().map(|f| StageFinding { stage: r.stage.clone(), finding: f.clone() }))
        .collect();
    let mut summary = Summary {
        app: loaded.config.name.clone(),
        mode: if args.check { "check" } else { "apply" },
        profile: loaded.config.profile.clone(),
        exit_code: 0,
        error: None,
        stages: result.outcomes,
        files: Vec::new(),
        findings,
        notes: result
            .reports
            .iter()
            .flat_map(|r| r.notes.iter().map(|n| StageNote { stage: r.stage.clone(), note: n.clone() }))
            .collect(),
        facts: result.reports.iter().map(|r| (r.stage.clone(), r.facts.clone())).collect(),
    };
    let fail_on = loaded.config.thresholds.fail_on;
    let mut gate_failures: Vec<String> = Vec::new();
    if summary.findings.iter().any(|f| fail_on.fails(f.finding.severity)) {
        gate_failures.push(format!(
            "findings at or above the `fail_on` threshold (fix them, or see `{} explain CODE`)",
            home.command()
        ));
    }
    for stage in summary.stages.iter().filter(|s| s.status == "gate-failed") {
        let failing = summary.findings.iter().any(|f| f.stage == stage.name && fail_on.fails(f.finding.severity));
        if let (false, Some(detail)) = (failing, &stage.detail) {
            gate_failures.push(detail.clone());
        }
    }
    let outcome = match result.failure {
        Some(failure) => Err(failure),
        None => {
            let plan = apply::plan(PlanInput {
                app_root: &app_root,
                outputs: &result.outputs,
                lock: lock.as_ref(),
                unmanaged: &loaded.config.unmanaged,
                stages_that_ran: &stages_that_ran,
                pipeline_stages: &pipeline_names,
                force: args.force,
                adopt: &adopted,
            });
            match plan {
                Err(e) => Err(e),
                Ok(plan) => {
                    summary.files = plan
                        .files
                        .iter()
                        .map(|f| FileSummary { path: f.path.clone(), stage: f.stage.clone(), status: f.status })
                        .collect();
                    // Files of a stage that is no longer part of the pipeline go; say why, since a stage missing
                    // from an installation looks the same.
                    let orphans: BTreeSet<&str> = plan
                        .files
                        .iter()
                        .filter(|f| f.status == Status::Removed && !pipeline_names.contains(&f.stage))
                        .map(|f| f.stage.as_str())
                        .collect();
                    for stage in orphans {
                        eprintln!(
                            "stowage: stage `{stage}` is not part of the pipeline any more (`{} stages` lists the pipeline), so \
                             the files it generated are removed",
                            home.command()
                        );
                    }
                    // The lock is the runner's own file: listed when it changes, so scripts see a lock-only drift.
                    if plan.lock_changed {
                        let status = match (plan.had_lock, plan.lock.files.is_empty()) {
                            (false, _) => Status::Created,
                            (true, true) => Status::Removed,
                            (true, false) => Status::Updated,
                        };
                        summary.files.push(FileSummary {
                            path: crate::lock::LOCK_FILE.into(),
                            stage: "runner".into(),
                            status,
                        });
                    }
                    finish(home, args, &app_root, &plan, &gate_failures, human)
                }
            }
        }
    };
    if human {
        print_findings(&summary);
    }
    summary.exit_code = match &outcome {
        Ok(()) => 0,
        Err(f) => f.code as i32,
    };
    summary.error = outcome.as_ref().err().map(|f| f.message.clone());
    write_report(&report_dir, &summary)?;
    *reported = true;
    if !human && !silent {
        crate::print_stdout(&(serde_json::to_string_pretty(&summary).expect("summary serializes") + "\n"));
    }
    match outcome {
        Ok(()) => Ok(0),
        Err(f) if silent => Ok(f.code as i32),
        Err(f) if !human => {
            // The JSON summary carries the error; stderr still gets it for people reading CI logs.
            eprintln!("error: {}", f.message);
            Ok(f.code as i32)
        }
        Err(f) => Err(f),
    }
}

/// After a successful pipeline: protected files stop the run; then `--check` compares and apply writes.
fn finish(
    home: &Home,
    args: &ContainerizeArgs,
    app_root: &Path,
    plan: &Plan,
    gate_failures: &[String],
    human: bool,
) -> Result<()> {
    let color = human && crate::diff::color_stdout();
    let protected: Vec<_> = plan.files.iter().filter(|f| f.status.is_protected()).collect();
    let fix = fix_command(home, args);
    let show_diff = |file: &apply::Planned| {
        if human {
            crate::print_stdout(&crate::diff::unified(
                &file.path,
                file.current.as_deref(),
                file.generated.as_deref(),
                color,
            ));
        }
    };
    if !protected.is_empty() {
        let mut message = String::new();
        for file in &protected {
            show_diff(file);
            let line = match file.status {
                Status::NotMadeByStowage => format!(
                    "\n  `{p}` exists and was not generated by stowage: list it under `unmanaged` in stowage.toml to keep it \
                     as yours (still validated), or run `{fix} --adopt {p}` to let stowage manage it",
                    p = file.path
                ),
                _ => format!(
                    "\n  `{p}` was edited by hand since stowage generated it: list it under `unmanaged` in stowage.toml to \
                     keep your version, or run `{fix} --force` to overwrite it",
                    p = file.path
                ),
            };
            message.push_str(&line);
        }
        return Err(Failure::failed(format!(
            "{} protected file{} not changed; nothing was written:{message}",
            protected.len(),
            if protected.len() == 1 { "" } else { "s" }
        )));
    }
    if !gate_failures.is_empty() {
        return Err(Failure::failed(format!("{}; nothing was written", gate_failures.join("; "))));
    }
    let changes: Vec<_> = plan.files.iter().filter(|f| f.status.is_change()).collect();
    if args.check {
        for file in &changes {
            show_diff(file);
        }
        // Without an up-to-date lock, the next run could not tell stowage's files from a person's edits.
        let lock_path = app_root.join(crate::lock::LOCK_FILE);
        let lock_now = std::fs::read(&lock_path).ok();
        // When files change the lock changes with them; it is named on its own only when it alone is stale.
        let lock_drift = plan.lock_changed && changes.is_empty();
        if lock_drift && human {
            let rendered = (!plan.lock.files.is_empty()).then(|| plan.lock.render().into_bytes());
            crate::print_stdout(&crate::diff::unified(
                crate::lock::LOCK_FILE,
                lock_now.as_deref(),
                rendered.as_deref(),
                color,
            ));
        }
        if changes.is_empty() && !lock_drift {
            if human {
                let n = plan.files.len();
                eprintln!("stowage: {n} generated file{} up to date", if n == 1 { "" } else { "s" });
            }
            return Ok(());
        }
        let mut listed: Vec<String> = changes.iter().map(|f| format!("{} {}", f.path, f.status.label())).collect();
        if lock_drift {
            let what = if lock_now.is_none() { "missing" } else { "out of date" };
            listed.push(format!("{} {what}", crate::lock::LOCK_FILE));
        }
        let note = if std::env::var_os("CI").is_some() { " locally" } else { "" };
        return Err(Failure::failed(format!(
            "{} file{} out of date ({}); run `{fix}`{note} and commit the result",
            listed.len(),
            if listed.len() == 1 { "" } else { "s" },
            listed.join(", ")
        )));
    }
    apply::apply(app_root, plan)?;
    if human {
        for file in &plan.files {
            if file.status != Status::Unchanged {
                eprintln!("stowage: {:<10} {}", file.status.label(), file.path);
            }
        }
        let changed = changes.len();
        eprintln!(
            "stowage: {} file{} changed, {} unchanged",
            changed,
            if changed == 1 { "" } else { "s" },
            plan.files.iter().filter(|f| f.status == Status::Unchanged).count()
        );
    }
    Ok(())
}

/// The command that regenerates: the same app and selection, without `--check`.
fn fix_command(home: &Home, args: &ContainerizeArgs) -> String {
    let mut cmd = format!("{} containerize", home.command());
    if let Some(app) = &args.app.app {
        let mut shown = app.display().to_string();
        // `--app -svc` would read as a flag: name the same folder as `./-svc`.
        if shown.starts_with('-') {
            shown = format!("./{shown}");
        }
        cmd.push_str(&format!(" --app {}", shell_quote(&shown)));
    }
    if let Some(only) = &args.only {
        cmd.push_str(&format!(" --only {}", only.join(",")));
    }
    if let Some(skip) = &args.skip {
        cmd.push_str(&format!(" --skip {}", skip.join(",")));
    }
    // The choices made on the command line are part of the fix.
    for path in &args.adopt {
        cmd.push_str(&format!(" --adopt {}", shell_quote(path)));
    }
    if args.force {
        cmd.push_str(" --force");
    }
    cmd
}

/// A path given on the command line, as the app-relative form stages use.
fn app_relative(app_root: &Path, given: &str) -> String {
    let path = Path::new(given);
    let absolute =
        if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(path) };
    let resolved =
        absolute.parent().and_then(|p| p.canonicalize().ok()).map(|p| p.join(absolute.file_name().unwrap_or_default()));
    match resolved.as_deref().and_then(|r| r.strip_prefix(app_root).ok()) {
        Some(rel) if path.is_absolute() || given.starts_with("./") || given.starts_with("../") => {
            rel.to_string_lossy().replace(std::path::MAIN_SEPARATOR, "/")
        }
        _ => given.trim_start_matches("./").to_string(),
    }
}

/// Holds an exclusive lock on `<report dir>/.lock` until dropped; a second run on the same folder waits.
fn lock_report_dir(dir: &Path) -> Result<std::fs::File> {
    std::fs::create_dir_all(dir).map_err(|e| Failure::usage(format!("cannot create {}: {e}", dir.display())))?;
    let path = dir.join(".lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Failure::usage(format!("cannot open {}: {e}", path.display())))?;
    if let Err(std::fs::TryLockError::WouldBlock) = file.try_lock() {
        eprintln!("stowage: waiting for another run using {}", dir.display());
        file.lock().map_err(|e| Failure::usage(format!("cannot lock {}: {e}", path.display())))?;
    }
    Ok(file)
}

/// Is `path` (which may not exist yet) inside `root` (canonical), however it is spelled?
fn inside(path: &Path, root: &Path) -> bool {
    let absolute =
        if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(path) };
    // Resolve the longest existing ancestor (symlinks, `..`), then put the rest back.
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    while existing.canonicalize().is_err() {
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return absolute.starts_with(root),
        }
    }
    let mut resolved = existing.canonicalize().expect("checked above");
    for name in rest.iter().rev() {
        resolved.push(name);
    }
    resolved.starts_with(root)
}

/// Quotes a word for a POSIX shell, only when it needs it.
fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+:=@%,".contains(c));
    if plain { word.to_string() } else { format!("'{}'", word.replace('\'', "'\\''")) }
}

fn print_findings(summary: &Summary) {
    for f in &summary.findings {
        let place = match (f.finding.line, f.finding.column) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}", f.finding.file),
            (Some(l), None) => format!("{}:{l}", f.finding.file),
            _ => f.finding.file.clone(),
        };
        eprintln!("{}[{}] {place}: {}", f.finding.severity, f.finding.rule, f.finding.message);
    }
    for n in &summary.notes {
        eprintln!("note({}): {}", n.stage, n.note);
    }
}

fn write_report(dir: &Path, summary: &Summary) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Failure::usage(format!("cannot create {}: {e}", dir.display())))?;
    let path = dir.join("report.json");
    let text = serde_json::to_string_pretty(summary).expect("summary serializes") + "\n";
    std::fs::write(&path, text).map_err(|e| Failure::usage(format!("cannot write {}: {e}", path.display())))
}
