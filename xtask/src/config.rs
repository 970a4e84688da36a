//! Configuration: the app's `stowage.toml` over the chosen profile over the workspace defaults, with
//! command-line flags above all. One precedence everywhere: flag, then stowage.toml, then profile, then defaults.
//!
//! The defaults and profiles are data under `policies/`, embedded at build time so that an installed `stowage`
//! behaves exactly like `cargo xtask`. Every layer is checked on its own before merging, so that an unknown key is
//! reported with the file and line it came from.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use stowage_kit::{Config, ExternalStage, FailOn, Thresholds, check_output_path};

use crate::failure::{Failure, Result};

pub const CONFIG_FILE: &str = "stowage.toml";
const DEFAULTS: (&str, &str) = ("policies/defaults.toml", include_str!("../../policies/defaults.toml"));
/// Every profile under `policies/profiles/`; a test keeps this list equal to the folder.
pub const PROFILES: &[(&str, &str)] = &[
    ("development", include_str!("../../policies/profiles/development.toml")),
    ("production", include_str!("../../policies/profiles/production.toml")),
    ("strict", include_str!("../../policies/profiles/strict.toml")),
];

/// Settings given on the command line; they win over every file.
#[derive(Debug, Default, Clone)]
pub struct Flags {
    pub profile: Option<String>,
    pub fail_on: Option<FailOn>,
    pub stage_timeout_seconds: Option<u64>,
    pub only: Option<Vec<String>>,
    pub skip: Option<Vec<String>>,
    pub compliance: Option<Vec<String>>,
}

/// One configuration file, as written: every key optional, unknown keys rejected.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Layer {
    name: Option<String>,
    profile: Option<String>,
    only: Option<Vec<String>>,
    skip: Option<Vec<String>>,
    unmanaged: Option<Vec<String>>,
    exclude: Option<Vec<String>>,
    compliance: Option<Vec<String>>,
    thresholds: Option<LayerThresholds>,
    report: Option<LayerReport>,
    external_stages: Option<Vec<ExternalStage>>,
    stages: Option<BTreeMap<String, toml::Table>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LayerThresholds {
    fail_on: Option<FailOn>,
    stage_timeout_seconds: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LayerReport {
    docs_url: Option<String>,
}

/// The merged configuration plus the stage selection, which the runner uses but stages do not see.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub only: Option<Vec<String>>,
    pub skip: Vec<String>,
    /// Where `only` and `skip` were set in stowage.toml (`stowage.toml:LINE`), when they came from there.
    pub selection_at: BTreeMap<String, String>,
    /// The app's stowage.toml, when there is one.
    pub file: Option<PathBuf>,
    /// `[report] docs_url`: the web address rule pages are published under, so reports can link them; empty when
    /// unset. The runner's alone: reports are rendered by the runner, so no stage's context carries it.
    pub docs_url: String,
}

/// Loads and merges the configuration of the app at `app_root`.
pub fn load(app_root: &Path, flags: &Flags) -> Result<Loaded> {
    let defaults = parse_layer(DEFAULTS.1, DEFAULTS.0)?;
    let file = app_root.join(CONFIG_FILE);
    let (app, key_locations, file) = if file.is_file() {
        let text = crate::failure::read_to_string(&file)?;
        let shown = file.display().to_string();
        let layer = parse_layer(&text, &shown)?;
        (layer, key_locations(&text, CONFIG_FILE), Some(file))
    } else {
        (Layer::default(), BTreeMap::new(), None)
    };
    let profile_name = flags
        .profile
        .clone()
        .or_else(|| app.profile.clone())
        .or_else(|| defaults.profile.clone())
        .unwrap_or_else(|| "production".into());
    let Some((_, profile_text)) = PROFILES.iter().find(|(name, _)| *name == profile_name) else {
        let known: Vec<&str> = PROFILES.iter().map(|(n, _)| *n).collect();
        let place = match (&flags.profile, key_locations.get("profile")) {
            (None, Some(at)) => format!("{at}: "),
            _ => String::new(),
        };
        return Err(Failure::usage(format!(
            "{place}unknown profile `{profile_name}`: choose one of {}",
            known.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
        )));
    };
    let profile = parse_layer(profile_text, &format!("policies/profiles/{profile_name}.toml"))?;
    let layers = [&app, &profile, &defaults];
    // The first layer (highest precedence) that sets a key wins.
    macro_rules! pick {
        ($($field:tt)+) => { layers.iter().find_map(|l| l.$($field)+.clone()) };
    }
    let thresholds =
        |f: fn(&LayerThresholds) -> Option<u64>| layers.iter().find_map(|l| l.thresholds.as_ref().and_then(f));
    let fail_on = flags
        .fail_on
        .or_else(|| layers.iter().find_map(|l| l.thresholds.as_ref().and_then(|t| t.fail_on)))
        .unwrap_or(FailOn::Error);
    let stage_timeout_seconds =
        flags.stage_timeout_seconds.or_else(|| thresholds(|t| t.stage_timeout_seconds)).unwrap_or(300);
    // Where a key of the app's stowage.toml was set, for errors about its value.
    let at = |key: &str| {
        key_locations.get(key).map(|l| format!("{l}: ")).unwrap_or_else(|| format!("{}: ", shown_file(file.as_deref())))
    };
    if stage_timeout_seconds == 0 {
        let place =
            if flags.stage_timeout_seconds.is_some() { String::new() } else { at("thresholds.stage_timeout_seconds") };
        return Err(Failure::usage(format!("{place}`stage_timeout_seconds` must be at least 1")));
    }
    let name = match pick!(name) {
        Some(name) => name,
        None => default_name(app_root),
    };
    check_name(&name).map_err(|why| Failure::usage(format!("{}{why}", at("name"))))?;
    // `./Dockerfile` and `Dockerfile` are the same entry.
    let unmanaged: Vec<String> =
        pick!(unmanaged).unwrap_or_default().into_iter().map(|p| p.trim_start_matches("./").to_string()).collect();
    for path in &unmanaged {
        check_output_path(path)
            .map_err(|why| Failure::usage(format!("{}invalid `unmanaged` entry: {why}", at("unmanaged"))))?;
    }
    // A stage's table merges key by key across layers (a key of a higher layer replaces the same key below), so that
    // an app setting one option keeps the defaults of the others.
    let mut stage_options: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    for layer in layers.iter().rev() {
        for (stage, table) in layer.stages.iter().flatten() {
            let value =
                serde_json::to_value(table).map_err(|e| Failure::usage(format!("invalid [stages.{stage}]: {e}")))?;
            match (stage_options.get_mut(stage), value) {
                (Some(serde_json::Value::Object(below)), serde_json::Value::Object(above)) => below.extend(above),
                (_, value) => {
                    stage_options.insert(stage.clone(), value);
                }
            }
        }
    }
    // Stage options travel in every stage's context, which the report folder keeps: a secret written into
    // stowage.toml (`start_command = "API_TOKEN=... node server.js"`) is masked here, so no stage, report or log
    // ever holds it. Commands keep their shape; secrets belong in the environment, never in this file.
    for options in stage_options.values_mut() {
        stowage_kit::secret::mask_json(options, "<redacted>");
    }
    let docs_url = layers.iter().find_map(|l| l.report.as_ref().and_then(|r| r.docs_url.clone())).unwrap_or_default();
    if !docs_url.is_empty() && !stowage_render::is_web_link(&docs_url) {
        return Err(Failure::usage(format!(
            "{}`report.docs_url` must be an http:// or https:// address with no spaces, quotes or brackets, \
             such as \"https://docs.example.com/stowage/\"; got {docs_url:?}",
            at("report.docs_url")
        )));
    }
    // A flag's value has no place in the file: do not point at the file's line for it.
    let mut key_locations = key_locations;
    if flags.compliance.is_some() {
        key_locations.remove("compliance");
    }
    let config = Config {
        name,
        profile: profile_name,
        unmanaged,
        exclude: pick!(exclude).unwrap_or_default(),
        thresholds: Thresholds { fail_on, stage_timeout_seconds },
        compliance: flags.compliance.clone().or_else(|| pick!(compliance)).unwrap_or_default(),
        external_stages: pick!(external_stages).unwrap_or_default(),
        stage_options,
        key_locations,
    };
    // The selection is one setting: a flag for either `--only` or `--skip` replaces the files' `only` and `skip`.
    let (only, skip, selection_at) = if flags.only.is_some() || flags.skip.is_some() {
        (flags.only.clone(), flags.skip.clone().unwrap_or_default(), BTreeMap::new())
    } else {
        let at: BTreeMap<String, String> = ["only", "skip"]
            .iter()
            .filter_map(|k| config.key_locations.get(*k).map(|l| (k.to_string(), l.clone())))
            .collect();
        (pick!(only), pick!(skip).unwrap_or_default(), at)
    };
    Ok(Loaded { config, only, skip, selection_at, file, docs_url })
}

fn shown_file(file: Option<&Path>) -> String {
    file.map_or_else(|| CONFIG_FILE.to_string(), |f| f.display().to_string())
}

/// The app's folder name, made safe for a file name.
pub fn default_name(app_root: &Path) -> String {
    let raw = app_root.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "app".into());
    let name: String =
        raw.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' { c.to_ascii_lowercase() } else { '-' }
            })
            .collect();
    let name = name.trim_matches(|c| c == '-' || c == '.').to_string();
    if name.is_empty() { "app".into() } else { name }
}

fn check_name(name: &str) -> std::result::Result<(), String> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
    if ok { Ok(()) } else { Err(format!("invalid `name = \"{name}\"`: use letters, digits, `-`, `_` and `.`")) }
}

fn parse_layer(text: &str, shown: &str) -> Result<Layer> {
    toml::from_str(text).map_err(|e| toml_error(&e, text, shown))
}

/// Formats a TOML error as `file:line:column: message`, the way every error of stowage names a place.
pub fn toml_error(e: &toml::de::Error, text: &str, shown: &str) -> Failure {
    let place = match e.span() {
        Some(span) => {
            let (line, column) = line_column(text, span.start);
            format!("{shown}:{line}:{column}")
        }
        None => shown.to_string(),
    };
    let message = e.message().trim_end().replace('\n', " ");
    Failure::usage(format!("invalid configuration at {place}: {message}"))
}

/// 1-based line and column of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Maps every dotted key path of a TOML document to `file:line`.
fn key_locations(text: &str, shown: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Ok(table) = toml::de::DeTable::parse(text) {
        walk(table.get_ref(), "", text, shown, &mut out);
    }
    out
}

fn walk(table: &toml::de::DeTable<'_>, prefix: &str, text: &str, shown: &str, out: &mut BTreeMap<String, String>) {
    for (key, value) in table {
        let path = if prefix.is_empty() { key.get_ref().to_string() } else { format!("{prefix}.{}", key.get_ref()) };
        let (line, _) = line_column(text, key.span().start);
        out.insert(path.clone(), format!("{shown}:{line}"));
        match value.get_ref() {
            toml::de::DeValue::Table(inner) => walk(inner, &path, text, shown, out),
            toml::de::DeValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let toml::de::DeValue::Table(inner) = item.get_ref() {
                        walk(inner, &format!("{path}.{i}"), text, shown, out);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn profiles_list_matches_the_folder() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies/profiles");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().trim_end_matches(".toml").to_string())
            .collect();
        on_disk.sort();
        let listed: Vec<String> = super::PROFILES.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(listed, on_disk, "add every policies/profiles/*.toml to PROFILES in xtask/src/config.rs");
    }

    #[test]
    fn key_locations_name_lines() {
        let text = "name = \"x\"\n\n[stages.analyze.services.api]\nport = 8080\n";
        let map = super::key_locations(text, "stowage.toml");
        assert_eq!(map["stages.analyze.services.api.port"], "stowage.toml:4");
        assert_eq!(map["name"], "stowage.toml:1");
    }
}
