//! `install`: `cargo install` the runner (as `stowage`) and every workspace stage, so that an app's CI can run
//! `stowage containerize --check` without this workspace. The installed runner finds the stages beside itself.

use crate::cli::InstallArgs;
use crate::discover::Origin;
use crate::failure::{Failure, Result};
use crate::home::Home;

pub fn run(home: &Home, args: &InstallArgs) -> Result<i32> {
    let root = home.root().expect("install runs in the workspace");
    let found = home.find()?;
    let mut crates = vec![("xtask".to_string(), root.join("xtask"), Some("stowage"))];
    for stage in &found.stages {
        if let Origin::Workspace { manifest, package } = &stage.origin {
            crates.push((package.clone(), manifest.parent().expect("manifest folder").to_path_buf(), None));
        }
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for (package, path, bin) in crates {
        let mut cmd = std::process::Command::new(&cargo);
        cmd.args(["install", "--locked", "--force", "--path"]).arg(&path);
        if let Some(bin) = bin {
            cmd.args(["--bin", bin]);
        }
        if let Some(dir) = &args.root {
            cmd.arg("--root").arg(dir);
        }
        if args.debug {
            cmd.arg("--debug");
        }
        let status = cmd.status().map_err(|e| Failure::crash(format!("cannot run `{cargo}`: {e}")))?;
        if !status.success() {
            return Err(Failure::crash(format!("`cargo install` of {package} failed; its errors are above")));
        }
    }
    Ok(0)
}
