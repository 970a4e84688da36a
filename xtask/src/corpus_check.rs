//! `corpus-check`: the corpus-wide checks of the linter, apart from `cargo test` (which never reads anything beside
//! the repository). The checks parse every corpus file, so they live in the `corpus-check` crate
//! (tests/corpus-check), not here: this command only resolves the corpus folders and their disputes, makes sure the
//! judges are installed, and runs that crate's binary through cargo.

use std::path::{Path, PathBuf};

use crate::cli::CorpusCheckArgs;
use crate::failure::{Failure, Result};
use crate::home::Home;
use crate::judges;

/// The default folders, relative to the workspace: the shared corpus beside the repository, and the repository's
/// own. Those that exist are checked.
pub const DEFAULT_CORPORA: &[&str] = &["../shared/corpus", "tests/corpus"];

/// The variable that names, for the corpus-check binary, the corpus folder its committed snapshots were made for.
pub const SNAPSHOTS_FOR_ENV: &str = "STOWAGE_CORPUS_SNAPSHOTS_FOR";

pub fn run(home: &Home, args: &CorpusCheckArgs) -> Result<i32> {
    let root = home.root().expect("corpus-check runs in the workspace");
    // hadolint's specs alone, without a --corpus, run without the default folders.
    let specs_only = args.hadolint_specs.is_some() && args.corpus.is_empty();
    let corpora = if specs_only { Vec::new() } else { folders(root, &args.corpus)? };
    if !args.disputes.is_empty() && args.disputes.len() != corpora.len() {
        return Err(Failure::usage(format!(
            "--disputes is given {} times for {} corpus folders: name one disputes file per --corpus, in the same order",
            args.disputes.len(),
            corpora.len()
        )));
    }
    if judges::tool(root, "checkov").is_none() || judges::tool(root, "hadolint").is_none() {
        return Err(Failure::usage(format!(
            "the judges are not installed in {}: run `cargo xtask judges` first",
            judges::venv(root).display()
        )));
    }
    let mut command = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(root).args(["run", "--quiet", "--package", "corpus-check", "--"]);
    // The folder the committed snapshots (spans, mutations, disputes) were made for; the runner alone knows where
    // the shared corpus sits beside the repository.
    command.env(SNAPSHOTS_FOR_ENV, root.join(DEFAULT_CORPORA[0]));
    for (i, dir) in corpora.iter().enumerate() {
        command.arg("--corpus").arg(dir);
        if let Some(file) = args.disputes.get(i) {
            command.arg("--disputes").arg(absolute(file)?);
        }
    }
    if let Some(only) = &args.only {
        command.arg("--only").arg(only.join(","));
    }
    if args.write_expected {
        command.arg("--write-expected");
    }
    if let Some(dir) = &args.hadolint_specs {
        command.arg("--hadolint-specs").arg(hadolint_checkout(dir)?);
    }
    if let Some(dir) = args.apps_dir.as_deref().filter(|d| !d.is_dir()) {
        return Err(Failure::usage(format!("--apps-dir {}: no such folder", dir.display())));
    }
    let status = command.status().map_err(|e| Failure::crash(format!("cannot run cargo: {e}")))?;
    let code = match status.code() {
        Some(code) => code,
        None => return Err(Failure::crash("corpus-check was killed by a signal")),
    };
    let Some(dir) = &args.apps_dir else { return Ok(code) };
    println!("\n== generated Dockerfiles of the real apps in {}", dir.display());
    let (section, problems) = crate::bench_dockerfiles::judge_apps(root, &absolute(dir)?)?;
    print!("{section}");
    for problem in &problems {
        println!("problem: {problem}");
    }
    println!(
        "-- apps: {}",
        if problems.is_empty() { "ok".to_string() } else { format!("{} problems", problems.len()) }
    );
    Ok(if problems.is_empty() { code } else { code.max(1) })
}

/// The folders named with --corpus (each must exist), or the default ones that exist (at least one must).
fn folders(root: &Path, named: &[PathBuf]) -> Result<Vec<PathBuf>> {
    if named.is_empty() {
        // Relative to the workspace, where the checks run, so that reports name them as this help does.
        let found: Vec<PathBuf> = DEFAULT_CORPORA.iter().filter(|d| root.join(d).is_dir()).map(PathBuf::from).collect();
        if found.is_empty() {
            return Err(Failure::usage(format!(
                "no corpus folder: neither {} exists; name one with --corpus DIR",
                DEFAULT_CORPORA.join(" nor ")
            )));
        }
        return Ok(found);
    }
    named
        .iter()
        .map(|dir| {
            if dir.is_dir() {
                absolute(dir)
            } else {
                Err(Failure::usage(format!("--corpus {}: no such folder", dir.display())))
            }
        })
        .collect()
}

/// `path` from the current folder, since cargo runs the checks from the workspace root.
/// The absolute path of a copy of hadolint's repository named by `--hadolint-specs` (corpus-check and bench), or
/// the usage error that says what the folder lacks.
pub fn hadolint_checkout(dir: &Path) -> Result<PathBuf> {
    if !dir.join("test/Hadolint/Rule").is_dir() {
        return Err(Failure::usage(format!(
            "--hadolint-specs {}: not a copy of hadolint's repository (no test/Hadolint/Rule/); name a checkout of \
             hadolint/hadolint",
            dir.display()
        )));
    }
    absolute(dir)
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).map_err(|e| Failure::usage(format!("{}: {e}", path.display())))
}
