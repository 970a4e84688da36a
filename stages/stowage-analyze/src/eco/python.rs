//! Python: requirements.txt, pyproject.toml (PEP 621, Poetry, uv workspaces), Pipfile; Flask, Django, FastAPI.
//!
//! requirements.txt is read by hand: one requirement per line, the name ends at the first version, extra or marker
//! character, which is all the model needs (names, not resolved versions).

use std::collections::BTreeSet;

use crate::detect::{Draft, Found, declared_version, fact, find_up, line_of, skipped, sources, version_file};
use crate::glob::Glob;
use crate::model::{Confidence, Evidence, Fact, Kind};
use crate::scan::code_lines;
use crate::walk::{Tree, file_name, join, parent};

const EXTS: &[&str] = &["py", "cfg", "ini", "toml", "yml", "yaml"];
/// Dependencies of programs that run until stopped: task queues, consumers and in-process schedulers.
const WORKER_DEPS: &[&str] =
    &["celery", "rq", "dramatiq", "arq", "huey", "pika", "kafka-python", "confluent-kafka", "apscheduler", "schedule"];

/// A requirement's distribution name, normalised (PEP 503: lowercase, `_` and `.` as `-`).
fn requirement_name(line: &str) -> Option<String> {
    let line = line.split('#').next()?.trim();
    if line.is_empty() || line.starts_with('-') || line.contains("://") {
        return None;
    }
    let end = line.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))).unwrap_or(line.len());
    let name = line[..end].to_ascii_lowercase().replace(['_', '.'], "-");
    (!name.is_empty()).then_some(name)
}

pub fn detect(tree: &Tree, projects: &[String], app_name: &str) -> Vec<Found> {
    let mut dirs: BTreeSet<String> = BTreeSet::new();
    for path in &tree.files {
        let name = file_name(path);
        if matches!(name, "pyproject.toml" | "requirements.txt" | "Pipfile" | "setup.py" | "manage.py") {
            dirs.insert(parent(path).to_string());
        }
    }
    // uv workspaces: members are services, the root is only the container of the lockfile.
    let mut workspaces: Vec<(String, Vec<Glob>)> = Vec::new();
    for dir in &dirs {
        let Some(doc) = tree.text(&join(dir, "pyproject.toml")).and_then(|t| t.parse::<toml::Table>().ok()) else {
            continue;
        };
        let members = doc
            .get("tool")
            .and_then(|t| t.get("uv"))
            .and_then(|u| u.get("workspace"))
            .and_then(|w| w.get("members"))
            .and_then(|m| m.as_array());
        if let Some(members) = members {
            let globs = members.iter().filter_map(|m| m.as_str()).map(|g| Glob::new(&join(dir, g))).collect();
            workspaces.push((dir.clone(), globs));
        }
    }
    let mut found = Vec::new();
    for dir in &dirs {
        if dir.split('/').any(|s| matches!(s, "docs" | "doc")) {
            found.push(skipped(dir, "documentation build requirements, not a deployable"));
            continue;
        }
        let workspace_root = workspaces
            .iter()
            .find(|(root, globs)| root != dir && globs.iter().any(|g| g.matches_exactly(dir)))
            .map(|w| w.0.clone());
        let is_root = workspaces.iter().any(|(root, _)| root == dir);
        found.push(project(tree, projects, app_name, dir, workspace_root, is_root));
    }
    found
}

fn project(
    tree: &Tree,
    projects: &[String],
    app_name: &str,
    dir: &str,
    workspace_root: Option<String>,
    is_root: bool,
) -> Found {
    let mut deps: Vec<(String, Evidence)> = Vec::new();
    let mut name: Option<String> = None;
    let mut runtime: Option<Fact<String>> = None;
    let mut scripts: Vec<(String, Evidence)> = Vec::new();
    let req = join(dir, "requirements.txt");
    // `-r other.txt` includes are followed (relative to the including file), once each.
    let mut queue = vec![req.clone()];
    let mut read: Vec<String> = Vec::new();
    while let Some(file) = queue.pop() {
        if read.contains(&file) || read.len() > 10 {
            continue;
        }
        read.push(file.clone());
        let Some(text) = tree.text(&file) else { continue };
        for (n, line) in code_lines(text) {
            let t = line.trim();
            if let Some(include) = t.strip_prefix("-r ").or_else(|| t.strip_prefix("--requirement ")) {
                queue.push(crate::scan::normalize_path(&join(parent(&file), include.trim())));
            } else if let Some(dep) = requirement_name(line) {
                deps.push((dep.clone(), Evidence::new(&file, Some(n), format!("requires `{dep}`"))));
            }
        }
    }
    let pyproject = join(dir, "pyproject.toml");
    let mut poetry = false;
    let mut version: Option<Fact<String>> = None;
    if let Some(text) = tree.text(&pyproject) {
        let doc = match text.parse::<toml::Table>() {
            Ok(doc) => doc,
            Err(e) => return skipped(dir, format!("{pyproject} is not valid TOML: {}", e.message())),
        };
        let project = doc.get("project");
        name = project.and_then(|p| p.get("name")).and_then(|v| v.as_str()).map(str::to_string);
        let poetry_table = doc.get("tool").and_then(|t| t.get("poetry"));
        poetry = poetry_table.is_some();
        if name.is_none() {
            name = poetry_table.and_then(|p| p.get("name")).and_then(|v| v.as_str()).map(str::to_string);
        }
        // `dynamic = ["version"]` leaves no version in the file: none is reported.
        let declared = project
            .and_then(|p| p.get("version"))
            .map(|v| (v, "[project] version"))
            .or_else(|| poetry_table.and_then(|p| p.get("version")).map(|v| (v, "[tool.poetry] version")));
        if let Some((v, detail)) = declared.and_then(|(v, d)| Some((v.as_str()?, d))) {
            let line = text.lines().position(|l| l.trim_start().starts_with("version")).map(|i| i as u32 + 1);
            version = Some(fact(v, Confidence::High, &pyproject, line, detail));
        }
        let list = project.and_then(|p| p.get("dependencies")).and_then(|d| d.as_array());
        for dep in list.into_iter().flatten().filter_map(|d| d.as_str()) {
            if let Some(dep_name) = requirement_name(dep) {
                let line = line_of(text, dep);
                deps.push((dep_name.clone(), Evidence::new(&pyproject, line, format!("requires `{dep_name}`"))));
            }
        }
        if let Some(table) = poetry_table.and_then(|p| p.get("dependencies")).and_then(|d| d.as_table()) {
            for (key, value) in table {
                let dep_name = key.to_ascii_lowercase().replace(['_', '.'], "-");
                let line = text.lines().position(|l| l.trim_start().starts_with(key.as_str())).map(|i| i as u32 + 1);
                if dep_name == "python" {
                    if let Some(v) = value.as_str().and_then(declared_version) {
                        runtime = Some(fact(v, Confidence::High, &pyproject, line, "tool.poetry.dependencies.python"));
                    }
                } else {
                    deps.push((dep_name.clone(), Evidence::new(&pyproject, line, format!("requires `{dep_name}`"))));
                }
            }
        }
        if let Some(requires) = project.and_then(|p| p.get("requires-python")).and_then(|v| v.as_str())
            && let Some(v) = declared_version(requires)
        {
            let detail = format!("requires-python `{requires}`");
            runtime = Some(fact(v, Confidence::High, &pyproject, line_of(text, "requires-python"), &detail));
        }
        let script_table =
            project.and_then(|p| p.get("scripts")).or_else(|| poetry_table.and_then(|p| p.get("scripts")));
        for (key, _) in script_table.and_then(|s| s.as_table()).into_iter().flatten() {
            let line = text.lines().position(|l| l.trim_start().starts_with(key.as_str())).map(|i| i as u32 + 1);
            scripts.push((key.clone(), Evidence::new(&pyproject, line, "declares a console script")));
        }
    }
    let pipfile = join(dir, "Pipfile");
    if let Some(text) = tree.text(&pipfile)
        && let Ok(doc) = text.parse::<toml::Table>()
    {
        for (key, _) in doc.get("packages").and_then(|p| p.as_table()).into_iter().flatten() {
            let dep_name = key.to_ascii_lowercase().replace(['_', '.'], "-");
            let line = text.lines().position(|l| l.trim_start().starts_with(key.as_str())).map(|i| i as u32 + 1);
            deps.push((dep_name.clone(), Evidence::new(&pipfile, line, format!("requires `{dep_name}`"))));
        }
    }
    let has = |dep: &str| deps.iter().find(|(d, _)| d == dep).map(|(_, ev)| ev.clone());
    let py_sources = sources(tree, dir, projects, &["py"], &[]);
    let find_in_sources = |needle: &str| {
        // Maintenance scripts (`scripts/`, `tools/`, `bin/`) have `__main__` too, but are not the app.
        py_sources
            .iter()
            .filter(|p| !p.split('/').any(|seg| matches!(seg, "scripts" | "tools" | "bin" | "docs")))
            .find_map(|p| {
                let text = tree.text(p)?;
                code_lines(text).find(|(_, l)| l.contains(needle)).map(|(n, _)| (p.clone(), n))
            })
    };
    let module_of = |path: &str| {
        let rel = path.strip_prefix(&format!("{dir}/")).unwrap_or(path);
        // A package's `__init__.py` is imported as the package.
        let rel = rel.trim_end_matches(".py").trim_end_matches("/__init__");
        rel.trim_start_matches("src/").replace('/', ".")
    };
    let app_sources: Vec<&String> = py_sources
        .iter()
        .filter(|p| !p.split('/').any(|seg| matches!(seg, "scripts" | "tools" | "bin" | "docs" | "tests")))
        .collect();

    let manage = join(dir, "manage.py");
    let is_django = has("django").is_some() || tree.exists(&manage);
    let main_file = find_in_sources("__name__ == \"__main__\"").or_else(|| find_in_sources("__name__ == '__main__'"));
    let worker_dep = WORKER_DEPS.iter().find_map(|d| has(d).map(|ev| (*d, ev)));
    let framework = if is_django {
        Some(("Django", has("django").unwrap_or_else(|| Evidence::new(&manage, None, "Django manage.py")), 8000))
    } else if let Some(ev) = has("fastapi") {
        Some(("FastAPI", ev, 8000))
    } else {
        has("flask").map(|ev| ("Flask", ev, 5000))
    };
    if is_root && framework.is_none() {
        return skipped(dir, "uv workspace root: its members are analysed as services of their own");
    }
    if framework.is_none()
        && scripts.is_empty()
        && main_file.is_none()
        && worker_dep.is_none()
        && !tree.exists(&join(dir, "Procfile"))
    {
        if is_root {
            return skipped(dir, "uv workspace root: its members are analysed as services of their own");
        }
        return skipped(dir, "library: no web framework, console script, worker or `__main__` entry point");
    }

    let manifest = [&pyproject, &req, &pipfile].into_iter().find(|p| tree.exists(p)).cloned().unwrap_or(manage.clone());
    let raw_name = name.unwrap_or_else(|| if dir == "." { app_name.to_string() } else { file_name(dir).to_string() });
    let mut draft = Draft::new(
        &crate::detect::service_name(&raw_name),
        dir,
        fact("python", Confidence::High, &manifest, None, "Python project manifest"),
    );
    let context = workspace_root.unwrap_or_else(|| dir.to_string());
    draft.build_context = context.clone();
    draft.build.version = version;
    draft.runtime_version = version_file(tree, dir, &context, &[".python-version"], "Python version file").or(runtime);
    let lock = find_up(tree, dir, &context, &["uv.lock", "poetry.lock", "Pipfile.lock", "pdm.lock"]);
    draft.package_manager = Some(match &lock {
        Some((path, name)) => {
            let pm = match *name {
                "uv.lock" => "uv",
                "poetry.lock" => "poetry",
                "Pipfile.lock" => "pipenv",
                _ => "pdm",
            };
            fact(pm, Confidence::High, path, None, "lockfile")
        }
        None if poetry => fact(
            "poetry",
            Confidence::High,
            &pyproject,
            line_of(tree.text(&pyproject).unwrap_or(""), "[tool.poetry"),
            "[tool.poetry]",
        ),
        None if tree.exists(&req) => fact("pip", Confidence::High, &req, None, "requirements.txt"),
        None => fact("pip", Confidence::Medium, &manifest, None, "no lockfile; pip installs the project"),
    });
    draft.lockfile = lock.map(|(p, _)| fact(p.clone(), Confidence::High, &p, None, "lockfile"));
    let gunicorn = has("gunicorn");
    let uvicorn = has("uvicorn").or_else(|| has("uvicorn-standard"));

    if let Some((name, ev, port)) = framework {
        draft.framework = Some(Fact::new(
            name.to_string(),
            Confidence::High,
            Evidence { detail: format!("depends on `{}`", name.to_ascii_lowercase()), ..ev.clone() },
        ));
        draft.web_framework = true;
        draft.default_port = Some((port, Evidence { detail: format!("{name} serves on {port} by default"), ..ev }));
        let start = match name {
            "Django" => {
                let wsgi = py_sources.iter().find(|p| file_name(p) == "wsgi.py").cloned();
                match (wsgi, &gunicorn) {
                    (Some(wsgi), Some(_)) => {
                        Some((format!("gunicorn {}:application --bind 0.0.0.0:8000", module_of(&wsgi)), wsgi, None))
                    }
                    _ if tree.exists(&manage) => {
                        Some(("python manage.py runserver 0.0.0.0:8000".to_string(), manage.clone(), None))
                    }
                    _ => None,
                }
            }
            "FastAPI" => app_object(tree, &app_sources, "FastAPI(").map(|o| {
                let module = module_of(&o.path);
                let cmd = if find_in_sources("uvicorn.run(").is_some_and(|(q, _)| q == o.path) {
                    format!("python {}", o.path.strip_prefix(&format!("{dir}/")).unwrap_or(&o.path))
                } else if o.factory {
                    format!("uvicorn --factory {module}:{} --host 0.0.0.0", o.name)
                } else {
                    format!("uvicorn {module}:{} --host 0.0.0.0", o.name)
                };
                (cmd, o.path, Some(o.line))
            }),
            _ => app_object(tree, &app_sources, "Flask(").map(|o| {
                let module = module_of(&o.path);
                let cmd = if gunicorn.is_some() {
                    // gunicorn calls a factory named with its call: `module:create_app()`.
                    let call = if o.factory { "()" } else { "" };
                    format!("gunicorn {module}:{}{call} --bind 0.0.0.0:8000", o.name)
                } else if find_in_sources(".run(").is_some_and(|(q, _)| q == o.path) {
                    format!("python {}", o.path.strip_prefix(&format!("{dir}/")).unwrap_or(&o.path))
                } else {
                    // The Flask CLI finds `app`, `application` or a `create_app` factory in the module itself.
                    format!("flask --app {module} run --host 0.0.0.0")
                };
                (cmd, o.path, Some(o.line))
            }),
        };
        if let Some((cmd, file, line)) = start {
            draft.start_command = Some(fact(cmd, Confidence::Medium, &file, line, &format!("{name} entry point")));
        }
        if name == "Django" || gunicorn.is_some() || uvicorn.is_some() {
            // gunicorn and uvicorn both bind 8000 unless told otherwise.
            if name != "Flask" || gunicorn.is_some() {
                let ev = gunicorn
                    .clone()
                    .or(uvicorn.clone())
                    .unwrap_or_else(|| draft.framework.as_ref().unwrap().evidence[0].clone());
                let server = if gunicorn.is_some() {
                    "gunicorn"
                } else if uvicorn.is_some() {
                    "uvicorn"
                } else {
                    name
                };
                draft.default_port = Some((8000, Evidence { detail: format!("{server} binds 8000 by default"), ..ev }));
            }
        }
    } else if let Some((dep, ev)) = worker_dep {
        let celery = find_in_sources("Celery(");
        if let Some((p, n)) = celery.filter(|_| dep == "celery") {
            let cmd = format!("celery -A {} worker", module_of(&p));
            draft.start_command = Some(fact(cmd, Confidence::Medium, &p, Some(n), "Celery application"));
        } else if let Some((p, n)) = &main_file {
            let cmd = format!("python {}", p.strip_prefix(&format!("{dir}/")).unwrap_or(p));
            draft.start_command = Some(fact(cmd, Confidence::Medium, p, Some(*n), "`__main__` entry point"));
        } else if let Some((p, n)) = find_in_sources("Scheduler(").or_else(|| find_in_sources("schedule.every(")) {
            // A scheduler started at module level (`BlockingScheduler().start()`) is run as a script.
            let cmd = format!("python {}", p.strip_prefix(&format!("{dir}/")).unwrap_or(&p));
            draft.start_command = Some(fact(cmd, Confidence::Medium, &p, Some(n), "in-process scheduler script"));
        }
        let _ = ev;
    } else if let Some((script, ev)) = scripts.first() {
        draft.start_command = Some(Fact::new(script.clone(), Confidence::High, ev.clone()));
        draft.kind = Some(Fact::new(Kind::Cli, Confidence::Medium, ev.clone()));
    } else if let Some((p, n)) = &main_file {
        let cmd = format!("python {}", p.strip_prefix(&format!("{dir}/")).unwrap_or(p));
        draft.start_command = Some(fact(cmd, Confidence::Medium, p, Some(*n), "`__main__` entry point"));
        let looping = tree.text(p).is_some_and(|t| t.contains("while True"));
        if !looping {
            draft.kind = Some(Fact::new(
                Kind::Cli,
                Confidence::Medium,
                Evidence::new(p, Some(*n), "script that runs to completion"),
            ));
        }
    }
    draft.deps = deps;
    draft.sources = sources(tree, dir, projects, EXTS, &[]);
    // Config files of tools (pyproject, tox.ini) mention ports and variables that are not the app's.
    draft
        .sources
        .retain(|p| !matches!(file_name(p), "pyproject.toml" | "tox.ini" | "setup.cfg" | ".pre-commit-config.yaml"));
    Found::Service(Box::new(draft))
}

/// The application object a server imports (`module:name`), found where it is made.
struct AppObject {
    path: String,
    line: u32,
    name: String,
    /// `name` is a function that returns the application: the server calls it.
    factory: bool,
}

/// Where the app's `ctor` (`FastAPI(`, `Flask(`) object lives at module level, which is what `uvicorn module:name`
/// and `gunicorn module:name` import: an assignment at column 0 (`app = FastAPI(...)`) or under a module-level `if`
/// or `try`; else, when it is made inside an application factory (`def create_app(): app = FastAPI(...)`), a
/// module-level `name = create_app()`; else the factory itself. A variable inside a function is no attribute of its
/// module: naming it fails at start-up. Files named asgi.py, wsgi.py, main.py or app.py are preferred, as the
/// servers' conventional entry points.
fn app_object(tree: &Tree, sources: &[&String], ctor: &str) -> Option<AppObject> {
    let rank = |p: &&String| match file_name(p) {
        "asgi.py" | "wsgi.py" => 0,
        "main.py" | "app.py" => 1,
        _ => 2,
    };
    let mut ordered: Vec<&String> = sources.to_vec();
    ordered.sort_by_key(|p| (rank(p), p.matches('/').count()));
    // `name = call(` at column 0, with `call` ending in `ctor`'s name (`FastAPI(`, `fastapi.FastAPI(`).
    let assigned = |line: &str, call: &str| -> Option<String> {
        if line.starts_with(char::is_whitespace) {
            return None;
        }
        let (name, value) = line.split_once('=')?;
        let name = name.split(':').next()?.trim();
        let value = value.trim_start();
        let ok = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        let called = value.strip_prefix(call).is_some()
            || value.split_once('(').is_some_and(|(f, _)| f.rsplit('.').next() == Some(&call[..call.len() - 1]));
        (ok && called && !value.starts_with('=')).then(|| name.to_string())
    };
    let find = |call: &str| {
        ordered.iter().find_map(|p| {
            let text = tree.text(p)?;
            code_lines(text).find_map(|(n, l)| assigned(l, call).map(|name| ((*p).clone(), n, name)))
        })
    };
    if let Some((path, line, name)) = find(ctor) {
        return Some(AppObject { path, line, name, factory: false });
    }
    // Where `ctor` is called indented: inside the last `def` at column 0 above it (a factory), or under a
    // module-level `if` or `try`, where what it is assigned to is still a module attribute.
    let indented = ordered.iter().find_map(|p| {
        let text = tree.text(p)?;
        let mut current: Option<String> = None;
        for (n, l) in code_lines(text) {
            if let Some(rest) = l.strip_prefix("def ").or_else(|| l.strip_prefix("async def ")) {
                current = rest.split('(').next().map(|f| f.trim().to_string());
            } else if !l.trim().is_empty() && !l.starts_with(char::is_whitespace) {
                current = None;
            }
            if l.starts_with(char::is_whitespace) && l.contains(ctor) {
                return Some(match current {
                    Some(factory) => Err(((*p).clone(), factory)),
                    None => Ok(AppObject {
                        path: (*p).clone(),
                        line: n,
                        name: assigned(l.trim_start(), ctor)?,
                        factory: false,
                    }),
                });
            }
        }
        None
    })?;
    let (file, factory) = match indented {
        Ok(attribute) => return Some(attribute),
        Err(found) => found,
    };
    if let Some((path, line, name)) = find(&format!("{factory}(")) {
        return Some(AppObject { path, line, name, factory: false });
    }
    let line = tree.text(&file).and_then(|t| code_lines(t).find(|(_, l)| l.contains(&format!("def {factory}("))))?.0;
    Some(AppObject { path: file, line, name: factory, factory: true })
}
