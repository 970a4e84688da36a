//! Node.js: package.json (npm, pnpm and yarn workspaces), Express, Fastify, NestJS, Next.js and static SPAs.

use serde_json::Value;

use crate::detect::{Draft, Found, declared_version, fact, find_up, line_of, skipped, sources, version_file};
use crate::glob::Glob;
use crate::model::{Confidence, Evidence, Fact, Kind};
use crate::walk::{Tree, file_name, join, parent};

const EXTS: &[&str] = &["js", "mjs", "cjs", "jsx", "ts", "mts", "cts", "tsx", "yml", "yaml", "prisma"];

/// (dependency, framework, serves HTTP itself, default port)
const FRAMEWORKS: &[(&str, &str, bool, Option<u16>)] = &[
    ("next", "Next.js", true, Some(3000)),
    // TanStack Start builds a Nitro server (listens on 3000, or on `$PORT`); Vite is only its build tool.
    ("@tanstack/react-start", "TanStack Start", true, Some(3000)),
    ("@tanstack/solid-start", "TanStack Start", true, Some(3000)),
    ("@nestjs/core", "NestJS", true, None),
    ("fastify", "Fastify", true, None),
    ("express", "Express", true, None),
    ("koa", "Koa", true, None),
    ("@hapi/hapi", "hapi", true, None),
    ("vite", "Vite", false, None),
    ("react-scripts", "Create React App", false, None),
    ("@angular/core", "Angular", false, None),
];

fn workspace_globs(tree: &Tree, dir: &str, pkg: &Value) -> Option<(Vec<String>, String)> {
    let list = match pkg.get("workspaces") {
        Some(Value::Array(a)) => Some(a.clone()),
        Some(Value::Object(o)) => o.get("packages").and_then(|p| p.as_array()).cloned(),
        _ => None,
    };
    if let Some(list) = list {
        return Some((list.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(), join(dir, "package.json")));
    }
    let pnpm = join(dir, "pnpm-workspace.yaml");
    let text = tree.text(&pnpm)?;
    let globs = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- "))
        .map(|g| g.trim().trim_matches(['"', '\'']).to_string())
        .filter(|g| !g.starts_with('!'))
        .collect();
    Some((globs, pnpm))
}

pub fn detect(tree: &Tree, projects: &[String], app_name: &str) -> Vec<Found> {
    let mut found = Vec::new();
    let manifests: Vec<&String> = tree.texts.keys().filter(|p| file_name(p) == "package.json").collect();
    // Workspace roots and their member folders: members build from the workspace root (shared lockfile).
    let mut workspaces: Vec<(String, Vec<Glob>)> = Vec::new();
    for path in &manifests {
        let dir = parent(path);
        let Ok(pkg) = serde_json::from_str::<Value>(tree.text(path).unwrap_or("")) else { continue };
        if let Some((globs, _)) = workspace_globs(tree, dir, &pkg) {
            let globs = globs.iter().map(|g| Glob::new(&join(dir, g))).collect();
            workspaces.push((dir.to_string(), globs));
        }
    }
    for path in manifests {
        let dir = parent(path);
        let text = tree.text(path).unwrap_or("");
        let pkg = match serde_json::from_str::<Value>(text) {
            Ok(v) if v.is_object() => v,
            Ok(_) => {
                found.push(skipped(dir, format!("{path} is not a JSON object")));
                continue;
            }
            Err(e) => {
                found.push(skipped(dir, format!("{path}:{} is not valid JSON: {e}", e.line())));
                continue;
            }
        };
        let workspace_root = workspaces
            .iter()
            .find(|(root, globs)| root != dir && globs.iter().any(|g| g.matches_exactly(dir)))
            .map(|(root, _)| root.clone());
        let is_workspace_root = workspaces.iter().any(|(root, _)| root == dir);
        found.push(package(tree, projects, app_name, path, text, &pkg, workspace_root, is_workspace_root));
    }
    found
}

fn dep_line(text: &str, dep: &str) -> Option<u32> {
    line_of(text, &format!("\"{dep}\""))
}

#[allow(clippy::too_many_arguments)]
fn package(
    tree: &Tree,
    projects: &[String],
    app_name: &str,
    path: &str,
    text: &str,
    pkg: &Value,
    workspace_root: Option<String>,
    is_workspace_root: bool,
) -> Found {
    let dir = parent(path);
    let get_str = |key: &str| pkg.get(key).and_then(|v| v.as_str());
    let scripts = pkg.get("scripts").and_then(|v| v.as_object());
    let script = |name: &str| scripts.and_then(|s| s.get(name)).and_then(|v| v.as_str());
    let mut deps: Vec<(String, Evidence)> = Vec::new();
    let mut all_deps: Vec<String> = Vec::new();
    for section in ["dependencies", "devDependencies", "peerDependencies"] {
        if let Some(map) = pkg.get(section).and_then(|v| v.as_object()) {
            for name in map.keys() {
                all_deps.push(name.clone());
                if section == "dependencies" {
                    deps.push((
                        name.clone(),
                        Evidence::new(path, dep_line(text, name), format!("depends on `{name}`")),
                    ));
                }
            }
        }
    }
    let framework = FRAMEWORKS.iter().find(|(dep, ..)| all_deps.iter().any(|d| d == dep));
    let start = script("start");
    if is_workspace_root && start.is_none() && framework.is_none() {
        return skipped(dir, format!("workspace root ({path}): its members are analysed as services of their own"));
    }
    let has_bin = pkg.get("bin").is_some();
    let server_file =
        ["server.js", "index.js", "app.js", "main.js", "server.ts", "src/index.ts", "src/main.ts", "src/server.ts"]
            .iter()
            .map(|f| join(dir, f))
            .find(|f| tree.exists(f));
    if start.is_none() && framework.is_none() && !has_bin {
        let reason = if dir.split('/').any(|s| matches!(s, "examples" | "example")) {
            format!("example ({path})")
        } else {
            format!("library ({path}): no start script, no server framework and no static build")
        };
        return skipped(dir, reason);
    }

    let raw_name = get_str("name")
        .map(str::to_string)
        .unwrap_or_else(|| if dir == "." { app_name.to_string() } else { file_name(dir).to_string() });
    let language = if all_deps.iter().any(|d| d == "typescript") || tree.exists(&join(dir, "tsconfig.json")) {
        "typescript"
    } else {
        "javascript"
    };
    let lang_line = line_of(text, "\"typescript\"");
    let mut draft = Draft::new(
        &crate::detect::service_name(&raw_name),
        dir,
        fact(language, Confidence::High, path, lang_line, "package.json"),
    );
    let context = workspace_root.clone().unwrap_or_else(|| dir.to_string());
    draft.build_context = context.clone();

    draft.runtime_version = version_file(tree, dir, &context, &[".nvmrc", ".node-version"], "Node.js version file")
        .or_else(|| {
            let engines = pkg.get("engines")?.get("node")?.as_str()?;
            let v = declared_version(engines)?;
            Some(fact(v, Confidence::High, path, line_of(text, "\"node\""), &format!("engines.node `{engines}`")))
        });

    let lock = find_up(
        tree,
        dir,
        &context,
        &["pnpm-lock.yaml", "yarn.lock", "package-lock.json", "npm-shrinkwrap.json", "bun.lockb", "bun.lock"],
    );
    let declared: Option<String> = get_str("packageManager").map(str::to_string).or_else(|| {
        let root = workspace_root.as_ref()?;
        let root_pkg = serde_json::from_str::<Value>(tree.text(&join(root, "package.json"))?).ok()?;
        root_pkg.get("packageManager")?.as_str().map(str::to_string)
    });
    let pm = if let Some(declared) = &declared {
        let name = declared.split('@').next().unwrap_or(declared).to_string();
        Some(fact(
            name,
            Confidence::High,
            path,
            line_of(text, "\"packageManager\""),
            &format!("packageManager `{declared}`"),
        ))
    } else if let Some((lock_path, lock_name)) = &lock {
        let name = match *lock_name {
            "pnpm-lock.yaml" => "pnpm",
            "yarn.lock" => "yarn",
            "bun.lockb" | "bun.lock" => "bun",
            _ => "npm",
        };
        Some(fact(name, Confidence::High, lock_path, None, "lockfile"))
    } else {
        Some(fact("npm", Confidence::Low, path, None, "no lockfile; npm is the default client"))
    };
    let pm_name = pm.as_ref().map_or("npm", |p| p.value.as_str()).to_string();
    draft.package_manager = pm;
    draft.lockfile = lock.map(|(p, _)| fact(p.clone(), Confidence::High, &p, None, "lockfile"));

    if let Some(build) = script("build") {
        let run = if pm_name == "yarn" { "yarn build".to_string() } else { format!("{pm_name} run build") };
        let detail = format!("scripts.build `{build}`");
        draft.build_command = Some(fact(run, Confidence::High, path, line_of(text, "\"build\""), &detail));
    }
    if let Some((dep, name, serves, default_port)) = framework {
        let line = dep_line(text, dep);
        draft.framework = Some(fact(*name, Confidence::High, path, line, &format!("depends on `{dep}`")));
        draft.web_framework = *serves;
        if let Some(port) = default_port {
            draft.default_port =
                Some((*port, Evidence::new(path, line, format!("{name} listens on {port} by default"))));
            // `next start` and Nitro's server take the port from `PORT` when it is set.
            draft.default_port_env =
                Some(("PORT".into(), Evidence::new(path, line, format!("{name} reads `PORT` when it is set"))));
        }
        if !serves {
            let detail = format!("{name} builds static files");
            draft.kind = Some(Fact::new(Kind::Static, Confidence::High, Evidence::new(path, line, detail)));
        }
    }
    if let Some(start) = start {
        draft.start_command = Some(fact(start, Confidence::High, path, line_of(text, "\"start\""), "scripts.start"));
    } else if let Some(file) = server_file.filter(|_| draft.web_framework) {
        let detail = "entry point of a server framework";
        draft.start_command = Some(fact(format!("node {}", file_name(&file)), Confidence::Medium, &file, None, detail));
    }
    if has_bin && start.is_none() && !draft.web_framework && draft.kind.is_none() {
        draft.kind = Some(Fact::new(
            Kind::Cli,
            Confidence::High,
            Evidence::new(path, line_of(text, "\"bin\""), "declares `bin`"),
        ));
    }
    if framework.is_some_and(|(dep, ..)| *dep == "next") {
        draft.health_path = next_health_route(tree, dir);
    }
    if let Some(version) = get_str("version") {
        let line = line_of(text, "\"version\"");
        draft.build.version = Some(fact(version, Confidence::High, path, line, "package.json `version`"));
    }
    draft.build.output_dir = output_dir(tree, dir, path, text, framework.map(|f| f.1), script("build"));
    let gyp = join(dir, "binding.gyp");
    if tree.exists(&gyp) {
        let detail = "the package builds its own native addon with node-gyp";
        draft.build.native_dependencies.push(fact("node-gyp", Confidence::High, &gyp, None, detail));
    }
    draft.deps = deps;
    draft.sources = sources(tree, dir, projects, EXTS, &[]);
    if framework.is_some_and(|(dep, ..)| *dep == "@nestjs/core") {
        draft.route_prefix = nest_global_prefix(tree, &draft.sources);
    }
    Found::Service(Box::new(draft))
}

/// NestJS `app.setGlobalPrefix('api', { exclude: ['health'] })` (usually in main.ts): every controller route is
/// served under the prefix, except the excluded ones.
fn nest_global_prefix(tree: &Tree, sources: &[String]) -> Option<crate::detect::RoutePrefix> {
    for path in sources {
        let Some(text) = tree.text(path) else { continue };
        let lines: Vec<(u32, &str)> = crate::scan::code_lines(text).collect();
        for (i, (n, line)) in lines.iter().enumerate() {
            let Some(at) = line.find("setGlobalPrefix(") else { continue };
            let args = &line[at + "setGlobalPrefix(".len()..];
            let prefix = crate::scan::literals(args).into_iter().next()?.trim_matches('/').to_string();
            if prefix.is_empty() {
                return None;
            }
            // The options object may span a few lines; it ends with the call's `)`.
            let mut call = args.to_string();
            for (_, next) in lines.iter().skip(i + 1).take(8) {
                if call.contains(");") {
                    break;
                }
                call.push_str(next);
            }
            let exclude = call
                .split_once("exclude")
                .map(|(_, rest)| {
                    let list = rest.split(']').next().unwrap_or("");
                    crate::scan::literals(list).into_iter().map(|l| l.trim_matches('/').to_string()).collect()
                })
                .unwrap_or_default();
            let evidence = Evidence::new(path, Some(*n), format!("NestJS global prefix `/{prefix}`"));
            return Some(crate::detect::RoutePrefix { prefix: format!("/{prefix}"), evidence, exclude });
        }
    }
    None
}

/// Next.js routes are files: `pages/api/health.ts` or `app/api/health/route.ts` serve `/api/health`.
fn next_health_route(tree: &Tree, dir: &str) -> Option<Fact<String>> {
    let mut best: Option<(u8, String, String)> = None;
    for file in tree.files_under(dir) {
        let rel = &file[if dir == "." { 0 } else { dir.len() + 1 }..];
        let rel = rel.strip_prefix("src/").unwrap_or(rel);
        let route = if let Some(rest) = rel.strip_prefix("pages/") {
            rest.rsplit_once('.').map(|(stem, _)| stem.trim_end_matches("/index").to_string())
        } else if let Some(rest) = rel.strip_prefix("app/") {
            rest.rsplit_once('/').filter(|(_, f)| f.starts_with("route.")).map(|(d, _)| d.to_string())
        } else {
            None
        };
        let Some(route) = route else { continue };
        let last = route.rsplit('/').next().unwrap_or("");
        let rank = match last {
            "health" | "healthz" | "healthcheck" | "livez" => 0,
            "ping" => 1,
            _ => continue,
        };
        if best.as_ref().is_none_or(|b| rank < b.0) {
            best = Some((rank, format!("/{route}"), file.to_string()));
        }
    }
    best.map(|(_, route, file)| fact(route, Confidence::High, &file, None, "Next.js file-system route"))
}

/// The first of `names` in `dir` that exists.
fn config_file(tree: &Tree, dir: &str, names: &[&str]) -> Option<String> {
    names.iter().map(|n| join(dir, n)).find(|p| tree.exists(p))
}

/// `dir`-relative `folder` as an app-relative path (`./dist/` and `dist` alike).
fn under(dir: &str, folder: &str) -> String {
    join(dir, folder.trim_start_matches("./").trim_end_matches('/'))
}

/// The first string literal after `key` on a line of `path` (`outDir: 'build'`), with its line.
fn setting(tree: &Tree, path: &str, key: &str) -> Option<(String, u32)> {
    let text = tree.text(path)?;
    crate::scan::code_lines(text).find_map(|(n, line)| {
        let (_, rest) = line.split_once(key)?;
        let rest = rest.trim_start().trim_start_matches(['"', '\'']).trim_start();
        let value = crate::scan::literals(rest.strip_prefix(':')?).into_iter().next()?;
        Some((value.to_string(), n))
    })
}

/// Where the build writes the files to ship (see the model's `output_dir`).
fn output_dir(
    tree: &Tree,
    dir: &str,
    path: &str,
    text: &str,
    framework: Option<&str>,
    build: Option<&str>,
) -> Option<Fact<String>> {
    let dep_line = |dep: &str| line_of(text, &format!("\"{dep}\""));
    match framework {
        Some("Vite") => {
            let names = ["vite.config.ts", "vite.config.js", "vite.config.mjs", "vite.config.mts", "vite.config.cjs"];
            let config = config_file(tree, dir, &names);
            if let Some((folder, n)) = config.as_ref().and_then(|c| setting(tree, c, "outDir")) {
                let config = config.expect("read above");
                return Some(fact(under(dir, &folder), Confidence::High, &config, Some(n), "Vite `build.outDir`"));
            }
            Some(fact(under(dir, "dist"), Confidence::Medium, path, dep_line("vite"), "Vite builds into dist/"))
        }
        Some("Create React App") => Some(fact(
            under(dir, "build"),
            Confidence::Medium,
            path,
            dep_line("react-scripts"),
            "Create React App builds into build/",
        )),
        Some("Angular") => angular_output(tree, dir),
        Some("Next.js") => {
            let names = ["next.config.js", "next.config.mjs", "next.config.ts", "next.config.cjs"];
            let config = config_file(tree, dir, &names);
            match config.as_ref().and_then(|c| setting(tree, c, "output").map(|s| (c, s))) {
                Some((c, (mode, n))) if mode == "standalone" => Some(fact(
                    under(dir, ".next/standalone"),
                    Confidence::High,
                    c,
                    Some(n),
                    "Next.js `output: 'standalone'` (static files stay in .next/static and public/)",
                )),
                Some((c, (mode, n))) if mode == "export" => {
                    Some(fact(under(dir, "out"), Confidence::High, c, Some(n), "Next.js `output: 'export'`"))
                }
                _ => Some(fact(
                    under(dir, ".next"),
                    Confidence::Medium,
                    path,
                    dep_line("next"),
                    "Next.js builds into .next/",
                )),
            }
        }
        _ => {
            // A TypeScript server compiled by tsc (or the Nest CLI) runs from tsconfig's outDir.
            let build = build?;
            if !(build.contains("tsc") || build.contains("nest build")) {
                return None;
            }
            let tsconfig = join(dir, "tsconfig.json");
            let (folder, n) = setting(tree, &tsconfig, "\"outDir")?;
            Some(fact(under(dir, &folder), Confidence::High, &tsconfig, Some(n), "tsconfig `outDir` (built by `tsc`)"))
        }
    }
}

/// Angular: angular.json's build `outputPath` of the default (or first) project, `dist/<project>` when unset;
/// the application builder (Angular 17+) writes the browser files to its `browser` subfolder.
fn angular_output(tree: &Tree, dir: &str) -> Option<Fact<String>> {
    let path = join(dir, "angular.json");
    let text = tree.text(&path)?;
    let doc: Value = serde_json::from_str(text).ok()?;
    let projects = doc.get("projects")?.as_object()?;
    let (name, project) = doc
        .get("defaultProject")
        .and_then(|d| d.as_str())
        .and_then(|d| projects.get_key_value(d))
        .or_else(|| projects.iter().find(|(_, p)| p.get("projectType").and_then(|t| t.as_str()) == Some("application")))
        .or_else(|| projects.iter().next())?;
    let build = project.get("architect").or_else(|| project.get("targets"))?.get("build")?;
    let application = build.get("builder").and_then(|b| b.as_str()).is_some_and(|b| b.ends_with(":application"));
    let output = build.get("options").and_then(|o| o.get("outputPath"));
    let (base, browser) = match output {
        Some(Value::String(s)) => (s.clone(), application.then(|| "browser".to_string())),
        Some(Value::Object(o)) => (
            o.get("base").and_then(|b| b.as_str()).unwrap_or("dist").to_string(),
            Some(o.get("browser").and_then(|b| b.as_str()).unwrap_or("browser").to_string()),
        ),
        _ => (format!("dist/{name}"), application.then(|| "browser".to_string())),
    };
    let folder = match browser.filter(|b| !b.is_empty()) {
        Some(b) => format!("{}/{b}", base.trim_end_matches('/')),
        None => base,
    };
    let line = line_of(text, "\"outputPath\"").or_else(|| line_of(text, "\"builder\""));
    Some(fact(under(dir, &folder), Confidence::High, &path, line, "angular.json build `outputPath`"))
}
