//! `clean`: remove exactly the files an app's stowage.lock lists, and nothing a person edited; and what the verify
//! gate left in the container engine for the app (its containers, networks, volumes and images).

use crate::apply::{self, Plan, PlanInput, Status};
use crate::cli::CleanArgs;
use crate::containerize::app_root;
use crate::failure::{Failure, Result};
use crate::home::Home;
use crate::lock::{LOCK_FILE, Lock};

pub fn run(home: &Home, args: &CleanArgs) -> Result<i32> {
    let root = app_root(home, args.app.app.as_deref())?;
    let _app_guard = crate::containerize::lock_app(&root)?;
    apply::recover(&root)?;
    // Files the team has taken over since stowage wrote them are theirs now: never removed.
    let config = crate::config::load(&root, &Default::default())?.config;
    clean_engine(&config.name);
    let unmanaged = config.unmanaged;
    let Some(lock) = Lock::read(&root)? else {
        eprintln!("stowage: no {LOCK_FILE} in {}: nothing to clean", root.display());
        return Ok(0);
    };
    // Cleaning is a run in which every stage ran and generated nothing.
    let mut plan: Plan = apply::plan(PlanInput {
        app_root: &root,
        outputs: &[],
        lock: Some(&lock),
        unmanaged: &unmanaged,
        stages_that_ran: &Default::default(),
        pipeline_stages: &Default::default(),
        force: args.force,
        adopt: &[],
    })?;
    let kept: Vec<&str> =
        plan.files.iter().filter(|f| f.status == Status::EditedByHand).map(|f| f.path.as_str()).collect();
    if !kept.is_empty() {
        return Err(Failure::failed(format!(
            "{} edited by hand since stowage generated {}; nothing was removed: \
             remove {} yourself, or run `{} clean --force` to remove {} too",
            kept.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", "),
            if kept.len() == 1 { "it" } else { "them" },
            if kept.len() == 1 { "it" } else { "them" },
            home.command(),
            if kept.len() == 1 { "it" } else { "them" },
        )));
    }
    // A lock listing no files is removed too: clean leaves no trace of stowage.
    plan.lock_changed |= plan.lock.files.is_empty();
    apply::apply(&root, &plan)?;
    let removed: Vec<&str> =
        plan.files.iter().filter(|f| f.status == Status::Removed).map(|f| f.path.as_str()).collect();
    for path in &removed {
        eprintln!("stowage: removed    {path}");
    }
    // Said only of what is gone now: the summary is what a person trusts.
    let lock_gone = std::fs::symlink_metadata(root.join(LOCK_FILE)).is_err();
    eprintln!(
        "stowage: removed {} file{}{}",
        removed.len(),
        if removed.len() == 1 { "" } else { "s" },
        if lock_gone { format!(" and {LOCK_FILE}") } else { format!("; {LOCK_FILE} is kept") }
    );
    Ok(0)
}

/// Removes what the verify gate left in the engine for the app named `app`: containers, networks and volumes with
/// its label, and images under its name. Nothing is said when there is no engine or nothing to remove.
fn clean_engine(app: &str) {
    let Ok(engine) = crate::standins::engine(None) else { return };
    let app = stowage_kit::image_component(app);
    let run = |args: &[&str]| crate::standins::engine_words(&engine, args);
    let label = format!("label=io.stowage.verify.app={app}");
    let mut removed = Vec::new();
    for (kind, list, remove) in [
        ("container", vec!["ps", "-a", "-q", "--filter", &label], vec!["rm", "-f"]),
        ("network", vec!["network", "ls", "-q", "--filter", &label], vec!["network", "rm"]),
        ("volume", vec!["volume", "ls", "-q", "--filter", &label], vec!["volume", "rm"]),
    ] {
        let ids = run(&list);
        if !ids.is_empty() {
            let mut args: Vec<&str> = remove.clone();
            args.extend(ids.iter().map(String::as_str));
            run(&args);
            removed.push(format!("{} {kind}{}", ids.len(), if ids.len() == 1 { "" } else { "s" }));
        }
    }
    let prefix = format!("localhost/stowage-verify/{app}/");
    let images: Vec<String> = run(&["images", "--format", "{{.Repository}}:{{.Tag}}"])
        .into_iter()
        .filter(|i| i.starts_with(&prefix) || i.starts_with(&format!("stowage-verify/{app}/")))
        .collect();
    if !images.is_empty() {
        let mut args = vec!["rmi", "-f"];
        args.extend(images.iter().map(String::as_str));
        run(&args);
        removed.push(format!("{} image{}", images.len(), if images.len() == 1 { "" } else { "s" }));
    }
    if !removed.is_empty() {
        eprintln!("stowage: removed the verify gate's {} from {engine}", removed.join(", "));
    }
}
