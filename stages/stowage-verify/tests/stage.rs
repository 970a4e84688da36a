//! The verify gate against a scripted engine (`tests/fake-engine.py`, which answers as each case's scenario says
//! and logs every command): what it asks the engine, which findings it draws from the answers, its exit codes.
//! The real engine runs in `cargo xtask verify-check`; `cargo test` needs none.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Case {
    name: &'static str,
    /// The scenario the fake engine follows.
    scenario: serde_json::Value,
    /// `/proc/4242/status` as the gate will read it.
    status: &'static str,
    /// The service's kind, health path and required backing services.
    kind: &'static str,
    health: Option<&'static str>,
    needs: &'static [&'static str],
    /// Extra `[stages.verify]` options.
    options: serde_json::Value,
    /// Whether the engine's file name says docker.
    docker: bool,
    /// What the HTTP server behind the published port answers.
    http: u16,
    expect_exit: i32,
    /// Rule codes of the findings, sorted.
    expect_rules: &'static [&'static str],
    /// Text that must appear in the findings' messages, the notes or stderr.
    expect_text: &'static [&'static str],
    /// Text that must appear nowhere in the report or the output.
    forbid_text: &'static [&'static str],
    /// Arguments that must appear in some command the engine was given.
    expect_args: &'static [&'static str],
    /// Arguments that no command the engine was given may hold.
    forbid_args: &'static [&'static str],
    /// Files of the app (path, content).
    app_files: &'static [(&'static str, &'static str)],
    /// Files other stages staged beside the Dockerfile (path, content): compose.prod.yaml, the dev overlay.
    staged_files: &'static [(&'static str, &'static str)],
    /// Text that must appear in the compose file the gate handed the compose tool, and in the file it gave
    /// `kube play`.
    expect_compose: &'static [&'static str],
    expect_kube: &'static [&'static str],
}

const GOOD: &str = "Name:\tapp\nUid:\t10001\t10001\t10001\t10001\nCapEff:\t0000000000000000\nNoNewPrivs:\t1\n";

fn case(name: &'static str) -> Case {
    Case {
        name,
        scenario: serde_json::json!({}),
        status: GOOD,
        kind: "web",
        health: Some("/health"),
        needs: &[],
        options: serde_json::json!({}),
        docker: false,
        http: 200,
        expect_exit: 0,
        expect_rules: &[],
        expect_text: &[],
        forbid_text: &[],
        expect_args: &[],
        forbid_args: &[],
        app_files: &[],
        staged_files: &[],
        expect_compose: &[],
        expect_kube: &[],
    }
}

fn model(case: &Case) -> serde_json::Value {
    let fact = |v: serde_json::Value| serde_json::json!({ "value": v, "evidence": [{ "file": "app.py", "detail": "t" }], "confidence": "high" });
    serde_json::json!({
        "model_version": stowage_model::MODEL_VERSION,
        "services": [{
            "name": "api", "root": ".", "build_context": ".",
            "kind": fact(case.kind.into()), "language": fact("python".into()),
            "runtime_version": null, "package_manager": null, "lockfile": null, "framework": null,
            "build_command": null, "start_command": null, "schedule": null,
            "ports": [fact(serde_json::json!({ "number": 8000, "env": "PORT" }))],
            "health_path": case.health.map(|h| fact(h.into())), "readiness_path": null,
            "env_vars": [],
            "backing_services": case.needs.iter().map(|n| serde_json::json!({ "name": n, "required": true, "evidence": [] })).collect::<Vec<_>>(),
            "writable_paths": [],
            "build": { "version": null, "artifact": null, "output_dir": null, "wrapper": null,
                       "spring_boot_version": null, "php_extensions": [], "native_dependencies": [] }
        }],
        "existing_container_files": [], "skipped": [], "unread": []
    })
}

const DOCKERFILE: &str = "ARG REGISTRY=\nFROM ${REGISTRY}python:3.12-slim AS build\nWORKDIR /app\n\
                          RUN pip install -r requirements.txt\n\nFROM ${REGISTRY}python:3.12-slim\nWORKDIR /app\n\
                          COPY --from=build /opt/venv /opt/venv\nUSER 10001:10001\nCMD [\"python\", \"app.py\"]\n";

/// Serves one fixed status to every connection until the test process ends.
fn http_server(status: u16) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 512];
            let _ = stream.read(&mut buf);
            let _ = write!(stream, "HTTP/1.0 {status} X\r\nContent-Length: 0\r\n\r\n");
        }
    });
    port
}

fn check(case: Case) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("verify-stage").join(case.name);
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["app", "out", "staged", "proc/4242"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    std::fs::write(dir.join("proc/4242/status"), case.status).unwrap();
    for (path, text) in case.app_files {
        let path = dir.join("app").join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    std::fs::write(dir.join("staged/Dockerfile"), DOCKERFILE).unwrap();
    std::fs::write(dir.join("staged/.dockerignore"), "**/.env\n").unwrap();
    for (path, text) in case.staged_files {
        let path = dir.join("staged").join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let fake = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fake-engine.py");
    let engine: PathBuf = if case.docker {
        let link = dir.join("fake-docker");
        std::os::unix::fs::symlink(&fake, &link).unwrap();
        link
    } else {
        fake
    };
    let mut scenario = case.scenario.clone();
    if scenario.get("health_port").is_none() {
        scenario["health_port"] = serde_json::json!(http_server(case.http));
    }
    std::fs::write(dir.join("scenario.json"), scenario.to_string()).unwrap();
    let mut options = serde_json::json!({
        "engine": engine, "required": true, "base_registry": "localhost/stowage-standin/",
        "health_timeout_seconds": 2, "ca_bundle": "none"
    });
    for (k, v) in case.options.as_object().unwrap() {
        options[k] = v.clone();
    }
    let staged = |path: &str| serde_json::json!({ "path": path, "stage": "dockerfile", "source": dir.join("staged").join(path) });
    let staged_list: Vec<serde_json::Value> = [staged("Dockerfile"), staged(".dockerignore")]
        .into_iter()
        .chain(case.staged_files.iter().map(|(p, _)| staged(p)))
        .collect();
    let context = serde_json::json!({
        "contract_version": stowage_kit::CONTRACT_VERSION,
        "stowage_version": "0.0.0",
        "stage": "verify",
        "mode": "apply",
        "app": { "root": dir.join("app"), "name": "demo" },
        "config": {
            "name": "demo", "profile": "production", "unmanaged": [], "exclude": [],
            "thresholds": { "fail_on": "error", "stage_timeout_seconds": 60 },
            "external_stages": [], "stage_options": { "verify": options },
            "key_locations": { "stages.verify": "stowage.toml:3" }
        },
        "facts": {
            "analyze": model(&case),
            "dockerfile": { "images": [{
                "image": "demo", "services": ["api"], "dockerfile": "Dockerfile", "ignore_file": ".dockerignore",
                "build_context": ".", "writable_paths": ["/app/uploads"]
            }] }
        },
        "staged": staged_list,
        "managed": []
    });
    std::fs::write(dir.join("context.json"), context.to_string()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_stowage-verify"))
        .args(["--context", "context.json", "--out", "out", "--report", "report.json"])
        .current_dir(&dir)
        .env_remove("CI")
        .env("FAKE_ENGINE_SCENARIO", dir.join("scenario.json"))
        .env("FAKE_ENGINE_LOG", dir.join("engine.log"))
        .env("STOWAGE_VERIFY_PROC", dir.join("proc"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report = std::fs::read_to_string(dir.join("report.json")).unwrap_or_default();
    let log = std::fs::read_to_string(dir.join("engine.log")).unwrap_or_default();
    let name = case.name;
    assert_eq!(out.status.code(), Some(case.expect_exit), "{name}: exit code; stderr:\n{stderr}\nreport:\n{report}");
    let mut rules: Vec<String> = if report.is_empty() {
        Vec::new()
    } else {
        let parsed: serde_json::Value = serde_json::from_str(&report).unwrap();
        parsed["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect()
    };
    rules.sort();
    assert_eq!(rules, case.expect_rules, "{name}: findings; report:\n{report}");
    let everything = format!("{report}\n{stdout}\n{stderr}");
    for text in case.expect_text {
        assert!(everything.contains(text), "{name}: `{text}` missing from the report and output:\n{everything}");
    }
    for text in case.forbid_text {
        assert!(!everything.contains(text), "{name}: `{text}` must not appear:\n{everything}");
    }
    for arg in case.expect_args {
        assert!(log.contains(&format!("\"{arg}\"")), "{name}: no engine command had `{arg}`:\n{log}");
    }
    for arg in case.forbid_args {
        assert!(!log.contains(&format!("\"{arg}\"")), "{name}: an engine command had `{arg}`:\n{log}");
    }
    for (suffix, texts) in [("compose.json", case.expect_compose), ("kube.yaml", case.expect_kube)] {
        let handed = std::fs::read_to_string(dir.join(format!("engine.log.{suffix}"))).unwrap_or_default();
        for text in texts {
            assert!(handed.contains(text), "{name}: `{text}` missing from the {suffix} the gate handed on:\n{handed}");
        }
    }
    assert!(std::fs::read_dir(dir.join("out")).unwrap().next().is_none(), "{name}: the gate staged files");
}

#[test]
fn a_healthy_web_service_passes_with_every_hardening_flag() {
    check(Case {
        expect_args: &[
            "--ignorefile",
            "--format",
            "REGISTRY=localhost/stowage-standin/",
            "--pull=never",
            "TARGETOS=linux",
            "--read-only",
            "--cap-drop=ALL",
            "no-new-privileges",
            "512m",
            "--pids-limit",
            "/app/uploads:rw,mode=1777",
            "127.0.0.1::8000",
        ],
        // The checks reports show as JUnit test cases: the build and the health probe, passed.
        expect_text: &[
            "healthy in",
            "http GET /health on port 8000",
            "\"size_bytes\": 12345678",
            "\"name\": \"build demo\"",
            "\"name\": \"api (web) healthy\"",
            "\"status\": \"passed\"",
        ],
        ..case("healthy_web")
    });
}

#[test]
fn without_a_health_path_an_open_port_is_healthy() {
    check(Case { health: None, http: 500, expect_text: &["tcp 8000"], ..case("tcp_probe") });
}

#[test]
fn a_failed_build_names_the_step_line_and_masks_secrets_in_the_log() {
    check(Case {
        scenario: serde_json::json!({
            "build_log": ["[1/2] STEP 1/3: FROM python AS build", "[1/2] STEP 3/3: RUN pip install -r requirements.txt",
                          "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"],
            "build_error": "Error: building at STEP \"RUN pip install\": exit status 1"
        }),
        expect_exit: 1,
        expect_rules: &["VF001"],
        expect_text: &[
            "\"line\": 4",
            "at `RUN pip install -r requirements.txt`",
            "exit status 1",
            "did not build",
            "\"status\": \"failed\"",
        ],
        forbid_text: &["wJalrXUtnFEMI"],
        ..case("build_fails")
    });
}

#[test]
fn privileges_are_read_from_the_process_not_the_image() {
    check(Case {
        status: "Uid:\t0\t0\t0\t0\nCapEff:\t00000000a80425fb\nNoNewPrivs:\t0\n",
        expect_exit: 1,
        expect_rules: &["VF004", "VF005", "VF006"],
        expect_text: &["00000000a80425fb"],
        ..case("root_process")
    });
}

#[test]
fn hardening_the_engine_did_not_apply_is_reported() {
    check(Case {
        scenario: serde_json::json!({ "readonly": "false" }),
        expect_exit: 1,
        expect_rules: &["VF007"],
        expect_text: &["a writable root filesystem"],
        ..case("not_read_only")
    });
}

#[test]
fn a_container_that_exits_shows_its_log_tail() {
    check(Case {
        scenario: serde_json::json!({ "running": "false", "health_port": 1, "logs": "OSError: [Errno 30] Read-only file system: '/app/cache'" }),
        expect_exit: 1,
        expect_rules: &["VF002"],
        expect_text: &["Read-only file system"],
        ..case("exits")
    });
}

#[test]
fn a_health_path_that_never_answers_2xx_is_reported_with_the_last_answer() {
    check(Case {
        http: 503,
        expect_exit: 1,
        expect_rules: &["VF003"],
        expect_text: &["HTTP 503"],
        ..case("unhealthy")
    });
}

#[test]
fn no_engine_is_an_error_with_verify_and_a_skip_without() {
    check(Case {
        scenario: serde_json::json!({ "answers": false }),
        expect_exit: 2,
        expect_text: &["no container engine answers", "apt-get install -y podman runc"],
        ..case("no_engine_required")
    });
    check(Case {
        scenario: serde_json::json!({ "answers": false }),
        options: serde_json::json!({ "required": false }),
        expect_text: &["skipped: no container engine answers"],
        ..case("no_engine_optional")
    });
}

#[test]
fn leftovers_of_an_earlier_run_are_removed_first() {
    check(Case {
        scenario: serde_json::json!({ "leftovers": ["deadbeef0001", "deadbeef0002"] }),
        expect_args: &["label=io.stowage.verify.app=demo", "deadbeef0001", "deadbeef0002"],
        expect_text: &["removed 2 container(s) an earlier run left"],
        ..case("leftovers")
    });
}

#[test]
fn a_cli_answers_version_or_help() {
    check(Case {
        kind: "cli",
        scenario: serde_json::json!({ "cli": { "--help": "usage: demo [options]" } }),
        expect_text: &["by --help"],
        ..case("cli_help")
    });
    check(Case {
        kind: "cli",
        scenario: serde_json::json!({ "cli": {} }),
        expect_exit: 1,
        expect_rules: &["VF009"],
        ..case("cli_fails")
    });
}

#[test]
fn a_service_that_needs_its_backing_services_is_not_run_alone() {
    check(Case {
        needs: &["postgres"],
        expect_text: &["not run alone: it needs postgres"],
        forbid_args: &["-d"],
        ..case("needs_postgres")
    });
}

#[test]
fn docker_gets_the_ignore_file_beside_a_copy_of_the_dockerfile() {
    check(Case { docker: true, expect_args: &["beside"], ..case("docker_flavour") });
}

#[test]
fn a_bad_option_names_its_line() {
    check(Case {
        options: serde_json::json!({ "base_registry": "localhost/stowage-standin" }),
        expect_exit: 2,
        expect_text: &["stowage.toml:3", "must end with `/`"],
        ..case("bad_option")
    });
}

#[test]
fn a_secret_file_of_the_app_in_any_layer_is_found() {
    const FILES: &[(&str, &str)] = &[(".env", "API_KEY=x"), ("keys/deploy.pem", "-----BEGIN"), ("main.py", "")];
    check(Case {
        app_files: FILES,
        scenario: serde_json::json!({ "layers": [
            { "app/main.py": "print()", "app/keys/deploy.pem": "-----BEGIN" },
            { "app/.wh.deploy.pem": "" }
        ] }),
        expect_exit: 1,
        expect_rules: &["VF011"],
        expect_text: &["/app/keys/deploy.pem (the app's keys/deploy.pem)", "layer0/layer.tar"],
        forbid_text: &["-----BEGIN"],
        ..case("secret_in_layer")
    });
    check(Case {
        app_files: FILES,
        expect_text: &["no layer of `demo` holds the app's 2 secret file(s) (.env, keys/deploy.pem)"],
        ..case("no_secret_in_layers")
    });
}

#[test]
fn a_worker_that_exits_is_reported_with_its_log() {
    check(Case {
        kind: "worker",
        health: None,
        scenario: serde_json::json!({ "running": "false", "logs": "ConnectionError: broker unreachable" }),
        expect_exit: 1,
        expect_rules: &["VF008"],
        expect_text: &["broker unreachable"],
        ..case("worker_exits")
    });
}

#[test]
fn a_container_killed_at_stop_is_a_warning() {
    check(Case {
        scenario: serde_json::json!({ "stop_seconds": 9.6 }),
        expect_rules: &["VF010"],
        expect_text: &["did not stop within 10 s of SIGTERM"],
        ..case("slow_stop")
    });
}

/// compose.prod.yaml as orchestrate writes it for a web service with PostgreSQL, cut to what the gate reads.
const COMPOSE_PROD: &str = "name: \"demo\"\nservices:\n  api:\n    image: \"demo:${IMAGE_TAG:?set IMAGE_TAG}\"\n    \
build:\n      context: \".\"\n      dockerfile: \"Dockerfile\"\n    user: \"10001:10001\"\n    read_only: true\n    \
ports:\n      - \"127.0.0.1:8000:8000\"\n    environment:\n      POSTGRES_HOST: \"postgres\"\n    env_file:\n      - \
\"./deploy/secrets/api.env\"\n    depends_on:\n      postgres:\n        condition: \"service_healthy\"\n  postgres:\n    \
image: \"postgres:17.6-bookworm\"\n    environment:\n      POSTGRES_PASSWORD_FILE: \"/run/secrets/postgres-password\"\n    \
secrets:\n      - \"postgres-password\"\n    healthcheck:\n      test: [\"CMD-SHELL\", \"pg_isready -U postgres\"]\n\
secrets:\n  postgres-password:\n    file: \"./deploy/secrets/postgres-password.txt\"\n";

fn compose_case(name: &'static str) -> Case {
    Case {
        needs: &["postgres"],
        options: serde_json::json!({ "compose": format!("python3 {}/tests/fake-engine.py compose", env!("CARGO_MANIFEST_DIR")) }),
        staged_files: &[("compose.prod.yaml", COMPOSE_PROD)],
        ..case(name)
    }
}

#[test]
fn a_service_with_backing_services_runs_under_compose_after_they_are_healthy() {
    check(Case {
        scenario: serde_json::json!({ "unhealthy_checks": 2 }),
        expect_args: &["healthcheck", "c0ffee-postgres", "--no-deps", "down", "-v"],
        expect_text: &["with postgres (compose): http GET /health on port 8000", "\"start_to_healthy_ms\""],
        // The built image and the stand-in replace the public names; the secret file is a fresh one.
        expect_compose: &["localhost/stowage-standin/postgres:17.6-bookworm", "io.stowage.verify.run"],
        forbid_text: &["not run with them either"],
        ..compose_case("compose_healthy")
    });
}

#[test]
fn a_backing_service_that_never_becomes_healthy_fails_with_its_log() {
    check(Case {
        scenario: serde_json::json!({ "unhealthy_checks": 1000, "logs": "FATAL: could not create lock file" }),
        expect_exit: 1,
        expect_rules: &["VF002"],
        expect_text: &["backing service `postgres` is not healthy", "could not create lock file"],
        expect_args: &["down"],
        ..compose_case("compose_backing_unhealthy")
    });
}

#[test]
fn a_compose_up_that_fails_is_reported_and_torn_down() {
    check(Case {
        scenario: serde_json::json!({ "compose_up_error": "Error: short-name resolution enforced" }),
        expect_exit: 1,
        expect_rules: &["VF002"],
        expect_text: &["up` of the backing services failed", "short-name resolution"],
        expect_args: &["down"],
        ..compose_case("compose_up_fails")
    });
}

#[test]
fn without_a_compose_tool_the_service_is_left_unrun_with_the_reason() {
    check(Case {
        options: serde_json::json!({ "compose": "/nonexistent/podman-compose" }),
        expect_text: &["compose smoke test not run", "pip install podman-compose"],
        ..compose_case("compose_missing")
    });
}

const DEV_OVERLAY: &[(&str, &str)] = &[("deploy/kustomize/overlays/dev/kustomization.yaml", "resources: []\n")];

/// The dev overlay as kustomize renders it: the service's Deployment with probes and two replicas.
const RENDERED: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 2\n  template:\n    \
metadata:\n      labels:\n        app: api\n    spec:\n      containers:\n        - name: api\n          \
image: demo:1.0.0\n          ports:\n            - containerPort: 8000\n          livenessProbe:\n            \
httpGet:\n              path: /health\n              port: 8000\n---\napiVersion: v1\nkind: Service\nmetadata:\n  \
name: api\n";

fn kube_case(name: &'static str) -> Case {
    Case {
        options: serde_json::json!({ "kustomize": format!("python3 {}/tests/fake-engine.py kustomize", env!("CARGO_MANIFEST_DIR")) }),
        staged_files: DEV_OVERLAY,
        ..case(name)
    }
}

#[test]
fn a_healthy_service_also_runs_from_the_dev_overlay_under_kube_play() {
    check(Case {
        scenario: serde_json::json!({ "rendered": RENDERED }),
        expect_args: &["play", "down"],
        expect_text: &["kube play (dev overlay): http GET /health on port 8000"],
        // One replica, the image just built, no probes (podman would run them with curl), a free host port on
        // the loopback, the run's labels; the Service is left out.
        expect_kube: &[
            "\"replicas\": 1",
            "localhost/stowage-verify/demo/demo:latest",
            "\"hostIP\": \"127.0.0.1\"",
            "io.stowage.verify.run",
        ],
        ..kube_case("kube_healthy")
    });
}

#[test]
fn a_kube_play_that_fails_is_reported() {
    check(Case {
        scenario: serde_json::json!({ "rendered": RENDERED, "kube_play_error": "Error: address already in use" }),
        expect_exit: 1,
        expect_rules: &["VF002"],
        expect_text: &["`podman kube play` of the dev overlay failed", "address already in use"],
        ..kube_case("kube_play_fails")
    });
}

#[test]
fn an_overlay_kustomize_cannot_render_is_reported() {
    check(Case {
        scenario: serde_json::json!({ "kustomize_error": "Error: accumulating resources: missing file" }),
        expect_exit: 1,
        expect_rules: &["VF002"],
        expect_text: &["cannot render the dev overlay", "accumulating resources"],
        forbid_args: &["play"],
        ..kube_case("kube_render_fails")
    });
}
