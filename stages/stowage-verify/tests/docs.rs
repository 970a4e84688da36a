//! The verify gate's rule pages (docs/rules/VF*.md) are generated from its registry; this test fails when they
//! drift. Regenerate with `UPDATE_EXPECT=1 cargo test -p stowage-verify --test docs`.

use std::path::Path;

use stowage_verify::rules;

#[test]
fn rule_pages_are_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules");
    let pages = rules::pages();
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut stale = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("docs/rules").filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with("VF") && !pages.iter().any(|(n, _)| *n == name) {
            if update {
                std::fs::remove_file(entry.path()).expect("remove a retired page");
            } else {
                stale.push(format!("{name} (no such rule)"));
            }
        }
    }
    for (name, text) in &pages {
        if std::fs::read_to_string(dir.join(name)).ok().as_deref() != Some(text.as_str()) {
            if update {
                std::fs::write(dir.join(name), text).expect("write a rule page");
            } else {
                stale.push(name.clone());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "docs/rules is out of date for: {}\nrun `UPDATE_EXPECT=1 cargo test -p stowage-verify --test docs`",
        stale.join(", ")
    );
}

#[test]
fn codes_are_unique_and_in_the_vf_family() {
    let mut codes: Vec<&str> = rules::RULES.iter().map(|r| r.code).collect();
    assert!(codes.iter().all(|c| c.len() == 5 && c.starts_with("VF") && c[2..].chars().all(|d| d.is_ascii_digit())));
    let n = codes.len();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), n, "duplicate VF codes");
    for rule in rules::RULES {
        assert!(!rule.title.ends_with('.') && rule.title.chars().next().unwrap().is_lowercase(), "{}", rule.code);
        assert_eq!(rules::info(rule.code).doc, format!("docs/rules/{}.md", rule.code));
    }
}
