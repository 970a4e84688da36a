//! The gate judges what is deployed, not only the files as written: each Kustomize overlay (a kustomization no
//! other one includes) rendered by `kubectl kustomize`, and each Helm chart rendered by `helm template` with its
//! default values, are checked as the Kubernetes objects they become, cross-object checks included. A patch, an
//! `images:` tag or a labels transformer can change an object in ways no single file shows.
//!
//! The renderers are external programs (`[stages.validate] kustomize` and `helm_template`), run on a private copy of
//! the files (the staged ones over the app's, read through the one opener), never on the app's folder, and never
//! when a kustomization names a remote resource (a renderer would fetch it: no network at run time). A renderer
//! that is not installed is a note, not a failure. A finding of the rendered output is reported on the
//! kustomization.yaml or Chart.yaml it came from, prefixed with what was rendered, unless the files as written
//! already carry it (same rule, same message), so a finding is never reported twice.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use stowage_kit::Finding;

use crate::{Kind, Policy};

/// The kustomization file names kustomize reads, in its order of preference.
const KUSTOMIZATION_NAMES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Folders no overlay or chart reads, which can be large: left out of the private copy (when the kustomizations
/// share no folder below the app's root, the copy starts at the root).
const SKIPPED_FOLDERS: &[&str] = &[".git", "node_modules", "target", "vendor", ".venv", "__pycache__"];

/// The renderers: a command and its arguments; empty turns that rendering off.
pub struct Renderers {
    pub kustomize: Vec<String>,
    pub helm_template: Vec<String>,
}

impl Renderers {
    pub fn from_policy(policy: &Policy) -> Renderers {
        let or = |given: &Option<Vec<String>>, default: &[&str]| {
            given.clone().unwrap_or_else(|| default.iter().map(|s| s.to_string()).collect())
        };
        Renderers {
            kustomize: or(&policy.kustomize, &["kubectl", "kustomize"]),
            helm_template: or(&policy.helm_template, &["helm", "template"]),
        }
    }
}

/// What the rendering found: findings to report, notes, and how many overlays and charts were judged.
#[derive(Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub notes: Vec<String>,
    pub rendered: Vec<String>,
}

/// Every file of the app and the run under `dir` (app-relative, `/`-separated): the staged copy where there is one,
/// the app's own otherwise. Symbolic links and anything but regular files are left out, as the opener would.
fn files_under(root: &Path, staged: &BTreeMap<String, PathBuf>, dir: &str) -> BTreeMap<String, PathBuf> {
    let mut out: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut stack = vec![root.join(dir)];
    while let Some(folder) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
            let name = entry.file_name();
            if meta.is_dir() && SKIPPED_FOLDERS.contains(&name.to_string_lossy().as_ref()) {
                continue;
            }
            if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file()
                && let Ok(rel) = path.strip_prefix(root)
            {
                out.insert(rel.to_string_lossy().replace('\\', "/"), path);
            }
        }
    }
    let prefix = format!("{}/", dir.trim_end_matches('/'));
    for (file, source) in staged {
        if dir.is_empty() || dir == "." || file.starts_with(&prefix) {
            out.insert(file.clone(), source.clone());
        }
    }
    out
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// `dir/rel` with `.` and `..` resolved, or None when it leaves the app.
fn join(dir: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// The entries of a kustomization that name other files or folders, and whether one is remote.
fn references(text: &str) -> (Vec<String>, bool) {
    let (docs, _) = crate::yaml::parse(text);
    let mut out = Vec::new();
    let mut remote = false;
    for root in docs.iter().filter_map(|d| d.root.as_ref()) {
        for key in ["resources", "components", "bases"] {
            for item in root.get(key).map_or(&[][..], |v| v.seq()) {
                if let Some(s) = item.str() {
                    out.push(s.to_string());
                }
            }
        }
        // A helm chart inflated by kustomize downloads it.
        remote |= root.get("helmCharts").is_some();
    }
    remote |= out.iter().any(|r| r.contains("://") || r.starts_with("github.com/") || r.starts_with("git@"));
    (out, remote)
}

/// Copies `files` (app-relative path to source) into `scratch`, read through the opener.
fn copy(root: &Path, files: &BTreeMap<String, PathBuf>, scratch: &Path) -> Result<(), String> {
    for (rel, source) in files {
        let bytes = if source.starts_with(root) {
            stowage_kit::files::read_app_file(root, source, stowage_kit::files::MAX_FILE_BYTES)
                .map_err(|e| format!("{rel}: {e}"))?
        } else {
            std::fs::read(source).map_err(|e| format!("{rel}: {e}"))?
        };
        let dest = scratch.join(rel);
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(&dest, bytes).map_err(|e| format!("{}: {e}", dest.display()))?;
    }
    Ok(())
}

/// Runs a renderer; Err names why it did not render (not installed, or its own error, last lines).
fn render(command: &[String], args: &[&str], cwd: &Path) -> Result<String, String> {
    let output = Command::new(&command[0]).args(&command[1..]).args(args).current_dir(cwd).output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound { "not installed".to_string() } else { e.to_string() }
    })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(3).collect();
        return Err(tail.into_iter().rev().collect::<Vec<_>>().join(" / "));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Renders every overlay and chart of the app (with the staged files) and checks the result. `seen` holds
/// (rule, message) of what the files as written already reported or silenced.
pub fn judge(
    root: &Path,
    staged: &BTreeMap<String, PathBuf>,
    inputs: &[crate::Input],
    policy: &Policy,
    seen: &BTreeSet<(String, String)>,
) -> Outcome {
    let renderers = Renderers::from_policy(policy);
    let mut outcome = Outcome::default();
    let scratch = std::env::temp_dir().join(format!("stowage-validate-render-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    if builder.create(&scratch).is_err() {
        outcome.notes.push("rendered overlays and charts not judged: no scratch folder".into());
        return outcome;
    }
    let mut jobs: Vec<(String, String, Result<String, String>)> = Vec::new(); // (source file, what, rendered)

    // Kustomize: the roots are the kustomizations no other one includes.
    let kustomizations: Vec<&crate::Input> =
        inputs.iter().filter(|i| KUSTOMIZATION_NAMES.contains(&i.file.rsplit('/').next().unwrap_or(""))).collect();
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    for k in &kustomizations {
        let bytes = if k.path.starts_with(root) {
            stowage_kit::files::read_app_file(root, &k.path, stowage_kit::files::MAX_FILE_BYTES).ok()
        } else {
            std::fs::read(&k.path).ok()
        };
        if let Some(bytes) = bytes {
            texts.insert(k.file.clone(), String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    let mut included: BTreeSet<String> = BTreeSet::new();
    let mut remote: BTreeSet<String> = BTreeSet::new();
    for (file, text) in &texts {
        let (refs, is_remote) = references(text);
        if is_remote {
            remote.insert(file.clone());
        }
        for r in refs {
            if let Some(dir) = join(parent(file), &r) {
                included.insert(dir);
            }
        }
    }
    let roots: Vec<&String> = texts.keys().filter(|f| !included.contains(parent(f))).collect();
    if !roots.is_empty() && !renderers.kustomize.is_empty() {
        // One copy of everything under the common folder of the kustomizations, which their paths stay inside.
        let dirs: Vec<&str> = texts.keys().map(|f| parent(f)).collect();
        let mut common: Vec<&str> = dirs[0].split('/').collect();
        for d in &dirs[1..] {
            let parts: Vec<&str> = d.split('/').collect();
            let same = common.iter().zip(&parts).take_while(|(a, b)| a == b).count();
            common.truncate(same);
        }
        let common = common.join("/");
        let copied = copy(root, &files_under(root, staged, &common), &scratch);
        for file in roots {
            let dir = parent(file);
            let what = format!(
                "the overlay {} rendered by `{}`",
                if dir.is_empty() { "." } else { dir },
                renderers.kustomize.join(" ")
            );
            if remote.contains(file) {
                outcome.notes.push(format!("{file}: not rendered: it names a remote resource, which would be fetched"));
                continue;
            }
            let result = match &copied {
                Ok(()) => render(&renderers.kustomize, &[if dir.is_empty() { "." } else { dir }], &scratch),
                Err(e) => Err(format!("cannot copy its files: {e}")),
            };
            jobs.push((file.clone(), what, result));
        }
    }

    // Helm: every chart, with its default values, released under its own name.
    if !renderers.helm_template.is_empty() {
        for chart in inputs.iter().filter(|i| i.kind == Kind::HelmChart) {
            let dir = parent(&chart.file).to_string();
            let name = dir.rsplit('/').next().filter(|n| !n.is_empty()).unwrap_or("release").to_string();
            let target = scratch.join("charts").join(&dir);
            let result = copy(root, &files_under(root, staged, &dir), &scratch.join("charts")).and_then(|()| {
                render(&renderers.helm_template, &[&name, &target.to_string_lossy(), "--namespace", &name], &scratch)
            });
            let what = format!(
                "the chart {} rendered by `{}`",
                if dir.is_empty() { "." } else { &dir },
                renderers.helm_template.join(" ")
            );
            jobs.push((chart.file.clone(), what, result));
        }
    }

    for (file, what, result) in jobs {
        match result {
            Err(why) => outcome.notes.push(format!("{what}: not judged: {why}")),
            Ok(text) => {
                outcome.rendered.push(file.clone());
                for mut f in crate::lint_text(Kind::Kubernetes, &file, &text, policy) {
                    if seen.contains(&(f.rule.clone(), f.message.clone())) {
                        continue;
                    }
                    f.message = format!("in {what}: {}", f.message);
                    f.line = Some(1);
                    f.column = None;
                    f.snippet = None;
                    f.file = file.clone();
                    outcome.findings.push(f);
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    outcome.findings.sort_by(|a, b| (&a.file, &a.rule, &a.message).cmp(&(&b.file, &b.rule, &b.message)));
    outcome.findings.dedup();
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_references() {
        assert_eq!(join("deploy/kustomize/overlays/prod", "../../base").as_deref(), Some("deploy/kustomize/base"));
        assert_eq!(join("a", "../../x"), None);
        assert_eq!(parent("deploy/kustomize/base/kustomization.yaml"), "deploy/kustomize/base");
        let (refs, remote) = references("resources:\n  - ../../base\n  - namespace.yaml\n");
        assert_eq!(refs, vec!["../../base", "namespace.yaml"]);
        assert!(!remote);
        let (_, remote) = references("resources:\n  - https://github.com/org/repo//deploy?ref=v1\n");
        assert!(remote);
        let (_, remote) = references("helmCharts:\n  - name: redis\n    repo: https://charts.example.com\n");
        assert!(remote);
    }

    #[test]
    fn the_private_copy_leaves_out_heavy_folders_and_prefers_staged_files() {
        let root = std::env::temp_dir().join(format!("stowage-rendered-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for path in ["deploy/a.yaml", "node_modules/pkg/b.yaml", ".git/config", "deploy/node_modules/c.yaml"] {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        let staged: BTreeMap<String, PathBuf> =
            [("deploy/a.yaml".to_string(), PathBuf::from("/staged/a.yaml"))].into_iter().collect();
        let files = files_under(&root, &staged, "");
        assert_eq!(files.keys().collect::<Vec<_>>(), vec!["deploy/a.yaml"]);
        assert_eq!(files["deploy/a.yaml"], PathBuf::from("/staged/a.yaml"));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
