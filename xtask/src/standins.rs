//! `standins`: local stand-ins for the public base images the fixtures name, built from Debian's packages, for
//! machines that reach no container registry (these ones). FOR TESTS ONLY (docs/standins.md): the verify gate and
//! its matrix map every base image to `localhost/stowage-standin/<public name>` with `--base-registry`.
//!
//! The recipes are data (`policies/standins.toml`, `policies/standins/`). Every image is keyed by the SHA-256 of
//! what made it (the base's suite and mirror and its cleanup, a recipe's Containerfile, the files it copies, its
//! arguments and names, and the version of a machine toolchain it copies), kept as the label
//! `io.stowage.standin.recipe`: an image whose label matches is reused. Two recipes reach beyond Debian's mirror: the
//! Rust stand-in copies this machine's toolchain (Debian's rustc is too old for current crates), and those marked
//! `ca_secret` install from a package registry through the machine's CA bundle, passed as a build secret.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::cli::StandinsArgs;
use crate::failure::{Failure, Result};
use crate::home::Home;

pub const PREFIX: &str = "localhost/stowage-standin/";
const LABEL: &str = "io.stowage.standin.recipe";
const RECIPES: &str = "policies/standins.toml";
const RECIPE_DIR: &str = "policies/standins";
/// Where Debian's ca-certificates puts the system's CA bundle.
pub const SYSTEM_CA_BUNDLE: &str = stowage_kit::files::SYSTEM_CA_BUNDLE;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipes {
    pub base: Base,
    pub standin: Vec<Standin>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Base {
    pub suite: String,
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Standin {
    pub recipe: String,
    pub names: Vec<String>,
    #[serde(default)]
    pub args: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub files: Vec<String>,
    /// A toolchain of this machine the build context gets as `toolchain/` (only `rust` today): for languages whose
    /// Debian packages are too old for current libraries.
    #[serde(default)]
    pub toolchain: Option<String>,
    /// The recipe installs from a package registry (PyPI), reached here only through a TLS-intercepting proxy: the
    /// machine's CA bundle is passed as the build secret `ca`, as the verify gate does, and never enters a layer.
    #[serde(default)]
    pub ca_secret: bool,
    pub reproduces: String,
    pub differs: String,
}

pub fn read(root: &Path) -> Result<Recipes> {
    let path = root.join(RECIPES);
    let text = crate::failure::read_to_string(&path)?;
    toml::from_str(&text).map_err(|e| Failure::usage(format!("{}: {e}", path.display())))
}

/// What the base's rootfs gets before it is imported, as Docker's debian images do: apt keeps no package lists or
/// caches in an image layer. Part of the base's key.
const APT_CLEAN: &str = "DPkg::Post-Invoke { \"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true\"; };\nAPT::Update::Post-Invoke { \"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true\"; };\nDir::Cache::pkgcache \"\";\nDir::Cache::srcpkgcache \"\";\n";

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

pub fn base_key(base: &Base, mirror: &str) -> String {
    hex(format!("debootstrap minbase\n{}\n{mirror}\n{APT_CLEAN}", base.suite).as_bytes())
}

/// The key of one stand-in: its base's key and everything of the recipe that shapes the image.
pub fn standin_key(dir: &Path, standin: &Standin, base_key: &str) -> Result<String> {
    let mut material =
        format!("{base_key}\n{}\n{:?}\n{:?}\n", standin.recipe, standin.args, standin.names).into_bytes();
    for file in std::iter::once(&standin.recipe).chain(&standin.files) {
        let path = dir.join(file);
        let bytes = std::fs::read(&path).map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
        material.extend(file.as_bytes());
        material.push(0);
        material.extend(crate::lock::normalized(&bytes).as_ref());
        material.push(0);
    }
    if let Some(toolchain) = &standin.toolchain {
        // The toolchain's version, not its path: the same toolchain elsewhere gives the same image.
        material.extend(Toolchain::find(toolchain)?.version.as_bytes());
    }
    Ok(hex(&material))
}

/// A toolchain of this machine copied into a stand-in's build context.
pub struct Toolchain {
    sysroot: PathBuf,
    host: String,
    version: String,
}

impl Toolchain {
    pub fn find(name: &str) -> Result<Toolchain> {
        if name != "rust" {
            return Err(Failure::usage(format!("{RECIPES}: unknown toolchain `{name}` (known: rust)")));
        }
        let ask = |arg: &str| -> Result<String> {
            let out = Command::new("rustc").arg(arg).output().map_err(|e| {
                Failure::usage(format!(
                    "the Rust stand-in copies this machine's toolchain, but rustc does not run: {e}"
                ))
            })?;
            if !out.status.success() {
                return Err(Failure::usage(format!(
                    "`rustc {arg}` failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                )));
            }
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        };
        let version = ask("-vV")?;
        let host = version
            .lines()
            .find_map(|l| l.strip_prefix("host: "))
            .ok_or_else(|| Failure::usage("`rustc -vV` names no host target"))?
            .to_string();
        Ok(Toolchain { sysroot: PathBuf::from(ask("--print=sysroot")?), host, version })
    }

    /// rustc and cargo, the compiler's libraries, and the host's standard library and linker wrappers: what a
    /// release build needs, without the docs, clippy or rustfmt of the sysroot.
    fn copy_into(&self, dest: &Path) -> Result<()> {
        let mut parts = vec![PathBuf::from("bin/rustc"), PathBuf::from("bin/cargo")];
        parts.push(PathBuf::from("lib/rustlib").join(&self.host));
        let lib = self.sysroot.join("lib");
        for entry in std::fs::read_dir(&lib).map_err(|e| Failure::usage(format!("{}: {e}", lib.display())))?.flatten() {
            if entry.file_name().to_string_lossy().contains(".so") {
                parts.push(PathBuf::from("lib").join(entry.file_name()));
            }
        }
        for part in parts {
            link_or_copy(&self.sysroot.join(&part), &dest.join(&part))?;
        }
        Ok(())
    }
}

/// Hard links where the file system allows (the toolchain is hundreds of megabytes), copies otherwise; symbolic
/// links are followed, so the context holds only regular files and folders.
fn link_or_copy(from: &Path, to: &Path) -> Result<()> {
    let fail = |e: std::io::Error| Failure::crash(format!("cannot copy {} to {}: {e}", from.display(), to.display()));
    let meta = std::fs::metadata(from).map_err(fail)?;
    if meta.is_dir() {
        std::fs::create_dir_all(to).map_err(fail)?;
        for entry in std::fs::read_dir(from).map_err(fail)?.flatten() {
            link_or_copy(&entry.path(), &to.join(entry.file_name()))?;
        }
        return Ok(());
    }
    std::fs::create_dir_all(to.parent().expect("a parent")).map_err(fail)?;
    let real = std::fs::canonicalize(from).map_err(fail)?;
    if std::fs::hard_link(&real, to).is_err() {
        std::fs::copy(&real, to).map_err(fail)?;
    }
    Ok(())
}

/// The Debian mirror apt uses on this machine: the first `URIs:` of a deb822 sources file, or the first `deb` line.
pub fn mirror_from_sources(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let line = line.trim();
        if let Some(uris) = line.strip_prefix("URIs:") {
            return uris.split_whitespace().next().map(str::to_string);
        }
        let mut words = line.split_whitespace();
        if words.next() == Some("deb") {
            return words.find(|w| w.starts_with("http")).map(str::to_string);
        }
        None
    })
}

fn machine_mirror() -> String {
    ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"]
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .find_map(|t| mirror_from_sources(&t))
        .unwrap_or_else(|| "http://deb.debian.org/debian".into())
}

/// The engine program: the one named, else podman or docker, whichever answers.
/// What `engine args...` prints, split on whitespace (IDs, names): nothing when it does not run or fails, for the
/// listings and removals whose failure leaves nothing to act on.
pub fn engine_words(engine: &str, args: &[&str]) -> Vec<String> {
    Command::new(engine)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

pub fn engine(named: Option<&str>) -> Result<String> {
    let candidates: Vec<&str> = named.map_or(vec!["podman", "docker"], |n| vec![n]);
    for program in &candidates {
        let probe: &[&str] = if program.contains("docker") {
            &["version", "--format", "{{.Server.Version}}"]
        } else {
            &["info", "--format", "{{.Host.OCIRuntime.Name}}"]
        };
        if let Ok(out) = Command::new(program).args(probe).output()
            && out.status.success()
            && !out.stdout.is_empty()
        {
            return Ok(program.to_string());
        }
    }
    Err(Failure::usage(format!(
        "no container engine answers ({}): install podman (`apt-get install -y podman runc`, and on machines like \
         these the containers.conf of docs/verify.md), or start a Docker daemon",
        candidates.join(", ")
    )))
}

fn label_of(engine: &str, image: &str) -> Option<String> {
    let out = Command::new(engine)
        .args(["image", "inspect", "--format", &format!("{{{{ index .Config.Labels \"{LABEL}\" }}}}"), image])
        .output()
        .ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn size_of(engine: &str, image: &str) -> String {
    Command::new(engine)
        .args(["image", "inspect", "--format", "{{.Size}}", image])
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse::<f64>().ok())
        .map_or("?".into(), |b| format!("{:.0} MB", b / 1e6))
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n  ")
}

pub fn run(home: &Home, args: &StandinsArgs) -> Result<i32> {
    let root = home.root().expect("standins runs in the workspace").to_path_buf();
    let recipes = read(&root)?;
    let dir = root.join(RECIPE_DIR);
    let mirror = args.mirror.clone().unwrap_or_else(machine_mirror);
    let engine = engine(args.engine.as_deref())?;
    let base_image = format!("{PREFIX}{}", recipes.base.name);
    let base_key = base_key(&recipes.base, &mirror);
    let selected: Vec<&Standin> = recipes
        .standin
        .iter()
        .filter(|s| args.only.as_ref().is_none_or(|only| only.iter().any(|o| s.names.contains(o) || &s.recipe == o)))
        .collect();
    if let Some(only) = &args.only {
        for o in only {
            if !recipes.standin.iter().any(|s| s.names.contains(o) || &s.recipe == o) {
                return Err(Failure::usage(format!("--only: no stand-in named `{o}` in {RECIPES}")));
            }
        }
    }
    if args.list {
        let current = label_of(&engine, &base_image).as_deref() == Some(base_key.as_str());
        println!("{base_image}: {}", if current { "current" } else { "not built or out of date" });
        for s in &selected {
            let key = standin_key(&dir, s, &base_key)?;
            let first = format!("{PREFIX}{}", s.names[0]);
            let state = if label_of(&engine, &first).as_deref() == Some(key.as_str()) { "current" } else { "to build" };
            println!("{} ({}): {state}", s.names.join(", "), s.recipe);
        }
        return Ok(0);
    }
    let started = Instant::now();
    if label_of(&engine, &base_image).as_deref() == Some(base_key.as_str()) {
        println!("standins: {base_image} reused");
    } else {
        build_base(&root, &engine, &recipes.base, &mirror, &base_image, &base_key)?;
        println!("standins: {base_image} built ({})", size_of(&engine, &base_image));
    }
    for standin in selected {
        let key = standin_key(&dir, standin, &base_key)?;
        let tags: Vec<String> = standin.names.iter().map(|n| format!("{PREFIX}{n}")).collect();
        let current = tags.iter().all(|t| label_of(&engine, t).as_deref() == Some(key.as_str()));
        if current {
            println!("standins: {} reused ({})", standin.names.join(", "), size_of(&engine, &tags[0]));
            continue;
        }
        let step = Instant::now();
        let mut command = Command::new(&engine);
        command.arg("build").arg("--pull=never");
        command.arg("-f").arg(dir.join(&standin.recipe));
        command.arg("--build-arg").arg(format!("BASE={base_image}"));
        for (k, v) in &standin.args {
            command.arg("--build-arg").arg(format!("{k}={v}"));
        }
        command.arg("--label").arg(format!("{LABEL}={key}"));
        if standin.ca_secret
            && let Some(bundle) = stowage_kit::files::default_ca_bundle()
        {
            command.arg("--secret").arg(format!("id=ca,src={}", bundle.display()));
        }
        for tag in &tags {
            command.arg("-t").arg(tag);
        }
        // A stand-in with a toolchain builds from a private context: the recipe's files and `toolchain/`.
        let context = match &standin.toolchain {
            None => None,
            Some(name) => {
                let context = root.join(format!("target/standins/context-{}", std::process::id()));
                let _ = std::fs::remove_dir_all(&context);
                for file in &standin.files {
                    link_or_copy(&dir.join(file), &context.join(file))?;
                }
                Toolchain::find(name)?.copy_into(&context.join("toolchain"))?;
                Some(RemoveOnDrop(context))
            }
        };
        command.arg(context.as_ref().map_or(dir.as_path(), |c| c.0.as_path()));
        let out = command.output().map_err(|e| Failure::crash(format!("cannot run {engine}: {e}")))?;
        drop(context);
        if !out.status.success() {
            return Err(Failure::crash(format!(
                "the stand-in recipe {RECIPE_DIR}/{} does not build; its log ends with:\n  {}",
                standin.recipe,
                tail(&format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
            )));
        }
        println!(
            "standins: {} built in {:.0} s ({})",
            standin.names.join(", "),
            step.elapsed().as_secs_f64(),
            size_of(&engine, &tags[0])
        );
    }
    println!("standins: done in {:.0} s", started.elapsed().as_secs_f64());
    Ok(0)
}

/// A private folder under target/ removed whatever happens.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// debootstrap's minbase into a private folder under target/, cleaned like Docker's debian images, imported with
/// its key; the folder is removed whatever happens.
fn build_base(root: &Path, engine: &str, base: &Base, mirror: &str, image: &str, key: &str) -> Result<()> {
    if Command::new("debootstrap").arg("--version").output().is_err() {
        return Err(Failure::usage(
            "debootstrap is not installed: `apt-get install -y debootstrap` (it builds the stand-ins' Debian base)",
        ));
    }
    let rootfs: PathBuf = root.join(format!("target/standins/rootfs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&rootfs);
    std::fs::create_dir_all(rootfs.parent().expect("a parent"))
        .map_err(|e| Failure::crash(format!("{}: {e}", rootfs.display())))?;
    let _remove = RemoveOnDrop(rootfs.clone());
    println!("standins: debootstrap {} from {mirror} ...", base.suite);
    let out = Command::new("debootstrap")
        .args(["--variant=minbase", &base.suite])
        .arg(&rootfs)
        .arg(mirror)
        .output()
        .map_err(|e| Failure::crash(format!("cannot run debootstrap: {e}")))?;
    if !out.status.success() {
        return Err(Failure::crash(format!(
            "debootstrap {} from {mirror} failed; its log ends with:\n  {}",
            base.suite,
            tail(&format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
        )));
    }
    let clean = |p: &str| {
        let path = rootfs.join(p);
        for entry in std::fs::read_dir(&path).into_iter().flatten().flatten() {
            if entry.file_type().is_ok_and(|t| t.is_file()) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    };
    clean("var/lib/apt/lists");
    clean("var/cache/apt");
    clean("var/cache/apt/archives");
    std::fs::write(rootfs.join("etc/apt/apt.conf.d/docker-clean"), APT_CLEAN)
        .map_err(|e| Failure::crash(format!("{}: {e}", rootfs.display())))?;
    let tar = Command::new("tar")
        .arg("-C")
        .arg(&rootfs)
        .args(["-c", "."])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| Failure::crash(format!("cannot run tar: {e}")))?;
    let import = Command::new(engine)
        .args(["import", "--change", &format!("LABEL {LABEL}={key}"), "--change", "CMD [\"bash\"]", "-", image])
        .stdin(tar.stdout.expect("piped"))
        .output()
        .map_err(|e| Failure::crash(format!("cannot run {engine} import: {e}")))?;
    if !import.status.success() {
        return Err(Failure::crash(format!(
            "{engine} import of the Debian base failed: {}",
            tail(&String::from_utf8_lossy(&import.stderr))
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
    }

    #[test]
    fn mirrors_from_either_sources_format() {
        let deb822 =
            "Types: deb\n# http://snapshot.debian.org/x\nURIs: http://mirror.example/debian\nSuites: bookworm\n";
        assert_eq!(mirror_from_sources(deb822).as_deref(), Some("http://mirror.example/debian"));
        let list = "# comment\ndeb [arch=amd64] https://m.example/debian bookworm main\n";
        assert_eq!(mirror_from_sources(list).as_deref(), Some("https://m.example/debian"));
        assert_eq!(mirror_from_sources("Types: deb\n"), None);
    }

    #[test]
    fn a_key_changes_with_the_recipe_and_nothing_else() {
        let recipes = read(&repo()).unwrap();
        let dir = std::env::temp_dir().join(format!("stowage-standins-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let standin = Standin {
            recipe: "a.Containerfile".into(),
            names: vec!["a:1".into()],
            args: Default::default(),
            files: vec!["conf".into()],
            toolchain: None,
            ca_secret: false,
            reproduces: String::new(),
            differs: String::new(),
        };
        std::fs::write(dir.join("a.Containerfile"), "FROM x\n").unwrap();
        std::fs::write(dir.join("conf"), "a\n").unwrap();
        let base = base_key(&recipes.base, "http://deb.debian.org/debian");
        let first = standin_key(&dir, &standin, &base).unwrap();
        assert_eq!(first, standin_key(&dir, &standin, &base).unwrap());
        std::fs::write(dir.join("a.Containerfile"), "FROM x\r\n").unwrap();
        assert_eq!(first, standin_key(&dir, &standin, &base).unwrap(), "line endings alone are no change");
        std::fs::write(dir.join("conf"), "b\n").unwrap();
        let changed = standin_key(&dir, &standin, &base).unwrap();
        assert_ne!(first, changed, "a copied file changed");
        let other_base = base_key(&recipes.base, "http://other.example/debian");
        assert_ne!(changed, standin_key(&dir, &standin, &other_base).unwrap(), "another base");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A recipe that copies a machine toolchain is keyed by its version too; an unknown toolchain is refused.
    #[test]
    fn a_toolchain_is_part_of_the_key_and_must_be_known() {
        let recipes = read(&repo()).unwrap();
        let base = base_key(&recipes.base, "http://deb.debian.org/debian");
        let dir = repo().join(RECIPE_DIR);
        let mut standin = Standin {
            recipe: "rust.Containerfile".into(),
            names: vec!["rust:1.95-slim-trixie".into()],
            args: Default::default(),
            files: vec!["rustup.sh".into()],
            toolchain: None,
            ca_secret: false,
            reproduces: String::new(),
            differs: String::new(),
        };
        let without = standin_key(&dir, &standin, &base).unwrap();
        standin.toolchain = Some("rust".into());
        assert_ne!(without, standin_key(&dir, &standin, &base).unwrap(), "the toolchain's version is in the key");
        standin.toolchain = Some("zig".into());
        let err = standin_key(&dir, &standin, &base).unwrap_err();
        assert!(err.message.contains("unknown toolchain `zig`"), "{}", err.message);
    }

    /// Every base image the fixtures' committed Dockerfiles and compose files name, for the fixtures the verify
    /// matrix builds, has a stand-in; every recipe file exists.
    #[test]
    fn every_base_image_of_the_matrix_has_a_stand_in() {
        let root = repo();
        let recipes = read(&root).unwrap();
        for s in &recipes.standin {
            for file in std::iter::once(&s.recipe).chain(&s.files) {
                assert!(root.join(RECIPE_DIR).join(file).is_file(), "{RECIPE_DIR}/{file} is missing");
            }
        }
        let served: Vec<&str> = recipes.standin.iter().flat_map(|s| s.names.iter().map(String::as_str)).collect();
        let matrix = crate::verify_check::read_matrix(&root).unwrap();
        let mut missing = Vec::new();
        for entry in &matrix.fixture {
            let app = root.join("tests/fixtures/apps").join(&entry.name);
            let mut files = Vec::new();
            let mut stack = vec![app.clone()];
            while let Some(d) = stack.pop() {
                for e in std::fs::read_dir(&d).unwrap().flatten() {
                    let p = e.path();
                    let name = e.file_name().to_string_lossy().into_owned();
                    if p.is_dir() && name != "node_modules" {
                        stack.push(p);
                    } else if name == "Dockerfile" || name == "compose.prod.yaml" {
                        files.push(p);
                    }
                }
            }
            for file in files {
                let text = std::fs::read_to_string(&file).unwrap();
                for line in text.lines() {
                    let image = if let Some(rest) = line.trim().strip_prefix("FROM ") {
                        let rest = rest.trim_start_matches("--platform=$BUILDPLATFORM ");
                        rest.split_whitespace().next().unwrap_or("").strip_prefix("${REGISTRY}").map(str::to_string)
                    } else {
                        line.trim().strip_prefix("image: ").map(|i| i.trim_matches('"').to_string())
                    };
                    let Some(image) = image else { continue };
                    // The app's own images (`name:${IMAGE_TAG...}`, `name:1.0.0`) are what the gate builds.
                    let own = image
                        .split(':')
                        .next()
                        .is_some_and(|repo| repo == entry.name || repo.starts_with(&format!("{}/", entry.name)));
                    if own || image.contains("${") || served.contains(&image.as_str()) {
                        continue;
                    }
                    missing.push(format!("{} ({})", image, file.strip_prefix(&root).unwrap().display()));
                }
            }
        }
        missing.sort();
        missing.dedup();
        assert!(missing.is_empty(), "no stand-in in {RECIPES} for: {}", missing.join(", "));
    }
}
