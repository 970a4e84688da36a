//! Where the runner lives: in this Cargo workspace (`cargo xtask`), where stages are crates it builds, or installed
//! (`stowage`), where stages are executables beside it or on `PATH`.

use std::path::{Path, PathBuf};

use crate::discover::{self, Origin, StageSpec};
use crate::failure::{Failure, Result};

#[derive(Debug, Clone)]
pub enum Home {
    Workspace { root: PathBuf },
    Installed { bin_dirs: Vec<PathBuf> },
}

/// The stages a home offers, before configuration adds external ones.
pub struct Found {
    pub stages: Vec<StageSpec>,
    /// Where workspace stage binaries are built.
    pub bin_dir: Option<PathBuf>,
    pub warnings: Vec<String>,
}

impl Home {
    /// The workspace this xtask binary was built from.
    pub fn workspace() -> Home {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask is inside the workspace").to_path_buf();
        Home::Workspace { root }
    }

    /// An installed `stowage`: stages beside the executable first, then on `PATH`.
    pub fn installed() -> Home {
        let mut bin_dirs = Vec::new();
        if let Some(dir) = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)) {
            bin_dirs.push(dir);
        }
        if let Some(path) = std::env::var_os("PATH") {
            bin_dirs.extend(std::env::split_paths(&path));
        }
        Home::Installed { bin_dirs }
    }

    /// How a person runs this runner, for messages that name a command.
    pub fn command(&self) -> &'static str {
        match self {
            Home::Workspace { .. } => "cargo xtask",
            Home::Installed { .. } => "stowage",
        }
    }

    pub fn root(&self) -> Option<&Path> {
        match self {
            Home::Workspace { root } => Some(root),
            Home::Installed { .. } => None,
        }
    }

    pub fn find(&self) -> Result<Found> {
        match self {
            Home::Workspace { root } => {
                let (stages, target_dir) = discover::workspace_stages(root)?;
                Ok(Found { stages, bin_dir: Some(target_dir.join("debug")), warnings: Vec::new() })
            }
            Home::Installed { bin_dirs } => {
                let (stages, warnings) = discover::installed_stages(bin_dirs)?;
                Ok(Found { stages, bin_dir: None, warnings })
            }
        }
    }

    /// Builds the workspace stages among `stages` in one cargo invocation; installed stages are already built.
    pub fn build(&self, stages: &[StageSpec]) -> Result<()> {
        let Home::Workspace { root } = self else { return Ok(()) };
        let packages: Vec<&str> = stages
            .iter()
            .filter_map(|s| match &s.origin {
                Origin::Workspace { package, .. } => Some(package.as_str()),
                _ => None,
            })
            .collect();
        if packages.is_empty() {
            return Ok(());
        }
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut args = vec!["build", "--quiet", "--bins"];
        for package in &packages {
            args.extend(["--package", package]);
        }
        let status = std::process::Command::new(&cargo)
            .args(&args)
            .current_dir(root)
            .stdin(std::process::Stdio::null())
            .status()
            .map_err(|e| Failure::crash(format!("cannot run `{cargo}`: {e}")))?;
        if !status.success() {
            return Err(Failure::crash(format!(
                "building the stages failed (`cargo {}`); the errors are above",
                args.join(" ")
            )));
        }
        Ok(())
    }

    /// The executable of one stage, built if needed: used by `lint`, `explain` and `analyze`.
    pub fn stage_binary(&self, name: &str) -> Result<PathBuf> {
        if let Home::Installed { bin_dirs } = self {
            return discover::installed_stage(bin_dirs, name).ok_or_else(|| {
                Failure::usage(format!(
                    "no `stowage-{name}` executable beside stowage or on PATH: install it next to stowage"
                ))
            });
        }
        let found = self.find()?;
        let Some(stage) = found.stages.iter().find(|s| s.name == name) else {
            return Err(Failure::usage(match self {
                Home::Workspace { root } => format!("no `{name}` stage in the workspace at {}", root.display()),
                Home::Installed { .. } => {
                    format!("no `stowage-{name}` executable beside stowage or on PATH: install it next to stowage")
                }
            }));
        };
        self.build(std::slice::from_ref(stage))?;
        Ok(match &stage.origin {
            Origin::Workspace { package, .. } => found
                .bin_dir
                .expect("workspace stages have a build folder")
                .join(format!("{package}{}", std::env::consts::EXE_SUFFIX)),
            Origin::Installed { path } => path.clone(),
            Origin::External { .. } => unreachable!("external stages come from configuration, not from a home"),
        })
    }
}
