//! Finds the stages of a run and puts them in order.
//!
//! Three sources, one shape ([`StageSpec`]):
//! - workspace stages: packages of this Cargo workspace with a `[package.metadata.stowage]` table, found with
//!   cargo_metadata and built by the runner;
//! - installed stages: `stowage-*` executables beside the installed `stowage` binary or on `PATH`, which describe
//!   themselves with `--describe`;
//! - external stages: `[[external_stages]]` in the app's stowage.toml, any command in any language.
//!
//! Order is topological over `after`, with every gate after every generator; ties are broken by name so that the
//! order is the same on every machine.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use stowage_kit::{CONTRACT_VERSION, Describe, StageKind};

use crate::failure::{Failure, Result};

#[derive(Debug, Clone)]
pub struct StageSpec {
    pub name: String,
    pub kind: StageKind,
    pub after: Vec<String>,
    pub summary: String,
    /// The contract version the stage declares; `None` for external stages, which prove it in their report.
    pub contract_version: Option<u32>,
    pub version: String,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub enum Origin {
    /// A crate of this workspace; `binary` is built by cargo into `target_dir`.
    Workspace { manifest: PathBuf, package: String },
    /// An installed executable.
    Installed { path: PathBuf },
    /// A command from stowage.toml, with where its keys were set (`stowage.toml:LINE`) for messages.
    External { command: Vec<String>, declared_at: BTreeMap<String, String> },
}

impl StageSpec {
    /// `stowage.toml:LINE: ` for a key of an external stage's declaration, or nothing.
    pub fn declared_at(&self, key: &str) -> String {
        match &self.origin {
            Origin::External { declared_at, .. } => declared_at.get(key).map(|l| format!("{l}: ")).unwrap_or_default(),
            _ => String::new(),
        }
    }

    pub fn origin_label(&self, root: Option<&Path>) -> String {
        match &self.origin {
            Origin::Workspace { manifest, .. } => {
                let dir = manifest.parent().unwrap_or(manifest);
                let shown = root.and_then(|r| dir.strip_prefix(r).ok()).unwrap_or(dir);
                format!("workspace crate {}", shown.display())
            }
            Origin::Installed { path } => format!("installed {}", path.display()),
            Origin::External { command, declared_at } => match declared_at.get("name") {
                Some(at) => format!("stowage.toml command `{}` ({at})", command.join(" ")),
                None => format!("stowage.toml command `{}`", command.join(" ")),
            },
        }
    }
}

fn from_describe(describe: Describe, origin: Origin) -> StageSpec {
    StageSpec {
        name: describe.name,
        kind: describe.kind,
        after: describe.after,
        summary: describe.summary,
        contract_version: Some(describe.contract_version),
        version: describe.version,
        origin,
    }
}

/// Workspace stages, from the manifests cargo_metadata lists.
/// Also returns cargo's target folder.
pub fn workspace_stages(root: &Path) -> Result<(Vec<StageSpec>, PathBuf)> {
    let metadata = cargo_metadata::MetadataCommand::new()
        .manifest_path(root.join("Cargo.toml"))
        .no_deps()
        .exec()
        .map_err(|e| Failure::usage(format!("cannot read the workspace at {}: {e}", root.display())))?;
    let mut stages = Vec::new();
    for package in metadata.workspace_packages() {
        if package.metadata.get("stowage").is_none() {
            continue;
        }
        let manifest = package.manifest_path.clone().into_std_path_buf();
        let text = crate::failure::read_to_string(&manifest)?;
        let describe = stowage_kit::describe_from_manifest(&text, &package.version.to_string())
            .map_err(|e| Failure::usage(format!("{}: {e}", manifest.display())))?;
        stages.push(from_describe(describe, Origin::Workspace { manifest, package: package.name.to_string() }));
    }
    Ok((stages, metadata.target_directory.into_std_path_buf()))
}

/// Installed stages: `stowage-*` executables in `dirs`, first found wins.
pub fn installed_stages(dirs: &[PathBuf]) -> Result<(Vec<StageSpec>, Vec<String>)> {
    let mut stages: Vec<StageSpec> = Vec::new();
    let mut warnings = Vec::new();
    let mut seen = BTreeSet::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let Some(file) = path.file_name().and_then(|f| f.to_str()) else { continue };
            if !file.starts_with("stowage-")
                || file.contains('.')
                || !is_executable(&path)
                || !seen.insert(file.to_string())
            {
                continue;
            }
            match describe_executable(&path) {
                Ok(describe) => stages.push(from_describe(describe, Origin::Installed { path })),
                Err(why) => warnings.push(format!("skipped {}: {why}", path.display())),
            }
        }
    }
    Ok((stages, warnings))
}

/// How long an installed executable named `stowage-*` may take to describe itself: any `stowage-*` on `PATH` is
/// asked (from npm scripts, `node_modules/.bin` is on `PATH`), and one that hangs must not hang the runner.
const DESCRIBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

fn describe_executable(path: &Path) -> std::result::Result<Describe, String> {
    use std::io::Read;
    let mut child = std::process::Command::new(path)
        .arg("--describe")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run it: {e}"))?;
    // Read on a thread (a description is small: at most 1 MiB is kept), so that the wait below has a deadline.
    let mut stdout = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = (&mut stdout).take(1 << 20).read_to_end(&mut bytes);
        bytes
    });
    let deadline = std::time::Instant::now() + DESCRIBE_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if std::time::Instant::now() < deadline => std::thread::sleep(std::time::Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "`--describe` did not answer within {} s (not a stowage stage?)",
                    DESCRIBE_TIMEOUT.as_secs()
                ));
            }
        }
    };
    // The pipe closes when the executable exits, unless a process it left holds it: that must not keep this
    // waiting either, so the reader is joined only once done, within the same deadline.
    while !reader.is_finished() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let stdout = if reader.is_finished() { reader.join().unwrap_or_default() } else { Vec::new() };
    if !status.success() {
        return Err("`--describe` failed: not a stowage stage".into());
    }
    serde_json::from_slice(&stdout).map_err(|e| format!("`--describe` printed no stage description: {e}"))
}

/// The installed executable `stowage-<name>`: the first beside `stowage` or on `PATH`, found by name without
/// asking any other executable to describe itself.
pub fn installed_stage(dirs: &[PathBuf], name: &str) -> Option<PathBuf> {
    let file = format!("stowage-{name}{}", std::env::consts::EXE_SUFFIX);
    dirs.iter().map(|d| d.join(&file)).find(|p| is_executable(p))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata().map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0).unwrap_or(false)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// External stages from the configuration.
pub fn external_stages(config: &stowage_kit::Config) -> Result<Vec<StageSpec>> {
    config
        .external_stages
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let declared_at: BTreeMap<String, String> = ["name", "command", "after", "kind"]
                .iter()
                .filter_map(|k| {
                    config.key_locations.get(&format!("external_stages.{i}.{k}")).map(|l| (k.to_string(), l.clone()))
                })
                .collect();
            if s.command.is_empty() {
                let at = declared_at.get("command").map(|l| format!("{l}: ")).unwrap_or_default();
                return Err(Failure::usage(format!("{at}external stage `{}` has an empty `command`", s.name)));
            }
            Ok(StageSpec {
                name: s.name.clone(),
                kind: s.kind,
                after: s.after.clone(),
                summary: s.summary.clone(),
                contract_version: None,
                version: String::new(),
                origin: Origin::External { command: s.command.clone(), declared_at },
            })
        })
        .collect()
}

/// Checks names, contract versions and dependencies, and returns the stages in run order.
pub fn order(stages: Vec<StageSpec>) -> Result<Vec<StageSpec>> {
    let mut by_name: BTreeMap<String, StageSpec> = BTreeMap::new();
    for stage in stages {
        if !valid_name(&stage.name) {
            return Err(Failure::usage(format!(
                "{}invalid stage name `{}` ({}): use lowercase letters, digits and `-`",
                stage.declared_at("name"),
                stage.name,
                stage.origin_label(None)
            )));
        }
        if let Some(theirs) = stage.contract_version.filter(|v| *v != CONTRACT_VERSION) {
            return Err(Failure::usage(format!(
                "stage `{}` ({}) speaks stage contract {theirs}, this runner speaks contract {CONTRACT_VERSION}: \
                 rebuild the stage against contract {CONTRACT_VERSION}",
                stage.name,
                stage.origin_label(None)
            )));
        }
        if let Some(first) = by_name.get(&stage.name) {
            return Err(Failure::usage(format!(
                "two stages are named `{}`: {} and {}; rename one of them",
                stage.name,
                first.origin_label(None),
                stage.origin_label(None)
            )));
        }
        by_name.insert(stage.name.clone(), stage);
    }
    for stage in by_name.values() {
        for dep in &stage.after {
            if !by_name.contains_key(dep) {
                let known: Vec<&str> = by_name.keys().map(String::as_str).collect();
                return Err(Failure::usage(format!(
                    "{}stage `{}` runs after `{dep}`, which is not a stage; known stages: {}",
                    stage.declared_at("after"),
                    stage.name,
                    known.join(", ")
                )));
            }
        }
    }
    // A generator after a gate would be a cycle the user never wrote (gates run after every generator): say so.
    for stage in by_name.values().filter(|s| s.kind == StageKind::Generator) {
        if let Some(gate) = stage.after.iter().find(|d| by_name[d.as_str()].kind == StageKind::Gate) {
            return Err(Failure::usage(format!(
                "{}generator `{}` runs after gate `{gate}`, but gates run after every generator: remove `{gate}` \
                 from its `after`, or make `{}` a gate (`kind = \"gate\"`)",
                stage.declared_at("after"),
                stage.name,
                stage.name
            )));
        }
    }
    // Edges: explicit `after`, plus every generator before every gate.
    let mut preds: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for stage in by_name.values() {
        let entry = preds.entry(stage.name.as_str()).or_default();
        entry.extend(stage.after.iter().map(String::as_str));
        if stage.kind == StageKind::Gate {
            entry.extend(by_name.values().filter(|s| s.kind == StageKind::Generator).map(|s| s.name.as_str()));
        }
    }
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut order: Vec<String> = Vec::new();
    while done.len() < by_name.len() {
        // Among the stages whose predecessors are all done, take the first by (kind, name).
        let next = by_name
            .values()
            .filter(|s| !done.contains(s.name.as_str()) && preds[s.name.as_str()].iter().all(|p| done.contains(p)))
            .min_by_key(|s| (s.kind, s.name.as_str()));
        match next {
            Some(stage) => {
                done.insert(stage.name.as_str());
                order.push(stage.name.clone());
            }
            None => {
                let remaining: BTreeSet<&str> =
                    by_name.keys().map(String::as_str).filter(|n| !done.contains(n)).collect();
                return Err(Failure::usage(format!("stages form a cycle: {}", find_cycle(&preds, &remaining))));
            }
        }
    }
    Ok(order.into_iter().map(|name| by_name.remove(&name).expect("ordered name exists")).collect())
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
}

/// Walks predecessors from the first remaining stage until one repeats, and prints that loop.
fn find_cycle(preds: &BTreeMap<&str, BTreeSet<&str>>, remaining: &BTreeSet<&str>) -> String {
    let mut path: Vec<&str> = Vec::new();
    let mut current = *remaining.iter().next().expect("a cycle has members");
    loop {
        if let Some(pos) = path.iter().position(|n| *n == current) {
            let mut cycle: Vec<&str> = path[pos..].to_vec();
            cycle.reverse();
            // Start at the smallest name, so the message is the same whichever stage the walk began from.
            let smallest = (0..cycle.len()).min_by_key(|i| cycle[*i]).expect("a cycle has members");
            cycle.rotate_left(smallest);
            cycle.push(cycle[0]);
            return cycle.join(" -> ");
        }
        path.push(current);
        current = preds[current]
            .iter()
            .find(|p| remaining.contains(*p))
            .copied()
            .expect("a stuck stage has a stuck predecessor");
    }
}

/// Applies `--only` and `--skip`, refusing a selection in which a stage would run without a stage it runs after.
/// `selection_at` names where `only` and `skip` were set in stowage.toml, for messages.
pub fn select(
    ordered: Vec<StageSpec>,
    only: Option<&[String]>,
    skip: &[String],
    selection_at: &BTreeMap<String, String>,
) -> Result<Vec<StageSpec>> {
    let known: BTreeSet<&str> = ordered.iter().map(|s| s.name.as_str()).collect();
    let listed = only.unwrap_or_default().iter().map(|n| (n, "only")).chain(skip.iter().map(|n| (n, "skip")));
    for (name, key) in listed {
        if !known.contains(name.as_str()) {
            let place = selection_at.get(key).map(|l| format!("{l}: ")).unwrap_or_default();
            return Err(Failure::usage(format!(
                "{place}unknown stage `{name}` in the selection; known stages: {}",
                known.iter().copied().collect::<Vec<_>>().join(", ")
            )));
        }
    }
    let selected: BTreeSet<String> = ordered
        .iter()
        .map(|s| s.name.clone())
        .filter(|n| only.is_none_or(|o| o.contains(n)) && !skip.contains(n))
        .collect();
    for stage in ordered.iter().filter(|s| selected.contains(&s.name)) {
        let missing: Vec<&str> = stage.after.iter().filter(|d| !selected.contains(*d)).map(String::as_str).collect();
        if !missing.is_empty() {
            return Err(Failure::usage(format!(
                "stage `{}` cannot run without {} (it runs after {}): select {} too",
                stage.name,
                quoted(&missing),
                if missing.len() == 1 { "it" } else { "them" },
                if missing.len() == 1 { "it" } else { "them" },
            )));
        }
    }
    if selected.is_empty() {
        return Err(Failure::usage(
            "the selection leaves no stage to run (check `only` and `skip`, in stowage.toml and on the command line): \
             a run that checks nothing would pass without meaning anything",
        ));
    }
    Ok(ordered.into_iter().filter(|s| selected.contains(&s.name)).collect())
}

fn quoted(names: &[&str]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

/// `[stages.NAME]` in stowage.toml for a stage that does not exist is a typo: name it with its file and line. Tables
/// of the workspace defaults (`[stages.dockerfile]` in policies/defaults.toml) configure stages an installation may
/// leave out, and have no location in the app's file.
pub fn check_stage_options(config: &stowage_kit::Config, names: &BTreeSet<String>) -> Result<()> {
    for stage in config.stage_options.keys() {
        let written_by_the_app = config.key_locations.keys().any(|k| k == &format!("stages.{stage}"));
        if written_by_the_app && !names.contains(stage) {
            let place =
                config.key_locations.get(&format!("stages.{stage}")).cloned().unwrap_or_else(|| "stowage.toml".into());
            return Err(Failure::usage(format!(
                "{place}: `[stages.{stage}]` configures a stage that does not exist; known stages: {}",
                names.iter().cloned().collect::<Vec<_>>().join(", ")
            )));
        }
    }
    Ok(())
}
