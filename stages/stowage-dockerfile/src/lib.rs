//! The `dockerfile` stage of stowage: for every image the application model needs, a hardened multi-stage
//! `Dockerfile`, a `Dockerfile.dev` and a `.dockerignore`, rendered from templates (`templates/dockerfile/`, each
//! overridable per app) with facts from the model and base images from the dated knowledge base
//! (`policies/knowledge.toml`).
//!
//! # Images
//!
//! Services that share a root, a language and a build command share one image (its CMD is the web process; the
//! other processes' commands are orchestrate's); a Go module or Cargo workspace with several deployable binaries
//! builds one image per binary. The Dockerfile sits in the service's root (`Dockerfile`, or `<service>.Dockerfile`
//! when several images share the root) and is built with `-f` from the model's build context. Its ignore file is
//! the context's `.dockerignore` when the Dockerfile is `Dockerfile` at the context root, otherwise
//! `<Dockerfile>.dockerignore`, which BuildKit and podman read instead of the root one.
//!
//! # What every Dockerfile does
//!
//! Base images are literal `name:tag` references from the knowledge base behind a `REGISTRY` build argument (empty by
//! default) so that a mirror needs no edit; images a stage copies from are declared as stages of their own so that
//! the prefix reaches them too. Dependencies install from the manifest and lockfile before the source is copied,
//! with BuildKit cache mounts, and every dependency step carries the corporate-CA hook (see [`ca`]). The runtime
//! stage runs as the numeric user `uid:gid` (`[stages.dockerfile]` `uid`/`gid`, default 10001, the value
//! orchestrate's compose files and manifests use too), owns only the writable paths the model lists, exposes only
//! the detected ports (1024 and above; lower ones are remapped), has a HEALTHCHECK an interpreter in the image can
//! run or `HEALTHCHECK NONE` with the probe orchestrate uses, OCI labels fed by build arguments, and an exec-form
//! command. No `# syntax=` line unless `syntax` is set, no RUN heredocs and no `COPY --link`, so that podman 4.3
//! builds what BuildKit builds.
//!
//! # Apps with their own files
//!
//! A Dockerfile or ignore file the app already has (not one stowage generated) is left alone: the stage writes
//! nothing at that path and says so in a note; the validate gate checks the app's own file.

pub mod ca;
pub mod docs;
pub mod ignore;
pub mod knowledge;
pub mod recipe;
pub mod render;

use std::collections::BTreeMap;

use stowage_kit::{Finding, Run, Severity, StageError};
use stowage_model::Model;

pub use knowledge::Knowledge;

/// The stage's options (`[stages.dockerfile]`), with the defaults of policies/defaults.toml.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// The numeric user and group the runtime stage runs as; orchestrate reuses them.
    pub uid: u32,
    pub gid: u32,
    /// App-relative folder whose templates replace the built-in ones of the same name.
    #[serde(default = "default_templates")]
    pub templates: String,
    /// Adds `# syntax=docker/dockerfile:1` (BuildKit then pulls that frontend from Docker Hub).
    #[serde(default)]
    pub syntax: bool,
    /// Image reference (as in the knowledge base) to a digest (`sha256:...`) to pin it to.
    #[serde(default)]
    pub digests: BTreeMap<String, String>,
}

fn default_templates() -> String {
    ".stowage/templates".to_string()
}

impl Default for Options {
    fn default() -> Options {
        Options { uid: 10001, gid: 10001, templates: default_templates(), syntax: false, digests: BTreeMap::new() }
    }
}

impl Options {
    pub fn from_context(run: &Run) -> Result<Options, StageError> {
        let Some(value) = run.ctx.config.stage_options.get("dockerfile") else {
            return Ok(Options::default());
        };
        let at = run.ctx.config.key_locations.get("stages.dockerfile").cloned().unwrap_or("stowage.toml".into());
        let options: Options = serde_json::from_value(value.clone())
            .map_err(|e| StageError::BadInput(format!("{at}: invalid [stages.dockerfile]: {e}")))?;
        if options.uid == 0 || options.gid == 0 {
            return Err(StageError::BadInput(format!(
                "{at}: [stages.dockerfile] uid and gid must not be 0: the runtime user is never root"
            )));
        }
        for (image, digest) in &options.digests {
            if !digest.starts_with("sha256:") || digest.len() != 71 {
                return Err(StageError::BadInput(format!(
                    "{at}: the digest of `{image}` must be `sha256:` and 64 hex digits"
                )));
            }
        }
        Ok(options)
    }
}

/// The stage: reads the model, plans the images, renders and stages their files.
pub fn run_stage(run: &mut Run) -> Result<(), StageError> {
    let options = Options::from_context(run)?;
    let model = Model::from_facts(&run.ctx.facts).map_err(|e| StageError::BadInput(e.to_string()))?;
    let knowledge = Knowledge::embedded();
    let app = run.ctx.app.root.clone();
    let templates = render::Templates::load(&app, &options.templates).map_err(StageError::BadInput)?;
    let managed: Vec<String> = run.ctx.managed.clone();
    let own = |path: &str| app.join(path).exists() && !managed.iter().any(|m| m == path);

    let exists = |path: &str| app.join(path).is_file();
    let plans = recipe::plan(&model, &knowledge, &options, &exists).map_err(StageError::BadInput)?;
    let mut published = Vec::new();
    let mut note = building_header(&knowledge);
    for plan in &plans {
        for finding in &plan.findings {
            // Evidence without a file (a service's folder `.`) points at the Dockerfile the warning is about.
            let file = match finding.0.as_str() {
                "" | "." => plan.dockerfile.clone(),
                file => file.trim_end_matches('/').to_string(),
            };
            run.finding(Finding {
                file,
                line: None,
                column: None,
                rule: "DK001".into(),
                severity: Severity::Warning,
                message: finding.1.clone(),
                snippet: None,
            });
        }
        let mut written = Vec::new();
        let mut files = vec![
            (&plan.dockerfile, plan.template.as_str()),
            (&plan.dev_dockerfile, "dev.Dockerfile.j2"),
            (&plan.ignore_file, "dockerignore.j2"),
        ];
        if let Some(dev_ignore) = &plan.dev_ignore_file {
            files.push((dev_ignore, "dockerignore.j2"));
        }
        for (path, template) in files {
            let vars = &plan.vars;
            if own(path) {
                run.note(format!(
                    "`{path}` is the app's own: stowage writes nothing there (the validate gate checks it); \
                     `--adopt {path}` replaces it with stowage's"
                ));
                continue;
            }
            let text = templates.render(template, path, vars).map_err(StageError::BadInput)?;
            run.write(path, text)?;
            written.push(path.clone());
        }
        building_section(&mut note, plan, &written);
        published.push(serde_json::json!({
            "image": plan.image,
            "services": plan.services,
            "dockerfile": plan.dockerfile,
            "dev_dockerfile": plan.dev_dockerfile,
            "ignore_file": plan.ignore_file,
            "dev_ignore_file": plan.dev_ignore_file,
            "build_context": plan.build_context,
            "written": written,
            "uid": options.uid,
            "gid": options.gid,
            "writable_paths": plan.writable_paths,
            "ports": plan.ports,
            "base_images": plan.base_images,
            "language_line": plan.line,
        }));
    }
    if !plans.is_empty() {
        run.write(BUILDING, note)?;
    }
    run.set_facts(serde_json::json!({
        "building": if plans.is_empty() { None } else { Some(BUILDING) },
        "knowledge_as_of": knowledge.as_of.to_string(),
        "uid": options.uid,
        "gid": options.gid,
        "images": published,
    }));
    Ok(())
}

/// The app's build note: per image, the command and the options a build may need. Its own file, since the strategy
/// document is analyze's and is written before the layout of the images is known.
pub const BUILDING: &str = "docs/building.md";

fn building_header(knowledge: &Knowledge) -> String {
    format!(
        "<!-- Generated by stowage (dockerfile stage); do not edit by hand. -->\n\n# Building the images\n\n\
         One image per build root, from the Dockerfiles below; run every command from the app's root. The base \
         images come from stowage's knowledge base as of {} (`stowage knowledge` prints its age and what has \
         reached end of life since). With podman, add `--format docker` so that the image keeps its HEALTHCHECK.\n",
        knowledge.as_of
    )
}

fn building_section(out: &mut String, plan: &recipe::Plan, written: &[String]) {
    use std::fmt::Write as _;
    let _ = write!(out, "\n## `{}`\n\n", plan.image);
    if plan.services.len() > 1 {
        let names: Vec<String> = plan.services.iter().map(|s| format!("`{s}`")).collect();
        let _ = writeln!(out, "- runs the services {} (the image's command is the first one's)", names.join(", "));
    }
    let own = |path: &str| {
        if written.iter().any(|w| w == path) { String::new() } else { " (the app's own: stowage wrote none)".into() }
    };
    let _ = writeln!(out, "- Dockerfile: `{}`{}", plan.dockerfile, own(&plan.dockerfile));
    let _ = writeln!(out, "- development Dockerfile: `{}`{}", plan.dev_dockerfile, own(&plan.dev_dockerfile));
    let _ = writeln!(out, "- build context: `{}`, ignore file `{}`", plan.build_context, plan.ignore_file);
    let _ = writeln!(out, "- version: {}", plan.vars.line_comment);
    let bases: std::collections::BTreeSet<String> = plan.base_images.iter().map(|b| format!("`{b}`")).collect();
    let _ = writeln!(out, "- base images: {}", bases.into_iter().collect::<Vec<_>>().join(", "));
    let mut note = plan.vars.build_note.iter();
    if let Some(command) = note.next() {
        let _ = writeln!(out, "\n```sh\n{command}\n```\n");
    }
    for line in note {
        let (when, what) = line.split_once(": ").unwrap_or(("", line));
        let mut when = when.to_string();
        if let Some(first) = when.get(..1) {
            when.replace_range(..1, &first.to_uppercase());
        }
        let _ = writeln!(out, "- {when}: {what}");
    }
}
