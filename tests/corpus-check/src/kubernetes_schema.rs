//! KS060 (removed apiVersion), KS061 (manifest without apiVersion, kind or name) and GN001 (file cannot be parsed)
//! judged by kubernetes-validate, the Kubernetes 1.35 JSON schemas in their strict form (`-k 1.35.0 --strict`).
//!
//! Inputs: every file of a corpus folder's k8s/ (`cargo xtask corpus-check`), or every fixture of the KS rules, bad
//! and good (this crate's tests, in `cargo test`). One Python process
//! of the judges venv runs the tool's own code over them all: for each file `resources_from_file` (PyYAML's
//! `load_all`, so a file of several documents is judged object by object) and `validate_resource` per object, the
//! two calls its CLI makes. The CLI itself is not run per file list because it exits the whole run at the first file
//! PyYAML cannot parse, and stops a file at the first object with a schema error and no name; the loop around the
//! two calls only keeps going, it decides nothing. From the printed lines we derive verdicts:
//! - "Couldn't parse YAML" → GN001;
//! - "Couldn't find schema for kind K with api version A", with A in a built-in API group → KS060 `K A`: Kubernetes
//!   1.35 does not serve that kind at that version. Other groups are custom resources (CRDs): no schema exists for
//!   them, and KS060 must not flag them, so they are only counted;
//! - "could not be validated: 'apiVersion'" or `'kind'` (the tool indexes both before anything else) → KS061
//!   `apiVersion/kind`; `'metadata'` or `'name'` (raised while naming the object) → KS061 `metadata.name`.
//!
//! Our verdicts are the KS060, KS061 and GN001 findings of `lint_text` with the default policy. Both sets are compared
//! per (file, rule, key); every difference must be explained in the folder's disputes file (`[[kubernetes_schema]]`),
//! and every entry there must still be a difference. The schema's other errors (unknown fields under --strict, types, required
//! fields, ...; the tool reports the best-matching one per object) are beyond these rules: they are printed and
//! counted by kind, never failed on. There is no skipping: without the judges venv (`cargo xtask judges`) the check
//! fails and says how to install it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Instant;

use stowage_validate::{Kind, Policy, lint_text};

use crate::verdicts::{self, Dispute, Input, Verdict, read};
use crate::{Corpus, Fatal, Problems, Result, judge, sorted_files, validate_dir};

/// The venv's python, which has kubernetes_validate installed (its `kubernetes-validate` script is checked too, so
/// the failure names the missing judge).
fn python() -> Result<PathBuf> {
    let why = "KS060, KS061 and GN001 on manifests are judged by kubernetes-validate installed there";
    judge("kubernetes-validate", why)?;
    judge("python", why)
}

/// The tool's CLI loop (`validate_file`) with each file and each object guarded, so one bad input cannot end the run
/// for the others. `===` opens a file's lines; everything else is printed by kubernetes_validate itself, except
/// `CRASH`, an exception the tool does not catch (it raises one naming an object without `metadata.name` whose
/// schema check failed).
const RUN: &str = r#"
import sys
import kubernetes_validate.utils as kv
for i, f in enumerate(sys.argv[1:]):
    print("=== %d" % i, flush=True)
    try:
        resources = kv.resources_from_file(f)
    except SystemExit as e:
        print("EXIT %s" % e, flush=True)
        continue
    for r in resources:
        try:
            kv.validate_resource(resource=r, filename=f, version="1.35.0", strict=True, quiet=False, no_warn=False)
        except Exception as e:
            print("CRASH %s %r" % (f, e), flush=True)
"#;

/// API groups Kubernetes serves or once served (the part of apiVersion before `/`; "" is the core group). Anything
/// else is a custom resource, for which kubernetes-validate has no schema at any version.
const BUILTIN_GROUPS: &[&str] = &[
    "",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "apps",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "extensions",
    "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io",
    "networking.k8s.io",
    "node.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "resource.k8s.io",
    "scheduling.k8s.io",
    "settings.k8s.io",
    "storage.k8s.io",
    "storagemigration.k8s.io",
];

fn group(api: &str) -> &str {
    api.rsplit_once('/').map_or("", |(g, _)| g)
}

/// Every file of the corpus folder's k8s/.
pub fn corpus_inputs(corpus: &Corpus) -> Result<Vec<Input>> {
    corpus.files("k8s")?.into_iter().map(|p| read(corpus.name(&p), p)).collect()
}

/// Every YAML fixture of the KS rules, bad and good.
pub fn fixture_inputs() -> Result<Vec<Input>> {
    let fixtures = validate_dir().join("tests/fixtures");
    let mut inputs = Vec::new();
    for rule in sorted_files(&fixtures)? {
        if !rule.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("KS")) {
            continue;
        }
        for path in sorted_files(&rule)?.into_iter().filter(|p| p.extension().is_some_and(|e| e == "yaml")) {
            let name = path.strip_prefix(&fixtures).unwrap_or(&path).to_string_lossy().into_owned();
            inputs.push(read(format!("fixtures/{name}"), path)?);
        }
    }
    Ok(inputs)
}

/// The kind of a schema error that no compared rule covers, from its message.
fn keyword(message: &str) -> &'static str {
    [
        ("were unexpected", "unknown field (--strict)"),
        ("was unexpected", "unknown field (--strict)"),
        ("is not of type", "wrong type"),
        ("is a required property", "missing required field"),
        ("is not one of", "enum"),
        ("does not match", "pattern"),
        ("is not valid under any of the given schemas", "oneOf/anyOf"),
    ]
    .iter()
    .find(|(needle, _)| message.contains(needle))
    .map_or("other", |(_, k)| k)
}

/// What one run of kubernetes-validate says, beyond the verdicts.
#[derive(Default)]
struct Judged {
    verdicts: BTreeSet<Verdict>,
    /// (file, kind of error, object path: message)
    other: Vec<(String, &'static str, String)>,
    /// Objects that passed the schema.
    passed: usize,
    /// Objects of a custom resource (no schema, not judged).
    custom: BTreeMap<String, usize>,
}

fn judge_all(inputs: &[Input]) -> Result<Judged> {
    if inputs.is_empty() {
        return Ok(Judged::default());
    }
    let started = Instant::now();
    let out = std::process::Command::new(python()?)
        .args(["-c", RUN])
        .args(inputs.iter().map(|i| &i.path))
        .output()
        .map_err(|e| Fatal(format!("cannot run kubernetes-validate: {e}")))?;
    println!("kubernetes-validate on {} files: {:.1} s", inputs.len(), started.elapsed().as_secs_f64());
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !(out.status.success() && stdout.starts_with("=== 0")) {
        return Err(Fatal(format!(
            "kubernetes-validate did not run: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    let unexpected =
        |what: &str, name: &str, rest: &str| Fatal(format!("kubernetes-validate: {what} on {name}: {rest}"));
    // Records: a line starting with a level opens one; other lines continue it (PyYAML's messages span lines).
    let mut records: Vec<(usize, String)> = Vec::new();
    let mut current = None;
    for line in stdout.lines() {
        if let Some(i) = line.strip_prefix("=== ") {
            current = i.parse::<usize>().ok();
        } else if ["INFO ", "WARN ", "ERROR ", "EXIT ", "CRASH "].iter().any(|l| line.starts_with(l)) {
            let Some(current) = current else { return Err(unexpected("output before a file", "-", line)) };
            records.push((current, line.to_string()));
        } else {
            let Some(last) = records.last_mut() else { return Err(unexpected("a stray line", "-", line)) };
            last.1.push('\n');
            last.1.push_str(line);
        }
    }
    let mut judged = Judged::default();
    for (i, record) in records {
        let Some(input) = inputs.get(i) else { return Err(unexpected("a file it was not given", "-", &record)) };
        let file = input.path.to_string_lossy();
        let (level, rest) = record.split_once(' ').unwrap_or((&record, ""));
        // Every line but EXIT names the file it was given; strip it to keep what follows.
        let rest = rest.strip_prefix(&format!("{file} ")).unwrap_or(rest);
        let mut verdict = |rule: &str, key: &str| {
            judged.verdicts.insert((input.name.clone(), rule.to_string(), key.to_string()));
        };
        match level {
            "INFO" => judged.passed += 1,
            "EXIT" => {
                if !rest.starts_with("Couldn't parse YAML") {
                    return Err(unexpected("an exit", &input.name, rest));
                }
                verdict("GN001", "");
            }
            "WARN" => {
                let Some((kind, api)) = rest
                    .strip_prefix("Couldn't find schema for kind ")
                    .and_then(|r| r.split_once(" with api version "))
                    .and_then(|(k, r)| Some((k, r.split_once(" for kubernetes version ")?.0)))
                else {
                    return Err(unexpected("a warning", &input.name, rest));
                };
                if BUILTIN_GROUPS.contains(&group(api)) {
                    verdict("KS060", &format!("{kind} {api}"));
                } else {
                    *judged.custom.entry(group(api).to_string()).or_default() += 1;
                }
            }
            "ERROR" if rest.starts_with("could not be validated: ") => {
                match rest.trim_start_matches("could not be validated: ") {
                    "'apiVersion'" | "'kind'" => verdict("KS061", "apiVersion/kind"),
                    "'metadata'" | "'name'" => verdict("KS061", "metadata.name"),
                    other => judged.other.push((input.name.clone(), "could not be validated", other.to_string())),
                }
            }
            "ERROR" => {
                // "did not validate for resource kind/name against version 1.35: path: message"
                let Some((object, error)) = rest
                    .strip_prefix("did not validate for resource ")
                    .and_then(|r| r.split_once(" against version "))
                    .and_then(|(o, r)| Some((o, r.split_once(": ")?.1)))
                else {
                    return Err(unexpected("an error line", &input.name, rest));
                };
                let message = error.split_once(": ").map_or(error, |(_, m)| m);
                judged.other.push((input.name.clone(), keyword(message), format!("{object} {error}")));
            }
            "CRASH" if rest.ends_with("KeyError('metadata')") || rest.ends_with("KeyError('name')") => {
                verdict("KS061", "metadata.name");
            }
            _ => return Err(unexpected("a failure", &input.name, &record)),
        }
    }
    Ok(judged)
}

/// Our KS060, KS061 and GN001 verdicts on `input`, keyed as [`judge_all`] keys the tool's.
fn ours(input: &Input) -> BTreeSet<Verdict> {
    lint_text(Kind::Kubernetes, &input.name, &input.text, &Policy::default())
        .into_iter()
        .filter_map(|f| {
            let key = match f.rule.as_str() {
                "GN001" => String::new(),
                // "Deployment extensions/v1beta1 is removed; use apps/v1"
                "KS060" => f.message.split_once(" is removed").map_or(f.message.as_str(), |m| m.0).to_string(),
                "KS061" if f.message.ends_with("`metadata.name`") => "metadata.name".to_string(),
                "KS061" => "apiVersion/kind".to_string(),
                _ => return None,
            };
            Some((input.name.clone(), f.rule.to_string(), key))
        })
        .collect()
}

/// The check on a corpus folder.
pub fn run(corpus: &Corpus) -> Result<Problems> {
    let shown = corpus.disputes_path.display().to_string();
    compare(&corpus_inputs(corpus)?, &corpus.disputes.kubernetes_schema, &shown)
}

/// Judges `inputs`, prints the comparison, and returns the differences not explained in `disputes` (a list read
/// from the file named `shown`) and the disputes that no longer occur.
pub fn compare(inputs: &[Input], disputes: &[Dispute], shown: &str) -> Result<Problems> {
    let judged = judge_all(inputs)?;
    let theirs = &judged.verdicts;
    let ours: BTreeSet<Verdict> = inputs.iter().flat_map(ours).collect();

    let review = verdicts::review("kubernetes-validate", theirs, &ours, disputes);
    verdicts::print_other(&judged.other);
    verdicts::print_table("manifest files", inputs.len(), &review, Some(judged.other.len()));
    for rule in ["KS060", "KS061", "GN001"] {
        let count = |set: &BTreeSet<Verdict>| set.iter().filter(|v| v.1 == rule).count();
        println!(
            "{rule}: {} agreed, kubernetes-validate {}, stowage {}",
            theirs.intersection(&ours).filter(|v| v.1 == rule).count(),
            count(theirs),
            count(&ours)
        );
    }
    println!(
        "objects that passed the schema: {}; custom resources without a schema (not judged): {} in {} groups",
        judged.passed,
        judged.custom.values().sum::<usize>(),
        judged.custom.len()
    );
    Ok(verdicts::problems(&review, "KS060/KS061/GN001", "kubernetes-validate", shown))
}
