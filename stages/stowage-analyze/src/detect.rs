//! The shape every ecosystem detector fills in ([`Draft`]), and the common pass that turns a draft into a
//! [`Service`]: scanning its sources, reading its Procfile and Dockerfile, and deciding ports, health and kind.

use std::collections::{BTreeMap, BTreeSet};

use crate::build::build_facts;
use crate::containers;
use crate::model::{BackingService, BuildFacts, Confidence, Evidence, Fact, Kind, Port, Service, Skipped};
use crate::scan::{self, Scan};
use crate::schedule;
use crate::walk::{Tree, file_name, is_under, join, parent};

/// What a detector knows about one deployable before the common pass.
#[derive(Debug, Clone)]
pub struct Draft {
    pub name: String,
    pub root: String,
    pub build_context: String,
    pub language: Fact<String>,
    pub runtime_version: Option<Fact<String>>,
    pub package_manager: Option<Fact<String>>,
    pub lockfile: Option<Fact<String>>,
    pub framework: Option<Fact<String>>,
    /// The framework serves HTTP, so the service is a web service even when no port is written down.
    pub web_framework: bool,
    /// Set when the manifest decides the kind (a static build, a declared CLI).
    pub kind: Option<Fact<Kind>>,
    /// The kind when nothing listens on a port (a worker unless the detector knows it is a CLI).
    pub fallback_kind: Option<Fact<Kind>>,
    pub build_command: Option<Fact<String>>,
    pub start_command: Option<Fact<String>>,
    /// The framework's documented default port, used (with low confidence) only when nothing else names one.
    pub default_port: Option<(u16, Evidence)>,
    /// The variable the framework itself reads to override that default (`PORT` for `next start`,
    /// `ASPNETCORE_URLS` for ASP.NET Core).
    pub default_port_env: Option<(String, Evidence)>,
    /// Dependency names with where they are declared, for backing services.
    pub deps: Vec<(String, Evidence)>,
    /// Files scanned for ports, routes, environment reads and paths.
    pub sources: Vec<String>,
    pub health_path: Option<Fact<String>>,
    pub readiness_path: Option<Fact<String>>,
    /// A prefix every route of the service is served under, set outside the route's file (NestJS
    /// `setGlobalPrefix`, Spring's `server.servlet.context-path`), with the routes it leaves out.
    pub route_prefix: Option<RoutePrefix>,
    /// Container ports the app's own compose files and Kubernetes manifests declare for this deployable.
    pub manifest_ports: Vec<(u16, Evidence)>,
    /// CronJobs of the app's own Kubernetes manifests that run this deployable.
    pub manifest_jobs: Vec<schedule::Job>,
    /// Processes the app's compose files run from this deployable's image (see `containers::Claims`).
    pub manifest_processes: Vec<containers::Process>,
    /// Per compose project, the `env_file` files and `environment` settings of its services that build this
    /// deployable.
    pub manifest_env: BTreeMap<String, containers::ComposeEnv>,
    pub writable: Vec<Fact<String>>,
    /// The build facts the detector found; native dependencies from `deps` and cgo are added by the common pass.
    pub build: BuildFacts,
}

/// A service-wide route prefix and where it is set.
#[derive(Debug, Clone)]
pub struct RoutePrefix {
    pub prefix: String,
    pub evidence: Evidence,
    /// Routes served without the prefix (NestJS `exclude`), without their leading `/`.
    pub exclude: Vec<String>,
}

impl RoutePrefix {
    /// `route` under the prefix, with the prefix's evidence added; unchanged when the route is excluded.
    fn apply(&self, fact: Fact<String>) -> Fact<String> {
        if self.exclude.iter().any(|e| e.trim_matches('/') == fact.value.trim_matches('/')) {
            return fact;
        }
        let mut evidence = fact.evidence;
        evidence.push(self.evidence.clone());
        Fact { value: format!("{}{}", self.prefix, fact.value), evidence, confidence: fact.confidence }
    }
}

impl Draft {
    pub fn new(name: &str, root: &str, language: Fact<String>) -> Draft {
        Draft {
            name: name.to_string(),
            root: root.to_string(),
            build_context: root.to_string(),
            language,
            runtime_version: None,
            package_manager: None,
            lockfile: None,
            framework: None,
            web_framework: false,
            kind: None,
            fallback_kind: None,
            build_command: None,
            start_command: None,
            default_port: None,
            default_port_env: None,
            deps: Vec::new(),
            sources: Vec::new(),
            health_path: None,
            readiness_path: None,
            route_prefix: None,
            manifest_ports: Vec::new(),
            manifest_jobs: Vec::new(),
            manifest_processes: Vec::new(),
            manifest_env: BTreeMap::new(),
            writable: Vec::new(),
            build: BuildFacts::default(),
        }
    }
}

/// A project a detector found: a deployable, or a reason it is not one.
pub enum Found {
    Service(Box<Draft>),
    Skipped(Skipped),
}

pub fn skipped(path: &str, reason: impl Into<String>) -> Found {
    Found::Skipped(Skipped { path: path.to_string(), reason: reason.into() })
}

/// 1-based line of the first line containing `needle`.
pub fn line_of(text: &str, needle: &str) -> Option<u32> {
    text.lines().position(|l| l.contains(needle)).map(|i| i as u32 + 1)
}

pub fn fact(
    value: impl Into<String>,
    confidence: Confidence,
    file: &str,
    line: Option<u32>,
    detail: &str,
) -> Fact<String> {
    Fact::new(value.into(), confidence, Evidence::new(file, line, detail))
}

/// The first of `names` that exists in `dir` or one of its ancestors up to `stop` (inclusive), nearest first.
pub fn find_up<'a>(tree: &Tree, dir: &str, stop: &str, names: &[&'a str]) -> Option<(String, &'a str)> {
    let mut current = dir.to_string();
    loop {
        for name in names {
            let path = join(&current, name);
            if tree.exists(&path) {
                return Some((path, name));
            }
        }
        if current == stop || current == "." {
            return None;
        }
        current = parent(&current).to_string();
    }
}

/// A version file's first meaningful token (`v20.11.1` stays as written apart from the `v`).
pub fn version_file(tree: &Tree, dir: &str, stop: &str, names: &[&str], detail: &str) -> Option<Fact<String>> {
    let (path, _) = find_up(tree, dir, stop, names)?;
    let text = tree.text(&path)?;
    let (n, line) = scan::code_lines(text).find(|(_, l)| !l.trim().is_empty())?;
    let mut value = line.split_whitespace().next()?.trim_start_matches('v').to_string();
    if file_name(&path) == ".tool-versions" {
        return None;
    }
    if value.starts_with("python-") || value.starts_with("ruby-") {
        value = value.split_once('-').map(|(_, v)| v.to_string()).unwrap_or(value);
    }
    Some(fact(value, Confidence::High, &path, Some(n), detail))
}

/// A declared runtime version or constraint as written (`>=3.11`, `^20.11`, `8.2.*`), for the dockerfile stage's
/// knowledge base to resolve: flooring it here would turn a constraint into a version the app never named.
pub fn declared_version(constraint: &str) -> Option<String> {
    let text = constraint.trim();
    text.chars().any(|c| c.is_ascii_digit()).then(|| text.to_string())
}

const TEST_DIRS: &[&str] = &["test", "tests", "spec", "specs", "__tests__", "__mocks__", "testdata", "e2e", "fixtures"];

/// Top-level folders that hold a repository's build tooling and scripts, and folders anywhere that hold examples,
/// test plugins or benchmarks: a project found in one is skipped.
const TOOLING_TOP_DIRS: &[&str] = &["tools", "scripts", "script", "build", "_build", "hack", "buildsrc"];
const EXAMPLE_DIRS: &[&str] = &["examples", "example", "testing", "benchmarks", "perf_scripts"];

/// Build-system libraries a .NET console project uses when it is the repository's build script (Nuke, Cake
/// Frosting, Bullseye with SimpleExec).
const BUILD_TOOL_DEPS: &[&str] = &["Nuke.Common", "Cake.Frosting", "Cake.Core", "Bullseye", "SimpleExec"];

/// Why a detected project is the repository's build tooling (a .NET build project run by build.sh or build.ps1,
/// Nuke, Cake, Bullseye; a Gradle buildSrc; a Rust xtask; a tools/ or scripts/ program) or an example, not a
/// deployable. The project's folder is its main package for Go, else its root.
pub fn tooling_skip(draft: &Draft) -> Option<Skipped> {
    let reason = tooling_reason(draft)?;
    let path = draft
        .build_command
        .as_ref()
        .and_then(|c| c.evidence.first())
        .filter(|ev| ev.file.ends_with(".go"))
        .map_or(draft.root.clone(), |ev| parent(&ev.file).to_string());
    Some(Skipped { path, reason })
}

fn tooling_reason(draft: &Draft) -> Option<String> {
    let project = draft
        .build_command
        .as_ref()
        .and_then(|c| c.evidence.first())
        .filter(|ev| ev.file.ends_with(".go"))
        .map_or(draft.root.as_str(), |ev| parent(&ev.file));
    let top = project.split('/').next().unwrap_or("").to_ascii_lowercase();
    if TOOLING_TOP_DIRS.contains(&top.as_str()) {
        return Some(format!("build tooling or scripts (the `{top}/` folder), not a deployable"));
    }
    if let Some(dir) = project.split('/').find(|seg| EXAMPLE_DIRS.contains(&seg.to_ascii_lowercase().as_str())) {
        return Some(format!("an example, test plugin or benchmark (a `{dir}/` folder), not a deployable"));
    }
    if matches!(draft.name.as_str(), "xtask" | "build") {
        return Some(format!("`{}` is the repository's build tooling, not a deployable", draft.name));
    }
    if let Some((dep, ev)) = draft.deps.iter().find(|(d, _)| BUILD_TOOL_DEPS.contains(&d.as_str())) {
        return Some(format!("a build script ({} uses `{dep}`), not a deployable", ev.location()));
    }
    None
}

/// Whether a source file is a test (tests read variables and bind ports that are not the app's).
pub fn is_test_file(path: &str) -> bool {
    let name = file_name(path);
    path.split('/').any(|seg| TEST_DIRS.contains(&seg))
        || name.ends_with("_test.go")
        || name.starts_with("test_")
        || name.ends_with("_test.py")
        || name.contains(".test.")
        || name.contains(".spec.")
        || name.ends_with("Test.java")
        || name.ends_with("Tests.cs")
        || name.ends_with("_spec.rb")
        || name.ends_with("Test.php")
        || ["playwright.config.", "jest.config.", "vitest.config.", "cypress.config.", "karma.conf."]
            .iter()
            .any(|t| name.starts_with(t))
}

/// Whether a file is an input of the app's tests, examples or fuzzing rather than how the app runs: its manifests
/// and crontabs are not evidence.
pub fn is_sample_input(path: &str) -> bool {
    is_test_file(path) || path.split('/').any(|seg| matches!(seg, "examples" | "example" | "fuzz" | "corpus"))
}

/// Folders of files served to browsers or copied from elsewhere: never the server's own code.
const NOT_SERVER_DIRS: &[&str] = &["public", "static", "assets", "views", "www", "wwwroot", "third_party", "scripts"];

/// Whether a text file is a deployment manifest, compose file or CI configuration rather than app config.
fn is_ops_file(path: &str, text: &str) -> bool {
    let name = file_name(path);
    let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
    yaml && (path.split('/').any(|seg| seg.starts_with('.') && seg.len() > 1)
        || name.starts_with("docker-compose")
        || name.starts_with("compose.")
        || text.lines().any(|l| l.starts_with("apiVersion:"))
        || path.split('/').any(|seg| {
            matches!(seg, "k8s" | "kubernetes" | "helm" | "charts" | "deploy" | "deployment" | "deployments")
        }))
}

/// Text files under `root` with one of `exts` (or one of `names`), outside `nested` roots and outside tests.
pub fn sources(tree: &Tree, root: &str, nested: &[String], exts: &[&str], names: &[&str]) -> Vec<String> {
    tree.texts_under(root)
        .map(|(p, _)| p)
        .filter(|p| !nested.iter().any(|n| n != root && is_under(p, n) && (root == "." || is_under(n, root))))
        .filter(|p| !is_test_file(p))
        .filter(|p| {
            let name = file_name(p);
            names.contains(&name) || name.rsplit_once('.').is_some_and(|(_, e)| exts.contains(&e))
        })
        .filter(|p| !is_ops_file(p, tree.text(p).unwrap_or("")))
        .filter(|p| {
            // Bundled browser code (`public/socket.io.js`, `*.min.js`) is not the server's.
            let rel = if root == "." { *p } else { p.strip_prefix(root).map_or(*p, |r| r.trim_start_matches('/')) };
            let served = rel.split('/').rev().skip(1).any(|seg| NOT_SERVER_DIRS.contains(&seg));
            // PHP, Python and Ruby apps keep server code in such folders (public/index.php, views/*.py).
            let server_language = p.ends_with(".py") || p.ends_with(".php") || p.ends_with(".rb");
            let bundled = p.contains(".min.") || (served && !server_language);
            !bundled
        })
        .map(str::to_string)
        .collect()
}

/// Dependency names that identify a backing service, across ecosystems (npm, PyPI, Go, crates, Maven, NuGet,
/// Packagist, RubyGems). Matched exactly, or as a Go module path prefix.
const BACKING_DEPS: &[(&str, &str)] = &[
    ("pg", "postgres"),
    ("postgres", "postgres"),
    ("pg-promise", "postgres"),
    ("psycopg2", "postgres"),
    ("psycopg2-binary", "postgres"),
    ("psycopg", "postgres"),
    ("asyncpg", "postgres"),
    ("github.com/lib/pq", "postgres"),
    ("github.com/jackc/pgx", "postgres"),
    ("tokio-postgres", "postgres"),
    ("postgresql", "postgres"),
    ("Npgsql", "postgres"),
    ("Npgsql.EntityFrameworkCore.PostgreSQL", "postgres"),
    ("mysql", "mysql"),
    ("mysql2", "mysql"),
    ("mariadb", "mysql"),
    ("mysqlclient", "mysql"),
    ("pymysql", "mysql"),
    ("github.com/go-sql-driver/mysql", "mysql"),
    ("mysql_async", "mysql"),
    ("mysql-connector-j", "mysql"),
    ("mysql-connector-java", "mysql"),
    ("mariadb-java-client", "mysql"),
    ("MySqlConnector", "mysql"),
    ("Pomelo.EntityFrameworkCore.MySql", "mysql"),
    ("redis", "redis"),
    ("ioredis", "redis"),
    ("bullmq", "redis"),
    ("bull", "redis"),
    ("rq", "redis"),
    ("github.com/redis/go-redis", "redis"),
    ("github.com/go-redis/redis", "redis"),
    ("spring-boot-starter-data-redis", "redis"),
    ("StackExchange.Redis", "redis"),
    ("predis/predis", "redis"),
    ("sidekiq", "redis"),
    ("mongodb", "mongodb"),
    ("mongoose", "mongodb"),
    ("pymongo", "mongodb"),
    ("motor", "mongodb"),
    ("go.mongodb.org/mongo-driver", "mongodb"),
    ("spring-boot-starter-data-mongodb", "mongodb"),
    ("MongoDB.Driver", "mongodb"),
    ("mongoid", "mongodb"),
    ("mongo", "mongodb"),
    // agenda keeps its jobs in MongoDB; rq-scheduler its schedule in Redis.
    ("agenda", "mongodb"),
    ("@hokify/agenda", "mongodb"),
    ("rq-scheduler", "redis"),
    ("amqplib", "rabbitmq"),
    ("amqp-connection-manager", "rabbitmq"),
    ("pika", "rabbitmq"),
    ("aio-pika", "rabbitmq"),
    ("github.com/rabbitmq/amqp091-go", "rabbitmq"),
    ("github.com/streadway/amqp", "rabbitmq"),
    ("lapin", "rabbitmq"),
    ("spring-boot-starter-amqp", "rabbitmq"),
    ("RabbitMQ.Client", "rabbitmq"),
    ("php-amqplib/php-amqplib", "rabbitmq"),
    ("bunny", "rabbitmq"),
    ("kafkajs", "kafka"),
    ("kafka-python", "kafka"),
    ("confluent-kafka", "kafka"),
    ("aiokafka", "kafka"),
    ("github.com/segmentio/kafka-go", "kafka"),
    ("github.com/confluentinc/confluent-kafka-go", "kafka"),
    ("rdkafka", "kafka"),
    ("spring-kafka", "kafka"),
    ("Confluent.Kafka", "kafka"),
    ("ruby-kafka", "kafka"),
    ("@elastic/elasticsearch", "elasticsearch"),
    ("@opensearch-project/opensearch", "elasticsearch"),
    ("elasticsearch", "elasticsearch"),
    ("opensearch-py", "elasticsearch"),
    ("github.com/elastic/go-elasticsearch", "elasticsearch"),
    ("spring-boot-starter-data-elasticsearch", "elasticsearch"),
    ("Elastic.Clients.Elasticsearch", "elasticsearch"),
    ("@aws-sdk/client-s3", "s3"),
    ("boto3", "s3"),
    ("minio", "s3"),
    ("github.com/aws/aws-sdk-go-v2/service/s3", "s3"),
    ("github.com/minio/minio-go", "s3"),
    ("aws-sdk-s3", "s3"),
    ("rust-s3", "s3"),
    ("s3", "s3"),
    ("AWSSDK.S3", "s3"),
    ("league/flysystem-aws-s3-v3", "s3"),
    ("laravel/horizon", "redis"),
    ("Microsoft.EntityFrameworkCore.SqlServer", "sqlserver"),
    ("Microsoft.Data.SqlClient", "sqlserver"),
    ("System.Data.SqlClient", "sqlserver"),
    ("mssql-jdbc", "sqlserver"),
    ("mssql", "sqlserver"),
    ("tedious", "sqlserver"),
    ("pymssql", "sqlserver"),
    ("github.com/microsoft/go-mssqldb", "sqlserver"),
    ("github.com/denisenkom/go-mssqldb", "sqlserver"),
    ("dalli", "memcached"),
    ("pymemcache", "memcached"),
    ("python-memcached", "memcached"),
    ("pylibmc", "memcached"),
    ("memjs", "memcached"),
    ("memcached", "memcached"),
    ("github.com/bradfitz/gomemcache", "memcached"),
];

/// Client libraries that connect to their service whatever the configuration says: a job queue keeps its jobs there.
/// Spring Boot's data starters count too: their auto-configuration connects to the default host (and its health
/// indicator reports the service down) unless the app turns it off.
const ALWAYS_CONNECTS: &[&str] = &[
    "rq",
    "rq-scheduler",
    "sidekiq",
    "bull",
    "bullmq",
    "agenda",
    "@hokify/agenda",
    "laravel/horizon",
    "spring-boot-starter-data-redis",
    "spring-boot-starter-data-mongodb",
    "spring-boot-starter-data-elasticsearch",
    "spring-boot-starter-amqp",
];

/// Server SQL databases: with a client library and no embedded database as the default, the app needs one.
const SQL_SERVICES: &[&str] = &["postgres", "mysql", "sqlserver"];

/// Embedded databases' libraries: with one of these, a server SQL driver serves another profile.
const EMBEDDED_DB_DEPS: &[&str] = &[
    "h2",
    "com.h2database:h2",
    "hsqldb",
    "sqlite3",
    "better-sqlite3",
    "sqlite",
    "aiosqlite",
    "github.com/mattn/go-sqlite3",
    "gorm.io/driver/sqlite",
    "modernc.org/sqlite",
    "rusqlite",
    "sqlite-jdbc",
    "Microsoft.EntityFrameworkCore.Sqlite",
    "Microsoft.Data.Sqlite",
];

pub fn backing_for_dep(dep: &str) -> Option<&'static str> {
    BACKING_DEPS
        .iter()
        .find(|(name, _)| *name == dep || (name.contains('/') && name.contains('.') && dep.starts_with(name)))
        .map(|(_, service)| *service)
}

/// DNS-1123 label: later stages use the name for images, compose services and Kubernetes objects.
pub fn service_name(raw: &str) -> String {
    let raw = raw.rsplit('/').next().unwrap_or(raw);
    let mut out = String::new();
    for c in raw.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() { "app".to_string() } else { out }
}

/// Turns a draft into one or more services (one per Procfile process type besides `web` and `release`).
pub fn finish(tree: &Tree, draft: Draft) -> Vec<Service> {
    let mut draft = draft;
    let mut extra_processes = Vec::new();
    let mut scan = scan::scan(draft.sources.iter().filter_map(|p| tree.text(p).map(|t| (p.as_str(), t))));

    // Example environment files declare what the app reads; values are never kept. A static site runs in the
    // browser, so the server-side settings of a monorepo's root are not its own.
    let is_static = draft.kind.as_ref().is_some_and(|k| k.value == Kind::Static);
    let mut dir = draft.root.clone();
    loop {
        for name in [".env.example", ".env.sample", ".env.template", ".env.dist", "example.env", ".env.docker"] {
            let path = join(&dir, name);
            if let Some(text) = tree.text(&path) {
                let found = scan::scan(std::iter::once((path.as_str(), text)));
                merge_scan(&mut scan, found);
            }
        }
        if dir == draft.build_context || dir == "." || is_static {
            break;
        }
        dir = parent(&dir).to_string();
    }

    // The app's own compose deployments: a connection every one of them is configured with is a default one,
    // like an example environment file's; one that only some make (a production file's broker) is optional.
    let deployments: Vec<Scan> = draft
        .manifest_env
        .values()
        .map(|env| {
            let texts: Vec<(&str, &str, bool)> = env
                .env_files
                .iter()
                .filter_map(|(path, dev_only)| tree.text(path).map(|t| (path.as_str(), t, *dev_only)))
                .collect();
            scan::compose_env(&texts, &env.environment)
        })
        .collect();
    if let Some((first, rest)) = deployments.split_first() {
        let mut combined = Scan::default();
        for (service, ev) in &first.backing {
            if rest.iter().all(|d| d.backing.contains_key(service)) {
                combined.backing.insert(service.clone(), ev.clone());
            }
        }
        for d in &deployments {
            let some_only = d.backing.iter().filter(|(s, _)| !combined.backing.contains_key(*s));
            for (service, ev) in d.backing_mentions.iter().chain(some_only) {
                combined.backing_mentions.entry(service.clone()).or_insert_with(|| ev.clone());
            }
        }
        merge_scan(&mut scan, combined);
    }

    let procfile = join(&draft.root, "Procfile");
    if let Some(text) = tree.text(&procfile) {
        for (n, line) in scan::code_lines(text) {
            let Some((process, command)) = line.split_once(':') else { continue };
            let (process, command) = (process.trim(), command.trim());
            if command.is_empty() || process.contains(' ') {
                continue;
            }
            let detail = format!("Procfile process `{process}`");
            if process == "web" {
                draft.start_command = Some(fact(command, Confidence::High, &procfile, Some(n), &detail));
            } else if process != "release" {
                let command = fact(command, Confidence::High, &procfile, Some(n), &detail);
                extra_processes.push(containers::Process { name: process.to_string(), command, ports: Vec::new() });
            }
        }
    }

    // Compose services that run another command from this image are processes too, unless a Procfile process (or
    // the main start command) already runs the same command.
    let core = |command: &str| -> String {
        let words: Vec<&str> = command.split_whitespace().collect();
        let mut rest = &words[..];
        while let Some((first, tail)) = rest.split_first() {
            match *first {
                w if w.contains('=') && !w.starts_with('-') => rest = tail,
                "exec" => rest = tail,
                "gosu" | "su-exec" => rest = tail.get(1..).unwrap_or(&[]),
                _ => break,
            }
        }
        rest.join(" ")
    };
    for process in std::mem::take(&mut draft.manifest_processes) {
        let own = core(&process.command.value);
        let known =
            extra_processes.iter().map(|p| &p.command.value).chain(draft.start_command.iter().map(|c| &c.value));
        if !known.map(|c| core(c)).any(|c| c == own || c.ends_with(&own) || own.ends_with(&c)) {
            extra_processes.push(process);
        }
    }

    let dockerfile = containers::service_dockerfile(tree, &draft.root);
    if let Some(info) = dockerfile.as_deref().and_then(|p| tree.text(p).map(|t| containers::read_dockerfile(p, t))) {
        // .NET 8+ ASP.NET images listen on 8080 (ASPNETCORE_HTTP_PORTS) whatever EXPOSE says: without an ENV that
        // moves the port, an EXPOSE there is stale documentation and the image's own default applies.
        let aspnet_default = info.env_ports.is_empty()
            && info.images.iter().any(|i| {
                i.strip_prefix("mcr.microsoft.com/dotnet/aspnet:")
                    .and_then(|tag| tag.split('.').next()?.parse::<u32>().ok())
                    .is_some_and(|major| major >= 8)
            });
        for (number, ev) in info.exposed {
            if !aspnet_default {
                scan.ports.push((Port { number: Some(number), env: None }, Confidence::Medium, ev));
            }
        }
        for (port, ev) in info.env_ports {
            scan.ports.push((port, Confidence::Medium, ev));
        }
        // The app's own Dockerfile says how its container is started; that beats a command inferred from
        // conventions, and a Procfile's, which is a platform's (Heroku sets `$PORT` for it): the container runs
        // the Dockerfile's command (microblog's boot.sh binds 5000 where the Procfile's gunicorn takes `$PORT`).
        let from_procfile =
            draft.start_command.as_ref().is_some_and(|s| s.evidence.iter().any(|e| file_name(&e.file) == "Procfile"));
        if (from_procfile || draft.start_command.as_ref().is_none_or(|s| s.confidence < Confidence::High))
            && let Some((command, ev)) = info.command
        {
            draft.start_command = Some(Fact::new(command, Confidence::Medium, ev));
        }
        for (path, ev) in info.volumes {
            scan.writable.entry(path).or_insert(ev);
        }
    }

    // The start command itself may name the port (`next start -p 4000`, `php -S 0.0.0.0:8080`, `--bind :$PORT`).
    if let Some(start) = &draft.start_command {
        let ev = &start.evidence[0];
        let mut found = scan_command(&start.value, ev);
        // A port read from a guessed command is no surer than the guess.
        for port in &mut found.ports {
            port.1 = port.1.min(start.confidence);
        }
        merge_scan(&mut scan, found);
    }

    // In-process schedulers, split between the processes that run them (see `schedule`).
    let schedules = schedule::in_process(tree, &draft.sources, &draft.deps);
    let owned_by = |s: &schedule::Schedule, command: &str| match s.runner {
        schedule::Runner::CeleryBeat => command.split_whitespace().any(|w| w == "beat"),
        schedule::Runner::Sidekiq => command.contains("sidekiq"),
        schedule::Runner::App => {
            let file = file_name(&s.evidence.file);
            let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
            command.split_whitespace().any(|w| file_name(w) == file || w == stem)
        }
    };
    let main_schedules: Vec<&schedule::Schedule> = schedules
        .iter()
        .filter(|s| s.runner == schedule::Runner::App)
        .filter(|s| !extra_processes.iter().any(|p| owned_by(s, &p.command.value)))
        .collect();

    let kind = match draft.kind.take() {
        Some(kind) => kind,
        None if draft.web_framework || !scan.ports.is_empty() || !scan.port_envs.is_empty() => {
            let ev = draft
                .framework
                .as_ref()
                .filter(|_| draft.web_framework)
                .map(|f| f.evidence[0].clone())
                .or_else(|| scan.ports.first().map(|p| p.2.clone()))
                .or_else(|| scan.port_envs.values().next().cloned())
                .or_else(|| draft.start_command.as_ref().map(|s| s.evidence[0].clone()))
                .unwrap_or_else(|| draft.language.evidence[0].clone());
            let detail = if draft.web_framework { "serves HTTP (web framework)" } else { "listens on a port" };
            Fact::new(Kind::Web, Confidence::High, Evidence { detail: detail.into(), ..ev })
        }
        None if draft.fallback_kind.is_some() => {
            let fallback = draft.fallback_kind.take().expect("checked");
            // A program without a port that loops forever is a worker, not a command-line tool.
            let looping = draft.sources.iter().find_map(|p| {
                let text = tree.text(p)?;
                scan::code_lines(text)
                    .find(|(_, l)| {
                        let t = l.trim();
                        t.starts_with("while (true)")
                            || t.starts_with("while(true)")
                            || t.starts_with("while True")
                            || t == "for {"
                    })
                    .map(|(n, _)| Evidence::new(p, Some(n), "loops until stopped, without a port"))
            });
            match looping {
                Some(ev) => Fact::new(Kind::Worker, Confidence::Medium, ev),
                None => fallback,
            }
        }
        None => {
            let ev = draft
                .start_command
                .as_ref()
                .map(|s| s.evidence[0].clone())
                .unwrap_or_else(|| draft.language.evidence[0].clone());
            Fact::new(
                Kind::Worker,
                Confidence::Medium,
                Evidence { detail: "runs without listening on a port".into(), ..ev },
            )
        }
    };

    // A scheduler library keeps its process running: that is a worker, not a command that exits.
    let kind = match main_schedules.first() {
        // A worker inferred only from the missing port is better explained by its scheduler.
        Some(first)
            if kind.value == Kind::Cli || (kind.value == Kind::Worker && kind.confidence < Confidence::High) =>
        {
            Fact::new(
                Kind::Worker,
                Confidence::High,
                Evidence {
                    detail: format!("in-process scheduler ({}) keeps the process running", first.library),
                    ..first.evidence.clone()
                },
            )
        }
        _ => kind,
    };
    // A platform that starts the service itself on a schedule (Railway's `cronSchedule`) makes it a job.
    let railway = schedule::railway_schedule(tree, &draft.root);
    let kind = match &railway {
        Some(schedule) => Fact::new(
            Kind::Job,
            Confidence::High,
            Evidence {
                detail: "started on a schedule by the platform, runs to completion".into(),
                ..schedule.evidence[0].clone()
            },
        ),
        None => kind,
    };
    let ports = if matches!(kind.value, Kind::Web) {
        let default = draft.default_port.take().map(|(n, ev)| (n, ev, draft.default_port_env.take()));
        merge_ports(&scan, default, &draft.manifest_ports)
    } else {
        Vec::new()
    };
    let serves = matches!(kind.value, Kind::Web);
    let health_path = draft.health_path.take().or_else(|| {
        scan.health
            .first()
            .filter(|_| serves)
            .map(|(_, path, ev)| Fact::new(path.clone(), Confidence::High, ev.clone()))
    });
    let readiness_path = draft.readiness_path.take().or_else(|| {
        scan.readiness
            .first()
            .filter(|_| serves)
            .map(|(path, ev)| Fact::new(path.clone(), Confidence::High, ev.clone()))
    });

    let (health_path, readiness_path) = match &draft.route_prefix {
        Some(prefix) => (health_path.map(|h| prefix.apply(h)), readiness_path.map(|r| prefix.apply(r))),
        None => (health_path, readiness_path),
    };

    let backing = backing_services(&draft.deps, &scan, kind.value);
    let env_vars: Vec<Fact<String>> =
        scan.env_vars.iter().map(|(name, ev)| Fact::new(name.clone(), Confidence::High, ev.clone())).collect();
    let mut writable: BTreeMap<String, Fact<String>> = BTreeMap::new();
    for w in draft.writable.drain(..) {
        writable.entry(w.value.clone()).or_insert(w);
    }
    for (path, ev) in &scan.writable {
        writable.entry(path.clone()).or_insert_with(|| Fact::new(path.clone(), Confidence::Medium, ev.clone()));
    }

    let service = Service {
        name: draft.name.clone(),
        root: draft.root.clone(),
        build_context: draft.build_context.clone(),
        kind,
        language: draft.language.clone(),
        runtime_version: draft.runtime_version.clone(),
        package_manager: draft.package_manager.clone(),
        lockfile: draft.lockfile.clone(),
        framework: draft.framework.clone(),
        build_command: draft.build_command.clone(),
        start_command: draft.start_command.clone(),
        schedule: railway.clone().or_else(|| schedule_fact(&main_schedules)),
        ports,
        health_path,
        readiness_path,
        env_vars,
        backing_services: backing,
        writable_paths: writable.into_values().collect(),
        build: build_facts(&draft),
    };
    let mut out = Vec::new();
    let background =
        |name: String, kind: Fact<Kind>, command: Option<Fact<String>>, schedule: Option<Fact<String>>| Service {
            name,
            kind,
            start_command: command,
            schedule,
            ports: Vec::new(),
            health_path: None,
            readiness_path: None,
            ..service.clone()
        };
    let mut commands: Vec<String> = service.start_command.iter().map(|c| c.value.clone()).collect();
    for containers::Process { name: process, command, ports } in &extra_processes {
        let ev = command.evidence[0].clone();
        // Every Procfile process stays up, clock and scheduler processes included (they host a scheduler); a
        // CronJob would start a second scheduler at every tick.
        let owned: Vec<&schedule::Schedule> = schedules.iter().filter(|s| owned_by(s, &command.value)).collect();
        let source = if ev.file.ends_with("Procfile") { "Procfile process" } else { "compose service" };
        let detail = if owned.is_empty() {
            format!("{source} `{process}`")
        } else {
            format!("{source} `{process}`: runs an in-process scheduler and stays up")
        };
        let name = format!("{}-{}", service.name, service_name(process));
        // A process that publishes a port (a dashboard such as Flower) serves it: a web process of its own, on
        // the compose file's word alone (low confidence, as any port only a manifest names).
        let mut served: BTreeMap<u16, Fact<Port>> = BTreeMap::new();
        for (number, ev) in ports {
            let fact = served.entry(*number).or_insert_with(|| Fact {
                value: Port { number: Some(*number), env: None },
                evidence: Vec::new(),
                confidence: Confidence::Low,
            });
            fact.evidence.push(ev.clone());
        }
        let kind = if served.is_empty() {
            Fact::new(Kind::Worker, Confidence::High, Evidence { detail, ..ev })
        } else {
            Fact::new(Kind::Web, Confidence::Medium, Evidence { detail: format!("{detail} publishes a port"), ..ev })
        };
        let mut process_service = background(name, kind, Some(command.clone()), schedule_fact(&owned));
        process_service.ports = served.into_values().collect();
        out.push(process_service);
        commands.push(command.value.clone());
    }
    // Celery beat and Sidekiq schedules need their own long-running process; when no Procfile process runs it, the
    // schedule itself is the evidence that one must.
    for (runner, suffix) in [(schedule::Runner::CeleryBeat, "beat"), (schedule::Runner::Sidekiq, "sidekiq")] {
        let unowned: Vec<&schedule::Schedule> =
            schedules.iter().filter(|s| s.runner == runner && !commands.iter().any(|c| owned_by(s, c))).collect();
        let Some(first) = unowned.first() else { continue };
        let command = if runner == schedule::Runner::Sidekiq {
            "bundle exec sidekiq".to_string()
        } else {
            let app = commands
                .iter()
                .find_map(|c| c.split_once("celery -A ").map(|(_, rest)| rest.split_whitespace().next().unwrap_or("")))
                .map(str::to_string)
                .unwrap_or_else(|| {
                    let rel =
                        first.evidence.file.strip_prefix(&format!("{}/", draft.root)).unwrap_or(&first.evidence.file);
                    rel.trim_end_matches(".py").replace('/', ".")
                });
            format!("celery -A {app} beat")
        };
        let detail = format!("{} schedules run in a process of their own that stays up", first.library);
        let ev = Evidence { detail, ..first.evidence.clone() };
        let kind = Fact::new(Kind::Worker, Confidence::High, ev.clone());
        let command = Fact::new(command, Confidence::Medium, ev);
        out.push(background(format!("{}-{suffix}", service.name), kind, Some(command), schedule_fact(&unowned)));
    }
    // One-shot commands run on a schedule: one job each, from the same image.
    let url = match service.ports.first().and_then(|p| p.value.number) {
        Some(port) => format!("http://{}:{port}", service.name),
        None => format!("http://{}", service.name),
    };
    let framework = service.framework.as_ref().map(|f| f.value.as_str());
    // Static files run nothing: a crontab next to them belongs to whatever serves them.
    let jobs =
        if is_static { Vec::new() } else { schedule::jobs(tree, &draft.root, &project_dirs(tree), framework, &url) };
    for job in jobs.into_iter().chain(std::mem::take(&mut draft.manifest_jobs)) {
        let kind = Fact::new(Kind::Job, Confidence::High, job.evidence.clone());
        // `api-cleanup` of service `api` is `api-cleanup`, not `api-api-cleanup`.
        let slug = job.slug.strip_prefix(&format!("{}-", service.name)).unwrap_or(&job.slug);
        let name = format!("{}-{slug}", service.name);
        // A CronJob without a command runs the image's own: the service's start command.
        let command = job.command.or_else(|| service.start_command.clone());
        out.push(background(name, kind, command, job.schedule));
    }
    out.insert(0, service);
    out
}

/// The schedule fact of a process: the first schedule stated, with every schedule as evidence.
fn schedule_fact(schedules: &[&schedule::Schedule]) -> Option<Fact<String>> {
    let first = schedules.first()?;
    let mut evidence: Vec<Evidence> = schedules.iter().map(|s| s.evidence.clone()).collect();
    evidence.dedup();
    Some(Fact { value: first.value.clone(), evidence, confidence: Confidence::High })
}

/// The service's backing services, each required or optional (see [`BackingService`]), sorted by name.
fn backing_services(deps: &[(String, Evidence)], scan: &Scan, kind: Kind) -> Vec<BackingService> {
    if kind == Kind::Static {
        return Vec::new();
    }
    // Per service: the default connection, the client library (and whether it always connects), the mentions.
    #[derive(Default)]
    struct Seen {
        connection: Option<Evidence>,
        library: Option<(Evidence, bool)>,
        mention: Option<Evidence>,
    }
    let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
    let embedded = scan.embedded_db.clone().or_else(|| {
        deps.iter()
            .find(|(dep, _)| EMBEDDED_DB_DEPS.contains(&dep.as_str()) || dep.ends_with(":h2"))
            .map(|(_, ev)| ev.clone())
    });
    for (dep, ev) in deps {
        if let Some(service) = backing_for_dep(dep) {
            let always = ALWAYS_CONNECTS.contains(&dep.as_str());
            let entry = &mut seen.entry(service.to_string()).or_default().library;
            if entry.as_ref().is_none_or(|(_, a)| !a && always) {
                *entry = Some((ev.clone(), always));
            }
        }
    }
    for (service, ev) in &scan.backing {
        seen.entry(service.clone()).or_default().connection.get_or_insert_with(|| ev.clone());
    }
    for (service, ev) in &scan.backing_mentions {
        seen.entry(service.clone()).or_default().mention.get_or_insert_with(|| ev.clone());
    }
    seen.into_iter()
        .map(|(name, s)| {
            let library_connects = s
                .library
                .as_ref()
                .is_some_and(|(_, always)| *always || (SQL_SERVICES.contains(&name.as_str()) && embedded.is_none()));
            let required = s.connection.is_some() || library_connects;
            let evidence: Vec<Evidence> =
                s.connection.into_iter().chain(s.library.map(|(ev, _)| ev)).chain(s.mention).collect();
            BackingService { name, required, evidence }
        })
        .collect()
}

fn merge_scan(into: &mut Scan, from: Scan) {
    for (k, v) in from.env_vars {
        into.env_vars.entry(k).or_insert(v);
    }
    into.ports.extend(from.ports);
    into.url_ports.extend(from.url_ports);
    into.command_sets_port |= from.command_sets_port;
    for (k, v) in from.port_envs {
        into.port_envs.entry(k).or_insert(v);
    }
    for (k, v) in from.backing {
        into.backing.entry(k).or_insert(v);
    }
    for (k, v) in from.backing_mentions {
        into.backing_mentions.entry(k).or_insert(v);
    }
    if into.embedded_db.is_none() {
        into.embedded_db = from.embedded_db;
    }
    for (k, v) in from.writable {
        into.writable.entry(k).or_insert(v);
    }
}

/// Ports and port variables named in a command line: `-p 4000`, `--port=8000`, `0.0.0.0:8080`, `$PORT`.
fn scan_command(command: &str, ev: &Evidence) -> Scan {
    let mut scan = Scan::default();
    let words: Vec<&str> = command.split_whitespace().collect();
    for (i, word) in words.iter().enumerate() {
        let at = |detail: String| Evidence { detail, ..ev.clone() };
        // Heroku's PHP buildpack servers (heroku-php-apache2, heroku-php-nginx) listen on $PORT.
        if i == 0 && word.starts_with("heroku-php-") {
            scan.port_envs.entry("PORT".into()).or_insert_with(|| at(format!("`{word}` listens on `$PORT`")));
            scan.command_sets_port = true;
        }
        if let Some(var) = word.split('$').nth(1) {
            let var = var.trim_start_matches('{');
            let len = var.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
            let var = &var[..len];
            if scan::is_app_port_var(var) {
                let default = word.split(":-").nth(1).and_then(|d| scan::port_numbers(d).into_iter().next());
                match default {
                    Some(number) => scan.ports.push((
                        Port { number: Some(number), env: Some(var.to_string()) },
                        Confidence::High,
                        at(format!("command uses `${var}` with default {number}")),
                    )),
                    None => {
                        scan.port_envs.entry(var.to_string()).or_insert_with(|| at(format!("command uses `${var}`")));
                        scan.command_sets_port = true;
                    }
                }
                continue;
            }
        }
        // gunicorn binds 127.0.0.1:8000, or 0.0.0.0:$PORT when PORT is set, unless the command binds elsewhere.
        if word.rsplit('/').next() == Some("gunicorn")
            && !words.iter().any(|w| matches!(*w, "-b" | "--bind") || w.starts_with("--bind=") || w.starts_with("-b"))
            && !words.iter().any(|w| w.starts_with("-c") || w.starts_with("--config"))
        {
            scan.ports.push((
                Port { number: Some(8000), env: Some("PORT".into()) },
                Confidence::High,
                at("gunicorn listens on 8000, or on `$PORT` when it is set".into()),
            ));
        }
        let value = if matches!(*word, "-p" | "--port" | "-b" | "--bind" | "-S" | "--listen") {
            words.get(i + 1).copied()
        } else {
            ["--port=", "--bind=", "-p=", "--listen="].iter().find_map(|p| word.strip_prefix(p))
        };
        if let Some(value) = value {
            let value = value.rsplit(':').next().unwrap_or(value);
            if let Ok(number) = value.parse::<u16>() {
                scan.ports.push((
                    Port { number: Some(number), env: None },
                    Confidence::High,
                    at(format!("command listens on {number}")),
                ));
            }
        }
    }
    scan
}

/// Groups port evidence by number; a variable read without a default is attached to the port it overrides.
///
/// Ports declared by the app's compose files and manifests (`manifest`) rank below code, commands and the
/// Dockerfile: they confirm a port those name (evidence added), or give the number, at low confidence, when those
/// name none (they beat a framework's default). A manifest port that disagrees with the code is the deployment's
/// own choice, usually made through the port variable, and is not reported as another port.
/// Ports that by convention serve HTTPS.
const TLS_PORTS: &[u16] = &[443, 8443];

/// A framework's default port, its evidence, and the variable (with evidence) the framework reads to move it.
type DefaultPort = (u16, Evidence, Option<(String, Evidence)>);

/// `default` is the framework's own port with the variable the framework reads to move it (only that port: a port
/// the code or a command sets explicitly is not moved by it).
fn merge_ports(scan: &Scan, default: Option<DefaultPort>, manifest: &[(u16, Evidence)]) -> Vec<Fact<Port>> {
    // A self URL's port (see `Scan::url_ports`) counts only where nothing stronger names one: it confirms a port
    // named elsewhere, yields to the framework's default, and gives the number when there is neither.
    let mut scan_ports = scan.ports.clone();
    let strong: BTreeSet<u16> = scan.ports.iter().filter_map(|(p, ..)| p.number).collect();
    for (port, ev) in &scan.url_ports {
        if port.number.is_some_and(|n| strong.contains(&n)) || (strong.is_empty() && default.is_none()) {
            scan_ports.push((port.clone(), Confidence::Medium, ev.clone()));
        }
    }
    let mut by_number: BTreeMap<u16, Fact<Port>> = BTreeMap::new();
    let declared_in_code = scan_ports.iter().any(|(p, ..)| p.number.is_some());
    let from_manifests = manifest
        .iter()
        .filter(|_| !declared_in_code)
        .map(|(n, ev)| (Port { number: Some(*n), env: None }, Confidence::Low, ev.clone()));
    let all: Vec<(Port, Confidence, Evidence)> = scan_ports.into_iter().chain(from_manifests).collect();
    for (port, confidence, ev) in &all {
        let Some(number) = port.number else { continue };
        let entry = by_number.entry(number).or_insert_with(|| Fact {
            value: port.clone(),
            evidence: Vec::new(),
            confidence: *confidence,
        });
        if entry.value.env.is_none() {
            entry.value.env = port.env.clone();
        }
        entry.confidence = entry.confidence.max(*confidence);
        if !entry.evidence.contains(ev) {
            entry.evidence.push(ev.clone());
        }
    }
    if declared_in_code {
        for (n, ev) in manifest {
            if let Some(entry) = by_number.get_mut(n)
                && !entry.evidence.contains(ev)
            {
                entry.evidence.push(ev.clone());
            }
        }
    }
    // A TLS port (443, 8443) beside a plain one is the same server's HTTPS listener: in a cluster TLS ends at the
    // ingress, and the container serves the plain port (gotify's `SSL.Port: 443`, off unless enabled).
    if by_number.keys().any(|n| !TLS_PORTS.contains(n)) {
        by_number.retain(|n, _| !TLS_PORTS.contains(n));
    }
    // Several numbers for one app usually mean "code default" plus "Dockerfile EXPOSE" or a dev-only value:
    // keep them all, strongest first, but a variable-backed port wins the env attachment.
    let env_var = scan.port_envs.iter().next();
    let mut ports: Vec<Fact<Port>> = Vec::new();
    if by_number.is_empty() {
        match (env_var, default) {
            // A command that passes `$PORT` to the server overrides the server's own default, and so does code
            // that reads the variable without a fallback: the number is the platform's to choose.
            (Some((name, ev)), default) if scan.command_sets_port || default.is_none() => {
                let detail = format!("{}; no default port", ev.detail);
                let port = Port { number: None, env: Some(name.clone()) };
                ports.push(Fact {
                    value: port,
                    evidence: vec![Evidence { detail, ..ev.clone() }],
                    confidence: Confidence::High,
                });
            }
            (env, Some((number, ev, framework_env))) => {
                let mut evidence = vec![ev];
                let env = env.map(|(name, ev)| (name.clone(), ev.clone())).or(framework_env).map(|(name, ev)| {
                    evidence.push(ev);
                    name
                });
                let port = Port { number: Some(number), env };
                ports.push(Fact { value: port, evidence, confidence: Confidence::Low });
            }
            (None, None) => {}
            (Some(_), None) => unreachable!("handled by the first arm"),
        }
    } else if let Some((name, ev)) = env_var
        && by_number.values().all(|p| p.value.env.is_none())
        && let Some(best) = by_number.values_mut().max_by_key(|p| p.confidence)
    {
        best.value.env = Some(name.clone());
        best.evidence.push(ev.clone());
    }
    ports.extend(by_number.into_values());
    // The code that reads the variable is evidence too, wherever the number came from.
    for p in &mut ports {
        if let Some(ev) = p.value.env.as_ref().and_then(|name| scan.port_envs.get(name))
            && !p.evidence.iter().any(|e| e.file == ev.file && e.line == ev.line)
        {
            p.evidence.push(ev.clone());
        }
    }
    for p in &mut ports {
        p.evidence.sort();
    }
    ports
}

/// Manifests that make a folder a project of its own.
const PROJECT_MANIFESTS: &[&str] = &[
    "package.json",
    "Cargo.toml",
    "pyproject.toml",
    "requirements.txt",
    "Pipfile",
    "setup.py",
    "go.mod",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "composer.json",
    "Gemfile",
];

/// Every folder holding a project manifest, so that a service's sources can leave out nested projects.
pub fn project_dirs(tree: &Tree) -> Vec<String> {
    let set: BTreeSet<String> = tree
        .files
        .iter()
        .filter(|p| {
            let name = file_name(p);
            PROJECT_MANIFESTS.contains(&name) || name.ends_with(".csproj") || name.ends_with(".fsproj")
        })
        .map(|p| parent(p).to_string())
        .collect();
    set.into_iter().collect()
}
