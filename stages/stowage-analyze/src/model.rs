//! The application model: what the analyze stage publishes as facts and every later stage renders from.
//!
//! Every detected fact is wrapped in [`Fact`] so that a reader can always ask "why do you think so?". The model is
//! deterministic: vectors are sorted, there are no absolute paths and no timestamps, so the same app gives the same
//! bytes on every machine.

use serde::{Deserialize, Serialize};

/// Where a fact came from: an app-relative file, a line when one is known, and a short human explanation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Evidence {
    pub file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    pub detail: String,
}

impl Evidence {
    pub fn new(file: &str, line: Option<u32>, detail: impl Into<String>) -> Evidence {
        Evidence { file: file.to_string(), line, detail: detail.into() }
    }

    /// `file:line`, or just `file`, as shown in documents and messages.
    pub fn location(&self) -> String {
        match self.line {
            Some(line) => format!("{}:{line}", self.file),
            None => self.file.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// A guess from a convention (a framework's default port).
    Low,
    /// Inferred from code or names rather than declared.
    Medium,
    /// Declared in a manifest, in code as a literal, or overridden by the user.
    High,
}

/// A detected value with its evidence and confidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact<T> {
    pub value: T,
    pub evidence: Vec<Evidence>,
    pub confidence: Confidence,
}

impl<T> Fact<T> {
    pub fn new(value: T, confidence: Confidence, evidence: Evidence) -> Fact<T> {
        Fact { value, evidence: vec![evidence], confidence }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Listens on a port: gets a Service and, in production, an Ingress.
    Web,
    /// Runs continuously without a port: no Service, no Ingress.
    Worker,
    /// Runs on a schedule or once: a CronJob or Job.
    Job,
    /// A command-line program: an image only.
    Cli,
    /// Static files served by a web server.
    Static,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Web => "web",
            Kind::Worker => "worker",
            Kind::Job => "job",
            Kind::Cli => "cli",
            Kind::Static => "static",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Some(match text {
            "web" => Kind::Web,
            "worker" => Kind::Worker,
            "job" => Kind::Job,
            "cli" => Kind::Cli,
            "static" => Kind::Static,
            _ => return None,
        })
    }
}

/// A listening port and the environment variable that overrides it, if the app reads one. `number` is absent when
/// the app only takes its port from the variable (no default anywhere): the platform must set it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Port {
    pub number: Option<u16>,
    pub env: Option<String>,
}

/// One deployable of the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub name: String,
    /// App-relative folder of the service's manifest, `.` for the app root.
    pub root: String,
    /// App-relative folder a container build must start from (a workspace root when members share a lockfile).
    pub build_context: String,
    pub kind: Fact<Kind>,
    pub language: Fact<String>,
    pub runtime_version: Option<Fact<String>>,
    pub package_manager: Option<Fact<String>>,
    /// App-relative path of the lockfile the build installs from.
    pub lockfile: Option<Fact<String>>,
    pub framework: Option<Fact<String>>,
    pub build_command: Option<Fact<String>>,
    pub start_command: Option<Fact<String>>,
    /// When the service's work runs. For a job, the CronJob schedule: a five-field cron expression or a macro
    /// (`@daily`), null when the app does not state one. For a worker or web service that hosts an in-process
    /// scheduler, the first schedule that scheduler states (the evidence lists every one), as written: six fields
    /// when the library counts seconds, or an interval (`every 5 minutes`). Informative only: the process stays up.
    #[serde(default)]
    pub schedule: Option<Fact<String>>,
    pub ports: Vec<Fact<Port>>,
    pub health_path: Option<Fact<String>>,
    pub readiness_path: Option<Fact<String>>,
    /// Names of the environment variables the service reads; never their values.
    pub env_vars: Vec<Fact<String>>,
    /// postgres, mysql, redis, mongodb, rabbitmq, kafka, elasticsearch, s3.
    pub backing_services: Vec<Fact<String>>,
    pub writable_paths: Vec<Fact<String>>,
}

/// A Dockerfile, compose file or Kubernetes manifest the app already has.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ContainerFile {
    pub path: String,
    /// dockerfile, compose, kubernetes, helm.
    pub kind: String,
    /// Base images of a Dockerfile (`FROM`), images of a compose file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<u16>,
}

/// A project that was found but is not deployed on its own.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// The whole model, published as the stage's facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Bumped when the shape changes incompatibly, so later stages can refuse a model they do not understand.
    pub model_version: u32,
    pub services: Vec<Service>,
    pub existing_container_files: Vec<ContainerFile>,
    pub skipped: Vec<Skipped>,
    /// Files that were not read, with the reason (binary, too large, not UTF-8, unreadable, symlink outside).
    pub unread: Vec<Skipped>,
}

pub const MODEL_VERSION: u32 = 1;
