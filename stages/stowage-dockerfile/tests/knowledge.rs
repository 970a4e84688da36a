//! The knowledge base's real properties: dates in order, nothing recommended past end of life at `as_of`, every
//! fixture's pin resolves, and the resolution rules (exact pin, range, none).

use std::path::Path;

use stowage_dockerfile::knowledge::{Constraint, Date, Knowledge, constraint_from};

fn kb() -> Knowledge {
    Knowledge::embedded()
}

#[test]
fn every_entry_names_an_https_source_and_a_known_os() {
    let kb = kb();
    for lang in &kb.language {
        assert!(lang.source.starts_with("https://"), "{}", lang.id);
        assert!(!lang.line.is_empty(), "{} has no line", lang.id);
        for line in &lang.line {
            assert!(line.source.starts_with("https://"), "{} {}", lang.id, line.version);
            assert!(kb.os(&line.os).is_some(), "{} {}: unknown os {}", lang.id, line.version, line.os);
        }
    }
    for os in &kb.os {
        assert!(os.source.starts_with("https://") && os.released < os.eol, "{}", os.id);
    }
    for image in &kb.image {
        assert!(image.source.starts_with("https://") && kb.os(&image.os).is_some(), "{}", image.id);
    }
}

#[test]
fn end_of_life_dates_ascend_within_a_language() {
    // LTS lines and the others are two sequences (Node 25 ends before Node 24 does); a line without an announced
    // end of life is supported past every dated one.
    for lang in &kb().language {
        for lts in [true, false] {
            let lines: Vec<_> = lang.line.iter().filter(|l| l.lts.is_some() == lts).collect();
            for pair in lines.windows(2) {
                let (a, b) = (pair[0], pair[1]);
                assert!(a.released < b.released, "{}: {} released after {}", lang.id, a.version, b.version);
                match (a.eol, b.eol) {
                    (Some(x), Some(y)) => assert!(x <= y, "{}: {} ends after {}", lang.id, a.version, b.version),
                    (None, Some(_)) => panic!("{}: {} has no end but {} has one", lang.id, a.version, b.version),
                    _ => {}
                }
            }
            for line in &lines {
                if let (Some(eol), Some(since)) = (line.eol, line.lts) {
                    assert!(line.released <= since && since < eol, "{} {}", lang.id, line.version);
                }
                if let Some(eol) = line.eol {
                    assert!(line.released < eol, "{} {}", lang.id, line.version);
                }
            }
        }
    }
}

#[test]
fn no_recommended_variant_is_past_end_of_life_at_as_of() {
    let kb = kb();
    let at = kb.as_of;
    for lang in &kb.language {
        let resolved = kb.resolve(&lang.id, &Constraint::None).unwrap_or_else(|e| panic!("{}: {e}", lang.id));
        let line = lang.line.iter().find(|l| l.version == resolved.line).unwrap();
        assert!(line.supported_at(at), "{} {} is not supported at {at}", lang.id, line.version);
        assert!(kb.os(&line.os).unwrap().eol > at, "{} {}: its OS is past end of life", lang.id, line.version);
        assert!(resolved.past_eol.is_none());
    }
    for image in &kb.image {
        assert!(kb.os(&image.os).unwrap().eol > at, "{}: its OS is past end of life at {at}", image.id);
    }
    // And no date is in the base's future: `as_of` is not before anything it records as released.
    for lang in &kb.language {
        for line in &lang.line {
            assert!(line.released <= at, "{} {} is released after as_of", lang.id, line.version);
        }
    }
}

#[test]
fn resolution_follows_the_app_constraint() {
    let kb = kb();
    // No constraint: the newest LTS line, or the newest supported one where the language names no LTS.
    assert_eq!(kb.resolve("node", &Constraint::None).unwrap().line, "24");
    assert_eq!(kb.resolve("java", &Constraint::None).unwrap().line, "25");
    assert_eq!(kb.resolve("python", &Constraint::None).unwrap().line, "3.14");
    // An exact pin is honoured, past end of life too, with the date.
    let pinned = kb.resolve("node", &Constraint::Exact("18".into())).unwrap();
    assert_eq!((pinned.line.as_str(), pinned.past_eol), ("18", Date::parse("2025-04-30")));
    assert_eq!(kb.resolve("node", &Constraint::Exact("20.11.1".into())).unwrap().line, "20");
    assert!(kb.resolve("python", &Constraint::Exact("3.11".into())).unwrap().past_eol.is_none());
    // A range resolves to the newest supported line inside it.
    assert_eq!(kb.resolve("php", &Constraint::Caret("8.2".into())).unwrap().line, "8.5");
    assert_eq!(kb.resolve("python", &Constraint::AtLeast("3.11".into())).unwrap().line, "3.14");
    assert_eq!(kb.resolve("go", &Constraint::AtLeast("1.19".into())).unwrap().line, "1.26");
    assert_eq!(kb.resolve("ruby", &Constraint::Caret("3.2".into())).unwrap().line, "3.4");
    // Nothing in range, or an unknown pin: an error that names the knowledge base.
    assert!(kb.resolve("python", &Constraint::AtLeast("3.99".into())).is_err());
    let unknown = kb.resolve("node", &Constraint::Exact("7".into())).unwrap_err();
    assert!(unknown.contains("policies/knowledge.toml"), "{unknown}");
}

#[test]
fn constraints_are_read_from_the_evidence() {
    assert_eq!(constraint_from("3.11", "requires-python `>=3.11`"), Constraint::AtLeast("3.11".into()));
    assert_eq!(constraint_from("8.2", "require.php `^8.2`"), Constraint::Caret("8.2".into()));
    assert_eq!(constraint_from("1.22", "go directive"), Constraint::AtLeast("1.22".into()));
    assert_eq!(constraint_from("1.75", "rust-version"), Constraint::AtLeast("1.75".into()));
    assert_eq!(constraint_from("18", "Node.js version file"), Constraint::Exact("18".into()));
    assert_eq!(constraint_from("3.2", "Gemfile ruby `~> 3.2`"), Constraint::Caret("3.2".into()));
}

/// Every runtime version a fixture states resolves (the expected models of the analyze stage's fixture tests).
#[test]
fn every_fixture_pin_resolves() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../stowage-analyze/tests/expected");
    let kb = kb();
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        if entry.path().extension().is_none_or(|e| e != "json") {
            continue;
        }
        let model: stowage_model::Model =
            serde_json::from_str(&std::fs::read_to_string(entry.path()).unwrap()).unwrap();
        let options = stowage_dockerfile::Options::default();
        let plans = stowage_dockerfile::recipe::plan(&model, &kb, &options, &|_| false)
            .unwrap_or_else(|e| panic!("{}: {e}", entry.path().display()));
        checked += plans.len();
    }
    assert!(checked > 30, "only {checked} images planned");
}

#[test]
fn the_knowledge_command_reports_age_and_what_passed() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stowage-dockerfile"))
        .args(["knowledge", "--today", "2026-12-04"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success());
    assert!(text.starts_with("knowledge base as of 2026-05-01 (217 days old on 2026-12-04)"), "{text}");
    assert!(text.contains("Node.js 25 reached end of life on 2026-06-01"), "{text}");
    assert!(text.contains("Debian 12 (bookworm) reached end of life on 2026-06-10"), "{text}");
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_stowage-dockerfile"))
        .args(["knowledge", "--today", "tomorrow"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn a_broken_knowledge_base_names_its_line() {
    let text = kb_text().replace("as_of = \"2026-05-01\"", "as_of = \"May 2026\"");
    let err = Knowledge::load(&text, "policies/knowledge.toml").unwrap_err();
    assert!(err.starts_with("policies/knowledge.toml:"), "{err}");
    assert!(err.contains("YYYY-MM-DD"), "{err}");
}

fn kb_text() -> String {
    stowage_dockerfile::knowledge::EMBEDDED.to_string()
}
