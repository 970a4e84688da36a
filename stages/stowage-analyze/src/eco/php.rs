//! PHP: composer.json; Laravel, Symfony and Slim.

use serde_json::Value;

use crate::detect::{Draft, Found, declared_version, fact, line_of, skipped, sources};
use crate::model::{Confidence, Evidence, Fact};
use crate::walk::{Tree, file_name, join, parent};

const EXTS: &[&str] = &["php", "yaml", "yml"];

/// (package, framework, writable folders)
const FRAMEWORKS: &[(&str, &str, &[&str])] = &[
    ("laravel/framework", "Laravel", &["storage", "bootstrap/cache"]),
    ("symfony/framework-bundle", "Symfony", &["var"]),
    ("slim/slim", "Slim", &[]),
];

pub fn detect(tree: &Tree, projects: &[String], app_name: &str) -> Vec<Found> {
    let mut found = Vec::new();
    for path in tree.texts.keys().filter(|p| file_name(p) == "composer.json") {
        found.push(project(tree, projects, path, app_name));
    }
    found
}

fn project(tree: &Tree, projects: &[String], path: &str, app_name: &str) -> Found {
    let dir = parent(path);
    let text = tree.text(path).unwrap_or("");
    let doc: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return skipped(dir, format!("{path}:{} is not valid JSON: {e}", e.line())),
    };
    let require = doc.get("require").and_then(|r| r.as_object());
    let deps: Vec<(String, Evidence)> = require
        .into_iter()
        .flatten()
        .map(|(k, _)| (k.clone(), Evidence::new(path, line_of(text, &format!("\"{k}\"")), format!("requires `{k}`"))))
        .collect();
    let framework = FRAMEWORKS.iter().find(|(p, ..)| deps.iter().any(|(d, _)| d == p));
    let front =
        ["public/index.php", "index.php", "web/index.php"].iter().map(|f| join(dir, f)).find(|f| tree.exists(f));
    let is_library = doc.get("type").and_then(|t| t.as_str()) == Some("library");
    if framework.is_none() && (front.is_none() || is_library) {
        return skipped(dir, format!("PHP library ({path}): no framework and no front controller (public/index.php)"));
    }
    let raw = doc
        .get("name")
        .and_then(|n| n.as_str())
        .map(str::to_string)
        .unwrap_or_else(|| if dir == "." { app_name.to_string() } else { file_name(dir).to_string() });
    let mut draft =
        Draft::new(&crate::detect::service_name(&raw), dir, fact("php", Confidence::High, path, None, "composer.json"));
    if let Some(php) = require.and_then(|r| r.get("php")).and_then(|v| v.as_str())
        && let Some(v) = declared_version(php)
    {
        draft.runtime_version =
            Some(fact(v, Confidence::High, path, line_of(text, "\"php\""), &format!("require.php `{php}`")));
    }
    draft.package_manager = Some(fact("composer", Confidence::High, path, None, "composer.json"));
    let lock = join(dir, "composer.lock");
    if tree.exists(&lock) {
        draft.lockfile = Some(fact(lock.clone(), Confidence::High, &lock, None, "lockfile"));
    }
    let scripts = doc.get("scripts").and_then(|s| s.as_object());
    let start = scripts.and_then(|s| s.get("start")).and_then(|v| match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(a) => a.last().and_then(|l| l.as_str()).map(str::to_string),
        _ => None,
    });
    if let Some(start) = start {
        let start = start.replace("@php ", "php ");
        draft.start_command = Some(fact(start, Confidence::High, path, line_of(text, "\"start\""), "scripts.start"));
    }
    draft.web_framework = true;
    if let Some((package, name, writable)) = framework {
        let line = line_of(text, &format!("\"{package}\""));
        draft.framework = Some(fact(*name, Confidence::High, path, line, &format!("requires `{package}`")));
        for w in *writable {
            let detail = format!("{name} writes caches, logs and sessions here");
            draft.writable.push(fact(*w, Confidence::Medium, path, line, &detail));
        }
        if *name == "Laravel" && draft.start_command.is_none() && tree.exists(&join(dir, "artisan")) {
            draft.start_command = Some(fact(
                "php artisan serve --host=0.0.0.0 --port=8000",
                Confidence::Low,
                &join(dir, "artisan"),
                None,
                "Laravel development server",
            ));
        }
    }
    if draft.start_command.is_none()
        && let Some(front) = &front
    {
        let docroot = parent(front.strip_prefix(&format!("{dir}/")).unwrap_or(front));
        let cmd = if docroot == "." {
            "php -S 0.0.0.0:8080".to_string()
        } else {
            format!("php -S 0.0.0.0:8080 -t {docroot}")
        };
        draft.start_command =
            Some(fact(cmd, Confidence::Low, front, None, "front controller served by PHP's built-in server"));
    }
    for (dep, ev) in &deps {
        if let Some(ext) = dep.strip_prefix("ext-") {
            let evidence = Evidence { detail: format!("requires `{dep}`"), ..ev.clone() };
            draft.build.php_extensions.push(Fact::new(ext.to_ascii_lowercase(), Confidence::High, evidence));
        }
    }
    if let Some(version) = doc.get("version").and_then(|v| v.as_str()) {
        let line = line_of(text, "\"version\"");
        draft.build.version = Some(fact(version, Confidence::High, path, line, "composer.json `version`"));
    }
    draft.deps = deps;
    draft.sources = sources(tree, dir, projects, EXTS, &[]);
    Found::Service(Box::new(draft))
}
