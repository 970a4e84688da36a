//! Templates: the generated reference is current, every variable a template receives is documented, an app's
//! override changes the output and its header, and a broken override is an error at its file:line.

use std::path::{Path, PathBuf};

use stowage_kit::{App, Config, Context, FailOn, Mode, Run, StageError, Thresholds};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn the_reference_is_current() {
    let path = repo().join("docs/dockerfile.md");
    let text = stowage_dockerfile::docs::render();
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&path).unwrap_or_default(),
        text,
        "docs/dockerfile.md is stale: run `UPDATE_EXPECT=1 cargo test -p stowage-dockerfile --test templates`"
    );
}

/// Copies a fixture app into a scratch folder.
fn scratch_app(fixture: &str, tag: &str) -> PathBuf {
    let dest = std::env::temp_dir().join(format!("stowage-templates-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dest);
    let src = repo().join("tests/fixtures/apps").join(fixture);
    copy(&src, &dest);
    // Without its lock the app's generated files would read as its own, which the stage leaves alone.
    for name in ["Dockerfile", "Dockerfile.dev", ".dockerignore", "stowage.lock"] {
        let _ = std::fs::remove_file(dest.join(name));
    }
    dest
}

fn copy(src: &Path, dest: &Path) {
    std::fs::create_dir_all(dest).unwrap();
    for entry in std::fs::read_dir(src).unwrap().flatten() {
        let to = dest.join(entry.file_name());
        if entry.path().is_dir() {
            copy(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
}

/// Runs analyze then the dockerfile stage in-process; returns the staged files or the stage's error.
fn run(app: &Path) -> Result<Files, StageError> {
    run_with_notes(app).map(|(files, _)| files)
}

/// (file name, text) of each staged file.
type Files = Vec<(String, String)>;

fn run_with_notes(app: &Path) -> Result<(Files, Vec<String>), StageError> {
    let options = stowage_analyze::Options { app_name: "app".into(), ..Default::default() };
    let model = stowage_analyze::analyze(app, &options).unwrap();
    let config = Config {
        name: "app".into(),
        profile: "production".into(),
        unmanaged: vec![],
        exclude: vec![],
        thresholds: Thresholds { fail_on: FailOn::Error, stage_timeout_seconds: 60 },
        compliance: vec![],
        external_stages: vec![],
        stage_options: Default::default(),
        key_locations: Default::default(),
    };
    let ctx = Context {
        contract_version: stowage_kit::CONTRACT_VERSION,
        stowage_version: "test".into(),
        stage: "dockerfile".into(),
        mode: Mode::Check,
        app: App { root: app.to_path_buf(), name: "app".into() },
        config,
        facts: [("analyze".to_string(), serde_json::to_value(&model).unwrap())].into_iter().collect(),
        staged: vec![],
        managed: vec![],
    };
    let out = app.with_extension("out");
    let _ = std::fs::remove_dir_all(&out);
    let mut stage = Run::new(ctx, out.clone());
    stowage_dockerfile::run_stage(&mut stage)?;
    let mut files = Vec::new();
    for name in ["Dockerfile", "Dockerfile.dev", ".dockerignore"] {
        if let Ok(text) = std::fs::read_to_string(out.join(name)) {
            files.push((name.to_string(), text));
        }
    }
    Ok((files, stage.report.notes.clone()))
}

/// The node-dockerfile fixture has its own Dockerfile; go-gin its own .dockerignore: the stage writes nothing there
/// and says so.
#[test]
fn an_apps_own_files_are_left_alone() {
    for (fixture, own, written) in [
        ("node-dockerfile", "Dockerfile", [".dockerignore", "Dockerfile.dev"]),
        ("go-gin", ".dockerignore", ["Dockerfile", "Dockerfile.dev"]),
    ] {
        let app = scratch_app(fixture, "own");
        std::fs::copy(repo().join("tests/fixtures/apps").join(fixture).join(own), app.join(own)).unwrap();
        let (files, notes) = run_with_notes(&app).unwrap();
        let names: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(names.iter().filter(|n| written.contains(n)).count(), 2, "{fixture}: {names:?}");
        assert!(!names.contains(&own), "{fixture}: the app's own {own} was written over");
        assert!(
            notes
                .iter()
                .any(|n| n.starts_with(&format!("`{own}` is the app's own")) && n.contains(&format!("--adopt {own}"))),
            "{fixture}: {notes:?}"
        );
    }
}

#[test]
fn an_override_changes_the_output_and_the_header() {
    let app = scratch_app("node-express", "override");
    let built_in = run(&app).unwrap();
    assert!(built_in[0].1.contains("# Template: node.Dockerfile.j2 (built in)"));
    std::fs::create_dir_all(app.join(".stowage/templates")).unwrap();
    std::fs::write(
        app.join(".stowage/templates/node.Dockerfile.j2"),
        "# Template: {{ template }}\nFROM registry.example.com/base/node:{{ line }}\nUSER {{ uid }}:{{ gid }}\nCMD {{ command | exec }}\n",
    )
    .unwrap();
    let files = run(&app).unwrap();
    let dockerfile = &files.iter().find(|f| f.0 == "Dockerfile").unwrap().1;
    assert_eq!(
        dockerfile,
        "# Template: .stowage/templates/node.Dockerfile.j2 (this app's override of the built-in template)\n\
         FROM registry.example.com/base/node:18\nUSER 10001:10001\nCMD [\"node\", \"server.js\"]\n"
    );
    // The other templates are still the built-in ones.
    assert!(files.iter().find(|f| f.0 == "Dockerfile.dev").unwrap().1.contains("dev.Dockerfile.j2 (built in)"));
}

#[test]
fn a_broken_override_is_an_error_at_its_line() {
    let app = scratch_app("python-flask", "broken");
    std::fs::create_dir_all(app.join(".stowage/templates")).unwrap();
    std::fs::write(app.join(".stowage/templates/python.Dockerfile.j2"), "FROM x\n\n{% if %}\nCMD y\n").unwrap();
    match run(&app) {
        Err(StageError::BadInput(message)) => {
            assert!(
                message.starts_with(".stowage/templates/python.Dockerfile.j2:3: broken template override"),
                "{message}"
            )
        }
        other => panic!("expected a bad-input error, got {other:?}", other = other.map(|_| ())),
    }
    // A template that compiles but reads a variable that does not exist fails at render, at its line too.
    std::fs::write(app.join(".stowage/templates/python.Dockerfile.j2"), "FROM x\nCMD {{ no_such_variable }}\n")
        .unwrap();
    match run(&app) {
        Err(StageError::BadInput(message)) => {
            assert!(
                message.starts_with(".stowage/templates/python.Dockerfile.j2:2: broken template override"),
                "{message}"
            )
        }
        other => panic!("expected a bad-input error, got {other:?}", other = other.map(|_| ())),
    }
}

/// Every variable the templates receive is in the reference, and the reference names no variable that is gone.
#[test]
fn every_variable_is_documented() {
    let dir = repo().join("stages/stowage-analyze/tests/expected");
    let model: stowage_model::Model =
        serde_json::from_str(&std::fs::read_to_string(dir.join("node-express.json")).unwrap()).unwrap();
    let plans = stowage_dockerfile::recipe::plan(
        &model,
        &stowage_dockerfile::Knowledge::embedded(),
        &Default::default(),
        &|_| false,
    )
    .unwrap();
    let vars = serde_json::to_value(&plans[0].vars).unwrap();
    let mut received: Vec<String> = vars.as_object().unwrap().keys().cloned().collect();
    received.extend(["template".to_string(), "path".to_string()]);
    received.sort();
    let mut documented: Vec<String> = stowage_dockerfile::recipe::VARIABLES.iter().map(|v| v.0.to_string()).collect();
    documented.sort();
    assert_eq!(received, documented);
}

/// A scratch app made of the given files (no fixture), for cases the fixtures do not cover.
fn synthetic_app(tag: &str, files: &[(&str, &str)]) -> PathBuf {
    let dest = std::env::temp_dir().join(format!("stowage-templates-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dest);
    for (path, text) in files {
        let path = dest.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dest
}

/// Two architectures, checked on the text: Go and Rust compile on `$BUILDPLATFORM` for the target (Go's `GOARCH`
/// from `TARGETARCH`, Rust's `--target` from it); with native dependencies (cgo, a `-sys` crate) the build runs on
/// the target's platform; Node and Python dependency stages always do (their packages may hold native code).
#[test]
fn builds_run_on_the_right_platform() {
    let cgo = synthetic_app(
        "cgo",
        &[
            ("go.mod", "module example.com/cgo\n\ngo 1.24\n"),
            (
                "main.go",
                "package main\n\n// #include <stdlib.h>\nimport \"C\"\n\nimport \"net/http\"\n\nfunc main() {\n\thttp.ListenAndServe(\":8080\", nil)\n}\n",
            ),
        ],
    );
    let sys = synthetic_app(
        "sys",
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"web\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nopenssl-sys = \"0.9\"\naxum = \"0.7\"\n",
            ),
            ("src/main.rs", "fn main() {\n    let _ = \"0.0.0.0:3000\";\n}\n"),
        ],
    );
    // A `-sys` crate that links a system library: installed to build, and the runtime is Debian slim with it.
    let pq = synthetic_app(
        "pq",
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"web\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\npq-sys = \"0.6\"\naxum = \"0.7\"\n",
            ),
            ("src/main.rs", "fn main() {\n    let _ = \"0.0.0.0:3000\";\n}\n"),
        ],
    );
    // (app, cross-compiles on the builder's platform, text the build stage must carry)
    let cases: Vec<(PathBuf, bool, &[&str])> = vec![
        (scratch_app("go-nethttp", "arch-go"), true, &["GOOS=$TARGETOS GOARCH=$TARGETARCH", "CGO_ENABLED=0"]),
        (scratch_app("rust-axum", "arch-rust"), true, &["TARGETARCH", "--target"]),
        (cgo, false, &["CGO_ENABLED=1", "distroless/cc"]),
        (sys, false, &[]),
        (
            pq,
            false,
            &[
                "install -y --no-install-recommends libpq-dev",
                "FROM ${REGISTRY}debian:trixie-slim AS runtime",
                "libpq5 ca-certificates",
                "/usr/bin/tini",
            ],
        ),
        (scratch_app("node-express", "arch-node"), false, &[]),
        (scratch_app("python-flask", "arch-python"), false, &[]),
    ];
    for (app, cross, needles) in cases {
        let files = run(&app).unwrap();
        let dockerfile = &files.iter().find(|f| f.0 == "Dockerfile").unwrap().1;
        let on_builder = dockerfile.lines().any(|l| l.starts_with("FROM --platform=$BUILDPLATFORM"));
        assert_eq!(
            on_builder,
            cross,
            "{}: FROM --platform=$BUILDPLATFORM {}expected\n{dockerfile}",
            app.display(),
            if cross { "" } else { "not " }
        );
        for needle in needles {
            assert!(dockerfile.contains(needle), "{}: lacks `{needle}`\n{dockerfile}", app.display());
        }
    }
}

/// Next.js `output: 'standalone'`: an app at its build context's root ships the traced server; a workspace member,
/// whose standalone folder mirrors the workspace's layout, keeps the whole build with production dependencies.
#[test]
fn next_standalone_only_at_the_context_root() {
    let config = "module.exports = { output: 'standalone' };\n";
    let package = r#"{"name":"web","scripts":{"build":"next build","start":"next start"},"dependencies":{"next":"14.2.5","react":"18.3.1","react-dom":"18.3.1"}}"#;
    let alone = synthetic_app(
        "next-alone",
        &[("package.json", package), ("next.config.js", config), ("pages/index.js", "export default () => null;\n")],
    );
    let files = run(&alone).unwrap();
    let dockerfile = &files.iter().find(|f| f.0 == "Dockerfile").unwrap().1;
    for needle in [
        "COPY --from=build /app/.next/standalone ./",
        "COPY --from=build /app/.next/static ./.next/static",
        "ENV HOSTNAME=0.0.0.0",
        "CMD [\"node\", \"server.js\"]",
        "next.config.js:1",
    ] {
        assert!(dockerfile.contains(needle), "lacks `{needle}`\n{dockerfile}");
    }
    assert!(!dockerfile.contains("npm prune"), "the standalone output needs no pruning\n{dockerfile}");

    let member = synthetic_app(
        "next-member",
        &[
            ("package.json", r#"{"name":"mono","private":true,"workspaces":["web"]}"#),
            ("web/package.json", package),
            ("web/next.config.js", config),
            ("web/pages/index.js", "export default () => null;\n"),
        ],
    );
    run(&member).unwrap();
    let dockerfile = std::fs::read_to_string(member.with_extension("out").join("web/Dockerfile")).unwrap();
    assert!(!dockerfile.contains(".next/standalone"), "a member keeps the whole build\n{dockerfile}");
    assert!(dockerfile.contains("COPY --from=build /app ./"), "{dockerfile}");
    assert!(dockerfile.contains("npm prune --omit=dev"), "{dockerfile}");
}

/// What each decision-table row's fixture must show in its generated production Dockerfile: the row's choice, read in
/// the committed output (drift-checked against the stage), so a row cannot name a fixture that does not exercise it.
const ROW_FIXTURES: &[(&str, &str, &[&str])] = &[
    ("Go", "go-nethttp", &["distroless/static", "CGO_ENABLED=0", "$BUILDPLATFORM"]),
    ("Rust", "rust-axum", &["distroless/cc", "--target \"$target\"", "$BUILDPLATFORM", "tini-static"]),
    ("Python", "python-flask", &["/opt/venv", "pip install"]),
    ("Python", "python-fastapi-uv", &["/opt/venv", "uv sync"]),
    ("Node", "node-express", &["tini", "--omit=dev"]),
    ("Node", "node-vite-spa", &["AS build", "npm run build"]),
    (
        "Node",
        "node-nextjs-standalone",
        &["COPY --from=build /app/.next/standalone ./", "HOSTNAME=0.0.0.0", "\"server.js\""],
    ),
    ("Java", "java-spring-maven", &["maven:", "jarmode=tools", "-jre-"]),
    ("Java", "java-gradle-multi", &["gradle:", "jarmode=tools", "-jre-"]),
    ("Java", "java-plain-jdk", &["javac", "jdeps --print-module-deps", "jlink", "distroless/java-base"]),
    (".NET", "dotnet-aspnet", &["dotnet publish", "-a \"$TARGETARCH\"", "chiseled"]),
    ("PHP", "php-slim", &["-apache-", "Listen 8080", "--no-dev", "FallbackResource", "APACHE_RUN_DIR=/tmp"]),
    ("PHP", "php-plain", &["-apache-", "Listen 8080", "FallbackResource"]),
    ("Ruby", "ruby-sinatra", &["-slim-", "bundle install"]),
    ("Static", "static-site", &["nginx-unprivileged", "EXPOSE 8080"]),
];

/// The production Dockerfiles under a fixture (its image may be built from a subfolder: its build root).
fn dockerfiles(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            dockerfiles(&path, out);
        } else if entry.file_name() == "Dockerfile" {
            out.push(path);
        }
    }
}

#[test]
fn every_decision_row_has_a_fixture_that_shows_it() {
    let docs = stowage_dockerfile::docs::render();
    let table = docs.split("## Decision table").nth(1).unwrap().split("\n## ").next().unwrap();
    let mut named = Vec::new();
    for row in table.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| Language")) {
        let cells: Vec<&str> = row.trim_matches('|').split(" | ").map(str::trim).collect();
        let fixtures: Vec<&str> = cells.last().unwrap().split(';').map(|f| f.trim().trim_matches('`')).collect();
        assert!(fixtures.iter().all(|f| !f.is_empty() && *f != "-"), "decision row without a fixture: {row}");
        for fixture in fixtures {
            named.push((cells[0].to_string(), fixture.to_string()));
        }
    }
    let expected: Vec<(String, String)> =
        ROW_FIXTURES.iter().map(|(lang, fixture, _)| (lang.to_string(), fixture.to_string())).collect();
    assert_eq!(named, expected, "the decision table's fixtures and this test's ROW_FIXTURES differ");
    for (lang, fixture, markers) in ROW_FIXTURES {
        let mut found = Vec::new();
        dockerfiles(&repo().join("tests/fixtures/apps").join(fixture), &mut found);
        assert!(!found.is_empty(), "{lang}: fixture {fixture} has no generated Dockerfile");
        let texts: Vec<String> = found.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect();
        for marker in *markers {
            assert!(
                texts.iter().any(|t| t.contains(marker)),
                "{lang} row: no Dockerfile of fixture {fixture} shows `{marker}`"
            );
        }
    }
}
