//! Line scanners shared by every language: environment reads, listening ports, health routes, connection URLs and
//! writable paths.
//!
//! These are deliberately textual. A real parser per language would be more exact but would cost a dependency per
//! ecosystem; the patterns below are the idioms that apps actually use, and each hit keeps its file and line so a
//! wrong guess is easy to see and override.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Confidence, Evidence, Port};
use crate::walk::file_name;

/// How environment variables are read, per language: the text before the name, and whether the name is quoted.
const ENV_READS: &[(&str, bool)] = &[
    ("process.env.", false),
    ("import.meta.env.", false),
    ("process.env[", true),
    ("os.environ[", true),
    ("os.environ.get(", true),
    ("os.getenv(", true),
    ("env.str(", true),
    ("env.int(", true),
    ("env.bool(", true),
    ("env.list(", true),
    ("os.Getenv(", true),
    ("os.LookupEnv(", true),
    ("env::var(", true),
    ("env::var_os(", true),
    ("System.getenv(", true),
    ("System.getenv().getOrDefault(", true),
    ("System.getenv().get(", true),
    ("GetEnvironmentVariable(", true),
    ("getenv(", true),
    ("$_ENV[", true),
    ("$_SERVER[", true),
    ("ENV[", true),
    ("ENV.fetch(", true),
    ("env(", true),
];

/// Calls and settings that bind a listening socket or configure its port.
const LISTEN_TOKENS: &[&str] = &[
    ".listen(",
    "ListenAndServe(",
    "ListenAndServeTLS(",
    ".Run(\"",
    ".Start(\"",
    ".Listen(\"",
    ".run(",
    "uvicorn.run(",
    "TcpListener::bind(",
    ".bind(",
    "set :port",
    "php -S",
    "--port",
    "--bind",
    "-b ",
    "-p ",
    "UseUrls(",
    "runserver",
    "SocketAddr::from(",
    "HttpServer.create(",
];

/// Ports that belong to backing services: a `port: 5432` in a config file is the database's, not the app's.
const BACKING_PORTS: &[u16] = &[5432, 3306, 6379, 27017, 5672, 15672, 9092, 9200, 9300, 11211, 9000, 25, 587, 465];

/// Variable-name prefixes of backing services' settings, so `REDIS_PORT` is not taken for the app's port.
const BACKING_PREFIXES: &[(&str, &str)] = &[
    ("DATABASE", ""),
    ("DB_", ""),
    ("POSTGRES", "postgres"),
    ("PG", "postgres"),
    ("MYSQL", "mysql"),
    ("MARIADB", "mysql"),
    ("REDIS", "redis"),
    ("MONGO", "mongodb"),
    ("RABBITMQ", "rabbitmq"),
    ("AMQP", "rabbitmq"),
    ("KAFKA", "kafka"),
    ("ELASTICSEARCH", "elasticsearch"),
    ("OPENSEARCH", "elasticsearch"),
    ("ES_", ""),
    ("S3_", "s3"),
    ("AWS_S3", "s3"),
    ("MINIO", "s3"),
    ("SMTP", ""),
    ("MAIL", ""),
    ("CELERY_BROKER", ""),
    ("MEMCACHE", "memcached"),
    ("FTP", ""),
    ("LDAP", ""),
    ("STATSD", ""),
    ("OTEL", ""),
    ("JAEGER", ""),
    ("ZIPKIN", ""),
    ("CONSUL", ""),
    ("VAULT", ""),
    ("NATS", ""),
    ("ZOOKEEPER", ""),
    ("CASSANDRA", ""),
    ("INFLUX", ""),
    ("CLICKHOUSE", ""),
    ("MSSQL", "sqlserver"),
    ("SQLSERVER", "sqlserver"),
    ("ORACLE", ""),
    ("SSH", ""),
    ("PROXY", ""),
];

/// Connection URL schemes and driver names that identify a backing service.
const URL_SCHEMES: &[(&str, &str)] = &[
    ("postgres://", "postgres"),
    ("postgresql://", "postgres"),
    ("postgresql+", "postgres"),
    ("django.db.backends.postgresql", "postgres"),
    ("mysql://", "mysql"),
    ("mysql+", "mysql"),
    ("mariadb://", "mysql"),
    ("django.db.backends.mysql", "mysql"),
    ("jdbc:postgresql:", "postgres"),
    ("jdbc:mysql:", "mysql"),
    ("jdbc:mariadb:", "mysql"),
    ("redis://", "redis"),
    ("rediss://", "redis"),
    ("mongodb://", "mongodb"),
    ("mongodb+srv://", "mongodb"),
    ("amqp://", "rabbitmq"),
    ("amqps://", "rabbitmq"),
    ("jdbc:sqlserver:", "sqlserver"),
    ("mssql://", "sqlserver"),
    ("mssql+", "sqlserver"),
    ("memcached://", "memcached"),
    ("memcache://", "memcached"),
];

/// Settings that select a driver by name (Laravel's `DB_CONNECTION=mysql`, `CACHE_DRIVER=redis`): the value names the
/// service the default configuration connects to.
const DRIVER_KEYS: &[&str] = &[
    "DB_CONNECTION",
    "DB_DRIVER",
    "DATABASE_DRIVER",
    "DB_ENGINE",
    "CACHE_DRIVER",
    "CACHE_STORE",
    "QUEUE_CONNECTION",
    "QUEUE_DRIVER",
    "SESSION_DRIVER",
    "BROADCAST_DRIVER",
    "BROADCAST_CONNECTION",
];

/// The service a driver name selects, or `Some("")` for an embedded database (SQLite).
fn driver_service(value: &str) -> Option<&'static str> {
    Some(match value.to_ascii_lowercase().as_str() {
        "mysql" | "mariadb" => "mysql",
        "pgsql" | "postgres" | "postgresql" => "postgres",
        "sqlsrv" | "sqlserver" | "mssql" => "sqlserver",
        "redis" => "redis",
        "memcached" => "memcached",
        "sqlite" | "sqlite3" => "",
        _ => return None,
    })
}

/// Connection strings only SQL Server's drivers use (ADO.NET keywords), lowercased.
const SQLSERVER_MARKERS: &[&str] = &["initial catalog=", "(localdb)", "integrated security=", "trusted_connection="];

/// Files whose settings apply to one non-default environment (a Spring profile, a Rails or ASP.NET development or test
/// environment, a test dotenv): a connection named only there leaves the service optional.
pub fn is_profile_file(path: &str) -> bool {
    let name = file_name(path).to_ascii_lowercase();
    let spring_profile = ["application-", "bootstrap-"].iter().any(|p| name.starts_with(p))
        && [".properties", ".yml", ".yaml"].iter().any(|e| name.ends_with(e));
    let aspnet_dev = name.starts_with("appsettings.development");
    let rails_env = path.contains("config/environments/") && (name == "development.rb" || name == "test.rb");
    let test_env = [".env.test", ".env.testing", ".env.ci", "test.py", "test_settings.py", "settings_test.py"]
        .iter()
        .any(|n| name == *n || name.starts_with(&format!("{n}.")));
    // Tests, scripts and benchmarks connect to whatever they test against; Laravel's config files list every driver
    // the framework supports, each with its default host, whichever one the app selects.
    let auxiliary = path.split('/').rev().skip(1).any(|dir| {
        matches!(
            dir.to_ascii_lowercase().as_str(),
            "test"
                | "tests"
                | "spec"
                | "__tests__"
                | "e2e"
                | "script"
                | "scripts"
                | "perf_scripts"
                | "tools"
                | "bench"
                | "benches"
                | "benchmarks"
                | "examples"
                | "fixtures"
        )
    });
    let laravel_driver_table = path.starts_with("config/")
        && ["cache.php", "database.php", "queue.php", "session.php", "filesystems.php", "broadcasting.php"]
            .contains(&name.as_str());
    spring_profile || aspnet_dev || rails_env || test_env || auxiliary || laravel_driver_table
}

/// Whether a variable names where a service is (`REDIS_URL`, `DB_HOST`, `MEMCACHED_SERVERS`), so a default for it is
/// a default connection; a default for `AWS_S3_SIGNATURE_VERSION` or `REDIS_PREFIX` is not.
fn names_connection(var: &str) -> bool {
    ["_URL", "_URI", "_DSN", "_HOST", "_HOSTS", "_SERVER", "_SERVERS", "_ADDR", "_ADDRESS", "_ENDPOINT", "_BROKER"]
        .iter()
        .any(|suffix| var.ends_with(suffix))
}

/// What the scanners found in a set of files.
#[derive(Debug, Default)]
pub struct Scan {
    /// First read of each variable.
    pub env_vars: BTreeMap<String, Evidence>,
    pub ports: Vec<(Port, Confidence, Evidence)>,
    /// Ports in a URL the app builds to reach itself (`http://localhost:${PORT ?? 3001}`, a server-side base URL):
    /// what the app expects, not what it binds, so the framework's production default outranks them.
    pub url_ports: Vec<(Port, Evidence)>,
    /// Port variables read without a default in the same place (the number comes from elsewhere).
    pub port_envs: BTreeMap<String, Evidence>,
    /// The start command passes a port variable to the server, so the server's default port does not apply.
    pub command_sets_port: bool,
    /// Health routes with a rank (lower is a better liveness endpoint).
    pub health: Vec<(u8, String, Evidence)>,
    pub readiness: Vec<(String, Evidence)>,
    /// Backing services the default configuration connects to: a connection URL, a driver selected by a setting, a
    /// variable read with a default or declared with a value in a dotenv example.
    pub backing: BTreeMap<String, Evidence>,
    /// Backing services only named: a variable read without a default, a setting with an empty example value, a
    /// connection in a non-default profile. Alone, these leave the service optional.
    pub backing_mentions: BTreeMap<String, Evidence>,
    /// An embedded database (SQLite, H2) as the default connection, so a server SQL driver is for another profile.
    pub embedded_db: Option<Evidence>,
    pub writable: BTreeMap<String, Evidence>,
}

impl Scan {
    /// Records a backing service: as a default connection, or as a mention when `connects` is false.
    fn backing_seen(&mut self, service: &str, connects: bool, ev: Evidence) {
        if service.is_empty() {
            return;
        }
        let map = if connects { &mut self.backing } else { &mut self.backing_mentions };
        map.entry(service.to_string()).or_insert(ev);
    }
}

/// Lines with their 1-based numbers, without comment-only lines (`//`, `#` but not `#[`, `/*`, `*`, `--`).
pub fn code_lines(text: &str) -> impl Iterator<Item = (u32, &str)> {
    text.lines().enumerate().filter_map(|(i, line)| {
        let t = line.trim_start();
        let comment = t.starts_with("//")
            || (t.starts_with('#') && !t.starts_with("#["))
            || t.starts_with("/*")
            || t.starts_with("* ")
            || t == "*"
            || t.starts_with("<!--");
        (!comment).then_some((i as u32 + 1, line))
    })
}

/// The contents of string literals on a line ('', "", ``), without escapes resolved.
pub fn literals(line: &str) -> Vec<&str> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let q = bytes[i];
        if q == b'"' || q == b'\'' || q == b'`' {
            // A quote after a letter is an apostrophe (Rust lifetimes, English), not a literal.
            if q == b'\'' && i > 0 && bytes[i - 1].is_ascii_alphanumeric() {
                i += 1;
                continue;
            }
            let start = i + 1;
            let mut j = start;
            while j < bytes.len() && bytes[j] != q {
                if bytes[j] == b'\\' {
                    j += 1;
                }
                j += 1;
            }
            if j >= bytes.len() {
                break;
            }
            out.push(&line[start..j]);
            i = j + 1;
        } else {
            i += 1;
        }
    }
    out
}

/// Whether byte offset `at` of `line` lies inside a string literal (an odd number of unescaped `"` before it),
/// so code that generates code is not taken for code that runs.
pub fn in_string(line: &str, at: usize) -> bool {
    let bytes = &line.as_bytes()[..at];
    let mut quotes = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'"' => quotes += 1,
            _ => {}
        }
        i += 1;
    }
    quotes % 2 == 1
}

/// PHP's `$_SERVER` holds the request as well as the environment: the CGI meta-variables (RFC 3875) and what Apache
/// and PHP add describe the request being served, never a setting the deployment provides.
fn is_request_meta_variable(name: &str) -> bool {
    const PREFIXES: &[&str] = &["HTTP_", "REQUEST_", "SERVER_", "REMOTE_", "SCRIPT_", "PHP_", "CONTEXT_", "REDIRECT_"];
    const NAMES: &[&str] = &[
        "QUERY_STRING",
        "DOCUMENT_ROOT",
        "DOCUMENT_URI",
        "CONTENT_TYPE",
        "CONTENT_LENGTH",
        "PATH_INFO",
        "ORIG_PATH_INFO",
        "PATH_TRANSLATED",
        "HTTPS",
        "GATEWAY_INTERFACE",
        "AUTH_TYPE",
        "UNIQUE_ID",
    ];
    NAMES.contains(&name) || PREFIXES.iter().any(|p| name.starts_with(p))
}

pub fn is_env_name(name: &str) -> bool {
    name.len() >= 2
        && name.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit()
        && name.bytes().any(|b| b.is_ascii_uppercase())
}

/// Environment variable names read on `line`, with the byte offset after each name.
pub fn env_reads(line: &str, config_file: bool) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut push = |name: &str, end: usize| {
        if is_env_name(name) && !out.iter().any(|(n, _): &(String, usize)| n == name) {
            out.push((name.to_string(), end));
        }
    };
    for (prefix, quoted) in ENV_READS {
        let mut from = 0;
        while let Some(pos) = line[from..].find(prefix) {
            let start = from + pos + prefix.len();
            from = start;
            // Code that writes code (templates, generators, tests of this scanner) is not a read.
            if in_string(line, start - prefix.len()) {
                continue;
            }
            let rest = &line[start..];
            if *quoted {
                let rest_trim = rest.trim_start();
                let skipped = rest.len() - rest_trim.len();
                let Some(q) = rest_trim.chars().next().filter(|c| matches!(c, '"' | '\'' | '`')) else { continue };
                if let Some(end) = rest_trim[1..].find(q) {
                    let name = &rest_trim[1..1 + end];
                    if *prefix == "$_SERVER[" && is_request_meta_variable(name) {
                        continue;
                    }
                    push(name, start + skipped + end + 2);
                }
            } else {
                let len = rest.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
                push(&rest[..len], start + len);
            }
        }
    }
    if config_file {
        // Spring and similar config files: `${NAME}` or `${NAME:default}`.
        let mut from = 0;
        while let Some(pos) = line[from..].find("${") {
            let start = from + pos + 2;
            from = start;
            let len = line[start..].bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
            push(&line[start..start + len], start + len);
        }
    }
    out
}

/// Whether a variable configures the app's own port rather than a backing service's.
pub fn is_app_port_var(name: &str) -> bool {
    // An allow-list rather than "anything ending in _PORT": apps read the ports of many other things (log
    // shippers, mail, caches) under names like PAPERTRAIL_PORT.
    const OWN: &[&str] = &[
        "HTTP", "HTTPS", "APP", "SERVER", "WEB", "API", "LISTEN", "SERVICE", "BIND", "PUBLIC", "NODE", "FLASK",
        "DJANGO", "UVICORN", "GUNICORN", "RAILS", "PUMA", "NEXT", "BACKEND", "FRONTEND", "ADMIN", "GRPC",
    ];
    if name == "PORT" || name == "ASPNETCORE_HTTP_PORTS" || name.ends_with("_HTTP_PORT") {
        return true;
    }
    name.strip_suffix("_PORT").is_some_and(|prefix| OWN.contains(&prefix))
}

/// The backing service a variable name points at, if any.
pub fn backing_for_env(name: &str) -> Option<&'static str> {
    BACKING_PREFIXES.iter().find(|(prefix, _)| name.starts_with(prefix)).map(|(_, s)| *s).filter(|s| !s.is_empty())
}

/// Integer literals on `text` that can be ports: not part of a dotted number (an IP address or a version) and not
/// glued to letters.
pub fn port_numbers(text: &str) -> Vec<u16> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let before = start.checked_sub(1).map(|j| bytes[j]);
            let after = bytes.get(i).copied();
            let glued = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphabetic() || b == b'.' || b == b'_');
            if !glued(before)
                && !glued(after)
                && i - start <= 5
                && let Ok(n) = text[start..i].parse::<u16>()
                && n > 0
            {
                out.push(n);
            }
        } else {
            i += 1;
        }
    }
    out
}

/// A port number assigned on a line: `port = 3000`, `PORT := "8080"`, `port: 3000`, `server.port=8081`.
fn assigned_port(line: &str) -> Option<u16> {
    let lower = line.to_ascii_lowercase();
    let pos = lower.find("port")?;
    let rest = lower[pos + 4..].trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
    let rest = rest.trim_start();
    let rest = rest.strip_prefix(":=").or_else(|| rest.strip_prefix('=')).or_else(|| rest.strip_prefix(':'))?;
    let rest = rest.trim_start().trim_start_matches(['"', '\'']);
    let n = port_numbers(rest).into_iter().next()?;
    // Only a literal right after the `=`: `port = int(os.getenv(...))` is handled by the env rule.
    rest.starts_with(|c: char| c.is_ascii_digit()).then_some(n)
}

/// The port variable a constant names, for code that reads the environment through constants (gotify's
/// `EnvServerPort = "GOTIFY_SERVER_PORT"`, a `PORT_ENV = "SHOP_HTTP_PORT"` setting): the constant's name says it
/// holds a variable's name (`env`, `var`) or a port's, and its value is the app's own port variable: one the
/// scanner knows, or `<APP>_<SERVER|HTTP|APP|API|WEB|LISTEN>_PORT` naming no TLS or other service's port.
fn port_variable_constant(line: &str) -> Option<String> {
    let (name, value) = line.split_once(":=").or_else(|| line.split_once('='))?;
    let ident = name.trim().rsplit([' ', '\t', '.']).next()?.to_ascii_lowercase();
    if ident.is_empty() || !["env", "var", "port"].iter().any(|w| ident.contains(w)) {
        return None;
    }
    let value = value.trim().trim_end_matches([',', ';']).trim();
    let var = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))?;
    if !is_env_name(var) || !var.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_') {
        return None;
    }
    let segments: Vec<&str> = var.split('_').collect();
    let own = segments.len() >= 3
        && segments.last() == Some(&"PORT")
        && ["SERVER", "HTTP", "APP", "API", "WEB", "LISTEN"].contains(&segments[segments.len() - 2])
        && !segments.iter().any(|s| {
            matches!(*s, "SSL" | "TLS" | "HTTPS" | "SMTP" | "MAIL" | "DB" | "DATABASE" | "REDIS" | "METRICS" | "ADMIN")
        });
    (is_app_port_var(var) || own).then(|| var.to_string())
}

/// A listen address literal such as `"0.0.0.0:8080"` or `":8080"` on a line that names an address
/// (`const BIND: &str = "0.0.0.0:8080"`, `addr := ":3000"`).
fn address_literal(line: &str) -> Option<u16> {
    // The naming word must be code (`BIND =`, `addr :=`), not text inside the literal (`"localhost:4000"`).
    let mut code = line.to_ascii_lowercase();
    for lit in literals(line) {
        code = code.replace(&lit.to_ascii_lowercase(), "");
    }
    if !["bind", "addr", "listen", "serve", "host"].iter().any(|w| code.contains(w)) {
        return None;
    }
    // An address the app gives a peer or calls out to is not one it listens on: gin's `RemoteAddr =
    // "127.0.0.1:65535"` for a unix-socket client, an `UPSTREAM_ADDR`, a proxy's target.
    if ["remote", "client", "peer", "upstream", "proxy", "target", "redirect", "dial"].iter().any(|w| code.contains(w))
    {
        return None;
    }
    literals(line).into_iter().find_map(|lit| {
        let (host, port) = lit.rsplit_once(':')?;
        let local = matches!(host, "" | "0.0.0.0" | "127.0.0.1" | "localhost" | "[::]" | "::" | "*" | "+");
        let number = port.parse::<u16>().ok().filter(|n| *n > 0)?;
        (local && !BACKING_PORTS.contains(&number)).then_some(number)
    })
}

/// Classifies a route literal: Some(true) for a liveness path, Some(false) for readiness.
fn health_route(literal: &str) -> Option<(bool, u8, String)> {
    // Module paths (`./routes/health`, `github.com/x/health`) and file names are not routes.
    if literal.is_empty()
        || literal.len() > 40
        || literal.starts_with('.')
        || literal.contains([' ', '$', '{', '<', ':', '*', '?', '.', '\\'])
    {
        return None;
    }
    let path = if literal.starts_with('/') { literal.to_string() } else { format!("/{literal}") };
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("").to_ascii_lowercase();
    let rank = match last.as_str() {
        "health" | "healthz" | "healthcheck" | "health-check" | "health_check" | "_health" | "livez" | "liveness" => 0,
        "up" => 1,
        "ping" => 2,
        "status" if path == "/status" => 3,
        "ready" | "readyz" | "readiness" => return Some((false, 0, path)),
        _ => return None,
    };
    Some((true, rank, path))
}

/// Calls, decorators, attributes and keywords that register a route, lowercased, across frameworks: Express,
/// Fastify, Flask, FastAPI, Django, Gin, Echo, Fiber, chi, net/http, gorilla/mux, axum, actix-web, Rocket, Spring,
/// ASP.NET Core, NestJS, Laravel, Slim, Symfony, Sinatra, Rails and the JDK's HttpServer (`createContext`).
const ROUTE_CALLS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "head",
    "options",
    "all",
    "any",
    "route",
    "handle",
    "handlefunc",
    "handler",
    "map",
    "mapget",
    "mapmethods",
    "maphealthchecks",
    "usehealthchecks",
    "match",
    "path",
    "re_path",
    "url",
    "add_url_rule",
    "add_api_route",
    "api_route",
    "getmapping",
    "requestmapping",
    "httpget",
    "resource",
    "scope",
    "health",
    "createcontext",
];

/// Whether the literal at byte `at` of `line` is the path a route is registered on: an argument of a route call
/// (`app.get("/health", ...)`, `#[get("/health")]`, `g.Match([]string{"GET"}, "/health", h)`), the word after a
/// route keyword (`get '/health' do`, `get "up" => ...`), a `health:` argument (Laravel's `withRouting`), or the
/// `url`/`path` of a route object (`fastify.route({ url: '/health' })`). A path named anywhere else (a logger's
/// silenced paths, a setting, a probe URL, an event name) is no route the app serves.
fn is_route_argument(lines: &[(u32, &str)], idx: usize, line: &str, at: usize) -> bool {
    let before = &line[..at.saturating_sub(1)];
    let ident = |text: &str| -> String {
        let text = text.trim_end();
        let start = text.rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).map_or(0, |i| i + 1);
        text[start..].to_ascii_lowercase()
    };
    // `get '/health' do`, `get "up" => ...`: the keyword right before the literal, starting the statement.
    let trimmed = before.trim_end();
    if trimmed.len() < before.len() {
        let word = ident(trimmed);
        let head = trimmed[..trimmed.len() - word.len()].trim();
        if ROUTE_CALLS.contains(&word.as_str()) && (head.is_empty() || head.ends_with(['.', '@'])) {
            return true;
        }
    }
    // A named argument or object key right before the literal.
    let key = trimmed.strip_suffix(':').or_else(|| trimmed.strip_suffix('=')).map(ident);
    if key.as_deref() == Some("health") {
        return true;
    }
    let object_path = matches!(key.as_deref(), Some("url" | "path" | "value"));
    // The call the literal is an argument of: the first unmatched `(` before it, skipping `{`/`[` groups.
    let mut depth = 0i32;
    for (i, c) in before.char_indices().rev() {
        match c {
            ')' | ']' | '}' => depth += 1,
            '[' | '{' if depth > 0 => depth -= 1,
            '[' | '{' => {}
            '(' if depth > 0 => depth -= 1,
            '(' => {
                let name = ident(&before[..i]);
                return ROUTE_CALLS.contains(&name.as_str())
                    || (object_path && (name == "route" || name.ends_with("mapping")));
            }
            _ => {}
        }
    }
    // `url: '/health'` on its own line inside a multi-line `route({ ... })`.
    object_path && lines[idx.saturating_sub(5)..idx].iter().any(|(_, l)| l.contains("route("))
}

/// Whether the literal at byte `at` (of `len` bytes) is a path the app's own dispatch compares the request path
/// with, the way servers without a framework route: a match arm (`"/healthz" => ...`, `"/a" | "/health" =>` in
/// Rust), a switch case (`case "/health":` in Go and JavaScript), or an equality test on the request's URL or path
/// (`if (req.url === '/health')`, `if r.URL.Path == "/health"`). Only absolute paths count.
fn is_path_dispatch(line: &str, at: usize, len: usize) -> bool {
    if !line[at..].starts_with('/') {
        return false;
    }
    let before = line[..at.saturating_sub(1)].trim_end();
    let after = line.get(at + len + 1..).unwrap_or("").trim_start();
    if after.starts_with("=>") && !after.starts_with("=>>") && (before.is_empty() || before.ends_with('|')) {
        return true;
    }
    if after.starts_with(':') && (before == "case" || before.ends_with(" case") || before.ends_with("\tcase")) {
        return true;
    }
    let code = before.to_ascii_lowercase();
    (code.ends_with("==") || code.ends_with("==="))
        && ["url", "path", "pathname"].iter().any(|w| code.trim_end_matches('=').trim_end().ends_with(w))
}

/// Scans `files` (path, text) for everything above.
pub fn scan<'a>(files: impl Iterator<Item = (&'a str, &'a str)>) -> Scan {
    let mut scan = Scan::default();
    let files: Vec<(&str, &str)> = files.collect();
    for (path, text) in &files {
        scan_file(&mut scan, path, text);
    }
    // Routes of a router file mounted under a prefix elsewhere (`app.use('/api', require('./routes/health'))`,
    // `app.include_router(health.router, prefix="/api")`, `path("api/", include("status.urls"))`).
    let mut mounts = js_mounts(&files);
    let mut replacing = BTreeSet::new();
    mounts.extend(py_mounts(&files, &mut replacing));
    let mounts = chain_mounts(mounts);
    // A blueprint registered with its own `url_prefix`: its routes lose the prefix its file declared.
    for file in &replacing {
        let Some(text) = files.iter().find(|(p, _)| p == file).map(|(_, t)| *t) else { continue };
        let own: Vec<String> =
            router_assignments(&code_lines(text).collect::<Vec<_>>()).into_iter().map(|(_, p)| p).collect();
        for (_, route, _) in scan.health.iter_mut().filter(|(_, _, ev)| &ev.file == file) {
            if let Some(rest) = own.iter().find_map(|p| route.strip_prefix(p.as_str())) {
                *route = rest.to_string();
            }
        }
        for (route, _) in scan.readiness.iter_mut().filter(|(_, ev)| &ev.file == file) {
            if let Some(rest) = own.iter().find_map(|p| route.strip_prefix(p.as_str())) {
                *route = rest.to_string();
            }
        }
    }
    let unknown = |file: &str| mounts.get(file).is_some_and(|p| p == UNKNOWN_PREFIX);
    scan.health.retain(|(_, _, ev)| !unknown(&ev.file));
    scan.readiness.retain(|(_, ev)| !unknown(&ev.file));
    for (_, route, ev) in scan.health.iter_mut() {
        if let Some(prefix) = mounts.get(&ev.file).filter(|p| !p.is_empty()) {
            *route = format!("{prefix}{route}");
            ev.detail = format!("route `{route}` (router mounted at `{prefix}`)");
        }
    }
    for (route, ev) in scan.readiness.iter_mut() {
        if let Some(prefix) = mounts.get(&ev.file) {
            *route = format!("{prefix}{route}");
        }
    }
    scan.health.sort();
    scan.health.dedup_by(|a, b| a.1 == b.1);
    scan.readiness.sort();
    scan.readiness.dedup_by(|a, b| a.0 == b.0);
    scan
}

fn scan_file(scan: &mut Scan, path: &str, text: &str) {
    let name = file_name(path);
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    let config_file = matches!(ext, "properties" | "yml" | "yaml" | "toml");
    // `.env.example`, and the samples of a `.env/` folder (`.env/.dev-sample`) that compose files load.
    let dotenv = name.starts_with(".env") || path.starts_with(".env/") || path.contains("/.env/");
    let profile = is_profile_file(path);
    if dotenv {
        scan_dotenv(scan, path, text, profile);
        return;
    }
    let mut lines: Vec<(u32, &str)> = code_lines(text).collect();
    // Rust unit tests live at the end of source files; their ports and routes are fixtures, not the app's.
    if ext == "rs"
        && let Some(cut) = lines.iter().position(|(_, l)| l.trim() == "#[cfg(test)]")
    {
        lines.truncate(cut);
    }
    let router_prefixes = router_prefixes(&lines);
    let dev_server_config = ["vite.config.", "webpack.config.", "vue.config.", "angular.json", "nodemon.json"]
        .iter()
        .any(|p| name.starts_with(p));
    for (idx, &(n, line)) in lines.iter().enumerate() {
        let ev = |detail: String| Evidence::new(path, Some(n), detail);
        if ext == "prisma" {
            scan_prisma(scan, path, n, line);
        }
        let reads = env_reads(line, config_file);
        // A bundler's dev-server settings (`server: { port: 3001 }` in vite.config) apply to development only: the
        // production server's own port outranks them, so they are no port evidence.
        let mut port_on_line = dev_server_config;
        for (var, end) in &reads {
            scan.env_vars.entry(var.clone()).or_insert_with(|| ev(format!("reads `{var}`")));
            if let Some(service) = backing_for_env(var) {
                // `os.environ.get('REDIS_URL') or 'redis://'` connects by default; a bare read waits for a setting.
                let default = names_connection(var) && !literals(&line[*end..]).is_empty();
                let detail = if default { format!("reads `{var}` with a default") } else { format!("reads `{var}`") };
                scan.backing_seen(service, default && !profile, ev(detail));
            }
            if is_app_port_var(var) {
                // The default is on the same line (`|| 3000`, `, 5000)`, `{ 3000 }`) or, in Go, a few lines below.
                let same_line = port_numbers(&line[*end..]).into_iter().next();
                let below = || {
                    lines[idx + 1..lines.len().min(idx + 4)]
                        .iter()
                        .find_map(|(m, l)| assigned_port(l).map(|p| (*m, p)).filter(|_| l.contains('=')))
                };
                // Read inside a URL literal (`\`http://localhost:${process.env.PORT ?? 3001}\``): a self URL.
                let in_url = line[..*end].rfind("://").is_some_and(|i| !line[i..*end].contains(['"', '\'', ' ']));
                if let Some(number) = same_line.filter(|_| in_url) {
                    let detail = format!("self URL with `{var}`, default {number}");
                    scan.url_ports.push((Port { number: Some(number), env: Some(var.clone()) }, ev(detail)));
                    port_on_line = true;
                } else if let Some(number) = same_line {
                    scan.ports.push((
                        Port { number: Some(number), env: Some(var.clone()) },
                        Confidence::High,
                        ev(format!("`{var}` with default {number}")),
                    ));
                    port_on_line = true;
                } else if let Some((m, number)) = below() {
                    scan.ports.push((
                        Port { number: Some(number), env: Some(var.clone()) },
                        Confidence::High,
                        Evidence::new(path, Some(m), format!("default {number} when `{var}` is unset")),
                    ));
                    port_on_line = true;
                } else {
                    scan.port_envs.entry(var.clone()).or_insert_with(|| ev(format!("port from `{var}`")));
                    port_on_line = true;
                }
            }
        }
        if !port_on_line && let Some(token) = LISTEN_TOKENS.iter().find(|t| line.contains(*t)) {
            let after = &line[line.find(token).unwrap_or(0)..];
            // The last number on a listen line is the port: `bind(("0.0.0.0", 8080))`, `listen(3000, cb)`.
            let numbers = port_numbers(after);
            let number = if token.starts_with(".listen(") || token.starts_with(".run(") {
                numbers.first().copied()
            } else {
                numbers.last().copied()
            };
            if let Some(number) = number.filter(|n| *n >= 80) {
                let detail = format!("listens on {number}");
                scan.ports.push((Port { number: Some(number), env: None }, Confidence::High, ev(detail)));
                port_on_line = true;
            }
        }
        if let Some(var) = port_variable_constant(line) {
            scan.port_envs.entry(var.clone()).or_insert_with(|| ev(format!("names the port variable `{var}`")));
        }
        if !port_on_line && let Some(number) = address_literal(line) {
            scan.ports.push((
                Port { number: Some(number), env: None },
                Confidence::Medium,
                ev(format!("listen address with port {number}")),
            ));
            port_on_line = true;
        }
        if !port_on_line && let Some(number) = assigned_port(line).filter(|n| !BACKING_PORTS.contains(n) && *n >= 80) {
            scan.ports.push((
                Port { number: Some(number), env: None },
                Confidence::Medium,
                ev(format!("port set to {number}")),
            ));
        }
        if line.contains("mem_cache_store") || line.contains("backends.memcached") {
            scan.backing_seen("memcached", !profile, ev("memcached cache store".into()));
        }
        if line.contains("UseSqlServer(") {
            scan.backing_seen("sqlserver", !profile, ev("`UseSqlServer`".into()));
        }
        if ext == "properties"
            && !profile
            && scan.embedded_db.is_none()
            && matches!(line.trim().replace(' ', "").as_str(), "database=h2" | "database=hsqldb")
        {
            scan.embedded_db = Some(ev("embedded database (H2)".into()));
        }
        let mut lits = literals(line);
        // YAML route files (Symfony, OpenAPI-ish configs) write paths unquoted: `path: /healthz`.
        // Only in a routes file: elsewhere a `path:` key is a setting, not a route.
        let yaml_route = if config_file && path.contains("route") {
            line.trim().strip_prefix("path:").map(str::trim).filter(|v| v.starts_with('/'))
        } else {
            None
        };
        if let Some(value) = yaml_route {
            lits.push(value);
        }
        // A blueprint's or router's name (`Blueprint("health", ...)`) and OpenAPI tags (`tags=["health"]`, also on
        // a route's own decorator) are not paths.
        let route_line = !["Blueprint(", "APIRouter("].iter().any(|t| line.contains(t));
        let tags: Vec<&str> = line
            .split_once("tags=")
            .map(|(_, rest)| literals(rest.split(']').next().unwrap_or("")))
            .unwrap_or_default();
        for lit in &lits {
            let at = lit.as_ptr() as usize - line.as_ptr() as usize;
            if route_line
                && !tags.contains(lit)
                && (yaml_route == Some(*lit)
                    || is_route_argument(&lines, idx, line, at)
                    || is_path_dispatch(line, at, lit.len()))
                && let Some((live, rank, route)) = health_route(lit)
            {
                let route = format!("{}{route}", route_prefix(&lines, idx, &router_prefixes));
                if live {
                    scan.health.push((rank, route.clone(), ev(format!("route `{route}`"))));
                } else {
                    scan.readiness.push((route.clone(), ev(format!("route `{route}`"))));
                }
            }
            for (scheme, service) in URL_SCHEMES {
                // A bare scheme is a table of schemes (like this one), not a connection string.
                if lit.starts_with(scheme) && lit.len() > scheme.len() {
                    let detail = format!("connection string `{}`", scheme.trim_end_matches([':', '/', '+']));
                    scan.backing_seen(service, !profile, ev(detail));
                }
            }
            let lower = lit.to_ascii_lowercase();
            if SQLSERVER_MARKERS.iter().any(|m| lower.contains(m)) {
                scan.backing_seen("sqlserver", !profile, ev("SQL Server connection string".into()));
            }
            if !profile
                && scan.embedded_db.is_none()
                && (["sqlite:", "jdbc:h2:", "jdbc:sqlite:"].iter().any(|p| lower.starts_with(p))
                    || lower == "sqlite3"
                    || lower == "django.db.backends.sqlite3")
            {
                scan.embedded_db = Some(ev(format!("embedded database `{lit}`")));
            }
            if let Some(dir) = writable_literal(lit, line) {
                scan.writable.entry(dir.clone()).or_insert_with(|| ev(format!("writes to `{dir}`")));
            }
        }
    }
}

/// Routers declared with a prefix in the same file: `router = APIRouter(prefix="/api")`,
/// `bp = Blueprint("x", __name__, url_prefix="/api")`, as (variable, prefix).
fn router_prefixes(lines: &[(u32, &str)]) -> Vec<(String, String)> {
    // NestJS: `@Controller('api')` prefixes every `@Get(...)` of the class (marked with the `@` variable).
    let nest = lines.iter().find_map(|(_, l)| {
        let rest = l.trim().strip_prefix("@Controller(")?;
        let prefix = literals(rest).into_iter().next()?.trim_matches('/').to_string();
        (!prefix.is_empty()).then(|| ("".to_string(), format!("/{prefix}")))
    });
    nest.into_iter().chain(router_assignments(lines)).collect()
}

fn router_assignments(lines: &[(u32, &str)]) -> Vec<(String, String)> {
    lines
        .iter()
        .filter_map(|(_, line)| {
            let (var, rest) = line.split_once('=')?;
            let var = var.trim();
            if !var.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') || var.is_empty() {
                return None;
            }
            let key = ["url_prefix=", "prefix="].iter().find_map(|k| rest.find(k).map(|i| i + k.len()))?;
            let prefix = literals(&rest[key..]).into_iter().next()?.trim_end_matches('/').to_string();
            prefix.starts_with('/').then(|| (var.to_string(), prefix))
        })
        .collect()
}

/// The prefix of a route on line `idx`: its router's declared prefix (`@router.get` with `router` declared with a
/// prefix), or actix-web's enclosing `web::scope("/api")` calls, found by indentation.
fn route_prefix(lines: &[(u32, &str)], idx: usize, routers: &[(String, String)]) -> String {
    let line = lines[idx].1.trim_start();
    for (var, prefix) in routers {
        let nest = var.is_empty() && ["@Get(", "@Head(", "@All("].iter().any(|d| line.starts_with(d));
        if nest || (!var.is_empty() && (line.starts_with(&format!("@{var}.")) || line.starts_with(&format!("{var}."))))
        {
            return prefix.clone();
        }
    }
    if !line.contains("scope(") && !lines[idx.saturating_sub(1)].1.contains("scope(") {
        return String::new();
    }
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut current = indent(lines[idx].1);
    let mut parts = Vec::new();
    for (_, l) in lines[..idx].iter().rev() {
        if l.trim().is_empty() || indent(l) >= current {
            continue;
        }
        current = indent(l);
        if l.contains("scope(")
            && let Some(p) = literals(l).into_iter().next().filter(|p| p.starts_with('/'))
        {
            parts.push(p.trim_end_matches('/').to_string());
        }
        if current == 0 {
            break;
        }
    }
    parts.reverse();
    parts.concat()
}

/// Express-style mounts: for each router file, the path prefix it is mounted under in another file, from
/// `app.use('/api', require('./routes/x'))` or `app.use('/api', x)` with `x` imported from `./routes/x`, with the
/// file that mounts it.
fn js_mounts(files: &[(&str, &str)]) -> BTreeMap<String, (String, String)> {
    let mut mounts = BTreeMap::new();
    let known: Vec<&str> = files.iter().map(|(p, _)| *p).collect();
    for (path, text) in files {
        if !matches!(path.rsplit_once('.').map(|(_, e)| e), Some("js" | "mjs" | "cjs" | "ts" | "mts" | "cts")) {
            continue;
        }
        let dir = crate::walk::parent(path);
        // Local names bound to relative modules: `const x = require('./a')`, `import x from './a'`.
        let mut bindings: Vec<(String, String)> = Vec::new();
        for line in text.lines() {
            let t = line.trim();
            let module = literals(t).into_iter().find(|l| l.starts_with("./") || l.starts_with("../"));
            let Some(module) = module else { continue };
            let name = if let Some(rest) = t.strip_prefix("import ") {
                rest.split(" from").next().map(|n| n.trim().trim_matches(['{', '}', ' ']).to_string())
            } else if t.contains("require(") {
                t.split('=').next().map(|n| {
                    n.trim()
                        .trim_start_matches("const ")
                        .trim_start_matches("let ")
                        .trim_start_matches("var ")
                        .trim()
                        .to_string()
                })
            } else {
                None
            };
            if let Some(name) =
                name.filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$'))
            {
                bindings.push((name, module.to_string()));
            }
        }
        for line in text.lines() {
            let Some(pos) = line.find(".use(") else { continue };
            let args = &line[pos + 5..];
            let lits = literals(args);
            let Some(prefix) = lits.first().filter(|p| p.starts_with('/') && p.len() > 1) else { continue };
            let module =
                lits.iter().find(|l| l.starts_with("./") || l.starts_with("../")).map(|m| m.to_string()).or_else(
                    || {
                        let second = args.split(',').nth(1)?.trim().trim_end_matches([')', ';']).trim();
                        bindings.iter().find(|(n, _)| n == second).map(|(_, m)| m.clone())
                    },
                );
            let Some(module) = module else { continue };
            let base = normalize_path(&crate::walk::join(dir, &module));
            let base = base.trim_end_matches(".js").trim_end_matches(".ts").to_string();
            let candidates =
                ["", ".js", ".ts", ".mjs", ".cjs", "/index.js", "/index.ts"].map(|ext| format!("{base}{ext}"));
            if let Some(file) = candidates.iter().find(|c| known.contains(&c.as_str())) {
                mounts.insert(file.clone(), (prefix.trim_end_matches('/').to_string(), path.to_string()));
            }
        }
    }
    mounts
}

/// A mounted file's full prefix: when the file that mounts it is itself mounted, both prefixes apply
/// (`app.include_router(api_router, prefix="/api")` in main.py, `api_router.include_router(health.router,
/// prefix="/v1")` in api.py). A file's own entry names the file that mounts it.
fn chain_mounts(mounts: BTreeMap<String, (String, String)>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (file, (prefix, by)) in &mounts {
        let mut full = prefix.clone();
        let mut at = by.clone();
        // Bounded: a cycle of includes (a mistake in the app) must not loop.
        for _ in 0..8 {
            let Some((outer, outer_by)) = mounts.get(&at) else { break };
            if outer_by == file {
                break;
            }
            full = format!("{outer}{full}");
            at = outer_by.clone();
        }
        if full.contains(UNKNOWN_PREFIX) {
            full = UNKNOWN_PREFIX.to_string();
        }
        out.insert(file.clone(), full);
    }
    out
}

/// Marks a file mounted under a prefix that cannot be read: its routes are not reported (a path without its
/// prefix would be wrong, and the prefix is not guessed).
const UNKNOWN_PREFIX: &str = "\u{1}unknown";

/// The string a constant is assigned, when the Python files assign it exactly one literal
/// (`API_V1_STR: str = "/api/v1"`).
fn py_constant(files: &[(&str, &str)], name: &str) -> Option<String> {
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    let mut values: Vec<String> = Vec::new();
    for (_, text) in files.iter().filter(|(p, _)| p.ends_with(".py")) {
        for (_, line) in code_lines(text) {
            let Some(rest) = line.trim().strip_prefix(name) else { continue };
            let rest = rest.trim_start();
            // `NAME = "..."` or an annotated `NAME: str = "..."`.
            let rest = match rest.strip_prefix(':') {
                Some(annotated) => annotated.split_once('=').map(|(_, v)| v),
                None => rest.strip_prefix('=').filter(|v| !v.starts_with('=')),
            };
            if let Some(value) = rest.and_then(|v| literals(v.trim()).into_iter().next()) {
                values.push(value.to_string());
            }
        }
    }
    values.sort();
    values.dedup();
    match values.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// The file a Python module path names, searched from `from_dir` up to the app root (source roots differ:
/// `app/`, `src/`, the project folder): `pkg.routers.health` -> `pkg/routers/health.py` or its `__init__.py`.
fn py_module_file(known: &[&str], from_dir: &str, module: &str) -> Option<String> {
    let dots = module.len() - module.trim_start_matches('.').len();
    let rest = module.trim_start_matches('.').replace('.', "/");
    let candidates = |base: &str| {
        let path = if rest.is_empty() { base.to_string() } else { crate::walk::join(base, &rest) };
        [format!("{path}.py"), format!("{path}/__init__.py")]
    };
    if dots > 0 {
        // Relative import: one dot is the importing file's package, each further dot one level up.
        let mut base = from_dir.to_string();
        for _ in 1..dots {
            base = crate::walk::parent(&base).to_string();
        }
        return candidates(&base).into_iter().find(|c| known.contains(&c.as_str()));
    }
    let mut base = from_dir.to_string();
    loop {
        if let Some(found) = candidates(&base).into_iter().find(|c| known.contains(&c.as_str())) {
            return Some(found);
        }
        if base == "." {
            return None;
        }
        base = crate::walk::parent(&base).to_string();
    }
}

/// FastAPI `include_router(x, prefix="/api")`, Flask `register_blueprint(x, url_prefix="/api")` and Django
/// `path("api/", include("app.urls"))`: for each mounted file, (prefix, the file that mounts it).
/// Files whose blueprint's own `url_prefix` is replaced by the registration's are added to `replacing`.
fn py_mounts(files: &[(&str, &str)], replacing: &mut BTreeSet<String>) -> BTreeMap<String, (String, String)> {
    let mut mounts = BTreeMap::new();
    let known: Vec<&str> = files.iter().map(|(p, _)| *p).filter(|p| p.ends_with(".py")).collect();
    for (path, text) in files.iter().filter(|(p, _)| p.ends_with(".py")) {
        let dir = crate::walk::parent(path);
        // Local names bound to modules or to objects of modules: `from .routers import health`,
        // `from app.health import router as health_router`, `import app.health as health`.
        let mut bindings: Vec<(String, String)> = Vec::new();
        for (_, line) in code_lines(text) {
            let t = line.trim();
            if let Some(rest) = t.strip_prefix("from ") {
                let Some((module, names)) = rest.split_once(" import ") else { continue };
                for name in names.trim_matches(['(', ')', ' ']).split(',') {
                    let (orig, local) = match name.trim().split_once(" as ") {
                        Some((o, l)) => (o.trim(), l.trim()),
                        None => (name.trim(), name.trim()),
                    };
                    if orig.is_empty() || orig == "*" {
                        continue;
                    }
                    // `from pkg import mod` binds a module; `from pkg.mod import router` an object of `pkg.mod`.
                    let joined =
                        if module.ends_with('.') { format!("{module}{orig}") } else { format!("{module}.{orig}") };
                    let file = py_module_file(&known, dir, &joined).or_else(|| py_module_file(&known, dir, module));
                    if let Some(file) = file {
                        bindings.push((local.to_string(), file));
                    }
                }
            } else if let Some(rest) = t.strip_prefix("import ") {
                let (module, local) = match rest.split_once(" as ") {
                    Some((m, l)) => (m.trim(), l.trim().to_string()),
                    None => (rest.trim(), rest.trim().to_string()),
                };
                if let Some(file) = py_module_file(&known, dir, module) {
                    bindings.push((local, file));
                }
            }
        }
        for (_, line) in code_lines(text) {
            let t = line.trim();
            let call =
                ["include_router(", "register_blueprint("].iter().find_map(|c| t.find(c).map(|i| &t[i + c.len()..]));
            if let Some(args) = call {
                let target = args.split([',', ')']).next().unwrap_or("").trim();
                // Without a prefix the mount still matters: it links the file into a chain of includes.
                let key = ["url_prefix=", "prefix="].iter().find_map(|k| args.find(k).map(|i| i + k.len()));
                let expr = key.map_or("\"\"", |key| args[key..].split([',', ')']).next().unwrap_or("").trim());
                // A literal, or a constant such as `settings.API_V1_STR` assigned a literal once in the app; any
                // other expression leaves the routes under a prefix nobody can tell.
                let prefix = match literals(expr).into_iter().next() {
                    Some(lit) => Some(lit.to_string()),
                    None => py_constant(files, expr.rsplit('.').next().unwrap_or(expr)),
                };
                let prefix = match prefix {
                    Some(p) if p.starts_with('/') => p.trim_end_matches('/').to_string(),
                    Some(p) if p.is_empty() => String::new(),
                    _ => UNKNOWN_PREFIX.to_string(),
                };
                // `health.router` is the `router` of module `health`; a bare name is bound directly.
                let head = target.split('.').next().unwrap_or(target);
                if let Some((_, file)) = bindings.iter().find(|(n, _)| n == head || n == target) {
                    // Flask's `url_prefix` at registration replaces the blueprint's own; FastAPI's adds to it.
                    if t.contains("register_blueprint(") && args.contains("url_prefix=") {
                        replacing.insert(file.clone());
                    }
                    mounts.entry(file.clone()).or_insert((prefix, path.to_string()));
                }
                continue;
            }
            // Django: the route literal (a raw string for `re_path`) and the included module on one line.
            if let Some(i) = t.find("include(") {
                let unraw = t.replace("(r'", "('").replace("(r\"", "(\"");
                let Some(route) = literals(&unraw).into_iter().next() else { continue };
                let module = literals(&t[i + "include(".len()..]).into_iter().next();
                let Some(file) = module.and_then(|m| py_module_file(&known, dir, m)) else { continue };
                let route = route.trim_start_matches('^').trim_end_matches('$').trim_matches('/');
                let prefix = if route.contains(['<', '(', '?', '\\']) {
                    // A converter or pattern (`<slug:tenant>/`): the included routes have no fixed path.
                    UNKNOWN_PREFIX.to_string()
                } else if route.is_empty() {
                    String::new()
                } else {
                    format!("/{route}")
                };
                mounts.entry(file).or_insert((prefix, path.to_string()));
            }
        }
    }
    mounts
}

/// Resolves `.` and `..` in an app-relative path (a `..` above the root is dropped: the file is then not found).
pub fn normalize_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    if parts.is_empty() { ".".into() } else { parts.join("/") }
}

/// Prisma schemas name the database in the datasource block: `provider = "postgresql"`.
fn scan_prisma(scan: &mut Scan, path: &str, n: u32, line: &str) {
    let t = line.trim();
    if !t.starts_with("provider") {
        return;
    }
    let service = match literals(t).first().copied() {
        Some("postgresql" | "postgres" | "cockroachdb") => "postgres",
        Some("mysql") => "mysql",
        Some("mongodb") => "mongodb",
        _ => return,
    };
    let detail = "Prisma datasource provider".to_string();
    scan.backing_seen(service, true, Evidence::new(path, Some(n), detail));
}

/// `.env.example` and friends: variable names (never values), and the service a connection URL's scheme or a driver
/// setting names. A backing service's variable declared with a value connects by default; with an empty value, or in
/// a test dotenv, it is only named.
fn scan_dotenv(scan: &mut Scan, path: &str, text: &str, profile: bool) {
    for (n, line) in code_lines(text) {
        let line = line.trim().trim_start_matches("export ");
        let Some((name, value)) = line.split_once('=') else { continue };
        env_setting(scan, path, Some(n), name, value, profile);
    }
}

/// One setting of a compose service's `environment`, where it is written.
#[derive(Debug, Clone)]
pub struct Setting {
    pub name: String,
    pub value: String,
    pub file: String,
    pub line: Option<u32>,
    /// Written in a development override file (`compose.override.yaml`), which a production deployment skips.
    pub dev_only: bool,
}

/// The settings a compose service runs with (its `env_file` files, as (path, text, development only), and its
/// `environment`): read like an example environment file, as the configuration the app's own deployment uses.
pub fn compose_env(env_files: &[(&str, &str, bool)], environment: &[Setting]) -> Scan {
    let mut scan = Scan::default();
    for (path, text, dev_only) in env_files {
        scan_dotenv(&mut scan, path, text, *dev_only);
    }
    for s in environment {
        env_setting(&mut scan, &s.file, s.line, &s.name, &s.value, s.dev_only);
    }
    // Only the connections count: the deployment's own port mapping is read from its `ports`, and the variables it
    // sets are not variables the app reads.
    scan.ports.clear();
    scan.env_vars.clear();
    scan
}

/// One `NAME=value` setting of an environment file or a compose service.
fn env_setting(scan: &mut Scan, path: &str, n: Option<u32>, name: &str, value: &str, profile: bool) {
    let name = name.trim();
    if !is_env_name(name) {
        return;
    }
    let ev = |detail: String| Evidence::new(path, n, detail);
    scan.env_vars.entry(name.to_string()).or_insert_with(|| ev(format!("declares `{name}`")));
    // A trailing comment is not the value: `FILE_UPLOAD_STORAGE="local" # s3`.
    let value = value.split(" #").next().unwrap_or("").trim().trim_matches(['"', '\'']);
    if let Some(service) = backing_for_env(name) {
        scan.backing_seen(service, !profile && !value.is_empty(), ev(format!("declares `{name}`")));
    }
    for (scheme, service) in URL_SCHEMES {
        if value.starts_with(scheme) {
            let detail = format!("`{name}` is a `{}` URL", scheme.trim_end_matches([':', '/', '+']));
            scan.backing_seen(service, !profile, ev(detail));
        }
    }
    if DRIVER_KEYS.contains(&name)
        && let Some(service) = driver_service(value)
    {
        if service.is_empty() {
            if !profile && scan.embedded_db.is_none() {
                scan.embedded_db = Some(ev(format!("`{name}` selects SQLite")));
            }
        } else {
            scan.backing_seen(service, !profile, ev(format!("`{name}` selects `{service}`")));
        }
    }
    if is_app_port_var(name)
        && let Some(number) = port_numbers(value).into_iter().next()
    {
        let detail = format!("`{name}` example value {number}");
        scan.ports.push((Port { number: Some(number), env: Some(name.to_string()) }, Confidence::Medium, ev(detail)));
    }
}

/// A literal that names a file or folder the app writes: SQLite files and upload folders.
fn writable_literal(lit: &str, line: &str) -> Option<String> {
    if lit.is_empty() || lit.len() > 100 || lit.contains([' ', '{', '$', '%', '*', '\\', ',']) {
        return None;
    }
    let path = ["sqlite:///", "sqlite://", "sqlite:", "file:"].iter().find_map(|p| lit.strip_prefix(p)).unwrap_or(lit);
    let path = path.trim_start_matches("./");
    if path.is_empty() || path.starts_with('/') && !path.starts_with("/data") && !path.starts_with("/var/") {
        return None;
    }
    let lower = path.to_ascii_lowercase();
    // `db.sqlite3` is a file; `.db` is an extension and `django.db.backends.sqlite3` a module path.
    let name = crate::walk::file_name(&lower);
    let stem_ok = !name.starts_with('.') && name.matches('.').count() == 1;
    if stem_ok && [".db", ".sqlite", ".sqlite3"].iter().any(|e| lower.ends_with(e)) && !lower.contains("://") {
        return Some(path.to_string());
    }
    let last = lower.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let writes = ["mkdir", "makedirs", "upload", "dest", "media_root", "storage", "volume", "os.mkdirall"]
        .iter()
        .any(|t| line.to_ascii_lowercase().contains(t));
    if writes && matches!(last, "uploads" | "upload" | "media" | "data") && !path.contains("://") {
        return Some(path.trim_end_matches('/').to_string());
    }
    None
}
