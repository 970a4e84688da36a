//! The verify gate: text that looks like a Dockerfile is not a container. For each image the dockerfile stage
//! staged, it builds the staged Dockerfile with the staged ignore file on a real engine (podman or docker), runs the
//! image under full hardening (read-only root filesystem with tmpfs for the writable paths, every capability
//! dropped, no-new-privileges, the image's own user, memory, CPU and PID limits), checks from outside that the
//! hardening holds (`/proc/<pid>/status` of the container's PID 1 and `inspect`), and waits until it is healthy:
//! HTTP 2xx on the health path from the host through the published port, else an open port; a worker keeps running
//! 10 s; a CLI answers `--version` or `--help`. Failures are `VF` findings ([`rules`]); build time, image size and
//! time to healthy are the stage's `measurements` fact.
//!
//! It is the documented exception to two stage invariants: builds reach package registries, and the engine keeps
//! the images it built (named `stowage-verify/<app>/<image>`). Nothing is written into the app or under `--out`.
//! Every container and image carries the labels `io.stowage.verify.app` and `io.stowage.verify.run`; an earlier
//! run's leftovers (even of a run killed outright) are removed when the next run on the app starts.
//!
//! `STOWAGE_VERIFY_PROC` replaces `/proc` for the privilege checks, for tests with a scripted engine.

pub mod compose;
pub mod engine;
pub mod layers;
pub mod probe;
pub mod rules;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Deserialize;
use stowage_kit::{Finding, Run, StageError, image_component};
use stowage_model::{Kind, Model, Service};

use engine::{Engine, Flavour};

/// The stage's options (`[stages.verify]`), with the defaults of policies/defaults.toml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// Run the gate on `containerize` without `--verify` (never under `--check` without it).
    #[serde(default)]
    pub enabled: bool,
    /// Set by the runner for `--verify`: no engine is then an error, not a skip.
    #[serde(default)]
    pub required: bool,
    /// `podman`, `docker`, or a path to either; empty: the first that answers.
    #[serde(default)]
    pub engine: String,
    /// Prefix for every base image (the Dockerfiles' `REGISTRY` build argument), e.g. a mirror or the local
    /// stand-ins `localhost/stowage-standin/`; a `localhost/` prefix also means nothing is pulled.
    #[serde(default)]
    pub base_registry: String,
    /// A CA bundle handed to builds as the `ca` secret (for registries behind a TLS-intercepting proxy); empty:
    /// `SSL_CERT_FILE`, else the system bundle when there is one; `none`: no secret.
    #[serde(default)]
    pub ca_bundle: String,
    #[serde(default = "default_build_timeout")]
    pub build_timeout_seconds: u64,
    #[serde(default = "default_health_timeout")]
    pub health_timeout_seconds: u64,
    /// The memory limit of each hardened run, as the engine's `--memory` takes it.
    #[serde(default = "default_memory")]
    pub memory: String,
    #[serde(default = "default_cpus")]
    pub cpus: String,
    #[serde(default = "default_pids")]
    pub pids_limit: u32,
    /// The compose command for the smoke test of services that need their backing services: empty means
    /// `podman-compose` with podman, `docker compose` with docker.
    #[serde(default)]
    pub compose: String,
    /// The command that renders a Kustomize overlay for the Kubernetes smoke test: empty means `kubectl kustomize`.
    #[serde(default)]
    pub kustomize: String,
    /// The whole stage's deadline, read by the runner (it replaces `thresholds.stage_timeout_seconds` for this
    /// stage, since a cold release build on 2 cores takes longer than any generator).
    #[serde(default)]
    pub timeout_seconds: Option<u64>,
}

fn default_build_timeout() -> u64 {
    1200
}
fn default_health_timeout() -> u64 {
    60
}
fn default_memory() -> String {
    "512m".into()
}
fn default_cpus() -> String {
    "1".into()
}
fn default_pids() -> u32 {
    256
}

impl Default for Options {
    fn default() -> Options {
        serde_json::from_value(serde_json::json!({})).expect("every option has a default")
    }
}

impl Options {
    pub fn from_context(run: &Run) -> Result<Options, StageError> {
        let Some(value) = run.ctx.config.stage_options.get("verify") else {
            return Ok(Options::default());
        };
        let at = run.ctx.config.key_locations.get("stages.verify").cloned().unwrap_or("stowage.toml".into());
        let options: Options = serde_json::from_value(value.clone())
            .map_err(|e| StageError::BadInput(format!("{at}: invalid [stages.verify]: {e}")))?;
        if options.health_timeout_seconds == 0 || options.build_timeout_seconds == 0 {
            return Err(StageError::BadInput(format!(
                "{at}: [stages.verify] build_timeout_seconds and health_timeout_seconds must be above 0"
            )));
        }
        if !options.base_registry.is_empty() && !options.base_registry.ends_with('/') {
            return Err(StageError::BadInput(format!(
                "{at}: [stages.verify] base_registry must end with `/` (it is prefixed to every base image, as the \
                 Dockerfiles' REGISTRY argument): \"{}/\"",
                options.base_registry
            )));
        }
        Ok(options)
    }
}

/// One image the dockerfile stage planned, as its facts publish it.
#[derive(Debug, Clone, Deserialize)]
struct ImageFact {
    image: String,
    services: Vec<String>,
    dockerfile: String,
    ignore_file: String,
    build_context: String,
    #[serde(default)]
    writable_paths: Vec<String>,
    /// The ports the image exposes (a static site's web server's, which the model does not hold).
    #[serde(default)]
    ports: Vec<u16>,
}

/// What the gate measured for one image.
#[derive(Debug, Default, serde::Serialize)]
struct Measurement {
    image: String,
    dockerfile: String,
    built: bool,
    build_seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    size_bytes: Option<u64>,
    /// Build steps the engine took from its cache, and the instructions of those it ran (cache reuse: after a
    /// source change, the dependency steps are cached and only the source copy and what follows run).
    cached_steps: usize,
    rebuilt_steps: Vec<String>,
    services: Vec<ServiceMeasurement>,
}

#[derive(Debug, Default, serde::Serialize)]
struct ServiceMeasurement {
    service: String,
    kind: String,
    /// The probe that decided: `http GET /health`, `tcp 8080`, `running 10 s`, `--version`, or why none ran.
    probe: String,
    healthy: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_to_healthy_ms: Option<u128>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stop_ms: Option<u128>,
    /// The Kubernetes smoke test: the service's Deployment of the dev overlay under `podman kube play`.
    #[serde(skip_serializing_if = "Option::is_none")]
    kube: Option<KubeMeasurement>,
}

#[derive(Debug, Default, serde::Serialize)]
struct KubeMeasurement {
    probe: String,
    healthy: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_to_healthy_ms: Option<u128>,
}

impl Measurement {
    /// One line for the terminal: what was built and how each service did.
    fn summary(&self) -> String {
        let mut line = format!("`{}`", self.image);
        if !self.built {
            line.push_str(&format!(" did not build ({:.1} s)", self.build_seconds));
            return line;
        }
        line.push_str(&format!(" built in {:.1} s", self.build_seconds));
        if let Some(size) = self.size_bytes {
            line.push_str(&format!(", {:.1} MB", size as f64 / 1e6));
        }
        for s in &self.services {
            line.push_str(&format!("; `{}` ({})", s.service, s.kind));
            match (s.healthy, s.start_to_healthy_ms) {
                (true, Some(ms)) => line.push_str(&format!(" healthy in {ms} ms by {}", s.probe)),
                (true, None) => line.push_str(&format!(" passed: {}", s.probe)),
                (false, _) if s.probe.starts_with("not ") => line.push_str(&format!(": {}", s.probe)),
                (false, _) => line.push_str(&format!(" failed ({})", s.probe)),
            }
            if let Some(k) = &s.kube {
                match k.start_to_healthy_ms {
                    Some(ms) if k.healthy => line.push_str(&format!(", under kube play healthy in {ms} ms")),
                    _ => line.push_str(&format!(", under kube play: {}", k.probe)),
                }
            }
        }
        line
    }
}

const APP_LABEL: &str = "io.stowage.verify.app";
const RUN_LABEL: &str = "io.stowage.verify.run";

/// The stage.
pub fn run_stage(run: &mut Run) -> Result<(), StageError> {
    let options = Options::from_context(run)?;
    let model = Model::from_facts(&run.ctx.facts).map_err(|e| StageError::BadInput(e.to_string()))?;
    let images: Vec<ImageFact> = match run.ctx.facts.get("dockerfile").and_then(|f| f.get("images")) {
        Some(value) => serde_json::from_value(value.clone())
            .map_err(|e| StageError::BadInput(format!("the dockerfile stage's facts are not as expected: {e}")))?,
        None => {
            run.note("nothing to build (the dockerfile stage did not run or planned no image)");
            return Ok(());
        }
    };
    let preferred = (!options.engine.is_empty()).then_some(options.engine.as_str());
    let engine = match engine::detect(preferred) {
        Ok(engine) => engine,
        Err(tried) => {
            let why = format!(
                "no container engine answers ({}): install podman (`apt-get install -y podman runc`, see \
                 docs/verify.md for the setup), start a Docker daemon, or name one with `[stages.verify] engine`",
                tried.join("; ")
            );
            if options.required || std::env::var_os("CI").is_some() {
                return Err(StageError::BadInput(format!("verify: {why}")));
            }
            run.note(format!("skipped: {why}"));
            return Ok(());
        }
    };
    let mut gate = Gate::new(run, engine, options, &images);
    gate.clean_leftovers()?;
    let mut measurements = Vec::new();
    for (index, image) in images.iter().enumerate() {
        gate.current = index;
        let m = gate.verify_image(image, &model)?;
        let note = m.summary();
        gate.run.note(note);
        measurements.push(m);
    }
    if !gate.deferred.is_empty() {
        gate.smoke_compose(&images, &model, &mut measurements)?;
    }
    gate.smoke_kube(&images, &model, &mut measurements)?;
    gate.clean_run();
    let engine_name = gate.engine.name();
    let run_id = gate.run_id.clone();
    drop(gate);
    let checks = checks(&measurements);
    run.set_facts(serde_json::json!({
        "engine": engine_name, "run": run_id, "measurements": measurements, "checks": checks
    }));
    Ok(())
}

/// The gate's checks as reports show them besides rules (JUnit test cases): each image's build, each service's
/// health alone or with its backing services, and under `kube play`; the reason when one failed or did not run.
fn checks(measurements: &[Measurement]) -> Vec<serde_json::Value> {
    let check = |name: String, file: &str, status: &str, message: String, seconds: Option<f64>| {
        let mut c = serde_json::json!({
            "suite": "verify", "name": name, "file": file, "status": status, "message": message
        });
        if let Some(s) = seconds {
            c["seconds"] = s.into();
        }
        c
    };
    let mut out = Vec::new();
    for m in measurements {
        let (status, message) = if m.built {
            ("passed", format!("built, {:.1} MB", m.size_bytes.unwrap_or(0) as f64 / 1e6))
        } else {
            ("failed", "did not build: the VF001 finding names the step and the log tail".to_string())
        };
        out.push(check(format!("build {}", m.image), &m.dockerfile, status, message, Some(m.build_seconds)));
        for s in &m.services {
            let seconds = s.start_to_healthy_ms.map(|ms| ms as f64 / 1000.0);
            let status = if s.healthy {
                "passed"
            } else if s.probe.starts_with("not ") {
                "skipped"
            } else {
                "failed"
            };
            out.push(check(
                format!("{} ({}) healthy", s.service, s.kind),
                &m.dockerfile,
                status,
                s.probe.clone(),
                seconds,
            ));
            if let Some(k) = &s.kube {
                let status = if k.healthy { "passed" } else { "failed" };
                let seconds = k.start_to_healthy_ms.map(|ms| ms as f64 / 1000.0);
                out.push(check(
                    format!("{} healthy under kube play", s.service),
                    &m.dockerfile,
                    status,
                    k.probe.clone(),
                    seconds,
                ));
            }
        }
    }
    out
}

struct Gate<'r> {
    run: &'r mut Run,
    engine: Engine,
    options: Options,
    run_id: String,
    app: String,
    /// App-relative path to the staged bytes, for the files the gate builds from.
    staged: BTreeMap<String, PathBuf>,
    proc_root: PathBuf,
    scratch: Option<PathBuf>,
    /// Services that need their backing services, left for the compose smoke test: (image index, service).
    deferred: Vec<(usize, String)>,
    /// The image being verified, by index in the dockerfile stage's facts.
    current: usize,
    /// A host port the caller published itself (kube play's hostPort), for the next probe.
    known_host_port: Option<u16>,
}

impl<'r> Gate<'r> {
    fn new(run: &'r mut Run, engine: Engine, options: Options, _images: &[ImageFact]) -> Gate<'r> {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let run_id = format!("{}-{:x}", std::process::id(), nanos & 0xffff_ffff);
        let app = image_component(&run.ctx.app.name);
        let staged = run.ctx.staged.iter().map(|f| (f.path.clone(), f.source.clone())).collect();
        let proc_root = std::env::var_os("STOWAGE_VERIFY_PROC").map_or(PathBuf::from("/proc"), PathBuf::from);
        Gate {
            run,
            engine,
            options,
            run_id,
            app,
            staged,
            proc_root,
            scratch: None,
            deferred: Vec::new(),
            current: 0,
            known_host_port: None,
        }
    }

    fn quick(&self, args: &[&str]) -> Result<engine::Output, StageError> {
        let out = self
            .engine
            .run(args, Duration::from_secs(120))
            .map_err(|e| StageError::Internal(format!("{} {}: {e}", self.engine.name(), args[0])))?;
        if out.timed_out {
            return Err(StageError::Internal(format!(
                "`{} {}` did not answer within 120 s: the engine is stuck",
                self.engine.name(),
                args.join(" ")
            )));
        }
        Ok(out)
    }

    /// Removes everything `list` prints (one id or name per word) with `remove`; how many there were.
    fn remove_listed(&self, list: &[&str], remove: &[&str], extra: Vec<String>) -> Result<usize, StageError> {
        let out = self.quick(list)?;
        // An engine that cannot list these (docker has no pods) has none to remove.
        let listed = if out.ok() { out.stdout } else { String::new() };
        let ids: Vec<&str> = listed.split_whitespace().chain(extra.iter().map(String::as_str)).collect();
        if !ids.is_empty() {
            let mut args = remove.to_vec();
            args.extend(&ids);
            // Something already gone, or a volume still in use, is no reason to stop the gate.
            let _ = self.quick(&args);
        }
        Ok(ids.len())
    }

    /// Removes what an earlier run on this app left: containers, pods, networks, volumes.
    fn clean_leftovers(&mut self) -> Result<(), StageError> {
        let filter = format!("label={APP_LABEL}={}", self.app);
        let containers = self.remove_listed(&["ps", "-a", "-q", "--filter", &filter], &["rm", "-f"], Vec::new())?;
        if containers > 0 {
            self.run.note(format!("removed {containers} container(s) an earlier run left"));
        }
        // kube play's pods carry the label; podman-compose's pod is named after the project.
        let prefix = format!("pod_stowage-verify-{}-", self.app.replace(['/', '.'], "-"));
        let named = self.quick(&["pod", "ls", "--format", "{{.Name}}"])?.stdout;
        let compose_pods = named.lines().filter(|n| n.starts_with(&prefix)).map(str::to_string).collect();
        self.remove_listed(&["pod", "ls", "-q", "--filter", &filter], &["pod", "rm", "-f"], compose_pods)?;
        // The compose smoke test's networks and volumes, which a killed run left (they carry the same label).
        for kind in ["network", "volume"] {
            self.remove_listed(&[kind, "ls", "-q", "--filter", &filter], &[kind, "rm"], Vec::new())?;
        }
        // Images stay: their layers are the build cache that makes the next build of the app quick. A rebuild
        // takes the name `stowage-verify/<app>/<image>` over.
        Ok(())
    }

    /// Removes this run's containers and its private scratch folder.
    fn clean_run(&mut self) {
        let filter = format!("label={RUN_LABEL}={}", self.run_id);
        let _ = self.remove_listed(&["ps", "-a", "-q", "--filter", &filter], &["rm", "-f"], Vec::new());
        if let Some(dir) = self.scratch.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }

    /// The name the gate gives an image it builds.
    fn tag(&self, image: &ImageFact) -> String {
        format!("stowage-verify/{}/{}", self.app, image_component(&image.image))
    }

    /// Each service of an image that built, with that image's tag.
    fn built_tags(&self, images: &[ImageFact], measurements: &[Measurement]) -> Vec<(String, String)> {
        images
            .iter()
            .zip(measurements)
            .filter(|(_, m)| m.built)
            .flat_map(|(i, _)| {
                let tag = self.tag(i);
                i.services.iter().map(move |s| (s.clone(), tag.clone()))
            })
            .collect()
    }

    fn finding(&mut self, file: &str, line: Option<u32>, code: &str, message: String) {
        let rule = rules::find(code);
        // Reports keep the message whole, and the terminal escapes its line breaks: the log tail it carries is
        // shown live, line by line, as progress.
        for (i, text) in message.lines().enumerate() {
            let text = one_line(text);
            if i == 0 {
                println!("progress: {} {code} {text}", rule.severity);
            } else {
                println!("progress:   {text}");
            }
        }
        self.run.finding(Finding {
            file: file.to_string(),
            line,
            column: None,
            rule: code.to_string(),
            severity: rule.severity,
            message,
            snippet: None,
        });
        self.run.report.rules.push(rules::info(code));
    }

    /// A private folder outside the app and `--out`, for what docker needs beside a Dockerfile.
    fn scratch(&mut self) -> Result<PathBuf, StageError> {
        if let Some(dir) = &self.scratch {
            return Ok(dir.clone());
        }
        let dir = std::env::temp_dir().join(format!("stowage-verify-{}", self.run_id));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&dir)?;
        self.scratch = Some(dir.clone());
        Ok(dir)
    }

    fn verify_image(&mut self, image: &ImageFact, model: &Model) -> Result<Measurement, StageError> {
        let mut m =
            Measurement { image: image.image.clone(), dockerfile: image.dockerfile.clone(), ..Default::default() };
        let Some(dockerfile) = self.staged.get(&image.dockerfile).cloned() else {
            self.run.note(format!(
                "`{}` is the app's own, not staged by stowage: the gate builds only what stowage generates",
                image.dockerfile
            ));
            return Ok(m);
        };
        let tag = self.tag(image);
        let started = Instant::now();
        let built = self.build(image, &dockerfile, &tag, &mut m)?;
        m.build_seconds = (started.elapsed().as_millis() as f64 / 100.0).round() / 10.0;
        if !built {
            return Ok(m);
        }
        m.built = true;
        let size = self.quick(&["image", "inspect", "--format", "{{.Size}}", &tag])?;
        m.size_bytes = size.stdout.trim().parse().ok();
        self.check_layers(image, &tag)?;
        for name in &image.services {
            let Some(service) = model.services.iter().find(|s| &s.name == name) else { continue };
            let sm = self.run_service(image, service, &tag)?;
            m.services.push(sm);
        }
        Ok(m)
    }

    fn build(
        &mut self,
        image: &ImageFact,
        dockerfile: &Path,
        tag: &str,
        m: &mut Measurement,
    ) -> Result<bool, StageError> {
        let context = self.run.ctx.app.root.join(&image.build_context);
        // The app's label, not the run's: a label that changed every run would rebuild the last layer every time.
        let app_label = format!("{APP_LABEL}={}", self.app);
        let mut args: Vec<String> = vec!["build".into()];
        let ignore = self.staged.get(&image.ignore_file).cloned();
        let dockerfile_arg = match (self.engine.flavour, ignore) {
            (Flavour::Podman, Some(ignore)) => {
                args.extend(["--ignorefile".into(), ignore.display().to_string()]);
                dockerfile.to_path_buf()
            }
            // docker takes an ignore file only as `<Dockerfile>.dockerignore` beside the Dockerfile.
            (Flavour::Docker, Some(ignore)) => {
                let dir = self.scratch()?.join(image_component(&image.image));
                std::fs::create_dir_all(&dir)?;
                std::fs::copy(dockerfile, dir.join("Dockerfile"))?;
                std::fs::copy(ignore, dir.join("Dockerfile.dockerignore"))?;
                dir.join("Dockerfile")
            }
            (_, None) => dockerfile.to_path_buf(),
        };
        args.extend(["-f".into(), dockerfile_arg.display().to_string(), "-t".into(), tag.into()]);
        args.extend(["--label".into(), app_label]);
        if self.engine.flavour == Flavour::Podman {
            // OCI images drop HEALTHCHECK; podman sets no BUILDPLATFORM/TARGETPLATFORM of its own (podman 4.3).
            args.extend(["--format".into(), "docker".into()]);
            let arch = native_arch();
            for (name, value) in [
                ("BUILDPLATFORM", format!("linux/{arch}")),
                ("TARGETPLATFORM", format!("linux/{arch}")),
                ("TARGETOS", "linux".into()),
                ("TARGETARCH", arch.into()),
                ("BUILDOS", "linux".into()),
                ("BUILDARCH", arch.into()),
            ] {
                args.extend(["--build-arg".into(), format!("{name}={value}")]);
            }
        }
        if !self.options.base_registry.is_empty() {
            args.extend(["--build-arg".into(), format!("REGISTRY={}", self.options.base_registry)]);
            if self.options.base_registry.starts_with("localhost/") {
                args.push("--pull=never".into());
            }
        }
        if let Some(ca) = ca_bundle(&self.options.ca_bundle) {
            args.extend(["--secret".into(), format!("id=ca,src={}", ca.display())]);
        }
        args.push(context.display().to_string());
        let timeout = Duration::from_secs(self.options.build_timeout_seconds);
        let label = image.image.clone();
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        // Progress lines on stdout are shown live by the runner; the whole log stays in the stage's log files.
        let out = self
            .engine
            .run_streaming(&argv, timeout, &mut |line| {
                if is_step(line) {
                    println!("progress: {label} | {}", one_line(line));
                }
            })
            .map_err(|e| StageError::Internal(format!("{} build: {e}", self.engine.name())))?;
        if out.timed_out {
            return Err(StageError::Internal(format!(
                "building `{}` took longer than {} s ([stages.verify] build_timeout_seconds); its log ends with:\n{}",
                image.dockerfile,
                self.options.build_timeout_seconds,
                tail(&out.combined(), 15)
            )));
        }
        let (cached, rebuilt) = probe::cache_use(&out.stdout);
        m.cached_steps = cached;
        m.rebuilt_steps = rebuilt;
        if out.ok() {
            return Ok(true);
        }
        let log = out.combined();
        let text = std::fs::read_to_string(dockerfile).unwrap_or_default();
        let line = probe::last_podman_step(&log).and_then(|(stage, step)| probe::step_line(&text, stage, step));
        let step = line
            .and_then(|n| text.lines().nth(n as usize - 1))
            .map(|l| format!(" at `{}`", one_line(l)))
            .unwrap_or_default();
        self.finding(
            &image.dockerfile,
            line,
            rules::BUILD_FAILED,
            format!(
                "`{}` does not build with {}{step}; the build log ends with:\n{}",
                image.dockerfile,
                self.engine.name(),
                tail(&log, 15)
            ),
        );
        Ok(false)
    }

    /// Reads every layer of the image for the app's secret files.
    fn check_layers(&mut self, image: &ImageFact, tag: &str) -> Result<(), StageError> {
        let context = self.run.ctx.app.root.join(&image.build_context);
        let secrets = layers::secret_files(&context);
        if secrets.is_empty() {
            return Ok(());
        }
        let args: Vec<&str> = match self.engine.flavour {
            Flavour::Podman => vec!["save", "--format", "docker-archive", tag],
            Flavour::Docker => vec!["save", tag],
        };
        let (result, code) = self
            .engine
            .read_stdout(&args, |stream| layers::find_in_layers(stream, &secrets))
            .map_err(|e| StageError::Internal(format!("reading the layers of `{tag}`: {e}")))?;
        if code != Some(0) {
            return Err(StageError::Internal(format!("`{} save {tag}` failed (exit {code:?})", self.engine.name())));
        }
        let (found, unreadable) = result;
        for (layer, path) in found {
            self.finding(
                &image.ignore_file,
                None,
                rules::SECRET_IN_LAYER,
                format!(
                    "`{}` holds {path} in layer {layer}: the ignore file does not keep it out of the build context",
                    image.image
                ),
            );
        }
        if unreadable > 0 {
            self.run.note(format!(
                "{unreadable} compressed layer(s) of `{}` were not searched for secret files",
                image.image
            ));
        } else {
            self.run.note(format!(
                "no layer of `{}` holds the app's {} secret file(s) ({})",
                image.image,
                secrets.len(),
                secrets.join(", ")
            ));
        }
        Ok(())
    }

    /// Runs the staged production compose file with its backing services for the deferred services (see
    /// [`compose`]), and records how each did in its measurement.
    fn smoke_compose(
        &mut self,
        images: &[ImageFact],
        model: &Model,
        measurements: &mut [Measurement],
    ) -> Result<(), StageError> {
        let deferred = std::mem::take(&mut self.deferred);
        let skip = |gate: &mut Gate, measurements: &mut [Measurement], why: String| {
            for (index, name) in &deferred {
                if let Some(sm) = measurements[*index].services.iter_mut().find(|s| &s.service == name) {
                    sm.probe = format!("{}; not run with them either: {why}", sm.probe);
                }
            }
            gate.run.note(format!("compose smoke test not run: {why}"));
        };
        let Some(file) =
            self.staged.iter().find(|(p, _)| p.ends_with("compose.prod.yaml")).map(|(p, s)| (p.clone(), s.clone()))
        else {
            skip(self, measurements, "no production compose file was staged".into());
            return Ok(());
        };
        let tool: Vec<String> = match (self.options.compose.as_str(), self.engine.flavour) {
            ("", Flavour::Podman) => vec!["podman-compose".into()],
            ("", Flavour::Docker) => vec![self.engine.program.display().to_string(), "compose".into()],
            (words, _) => words.split_whitespace().map(str::to_string).collect(),
        };
        let version = std::process::Command::new(&tool[0]).args(&tool[1..]).arg("version").output();
        if !version.is_ok_and(|o| o.status.success()) {
            skip(
                self,
                measurements,
                format!(
                    "`{}` does not answer (install podman-compose: `pip install podman-compose`, or set `[stages.verify] compose`)",
                    tool.join(" ")
                ),
            );
            return Ok(());
        }
        let text = std::fs::read_to_string(&file.1)?;
        let (docs, errors) = stowage_yaml::parse(&text);
        let Some(root) = docs.first().and_then(|d| d.root.as_ref()).filter(|_| errors.is_empty()) else {
            return Err(StageError::Internal(format!("the staged {} does not parse", file.0)));
        };
        let dir = self.scratch()?.join("compose");
        std::fs::create_dir_all(&dir)?;
        let built = self.built_tags(images, measurements);
        let labels = vec![(APP_LABEL.to_string(), self.app.clone()), (RUN_LABEL.to_string(), self.run_id.clone())];
        let backing = backing_policies();
        let secrets: Vec<(String, Vec<String>)> = model
            .services
            .iter()
            .map(|s| {
                // What orchestrate leaves to the env file: secrets, and the connection URLs that carry a password.
                let names = s.env_vars.iter().map(|v| v.value.clone()).filter(|n| {
                    stowage_kit::secret::is_secret_name(n) || backing.iter().any(|b| b.url_vars.contains(n))
                });
                (s.name.clone(), names.collect())
            })
            .collect();
        let how = compose::Rewrite {
            backing: &backing,
            built: &built,
            base_registry: &self.options.base_registry,
            labels: &labels,
            secrets: &secrets,
            scratch: &dir,
        };
        let (rewritten, backing) = compose::rewrite(compose::to_json(root), &how).map_err(StageError::Internal)?;
        let path = dir.join("compose.json");
        std::fs::write(&path, serde_json::to_string_pretty(&rewritten).expect("JSON"))?;
        let project = format!("stowage-verify-{}-{}", self.app.replace(['/', '.'], "-"), self.run_id);
        let compose_file = path.display().to_string();
        let flavour = self.engine.flavour;
        let compose = |args: &[&str]| -> Result<engine::Output, StageError> {
            let mut argv: Vec<&str> = tool[1..].iter().map(String::as_str).collect();
            argv.extend(["-p", project.as_str(), "-f", compose_file.as_str()]);
            argv.extend(args);
            let program = Engine { program: PathBuf::from(&tool[0]), flavour };
            program
                .run_streaming(&argv, Duration::from_secs(600), &mut |_| {})
                .map_err(|e| StageError::Internal(format!("{}: {e}", tool.join(" "))))
        };
        println!("progress: compose | starting {}", backing.join(", "));
        let mut args = vec!["up", "-d"];
        args.extend(backing.iter().map(String::as_str));
        let up = compose(&args)?;
        let result = if !up.ok() {
            Err(format!("`{} up` of the backing services failed:\n{}", tool.join(" "), tail(&up.combined(), 12)))
        } else {
            self.compose_services(images, model, measurements, &deferred, &backing, &compose, &file.0)
        };
        let down = compose(&["down", "-v"]);
        // podman-compose 1.x leaves the project's pod behind.
        if flavour == Flavour::Podman {
            let _ = self.quick(&["pod", "rm", "-f", &format!("pod_{project}")]);
        }
        if let Err(why) = result {
            self.finding(&file.0, None, rules::EXITED, why);
        }
        down?;
        Ok(())
    }

    /// With the backing services up: waits until each is healthy, then starts and probes the deferred services.
    #[allow(clippy::too_many_arguments)]
    fn compose_services(
        &mut self,
        images: &[ImageFact],
        model: &Model,
        measurements: &mut [Measurement],
        deferred: &[(usize, String)],
        backing: &[String],
        compose: &dyn Fn(&[&str]) -> Result<engine::Output, StageError>,
        compose_file: &str,
    ) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(self.options.health_timeout_seconds);
        for service in backing {
            let Some(id) = self.compose_container(service) else {
                return Err(format!("backing service `{service}` has no container after `up`"));
            };
            // podman's health timers need systemd: ask for each check instead of waiting for the status.
            loop {
                let check = self.quick(&["healthcheck", "run", &id]).map_err(|e| e.to_string())?;
                if check.ok() || check.combined().contains("has no defined healthcheck") {
                    break;
                }
                if Instant::now() >= deadline {
                    return Err(format!(
                        "backing service `{service}` is not healthy after {} s; its log ends with:\n{}",
                        self.options.health_timeout_seconds,
                        self.logs(&id)
                    ));
                }
                std::thread::sleep(Duration::from_millis(500));
            }
            println!("progress: compose | {service} is healthy");
        }
        let names: Vec<&str> = deferred.iter().map(|(_, n)| n.as_str()).collect();
        let mut args = vec!["up", "-d", "--no-deps"];
        args.extend(names.iter().copied());
        let started = Instant::now();
        let up = compose(&args).map_err(|e| e.to_string())?;
        if !up.ok() {
            return Err(format!("`up` of {} failed:\n{}", names.join(", "), tail(&up.combined(), 12)));
        }
        for (index, name) in deferred {
            let image = &images[*index];
            let Some(service) = model.services.iter().find(|s| &s.name == name) else { continue };
            let Some(id) = self.compose_container(name) else {
                return Err(format!("service `{name}` has no container after `up`"));
            };
            let mut sm = ServiceMeasurement {
                service: name.clone(),
                kind: service.kind.value.as_str().into(),
                ..Default::default()
            };
            let healthy = match service.kind.value {
                Kind::Worker => {
                    sm.probe = format!("with {} (compose): keeps running 10 s", backing.join(", "));
                    while started.elapsed() < Duration::from_secs(10) {
                        std::thread::sleep(Duration::from_millis(500));
                    }
                    let up = self.running(&id).map_err(|e| e.to_string())?;
                    if !up {
                        let logs = self.logs(&id);
                        self.finding(
                            &image.dockerfile,
                            None,
                            rules::WORKER_STOPPED,
                            format!(
                                "`{name}` (worker, with {} from {compose_file}) exited; its log ends with:\n{logs}",
                                backing.join(", ")
                            ),
                        );
                    }
                    up
                }
                _ => {
                    let port =
                        service.ports.iter().find_map(|p| p.value.number).or_else(|| image.ports.first().copied());
                    match port {
                        Some(port) => {
                            let ok = self
                                .probe_until_healthy(image, service, &id, port, started, &mut sm)
                                .map_err(|e| e.to_string())?;
                            sm.probe = format!("with {} (compose): {}", backing.join(", "), sm.probe);
                            ok
                        }
                        None => {
                            sm.probe = "not probed: no port is known".into();
                            false
                        }
                    }
                }
            };
            sm.healthy = healthy;
            if healthy {
                self.check_privileges(image, &id).map_err(|e| e.to_string())?;
            }
            if let Some(slot) = measurements[*index].services.iter_mut().find(|s| &s.service == name) {
                *slot = sm;
            }
        }
        Ok(())
    }

    /// The Kubernetes smoke test: the staged dev overlay, rendered with kustomize, under `podman kube play` (its
    /// Deployments with one replica, the images just built, no probes since podman turns them into curl checks a
    /// distroless image cannot run, each port on a free host port), each service probed from the host, then
    /// `kube down`. Services that need backing services are left out: the dev overlay runs those as StatefulSets,
    /// which `kube play` does not run.
    fn smoke_kube(
        &mut self,
        images: &[ImageFact],
        model: &Model,
        measurements: &mut [Measurement],
    ) -> Result<(), StageError> {
        let overlay = "deploy/kustomize/overlays/dev/kustomization.yaml";
        if !self.staged.contains_key(overlay) {
            return Ok(());
        }
        if self.engine.flavour != Flavour::Podman {
            self.run.note("Kubernetes smoke test not run: it needs podman (`podman kube play`)");
            return Ok(());
        }
        let tool: Vec<String> = match self.options.kustomize.as_str() {
            "" => vec!["kubectl".into(), "kustomize".into()],
            words => words.split_whitespace().map(str::to_string).collect(),
        };
        let dir = self.scratch()?.join("kube");
        for (path, source) in self.staged.iter().filter(|(p, _)| p.starts_with("deploy/kustomize/")) {
            let dest = dir.join(path);
            std::fs::create_dir_all(dest.parent().expect("a parent"))?;
            std::fs::copy(source, &dest)?;
        }
        let rendered = std::process::Command::new(&tool[0])
            .args(&tool[1..])
            .arg(dir.join("deploy/kustomize/overlays/dev"))
            .output();
        let rendered = match rendered {
            Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
            Ok(out) => {
                let why = tail(&String::from_utf8_lossy(&out.stderr), 8);
                self.finding(
                    overlay,
                    None,
                    rules::EXITED,
                    format!("`{}` cannot render the dev overlay:\n{why}", tool.join(" ")),
                );
                return Ok(());
            }
            Err(_) => {
                self.run.note(format!(
                    "Kubernetes smoke test not run: `{}` is not installed (kubectl, or set `[stages.verify] kustomize`)",
                    tool.join(" ")
                ));
                return Ok(());
            }
        };
        let (docs, errors) = stowage_yaml::parse(&rendered);
        if !errors.is_empty() {
            return Err(StageError::Internal("the rendered dev overlay does not parse".into()));
        }
        let healthy_alone: Vec<String> = measurements
            .iter()
            .flat_map(|m| m.services.iter())
            .filter(|s| s.healthy && !s.probe.starts_with("with "))
            .map(|s| s.service.clone())
            .collect();
        let built = self.built_tags(images, measurements);
        let mut kept = Vec::new();
        let mut played: Vec<(String, String, u16, u16)> = Vec::new(); // (service, container, container port, host port)
        for doc in docs.iter().filter_map(|d| d.root.as_ref()) {
            let mut value = compose::to_json(doc);
            match value["kind"].as_str() {
                Some("ConfigMap" | "Secret") => kept.push(value),
                Some("Deployment") => {
                    let name = value["metadata"]["name"].as_str().unwrap_or("").to_string();
                    let Some((_, tag)) = built.iter().find(|(s, _)| *s == name) else { continue };
                    if !healthy_alone.contains(&name) {
                        continue;
                    }
                    value["spec"]["replicas"] = 1.into();
                    for label in [(APP_LABEL, self.app.clone()), (RUN_LABEL, self.run_id.clone())] {
                        value["spec"]["template"]["metadata"]["labels"][label.0] = label.1.into();
                    }
                    let Some(containers) = value["spec"]["template"]["spec"]["containers"].as_array_mut() else {
                        continue;
                    };
                    for container in containers.iter_mut() {
                        let Some(c) = container.as_object_mut() else { continue };
                        c.insert("image".into(), format!("localhost/{tag}:latest").into());
                        c.insert("imagePullPolicy".into(), "IfNotPresent".into());
                        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
                            c.remove(probe);
                        }
                        let cname = c.get("name").and_then(|n| n.as_str()).unwrap_or("").to_string();
                        for port in c.get_mut("ports").and_then(|p| p.as_array_mut()).into_iter().flatten() {
                            let container_port = port["containerPort"].as_u64().unwrap_or(0) as u16;
                            let host = free_port().map_err(|e| StageError::Internal(format!("no free port: {e}")))?;
                            port["hostPort"] = host.into();
                            port["hostIP"] = "127.0.0.1".into();
                            played.push((name.clone(), format!("{name}-pod-0-{cname}"), container_port, host));
                        }
                    }
                    kept.push(value);
                }
                _ => {}
            }
        }
        if played.is_empty() {
            return Ok(());
        }
        let file = dir.join("kube.yaml");
        let text: Vec<String> = kept.iter().map(|d| serde_json::to_string_pretty(d).expect("JSON")).collect();
        std::fs::write(&file, text.join("\n---\n") + "\n")?;
        let file = file.display().to_string();
        println!("progress: kube | podman kube play of the dev overlay");
        let started = Instant::now();
        let up = self.quick(&["kube", "play", &file])?;
        let result = if up.ok() {
            self.probe_kube(images, model, measurements, &played, started)
        } else {
            self.finding(
                overlay,
                None,
                rules::EXITED,
                format!("`podman kube play` of the dev overlay failed:\n{}", tail(&up.combined(), 10)),
            );
            Ok(())
        };
        let _ = self.quick(&["kube", "down", &file]);
        result
    }

    fn probe_kube(
        &mut self,
        images: &[ImageFact],
        model: &Model,
        measurements: &mut [Measurement],
        played: &[(String, String, u16, u16)],
        started: Instant,
    ) -> Result<(), StageError> {
        for (service_name, container, port, host) in played {
            let Some(service) = model.services.iter().find(|s| &s.name == service_name) else { continue };
            let Some(index) = images.iter().position(|i| i.services.contains(service_name)) else { continue };
            let mut sm = ServiceMeasurement::default();
            self.known_host_port = Some(*host);
            let healthy = self.probe_until_healthy(&images[index], service, container, *port, started, &mut sm)?;
            let kube = KubeMeasurement {
                probe: format!("kube play (dev overlay): {}", sm.probe),
                healthy,
                start_to_healthy_ms: sm.start_to_healthy_ms,
            };
            if let Some(slot) = measurements[index].services.iter_mut().find(|s| &s.service == service_name) {
                slot.kube = Some(kube);
            }
        }
        Ok(())
    }

    /// The container of a compose service in this run (the labels the rewrite gave it).
    fn compose_container(&self, service: &str) -> Option<String> {
        let run = format!("label={RUN_LABEL}={}", self.run_id);
        let svc = format!("label=com.docker.compose.service={service}");
        // `-a`: a container that exited at once is still this service's, and its log says why.
        let out = self.quick(&["ps", "-a", "-q", "--filter", &run, "--filter", &svc]).ok()?;
        out.stdout.split_whitespace().next().map(str::to_string)
    }

    fn hardening(&self, image: &ImageFact, name: &str) -> Vec<String> {
        let mut args: Vec<String> = vec![
            "--name".into(),
            name.into(),
            "--label".into(),
            format!("{APP_LABEL}={}", self.app),
            "--label".into(),
            format!("{RUN_LABEL}={}", self.run_id),
            "--read-only".into(),
            "--tmpfs".into(),
            "/tmp:rw,mode=1777".into(),
            "--cap-drop=ALL".into(),
            "--security-opt".into(),
            "no-new-privileges".into(),
            "--memory".into(),
            self.options.memory.clone(),
            "--cpus".into(),
            self.options.cpus.clone(),
            "--pids-limit".into(),
            self.options.pids_limit.to_string(),
        ];
        for path in &image.writable_paths {
            // The image makes them owned by its user; a tmpfs over each keeps them writable on a read-only root.
            if path.starts_with('/') && path != "/tmp" {
                args.extend(["--tmpfs".into(), format!("{path}:rw,mode=1777")]);
            }
        }
        args
    }

    fn run_service(
        &mut self,
        image: &ImageFact,
        service: &Service,
        tag: &str,
    ) -> Result<ServiceMeasurement, StageError> {
        let kind = service.kind.value;
        let mut sm =
            ServiceMeasurement { service: service.name.clone(), kind: kind.as_str().into(), ..Default::default() };
        let needs: Vec<&str> =
            service.backing_services.iter().filter(|b| b.required).map(|b| b.name.as_str()).collect();
        if !needs.is_empty() && kind != Kind::Cli {
            sm.probe = format!("not run alone: it needs {}", needs.join(", "));
            self.deferred.push((self.current, service.name.clone()));
            return Ok(sm);
        }
        let name =
            format!("stowage-verify-{}-{}-{}", self.app.replace('/', "-"), image_component(&service.name), self.run_id);
        match kind {
            Kind::Web | Kind::Static => self.run_server(image, service, tag, &name, &mut sm)?,
            Kind::Worker => self.run_worker(image, service, tag, &name, &mut sm)?,
            Kind::Cli => self.run_cli(image, service, tag, &name, &mut sm)?,
            Kind::Job => {
                sm.probe = "not run: a job runs its task once, against the services it works on".into();
            }
        }
        let _ = self.quick(&["rm", "-f", &name]);
        Ok(sm)
    }

    fn start(
        &mut self,
        image: &ImageFact,
        tag: &str,
        name: &str,
        publish: Option<u16>,
    ) -> Result<Option<String>, StageError> {
        let mut args: Vec<String> = vec!["run".into(), "-d".into()];
        args.extend(self.hardening(image, name));
        if let Some(port) = publish {
            // A host port the kernel picks: rootless podman cannot bind below 1024, and runs must not collide.
            args.extend(["-p".into(), format!("127.0.0.1::{port}")]);
        }
        args.push(tag.into());
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = self.quick(&argv)?;
        if out.ok() {
            return Ok(None);
        }
        Ok(Some(tail(&out.combined(), 10)))
    }

    /// Reads the container's PID 1 from outside and reports what the hardening did not achieve.
    fn check_privileges(&mut self, image: &ImageFact, name: &str) -> Result<(), StageError> {
        let pid = self.quick(&["inspect", "--format", "{{.State.Pid}}", name])?;
        let status = pid
            .stdout
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|p| *p > 0)
            .and_then(|p| std::fs::read_to_string(self.proc_root.join(p.to_string()).join("status")).ok());
        match status.as_deref().and_then(probe::parse_status) {
            Some(p) => {
                if p.uid == 0 {
                    self.finding(
                        &image.dockerfile,
                        None,
                        rules::RUNS_AS_ROOT,
                        format!("`{}`'s process runs as user id 0 (read from /proc of its PID 1)", image.image),
                    );
                }
                if p.cap_eff != 0 {
                    self.finding(
                        &image.dockerfile,
                        None,
                        rules::KEEPS_CAPABILITIES,
                        format!(
                            "`{}`'s process has effective capabilities {:016x} although all were dropped",
                            image.image, p.cap_eff
                        ),
                    );
                }
                if !p.no_new_privs {
                    self.finding(
                        &image.dockerfile,
                        None,
                        rules::NEW_PRIVILEGES,
                        format!(
                            "`{}`'s process runs with NoNewPrivs 0 although no-new-privileges was asked",
                            image.image
                        ),
                    );
                }
            }
            None => self.run.note(format!(
                "the status of `{}`'s PID 1 cannot be read here (a remote engine?): its user and \
                 capabilities were not checked from outside",
                image.image
            )),
        }
        let inspect =
            self.quick(&["inspect", "--format", "{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.Memory}}", name])?;
        let mut words = inspect.stdout.split_whitespace();
        let read_only = words.next() == Some("true");
        let memory: u64 = words.next().and_then(|w| w.parse().ok()).unwrap_or(0);
        if !read_only || memory == 0 {
            self.finding(
                &image.dockerfile,
                None,
                rules::HARDENING_NOT_APPLIED,
                format!(
                    "`{}` runs with {}: inspect shows ReadonlyRootfs {read_only} and memory limit {memory}",
                    image.image,
                    if read_only { "no memory limit" } else { "a writable root filesystem" }
                ),
            );
        }
        Ok(())
    }

    fn running(&self, name: &str) -> Result<bool, StageError> {
        let out = self.quick(&["inspect", "--format", "{{.State.Running}}", name])?;
        Ok(out.stdout.trim() == "true")
    }

    fn logs(&self, name: &str) -> String {
        self.quick(&["logs", "--tail", "20", name]).map(|o| tail(&o.combined(), 20)).unwrap_or_default()
    }

    fn run_server(
        &mut self,
        image: &ImageFact,
        service: &Service,
        tag: &str,
        name: &str,
        sm: &mut ServiceMeasurement,
    ) -> Result<(), StageError> {
        let port = service.ports.iter().find_map(|p| p.value.number).or_else(|| image.ports.first().copied());
        let Some(port) = port else {
            sm.probe = "not run: no port is known (set `[stages.analyze.services.NAME] port`)".into();
            return Ok(());
        };
        let started = Instant::now();
        if let Some(why) = self.start(image, tag, name, Some(port))? {
            self.finding(
                &image.dockerfile,
                None,
                rules::EXITED,
                format!("`{}` (service `{}`) does not start under the hardened run:\n{why}", image.image, service.name),
            );
            return Ok(());
        }
        if self.probe_until_healthy(image, service, name, port, started, sm)? {
            self.check_privileges(image, name)?;
            self.stop(image, name, sm)?;
        }
        Ok(())
    }

    /// Probes a started container from the host until healthy (true), or reports why not (false): it exited, or the
    /// health timeout passed.
    fn probe_until_healthy(
        &mut self,
        image: &ImageFact,
        service: &Service,
        name: &str,
        port: u16,
        started: Instant,
        sm: &mut ServiceMeasurement,
    ) -> Result<bool, StageError> {
        let host_port = match self.known_host_port.take() {
            Some(p) => Some(p),
            None => self
                .quick(&["port", name, &format!("{port}/tcp")])?
                .stdout
                .lines()
                .filter_map(|l| l.trim().rsplit(':').next().and_then(|p| p.parse::<u16>().ok()))
                .next(),
        };
        // A static site has no health endpoint of its own: its web server answers for `/`.
        let health = service
            .health_path
            .as_ref()
            .map(|h| h.value.clone())
            .or_else(|| (service.kind.value == Kind::Static).then(|| "/".to_string()));
        sm.probe = match &health {
            Some(path) => format!("http GET {path} on port {port}"),
            None => format!("tcp {port}"),
        };
        let deadline = started + Duration::from_secs(self.options.health_timeout_seconds);
        let mut last_state_check = Instant::now() - Duration::from_secs(1);
        let mut last_answer = String::from("no answer");
        loop {
            if let Some(hp) = host_port {
                let healthy = match &health {
                    Some(path) => match probe::http_status(hp, path, Duration::from_secs(2)) {
                        Some(code) if (200..300).contains(&code) => true,
                        Some(code) => {
                            last_answer = format!("HTTP {code}");
                            false
                        }
                        None => false,
                    },
                    None => probe::tcp_open(hp, Duration::from_secs(2)),
                };
                if healthy {
                    sm.healthy = true;
                    sm.start_to_healthy_ms = Some(started.elapsed().as_millis());
                    break;
                }
            }
            if last_state_check.elapsed() >= Duration::from_millis(500) {
                last_state_check = Instant::now();
                if !self.running(name)? {
                    let logs = self.logs(name);
                    self.finding(&image.dockerfile, None, rules::EXITED, format!(
                        "`{}` (service `{}`) exited {} ms after it started, before it was healthy; its log ends with:\n{logs}",
                        image.image, service.name, started.elapsed().as_millis()));
                    return Ok(false);
                }
            }
            if Instant::now() >= deadline {
                let logs = self.logs(name);
                self.finding(
                    &image.dockerfile,
                    None,
                    rules::NEVER_HEALTHY,
                    format!(
                        "`{}` (service `{}`) is not healthy after {} s ({}: {last_answer}); its log ends with:\n{logs}",
                        image.image, service.name, self.options.health_timeout_seconds, sm.probe
                    ),
                );
                return Ok(false);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(true)
    }

    /// Stops the container with a 10 s grace period and reports a process that had to be killed.
    fn stop(&mut self, image: &ImageFact, name: &str, sm: &mut ServiceMeasurement) -> Result<(), StageError> {
        let started = Instant::now();
        self.quick(&["stop", "-t", "10", name])?;
        let took = started.elapsed().as_millis();
        sm.stop_ms = Some(took);
        if took >= 9_500 {
            self.finding(
                &image.dockerfile,
                None,
                rules::SLOW_STOP,
                format!(
                    "`{}` (service `{}`) did not stop within 10 s of SIGTERM and was killed",
                    image.image, sm.service
                ),
            );
        }
        Ok(())
    }

    fn run_worker(
        &mut self,
        image: &ImageFact,
        service: &Service,
        tag: &str,
        name: &str,
        sm: &mut ServiceMeasurement,
    ) -> Result<(), StageError> {
        sm.probe = "keeps running 10 s".into();
        let started = Instant::now();
        if let Some(why) = self.start(image, tag, name, None)? {
            self.finding(
                &image.dockerfile,
                None,
                rules::WORKER_STOPPED,
                format!("`{}` (worker `{}`) does not start under the hardened run:\n{why}", image.image, service.name),
            );
            return Ok(());
        }
        while started.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(500));
            if !self.running(name)? {
                let logs = self.logs(name);
                self.finding(
                    &image.dockerfile,
                    None,
                    rules::WORKER_STOPPED,
                    format!(
                        "`{}` (worker `{}`) exited {} ms after it started; its log ends with:\n{logs}",
                        image.image,
                        service.name,
                        started.elapsed().as_millis()
                    ),
                );
                return Ok(());
            }
        }
        sm.healthy = true;
        self.check_privileges(image, name)?;
        self.stop(image, name, sm)?;
        Ok(())
    }

    fn run_cli(
        &mut self,
        image: &ImageFact,
        service: &Service,
        tag: &str,
        name: &str,
        sm: &mut ServiceMeasurement,
    ) -> Result<(), StageError> {
        let mut tried = Vec::new();
        for flag in ["--version", "--help"] {
            let attempt = format!("{name}{flag}");
            let mut args: Vec<String> = vec!["run".into()];
            args.extend(self.hardening(image, &attempt));
            args.extend([tag.to_string(), flag.to_string()]);
            let argv: Vec<&str> = args.iter().map(String::as_str).collect();
            let started = Instant::now();
            let out = self.quick(&argv)?;
            let _ = self.quick(&["rm", "-f", &attempt]);
            if out.ok() && !out.combined().trim().is_empty() {
                sm.probe = flag.into();
                sm.healthy = true;
                sm.start_to_healthy_ms = Some(started.elapsed().as_millis());
                return Ok(());
            }
            tried.push(format!("`{flag}` exited {:?}:\n{}", out.code, tail(&out.combined(), 8)));
        }
        sm.probe = "--version, --help".into();
        self.finding(
            &image.dockerfile,
            None,
            rules::CLI_FAILED,
            format!(
                "`{}` (CLI `{}`) answers neither `--version` nor `--help` with exit 0 and output: {}",
                image.image,
                service.name,
                tried.join("; ")
            ),
        );
        Ok(())
    }
}

/// How apps reach backing services: the policy orchestrate renders the compose files with, compiled in.
fn backing_policies() -> Vec<compose::BackingPolicy> {
    const BACKING: &str = include_str!("../../../policies/backing-services.toml");
    let table: toml::Table = toml::from_str(BACKING).expect("policies/backing-services.toml parses (tested)");
    table
        .into_iter()
        .filter_map(|(name, value)| {
            let mut policy: compose::BackingPolicy = value.try_into().ok()?;
            policy.name = name;
            Some(policy)
        })
        .collect()
}

/// A port nothing listens on now, for kube play's hostPort (the kernel picks it; it is free again once returned).
fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn native_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

fn ca_bundle(setting: &str) -> Option<PathBuf> {
    match setting {
        "none" => None,
        "" => stowage_kit::files::default_ca_bundle(),
        path => Some(PathBuf::from(path)),
    }
}

/// A build log line that marks a step: podman's `STEP n/m:` and BuildKit's `#n [stage k/m]`.
fn is_step(line: &str) -> bool {
    line.contains("STEP ") || (line.starts_with('#') && line.contains(" ["))
}

fn one_line(line: &str) -> String {
    let line: String = line.chars().filter(|c| !c.is_control()).collect();
    if line.chars().count() > 160 { line.chars().take(157).collect::<String>() + "..." } else { line }
}

/// The last `n` lines of a log, indented, each at most 300 characters, secret values masked (a build or an app
/// may print its environment).
fn tail(log: &str, n: usize) -> String {
    let log = stowage_kit::secret::mask_text(log, "<redacted>");
    let lines: Vec<&str> = log.trim_end().lines().collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| {
            let l: String = l.chars().filter(|c| !c.is_control() || *c == '\t').collect();
            format!("  {}", shorten_keeping_end(&l, 300))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A line of at most `max` characters: a longer one keeps its start and its end, since podman's errors wrap their
/// cause last (`committing container for step {...}: ...: no space left on device`).
fn shorten_keeping_end(line: &str, max: usize) -> String {
    let count = line.chars().count();
    if count <= max {
        return line.to_string();
    }
    let head = max / 3;
    let end = max - head - 5;
    let start: String = line.chars().take(head).collect();
    let last: String = line.chars().skip(count - end).collect();
    format!("{start} ... {last}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_keep_their_cause() {
        let line =
            format!("Error: committing container for step {{Env:[{}]}}: no space left on device", "X=1 ".repeat(200));
        let short = shorten_keeping_end(&line, 300);
        assert_eq!(short.chars().count(), 300);
        assert!(short.starts_with("Error: committing container for step"), "{short}");
        assert!(short.ends_with(": no space left on device"), "{short}");
        assert_eq!(shorten_keeping_end("short", 300), "short");
    }

    #[test]
    fn backing_policies_read() {
        let policies = backing_policies();
        let postgres = policies.iter().find(|p| p.name == "postgres").unwrap();
        assert!(postgres.credentials && postgres.url_vars.contains(&"DATABASE_URL".to_string()));
    }

    #[test]
    fn tails_keep_the_end() {
        assert_eq!(tail("a\nb\nc\n", 2), "  b\n  c");
    }
}
