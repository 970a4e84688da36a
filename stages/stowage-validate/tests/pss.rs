//! Pod Security Standards conformance, field by field: every control of the baseline and restricted profiles, at
//! each field the standard names (pod level, and each of `containers`, `initContainers` and `ephemeralContainers`
//! where it says `…[*]`), with a violating value and, where the standard allows values, the allowed ones at their
//! boundary. The cases are in `pss.toml`, each a YAML patch onto a restricted-compliant base Pod; the rules compared
//! are those whose registry references name PSS, and exactly the expected ones must fire.
//!
//! The controls are those of the standard (kubernetes/pod-security-admission `policy/check_*.go`), listed per
//! profile in tests/checklist.toml (`[[pss]]`); a control without a violating case fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;
use stowage_validate::registry::{self, Target};
use stowage_validate::yaml::{self, Node, Value};
use stowage_validate::{Kind, Policy};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Cases {
    base: String,
    extra_container: String,
    case: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    profile: String,
    control: String,
    field: String,
    pod: Option<String>,
    container: Option<String>,
    every: Option<String>,
    at: Option<String>,
    fires: Vec<String>,
    not: Option<String>,
}

/// Where the container under test goes: the pod-spec list and the container's name.
const GROUPS: [(&str, &str); 3] = [("containers", "app"), ("initContainers", "init"), ("ephemeralContainers", "debug")];

fn cases() -> Cases {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pss.toml");
    let text = std::fs::read_to_string(&path).expect("tests/pss.toml");
    toml::from_str(&text).unwrap_or_else(|e| panic!("tests/pss.toml: {e}"))
}

/// The rules that implement a PSS control.
fn pss_rules() -> BTreeSet<&'static str> {
    registry::RULES
        .iter()
        .filter(|r| r.target == Target::Kubernetes && r.references.contains("PSS"))
        .map(|r| r.code)
        .collect()
}

fn parse(text: &str) -> Node {
    let (docs, diags) = yaml::parse(text);
    assert!(diags.is_empty(), "YAML in pss.toml does not parse: {diags:?}\n{text}");
    docs.into_iter().next().and_then(|d| d.root).unwrap_or_else(|| panic!("empty YAML in pss.toml:\n{text}"))
}

/// Merges `patch` into `target`: maps key by key, a null value deletes the key, anything else replaces.
fn merge(target: &mut Node, patch: &Node) {
    match (&mut target.value, &patch.value) {
        (Value::Map(entries), Value::Map(patches)) => {
            for (pk, pv) in patches {
                let at = entries.iter().position(|(k, _)| k.str() == pk.str());
                match (at, pv.is_null()) {
                    (Some(i), true) => {
                        entries.remove(i);
                    }
                    (Some(i), false) => merge(&mut entries[i].1, pv),
                    (None, true) => {}
                    (None, false) => entries.push((pk.clone(), pv.clone())),
                }
            }
        }
        _ => *target = patch.clone(),
    }
}

fn map_entry<'n>(node: &'n mut Node, key: &str) -> &'n mut Node {
    let Value::Map(entries) = &mut node.value else { panic!("`{key}`'s parent is not a map") };
    let i = match entries.iter().position(|(k, _)| k.str() == Some(key)) {
        Some(i) => i,
        None => {
            let k = Node { value: Value::Scalar { text: key.into(), plain: true }, line: 0, column: 0 };
            entries.push((k, Node { value: Value::Seq(Vec::new()), line: 0, column: 0 }));
            entries.len() - 1
        }
    };
    &mut entries[i].1
}

fn emit_scalar(node: &Node) -> String {
    match &node.value {
        Value::Scalar { text, plain: true } => text.clone(),
        Value::Scalar { text, plain: false } => serde_json::to_string(text).expect("string"),
        Value::Map(e) if e.is_empty() => "{}".into(),
        Value::Seq(s) if s.is_empty() => "[]".into(),
        _ => unreachable!("not a scalar"),
    }
}

/// Block-style YAML of `node`, indented by `indent` spaces.
fn emit(node: &Node, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    let inline = |n: &Node| match &n.value {
        Value::Scalar { .. } => true,
        Value::Map(e) => e.is_empty(),
        Value::Seq(s) => s.is_empty(),
    };
    match &node.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                if inline(v) {
                    out.push_str(&format!("{pad}{}: {}\n", emit_scalar(k), emit_scalar(v)));
                } else {
                    out.push_str(&format!("{pad}{}:\n", emit_scalar(k)));
                    emit(v, indent + 2, out);
                }
            }
        }
        Value::Seq(items) => {
            for item in items {
                if inline(item) {
                    out.push_str(&format!("{pad}- {}\n", emit_scalar(item)));
                } else {
                    let mut nested = String::new();
                    emit(item, indent + 2, &mut nested);
                    out.push_str(&format!("{pad}- {}", &nested[indent + 2..]));
                }
            }
        }
        Value::Scalar { .. } => out.push_str(&format!("{pad}{}\n", emit_scalar(node))),
    }
}

/// The Pod of one case run: the container under test is `name` in `group` (added from `extra_container` unless it
/// is the base's `app`), then the pod, every-container and container patches are applied in that order.
fn build(cases: &Cases, case: &Case, (group, name): (&str, &str)) -> String {
    let named = |text: &str| parse(&text.replace("{name}", name));
    let mut pod = parse(&cases.base);
    if group != "containers" {
        map_entry(map_entry(&mut pod, "spec"), group).value = Value::Seq(vec![named(&cases.extra_container)]);
    }
    if let Some(p) = &case.pod {
        merge(&mut pod, &named(p));
    }
    let spec = map_entry(&mut pod, "spec");
    for (g, _) in GROUPS {
        let Value::Map(entries) = &mut spec.value else { unreachable!() };
        let Some((_, list)) = entries.iter_mut().find(|(k, _)| k.str() == Some(g)) else { continue };
        let Value::Seq(containers) = &mut list.value else { continue };
        for ct in containers {
            if let Some(p) = &case.every {
                merge(ct, &named(p));
            }
            if g == group
                && ct.get("name").and_then(Node::str) == Some(name)
                && let Some(p) = &case.container
            {
                merge(ct, &named(p));
            }
        }
    }
    let mut out = String::new();
    emit(&pod, 0, &mut out);
    out
}

/// Lints one Pod and returns the PSS rules that fired. A Pod that does not parse fails here, so that an allowed
/// case cannot pass on a broken patch.
fn check(text: &str) -> BTreeSet<String> {
    let findings = stowage_validate::lint_text(Kind::Kubernetes, "pod.yaml", text, &Policy::default());
    let broken: Vec<_> = findings.iter().filter(|f| f.rule.starts_with("GN")).collect();
    assert!(broken.is_empty(), "the Pod does not parse: {broken:?}\n{text}");
    let pss = pss_rules();
    findings.into_iter().map(|f| f.rule).filter(|r| pss.contains(r.as_str())).collect()
}

fn runs(case: &Case) -> &'static [(&'static str, &'static str)] {
    let each = match case.at.as_deref() {
        Some("each") => true,
        Some("pod") => false,
        None => case.container.is_some(),
        Some(other) => panic!("{}: `at` is \"each\" or \"pod\", not {other:?}", case.field),
    };
    if each { &GROUPS } else { &GROUPS[..1] }
}

#[test]
fn pss_rules_are_on_by_default() {
    let off: Vec<&str> =
        pss_rules().into_iter().filter(|c| !registry::find(c).is_some_and(|r| r.default_enabled)).collect();
    assert!(off.is_empty(), "PSS rules off by default: {off:?}");
}

#[test]
fn base_pod_has_no_pss_finding() {
    let cases = cases();
    let none = Case {
        profile: String::new(),
        control: String::new(),
        field: "base".into(),
        pod: None,
        container: None,
        every: None,
        at: None,
        fires: Vec::new(),
        not: None,
    };
    for run in GROUPS {
        let text = build(&cases, &none, run);
        let fired = check(&text);
        assert!(fired.is_empty(), "the base Pod with a container in {} fires {fired:?}:\n{text}", run.0);
    }
}

#[test]
fn every_case_fires_exactly_its_rules() {
    let cases = cases();
    let pss = pss_rules();
    let mut failures = Vec::new();
    let mut count = 0;
    for case in &cases.case {
        let label = format!("{} '{}' {}", case.profile, case.control, case.field);
        let named: Vec<&String> = case.fires.iter().chain(&case.not).collect();
        if let Some(code) = named.iter().find(|c| !pss.contains(c.as_str())) {
            failures.push(format!("{label}: {code} is not a PSS rule"));
        }
        match (case.fires.is_empty(), &case.not) {
            (true, None) => failures.push(format!("{label}: an allowed case names the rule it guards in `not`")),
            (false, Some(_)) => failures.push(format!("{label}: `not` is for allowed cases")),
            _ => {}
        }
        let expected: BTreeSet<String> = case.fires.iter().cloned().collect();
        for &run in runs(case) {
            count += 1;
            let text = build(&cases, case, run);
            let fired = check(&text);
            if fired != expected {
                failures.push(format!("{label} [{}]: expected {expected:?}, got {fired:?}\n{text}", run.0));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {count} case runs fail:\n\n{}", failures.len(), failures.join("\n\n"));
}

#[derive(Deserialize)]
struct Checklist {
    pss: Vec<Control>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Control {
    profile: String,
    control: String,
    checks: String,
}

/// The controls of the baseline and restricted profiles, from tests/checklist.toml.
fn spec_controls() -> BTreeSet<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/checklist.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let list: Checklist = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    for c in &list.pss {
        assert!(!c.checks.trim().is_empty(), "{} {}: say what the control requires", c.profile, c.control);
    }
    let controls: BTreeSet<(String, String)> = list.pss.into_iter().map(|c| (c.profile, c.control)).collect();
    assert_eq!(controls.len(), 12 + 7, "controls in checklist.toml: {controls:?}");
    controls
}

#[test]
fn every_pss_control_has_a_violating_case() {
    let cases = cases();
    let spec = spec_controls();
    let mut per_control: BTreeMap<(String, String), usize> = BTreeMap::new();
    for case in &cases.case {
        let key = (case.profile.clone(), case.control.clone());
        assert!(spec.contains(&key), "case names a control not in tests/checklist.toml: {key:?}");
        if !case.fires.is_empty() {
            *per_control.entry(key).or_default() += 1;
        }
    }
    let missing: Vec<_> = spec.iter().filter(|c| !per_control.contains_key(*c)).collect();
    assert!(missing.is_empty(), "PSS controls without a violating case in pss.toml: {missing:?}");
}
