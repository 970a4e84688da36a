//! Per-rule fixtures: every registered rule has `fixtures/<CODE>/bad.*` (must trigger it, findings snapshotted in
//! `expected.txt`) and `good.*` (must not trigger it), checked with that rule alone enabled. A `policy.toml` next
//! to them configures rules that need a list (trusted registries, required labels). A chart is a folder
//! (`bad/Chart.yaml`). Regenerate the snapshots with `UPDATE_EXPECT=1 cargo test -p stowage-validate --test rules`.

use std::path::{Path, PathBuf};

use stowage_validate::{Input, Kind, Policy, lint, registry};

#[path = "support/findings.rs"]
mod findings;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The fixture `stem` (`bad` or `good`) of a rule folder, with the kind its name says.
fn fixture(dir: &Path, stem: &str) -> Option<(PathBuf, Kind)> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).ok()?.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    entries.into_iter().find_map(|p| {
        let name = p.file_name()?.to_str()?.to_string();
        if name == stem && p.is_dir() {
            return Some((p.join("Chart.yaml"), Kind::HelmChart));
        }
        let rest = name.strip_prefix(stem)?.strip_prefix('.')?;
        let kind = match rest {
            "Dockerfile" => Kind::Dockerfile,
            "compose.yaml" => Kind::Compose,
            "yaml" => Kind::Kubernetes,
            _ => return None,
        };
        Some((p, kind))
    })
}

/// Runs `code` alone on one file and renders its findings, one per line.
pub fn check(code: &'static str, dir: &Path, path: &Path, kind: Kind) -> String {
    let mut policy = match std::fs::read_to_string(dir.join("policy.toml")) {
        Ok(text) => Policy::from_toml(&text, "policy.toml").expect("fixture policy parses"),
        Err(_) => Policy::default(),
    };
    policy.only = Some(code);
    let file = path.strip_prefix(dir).unwrap_or(path).to_string_lossy().replace('\\', "/");
    let result = lint(&[Input { file, path: path.to_path_buf(), kind }], &policy);
    findings::as_lines(&result.findings)
}

#[test]
fn every_rule_has_fixtures_that_hold() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    for rule in registry::RULES {
        let dir = fixtures().join(rule.code);
        let (Some((bad, bad_kind)), Some((good, good_kind))) = (fixture(&dir, "bad"), fixture(&dir, "good")) else {
            failures.push(format!("{}: missing tests/fixtures/{}/bad.* or good.*", rule.code, rule.code));
            continue;
        };
        let found = check(rule.code, &dir, &bad, bad_kind);
        if found.is_empty() {
            failures.push(format!("{}: {} does not trigger the rule", rule.code, bad.display()));
        }
        let expected_path = dir.join("expected.txt");
        if update {
            std::fs::write(&expected_path, &found).expect("write snapshot");
        } else {
            let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
            if expected != found {
                failures.push(format!(
                    "{}: findings differ from expected.txt\n--- expected\n{expected}--- found\n{found}",
                    rule.code
                ));
            }
        }
        // Both fixtures must parse, unless the rule is about what does not parse, so that a fixture is clean for
        // the right reason.
        if !matches!(rule.code, "GN001" | "GN002" | "DF034") {
            for (path, kind) in [(&bad, bad_kind), (&good, good_kind)] {
                let broken = check("GN001", &dir, path, kind);
                if !broken.is_empty() {
                    failures.push(format!("{}: {} does not parse:\n{broken}", rule.code, path.display()));
                }
            }
        }
        let clean = check(rule.code, &dir, &good, good_kind);
        if !clean.is_empty() {
            failures.push(format!("{}: {} triggers the rule:\n{clean}", rule.code, good.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} rule fixtures fail (regenerate snapshots with `UPDATE_EXPECT=1 cargo test -p stowage-validate --test rules`):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn no_fixture_folder_without_a_rule() {
    for entry in std::fs::read_dir(fixtures()).expect("fixtures folder").filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().to_string();
        assert!(registry::find(&name).is_some(), "tests/fixtures/{name} names no registered rule");
    }
}
