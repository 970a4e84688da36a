//! `verify-check`: the verify gate's real matrix. Each fixture of `tests/verify/matrix.toml` is copied to a
//! temporary folder and containerized with `--verify` on a real engine, from the local stand-in base images; every
//! image must build and every service it runs must become healthy under full hardening. Where the matrix asks, a
//! canary secret is planted in the copy (no layer, report or output may hold it) and the cache is exercised (a
//! source edit must reuse the dependency step, a lockfile edit must rerun it). `cargo test` never needs an engine:
//! the gate's logic is tested there against a scripted one.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Deserialize;

use crate::cli::VerifyCheckArgs;
use crate::failure::{Failure, Result};
use crate::home::Home;

/// The matrix is sized to finish within this on 2 cores from cold stand-ins; the time taken is printed beside it.
const BUDGET_SECONDS: u64 = 15 * 60;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Matrix {
    #[serde(default)]
    pub fixture: Vec<Entry>,
    #[serde(default)]
    pub not_buildable: Vec<NotBuildable>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub name: String,
    #[serde(default)]
    pub canary: bool,
    pub cache: Option<Cache>,
    /// Build the Dockerfile's `build` stage for this platform too (`linux/arm64`) and check the binary it copies
    /// out is for that machine: Go compiles on the build platform for the target, with no emulation.
    #[serde(default)]
    pub cross: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cache {
    pub source: String,
    pub lockfile: String,
    /// Text of the dependency step's instruction (`pip install`, `go mod download`).
    pub dependency_step: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotBuildable {
    pub name: String,
    pub reason: String,
}

pub const MATRIX: &str = "tests/verify/matrix.toml";

pub fn read_matrix(root: &Path) -> Result<Matrix> {
    let path = root.join(MATRIX);
    let text = crate::failure::read_to_string(&path)?;
    toml::from_str(&text).map_err(|e| Failure::usage(format!("{}: {e}", path.display())))
}

/// A canary no output may ever hold: if it shows up anywhere, a secret reached a layer, a report or a log.
const CANARY: &str = "stowage-canary-7c1f9e0a2b";

pub fn run(home: &Home, args: &VerifyCheckArgs) -> Result<i32> {
    let root = home.root().expect("verify-check runs in the workspace").to_path_buf();
    let matrix = read_matrix(&root)?;
    let selected: Vec<&Entry> = matrix
        .fixture
        .iter()
        .filter(|e| args.only.as_ref().is_none_or(|only| only.iter().any(|o| o == &e.name)))
        .collect();
    if let Some(only) = &args.only {
        for name in only {
            if !matrix.fixture.iter().any(|e| &e.name == name) {
                return Err(Failure::usage(format!("--only: `{name}` is not a fixture of {MATRIX}")));
            }
        }
    }
    let xtask = std::env::current_exe().map_err(|e| Failure::crash(format!("cannot find the xtask binary: {e}")))?;
    let scratch = root.join("target/verify-check");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).map_err(|e| Failure::crash(format!("{}: {e}", scratch.display())))?;
    // The engine the gate picks (`--engine`, else the first that answers); the gate itself says when there is none.
    let engine = crate::standins::engine(args.engine.as_deref()).unwrap_or_else(|_| "podman".into());
    let storage = Storage::find(&engine);
    if let Some(storage) = &storage {
        eprintln!("verify-check: {}", storage.describe(&engine));
    }
    let started = Instant::now();
    let mut failures = Vec::new();
    let mut rows = Vec::new();
    for entry in selected {
        eprintln!("verify-check: {}", entry.name);
        let before = image_ids(&engine);
        let mut result = check_fixture(&root, &xtask, &scratch, entry, args);
        remove_new_images(&engine, &before);
        // Only a failure of the engine's own storage is tried again, once, on a storage the fixture's images have
        // left: a build or a probe that fails is the fixture's, and is never retried. The retry is said in the table.
        if let Err(why) = &result
            && let Some(cause) = engine_storage_error(why)
        {
            eprintln!(
                "verify-check: {}: the engine's storage failed ({cause}); trying the fixture once more",
                entry.name
            );
            let _ = std::fs::remove_dir_all(scratch.join(&entry.name));
            result = check_fixture(&root, &xtask, &scratch, entry, args).map(|mut r| {
                r.push(format!(
                    "| {} | retry | the first try failed in the engine's storage: {cause} | | | | |",
                    entry.name
                ));
                r
            });
            remove_new_images(&engine, &before);
        }
        match result {
            Ok(mut r) => rows.append(&mut r),
            Err(why) => {
                let free = storage.as_ref().map(|s| format!("\n    ({})", s.describe(&engine))).unwrap_or_default();
                failures.push(format!("{}: {why}{free}", entry.name))
            }
        }
    }
    let elapsed = started.elapsed().as_secs();
    println!("| fixture | image | build | size | service | probe | healthy in |");
    println!("|---|---|---|---|---|---|---|");
    for row in &rows {
        println!("{row}");
    }
    for nb in &matrix.not_buildable {
        println!("not buildable here: {}: {}", nb.name, nb.reason);
    }
    println!("verify-check: {} s of a {} s budget", elapsed, BUDGET_SECONDS);
    if elapsed > BUDGET_SECONDS {
        failures.push(format!("the matrix took {elapsed} s, over its budget of {BUDGET_SECONDS} s"));
    }
    let _ = std::fs::remove_dir_all(&scratch);
    if failures.is_empty() {
        println!("verify-check: every fixture built and ran healthy under full hardening");
        return Ok(0);
    }
    for f in &failures {
        eprintln!("verify-check: FAILED {f}");
    }
    Ok(1)
}

/// Where the engine keeps its images, to say how much room it has: a build that fails for want of disk says so.
struct Storage {
    root: PathBuf,
}

impl Storage {
    fn find(engine: &str) -> Option<Storage> {
        let out =
            std::process::Command::new(engine).args(["info", "--format", "{{.Store.GraphRoot}}"]).output().ok()?;
        let root = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (out.status.success() && !root.is_empty()).then(|| Storage { root: PathBuf::from(root) })
    }

    /// The free space of the file system the storage is on, from POSIX `df -P`, in MiB.
    fn free_mib(&self) -> Option<u64> {
        let out = std::process::Command::new("df").arg("-Pk").arg(&self.root).output().ok()?;
        parse_df_available_kib(&String::from_utf8_lossy(&out.stdout)).map(|kib| kib / 1024)
    }

    fn describe(&self, engine: &str) -> String {
        match self.free_mib() {
            Some(mib) => format!("{engine} keeps its images in {}, with {mib} MiB free", self.root.display()),
            None => format!("{engine} keeps its images in {}", self.root.display()),
        }
    }
}

/// The `Available` column of `df -P`'s one data line.
fn parse_df_available_kib(text: &str) -> Option<u64> {
    text.lines().nth(1)?.split_whitespace().nth(3)?.parse().ok()
}

/// The images a fixture's builds could leave behind: the tagged ones and the dangling ones. Listing every
/// intermediate image (`images -a`) takes seconds per call on an engine with hundreds of them; these two lists take
/// a fraction of one.
fn image_ids(engine: &str) -> std::collections::BTreeSet<String> {
    let list = |args: &[&str]| crate::standins::engine_words(engine, args);
    let mut ids: std::collections::BTreeSet<String> = list(&["images", "-q", "--no-trunc"]).into_iter().collect();
    ids.extend(list(&["images", "-a", "-q", "--no-trunc", "--filter", "dangling=true"]));
    ids
}

/// Removes the images a fixture's builds made, so that the matrix needs the disk of one fixture at a time rather
/// than of all of them: a CI machine's disk is not ours to fill. Removing an image removes the intermediate images
/// only it used; a build stage's last layer is left dangling, and goes in the next round. Images there before the
/// fixture, the stand-in bases among them, are kept.
fn remove_new_images(engine: &str, before: &std::collections::BTreeSet<String>) {
    for _ in 0..8 {
        let new: Vec<String> = image_ids(engine).difference(before).cloned().collect();
        if new.is_empty() {
            return;
        }
        let mut args = vec!["rmi", "-f"];
        args.extend(new.iter().map(String::as_str));
        crate::standins::engine_words(engine, &args);
    }
}

/// The line of a failure that says the engine's storage failed (a full disk, a layer it could not commit), which
/// is the machine's and not the fixture's.
fn engine_storage_error(failure: &str) -> Option<String> {
    const MARKS: [&str; 3] =
        ["no space left on device", "committing container for step", "copying layers and metadata"];
    let line = failure.lines().find(|l| MARKS.iter().any(|m| l.contains(m)))?;
    let mark = MARKS.iter().find(|m| line.contains(**m))?;
    Some(if failure.contains(MARKS[0]) { MARKS[0].to_string() } else { (*mark).to_string() })
}

/// One containerize run with the gate over `app`; its report and everything it printed.
pub(crate) struct GateRun {
    pub(crate) code: Option<i32>,
    output: String,
    report: serde_json::Value,
    report_text: String,
}

pub(crate) fn gate(
    xtask: &Path,
    app: &Path,
    reports: &Path,
    args: &VerifyCheckArgs,
) -> std::result::Result<GateRun, String> {
    let _ = std::fs::remove_dir_all(reports);
    let json = reports.with_extension("json");
    let mut command = std::process::Command::new(xtask);
    command
        .arg("containerize")
        .arg("--app")
        .arg(app)
        .arg("--verify")
        .arg("--base-registry")
        .arg(&args.base_registry)
        .arg("--report-dir")
        .arg(reports)
        .arg("--report")
        .arg(format!("json={}", json.display()));
    if let Some(engine) = &args.engine {
        command.arg("--engine").arg(engine);
    }
    // podman-compose, for the compose smoke test, is one of the judges (`cargo xtask judges`).
    if let Some(venv_bin) = xtask.parent().and_then(|d| d.parent()).map(|t| t.join("judges/venv/bin")) {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs: Vec<std::path::PathBuf> = vec![venv_bin];
        dirs.extend(std::env::split_paths(&path));
        if let Ok(joined) = std::env::join_paths(dirs) {
            command.env("PATH", joined);
        }
    }
    let out = command.output().map_err(|e| format!("cannot run {}: {e}", xtask.display()))?;
    let output = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let report_text = std::fs::read_to_string(&json).unwrap_or_default();
    let report = serde_json::from_str(&report_text).unwrap_or(serde_json::Value::Null);
    Ok(GateRun { code: out.status.code(), output, report, report_text })
}

impl GateRun {
    /// The run's findings as (rule, message).
    pub(crate) fn findings(&self) -> Vec<(String, String)> {
        self.report["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| (f["rule"].as_str().unwrap_or("").to_string(), f["message"].as_str().unwrap_or("").to_string()))
            .collect()
    }

    /// The last line of the run's output that starts with `error`.
    pub(crate) fn last_error(&self) -> String {
        self.output.lines().map(str::trim).rfind(|l| l.starts_with("error")).unwrap_or_default().to_string()
    }
}

pub(crate) fn measurements(run: &GateRun) -> Vec<serde_json::Value> {
    run.report["facts"]["verify"]["measurements"].as_array().cloned().unwrap_or_default()
}

fn check_fixture(
    root: &Path,
    xtask: &Path,
    scratch: &Path,
    entry: &Entry,
    args: &VerifyCheckArgs,
) -> std::result::Result<Vec<String>, String> {
    let source = root.join("tests/fixtures/apps").join(&entry.name);
    if !source.is_dir() {
        return Err(format!("no fixture at {}", source.display()));
    }
    let app = scratch.join(&entry.name);
    copy_tree(&source, &app).map_err(|e| format!("copying the fixture: {e}"))?;
    if entry.canary {
        std::fs::write(app.join(".env"), format!("API_TOKEN={CANARY}\n")).map_err(|e| e.to_string())?;
        std::fs::create_dir_all(app.join("keys")).map_err(|e| e.to_string())?;
        std::fs::write(
            app.join("keys/deploy.pem"),
            format!("-----BEGIN PRIVATE KEY-----\n{CANARY}\n-----END PRIVATE KEY-----\n"),
        )
        .map_err(|e| e.to_string())?;
    }
    let reports = scratch.join(format!("{}-reports", entry.name));
    let first = gate(xtask, &app, &reports, args)?;
    let fail = |run: &GateRun, why: &str| {
        let tail: Vec<&str> = run.output.lines().rev().take(25).collect::<Vec<_>>().into_iter().rev().collect();
        format!("{why} (exit {:?}); its output ends with:\n    {}", run.code, tail.join("\n    "))
    };
    if first.code != Some(0) {
        return Err(fail(&first, "the gate failed"));
    }
    let images = measurements(&first);
    if images.is_empty() {
        return Err(fail(&first, "the gate measured no image"));
    }
    let mut rows = Vec::new();
    for image in &images {
        if image["built"] != true {
            return Err(fail(&first, &format!("`{}` did not build", image["image"])));
        }
        for service in image["services"].as_array().into_iter().flatten() {
            let probe = service["probe"].as_str().unwrap_or("");
            if service["healthy"] != true && !probe.starts_with("not ") {
                return Err(fail(&first, &format!("service {} is not healthy", service["service"])));
            }
            let alone = service["healthy"] == true && !probe.starts_with("with ");
            let server = matches!(service["kind"].as_str(), Some("web" | "static"));
            let mut kube_row = None;
            match &service["kube"] {
                serde_json::Value::Null if alone && server => {
                    return Err(fail(&first, &format!("service {} was not run under kube play", service["service"])));
                }
                serde_json::Value::Null => {}
                kube if kube["healthy"] != true => {
                    return Err(fail(
                        &first,
                        &format!("service {} is not healthy under kube play", service["service"]),
                    ));
                }
                kube => {
                    kube_row = Some(format!(
                        "| {} | {} | kube | | {} | {} | {} |",
                        entry.name,
                        image["image"].as_str().unwrap_or(""),
                        service["service"].as_str().unwrap_or(""),
                        kube["probe"].as_str().unwrap_or(""),
                        kube["start_to_healthy_ms"].as_u64().map_or("-".into(), |ms| format!("{ms} ms")),
                    ))
                }
            }
            rows.push(format!(
                "| {} | {} | {:.1} s | {:.1} MB | {} | {} | {} |",
                entry.name,
                image["image"].as_str().unwrap_or(""),
                image["build_seconds"].as_f64().unwrap_or(0.0),
                image["size_bytes"].as_f64().unwrap_or(0.0) / 1e6,
                service["service"].as_str().unwrap_or(""),
                probe,
                service["start_to_healthy_ms"].as_u64().map_or("-".into(), |ms| format!("{ms} ms")),
            ));
            rows.extend(kube_row);
        }
    }
    if entry.canary {
        if !first.report_text.contains("no layer of") {
            return Err(fail(&first, "the gate did not search the layers for the planted secret files"));
        }
        let mut everything = first.output.clone();
        everything.push_str(&first.report_text);
        for file in walk(&reports) {
            everything.push_str(&String::from_utf8_lossy(&std::fs::read(&file).unwrap_or_default()));
        }
        if everything.contains(CANARY) {
            return Err(fail(&first, "the planted canary secret appears in the output or the report folder"));
        }
    }
    if let Some(cache) = &entry.cache {
        append_line(&app.join(&cache.source), &comment_for(&cache.source))?;
        let second = gate(xtask, &app, &reports, args)?;
        if second.code != Some(0) {
            return Err(fail(&second, "the rebuild after a source edit failed"));
        }
        let rebuilt = rebuilt_steps(&second);
        if rebuilt.iter().any(|s| s.contains(&cache.dependency_step)) {
            return Err(format!(
                "after a one-line edit of {}, the dependency step (`{}`) ran again instead of coming from the \
                 cache; steps that ran: {rebuilt:?}",
                cache.source, cache.dependency_step
            ));
        }
        if rebuilt.is_empty() {
            return Err(format!("after an edit of {}, no step ran: the source is not in the image", cache.source));
        }
        append_line(&app.join(&cache.lockfile), &comment_for(&cache.lockfile))?;
        let third = gate(xtask, &app, &reports, args)?;
        if third.code != Some(0) {
            return Err(fail(&third, "the rebuild after a lockfile edit failed"));
        }
        let rebuilt = rebuilt_steps(&third);
        if !rebuilt.iter().any(|s| s.contains(&cache.dependency_step)) {
            return Err(format!(
                "after an edit of {}, the dependency step (`{}`) came from the cache; steps that ran: {rebuilt:?}",
                cache.lockfile, cache.dependency_step
            ));
        }
        rows.push(format!(
            "| {} | cache | source edit: dependency step cached; lockfile edit: rerun | | | | |",
            entry.name
        ));
    }
    if entry.canary {
        // `clean` removes what the gate left in the engine for the app, images included.
        let out = std::process::Command::new(xtask)
            .arg("clean")
            .arg("--app")
            .arg(&app)
            .output()
            .map_err(|e| format!("cannot run clean: {e}"))?;
        let engine = args.engine.clone().unwrap_or_else(|| "podman".into());
        let left = std::process::Command::new(&engine)
            .args(["images", "--format", "{{.Repository}}"])
            .output()
            .map_err(|e| format!("cannot run {engine}: {e}"))?;
        let left = String::from_utf8_lossy(&left.stdout).into_owned();
        let prefix = format!("stowage-verify/{}/", entry.name);
        if !out.status.success() || left.lines().any(|l| l.trim_start_matches("localhost/").starts_with(&prefix)) {
            return Err(format!(
                "`clean` left the gate's images in the engine (exit {:?}): {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        rows.push(format!("| {} | clean | the gate's containers and images removed by `clean` | | | | |", entry.name));
    }
    if let Some(platform) = &entry.cross {
        let machine = cross_build(&app, platform, args)?;
        rows.push(format!("| {} | cross | {platform}: the build stage's binary is {machine} | | | | |", entry.name));
    }
    let _ = std::fs::remove_dir_all(&app);
    Ok(rows)
}

/// Builds the `build` stage of the app's Dockerfile for `platform` on this machine's platform, copies the binary the
/// runtime stage takes from it, and returns the ELF machine it is for (an error when it is not `platform`'s).
fn cross_build(app: &Path, platform: &str, args: &VerifyCheckArgs) -> std::result::Result<String, String> {
    let engine = args.engine.clone().unwrap_or_else(|| "podman".into());
    let dockerfile = std::fs::read_to_string(app.join("Dockerfile")).map_err(|e| format!("Dockerfile: {e}"))?;
    let binary = dockerfile
        .lines()
        .find_map(|l| l.strip_prefix("COPY --from=build "))
        .and_then(|rest| rest.split_whitespace().next())
        .ok_or("the Dockerfile copies no binary from its build stage")?
        .to_string();
    let arch = platform.rsplit('/').next().unwrap_or(platform);
    let native = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    let tag = "localhost/stowage-verify-cross/build:latest";
    let run = |cmd_args: &[&str]| -> std::result::Result<String, String> {
        let out = std::process::Command::new(&engine)
            .args(cmd_args)
            .output()
            .map_err(|e| format!("cannot run {engine}: {e}"))?;
        if !out.status.success() {
            let log = String::from_utf8_lossy(&out.stderr);
            let tail: Vec<&str> = log.lines().rev().take(10).collect::<Vec<_>>().into_iter().rev().collect();
            return Err(format!("`{engine} {}` failed:\n    {}", cmd_args[0], tail.join("\n    ")));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let registry = format!("REGISTRY={}", args.base_registry);
    let build_platform = format!("BUILDPLATFORM=linux/{native}");
    let target_arch = format!("TARGETARCH={arch}");
    let context = app.display().to_string();
    let file = app.join("Dockerfile").display().to_string();
    // podman 4.3 resolves `FROM --platform=$BUILDPLATFORM` to the local image only when BUILDPLATFORM is passed.
    run(&[
        "build",
        "--pull=never",
        "--platform",
        platform,
        "--target",
        "build",
        "--build-arg",
        &registry,
        "--build-arg",
        &build_platform,
        "--build-arg",
        "TARGETOS=linux",
        "--build-arg",
        &target_arch,
        "-f",
        &file,
        "-t",
        tag,
        &context,
    ])?;
    let container = run(&["create", tag, "/nonexistent"])?;
    let dest = app.join("cross-binary");
    let copied = run(&["cp", &format!("{container}:{binary}"), &dest.display().to_string()]);
    let _ = run(&["rm", "-f", &container]);
    let _ = run(&["rmi", "-f", tag]);
    copied?;
    let bytes = std::fs::read(&dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    let machine = elf_machine(&bytes).ok_or(format!("{binary} is not an ELF file"))?;
    let expected = match arch {
        "arm64" => "AArch64",
        "amd64" => "x86-64",
        other => other,
    };
    if machine != expected {
        return Err(format!("{binary} built for {platform} is an {machine} binary, not {expected}"));
    }
    Ok(machine.to_string())
}

/// The machine an ELF file is for, from its header's `e_machine`.
fn elf_machine(bytes: &[u8]) -> Option<&'static str> {
    if bytes.len() < 20 || &bytes[..4] != b"\x7fELF" {
        return None;
    }
    let e_machine = if bytes[5] == 1 {
        u16::from_le_bytes([bytes[18], bytes[19]])
    } else {
        u16::from_be_bytes([bytes[18], bytes[19]])
    };
    Some(match e_machine {
        0x3e => "x86-64",
        0xb7 => "AArch64",
        0x28 => "ARM",
        0xf3 => "RISC-V",
        0x16 => "s390",
        0x15 => "PowerPC64",
        _ => "another machine",
    })
}

fn rebuilt_steps(run: &GateRun) -> Vec<String> {
    measurements(run)
        .iter()
        .flat_map(|m| m["rebuilt_steps"].as_array().cloned().unwrap_or_default())
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

/// A line that changes a file's bytes and nothing it means, different on every run: the engine's cache holds the
/// layers of earlier runs, and the same edit again would rightly come from it.
fn comment_for(file: &str) -> String {
    let nonce = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    match file.rsplit('.').next() {
        Some("py" | "txt" | "toml" | "lock") => format!("# verify-check edit {nonce}"),
        // JSON takes no comment: the edit is a field no tool reads, unique to this run.
        Some("json") => format!("{{\"stowageVerifyCheck\": \"{nonce}\","),
        _ => format!("// verify-check edit {nonce}"),
    }
}

fn append_line(path: &Path, line: &str) -> std::result::Result<(), String> {
    let mut text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    // A JSON edit opens the top-level object with its field instead of following it.
    if let Some(field) = line.strip_prefix('{') {
        let text = text.replacen('{', &format!("{{\n  {field}"), 1);
        return std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()));
    }
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(line);
    text.push('\n');
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

pub(crate) fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let dest = to.join(entry.file_name());
        if kind.is_dir() {
            copy_tree(&entry.path(), &dest)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), dest)?;
        }
    }
    Ok(())
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(path),
                Ok(t) if t.is_file() => out.push(path),
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn df_output_reads() {
        let text = "Filesystem     1024-blocks      Used Available Capacity Mounted on\n\
                    /dev/vda        263174212  91202344   4612340      96% /\n";
        assert_eq!(parse_df_available_kib(text), Some(4612340));
        assert_eq!(parse_df_available_kib("df: /nowhere: No such file or directory\n"), None);
    }

    #[test]
    fn only_storage_failures_are_retried() {
        let full = "the gate failed (exit Some(1)); its output ends with:\n    error[VF001] Dockerfile:54: ... \
                    Error: committing container for step {Env:[...]}: copying layers: no space left on device";
        assert_eq!(engine_storage_error(full).as_deref(), Some("no space left on device"));
        let commit = "    Error: committing container for step {Env:[PATH=/usr/bin] Command:copy}: ...";
        assert_eq!(engine_storage_error(commit).as_deref(), Some("committing container for step"));
        let app = "the gate failed (exit Some(1)); its output ends with:\n    error: RUN npm ci: exit status 1";
        assert_eq!(engine_storage_error(app), None);
        assert_eq!(engine_storage_error("service \"web\" is not healthy"), None);
    }

    #[test]
    fn elf_machines() {
        let mut header = vec![0u8; 64];
        header[..4].copy_from_slice(b"\x7fELF");
        header[5] = 1;
        header[18] = 0xb7;
        assert_eq!(elf_machine(&header), Some("AArch64"));
        header[18] = 0x3e;
        assert_eq!(elf_machine(&header), Some("x86-64"));
        assert_eq!(elf_machine(b"#!/bin/sh\n"), None);
    }

    /// Every fixture app is in the matrix, to be built or with the registry it needs: none is left out silently.
    #[test]
    fn the_matrix_names_every_fixture() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let matrix = read_matrix(root).unwrap();
        let mut listed: Vec<&str> = matrix.fixture.iter().map(|e| e.name.as_str()).collect();
        listed.extend(matrix.not_buildable.iter().map(|n| n.name.as_str()));
        let mut fixtures: Vec<String> = std::fs::read_dir(root.join("tests/fixtures/apps"))
            .unwrap()
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        fixtures.sort();
        for name in &fixtures {
            assert_eq!(listed.iter().filter(|l| *l == name).count(), 1, "{name}: listed once in {MATRIX}");
        }
        for name in &listed {
            assert!(fixtures.iter().any(|f| f == name), "{MATRIX} names `{name}`, which is no fixture");
        }
        for nb in &matrix.not_buildable {
            assert!(nb.reason.len() > 20, "{}: say which registry it needs", nb.name);
        }
        for entry in &matrix.fixture {
            if let Some(cache) = &entry.cache {
                let dir = root.join("tests/fixtures/apps").join(&entry.name);
                assert!(dir.join(&cache.source).is_file(), "{}: no {}", entry.name, cache.source);
                assert!(dir.join(&cache.lockfile).is_file(), "{}: no {}", entry.name, cache.lockfile);
                let dockerfile = std::fs::read_to_string(dir.join("Dockerfile")).unwrap();
                assert!(
                    dockerfile.contains(&cache.dependency_step),
                    "{}: no step `{}`",
                    entry.name,
                    cache.dependency_step
                );
            }
        }
    }
}
