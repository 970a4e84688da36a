//! Reads the app once into memory: which files exist, and the text of the ones that can be evidence.
//!
//! Everything later works on this [`Tree`], so the detectors never touch the file system and every bad-input rule
//! (binary, huge, not UTF-8, unreadable, symlink leaving the app) is applied in exactly one place.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::model::Skipped;

/// Files above this size are not read, unless they are manifests or lockfiles (which are read whole).
pub const MAX_TEXT_BYTES: u64 = 1024 * 1024;

/// Folders that hold dependencies, caches or build output: never the app's own evidence, and often huge.
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "bower_components",
    "target",
    "vendor",
    "__pycache__",
    ".venv",
    "venv",
    ".tox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".next",
    ".nuxt",
    ".svelte-kit",
    ".gradle",
    ".idea",
    ".vscode",
    "dist",
    "coverage",
    "obj",
];

/// Manifests and lockfiles: read whole whatever their size, because a big lockfile is still the truth.
const KNOWN_MANIFESTS: &[&str] = &[
    "package.json",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "pnpm-workspace.yaml",
    "Cargo.toml",
    "Cargo.lock",
    "pyproject.toml",
    "poetry.lock",
    "uv.lock",
    "Pipfile",
    "Pipfile.lock",
    "requirements.txt",
    "go.mod",
    "go.sum",
    "go.work",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "settings.gradle",
    "settings.gradle.kts",
    "composer.json",
    "composer.lock",
    "Gemfile",
    "Gemfile.lock",
    "packages.lock.json",
];

/// File names read as text even without a telling extension.
const TEXT_NAMES: &[&str] = &[
    "Procfile",
    "crontab",
    "Dockerfile",
    "Containerfile",
    "Gemfile",
    "Rakefile",
    "Pipfile",
    ".nvmrc",
    ".node-version",
    ".python-version",
    ".ruby-version",
    ".tool-versions",
    ".java-version",
    "rust-toolchain",
    "go.mod",
    "go.sum",
    "go.work",
    "mvnw",
    "gradlew",
    "artisan",
    "manage.py",
];

const TEXT_EXTENSIONS: &[&str] = &[
    "cron",
    "crontab",
    "js",
    "mjs",
    "cjs",
    "jsx",
    "ts",
    "mts",
    "cts",
    "tsx",
    "vue",
    "svelte",
    "py",
    "go",
    "rs",
    "java",
    "kt",
    "kts",
    "scala",
    "groovy",
    "cs",
    "fs",
    "vb",
    "csproj",
    "fsproj",
    "vbproj",
    "sln",
    "props",
    "php",
    "rb",
    "ru",
    "erb",
    "json",
    "toml",
    "yaml",
    "yml",
    "xml",
    "properties",
    "gradle",
    "cfg",
    "ini",
    "conf",
    "txt",
    "lock",
    "html",
    "htm",
    "env",
    "example",
    "sample",
    "template",
    "dockerfile",
    "sh",
    "mod",
    "gemspec",
    "prisma",
];

/// The readable part of the app.
#[derive(Debug, Default)]
pub struct Tree {
    /// Every file that is part of the app (excluded and managed files are left out), app-relative, `/`-separated.
    pub files: BTreeSet<String>,
    /// The text of the files that could be evidence.
    pub texts: BTreeMap<String, String>,
    /// Files that could be evidence but were not read, with the reason.
    pub unread: Vec<Skipped>,
    /// How many files stowage generated itself and were therefore not read.
    pub managed_skipped: usize,
}

impl Tree {
    pub fn text(&self, path: &str) -> Option<&str> {
        self.texts.get(path).map(String::as_str)
    }

    pub fn exists(&self, path: &str) -> bool {
        self.files.contains(path)
    }

    /// Readable files under `dir` (`.` for all), in path order.
    pub fn texts_under<'a>(&'a self, dir: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.texts.iter().filter(move |(p, _)| is_under(p, dir)).map(|(p, t)| (p.as_str(), t.as_str()))
    }

    /// All files under `dir` (`.` for all), in path order.
    pub fn files_under<'a>(&'a self, dir: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.files.iter().filter(move |p| is_under(p, dir)).map(String::as_str)
    }
}

/// Whether app-relative `path` lies in folder `dir` (`.` is the app root).
pub fn is_under(path: &str, dir: &str) -> bool {
    dir == "." || path.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/'))
}

/// `dir/name`, where `dir` may be `.`.
pub fn join(dir: &str, name: &str) -> String {
    if dir == "." || dir.is_empty() { name.to_string() } else { format!("{dir}/{name}") }
}

/// The folder of an app-relative file, `.` for files at the root.
pub fn parent(path: &str) -> &str {
    path.rfind('/').map_or(".", |i| &path[..i])
}

pub fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn wants_text(name: &str) -> bool {
    if TEXT_NAMES.contains(&name) || KNOWN_MANIFESTS.contains(&name) {
        return true;
    }
    if name.starts_with("Dockerfile") || name.starts_with("Containerfile") || name.starts_with(".env") {
        return true;
    }
    name.rsplit_once('.').is_some_and(|(_, ext)| TEXT_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
}

/// The most text analyze holds for the whole app. The texts are held at once (every detector looks across
/// files), so without a total a tree of many large files would take memory in proportion to the tree.
pub const MAX_TOTAL_TEXT_BYTES: u64 = 64 * 1024 * 1024;

struct Walker<'a> {
    root: PathBuf,
    exclude: &'a [String],
    managed: &'a BTreeSet<String>,
    tree: Tree,
    /// Files to read once the walk is done: (not a manifest, size, app-relative path, path).
    wanted: Vec<(bool, u64, String, PathBuf)>,
}

/// Reads the app at `root`, holding at most `budget` bytes of text (None: [`MAX_TOTAL_TEXT_BYTES`]). Errors only
/// when the root itself cannot be listed.
pub fn read_tree(
    root: &Path,
    exclude: &[String],
    managed: &BTreeSet<String>,
    budget: Option<u64>,
) -> Result<Tree, String> {
    let canonical = root.canonicalize().map_err(|e| format!("cannot open the app folder {}: {e}", root.display()))?;
    if !canonical.is_dir() {
        return Err(format!("the app path {} is not a folder", root.display()));
    }
    let mut walker = Walker { root: canonical.clone(), exclude, managed, tree: Tree::default(), wanted: Vec::new() };
    walker.walk_dir(&canonical, "")?;
    // Manifests first (they are the truth about a project), then the smaller files: when the app's texts exceed
    // the budget, as many files as possible are evidence, and the same ones on every machine.
    let budget = budget.unwrap_or(MAX_TOTAL_TEXT_BYTES);
    let mut wanted = std::mem::take(&mut walker.wanted);
    wanted.sort();
    let mut held: u64 = 0;
    for (not_manifest, size, rel, path) in wanted {
        // A file over the per-file cap is refused by the opener without being read.
        let too_large = not_manifest && size > MAX_TEXT_BYTES;
        if held + size > budget && !too_large {
            let mib = budget / (1024 * 1024);
            let limit = if mib > 0 { format!("{mib} MiB") } else { format!("{budget} bytes") };
            walker.unread(&rel, format!("not read: the app's texts exceed the {limit} analyze holds in all"));
            continue;
        }
        held += walker.read_text(&rel, &path);
    }
    walker.tree.unread.sort();
    Ok(walker.tree)
}

impl Walker<'_> {
    fn walk_dir(&mut self, dir: &Path, rel: &str) -> Result<(), String> {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if rel.is_empty() => return Err(format!("cannot list the app folder {}: {e}", dir.display())),
            Err(e) => {
                self.unread(rel, format!("folder cannot be listed: {e}"));
                return Ok(());
            }
        };
        let mut names: Vec<(String, PathBuf)> = Vec::new();
        for entry in entries.flatten() {
            match entry.file_name().into_string() {
                Ok(name) => names.push((name, entry.path())),
                Err(name) => {
                    let shown = join(if rel.is_empty() { "." } else { rel }, &name.to_string_lossy());
                    self.unread(&shown, "file name is not UTF-8".into());
                }
            }
        }
        names.sort();
        for (name, path) in names {
            let rel_path = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
            // The runner's own matcher, so `exclude` means the same thing to every stage.
            if stowage_kit::any_glob_match(self.exclude, &rel_path) {
                continue;
            }
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                self.unread(&rel_path, "cannot read file metadata".into());
                continue;
            };
            if meta.file_type().is_symlink() {
                match path.canonicalize() {
                    Err(e) => self.unread(&rel_path, format!("unreadable: broken symlink ({e})")),
                    Ok(target) if !target.starts_with(&self.root) => {
                        self.unread(&rel_path, "symlink to outside the app, not followed".into())
                    }
                    Ok(target) if target.is_dir() => {
                        // The target is inside the app and is walked on its own; following would count it twice.
                        self.unread(&rel_path, "symlinked folder inside the app, not followed".into())
                    }
                    Ok(target) => self.add_file(&rel_path, &name, &target),
                }
                continue;
            }
            if meta.is_dir() {
                if SKIPPED_DIRS.contains(&name.as_str()) {
                    continue;
                }
                self.walk_dir(&path, &rel_path)?;
            } else if meta.is_file() {
                self.add_file(&rel_path, &name, &path);
            } else if wants_text(&name) {
                // A pipe, socket or device where evidence could be: noted, never opened (a pipe blocks).
                self.unread(&rel_path, "not a regular file (a pipe, socket or device)".into());
            }
        }
        Ok(())
    }

    fn add_file(&mut self, rel: &str, name: &str, path: &Path) {
        if self.managed.contains(rel) {
            self.tree.managed_skipped += 1;
            return;
        }
        self.tree.files.insert(rel.to_string());
        // Files of a `cron.d` folder have no extension: they are crontabs, evidence of scheduled jobs. Files of an
        // `.env` folder (`.env/.dev-sample`) are environment files a compose service loads with `env_file`.
        let env_folder = rel.starts_with(".env/") || rel.contains("/.env/");
        if !wants_text(name) && !rel.contains("cron.d/") && !env_folder {
            return;
        }
        let manifest = KNOWN_MANIFESTS.contains(&name);
        // Measured now, read after the walk, within the total budget.
        let size = std::fs::metadata(path).map_or(0, |m| m.len());
        self.wanted.push((!manifest, size, rel.to_string(), path.to_path_buf()));
    }

    /// Reads one file of the app as evidence; returns the bytes now held.
    fn read_text(&mut self, rel: &str, path: &Path) -> u64 {
        let manifest = KNOWN_MANIFESTS.contains(&file_name(rel));
        // The kit's one opener: a regular file inside the app (a link to a pipe inside it is not opened), capped.
        let cap = if manifest { stowage_kit::files::MAX_FILE_BYTES } else { MAX_TEXT_BYTES };
        let bytes = match stowage_kit::files::read_app_file(&self.root, path, cap) {
            Ok(bytes) => bytes,
            Err(e @ stowage_kit::files::Unread::Io(_)) => {
                self.unread(rel, format!("unreadable: {e}"));
                return 0;
            }
            Err(e) => {
                self.unread(rel, e.to_string());
                return 0;
            }
        };
        if bytes[..bytes.len().min(8192)].contains(&0) {
            self.unread(rel, "binary content".into());
            return 0;
        }
        match String::from_utf8(bytes) {
            Ok(text) => {
                let text = stowage_kit::normalize_newlines(text.strip_prefix('\u{feff}').unwrap_or(&text));
                let held = text.len() as u64;
                self.tree.texts.insert(rel.to_string(), text);
                held
            }
            Err(e) => {
                self.unread(rel, format!("not UTF-8 (invalid byte at offset {})", e.utf8_error().valid_up_to()));
                0
            }
        }
    }

    fn unread(&mut self, path: &str, reason: String) {
        self.tree.unread.push(Skipped { path: path.to_string(), reason });
    }
}
