//! Runs the `orchestrate` stage binary the way the runner does, on contexts written here: it reads the model from
//! analyze's facts (and refuses a context without them), honours `[stages.dockerfile]` uid/gid and rejects an
//! unknown `[stages.orchestrate]` key with its location.

use std::path::Path;
use std::process::Command;

fn model() -> serde_json::Value {
    let fact = |v: serde_json::Value| serde_json::json!({ "value": v, "evidence": [{ "file": "app.py", "detail": "t" }], "confidence": "high" });
    serde_json::json!({
        "model_version": stowage_model::MODEL_VERSION,
        "services": [{
            "name": "api", "root": ".", "build_context": ".",
            "kind": fact("web".into()), "language": fact("python".into()),
            "runtime_version": null, "package_manager": null, "lockfile": null, "framework": null,
            "build_command": null, "start_command": null, "schedule": null,
            "ports": [fact(serde_json::json!({ "number": 8000, "env": "PORT" }))],
            "health_path": null, "readiness_path": null,
            "env_vars": [fact("PORT".into()), fact("DATABASE_URL".into()), fact("STRIPE_SECRET_KEY".into())],
            "backing_services": [
                { "name": "postgres", "required": true, "evidence": [{ "file": "app.py", "detail": "t" }] },
                { "name": "s3", "required": false, "evidence": [{ "file": "app.py", "detail": "t" }] }
            ],
            "writable_paths": [fact("uploads".into())],
            "build": { "version": fact("1.2.3".into()), "artifact": null, "output_dir": null, "wrapper": null,
                       "spring_boot_version": null, "php_extensions": [], "native_dependencies": [] }
        }],
        "existing_container_files": [], "skipped": [], "unread": []
    })
}

/// Runs the stage in `dir` with `facts` and `stage_options`; returns the exit code and stderr.
fn run(dir: &Path, facts: serde_json::Value, stage_options: serde_json::Value) -> (Option<i32>, String) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("out")).unwrap();
    std::fs::create_dir_all(dir.join("app")).unwrap();
    let context = serde_json::json!({
        "contract_version": stowage_kit::CONTRACT_VERSION,
        "stowage_version": "0.0.0",
        "stage": "orchestrate",
        "mode": "check",
        "app": { "root": dir.join("app"), "name": "demo" },
        "config": {
            "name": "demo", "profile": "production", "unmanaged": [], "exclude": [],
            "thresholds": { "fail_on": "error", "stage_timeout_seconds": 60 },
            "external_stages": [], "stage_options": stage_options,
            "key_locations": { "stages.orchestrate.replicas": "stowage.toml:7" }
        },
        "facts": facts,
        "staged": [],
        "managed": []
    });
    std::fs::write(dir.join("context.json"), context.to_string()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_stowage-orchestrate"))
        .args(["--context", "context.json", "--out", "out", "--report", "report.json"])
        .current_dir(dir)
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn renders_from_the_model_and_refuses_bad_input() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("orchestrate-stage");
    let options = serde_json::json!({ "dockerfile": { "uid": 20002, "gid": 20003 } });
    let (code, stderr) = run(&dir, serde_json::json!({ "analyze": model() }), options);
    assert_eq!(code, Some(0), "{stderr}");
    let dev = std::fs::read_to_string(dir.join("out/compose.yaml")).unwrap();
    let prod = std::fs::read_to_string(dir.join("out/compose.prod.yaml")).unwrap();
    assert!(dev.contains("user: \"20002:20003\"") && prod.contains("user: \"20002:20003\""), "{prod}");
    assert!(prod.contains("image: \"demo:1.2.3\""), "{prod}");
    assert!(prod.contains("\"/app/uploads:mode=1777\""), "{prod}");
    // The secret is named in the env_file's example, never given a value.
    assert!(!dev.contains("STRIPE_SECRET_KEY") && !prod.contains("STRIPE_SECRET_KEY"));
    let example = std::fs::read_to_string(dir.join("out/.env.example")).unwrap();
    assert!(example.contains("# api: secret\nSTRIPE_SECRET_KEY=\n"), "{example}");
    assert_eq!(std::fs::read_to_string(dir.join("out/deploy/secrets/.gitignore")).unwrap().lines().nth(1), Some("*"));

    let (code, stderr) = run(&dir, serde_json::json!({}), serde_json::json!({}));
    assert_eq!(code, Some(2));
    assert!(stderr.contains("run this stage after `analyze`"), "{stderr}");

    let options = serde_json::json!({ "orchestrate": { "replicas": "3" } });
    let (code, stderr) = run(&dir, serde_json::json!({ "analyze": model() }), options);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("stowage.toml:7: unknown key `stages.orchestrate.replicas`"), "{stderr}");
    assert!(!dir.join("out/compose.yaml").exists(), "nothing is written on bad input");

    for (options, expected) in [
        (serde_json::json!({ "egress_cidrs": ["10.0.0.0/33"] }), "entry \"10.0.0.0/33\" is not a network in CIDR"),
        (serde_json::json!({ "egress_cidrs": "10.0.0.0/8" }), "`stages.orchestrate.egress_cidrs` must be a list"),
        (serde_json::json!({ "extra_egress": ["203.0.113.0/24"] }), "is not `CIDR:PORT` or `CIDR:PORT/UDP`"),
        (serde_json::json!({ "extra_egress": ["203.0.113.0/24:443/ICMP"] }), "is not `CIDR:PORT`"),
    ] {
        let (code, stderr) =
            run(&dir, serde_json::json!({ "analyze": model() }), serde_json::json!({ "orchestrate": options }));
        assert_eq!(code, Some(2), "{options}: {stderr}");
        assert!(stderr.contains(expected), "{options}: {stderr}");
        assert!(!dir.join("out/compose.yaml").exists(), "nothing is written on bad input");
    }
    let options = serde_json::json!({ "orchestrate": {
        "egress_cidrs": ["10.20.0.0/16", "fd00::/8"], "extra_egress": ["2001:db8::/32:8443/udp"]
    } });
    let (code, stderr) = run(&dir, serde_json::json!({ "analyze": model() }), options);
    assert_eq!(code, Some(0), "IPv6 networks and a protocol are accepted: {stderr}");
}

/// Secrets the app reads as files are mounted, not passed: a secret whose `NAME_FILE` the app reads gets
/// `NAME_FILE=/run/secrets/NAME`, and with Spring Boot a secret read only through application.properties comes from
/// the config tree (policies/secret-files.toml); a secret the code reads as a variable stays one. Without the
/// framework the same properties secret stays a variable.
#[test]
fn secrets_the_app_reads_as_files_are_mounted_not_passed() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("orchestrate-secret-files");
    let at = |file: &str, v: &str| serde_json::json!({ "value": v, "evidence": [{ "file": file, "detail": "t" }], "confidence": "high" });
    let spring = |framework: serde_json::Value| {
        let mut m = model();
        let s = &mut m["services"][0];
        s["framework"] = framework;
        s["env_vars"] = serde_json::json!([
            at("src/main/resources/application.properties", "PORT"),
            at("src/main/resources/application.properties", "DATABASE_URL"),
            at("src/main/java/App.java", "API_TOKEN"),
            at("src/main/java/App.java", "WEBHOOK_SECRET_FILE"),
        ]);
        m
    };
    let (code, stderr) =
        run(&dir, serde_json::json!({ "analyze": spring(at("pom.xml", "Spring Boot")) }), serde_json::json!({}));
    assert_eq!(code, Some(0), "{stderr}");
    let prod = std::fs::read_to_string(dir.join("out/compose.prod.yaml")).unwrap();
    for needle in [
        "SPRING_CONFIG_IMPORT: \"optional:configtree:/run/secrets/\"",
        "WEBHOOK_SECRET_FILE: \"/run/secrets/WEBHOOK_SECRET\"",
        "- source: \"api-database-url\"\n        target: \"DATABASE_URL\"",
        "- source: \"api-webhook-secret\"\n        target: \"WEBHOOK_SECRET\"",
        "file: \"./deploy/secrets/api-database-url\"",
        "env_file:\n      - \"./deploy/secrets/api.env\"",
    ] {
        assert!(prod.contains(needle), "compose.prod.yaml has no {needle:?}:\n{prod}");
    }
    let base = std::fs::read_to_string(dir.join("out/deploy/kustomize/base/api/resources.yaml")).unwrap();
    assert!(
        base.contains("secretName: \"api-secrets\"\n            items:\n              - key: \"DATABASE_URL\""),
        "{base}"
    );
    assert!(base.contains("mountPath: \"/run/secrets\"\n              readOnly: true"), "{base}");
    assert!(
        base.contains("name: \"api-secrets\"\n                  key: \"API_TOKEN\""),
        "API_TOKEN stays a variable:\n{base}"
    );
    assert!(!base.contains("name: \"api-secrets\"\n                  key: \"DATABASE_URL\""), "{base}");
    let config = std::fs::read_to_string(dir.join("out/deploy/kustomize/base/api/kustomization.yaml")).unwrap();
    assert!(config.contains("\"WEBHOOK_SECRET_FILE=/run/secrets/WEBHOOK_SECRET\""), "{config}");
    let values = std::fs::read_to_string(dir.join("out/deploy/helm/demo/values.yaml")).unwrap();
    assert!(values.contains("secretFiles:\n      - \"DATABASE_URL\"\n      - \"WEBHOOK_SECRET\"\n"), "{values}");

    let (code, stderr) =
        run(&dir, serde_json::json!({ "analyze": spring(serde_json::Value::Null) }), serde_json::json!({}));
    assert_eq!(code, Some(0), "{stderr}");
    let prod = std::fs::read_to_string(dir.join("out/compose.prod.yaml")).unwrap();
    assert!(!prod.contains("SPRING_CONFIG_IMPORT") && !prod.contains("api-database-url"), "{prod}");
    assert!(prod.contains("api-webhook-secret"), "{prod}");
}

/// Two services on the same port (two apps both on 80) cannot both be published on it: `up` would fail. The second
/// gets the next free host port, said in a comment, in both compose files.
#[test]
fn services_on_the_same_port_get_distinct_host_ports() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("orchestrate-host-ports");
    let mut m = model();
    let mut second = m["services"][0].clone();
    second["name"] = "admin".into();
    second["root"] = "admin".into();
    second["build_context"] = "admin".into();
    m["services"].as_array_mut().unwrap().push(second);
    let (code, stderr) = run(&dir, serde_json::json!({ "analyze": m }), serde_json::json!({}));
    assert_eq!(code, Some(0), "{stderr}");
    for file in ["compose.yaml", "compose.prod.yaml"] {
        let text = std::fs::read_to_string(dir.join("out").join(file)).unwrap();
        assert!(text.contains("- \"127.0.0.1:8000:8000\""), "{file}:\n{text}");
        assert!(
            text.contains("# host port 8001: 8000 is published by `api`\n    ports:\n      - \"127.0.0.1:8001:8000\""),
            "{file}:\n{text}"
        );
    }
}
