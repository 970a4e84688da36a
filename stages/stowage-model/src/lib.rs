//! The application model of stowage: what the analyze stage publishes as facts and every later stage renders from.
//!
//! Every detected fact is wrapped in [`Fact`] so that a reader can always ask "why do you think so?". The model is
//! deterministic: vectors are sorted, there are no absolute paths and no timestamps, so the same app gives the same
//! bytes on every machine.
//!
//! This crate holds only the types (serde, plus schemars behind the `schema` feature), so analyze and every generator
//! share one definition: a generator reads typed facts with [`Model::from_facts`], never raw JSON paths.
//! `model.schema.json` at the root of this crate is generated from these types by `cargo xtask codegen` and checked by
//! a test, so stages written in other languages can read the same facts.
//!
//! ```
//! # use std::collections::BTreeMap;
//! # let facts: BTreeMap<String, serde_json::Value> = BTreeMap::new();
//! // In a generator stage: `let model = Model::from_facts(&run.ctx.facts)?;`
//! let error = stowage_model::Model::from_facts(&facts).unwrap_err();
//! assert!(error.to_string().contains("after `analyze`"));
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Where a fact came from: an app-relative file, a line when one is known, and a short human explanation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Evidence {
    /// App-relative path of the file, with `/` separators (`stowage.toml` for a user override).
    pub file: String,
    /// 1-based line in `file`, when the fact comes from one line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// What in the file says so, in a few words (`PORT default in index.js`).
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
/// How sure analyze is of a fact.
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
// Each instance gets a readable name in the schema (`Fact_of_Kind`) rather than a numbered one.
#[cfg_attr(feature = "schema", schemars(rename = "Fact_of_{T}"))]
pub struct Fact<T> {
    /// The detected value.
    pub value: T,
    /// Where it was found: at least one place, strongest first.
    pub evidence: Vec<Evidence>,
    pub confidence: Confidence,
}

impl<T> Fact<T> {
    pub fn new(value: T, confidence: Confidence, evidence: Evidence) -> Fact<T> {
        Fact { value, evidence: vec![evidence], confidence }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
/// What a service is, which decides what orchestrate renders for it.
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Port {
    /// The port number, when the app states one (a literal or a variable's default).
    pub number: Option<u16>,
    /// The environment variable that sets the port (`PORT`), when the app reads one.
    pub env: Option<String>,
}

/// One deployable of the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Service {
    /// Unique within the app; used for image, compose and Kubernetes names.
    pub name: String,
    /// App-relative folder of the service's manifest, `.` for the app root.
    pub root: String,
    /// App-relative folder a container build must start from (a workspace root when members share a lockfile).
    pub build_context: String,
    pub kind: Fact<Kind>,
    /// go, rust, python, javascript, typescript, java, kotlin, csharp, fsharp, php, ruby, or html (a static site).
    pub language: Fact<String>,
    /// The runtime version or constraint the app declares, as written (`>=3.11`, `20`, `1.22`).
    pub runtime_version: Option<Fact<String>>,
    /// npm, pnpm, yarn, bun, pip, uv, poetry, pipenv, pdm, go, cargo, maven, gradle, nuget, composer, bundler.
    pub package_manager: Option<Fact<String>>,
    /// App-relative path of the lockfile the build installs from.
    pub lockfile: Option<Fact<String>>,
    /// The web or worker framework (express, django, spring-boot, ...).
    pub framework: Option<Fact<String>>,
    /// The command that builds the service, as a shell command line.
    pub build_command: Option<Fact<String>>,
    /// The command that starts the service, as a shell command line.
    pub start_command: Option<Fact<String>>,
    /// When the service's work runs. For a job, the CronJob schedule: a five-field cron expression or a macro
    /// (`@daily`), null when the app does not state one. For a worker or web service that hosts an in-process
    /// scheduler, the first schedule that scheduler states (the evidence lists every one), as written: six fields
    /// when the library counts seconds, or an interval (`every 5 minutes`). Informative only: the process stays up.
    #[serde(default)]
    pub schedule: Option<Fact<String>>,
    /// Listening ports, strongest confidence first.
    pub ports: Vec<Fact<Port>>,
    /// The HTTP path of a liveness or health endpoint, prefixes included.
    pub health_path: Option<Fact<String>>,
    /// The HTTP path of a readiness endpoint, prefixes included.
    pub readiness_path: Option<Fact<String>>,
    /// Names of the environment variables the service reads; never their values.
    pub env_vars: Vec<Fact<String>>,
    /// The backing services the service talks to, sorted by name: required ones run beside it (compose, manifests),
    /// optional ones are only listed in the strategy.
    pub backing_services: Vec<BackingService>,
    /// Paths the service writes at run time (uploads, caches), relative to its working folder or absolute.
    pub writable_paths: Vec<Fact<String>>,
    /// What the image build needs beyond the commands: the artifact, output folder, native dependencies, version.
    pub build: BuildFacts,
}

/// The facts a Dockerfile recipe needs to build and package a service. The Java build tool is the service's
/// `package_manager` (`maven` or `gradle`); `wrapper` says whether the app carries its wrapper script.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BuildFacts {
    /// The version the service's own manifest declares, as written: package.json `version`, Cargo.toml
    /// `[package] version` (or the workspace's), pyproject `[project] version` or Poetry's, the pom's `<version>`
    /// (or its parent's), Gradle `version = "..."` (or gradle.properties), a csproj `<Version>`/`<VersionPrefix>`,
    /// composer.json `version`, a gemspec or `version.rb` `VERSION`. Go modules declare none.
    pub version: Option<Fact<String>>,
    /// What the build produces and the runtime image runs, relative to the service's `root`: a Go or Rust binary's
    /// file name (`server`), a Java jar (`target/app-1.0.jar`, `build/libs/app-1.0.jar`) or an `application`
    /// plugin's launcher (`build/install/app/bin/app`), a .NET assembly (`MyApp.dll`, from `<AssemblyName>` or the
    /// project file's name).
    pub artifact: Option<Fact<String>>,
    /// App-relative folder the build writes the files to ship: Vite `build.outDir` (default `dist`), Create React
    /// App `build`, Angular's `outputPath` (`/browser` under the application builder), Next.js `.next/standalone`
    /// (`output: 'standalone'`), `out` (`output: 'export'`) or `.next`, a TypeScript server's `outDir`.
    pub output_dir: Option<Fact<String>>,
    /// App-relative path of the build tool's wrapper script (`mvnw`, `gradlew`) when the app has one; the build
    /// then runs it instead of an installed Maven or Gradle.
    pub wrapper: Option<Fact<String>>,
    /// The Spring Boot version the build declares (parent pom, BOM, `spring-boot.version`, Gradle plugin or version
    /// catalog), as written.
    pub spring_boot_version: Option<Fact<String>>,
    /// PHP extensions composer.json `require`s (`ext-intl` gives `intl`), sorted.
    pub php_extensions: Vec<Fact<String>>,
    /// Dependencies that compile or link native code, so the build needs a C toolchain (and often libc at run
    /// time): `cgo` (a Go file imports "C", or a cgo module such as go-sqlite3), Rust `-sys` crates the package
    /// reaches in Cargo.lock (or declares), Node native modules (bcrypt, sharp, better-sqlite3, a `binding.gyp`),
    /// Python packages with C extensions (psycopg2, lxml, numpy, mysqlclient, ...), Ruby gems with C extensions.
    /// Sorted by name; the detail names the reason.
    pub native_dependencies: Vec<Fact<String>>,
}

/// A backing service (a database, cache, broker or object store the app connects to).
///
/// `required` when the default configuration connects to it: a connection URL or driver selected in the default
/// config, `.env.example` or the active profile, or a client library that always connects (a job queue on Redis, the
/// only SQL driver with no embedded database as the default). A driver for an optional profile, an adapter named for
/// one environment or a setting with no default leaves it optional: listed, never wired by the generators. A
/// `backing_services` list in stowage.toml makes the listed ones required.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BackingService {
    /// postgres, mysql, sqlserver, redis, memcached, mongodb, rabbitmq, kafka, elasticsearch, s3.
    pub name: String,
    /// Whether the default configuration needs it running.
    pub required: bool,
    /// Where it was found: at least one place, the strongest first.
    pub evidence: Vec<Evidence>,
}

/// A Dockerfile, compose file or Kubernetes manifest the app already has.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ContainerFile {
    /// App-relative path.
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Skipped {
    /// App-relative path of the project or file.
    pub path: String,
    /// Why it is not a deployable (or was not read).
    pub reason: String,
}

/// The whole model, published as the stage's facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Model {
    /// Bumped when the shape changes incompatibly, so later stages can refuse a model they do not understand.
    pub model_version: u32,
    /// The deployables, sorted by name.
    pub services: Vec<Service>,
    /// Container files the app already has.
    pub existing_container_files: Vec<ContainerFile>,
    /// Projects found that are not deployed on their own (libraries, examples, workspace roots).
    pub skipped: Vec<Skipped>,
    /// Files that were not read, with the reason (binary, too large, not UTF-8, unreadable, symlink outside).
    pub unread: Vec<Skipped>,
}

/// The model version this build reads and writes: 2 added `build`, 3 made backing services `{name, required,
/// evidence}`.
pub const MODEL_VERSION: u32 = 3;

/// The stage whose facts are the model: `Context::facts["analyze"]`.
pub const ANALYZE_STAGE: &str = "analyze";

/// Why a stage could not read the model out of its context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelError {
    /// No facts from analyze: the stage does not run after it.
    Missing,
    /// The facts are of another model version.
    Version { found: Option<u64> },
    /// The facts do not have the model's shape.
    Shape(String),
}

impl std::fmt::Display for ModelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ModelError::Missing => write!(
                f,
                "the context has no facts from the `{ANALYZE_STAGE}` stage: run this stage after `{ANALYZE_STAGE}` \
                 (add it to `after` in its [package.metadata.stowage])"
            ),
            ModelError::Version { found } => write!(
                f,
                "the `{ANALYZE_STAGE}` stage published model version {}, this stage reads version {MODEL_VERSION}: \
                 rebuild the stages from the same stowage version",
                found.map_or("none".to_string(), |v| v.to_string())
            ),
            ModelError::Shape(e) => write!(f, "the `{ANALYZE_STAGE}` stage's facts are not a model: {e}"),
        }
    }
}

impl std::error::Error for ModelError {}

impl Model {
    /// The model out of a stage context's `facts` (`&run.ctx.facts`), checked against [`MODEL_VERSION`].
    ///
    /// Generic over the fact value so that this crate needs no JSON library: `serde_json::Value` fits.
    pub fn from_facts<'a, V>(facts: &'a BTreeMap<String, V>) -> Result<Model, ModelError>
    where
        &'a V: serde::Deserializer<'a>,
    {
        /// Only the version, read first so that a model of another version gets the version message.
        #[derive(Deserialize)]
        struct Versioned {
            model_version: Option<u64>,
        }
        let value = facts.get(ANALYZE_STAGE).ok_or(ModelError::Missing)?;
        let found = Versioned::deserialize(value).map_err(|e| ModelError::Shape(e.to_string()))?.model_version;
        if found != Some(u64::from(MODEL_VERSION)) {
            return Err(ModelError::Version { found });
        }
        Model::deserialize(value).map_err(|e| ModelError::Shape(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(model: serde_json::Value) -> BTreeMap<String, serde_json::Value> {
        BTreeMap::from([(ANALYZE_STAGE.to_string(), model)])
    }

    fn check(model: serde_json::Value, expected: Result<usize, &str>) {
        let got = Model::from_facts(&facts(model)).map(|m| m.services.len()).map_err(|e| e.to_string());
        match (got, expected) {
            (Ok(n), Ok(m)) => assert_eq!(n, m),
            (Err(e), Err(want)) => assert!(e.contains(want), "{e}"),
            (got, want) => panic!("got {got:?}, expected {want:?}"),
        }
    }

    #[test]
    fn reads_the_model_and_refuses_what_is_not_one() {
        let empty = serde_json::json!({
            "model_version": MODEL_VERSION, "services": [], "existing_container_files": [], "skipped": [], "unread": []
        });
        check(empty.clone(), Ok(0));
        let mut other = empty.clone();
        other["model_version"] = serde_json::json!(MODEL_VERSION + 1);
        check(other, Err(&format!("published model version {}", MODEL_VERSION + 1)));
        check(serde_json::json!({}), Err("published model version none"));
        check(serde_json::json!("text"), Err("facts are not a model"));
        let mut broken = empty;
        broken["services"] = serde_json::json!([{ "name": "web" }]);
        check(broken, Err("facts are not a model: missing field"));
        assert_eq!(Model::from_facts::<serde_json::Value>(&BTreeMap::new()), Err(ModelError::Missing));
    }
}
