//! The app's own container files (Dockerfile, compose, Kubernetes manifests, Helm charts): listed in the model so
//! later stages can offer to adopt them, and read as evidence for ports, commands and volumes.
//!
//! Only the few instructions that carry evidence are read, line by line; later stages that rewrite Dockerfiles use
//! a real parser.

use crate::model::{ContainerFile, Evidence, Port};
use crate::walk::{Tree, file_name, join, parent};

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

fn is_compose(name: &str) -> bool {
    let stem = name.strip_suffix(".yml").or_else(|| name.strip_suffix(".yaml"));
    stem.is_some_and(|s| {
        s == "compose" || s == "docker-compose" || s.starts_with("compose.") || s.starts_with("docker-compose.")
    })
}

/// Reads `image:` values and container ports (`"8080:80"` -> 80) of a compose file, line by line.
fn read_compose(text: &str) -> (Vec<String>, Vec<u16>) {
    let (mut images, mut ports) = (Vec::new(), Vec::new());
    let mut in_ports = false;
    let mut ports_indent = 0;
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if in_ports && indent <= ports_indent && !t.starts_with('-') {
            in_ports = false;
        }
        if let Some(image) = t.strip_prefix("image:") {
            images.push(image.trim().trim_matches(['"', '\'']).to_string());
        } else if t == "ports:" {
            in_ports = true;
            ports_indent = indent;
        } else if in_ports && let Some(item) = t.strip_prefix('-') {
            let item = item.trim().trim_matches(['"', '\'']);
            let container = item.rsplit(':').next().unwrap_or(item).split('/').next().unwrap_or("");
            if let Ok(n) = container.parse::<u16>() {
                ports.push(n);
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
