//! `clean`: remove exactly the files an app's stowage.lock lists, and nothing a person edited.

use crate::apply::{self, Plan, PlanInput, Status};
use crate::cli::CleanArgs;
use crate::containerize::app_root;
use crate::failure::{Failure, Result};
use crate::home::Home;
use crate::lock::{LOCK_FILE, Lock};

pub fn run(home: &Home, args: &CleanArgs) -> Result<i32> {
    let root = app_root(home, args.app.app.as_deref())?;
    // Files the team has taken over since stowage wrote them are theirs now: never removed.
    let unmanaged = crate::config::load(&root, &Default::default())?.config.unmanaged;
    let Some(lock) = Lock::read(&root)? else {
        eprintln!("stowage: no {LOCK_FILE} in {}: nothing to clean", root.display());
        return Ok(0);
    };
    // Cleaning is a run in which every stage ran and generated nothing.
    let plan: Plan = apply::plan(PlanInput {
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
    apply::apply(&root, &plan)?;
    for file in plan.files.iter().filter(|f| f.status == Status::Removed) {
        eprintln!("stowage: removed    {}", file.path);
    }
    eprintln!(
        "stowage: removed {} file{} and {LOCK_FILE}",
        plan.files.len(),
        if plan.files.len() == 1 { "" } else { "s" }
    );
    Ok(0)
}
