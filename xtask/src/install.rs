//! `install`: `cargo install` the runner (as `stowage`) and every workspace stage, so that an app's CI can run
//! `stowage containerize --check` without this workspace. The installed runner finds the stages beside it.

use xshell::{Shell, cmd};

use crate::cli::InstallArgs;
use crate::discover::Origin;
use crate::failure::{Failure, Result};
use crate::home::Home;

pub fn run(home: &Home, args: &InstallArgs) -> Result<i32> {
    let root = home.root().expect("install runs in the workspace");
    let found = home.find()?;
    let mut crates = vec![(root.join("xtask"), vec!["--bin", "stowage"])];
    for stage in &found.stages {
        if let Origin::Workspace { manifest, .. } = &stage.origin {
            crates.push((manifest.parent().expect("manifest folder").to_path_buf(), Vec::new()));
        }
    }
    let sh = Shell::new().map_err(|e| Failure::crash(e.to_string()))?;
    sh.change_dir(root);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let root_args: Vec<String> =
        args.root.iter().flat_map(|r| ["--root".to_string(), r.display().to_string()]).collect();
    let debug: &[&str] = if args.debug { &["--debug"] } else { &[] };
    for (path, bins) in crates {
        let root_args = &root_args;
        cmd!(sh, "{cargo} install --locked --force --path {path} {bins...} {root_args...} {debug...}")
            .run()
            .map_err(|e| Failure::crash(format!("`cargo install` of {} failed: {e}", path.display())))?;
    }
    Ok(0)
}
