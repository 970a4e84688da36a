//! Malformed input is a finding with a location, never a crash.
//!
//! - `tests/malformed/*`: each file has a `<file>.expected` holding the findings it must produce
//!   (`UPDATE_EXPECT=1` rewrites them).
//! - The whole shared corpus (../shared/corpus, always present in CI) is checked without a panic, and its known
//!   broken files are reported with their position.
//! - `tests/fuzz/<target>/*`: inputs kept from the cargo-fuzz runs (fuzz/README.md says how they were run), the
//!   crashes and hangs they found and a selection of small inputs that reached new coverage, replayed through
//!   exactly what each fuzz target calls, on stable.
//! - Truncations and seeded random mutations of corpus files: inputs cut at arbitrary bytes, with bytes flipped,
//!   lines dropped or duplicated, which is where hand-written parsers break.

use std::path::{Path, PathBuf};

use stowage_validate::{Input, Kind, LintResult, Policy, discover, lint, lint_text, output};

fn kind_of(name: &str) -> Kind {
    if name.ends_with(".Dockerfile") {
        Kind::Dockerfile
    } else if name.ends_with(".compose.yaml") {
        Kind::Compose
    } else {
        Kind::Kubernetes
    }
}

#[test]
fn malformed_inputs_give_clear_findings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/malformed");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("tests/malformed")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| !n.ends_with(".expected"))
        .collect();
    names.sort();
    let mut failures = Vec::new();
    for name in names {
        let input = Input { file: name.clone(), path: dir.join(&name), kind: kind_of(&name) };
        let result = lint(&[input], &Policy::default());
        let found: String = result
            .findings
            .iter()
            .filter(|f| f.rule.starts_with("GN") || f.rule == "DF034")
            .map(|f| {
                format!("{}:{}:{} {}: {}\n", f.file, f.line.unwrap_or(0), f.column.unwrap_or(0), f.rule, f.message)
            })
            .collect();
        if found.is_empty() {
            failures.push(format!("{name}: no finding"));
        }
        let expected_path = dir.join(format!("{name}.expected"));
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            std::fs::write(&expected_path, &found).expect("write expected");
        } else if std::fs::read_to_string(&expected_path).unwrap_or_default() != found {
            failures.push(format!("{name}: expected {}, found\n{found}", expected_path.display()));
        }
    }
    assert!(failures.is_empty(), "{}\n(regenerate with UPDATE_EXPECT=1)", failures.join("\n"));
}

fn corpus() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    assert!(dir.is_dir(), "the shared corpus is missing at {}: CI provides ../shared next to the repo", dir.display());
    dir
}

#[test]
fn whole_corpus_is_checked_without_a_crash() {
    let corpus = corpus();
    let mut inputs = Vec::new();
    let display = |p: &Path| p.strip_prefix(&corpus).unwrap_or(p).to_string_lossy().replace('\\', "/");
    for dir in ["dockerfiles", "k8s", "compose"] {
        discover::walk(&corpus.join(dir), &[], &display, &mut inputs);
    }
    assert!(inputs.len() > 600, "expected the whole corpus, found {} files", inputs.len());
    let result = lint(&inputs, &Policy::default());
    let malformed: Vec<String> = result
        .findings
        .iter()
        .filter(|f| f.rule == "GN001" || f.rule == "DF088")
        .map(|f| format!("{}:{}", f.file, f.line.unwrap_or(0)))
        .collect();
    for expected in [
        "dockerfiles/GoogleCloudPlatform__kubernetes-engine-samples__hpc__mpi__Dockerfile:16",
        "k8s/GoogleCloudPlatform__kubernetes-engine-samples__ai-ml__gke-model-armor__preparing-the-model__llm-service.yaml:26",
        "k8s/kubernetes__examples___archived__persistent-volume-provisioning__quobyte__quobyte-admin-secret.yaml:9",
    ] {
        assert!(malformed.iter().any(|m| m == expected), "{expected} not reported as malformed; got {malformed:?}");
    }
    // hadolint fails on the heredocs followed by a comment in docker/awesome-compose; we must parse them.
    let awesome_parse_errors = result
        .findings
        .iter()
        .filter(|f| f.rule == "GN001" && f.file.starts_with("dockerfiles/docker__awesome-compose"))
        .count();
    assert_eq!(awesome_parse_errors, 0, "awesome-compose Dockerfiles with heredocs must parse");
}

/// The files of a corpus folder, in the same order on every machine.
fn sorted_files(dir: &Path) -> Vec<PathBuf> {
    let mut names: Vec<PathBuf> =
        std::fs::read_dir(dir).expect("corpus folder").filter_map(Result::ok).map(|e| e.path()).collect();
    names.sort();
    names
}

#[test]
fn truncated_corpus_files_never_crash() {
    let corpus = corpus();
    for (dir, kind) in [("dockerfiles", Kind::Dockerfile), ("k8s", Kind::Kubernetes), ("compose", Kind::Compose)] {
        let names = sorted_files(&corpus.join(dir));
        for path in names.iter().step_by(3) {
            let Ok(text) = std::fs::read_to_string(path) else { continue };
            for cut in 1..8 {
                let mut at = text.len() * cut / 8;
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                let _ = lint_text(kind, "x", &text[..at], &Policy::default());
            }
        }
    }
}

/// A small deterministic generator (xorshift), so that a failure reproduces from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn mutated_corpus_files_never_crash() {
    let corpus = corpus();
    const NASTY: &[&str] =
        &["\\", "`", "'", "\"", "$(", "${", "<<EOF", "\t", ":", "- ", "[", "{", "#", "&&", "|", "\u{0}", "é"];
    for (dir, kind) in [("dockerfiles", Kind::Dockerfile), ("k8s", Kind::Kubernetes), ("compose", Kind::Compose)] {
        let names = sorted_files(&corpus.join(dir));
        for (n, path) in names.iter().step_by(5).enumerate() {
            let Ok(text) = std::fs::read_to_string(path) else { continue };
            let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ n as u64);
            for _ in 0..6 {
                let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
                for _ in 0..3 {
                    if lines.is_empty() {
                        break;
                    }
                    let i = rng.below(lines.len());
                    match rng.below(3) {
                        0 => {
                            lines.remove(i);
                        }
                        1 => {
                            let l = lines[i].clone();
                            lines.insert(i, l);
                        }
                        _ => {
                            let line = &mut lines[i];
                            let mut at = rng.below(line.len() + 1);
                            while !line.is_char_boundary(at) {
                                at -= 1;
                            }
                            line.insert_str(at, NASTY[rng.below(NASTY.len())]);
                        }
                    }
                }
                let mutated = lines.join("\n");
                let _ = lint_text(kind, "x", &mutated, &Policy::default());
            }
        }
    }
}

/// The fuzz targets' last step: the findings rendered as the linter prints them.
fn render(file: &str, text: &str, findings: Vec<stowage_validate::Finding>) {
    let result = LintResult::of_text(file, text, findings);
    let _ = (output::human(&result, false), output::json(&result));
}

/// What each fuzz target in fuzz/fuzz_targets/ runs on one input, with the same policy (every rule on).
fn fuzz_target(target: &str, text: &str, policy: &Policy) {
    match target {
        "dockerfile" => render("Dockerfile", text, lint_text(Kind::Dockerfile, "Dockerfile", text, policy)),
        "yaml" => {
            render("app.yaml", text, lint_text(Kind::Kubernetes, "app.yaml", text, policy));
            render("compose.yaml", text, lint_text(Kind::Compose, "compose.yaml", text, policy));
        }
        "shell" => {
            let script = stowage_validate::shell::parse(text);
            let _ = script.has_pipe();
            let _ = stowage_validate::shell::words(text);
        }
        other => panic!("tests/fuzz/{other} names no fuzz target (dockerfile, yaml, shell)"),
    }
}

#[test]
fn fuzz_corpus_replays_without_a_crash_or_a_hang() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz");
    let policy = Policy::from_toml(include_str!("../fuzz/policy.toml"), "fuzz/policy.toml").expect("valid policy");
    let mut replayed = 0;
    for target in ["dockerfile", "yaml", "shell"] {
        let dir = root.join(target);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{} is empty", dir.display());
        for path in files {
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            // The targets skip input that is not UTF-8, as the engine reports such files before parsing them.
            let Ok(text) = std::str::from_utf8(&bytes) else { continue };
            let started = std::time::Instant::now();
            fuzz_target(target, text, &policy);
            // Generous for an unoptimised build on a busy machine; a hang found by the fuzzer took far longer.
            let took = started.elapsed();
            assert!(took.as_secs() < 10, "{} took {took:?}: a hang is back", path.display());
            replayed += 1;
        }
    }
    assert!(replayed > 0);
}
