//! CP037 (unknown top-level key), CP039 (unknown service key) and GN001 (file cannot be parsed) judged by the real
//! compose-spec JSON schema, through the copy check-jsonschema vendors (`--builtin-schema vendor.compose-spec`).
//!
//! Inputs: on a corpus folder (`cargo xtask corpus-check`), every file of its compose/ and, on the folder the
//! mutations were made for, the compose entries of its mutations.toml with their line edit made; in `cargo test`
//! (this crate's tests), every compose fixture of the CP rules (bad and good) and the malformed compose files of
//! the validate stage's tests/malformed (the only inputs that do not parse). One check-jsonschema process judges
//! them all; its JSON output names the file of each error. A file of several YAML documents is judged document by
//! document (check-jsonschema reads one per file; Compose reads each later one as an override). From its errors we derive verdicts:
//! - a parse error → GN001 (and a root that is not a mapping, which GN001 also reports);
//! - an unexpected property at `$` → CP037 with the key; at `$.services.<name>` → CP039 with the key, unless the
//!   same key has an error of its own (the schema then lists a known key whose value is wrong as "unevaluated").
//!
//! Our verdicts are the CP037, CP039 and GN001 findings of `lint_text` with the default policy. Both sets are
//! compared per (file, rule, key); every difference must be explained in the folder's disputes file
//! (`[[compose_schema]]`), and every entry there must still be a difference. The schema's other errors (types, enums, patterns, ...) are beyond
//! these rules: they are printed and counted by kind, never failed on. There is no skipping: without the judges
//! venv (`cargo xtask judges`) the check fails and says how to install it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;
use stowage_validate::{Kind, Policy, lint_text};

use crate::verdicts::{self, Dispute, Input, Verdict, read};
use crate::{Corpus, Fatal, Problems, Result, judge, mutations, sorted_files, validate_dir};

/// The venv's check-jsonschema.
fn check_jsonschema() -> Result<PathBuf> {
    judge("check-jsonschema", "CP037, CP039 and GN001 on compose files are judged by check-jsonschema installed there")
}

fn file_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Every file of the corpus folder's compose/, and the compose mutations made for it, written to `scratch`.
pub fn corpus_inputs(corpus: &Corpus, scratch: &Path) -> Result<Vec<Input>> {
    let mut inputs = Vec::new();
    for path in corpus.files("compose")? {
        inputs.push(read(corpus.name(&path), path)?);
    }
    let Some(snapshots) = &corpus.snapshots else { return Ok(inputs) };
    let data = mutations::data(snapshots)?;
    for m in data.mutation.iter().filter(|m| m.file.starts_with("compose/")) {
        let original = corpus.dir.join(&m.file);
        let text = std::fs::read_to_string(&original)
            .map_err(|e| Fatal(format!("cannot read {}: {e}", original.display())))?;
        let text = mutations::edit(&text, m).map_err(|e| Fatal(format!("{} on {}: {e}", m.rule, m.file)))?;
        let path = scratch.join(format!("{}.yaml", m.rule));
        write(&path, &text)?;
        inputs.push(Input { name: format!("mutation {} ({})", m.rule, m.file), path, text });
    }
    Ok(inputs)
}

/// Every compose fixture of the CP rules, and the malformed compose files.
pub fn fixture_inputs() -> Result<Vec<Input>> {
    let mut inputs = Vec::new();
    let compose = |p: &PathBuf| p.to_string_lossy().ends_with(".compose.yaml");
    let fixtures = validate_dir().join("tests/fixtures");
    for rule in sorted_files(&fixtures)?.into_iter().filter(|p| file_name(p).starts_with("CP")) {
        for path in sorted_files(&rule)?.into_iter().filter(compose) {
            inputs.push(read(format!("fixtures/{}/{}", file_name(&rule), file_name(&path)), path)?);
        }
    }
    for path in sorted_files(&validate_dir().join("tests/malformed"))?.into_iter().filter(compose) {
        inputs.push(read(format!("malformed/{}", file_name(&path)), path)?);
    }
    Ok(inputs)
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| Fatal(format!("cannot write {}: {e}", path.display())))
}

/// A scratch folder under the system's temporary folder, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(what: &str) -> Result<Scratch> {
        let path = std::env::temp_dir().join(format!("stowage-corpus-check-{what}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(path.join("documents"))
            .map_err(|e| Fatal(format!("cannot create {}: {e}", path.display())))?;
        Ok(Scratch(path))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
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
fn judged_files(input: &Input, scratch: &Path) -> Result<Vec<PathBuf>> {
    let mut documents = vec![String::new()];
    for line in input.text.split_inclusive('\n') {
        if line.trim_end() == "---" && !documents.last().is_some_and(|d| d.trim().is_empty()) {
            documents.push(String::new());
        } else {
            documents.last_mut().expect("one document").push_str(line);
        }
    }
    if documents.len() == 1 {
        return Ok(vec![input.path.clone()]);
    }
    let stem: String = input.name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    let mut files = Vec::new();
    for (i, text) in documents.iter().enumerate() {
        let path = scratch.join("documents").join(format!("{stem}.{i}.yaml"));
        write(&path, text)?;
        files.push(path);
    }
    Ok(files)
}

type Other = Vec<(String, &'static str, String)>;

fn check(inputs: &[Input], scratch: &Path) -> Result<(BTreeSet<Verdict>, Other)> {
    let mut judged: Vec<(PathBuf, &str)> = Vec::new();
    for i in inputs {
        judged.extend(judged_files(i, scratch)?.into_iter().map(|p| (p, i.name.as_str())));
    }
    if judged.is_empty() {
        return Ok((BTreeSet::new(), Vec::new()));
    }
    let out = std::process::Command::new(check_jsonschema()?)
        .args(["--builtin-schema", "vendor.compose-spec", "--output-format", "json"])
        .args(judged.iter().map(|(p, _)| p))
        .output()
        .map_err(|e| Fatal(format!("cannot run check-jsonschema: {e}")))?;
    let report: Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        Fatal(format!("check-jsonschema printed no JSON ({e}):\n{}", String::from_utf8_lossy(&out.stderr)))
    })?;
    let names: BTreeMap<String, &str> = judged.iter().map(|(p, n)| (p.to_string_lossy().into_owned(), *n)).collect();
    let name = |e: &Value| -> Result<String> {
        let file = e["filename"].as_str().unwrap_or_default();
        let name =
            names.get(file).ok_or_else(|| Fatal(format!("check-jsonschema named a file it was not given: {file}")))?;
        Ok(name.to_string())
    };
    let mut verdicts = BTreeSet::new();
    let mut other = Vec::new();
    let no_list = || Fatal("check-jsonschema's JSON has no `parse_errors` and `errors` lists".into());
    // A run where every file is valid prints only `status` and an empty `errors`.
    let none = Vec::new();
    let parse_errors = match (&report["parse_errors"], report["status"].as_str()) {
        (Value::Array(list), _) => list,
        (Value::Null, Some("ok")) => &none,
        _ => return Err(no_list()),
    };
    for e in parse_errors {
        verdicts.insert((name(e)?, "GN001".to_string(), String::new()));
    }
    let errors = report["errors"].as_array().ok_or_else(no_list)?;
    for e in errors {
        let file = name(e)?;
        let path = e["path"].as_str().unwrap_or_default();
        let message = e["message"].as_str().unwrap_or_default();
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
    Ok((verdicts, other))
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

/// The check on a corpus folder.
pub fn run(corpus: &Corpus) -> Result<Problems> {
    let scratch = Scratch::new("compose")?;
    let inputs = corpus_inputs(corpus, &scratch.0)?;
    compare(&inputs, &corpus.disputes.compose_schema, &corpus.disputes_path.display().to_string(), &scratch.0)
}

/// Judges `inputs`, prints the comparison, and returns the differences not explained in `disputes` (a list read
/// from the file named `shown`) and the disputes that no longer occur. `scratch` takes one file per YAML document.
pub fn compare(inputs: &[Input], disputes: &[Dispute], shown: &str, scratch: &Path) -> Result<Problems> {
    let (theirs, other) = check(inputs, scratch)?;
    let ours: BTreeSet<Verdict> = inputs.iter().flat_map(ours).collect();

    let review = verdicts::review("schema", &theirs, &ours, disputes);
    verdicts::print_other(&other);
    verdicts::print_table("compose files", inputs.len(), &review, Some(other.len()));
    for rule in ["CP037", "CP039", "GN001"] {
        println!("{rule}: {} agreed", theirs.intersection(&ours).filter(|v| v.1 == rule).count());
    }
    let silent = inputs.iter().filter(|i| !theirs.iter().chain(&ours).any(|v| v.0 == i.name)).count();
    println!("files without a CP037, CP039 or GN001 verdict from either side: {silent}");
    Ok(verdicts::problems(&review, "CP037/CP039/GN001", "the compose-spec schema", shown))
}
