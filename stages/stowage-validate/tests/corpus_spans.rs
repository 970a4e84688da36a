//! Rules that no peer tool has cannot be measured against one, so each is pinned to a real corpus file: the
//! first place it fires in ../shared/corpus, with its exact line and column, kept in `corpus_spans.txt`
//! (`UPDATE_EXPECT=1` regenerates it). The file also lists the peerless rules that never fire in the corpus; each of
//! those is shown on a real corpus file with one declared edit in `corpus_mutations.toml` (see corpus_mutations.rs).

use std::collections::BTreeMap;
use std::path::Path;

use stowage_validate::{Policy, discover, lint, registry};

#[test]
fn peerless_rules_fire_where_expected_in_the_corpus() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    assert!(corpus.is_dir(), "the shared corpus is missing at {}", corpus.display());
    let mut inputs = Vec::new();
    let display = |p: &Path| p.strip_prefix(&corpus).unwrap_or(p).to_string_lossy().replace('\\', "/");
    for dir in ["dockerfiles", "k8s", "compose"] {
        discover::walk(&corpus.join(dir), &[], &display, &mut inputs);
    }
    let policy = Policy { enable: vec!["all".into()], ..Policy::default() };
    let result = lint(&inputs, &policy);
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
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus_spans.txt");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &text).expect("write corpus_spans.txt");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        expected, text,
        "peerless rule spans changed; review and run `UPDATE_EXPECT=1 cargo test -p stowage-validate --test corpus_spans`"
    );
}
