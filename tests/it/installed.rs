//! The installed runner: `stowage` with its stage binaries beside it and no Cargo workspace anywhere, as in an app's
//! own CI after `cargo xtask install`.

use std::process::Command;

use crate::support::{Scratch, built, copy_tree, outcome, repo_root, text};

#[test]
fn installed_stowage_finds_its_stages_and_checks_drift() {
    let scratch = Scratch::new("installed");
    let bin = scratch.0.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for name in ["stowage", "stowage-analyze", "stowage-dockerfile", "stowage-orchestrate", "stowage-validate"] {
        std::fs::copy(built().join(name), bin.join(name)).unwrap();
    }
    let stowage = bin.join("stowage");
    // Only the system's folders on PATH: the stages must be found beside `stowage`.
    let path = "/usr/local/bin:/usr/bin:/bin";
    let python = python_executable();

    let output = Command::new(&stowage).args(["stages", "--app"]).arg(&scratch.0).env("PATH", path).output().unwrap();
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains("analyze") && stdout.contains(&format!("installed {}", bin.join("stowage-analyze").display())),
        "{stdout}"
    );
    assert!(stdout.contains("validate"), "{stdout}");

    // An app with an external stage, generated and then drift-checked, from a folder outside any workspace.
    let app = scratch.0.join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(
        app.join("stowage.toml"),
        format!(
            "only = [\"gen\"]\n[[external_stages]]\nname = \"gen\"\ncommand = [{python:?}, {:?}]\n\
             [stages.gen]\nfiles = {{ \"Dockerfile\" = \"FROM scratch\\n\" }}\n",
            repo_root().join("tests/stages/scripted.py").display().to_string()
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        outcome(
            Command::new(&stowage)
                .args(args)
                .current_dir(&app)
                .env("PATH", path)
                .env("XDG_CACHE_HOME", scratch.0.join("cache")),
        )
    };
    let (code, _, stderr) = run(&["containerize"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(app.join("Dockerfile").is_file() && app.join("stowage.lock").is_file());
    // The report goes to the cache, keyed by the app's name and path, never into the app.
    let reports: Vec<_> =
        std::fs::read_dir(scratch.0.join("cache/stowage")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(reports.len(), 1, "{reports:?}");
    let name = reports[0].file_name().unwrap().to_string_lossy().to_string();
    assert!(name.starts_with("app-") && reports[0].join("report.json").is_file(), "{name}");
    assert!(!app.join("report.json").exists());
    let (code, _, stderr) = run(&["containerize", "--check"]);
    assert_eq!(code, Some(0), "{stderr}");
    std::fs::write(app.join("Dockerfile"), "FROM alpine\n").unwrap();
    let (code, stdout, stderr) = run(&["containerize", "--check"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stdout.contains("+FROM scratch") && stderr.contains("`stowage containerize --force`"), "{stdout}{stderr}");

    // A fixture app, through the installed analyze, dockerfile and validate stages.
    let fixture = repo_root().join("tests/fixtures/apps");
    let mut apps: Vec<_> = std::fs::read_dir(&fixture).unwrap().map(|e| e.unwrap().path()).collect();
    apps.sort();
    // The app's folder name is its default name, which the generated files mention: keep it.
    if let Some(first) = apps.first() {
        let copy = scratch.0.join("fixtures").join(first.file_name().unwrap());
        copy_tree(first, &copy);
        let output = Command::new(&stowage)
            .args(["containerize", "--check", "--app"])
            .arg(&copy)
            .env("PATH", path)
            .env("XDG_CACHE_HOME", scratch.0.join("cache"))
            .output()
            .unwrap();
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(0), "{}: {stdout}{stderr}", first.display());
    }
}

/// The real interpreter behind `python3` (a version manager's shim may need more than the restricted PATH).
fn python_executable() -> String {
    let output = Command::new("python3").args(["-c", "import sys; print(sys.executable)"]).output().unwrap();
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

/// Without HOME or XDG_CACHE_HOME, reports go to a private `<temp>/stowage-<uid>` (mode 0700), and a folder of that
/// name that anyone else could have made first is refused, never used as it is.
#[test]
fn installed_stowage_without_a_home_keeps_reports_private() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let scratch = Scratch::new("installed-no-home");
    let bin = scratch.0.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::copy(built().join("stowage"), bin.join("stowage")).unwrap();
    let tmp = scratch.0.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let app = scratch.0.join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(
        app.join("stowage.toml"),
        format!(
            "only = [\"gen\"]\n[[external_stages]]\nname = \"gen\"\ncommand = [{:?}, {:?}]\n\
             [stages.gen]\nfiles = {{ \"Dockerfile\" = \"FROM scratch\\n\" }}\n",
            python_executable(),
            repo_root().join("tests/stages/scripted.py").display().to_string()
        ),
    )
    .unwrap();
    let run = || {
        outcome(
            Command::new(bin.join("stowage"))
                .args(["containerize", "--check"])
                .current_dir(&app)
                .env_clear()
                .env("PATH", "/usr/local/bin:/usr/bin:/bin")
                .env("TMPDIR", &tmp),
        )
    };
    let (code, _, stderr) = run();
    assert_eq!(code, Some(1), "{stderr}");
    let uid = std::fs::metadata(&scratch.0).unwrap().uid();
    let private = tmp.join(format!("stowage-{uid}"));
    let meta = std::fs::symlink_metadata(&private).unwrap_or_else(|e| panic!("{}: {e}; {stderr}", private.display()));
    assert_eq!(meta.permissions().mode() & 0o777, 0o700);
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 1, "only the private folder");
    let reports: Vec<_> = std::fs::read_dir(&private).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(reports.len() == 1 && reports[0].join("report.json").is_file(), "{reports:?}");
    // Open to everyone, as another user could have made it before this one ran: refused.
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o777)).unwrap();
    let (code, _, stderr) = run();
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("is not a private folder of yours") && stderr.contains("--report-dir"), "{stderr}");
}

/// Every `stowage-*` on PATH is asked to describe itself (npm scripts put node_modules/.bin there): one that hangs is
/// skipped with a warning after a timeout, and `lint` and `explain` look up only the validate stage.
#[test]
fn installed_stowage_survives_a_hanging_executable_on_path() {
    use std::os::unix::fs::PermissionsExt;
    let scratch = Scratch::new("installed-hang");
    let bin = scratch.0.join("bin");
    let other = scratch.0.join("node_modules/.bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&other).unwrap();
    for name in ["stowage", "stowage-validate"] {
        std::fs::copy(built().join(name), bin.join(name)).unwrap();
    }
    let hang = other.join("stowage-hang");
    std::fs::write(&hang, "#!/bin/sh\nexec sleep 30\n").unwrap();
    std::fs::set_permissions(&hang, std::fs::Permissions::from_mode(0o755)).unwrap();
    let dockerfile = scratch.0.join("Dockerfile");
    std::fs::write(&dockerfile, "FROM debian:12\n").unwrap();
    let path = format!("{}:/usr/local/bin:/usr/bin:/bin", other.display());
    // Runs with a deadline: (exit code, stderr, seconds taken).
    let timed = |args: &[&str]| {
        let started = std::time::Instant::now();
        let mut child = Command::new(bin.join("stowage"))
            .args(args)
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        while child.try_wait().unwrap().is_none() {
            if started.elapsed().as_secs() > 25 {
                let _ = child.kill();
                panic!("`stowage {}` hangs on a `stowage-*` executable that never answers", args.join(" "));
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let output = child.wait_with_output().unwrap();
        (output.status.code(), text(&output).1, started.elapsed().as_secs_f64())
    };
    let (code, stderr, took) = timed(&["lint", "--fail-on", "never", dockerfile.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(took < 4.0 && !stderr.contains("stowage-hang"), "lint asked other executables: {took} s, {stderr}");
    let (code, stderr, took) = timed(&["explain", "DF002"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(took < 4.0, "explain asked other executables: {took} s");
    let (code, stderr, _) = timed(&["stages", "--app", scratch.0.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("stowage-hang") && stderr.contains("did not answer within 5 s"), "{stderr}");
}
