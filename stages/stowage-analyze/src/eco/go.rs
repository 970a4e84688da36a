//! Go: go.mod (and go.work), one service per `main` package (`cmd/*` layouts and multi-module repos); net/http,
//! Gin, Echo and Fiber.
//!
//! go.mod is a line format (`module`, `go`, `require` blocks); a hand parser is a dozen lines and needs no crate.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::detect::{Draft, Found, fact, find_up, is_test_file, skipped};
use crate::model::{Confidence, Evidence};
use crate::scan::code_lines;
use crate::walk::{Tree, file_name, is_under, join, parent};

/// (import path, framework, default port of a bare `Run()`)
const FRAMEWORKS: &[(&str, &str, Option<u16>)] = &[
    ("github.com/gin-gonic/gin", "Gin", Some(8080)),
    ("github.com/labstack/echo", "Echo", None),
    ("github.com/gofiber/fiber", "Fiber", None),
    ("github.com/go-chi/chi", "chi", None),
    ("github.com/gorilla/mux", "gorilla/mux", None),
    ("net/http", "net/http", None),
];

struct GoMod {
    module: String,
    go: Option<(String, u32)>,
    requires: Vec<(String, u32)>,
}

fn parse_go_mod(text: &str) -> GoMod {
    let mut m = GoMod { module: String::new(), go: None, requires: Vec::new() };
    let mut in_require = false;
    for (i, line) in text.lines().enumerate() {
        let n = i as u32 + 1;
        // Indirect requirements are dependencies of dependencies: not what the app itself talks to.
        if line.contains("// indirect") {
            continue;
        }
        let line = line.split("//").next().unwrap_or("").trim();
        if in_require {
            if line == ")" {
                in_require = false;
            } else if let Some(path) = line.split_whitespace().next() {
                m.requires.push((path.to_string(), n));
            }
        } else if let Some(rest) = line.strip_prefix("module ") {
            m.module = rest.trim().trim_matches('"').to_string();
        } else if let Some(rest) = line.strip_prefix("go ") {
            m.go = Some((rest.trim().to_string(), n));
        } else if line.starts_with("require (") || line == "require(" {
            in_require = true;
        } else if let Some(rest) = line.strip_prefix("require ")
            && let Some(path) = rest.split_whitespace().next()
        {
            m.requires.push((path.to_string(), n));
        }
    }
    m
}

/// Import paths of a Go file (single imports and import blocks).
fn imports(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_block = false;
    for line in text.lines() {
        let t = line.trim();
        if in_block {
            if t.starts_with(')') {
                in_block = false;
            } else if let Some(q) = t.split('"').nth(1) {
                out.push(q.to_string());
            }
        } else if t.starts_with("import (") {
            in_block = true;
        } else if t.starts_with("import ") {
            if let Some(q) = t.split('"').nth(1) {
                out.push(q.to_string());
            }
        } else if t.starts_with("func ") || t.starts_with("type ") {
            break;
        }
    }
    out
}

pub fn detect(tree: &Tree, _projects: &[String]) -> Vec<Found> {
    let mut found = Vec::new();
    let mods: Vec<String> =
        tree.texts.keys().filter(|p| file_name(p) == "go.mod").map(|p| parent(p).to_string()).collect();
    for dir in &mods {
        let path = join(dir, "go.mod");
        let gomod = parse_go_mod(tree.text(&path).unwrap_or(""));
        if gomod.module.is_empty() {
            found.push(skipped(dir, format!("{path} has no `module` line")));
            continue;
        }
        let nested: Vec<&String> = mods.iter().filter(|m| *m != dir && (dir == "." || is_under(m, dir))).collect();
        // Go files of this module, by package folder.
        let mut packages: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (p, _) in tree.texts_under(dir) {
            if p.ends_with(".go") && !is_test_file(p) && !nested.iter().any(|m| is_under(p, m)) {
                packages.entry(parent(p).to_string()).or_default().push(p.to_string());
            }
        }
        let mains: Vec<&String> = packages
            .iter()
            .filter(|(_, files)| {
                files.iter().any(|f| {
                    tree.text(f).is_some_and(|t| {
                        code_lines(t).any(|(_, l)| l.trim() == "package main") && t.contains("func main()")
                    })
                })
            })
            .map(|(d, _)| d)
            .collect();
        if mains.is_empty() {
            found.push(skipped(dir, format!("Go library ({path}): no `main` package")));
            continue;
        }
        let context = find_up(tree, dir, ".", &["go.work"]).map(|(p, _)| parent(&p).to_string()).unwrap_or(dir.clone());
        for main in mains {
            found.push(service(tree, dir, &path, &gomod, &packages, main, &context));
        }
    }
    found
}

fn service(
    tree: &Tree,
    dir: &str,
    mod_path: &str,
    gomod: &GoMod,
    packages: &BTreeMap<String, Vec<String>>,
    main: &str,
    context: &str,
) -> Found {
    // A major-version suffix (`github.com/gotify/server/v2`) is not the program's name: the segment before it is.
    let module_name = {
        let mut segments = gomod.module.rsplit('/');
        let last = segments.next().unwrap_or(&gomod.module);
        let versioned = last.len() > 1 && last.starts_with('v') && last[1..].bytes().all(|b| b.is_ascii_digit());
        if versioned { segments.next().unwrap_or(last) } else { last }
    };
    let name = if main == dir { module_name } else { file_name(main) };
    let mut draft =
        Draft::new(&crate::detect::service_name(name), dir, fact("go", Confidence::High, mod_path, Some(1), "go.mod"));
    draft.build_context = context.to_string();
    // The main package and every package of this module it imports, transitively.
    let mut files: BTreeSet<String> = BTreeSet::new();
    let mut all_imports: BTreeSet<String> = BTreeSet::new();
    let mut queue = VecDeque::from([main.to_string()]);
    let mut seen = BTreeSet::new();
    while let Some(pkg) = queue.pop_front() {
        if !seen.insert(pkg.clone()) {
            continue;
        }
        for f in packages.get(&pkg).into_iter().flatten() {
            files.insert(f.clone());
            for import in imports(tree.text(f).unwrap_or("")) {
                if let Some(rest) = import.strip_prefix(&gomod.module) {
                    queue.push_back(join(dir, rest.trim_start_matches('/')).trim_end_matches('/').to_string());
                }
                all_imports.insert(import);
            }
        }
    }
    if let Some((version, n)) = &gomod.go {
        draft.runtime_version = Some(fact(version.clone(), Confidence::High, mod_path, Some(*n), "go directive"));
    }
    draft.package_manager = Some(fact("go", Confidence::High, mod_path, None, "Go modules"));
    let sum = join(dir, "go.sum");
    if tree.exists(&sum) {
        draft.lockfile = Some(fact(sum.clone(), Confidence::High, &sum, None, "module checksums"));
    }
    let framework = FRAMEWORKS
        .iter()
        .find(|(import, ..)| all_imports.iter().any(|i| i == import || i.starts_with(&format!("{import}/"))));
    if let Some((import, fw, default)) = framework {
        let (file, line) = files
            .iter()
            .find_map(|f| {
                let text = tree.text(f)?;
                text.lines().position(|l| l.contains(&format!("\"{import}"))).map(|i| (f.clone(), i as u32 + 1))
            })
            .unwrap_or((mod_path.to_string(), 1));
        draft.framework = Some(fact(*fw, Confidence::High, &file, Some(line), &format!("imports `{import}`")));
        // net/http is imported by clients too; it only makes a web service when something listens.
        draft.web_framework = *fw != "net/http"
            || files
                .iter()
                .any(|f| tree.text(f).is_some_and(|t| t.contains("ListenAndServe") || t.contains(".Serve(")));
        if !draft.web_framework {
            draft.framework = None;
        }
        if let Some(port) = default {
            let bare_run = files.iter().find_map(|f| {
                let text = tree.text(f)?;
                code_lines(text).find(|(_, l)| l.contains(".Run()")).map(|(n, _)| (f.clone(), n))
            });
            if let Some((f, n)) = bare_run {
                draft.default_port =
                    Some((*port, Evidence::new(&f, Some(n), format!("{fw} `Run()` listens on {port}"))));
            }
        }
    }
    for (dep, n) in &gomod.requires {
        draft.deps.push((dep.clone(), Evidence::new(mod_path, Some(*n), format!("requires `{dep}`"))));
    }
    // cgo: a file of the program imports "C", or a required module is a cgo binding.
    let cgo_file = files.iter().find_map(|f| {
        let text = tree.text(f)?;
        imports(text).iter().any(|i| i == "C").then(|| (f.clone(), crate::detect::line_of(text, "\"C\"")))
    });
    let cgo_module = gomod.requires.iter().find_map(|(dep, n)| {
        crate::build::GO_CGO_MODULES.iter().find(|(m, _)| dep.starts_with(m)).map(|(_, why)| (dep, n, why))
    });
    if let Some((file, line)) = cgo_file {
        draft.build.native_dependencies.push(fact("cgo", Confidence::High, &file, line, "imports \"C\" (cgo)"));
    } else if let Some((dep, n, why)) = cgo_module {
        let detail = format!("requires `{dep}`: {why}");
        draft.build.native_dependencies.push(fact("cgo", Confidence::High, mod_path, Some(*n), &detail));
    }
    let rel_main = if main == dir {
        ".".to_string()
    } else {
        format!("./{}", main.strip_prefix(&format!("{dir}/")).unwrap_or(main))
    };
    let main_file = files.iter().find(|f| parent(f) == main).cloned().unwrap_or(mod_path.to_string());
    let bin = draft.name.clone();
    draft.build.artifact = Some(fact(bin.clone(), Confidence::High, &main_file, None, "binary of the main package"));
    draft.build_command =
        Some(fact(format!("go build -o /out/{bin} {rel_main}"), Confidence::High, &main_file, None, "main package"));
    draft.start_command = Some(fact(format!("/out/{bin}"), Confidence::Medium, &main_file, None, "the built binary"));
    draft.sources = files.into_iter().collect();
    for name in ["config.yaml", "config.yml", "config.json", ".env.example"] {
        let p = join(dir, name);
        if tree.text(&p).is_some() && name != ".env.example" {
            draft.sources.push(p);
        }
    }
    Found::Service(Box::new(draft))
}
