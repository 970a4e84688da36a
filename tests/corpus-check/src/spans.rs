//! Rules that no peer tool has cannot be measured against one, so each is pinned to a real corpus file: the first
//! place it fires in the corpus, with its exact line and column, kept in the snapshots' `spans.txt`
//! (`UPDATE_EXPECT=1` rewrites it). The file also lists the peerless rules that never fire in the corpus; each of
//! those is shown on a real corpus file with one declared edit in `mutations.toml` (see mutations_check.rs). Runs
//! only on the folder the snapshots were made for (the shared corpus).

use std::collections::BTreeMap;

use stowage_validate::{Policy, lint, registry};

use crate::{Corpus, Fatal, Problems, Result};

pub fn run(corpus: &Corpus) -> Result<Problems> {
    let Some(snapshots) = &corpus.snapshots else { return Ok(Vec::new()) };
    let policy = Policy { enable: vec!["all".into()], ..Policy::default() };
    let result = lint(&corpus.discovered(), &policy);
    let mut first: BTreeMap<&str, String> = BTreeMap::new();
    for f in &result.findings {
        first
            .entry(f.rule.as_str())
            .or_insert_with(|| format!("{}:{}:{}", f.file, f.line.unwrap_or(0), f.column.unwrap_or(0)));
    }
    let mut text = String::new();
    for rule in registry::RULES {
        let peerless = [rule.hadolint, rule.checkov, rule.kube_linter, rule.trivy].iter().all(|ids| ids.is_empty());
        if !peerless {
            continue;
        }
        match first.get(rule.code) {
            Some(at) => text.push_str(&format!("{} {at}\n", rule.code)),
            None => text.push_str(&format!("{} not in the corpus\n", rule.code)),
        }
    }
    let path = snapshots.join("spans.txt");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &text).map_err(|e| Fatal(format!("cannot write {}: {e}", path.display())))?;
        return Ok(Vec::new());
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    let pinned = text.lines().filter(|l| !l.ends_with(" not in the corpus")).count();
    println!("{pinned} peerless rules pinned to a corpus span, {} not in the corpus", text.lines().count() - pinned);
    if expected == text {
        return Ok(Vec::new());
    }
    let (old, new): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), text.lines().collect());
    let mut problems: Problems = old.iter().filter(|l| !new.contains(l)).map(|l| format!("span gone: {l}")).collect();
    problems.extend(new.iter().filter(|l| !old.contains(l)).map(|l| format!("span new: {l}")));
    problems.push(format!(
        "peerless rule spans changed; review and rewrite {} with `UPDATE_EXPECT=1 cargo xtask corpus-check --only spans`",
        path.display()
    ));
    Ok(problems)
}
