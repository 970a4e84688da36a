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
    found.extend(static_sites(tree, &projects, app_name));
    found
}

/// Folders with an `index.html` that no other project owns: plain static sites, served as files.
fn static_sites(tree: &Tree, projects: &[String], app_name: &str) -> Vec<Found> {
    let mut found: Vec<Found> = Vec::new();
    let mut roots: Vec<String> = Vec::new();
    for path in tree.files.iter().filter(|p| file_name(p) == "index.html") {
        let dir = parent(path);
        if projects.iter().any(|p| p == dir || p == "." || is_under(dir, p))
            || roots.iter().any(|r| r == "." || is_under(dir, r))
        {
            continue;
        }
        let name = if dir == "." { app_name } else { file_name(dir) };
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
