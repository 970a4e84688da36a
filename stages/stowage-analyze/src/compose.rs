//! Compose files read as Compose reads them: `${VAR}` interpolation from the file's `.env` (`:-`, `-`, `:?`, `?`
//! and `$$`), the override file merged over its base (`compose.override.yaml` over `compose.yaml`), `extends` from
//! the same or another file, `include`, and `profiles`. The result is one list of services per project, each value
//! kept with the file and line it came from, since the evidence of every fact names them.

use std::collections::{BTreeMap, BTreeSet};

use crate::walk::{Tree, file_name, join, parent};
use crate::yaml::Yaml;

/// A text with the place it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub text: String,
    pub file: String,
    pub line: Option<u32>,
}

/// One service of a compose project, after overrides, `extends` and interpolation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Service {
    pub name: String,
    /// (context, dockerfile) as written, relative to the file that set them.
    pub build: Option<(Located, Option<Located>)>,
    pub image: Option<Located>,
    pub ports: Vec<Located>,
    pub expose: Vec<Located>,
    pub command: Option<Located>,
    /// `profiles:`: a service with profiles starts only when one of them is asked for.
    pub profiles: Vec<String>,
    /// `env_file:` entries, app-relative.
    pub env_files: Vec<Located>,
    /// `environment:` entries as (name, value); a name without a value (passed through from the shell) is left out.
    pub environment: Vec<(String, Located)>,
    /// The value came from a development override file (`compose.override.yaml`), which `docker compose up`
    /// applies but a production deployment does not.
    pub from_override: BTreeSet<&'static str>,
}

/// `compose.override.yaml` for `compose.yaml`, `docker-compose.override.yml` for `docker-compose.yml`.
pub fn override_of(path: &str) -> Option<String> {
    let name = file_name(path);
    let (stem, ext) = name.rsplit_once('.')?;
    if !matches!(stem, "compose" | "docker-compose") {
        return None;
    }
    Some(join(parent(path), &format!("{stem}.override.{ext}")))
}

pub fn is_override(path: &str) -> bool {
    file_name(path).contains(".override.")
}

/// Variables the project's `.env` sets (Compose reads the `.env` beside the file it starts from).
fn env_file(tree: &Tree, dir: &str) -> BTreeMap<String, String> {
    let mut vars = BTreeMap::new();
    for line in tree.text(&join(dir, ".env")).unwrap_or_default().lines() {
        let line = line.trim();
        let line = line.strip_prefix("export ").unwrap_or(line);
        if line.starts_with('#') {
            continue;
        }
        if let Some((key, value)) = line.split_once('=') {
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(value);
            vars.insert(key.trim().to_string(), value.to_string());
        }
    }
    vars
}

/// Compose's interpolation: `${VAR}`, `${VAR:-default}` (unset or empty), `${VAR-default}` (unset), `${VAR:?err}`
/// and `${VAR?err}` (then empty here: analyze does not stop on it), `$VAR`, and `$$` for a literal `$`. An unset
/// variable is empty, as Compose makes it.
pub fn interpolate(text: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            let Some(end) = body.find('}') else {
                out.push_str(&rest[i..]);
                return out;
            };
            let expr = &body[..end];
            let name_end = expr.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(expr.len());
            let (name, op) = expr.split_at(name_end);
            let value = vars.get(name).map(String::as_str);
            let resolved = if let Some(default) = op.strip_prefix(":-") {
                value.filter(|v| !v.is_empty()).unwrap_or(default).to_string()
            } else if let Some(default) = op.strip_prefix('-') {
                value.unwrap_or(default).to_string()
            } else {
                value.unwrap_or_default().to_string()
            };
            out.push_str(&resolved);
            rest = &body[end + 1..];
        } else {
            let name_end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
            if name_end == 0 {
                out.push('$');
            } else {
                out.push_str(vars.get(&after[..name_end]).map_or("", String::as_str));
            }
            rest = &after[name_end..];
        }
    }
    out.push_str(rest);
    out
}

fn located(node: &Yaml, file: &str, vars: &BTreeMap<String, String>) -> Option<Located> {
    let text = match node {
        Yaml::Scalar(text, _) => text.clone(),
        Yaml::Seq(items) => {
            let words: Vec<&str> = items.iter().filter_map(Yaml::str).collect();
            if words.is_empty() {
                return None;
            }
            words.join(" ")
        }
        _ => return None,
    };
    let line = match node {
        Yaml::Seq(items) => items.first().and_then(Yaml::line),
        other => other.line(),
    };
    Some(Located { text: interpolate(&text, vars), file: file.to_string(), line })
}

/// A port item as text: `"8080:80"`, or `{ target: 80, published: 8080 }` read as its target.
fn port_item(item: &Yaml, file: &str, vars: &BTreeMap<String, String>) -> Option<Located> {
    match item.get("target") {
        Some(target) => located(target, file, vars),
        None => located(item, file, vars),
    }
}

/// `extends:`: the file (app-relative) and the service it names.
type Extends = (String, String);

/// The services of one file as written (no `extends` resolved), with the file's `include` list.
fn read_file(
    tree: &Tree,
    path: &str,
    vars: &BTreeMap<String, String>,
) -> (Vec<(Service, Option<Extends>)>, Vec<String>) {
    let Some(text) = tree.text(path) else { return (Vec::new(), Vec::new()) };
    let mut services = Vec::new();
    let mut includes = Vec::new();
    for doc in crate::yaml::parse(text) {
        for item in doc.get("include").map(Yaml::items).unwrap_or(&[]) {
            let include = item.str().or_else(|| item.get("path").and_then(Yaml::str));
            if let Some(include) = include {
                includes.push(crate::scan::normalize_path(&join(parent(path), &interpolate(include, vars))));
            }
        }
        for (name, node) in doc.get("services").map(Yaml::entries).unwrap_or(&[]) {
            let mut service = Service { name: name.clone(), ..Service::default() };
            service.build = match node.get("build") {
                Some(scalar @ Yaml::Scalar(..)) => located(scalar, path, vars).map(|c| (c, None)),
                Some(map @ Yaml::Map(_)) => {
                    let context = map.get("context").and_then(|c| located(c, path, vars)).unwrap_or(Located {
                        text: ".".into(),
                        file: path.to_string(),
                        line: None,
                    });
                    Some((context, map.get("dockerfile").and_then(|d| located(d, path, vars))))
                }
                _ => None,
            };
            service.image = node.get("image").and_then(|i| located(i, path, vars));
            service.ports = node
                .get("ports")
                .map(Yaml::items)
                .unwrap_or(&[])
                .iter()
                .filter_map(|p| port_item(p, path, vars))
                .collect();
            service.expose = node
                .get("expose")
                .map(Yaml::items)
                .unwrap_or(&[])
                .iter()
                .filter_map(|p| located(p, path, vars))
                .collect();
            service.command = node.get("command").and_then(|c| located(c, path, vars));
            service.profiles = node
                .get("profiles")
                .map(Yaml::items)
                .unwrap_or(&[])
                .iter()
                .filter_map(Yaml::str)
                .map(str::to_string)
                .collect();
            for item in node
                .get("env_file")
                .map(|e| if e.str().is_some() { std::slice::from_ref(e) } else { e.items() })
                .unwrap_or(&[])
            {
                let file = item.get("path").unwrap_or(item);
                if let Some(mut located) = located(file, path, vars) {
                    located.text = crate::scan::normalize_path(&join(parent(path), &located.text));
                    service.env_files.push(located);
                }
            }
            match node.get("environment") {
                Some(map @ Yaml::Map(_)) => {
                    for (name, value) in map.entries() {
                        if let Some(value) = located(value, path, vars) {
                            service.environment.push((name.clone(), value));
                        }
                    }
                }
                Some(list) => {
                    for item in list.items() {
                        if let Some(setting) = located(item, path, vars)
                            && let Some((name, value)) = setting.text.split_once('=')
                        {
                            let value = Located { text: value.to_string(), ..setting.clone() };
                            service.environment.push((name.to_string(), value));
                        }
                    }
                }
                None => {}
            }
            let extends = node.get("extends").and_then(|e| match e {
                Yaml::Scalar(service, _) => Some((path.to_string(), service.clone())),
                map => map.get("service").and_then(Yaml::str).map(|s| {
                    let file = map.get("file").and_then(Yaml::str).map_or(path.to_string(), |f| {
                        crate::scan::normalize_path(&join(parent(path), &interpolate(f, vars)))
                    });
                    (file, s.to_string())
                }),
            });
            services.push((service, extends));
        }
    }
    (services, includes)
}

/// `over` written over `base`: values `over` sets replace `base`'s, lists are joined (Compose's merge for ports and
/// expose).
fn merge(base: &mut Service, over: Service, override_file: bool) {
    let mut mark = |field: &'static str| {
        if override_file {
            base.from_override.insert(field);
        }
    };
    if over.build.is_some() {
        base.build = over.build;
        mark("build");
    }
    if over.image.is_some() {
        base.image = over.image;
        mark("image");
    }
    if over.command.is_some() {
        base.command = over.command;
        mark("command");
    }
    if !over.ports.is_empty() {
        mark("ports");
    }
    for port in over.ports {
        if !base.ports.iter().any(|p| p.text == port.text) {
            base.ports.push(port);
        }
    }
    for port in over.expose {
        if !base.expose.iter().any(|p| p.text == port.text) {
            base.expose.push(port);
        }
    }
    if !over.profiles.is_empty() {
        base.profiles = over.profiles;
    }
    base.env_files.extend(over.env_files);
    base.environment.extend(over.environment);
}

/// Resolves `extends` chains (at most a few levels, as real files use; a cycle stops).
fn resolve_extends(
    tree: &Tree,
    service: Service,
    extends: Option<Extends>,
    vars: &BTreeMap<String, String>,
    depth: usize,
) -> Service {
    let Some((file, name)) = extends else { return service };
    if depth > 8 {
        return service;
    }
    let (services, _) = read_file(tree, &file, vars);
    let Some((parent_service, parent_extends)) = services.into_iter().find(|(s, _)| s.name == name) else {
        return service;
    };
    let mut base = resolve_extends(tree, parent_service, parent_extends, vars, depth + 1);
    base.name = service.name.clone();
    // `extends` takes the parent's settings, never its profiles or name.
    base.profiles = Vec::new();
    merge(&mut base, service, false);
    base
}

/// Every compose project of the app: each base file with its override, its includes and `extends` resolved. Files
/// that are an override, or that another file includes, are read as part of that project only.
pub fn projects(tree: &Tree) -> Vec<(String, Vec<Service>)> {
    let files: Vec<&String> = tree
        .texts
        .keys()
        .filter(|p| crate::containers::is_compose(file_name(p)) && !crate::detect::is_sample_input(p))
        .collect();
    let mut included = BTreeSet::new();
    for path in &files {
        let vars = env_file(tree, parent(path));
        included.extend(read_file(tree, path, &vars).1);
    }
    let mut out = Vec::new();
    for path in files {
        if is_override(path) || included.contains(path.as_str()) {
            continue;
        }
        let vars = env_file(tree, parent(path));
        let (written, includes) = read_file(tree, path, &vars);
        let mut services: Vec<Service> =
            written.into_iter().map(|(s, e)| resolve_extends(tree, s, e, &vars, 0)).collect();
        for include in includes {
            let inc_vars = env_file(tree, parent(&include));
            let (inc, _) = read_file(tree, &include, &inc_vars);
            services.extend(inc.into_iter().map(|(s, e)| resolve_extends(tree, s, e, &inc_vars, 0)));
        }
        if let Some(over_path) = override_of(path).filter(|o| tree.text(o).is_some()) {
            let (over, _) = read_file(tree, &over_path, &vars);
            for (service, extends) in over {
                let service = resolve_extends(tree, service, extends, &vars, 0);
                match services.iter_mut().find(|s| s.name == service.name) {
                    Some(base) => merge(base, service, true),
                    None => {
                        let mut added = service;
                        added.from_override = ["build", "image", "command", "ports"].into_iter().collect();
                        services.push(added);
                    }
                }
            }
        }
        out.push((path.clone(), services));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolation_follows_compose() {
        let vars: BTreeMap<String, String> =
            [("PORT", "9000"), ("EMPTY", "")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let cases = [
            ("${PORT}:80", "9000:80"),
            ("${MISSING:-8000}:8000", "8000:8000"),
            ("${EMPTY:-7}", "7"),
            ("${EMPTY-7}", ""),
            ("${MISSING-7}", "7"),
            ("${PORT:?set it}", "9000"),
            ("$PORT/tcp", "9000/tcp"),
            ("$$HOME", "$HOME"),
            ("${MISSING}", ""),
            ("plain", "plain"),
            ("${UNCLOSED", "${UNCLOSED"),
        ];
        for (text, want) in cases {
            assert_eq!(interpolate(text, &vars), want, "{text}");
        }
    }

    #[test]
    fn override_names() {
        assert_eq!(override_of("compose.yaml").as_deref(), Some("compose.override.yaml"));
        assert_eq!(override_of("ops/docker-compose.yml").as_deref(), Some("ops/docker-compose.override.yml"));
        assert_eq!(override_of("compose.prod.yaml"), None);
        assert!(is_override("docker-compose.override.yml"));
    }
}
