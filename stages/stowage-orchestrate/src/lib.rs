//! The `orchestrate` stage of stowage: renders the compose files that run the app, from the application model.
//!
//! # What it writes
//!
//! - `compose.yaml` (development): every web, static and worker service built from its `Dockerfile.dev` with its
//!   source bind-mounted (plus `develop.watch` for Docker Compose), published on 127.0.0.1 only; jobs under the
//!   `jobs` profile; the backing services the model names (postgres, mysql, redis) from pinned official images with
//!   health checks, data in named volumes, reached through `depends_on: condition: service_healthy`, all on one
//!   private network. Development databases trust the private network, so no password is written and no file has
//!   to be made by hand.
//! - `compose.prod.yaml` (production, standalone): `image:` from the configured repository tagged with the app's
//!   declared version (never `latest`; `${IMAGE_TAG:?}` when the app declares none) with `build:` beside it;
//!   `read_only: true` with a tmpfs for `/tmp` and every writable path, `cap_drop: [ALL]`,
//!   `no-new-privileges:true`, the numeric `user`, CPU and memory limits and reservations, a restart policy,
//!   log rotation; backing services on an internal `backend` network with their passwords read from files under
//!   `deploy/secrets/` (a stowage-owned `deploy/secrets/.gitignore` keeps them out of git).
//! - `.env.example`, listing every variable the services read, only where the app has none.
//!
//! - Kubernetes under `deploy/kustomize/`: `base/<service>/` per service (web and static: ServiceAccount,
//!   Deployment, PodDisruptionBudget, Service, HorizontalPodAutoscaler, NetworkPolicy and a generated ConfigMap;
//!   worker: no Service or HPA; job: a CronJob) and `overlays/dev`, `overlays/prod`, which set the namespace
//!   (`<app>-<overlay>`) and create it with `pod-security.kubernetes.io/enforce: restricted`. Pods meet the
//!   restricted profile (runAsNonRoot with the numeric uid/gid and fsGroup, seccomp RuntimeDefault, no privilege
//!   escalation, all capabilities dropped, read-only root with an emptyDir for /tmp and each writable path), mount
//!   no service-account token, pull `Always`, have requests and limits, startup/readiness/liveness probes on the
//!   health path (TCP on the port when none is known), a rolling update and a topology spread, and no `replicas`
//!   (the HPA, autoscaling/v2, owns the scale). The PDB allows one unavailable pod and evicts unhealthy ones. The
//!   ConfigMap comes from a `configMapGenerator`, so a change renames it and rolls the pods. Secrets come from a
//!   Secret `<service>-secrets` the user provides (`secretKeyRef`), other unknown values from an optional ConfigMap
//!   `<service>-env`. The NetworkPolicy denies by default and allows the app port from the `ingress-nginx`
//!   namespace, DNS, and the backing services' ports. Checks that cannot pass by design carry a
//!   `checkov.io/skip` annotation with the reason (image digests, secrets read as variables, probes of a process
//!   without a port). One Ingress routes each web service once `ingress_host` is set. The dev overlay runs the
//!   backing services (postgres, mysql, redis) as StatefulSets from the compose files' pinned images, each behind
//!   a headless Service of its name with its data on a PersistentVolumeClaim, under the restricted profile with
//!   the app's user, trusting the app's pods (no password) and reachable only from them; it patches the app's
//!   NetworkPolicies to reach them by pod selector and the app's URL and host variables to their development
//!   addresses.
//! - A Helm chart under `deploy/helm/<app>/`: Chart.yaml, values.yaml with a `services.<name>` block per service
//!   and every value documented where it is set, values.schema.json closing every object (a misspelled key fails
//!   the install), generic templates (templates/helm/) and NOTES.txt (the Secrets to create, the namespace label
//!   that enforces the restricted profile). Its defaults turn on what the prod overlay has: rendered with them it
//!   deploys the prod overlay's objects, named alike, plus Helm's own labels and a checksum annotation that rolls
//!   the pods when their configuration changes.
//!
//! When the app already has a compose file (compose.yaml, compose.yml, docker-compose.yml or docker-compose.yaml),
//! both compose files go to `deploy/compose/` instead, so `docker compose up` keeps running the app's own; run them
//! with `docker compose -f deploy/compose/compose.yaml up`. CLIs get no service (image only).
//!
//! # Variables and secrets
//!
//! Every variable a service reads is set or referenced: the port variable gets the port, a backing service's URL
//! and host variables point at its container (policies/backing-services.toml), a secret (policies/secrets.toml:
//! names with PASSWORD, SECRET, TOKEN, KEY, CREDENTIALS, DSN..., or a URL of a backing service whose URLs carry
//! credentials, in production) is read from an `env_file` that is never committed (`.env` in development, optional;
//! `deploy/secrets/<service>.env` in production), and any other variable is a reference to the caller's
//! environment (`NAME:` with no value: unset in the container when unset there, so the app's own default applies).
//! In Kubernetes every variable but the port is a `secretKeyRef` (a secret) or an optional `configMapKeyRef`
//! (`<service>-env`), a backing service's host included: in production that is the managed service's address.
//! No value of a secret is ever written.
//!
//! A secret the app can read as a file is handed over as one, never as a variable (which `inspect`, `/proc` and
//! crash reports show): when the app reads `NAME_FILE` for a secret NAME, and with a framework of the dated table
//! policies/secret-files.toml (Spring Boot's config tree) for a secret read only through its configuration. In
//! production compose mounts it with `secrets:` at /run/secrets/NAME from `deploy/secrets/<service>-<name>`, and
//! Kubernetes mounts those keys of `<service>-secrets` at /run/secrets; `NAME_FILE` (or the framework's setting)
//! points there. In the dev overlay such a secret whose development value is known (a backing service's URL) is a
//! variable instead, and the Secret volume optional.
//!
//! # Options: `[stages.orchestrate]` in stowage.toml
//!
//! `image_repository` (default: the app's name; never an implied `docker.io/library/`), `cpus` (default `"1"`),
//! `memory` (`"512M"`), `cpus_reservation` (`"0.25"`), `memory_reservation` (`"128M"`) for every service, backing
//! services included, and `bind_address` (`"127.0.0.1"`), the host address production ports are published on (a
//! reverse proxy on the host forwards to it; `"0.0.0.0"` publishes on every interface). For Kubernetes:
//! `ingress_host` (no default: without a host no Ingress is written, and the prod overlay says so), `ingress_class`
//! (`"nginx"`), `ingress_tls_secret` (a TLS Secret the user provides in the namespace; none by default, then the
//! Ingress serves plain HTTP) and `ingress_namespace` (`"ingress-nginx"`), the namespace of the ingress controller
//! that the NetworkPolicies let reach the app's port; `egress_cidrs` (none by default), the networks the production
//! backing services run in, which the prod overlay's NetworkPolicies restrict their ports to (without it they are
//! reachable at any address, and the overlay says so), and `extra_egress`, destinations every service may reach
//! (`"203.0.113.0/24:443"`, `"CIDR:PORT/UDP"`). The user and group are
//! `[stages.dockerfile]` `uid` and `gid` (default 10001), the same keys the dockerfile stage reads, so the image's
//! USER and compose's `user:` agree.

mod compose;
pub mod helm;
mod k8s;
mod policy;
pub mod yaml;

use std::collections::BTreeMap;

use stowage_kit::{Run, StageError};
use stowage_model::Model;

pub use compose::{Layout, render_dev, render_prod};
pub use policy::{Backing, Policies};

/// What the stage needs beyond the model, from `[stages.orchestrate]` and `[stages.dockerfile]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub uid: u32,
    pub gid: u32,
    pub image_repository: String,
    pub cpus: String,
    pub memory: String,
    pub cpus_reservation: String,
    pub memory_reservation: String,
    /// The host address production ports are published on.
    pub bind_address: String,
    /// The Ingress host; empty: no Ingress.
    pub ingress_host: String,
    pub ingress_class: String,
    /// A TLS Secret the user provides; empty: no `tls` section.
    pub ingress_tls_secret: String,
    /// Where the ingress controller runs, for the NetworkPolicies.
    pub ingress_namespace: String,
    /// The networks the production backing services run in (managed databases): the prod overlay's NetworkPolicies
    /// reach the backing services' ports there only. Empty: at any address, and the overlay says so.
    pub egress_cidrs: Vec<String>,
    /// Further destinations every service may reach (an external API): `CIDR:PORT`, `CIDR:PORT/UDP`.
    pub extra_egress: Vec<Egress>,
}

/// One extra egress destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Egress {
    pub cidr: String,
    pub port: u16,
    pub protocol: &'static str,
}

/// Whether `text` is an IPv4 or IPv6 network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`).
fn is_cidr(text: &str) -> bool {
    let Some((address, prefix)) = text.split_once('/') else { return false };
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => prefix.parse::<u8>().is_ok_and(|p| p <= 32),
        Ok(std::net::IpAddr::V6(_)) => prefix.parse::<u8>().is_ok_and(|p| p <= 128),
        Err(_) => false,
    }
}

/// `CIDR:PORT` or `CIDR:PORT/TCP|UDP|SCTP`.
fn parse_egress(text: &str) -> Option<Egress> {
    let (cidr, rest) = text.rsplit_once(':')?;
    let (port, protocol) = match rest.split_once('/') {
        Some((p, proto)) => (p, proto),
        None => (rest, "TCP"),
    };
    let protocol = ["TCP", "UDP", "SCTP"].into_iter().find(|p| p.eq_ignore_ascii_case(protocol))?;
    let port = port.parse::<u16>().ok().filter(|p| *p > 0)?;
    is_cidr(cidr).then(|| Egress { cidr: cidr.to_string(), port, protocol })
}

impl Options {
    pub fn defaults(app_name: &str) -> Options {
        Options {
            uid: 10001,
            gid: 10001,
            image_repository: compose::dns_name(app_name),
            cpus: "1".into(),
            memory: "512M".into(),
            cpus_reservation: "0.25".into(),
            memory_reservation: "128M".into(),
            bind_address: "127.0.0.1".into(),
            ingress_host: String::new(),
            ingress_class: "nginx".into(),
            ingress_tls_secret: String::new(),
            ingress_namespace: "ingress-nginx".into(),
            egress_cidrs: Vec::new(),
            extra_egress: Vec::new(),
        }
    }

    /// Reads the options from the merged configuration; an unknown key or a wrong type is an error naming where it
    /// was set.
    pub fn from_config(config: &stowage_kit::Config) -> Result<Options, String> {
        let mut options = Options::defaults(&config.name);
        let at =
            |key: &str| config.key_locations.get(key).map_or_else(|| "stowage.toml".to_string(), |l| l.to_string());
        if let Some(table) = config.stage_options.get("dockerfile").and_then(|t| t.as_object()) {
            for (key, slot) in [("uid", &mut options.uid), ("gid", &mut options.gid)] {
                if let Some(value) = table.get(key) {
                    *slot = value.as_u64().and_then(|v| u32::try_from(v).ok()).filter(|v| *v > 0).ok_or_else(|| {
                        format!(
                            "{}: `stages.dockerfile.{key}` must be a positive number (a non-root id)",
                            at(&format!("stages.dockerfile.{key}"))
                        )
                    })?;
                }
            }
        }
        let Some(table) = config.stage_options.get("orchestrate") else { return Ok(options) };
        let table = table.as_object().ok_or("`[stages.orchestrate]` must be a table")?;
        for (key, value) in table {
            // The two lists: every entry checked, the key's line named when one is wrong.
            if key == "egress_cidrs" || key == "extra_egress" {
                let entries: Vec<&str> = value
                    .as_array()
                    .map(|a| a.iter().map(|v| v.as_str()).collect::<Option<Vec<&str>>>())
                    .unwrap_or(None)
                    .ok_or_else(|| {
                        format!(
                            "{}: `stages.orchestrate.{key}` must be a list of strings",
                            at(&format!("stages.orchestrate.{key}"))
                        )
                    })?;
                for entry in entries {
                    if key == "egress_cidrs" {
                        if !is_cidr(entry) {
                            return Err(format!(
                                "{}: `stages.orchestrate.egress_cidrs` entry {entry:?} is not a network in CIDR \
                                 notation, such as \"10.0.0.0/8\"",
                                at("stages.orchestrate.egress_cidrs")
                            ));
                        }
                        options.egress_cidrs.push(entry.to_string());
                    } else {
                        let egress = parse_egress(entry).ok_or_else(|| {
                            format!(
                                "{}: `stages.orchestrate.extra_egress` entry {entry:?} is not `CIDR:PORT` or \
                                 `CIDR:PORT/UDP`, such as \"203.0.113.0/24:443\"",
                                at("stages.orchestrate.extra_egress")
                            )
                        })?;
                        options.extra_egress.push(egress);
                    }
                }
                continue;
            }
            let slot = match key.as_str() {
                "image_repository" => &mut options.image_repository,
                "cpus" => &mut options.cpus,
                "memory" => &mut options.memory,
                "cpus_reservation" => &mut options.cpus_reservation,
                "memory_reservation" => &mut options.memory_reservation,
                "bind_address" => &mut options.bind_address,
                "ingress_host" => &mut options.ingress_host,
                "ingress_class" => &mut options.ingress_class,
                "ingress_tls_secret" => &mut options.ingress_tls_secret,
                "ingress_namespace" => &mut options.ingress_namespace,
                other => {
                    return Err(format!(
                        "{}: unknown key `stages.orchestrate.{other}`; known keys: image_repository, cpus, memory, \
                         cpus_reservation, memory_reservation, bind_address, ingress_host, ingress_class, \
                         ingress_tls_secret, ingress_namespace, egress_cidrs, extra_egress",
                        at(&format!("stages.orchestrate.{other}"))
                    ));
                }
            };
            *slot = value
                .as_str()
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    format!(
                        "{}: `stages.orchestrate.{key}` must be a non-empty string",
                        at(&format!("stages.orchestrate.{key}"))
                    )
                })?
                .to_string();
        }
        // Names Kubernetes checks (RFC 1123): refused here with the key's line rather than by the API server.
        let dns = |v: &str, dots: bool| {
            !v.is_empty()
                && v.len() <= 253
                && v.split('.').all(|l| {
                    !l.is_empty()
                        && l.len() <= 63
                        && l.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                        && !l.starts_with('-')
                        && !l.ends_with('-')
                })
                && (dots || !v.contains('.'))
        };
        for (key, value, dots) in [
            ("ingress_host", &options.ingress_host, true),
            ("ingress_class", &options.ingress_class, true),
            ("ingress_tls_secret", &options.ingress_tls_secret, true),
            ("ingress_namespace", &options.ingress_namespace, false),
        ] {
            if !value.is_empty() && !dns(value, dots) {
                return Err(format!(
                    "{}: `stages.orchestrate.{key}` = {value:?} is not a valid Kubernetes name (lowercase letters, \
                     digits and `-`{})",
                    at(&format!("stages.orchestrate.{key}")),
                    if dots { ", labels separated by `.`" } else { "" }
                ));
            }
        }
        Ok(options)
    }
}

/// The compose files an app names `docker compose up` would pick up: stowage's must not sit beside them.
pub const COMPOSE_NAMES: &[&str] = &["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"];

/// The stage: reads the model, renders and stages the compose files.
pub fn run_stage(run: &mut Run) -> Result<(), StageError> {
    let model = Model::from_facts(&run.ctx.facts).map_err(|e| StageError::BadInput(e.to_string()))?;
    let options = Options::from_config(&run.ctx.config).map_err(StageError::BadInput)?;
    let policies = Policies::embedded();
    if model.services.iter().all(|s| s.kind.value == stowage_model::Kind::Cli) {
        run.note("every service is a command-line program: no compose file is written (run the image directly)");
        run.set_facts(serde_json::json!({ "uid": options.uid, "gid": options.gid, "written": [] }));
        return Ok(());
    }
    let managed = run.ctx.managed.clone();
    let app = run.ctx.app.root.clone();
    let own = |path: &str| app.join(path).is_file() && !managed.iter().any(|m| m == path);
    let theirs: Vec<&str> = COMPOSE_NAMES.iter().copied().filter(|n| own(n)).collect();
    let folder = if theirs.is_empty() { "." } else { "deploy/compose" };
    if !theirs.is_empty() {
        run.note(format!(
            "the app has its own {}: stowage's compose files are in deploy/compose/ (run `docker compose -f \
             deploy/compose/compose.yaml up`, or `-f deploy/compose/compose.prod.yaml` for production)",
            theirs.join(", ")
        ));
    }
    let images = compose::images_from_facts(run.ctx.facts.get("dockerfile"));
    let layout = Layout::new(&model, folder, images);
    let files = [
        (layout.path("compose.yaml"), render_dev(&model, &options, &policies, &layout, &run.ctx.config.name)),
        (layout.path("compose.prod.yaml"), render_prod(&model, &options, &policies, &layout, &run.ctx.config.name)),
        ("deploy/secrets/.gitignore".to_string(), Ok(compose::SECRETS_GITIGNORE.to_string())),
    ];
    let mut files = files.to_vec();
    let writable = |name: &str| layout.writable(name);
    for (path, text) in k8s::render(&model, &options, &policies, &writable, &run.ctx.config.name) {
        files.push((path, Ok(text)));
    }
    for (path, text) in helm::render(&model, &options, &policies, &writable, &run.ctx.config.name) {
        files.push((path, Ok(text)));
    }
    let mut written = Vec::new();
    for (path, text) in files {
        let text = text.map_err(StageError::BadInput)?;
        if own(&path) {
            run.note(format!("`{path}` is the app's own: stowage writes nothing there (the validate gate checks it)"));
            continue;
        }
        run.write(&path, text)?;
        written.push(path);
    }
    let example = compose::env_example(&model, &policies);
    let has_example = own(".env.example");
    match (example, has_example) {
        (Some(text), false) => {
            run.write(".env.example", text)?;
            written.push(".env.example".into());
        }
        (Some(_), true) => {
            let names: Vec<String> = compose::variables(&model).into_keys().collect();
            run.note(format!(
                "the app has its own .env.example: stowage wrote none; the services read {}",
                names.join(", ")
            ));
        }
        (None, _) => {}
    }
    for (service, name) in compose::unsupported_backing(&model, &policies) {
        run.note(format!(
            "`{service}` uses {name}, which the compose files do not run: point its variables at one (they are \
             references to the environment)"
        ));
    }
    let secrets: BTreeMap<String, Vec<String>> = compose::secret_variables(&model, &policies);
    run.set_facts(serde_json::json!({
        "uid": options.uid,
        "gid": options.gid,
        "compose_folder": folder,
        "written": written,
        "secret_variables": secrets,
    }));
    Ok(())
}
