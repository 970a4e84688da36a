//! The app's own `.hadolint.yaml`: a team that has tuned hadolint keeps its choices when stowage's gate judges its
//! Dockerfiles. Each key maps onto the policy through the rules' hadolint IDs: `ignored` turns off the rules that
//! stand for those IDs, `override` sets their severity, `trustedRegistries`, `label-schema` and `strict-labels`
//! become the policy's own. What `[stages.validate]` of stowage.toml sets wins, since it is stowage's own setting.
//! Keys with no meaning for a gate (`failure-threshold`, `format`, `no-fail`) are named in a note, not obeyed: the
//! run's `fail_on` decides.

use std::collections::BTreeSet;

use crate::policy::{LabelType, Policy};
use crate::registry::{self, Rule};
use crate::yaml::{self, Node};

/// The names hadolint looks for in the folder it runs from, in its order.
pub const FILE_NAMES: [&str; 2] = [".hadolint.yaml", ".hadolint.yml"];

/// Folds the hadolint configuration `text` (shown as `shown` in messages) into `policy`. Returns notes for the run
/// (what was taken, what has no stowage counterpart), or an error naming `shown:line` when the file is not a
/// hadolint configuration.
pub fn apply(policy: &mut Policy, text: &str, shown: &str) -> Result<Vec<String>, String> {
    let (docs, diags) = yaml::parse(text);
    if let Some(d) = diags.first() {
        return Err(format!("{shown}:{}:{}: {}; fix the file or remove it", d.line, d.column, d.message));
    }
    let Some(root) = docs.into_iter().find_map(|d| d.root) else { return Ok(Vec::new()) };
    if !root.is_map() {
        return Err(format!(
            "{shown}:{}: a hadolint configuration is a mapping of keys (ignored, override, ...)",
            root.line
        ));
    }
    let explicit: BTreeSet<String> =
        policy.enable.iter().chain(&policy.disable).chain(policy.severity.keys()).map(|c| c.to_uppercase()).collect();
    let mut notes = Vec::new();
    let mut taken = Vec::new();
    for (key, value) in root.entries() {
        let name = key.str().unwrap_or_default();
        match name {
            "ignored" => {
                let ids = id_list(value, shown, name)?;
                let ignored: BTreeSet<String> = ids.iter().map(|i| i.to_uppercase()).collect();
                for id in &ids {
                    let rules: Vec<&Rule> = registry::by_hadolint(id).collect();
                    if rules.is_empty() {
                        notes.push(format!("{shown}: `ignored` names {id}, which no stowage rule stands for"));
                    }
                    for rule in rules {
                        // A rule that stands for several IDs goes off only when all of them are ignored.
                        let all = rule.hadolint_ids().all(|h| ignored.contains(&h.to_uppercase()));
                        if explicit.contains(rule.code) {
                            notes.push(format!(
                                "{shown}: `ignored` {id} left {} as [stages.validate] of stowage.toml sets it",
                                rule.code
                            ));
                        } else if all {
                            if !policy.disable.iter().any(|c| c == rule.code) {
                                policy.disable.push(rule.code.to_string());
                                taken.push(format!("{} off ({id})", rule.code));
                            }
                        } else {
                            notes.push(format!(
                                "{shown}: `ignored` {id} leaves {} on: it also stands for {}",
                                rule.code,
                                rule.hadolint_ids()
                                    .filter(|h| !ignored.contains(&h.to_uppercase()))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ));
                        }
                    }
                }
            }
            "override" => {
                if !value.is_map() {
                    return Err(format!(
                        "{shown}:{}: `override` maps error, warning, info or style to lists of rule IDs",
                        value.line
                    ));
                }
                for (level, ids) in value.entries() {
                    let severity = match level.str().unwrap_or_default() {
                        "error" => stowage_kit::Severity::Error,
                        "warning" => stowage_kit::Severity::Warning,
                        // stowage has no style level: style findings are information.
                        "info" | "style" => stowage_kit::Severity::Info,
                        "ignore" | "none" => {
                            for id in id_list(ids, shown, "override")? {
                                for rule in registry::by_hadolint(&id).filter(|r| !explicit.contains(r.code)) {
                                    policy.disable.push(rule.code.to_string());
                                    taken.push(format!("{} off ({id})", rule.code));
                                }
                            }
                            continue;
                        }
                        other => {
                            return Err(format!(
                                "{shown}:{}: unknown `override` level `{other}`; use error, warning, info or style",
                                level.line
                            ));
                        }
                    };
                    for id in id_list(ids, shown, "override")? {
                        for rule in registry::by_hadolint(&id).filter(|r| !explicit.contains(r.code)) {
                            policy.severity.insert(rule.code.to_string(), severity);
                            taken.push(format!("{} {severity} ({id})", rule.code));
                        }
                    }
                }
            }
            "trustedRegistries" => {
                let registries = id_list(value, shown, name)?;
                if policy.trusted_registries.is_empty() {
                    taken.push(format!("trusted registries {}", registries.join(", ")));
                    policy.trusted_registries = registries;
                } else {
                    notes.push(format!("{shown}: `trustedRegistries` not used: stowage.toml sets trusted_registries"));
                }
            }
            "label-schema" => {
                if !value.is_map() {
                    return Err(format!("{shown}:{}: `label-schema` maps label names to types", value.line));
                }
                for (label, kind) in value.entries() {
                    let label_name = label.str().unwrap_or_default().to_string();
                    let kind_text = kind.str().unwrap_or_default();
                    let parsed: LabelType = serde_json::from_value(serde_json::Value::String(kind_text.into()))
                        .map_err(|_| {
                            format!(
                                "{shown}:{}: label type `{kind_text}` of `{label_name}` is unknown; use text, url, \
                                 semver, rfc3339, spdx, hash or email",
                                kind.line
                            )
                        })?;
                    if let std::collections::btree_map::Entry::Vacant(slot) =
                        policy.label_schema.entry(label_name.clone())
                    {
                        taken.push(format!("label {label_name}: {kind_text}"));
                        slot.insert(parsed);
                    }
                }
            }
            "strict-labels" => {
                if value.as_bool() == Some(true) && !explicit.contains("DF092") {
                    policy.enable.push("DF092".into());
                    taken.push("strict labels (DF092)".into());
                }
            }
            "failure-threshold" | "no-fail" | "format" | "no-color" | "verbose" => {
                notes.push(format!(
                    "{shown}:{}: `{name}` is not used: the run's `fail_on` decides what fails the gate",
                    key.line
                ));
            }
            "disable-ignore-pragma" => {
                notes.push(format!(
                    "{shown}:{}: `{name}` is not used: stowage always honours inline ignores with a reason",
                    key.line
                ));
            }
            other => {
                notes
                    .push(format!("{shown}:{}: `{other}` is not a hadolint setting stowage knows; not used", key.line));
            }
        }
    }
    if !taken.is_empty() {
        notes.insert(0, format!("{shown} applied: {}", taken.join("; ")));
    }
    Ok(notes)
}

/// A list of strings (rule IDs, registries); a single string is taken as a list of one, as hadolint does.
fn id_list(node: &Node, shown: &str, key: &str) -> Result<Vec<String>, String> {
    if node.is_null() {
        return Ok(Vec::new());
    }
    if let Some(one) = node.str() {
        return Ok(vec![one.to_string()]);
    }
    if node.is_map() {
        return Err(format!("{shown}:{}: `{key}` must be a list of strings", node.line));
    }
    node.seq()
        .iter()
        .map(|n| {
            n.str().map(str::to_string).ok_or_else(|| format!("{shown}:{}: `{key}` must be a list of strings", n.line))
        })
        .collect()
}
