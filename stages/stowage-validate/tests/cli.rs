//! The binary's command line: `lint` exit codes and formats, `explain`, the ignore comments and policy file end to
//! end, and the stage mode with a context written the way the runner writes it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use stowage_kit::{App, Config, Context, FailOn, Mode, StagedFile, Thresholds};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_stowage-validate"))
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stowage-validate-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let Output { status, stdout, stderr } = cmd.output().expect("run stowage-validate");
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

const GOOD_DOCKERFILE: &str = "FROM alpine:3.20\nUSER 10001\nHEALTHCHECK CMD [\"true\"]\nCMD [\"sh\"]\n";

#[test]
fn lint_exit_codes_and_json() {
    let dir = tmp("exit");
    write(&dir, "clean/Dockerfile", GOOD_DOCKERFILE);
    write(&dir, "dirty/Dockerfile", "FROM alpine:latest\nUSER 10001\nHEALTHCHECK CMD [\"true\"]\n");
    write(&dir, "broken/compose.yaml", "services:\n  web: [\n");

    let (code, out, _) = run(bin().args(["lint"]).arg(dir.join("clean")));
    assert_eq!(code, 0, "{out}");

    let (code, out, _) = run(bin().args(["lint", "--format", "json"]).arg(dir.join("dirty")));
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).expect("json output");
    let f = &json["findings"][0];
    assert_eq!(f["rule"], "DF002");
    assert_eq!(f["severity"], "warning");
    assert_eq!((f["line"].as_u64(), f["column"].as_u64()), (Some(1), Some(6)));
    assert!(f["file"].as_str().unwrap().ends_with("dirty/Dockerfile"));
    assert!(f["message"].as_str().unwrap().contains("latest"));

    // A malformed file is a finding with a location: exit 1.
    let (code, out, _) = run(bin().args(["lint"]).arg(dir.join("broken")));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error[GN001]") && out.contains("compose.yaml:3:"), "{out}");

    let (code, _, err) = run(bin().args(["lint"]).arg(dir.join("nope")));
    assert_eq!(code, 2);
    assert!(err.contains("does not exist"), "{err}");
    let (code, _, err) = run(bin().args(["lint", "--format", "xml"]).arg(&dir));
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = run(bin().args(["lint", "--bogus"]));
    assert_eq!(code, 2);
}

#[test]
fn human_output_points_at_the_source() {
    let dir = tmp("human");
    write(&dir, "Dockerfile", "FROM alpine:latest\nUSER 10001\nHEALTHCHECK CMD [\"true\"]\n");
    let out_file = dir.join("report.txt");
    let (code, stdout, _) = run(bin().args(["lint", "--output"]).arg(&out_file).arg(dir.join("Dockerfile")));
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    let text = std::fs::read_to_string(&out_file).expect("report written");
    assert!(text.contains("warning[DF002]: `alpine:latest` uses the `latest` tag"), "{text}");
    assert!(text.contains("1 | FROM alpine:latest\n  |      ^"), "{text}");
    assert!(text.contains("= help: Pin a release tag"), "{text}");
}

#[test]
fn ignores_and_policy() {
    let dir = tmp("ignores");
    write(
        &dir,
        "Dockerfile",
        "# hadolint ignore=DL3007\nFROM alpine:latest\nUSER 10001\nHEALTHCHECK CMD [\"true\"]\n\
         # stowage: ignore[DF019] the build script needs it\nRUN cd /tmp && ls\nRUN cd /srv\n",
    );
    let (code, out, _) = run(bin().args(["lint", "--format", "json"]).arg(dir.join("Dockerfile")));
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    let rules: Vec<(String, u64)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap().to_string(), f["line"].as_u64().unwrap()))
        .collect();
    assert!(!rules.iter().any(|(r, _)| r == "DF002"), "hadolint ignore honoured: {rules:?}");
    assert_eq!(rules.iter().filter(|(r, _)| r == "DF019").collect::<Vec<_>>(), [&("DF019".to_string(), 7)]);
    assert_eq!(code, 1);

    write(
        &dir,
        "policy.toml",
        "disable = [\"DF019\", \"DF084\"]\nfail_on = \"error\"\n[severity]\nDF008 = \"error\"\n",
    );
    let (code, out, _) = run(bin()
        .args(["lint", "--format", "json", "--policy"])
        .arg(dir.join("policy.toml"))
        .arg(dir.join("Dockerfile")));
    assert_eq!(code, 0, "{out}");
    // An unknown code is named with the line it is on.
    write(&dir, "bad-policy.toml", "disable = [\"DF019\"]\n\n[severity]\nDF008 = \"error\"\nXX999 = \"info\"\n");
    let (code, _, err) =
        run(bin().args(["lint", "--policy"]).arg(dir.join("bad-policy.toml")).arg(dir.join("Dockerfile")));
    assert_eq!(code, 2);
    assert!(err.contains("bad-policy.toml:5: unknown rule `XX999`"), "{err}");
}

#[test]
fn explain() {
    let (code, out, _) = run(bin().args(["explain", "DF002"]));
    assert_eq!(code, 0);
    assert!(out.starts_with("# DF002: base image uses the `latest` tag"), "{out}");
    assert!(out.contains("`DL3007`") && out.contains("`CKV_DOCKER_7`"));
    let (code, _, err) = run(bin().args(["explain", "NOPE1"]));
    assert_eq!(code, 2);
    assert!(err.contains("unknown rule"));
    let (code, out, _) = run(bin().arg("explain"));
    assert_eq!(code, 0);
    assert!(out.contains("| [KS001](KS001.md)"));
}

fn context(root: &Path, staged: Vec<StagedFile>, options: Option<serde_json::Value>, fail_on: FailOn) -> Context {
    let mut stage_options = BTreeMap::new();
    if let Some(o) = options {
        stage_options.insert("validate".to_string(), o);
    }
    Context {
        contract_version: stowage_kit::CONTRACT_VERSION,
        stowage_version: "0.1.0".into(),
        stage: "validate".into(),
        mode: Mode::Apply,
        app: App { root: root.to_path_buf(), name: "shop".into() },
        config: Config {
            name: "shop".into(),
            profile: "production".into(),
            unmanaged: vec![],
            exclude: vec!["vendor/**".into()],
            thresholds: Thresholds { fail_on, stage_timeout_seconds: 60 },
            compliance: vec![],
            external_stages: vec![],
            stage_options,
            key_locations: BTreeMap::new(),
        },
        facts: BTreeMap::new(),
        staged,
        managed: vec![],
    }
}

fn run_stage(dir: &Path, ctx: &Context) -> (i32, serde_json::Value, String) {
    let ctx_path = dir.join("context.json");
    std::fs::write(&ctx_path, serde_json::to_string(ctx).unwrap()).unwrap();
    let report = dir.join("report.json");
    let (code, _, err) =
        run(bin().arg("--context").arg(&ctx_path).arg("--out").arg(dir.join("out")).arg("--report").arg(&report));
    let json = std::fs::read_to_string(&report).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default();
    (code, json, err)
}

#[test]
fn stage_mode_checks_staged_and_own_files() {
    let dir = tmp("stage");
    let app = dir.join("app");
    write(&app, "Dockerfile", "FROM alpine:latest\nUSER 10001\nHEALTHCHECK CMD [\"true\"]\n");
    write(&app, "vendor/lib/Dockerfile", "FROM alpine:latest\n");
    write(&app, "node_modules/x/Dockerfile", "FROM alpine:latest\n");
    write(&app, "deploy/app.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: NodePort\n");
    write(&dir, "staged/compose.yaml", "services:\n  web:\n    image: web:latest\n");
    // A staged file replaces the app's own copy of the same path.
    write(&dir, "staged/Dockerfile", GOOD_DOCKERFILE);
    let staged = vec![
        StagedFile {
            path: "compose.yaml".into(),
            stage: "compose".into(),
            source: dir.join("staged/compose.yaml"),
            unmanaged: false,
        },
        StagedFile {
            path: "Dockerfile".into(),
            stage: "dockerfile".into(),
            source: dir.join("staged/Dockerfile"),
            unmanaged: false,
        },
    ];
    let ctx = context(&app, staged.clone(), None, FailOn::Warning);
    let (code, report, err) = run_stage(&dir, &ctx);
    assert_eq!(code, 1, "{err}");
    let findings = report["findings"].as_array().expect("findings");
    let files: std::collections::BTreeSet<&str> = findings.iter().map(|f| f["file"].as_str().unwrap()).collect();
    assert_eq!(files.into_iter().collect::<Vec<_>>(), ["compose.yaml", "deploy/app.yaml"], "{findings:?}");
    assert!(findings.iter().any(|f| f["rule"] == "CP023" && f["line"] == 3));
    assert_eq!(report["facts"]["files_checked"], 3);

    // Options from [stages.validate]: a policy that silences everything below error passes at fail_on=error.
    let opts = serde_json::json!({ "disable": ["CP023"], "severity": { "KS056": "info" } });
    let (code, report, err) = run_stage(&dir, &context(&app, staged.clone(), Some(opts), FailOn::Error));
    assert_eq!(code, 0, "{err} {report}");
    let (code, _, err) =
        run_stage(&dir, &context(&app, staged, Some(serde_json::json!({ "disable": ["NOPE"] })), FailOn::Error));
    assert_eq!(code, 2);
    assert!(err.contains("unknown rule `NOPE`"), "{err}");
}

#[test]
fn describe() {
    let (code, out, _) = run(bin().arg("--describe"));
    assert_eq!(code, 0);
    let d: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(d["name"], "validate");
    assert_eq!(d["kind"], "gate");
}

#[test]
fn lint_reads_stages_validate_from_stowage_toml() {
    let dir = tmp("stowage-toml");
    write(&dir, "Dockerfile", "FROM alpine:latest\nUSER 10001\nHEALTHCHECK CMD [\"true\"]\n");
    let (code, _, _) = run(bin().args(["lint", "Dockerfile"]).current_dir(&dir));
    assert_eq!(code, 1);
    write(&dir, "stowage.toml", "[app]\nname = \"shop\"\n\n[stages.validate]\ndisable = [\"DF002\"]\n");
    let (code, out, err) = run(bin().args(["lint", "Dockerfile"]).current_dir(&dir));
    assert_eq!(code, 0, "{out}{err}");
    // Mistakes are reported at their line of stowage.toml.
    write(&dir, "stowage.toml", "[app]\nname = \"shop\"\n\n[stages.validate]\ndisable = [\"NOPE9\"]\n");
    let (code, _, err) = run(bin().args(["lint"]).current_dir(&dir));
    assert_eq!(code, 2);
    assert!(err.contains("stowage.toml:5: unknown rule `NOPE9`"), "{err}");
    write(&dir, "stowage.toml", "[stages.validate]\nfail_on = \"warning\"\ndisable = \"DF002\"\n");
    let (code, _, err) = run(bin().args(["lint"]).current_dir(&dir));
    assert_eq!(code, 2);
    assert!(err.contains("invalid stowage.toml") && err.contains("line 3"), "{err}");
}

/// `lint --help` and `explain --help` print their own usage with every flag and the exit codes, and exit 0; the
/// text is embedded in docs/cli.md, so two runs must print the same bytes.
#[test]
fn help_texts_document_flags_and_exit_codes() {
    let (code, out, _) = run(bin().args(["lint", "--help"]));
    assert_eq!(code, 0);
    for needle in ["--format", "--output", "--policy", "--fail-on", "--help", "exit codes:", "  0  ", "  1  ", "  2  "]
    {
        assert!(out.contains(needle), "lint --help lacks `{needle}`:\n{out}");
    }
    assert_eq!(run(bin().args(["lint", "-h"])).1, out, "lint --help must be deterministic and match -h");
    assert!(out.lines().all(|l| l.len() <= 120), "lint --help has lines over 120 characters:\n{out}");
    let (code, out, _) = run(bin().args(["explain", "--help"]));
    assert_eq!(code, 0);
    assert!(out.starts_with("usage: stowage-validate explain"), "{out}");
    assert!(out.contains("exit codes:"), "{out}");
}

/// Standard output that cannot be written is an error (exit 2) that says so, never a panic; a reader that stops
/// early (`| head`) is not an error at all: the run ends quietly with its usual exit code.
#[test]
fn unwritable_standard_output_is_not_a_crash() {
    let dir = tmp("stdout");
    write(&dir, "Dockerfile", "FROM alpine:latest\n");
    let closed_pipe = || {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        writer
    };
    let (code, _, err) = run(bin().args(["lint"]).arg(dir.join("Dockerfile")).stdout(closed_pipe()));
    assert_eq!((code, err.as_str()), (1, ""), "lint into a closed pipe");
    let (code, _, err) = run(bin().arg("explain").stdout(closed_pipe()));
    assert_eq!((code, err.as_str()), (0, ""), "explain into a closed pipe");
    if let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") {
        let (code, _, err) = run(bin().args(["lint"]).arg(dir.join("Dockerfile")).stdout(full));
        assert_eq!(code, 2, "{err}");
        assert!(err.starts_with("error: cannot write standard output: "), "{err}");
    }
}

/// `--output` replaces its file in one step, leaves nothing behind when the run fails, and never overwrites a file
/// it is checking.
#[test]
fn output_file_is_atomic_and_never_an_input() {
    let dir = tmp("output");
    write(&dir, "app/Dockerfile", "FROM alpine:latest\n");
    let listing = |d: &Path| {
        let mut names: Vec<String> =
            std::fs::read_dir(d).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    };

    for output in [dir.join("app/Dockerfile"), dir.join("app/../app/./Dockerfile")] {
        let (code, out, err) = run(bin().args(["lint", "--output"]).arg(&output).arg(dir.join("app")));
        assert_eq!(code, 2, "{out}{err}");
        assert!(err.contains("is one of the files being checked") && err.contains("Dockerfile"), "{err}");
        assert_eq!(std::fs::read_to_string(dir.join("app/Dockerfile")).unwrap(), "FROM alpine:latest\n");
    }

    // A failed run (exit 2) writes nothing, and a folder in the way leaves no temporary file beside it.
    let (code, _, _) = run(bin().args(["lint", "--output"]).arg(dir.join("report.txt")).arg(dir.join("nope")));
    assert_eq!(code, 2);
    std::fs::create_dir_all(dir.join("taken")).unwrap();
    let (code, _, err) = run(bin().args(["lint", "--output"]).arg(dir.join("taken")).arg(dir.join("app")));
    assert_eq!(code, 2, "{err}");
    assert!(err.starts_with("error: cannot write ") && err.contains("taken"), "{err}");
    assert_eq!(listing(&dir), ["app", "taken"]);

    // On success the report replaces the old file whole.
    write(&dir, "report.txt", &"old report\n".repeat(1000));
    let (code, _, _) = run(bin().args(["lint", "--output"]).arg(dir.join("report.txt")).arg(dir.join("app")));
    assert_eq!(code, 1);
    let report = std::fs::read_to_string(dir.join("report.txt")).unwrap();
    assert!(report.starts_with("warning[") && !report.contains("old report"), "{report}");
    assert_eq!(listing(&dir), ["app", "report.txt", "taken"]);
}

/// Paths that are not regular files: a symlink named on the command line is checked like its file; the walk
/// checks regular files only, so a symlink loop cannot trap it; a FIFO or device named on the command line is
/// reported as unreadable (GN002) instead of being read forever or passing silently; a UTF-8 byte order mark does
/// not hide a manifest or a Dockerfile.
#[cfg(unix)]
#[test]
fn special_files_are_checked_or_reported() {
    let dir = tmp("special");
    write(&dir, "real/api.Dockerfile", "FROM alpine:latest\n");
    std::os::unix::fs::symlink("real/api.Dockerfile", dir.join("linked-Dockerfile")).unwrap();
    std::os::unix::fs::symlink("..", dir.join("real/loop")).unwrap();
    let (code, out, err) = run(bin().args(["lint", "--format", "json"]).arg(dir.join("linked-Dockerfile")));
    assert_eq!(code, 1, "{out}{err}");
    let (code, out, err) = run(bin().args(["lint", "--format", "json", "real"]).current_dir(&dir));
    assert_eq!(code, 1, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(json["files_checked"], 1, "{out}");

    let fifo_dir = dir.join("fifo");
    std::fs::create_dir_all(&fifo_dir).unwrap();
    let status = Command::new("mkfifo").arg(fifo_dir.join("Dockerfile")).status();
    if status.is_ok_and(|s| s.success()) {
        std::os::unix::fs::symlink("/dev/zero", fifo_dir.join("zero.Dockerfile")).unwrap();
        let (code, out, err) = run(bin()
            .args(["lint", "--format", "json"])
            .arg(fifo_dir.join("Dockerfile"))
            .arg(fifo_dir.join("zero.Dockerfile"))
            .arg("/dev/null"));
        assert_eq!(code, 1, "{out}{err}");
        let json: serde_json::Value = serde_json::from_str(&out).expect("json");
        let found: Vec<(&str, &str)> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["rule"].as_str().unwrap(), f["message"].as_str().unwrap()))
            .collect();
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found.iter().all(|(r, m)| *r == "GN002" && m.contains("not a regular file")), "{found:?}");
    }

    let manifest =
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  type: NodePort\n";
    write(&dir, "bom/app.yaml", &format!("\u{feff}{manifest}"));
    write(&dir, "bom/other", "\u{feff}FROM alpine:latest\n");
    for path in [dir.join("bom"), dir.join("bom/app.yaml"), dir.join("bom/other")] {
        let (code, out, _) = run(bin().args(["lint", "--format", "json"]).arg(&path));
        assert_eq!(code, 1, "{}: {out}", path.display());
    }
    // A file named on the command line that is none of the kinds checked is said so, and passes.
    write(&dir, "README.md", "# shop\n");
    let (code, out, err) = run(bin().args(["lint"]).arg(dir.join("README.md")));
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("README.md is not a Dockerfile, compose file, Kubernetes manifest or Helm chart"), "{err}");
    assert!(out.contains("0 files checked"), "{out}");
}

/// YAML that would take unbounded time to check is a finding or quick: a mapping with many keys is checked in
/// about linear time (duplicate keys were found by comparing every pair).
#[test]
fn wide_yaml_mappings_are_checked_quickly() {
    let dir = tmp("wide");
    let mut text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: y\ndata:\n".to_string();
    for i in 0..60_000 {
        text.push_str(&format!("  key{i}: value\n"));
    }
    text.push_str("  key7: again\n");
    write(&dir, "cm.yaml", &text);
    let started = std::time::Instant::now();
    let (code, out, err) = run(bin().args(["lint", "--format", "json"]).arg(dir.join("cm.yaml")));
    let took = started.elapsed();
    assert!(out.contains("duplicate key `key7` (first at line 14)"), "{out}{err}");
    assert_eq!(code, 1);
    // Generous for an unoptimised build on a busy machine; comparing every pair took minutes.
    assert!(took.as_secs() < 20, "checking 60,000 keys took {took:?}");
}

#[test]
fn secret_values_never_reach_the_output() {
    let dir = tmp("secrets");
    let app = dir.join("app");
    // Every form a secret takes in these files; the values must not appear in any output, in any format.
    let secrets = [
        "hunter2",
        "ghp_abc123",
        "Docker!",
        "s3cr3t words",
        "k8s-literal",
        "flow-literal",
        "before-name",
        "compose-flow",
        "spaced-colon",
        "url-password",
        "basic-password",
        "bearer-token",
        "IOSFODNN7EXAMPLE",
        "MIIpemBodyLine",
    ];
    write(
        &app,
        "Dockerfile",
        "FROM alpine:3.20\nENV DB_PASSWORD=hunter2 PORT=80\nARG GITHUB_TOKEN=\"ghp_abc123\"\n\
         ENV API_TOKEN=\"s3cr3t words\"\nRUN echo \"root:Docker!\" | chpasswd\n\
         ADD https://deploy:url-password@files.example.com/app.tgz /srv/\n\
         RUN curl -fsSL -u admin:basic-password https://files.example.com/x | sh\n\
         RUN curl -H \"Authorization: Bearer bearer-token\" https://api.example.com/x | sh\n\
         RUN echo AKIAIOSFODNN7EXAMPLE | tee /k\n\
         RUN printf -- \"-----BEGIN RSA PRIVATE KEY-----\\nMIIpemBodyLine\\n-----END RSA PRIVATE KEY-----\" | tee /k\n\
         USER 10001\n",
    );
    write(
        &app,
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n    environment:\n      DB_PASSWORD: hunter2\n      \
         db_password : spaced-colon\n  api:\n    image: nginx:1.27\n    environment: {API_TOKEN: compose-flow}\n",
    );
    write(
        &app,
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n      image: nginx:1.27\n      \
         env:\n        - name: DB_PASSWORD\n          value: k8s-literal\n        - {name: API_TOKEN, value: flow-literal}\n        \
         - value: before-name\n          name: SESSION_SECRET\n      \
         volumeMounts:\n        - name: key\n          mountPath: /k\n  volumes:\n    - name: key\n      secret:\n        \
         secretName: key\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  key.pem: |\n    \
         -----BEGIN PRIVATE KEY-----\n    MIIpemBodyLine\n    -----END PRIVATE KEY-----\n",
    );
    let mut outputs = Vec::new();
    for format in ["human", "json"] {
        let (code, out, err) = run(bin().args(["lint", "--format", format]).arg(&app));
        assert_eq!(code, 1, "{err}");
        // The findings are there; only the values are not.
        for rule in ["DF037", "DF078", "CP024", "KS047"] {
            assert!(out.contains(rule), "{format} output lacks {rule}:\n{out}");
        }
        outputs.push(out + &err);
    }
    let (_, report, err) = run_stage(&dir, &context(&app, Vec::new(), None, FailOn::Error));
    outputs.push(report.to_string() + &err);
    for text in outputs {
        for secret in secrets {
            assert!(!text.contains(secret), "`{secret}` is shown:\n{text}");
        }
    }
}

/// Runs `cmd`, failing the test (not hanging it) when it does not finish in a minute: reading a pipe blocks, and
/// quadratic work on a large input runs for minutes.
fn run_bounded(cmd: &mut Command) -> (i32, String, String) {
    let child = cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().expect("run");
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(std::time::Duration::from_secs(60)) {
        Ok(output) => {
            let Output { status, stdout, stderr } = output.expect("wait");
            let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
            (status.code().unwrap_or(-1), text(stdout), text(stderr))
        }
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(id.to_string()).status();
            panic!(
                "{cmd:?} did not finish in a minute (blocked on a pipe, reading a device without end, or work that grows faster than its input)"
            );
        }
    }
}

/// Only regular files inside the app are read: a chart's values.yaml linked to /dev/zero, a pipe named
/// values.schema.json, a template linked to a file outside the app and a folder that cannot be listed are GN002
/// findings (the run fails), never read, in `lint` and in the validate stage.
#[cfg(unix)]
#[test]
fn only_regular_files_inside_the_app_are_read() {
    let dir = tmp("regular-only");
    let app = dir.join("app");
    write(
        &dir,
        "outside/deployment.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: outside-content\n",
    );
    write(&app, "chart/Chart.yaml", "apiVersion: v2\nname: web\nversion: 1.0.0\n");
    std::fs::create_dir_all(app.join("chart/templates")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", app.join("chart/values.yaml")).unwrap();
    std::os::unix::fs::symlink(dir.join("outside/deployment.yaml"), app.join("chart/templates/deployment.yaml"))
        .unwrap();
    std::os::unix::fs::symlink(dir.join("outside/deployment.yaml"), app.join("linked.yaml")).unwrap();
    let fifo = Command::new("mkfifo").arg(app.join("chart/values.schema.json")).arg(app.join("Dockerfile")).status();
    assert!(fifo.is_ok_and(|s| s.success()), "mkfifo");
    // A folder whose path is longer than the system allows cannot be listed, even by root (permissions cannot
    // stop root).
    let deep = "d".repeat(200);
    let made = Command::new("sh")
        .arg("-c")
        .arg(format!("mkdir deep && cd -P deep && for i in $(seq 24); do mkdir {deep} && cd -P {deep} || exit 1; done"))
        .current_dir(&app)
        .status();
    assert!(made.is_ok_and(|s| s.success()), "deep folders");
    let expected = [
        ("Dockerfile", "not a regular file (a named pipe)"),
        ("chart/templates/deployment.yaml", "a symbolic link to outside the app"),
        ("chart/values.schema.json", "not a regular file (a named pipe)"),
        ("chart/values.yaml", "a symbolic link to outside the app"),
        ("linked.yaml", "a symbolic link to outside the app"),
    ];
    let check = |label: &str, code: i32, findings: Vec<(String, String, String)>, text: &str| {
        assert_eq!(code, 1, "{label}: {text}");
        assert!(!text.contains("outside-content"), "{label}: a file outside the app was read:\n{text}");
        let gn002: Vec<&(String, String, String)> = findings.iter().filter(|(r, _, _)| r == "GN002").collect();
        for (file, why) in expected {
            assert!(
                gn002.iter().any(|(_, f, m)| f.ends_with(file) && m.contains(why)),
                "{label}: no GN002 `{why}` for {file}: {gn002:?}"
            );
        }
        assert!(
            gn002.iter().any(|(_, f, m)| f.contains("deep/") && m.contains("cannot list folder")),
            "{label}: the folder that cannot be listed is not reported: {gn002:?}"
        );
    };
    let (code, out, err) = run_bounded(bin().args(["lint", "--format", "json"]).arg(&app));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    let findings = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    check("lint", code, findings, &(out.clone() + &err));
    let (code, out, err) = run_bounded(bin().args(["lint"]).arg(&app));
    assert_eq!(code, 1, "{out}{err}");
    assert!(!out.contains("outside-content") && out.contains("GN002"), "{out}");

    let ctx = context(&app, Vec::new(), None, FailOn::Error);
    let ctx_path = dir.join("context.json");
    std::fs::write(&ctx_path, serde_json::to_string(&ctx).unwrap()).unwrap();
    let report_path = dir.join("report.json");
    let (code, _, err) = run_bounded(
        bin().arg("--context").arg(&ctx_path).arg("--out").arg(dir.join("out")).arg("--report").arg(&report_path),
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).expect("report")).expect("report json");
    let findings = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    check("validate stage", code, findings, &(report.to_string() + &err));
}

/// `--baseline`: findings of a saved report are not reported and do not fail the run; new ones do. And checkov's
/// skip comments silence the mapped rules, as suppressions with their reason.
#[test]
fn baseline_and_checkov_skips() {
    let dir = tmp("baseline");
    write(&dir, "Dockerfile", "FROM python:latest\nCMD python app.py\n");
    let saved = dir.join("saved.json");
    let (code, _, _) =
        run(bin().current_dir(&dir).args(["lint", "--format", "json", "-o"]).arg(&saved).arg("Dockerfile"));
    assert_eq!(code, 1);
    let (code, out, err) = run(bin().current_dir(&dir).args(["lint", "--baseline"]).arg(&saved).arg("Dockerfile"));
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("of the baseline") && out.contains("0 errors, 0 warnings, 0 infos"), "{out}{err}");
    // A new finding (ADD of a local file, DF011) is reported and fails; the saved ones stay quiet, lines moved or not.
    write(&dir, "Dockerfile", "FROM python:latest\nADD app.py /app/\nCMD python app.py\n");
    let (code, out, _) =
        run(bin().current_dir(&dir).args(["lint", "--format", "json", "--baseline"]).arg(&saved).arg("Dockerfile"));
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rules: Vec<&str> = json["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["DF011"]);
    write(&dir, "bad.json", "{\"findings\": 3}");
    let (code, _, err) = run(bin().current_dir(&dir).args(["lint", "--baseline", "bad.json", "Dockerfile"]));
    assert_eq!(code, 2);
    assert!(err.contains("baseline bad.json is not a JSON report"), "{err}");
    // checkov:skip for CKV_DOCKER_4 (ADD instead of COPY) silences DF011, which the JSON lists as suppressed.
    write(
        &dir,
        "Dockerfile",
        "FROM python:3.12\n# checkov:skip=CKV_DOCKER_4:vendored tarball checked upstream\nADD app.py /app/\n",
    );
    let (_, out, _) = run(bin().current_dir(&dir).args(["lint", "--format", "json", "Dockerfile"]));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(json["findings"].as_array().unwrap().iter().all(|f| f["rule"] != "DF011"), "{out}");
    let suppressed = &json["suppressed"][0];
    assert_eq!(
        (suppressed["rule"].as_str(), suppressed["reason"].as_str()),
        (Some("DF011"), Some("vendored tarball checked upstream"))
    );
}

/// The human output splits each file into lines once, not once per finding: 5,000 Pods give about 100,000 findings,
/// which print in a few seconds, where splitting the 45,000-line source again for each finding (issue 9, item 11) ran for
/// minutes. Not a timing figure: the bound is a watchdog twenty times over the linear run, far under the quadratic.
#[test]
fn human_output_of_a_large_file_is_linear() {
    let dir = tmp("many-pods");
    let pod = |i: usize| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\nspec:\n  containers:\n    - name: c\n      image: nginx\n"
        )
    };
    let text: Vec<String> = (0..5000).map(pod).collect();
    write(&dir, "pods.yaml", &text.join("---\n"));
    let (code, stdout, stderr) = run_bounded(bin().arg("lint").arg(dir.join("pods.yaml")));
    assert_eq!(code, 1, "{stderr}");
    // Every Pod's findings are shown with their source line, the last Pod's too.
    assert!(stdout.contains("pods.yaml:44999:"), "{}", &stdout[stdout.len().saturating_sub(2000)..]);
    assert!(stdout.matches("image: nginx").count() >= 5000);
}
