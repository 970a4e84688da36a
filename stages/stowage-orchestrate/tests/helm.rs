//! The Helm chart committed in every fixture app (drift-checked by `cargo xtask containerize --check --app`),
//! judged through Helm's own library (helm-python-sdk, driven by helm_render.py): `helm lint --strict` reports
//! nothing above INFO; the chart rendered with its default values (release name = app name) deploys the same
//! objects as `kubectl kustomize overlays/prod`, once the Helm-only labels and annotations below are set aside;
//! kubernetes-validate `--strict` (1.34 to 1.37), checkov and stowage's own validator (nothing at warning or above)
//! pass on every rendered chart; and every documented
//! value, flipped, changes the output as helm-values.toml states.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn judge(name: &str) -> PathBuf {
    let bin = repo().join("target/judges/venv/bin").join(name);
    assert!(bin.is_file(), "{} is missing: run `cargo xtask judges` first", bin.display());
    bin
}

/// Labels Helm adds that the Kustomize overlay does not (or sets otherwise: the instance is the release name
/// there, `<app>-prod` here), and the annotation that rolls the pods on a configuration change (Kustomize renames
/// the ConfigMap instead).
const HELM_ONLY_LABELS: &[&str] = &["app.kubernetes.io/instance", "app.kubernetes.io/managed-by", "helm.sh/chart"];
const HELM_ONLY_ANNOTATIONS: &[&str] = &["checksum/config"];
/// Objects only the overlay has: the namespace (a release installs into a namespace it does not own; NOTES.txt
/// prints the command that enforces the restricted profile on it).
const OVERLAY_ONLY_KINDS: &[&str] = &["Namespace"];

/// (app folder, chart folder) of every fixture app with a chart.
fn charts() -> Vec<(PathBuf, PathBuf)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(repo().join("tests/fixtures/apps")).unwrap() {
        let app = entry.unwrap().path();
        let Ok(charts) = std::fs::read_dir(app.join("deploy/helm")) else { continue };
        for chart in charts {
            let chart = chart.unwrap().path();
            assert!(chart.join("Chart.yaml").is_file(), "{} has no Chart.yaml", chart.display());
            out.push((app.clone(), chart));
        }
    }
    out.sort();
    assert!(out.len() > 20, "only {} fixture apps have a chart", out.len());
    out
}

/// Runs jobs through helm_render.py in one call and returns its results in order.
fn render(jobs: &[Value]) -> Vec<Value> {
    let mut child = Command::new(judge("python"))
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/helm_render.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(serde_json::to_string(jobs).unwrap().as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "helm_render.py: {}", String::from_utf8_lossy(&output.stderr));
    let results: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(results.len(), jobs.len());
    results
}

fn release(chart: &Path) -> String {
    chart.file_name().unwrap().to_string_lossy().into_owned()
}

fn job(chart: &Path, values: Value, lint: bool) -> Value {
    let name = release(chart);
    json!({ "chart": chart, "name": name, "namespace": format!("{name}-prod"), "values": values, "lint": lint })
}

/// Objects by `Kind/name`.
fn by_name(objects: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for o in objects.as_array().expect("rendered objects") {
        let key = format!("{}/{}", o["kind"].as_str().unwrap(), o["metadata"]["name"].as_str().unwrap());
        assert!(out.insert(key.clone(), o.clone()).is_none(), "{key} is rendered twice");
    }
    out
}

/// Sets aside what differs by design: Helm-only labels and annotations, the overlay's Namespace, the ConfigMap
/// name hashes Kustomize appends (`api-config-b857ft258b` is `api-config`), and empty lists and maps, which the
/// API server reads as absent.
fn normalize(objects: &Value) -> BTreeMap<String, Value> {
    let mut hashed = BTreeMap::new();
    for o in objects.as_array().unwrap() {
        let name = o["metadata"]["name"].as_str().unwrap_or("");
        if o["kind"] == "ConfigMap"
            && let Some((base, hash)) = name.rsplit_once('-')
            && hash.len() == 10
            && base.ends_with("-config")
        {
            hashed.insert(name.to_string(), base.to_string());
        }
    }
    fn walk(v: &mut Value, hashed: &BTreeMap<String, String>) {
        match v {
            Value::Object(map) => {
                for (key, drop) in [("labels", HELM_ONLY_LABELS), ("annotations", HELM_ONLY_ANNOTATIONS)] {
                    if let Some(Value::Object(inner)) = map.get_mut(key) {
                        inner.retain(|k, _| !drop.contains(&k.as_str()));
                    }
                }
                for value in map.values_mut() {
                    walk(value, hashed);
                }
                map.retain(|_, v| {
                    !matches!(v, Value::Array(a) if a.is_empty())
                        && !matches!(v, Value::Object(o) if o.is_empty())
                        && !v.is_null()
                });
            }
            Value::Array(items) => items.iter_mut().for_each(|i| walk(i, hashed)),
            Value::String(s) => {
                if let Some(base) = hashed.get(s.as_str()) {
                    *s = base.clone();
                }
            }
            _ => {}
        }
    }
    let mut objects = objects.clone();
    walk(&mut objects, &hashed);
    by_name(&objects).into_iter().filter(|(_, o)| !OVERLAY_ONLY_KINDS.contains(&o["kind"].as_str().unwrap())).collect()
}

#[test]
fn default_values_deploy_what_the_prod_overlay_deploys_and_lint_clean() {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("orchestrate-helm-equivalence");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).unwrap();
    let charts = charts();
    let mut jobs = Vec::new();
    for (app, chart) in &charts {
        let output = Command::new(judge("kubectl"))
            .arg("kustomize")
            .arg(app.join("deploy/kustomize/overlays/prod"))
            .output()
            .unwrap();
        assert!(output.status.success(), "{}: {}", app.display(), String::from_utf8_lossy(&output.stderr));
        let file = scratch.join(format!("{}.yaml", release(chart)));
        std::fs::write(&file, &output.stdout).unwrap();
        jobs.push(job(chart, json!({}), true));
        jobs.push(json!({ "manifests": file }));
    }
    let results = render(&jobs);
    for ((_, chart), pair) in charts.iter().zip(results.chunks(2)) {
        let (helm, kustomize) = (&pair[0], &pair[1]);
        let name = release(chart);
        assert!(helm.get("error").is_none(), "{name}: {}", helm["error"]);
        // Helm's severities: 1 INFO, 2 WARNING, 3 ERROR. Only "icon is recommended" (INFO) is allowed.
        for message in helm["lint"]["messages"].as_array().unwrap() {
            assert!(message["severity"].as_i64().unwrap() < 2, "{name}: helm lint: {message}");
        }
        assert_eq!(helm["lint"]["errors"], json!([]), "{name}: helm lint");
        assert!(helm["notes"].as_str().unwrap().contains("pod-security.kubernetes.io/enforce=restricted"), "{name}");
        let (ours, theirs) = (normalize(&helm["objects"]), normalize(&kustomize["objects"]));
        let keys: (BTreeSet<&String>, BTreeSet<&String>) = (ours.keys().collect(), theirs.keys().collect());
        assert_eq!(keys.0, keys.1, "{name}: the chart and the prod overlay deploy different objects");
        for (key, object) in &ours {
            assert_eq!(
                object, &theirs[key],
                "{name}: {key} differs between the chart (left) and the prod overlay (right)"
            );
        }
    }
}

#[test]
fn rendered_charts_pass_kubernetes_validate_and_checkov() {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("orchestrate-helm-judges");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).unwrap();
    let charts = charts();
    let jobs: Vec<Value> = charts.iter().map(|(_, chart)| job(chart, json!({}), false)).collect();
    let mut files = Vec::new();
    for ((_, chart), result) in charts.iter().zip(render(&jobs)) {
        assert!(result.get("error").is_none(), "{}: {}", chart.display(), result["error"]);
        let text = result["manifests"].as_str().unwrap().to_string();
        let file = scratch.join(format!("{}.yaml", release(chart)));
        std::fs::write(&file, text).unwrap();
        files.push(file);
    }
    for version in ["1.34.0", "1.35.0", "1.36.0", "1.37.0"] {
        let output =
            Command::new(judge("kubernetes-validate")).args(["-k", version, "--strict"]).args(&files).output().unwrap();
        assert!(
            output.status.success(),
            "kubernetes-validate {version}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let output = Command::new(judge("checkov"))
        .args(["--skip-download", "--framework", "kubernetes", "--quiet", "--compact", "-o", "json", "-d"])
        .arg(&scratch)
        .env("BC_SKIP_MAPPING", "TRUE")
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).expect("checkov prints JSON");
    assert_eq!(report["summary"]["failed"], 0, "{}", String::from_utf8_lossy(&output.stdout));
    assert!(report["summary"]["passed"].as_u64().unwrap() > 100, "checkov checked too little: {}", report["summary"]);
    // Stowage's own validator on what the charts deploy, cross-object checks included: nothing at warning or above.
    let policy = stowage_validate::Policy::default();
    let mut problems = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let shown = file.file_name().unwrap().to_string_lossy().to_string();
        for f in stowage_validate::lint_text(stowage_validate::Kind::Kubernetes, &shown, &text, &policy) {
            if f.severity >= stowage_validate::Severity::Warning {
                problems.push(format!("{shown}: {} {}", f.rule, f.message));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// One documented value flipped, and what the rendered chart must show (helm-values.toml).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    /// The documented value this case flips (`services.*.port`), or what it proves when it is no value.
    value: String,
    fixture: String,
    set: toml::Value,
    #[serde(default)]
    expect: Vec<Expect>,
    /// The render fails, with this in its message.
    error: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    /// `Kind/name`.
    object: String,
    /// A JSON pointer into the object; none: the object itself.
    pointer: Option<String>,
    equals: Option<toml::Value>,
    #[serde(default)]
    absent: bool,
    /// Differs from the default render.
    #[serde(default)]
    changes: bool,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Cases {
    case: Vec<Case>,
}

/// The dotted paths of a values tree's leaves (lists are leaves), with each service's name as `*`.
fn leaves(v: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) if !map.is_empty() || prefix.ends_with(".resources") || prefix.ends_with(".config") => {
            if map.is_empty() || prefix.ends_with(".config") {
                out.insert(prefix.to_string());
                return;
            }
            for (k, v) in map {
                let key = if prefix == "services" { "*" } else { k.as_str() };
                let path = if prefix.is_empty() { key.to_string() } else { format!("{prefix}.{key}") };
                leaves(v, &path, out);
            }
        }
        _ => {
            out.insert(prefix.to_string());
        }
    }
}

#[test]
fn every_documented_value_changes_the_output_as_documented() {
    let cases: Cases = toml::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/helm-values.toml")).unwrap(),
    )
    .expect("helm-values.toml");
    let chart_of = |fixture: &str| {
        let app = repo().join("tests/fixtures/apps").join(fixture);
        std::fs::read_dir(app.join("deploy/helm")).unwrap().next().unwrap().unwrap().path()
    };
    let fixtures: BTreeSet<&str> = cases.case.iter().map(|c| c.fixture.as_str()).collect();
    let mut jobs: Vec<Value> = fixtures.iter().map(|f| job(&chart_of(f), json!({}), false)).collect();
    jobs.extend(cases.case.iter().map(|c| job(&chart_of(&c.fixture), serde_json::to_value(&c.set).unwrap(), false)));
    let results = render(&jobs);
    let (defaults, flipped) = results.split_at(fixtures.len());
    let defaults: BTreeMap<&str, BTreeMap<String, Value>> =
        fixtures.iter().zip(defaults).map(|(f, r)| (*f, by_name(&r["objects"]))).collect();
    // Every leaf of every used fixture's values.yaml has a case.
    let mut documented = BTreeSet::new();
    for fixture in &fixtures {
        leaves(&values_tree(&chart_of(fixture)), "", &mut documented);
    }
    let covered: BTreeSet<&str> = cases.case.iter().map(|c| c.value.as_str()).collect();
    let missing: Vec<&String> = documented.iter().filter(|d| !covered.contains(d.as_str())).collect();
    assert!(missing.is_empty(), "documented values with no case in helm-values.toml: {missing:?}");
    for (case, result) in cases.case.iter().zip(flipped) {
        let what = format!("{} on {}", case.value, case.fixture);
        if let Some(error) = &case.error {
            let message = result["error"].as_str().unwrap_or_else(|| panic!("{what}: rendered, expected an error"));
            assert!(message.contains(error.as_str()), "{what}: error {message:?} does not say {error:?}");
            continue;
        }
        assert!(result.get("error").is_none(), "{what}: {}", result["error"]);
        assert!(!case.expect.is_empty(), "{what}: a case states what changes");
        let objects = by_name(&result["objects"]);
        for e in &case.expect {
            let found = objects.get(&e.object);
            let at = |o: &Value| match &e.pointer {
                Some(p) => o.pointer(p).cloned(),
                None => Some(o.clone()),
            };
            let got = found.and_then(at);
            if e.absent {
                assert!(got.is_none(), "{what}: {} {:?} is still rendered: {got:?}", e.object, e.pointer);
                continue;
            }
            let got = got.unwrap_or_else(|| panic!("{what}: {} {:?} is not rendered", e.object, e.pointer));
            if let Some(want) = &e.equals {
                assert_eq!(got, serde_json::to_value(want).unwrap(), "{what}: {} {:?}", e.object, e.pointer);
            }
            if e.changes {
                let before = defaults[case.fixture.as_str()].get(&e.object).and_then(at);
                assert_ne!(Some(&got), before.as_ref(), "{what}: {} {:?} did not change", e.object, e.pointer);
            }
        }
    }
}

/// The chart's default values, as Helm reads them.
fn values_tree(chart: &Path) -> Value {
    let script = "import json,sys,helm_python as h\nwith h.Chart.load(sys.argv[1]) as c: print(json.dumps(c.values))";
    let output = Command::new(judge("python")).args(["-c", script]).arg(chart).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}
