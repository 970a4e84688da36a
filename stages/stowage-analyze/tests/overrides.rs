//! `[stages.analyze]` overrides: an override wins over detection and its evidence points at stowage.toml; `only`
//! keeps a subset of services; a service can be declared outright.

mod support;

use std::collections::BTreeMap;

use stowage_analyze::{AnalyzeError, Options, Overrides, analyze};

fn options(value: serde_json::Value) -> Options {
    let locations: BTreeMap<String, String> = [
        ("stages.analyze.only", "stowage.toml:3"),
        ("stages.analyze.services.web.port", "stowage.toml:6"),
        ("stages.analyze.services.web.health_path", "stowage.toml:7"),
        ("stages.analyze.services.extra.root", "stowage.toml:10"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let overrides = Overrides::parse(Some(&value), &locations).expect("valid options");
    Options { app_name: "app".into(), overrides, ..Options::default() }
}

fn app() -> std::path::PathBuf {
    support::app(
        "overrides",
        &[
            ("web/package.json", r#"{"name":"web","scripts":{"start":"node s.js"},"dependencies":{"express":"4"}}"#),
            ("web/s.js", "app.listen(process.env.PORT || 3000);\n"),
            ("jobs/requirements.txt", "celery\n"),
            ("jobs/tasks.py", "from celery import Celery\napp = Celery('tasks')\n"),
        ],
    )
}

#[test]
fn an_override_wins_and_says_so() {
    let opts = options(serde_json::json!({
        "services": { "web": { "port": { "number": 8080, "env": "WEB_PORT" }, "health_path": "/status" } }
    }));
    let model = analyze(&app(), &opts).expect("analyses");
    let web = model.services.iter().find(|s| s.name == "web").expect("web");
    assert_eq!(web.ports.len(), 1);
    assert_eq!((web.ports[0].value.number, web.ports[0].value.env.as_deref()), (Some(8080), Some("WEB_PORT")));
    assert_eq!(web.ports[0].evidence[0].location(), "stowage.toml:6");
    let health = web.health_path.as_ref().expect("health");
    assert_eq!((health.value.as_str(), health.evidence[0].location()), ("/status", "stowage.toml:7".to_string()));
    assert!(health.evidence[0].detail.contains("override"), "{:?}", health.evidence);
}

#[test]
fn only_keeps_the_listed_services() {
    let model = analyze(&app(), &options(serde_json::json!({ "only": ["web"] }))).expect("analyses");
    let names: Vec<&str> = model.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["web"]);
    let dropped = model.skipped.iter().find(|s| s.path == "jobs").expect("jobs listed as skipped");
    assert!(dropped.reason.contains("stowage.toml:3"), "{}", dropped.reason);

    let err = analyze(&app(), &options(serde_json::json!({ "only": ["wbe"] }))).expect_err("unknown service");
    assert!(
        matches!(&err, AnalyzeError::Options(m) if m.starts_with("stowage.toml:3") && m.contains("`wbe`")),
        "{err:?}"
    );
}

#[test]
fn a_service_can_be_declared() {
    let opts = options(serde_json::json!({
        "services": { "extra": { "root": "tools", "kind": "job", "start_command": "./run.sh" } }
    }));
    let model = analyze(&app(), &opts).expect("analyses");
    let extra = model.services.iter().find(|s| s.name == "extra").expect("declared service");
    assert_eq!((extra.root.as_str(), extra.kind.value.as_str()), ("tools", "job"));
    assert_eq!(extra.start_command.as_ref().map(|s| s.value.as_str()), Some("./run.sh"));

    let err = analyze(&app(), &options(serde_json::json!({ "services": { "ghost": { "kind": "web" } } })));
    assert!(matches!(&err, Err(AnalyzeError::Options(m)) if m.contains("ghost") && m.contains("root")), "{err:?}");
}
