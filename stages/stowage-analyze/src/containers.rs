//! The app's own container files (Dockerfile, compose, Kubernetes manifests, Helm charts): listed in the model so
//! later stages can offer to adopt them, and read as evidence for ports, commands and volumes.
//!
//! Only the few instructions that carry evidence are read, line by line; later stages that rewrite Dockerfiles use
//! a real parser.

use std::collections::BTreeMap;

use crate::model::{Confidence, ContainerFile, Evidence, Fact, Port};
use crate::walk::{Tree, file_name, join, parent};
use crate::yaml::Yaml;

/// What a Dockerfile says about the app.
#[derive(Debug, Default)]
pub struct DockerfileInfo {
    pub images: Vec<String>,
    pub exposed: Vec<(u16, Evidence)>,
    /// The last `CMD` or `ENTRYPOINT` (the one that applies to the final stage).
    pub command: Option<(String, Evidence)>,
    pub volumes: Vec<(String, Evidence)>,
    /// `ENV PORT=4000`, `ENV ASPNETCORE_URLS=http://+:80`: the port and the variable that sets it.
    pub env_ports: Vec<(Port, Evidence)>,
}

/// The Dockerfile of a service folder: `Dockerfile` or `Containerfile`, else the first other variant that is not
/// for Windows containers.
pub fn service_dockerfile(tree: &Tree, root: &str) -> Option<String> {
    let exact = ["Dockerfile", "Containerfile"].iter().map(|n| join(root, n)).find(|p| tree.exists(p));
    exact.or_else(|| {
        tree.files_under(root)
            .filter(|p| parent(p) == root && is_dockerfile(file_name(p)))
            .find(|p| !p.to_ascii_lowercase().contains("windows"))
            .map(str::to_string)
    })
}

/// Joins continuation lines, keeping the number of the first line of each instruction.
fn instructions(text: &str) -> Vec<(u32, String)> {
    let mut out: Vec<(u32, String)> = Vec::new();
    let mut pending: Option<(u32, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if pending.is_none() && (trimmed.is_empty() || trimmed.starts_with('#')) {
            continue;
        }
        let (n, mut acc) = pending.take().unwrap_or((i as u32 + 1, String::new()));
        if trimmed.starts_with('#') {
            pending = Some((n, acc));
            continue;
        }
        if let Some(body) = trimmed.strip_suffix('\\') {
            acc.push_str(body);
            acc.push(' ');
            pending = Some((n, acc));
        } else {
            acc.push_str(trimmed);
            out.push((n, acc));
        }
    }
    if let Some(p) = pending {
        out.push(p);
    }
    out
}

/// `["a", "b"]` -> `a b`; shell form as written.
fn command_text(args: &str) -> String {
    let args = args.trim();
    if let Some(inner) = args.strip_prefix('[').and_then(|a| a.strip_suffix(']'))
        && let Ok(parts) = serde_json::from_str::<Vec<String>>(&format!("[{inner}]"))
    {
        return parts.join(" ");
    }
    args.to_string()
}

pub fn read_dockerfile(path: &str, text: &str) -> DockerfileInfo {
    let mut info = DockerfileInfo::default();
    for (n, instruction) in instructions(text) {
        let (keyword, args) = instruction.split_once(char::is_whitespace).unwrap_or((instruction.as_str(), ""));
        let ev = |detail: String| Evidence::new(path, Some(n), detail);
        match keyword.to_ascii_uppercase().as_str() {
            "FROM" => {
                let image = args.split_whitespace().find(|w| !w.starts_with("--")).unwrap_or("");
                if !image.is_empty() {
                    info.images.push(image.to_string());
                }
            }
            "EXPOSE" => {
                for word in args.split_whitespace() {
                    if let Ok(number) = word.split('/').next().unwrap_or("").parse::<u16>() {
                        info.exposed.push((number, ev(format!("EXPOSE {number} in the app's own Dockerfile"))));
                    }
                }
            }
            "CMD" | "ENTRYPOINT" => {
                info.command = Some((
                    command_text(args),
                    ev(format!("{} of the app's own Dockerfile", keyword.to_ascii_uppercase())),
                ));
            }
            "ENV" => {
                let pairs: Vec<(String, String)> = if args.contains('=') {
                    args.split_whitespace()
                        .filter_map(|kv| kv.split_once('='))
                        .map(|(k, v)| (k.to_string(), v.trim_matches(['"', '\'']).to_string()))
                        .collect()
                } else {
                    args.split_once(char::is_whitespace)
                        .map(|(k, v)| vec![(k.to_string(), v.trim().to_string())])
                        .unwrap_or_default()
                };
                for (name, value) in pairs {
                    let port_var = crate::scan::is_app_port_var(&name) || name == "ASPNETCORE_URLS";
                    let number = value.rsplit(':').next().and_then(|v| v.trim_matches('/').parse::<u16>().ok());
                    if let (true, Some(number)) = (port_var, number) {
                        let port = Port { number: Some(number), env: Some(name.clone()) };
                        info.env_ports.push((port, ev(format!("ENV {name} in the app's own Dockerfile"))));
                    }
                }
            }
            "VOLUME" => {
                let text = command_text(args);
                for volume in text.split_whitespace() {
                    info.volumes.push((volume.to_string(), ev(format!("VOLUME {volume}"))));
                }
            }
            _ => {}
        }
    }
    info
}

fn is_dockerfile(name: &str) -> bool {
    name == "Dockerfile"
        || name == "Containerfile"
        || name.starts_with("Dockerfile.")
        || name.ends_with(".Dockerfile")
        || name.ends_with(".dockerfile")
}

pub fn is_compose(name: &str) -> bool {
    let stem = name.strip_suffix(".yml").or_else(|| name.strip_suffix(".yaml"));
    stem.is_some_and(|s| {
        s == "compose" || s == "docker-compose" || s.starts_with("compose.") || s.starts_with("docker-compose.")
    })
}

/// Reads `image:` values and container ports (`"8080:80"` -> 80) of a compose file's services.
fn read_compose(text: &str) -> (Vec<String>, Vec<u16>) {
    let (mut images, mut ports) = (Vec::new(), Vec::new());
    for doc in crate::yaml::parse(text) {
        for (_, service) in doc.get("services").map(Yaml::entries).unwrap_or(&[]) {
            images.extend(service.get("image").and_then(Yaml::str).map(str::to_string));
            for item in service.get("ports").map(Yaml::items).unwrap_or(&[]) {
                ports.extend(compose_port(item).map(|(n, _)| n));
            }
        }
    }
    images.sort();
    images.dedup();
    ports.sort();
    ports.dedup();
    (images, ports)
}

/// Every container file of the app, in path order.
pub fn existing(tree: &Tree) -> Vec<ContainerFile> {
    let mut out = Vec::new();
    for path in &tree.files {
        let name = file_name(path);
        if is_dockerfile(name) {
            let info = tree.text(path).map(|t| read_dockerfile(path, t)).unwrap_or_default();
            let mut ports: Vec<u16> = info.exposed.iter().map(|(n, _)| *n).collect();
            ports.sort();
            ports.dedup();
            out.push(ContainerFile { path: path.clone(), kind: "dockerfile".into(), images: info.images, ports });
        } else if is_compose(name) {
            let (images, ports) = tree.text(path).map(read_compose).unwrap_or_default();
            out.push(ContainerFile { path: path.clone(), kind: "compose".into(), images, ports });
        } else if name == "Chart.yaml" {
            out.push(ContainerFile {
                path: parent(path).to_string(),
                kind: "helm".into(),
                images: vec![],
                ports: vec![],
            });
        } else if (name.ends_with(".yaml") || name.ends_with(".yml")) && !path.contains("/templates/") {
            let Some(text) = tree.text(path) else { continue };
            let manifest =
                text.lines().any(|l| l.starts_with("apiVersion:")) && text.lines().any(|l| l.starts_with("kind:"));
            if manifest {
                let images = text
                    .lines()
                    .filter_map(|l| l.trim().trim_start_matches("- ").strip_prefix("image:"))
                    .map(|i| i.trim().trim_matches(['"', '\'']).to_string())
                    .collect();
                out.push(ContainerFile { path: path.clone(), kind: "kubernetes".into(), images, ports: vec![] });
            }
        }
    }
    out
}

/// Images of backing services: a container running one of these is never one of the app's services.
const BACKING_IMAGES: &[&str] = &[
    "postgres",
    "postgis",
    "mysql",
    "mariadb",
    "redis",
    "valkey",
    "mongo",
    "rabbitmq",
    "kafka",
    "cp-kafka",
    "zookeeper",
    "elasticsearch",
    "opensearch",
    "minio",
    "memcached",
    "nginx",
    "traefik",
    "envoy",
];

/// `registry.example.com/org/web:1.2@sha256:...` -> `web`.
fn image_name(image: &str) -> &str {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    last.split(':').next().unwrap_or(last)
}

/// What a deployable is known by when a manifest is matched to it.
pub struct Target<'a> {
    pub name: &'a str,
    pub root: &'a str,
    pub build_context: &'a str,
}

/// A container port declared by a compose service or a Kubernetes workload, with what identifies its container.
struct Declared {
    names: Vec<String>,
    /// Compose: the folder it builds from, and its Dockerfile (app-relative).
    build: Option<(String, Option<String>)>,
    file: String,
    ports: Vec<(u16, Evidence)>,
    /// A Kubernetes CronJob's container: a job of the deployable it runs.
    job: Option<crate::schedule::Job>,
    /// Compose: the service's own `command`, with its line.
    command: Option<(String, Option<u32>)>,
    /// Compose: the project (its main file), and the `env_file` paths and `environment` settings it runs with.
    project: String,
    env_files: Vec<crate::compose::Located>,
    environment: Vec<crate::scan::Setting>,
}

impl Declared {
    /// A container a Kubernetes manifest declares: no compose project, command or settings.
    fn manifest(
        names: Vec<String>,
        file: &str,
        ports: Vec<(u16, Evidence)>,
        job: Option<crate::schedule::Job>,
    ) -> Declared {
        Declared {
            names,
            build: None,
            file: file.to_string(),
            ports,
            job,
            command: None,
            project: String::new(),
            env_files: Vec::new(),
            environment: Vec::new(),
        }
    }
}

/// The one deployable a declared container names (by its service, container or image name), if exactly one.
fn named(targets: &[Target], d: &Declared) -> Option<usize> {
    let by_name: Vec<usize> = (0..targets.len())
        .filter(|&i| d.names.iter().any(|n| crate::detect::service_name(n) == targets[i].name))
        .collect();
    match by_name.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// The one deployable a compose service builds: the one whose folder is its context, else the one whose
/// folder holds its Dockerfile within that context.
fn built_from(targets: &[Target], context: &str, dockerfile: Option<&str>) -> Option<usize> {
    let by_root: Vec<usize> = (0..targets.len()).filter(|&i| targets[i].root == context).collect();
    let by_dockerfile: Vec<usize> = (0..targets.len())
        .filter(|&i| {
            targets[i].build_context == context && dockerfile.is_some_and(|f| crate::walk::is_under(f, targets[i].root))
        })
        .collect();
    match (by_root.as_slice(), by_dockerfile.as_slice()) {
        ([one], _) | ([], [one]) => Some(*one),
        _ => None,
    }
}

/// The container side of a compose `ports` item (`"8080:80"`, `127.0.0.1:8080:80/tcp`, `80`, `{ target: 80 }`).
fn compose_port(item: &Yaml) -> Option<(u16, Option<u32>)> {
    if let Some(target) = item.get("target") {
        return Some((target.str()?.parse().ok()?, target.line()));
    }
    let text = item.str()?;
    let container = text.rsplit(':').next()?.split('/').next()?;
    Some((container.parse().ok()?, item.line()))
}

/// The services of every compose project (overrides, `extends`, `include` and interpolation applied) that build
/// from the app. Ports only a development override file publishes are left out: `docker compose up` applies the
/// override, a production deployment does not, so it is weaker evidence than the start command, the Dockerfile or
/// the framework's default.
fn compose_declared(tree: &Tree, out: &mut Vec<Declared>) {
    for (project, services) in crate::compose::projects(tree) {
        for service in services {
            // A service without `build` runs a published image: it is not built from this app.
            let Some((context, dockerfile)) = &service.build else { continue };
            let context_path = crate::scan::normalize_path(&join(parent(&context.file), &context.text));
            let dockerfile = dockerfile.as_ref().map(|d| crate::scan::normalize_path(&join(&context_path, &d.text)));
            let name = &service.name;
            let profile = if service.profiles.is_empty() {
                String::new()
            } else {
                format!(" (profile {}, not started by default)", service.profiles.join(", "))
            };
            let mut ports = Vec::new();
            for item in service.ports.iter().filter(|p| !crate::compose::is_override(&p.file)) {
                let container = item.text.rsplit(':').next().unwrap_or(&item.text).split('/').next().unwrap_or("");
                if let Ok(n) = container.trim().parse::<u16>() {
                    let detail = format!("compose service `{name}` publishes container port {n}{profile}");
                    ports.push((n, Evidence::new(&item.file, item.line, detail)));
                }
            }
            for item in service.expose.iter().filter(|p| !crate::compose::is_override(&p.file)) {
                if let Ok(n) = item.text.split('/').next().unwrap_or("").trim().parse::<u16>() {
                    ports.push((
                        n,
                        Evidence::new(&item.file, item.line, format!("compose service `{name}` exposes {n}{profile}")),
                    ));
                }
            }
            let mut names = vec![name.clone()];
            if let Some(image) = &service.image {
                names.push(image_name(&image.text).to_string());
            }
            let file = context.file.clone();
            let environment = service
                .environment
                .iter()
                .map(|(name, value)| crate::scan::Setting {
                    name: name.clone(),
                    value: value.text.clone(),
                    file: value.file.clone(),
                    line: value.line,
                    dev_only: crate::compose::is_override(&value.file),
                })
                .collect();
            out.push(Declared {
                names,
                build: Some((context_path, dockerfile)),
                file,
                ports,
                job: None,
                command: service.command.as_ref().map(|c| (c.text.trim().to_string(), c.line)),
                project: project.clone(),
                env_files: service.env_files.clone(),
                environment,
            });
        }
    }
}

/// Workload containers' `containerPort`s, and Services' `targetPort`s (a named target resolved against the
/// containers' port names) credited to the workloads the Service selects by label.
fn kubernetes_declared(path: &str, text: &str, out: &mut Vec<Declared>) {
    let docs = crate::yaml::parse(text);
    let mut workload_labels: Vec<(usize, Vec<(String, String)>)> = Vec::new();
    for doc in &docs {
        let kind = doc.get("kind").and_then(Yaml::str).unwrap_or("");
        let meta_name = doc.get("metadata").and_then(|m| m.get("name")).and_then(Yaml::str).unwrap_or("");
        if kind == "CronJob" {
            cronjob_declared(path, doc, meta_name, out);
            continue;
        }
        let (pod, labels) = match kind {
            "Pod" => (doc.get("spec"), doc.get("metadata").and_then(|m| m.get("labels"))),
            "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "ReplicationController" => {
                let template = doc.get("spec").and_then(|s| s.get("template"));
                (
                    template.and_then(|t| t.get("spec")),
                    template.and_then(|t| t.get("metadata")).and_then(|m| m.get("labels")),
                )
            }
            _ => continue,
        };
        let labels: Vec<(String, String)> = labels
            .map(Yaml::entries)
            .unwrap_or(&[])
            .iter()
            .filter_map(|(k, v)| v.str().map(|v| (k.clone(), v.to_string())))
            .collect();
        for container in pod.and_then(|p| p.get("containers")).map(Yaml::items).unwrap_or(&[]) {
            let mut names = vec![meta_name.to_string()];
            names.extend(container.get("name").and_then(Yaml::str).map(str::to_string));
            names.extend(container.get("image").and_then(Yaml::str).map(|i| image_name(i).to_string()));
            let mut ports = Vec::new();
            for port in container.get("ports").map(Yaml::items).unwrap_or(&[]) {
                let Some(cp) = port.get("containerPort") else { continue };
                let Some(n) = cp.str().and_then(|s| s.parse::<u16>().ok()) else { continue };
                let detail = match port.get("name").and_then(Yaml::str) {
                    Some(pn) => format!("{kind} `{meta_name}` containerPort {n} (`{pn}`)"),
                    None => format!("{kind} `{meta_name}` containerPort {n}"),
                };
                ports.push((n, Evidence::new(path, cp.line(), detail)));
            }
            workload_labels.push((out.len(), labels.clone()));
            out.push(Declared::manifest(names, path, ports, None));
        }
    }
    for doc in &docs {
        if doc.get("kind").and_then(Yaml::str) != Some("Service") {
            continue;
        }
        let name = doc.get("metadata").and_then(|m| m.get("name")).and_then(Yaml::str).unwrap_or("");
        let selector: Vec<(String, String)> = doc
            .get("spec")
            .and_then(|s| s.get("selector"))
            .map(Yaml::entries)
            .unwrap_or(&[])
            .iter()
            .filter_map(|(k, v)| v.str().map(|v| (k.clone(), v.to_string())))
            .collect();
        let selected: Vec<usize> = workload_labels
            .iter()
            .filter(|(_, labels)| !selector.is_empty() && selector.iter().all(|s| labels.contains(s)))
            .map(|(i, _)| *i)
            .collect();
        for port in doc.get("spec").and_then(|s| s.get("ports")).map(Yaml::items).unwrap_or(&[]) {
            // Without `targetPort`, the Service forwards to its own `port`.
            let Some(target) = port.get("targetPort").or_else(|| port.get("port")) else { continue };
            let Some(value) = target.str() else { continue };
            let detail = format!("Service `{name}` targetPort {value}");
            if let Ok(n) = value.parse::<u16>() {
                if selected.is_empty() {
                    // A Service whose workload is elsewhere: identified by its own name.
                    let ports = vec![(n, Evidence::new(path, target.line(), detail.clone()))];
                    out.push(Declared::manifest(vec![name.to_string()], path, ports, None));
                }
                for &i in &selected {
                    out[i].ports.push((n, Evidence::new(path, target.line(), detail.clone())));
                }
            } else {
                // A named target port is the container port of that name.
                for &i in &selected {
                    let named = out[i]
                        .ports
                        .iter()
                        .find(|(_, ev)| ev.detail.ends_with(&format!("(`{value}`)")))
                        .map(|(n, _)| *n);
                    if let Some(n) = named {
                        out[i].ports.push((n, Evidence::new(path, target.line(), detail.clone())));
                    }
                }
            }
        }
    }
}

/// The app's own CronJob manifests: each container is a job with the manifest's schedule, and its `command` and
/// `args` when it sets them (else the image's own command).
fn cronjob_declared(path: &str, doc: &Yaml, name: &str, out: &mut Vec<Declared>) {
    let spec = doc.get("spec");
    let schedule = spec.and_then(|s| s.get("schedule"));
    let pod = spec
        .and_then(|s| s.get("jobTemplate"))
        .and_then(|j| j.get("spec"))
        .and_then(|s| s.get("template"))
        .and_then(|t| t.get("spec"));
    for container in pod.and_then(|p| p.get("containers")).map(Yaml::items).unwrap_or(&[]) {
        let words = |key: &str| -> Vec<String> {
            match container.get(key) {
                Some(Yaml::Seq(items)) => items.iter().filter_map(Yaml::str).map(str::to_string).collect(),
                Some(Yaml::Scalar(s, _)) => vec![s.clone()],
                _ => Vec::new(),
            }
        };
        let argv: Vec<String> = words("command").into_iter().chain(words("args")).collect();
        let line = container.get("command").or_else(|| container.get("args")).and_then(|c| match c {
            Yaml::Seq(items) => items.first().and_then(Yaml::line),
            other => other.line(),
        });
        let ev = Evidence::new(path, schedule.and_then(Yaml::line), format!("CronJob `{name}` in the app's manifests"));
        let command = (!argv.is_empty()).then(|| {
            Fact::new(argv.join(" "), Confidence::High, Evidence::new(path, line, format!("CronJob `{name}` command")))
        });
        let schedule = schedule.and_then(Yaml::str).map(|s| {
            Fact::new(
                s.to_string(),
                Confidence::High,
                Evidence { detail: format!("CronJob `{name}` schedule"), ..ev.clone() },
            )
        });
        let mut names = vec![name.to_string()];
        names.extend(container.get("name").and_then(Yaml::str).map(str::to_string));
        names.extend(container.get("image").and_then(Yaml::str).map(|i| image_name(i).to_string()));
        let job = crate::schedule::Job { slug: crate::detect::service_name(name), schedule, command, evidence: ev };
        out.push(Declared::manifest(names, path, Vec::new(), Some(job)));
    }
}

/// What the app's own compose files and manifests say about one deployable.
#[derive(Debug, Default)]
pub struct Claims {
    pub ports: Vec<(u16, Evidence)>,
    pub jobs: Vec<crate::schedule::Job>,
    /// Compose services that build the deployable's image but run another command (an RQ or Celery worker, a
    /// scheduler, a dashboard such as Flower): processes of the deployable like a Procfile's.
    pub processes: Vec<Process>,
    /// What the compose services that build the deployable run with, per compose project (its main file):
    /// `env_file` files as (path, development only), and `environment` settings. Read for the connections the
    /// app's own deployments make.
    pub env: BTreeMap<String, ComposeEnv>,
}

/// The settings of one compose project's services that build a deployable.
#[derive(Debug, Default, Clone)]
pub struct ComposeEnv {
    pub env_files: Vec<(String, bool)>,
    pub environment: Vec<crate::scan::Setting>,
}

/// A compose service that runs its own command from a deployable's image.
#[derive(Debug, Clone)]
pub struct Process {
    /// The compose service's name.
    pub name: String,
    pub command: Fact<String>,
    /// The container ports it publishes: its own, not the deployable's main process's.
    pub ports: Vec<(u16, Evidence)>,
}

/// Compose service names that are the deployable's own web process, whatever command they run.
const MAIN_PROCESS_NAMES: &[&str] = &["web", "app", "api", "server", "backend", "frontend", "site", "django", "flask"];

/// Words of a compose command that runs once (a migration, the tests) rather than a long-running process.
const ONE_SHOT_WORDS: &[&str] =
    &["migrate", "makemigrations", "collectstatic", "test", "pytest", "jest", "vitest", "seed", "db:migrate"];

/// Container ports that the app's own compose files and Kubernetes manifests declare, credited to the deployable
/// they run: by name (compose service, container, workload or image name equal to the deployable's), else by
/// build context (a compose service that builds the deployable's folder), else by place (a manifest inside the
/// deployable's folder, or any manifest when the app has one deployable). Containers of backing-service images are
/// never credited. CronJob manifests are matched the same way and become jobs of their deployable. Returns the
/// claims of each target, in `targets` order.
pub fn manifest_claims(tree: &Tree, targets: &[Target]) -> Vec<Claims> {
    let mut declared = Vec::new();
    for (path, text) in &tree.texts {
        let name = file_name(path);
        if crate::detect::is_sample_input(path) {
            continue;
        }
        if is_compose(name) {
            // Compose files are read as projects below.
        } else if (name.ends_with(".yaml") || name.ends_with(".yml"))
            && !path.contains("/templates/")
            && text.lines().any(|l| l.starts_with("apiVersion:"))
        {
            kubernetes_declared(path, text, &mut declared);
        }
    }
    compose_declared(tree, &mut declared);
    let mut out: Vec<Claims> = targets.iter().map(|_| Claims::default()).collect();
    // A compose service that builds a deployable's image but runs a command of its own is a process of that
    // deployable (below), and what it publishes is that process's port: Flower's 5555 is not the web app's.
    let own_process = |d: &Declared| {
        let Some((command, _)) = &d.command else { return false };
        let name = crate::detect::service_name(&d.names[0]);
        let one_shot = command.split_whitespace().any(|w| ONE_SHOT_WORDS.contains(&w));
        d.build.is_some()
            && d.job.is_none()
            && !one_shot
            && !MAIN_PROCESS_NAMES.contains(&name.as_str())
            && !targets.iter().any(|t| t.name == name)
    };
    for d in declared.iter().filter(|d| (!d.ports.is_empty() || d.job.is_some()) && !own_process(d)) {
        if d.names.iter().any(|n| BACKING_IMAGES.contains(&n.as_str())) {
            continue;
        }
        let chosen = if let Some(i) = named(targets, d) {
            Some(i)
        } else if let Some((context, dockerfile)) = &d.build {
            built_from(targets, context, dockerfile.as_deref())
        } else if targets.len() == 1 {
            Some(0)
        } else {
            // The deepest deployable folder holding the manifest, when it is not the app root.
            (0..targets.len())
                .filter(|&i| targets[i].root != "." && crate::walk::is_under(&d.file, targets[i].root))
                .max_by_key(|&i| targets[i].root.len())
        };
        if let Some(i) = chosen {
            out[i].ports.extend(d.ports.iter().cloned());
            out[i].jobs.extend(d.job.clone());
        }
    }
    // What every compose service building a deployable runs with, its processes' included: they share its settings.
    for d in &declared {
        let Some((context, dockerfile)) = &d.build else { continue };
        if d.env_files.is_empty() && d.environment.is_empty() {
            continue;
        }
        let Some(i) = named(targets, d).or_else(|| built_from(targets, context, dockerfile.as_deref())) else {
            continue;
        };
        let env = out[i].env.entry(d.project.clone()).or_default();
        for f in &d.env_files {
            let entry = (f.text.clone(), crate::compose::is_override(&f.file));
            if !env.env_files.contains(&entry) {
                env.env_files.push(entry);
            }
        }
        env.environment.extend(d.environment.iter().cloned());
    }
    // Compose services that build a deployable and run a command of their own.
    for d in declared.iter().filter(|d| own_process(d)) {
        let (Some((context, dockerfile)), Some((command, line))) = (&d.build, &d.command) else { continue };
        let name = crate::detect::service_name(&d.names[0]);
        let Some(i) = built_from(targets, context, dockerfile.as_deref()) else { continue };
        // The same service in another compose file (a production one without ports): one process, every port.
        if let Some(known) = out[i].processes.iter_mut().find(|p| p.name == name) {
            known.ports.extend(d.ports.iter().cloned());
            continue;
        }
        let detail = format!("compose service `{}` runs `{command}`", d.names[0]);
        let command = Fact::new(command.clone(), Confidence::High, Evidence::new(&d.file, *line, detail));
        out[i].processes.push(Process { name, command, ports: d.ports.clone() });
    }
    for claims in &mut out {
        claims.ports.sort();
        claims.ports.dedup();
    }
    out
}
