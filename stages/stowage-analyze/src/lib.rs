//! The `analyze` stage of stowage: reads an application repository and builds the application model (services,
//! stacks, ports, health, backing services, with evidence for every fact), then writes the containerization
//! strategy document `docs/containerization.md`.
//!
//! [`analyze`] is pure (it reads the app, writes nothing), so tests call it directly; [`run_stage`] wraps it in the
//! stage contract.
//!
//! # The model (the stage's facts)
//!
//! `{ model_version, services[], existing_container_files[], skipped[], unread[] }`. Each service has `name`, `root`
//! and `build_context` (app-relative folders, `.` for the root) and these facts: `kind` (web, worker, job, cli,
//! static), `language`, `runtime_version`, `package_manager`, `lockfile`, `framework`, `build_command`,
//! `start_command`, `schedule` (see below), `ports[]` (value `{ number, env }`: `number` is null when only the
//! variable sets the port), `health_path` (a route the app registers, never a path named only in a setting),
//! `readiness_path`, `env_vars[]` (names only), `backing_services[]`, `writable_paths[]` and `build`, the facts
//! a Dockerfile recipe needs: `version` (declared in the manifest), `artifact` (Go/Rust binary, Java jar, .NET
//! assembly), `output_dir` (Vite, Create React App, Angular, Next.js standalone/export, tsc `outDir`), `wrapper`
//! (mvnw, gradlew), `spring_boot_version`, `php_extensions[]` (composer.json `ext-*`) and `native_dependencies[]`
//! (cgo, `-sys` crates reached in Cargo.lock, Node native modules, Python and Ruby C extensions). A backing service
//! is `{ name, required, evidence }` (model version 3): required when the default configuration connects to it (a
//! connection or driver in the default config, `.env.example` or the active profile, or a client library that always
//! connects), optional otherwise (a driver for another profile, a framework config listing every driver, a setting
//! with no default); generators wire only the required ones. Every other fact is
//! `{ value, evidence: [{ file, line?, detail }], confidence: high | medium | low }`; a fact that was not found is
//! null (or an empty list), never a guess. `skipped[]` lists projects that are not deployables (libraries,
//! examples, test projects, workspace roots) with the reason; `unread[]` the files that were not read (binary,
//! over 1 MiB except manifests and lockfiles, past the 64 MiB of text analyze holds for a whole app
//! (manifests and smaller files are read first), not UTF-8, unreadable, pipes and devices, symlinks leaving the
//! app).
//!
//! # Static sites
//!
//! A folder with an `index.html` is a static site of its own only when no project owns it and it is not
//! documentation. Every project owns its folder, deployable or not (a server's templates and `public/`, a Python
//! app's `docs/`, a library's demo page), except monorepo roots (npm/pnpm/yarn, Cargo and uv workspace roots, Maven
//! aggregators, Gradle multi-project roots), which own nothing themselves. `docs/`, `doc/` and `documentation/`
//! sites are listed in `skipped` (published on their own). A site in a served-files folder (`apps/landing/public`)
//! is named after the folder above it (`landing`). A folder with its own package.json and a static build (Vite,
//! Create React App, Angular) is a static site wherever it is, even inside another app.
//!
//! # Ports and route prefixes
//!
//! A port comes, strongest first, from code (a literal, or a variable with its default), the start command, the
//! app's own Dockerfile (`EXPOSE`, `ENV PORT=`), then the app's own compose files (`ports`, `expose` of a service
//! that builds the deployable's folder) and Kubernetes manifests (`containerPort`, a Service's `targetPort`, named
//! ports resolved) at low confidence, and last a framework's documented default. A manifest is credited to the
//! deployable it names (service, container, workload or image name), else the one whose folder it builds or holds.
//! Manifests confirm a port the code names (their evidence is added) or give the number when the code names none;
//! a manifest port that disagrees with the code is the deployment's choice (usually made through the port
//! variable) and is not reported. Backing-service containers (postgres, redis, ...) are never the app's.
//!
//! Health and readiness routes carry the prefixes they are served under, wherever those are set: the router's own
//! prefix, Express `app.use('/api', router)`, FastAPI `include_router(r, prefix=...)`, Flask
//! `register_blueprint(bp, url_prefix=...)` (which replaces the blueprint's own, as in Flask), Django
//! `path('api/', include('app.urls'))` (chained includes too), NestJS `@Controller('x')` and
//! `app.setGlobalPrefix('api', { exclude })`, actix-web scopes, Spring's
//! `server.servlet.context-path` (or `spring.webflux.base-path`) and Actuator's
//! `management.endpoints.web.base-path`. A Python prefix may also be a constant the app assigns one literal
//! (`prefix=settings.API_V1_STR`); any other prefix is not guessed, and the routes under it are not reported.
//!
//! # Kinds, and scheduled work
//!
//! A service is `web` when a web framework serves HTTP or something listens on a port; `static` when it is files
//! served by a web server; `cli` when it is a program that runs to completion (a console script, a `main` without
//! a server, a package `bin`); otherwise `worker`, a process that runs until stopped (a queue consumer, a loop, a
//! Procfile process other than `web` and `release`).
//!
//! Scheduled work follows one rule: **whoever keeps time decides the kind.**
//!
//! - When something outside the app starts a one-shot command on a schedule, that command is a `job`, rendered as
//!   a CronJob: one job service per command, named `<service>-<command>`, built from its folder's image, with
//!   `schedule` set to the five-field cron expression (or macro) the app states. The app states it in a committed
//!   crontab (`crontab`, `*.crontab`, `*.cron`, a `cron.d/` file; Django management commands are usually run this
//!   way), whenever's `config/schedule.rb` (`every 1.day, at: '4:30 am'` becomes `30 4 * * *`; `every :reboot` is
//!   not a schedule), Vercel's `crons` (a job that calls the path on the web service), Render's `render.yaml`
//!   `type: cron` services (matched by `rootDir`), the app's own Kubernetes CronJobs (matched to a deployable like
//!   any manifest; without `command` the job runs the deployable's start command), or Laravel's scheduler
//!   (`schedule:run` every minute, as Laravel documents). A service that Railway starts on a schedule
//!   (`deploy.cronSchedule` in its railway.toml/json) is itself a job. A job whose schedule cannot be read keeps
//!   `schedule` null; it is never guessed.
//! - When the app keeps time itself, with a scheduler library in a long-running process (node-cron, cron,
//!   node-schedule, croner, agenda, bree, @nestjs/schedule, APScheduler, schedule, Celery beat, sidekiq-cron,
//!   sidekiq-scheduler, rufus-scheduler, clockwork, Spring `@Scheduled`, robfig/cron, gocron,
//!   tokio-cron-scheduler), that process stays up: it is a `worker` (a program that would otherwise be a `cli`
//!   becomes one), or stays `web` when the scheduler lives in the web server. A CronJob would start a second copy
//!   of the scheduler at every tick. Its `schedule` is recorded for information, as the library states it. A
//!   Procfile `clock:`/`scheduler:` process is such a worker, with the schedules of the file its command runs;
//!   Celery beat and Sidekiq schedules run in a process of their own (`celery -A app beat`, `bundle exec
//!   sidekiq`), added as a worker when no Procfile process runs it.
//! - A scheduler dependency without a schedule call, a call without its library, a crontab under a test folder
//!   and an `@reboot` line are not evidence of scheduled work.
//!
//! # Options: `[stages.analyze]` in stowage.toml
//!
//! `only = ["name", ...]` keeps just those services (the others are listed in `skipped`).
//! `[stages.analyze.services.NAME]` overrides any fact of a detected service (`kind`, `language`,
//! `runtime_version`, `package_manager`, `lockfile`, `framework`, `build_command`, `start_command`, `schedule`,
//! `health_path`, `readiness_path`, `port` or `ports` as numbers or `{ number, env }`, `env_vars`,
//! `backing_services`, `writable_paths`, `root`, `build_context`), or declares a new service when it has a
//! `root`. An override's evidence points at the stowage.toml line; unknown keys are errors naming the key and line.
//!
//! Files stowage generated earlier (the lock's list) and `exclude`d paths are never read.

mod build;
mod compose;
mod containers;
mod detect;
pub mod doc;
mod eco;
mod glob;
pub mod options;
mod scan;
mod schedule;
mod walk;
mod yaml;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use stowage_kit::{Run, StageError};
/// The model's types live in the `stowage-model` crate, shared with every generator.
pub use stowage_model as model;

pub use model::Model;
pub use options::Overrides;

use detect::Found;
use model::{Service, Skipped};

/// What to analyse and how.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// App-relative glob patterns of paths that are not part of the app.
    pub exclude: Vec<String>,
    /// App-relative paths stowage generated earlier: never evidence.
    pub managed: Vec<String>,
    /// Name used for a service at the app root whose manifest has no name.
    pub app_name: String,
    pub overrides: Overrides,
    /// The most text held for the whole app; None: `MAX_TOTAL_TEXT_BYTES` (64 MiB). Files past it are listed in
    /// `unread`, manifests and smaller files read first.
    pub text_budget: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AnalyzeError {
    /// The app folder cannot be read.
    Unreadable(String),
    /// Nothing deployable was found; the message says what was looked for.
    NothingFound(String),
    /// `[stages.analyze]` is wrong; the message names the key and where it was set.
    Options(String),
}

impl std::fmt::Display for AnalyzeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AnalyzeError::Unreadable(m) | AnalyzeError::NothingFound(m) | AnalyzeError::Options(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for AnalyzeError {}

/// What the stage looks for, named in the message when nothing is found.
pub const LOOKED_FOR: &str = "package.json, pyproject.toml, requirements.txt, Pipfile, setup.py, go.mod, Cargo.toml, \
     pom.xml, build.gradle(.kts), *.csproj, *.fsproj, composer.json, Gemfile and index.html";

/// Analyses the app at `root`. Reads files only.
/// One compose service as analyze reads it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ComposeService {
    /// The project's main file, app-relative.
    pub project: String,
    pub name: String,
    /// The image, `${VAR:-default}` interpolated.
    pub image: Option<String>,
    /// The build context, app-relative.
    pub build: Option<String>,
    /// The container side of each published or exposed port (`8080:80` is `80`).
    pub ports: Vec<String>,
    /// `profiles:`: the service starts only when one of them is asked for.
    pub profiles: Vec<String>,
}

/// The compose services of the app at `root` as analyze reads them: overrides, `extends`, `include`, profiles and
/// `${VAR:-default}` interpolation applied. corpus-check compares them with `podman-compose config`.
pub fn compose_services(root: &Path) -> Result<Vec<ComposeService>, String> {
    let tree = walk::read_tree(root, &[], &BTreeSet::new(), None)?;
    let mut out = Vec::new();
    for (project, services) in compose::projects(&tree) {
        for service in services {
            let build = service
                .build
                .as_ref()
                .map(|(context, _)| scan::normalize_path(&walk::join(walk::parent(&context.file), &context.text)));
            let mut ports: Vec<String> = service
                .ports
                .iter()
                .chain(&service.expose)
                .map(|p| {
                    let container = p.text.rsplit(':').next().unwrap_or(&p.text);
                    container.trim().trim_end_matches("/tcp").to_string()
                })
                .collect();
            ports.sort();
            ports.dedup();
            out.push(ComposeService {
                project: project.clone(),
                name: service.name.clone(),
                image: service.image.as_ref().map(|i| i.text.clone()),
                build,
                ports,
                profiles: service.profiles.clone(),
            });
        }
    }
    out.sort();
    Ok(out)
}

pub fn analyze(root: &Path, options: &Options) -> Result<Model, AnalyzeError> {
    let managed: BTreeSet<String> = options.managed.iter().cloned().collect();
    let tree =
        walk::read_tree(root, &options.exclude, &managed, options.text_budget).map_err(AnalyzeError::Unreadable)?;
    let app_name = if options.app_name.is_empty() {
        root.canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_default()
    } else {
        options.app_name.clone()
    };

    let mut services: Vec<Service> = Vec::new();
    let mut skipped: Vec<Skipped> = Vec::new();
    let mut drafts = Vec::new();
    for found in eco::detect_all(&tree, &app_name) {
        match found {
            Found::Service(draft) => match detect::tooling_skip(&draft) {
                Some(skip) => skipped.push(skip),
                None => drafts.push(*draft),
            },
            Found::Skipped(s) => skipped.push(s),
        }
    }
    // The app's compose files and manifests are matched against every deployable at once (by name first), so a
    // manifest is credited to the one it runs.
    let targets: Vec<containers::Target> = drafts
        .iter()
        .map(|d| containers::Target { name: &d.name, root: &d.root, build_context: &d.build_context })
        .collect();
    let declared = containers::manifest_claims(&tree, &targets);
    for (mut draft, claims) in drafts.into_iter().zip(declared) {
        draft.manifest_ports = claims.ports;
        draft.manifest_jobs = claims.jobs;
        draft.manifest_processes = claims.processes;
        draft.manifest_env = claims.env;
        services.extend(detect::finish(&tree, draft));
    }
    merge_asset_builds(&mut services, &mut skipped);
    // Deployables of one folder (binaries of a package, `cmd/*` programs) find the same scheduled commands there.
    let mut seen_jobs: BTreeSet<(String, Option<String>, Option<String>)> = BTreeSet::new();
    services.retain(|s| {
        s.kind.value != model::Kind::Job
            || seen_jobs.insert((
                s.root.clone(),
                s.start_command.as_ref().map(|c| c.value.clone()),
                s.schedule.as_ref().map(|c| c.value.clone()),
            ))
    });
    unique_names(&mut services);

    let overrides = &options.overrides;
    for (name, facts) in &overrides.services {
        if !services.iter().any(|s| &s.name == name) {
            match options::declared_service(name, facts) {
                Some(service) => services.push(service),
                None => {
                    let o = facts.values().next().map(|o| o.origin.clone());
                    let at = o.map_or("stowage.toml".to_string(), |o| match o.line {
                        Some(l) => format!("{}:{l}", o.file),
                        None => o.file,
                    });
                    return Err(AnalyzeError::Options(format!(
                        "{at}: `stages.analyze.services.{name}` overrides a service that was not detected (detected: {}); \
                         give it a `root` to declare it",
                        names(&services)
                    )));
                }
            }
        }
    }
    for service in &mut services {
        if let Some(facts) = overrides.services.get(&service.name) {
            options::apply(service, facts);
        }
    }
    if let Some((only, origin)) = &overrides.only {
        let at = match origin.line {
            Some(l) => format!("{}:{l}", origin.file),
            None => origin.file.clone(),
        };
        for name in only {
            if !services.iter().any(|s| &s.name == name) {
                return Err(AnalyzeError::Options(format!(
                    "{at}: `stages.analyze.only` names `{name}`, which is not a service (detected: {})",
                    names(&services)
                )));
            }
        }
        let (kept, dropped): (Vec<Service>, Vec<Service>) = services.into_iter().partition(|s| only.contains(&s.name));
        for s in dropped {
            skipped.push(Skipped {
                path: s.root.clone(),
                reason: format!("service `{}` not listed in `stages.analyze.only` ({at})", s.name),
            });
        }
        services = kept;
    }

    if services.is_empty() {
        let mut message = format!(
            "nothing deployable found in {}: looked for {LOOKED_FOR}; point --app at the app's folder, or declare a \
             service with a `root` in [stages.analyze.services.NAME]",
            root.display()
        );
        // One project per line: the error's first line (what is wrong, what to do) must survive a runner or a CI
        // log that keeps only the start of long lines, however many projects a repository holds.
        if !skipped.is_empty() {
            message.push_str("\n  found only:");
            for s in skipped.iter().take(5) {
                message.push_str(&format!("\n  - {} ({})", s.path, s.reason));
            }
            if skipped.len() > 5 {
                message.push_str(&format!("\n  - and {} more non-deployable project(s)", skipped.len() - 5));
            }
        }
        return Err(AnalyzeError::NothingFound(message));
    }

    services.sort_by(|a, b| a.name.cmp(&b.name));
    for s in &mut services {
        s.ports.sort_by(|a, b| b.confidence.cmp(&a.confidence).then(a.value.cmp(&b.value)));
    }
    skipped.sort();
    skipped.dedup();
    mask_secrets(Model {
        model_version: model::MODEL_VERSION,
        services,
        existing_container_files: containers::existing(&tree),
        skipped,
        unread: tree.unread,
    })
}

/// What replaces a secret value in the model: commands keep their shape (`DB_PASSWORD=<redacted> node server.js`).
pub const REDACTED: &str = "<redacted>";

/// The model with every secret value masked, in every string it holds (commands, schedules, evidence details,
/// overrides): the facts go to every later stage and the generators copy commands into Dockerfiles and manifests,
/// so no secret may reach them. Masking every string rather than chosen fields keeps a fact added later covered.
fn mask_secrets(model: Model) -> Result<Model, AnalyzeError> {
    let internal = |e: serde_json::Error| AnalyzeError::Unreadable(format!("internal error masking secrets: {e}"));
    let mut value = serde_json::to_value(&model).map_err(internal)?;
    stowage_kit::secret::mask_json(&mut value, REDACTED);
    serde_json::from_value(value).map_err(internal)
}

/// A static build (Vite, webpack) in the same folder as a server (Laravel, Rails, Django) builds that server's
/// assets: it is part of the server's image, not a deployable of its own.
fn merge_asset_builds(services: &mut Vec<Service>, skipped: &mut Vec<Skipped>) {
    let mut index = 0;
    while index < services.len() {
        let s = &services[index];
        let owner = (s.kind.value == model::Kind::Static)
            .then(|| services.iter().position(|t| t.root == s.root && t.kind.value != model::Kind::Static))
            .flatten();
        let Some(owner) = owner else {
            index += 1;
            continue;
        };
        let asset = services.remove(index);
        let owner = if owner > index { owner - 1 } else { owner };
        let target = &mut services[owner];
        skipped.push(Skipped {
            path: asset.root.clone(),
            reason: format!(
                "front-end asset build (`{}`) of the `{}` service in the same folder",
                asset.name, target.name
            ),
        });
        if target.build_command.is_none() {
            target.build_command = asset.build_command;
        }
    }
}

fn names(services: &[Service]) -> String {
    let names: Vec<&str> = services.iter().map(|s| s.name.as_str()).collect();
    if names.is_empty() { "none".into() } else { names.join(", ") }
}

/// Service names must be unique (they become image and Kubernetes names): clashes get their folder appended.
fn unique_names(services: &mut [Service]) {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for s in services.iter() {
        *counts.entry(s.name.clone()).or_default() += 1;
    }
    let mut used: BTreeSet<String> = BTreeSet::new();
    for s in services.iter_mut() {
        if counts[&s.name] > 1 {
            let base =
                format!("{}-{}", s.name, detect::service_name(if s.root == "." { &s.language.value } else { &s.root }));
            let mut name = base.clone();
            let mut i = 2;
            while used.contains(&name) {
                name = format!("{base}-{i}");
                i += 1;
            }
            s.name = name;
        }
        used.insert(s.name.clone());
    }
}

/// The stage: analyse `run.ctx.app.root`, publish the model as facts, write `docs/containerization.md`.
pub fn run_stage(run: &mut Run) -> Result<(), StageError> {
    let config = &run.ctx.config;
    let overrides = Overrides::parse(config.stage_options.get("analyze"), &config.key_locations)
        .map_err(|e| StageError::BadInput(e.to_string()))?;
    let options = Options {
        exclude: config.exclude.clone(),
        managed: run.ctx.managed.clone(),
        app_name: run.ctx.app.name.clone(),
        overrides,
        text_budget: None,
    };
    let model = analyze(&run.ctx.app.root, &options).map_err(|e| StageError::BadInput(e.to_string()))?;
    for u in &model.unread {
        run.note(format!("skipped {}: {}", u.path, u.reason));
    }
    for s in &model.skipped {
        run.note(format!("not a deployable: {}: {}", s.path, s.reason));
    }
    if !run.ctx.managed.is_empty() {
        run.note(format!("{} file(s) generated by stowage were not read as evidence", run.ctx.managed.len()));
    }
    let facts =
        serde_json::to_value(&model).map_err(|e| StageError::Internal(format!("cannot serialize the model: {e}")))?;
    run.set_facts(facts);
    run.write("docs/containerization.md", doc::render(&model))?;
    Ok(())
}
