//! The coverage bar: every row of the check list (tests/checklist.toml: the properties of Dockerfiles, compose files,
//! Kubernetes manifests and Helm charts that the surveyed linters and standards check) has at least one rule, and
//! every rule names a row that exists. Built-image properties belong to the verify gate, not to this engine, and are
//! not rows. General rules (malformed input, ignore comments) have no row (`-`); the ShellCheck subset has `D+SC`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;
use stowage_validate::registry::{self, Target};

#[derive(Deserialize)]
struct Checklist {
    row: Vec<Row>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    row: String,
    target: String,
    checks: String,
}

fn rows() -> BTreeMap<String, Row> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/checklist.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let list: Checklist = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut rows = BTreeMap::new();
    for r in list.row {
        let prefix = match r.target.as_str() {
            "dockerfile" => "D",
            "compose" => "C",
            "kubernetes" => "K",
            "helm" => "H",
            other => panic!("row {}: unknown target {other}", r.row),
        };
        assert!(r.row.starts_with(prefix) && r.row.len() == 3, "row {} is not {prefix}NN", r.row);
        assert!(!r.checks.trim().is_empty(), "row {} says nothing it checks", r.row);
        assert!(rows.insert(r.row.clone(), r).is_none(), "a row is listed twice");
    }
    rows
}

#[test]
fn every_check_list_row_has_a_rule() {
    let rows = rows();
    // The four targets' row counts: 48 Dockerfile, 28 compose, 37 Kubernetes, 4 Helm.
    assert_eq!(rows.len(), 48 + 28 + 37 + 4, "rows: {:?}", rows.keys());

    let claimed: BTreeSet<&str> = registry::RULES.iter().map(|r| r.row).collect();
    let uncovered: Vec<String> = rows
        .values()
        .filter(|r| !claimed.contains(r.row.as_str()))
        .map(|r| format!("{} {}", r.row, r.checks))
        .collect();
    assert!(uncovered.is_empty(), "check-list rows without a rule:\n{}", uncovered.join("\n"));
    let unknown: Vec<String> = registry::RULES
        .iter()
        .filter(|r| !rows.contains_key(r.row) && !matches!(r.row, "-" | "D+SC"))
        .map(|r| format!("{} names row {}", r.code, r.row))
        .collect();
    assert!(unknown.is_empty(), "rules naming a row that is not in the list:\n{}", unknown.join("\n"));
    // A rule's row is about what the rule checks: a Kubernetes rule names a K row, and so on (Helm rules may
    // name a Kubernetes row, since a chart is checked through its rendered manifests).
    let misplaced: Vec<String> = registry::RULES
        .iter()
        .filter_map(|r| Some((r, rows.get(r.row)?)))
        .filter(|(r, row)| match r.target {
            Target::Dockerfile => row.target != "dockerfile",
            Target::Compose => row.target != "compose",
            Target::Kubernetes => row.target != "kubernetes",
            _ => false,
        })
        .map(|(r, row)| format!("{} ({:?}) names row {} about {}", r.code, r.target, row.row, row.target))
        .collect();
    assert!(misplaced.is_empty(), "rules naming a row of another target:\n{}", misplaced.join("\n"));
}
