//! The `[stages.analyze]` table of stowage.toml: which services to keep, and per-service overrides of any fact.
//!
//! ```toml
//! [stages.analyze]
//! only = ["api", "web"]            # keep just these services; the others are listed as skipped
//!
//! [stages.analyze.services.api]    # overrides for a detected service, or a new one when `root` is given
//! root = "services/api"
//! kind = "web"                     # web | worker | job | cli | static
//! port = 8080                      # or ports = [8080, { number = 9090, env = "METRICS_PORT" }]
//! health_path = "/healthz"
//! env_vars = ["DATABASE_URL"]
//! ```
//!
//! Unknown keys are errors that name the key and, when the runner knows it, the file and line that set it.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::AnalyzeError;
use crate::model::{BackingService, Confidence, Evidence, Fact, Kind, Port, Service};

const TOP_KEYS: &[&str] = &["only", "services"];
const STRING_FACTS: &[&str] = &[
    "language",
    "runtime_version",
    "package_manager",
    "lockfile",
    "framework",
    "build_command",
    "start_command",
    "schedule",
    "health_path",
    "readiness_path",
];
const LIST_FACTS: &[&str] = &["env_vars", "backing_services", "writable_paths"];
const OTHER_KEYS: &[&str] = &["root", "build_context", "kind", "port", "ports"];

/// Where an override was written, for its evidence and for error messages.
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    pub file: String,
    pub line: Option<u32>,
}

/// One overridden value, as given.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub value: Value,
    pub origin: Origin,
    pub key: String,
}

/// The parsed `[stages.analyze]` table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    pub only: Option<(Vec<String>, Origin)>,
    /// Service name -> fact name -> override.
    pub services: BTreeMap<String, BTreeMap<String, Override>>,
}

fn origin(key_locations: &BTreeMap<String, String>, key: &str) -> Origin {
    // The runner records `file:line`; fall back to the parent table's location, then to plain stowage.toml.
    let mut k = key.to_string();
    loop {
        if let Some(loc) = key_locations.get(&k) {
            return match loc.rsplit_once(':') {
                Some((file, line)) if line.parse::<u32>().is_ok() => {
                    Origin { file: file.to_string(), line: line.parse().ok() }
                }
                _ => Origin { file: loc.clone(), line: None },
            };
        }
        match k.rsplit_once('.') {
            Some((head, _)) => k = head.to_string(),
            None => return Origin { file: "stowage.toml".into(), line: None },
        }
    }
}

fn at(o: &Origin) -> String {
    match o.line {
        Some(line) => format!("{}:{line}", o.file),
        None => o.file.clone(),
    }
}

fn bad(key: &str, o: &Origin, msg: &str) -> AnalyzeError {
    AnalyzeError::Options(format!("{}: `{key}` {msg}", at(o)))
}

impl Overrides {
    /// Parses the stage's option table; `None` (no table) means no overrides.
    pub fn parse(value: Option<&Value>, key_locations: &BTreeMap<String, String>) -> Result<Overrides, AnalyzeError> {
        let mut out = Overrides::default();
        let Some(value) = value else { return Ok(out) };
        let base = "stages.analyze";
        let table = value.as_object().ok_or_else(|| bad(base, &origin(key_locations, base), "must be a table"))?;
        for (key, v) in table {
            let full = format!("{base}.{key}");
            let o = origin(key_locations, &full);
            match key.as_str() {
                "only" => {
                    let list = v
                        .as_array()
                        .and_then(|a| a.iter().map(|s| s.as_str().map(str::to_string)).collect::<Option<Vec<_>>>());
                    let list = list.ok_or_else(|| bad(&full, &o, "must be a list of service names"))?;
                    out.only = Some((list, o));
                }
                "services" => {
                    let services = v.as_object().ok_or_else(|| bad(&full, &o, "must be a table of service tables"))?;
                    for (name, facts) in services {
                        let skey = format!("{full}.{name}");
                        let so = origin(key_locations, &skey);
                        let facts = facts.as_object().ok_or_else(|| bad(&skey, &so, "must be a table"))?;
                        let mut parsed = BTreeMap::new();
                        for (fact, fv) in facts {
                            let fkey = format!("{skey}.{fact}");
                            let fo = origin(key_locations, &fkey);
                            check_fact(fact, fv, &fkey, &fo)?;
                            parsed.insert(fact.clone(), Override { value: fv.clone(), origin: fo, key: fkey });
                        }
                        out.services.insert(name.clone(), parsed);
                    }
                }
                _ => {
                    return Err(bad(
                        &full,
                        &o,
                        &format!("is not a known option; expected one of: {}", TOP_KEYS.join(", ")),
                    ));
                }
            }
        }
        Ok(out)
    }
}

fn check_fact(fact: &str, v: &Value, key: &str, o: &Origin) -> Result<(), AnalyzeError> {
    if STRING_FACTS.contains(&fact) || fact == "root" || fact == "build_context" {
        if !v.is_string() {
            return Err(bad(key, o, "must be a string"));
        }
        if (fact == "root" || fact == "build_context") && !relative_ok(v.as_str().unwrap_or("")) {
            return Err(bad(key, o, "must be an app-relative folder without `..`"));
        }
    } else if LIST_FACTS.contains(&fact) {
        if !v.as_array().is_some_and(|a| a.iter().all(Value::is_string)) {
            return Err(bad(key, o, "must be a list of strings"));
        }
    } else if fact == "kind" {
        if v.as_str().and_then(Kind::parse).is_none() {
            return Err(bad(key, o, "must be one of: web, worker, job, cli, static"));
        }
    } else if fact == "port" {
        parse_port(v).ok_or_else(|| bad(key, o, "must be a port number (1-65535) or { number = N, env = \"VAR\" }"))?;
    } else if fact == "ports" {
        let ok = v.as_array().is_some_and(|a| a.iter().all(|p| parse_port(p).is_some()));
        if !ok {
            return Err(bad(key, o, "must be a list of port numbers or { number = N, env = \"VAR\" } tables"));
        }
    } else {
        let known: Vec<&str> = STRING_FACTS.iter().chain(LIST_FACTS).chain(OTHER_KEYS).copied().collect();
        return Err(bad(key, o, &format!("is not a known fact; expected one of: {}", known.join(", "))));
    }
    Ok(())
}

fn relative_ok(path: &str) -> bool {
    !path.is_empty() && !path.starts_with('/') && !path.contains('\\') && !path.split('/').any(|s| s == "..")
}

fn parse_port(v: &Value) -> Option<Port> {
    let number = |n: &Value| n.as_u64().filter(|n| (1..=65535).contains(n)).map(|n| n as u16);
    match v {
        Value::Number(_) => Some(Port { number: Some(number(v)?), env: None }),
        Value::Object(o) => {
            if o.keys().any(|k| k != "number" && k != "env") {
                return None;
            }
            let env = match o.get("env") {
                None => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => return None,
            };
            // A port set only by a variable has no number: `{ env = "PORT" }`.
            let number = match o.get("number") {
                Some(n) => Some(number(n)?),
                None => None,
            };
            if number.is_none() && env.is_none() {
                return None;
            }
            Some(Port { number, env })
        }
        _ => None,
    }
}

fn evidence(o: &Override) -> Evidence {
    Evidence::new(&o.origin.file, o.origin.line, format!("override `{}`", o.key))
}

fn string_fact(o: &Override) -> Fact<String> {
    Fact::new(o.value.as_str().unwrap_or_default().to_string(), Confidence::High, evidence(o))
}

/// A service declared only in stowage.toml (it has a `root`); facts are filled by [`apply`].
pub fn declared_service(name: &str, facts: &BTreeMap<String, Override>) -> Option<Service> {
    let root = facts.get("root")?;
    let ev = evidence(root);
    let root = root.value.as_str()?.trim_end_matches('/').to_string();
    Some(Service {
        name: name.to_string(),
        root: root.clone(),
        build_context: root,
        kind: Fact::new(
            Kind::Web,
            Confidence::High,
            Evidence { detail: "declared in stowage.toml".into(), ..ev.clone() },
        ),
        language: Fact::new(
            "unknown".into(),
            Confidence::Low,
            Evidence { detail: "declared in stowage.toml".into(), ..ev },
        ),
        runtime_version: None,
        package_manager: None,
        lockfile: None,
        framework: None,
        build_command: None,
        start_command: None,
        schedule: None,
        ports: vec![],
        health_path: None,
        readiness_path: None,
        env_vars: vec![],
        backing_services: vec![],
        writable_paths: vec![],
        build: Default::default(),
    })
}

/// A `backing_services` list in stowage.toml is the service's required set: each listed one becomes required with
/// stowage.toml as its first evidence (added when analyze had not found it), and every other one found stays listed
/// as optional.
fn promote_backing(service: &mut Service, listed: &[Fact<String>]) {
    for b in &mut service.backing_services {
        b.required = false;
    }
    for fact in listed {
        match service.backing_services.iter_mut().find(|b| b.name == fact.value) {
            Some(b) => {
                b.required = true;
                b.evidence.insert(0, fact.evidence[0].clone());
            }
            None => service.backing_services.push(BackingService {
                name: fact.value.clone(),
                required: true,
                evidence: fact.evidence.clone(),
            }),
        }
    }
    service.backing_services.sort_by(|a, b| a.name.cmp(&b.name));
}

/// Applies overrides to a service: each overridden fact is replaced and its evidence points at stowage.toml.
pub fn apply(service: &mut Service, facts: &BTreeMap<String, Override>) {
    for (fact, o) in facts {
        let list = || -> Vec<Fact<String>> {
            let mut v: Vec<Fact<String>> = o
                .value
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_str())
                .map(|s| Fact::new(s.to_string(), Confidence::High, evidence(o)))
                .collect();
            v.sort_by(|a, b| a.value.cmp(&b.value));
            v
        };
        match fact.as_str() {
            "root" => service.root = o.value.as_str().unwrap_or(".").trim_end_matches('/').to_string(),
            "build_context" => {
                service.build_context = o.value.as_str().unwrap_or(".").trim_end_matches('/').to_string()
            }
            "kind" => {
                if let Some(kind) = o.value.as_str().and_then(Kind::parse) {
                    service.kind = Fact::new(kind, Confidence::High, evidence(o));
                }
            }
            "port" | "ports" => {
                let values = if fact == "port" {
                    vec![o.value.clone()]
                } else {
                    o.value.as_array().cloned().unwrap_or_default()
                };
                service.ports =
                    values.iter().filter_map(parse_port).map(|p| Fact::new(p, Confidence::High, evidence(o))).collect();
            }
            "language" => service.language = string_fact(o),
            "runtime_version" => service.runtime_version = Some(string_fact(o)),
            "package_manager" => service.package_manager = Some(string_fact(o)),
            "lockfile" => service.lockfile = Some(string_fact(o)),
            "framework" => service.framework = Some(string_fact(o)),
            "build_command" => service.build_command = Some(string_fact(o)),
            "start_command" => service.start_command = Some(string_fact(o)),
            "schedule" => service.schedule = Some(string_fact(o)).filter(|f| !f.value.is_empty()),
            "health_path" => service.health_path = Some(string_fact(o)).filter(|f| !f.value.is_empty()),
            "readiness_path" => service.readiness_path = Some(string_fact(o)).filter(|f| !f.value.is_empty()),
            "env_vars" => service.env_vars = list(),
            "backing_services" => promote_backing(service, &list()),
            "writable_paths" => service.writable_paths = list(),
            _ => {}
        }
    }
}
