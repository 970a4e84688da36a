//! Team rules (TOML, no Rust) as data: every file of tests/team/invalid/ is refused with the error its first line
//! states (`# expect: file:line:column: message`); the example rules of docs/team-rules/example pass their own
//! examples and their generated docs are current; rules whose examples disagree fail `rules test`; the app of
//! tests/team/app is linted with them and its findings, suppressions and reports are snapshots; rules installed
//! beside the binary load without any configuration.
//! Regenerate the snapshots with `UPDATE_EXPECT=1 cargo test -p stowage-validate --test team`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_stowage-validate");

fn here() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/team")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repository root")
}

fn run(cwd: &Path, args: &[&str]) -> Output {
    Command::new(BIN).args(args).current_dir(cwd).output().expect("run stowage-validate")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Compares `actual` with the committed `path`, or writes it under UPDATE_EXPECT.
fn check(path: &Path, actual: &str, problems: &mut Vec<String>) {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(path, actual).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    if expected != actual {
        let diff = similar_lines(&expected, actual);
        problems.push(format!("{} differs (UPDATE_EXPECT=1 rewrites it):\n{diff}", path.display()));
    }
}

/// The lines only one side has, enough to see what changed.
fn similar_lines(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let mut out = String::new();
    for l in e.iter().filter(|l| !a.contains(l)).take(10) {
        out.push_str(&format!("- {l}\n"));
    }
    for l in a.iter().filter(|l| !e.contains(l)).take(10) {
        out.push_str(&format!("+ {l}\n"));
    }
    out
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stowage-team-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

#[test]
fn invalid_rule_files_are_named_at_their_line() {
    let mut problems = Vec::new();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(here().join("invalid"))
        .expect("tests/team/invalid")
        .map(|e| e.expect("entry").path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 15, "the invalid cases are there");
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let source = std::fs::read_to_string(&case).expect("case");
        let expect = source.lines().next().and_then(|l| l.strip_prefix("# expect: ")).expect("first line: # expect:");
        // Alone in a folder named `rules`, as a team's folder would be.
        let dir = scratch(&format!("invalid-{}", name.trim_end_matches(".toml")));
        std::fs::create_dir(dir.join("rules")).unwrap();
        std::fs::write(dir.join("rules").join(&name), &source).unwrap();
        let out = run(&dir, &["rules", "test", "rules"]);
        let stderr = text(&out.stderr);
        if out.status.code() != Some(2) || !stderr.contains(expect) || !out.stdout.is_empty() {
            problems.push(format!("{name}: expected exit 2 and `{expect}`, got {:?}: {stderr}", out.status.code()));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_example_rules_pass_their_examples_and_their_docs_are_current() {
    let out = run(&repo(), &["rules", "test", "docs/team-rules/example"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.ends_with("7 rules: 7 passed, 0 failed\n"), "{stdout}");
    let out = run(&repo(), &["rules", "docs", "docs/team-rules/example"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut problems = Vec::new();
    check(&repo().join("docs/team-rules/example/README.md"), &text(&out.stdout), &mut problems);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn rules_whose_examples_disagree_fail() {
    let out = run(&here(), &["rules", "test", "failing"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let mut problems = Vec::new();
    check(&here().join("failing.expected"), &text(&out.stdout), &mut problems);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn an_app_is_linted_with_its_team_rules_in_every_format() {
    let app = here().join("app");
    let reports = scratch("reports");
    let sarif = reports.join("r.sarif");
    let junit = reports.join("r.xml");
    let markdown = reports.join("r.md");
    let html = reports.join("r.html");
    let out = run(
        &app,
        &[
            "lint",
            "--format",
            "json",
            "--report",
            &format!("sarif={}", sarif.display()),
            "--report",
            &format!("junit={}", junit.display()),
            "--report",
            &format!("markdown={}", markdown.display()),
            "--report",
            &format!("html={}", html.display()),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    // The team's findings and suppressions, one line each: the built-in rules' are other tests' business.
    let mut lines = String::new();
    for f in json["findings"].as_array().unwrap().iter().filter(|f| f["rule"].as_str().unwrap().starts_with("PLAT-")) {
        lines.push_str(&format!("{} {}:{} {} {}\n", f["rule"], f["file"], f["line"], f["severity"], f["message"]));
    }
    for s in json["suppressed"].as_array().unwrap() {
        lines.push_str(&format!("suppressed {} {}:{} because {}\n", s["rule"], s["file"], s["line"], s["reason"]));
    }
    let mut problems = Vec::new();
    check(&here().join("app.expected"), &lines, &mut problems);
    let read = |p: &Path| std::fs::read_to_string(p).expect("report written");
    let sarif: serde_json::Value = serde_json::from_str(&read(&sarif)).expect("SARIF");
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let plat1 = rules.iter().find(|r| r["id"] == "PLAT-001").expect("PLAT-001 among the SARIF rules");
    assert_eq!(plat1["helpUri"], "https://platform.example.com/rules/PLAT-001");
    assert_eq!(plat1["help"]["text"], "Add `team: <your team>` under the object's `metadata.labels`.");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let suppressed = results
        .iter()
        .find(|r| r["ruleId"] == "PLAT-006" && r.get("suppressions").is_some())
        .expect("the ignored ADD is a suppressed PLAT-006 result");
    assert_eq!(
        suppressed["suppressions"][0]["justification"],
        "the vendor tarball is checked against its checksum in review"
    );
    for (file, needle) in [(&junit, "PLAT-003"), (&markdown, "PLAT-003"), (&html, "PLAT-003")] {
        if !read(file).contains(needle) {
            problems.push(format!("{} does not mention {needle}", file.display()));
        }
    }
    let _ = std::fs::remove_dir_all(&reports);
    // explain prints the page generated from the TOML; an unknown team code is refused like any other.
    let out = run(&app, &["explain", "PLAT-003"]);
    let page = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(page.starts_with("# PLAT-003: Service exposed outside the cluster\n"), "{page}");
    assert!(
        page.contains("In every Service, `spec.type` where set, must match none of `LoadBalancer`, `NodePort`."),
        "{page}"
    );
    let list = text(&run(&app, &["explain"]).stdout);
    assert!(list.contains("## Team rules (7 rules)") && list.contains("| PLAT-007 | Dockerfile | error |"), "{list}");
    let out = run(&app, &["explain", "PLAT-999"]);
    assert_eq!(out.status.code(), Some(2));
    // Disabled in the policy, a team rule is off like a built-in one.
    let policy = scratch("policy");
    std::fs::write(
        policy.join("policy.toml"),
        format!("team_rules = [{:?}]\ndisable = [\"PLAT-002\"]\n", repo().join("docs/team-rules/example").display()),
    )
    .unwrap();
    let out = run(&app, &["lint", "--format", "json", "--policy", &policy.join("policy.toml").display().to_string()]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("PLAT-001") && !stdout.contains("PLAT-002"), "{stdout}{}", text(&out.stderr));
    let _ = std::fs::remove_dir_all(&policy);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Runs a freshly copied binary. Another test's thread may fork while the copy is still open for writing (the
/// child holds the descriptor until it execs), and Linux then refuses to run the file (ETXTBSY) for a moment.
fn run_copied(binary: &Path, args: &[&str], cwd: &Path) -> Output {
    for _ in 0..100 {
        match Command::new(binary).args(args).current_dir(cwd).output() {
            Err(e) if e.raw_os_error() == Some(26) => std::thread::sleep(std::time::Duration::from_millis(20)),
            other => return other.expect("run the copied binary"),
        }
    }
    panic!("{} stayed busy (ETXTBSY) for two seconds", binary.display());
}

#[test]
fn rules_installed_beside_the_binary_load_without_configuration() {
    let prefix = scratch("installed");
    std::fs::create_dir_all(prefix.join("bin")).unwrap();
    std::fs::create_dir_all(prefix.join("share/stowage/rules")).unwrap();
    std::fs::create_dir_all(prefix.join("work")).unwrap();
    let binary = prefix.join("bin/stowage-validate");
    std::fs::copy(BIN, &binary).expect("copy the binary");
    std::fs::copy(
        repo().join("docs/team-rules/example/platform.toml"),
        prefix.join("share/stowage/rules/platform.toml"),
    )
    .unwrap();
    std::fs::write(prefix.join("work/Dockerfile"), "FROM python:3.13-slim\nUSER 10001\n").unwrap();
    let out = run_copied(&binary, &["lint", "--format", "json"], &prefix.join("work"));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("\"rule\": \"PLAT-007\""), "{stdout}{}", text(&out.stderr));
    let out = run_copied(&binary, &["rules", "test"], &prefix.join("work"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("share/stowage/rules/platform.toml:189"));
    let _ = std::fs::remove_dir_all(&prefix);
}

#[test]
fn without_any_rules_the_command_says_where_they_come_from() {
    let dir = scratch("none");
    let out = run(&dir, &["rules", "test"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no team rules found"), "{}", text(&out.stderr));
    let out = run(&dir, &["rules", "frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&dir, &["rules", "test", "missing"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read the team rules folder `missing`"), "{}", text(&out.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}
