//! Plans what a run changes in the app, and applies the plan as one set.
//!
//! The plan compares three things per path: what the stages produced now, what the lock says stowage wrote last
//! time, and what is on disk. A file on disk that stowage did not write (not in the lock) or that a person edited
//! since (its hash differs from the lock's) is protected: it is never overwritten unless the user chose so
//! (`--adopt PATH` for the first, `--force` for the second).
//!
//! Applying is all or nothing: new bytes go to temporary files in a staging folder at the app root, originals are
//! moved to backups there, then everything is renamed into place; on any error the backups are restored and the
//! temporaries and any created folders are removed, leaving the app exactly as it was.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::failure::{Failure, Result};
use crate::lock::{self, LOCK_FILE, Lock, LockedFile};
use crate::pipeline::Output;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Created,
    Updated,
    Unchanged,
    Removed,
    /// A listed `unmanaged` path: never written.
    Unmanaged,
    /// Edited by hand since stowage wrote it; kept.
    EditedByHand,
    /// Exists but stowage did not write it; kept.
    NotMadeByStowage,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Updated => "updated",
            Status::Unchanged => "unchanged",
            Status::Removed => "removed",
            Status::Unmanaged => "unmanaged",
            Status::EditedByHand => "edited by hand",
            Status::NotMadeByStowage => "not made by stowage",
        }
    }
    pub fn is_change(self) -> bool {
        matches!(self, Status::Created | Status::Updated | Status::Removed)
    }
    pub fn is_protected(self) -> bool {
        matches!(self, Status::EditedByHand | Status::NotMadeByStowage)
    }
}

#[derive(Debug, Clone)]
pub struct Planned {
    pub path: String,
    pub stage: String,
    pub status: Status,
    /// What is in the app now (`None`: absent).
    pub current: Option<Vec<u8>>,
    /// What stowage generates for the path (`None`: no longer generated).
    pub generated: Option<Vec<u8>>,
}

pub struct Plan {
    pub files: Vec<Planned>,
    /// The lock after the plan is applied.
    pub lock: Lock,
    /// The lock changes in more than versions.
    pub lock_changed: bool,
    pub had_lock: bool,
}

pub struct PlanInput<'a> {
    pub app_root: &'a Path,
    pub outputs: &'a [Output],
    pub lock: Option<&'a Lock>,
    pub unmanaged: &'a [String],
    /// Stages whose files this run owns: entries of other stages in the lock are left alone.
    pub stages_that_ran: &'a BTreeSet<String>,
    /// Every stage of the pipeline, run or not: lock entries of a stage that no longer exists are removed.
    pub pipeline_stages: &'a BTreeSet<String>,
    pub force: bool,
    pub adopt: &'a [String],
}

pub fn plan(input: PlanInput<'_>) -> Result<Plan> {
    let empty = Lock::default();
    let old_lock = input.lock.unwrap_or(&empty);
    let locked = old_lock.by_path();
    let generated: BTreeSet<&str> = input.outputs.iter().map(|o| o.path.as_str()).collect();
    for path in input.adopt {
        if stowage_kit::any_glob_match(input.unmanaged, path) {
            return Err(Failure::usage(format!(
                "`--adopt {path}` contradicts `unmanaged` in stowage.toml, which lists `{path}` as the team's own: \
                 remove it from `unmanaged` to let stowage manage it"
            )));
        }
        if !generated.contains(path.as_str()) {
            return Err(Failure::usage(format!("`--adopt {path}`: this run does not generate `{path}`")));
        }
    }
    let mut files = Vec::new();
    let mut new_entries: BTreeMap<String, LockedFile> = BTreeMap::new();
    // Files stowage wrote before that this run no longer generates: decided first, because a generated path may
    // take the place of a folder of removed ones.
    let mut removed: BTreeSet<String> = BTreeSet::new();
    for entry in &old_lock.files {
        if generated.contains(entry.path.as_str()) || stowage_kit::any_glob_match(input.unmanaged, &entry.path) {
            continue;
        }
        let owned = input.stages_that_ran.contains(&entry.stage) || !input.pipeline_stages.contains(&entry.stage);
        if !owned {
            new_entries.insert(entry.path.clone(), entry.clone());
            continue;
        }
        check_destination(input.app_root, &entry.path)?;
        let current = match read_current(input.app_root, &entry.path) {
            // A folder where the file was: nothing of stowage's is left there.
            Err(_) if input.app_root.join(&entry.path).is_dir() => continue,
            other => other?,
        };
        let status = match &current {
            None => continue,
            Some(bytes) if lock::hash(bytes) == entry.sha256 || input.force => {
                removed.insert(entry.path.clone());
                Status::Removed
            }
            Some(_) => {
                new_entries.insert(entry.path.clone(), entry.clone());
                Status::EditedByHand
            }
        };
        files.push(Planned { path: entry.path.clone(), stage: entry.stage.clone(), status, current, generated: None });
    }
    for output in input.outputs {
        // An unmanaged path is never written, so whatever stands there (a symlink to docker/Dockerfile.prod, a
        // folder) is the team's business; only a regular file's bytes are shown.
        if stowage_kit::any_glob_match(input.unmanaged, &output.path) {
            let path = input.app_root.join(&output.path);
            let regular = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file());
            files.push(Planned {
                path: output.path.clone(),
                stage: output.stage.clone(),
                status: Status::Unmanaged,
                current: if regular { std::fs::read(&path).ok() } else { None },
                generated: Some(output.bytes.clone()),
            });
            continue;
        }
        check_destination(input.app_root, &output.path)?;
        check_no_file_in_the_way(input.app_root, &output.path, &removed)?;
        let current = match read_current(input.app_root, &output.path) {
            Err(_) if folder_of_removed(input.app_root, &output.path, &removed) => None,
            other => other?,
        };
        let in_lock = locked.get(output.path.as_str());
        let new_hash = lock::hash(&output.bytes);
        let status = match &current {
            None => Status::Created,
            Some(bytes) if lock::hash(bytes) == new_hash => Status::Unchanged,
            Some(bytes) => match in_lock {
                Some(entry) if lock::hash(bytes) == entry.sha256 => Status::Updated,
                Some(_) if input.force => Status::Updated,
                Some(_) => Status::EditedByHand,
                None if input.adopt.contains(&output.path) => Status::Updated,
                None => Status::NotMadeByStowage,
            },
        };
        let entry = match (status, in_lock) {
            // A protected file keeps its old entry (if any): nothing about it changes.
            (s, Some(old)) if s.is_protected() => Some((*old).clone()),
            (s, None) if s.is_protected() => None,
            // Same bytes as recorded: keep the entry, versions included.
            (_, Some(old)) if old.sha256 == new_hash && old.stage == output.stage => Some((*old).clone()),
            _ => Some(LockedFile {
                path: output.path.clone(),
                stage: output.stage.clone(),
                stage_version: output.stage_version.clone(),
                sha256: new_hash,
            }),
        };
        if let Some(entry) = entry {
            new_entries.insert(entry.path.clone(), entry);
        }
        files.push(Planned {
            path: output.path.clone(),
            stage: output.stage.clone(),
            status,
            current,
            generated: Some(output.bytes.clone()),
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let lock = Lock {
        format: lock::LOCK_FORMAT,
        stowage_version: env!("CARGO_PKG_VERSION").to_string(),
        files: new_entries.into_values().collect(),
    };
    let lock_changed = !lock.same_files(old_lock) || (input.lock.is_none() && !lock.files.is_empty());
    Ok(Plan { files, lock, lock_changed, had_lock: input.lock.is_some() })
}

/// A file of the app standing where a generated path needs a folder (`blocked` for `blocked/x.txt`) stops the run,
/// unless this run removes that file itself.
fn check_no_file_in_the_way(app_root: &Path, rel: &str, removed: &BTreeSet<String>) -> Result<()> {
    for (i, _) in rel.match_indices('/') {
        let ancestor = &rel[..i];
        let is_file = std::fs::symlink_metadata(app_root.join(ancestor)).is_ok_and(|m| m.is_file());
        if is_file && !removed.contains(ancestor) {
            return Err(Failure::failed(format!(
                "`{ancestor}` is a file where stowage must create a folder for `{rel}`; nothing was written: move \
                 `{ancestor}` away, or list `{rel}` under `unmanaged`"
            )));
        }
    }
    Ok(())
}

/// Is `rel` a folder in the app that holds nothing but files this run removes?
fn folder_of_removed(app_root: &Path, rel: &str, removed: &BTreeSet<String>) -> bool {
    fn only_removed(dir: &Path, rel: &str, removed: &BTreeSet<String>) -> bool {
        let Ok(entries) = std::fs::read_dir(dir) else { return false };
        let mut any = false;
        // An empty folder is a person's (stowage removes the folders it empties): it keeps the folder.
        let all = entries.into_iter().all(|entry| {
            let Ok(entry) = entry else { return false };
            any = true;
            let child = format!("{rel}/{}", entry.file_name().to_string_lossy());
            match entry.file_type() {
                Ok(t) if t.is_dir() => only_removed(&entry.path(), &child, removed),
                Ok(t) if t.is_file() => removed.contains(&child),
                _ => false,
            }
        });
        all && any
    }
    let path = app_root.join(rel);
    std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) && only_removed(&path, rel, removed)
}

fn read_current(app_root: &Path, rel: &str) -> Result<Option<Vec<u8>>> {
    let path = app_root.join(rel);
    match std::fs::symlink_metadata(&path) {
        // A file where a folder of the path should be makes the path absent; the file itself is planned on its own.
        Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) => Ok(None),
        Err(e) => Err(Failure::usage(format!("cannot read {}: {e}", path.display()))),
        Ok(meta) if meta.is_file() => {
            std::fs::read(&path).map(Some).map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))
        }
        Ok(_) => Err(Failure::failed(format!(
            "`{rel}` in the app is not a regular file; stowage will not replace it: move it away or list it in `unmanaged`"
        ))),
    }
}

/// Refuses a destination that would resolve outside the app: any existing component that is a symlink.
fn check_destination(app_root: &Path, rel: &str) -> Result<()> {
    let mut path = app_root.to_path_buf();
    for component in rel.split('/') {
        path.push(component);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(Failure::usage(format!(
                    "`{rel}` is reached through the symlink {}, which may lead outside the app; stowage never writes \
                     or removes through a symlink, and nothing was applied: replace the symlink with a folder, or list \
                     `{rel}` under `unmanaged`",
                    path.display()
                )));
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    Ok(())
}

/// Applies every change of the plan and the lock, all or nothing.
pub fn apply(app_root: &Path, plan: &Plan) -> Result<()> {
    let mut writes: Vec<(PathBuf, Vec<u8>)> = plan
        .files
        .iter()
        .filter(|f| f.status.is_change())
        .filter_map(|f| f.generated.clone().map(|bytes| (app_root.join(&f.path), bytes)))
        .collect();
    let mut removes: Vec<PathBuf> =
        plan.files.iter().filter(|f| f.status == Status::Removed).map(|f| app_root.join(&f.path)).collect();
    if plan.lock_changed {
        if !plan.lock.files.is_empty() {
            writes.push((app_root.join(LOCK_FILE), plan.lock.render().into_bytes()));
        } else if plan.had_lock {
            removes.push(app_root.join(LOCK_FILE));
        }
    }
    crate::interrupt::while_applying(|| Transaction::default().run(&writes, &removes, app_root))
}

/// Undo information for a set of writes and removals. Temporaries and backups live in a staging folder at the top of
/// each file system the app spans (its root, and any folder mounted inside it), so every move is an atomic rename
/// within one file system; the transaction creates and removes them.
/// Every step is written to a journal in the app root's staging folder before it is taken, so that a run killed
/// mid-change (SIGKILL, a power cut aside) is rolled back by the next run (`recover`).
#[derive(Default)]
struct Transaction {
    app_root: PathBuf,
    journal: Option<std::fs::File>,
    /// Staging folder by file-system device.
    stagings: BTreeMap<u64, PathBuf>,
    created_dirs: Vec<PathBuf>,
    removed_dirs: Vec<PathBuf>,
    /// (original, backup)
    backups: Vec<(PathBuf, PathBuf)>,
    /// Destinations that now hold new bytes.
    placed: Vec<PathBuf>,
}

impl Transaction {
    fn run(mut self, writes: &[(PathBuf, Vec<u8>)], removes: &[PathBuf], app_root: &Path) -> Result<()> {
        if writes.is_empty() && removes.is_empty() {
            return Ok(());
        }
        self.app_root = app_root.to_path_buf();
        match self.start_journal(app_root).and_then(|()| self.try_run(writes, removes, app_root)) {
            Ok(()) => {
                self.finish();
                Ok(())
            }
            Err(e) => {
                self.roll_back();
                Err(Failure::usage(format!("{e}; the app was left as it was")))
            }
        }
    }

    /// Makes the app root's staging folder and its journal, before anything else.
    fn start_journal(&mut self, app_root: &Path) -> std::io::Result<()> {
        let staging = self.staging_for(app_root, &app_root.join(LOCK_FILE))?;
        let path = staging.join("journal");
        self.journal = Some(std::fs::File::create(&path).map_err(|e| cannot_write(e, app_root, app_root))?);
        Ok(())
    }

    /// Appends one step to the journal: a JSON array of the step's name and app-relative paths.
    fn log(&mut self, step: &str, paths: &[&Path]) -> std::io::Result<()> {
        use std::io::Write;
        let mut entry = vec![step.to_string()];
        entry.extend(paths.iter().map(|p| relative(&self.app_root, p)));
        let line = serde_json::to_string(&entry).expect("strings serialize") + "\n";
        match &mut self.journal {
            Some(journal) => journal.write_all(line.as_bytes()),
            None => Ok(()),
        }
    }

    fn try_run(&mut self, writes: &[(PathBuf, Vec<u8>)], removes: &[PathBuf], app_root: &Path) -> std::io::Result<()> {
        // 1. Every new byte goes to a temporary file first, with the mode of the file it replaces.
        let mut temps = Vec::new();
        for (i, (dest, bytes)) in writes.iter().enumerate() {
            let staging = self.staging_for(app_root, dest)?;
            let temp = staging.join(format!("new-{i}"));
            // Named as the app's file: the staging file is stowage's detail (a full disk is full for that file).
            std::fs::write(&temp, bytes).map_err(|e| cannot_write(e, dest, app_root))?;
            if let Some(meta) = std::fs::metadata(dest).ok().filter(|m| m.is_file()) {
                std::fs::set_permissions(&temp, meta.permissions()).map_err(|e| cannot_write(e, dest, app_root))?;
            }
            temps.push(temp);
        }
        // 2. Originals that are replaced or removed move to backups.
        for (i, dest) in writes.iter().map(|(d, _)| d).chain(removes).enumerate() {
            if std::fs::symlink_metadata(dest).is_ok_and(|m| m.is_file()) {
                let backup = self.staging_for(app_root, dest)?.join(format!("old-{i}"));
                self.log("backup", &[dest, &backup])?;
                std::fs::rename(dest, &backup).map_err(|e| cannot_write(e, dest, app_root))?;
                self.backups.push((dest.clone(), backup));
            }
        }
        // 3. Folders emptied by removals go, up to the app root, so a file may take a folder's place.
        for removed in removes {
            let mut dir = removed.parent();
            while let Some(d) = dir {
                if d == app_root || std::fs::read_dir(d).map_or(true, |mut e| e.next().is_some()) {
                    break;
                }
                self.log("rmdir", &[d])?;
                if std::fs::remove_dir(d).is_err() {
                    break;
                }
                self.removed_dirs.push(d.to_path_buf());
                dir = d.parent();
            }
        }
        // 4. New bytes move into place.
        for (n, (temp, (dest, _))) in temps.iter().zip(writes).enumerate() {
            // Fault injection for the rollback tests: an I/O error, or a pause (in which the test kills the run),
            // before the Nth file moves into place. A failure this late cannot otherwise be provoked reliably.
            let injected = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<usize>().ok()) == Some(n);
            if injected("STOWAGE_TEST_FAIL_APPLY_AT") {
                return Err(std::io::Error::other(format!(
                    "injected failure before moving {} into place",
                    dest.display()
                )));
            }
            if injected("STOWAGE_TEST_PAUSE_APPLY_AT") {
                eprintln!("stowage: test pause before moving {} into place", relative(app_root, dest));
                std::thread::sleep(std::time::Duration::from_secs(3));
            }
            self.create_dirs(dest.parent().expect("destinations are inside the app"))?;
            self.log("place", &[temp, dest])?;
            std::fs::rename(temp, dest).map_err(|e| cannot_write(e, dest, app_root))?;
            self.placed.push(dest.clone());
        }
        self.log("done", &[])
    }

    /// The staging folder on the file system `path` will live on: at the top of that file system within the app.
    fn staging_for(&mut self, app_root: &Path, path: &Path) -> std::io::Result<PathBuf> {
        let mut dir = path.parent().unwrap_or(app_root);
        while !dir.is_dir() && dir != app_root {
            dir = dir.parent().unwrap_or(app_root);
        }
        let device = device(dir)?;
        if let Some(staging) = self.stagings.get(&device) {
            return Ok(staging.clone());
        }
        let mut top = dir;
        while top != app_root {
            match top.parent() {
                Some(parent) if device_of(parent) == Some(device) => top = parent,
                _ => break,
            }
        }
        let staging = top.join(format!("{STAGING_PREFIX}{}", std::process::id()));
        self.log("staging", &[&staging])?;
        std::fs::create_dir(&staging).map_err(|e| cannot_write(e, top, app_root))?;
        self.stagings.insert(device, staging.clone());
        Ok(staging)
    }

    fn create_dirs(&mut self, dir: &Path) -> std::io::Result<()> {
        if dir.is_dir() {
            return Ok(());
        }
        if let Some(parent) = dir.parent() {
            self.create_dirs(parent)?;
        }
        self.log("mkdir", &[dir])?;
        std::fs::create_dir(dir).map_err(|e| cannot_write(e, dir, &self.app_root.clone()))?;
        self.created_dirs.push(dir.to_path_buf());
        Ok(())
    }

    fn roll_back(&mut self) {
        for placed in self.placed.drain(..).rev() {
            let _ = std::fs::remove_file(&placed);
        }
        for dir in self.created_dirs.drain(..).rev() {
            let _ = std::fs::remove_dir(&dir);
        }
        for dir in self.removed_dirs.drain(..).rev() {
            let _ = std::fs::create_dir(&dir);
        }
        for (original, backup) in self.backups.drain(..).rev() {
            let _ = std::fs::rename(&backup, &original);
        }
        for (_, staging) in std::mem::take(&mut self.stagings) {
            let _ = std::fs::remove_dir_all(&staging);
        }
    }

    fn finish(&mut self) {
        self.journal = None;
        // The app root's staging folder (with the journal) goes last: while it is there, the change can be undone.
        let root_device = device_of(&self.app_root);
        let mut stagings: Vec<(u64, PathBuf)> = std::mem::take(&mut self.stagings).into_iter().collect();
        stagings.sort_by_key(|(device, _)| Some(*device) == root_device);
        for (_, staging) in stagings {
            let _ = std::fs::remove_dir_all(&staging);
        }
    }
}

/// The name of staging folders, followed by the applying run's process id.
const STAGING_PREFIX: &str = ".stowage-apply-";

/// Undoes what a run that was killed while changing the app left half done, from the journal in its staging
/// folder at the app root; called at the start of every run that reads the app (under the app lock, so no live
/// run's folder is taken for a leftover). A journal that ends with `done` was complete: only its folders go.
pub fn recover(app_root: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(app_root) else { return Ok(()) };
    let mut leftovers: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(STAGING_PREFIX))
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    leftovers.sort();
    for staging in leftovers {
        let name = staging.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let refuse = |why: String| {
            Failure::usage(format!(
                "`{name}` in {} is what an interrupted stowage run left while changing the app, and {why}; nothing \
                 was changed: put each original back by hand (compare with version control), then remove `{name}`",
                app_root.display()
            ))
        };
        let text = match std::fs::read_to_string(staging.join("journal")) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // Stopped before its journal (or an older stowage's): without `old-*` originals, nothing had moved.
                let moved = std::fs::read_dir(&staging)
                    .map(|es| es.flatten().any(|e| e.file_name().to_string_lossy().starts_with("old-")))
                    .unwrap_or(true);
                if moved {
                    return Err(refuse("it has no journal to restore the originals from".into()));
                }
                std::fs::remove_dir_all(&staging).map_err(|e| refuse(format!("it cannot be removed: {e}")))?;
                continue;
            }
            Err(e) => return Err(refuse(format!("its journal cannot be read: {e}"))),
        };
        // A line cut short by the kill is the step that was not taken yet.
        let steps: Vec<Vec<String>> = text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
        for step in &steps {
            // Only plain paths below the app root: a journal is the app's content, and a checkout may hold anything.
            let plain = |p: &str| {
                !p.starts_with('/')
                    && !p.contains('\\')
                    && p.split('/').all(|c| !matches!(c, "" | "." | "..") && !c.eq_ignore_ascii_case(".git"))
            };
            if let Some(bad) = step.iter().skip(1).find(|p| !plain(p)) {
                return Err(refuse(format!("its journal names `{bad}`, which is not a path inside the app")));
            }
        }
        let done = steps.last().is_some_and(|s| s.first().map(String::as_str) == Some("done"));
        let path = |step: &[String], i: usize| step.get(i).map(|p| app_root.join(p));
        let mut stagings = vec![staging.clone()];
        let mut failures = Vec::new();
        for step in steps.iter().rev() {
            match (step.first().map(String::as_str), path(step, 1), path(step, 2)) {
                (Some("staging"), Some(other), _) => stagings.push(other),
                _ if done => {}
                (Some("place"), Some(temp), Some(dest)) => {
                    if std::fs::symlink_metadata(&temp).is_err()
                        && std::fs::symlink_metadata(&dest).is_ok_and(|m| m.is_file())
                        && let Err(e) = std::fs::remove_file(&dest)
                    {
                        failures.push(format!("cannot remove {}: {e}", dest.display()));
                    }
                }
                (Some("mkdir"), Some(dir), _) => {
                    let _ = std::fs::remove_dir(dir);
                }
                (Some("rmdir"), Some(dir), _) => {
                    let _ = std::fs::create_dir(dir);
                }
                (Some("backup"), Some(original), Some(backup)) => {
                    if std::fs::symlink_metadata(&backup).is_ok()
                        && let Err(e) = std::fs::rename(&backup, &original)
                    {
                        failures.push(format!("cannot move {} back to {}: {e}", backup.display(), original.display()));
                    }
                }
                _ => {}
            }
        }
        if !failures.is_empty() {
            return Err(refuse(format!("rolling it back failed ({})", failures.join("; "))));
        }
        // The root's folder, with the journal, goes last.
        for dir in stagings.iter().rev() {
            let _ = std::fs::remove_dir_all(dir);
        }
        eprintln!(
            "stowage: {} the change to the app that an interrupted run left in `{name}`",
            if done { "cleaned up after" } else { "rolled back" }
        );
    }
    Ok(())
}

/// A path inside the app as the journal records it.
fn relative(app_root: &Path, path: &Path) -> String {
    path.strip_prefix(app_root).unwrap_or(path).to_string_lossy().replace(std::path::MAIN_SEPARATOR, "/")
}

/// An error writing `path` in the app, named as the app's path, with what to do where the cause is known.
fn cannot_write(e: std::io::Error, path: &Path, app_root: &Path) -> std::io::Error {
    let shown = match relative(app_root, path) {
        rel if rel.is_empty() => app_root.display().to_string(),
        rel => format!("`{rel}`"),
    };
    let advice = match e.kind() {
        std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied => {
            "; stowage changes the app by writing beside its files and renaming them into place: make the app \
             writable (or mount it read-write), or run with `--check`, which writes nothing"
        }
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
            "; free space on that file system and run again"
        }
        _ => "",
    };
    std::io::Error::new(e.kind(), format!("cannot write {shown}: {e}{advice}"))
}

#[cfg(unix)]
fn device_of(path: &Path) -> Option<u64> {
    std::os::unix::fs::MetadataExt::dev(&std::fs::metadata(path).ok()?).into()
}

#[cfg(not(unix))]
fn device_of(path: &Path) -> Option<u64> {
    path.exists().then_some(0)
}

fn device(path: &Path) -> std::io::Result<u64> {
    device_of(path).ok_or_else(|| std::io::Error::other(format!("cannot read {}", path.display())))
}
