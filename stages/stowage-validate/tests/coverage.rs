//! The coverage bar: every row of the merged check list (../shared/research/validation.md, section 13)
//! for Dockerfiles, compose, Kubernetes and Helm has at least one rule, and every rule names a row that exists.
//! The built-image rows (13b) belong to the verify gate, not to this engine. General rules (malformed input,
//! ignore comments) have no row (`-`); the ShellCheck subset has the list's unnumbered ShellCheck row (`D+SC`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use stowage_validate::registry;

#[test]
fn every_check_list_row_has_a_rule() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/research/validation.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let start = text.find("## 13.").expect("section 13 of validation.md");
    let end = text[start + 1..].find("\n## ").map_or(text.len(), |i| start + 1 + i);
    let mut rows: BTreeMap<String, String> = BTreeMap::new();
    let mut section = "";
    for line in text[start..end].lines() {
        if let Some(title) = line.strip_prefix("### ") {
            section = title;
            continue;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if let [_, id, check, ..] = cells[..]
            && id.len() == 3
            && id.starts_with(['D', 'I', 'C', 'K', 'H'])
            && id[1..].bytes().all(|b| b.is_ascii_digit())
            && !section.starts_with("13b")
        {
            rows.insert(id.to_string(), check.to_string());
        }
    }
    // The four sections' own row totals: 48 Dockerfile, 28 compose, 37 Kubernetes, 4 Helm.
    assert_eq!(rows.len(), 48 + 28 + 37 + 4, "rows read from section 13: {:?}", rows.keys());

    let claimed: BTreeSet<&str> = registry::RULES.iter().map(|r| r.row).collect();
    let uncovered: Vec<String> =
        rows.iter().filter(|(id, _)| !claimed.contains(id.as_str())).map(|(id, c)| format!("{id} {c}")).collect();
    assert!(uncovered.is_empty(), "check-list rows without a rule:\n{}", uncovered.join("\n"));
    let unknown: Vec<String> = registry::RULES
        .iter()
        .filter(|r| !rows.contains_key(r.row) && !matches!(r.row, "-" | "D+SC"))
        .map(|r| format!("{} names row {}", r.code, r.row))
        .collect();
    assert!(unknown.is_empty(), "rules naming a row that is not in the list:\n{}", unknown.join("\n"));
}
