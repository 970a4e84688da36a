//! `cargo xtask bench --dockerfiles-only`: stowage's generated Dockerfiles beside docker init's templates for the same
//! fixtures (tests/baselines/docker-init/, rebuilt from docker's documentation and answered with each fixture's facts),
//! finding by finding under hadolint, checkov and stowage's own validator; and the inline ignores the generated
//! Dockerfiles carry, counted against their allow-list (policies/dockerfile-ignores.toml).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use xshell::{Shell, cmd};

use crate::failure::{Failure, Result};

pub const HEADING: &str = "## Generated Dockerfiles against docker init";

/// One fixture's pair: stowage's production Dockerfile and docker init's for the same app.
struct Pair {
    fixture: String,
    stowage: PathBuf,
    docker_init: PathBuf,
}

/// Findings per file, as `ID` strings (a peer's rule ID, or stowage's code), sorted.
type Found = BTreeMap<PathBuf, Vec<String>>;

pub fn section(root: &Path) -> Result<String> {
    crate::judges::install(root)?;
    let pairs = pairs(root)?;
    let sh = Shell::new().map_err(|e| Failure::crash(e.to_string()))?;
    sh.change_dir(root);
    cmd!(sh, "cargo build --quiet -p stowage-validate -p stowage-dockerfile")
        .run()
        .map_err(|e| Failure::crash(format!("building the validator failed: {e}")))?;
    let files: Vec<PathBuf> = pairs.iter().flat_map(|p| [p.stowage.clone(), p.docker_init.clone()]).collect();
    let hadolint = hadolint(root, &files)?;
    let checkov = checkov(root, &files)?;
    let validator = validator(root, &files)?;
    let tools: [(&str, &Found); 3] = [
        ("hadolint", &hadolint),
        ("checkov (failed checks)", &checkov),
        ("stowage validator (warning and above)", &validator),
    ];

    let mut out = format!(
        "{HEADING}\n\nWritten by `cargo xtask bench --dockerfiles-only`. For each fixture with a baseline, stowage's \
         production Dockerfile (committed in tests/fixtures/apps/) beside docker init's template for the same \
         language (tests/baselines/docker-init/, rebuilt from docker's documentation as ../shared/research/generation.md \
         summarises it, answered with the fixture's version, port and command; each file's header names its source and \
         what had to change for it to build). Every finding of each judge at its default settings; stowage's validator \
         counted at warning and above, as its gate is.\n\n"
    );
    out.push_str("| fixture |");
    for (tool, _) in &tools {
        let _ = write!(out, " {tool}: stowage | {tool}: docker init |");
    }
    out.push_str("\n| --- |");
    for _ in &tools {
        out.push_str(" ---: | ---: |");
    }
    out.push('\n');
    let mut totals = [0usize; 6];
    for pair in &pairs {
        let _ = write!(out, "| {} |", pair.fixture);
        for (i, (_, found)) in tools.iter().enumerate() {
            let ours = found.get(&pair.stowage).map_or(0, Vec::len);
            let theirs = found.get(&pair.docker_init).map_or(0, Vec::len);
            totals[2 * i] += ours;
            totals[2 * i + 1] += theirs;
            let _ = write!(out, " {ours} | {theirs} |");
        }
        out.push('\n');
    }
    out.push_str("| all |");
    for n in totals {
        let _ = write!(out, " {n} |");
    }
    out.push_str("\n\nFinding by finding (rule ID and how many times):\n\n| fixture | judge | stowage | docker init |\n| --- | --- | --- | --- |\n");
    for pair in &pairs {
        for (tool, found) in &tools {
            let list = |file: &Path| counted(found.get(file).map(Vec::as_slice).unwrap_or_default());
            let _ =
                writeln!(out, "| {} | {tool} | {} | {} |", pair.fixture, list(&pair.stowage), list(&pair.docker_init));
        }
    }
    out.push_str(&ignores(root)?);
    out.push_str(&knowledge_age(root)?);
    Ok(out)
}

/// The fixtures with a docker init baseline, each with its generated production Dockerfile (from its lock).
fn pairs(root: &Path) -> Result<Vec<Pair>> {
    let dir = root.join("tests/baselines/docker-init");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    names.sort();
    let mut pairs = Vec::new();
    for fixture in names {
        let app = root.join("tests/fixtures/apps").join(&fixture);
        let lock = crate::failure::read_to_string(&app.join("stowage.lock"))?;
        let stowage = lock
            .lines()
            .filter_map(|l| l.strip_prefix("path = \"").and_then(|p| p.strip_suffix('"')))
            .find(|p| p.ends_with("Dockerfile"))
            .ok_or_else(|| Failure::usage(format!("{}: its lock lists no generated Dockerfile", app.display())))?;
        pairs.push(Pair { stowage: app.join(stowage), docker_init: dir.join(&fixture).join("Dockerfile"), fixture });
    }
    Ok(pairs)
}

fn hadolint(root: &Path, files: &[PathBuf]) -> Result<Found> {
    let tool = crate::judges::tool(root, "hadolint").expect("installed above");
    let output = std::process::Command::new(tool)
        .args(["-f", "json", "--no-fail"])
        .args(files)
        .output()
        .map_err(|e| Failure::crash(format!("hadolint did not run: {e}")))?;
    let list: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout)
        .map_err(|e| Failure::crash(format!("hadolint printed no JSON list: {e}")))?;
    let mut found = Found::new();
    for item in list {
        let file = PathBuf::from(item["file"].as_str().unwrap_or_default());
        found.entry(file).or_default().push(item["code"].as_str().unwrap_or_default().to_string());
    }
    Ok(sorted(found))
}

/// checkov recognises a Dockerfile by its name only: it judges copies named `fNNN.Dockerfile`.
fn checkov(root: &Path, files: &[PathBuf]) -> Result<Found> {
    let scratch = std::env::temp_dir().join(format!("stowage-bench-dockerfiles-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).map_err(|e| Failure::usage(e.to_string()))?;
    for (i, file) in files.iter().enumerate() {
        std::fs::copy(file, scratch.join(format!("f{i:03}.Dockerfile"))).map_err(|e| Failure::usage(e.to_string()))?;
    }
    let tool = crate::judges::tool(root, "checkov").expect("installed above");
    let output = std::process::Command::new(tool)
        .args(["--skip-download", "--framework", "dockerfile", "-o", "json", "-d"])
        .arg(&scratch)
        .env("BC_SKIP_MAPPING", "TRUE")
        .output()
        .map_err(|e| Failure::crash(format!("checkov did not run: {e}")))?;
    let _ = std::fs::remove_dir_all(&scratch);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| Failure::crash(format!("checkov printed no JSON report: {e}")))?;
    let mut found = Found::new();
    for check in report["results"]["failed_checks"].as_array().into_iter().flatten() {
        let name = check["file_path"].as_str().unwrap_or_default();
        let Some(i) =
            name.strip_prefix("/f").and_then(|n| n.strip_suffix(".Dockerfile")).and_then(|n| n.parse::<usize>().ok())
        else {
            continue;
        };
        found.entry(files[i].clone()).or_default().push(check["check_id"].as_str().unwrap_or_default().to_string());
    }
    Ok(sorted(found))
}

fn validator(root: &Path, files: &[PathBuf]) -> Result<Found> {
    let mut found = Found::new();
    for file in files {
        let output = std::process::Command::new(root.join("target/debug/stowage-validate"))
            .args(["lint", "--format", "json", "--fail-on", "never"])
            .arg(file)
            .output()
            .map_err(|e| Failure::crash(format!("the validator did not run: {e}")))?;
        let report: serde_json::Value = serde_json::from_slice(&output.stdout)
            .map_err(|e| Failure::crash(format!("the validator printed no JSON report: {e}")))?;
        let codes = found.entry(file.clone()).or_default();
        for f in report["findings"].as_array().into_iter().flatten() {
            if matches!(f["severity"].as_str(), Some("warning" | "error")) {
                codes.push(f["rule"].as_str().unwrap_or_default().to_string());
            }
        }
    }
    Ok(sorted(found))
}

fn sorted(mut found: Found) -> Found {
    for list in found.values_mut() {
        list.sort();
    }
    found
}

/// `DL3008 ×2, DL3025` or `none`.
fn counted(ids: &[String]) -> String {
    if ids.is_empty() {
        return "none".into();
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for id in ids {
        *counts.entry(id.as_str()).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(id, n)| if n == 1 { id.to_string() } else { format!("{id} ×{n}") })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The knowledge base's age on the day of the run, as `stowage knowledge` prints it: the figure that says when the
/// base images need a new look.
fn knowledge_age(root: &Path) -> Result<String> {
    let output = std::process::Command::new(root.join("target/debug/stowage-dockerfile"))
        .arg("knowledge")
        .output()
        .map_err(|e| Failure::crash(format!("stowage-dockerfile knowledge did not run: {e}")))?;
    if !output.status.success() {
        return Err(Failure::crash(format!(
            "stowage-dockerfile knowledge failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(format!(
        "\n### Knowledge base age\n\n`stowage knowledge` on the day of this run:\n\n```text\n{}\n```\n",
        String::from_utf8_lossy(&output.stdout).trim_end()
    ))
}

/// How many inline ignores the generated Dockerfiles of the fixtures carry, per allow-list entry.
fn ignores(root: &Path) -> Result<String> {
    let list: toml::Table =
        toml::from_str(&crate::failure::read_to_string(&root.join("policies/dockerfile-ignores.toml"))?)
            .map_err(|e| Failure::usage(format!("policies/dockerfile-ignores.toml: {e}")))?;
    let markers: Vec<String> = list["ignore"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["marker"].as_str().map(str::to_string))
        .collect();
    let mut used: BTreeMap<&str, (usize, usize)> = markers.iter().map(|m| (m.as_str(), (0, 0))).collect();
    let mut dockerfiles = 0;
    let apps = root.join("tests/fixtures/apps");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&apps)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", apps.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    names.sort();
    for app in names {
        let lock = std::fs::read_to_string(app.join("stowage.lock")).unwrap_or_default();
        for path in lock.lines().filter_map(|l| l.strip_prefix("path = \"").and_then(|p| p.strip_suffix('"'))) {
            let name = path.rsplit('/').next().unwrap_or(path);
            if !name.contains("Dockerfile") || name.ends_with(".dockerignore") {
                continue;
            }
            dockerfiles += 1;
            let text = crate::failure::read_to_string(&app.join(path))?;
            let mut in_file: BTreeMap<&str, usize> = BTreeMap::new();
            for line in text.lines().map(str::trim) {
                if let Some(marker) = markers.iter().find(|m| line.starts_with(m.as_str())) {
                    *in_file.entry(marker.as_str()).or_default() += 1;
                }
            }
            for (marker, n) in in_file {
                let entry = used.get_mut(marker).expect("markers come from the list");
                entry.0 += n;
                entry.1 += 1;
            }
        }
    }
    let mut out = format!(
        "\n### Inline ignores in the generated Dockerfiles\n\n{} allow-list entries in policies/dockerfile-ignores.toml, \
         each with its reason; the dockerfile stage's judges test fails on any ignore not listed. Counted over the {dockerfiles} \
         Dockerfiles (production and development) stowage generated for the fixture apps:\n\n| ignore | lines | files |\n| --- | ---: | ---: |\n",
        markers.len()
    );
    let (mut lines, mut files) = (0, 0);
    for (marker, (n, f)) in &used {
        lines += n;
        files += f;
        let _ = writeln!(out, "| `{marker}` | {n} | {f} |");
    }
    let _ = writeln!(out, "| all | {lines} | {files} |");
    Ok(out)
}

pub const APPS_HEADING: &str = "## Real apps: generated Dockerfiles judged";

/// Container files an app brings with it: removed from the copy first, so that stowage generates its own.
fn is_own_container_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "dockerfile"
        || lower.starts_with("dockerfile.")
        || lower.ends_with(".dockerfile")
        || lower == ".dockerignore"
        || lower.ends_with(".dockerignore")
        || ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"].contains(&lower.as_str())
        || (lower.starts_with("docker-compose.") && (lower.ends_with(".yml") || lower.ends_with(".yaml")))
        || (lower.starts_with("compose.") && (lower.ends_with(".yml") || lower.ends_with(".yaml")))
}

pub(crate) fn remove_own_container_files(dir: &Path) -> std::io::Result<usize> {
    let mut removed = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if kind.is_dir() && name != ".git" && name != "node_modules" {
            removed += remove_own_container_files(&entry.path())?;
        } else if kind.is_file() && is_own_container_file(&name) {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Each real app of tests/apps-expected/apps.tsv, fetched into `apps_dir`, copied without its own container files and
/// containerized; every Dockerfile stowage generates for it judged by hadolint, checkov and stowage's validator. Apps
/// no test was tuned on for the generators: these figures are reported apart from the fixtures'.
pub fn apps_section(root: &Path, apps_dir: &Path) -> Result<String> {
    judge_apps(root, apps_dir).map(|(section, _)| section)
}

/// [`apps_section`] and its problems: a generated Dockerfile any judge finds something in, or a run that crashed
/// (exit 3). A refusal with exit 2 (a pin the knowledge base does not hold, no deployable) is reported, not a problem.
pub fn judge_apps(root: &Path, apps_dir: &Path) -> Result<(String, Vec<String>)> {
    crate::judges::install(root)?;
    let sh = Shell::new().map_err(|e| Failure::crash(e.to_string()))?;
    sh.change_dir(root);
    cmd!(sh, "cargo build --quiet --workspace --bins")
        .run()
        .map_err(|e| Failure::crash(format!("building the stages failed: {e}")))?;
    let list = crate::failure::read_to_string(&root.join("tests/apps-expected/apps.tsv"))?;
    let scratch = std::env::temp_dir().join(format!("stowage-bench-apps-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let mut rows = Vec::new();
    let mut all_files: Vec<PathBuf> = Vec::new();
    for line in list.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let repo = line.split('\t').next().unwrap_or_default();
        let name = repo.replace('/', "__");
        let source = apps_dir.join(&name);
        if !source.is_dir() {
            return Err(Failure::usage(format!(
                "{} is missing: fetch the apps as tests/apps-expected/README.md says",
                source.display()
            )));
        }
        let app = scratch.join(&name);
        std::fs::create_dir_all(&scratch).map_err(|e| Failure::usage(e.to_string()))?;
        cmd!(sh, "cp -a {source} {app}")
            .quiet()
            .run()
            .map_err(|e| Failure::usage(format!("cannot copy {name}: {e}")))?;
        let removed = remove_own_container_files(&app).map_err(|e| Failure::usage(format!("{name}: {e}")))?;
        let output = std::process::Command::new(root.join("target/debug/xtask"))
            .current_dir(root)
            .args(["containerize", "--format", "json", "--fail-on", "never", "--only", "analyze,dockerfile", "--app"])
            .arg(&app)
            .arg("--report-dir")
            .arg(scratch.join(format!("{name}.report")))
            .output()
            .map_err(|e| Failure::crash(format!("the runner did not start: {e}")))?;
        let lock = std::fs::read_to_string(app.join("stowage.lock")).unwrap_or_default();
        let files: Vec<PathBuf> = lock
            .lines()
            .filter_map(|l| l.strip_prefix("path = \"").and_then(|p| p.strip_suffix('"')))
            .filter(|p| {
                let n = p.rsplit('/').next().unwrap_or(p);
                n.contains("Dockerfile") && !n.ends_with(".dockerignore")
            })
            .map(|p| app.join(p))
            .collect();
        let outcome = match output.status.code() {
            Some(0) => String::new(),
            code => {
                // The stage's own error is the last line the runner quotes.
                let stderr = String::from_utf8_lossy(&output.stderr);
                let why: String = stderr
                    .lines()
                    .map(str::trim)
                    .rfind(|l| l.starts_with("error"))
                    .unwrap_or_default()
                    .chars()
                    .take(200)
                    .collect();
                format!("exit {}: {why}", code.map_or("signal".into(), |c| c.to_string()))
            }
        };
        all_files.extend(files.iter().cloned());
        rows.push((name, removed, files, outcome));
    }
    let hadolint = hadolint(root, &all_files)?;
    let checkov = checkov(root, &all_files)?;
    let validator = validator(root, &all_files)?;
    let mut out = format!(
        "{APPS_HEADING}\n\nWritten by `cargo xtask bench --dockerfiles-only --apps-dir <apps folder>`. Each app of \
         tests/apps-expected/apps.tsv, copied without its own Dockerfiles, ignore files and compose files, then \
         `containerize --only analyze,dockerfile`; every Dockerfile generated (production and development) judged \
         at the judges' defaults, stowage's validator at warning and above.\n\n\
         First run, before any change (2026-12-05): 38 Dockerfiles generated for 17 apps, every one clean under the \
         three judges; gotify and wtf stopped the run (the dockerfile stage's warning about a port below 1024 named \
         the folder `.` instead of a file, against the stage contract: fixed as a class, case \
         `privileged_port_warning_names_a_file`); sinatra-recipes was refused because its Ruby 3.1.3 pin was not in \
         the knowledge base (Ruby 3.1, past end of life, added so that the pin is honoured with a warning). What \
         remains refused is by design: heroku's node-js-sample pins Node.js 4.0.0, older than any line the \
         knowledge base keeps, and axum has no deployable.\n\n\
         | app | own files removed | Dockerfiles generated | hadolint | checkov failed | stowage validator | run |\n\
         | --- | ---: | ---: | --- | --- | --- | --- |\n"
    );
    let (mut generated, mut clean) = (0, 0);
    let mut problems = Vec::new();
    for (name, removed, files, outcome) in &rows {
        if outcome.starts_with("exit 3") || outcome.starts_with("exit signal") {
            problems.push(format!("{name}: {outcome}"));
        }
        for file in files {
            for (judge, found) in [("hadolint", &hadolint), ("checkov", &checkov), ("stowage's validator", &validator)]
            {
                if let Some(ids) = found.get(file).filter(|ids| !ids.is_empty()) {
                    let shown = file.strip_prefix(&scratch).unwrap_or(file).display().to_string();
                    problems.push(format!("{shown}: {judge} finds {}", counted(ids)));
                }
            }
        }
        let ids = |found: &Found| {
            let all: Vec<String> = files.iter().flat_map(|f| found.get(f).cloned().unwrap_or_default()).collect();
            counted(&all)
        };
        generated += files.len();
        clean += files
            .iter()
            .filter(|f| [&hadolint, &checkov, &validator].iter().all(|found| found.get(*f).is_none_or(Vec::is_empty)))
            .count();
        let run = if outcome.is_empty() { "ok".to_string() } else { outcome.replace('|', "\\|") };
        let _ = writeln!(
            out,
            "| {name} | {removed} | {} | {} | {} | {} | {run} |",
            files.len(),
            ids(&hadolint),
            ids(&checkov),
            ids(&validator)
        );
    }
    let _ = writeln!(out, "\n{clean} of {generated} generated Dockerfiles pass all three judges with no finding.\n");
    let _ = std::fs::remove_dir_all(&scratch);
    Ok((out, problems))
}

#[cfg(test)]
mod tests {
    /// Every baseline names its source and pairs with a fixture whose lock lists a generated Dockerfile, so the
    /// bench cannot quietly compare against a file that is gone.
    #[test]
    fn every_baseline_names_its_source_and_has_a_fixture() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let pairs = super::pairs(&root).unwrap();
        assert!(pairs.len() >= 7, "{} baselines", pairs.len());
        for pair in pairs {
            assert!(pair.stowage.is_file(), "{}: no {}", pair.fixture, pair.stowage.display());
            let text = std::fs::read_to_string(&pair.docker_init).unwrap();
            let mut lines = text.lines();
            assert_eq!(
                lines.next(),
                Some("# syntax=docker/dockerfile:1"),
                "{}: the template's first line",
                pair.fixture
            );
            let header = lines.next().unwrap_or_default();
            assert!(
                header.starts_with("# docker init's ") && header.contains("docker/docs"),
                "{}: {header}",
                pair.fixture
            );
        }
    }
}
