//! `new-stage NAME`: scaffold `stages/stowage-NAME/`, a working stage crate with a test.
//!
//! The workspace's `members = ["stages/*"]` and the crate's `[package.metadata.stowage]` table register it: the
//! next `cargo xtask containerize` builds and runs it. The files come from `templates/new-stage/`.

use std::path::Path;

use crate::cli::NewStageArgs;
use crate::failure::{Failure, Result};
use crate::home::Home;

const TEMPLATES: &[(&str, &str)] = &[
    ("Cargo.toml", include_str!("../../templates/new-stage/Cargo.toml.tmpl")),
    ("src/main.rs", include_str!("../../templates/new-stage/main.rs.tmpl")),
    ("src/lib.rs", include_str!("../../templates/new-stage/lib.rs.tmpl")),
    ("tests/stage.rs", include_str!("../../templates/new-stage/test.rs.tmpl")),
];

pub fn run(home: &Home, args: &NewStageArgs) -> Result<i32> {
    let root = home.root().expect("new-stage runs in the workspace");
    let dir = scaffold(root, &args.name, &args.after)?;
    eprintln!(
        "created {}: build and test it with `cargo test -p stowage-{}`; it runs in the next `cargo xtask containerize`",
        dir.strip_prefix(root).unwrap_or(&dir).display(),
        args.name
    );
    Ok(0)
}

/// Writes the crate under `root/stages/` and returns its folder.
pub fn scaffold(root: &Path, name: &str, after: &[String]) -> Result<std::path::PathBuf> {
    let valid = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && name.starts_with(|c: char| c.is_ascii_lowercase());
    if !valid {
        return Err(Failure::usage(format!(
            "invalid stage name `{name}`: start with a lowercase letter; use lowercase letters, digits and `-`"
        )));
    }
    let dir = root.join("stages").join(format!("stowage-{name}"));
    if dir.exists() {
        return Err(Failure::usage(format!("{} already exists: choose another name", dir.display())));
    }
    let after = after.iter().map(|a| format!("\"{a}\"")).collect::<Vec<_>>().join(", ");
    let ident = name.replace('-', "_");
    for (path, template) in TEMPLATES {
        let text = template.replace("{{name}}", name).replace("{{ident}}", &ident).replace("{{after}}", &after);
        let dest = dir.join(path);
        std::fs::create_dir_all(dest.parent().expect("template paths have a folder"))
            .and_then(|()| std::fs::write(&dest, text))
            .map_err(|e| Failure::usage(format!("cannot write {}: {e}", dest.display())))?;
    }
    Ok(dir)
}
