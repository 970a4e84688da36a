//! One detector per ecosystem; each turns manifests into [`Found`] projects.

pub mod dotnet;
pub mod go;
pub mod jvm;
pub mod node;
pub mod php;
pub mod python;
pub mod ruby;
pub mod rust;

use crate::detect::{Draft, Found, fact};
use crate::model::{Confidence, Evidence, Fact, Kind};
use crate::walk::{Tree, file_name, is_under, parent};

/// Runs every detector, then looks for static sites outside the projects found.
pub fn detect_all(tree: &Tree, app_name: &str) -> Vec<Found> {
    let projects = crate::detect::project_dirs(tree);
    let mut found = Vec::new();
    found.extend(node::detect(tree, &projects, app_name));
    found.extend(python::detect(tree, &projects, app_name));
    found.extend(go::detect(tree, &projects));
    found.extend(rust::detect(tree));
    found.extend(jvm::detect(tree, &projects, app_name));
    found.extend(dotnet::detect(tree, &projects));
    found.extend(php::detect(tree, &projects, app_name));
    found.extend(ruby::detect(tree, &projects, app_name));
    // Every project owns its folder (a server's templates and assets, a library's demo page), except the roots
    // of monorepos, which only hold their members.
    let owners: Vec<String> = projects
        .iter()
        .filter(|dir| {
            !found.iter().any(|f| matches!(f, Found::Skipped(s) if &s.path == *dir && is_monorepo_root(&s.reason)))
        })
        .cloned()
        .collect();
    found.extend(static_sites(tree, &owners, app_name));
    found
}

/// Whether a skip reason says the project only holds other projects (a workspace or multi-module root).
fn is_monorepo_root(reason: &str) -> bool {
    ["workspace root", "Maven aggregator", "multi-project root"].iter().any(|r| reason.contains(r))
}

/// Documentation folders: a site built or published on its own (GitHub Pages, Read the Docs), never a deployable.
const DOC_DIRS: &[&str] = &["docs", "doc", "documentation"];

/// Folders that hold the served files of a site; the site is named after the folder that holds them.
const SERVED_DIRS: &[&str] = &["public", "www", "static", "site", "html", "htdocs"];

/// Static sites, by this rule: a folder with an `index.html` is a static site of its own when no project owns it
/// (see [`detect_all`]) and it is not documentation. So `docs/index.html` inside a Python app, a server's
/// `public/index.html` and a library's demo page are part of their project, while a plain `apps/landing/public/`
/// in a workspace monorepo is a site (named `landing`). A folder with its own package.json and a static build
/// (Vite, Create React App, Angular) is found by the Node.js detector, wherever it is.
fn static_sites(tree: &Tree, owners: &[String], app_name: &str) -> Vec<Found> {
    let mut found: Vec<Found> = Vec::new();
    let mut roots: Vec<String> = Vec::new();
    // Shallowest first, so a site's own sub-pages (`about/index.html`) stay part of it.
    let mut pages: Vec<&String> = tree.files.iter().filter(|p| file_name(p) == "index.html").collect();
    pages.sort_by_key(|p| (p.matches('/').count(), p.to_string()));
    for path in pages {
        let dir = parent(path);
        if owners.iter().any(|p| p == dir || p == "." || is_under(dir, p))
            || roots.iter().any(|r| r == "." || r == dir || is_under(dir, r))
        {
            continue;
        }
        if let Some(docs) = dir.split('/').position(|seg| DOC_DIRS.contains(&seg)) {
            let docs_dir = dir.split('/').take(docs + 1).collect::<Vec<_>>().join("/");
            if !roots.contains(&docs_dir) {
                found.push(crate::detect::skipped(
                    &docs_dir,
                    format!("documentation site ({path}): published on its own, not a deployable"),
                ));
                roots.push(docs_dir);
            }
            continue;
        }
        let folder = if SERVED_DIRS.contains(&file_name(dir)) && parent(dir) != "." { parent(dir) } else { dir };
        let name = if folder == "." { app_name } else { file_name(folder) };
        let mut draft = Draft::new(
            &crate::detect::service_name(name),
            dir,
            fact("html", Confidence::High, path, None, "static HTML entry page"),
        );
        draft.kind = Some(Fact::new(
            Kind::Static,
            Confidence::High,
            Evidence::new(path, None, "index.html without a server-side project"),
        ));
        draft.sources = tree.texts_under(dir).filter(|(p, _)| p.ends_with(".js")).map(|(p, _)| p.to_string()).collect();
        roots.push(dir.to_string());
        found.push(Found::Service(Box::new(draft)));
    }
    found
}
