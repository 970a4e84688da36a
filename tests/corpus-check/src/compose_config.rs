//! Analyze's compose reader judged by podman-compose: every compose file of the corpus folder is resolved by
//! `podman-compose config` (interpolation, `extends`, the long and short syntaxes) and read by analyze
//! (`stowage_analyze::compose_services`), each alone in a scratch folder as `compose.yaml` with every profile it
//! names turned on (analyze reads every service and notes its profiles), and the two readings
//! are compared as verdicts per (file, fact, key): each service, its image, its build context and the container
//! side of each published or exposed port. A file podman-compose refuses is one verdict of its own (`refused`,
//! with the reason) and nothing else of it is compared. Every difference must be explained in the folder's
//! disputes file (`[[compose_config]]`), and every entry there must still be a difference. Without the judges venv
//! (`cargo xtask judges`) the check fails and says how to install it.

use std::collections::BTreeSet;
use std::path::Path;

use stowage_validate::yaml::{self, Node};

use crate::compose_schema::Scratch;
use crate::verdicts::{self, Verdict};
use crate::{Corpus, Fatal, Problems, Result, judge};

pub fn run(corpus: &Corpus) -> Result<Problems> {
    let podman_compose =
        judge("podman-compose", "analyze's compose reader is compared with `podman-compose config` installed there")?;
    let scratch = Scratch::new("compose-config")?;
    let mut theirs: BTreeSet<Verdict> = BTreeSet::new();
    let mut ours: BTreeSet<Verdict> = BTreeSet::new();
    let files = corpus.files("compose")?;
    for (i, path) in files.iter().enumerate() {
        let name = corpus.name(path);
        let dir = scratch.0.join(format!("app{i}"));
        std::fs::create_dir_all(&dir).map_err(|e| Fatal(format!("cannot create {}: {e}", dir.display())))?;
        std::fs::copy(path, dir.join("compose.yaml"))
            .map_err(|e| Fatal(format!("cannot copy {}: {e}", path.display())))?;
        let services = stowage_analyze::compose_services(&dir).map_err(|e| Fatal(format!("{name}: {e}")))?;
        // Every profile on, as analyze reads every service (and says which profiles start it).
        let profiles: BTreeSet<&str> = services.iter().flat_map(|s| s.profiles.iter().map(String::as_str)).collect();
        let output = std::process::Command::new(&podman_compose)
            .args(profiles.iter().flat_map(|p| ["--profile", p]))
            .args(["-f", "compose.yaml", "config"])
            .current_dir(&dir)
            // A project name of its own: podman-compose would take the folder's, which differs per run.
            .env("COMPOSE_PROJECT_NAME", "corpus")
            .output()
            .map_err(|e| Fatal(format!("cannot run {}: {e}", podman_compose.display())))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let reason = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_string();
            theirs.insert((name.clone(), "refused".into(), reason));
            continue;
        }
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        read_theirs(&name, &text, &dir, &mut theirs);
        for s in services {
            ours.insert((name.clone(), "service".into(), s.name.clone()));
            if let Some(image) = &s.image {
                ours.insert((name.clone(), "image".into(), format!("{}={image}", s.name)));
            }
            if let Some(build) = &s.build {
                ours.insert((name.clone(), "build".into(), format!("{}={build}", s.name)));
            }
            for port in &s.ports {
                ours.insert((name.clone(), "port".into(), format!("{}:{port}", s.name)));
            }
        }
    }
    let disputes = &corpus.disputes.compose_config;
    let review = verdicts::review("podman-compose", &theirs, &ours, disputes);
    verdicts::print_table("compose files", files.len(), &review, None);
    for fact in ["service", "image", "build", "port"] {
        println!("{fact}: {} agreed", theirs.intersection(&ours).filter(|v| v.1 == fact).count());
    }
    let shown = corpus.disputes_path.display().to_string();
    Ok(verdicts::problems(&review, "compose reading", "podman-compose config", &shown))
}

/// The verdicts of one `podman-compose config` output; build contexts are made relative to the scratch folder.
fn read_theirs(name: &str, text: &str, dir: &Path, out: &mut BTreeSet<Verdict>) {
    let (docs, _) = yaml::parse(text);
    let dir = dir.to_string_lossy().into_owned();
    for doc in docs.iter().filter_map(|d| d.root.as_ref()) {
        for (key, service) in doc.get("services").map(Node::entries).unwrap_or(&[]) {
            let Some(service_name) = key.str() else { continue };
            out.insert((name.to_string(), "service".into(), service_name.to_string()));
            if let Some(image) = service.get("image").and_then(Node::str) {
                out.insert((name.to_string(), "image".into(), format!("{service_name}={image}")));
            }
            let context = match service.get("build") {
                Some(b) if b.is_map() => b.get("context").and_then(Node::str).map(str::to_string),
                Some(b) => b.str().map(str::to_string),
                None => None,
            };
            if let Some(context) = context {
                // Relative to the app, `..` kept for a context outside it.
                let parent = Path::new(&dir).parent().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
                let relative = match (context.strip_prefix(&dir), context.strip_prefix(&parent)) {
                    (Some(inside), _) => inside.trim_start_matches('/').to_string(),
                    (None, Some(beside)) => format!("..{beside}"),
                    (None, None) => context.clone(),
                };
                let relative = if relative.is_empty() { ".".to_string() } else { relative };
                out.insert((name.to_string(), "build".into(), format!("{service_name}={relative}")));
            }
            let ports = service.get("ports").map(Node::seq).unwrap_or(&[]);
            let expose = service.get("expose").map(Node::seq).unwrap_or(&[]);
            for item in ports.iter().chain(expose) {
                let container = match item.get("target") {
                    Some(target) => target.str().map(str::to_string),
                    None => item.str().map(|p| p.rsplit(':').next().unwrap_or(p).to_string()),
                };
                if let Some(container) = container {
                    let container = container.trim().trim_end_matches("/tcp").to_string();
                    out.insert((name.to_string(), "port".into(), format!("{service_name}:{container}")));
                }
            }
        }
    }
}
