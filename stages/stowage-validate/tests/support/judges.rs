//! The real tools that judge the linter, installed by `cargo xtask judges` into
//! target/judges/venv. Tests never skip a judge: without the venv they fail and name the command that installs it.

use std::path::PathBuf;

/// The venv's `name` executable (`python`, `check-jsonschema`, ...); `why` says what the test needs it for.
pub fn judge(name: &str, why: &str) -> PathBuf {
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/judges/venv");
    let bin = venv.join("bin").join(name);
    assert!(
        bin.is_file(),
        "the judges venv is missing at {}: run `cargo xtask judges` first (CI does, before `cargo test`); {why}",
        venv.display()
    );
    bin
}
