//! Helm chart static checks: Chart.yaml fields, values.schema.json present and valid, and no hard-coded
//! namespace in templates. Templates are not rendered here; the rendered output is checked by the Kubernetes
//! rules in the tests that go through Helm itself.

use std::path::Path;

use crate::Diag;
use crate::yaml::{self, Node};

/// Checks the chart whose Chart.yaml is at `chart_yaml` with text `text`. Findings in Chart.yaml go to `out`;
/// findings in other files of the chart go to `elsewhere`, with paths relative to the chart directory. The chart's
/// other files are read only when they are regular files inside `app` (see `read_text_within`); any other is a
/// GN002 finding, never read.
pub fn check(app: &Path, chart_yaml: &Path, text: &str, out: &mut Vec<Diag>, elsewhere: &mut Vec<(String, Diag)>) {
    let (docs, diags) = yaml::parse(text);
    let parsed = diags.is_empty();
    out.extend(diags);
    let root = docs.into_iter().find_map(|d| d.root);
    if parsed {
        match &root {
            None => out.push(Diag::new("HC002", (1, 1), "Chart.yaml is empty: it needs apiVersion, name and version")),
            Some(root) => check_chart_yaml(root, out),
        }
    }
    let Some(dir) = chart_yaml.parent() else { return };
    // Absent is a finding of its own (HC004) for the schema and nothing for values.yaml; unreadable is GN002.
    let read = |name: &str, elsewhere: &mut Vec<(String, Diag)>| -> Option<String> {
        let path = dir.join(name);
        std::fs::symlink_metadata(&path).ok()?;
        match crate::read_text_within(app, &path, name) {
            Ok(text) => Some(text),
            Err(message) => {
                elsewhere.push((name.to_string(), Diag::new("GN002", (1, 1), message)));
                None
            }
        }
    };
    let schema_exists = std::fs::symlink_metadata(dir.join("values.schema.json")).is_ok();
    match read("values.schema.json", elsewhere) {
        None if !schema_exists => {
            out.push(Diag::new("HC004", (1, 1), "chart has no values.schema.json: values are not validated at install"))
        }
        None => {}
        Some(text) => {
            if let Some(d) = check_schema(&text) {
                elsewhere.push(("values.schema.json".to_string(), d));
            }
        }
    }
    if let Some(values) = read("values.yaml", elsewhere) {
        let (docs, _) = yaml::parse(&values);
        let root = docs.into_iter().find_map(|d| d.root);
        let has = |key: &str| root.as_ref().is_some_and(|r| contains_key(r, key));
        let missing: Vec<&str> = ["securityContext", "resources"].into_iter().filter(|k| !has(k)).collect();
        if !missing.is_empty() {
            elsewhere.push((
                "values.yaml".to_string(),
                Diag::new("HC007", (1, 1), format!("values.yaml exposes no {} settings", missing.join(" or "))),
            ));
        }
    }
    let entries = match std::fs::read_dir(dir.join("templates")) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
        Err(e) => {
            let message = format!("cannot list folder templates: {e}; its files are not checked");
            elsewhere.push(("templates".to_string(), Diag::new("GN002", (1, 1), message)));
            return;
        }
    };
    let mut files: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    files.sort();
    for path in files {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
        if !(name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".tpl")) {
            continue;
        }
        let shown = format!("templates/{name}");
        let text = match crate::read_text_within(app, &path, &shown) {
            Ok(text) => text,
            Err(message) => {
                elsewhere.push((shown, Diag::new("GN002", (1, 1), message)));
                continue;
            }
        };
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let t = line.trim_start();
            if let Some(v) = t.strip_prefix("namespace:") {
                let v = v.trim();
                let placement = matches!(parent_key(&lines, i), Some("metadata" | "subjects"));
                if placement && !v.is_empty() && !v.contains("{{") && !v.starts_with('#') {
                    let col = (line.len() - t.len()) as u32 + 1;
                    elsewhere.push((
                        format!("templates/{name}"),
                        Diag::new(
                            "HC006",
                            (i as u32 + 1, col),
                            format!("hard-coded namespace `{v}`; use {{{{ .Release.Namespace }}}}"),
                        ),
                    ));
                }
            }
        }
    }
}

/// The key of the mapping that holds line `at`'s key, read from indentation: templates are Go text, not YAML,
/// so they cannot be parsed, but their YAML lines still nest by indentation. A list item's `- ` counts as
/// indentation, so a subject's `namespace:` belongs to `subjects`. Only `metadata.namespace` and a binding
/// subject's namespace place an object; a `namespace:` elsewhere (a volume driver's setting, a config value) does
/// not.
fn parent_key<'a>(lines: &[&'a str], at: usize) -> Option<&'a str> {
    let key_column = |line: &str| {
        let t = line.trim_start();
        let indent = line.len() - t.len();
        indent + (t.len() - t.trim_start_matches("- ").trim_start().len())
    };
    let column = key_column(lines[at]);
    lines[..at].iter().rev().find_map(|line| {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with("{{") || key_column(line) >= column {
            return None;
        }
        let key = t.trim_start_matches("- ").trim_start();
        Some(key.split_once(':').map_or(key, |(k, _)| k).trim())
    })
}

/// True when `key` appears as a mapping key anywhere under `node` (`podSecurityContext` counts for `securityContext`).
fn contains_key(node: &Node, key: &str) -> bool {
    match &node.value {
        yaml::Value::Map(entries) => entries.iter().any(|(k, v)| {
            k.str().is_some_and(|k| k == key || k.to_lowercase().ends_with(&key.to_lowercase())) || contains_key(v, key)
        }),
        yaml::Value::Seq(items) => items.iter().any(|i| contains_key(i, key)),
        yaml::Value::Scalar { .. } => false,
    }
}

fn check_chart_yaml(root: &Node, out: &mut Vec<Diag>) {
    match root.get("apiVersion") {
        Some(v) if v.str() == Some("v2") => {}
        Some(v) => out.push(Diag::new(
            "HC001",
            v.pos(),
            format!("Chart.yaml apiVersion is `{}`; Helm 3 charts use v2", v.str().unwrap_or("")),
        )),
        None => out.push(Diag::new("HC001", root.pos(), "Chart.yaml has no apiVersion; Helm 3 charts use v2")),
    }
    if root.get("name").and_then(Node::str).is_none_or(str::is_empty) {
        out.push(Diag::new("HC002", root.pos(), "Chart.yaml has no name"));
    }
    match root.get("version") {
        Some(v) if v.str().is_some_and(is_semver) => {}
        Some(v) => out.push(Diag::new(
            "HC003",
            v.pos(),
            format!("Chart.yaml version `{}` is not SemVer 2", v.str().unwrap_or("")),
        )),
        None => out.push(Diag::new("HC003", root.pos(), "Chart.yaml has no version")),
    }
}

/// `MAJOR.MINOR.PATCH[-pre][+build]`, as Helm requires.
pub fn is_semver(v: &str) -> bool {
    let v = v.strip_prefix('v').unwrap_or(v);
    let (core, _build) = v.split_once('+').unwrap_or((v, ""));
    let (core, pre) = match core.split_once('-') {
        Some((c, p)) if !p.is_empty() => (c, p),
        Some(_) => return false,
        None => (core, ""),
    };
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) && (p.len() == 1 || !p.starts_with('0')))
        && pre
            .split('.')
            .all(|p| pre.is_empty() || (!p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')))
}

/// Why a values.schema.json is not a usable JSON Schema, with its position.
fn check_schema(text: &str) -> Option<Diag> {
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return Some(Diag::new(
                "HC005",
                (e.line().max(1) as u32, e.column().max(1) as u32),
                format!("values.schema.json is not JSON: {e}"),
            ));
        }
    };
    let Some(obj) = value.as_object() else {
        return Some(Diag::new("HC005", (1, 1), "values.schema.json must be a JSON object"));
    };
    const TYPES: &[&str] = &["object", "array", "string", "number", "integer", "boolean", "null"];
    fn bad_type(v: &serde_json::Value) -> Option<String> {
        let ok = |t: &serde_json::Value| t.as_str().is_some_and(|s| TYPES.contains(&s));
        let t = v.get("type")?;
        let valid = ok(t) || t.as_array().is_some_and(|a| a.iter().all(ok));
        if !valid {
            return Some(format!("`type` {t} is not a JSON Schema type"));
        }
        v.get("properties")?.as_object()?.values().find_map(bad_type)
    }
    if let Some(why) = bad_type(&value) {
        return Some(Diag::new("HC005", (1, 1), format!("values.schema.json: {why}")));
    }
    if obj.get("type").and_then(|t| t.as_str()).is_some_and(|t| t != "object") {
        return Some(Diag::new("HC005", (1, 1), "values.schema.json: the root must describe an object"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::is_semver;

    #[test]
    fn semver() {
        for ok in ["1.0.0", "0.1.0-rc.1", "1.2.3+build.5", "v1.0.0"] {
            assert!(is_semver(ok), "{ok}");
        }
        for bad in ["1.0", "01.0.0", "latest", "1.0.0-"] {
            assert!(!is_semver(bad), "{bad}");
        }
    }
}
