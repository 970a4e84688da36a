//! `bench`: the figures of BENCHMARKS.md, measured on this machine and written with the command that made them.
//!
//! Never a timed test: machines are noisy, so figures are medians of repeated runs (hyperfine) and ratios are
//! only quoted against a peer measured in the same run.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use xshell::{Shell, cmd};

use crate::cli::BenchArgs;
use crate::failure::{Failure, Result};
use crate::home::Home;

/// The fixture the warm check runs on: the monorepo, which runs every stage of the pipeline.
const CHECK_FIXTURE: &str = "tests/fixtures/apps/monorepo";

pub fn run(home: &Home, args: &BenchArgs) -> Result<i32> {
    let root = home.root().expect("bench runs in the workspace");
    let mut out = String::from(
        "# Benchmarks\n\nWritten by `cargo xtask bench` on the machine described below; every figure comes from the \
         command shown next to it. Re-run it to refresh this file.\n\n",
    );
    let _ = writeln!(out, "Machine: {} cores, {}.\n", cores(), rustc_version());
    out.push_str(&cold_build(root)?);
    out.push_str(&warm_check(root)?);
    if let Some(dir) = &args.apps_dir {
        let _ = writeln!(
            out,
            "## Real apps\n\nApps folder given: `{}`; the accuracy figures are produced by the analyze benchmark (issue 3) once its expected models are committed.\n",
            dir.display()
        );
    }
    crate::codegen::ensure_file_contents(&root.join("BENCHMARKS.md"), &out, false)?;
    print!("{out}");
    Ok(0)
}

fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

fn rustc_version() -> String {
    Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "rustc unknown".into())
}

/// A debug build of every workspace crate into an empty target folder.
fn cold_build(root: &Path) -> Result<String> {
    let target = std::env::temp_dir().join(format!("stowage-bench-cold-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&target);
    let started = Instant::now();
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--quiet", "--workspace", "--bins"])
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(root)
        .status()
        .map_err(|e| Failure::crash(format!("cannot run cargo: {e}")))?;
    let seconds = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&target);
    if !status.success() {
        return Err(Failure::crash("the cold build failed"));
    }
    Ok(format!(
        "## Cold build\n\n| what | wall time |\n| --- | --- |\n| `CARGO_TARGET_DIR=<empty> cargo build --workspace --bins` (debug, all stages and the runner, dependencies downloaded beforehand) | {seconds:.1} s |\n\n"
    ))
}

/// `cargo xtask containerize --check` on a fixture whose files are committed, and the xtask binary alone.
fn warm_check(root: &Path) -> Result<String> {
    let fixture = root.join(CHECK_FIXTURE);
    if !fixture.is_dir() {
        return Err(Failure::usage(format!("the benchmark fixture {} is missing", fixture.display())));
    }
    let xtask = root.join("target/debug/xtask");
    let via_cargo = format!("cargo xtask containerize --check --app {CHECK_FIXTURE}");
    let direct = format!("target/debug/xtask containerize --check --app {CHECK_FIXTURE}");
    // Warm everything once, and make sure the check passes: timing a failing run would measure nothing.
    let status = Command::new("sh")
        .arg("-c")
        .arg(&via_cargo)
        .current_dir(root)
        .status()
        .map_err(|e| Failure::crash(e.to_string()))?;
    if !status.success() || !xtask.exists() {
        return Err(Failure::failed(format!("`{via_cargo}` does not pass; fix that before measuring it")));
    }
    let cargo_ms = hyperfine(root, &via_cargo)?;
    let direct_ms = hyperfine(root, &direct)?;
    let stages = crate::discover::workspace_stages(root)?.0.len();
    Ok(format!(
        "## Warm drift check\n\nTarget: at most 300 ms wall for the whole command, cargo's freshness check included. \
         Median of 10 runs after 2 warm-ups (hyperfine), on `{CHECK_FIXTURE}` with the pipeline's {stages} workspace stages.\n\n\
         | command | median |\n| --- | --- |\n| `{via_cargo}` | {cargo_ms:.0} ms |\n| `{direct}` (the runner alone, stages already built) | {direct_ms:.0} ms |\n\n"
    ))
}

/// Median wall time of a command in milliseconds.
fn hyperfine(root: &Path, command: &str) -> Result<f64> {
    let export: PathBuf = std::env::temp_dir().join(format!("stowage-bench-{}.json", std::process::id()));
    let sh = Shell::new().map_err(|e| Failure::crash(e.to_string()))?;
    sh.change_dir(root);
    if cmd!(sh, "hyperfine --version").quiet().ignore_stdout().run().is_err() {
        return Err(Failure::usage("hyperfine is not installed: `apt-get install -y hyperfine`"));
    }
    cmd!(sh, "hyperfine --warmup 2 --runs 10 --style none --export-json {export} {command}")
        .run()
        .map_err(|e| Failure::failed(format!("hyperfine failed on `{command}`: {e}")))?;
    let text = crate::failure::read_to_string(&export)?;
    let _ = std::fs::remove_file(&export);
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| Failure::crash(e.to_string()))?;
    json.pointer("/results/0/median")
        .and_then(|m| m.as_f64())
        .map(|s| s * 1000.0)
        .ok_or_else(|| Failure::crash("hyperfine printed no median"))
}
