//! Helpers shared by the integration tests: throw-away app folders under Cargo's per-test temporary directory.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use stowage_analyze::{Model, Options, analyze};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh, empty folder for one app.
pub fn temp_app(label: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("analyze-{}-{label}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp app");
    dir
}

/// Writes `files` (app-relative path, contents) into a fresh app folder.
pub fn app(label: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = temp_app(label);
    for (path, contents) in files {
        write(&dir, path, contents.as_bytes());
    }
    dir
}

pub fn write(dir: &Path, path: &str, bytes: &[u8]) {
    let full = dir.join(path);
    std::fs::create_dir_all(full.parent().expect("parent")).expect("create folders");
    std::fs::write(full, bytes).expect("write file");
}

pub fn analyze_app(dir: &Path) -> Model {
    let options = Options { app_name: "app".into(), managed: managed(dir), ..Options::default() };
    analyze(dir, &options).unwrap_or_else(|e| panic!("analyze {}: {e}", dir.display()))
}

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

/// The files stowage generated in an app (its stowage.lock), which the runner hands analyze as `managed`: a fixture's
/// committed Dockerfile is stowage's output, never evidence about the app.
pub fn managed(dir: &Path) -> Vec<String> {
    let lock = std::fs::read_to_string(dir.join("stowage.lock")).unwrap_or_default();
    lock.lines()
        .filter_map(|l| l.strip_prefix("path = \"").and_then(|p| p.strip_suffix('"')))
        .map(str::to_string)
        .collect()
}
