//! Finding and classifying the files to check under a set of paths.

use std::path::{Path, PathBuf};

use crate::policy::glob_match;
use crate::{Input, Kind};

/// Folders never searched: build output, VCS data and dependencies.
pub const SKIPPED_DIRS: &[&str] = &[".git", "target", "node_modules"];

/// The kind of a file from its name alone; YAML files that might be manifests return None here.
pub fn kind_by_name(name: &str) -> Option<Kind> {
    let lower = name.to_lowercase();
    // `Dockerfile`, `Dockerfile.prod`, `api.Dockerfile`, `api-Dockerfile`: the word at a boundary, then the end or a dot.
    let word_at = |word: &str, s: &str| {
        s.match_indices(word).any(|(i, _)| {
            let before = s[..i].chars().last();
            let after = s[i + word.len()..].chars().next();
            before.is_none_or(|c| matches!(c, '.' | '_' | '-')) && after.is_none_or(|c| c == '.')
        })
    };
    const NOT_DOCKERFILES: &[&str] = &[
        ".md",
        ".txt",
        ".tsv",
        ".csv",
        ".json",
        ".yaml",
        ".yml",
        ".sh",
        ".rs",
        ".py",
        ".go",
        ".js",
        ".bak",
        ".orig",
        ".swp",
        ".dockerignore",
        ".snap",
        ".expected",
        ".golden",
        ".out",
        ".rej",
        ".diff",
        ".patch",
        ".html",
        // Templates of a Dockerfile are not one yet.
        ".j2",
        ".jinja",
        ".jinja2",
        ".tmpl",
        ".tpl",
        ".template",
        ".mustache",
        ".hbs",
        ".erb",
    ];
    let data_file = NOT_DOCKERFILES.iter().any(|e| lower.ends_with(e));
    if !data_file && (word_at("dockerfile", &lower) || word_at("containerfile", &lower)) {
        return Some(Kind::Dockerfile);
    }
    if name == "Chart.yaml" {
        return Some(Kind::HelmChart);
    }
    let yaml = lower.ends_with(".yaml") || lower.ends_with(".yml");
    if yaml && word_at("compose", &lower) {
        return Some(Kind::Compose);
    }
    None
}

/// Classifies a file by name, then (for YAML) by content: a document with top-level `apiVersion` and `kind` is a
/// Kubernetes manifest, one with top-level `services` is a compose file.
pub fn classify(path: &Path) -> Option<Kind> {
    if in_chart_templates(path) {
        return None;
    }
    classify_content(path.file_name()?.to_str()?, path)
}

/// Classifies a file called `name` whose bytes are at `content` (a staged file lives outside the app).
pub fn classify_content(name: &str, content: &Path) -> Option<Kind> {
    if let Some(kind) = kind_by_name(name) {
        return Some(kind);
    }
    let lower = name.to_lowercase();
    if !(lower.ends_with(".yaml") || lower.ends_with(".yml")) {
        return None;
    }
    let text = read_small(content)?;
    // Editors on Windows may start the file with a byte order mark, which would hide a first-line `apiVersion`.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let top = |key: &str| text.lines().any(|l| l.strip_prefix(key).is_some_and(|r| r.trim_start().starts_with(':')));
    if top("apiVersion") && top("kind") { Some(Kind::Kubernetes) } else { None }
}

/// The kind a file of this name would be checked as, YAML files counted as manifests.
fn checked_name(name: &str) -> Option<Kind> {
    let lower = name.to_lowercase();
    kind_by_name(name).or_else(|| (lower.ends_with(".yaml") || lower.ends_with(".yml")).then_some(Kind::Kubernetes))
}

/// Helm templates are Go templates, not YAML: files under a chart's `templates/` are not checked as manifests.
pub fn in_chart_templates(path: &Path) -> bool {
    path.ancestors().any(|a| {
        a.file_name().is_some_and(|n| n == "templates") && a.parent().is_some_and(|p| p.join("Chart.yaml").is_file())
    })
}

/// Walks `root` (a file or a folder) and returns its inputs, sorted; `display` turns a path into the name used in
/// findings; `exclude` globs are matched against that name.
pub fn walk(root: &Path, exclude: &[String], display: &dyn Fn(&Path) -> String, out: &mut Vec<Input>) {
    match std::fs::metadata(root) {
        Ok(meta) if meta.is_file() => {
            let kind = classify(root).or_else(|| sniff(root));
            if let Some(kind) = kind {
                out.push(Input { file: display(root), path: root.to_path_buf(), kind });
            }
            return;
        }
        // A FIFO or device named as a root (`lint /dev/zero`): reading it could block or never end, and skipping it
        // would pass silently, so it is kept as an input that `read_text` reports as unreadable (GN002).
        Ok(meta) if !meta.is_dir() => {
            let kind = root.file_name().and_then(|n| kind_by_name(&n.to_string_lossy())).unwrap_or(Kind::Dockerfile);
            out.push(Input { file: display(root), path: root.to_path_buf(), kind });
            return;
        }
        _ => {}
    }
    let real_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut stack: Vec<PathBuf> = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            // A folder that cannot be listed would pass silently as "0 files checked": it is kept as an input,
            // reported as GN002 by the check.
            Err(_) => {
                out.push(Input { file: format!("{}/", display(&dir)), path: dir, kind: Kind::Dockerfile });
                continue;
            }
        };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            let shown = display(&path);
            if exclude
                .iter()
                .any(|g| glob_match(g, &shown) || glob_match(&format!("{}/**", g.trim_end_matches('/')), &shown))
            {
                continue;
            }
            let Ok(ft) = entry.file_type() else { continue };
            if ft.is_dir() {
                if !SKIPPED_DIRS.contains(&name.as_str()) {
                    stack.push(path);
                }
            } else if ft.is_file() {
                if let Some(kind) = classify(&path) {
                    out.push(Input { file: shown, path, kind });
                }
            } else if let Some(kind) = checked_name(&name) {
                // A link inside the folder is checked under its target's own name. A pipe, socket or device, or a
                // link leaving the folder or leading nowhere, named like a file the linter checks is kept as an
                // input that the check reports as unreadable (GN002); it is never read.
                let inside =
                    ft.is_symlink() && path.canonicalize().is_ok_and(|t| t.starts_with(&real_root) && t.is_file());
                // A chart's own files are reported by the chart's check.
                let in_chart = dir.join("Chart.yaml").is_file() || in_chart_templates(&path);
                if !inside && !in_chart {
                    out.push(Input { file: shown, path, kind });
                }
            }
        }
    }
    out.sort();
}

/// The text of a file whose content decides its kind, through the kit's one opener (a pipe or device is not
/// read here; named as a PATH, it is reported by `read_text` as GN002).
fn read_small(path: &Path) -> Option<String> {
    let real = path.canonicalize().ok()?;
    let bytes = stowage_kit::files::read_app_file(real.parent()?, &real, stowage_kit::files::MAX_FILE_BYTES).ok()?;
    String::from_utf8(bytes).ok()
}

/// A file named explicitly that no name rule matches: look at its content.
fn sniff(path: &Path) -> Option<Kind> {
    let text = read_small(path)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let first = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#'))?;
    let word = first.split_whitespace().next()?.to_uppercase();
    if word == "FROM" || word == "ARG" {
        return Some(Kind::Dockerfile);
    }
    if text.lines().any(|l| l.starts_with("services:")) {
        return Some(Kind::Compose);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for (n, k) in [
            ("Dockerfile", Some(Kind::Dockerfile)),
            ("Dockerfile.prod", Some(Kind::Dockerfile)),
            ("api.Dockerfile", Some(Kind::Dockerfile)),
            ("compose.yaml", Some(Kind::Compose)),
            ("docker-compose.override.yml", Some(Kind::Compose)),
            ("Chart.yaml", Some(Kind::HelmChart)),
            ("deployment.yaml", None),
            ("owner__repo__Dockerfile.alpine", Some(Kind::Dockerfile)),
            ("x__compose.yaml", Some(Kind::Compose)),
            ("kompose.yaml", None),
            ("dockerfiles.txt", None),
            ("bad.Dockerfile.expected", None),
            ("Dockerfile.j2", None),
        ] {
            assert_eq!(kind_by_name(n), k, "{n}");
        }
    }
}
