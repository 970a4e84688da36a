//! CP037 (unknown top-level key), CP039 (unknown service key) and GN001 (file cannot be parsed) judged by the real
//! compose-spec JSON schema, through the copy check-jsonschema vendors (`--builtin-schema vendor.compose-spec`).
//!
//! Inputs: every file of ../shared/corpus/compose, every compose fixture of the CP rules (bad and good), the
//! malformed compose files of tests/malformed (the only inputs that do not parse), and the compose entries of
//! tests/corpus_mutations.toml with their line edit made. One check-jsonschema process judges
//! them all; its JSON output names the file of each error. A file of several YAML documents is judged document by
//! document (check-jsonschema reads one per file; Compose reads each later one as an override). From its errors we derive verdicts:
//! - a parse error → GN001 (and a root that is not a mapping, which GN001 also reports);
//! - an unexpected property at `$` → CP037 with the key; at `$.services.<name>` → CP039 with the key, unless the
//!   same key has an error of its own (the schema then lists a known key whose value is wrong as "unevaluated").
//!
//! Our verdicts are the CP037, CP039 and GN001 findings of `lint_text` with the default policy. Both sets are
//! compared per (file, rule, key); every difference must be explained in tests/compose_schema_disputes.toml, and
//! every entry there must still be a difference. The schema's other errors (types, enums, patterns, ...) are beyond
//! these rules: they are printed and counted by kind, never failed on. There is no skipping: without the judges
//! venv (`cargo xtask judges`) the test fails and says how to install it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;
use stowage_validate::{Kind, Policy, lint_text};

#[path = "support/judges.rs"]
mod judges;
#[path = "support/mutations.rs"]
mod mutations;
#[path = "support/verdicts.rs"]
mod verdicts;
use verdicts::{Input, Verdict, read, sorted_files};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The venv's check-jsonschema.
fn check_jsonschema() -> PathBuf {
    judges::judge(
        "check-jsonschema",
        "CP037, CP039 and GN001 on compose files are judged by check-jsonschema installed there",
    )
}

fn inputs() -> Vec<Input> {
    let mut inputs = Vec::new();
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/compose");
    let file_name = |p: &Path| p.file_name().expect("a file").to_string_lossy().into_owned();
    for path in sorted_files(&corpus) {
        inputs.push(read(format!("compose/{}", file_name(&path)), path));
    }
    let compose = |p: &PathBuf| p.to_string_lossy().ends_with(".compose.yaml");
    let fixtures = crate_dir().join("tests/fixtures");
    for rule in sorted_files(&fixtures).into_iter().filter(|p| file_name(p).starts_with("CP")) {
        for path in sorted_files(&rule).into_iter().filter(compose) {
            inputs.push(read(format!("fixtures/{}/{}", file_name(&rule), file_name(&path)), path));
        }
    }
    for path in sorted_files(&crate_dir().join("tests/malformed")).into_iter().filter(compose) {
        inputs.push(read(format!("malformed/{}", file_name(&path)), path));
    }
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("compose_schema");
    std::fs::create_dir_all(&scratch).expect("scratch folder");
    for m in mutations::data().mutation.iter().filter(|m| m.file.starts_with("compose/")) {
        let original = corpus.join(m.file.trim_start_matches("compose/"));
        let text = mutations::edit(&std::fs::read_to_string(&original).expect("mutated corpus file"), m)
            .unwrap_or_else(|e| panic!("{} on {}: {e}", m.rule, m.file));
        let path = scratch.join(format!("{}.yaml", m.rule));
        std::fs::write(&path, &text).expect("write mutated file");
        inputs.push(Input { name: format!("mutation {} ({})", m.rule, m.file), path, text });
    }
    inputs
}

/// The keys of a jsonschema "... ('a', 'b' were unexpected)" message, or of "'a' does not match any of the
/// regexes: ..." (additionalProperties false beside patternProperties).
fn unexpected_keys(message: &str) -> Option<Vec<String>> {
    let list = if let Some(rest) = message
        .strip_prefix("Unevaluated properties are not allowed (")
        .or_else(|| message.strip_prefix("Additional properties are not allowed ("))
    {
        rest.strip_suffix(" were unexpected)").or_else(|| rest.strip_suffix(" was unexpected)"))?
    } else {
        let (key, _) = message.split_once(" does not match any of the regexes: ")?;
        key
    };
    // Python reprs, quoted with ' (or " when the key holds a ').
    let mut keys = Vec::new();
    let mut rest = list;
    while let Some(quote) = rest.chars().next() {
        let end = rest[1..].find(quote)? + 1;
        keys.push(rest[1..end].to_string());
        rest = rest[end + 1..].trim_start_matches(", ");
    }
    Some(keys)
}

/// The kind of a schema error that no compared rule covers, from its message.
fn keyword(message: &str) -> &'static str {
    [
        ("is not of type", "type"),
        ("is not one of", "enum"),
        ("does not match", "pattern"),
        ("is not valid under any of the given schemas", "oneOf/anyOf"),
        ("is valid under each of", "oneOf"),
        ("is a required property", "required"),
        ("non-unique elements", "uniqueItems"),
        ("should be non-empty", "minItems"),
        ("is too short", "minItems"),
        ("unexpected", "additionalProperties below a service"),
    ]
    .iter()
    .find(|(needle, _)| message.contains(needle))
    .map_or("other", |(_, k)| k)
}

/// The service a `$.services.<name>` path names (check-jsonschema writes `['<name>']` for names that need quoting).
fn service_of(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("$.services")?;
    let name = rest.strip_prefix('.').or_else(|| rest.strip_prefix("['")?.strip_suffix("']"))?;
    (!name.contains(['.', '['])).then_some(name)
}

/// Runs check-jsonschema once over every input: its verdicts, and its other errors as (file, keyword, path: message).
/// The files check-jsonschema is given for `input`: the file itself, or one file per YAML document. It reads one
/// document per file, while Compose reads later documents as overrides of the earlier ones, so each document is
/// judged as the partial compose file it is.
fn judged_files(input: &Input) -> Vec<PathBuf> {
    let mut documents = vec![String::new()];
    for line in input.text.split_inclusive('\n') {
        if line.trim_end() == "---" && !documents.last().is_some_and(|d| d.trim().is_empty()) {
            documents.push(String::new());
        } else {
            documents.last_mut().expect("one document").push_str(line);
        }
    }
    if documents.len() == 1 {
        return vec![input.path.clone()];
    }
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("compose_schema/documents");
    std::fs::create_dir_all(&scratch).expect("scratch folder");
    let stem: String = input.name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    documents
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let path = scratch.join(format!("{stem}.{i}.yaml"));
            std::fs::write(&path, text).expect("write one document");
            path
        })
        .collect()
}

fn check(inputs: &[Input]) -> (BTreeSet<Verdict>, Vec<(String, &'static str, String)>) {
    let judged: Vec<(PathBuf, &str)> =
        inputs.iter().flat_map(|i| judged_files(i).into_iter().map(move |p| (p, i.name.as_str()))).collect();
    let out = std::process::Command::new(check_jsonschema())
        .args(["--builtin-schema", "vendor.compose-spec", "--output-format", "json"])
        .args(judged.iter().map(|(p, _)| p))
        .output()
        .expect("run check-jsonschema");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("check-jsonschema printed no JSON ({e}):\n{}", String::from_utf8_lossy(&out.stderr))
    });
    let names: BTreeMap<String, &str> = judged.iter().map(|(p, n)| (p.to_string_lossy().into_owned(), *n)).collect();
    let name = |e: &Value| -> String {
        let file = e["filename"].as_str().expect("filename");
        names.get(file).unwrap_or_else(|| panic!("check-jsonschema named a file it was not given: {file}")).to_string()
    };
    let mut verdicts = BTreeSet::new();
    let mut other = Vec::new();
    for e in report["parse_errors"].as_array().expect("parse_errors") {
        verdicts.insert((name(e), "GN001".to_string(), String::new()));
    }
    let errors = report["errors"].as_array().expect("errors");
    for e in errors {
        let file = name(e);
        let path = e["path"].as_str().expect("path");
        let message = e["message"].as_str().expect("message");
        let keys = unexpected_keys(message);
        match (path, keys) {
            ("$", Some(keys)) => {
                verdicts.extend(keys.into_iter().map(|k| (file.clone(), "CP037".to_string(), k)));
                continue;
            }
            ("$", None) if message.ends_with("is not of type 'object'") && !message.starts_with("None ") => {
                verdicts.insert((file, "GN001".to_string(), String::new()));
                continue;
            }
            (_, Some(keys)) if service_of(path).is_some() => {
                let own_error = |k: &str| {
                    let prefix = format!("{path}.{k}");
                    errors.iter().any(|o| {
                        o["filename"] == e["filename"]
                            && o["path"].as_str().is_some_and(|p| {
                                p.strip_prefix(&prefix).is_some_and(|r| r.is_empty() || r.starts_with(['.', '[']))
                            })
                    })
                };
                let (unknown, known): (Vec<String>, Vec<String>) = keys.into_iter().partition(|k| !own_error(k));
                verdicts.extend(unknown.into_iter().map(|k| (file.clone(), "CP039".to_string(), k)));
                if !known.is_empty() {
                    other.push((
                        file,
                        "known key with an error of its own",
                        format!("{path}: {known:?} unevaluated (own error)"),
                    ));
                }
                continue;
            }
            _ => {}
        }
        other.push((file, keyword(message), format!("{path}: {message}")));
    }
    (verdicts, other)
}

/// Our CP037, CP039 and GN001 verdicts on `input`; the key is the last backquoted word of the message.
fn ours(input: &Input) -> BTreeSet<Verdict> {
    lint_text(Kind::Compose, &input.name, &input.text, &Policy::default())
        .into_iter()
        .filter(|f| ["CP037", "CP039", "GN001"].contains(&f.rule.as_str()))
        .map(|f| {
            let key = if f.rule == "GN001" {
                String::new()
            } else {
                let quoted: Vec<&str> = f.message.split('`').collect();
                quoted[quoted.len().saturating_sub(2)].to_string()
            };
            (input.name.clone(), f.rule.to_string(), key)
        })
        .collect()
}

#[test]
fn unknown_keys_and_parse_errors_agree_with_the_compose_spec_schema() {
    let inputs = inputs();
    let (theirs, other) = check(&inputs);
    let ours: BTreeSet<Verdict> = inputs.iter().flat_map(ours).collect();

    let review = verdicts::review("schema", &theirs, &ours, "compose_schema_disputes.toml");
    verdicts::print_other(&other);
    verdicts::print_table("compose files", inputs.len(), &review, other.len());
    for rule in ["CP037", "CP039", "GN001"] {
        println!("{rule}: {} agreed", theirs.intersection(&ours).filter(|v| v.1 == rule).count());
    }
    let silent = inputs.iter().filter(|i| !theirs.iter().chain(&ours).any(|v| v.0 == i.name)).count();
    println!("files without a CP037, CP039 or GN001 verdict from either side: {silent}");
    verdicts::assert_explained(&review, "CP037/CP039/GN001", "the compose-spec schema", "compose_schema_disputes.toml");
}
