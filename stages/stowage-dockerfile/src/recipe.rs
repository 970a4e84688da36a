//! The decision table: from the model's services to images, and for each image the variables its template receives.
//!
//! | Language | Build | Runtime | Alternative (when) | Fixtures (default; alternative) |
//! |---|---|---|---|---|
//! | Go | `golang` on `$BUILDPLATFORM`, `GOOS`/`GOARCH` from `TARGETOS`/`TARGETARCH`, `CGO_ENABLED=0`, `-trimpath` | distroless `static` | distroless `cc` (native dependencies need libc) | `go-nethttp` |
//! | Rust | `rust` slim on `$BUILDPLATFORM`, `--target` from `TARGETARCH` with a cross linker | distroless `cc`, `tini` (for the target's architecture) as PID 1 for web and worker services | Debian slim with the libraries (native dependencies that link one, such as `pq-sys`; the build then runs on the target's platform) | `rust-axum` |
//! | Python | slim, a virtual environment in `/opt/venv` built alone | the same slim image, the venv copied | uv when `uv.lock`, poetry when `poetry.lock`, else pip | `python-flask`; `python-fastapi-uv` |
//! | Node | `npm ci` (pnpm, yarn from their lockfile), `npm install` without a lockfile | slim with `tini` as PID 1, production dependencies only | a build stage when the app has a build step; Next.js `output: 'standalone'`: only the traced server and its static assets | `node-express`; `node-vite-spa`; `node-nextjs-standalone` |
//! | Java | Maven or Gradle image, Spring Boot layers extracted (`jarmode=tools`) | Temurin JRE | no build tool: `javac` and `jar` in the JDK image, a runtime of the modules `jdeps` finds made with `jlink`, on distroless `java-base` | `java-spring-maven`; `java-gradle-multi`; `java-plain-jdk` |
//! | .NET | SDK on `$BUILDPLATFORM`, `dotnet publish -a $TARGETARCH` | ASP.NET chiseled (no shell) | - | `dotnet-aspnet` |
//! | PHP | composer image (`--no-dev`) | official Apache image listening on 8080, unknown paths to the front controller, its run files under /tmp | - | `php-slim`; `php-plain` |
//! | Ruby | slim with build tools, Bundler deployment mode when `Gemfile.lock` | slim, the bundle copied | - | `ruby-sinatra` |
//! | Static | Node build when the site has a build step | `nginx-unprivileged` (alpine: musl is safe for nginx) on 8080 | - | `static-site` |
//!
//! Workers, jobs and CLIs get the same images without ports.

use std::collections::BTreeMap;

use serde::Serialize;
use stowage_model::Model;
use stowage_model::{Fact, Kind, Service};

use crate::Options;
use crate::knowledge::{Knowledge, Resolved, constraint_from};

/// One image to build and the files that describe it.
#[derive(Debug, Clone)]
pub struct Plan {
    pub image: String,
    pub services: Vec<String>,
    pub template: String,
    pub dockerfile: String,
    pub dev_dockerfile: String,
    pub ignore_file: String,
    /// The dev Dockerfile's own ignore file, when it cannot fall back to the context's `.dockerignore`.
    pub dev_ignore_file: Option<String>,
    pub build_context: String,
    pub vars: Vars,
    /// (file, message) of warnings: a pinned runtime past end of life.
    pub findings: Vec<(String, String)>,
    pub writable_paths: Vec<String>,
    pub ports: Vec<u16>,
    pub base_images: Vec<String>,
    pub line: String,
}

/// A line of the Dockerfile that makes a choice, with the model's evidence for it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Item {
    pub value: String,
    pub comment: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Health {
    /// Exec-form command the runtime image can run, or none (then `HEALTHCHECK NONE`).
    pub command: Option<Vec<String>>,
    pub comment: String,
}

/// What every template receives. The reference of which template reads what is generated into
/// `templates/dockerfile/VARIABLES.md` from [`VARIABLES`] and drift-checked.
#[derive(Debug, Clone, Serialize)]
pub struct Vars {
    pub service: String,
    pub services: Vec<String>,
    pub kind: String,
    pub language: String,
    pub line: String,
    pub line_comment: String,
    pub images: BTreeMap<String, String>,
    pub syntax: bool,
    pub uid: u32,
    pub gid: u32,
    pub dockerfile: String,
    pub context: String,
    pub root: String,
    pub workdir: String,
    pub package_manager: String,
    pub manifests: Vec<String>,
    pub manifests_comment: String,
    pub install: String,
    pub install_dev: String,
    pub build: Option<String>,
    pub command: Vec<String>,
    pub command_comment: String,
    pub entrypoint: Vec<String>,
    pub dev_command: Vec<String>,
    pub ports: Vec<Item>,
    pub env: Vec<Item>,
    pub writable: Vec<Item>,
    pub health: Health,
    pub debug_port: Option<u16>,
    pub ca: BTreeMap<&'static str, &'static str>,
    pub cache: String,
    /// Language specifics: binary name, package path, output folder, project file, jar, extensions...
    pub extra: BTreeMap<String, String>,
    pub ignore: Vec<Item>,
    pub build_note: Vec<String>,
    /// The default of the `VERSION` build argument (the OCI version label): the app's declared version.
    pub version: String,
    pub version_comment: String,
}

/// Every variable, the templates that read it, and what it is: the source of templates/dockerfile/VARIABLES.md.
pub const VARIABLES: &[(&str, &str, &str)] = &[
    ("template", "all", "where the template came from: `NAME (built in)` or the app's override, for the header"),
    ("path", "all", "the app-relative path of the file being rendered"),
    ("service", "all", "the image's name: its main service"),
    ("services", "all", "every service the image runs (their other commands are orchestrate's)"),
    ("kind", "all", "the main service's kind: web, worker, job, cli or static"),
    ("language", "all", "the knowledge-base language id: node, python, go, rust, java, dotnet, php, ruby, static"),
    ("line", "all", "the release line chosen from the knowledge base"),
    ("line_comment", "all", "why that line: the app's constraint and the knowledge base's date"),
    (
        "images",
        "all",
        "role (`build`, `runtime`, `jdk`, `jre`, `sdk`, `apache`, `maven`, `gradle`, tool ids) to literal image reference",
    ),
    ("syntax", "all", "true when `[stages.dockerfile] syntax` asks for a `# syntax=` line"),
    ("uid", "all", "the runtime user's numeric id (`[stages.dockerfile] uid`)"),
    ("gid", "all", "the runtime user's numeric group (`[stages.dockerfile] gid`)"),
    ("dockerfile", "all", "the Dockerfile's app-relative path"),
    ("context", "all", "the build context, app-relative"),
    ("root", "all", "the service's folder relative to the build context (`.` when it is the context)"),
    ("workdir", "all", "the working directory in the image"),
    ("package_manager", "all", "the package manager installing dependencies"),
    ("manifests", "all", "files copied before the source so that the dependency layer is cached"),
    ("manifests_comment", "all", "why those files (lockfile or its absence)"),
    ("install", "all", "the production dependency install command"),
    ("install_dev", "dev.Dockerfile", "the install command with development dependencies"),
    ("build", "all", "the app's build command, when it has one"),
    ("command", "all", "the exec-form command of the main service"),
    ("command_comment", "all", "the evidence for the command"),
    ("entrypoint", "all", "the exec-form entrypoint (`tini` for Node), empty when none"),
    ("dev_command", "dev.Dockerfile", "the command with hot reload"),
    ("ports", "all", "ports to EXPOSE (value) with their evidence (comment)"),
    ("env", "all", "ENV settings the runtime needs (value `NAME=value`) with the reason"),
    ("writable", "all", "folders created in the image and owned by uid:gid, with their evidence"),
    ("health", "all", "`command` (exec form, or none for HEALTHCHECK NONE) and `comment`"),
    ("debug_port", "dev.Dockerfile", "the debugger's port, published on localhost only"),
    ("ca", "all", "the corporate-CA hook per package manager (see docs/dockerfile.md)"),
    ("cache", "all", "the package manager's cache folder, for `--mount=type=cache`"),
    (
        "extra",
        "all",
        "language specifics: `binary`, `package`, `cargo_args`, `output`, `project`, `jar`, `jar_glob`, `docroot`, `extensions`, `python_env`, `next_standalone`",
    ),
    ("ignore", "dockerignore", "patterns (value) with the reason (comment)"),
    ("build_note", "all", "how to build this image: the command, the CA secret, REGISTRY, --platform"),
    (
        "version",
        "all",
        "the default of the VERSION build argument: the version the app's manifest declares, else 0.0.0",
    ),
    ("version_comment", "all", "where that version comes from"),
];

/// Debian packages a native dependency needs: (to build it, to run it). Anything else builds with the compilers alone.
fn native_packages(dependency: &str) -> (&'static str, &'static str) {
    match dependency {
        "pg" | "psycopg2" => ("libpq-dev", "libpq5"),
        "mysqlclient" | "mysql2" => ("default-libmysqlclient-dev", "libmariadb3"),
        "sqlite3" => ("libsqlite3-dev", "libsqlite3-0"),
        "lxml" | "nokogiri" => ("libxml2-dev libxslt1-dev", "libxml2 libxslt1.1"),
        // Rust's `-sys` crates that link a system library (those that build a bundled copy need only the compiler).
        "pq-sys" => ("libpq-dev", "libpq5"),
        "mysqlclient-sys" => ("default-libmysqlclient-dev pkg-config", "libmariadb3"),
        _ => ("", ""),
    }
}

/// Extensions the official PHP image compiles in (`php -m`): asking docker-php-ext-install for them fails.
const PHP_BUILT_IN: &[&str] = &[
    "ctype",
    "curl",
    "date",
    "dom",
    "fileinfo",
    "filter",
    "ftp",
    "hash",
    "iconv",
    "json",
    "libxml",
    "mbstring",
    "mysqlnd",
    "openssl",
    "pcre",
    "pdo",
    "pdo_sqlite",
    "phar",
    "posix",
    "random",
    "readline",
    "reflection",
    "session",
    "simplexml",
    "sodium",
    "spl",
    "sqlite3",
    "standard",
    "tokenizer",
    "xml",
    "xmlreader",
    "xmlwriter",
    "zlib",
];

/// Debian packages an extension's build needs (they bring the libraries it links at run time).
fn php_extension_packages(extension: &str) -> &'static str {
    match extension {
        "intl" => "libicu-dev",
        "zip" => "libzip-dev",
        "gd" => "libpng-dev libjpeg62-turbo-dev libfreetype-dev",
        "pgsql" | "pdo_pgsql" => "libpq-dev",
        "xsl" => "libxslt1-dev",
        "gmp" => "libgmp-dev",
        "ldap" => "libldap2-dev",
        _ => "",
    }
}

fn rel(base: &str, path: &str) -> String {
    if base == "." || base.is_empty() {
        return path.to_string();
    }
    match path.strip_prefix(base) {
        Some("") => ".".into(),
        Some(rest) => rest.trim_start_matches('/').to_string(),
        None => path.to_string(),
    }
}

fn join(dir: &str, name: &str) -> String {
    if dir == "." || dir.is_empty() { name.to_string() } else { format!("{dir}/{name}") }
}

fn evidence<T>(fact: &Fact<T>) -> String {
    fact.evidence.first().map_or(String::new(), |e| format!("{} in {}", e.detail, e.location()))
}

/// Splits a command line into words (single and double quotes group; no other shell syntax).
fn words(command: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote = None;
    let mut any = false;
    for c in command.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (None, c) if c.is_whitespace() => {
                if !cur.is_empty() || any {
                    out.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            (None, c) => cur.push(c),
        }
    }
    if !cur.is_empty() || any {
        out.push(cur);
    }
    out
}

/// The exec form of a start command; a command that expands variables runs under `sh -c "exec ..."` so that the
/// process still replaces the shell as PID 1's child and receives signals.
/// A start command in exec form. One with shell syntax runs under `sh -c`, its last command `exec`ed so that the
/// server replaces the shell as PID 1 and gets the stop signal (`flask db upgrade; exec gunicorn app:app`). A
/// pipeline, an `||` or a quoted separator stays under the shell as written: where the last command starts is not
/// certain there.
fn exec_form(command: &str) -> Vec<String> {
    let shell = ['$', '|', ';', '&', '>', '<', '`'].iter().any(|c| command.contains(*c));
    if !shell {
        return words(command);
    }
    let cut = [command.rfind("&&").map(|i| i + 2), command.rfind(';').map(|i| i + 1)].into_iter().flatten().max();
    let quoted = command.contains(['\'', '"']);
    let script = match cut {
        _ if command.contains('|') => command.to_string(),
        Some(_) if quoted => command.to_string(),
        Some(i) => format!("{} exec {}", command[..i].trim_end(), command[i..].trim_start()),
        None if command.contains('&') => command.to_string(),
        None => format!("exec {command}"),
    };
    vec!["sh".into(), "-c".into(), script]
}

fn language_id(service: &Service) -> &'static str {
    if service.kind.value == Kind::Static {
        return "static";
    }
    match service.language.value.as_str() {
        "javascript" | "typescript" => "node",
        "python" => "python",
        "go" => "go",
        "rust" => "rust",
        "java" | "kotlin" => "java",
        "csharp" | "fsharp" | "dotnet" => "dotnet",
        "php" => "php",
        "ruby" => "ruby",
        _ => "static",
    }
}

/// Groups services into images: same root, language and build command share one image.
fn group(model: &Model) -> Vec<Vec<&Service>> {
    let mut groups: Vec<Vec<&Service>> = Vec::new();
    for service in &model.services {
        let key = |s: &Service| {
            (s.root.clone(), s.build_context.clone(), language_id(s), s.build_command.as_ref().map(|b| b.value.clone()))
        };
        // Binaries built separately (Go `cmd/`, Cargo `--bin`) are images of their own; a shared build is one image.
        let separate = matches!(language_id(service), "go" | "rust");
        match groups.iter_mut().find(|g| !separate && key(g[0]) == key(service)) {
            Some(g) => g.push(service),
            None => groups.push(vec![service]),
        }
    }
    for g in &mut groups {
        // The web process is the image's command; then workers, then the rest, by name.
        g.sort_by_key(|s| (s.kind.value != Kind::Web, s.kind.value != Kind::Worker, s.name.clone()));
    }
    groups
}

/// `exists` answers whether an app-relative file exists (a `go.sum`, a `requirements.txt` the model does not name).
pub fn plan(
    model: &Model,
    knowledge: &Knowledge,
    options: &Options,
    exists: &dyn Fn(&str) -> bool,
) -> Result<Vec<Plan>, String> {
    let groups = group(model);
    let mut plans = Vec::new();
    for g in &groups {
        let per_root = groups.iter().filter(|o| o[0].root == g[0].root).count();
        plans.push(plan_image(g, per_root > 1, knowledge, options, exists)?);
    }
    Ok(plans)
}

fn resolve(
    service: &Service,
    lang: &str,
    knowledge: &Knowledge,
) -> Result<(Resolved, Option<(String, String)>), String> {
    let kb_lang = if lang == "static" { "node" } else { lang };
    let constraint = match &service.runtime_version {
        Some(f) => constraint_from(&f.value, f.evidence.first().map_or("", |e| e.detail.as_str())),
        None => crate::knowledge::Constraint::None,
    };
    let resolved = knowledge.resolve(kb_lang, &constraint).map_err(|e| {
        let at = service
            .runtime_version
            .as_ref()
            .map_or(String::new(), |f| f.evidence.first().map_or(String::new(), |e| format!("{}: ", e.location())));
        format!("{at}{e}")
    })?;
    let finding = resolved.past_eol.map(|eol| {
        let file = service.runtime_version.as_ref().and_then(|f| f.evidence.first()).map_or(String::new(), |e| e.file.clone());
        (
            file,
            format!(
                "service `{}` pins {} {}, past end of life since {eol} (knowledge base as of {}): the image is generated \
                 as pinned; move to a supported line",
                service.name,
                knowledge.language(kb_lang).map_or(kb_lang, |l| l.name.as_str()),
                resolved.line,
                knowledge.as_of
            ),
        )
    });
    Ok((resolved, finding))
}

fn plan_image(
    group: &[&Service],
    shared_root: bool,
    knowledge: &Knowledge,
    options: &Options,
    exists: &dyn Fn(&str) -> bool,
) -> Result<Plan, String> {
    let main = group[0];
    let lang = language_id(main);
    let (resolved, finding) = resolve(main, lang, knowledge)?;
    let context = main.build_context.clone();
    let root = rel(&context, &main.root);
    let dockerfile = if shared_root {
        join(&main.root, &format!("{}.Dockerfile", main.name))
    } else {
        join(&main.root, "Dockerfile")
    };
    let dev_dockerfile = if shared_root {
        join(&main.root, &format!("{}.Dockerfile.dev", main.name))
    } else {
        join(&main.root, "Dockerfile.dev")
    };
    // `Dockerfile` at the context root uses the context's `.dockerignore`, and so does its `Dockerfile.dev`; any other
    // Dockerfile gets `<Dockerfile>.dockerignore`, which the engines read instead of the root one, and so does its dev.
    let at_root = dockerfile == join(&context, "Dockerfile");
    let ignore_file = if at_root { join(&context, ".dockerignore") } else { format!("{dockerfile}.dockerignore") };
    let dev_ignore_file = if at_root { None } else { Some(format!("{dev_dockerfile}.dockerignore")) };
    let workdir = if root == "." { "/app".to_string() } else { format!("/app/{root}") };

    let mut images = resolved.images.clone();
    let tool =
        |id: &str| knowledge.image(id).map(|i| i.reference.clone()).ok_or(format!("knowledge base: no image `{id}`"));
    let mut extra = BTreeMap::new();
    let mut env = Vec::new();
    let mut findings: Vec<(String, String)> = finding.into_iter().collect();
    let pm = main.package_manager.as_ref().map_or(String::new(), |p| p.value.clone());
    let lockfile = main.lockfile.as_ref().map(|l| rel(&context, &l.value));
    let mut manifests = Vec::new();
    let mut manifests_comment;
    let (mut install, mut install_dev, cache);
    let build = main.build_command.as_ref().map(|b| b.value.clone());
    let mut command = main.start_command.as_ref().map(|c| exec_form(&c.value)).unwrap_or_default();
    let mut command_comment = main
        .start_command
        .as_ref()
        .map_or("no start command detected".into(), |c| format!("start command: {}", evidence(c)));
    let mut entrypoint = Vec::new();
    let mut dev_command = command.clone();
    let mut debug_port = None;

    // Ports: detected, 1024 and above; a port only set by a variable gets 8080 and the variable.
    let mut ports = Vec::new();
    for p in &main.ports {
        let why = evidence(p);
        match (p.value.number, &p.value.env) {
            (Some(n), _) if n >= 1024 => ports.push(Item { value: n.to_string(), comment: format!("port {n}: {why}") }),
            (Some(n), Some(var)) => {
                ports.push(Item {
                    value: "8080".into(),
                    comment: format!("port 8080: {n} is privileged, remapped through {var}"),
                });
                env.push(Item { value: format!("{var}=8080"), comment: format!("{var}: the app reads it ({why})") });
            }
            (Some(n), None) => {
                // A finding names a file: the port's evidence, else the service's folder would be `.`, which is
                // no file.
                let file = p.evidence.first().map_or_else(|| main.root.clone(), |e| e.file.clone());
                findings.push((
                    file,
                    format!(
                        "service `{}` listens on {n}, below 1024, with no variable to move it: not exposed",
                        main.name
                    ),
                ));
            }
            (None, Some(var)) => {
                ports.push(Item {
                    value: "8080".into(),
                    comment: format!("port 8080: the app takes its port from {var} only"),
                });
                env.push(Item {
                    value: format!("{var}=8080"),
                    comment: format!("{var}: read with no default ({why})"),
                });
            }
            (None, None) => {}
        }
    }
    ports.sort();
    ports.dedup_by(|a, b| a.value == b.value);
    let port = ports.first().map(|p| p.value.clone());
    let health_path = main.health_path.as_ref();
    let url = |port: &str, path: &str| format!("http://127.0.0.1:{port}{path}");
    let probe = match (&port, health_path) {
        (Some(port), Some(path)) => Some((port.clone(), path.value.clone(), evidence(path))),
        _ => None,
    };
    let none_comment = match (&port, health_path) {
        (_, _) if main.kind.value != Kind::Web && main.kind.value != Kind::Static => {
            format!("{}: no port to probe; orchestrate watches the process", main.kind.value.as_str())
        }
        (Some(port), None) => format!("no health endpoint detected: orchestrate probes TCP port {port}"),
        (Some(port), Some(path)) => format!(
            "the runtime image has no interpreter to probe with: orchestrate's probe is GET {} on port {port}",
            path.value
        ),
        (None, _) => "no port detected: orchestrate watches the process".into(),
    };
    let mut health = Health { command: None, comment: none_comment };
    let hc = |cmd: Vec<&str>, comment: String| Health {
        command: Some(cmd.into_iter().map(String::from).collect()),
        comment,
    };

    let mut writable: Vec<Item> = main
        .writable_paths
        .iter()
        .map(|w| {
            let path = &w.value;
            // A file (`data/app.db`) needs its folder to be writable.
            let dir = match path.rsplit_once('/') {
                Some((parent, last)) if last.contains('.') => parent.to_string(),
                None if path.contains('.') => ".".to_string(),
                _ => path.clone(),
            };
            Item { value: dir, comment: format!("writable: {}", evidence(w)) }
        })
        .filter(|i| i.value != ".")
        .collect();
    writable.sort();
    writable.dedup_by(|a, b| a.value == b.value);

    let template = format!("{lang}.Dockerfile.j2");
    match lang {
        "node" | "static" => {
            let (install_cmd, lock_name, dev_install) = match (pm.as_str(), &lockfile) {
                ("pnpm", Some(l)) => {
                    ("pnpm install --frozen-lockfile --prod", l.clone(), "pnpm install --frozen-lockfile")
                }
                ("yarn", Some(l)) => {
                    ("yarn install --frozen-lockfile --production", l.clone(), "yarn install --frozen-lockfile")
                }
                (_, Some(l)) => ("npm ci --omit=dev", l.clone(), "npm ci"),
                (_, None) => {
                    ("npm install --omit=dev --no-audit --no-fund", String::new(), "npm install --no-audit --no-fund")
                }
            };
            extra.insert(
                "prune".into(),
                match pm.as_str() {
                    "pnpm" => "pnpm prune --prod",
                    "yarn" => "yarn install --frozen-lockfile --production --prefer-offline",
                    _ => "npm prune --omit=dev",
                }
                .into(),
            );
            if matches!(pm.as_str(), "pnpm" | "yarn") {
                extra.insert("corepack".into(), "corepack enable".into());
            }
            install = install_cmd.to_string();
            install_dev = dev_install.to_string();
            cache = match pm.as_str() {
                "pnpm" => "/root/.local/share/pnpm/store",
                "yarn" => "/usr/local/share/.cache/yarn",
                _ => "/root/.npm",
            }
            .to_string();
            if root == "." {
                manifests.push("package.json".to_string());
                if !lock_name.is_empty() {
                    manifests.push(lock_name.clone());
                }
                manifests_comment = if lock_name.is_empty() {
                    "no lockfile in the app: dependencies resolve at build time; commit one for reproducible builds"
                        .into()
                } else {
                    format!("the manifest and {lock_name} alone, so that a source change does not reinstall")
                };
            } else {
                manifests_comment =
                    "a workspace member: the members' manifests are needed to install, so the context is copied first"
                        .into();
            }
            if lang == "node" {
                entrypoint = vec!["/usr/bin/tini".into(), "--".into()];
                env.push(Item {
                    value: "NODE_ENV=production".into(),
                    comment: "production mode for frameworks and npm".into(),
                });
                if command.first().is_some_and(|c| c == "next") {
                    command[0] = "node_modules/.bin/next".into();
                }
                dev_command = match command.first().map(String::as_str) {
                    Some("node") => ["node", "--watch", "--inspect=0.0.0.0:9229"]
                        .iter()
                        .map(|s| s.to_string())
                        .chain(command[1..].iter().cloned())
                        .collect(),
                    _ => command.clone(),
                };
                if main.framework.as_ref().is_some_and(|f| f.value == "Next.js") {
                    dev_command = vec!["node_modules/.bin/next".into(), "dev".into()];
                    // `output: 'standalone'` traces the files the server needs into .next/standalone, with a
                    // server.js of its own: the runtime image takes that folder and the static assets the server
                    // serves from beside it, not node_modules. In a monorepo the folder mirrors the workspace's
                    // layout, so only an app at its context's root takes this path.
                    let standalone = main.build.output_dir.as_ref().filter(|o| o.value.ends_with(".next/standalone"));
                    if let Some(out) = standalone.filter(|_| build.is_some() && root == ".") {
                        extra.insert("next_standalone".into(), "true".into());
                        command = vec!["node".into(), "server.js".into()];
                        command_comment =
                            format!("start command: the server `next build` writes for {}", evidence(out));
                        env.push(Item {
                            value: "HOSTNAME=0.0.0.0".into(),
                            comment: "the standalone server listens on $HOSTNAME, which a container sets to its own \
                                      name: every interface instead"
                                .into(),
                        });
                        if let Some(port) = &port {
                            env.push(Item {
                                value: format!("PORT={port}"),
                                comment: "the standalone server listens on $PORT".into(),
                            });
                        }
                    }
                }
                debug_port = Some(9229);
                if let Some((port, path, why)) = &probe {
                    let js = format!(
                        "fetch('{}').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))",
                        url(port, path)
                    );
                    health = hc(vec!["node", "-e", &js], format!("health: GET {path} ({why})"));
                }
            } else {
                images.insert("runtime".into(), tool("nginx-unprivileged")?);
                // The build's output folder (app-relative in the model), else Vite's default.
                let output =
                    main.build.output_dir.as_ref().map_or_else(|| join(&root, "dist"), |o| rel(&context, &o.value));
                if build.is_some() {
                    extra.insert("output".into(), output);
                }
                ports = vec![Item {
                    value: "8080".into(),
                    comment: "port 8080: nginx-unprivileged listens there as non-root".into(),
                }];
                health = hc(
                    vec!["wget", "-q", "--spider", "http://127.0.0.1:8080/"],
                    "health: nginx serves the site root".into(),
                );
                command = vec!["nginx".into(), "-g".into(), "daemon off;".into()];
                dev_command = if build.is_some() {
                    vec!["npm".into(), "run".into(), "dev".into(), "--".into(), "--host".into(), "0.0.0.0".into()]
                } else {
                    vec!["nginx".into(), "-g".into(), "daemon off;".into()]
                };
            }
        }
        "python" => {
            cache = if pm == "uv" { "/root/.cache/uv" } else { "/root/.cache/pip" }.to_string();
            let requirements = join(&root, "requirements.txt");
            match pm.as_str() {
                "uv" => {
                    images.insert("uv".into(), tool("uv")?);
                    manifests.push(join(&root, "pyproject.toml"));
                    if let Some(l) = &lockfile {
                        manifests.push(l.clone());
                    }
                    manifests_comment = "pyproject.toml and uv.lock alone: dependencies before the project".into();
                    install = "uv sync --locked --no-install-project --no-editable --no-dev".into();
                    install_dev = "uv sync --locked --no-install-project".into();
                    extra.insert("project_install".into(), "uv sync --locked --no-editable --no-dev".into());
                }
                "poetry" => {
                    manifests.push(join(&root, "pyproject.toml"));
                    if let Some(l) = &lockfile {
                        manifests.push(l.clone());
                    }
                    manifests_comment = "pyproject.toml and poetry.lock alone: dependencies before the project".into();
                    install =
                        "pip install poetry==2.1.3 && poetry install --only main --no-root --no-interaction".into();
                    install_dev = "pip install poetry==2.1.3 && poetry install --no-root --no-interaction".into();
                }
                _ => {
                    // The virtual environment gets no pip of its own: the base image's pip installs into it
                    // (`--python`, pip 22.3+), so the runtime image carries no second pip (16 MB) or setuptools.
                    extra.insert("venv_without_pip".into(), "true".into());
                    let pip = "/usr/local/bin/python -m pip --python /opt/venv/bin/python install";
                    if exists(&join(&main.root, "requirements.txt")) {
                        manifests.push(requirements.clone());
                        manifests_comment = format!("{requirements} alone, so that a source change does not reinstall");
                        install = format!("{pip} -r {requirements}");
                        install_dev = format!("pip install -r {requirements}");
                    } else {
                        manifests_comment = "no requirements file: the project installs from its own pyproject.toml, so the source comes first".into();
                        let target = format!("./{}", if root == "." { String::new() } else { root.clone() });
                        let target = target.trim_end_matches('/');
                        install = format!("{pip} {target}");
                        install_dev = format!("pip install {target}");
                        extra.insert("install_needs_source".into(), "true".into());
                    }
                }
            }
            if let Some((port, path, why)) = &probe {
                let py = format!("import urllib.request; urllib.request.urlopen('{}', timeout=4)", url(port, path));
                health = hc(vec!["python", "-c", &py], format!("health: GET {path} ({why})"));
            }
            dev_command = match command.first().map(String::as_str) {
                Some("uvicorn") => command.iter().cloned().chain(["--reload".to_string()]).collect(),
                Some("gunicorn") => command.iter().cloned().chain(["--reload".to_string()]).collect(),
                _ => command.clone(),
            };
            debug_port = Some(5678);
            // A program the interpreter runs directly is PID 1 without a SIGTERM handler (PID 1 gets no default
            // one): every stop would wait out the grace period and kill it. Servers (gunicorn, uvicorn, celery)
            // handle SIGTERM themselves; a script gets tini.
            if command.first().is_some_and(|c| c == "python" || c == "python3") {
                entrypoint = vec!["/usr/bin/tini".into(), "--".into()];
                extra.insert("init".into(), "tini".into());
            }
        }
        "go" => {
            cache = "/go/pkg/mod".into();
            manifests.push(join(&root, "go.mod"));
            if exists(&join(&main.root, "go.sum")) {
                manifests.push(join(&root, "go.sum"));
            }
            manifests_comment = if manifests.len() == 2 {
                "go.mod and go.sum alone: modules download before the source"
            } else {
                "go.mod alone (no go.sum in the app): modules download before the source"
            }
            .into();
            install = "go mod download".into();
            install_dev = install.clone();
            let b = words(build.as_deref().unwrap_or("go build ."));
            let out = b
                .iter()
                .position(|w| w == "-o")
                .and_then(|i| b.get(i + 1))
                .cloned()
                .unwrap_or(format!("/out/{}", main.name));
            let pkg = b.last().filter(|l| l.starts_with('.')).cloned().unwrap_or(".".into());
            let binary = main
                .build
                .artifact
                .as_ref()
                .map(|a| a.value.clone())
                .unwrap_or_else(|| out.rsplit('/').next().unwrap_or(&main.name).to_string());
            extra.insert("binary".into(), binary.clone());
            extra.insert("package".into(), pkg.clone());
            images.insert("runtime".into(), tool("distroless-static")?);
            command = vec![format!("/app/{binary}")];
            dev_command = vec!["go".into(), "run".into(), pkg];
            debug_port = None;
        }
        "rust" => {
            cache = "/usr/local/cargo/registry".into();
            manifests_comment =
                "Cargo builds from the whole workspace: the registry and target caches keep dependencies across builds"
                    .into();
            install = "cargo fetch".into();
            install_dev = install.clone();
            let b = words(build.as_deref().unwrap_or("cargo build --release"));
            let mut args = Vec::new();
            let mut i = 0;
            while i < b.len() {
                if (b[i] == "-p" || b[i] == "--bin" || b[i] == "--package") && i + 1 < b.len() {
                    args.push(format!("{} {}", b[i], b[i + 1]));
                    i += 1;
                }
                i += 1;
            }
            // `--bin NAME` builds one binary; otherwise every binary the build makes ships (a workspace's tools).
            let binary = b.iter().position(|w| w == "--bin").and_then(|i| b.get(i + 1)).cloned();
            let binary = binary.unwrap_or_default();
            if lockfile.is_some() {
                args.insert(0, "--locked".into());
            }
            extra.insert("cargo_args".into(), args.join(" "));
            let start = main.start_command.as_ref().map(|c| words(&c.value)).unwrap_or_default();
            let program =
                if binary.is_empty() { start.first().cloned().unwrap_or(main.name.clone()) } else { binary.clone() };
            extra.insert("binary".into(), binary.clone());
            images.insert("runtime".into(), tool("distroless-cc")?);
            command = std::iter::once(format!("/app/{program}")).chain(start.iter().skip(1).cloned()).collect();
            dev_command = vec!["cargo".into(), "run".into()];
            // A binary that is PID 1 gets no default SIGTERM handling: unless the app installs a handler, every
            // stop waits out the grace period and kills it. tini forwards the signal to apps that do handle it and
            // ends those that do not. CLIs keep the binary as their entrypoint so that arguments reach it.
            if matches!(main.kind.value, Kind::Web | Kind::Worker) {
                entrypoint = vec!["/usr/bin/tini".into(), "--".into()];
                extra.insert("init".into(), "tini".into());
            }
            // Rocket listens on 127.0.0.1 unless configured, which no one outside the container reaches.
            if let Some(f) = main.framework.as_ref().filter(|f| f.value == "Rocket") {
                env.push(Item {
                    value: "ROCKET_ADDRESS=0.0.0.0".into(),
                    comment: format!(
                        "ROCKET_ADDRESS: Rocket ({}) binds 127.0.0.1 by default, unreachable from outside the container",
                        evidence(f)
                    ),
                });
            }
        }
        "java" => {
            cache = if pm == "gradle" { "/root/.gradle" } else { "/root/.m2" }.to_string();
            let jar = main.build.artifact.as_ref().map(|a| a.value.clone()).unwrap_or_else(|| {
                main.start_command
                    .as_ref()
                    .map(|c| words(&c.value))
                    .and_then(|w| w.iter().find(|x| x.ends_with(".jar")).cloned())
                    .unwrap_or("target/*.jar".into())
            });
            // Spring Boot 3.3 brought `jarmode=tools`; earlier versions extract with `layertools`; a plain jar runs
            // as it is.
            let boot = main.build.spring_boot_version.as_ref().map(|b| b.value.clone());
            let jarmode = match boot.as_deref().map(|v| {
                let n: Vec<u64> = v.split('.').map_while(|p| p.parse().ok()).collect();
                (n.first().copied().unwrap_or(0), n.get(1).copied().unwrap_or(0))
            }) {
                Some(v) if v >= (3, 3) => "tools",
                Some(_) => "layertools",
                None => "",
            };
            extra.insert("jarmode".into(), jarmode.into());
            extra.insert(
                "boot_comment".into(),
                match &main.build.spring_boot_version {
                    Some(b) => format!("Spring Boot {} ({})", b.value, evidence(b)),
                    None => "no Spring Boot version found".into(),
                },
            );
            if let Some(w) = &main.build.wrapper {
                extra.insert("wrapper".into(), format!("./{}", rel(&context, &w.value)));
            }
            extra.insert("build_role".into(), if main.build.wrapper.is_some() { "jdk".into() } else { pm.clone() });
            let jar = join(&root, &jar);
            let (jar_dir, jar_name) =
                jar.rsplit_once('/').map_or((".".to_string(), jar.clone()), |(d, n)| (d.to_string(), n.to_string()));
            extra.insert("jar_dir".into(), jar_dir);
            extra.insert("jar_name".into(), jar_name);
            if pm == "jdk" {
                // No build tool: javac and jar from the JDK, nothing to download, so no dependency layer.
                manifests_comment = "no build tool and no dependencies: the JDK's javac compiles the sources".into();
                install = String::new();
                install_dev = String::new();
                extra.insert("tool".into(), "jdk".into());
                extra.insert("build".into(), build.clone().unwrap_or_default());
                // No dependencies, so the jar uses only JDK modules: jlink makes a runtime of just those, on an image
                // with glibc and zlib but no JRE. jlink's compression option is `zip-N` from JDK 21, `2` before.
                images.insert("runtime".into(), tool("distroless-java-base")?);
                let release: u32 = images
                    .get("jdk")
                    .and_then(|r| r.split(':').nth(1))
                    .and_then(|t| t.split(['-', '.']).next())
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(21);
                extra.insert("jlink_compress".into(), if release >= 21 { "zip-6" } else { "2" }.into());
                // Development compiles the mounted source at start; a restart picks up a change.
                let start = main.start_command.as_ref().map_or("java -jar build/app.jar".into(), |c| c.value.clone());
                dev_command =
                    vec!["sh".into(), "-c".into(), format!("{} && exec {start}", build.clone().unwrap_or_default())];
            } else if pm == "gradle" {
                manifests_comment =
                    "Gradle resolves from the whole build: the Gradle cache keeps dependencies across builds".into();
                install = String::new();
                install_dev = String::new();
                extra.insert("tool".into(), "gradle".into());
                let command = build.clone().unwrap_or("gradle bootJar".into());
                let command = match extra.get("wrapper") {
                    Some(w) => command.replacen("gradle ", &format!("{w} "), 1),
                    None => command,
                };
                extra.insert("build".into(), format!("{command} --no-daemon"));
                dev_command = vec!["gradle".into(), "bootRun".into(), "--no-daemon".into()];
            } else {
                manifests.push(join(&root, "pom.xml"));
                manifests_comment = "pom.xml alone: dependencies download before the source".into();
                install = "mvn -B -q dependency:go-offline".into();
                install_dev = install.clone();
                extra.insert("tool".into(), "maven".into());
                let command = build.clone().unwrap_or("mvn -B package -DskipTests".into());
                if let Some(w) = extra.get("wrapper").cloned() {
                    // The wrapper needs its .mvn folder: the whole source comes first.
                    manifests.clear();
                    manifests_comment = format!("the build runs the app's wrapper ({w}), which reads .mvn/ too");
                    install = String::new();
                    install_dev = String::new();
                    extra.insert("build".into(), command.replacen("mvn ", &format!("{w} "), 1));
                } else {
                    extra.insert("build".into(), command);
                }
                dev_command = vec!["mvn".into(), "-B".into(), "spring-boot:run".into()];
            }
            command = match jarmode {
                // layertools' layout starts through Boot's launcher (its package moved in 3.2).
                "layertools" => {
                    let launcher = if boot.as_deref().is_some_and(|v| v.starts_with("3.2")) {
                        "org.springframework.boot.loader.launch.JarLauncher"
                    } else {
                        "org.springframework.boot.loader.JarLauncher"
                    };
                    vec!["java".into(), launcher.into()]
                }
                _ => vec!["java".into(), "-jar".into(), "application.jar".into()],
            };
            env.push(Item {
                value: "JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=75".into(),
                comment: "heap sized from the container's memory limit".into(),
            });
            debug_port = Some(5005);
        }
        "dotnet" => {
            cache = "/root/.nuget/packages".into();
            let b = words(build.as_deref().unwrap_or("dotnet publish"));
            let project = b.iter().find(|w| w.ends_with("proj")).cloned().unwrap_or_default();
            let project = rel(&context, &project);
            manifests.push(project.clone());
            manifests_comment = format!("{project} alone: packages restore before the source");
            install = format!("dotnet restore {project} -a \"$TARGETARCH\"");
            install_dev = format!("dotnet restore {project}");
            extra
                .insert("project_dir".into(), project.rsplit_once('/').map_or(".".to_string(), |(d, _)| d.to_string()));
            extra.insert("project".into(), project);
            // The chiseled image has no shell, so the command is the published assembly run by `dotnet`.
            env.push(Item {
                value: format!("ASPNETCORE_HTTP_PORTS={}", port.clone().unwrap_or("8080".into())),
                comment: "Kestrel listens on the detected port, unprivileged".into(),
            });
            dev_command =
                vec!["dotnet".into(), "watch".into(), "run".into(), "--project".into(), extra["project"].clone()];
        }
        "php" => {
            images.insert("composer".into(), tool("composer")?);
            cache = "/tmp/composer-cache".into();
            manifests.push(join(&root, "composer.json"));
            if let Some(l) = &lockfile {
                manifests.push(l.clone());
            }
            manifests_comment = if lockfile.is_some() {
                "composer.json and composer.lock alone"
            } else {
                "composer.json alone (no composer.lock in the app: commit one for reproducible builds)"
            }
            .into();
            install = "composer install --no-dev --no-scripts --no-autoloader --no-interaction --prefer-dist --ignore-platform-reqs".into();
            install_dev = "composer install --no-interaction --prefer-dist".into();
            ports = vec![Item {
                value: "8080".into(),
                comment: format!(
                    "port 8080: Apache listens there unprivileged (the app's own server: {})",
                    ports.first().map_or("none".into(), |p| p.comment.clone())
                ),
            }];
            extra.insert("docroot".into(), "public".into());
            command = vec!["apache2-foreground".into()];
            if let Some(path) = health_path {
                let php = format!("exit(@file_get_contents('{}') === false ? 1 : 0);", url("8080", &path.value));
                health = hc(vec!["php", "-r", &php], format!("health: GET {} ({})", path.value, evidence(path)));
            }
            dev_command = vec!["php".into(), "-S".into(), "0.0.0.0:8080".into(), "-t".into(), "public".into()];
        }
        "ruby" => {
            cache = "/usr/local/bundle/cache".into();
            manifests.push(join(&root, "Gemfile"));
            if let Some(l) = &lockfile {
                manifests.push(l.clone());
            }
            manifests_comment = if lockfile.is_some() {
                "Gemfile and Gemfile.lock alone, Bundler in deployment mode"
            } else {
                "Gemfile alone (no Gemfile.lock in the app: deployment mode needs one, commit it)"
            }
            .into();
            install = if lockfile.is_some() {
                "bundle config set deployment true && bundle config set without development:test && bundle install"
            } else {
                "bundle config set without development:test && bundle install"
            }
            .into();
            install_dev = "bundle install".into();
            if let Some((port, path, why)) = &probe {
                let rb = format!("exit(Net::HTTP.get_response(URI('{}')).is_a?(Net::HTTPSuccess))", url(port, path));
                health = hc(vec!["ruby", "-rnet/http", "-e", &rb], format!("health: GET {path} ({why})"));
            }
        }
        _ => unreachable!("language ids are listed above"),
    }
    // Native dependencies: compilers and -dev packages in the build stage, their libraries at run time.
    let native: Vec<String> = main.build.native_dependencies.iter().map(|n| n.value.clone()).collect();
    if !native.is_empty() {
        let mut build_packages: Vec<&str> = match lang {
            "node" | "static" => vec!["python3", "make", "g++"],
            "python" | "ruby" => vec!["build-essential"],
            _ => vec![],
        };
        let mut runtime_packages = Vec::new();
        for dep in &native {
            let (b, r) = native_packages(dep);
            build_packages.extend(b.split_whitespace());
            runtime_packages.extend(r.split_whitespace());
        }
        build_packages.sort();
        build_packages.dedup();
        runtime_packages.sort();
        runtime_packages.dedup();
        extra.insert("native".into(), native.join(", "));
        extra.insert(
            "native_comment".into(),
            main.build.native_dependencies.iter().map(evidence).collect::<Vec<_>>().join("; "),
        );
        extra.insert("native_build_packages".into(), build_packages.join(" "));
        extra.insert("native_runtime_packages".into(), runtime_packages.join(" "));
        if lang == "go" {
            // cgo links libc: the glibc runtime image, and a build on the target platform.
            images.insert("runtime".into(), tool("distroless-cc")?);
        }
        if lang == "rust" && !runtime_packages.is_empty() {
            // Libraries to install at run time need a package manager: Debian slim of the build image's release
            // instead of distroless.
            let build_image = images.get("build").cloned().unwrap_or_default();
            let slim = if build_image.contains("bookworm") { "debian-bookworm-slim" } else { "debian-trixie-slim" };
            images.insert("runtime".into(), tool(slim)?);
        }
    }
    if lang == "php" {
        let wanted: Vec<&str> = main
            .build
            .php_extensions
            .iter()
            .map(|e| e.value.as_str())
            .filter(|e| !PHP_BUILT_IN.contains(&e.to_lowercase().as_str()))
            .collect();
        if !wanted.is_empty() {
            let mut packages: Vec<&str> =
                wanted.iter().flat_map(|e| php_extension_packages(e).split_whitespace()).collect();
            packages.sort();
            packages.dedup();
            extra.insert("extensions".into(), wanted.join(" "));
            extra.insert("extension_packages".into(), packages.join(" "));
            extra.insert(
                "extensions_comment".into(),
                main.build.php_extensions.iter().map(evidence).collect::<Vec<_>>().join("; "),
            );
        }
    }
    let (version, version_comment) = match &main.build.version {
        Some(v) => (v.value.clone(), format!("the version the app declares ({})", evidence(v))),
        None => ("0.0.0".to_string(), "0.0.0, since the app declares no version".to_string()),
    };
    let dev_role = match lang {
        "java" => extra.get("tool").cloned().unwrap_or("maven".into()),
        "dotnet" => "sdk".into(),
        "php" => "apache".into(),
        _ => "build".into(),
    };
    let dev_image =
        images.get(&dev_role).cloned().ok_or(format!("knowledge base: {lang} has no `{dev_role}` image"))?;
    extra.insert("dev_image".into(), dev_image);

    // Digests from configuration pin the references they name.
    for reference in images.values_mut() {
        if let Some(digest) = options.digests.get(reference.as_str()) {
            *reference = format!("{reference}@{digest}");
        }
    }
    let base_images: Vec<String> = images.values().cloned().collect();
    let build_context_flag = if context == "." { ".".to_string() } else { context.clone() };
    let tag = &main.name;
    let build_note = vec![
        format!("docker build -f {dockerfile} -t {tag} {build_context_flag}"),
        "behind a TLS-intercepting proxy: add --secret id=ca,src=/path/to/ca-bundle.pem (used for that step only, never stored in a layer)".into(),
        "from a mirror: add --build-arg REGISTRY=mirror.example.com/ (every base image is pulled through it)".into(),
        "another architecture: add --platform linux/arm64".into(),
    ];
    let ignore = crate::ignore::patterns(lang, &root, build.is_some(), &extra);
    let ports_out: Vec<u16> = ports.iter().filter_map(|p| p.value.parse().ok()).collect();
    let writable_paths: Vec<String> = writable.iter().map(|w| format!("{workdir}/{}", w.value)).collect();
    let vars = Vars {
        service: main.name.clone(),
        services: group.iter().map(|s| s.name.clone()).collect(),
        kind: main.kind.value.as_str().to_string(),
        language: lang.to_string(),
        line: resolved.line.clone(),
        line_comment: resolved.reason.clone(),
        images,
        syntax: options.syntax,
        uid: options.uid,
        gid: options.gid,
        dockerfile: dockerfile.clone(),
        context: context.clone(),
        root,
        workdir,
        package_manager: pm,
        manifests,
        manifests_comment,
        install,
        install_dev,
        build,
        command,
        command_comment,
        entrypoint,
        dev_command,
        ports,
        env,
        writable,
        health,
        debug_port,
        ca: crate::ca::all(),
        cache,
        extra,
        ignore,
        build_note,
        version,
        version_comment,
    };
    Ok(Plan {
        image: main.name.clone(),
        services: vars.services.clone(),
        template,
        dockerfile,
        dev_dockerfile,
        ignore_file,
        dev_ignore_file,
        build_context: context,
        vars,
        findings,
        writable_paths,
        ports: ports_out,
        base_images,
        line: format!("{} {}", lang, resolved.line),
    })
}

#[cfg(test)]
mod tests {
    use super::exec_form;

    #[test]
    fn shell_commands_exec_their_last_command() {
        let sh = |script: &str| vec!["sh".to_string(), "-c".to_string(), script.to_string()];
        assert_eq!(exec_form("gunicorn app:app"), vec!["gunicorn", "app:app"]);
        assert_eq!(exec_form("gunicorn -b :$PORT app:app"), sh("exec gunicorn -b :$PORT app:app"));
        assert_eq!(
            exec_form("flask db upgrade; flask translate compile; gunicorn microblog:app"),
            sh("flask db upgrade; flask translate compile; exec gunicorn microblog:app")
        );
        assert_eq!(exec_form("npm run migrate && node server.js"), sh("npm run migrate && exec node server.js"));
        assert_eq!(exec_form("node a.js | tee log"), sh("node a.js | tee log"));
        assert_eq!(exec_form("migrate || true; serve"), sh("migrate || true; serve"));
        assert_eq!(exec_form("echo 'a;b' && run"), sh("echo 'a;b' && run"));
    }
}
