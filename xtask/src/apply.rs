//! Plans what a run changes in the app, and applies the plan as one set.
//!
//! The plan compares three things per path: what the stages produced now, what the lock says stowage wrote last
//! time, and what is on disk. A file on disk that stowage did not write (not in the lock) or that a person edited
//! since (its hash differs from the lock's) is protected: it is never overwritten unless the user chose so
//! (`--adopt PATH` for the first, `--force` for the second).
//!
//! Applying is all or nothing: new bytes go to temporary files beside their destination, originals are moved to
//! backups, then everything is renamed into place; on any error the backups are restored and the temporaries and
//! any created folders are removed, leaving the app exactly as it was.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::failure::{Failure, Result};
use crate::lock::{self, LOCK_FILE, Lock, LockedFile};
use crate::pipeline::Output;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
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
    /// When every stage of the pipeline ran, lock entries of stages that no longer exist are removed too.
    pub full_run: bool,
    pub force: bool,
    pub adopt: &'a [String],
}

pub fn plan(input: PlanInput<'_>) -> Result<Plan> {
    let empty = Lock::default();
    let old_lock = input.lock.unwrap_or(&empty);
    let locked = old_lock.by_path();
    let generated: BTreeSet<&str> = input.outputs.iter().map(|o| o.path.as_str()).collect();
    for path in input.adopt {
        if !generated.contains(path.as_str()) {
            return Err(Failure::usage(format!("`--adopt {path}`: this run does not generate `{path}`")));
        }
    }
    let mut files = Vec::new();
    let mut new_entries: BTreeMap<String, LockedFile> = BTreeMap::new();
    for output in input.outputs {
        check_destination(input.app_root, &output.path)?;
        let current = read_current(input.app_root, &output.path)?;
        let in_lock = locked.get(output.path.as_str());
        if input.unmanaged.contains(&output.path) {
            files.push(Planned {
                path: output.path.clone(),
                stage: output.stage.clone(),
                status: Status::Unmanaged,
                current,
                generated: Some(output.bytes.clone()),
            });
            continue;
        }
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
    // Files stowage wrote before that this run no longer generates.
    for entry in &old_lock.files {
        if generated.contains(entry.path.as_str()) || input.unmanaged.contains(&entry.path) {
            continue;
        }
        let owned = input.stages_that_ran.contains(&entry.stage) || input.full_run;
        if !owned {
            new_entries.insert(entry.path.clone(), entry.clone());
            continue;
        }
        check_destination(input.app_root, &entry.path)?;
        let current = read_current(input.app_root, &entry.path)?;
        let status = match &current {
            None => continue,
            Some(bytes) if lock::hash(bytes) == entry.sha256 || input.force => Status::Removed,
            Some(_) => {
                new_entries.insert(entry.path.clone(), entry.clone());
                Status::EditedByHand
            }
        };
        files.push(Planned { path: entry.path.clone(), stage: entry.stage.clone(), status, current, generated: None });
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

fn read_current(app_root: &Path, rel: &str) -> Result<Option<Vec<u8>>> {
    let path = app_root.join(rel);
    match std::fs::symlink_metadata(&path) {
        // A file where a folder of the path should be makes the path absent; applying then fails and rolls back.
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
                return Err(Failure::crash(format!(
                    "`{rel}` would be written through the symlink {}, which may lead outside the app; nothing was applied",
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
    Transaction::default().run(&writes, &removes, app_root)
}

/// Undo information for a set of writes and removals.
#[derive(Default)]
struct Transaction {
    created_dirs: Vec<PathBuf>,
    temps: Vec<PathBuf>,
    /// (original, backup)
    backups: Vec<(PathBuf, PathBuf)>,
    /// Destinations that did not exist and now do.
    placed_new: Vec<PathBuf>,
}

impl Transaction {
    fn run(mut self, writes: &[(PathBuf, Vec<u8>)], removes: &[PathBuf], app_root: &Path) -> Result<()> {
        match self.try_run(writes, removes) {
            Ok(()) => {
                self.finish(removes, app_root);
                Ok(())
            }
            Err(e) => {
                self.roll_back();
                Err(Failure::usage(format!("{e}; the app was left as it was")))
            }
        }
    }

    fn try_run(&mut self, writes: &[(PathBuf, Vec<u8>)], removes: &[PathBuf]) -> std::io::Result<()> {
        // 1. Every new byte goes to a temporary file beside its destination, so the final rename is atomic.
        let mut staged = Vec::new();
        for (dest, bytes) in writes {
            let parent = dest.parent().expect("destinations are inside the app");
            self.create_dirs(parent)?;
            let temp = sibling(dest, "new");
            self.temps.push(temp.clone());
            std::fs::write(&temp, bytes).map_err(|e| with_path(e, &temp))?;
            staged.push((temp, dest.clone()));
        }
        // 2. Originals that are replaced or removed move to backups.
        for dest in writes.iter().map(|(d, _)| d).chain(removes) {
            if std::fs::symlink_metadata(dest).is_ok() {
                let backup = sibling(dest, "old");
                std::fs::rename(dest, &backup).map_err(|e| with_path(e, dest))?;
                self.backups.push((dest.clone(), backup));
            }
        }
        // 3. New bytes move into place.
        for (temp, dest) in staged {
            std::fs::rename(&temp, &dest).map_err(|e| with_path(e, &dest))?;
            self.temps.retain(|t| t != &temp);
            self.placed_new.push(dest);
        }
        Ok(())
    }

    fn create_dirs(&mut self, dir: &Path) -> std::io::Result<()> {
        if dir.is_dir() {
            return Ok(());
        }
        if let Some(parent) = dir.parent() {
            self.create_dirs(parent)?;
        }
        std::fs::create_dir(dir).map_err(|e| with_path(e, dir))?;
        self.created_dirs.push(dir.to_path_buf());
        Ok(())
    }

    fn roll_back(&mut self) {
        for placed in self.placed_new.drain(..).rev() {
            let _ = std::fs::remove_file(&placed);
        }
        for (original, backup) in self.backups.drain(..).rev() {
            let _ = std::fs::rename(&backup, &original);
        }
        for temp in self.temps.drain(..) {
            let _ = std::fs::remove_file(&temp);
        }
        for dir in self.created_dirs.drain(..).rev() {
            let _ = std::fs::remove_dir(&dir);
        }
    }

    fn finish(&mut self, removes: &[PathBuf], app_root: &Path) {
        for (_, backup) in self.backups.drain(..) {
            let _ = std::fs::remove_file(&backup);
        }
        // Folders emptied by removals go too, up to the app root.
        for removed in removes {
            let mut dir = removed.parent();
            while let Some(d) = dir {
                if d == app_root || std::fs::remove_dir(d).is_err() {
                    break;
                }
                dir = d.parent();
            }
        }
    }
}

fn sibling(dest: &Path, what: &str) -> PathBuf {
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    dest.with_file_name(format!(".{name}.stowage-{what}-{}", std::process::id()))
}

fn with_path(e: std::io::Error, path: &Path) -> std::io::Error {
    std::io::Error::new(e.kind(), format!("cannot write {}: {e}", path.display()))
}
