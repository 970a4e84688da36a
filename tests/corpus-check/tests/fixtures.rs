//! The in-repository half of the corpus checks, in `cargo test`: the schema judges and the truncations and
//! mutations run on the validate stage's rule fixtures and malformed files, and the snapshot data kept for the
//! shared corpus is checked for consistency. Nothing here reads outside the repository; the corpus half is
//! `cargo xtask corpus-check`.

use std::collections::BTreeSet;

use corpus_check::{
    Corpus, compose_config, compose_schema, crate_dir, kubernetes_schema, mutations, mutations_check, robustness,
    sorted_files,
};
use stowage_validate::Kind;

/// Rule fixtures agree with the tool outright: a fixture is written to show one rule, so any difference is a bug
/// in the fixture or the rule, never a case to dispute.
#[track_caller]
fn check(problems: corpus_check::Result<corpus_check::Problems>, what: &str) {
    let problems = problems.unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(problems.is_empty(), "{what}:\n{}", problems.join("\n"));
}

#[test]
fn ks_fixtures_agree_with_kubernetes_validate() {
    let inputs = kubernetes_schema::fixture_inputs().expect("KS fixtures");
    assert!(inputs.len() > 100, "{} KS fixtures", inputs.len());
    check(kubernetes_schema::compare(&inputs, &[], "(no disputes for fixtures)"), "KS fixtures");
}

#[test]
fn cp_fixtures_agree_with_the_compose_spec_schema() {
    let inputs = compose_schema::fixture_inputs().expect("CP fixtures");
    assert!(inputs.len() > 50, "{} CP fixtures", inputs.len());
    let scratch = compose_schema::Scratch::new("compose-fixtures").expect("scratch folder");
    check(compose_schema::compare(&inputs, &[], "(no disputes for fixtures)", &scratch.0), "CP fixtures");
}

/// Analyze's compose reader and `podman-compose config` read the features real files use alike: anchors and merge
/// keys, interpolation defaults, `extends`, profiles, long-syntax ports (tests/compose-config/compose/).
#[test]
fn analyze_reads_compose_files_as_podman_compose_does() {
    let dir = crate_dir().join("tests/compose-config");
    let corpus = Corpus::open(&dir, None).expect("fixture folder");
    assert_eq!(corpus.files("compose").expect("compose files").len(), 4);
    check(compose_config::run(&corpus), "compose-config fixtures");
}

#[test]
fn truncated_and_mutated_fixtures_never_crash() {
    let fixtures = corpus_check::validate_dir().join("tests/fixtures");
    let mut files = Vec::new();
    for rule in sorted_files(&fixtures).expect("fixtures") {
        for path in sorted_files(&rule).expect("a rule's fixtures") {
            let name = path.to_string_lossy();
            let kind = match () {
                _ if name.ends_with(".compose.yaml") => Kind::Compose,
                _ if name.ends_with(".yaml") => Kind::Kubernetes,
                _ if name.ends_with("Dockerfile") => Kind::Dockerfile,
                _ => continue,
            };
            files.push((kind, path));
        }
    }
    assert!(files.len() > 300, "{} fixture files", files.len());
    let problems = robustness::never_crash(&files);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn mutations_cover_exactly_the_rules_absent_from_the_shared_corpus() {
    let snapshots = crate_dir().join("shared");
    let mut seen = BTreeSet::new();
    for m in &mutations::data(&snapshots).expect("shared/mutations.toml").mutation {
        assert!(seen.insert(m.rule.clone()), "{} has two entries in shared/mutations.toml", m.rule);
    }
    let data = mutations::data(&snapshots).expect("shared/mutations.toml");
    for absent in &data.absent_kind {
        assert!(seen.insert(absent.rule.clone()), "{} has two entries in shared/mutations.toml", absent.rule);
        let fixtures = crate_dir().join("../../stages/stowage-validate/tests/fixtures").join(&absent.rule);
        assert!(fixtures.join("bad.yaml").is_file(), "{}: shown by fixtures only, but it has no bad.yaml", absent.rule);
    }
    let missing = mutations_check::not_in_the_corpus(&snapshots).expect("shared/spans.txt");
    let uncovered: Vec<&String> = missing.difference(&seen).collect();
    let redundant: Vec<&String> = seen.difference(&missing).collect();
    assert!(
        uncovered.is_empty() && redundant.is_empty(),
        "shared/spans.txt lists {uncovered:?} as not in the corpus, but shared/mutations.toml has no entry for them; \
         shared/mutations.toml has entries for {redundant:?}, which spans.txt does not list as not in the corpus \
         (pinned to a real span already, or not peerless): drop them"
    );
}
