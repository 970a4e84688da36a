//! Rust: Cargo.toml (workspaces, several binaries per package) and Cargo.lock, read directly with `toml` so the model
//! is the same on a machine without cargo; axum, actix-web and Rocket.

use crate::detect::{Draft, Found, fact, find_up, line_of, skipped, version_file};
use crate::glob::Glob;
use crate::model::{Confidence, Evidence, Fact, Kind};
use crate::walk::{Tree, file_name, is_under, join, parent};

/// (crate, framework, default port)
const FRAMEWORKS: &[(&str, &str, Option<u16>)] = &[
    ("axum", "axum", None),
    ("actix-web", "actix-web", None),
    ("rocket", "Rocket", Some(8000)),
    ("warp", "warp", None),
    ("poem", "poem", None),
    ("tide", "tide", None),
];

struct Workspace {
    root: String,
    members: Vec<Glob>,
    exclude: Vec<Glob>,
    rust_version: Option<(String, Option<u32>)>,
    /// `[workspace.package] version`, which members inherit with `version.workspace = true`.
    version: Option<(String, Option<u32>)>,
}

/// The line of a `version = ...` key (not `rust-version`, not a dependency's inline version).
fn version_line(text: &str) -> Option<u32> {
    text.lines()
        .position(|l| l.strip_prefix("version").is_some_and(|r| r.trim_start().starts_with(['=', '.'])))
        .map(|i| i as u32 + 1)
}

fn strings(value: Option<&toml::Value>) -> Vec<String> {
    value.and_then(|v| v.as_array()).into_iter().flatten().filter_map(|v| v.as_str().map(str::to_string)).collect()
}

pub fn detect(tree: &Tree) -> Vec<Found> {
    let mut found = Vec::new();
    let mut docs = Vec::new();
    for path in tree.texts.keys().filter(|p| file_name(p) == "Cargo.toml") {
        match tree.text(path).unwrap_or("").parse::<toml::Table>() {
            Ok(doc) => docs.push((path.clone(), doc)),
            Err(e) => found.push(skipped(parent(path), format!("{path} is not valid TOML: {}", e.message()))),
        }
    }
    let workspaces: Vec<Workspace> = docs
        .iter()
        .filter_map(|(path, doc)| {
            let ws = doc.get("workspace")?;
            let root = parent(path).to_string();
            let text = tree.text(path).unwrap_or("");
            let rust_version = ws
                .get("package")
                .and_then(|p| p.get("rust-version"))
                .and_then(|v| v.as_str())
                .map(|v| (v.to_string(), line_of(text, "rust-version")));
            let version = ws
                .get("package")
                .and_then(|p| p.get("version"))
                .and_then(|v| v.as_str())
                .map(|v| (v.to_string(), version_line(text)));
            Some(Workspace {
                version,
                members: strings(ws.get("members")).iter().map(|g| Glob::new(&join(&root, g))).collect(),
                exclude: strings(ws.get("exclude")).iter().map(|g| Glob::new(&join(&root, g))).collect(),
                root,
                rust_version,
            })
        })
        .collect();
    for (path, doc) in &docs {
        let dir = parent(path);
        let Some(package) = doc.get("package") else {
            if doc.get("workspace").is_some() {
                found.push(skipped(
                    dir,
                    format!("Cargo workspace root ({path}): its members are analysed on their own"),
                ));
            }
            continue;
        };
        let workspace = workspaces.iter().find(|w| {
            (w.root == dir || w.members.iter().any(|g| g.matches_exactly(dir)))
                && !w.exclude.iter().any(|g| g.matches(dir))
        });
        found.extend(package_services(tree, path, doc, package, workspace));
    }
    found
}

fn package_services(
    tree: &Tree,
    path: &str,
    doc: &toml::Table,
    package: &toml::Value,
    workspace: Option<&Workspace>,
) -> Vec<Found> {
    let dir = parent(path);
    let text = tree.text(path).unwrap_or("");
    let Some(pkg_name) = package.get("name").and_then(|v| v.as_str()) else {
        return vec![skipped(dir, format!("{path}: [package] has no name"))];
    };
    if dir.split('/').any(|s| matches!(s, "examples" | "benches")) {
        return vec![skipped(dir, format!("example crate `{pkg_name}` ({path})"))];
    }
    // Binaries: explicit [[bin]] targets, then Cargo's automatic ones.
    let mut bins: Vec<(String, String, Option<u32>)> = Vec::new();
    for bin in doc.get("bin").and_then(|b| b.as_array()).into_iter().flatten() {
        let Some(name) = bin.get("name").and_then(|v| v.as_str()) else { continue };
        let file = match bin.get("path").and_then(|v| v.as_str()) {
            Some(p) => join(dir, p),
            None if name == pkg_name => join(dir, "src/main.rs"),
            None if tree.exists(&join(dir, &format!("src/bin/{name}.rs"))) => join(dir, &format!("src/bin/{name}.rs")),
            None => join(dir, &format!("src/bin/{name}/main.rs")),
        };
        bins.push((name.to_string(), file, line_of(text, &format!("\"{name}\""))));
    }
    let autobins = package.get("autobins").and_then(|v| v.as_bool()).unwrap_or(true);
    if autobins {
        let main = join(dir, "src/main.rs");
        if tree.exists(&main) && !bins.iter().any(|(n, f, _)| *f == main || n == pkg_name) {
            bins.push((pkg_name.to_string(), main, None));
        }
        let bin_dir = join(dir, "src/bin");
        for f in tree.files_under(&bin_dir) {
            let rest = &f[bin_dir.len() + 1..];
            let name = match rest.split_once('/') {
                None => rest.strip_suffix(".rs"),
                Some((name, "main.rs")) => Some(name),
                _ => None,
            };
            if let Some(name) = name
                && !bins.iter().any(|(n, file, _)| n == name || file == f)
            {
                bins.push((name.to_string(), f.to_string(), None));
            }
        }
    }
    if bins.is_empty() {
        let what = if tree.exists(&join(dir, "src/lib.rs")) { "library crate" } else { "crate" };
        return vec![skipped(dir, format!("{what} `{pkg_name}` ({path}): no binary target"))];
    }
    bins.sort();

    let context = workspace.map_or(dir.to_string(), |w| w.root.clone());
    let mut deps: Vec<(String, Evidence)> = Vec::new();
    for section in ["dependencies"] {
        for (name, _) in doc.get(section).and_then(|d| d.as_table()).into_iter().flatten() {
            let line = text
                .lines()
                .position(|l| {
                    l.trim_start().starts_with(&format!("{name} "))
                        || l.trim_start().starts_with(&format!("{name}."))
                        || l.trim_start().starts_with(&format!("{name}="))
                })
                .map(|i| i as u32 + 1);
            deps.push((name.clone(), Evidence::new(path, line, format!("depends on `{name}`"))));
        }
    }
    let framework = FRAMEWORKS.iter().find(|(krate, ..)| deps.iter().any(|(d, _)| d == krate));
    let runtime = version_file(tree, dir, &context, &["rust-toolchain"], "rust-toolchain")
        .or_else(|| {
            let (p, _) = find_up(tree, dir, &context, &["rust-toolchain.toml"])?;
            let t = tree.text(&p)?;
            let channel = t.parse::<toml::Table>().ok()?.get("toolchain")?.get("channel")?.as_str()?.to_string();
            Some(fact(channel, Confidence::High, &p, line_of(t, "channel"), "toolchain channel"))
        })
        .or_else(|| match package.get("rust-version") {
            Some(toml::Value::String(v)) => {
                Some(fact(v.clone(), Confidence::High, path, line_of(text, "rust-version"), "rust-version"))
            }
            Some(toml::Value::Table(_)) => {
                let w = workspace?;
                let (v, line) = w.rust_version.clone()?;
                Some(fact(v, Confidence::High, &join(&w.root, "Cargo.toml"), line, "workspace rust-version"))
            }
            _ => None,
        });
    let lock = find_up(tree, dir, &context, &["Cargo.lock"]).filter(|(p, _)| {
        // Only a lockfile that parses counts: the build runs with --locked.
        tree.text(p).is_some_and(|t| {
            t.parse::<toml::Table>().is_ok_and(|d| d.contains_key("package") || d.contains_key("version"))
        })
    });
    let version = match package.get("version") {
        Some(toml::Value::String(v)) => {
            Some(fact(v.clone(), Confidence::High, path, version_line(text), "[package] version"))
        }
        Some(toml::Value::Table(_)) => workspace.and_then(|w| {
            let (v, line) = w.version.clone()?;
            Some(fact(v, Confidence::High, &join(&w.root, "Cargo.toml"), line, "workspace package version"))
        }),
        _ => None,
    };
    // Native code: the `-sys` crates the package reaches in its lockfile, else those it declares itself.
    let mut native = match &lock {
        Some((p, _)) => crate::build::cargo_sys_crates(p, tree.text(p).unwrap_or(""), pkg_name),
        None => Vec::new(),
    };
    if native.is_empty() {
        for (dep, ev) in deps.iter().filter(|(d, _)| d.ends_with("-sys")) {
            let detail = format!("`{dep}` compiles or links native code");
            native.push(Fact::new(dep.clone(), Confidence::High, Evidence { detail, ..ev.clone() }));
        }
    }
    let src = join(dir, "src");
    let bin_files: Vec<String> = bins.iter().map(|(_, f, _)| f.clone()).collect();
    let mut out = Vec::new();
    for (name, file, line) in &bins {
        let mut draft = Draft::new(
            &crate::detect::service_name(name),
            dir,
            fact("rust", Confidence::High, path, None, "Cargo.toml"),
        );
        draft.build_context = context.clone();
        draft.runtime_version = runtime.clone();
        draft.package_manager = Some(fact("cargo", Confidence::High, path, None, "Cargo manifest"));
        draft.lockfile = lock.as_ref().map(|(p, _)| fact(p.clone(), Confidence::High, p, None, "lockfile"));
        let bin_dir = parent(file).to_string();
        let own_dir = bin_dir != src && file_name(file) == "main.rs";
        draft.sources = tree
            .texts_under(dir)
            .map(|(p, _)| p)
            .filter(|p| p.ends_with(".rs") || file_name(p) == "Rocket.toml")
            .filter(|p| {
                *p == file
                    || (own_dir && is_under(p, &bin_dir))
                    || (is_under(p, &src) && !is_under(p, &join(dir, "src/bin")) && !bin_files.iter().any(|b| b == p))
                    || file_name(p) == "Rocket.toml"
            })
            .map(str::to_string)
            .collect();
        if let Some((krate, fw, default)) = framework {
            let ev = deps.iter().find(|(d, _)| d == krate).map(|(_, ev)| ev.clone()).expect("found above");
            draft.framework = Some(Fact::new(fw.to_string(), Confidence::High, ev.clone()));
            draft.web_framework = true;
            if let Some(port) = default {
                draft.default_port =
                    Some((*port, Evidence { detail: format!("{fw} listens on {port} by default"), ..ev }));
            }
        } else {
            // Without a framework only an explicit socket makes a server; port-like numbers in a CLI's code
            // (validators, messages) must not turn it into a web service.
            let listens = draft.sources.iter().any(|p| {
                tree.text(p).is_some_and(|t| {
                    crate::scan::code_lines(t).any(|(_, line)| {
                        // Binding port 0 asks the kernel for any free port (a test server, a port probe): no
                        // service listens there.
                        let ephemeral = line.contains(":0\")");
                        !ephemeral
                            && ["TcpListener::bind(", "hyper::Server"]
                                .iter()
                                .any(|needle| line.match_indices(needle).any(|(i, _)| !crate::scan::in_string(line, i)))
                    })
                })
            });
            let detail = format!("binary target `{name}` without a web framework or listening socket");
            let kind = Some(Fact::new(Kind::Cli, Confidence::Medium, Evidence::new(path, *line, detail)));
            if listens {
                draft.fallback_kind = kind;
            } else {
                draft.kind = kind;
            }
        }
        let locked = if lock.is_some() { " --locked" } else { "" };
        let pkg_flag = if workspace.is_some_and(|w| w.root != dir) { format!(" -p {pkg_name}") } else { String::new() };
        draft.build_command = Some(fact(
            format!("cargo build --release{locked}{pkg_flag} --bin {name}"),
            Confidence::High,
            path,
            *line,
            &format!("binary target `{name}`"),
        ));
        draft.start_command = Some(fact(name.clone(), Confidence::High, file, None, "the built binary"));
        let detail = format!("binary target `{name}`");
        draft.build.artifact = Some(fact(name.clone(), Confidence::High, path, *line, &detail));
        draft.build.version = version.clone();
        draft.build.native_dependencies = native.clone();
        draft.deps = deps.clone();
        out.push(Found::Service(Box::new(draft)));
    }
    out
}
