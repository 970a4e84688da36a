//! The Kustomize base and overlays committed in every fixture app (drift-checked by `cargo xtask containerize
//! --check --app`), rendered by the real kubectl (`kubectl kustomize`, no warning) and judged on what is deployed:
//! kubernetes-validate `--strict` for Kubernetes 1.34 to 1.37 and checkov (one call each for every rendered
//! overlay), stowage's own validator on the files as written and on what they render (nothing at warning or above),
//! and the properties the restricted profile and the rollout need, read from the rendered objects.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn judge(name: &str) -> PathBuf {
    let bin = repo().join("target/judges/venv/bin").join(name);
    assert!(bin.is_file(), "{} is missing: run `cargo xtask judges` first", bin.display());
    bin
}

/// Fixture apps with a Kustomize tree.
fn apps() -> Vec<PathBuf> {
    let mut apps: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/fixtures/apps"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("deploy/kustomize/base/kustomization.yaml").is_file())
        .collect();
    apps.sort();
    assert!(apps.len() > 20, "only {} fixture apps have Kubernetes files", apps.len());
    apps
}

/// Every overlay of every fixture app rendered into one scratch folder (`<app>-<overlay>.yaml`).
/// Renders every fixture's overlays into a folder of the calling test's own (`test`): tests run in parallel, and one
/// clearing a shared folder would pull the files from under another.
fn rendered(test: &str) -> (Vec<PathBuf>, PathBuf) {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("orchestrate-kustomize").join(test);
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let apps = apps();
    for app in &apps {
        for overlay in ["dev", "prod"] {
            let output = Command::new(judge("kubectl"))
                .arg("kustomize")
                .arg(app.join("deploy/kustomize/overlays").join(overlay))
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(output.status.success() && stderr.trim().is_empty(), "{}/{overlay}: {stderr}", app.display());
            let name = format!("{}-{overlay}.yaml", app.file_name().unwrap().to_string_lossy());
            std::fs::write(out.join(name), &output.stdout).unwrap();
        }
    }
    (apps, out)
}

#[test]
fn rendered_overlays_pass_kubernetes_validate_checkov_and_the_restricted_profile() {
    let (apps, out) = rendered("judges");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
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
        .arg(&out)
        .env("BC_SKIP_MAPPING", "TRUE")
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("checkov prints JSON");
    let summary = &report["summary"];
    assert_eq!(summary["failed"], 0, "{}", String::from_utf8_lossy(&output.stdout));
    assert!(
        summary["passed"].as_u64().unwrap() > 100 * apps.len() as u64 / 2,
        "checkov's Kubernetes checks ran: {summary}"
    );
    // Stowage's own validator on what each overlay deploys, cross-object checks included: nothing at warning or
    // above. Inline ignores do not survive rendering: what one silences in the files as written (same rule, same
    // message) stays silenced, as the gate does.
    let policy = stowage_validate::Policy::default();
    let mut problems = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let shown = file.file_name().unwrap().to_string_lossy().to_string();
        let app = apps.iter().find(|a| shown.starts_with(&format!("{}-", a.file_name().unwrap().to_string_lossy())));
        let app = app.unwrap();
        let mut inputs = Vec::new();
        let mut stack = vec![app.join("deploy/kustomize")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let file = path.strip_prefix(app).unwrap().to_string_lossy().to_string();
                    inputs.push(stowage_validate::Input { file, path, kind: stowage_validate::Kind::Kubernetes });
                }
            }
        }
        let written = stowage_validate::lint_within(std::slice::from_ref(app), &inputs, &policy);
        let silenced: Vec<(String, String)> =
            written.suppressed.iter().map(|s| (s.finding.rule.clone(), s.finding.message.clone())).collect();
        for f in stowage_validate::lint_text(stowage_validate::Kind::Kubernetes, &shown, &text, &policy) {
            if f.severity >= stowage_validate::Severity::Warning
                && !silenced.contains(&(f.rule.clone(), f.message.clone()))
            {
                problems.push(format!("{shown}: {} {}", f.rule, f.message));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(summary["parsing_errors"], 0);

    // What the restricted profile and the rollout need, on the rendered objects.
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let shown = file.file_name().unwrap().to_string_lossy();
        assert!(text.contains("pod-security.kubernetes.io/enforce: restricted"), "{shown}: namespace not restricted");
        for needle in [
            "runAsNonRoot: true",
            "allowPrivilegeEscalation: false",
            "readOnlyRootFilesystem: true",
            "type: RuntimeDefault",
            "automountServiceAccountToken: false",
            "imagePullPolicy: Always",
            "unhealthyPodEvictionPolicy: AlwaysAllow",
        ] {
            assert!(text.contains(needle) || !text.contains("kind: Deployment"), "{shown}: no `{needle}`");
        }
        // The HPA owns the scale of a service with a port, and no Deployment it scales states replicas; any other
        // Deployment states its one replica.
        let deployments: Vec<&str> = text.split("\n---\n").filter(|d| d.contains("\nkind: Deployment\n")).collect();
        let stated = deployments.iter().filter(|d| d.contains("\n  replicas: 1\n")).count();
        assert_eq!(
            deployments.len(),
            text.matches("\nkind: HorizontalPodAutoscaler\n").count() + stated,
            "{shown}: a Deployment scaled by an HPA sets replicas, or one without an HPA does not say how many"
        );
        assert!(
            deployments.iter().all(|d| d.matches("\n  replicas:").count() == d.matches("\n  replicas: 1\n").count()),
            "{shown}: replicas other than 1"
        );
        assert!(!text.contains(":latest"), "{shown}: an image tagged latest");
    }
}

#[test]
fn the_files_as_written_pass_stowages_validator() {
    let policy = stowage_validate::Policy::default();
    let mut problems = Vec::new();
    let mut checked = 0;
    for app in apps() {
        let mut stack = vec![app.join("deploy/kustomize")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let shown = path.strip_prefix(repo()).unwrap().display().to_string();
                for f in stowage_validate::lint_text(stowage_validate::Kind::Kubernetes, &shown, &text, &policy) {
                    if f.severity >= stowage_validate::Severity::Warning {
                        problems.push(format!("{shown}:{}: {} {}", f.line.unwrap_or(0), f.rule, f.message));
                    }
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "only {checked} files");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// An Ingress only where `ingress_host` is configured (the monorepo fixture's stowage.toml), routing each web
/// service to a Service of the same rendering by its port name, with TLS for that host when a Secret is named;
/// without a host, no Ingress and the prod overlay says how to get one.
#[test]
fn ingress_routes_to_rendered_services_and_only_with_a_host() {
    let (apps, out) = rendered("ingress");
    let mut with_ingress = 0;
    for app in &apps {
        let name = app.file_name().unwrap().to_string_lossy().to_string();
        let configured = std::fs::read_to_string(app.join("stowage.toml")).is_ok_and(|t| t.contains("ingress_host"));
        let text = std::fs::read_to_string(out.join(format!("{name}-prod.yaml"))).unwrap();
        let (docs, errors) = stowage_yaml::parse(&text);
        assert!(errors.is_empty(), "{name}: {errors:?}");
        let roots: Vec<stowage_yaml::Node> = docs.into_iter().filter_map(|d| d.root).collect();
        let kind = |n: &stowage_yaml::Node| n.get("kind").and_then(|k| k.str()).unwrap_or("").to_string();
        let ingresses: Vec<&stowage_yaml::Node> = roots.iter().filter(|n| kind(n) == "Ingress").collect();
        let has_web = roots.iter().any(|n| kind(n) == "Service");
        if !configured {
            assert!(ingresses.is_empty(), "{name}: an Ingress without a configured host");
            let overlay =
                std::fs::read_to_string(app.join("deploy/kustomize/overlays/prod/kustomization.yaml")).unwrap();
            assert_eq!(
                overlay.contains("# No Ingress: set `ingress_host`"),
                has_web,
                "{name}: the prod overlay's note"
            );
            continue;
        }
        with_ingress += 1;
        assert_eq!(ingresses.len(), 1, "{name}: one Ingress for the app");
        let ingress = ingresses[0];
        let rule = &ingress.path(&["spec", "rules"]).unwrap().seq()[0];
        let host = rule.get("host").and_then(|h| h.str()).unwrap();
        let tls_hosts: Vec<&str> = ingress
            .path(&["spec", "tls"])
            .map_or(&[][..], |t| t.seq())
            .iter()
            .flat_map(|t| t.get("hosts").unwrap().seq())
            .filter_map(|h| h.str())
            .collect();
        assert_eq!(tls_hosts, [host], "{name}: TLS for the Ingress host");
        let paths = rule.path(&["http", "paths"]).unwrap().seq();
        assert!(paths.iter().any(|p| p.get("path").and_then(|v| v.str()) == Some("/")), "{name}: nothing serves /");
        for p in paths {
            let service = p.path(&["backend", "service", "name"]).and_then(|v| v.str()).unwrap();
            let port = p.path(&["backend", "service", "port", "name"]).and_then(|v| v.str()).unwrap();
            let target = roots
                .iter()
                .find(|n| kind(n) == "Service" && n.path(&["metadata", "name"]).and_then(|v| v.str()) == Some(service))
                .unwrap_or_else(|| panic!("{name}: the Ingress routes to `{service}`, which is no Service"));
            let ports = target.path(&["spec", "ports"]).unwrap().seq();
            assert!(
                ports.iter().any(|sp| sp.get("name").and_then(|v| v.str()) == Some(port)),
                "{name}: Service `{service}` has no port `{port}`"
            );
        }
    }
    assert!(with_ingress >= 1, "no fixture configures an Ingress");
}

/// Backing services reached in production only in `egress_cidrs` (the monorepo fixture's stowage.toml sets
/// 10.20.0.0/16 and an extra 203.0.113.0/24:443): in the rendered prod overlay the backing ports go to that network,
/// in dev to the backing services' own pods (their StatefulSets), and the extra destination is in both. Without `egress_cidrs`, the prod overlay says how
/// to restrict them.
#[test]
fn production_egress_to_backing_services_stays_in_the_configured_networks() {
    let (apps, out) = rendered("egress");
    let mut configured_apps = 0;
    for app in &apps {
        let name = app.file_name().unwrap().to_string_lossy().to_string();
        let configured = std::fs::read_to_string(app.join("stowage.toml")).is_ok_and(|t| t.contains("egress_cidrs"));
        for overlay in ["dev", "prod"] {
            let text = std::fs::read_to_string(out.join(format!("{name}-{overlay}.yaml"))).unwrap();
            let (docs, errors) = stowage_yaml::parse(&text);
            assert!(errors.is_empty(), "{name}: {errors:?}");
            for np in docs
                .iter()
                .filter_map(|d| d.root.as_ref())
                .filter(|n| n.get("kind").and_then(|k| k.str()) == Some("NetworkPolicy"))
            {
                let policy = np.path(&["metadata", "name"]).and_then(|v| v.str()).unwrap_or("").to_string();
                let rules = np.path(&["spec", "egress"]).map_or(&[][..], |e| e.seq());
                let component = np.path(&["metadata", "labels", "app.kubernetes.io/component"]).and_then(|v| v.str());
                if component == Some("backing-service") {
                    // The dev overlay's database: only the app's pods in, nothing out.
                    assert_eq!(overlay, "dev", "{name}: a backing service in {overlay}");
                    assert!(rules.is_empty(), "{name}/{overlay}/{policy}: a backing service reaches out: {rules:?}");
                    continue;
                }
                let cidrs_of = |port: i64| -> Option<Vec<String>> {
                    let rule = rules.iter().find(|r| {
                        r.get("ports").is_some_and(|ps| {
                            ps.seq()
                                .iter()
                                .any(|p| p.get("port").and_then(|v| v.str()).and_then(|v| v.parse().ok()) == Some(port))
                        })
                    })?;
                    Some(
                        rule.get("to")
                            .map_or(&[][..], |t| t.seq())
                            .iter()
                            .filter_map(|peer| {
                                peer.path(&["ipBlock", "cidr"]).and_then(|c| c.str()).map(str::to_string)
                            })
                            .collect(),
                    )
                };
                if configured {
                    assert_eq!(
                        cidrs_of(443),
                        Some(vec!["203.0.113.0/24".to_string()]),
                        "{name}/{overlay}/{policy}: extra egress"
                    );
                }
                for (port, backing) in [(5432, "postgres"), (3306, "mysql"), (6379, "redis")] {
                    let Some(cidrs) = cidrs_of(port) else { continue };
                    let expected: Vec<String> =
                        if configured && overlay == "prod" { vec!["10.20.0.0/16".into()] } else { Vec::new() };
                    assert_eq!(cidrs, expected, "{name}/{overlay}/{policy}: where {backing} is reached");
                    let rule = rules.iter().find(|r| {
                        r.get("ports").is_some_and(|ps| {
                            ps.seq().iter().any(|p| p.get("port").and_then(|v| v.str()) == Some(&port.to_string()))
                        })
                    });
                    let pods: Vec<&str> = rule
                        .and_then(|r| r.get("to"))
                        .map_or(&[][..], |t| t.seq())
                        .iter()
                        .filter_map(|peer| {
                            peer.path(&["podSelector", "matchLabels", "app.kubernetes.io/name"]).and_then(|v| v.str())
                        })
                        .collect();
                    let expected: Vec<&str> = if overlay == "dev" { vec![backing] } else { Vec::new() };
                    assert_eq!(pods, expected, "{name}/{overlay}/{policy}: which pods {backing} is reached at");
                }
            }
        }
        let prod = std::fs::read_to_string(app.join("deploy/kustomize/overlays/prod/kustomization.yaml")).unwrap();
        let backed = std::fs::read_to_string(out.join(format!("{name}-prod.yaml"))).unwrap().contains("port: 5432")
            || std::fs::read_to_string(out.join(format!("{name}-prod.yaml"))).unwrap().contains("port: 6379");
        assert_eq!(
            prod.contains("set `egress_cidrs`"),
            backed && !configured,
            "{name}: the prod overlay's note on egress_cidrs"
        );
        configured_apps += usize::from(configured);
    }
    assert!(configured_apps >= 1, "no fixture configures egress_cidrs");
}

/// What a case breaks, in which document, the text replaced after a marker, and the rules that must fire.
type Break<'a> = (&'a str, usize, &'a str, &'a str, &'a str, &'a [&'a str]);

/// The cross-object checks hold the rendered objects together: break one reference in the monorepo's prod overlay
/// (a pod label, a Service selector, an HPA target, an Ingress backend) and stowage's validator must name it.
#[test]
fn a_broken_reference_between_rendered_objects_is_caught() {
    let (_, out) = rendered("broken");
    let text = std::fs::read_to_string(out.join("monorepo-prod.yaml")).unwrap();
    let docs: Vec<&str> = text.split("\n---\n").collect();
    let doc_of = |kind: &str, name: &str| {
        docs.iter()
            .position(|d| d.contains(&format!("kind: {kind}\n")) && d.contains(&format!("\n  name: {name}\n")))
            .unwrap_or_else(|| panic!("no {kind} {name} in the monorepo's prod overlay"))
    };
    // (what is broken, the document, the text replaced in it after `after`, the rules that must fire)
    let cases: [Break; 4] = [
        (
            "the api pods' label",
            doc_of("Deployment", "api"),
            "template:",
            "app.kubernetes.io/name: api",
            "app.kubernetes.io/name: api-v2",
            &["KS049", "KS053", "KS054"],
        ),
        (
            "the api Service's selector",
            doc_of("Service", "api"),
            "selector:",
            "app.kubernetes.io/name: api",
            "app.kubernetes.io/name: apii",
            &["KS049"],
        ),
        (
            "the api HPA's target",
            doc_of("HorizontalPodAutoscaler", "api"),
            "scaleTargetRef:",
            "name: api",
            "name: api-server",
            &["KS110"],
        ),
        ("the Ingress backend", doc_of("Ingress", "monorepo"), "backend:", "name: api", "name: api-svc", &["KS070"]),
    ];
    let policy = stowage_validate::Policy::default();
    let clean = stowage_validate::lint_text(stowage_validate::Kind::Kubernetes, "prod.yaml", &text, &policy);
    for (what, i, after, from, to, rules) in cases {
        for rule in rules {
            assert!(!clean.iter().any(|f| f.rule == *rule), "{rule} fires before {what} is broken");
        }
        let mut broken: Vec<String> = docs.iter().map(|d| d.to_string()).collect();
        let start = broken[i].find(after).unwrap_or_else(|| panic!("{what}: no `{after}`"));
        let at = start + broken[i][start..].find(from).unwrap_or_else(|| panic!("{what}: no `{from}`"));
        broken[i].replace_range(at..at + from.len(), to);
        let findings = stowage_validate::lint_text(
            stowage_validate::Kind::Kubernetes,
            "prod.yaml",
            &broken.join("\n---\n"),
            &policy,
        );
        for rule in rules {
            assert!(findings.iter().any(|f| f.rule == *rule), "{what} broken: no {rule}; found {findings:?}");
        }
    }
}

/// The dev overlay runs each backing service the app needs as a StatefulSet behind a headless Service of its name,
/// its data on a claim, reachable only from the app's pods; the app's variables that name it carry its development
/// address (a value, no Secret needed), and each app pod's NetworkPolicy reaches it by pod selector.
#[test]
fn dev_overlay_runs_the_backing_services_and_points_the_app_at_them() {
    let (apps, out) = rendered("dev-backing");
    let mut statefulsets = 0;
    for app in &apps {
        let name = app.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(out.join(format!("{name}-dev.yaml"))).unwrap();
        let (docs, errors) = stowage_yaml::parse(&text);
        assert!(errors.is_empty(), "{name}: {errors:?}");
        let objects: Vec<&stowage_yaml::Node> = docs.iter().filter_map(|d| d.root.as_ref()).collect();
        let of_kind = |kind: &str| -> Vec<&stowage_yaml::Node> {
            objects.iter().copied().filter(|o| o.get("kind").and_then(|k| k.str()) == Some(kind)).collect()
        };
        let name_of =
            |o: &stowage_yaml::Node| o.path(&["metadata", "name"]).and_then(|v| v.str()).unwrap_or("").to_string();
        let prod = std::fs::read_to_string(out.join(format!("{name}-prod.yaml"))).unwrap();
        assert!(!prod.contains("kind: StatefulSet"), "{name}: production runs a backing service");
        for set in of_kind("StatefulSet") {
            statefulsets += 1;
            let backing = name_of(set);
            let service = of_kind("Service").into_iter().find(|s| name_of(s) == backing);
            let service = service.unwrap_or_else(|| panic!("{name}: StatefulSet {backing} has no Service"));
            assert_eq!(service.path(&["spec", "clusterIP"]).and_then(|v| v.str()), Some("None"), "{name}/{backing}");
            assert!(
                set.path(&["spec", "volumeClaimTemplates"]).is_some_and(|v| !v.seq().is_empty()),
                "{name}/{backing}"
            );
            let pod = set.path(&["spec", "template", "spec"]).unwrap();
            assert_eq!(pod.path(&["securityContext", "runAsNonRoot"]).and_then(|v| v.str()), Some("true"));
            let container = &pod.get("containers").unwrap().seq()[0];
            for (field, want) in [("readOnlyRootFilesystem", "true"), ("allowPrivilegeEscalation", "false")] {
                assert_eq!(
                    container.path(&["securityContext", field]).and_then(|v| v.str()),
                    Some(want),
                    "{name}/{backing}"
                );
            }
            // Some app pod reaches it, by its pod label.
            let reached = of_kind("NetworkPolicy").iter().any(|np| {
                np.path(&["spec", "egress"]).is_some_and(|e| {
                    e.seq().iter().any(|rule| {
                        rule.get("to").is_some_and(|to| {
                            to.seq().iter().any(|peer| {
                                peer.path(&["podSelector", "matchLabels", "app.kubernetes.io/name"])
                                    .and_then(|v| v.str())
                                    == Some(backing.as_str())
                            })
                        })
                    })
                })
            });
            assert!(reached, "{name}: no app pod may reach {backing}");
        }
        // Every app variable set to a development address names a backing service that runs here.
        for deployment in of_kind("Deployment").into_iter().chain(of_kind("CronJob")) {
            let text = format!("{deployment:?}");
            for backing in ["postgres", "mysql", "redis"] {
                let address = format!("{backing}://");
                if text.contains(&address) {
                    assert!(
                        of_kind("StatefulSet").iter().any(|s| name_of(s) == backing),
                        "{name}: {} points at {backing}, which the dev overlay does not run",
                        name_of(deployment)
                    );
                }
            }
        }
    }
    assert!(statefulsets >= 5, "only {statefulsets} backing services in the dev overlays");
    // The monorepo's api reads both of its backing services' URLs as development values.
    let text = std::fs::read_to_string(out.join("monorepo-dev.yaml")).unwrap();
    for (variable, value) in
        [("DATABASE_URL", "postgres://postgres@postgres:5432/postgres"), ("REDIS_URL", "redis://redis:6379/0")]
    {
        assert!(
            text.contains(&format!("- name: {variable}\n          value: {value}\n")),
            "monorepo: {variable}:\n{text}"
        );
    }
}
