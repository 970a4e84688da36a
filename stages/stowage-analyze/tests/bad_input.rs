//! Bad input, one test per class: binary, huge, non-UTF-8, unreadable and outside-symlink files are skipped with a
//! reason; stowage's own output is never evidence; excluded paths are not read; an app with nothing recognisable
//! is an error that says what was looked for; wrong options name the key and the line that set it.

mod support;

use std::collections::BTreeMap;

use stowage_analyze::{AnalyzeError, Options, Overrides, analyze};

const EXPRESS: &str = r#"{"name":"web","scripts":{"start":"node server.js"},"dependencies":{"express":"4"}}"#;
const SERVER: &str = "const port = process.env.PORT || 3000;\napp.get('/health', h);\napp.listen(port);\n";

/// The reason recorded for `path`, if it was skipped.
fn unread_reason(model: &stowage_analyze::Model, path: &str) -> Option<String> {
    model.unread.iter().find(|u| u.path == path).map(|u| u.reason.clone())
}

fn check_skipped(label: &str, bytes: &[u8], reason_starts: &str) {
    let dir = support::app(label, &[("package.json", EXPRESS)]);
    support::write(&dir, "server.js", bytes);
    let model = support::analyze_app(&dir);
    let reason = unread_reason(&model, "server.js");
    assert!(reason.as_deref().is_some_and(|r| r.starts_with(reason_starts)), "{label}: {reason:?}");
    // Nothing from the skipped file is used as evidence.
    let web = &model.services[0];
    assert!(web.ports.is_empty() && web.health_path.is_none(), "{label}: {:?}", web.ports);
}

#[test]
fn binary_files_are_skipped() {
    let mut bytes = SERVER.as_bytes().to_vec();
    bytes.extend_from_slice(&[0, 1, 2, 0]);
    check_skipped("binary", &bytes, "binary content");
}

#[test]
fn huge_files_are_skipped_but_huge_manifests_are_read() {
    let mut bytes = SERVER.as_bytes().to_vec();
    bytes.extend(std::iter::repeat_n(b'\n', 1024 * 1024 + 1));
    check_skipped("huge", &bytes, "larger than 1 MiB");

    let padded = EXPRESS.replacen('{', &format!("{{{}", " ".repeat(1024 * 1024 + 1)), 1);
    let dir = support::app("huge-manifest", &[("package.json", &padded), ("server.js", SERVER)]);
    let model = support::analyze_app(&dir);
    assert_eq!(model.services.len(), 1, "a huge package.json is still read");
    assert!(model.unread.is_empty(), "{:?}", model.unread);
}

/// The texts held for a whole app are bounded: past the budget, files are listed as not read (manifests and
/// smaller files first), so memory does not grow with the tree. BENCHMARKS.md shows the peak on large trees.
#[test]
fn total_text_held_is_bounded() {
    let dir = support::app("budget", &[("package.json", EXPRESS), ("server.js", SERVER)]);
    let chunk = format!("// {}\n", "x".repeat(300 * 1024));
    for i in 0..8 {
        support::write(&dir, &format!("lib/part{i}.js"), chunk.as_bytes());
    }
    let options = Options { app_name: "app".into(), text_budget: Some(1024 * 1024), ..Options::default() };
    let model = analyze(&dir, &options).expect("analyze");
    let skipped: Vec<&str> = model
        .unread
        .iter()
        .filter(|u| u.reason.contains("exceed the 1 MiB analyze holds in all"))
        .map(|u| u.path.as_str())
        .collect();
    // The manifest and the small server are read; three parts fit beside them, five do not.
    assert_eq!(skipped, ["lib/part3.js", "lib/part4.js", "lib/part5.js", "lib/part6.js", "lib/part7.js"]);
    assert_eq!(model.services.len(), 1);
    assert!(model.services[0].health_path.is_some(), "server.js was read");
}

#[test]
fn non_utf8_files_are_skipped() {
    let mut bytes = SERVER.as_bytes().to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe, b'x']);
    check_skipped("latin1", &bytes, "not UTF-8");
}

#[cfg(unix)]
#[test]
fn unreadable_files_are_skipped() {
    let dir = support::app("unreadable", &[("package.json", EXPRESS)]);
    std::os::unix::fs::symlink(dir.join("missing.js"), dir.join("server.js")).expect("symlink");
    let model = support::analyze_app(&dir);
    let reason = unread_reason(&model, "server.js");
    assert!(reason.as_deref().is_some_and(|r| r.starts_with("unreadable")), "{reason:?}");
}

/// A pipe where evidence could be, named directly or through a link inside the app, is noted and never opened:
/// opening it would block until a writer comes.
#[cfg(unix)]
#[test]
fn pipes_are_never_opened() {
    let dir = support::app("pipes", &[("package.json", EXPRESS), ("server.js", SERVER)]);
    let made = std::process::Command::new("mkfifo").arg(dir.join("config.json")).arg(dir.join("Procfile")).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    std::os::unix::fs::symlink("config.json", dir.join("settings.yaml")).expect("symlink");
    let (tx, rx) = std::sync::mpsc::channel();
    let app = dir.clone();
    std::thread::spawn(move || {
        let _ = tx.send(support::analyze_app(&app));
    });
    let model = rx.recv_timeout(std::time::Duration::from_secs(60)).expect("analyze blocked on a pipe");
    for path in ["config.json", "Procfile", "settings.yaml"] {
        let reason = unread_reason(&model, path);
        assert!(reason.as_deref().is_some_and(|r| r.starts_with("not a regular file")), "{path}: {reason:?}");
    }
    assert_eq!(model.services.len(), 1);
}

#[cfg(unix)]
#[test]
fn symlinks_outside_the_app_are_not_followed() {
    let outside = support::app("outside", &[("server.js", SERVER), ("lib/health.js", "r.get('/healthz', h);\n")]);
    let dir = support::app("symlinks", &[("package.json", EXPRESS), ("inside.js", "app.get('/ping', h);\n")]);
    std::os::unix::fs::symlink(outside.join("server.js"), dir.join("server.js")).expect("symlink");
    std::os::unix::fs::symlink(outside.join("lib"), dir.join("lib")).expect("symlink");
    // A link to a file inside the app is an ordinary file.
    std::os::unix::fs::symlink(dir.join("inside.js"), dir.join("alias.js")).expect("symlink");
    let model = support::analyze_app(&dir);
    for path in ["server.js", "lib"] {
        let reason = unread_reason(&model, path);
        assert_eq!(reason.as_deref(), Some("symlink to outside the app, not followed"), "{path}");
    }
    let web = &model.services[0];
    assert!(web.ports.is_empty(), "{:?}", web.ports);
    assert_eq!(web.health_path.as_ref().map(|h| h.value.as_str()), Some("/ping"));
    assert!(unread_reason(&model, "alias.js").is_none());
}

#[test]
fn stowage_output_is_never_evidence() {
    let files = [("package.json", EXPRESS), ("server.js", SERVER), ("Dockerfile", "FROM node:20\nEXPOSE 9999\n")];
    let dir = support::app("managed", &files);
    let managed = Options { managed: vec!["Dockerfile".into()], app_name: "app".into(), ..Options::default() };
    let model = analyze(&dir, &managed).expect("analyses");
    assert!(model.existing_container_files.is_empty(), "{:?}", model.existing_container_files);
    let ports: Vec<u16> = model.services[0].ports.iter().filter_map(|p| p.value.number).collect();
    assert_eq!(ports, [3000]);
    // Without the lock entry the same Dockerfile is the app's own, and is evidence.
    let model = support::analyze_app(&dir);
    assert_eq!(model.existing_container_files.len(), 1);
    let ports: Vec<u16> = model.services[0].ports.iter().filter_map(|p| p.value.number).collect();
    assert_eq!(ports, [3000, 9999]);
}

#[test]
fn excluded_paths_are_not_read() {
    let files = [
        ("package.json", EXPRESS),
        ("server.js", SERVER),
        ("vendor-apps/other/go.mod", "module x\n\ngo 1.22\n"),
        ("vendor-apps/other/main.go", "package main\n\nfunc main() {}\n"),
    ];
    let dir = support::app("exclude", &files);
    assert_eq!(support::analyze_app(&dir).services.len(), 2);
    let options = Options { exclude: vec!["vendor-apps/**".into()], app_name: "app".into(), ..Options::default() };
    let model = analyze(&dir, &options).expect("analyses");
    let names: Vec<&str> = model.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["web"]);
}

#[test]
fn nothing_recognisable_names_what_was_looked_for() {
    for (label, files) in [
        ("empty", &[][..]),
        ("readme-only", &[("README.md", "# hello\n")][..]),
        ("library-only", &[("pyproject.toml", "[project]\nname = \"lib\"\n")][..]),
    ] {
        let dir = support::app(label, files);
        let err = analyze(&dir, &Options::default()).expect_err(label);
        let AnalyzeError::NothingFound(message) = &err else { panic!("{label}: {err:?}") };
        for looked_for in [
            "package.json",
            "pyproject.toml",
            "go.mod",
            "Cargo.toml",
            "pom.xml",
            "*.csproj",
            "composer.json",
            "Gemfile",
        ] {
            assert!(message.contains(looked_for), "{label}: {message}");
        }
        if label == "library-only" {
            assert!(message.contains("library"), "{message}");
        }
    }
}

#[test]
fn a_missing_app_folder_is_an_error() {
    let dir = support::temp_app("missing").join("nope");
    let err = analyze(&dir, &Options::default()).expect_err("missing folder");
    assert!(matches!(err, AnalyzeError::Unreadable(ref m) if m.contains("nope")), "{err:?}");
}

fn options_error(value: serde_json::Value, locations: &[(&str, &str)]) -> String {
    let locations: BTreeMap<String, String> = locations.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    match Overrides::parse(Some(&value), &locations) {
        Err(AnalyzeError::Options(m)) => m,
        other => panic!("expected an options error for {value}, got {other:?}"),
    }
}

#[test]
fn wrong_options_name_the_key_and_line() {
    let cases = [
        (serde_json::json!({ "servics": {} }), "stages.analyze.servics", "stowage.toml:4", "is not a known option"),
        (
            serde_json::json!({ "services": { "api": { "prot": 80 } } }),
            "stages.analyze.services.api.prot",
            "stowage.toml:7",
            "is not a known fact",
        ),
        (
            serde_json::json!({ "services": { "api": { "port": "eighty" } } }),
            "stages.analyze.services.api.port",
            "stowage.toml:7",
            "must be a port number",
        ),
        (
            serde_json::json!({ "services": { "api": { "kind": "daemon" } } }),
            "stages.analyze.services.api.kind",
            "stowage.toml:7",
            "must be one of",
        ),
        (
            serde_json::json!({ "services": { "api": { "root": "../x" } } }),
            "stages.analyze.services.api.root",
            "stowage.toml:7",
            "app-relative",
        ),
        (serde_json::json!({ "only": "api" }), "stages.analyze.only", "stowage.toml:4", "list of service names"),
    ];
    for (value, key, location, message) in cases {
        let locations = [(key, location)];
        let error = options_error(value, &locations);
        assert!(error.starts_with(location), "{error}");
        assert!(error.contains(&format!("`{key}`")) && error.contains(message), "{error}");
    }
    // Without a recorded line the message still names the file.
    let error = options_error(serde_json::json!({ "nope": 1 }), &[]);
    assert!(error.starts_with("stowage.toml: `stages.analyze.nope`"), "{error}");
}

/// Malformed, empty and odd manifests never panic: each is skipped with the file named in the reason, or read as
/// far as it makes sense.
#[test]
fn malformed_manifests_do_not_panic() {
    let manifests = [
        "package.json",
        "pyproject.toml",
        "requirements.txt",
        "Pipfile",
        "go.mod",
        "Cargo.toml",
        "pom.xml",
        "build.gradle",
        "settings.gradle",
        "App.csproj",
        "composer.json",
        "Gemfile",
        "Procfile",
        "Dockerfile",
        "docker-compose.yml",
        ".env.example",
        "index.php",
        "public/index.php",
        "config.ru",
        "index.html",
    ];
    let contents = [
        "",
        "{",
        "[",
        "<Project",
        "<project><artifactId>",
        "\u{fffd}\u{1F600}é\"'`\\",
        "module",
        "gem",
        "web:",
        "[[bin]]\nname = 1",
    ];
    for (i, body) in contents.iter().enumerate() {
        let files: Vec<(&str, &str)> = manifests.iter().map(|m| (*m, *body)).collect();
        let dir = support::app(&format!("malformed-{i}"), &files);
        match analyze(&dir, &Options::default()) {
            Ok(model) => {
                for skipped in &model.skipped {
                    assert!(!skipped.reason.is_empty(), "{i}: {skipped:?}");
                }
            }
            Err(AnalyzeError::NothingFound(_)) => {}
            Err(e) => panic!("{i}: unexpected error {e}"),
        }
    }
    let dir = support::app("bad-json", &[("package.json", "{\n  \"name\": \"x\",\n}\n")]);
    let err = analyze(&dir, &Options::default()).expect_err("invalid JSON only");
    assert!(err.to_string().contains("package.json:3 is not valid JSON"), "{err}");
}
