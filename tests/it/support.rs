//! Shared helpers: where the repository and the built binaries are, and scratch folders.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is in the repository").to_path_buf()
}

/// The folder cargo puts binaries in (`target/debug`), found from this test executable (`target/debug/deps/it-*`).
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary has a path");
    exe.parent().and_then(Path::parent).expect("test binaries live in target/<profile>/deps").to_path_buf()
}

fn cargo_build(args: &[&str]) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--quiet", "--bins"])
        .args(args)
        .current_dir(repo_root())
        .status()
        .expect("cargo runs");
    assert!(status.success(), "`cargo build {}` failed", args.join(" "));
    bin_dir()
}

/// Builds every binary of the workspace once per test run, so that the stages tested are current.
pub fn built() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| cargo_build(&["--workspace"]))
}

/// The runner, built once per test run. (When a test selects workspace stages, the runner builds them itself.)
pub fn xtask() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| cargo_build(&["--package", "xtask"])).join("xtask")
}

/// A fresh scratch folder, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("stowage-it-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Every file under `dir` with its bytes, sorted, skipping nothing: the exact state of an app.
pub fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let kind = entry.file_type().unwrap();
            let rel = path.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
            if kind.is_dir() {
                out.push((format!("{rel}/"), Vec::new()));
                pending.push(path);
            } else if kind.is_symlink() {
                out.push((rel, format!("-> {}", std::fs::read_link(&path).unwrap().display()).into_bytes()));
            } else if kind.is_file() {
                out.push((rel, std::fs::read(&path).unwrap()));
            } else {
                // A FIFO or device: reading it could block, and its identity is all there is to compare.
                out.push((rel, b"<special file>".to_vec()));
            }
        }
    }
    out.sort();
    out
}

pub fn copy_tree(from: &Path, to: &Path) {
    for (rel, bytes) in tree(from) {
        let dest = to.join(rel.trim_end_matches('/'));
        if rel.ends_with('/') {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::write(&dest, bytes).unwrap();
        }
    }
}

/// Runs a command with colour off: its exit code, stdout and stderr.
pub fn outcome(command: &mut Command) -> (Option<i32>, String, String) {
    let output = command.env("NO_COLOR", "1").output().expect("the command runs");
    let (stdout, stderr) = text(&output);
    (output.status.code(), stdout, stderr)
}

pub fn text(output: &Output) -> (String, String) {
    (String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}
