//! `bench --images-only`: the generated images beside what people write by hand, built on the same stand-in base
//! images: size against a naive single-stage Dockerfile (tests/baselines/naive/) and docker init's template
//! (tests/baselines/docker-init/), and the generated image's start-to-healthy time under full hardening (the verify
//! gate's own measurement). Baselines' dependency steps reach package registries through a TLS-intercepting proxy
//! here; they have no build secret for its CA, so they build on a copy of each stand-in that trusts it (a CA bundle
//! and the variables pip, npm and cargo read, a few hundred kilobytes).

use std::fmt::Write;
use std::path::Path;
use std::process::Command;

use crate::failure::{Failure, Result};
use crate::standins::PREFIX;

pub const HEADING: &str = "## Images: generated, naive and docker init, built";

/// The fixtures compared: those with both baselines, and whether their language is compiled.
const COMPARED: &[(&str, bool)] = &[
    ("python-flask", false),
    ("go-nethttp", true),
    ("node-express", false),
    ("rust-axum", true),
    ("java-plain-jdk", true),
];

/// Why a docker init template is not built here, when it cannot be faithfully.
fn docker_init_unfaithful(fixture: &str) -> Option<&'static str> {
    match fixture {
        "go-nethttp" => Some("its final stage is `alpine:latest` with `apk add`: no Alpine stand-in can be built here"),
        "node-express" => {
            Some("it is built on `node:18-alpine`: the stand-in is Debian, so its size would not be Alpine's")
        }
        "rust-axum" => {
            Some("it builds on `rust:1.79-alpine` and runs on `alpine:3.18`: no Alpine stand-in can be built here")
        }
        "java-plain-jdk" => Some(
            "docker init's Java template builds with the Maven wrapper (`./mvnw`), which this plain-JDK app does not use",
        ),
        _ => None,
    }
}

const CA_PREFIX: &str = "localhost/stowage-bench-ca/";
const CA_BUNDLE: &str = crate::standins::SYSTEM_CA_BUNDLE;

fn engine_out(engine: &str, args: &[&str]) -> std::result::Result<String, String> {
    let out = Command::new(engine).args(args).output().map_err(|e| format!("cannot run {engine}: {e}"))?;
    if !out.status.success() {
        let log = String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
        let tail: Vec<&str> = log.lines().rev().take(12).collect::<Vec<_>>().into_iter().rev().collect();
        return Err(format!("`{engine} {}` failed:\n    {}", args[0], tail.join("\n    ")));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn size_mb(engine: &str, image: &str) -> std::result::Result<f64, String> {
    let bytes: f64 = engine_out(engine, &["image", "inspect", "--format", "{{.Size}}", image])?
        .parse()
        .map_err(|e| format!("size of {image}: {e}"))?;
    Ok(bytes / 1e6)
}

/// The base images of a Dockerfile, `ARG` defaults before the first FROM resolved, stage names left out.
pub fn base_images(dockerfile: &str) -> Vec<(usize, String)> {
    let mut args: Vec<(String, String)> = Vec::new();
    let mut stages: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for (i, line) in dockerfile.lines().enumerate() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.first().map(|w| w.to_ascii_uppercase()) {
            Some(k) if k == "ARG" && stages.is_empty() => {
                if let Some((name, value)) = words.get(1).and_then(|w| w.split_once('=')) {
                    args.push((name.to_string(), value.to_string()));
                }
            }
            Some(k) if k == "FROM" => {
                let rest: Vec<&str> = words[1..].iter().copied().filter(|w| !w.starts_with("--platform")).collect();
                let mut image = rest.first().copied().unwrap_or("").to_string();
                for (name, value) in &args {
                    image = image.replace(&format!("${{{name}}}"), value).replace(&format!("${name}"), value);
                }
                if let Some(alias) =
                    rest.iter().position(|w| w.eq_ignore_ascii_case("as")).and_then(|p| rest.get(p + 1))
                {
                    stages.push(alias.to_string());
                }
                if !stages[..stages.len().saturating_sub(1)].contains(&image) && !image.is_empty() {
                    out.push((i, image));
                }
            }
            _ => {}
        }
    }
    out
}

/// The Dockerfile with each base image replaced by its CA-trusting stand-in copy (made when missing).
fn on_ca_standins(engine: &str, dockerfile: &str, scratch: &Path) -> std::result::Result<String, String> {
    let mut lines: Vec<String> = dockerfile.lines().map(str::to_string).collect();
    for (index, image) in base_images(dockerfile) {
        let standin = format!("{PREFIX}{image}");
        let copy = format!("{CA_PREFIX}{image}");
        if engine_out(engine, &["image", "exists", &copy]).is_err() {
            let dir = scratch.join("ca-standin");
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            std::fs::copy(CA_BUNDLE, dir.join("ca.crt")).map_err(|e| format!("{CA_BUNDLE}: {e}"))?;
            std::fs::write(
                dir.join("Containerfile"),
                format!(
                    "FROM {standin}\nCOPY ca.crt {CA_BUNDLE}\nENV PIP_CERT={CA_BUNDLE} NODE_EXTRA_CA_CERTS={CA_BUNDLE} \
                     SSL_CERT_FILE={CA_BUNDLE} CARGO_HTTP_CAINFO={CA_BUNDLE}\n"
                ),
            )
            .map_err(|e| e.to_string())?;
            let file = dir.join("Containerfile").display().to_string();
            let context = dir.display().to_string();
            engine_out(engine, &["build", "--pull=never", "-f", &file, "-t", &copy, &context])
                .map_err(|e| format!("no stand-in for `{image}` (run `cargo xtask standins`): {e}"))?;
        }
        let line = &lines[index];
        lines[index] = line.replacen(
            line.split_whitespace().find(|w| !w.starts_with("--platform") && *w != "FROM").unwrap_or(""),
            &copy,
            1,
        );
    }
    Ok(lines.join("\n") + "\n")
}

/// Runs a baseline image (as its author wrote it: no hardening), waits until its EXPOSEd port accepts a connection
/// from the host, then stops it with a 10 s grace period: (milliseconds to an open port, milliseconds to stop).
fn start_and_stop(engine: &str, tag: &str, dockerfile: &str) -> std::result::Result<(u128, u128), String> {
    let port = dockerfile
        .lines()
        .find_map(|l| l.strip_prefix("EXPOSE "))
        .and_then(|p| p.split_whitespace().next())
        .ok_or("no EXPOSE line")?
        .trim_end_matches("/tcp")
        .to_string();
    let name = format!("stowage-bench-{}", tag.replace(['/', ':'], "-"));
    let _ = engine_out(engine, &["rm", "-f", &name]);
    let started = std::time::Instant::now();
    engine_out(engine, &["run", "-d", "--name", &name, "-p", &format!("127.0.0.1::{port}"), tag])?;
    let result = (|| {
        let published = engine_out(engine, &["port", &name, &format!("{port}/tcp")])?;
        let host_port: u16 = published
            .lines()
            .find_map(|l| l.rsplit(':').next().and_then(|p| p.trim().parse().ok()))
            .ok_or(format!("no published port: {published}"))?;
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], host_port));
        let open = loop {
            if std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_millis(500)).is_ok() {
                break started.elapsed().as_millis();
            }
            if started.elapsed().as_secs() > 60 {
                return Err("its port did not open within 60 s".to_string());
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        };
        let stopping = std::time::Instant::now();
        engine_out(engine, &["stop", "-t", "10", &name])?;
        Ok((open, stopping.elapsed().as_millis()))
    })();
    let _ = engine_out(engine, &["rm", "-f", &name]);
    result
}

fn build_baseline(
    engine: &str,
    dockerfile: &Path,
    context: &Path,
    tag: &str,
    scratch: &Path,
) -> std::result::Result<Baseline, String> {
    let text = std::fs::read_to_string(dockerfile).map_err(|e| format!("{}: {e}", dockerfile.display()))?;
    let mapped = on_ca_standins(engine, &text, scratch)?;
    let file = scratch.join(format!("{}.Dockerfile", tag.replace('/', "-")));
    std::fs::write(&file, mapped).map_err(|e| e.to_string())?;
    let file = file.display().to_string();
    let context = context.display().to_string();
    engine_out(engine, &["build", "--pull=never", "--format", "docker", "-f", &file, "-t", tag, &context])?;
    let size = size_mb(engine, tag)?;
    let (open, stop) = start_and_stop(engine, tag, &text)?;
    Ok(Baseline { size, open, stop })
}

struct Baseline {
    size: f64,
    open: u128,
    stop: u128,
}

/// What both sections build with: the engine, a fresh scratch folder under target/, this xtask binary (the gate
/// runs `containerize` through it) and the gate's arguments (the stand-in base images).
struct Setup {
    engine: String,
    scratch: std::path::PathBuf,
    xtask: std::path::PathBuf,
    args: crate::cli::VerifyCheckArgs,
}

impl Setup {
    fn new(root: &Path, folder: &str) -> Result<Setup> {
        let engine = crate::standins::engine(None)?;
        let scratch = root.join("target").join(folder);
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::create_dir_all(&scratch).map_err(|e| Failure::crash(format!("{}: {e}", scratch.display())))?;
        let xtask =
            std::env::current_exe().map_err(|e| Failure::crash(format!("cannot find the xtask binary: {e}")))?;
        let args =
            crate::cli::VerifyCheckArgs { only: None, engine: Some(engine.clone()), base_registry: PREFIX.to_string() };
        Ok(Setup { engine, scratch, xtask, args })
    }
}

pub fn section(root: &Path) -> Result<String> {
    let Setup { engine, scratch, xtask, args } = Setup::new(root, "bench-images")?;
    let mut s = String::new();
    let _ = writeln!(s, "{HEADING}\n");
    let _ = writeln!(
        s,
        "Written by `cargo xtask bench --images-only` (after `cargo xtask standins`), with {engine}. Each fixture's \
         generated Dockerfile is built and run by the verify gate (read-only root, no capabilities, limits) and \
         probed until healthy; the naive single-stage Dockerfile (tests/baselines/naive/) and docker init's \
         template (tests/baselines/docker-init/) for the same app are built from the same context on the same \
         stand-in base images (docs/standins.md), whose sizes are shown beside. Stand-ins carry Debian 12's \
         language versions, so sizes are of these builds, not of the public images. The fixtures were not tuned \
         for these figures.\n"
    );
    let _ = writeln!(
        s,
        "| Fixture | Generated | Naive | Generated / naive | docker init | Generated / docker init | Base stand-ins |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|");
    let mut times = String::new();
    let mut verdicts = Vec::new();
    for (fixture, compiled) in COMPARED {
        let source = root.join("tests/fixtures/apps").join(fixture);
        let app = scratch.join(fixture);
        crate::verify_check::copy_tree(&source, &app).map_err(|e| Failure::crash(format!("{fixture}: {e}")))?;
        let run = crate::verify_check::gate(&xtask, &app, &scratch.join(format!("{fixture}-reports")), &args)
            .map_err(Failure::crash)?;
        let measured = crate::verify_check::measurements(&run);
        let Some(image) = measured.first().filter(|m| m["built"] == true) else {
            return Err(Failure::crash(format!("{fixture}: the verify gate did not build it (exit {:?})", run.code)));
        };
        let generated = image["size_bytes"].as_f64().unwrap_or(0.0) / 1e6;
        let service = &image["services"][0];
        let healthy = match service["start_to_healthy_ms"].as_u64() {
            Some(ms) => format!("{ms} ms ({})", service["probe"].as_str().unwrap_or("")),
            None => format!("not healthy: {}", service["probe"].as_str().unwrap_or("")),
        };
        let stop = service["stop_ms"].as_u64().map_or("-".into(), |ms| format!("{ms} ms"));
        let naive_file = root.join("tests/baselines/naive").join(fixture).join("Dockerfile");
        let naive = build_baseline(&engine, &naive_file, &app, &format!("stowage-bench/{fixture}/naive"), &scratch)
            .map_err(|e| Failure::crash(format!("{fixture}: naive baseline: {e}")))?;
        let init_file = root.join("tests/baselines/docker-init").join(fixture).join("Dockerfile");
        let init = match docker_init_unfaithful(fixture) {
            Some(why) => Err(why.to_string()),
            None => {
                Ok(build_baseline(&engine, &init_file, &app, &format!("stowage-bench/{fixture}/docker-init"), &scratch)
                    .map_err(|e| Failure::crash(format!("{fixture}: docker init baseline: {e}")))?)
            }
        };
        let mut bases: Vec<String> = Vec::new();
        for file in [source.join("Dockerfile"), naive_file.clone(), init_file.clone()] {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            for (_, image) in base_images(&text) {
                let image = image.trim_start_matches("${REGISTRY}").to_string();
                if let Ok(mb) = size_mb(&engine, &format!("{PREFIX}{image}")) {
                    let entry = format!("`{image}` {mb:.0} MB");
                    if !bases.contains(&entry) {
                        bases.push(entry);
                    }
                }
            }
        }
        let naive_size = naive.size;
        let ratio = generated / naive_size;
        let limit = if *compiled { 0.25 } else { 0.50 };
        verdicts.push(format!(
            "- {fixture}: generated / naive {:.0}% ({} the {}% target for {} languages)",
            ratio * 100.0,
            if ratio <= limit { "meets" } else { "misses" },
            limit * 100.0,
            if *compiled { "compiled" } else { "interpreted" }
        ));
        let init_times = match &init {
            Ok(b) => format!("{} ms / {} ms", b.open, b.stop),
            Err(_) => "-".into(),
        };
        let _ = writeln!(
            times,
            "| {fixture} | {healthy} / {stop} | {} ms / {} ms | {init_times} |",
            naive.open, naive.stop
        );
        let (init_cell, init_ratio) = match init.as_ref().map(|b| b.size) {
            Ok(mb) => {
                let mb = &mb;
                verdicts.push(format!(
                    "- {fixture}: generated / docker init {:.0}% ({})",
                    generated / mb * 100.0,
                    if generated <= *mb {
                        "not larger".to_string()
                    } else {
                        format!("larger by {:.1} MB: misses the target", generated - mb)
                    }
                ));
                (format!("{mb:.1} MB"), format!("{:.0}%", generated / mb * 100.0))
            }
            Err(why) => (format!("not built: {why}"), "-".into()),
        };
        let _ = writeln!(
            s,
            "| {fixture} | {generated:.1} MB | {naive_size:.1} MB | {:.0}% | {init_cell} | {init_ratio} | {} |",
            ratio * 100.0,
            bases.join(", ")
        );
    }
    let _ = writeln!(
        s,
        "\nStart and stop. The generated image runs hardened and is healthy when its probe answers; the baselines \
         run as their authors wrote them (as root, no limits) and count as started when their port accepts a \
         connection. Stop is `stop -t 10`: a process that ignores SIGTERM is killed after 10 s.\n"
    );
    let _ = writeln!(
        s,
        "| Fixture | Generated: to healthy / stop | Naive: port open / stop | docker init: port open / stop |"
    );
    let _ = writeln!(s, "|---|---|---|---|");
    s.push_str(&times);
    let _ = writeln!(
        s,
        "\nThe generated Python (for a program run directly) and Node images run tini as PID 1, so SIGTERM stops them; \
         the baselines' PID 1 (the interpreter, or /bin/sh for a shell-form CMD) ignores it and is killed."
    );
    let _ = writeln!(
        s,
        "\nAgainst the targets (compiled at most 25% of naive, interpreted at most 50%, none larger than docker init's):\n"
    );
    for v in verdicts {
        let _ = writeln!(s, "{v}");
    }
    let _ = writeln!(s);
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(s)
}

pub const APPS_HEADING: &str = "## Images of the real apps, built and run";

/// The real apps of tests/apps-expected/apps.tsv that were fetched into `apps_dir`, each copied without its own
/// container files and containerized with the verify gate on the stand-ins: every image built, sized, and run
/// hardened until healthy, or the gate's first finding saying why not. No baseline exists for them, so there is no
/// ratio. Apps not in `apps_dir` are named as not fetched.
pub fn apps_section(root: &Path, apps_dir: &Path) -> Result<String> {
    let Setup { engine, scratch, xtask, args } = Setup::new(root, "bench-images-apps")?;
    let list = crate::failure::read_to_string(&root.join("tests/apps-expected/apps.tsv"))?;
    let mut rows = String::new();
    let mut absent = Vec::new();
    let (mut healthy_services, mut services) = (0, 0);
    for line in list.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let repo = line.split('\t').next().unwrap_or_default();
        let name = repo.replace('/', "__");
        let source = apps_dir.join(&name);
        if !source.is_dir() {
            absent.push(format!("`{repo}`"));
            continue;
        }
        let app = scratch.join(&name);
        crate::verify_check::copy_tree(&source, &app).map_err(|e| Failure::crash(format!("{repo}: {e}")))?;
        crate::bench_dockerfiles::remove_own_container_files(&app)
            .map_err(|e| Failure::crash(format!("{repo}: {e}")))?;
        println!("bench: {repo} ...");
        let run = crate::verify_check::gate(&xtask, &app, &scratch.join(format!("{name}-reports")), &args)
            .map_err(Failure::crash)?;
        let measured = crate::verify_check::measurements(&run);
        let failures: Vec<String> = run
            .findings()
            .into_iter()
            .filter(|(rule, _)| rule.starts_with("VF"))
            .map(|(rule, message)| format!("{rule}: {}", one_line(&message, 260)))
            .collect();
        if measured.is_empty() {
            let why = failures.first().cloned().unwrap_or_else(|| {
                format!("no image measured (exit {:?}): {}", run.code, one_line(&run.last_error(), 160))
            });
            let _ = writeln!(rows, "| {repo} | - | not built | - | - | {why} |");
            continue;
        }
        for image in &measured {
            let built = if image["built"] == true {
                format!(
                    "{:.1} MB in {:.0} s",
                    image["size_bytes"].as_f64().unwrap_or(0.0) / 1e6,
                    image["build_seconds"].as_f64().unwrap_or(0.0)
                )
            } else {
                "not built".into()
            };
            let name = image["image"].as_str().unwrap_or("");
            let image_services = image["services"].as_array().cloned().unwrap_or_default();
            if image["built"] != true || image_services.is_empty() {
                let why = failures.iter().find(|f| f.contains(name)).or(failures.first()).cloned().unwrap_or_default();
                let _ = writeln!(rows, "| {repo} | {name} | {built} | - | - | {why} |");
                continue;
            }
            for service in image_services {
                services += 1;
                let service_name = service["service"].as_str().unwrap_or("");
                let probe = service["probe"].as_str().unwrap_or("");
                let outcome = match service["start_to_healthy_ms"].as_u64() {
                    Some(ms) if service["healthy"] == true => {
                        healthy_services += 1;
                        format!("healthy in {ms} ms")
                    }
                    _ => failures
                        .iter()
                        .find(|f| f.contains(&format!("`{service_name}`")))
                        .cloned()
                        .unwrap_or_else(|| "not healthy".into()),
                };
                let _ = writeln!(rows, "| {repo} | {name} | {built} | {service_name} | {probe} | {outcome} |");
            }
        }
    }
    let mut s = String::new();
    let _ = writeln!(s, "{APPS_HEADING}\n");
    let _ = writeln!(
        s,
        "Written by `cargo xtask bench --images-only --apps-dir <apps folder>` (after `cargo xtask standins`), with \
         {engine}. Each real app of tests/apps-expected/apps.tsv fetched into the folder is copied without its own \
         container files and containerized with the verify gate on the stand-in base images, as the fixtures are: \
         every generated image built, run hardened and probed until healthy. These figures stand apart from the \
         fixtures' above, and they are not blind: four generator fixes came from the first runs on these apps (a \
         shell start command now execs its last command, found on microblog's Procfile; Rust native dependencies \
         now install their system libraries, found on the diesel app; compose passes a variable the caller did \
         not set as unset rather than empty, and a Python start command names the app a factory returns, both \
         found on fastapi-celery-project). They have no naive or docker init baseline, so no ratio. A service run \
         with its backing services under compose says so in its probe. An app whose build needs a registry these \
         machines cannot reach (the Go module proxy, Maven Central, Packagist) or a base image no stand-in is made \
         for fails at that step, and its row shows the step.\n"
    );
    let _ = writeln!(s, "Services healthy under full hardening: {healthy_services} of {services}.\n");
    let _ = writeln!(s, "| App | Image | Built | Service | Probe | Outcome |");
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    s.push_str(&rows);
    if !absent.is_empty() {
        let _ = writeln!(
            s,
            "\nNot fetched for this run (their builds need registries these machines cannot reach, or they were left \
             out for time): {}.",
            absent.join(", ")
        );
    }
    let _ = writeln!(s);
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(s)
}

/// `text` on one line, at most `max` characters. A message that quotes a log keeps its head and the log's last
/// characters, where the error is.
fn one_line(text: &str, max: usize) -> String {
    let flat = text.replace("\\n", " ").split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let chars: Vec<char> = flat.chars().collect();
    match flat.find("ends with:") {
        Some(at) => {
            let head: String = flat[..at + "ends with:".len()].chars().take(max / 2).collect();
            let tail: String = chars[chars.len().saturating_sub(max / 2)..].iter().collect();
            format!("{head} ... {tail}")
        }
        None => chars[..max].iter().collect::<String>() + "...",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_messages_keep_the_end_of_the_log() {
        let message =
            format!("`api` exited; its log ends with:\\n  {}\\n  ImportError: no module named x", "noise ".repeat(60));
        let short = one_line(&message, 120);
        assert!(short.starts_with("`api` exited; its log ends with: ..."), "{short}");
        assert!(short.ends_with("ImportError: no module named x"), "{short}");
        assert_eq!(one_line("a\\nb", 120), "a b");
    }

    #[test]
    fn base_images_resolve_arg_defaults_and_skip_stages() {
        let text = "ARG PYTHON_VERSION=3.11\nFROM python:${PYTHON_VERSION}-slim as base\nFROM base AS final\n\
                    FROM --platform=$BUILDPLATFORM golang:1.26 AS build\n";
        assert_eq!(base_images(text), vec![(1, "python:3.11-slim".to_string()), (3, "golang:1.26".to_string())]);
    }
}
