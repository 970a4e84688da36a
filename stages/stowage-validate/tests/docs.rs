//! The rule docs in docs/rules/ are generated from the registry; this test fails when they drift.
//! Regenerate with `UPDATE_EXPECT=1 cargo test -p stowage-validate --test docs`.

use std::path::Path;

use stowage_validate::{docs, registry};

#[test]
fn rule_docs_are_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules");
    let files = docs::all();
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::create_dir_all(&dir).expect("create docs/rules");
        for entry in std::fs::read_dir(&dir).expect("docs/rules").filter_map(Result::ok) {
            if entry.path().extension().is_some_and(|e| e == "md") {
                std::fs::remove_file(entry.path()).expect("remove stale doc");
            }
        }
        for (name, text) in &files {
            std::fs::write(dir.join(name), text).expect("write doc");
        }
        return;
    }
    let mut stale = Vec::new();
    for (name, text) in &files {
        if std::fs::read_to_string(dir.join(name)).ok().as_deref() != Some(text.as_str()) {
            stale.push(name.clone());
        }
    }
    let known: Vec<&String> = files.iter().map(|(n, _)| n).collect();
    for entry in std::fs::read_dir(&dir).map(|d| d.filter_map(Result::ok).collect::<Vec<_>>()).unwrap_or_default() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.ends_with(".md") && !known.contains(&&name) {
            stale.push(format!("{name} (no such rule)"));
        }
    }
    assert!(
        stale.is_empty(),
        "docs/rules is out of date for: {}\nrun `UPDATE_EXPECT=1 cargo test -p stowage-validate --test docs`",
        stale.join(", ")
    );
}

#[test]
fn registry_is_well_formed() {
    let mut codes: Vec<&str> = registry::RULES.iter().map(|r| r.code).collect();
    let n = codes.len();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), n, "duplicate rule codes");
    for r in registry::RULES {
        let prefix = &r.code[..2];
        let expected = match r.target {
            registry::Target::General => "GN",
            registry::Target::Dockerfile => "DF",
            registry::Target::Compose => "CP",
            registry::Target::Kubernetes => "KS",
            registry::Target::Helm => "HC",
        };
        assert_eq!(prefix, expected, "{}: prefix does not match its target", r.code);
        assert!(
            !r.title.is_empty() && !r.rationale.is_empty() && !r.fix.is_empty(),
            "{}: title, why and fix are required",
            r.code
        );
    }
}
