//! The `validate` stage: checks every staged file and the app's own container files, then each Kustomize overlay
//! and Helm chart as rendered (`rendered`), and reports findings with app-relative paths. The kit fails the run at
//! the configured threshold.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use stowage_kit::{Run, StageError};

use crate::{Input, Policy, discover, lint_within};

pub fn run(run: &mut Run) -> Result<(), StageError> {
    let mut policy = match run.ctx.config.stage_options.get("validate") {
        Some(value) => {
            let origin = run
                .ctx
                .config
                .key_locations
                .get("stages.validate")
                .cloned()
                .unwrap_or_else(|| "[stages.validate] of stowage.toml".to_string());
            Policy::from_json(value, &origin, &run.ctx.app.root).map_err(StageError::BadInput)?
        }
        None => {
            // Rules installed beside stowage apply to every app.
            let policy = Policy::default();
            policy
                .load_team_rules(&run.ctx.app.root, Some(&run.ctx.app.root), "stowage.toml")
                .map_err(StageError::BadInput)?;
            policy
        }
    };
    // The app's own hadolint configuration, as hadolint would read it from the app's root.
    for name in crate::hadolint_config::FILE_NAMES {
        let path = run.ctx.app.root.join(name);
        match stowage_kit::files::read_app_file(&run.ctx.app.root, &path, stowage_kit::files::MAX_FILE_BYTES) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                let notes = crate::hadolint_config::apply(&mut policy, &text, name).map_err(StageError::BadInput)?;
                for note in notes {
                    run.note(note);
                }
                break;
            }
            Err(e) if e.is_missing() => {}
            Err(e) => return Err(StageError::BadInput(format!("{name}: cannot be read ({e}); fix it or remove it"))),
        }
    }
    let frameworks = crate::compliance::parse(&run.ctx.config.compliance).map_err(|e| {
        let at = run.ctx.config.key_locations.get("compliance").map_or(String::new(), |l| format!("{l}: "));
        StageError::BadInput(format!("{at}{e}"))
    })?;
    let root = run.ctx.app.root.clone();
    let mut inputs = Vec::new();
    let staged: BTreeSet<&str> = run.ctx.staged.iter().map(|s| s.path.as_str()).collect();
    let chart_dirs: BTreeSet<&str> =
        staged.iter().filter_map(|p| p.strip_suffix("Chart.yaml")).map(|d| d.trim_end_matches('/')).collect();
    for file in &run.ctx.staged {
        let name = file.path.rsplit('/').next().unwrap_or(&file.path);
        // Templates of a staged or existing chart are Go templates.
        let in_templates = file.path.match_indices("templates/").any(|(i, _)| {
            let dir = file.path[..i].trim_end_matches('/');
            chart_dirs.contains(dir) || root.join(dir).join("Chart.yaml").is_file()
        });
        if in_templates {
            continue;
        }
        if let Some(kind) = discover::classify_content(name, &file.source) {
            inputs.push(Input { file: file.path.clone(), path: file.source.clone(), kind });
        }
    }
    let display = |p: &Path| p.strip_prefix(&root).unwrap_or(p).to_string_lossy().replace('\\', "/");
    let mut own = Vec::new();
    discover::walk(&root, &run.ctx.config.exclude, &display, &mut own);
    let own_count = own.len();
    inputs.extend(own.into_iter().filter(|i| !staged.contains(i.file.as_str())));
    inputs.sort();
    // The app's files are read only inside the app; staged files only in their own folder.
    let mut result = lint_within(std::slice::from_ref(&root), &inputs, &policy);
    // What is deployed: the rendered overlays and charts, for what no file as written shows.
    let seen: BTreeSet<(String, String)> = result
        .findings
        .iter()
        .chain(result.suppressed.iter().map(|s| &s.finding))
        .map(|f| (f.rule.clone(), f.message.clone()))
        .collect();
    let staged_sources: BTreeMap<String, PathBuf> =
        run.ctx.staged.iter().map(|s| (s.path.clone(), s.source.clone())).collect();
    let rendered = crate::rendered::judge(&root, &staged_sources, &inputs, &policy, &seen);
    for note in rendered.notes {
        run.note(note);
    }
    if !rendered.rendered.is_empty() {
        run.note(format!("judged as rendered: {}", rendered.rendered.join(", ")));
    }
    result.findings.extend(rendered.findings);
    crate::reporting::add_snippets(&mut result);
    run.report.rules = crate::reporting::rules_of(&result);
    run.note(format!(
        "validated {} files ({} staged, {} of the app's own)",
        result.files_checked,
        result.files_checked - own_count.min(result.files_checked),
        own_count
    ));
    let count = |s: stowage_kit::Severity| result.findings.iter().filter(|f| f.severity == s).count();
    let controls = crate::compliance::evaluate(&frameworks, &result, &policy);
    run.set_facts(serde_json::json!({
        "compliance": controls,
        "files_checked": result.files_checked,
        "findings": {
            "error": count(stowage_kit::Severity::Error),
            "warning": count(stowage_kit::Severity::Warning),
            "info": count(stowage_kit::Severity::Info),
        },
        "files": inputs.iter().map(|i| i.file.clone()).collect::<Vec<_>>(),
    }));
    run.report.suppressed = std::mem::take(&mut result.suppressed);
    for finding in result.findings {
        run.finding(finding);
    }
    Ok(())
}
