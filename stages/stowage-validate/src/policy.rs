//! The validation policy: which rules run, at which severity, and the lists some rules check against.
//!
//! The same shape is read from a TOML policy file (`lint --policy FILE`) and from the `[stages.validate]` table of
//! an app's stowage.toml (handed to the stage as JSON), so that a team writes it once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use stowage_kit::{FailOn, Severity};

use crate::registry::{self, Rule};

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Policy {
    /// Rules to turn on that are off by default (e.g. `DF003`), or `"all"`.
    #[serde(default)]
    pub enable: Vec<String>,
    /// Rules to turn off.
    #[serde(default)]
    pub disable: Vec<String>,
    /// Severity per rule code: `"info"`, `"warning"` or `"error"`.
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    /// Registries base images and pod images may come from (`docker.io`, `ghcr.io`, `*.gcr.io`).
    /// Empty means no restriction.
    #[serde(default)]
    pub trusted_registries: Vec<String>,
    /// Base images a Dockerfile may use, as patterns over the reference without tag (`python`, `gcr.io/distroless/*`).
    /// Empty means no restriction.
    #[serde(default)]
    pub allowed_base_images: Vec<String>,
    /// Labels every final image must carry (turns on DF086).
    #[serde(default)]
    pub required_labels: Vec<String>,
    /// The type each label's value must have: `text`, `url`, `semver`, `rfc3339`, `spdx`, `hash` (a git commit) or
    /// `email` (turns on DF090 for those labels).
    #[serde(default)]
    pub label_schema: BTreeMap<String, LabelType>,
    /// Lint mode only: findings at or above this fail the run (default `warning`). The stage uses the pipeline's
    /// threshold instead.
    #[serde(default)]
    pub fail_on: Option<FailOn>,
    /// Stage only: the command that renders a Kustomize overlay, its folder appended (default `kubectl kustomize`);
    /// `[]` judges the files as written only.
    #[serde(default)]
    pub kustomize: Option<Vec<String>>,
    /// Stage only: the command that renders a Helm chart, `NAME CHART --namespace NAME` appended (default
    /// `helm template`); `[]` judges the chart's static parts only.
    #[serde(default)]
    pub helm_template: Option<Vec<String>>,
    /// Folders of team rule files (`*.toml`; docs/team-rules.md), relative to the folder the policy is in (for
    /// stowage.toml, the app's root). Rule files installed in `share/stowage/rules/` beside stowage load too.
    #[serde(default)]
    pub team_rules: Vec<String>,
    /// When set, only this rule runs. Used by the per-rule fixture tests.
    #[serde(skip)]
    pub only: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LabelType {
    Text,
    Url,
    Semver,
    Rfc3339,
    Spdx,
    Hash,
    Email,
}

impl LabelType {
    /// Why `value` is not of this type, if it is not.
    pub fn check(self, value: &str) -> Option<&'static str> {
        let ok = match self {
            LabelType::Text => true,
            LabelType::Url => value.split_once("://").is_some_and(|(scheme, rest)| {
                !scheme.is_empty()
                    && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
                    && !rest.is_empty()
            }),
            LabelType::Semver => crate::helm::is_semver(value),
            LabelType::Rfc3339 => {
                let b = value.as_bytes();
                b.len() >= 20
                    && b[..4].iter().all(u8::is_ascii_digit)
                    && b[4] == b'-'
                    && b[7] == b'-'
                    && matches!(b[10], b'T' | b't' | b' ')
                    && b[13] == b':'
                    && (value.ends_with(['Z', 'z']) || value[19..].contains(['+', '-']))
            }
            LabelType::Spdx => {
                !value.is_empty()
                    && value.split([' ', '(', ')']).filter(|t| !t.is_empty()).all(|t| {
                        matches!(t, "AND" | "OR" | "WITH")
                            || t.chars().all(|c| c.is_ascii_alphanumeric() || ".-+".contains(c))
                    })
            }
            LabelType::Hash => (value.len() == 40 || value.len() == 64) && value.chars().all(|c| c.is_ascii_hexdigit()),
            LabelType::Email => {
                value.split_once('@').is_some_and(|(u, d)| !u.is_empty() && d.contains('.') && !value.contains(' '))
            }
        };
        if ok {
            return None;
        }
        Some(match self {
            LabelType::Text => "text",
            LabelType::Url => "a URL",
            LabelType::Semver => "a semantic version",
            LabelType::Rfc3339 => "an RFC 3339 time",
            LabelType::Spdx => "an SPDX license expression",
            LabelType::Hash => "a git commit hash",
            LabelType::Email => "an email address",
        })
    }
}

impl Policy {
    /// A policy file; `origin` is its path, which `team_rules` folders are relative to.
    pub fn from_toml(text: &str, origin: &str) -> Result<Policy, String> {
        let policy: Policy = toml::from_str(text).map_err(|e| format!("invalid policy {origin}: {e}"))?;
        policy.load_team_rules(&folder_of(origin), None, origin)?;
        policy.check(origin, Some(text))?;
        Ok(policy)
    }

    /// A policy read from a larger TOML file (`[stages.validate]` of stowage.toml at the path `origin`), checked
    /// against that file's `text` so that an unknown code is reported at its line.
    pub fn checked(self, origin: &str, text: &str) -> Result<Policy, String> {
        self.load_team_rules(&folder_of(origin), None, origin)?;
        self.check(origin, Some(text))?;
        Ok(self)
    }

    /// The `[stages.validate]` options the runner hands to the stage; `team_rules` folders are inside `app_root`,
    /// and only regular files inside it are read.
    pub fn from_json(value: &serde_json::Value, origin: &str, app_root: &Path) -> Result<Policy, String> {
        let policy: Policy =
            serde_json::from_value(value.clone()).map_err(|e| format!("invalid options in {origin}: {e}"))?;
        policy.load_team_rules(app_root, Some(app_root), origin)?;
        policy.check(origin, None)?;
        Ok(policy)
    }

    /// Loads the team rules of `team_rules` (relative to `base`) and the installed ones, and registers them for
    /// this run (see [`crate::team`]).
    pub fn load_team_rules(&self, base: &Path, within: Option<&Path>, origin: &str) -> Result<(), String> {
        let mut folders = Vec::new();
        for folder in &self.team_rules {
            if within.is_some() && (Path::new(folder).is_absolute() || folder.split('/').any(|p| p == "..")) {
                return Err(format!(
                    "{origin}: team_rules folder `{folder}` is outside the app; name a folder inside it, or install \
                     the rules in share/stowage/rules/ beside stowage"
                ));
            }
            folders.push((base.join(folder), folder.clone()));
        }
        let rules = crate::team::load(&folders, within, origin, true)?;
        crate::team::register(rules)
    }

    /// A policy that runs `code` alone, enabled whatever its default.
    pub fn only(code: &'static str) -> Policy {
        Policy { only: Some(code), ..Policy::default() }
    }

    /// Refuses unknown rule codes; with the policy's TOML `text`, the error names the line the code is on (the
    /// parsed policy keeps no positions, and a code is rarely written twice).
    fn check(&self, origin: &str, text: Option<&str>) -> Result<(), String> {
        let codes = self.enable.iter().chain(&self.disable).chain(self.severity.keys());
        for code in codes {
            if code != "all" && registry::find(code).is_none() {
                let line = text.and_then(|t| {
                    t.lines().position(|l| !l.trim_start().starts_with('#') && l.contains(code.as_str())).map(|i| i + 1)
                });
                let at = line.map_or_else(|| origin.to_string(), |l| format!("{origin}:{l}"));
                return Err(format!(
                    "{at}: unknown rule `{code}`; `stowage-validate explain` lists the codes (docs/rules/README.md)"
                ));
            }
        }
        Ok(())
    }

    pub fn enabled(&self, rule: &Rule) -> bool {
        if let Some(only) = self.only {
            return rule.code == only;
        }
        let listed = |list: &[String]| list.iter().any(|c| c == "all" || c.eq_ignore_ascii_case(rule.code));
        if self.disable.iter().any(|c| c.eq_ignore_ascii_case(rule.code)) {
            return false;
        }
        match rule.code {
            "DF004" => !self.trusted_registries.is_empty(),
            "DF005" => !self.allowed_base_images.is_empty(),
            "DF086" => !self.required_labels.is_empty() || listed(&self.enable),
            "DF090" => !self.label_schema.is_empty(),
            // Strict labels need a schema to be strict against, and are opt-in as in hadolint.
            "DF092" => !self.label_schema.is_empty() && listed(&self.enable),
            _ => rule.default_enabled || listed(&self.enable),
        }
    }

    pub fn severity(&self, rule: &Rule) -> Severity {
        self.severity.iter().find(|(c, _)| c.eq_ignore_ascii_case(rule.code)).map_or(rule.severity, |(_, s)| *s)
    }

    /// True when `image` (a reference as written) comes from a trusted registry. Docker Hub short names
    /// (`python`, `library/python`) come from `docker.io`.
    pub fn registry_trusted(&self, image: &str) -> bool {
        let registry = registry_of(image);
        self.trusted_registries.iter().any(|p| glob_match(p, &registry))
    }
}

/// The folder a policy file is in, which its relative paths start from.
fn folder_of(origin: &str) -> PathBuf {
    match Path::new(origin).parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The registry host of an image reference, `docker.io` for Docker Hub names.
pub fn registry_of(image: &str) -> String {
    match image.split_once('/') {
        Some((first, _)) if first.contains('.') || first.contains(':') || first == "localhost" => first.to_string(),
        _ => "docker.io".to_string(),
    }
}

/// Glob matching with `*` (any run of characters except `/`), `**` (anything) and `?`.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some(b'*') if p.get(1) == Some(&b'*') => {
                let rest = p[2..].strip_prefix(b"/").unwrap_or(&p[2..]);
                (0..=t.len()).any(|i| go(rest, &t[i..]) || go(&p[2..], &t[i..]))
            }
            Some(b'*') => {
                for i in 0..=t.len() {
                    if go(&p[1..], &t[i..]) {
                        return true;
                    }
                    if t.get(i) == Some(&b'/') {
                        break;
                    }
                }
                false
            }
            Some(b'?') => t.first().is_some_and(|c| *c != b'/') && go(&p[1..], &t[1..]),
            Some(c) => t.first() == Some(c) && go(&p[1..], &t[1..]),
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*.gcr.io", "eu.gcr.io"));
        assert!(!glob_match("*.gcr.io", "gcr.io"));
        assert!(glob_match("vendor/**", "vendor/a/b/Dockerfile"));
        assert!(glob_match("**/fixtures/**", "a/fixtures/x.yaml"));
        assert!(!glob_match("docs/*", "docs/a/b"));
    }

    #[test]
    fn registries() {
        assert_eq!(registry_of("python:3"), "docker.io");
        assert_eq!(registry_of("library/python"), "docker.io");
        assert_eq!(registry_of("ghcr.io/a/b:1"), "ghcr.io");
        assert_eq!(registry_of("localhost:5000/a"), "localhost:5000");
    }

    #[test]
    fn policy_file() {
        let p = Policy::from_toml(
            "disable = [\"DF013\"]\ntrusted_registries = [\"docker.io\"]\n[severity]\nDF008 = \"error\"\n",
            "p.toml",
        )
        .unwrap();
        assert_eq!(p.severity(registry::find("DF008").unwrap()), Severity::Error);
        assert!(!p.enabled(registry::find("DF013").unwrap()));
        assert!(p.enabled(registry::find("DF004").unwrap()));
        let err = Policy::from_toml("disable = [\"XX1\"]", "p.toml").unwrap_err();
        assert!(err.contains("unknown rule `XX1`"), "{err}");
    }
}
