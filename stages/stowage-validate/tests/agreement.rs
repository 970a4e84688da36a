//! Agreement with hadolint and checkov on the shared corpus, for the rules mapped to their IDs: precision and
//! recall per peer ID (run with `--nocapture` to see the tables). The corpus is always present in CI at
//! ../shared/corpus, so a missing corpus fails the test.
//!
//! Matching: hadolint by (file, instruction start line, code); checkov Dockerfiles by (file, check), since checkov
//! names a Dockerfile resource by instruction rather than position; checkov Kubernetes by (file, check, object).
//!
//! Scope: a figure counts only what the peer judged. Files hadolint failed to parse (DL1000) are left out of its
//! figures. checkov reports only failures, so `agreement/checkov_judged.py` asks the installed checkov (the judges
//! venv) what it passed or failed; a finding of ours on an object checkov did not judge (a kind its check does not
//! cover, an UNKNOWN result, a file it cannot parse) is counted as beyond its scope, not as a disagreement. That
//! run's failures must equal ../shared/corpus/expected exactly, or the installed checkov is not the one measured.
//!
//! Review: every remaining disagreement is listed in `agreement/disputes.toml` with who is right and why, and the
//! rule's doc page says the same (registry::peer_notes). The tables show the raw figures against the peer and the
//! reviewed ones, where a case the peer gets wrong counts for the right answer. The bar, 95% precision
//! and recall per peer ID, is asserted on the reviewed figures; an unlisted disagreement or a stale case fails.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use stowage_validate::{Input, Kind, Policy, dockerfile, lint, registry, yaml};

#[path = "support/judges.rs"]
mod judges;

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn corpus() -> PathBuf {
    let dir = crate_dir().join("../../../shared/corpus");
    assert!(
        dir.join("expected").is_dir(),
        "the shared corpus is missing at {}: CI provides ../shared next to the repo",
        dir.display()
    );
    dir
}

fn read_tsv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .quoting(true)
        .flexible(true)
        .from_path(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let headers = reader.headers().expect("headers").clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap_or_else(|e| panic!("bad row in {}: {e}", path.display()));
            headers.iter().zip(r.iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect()
        })
        .collect()
}

/// A finding, peer-side or ours: (file, peer ID, where). `where` is the instruction line for hadolint, the
/// `Kind.namespace.name` object for checkov on Kubernetes, and empty for checkov on Dockerfiles.
type Key = (String, String, String);

fn case(k: &Key) -> String {
    if k.2.is_empty() { k.0.clone() } else { format!("{}:{}", k.0, k.2) }
}

/// What checkov passed or failed, by `framework` (kubernetes, dockerfile), over a corpus folder, for `checks`.
/// Returns (judged, failed) keyed like the comparison, with the folder prefixed to the file name.
fn checkov_judged(framework: &str, folder: &str, checks: &BTreeSet<&str>) -> (BTreeSet<Key>, BTreeSet<Key>) {
    let python = judges::judge("python", "the agreement figures ask the checkov installed there what it judged");
    let ids: Vec<&str> = checks.iter().copied().collect();
    let out = Command::new(&python)
        .arg(crate_dir().join("tests/agreement/checkov_judged.py"))
        // checkov skips Kubernetes files under a path with `..` in it, so give it the resolved folder.
        .args([
            framework,
            &corpus().join(folder).canonicalize().expect("corpus folder").to_string_lossy(),
            &ids.join(","),
        ])
        .output()
        .expect("run tests/agreement/checkov_judged.py");
    assert!(
        out.status.success(),
        "tests/agreement/checkov_judged.py failed (is checkov in the venv? run `cargo xtask judges`):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (mut judged, mut failed) = (BTreeSet::new(), BTreeSet::new());
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        let [file, id, resource, result] = cols[..] else { panic!("bad line from checkov_judged.py: {line}") };
        let key = (format!("{folder}/{file}"), id.to_string(), resource.to_string());
        if result == "FAILED" {
            failed.insert(key.clone());
        }
        judged.insert(key);
    }
    (judged, failed)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Disputes {
    dispute: Vec<Dispute>,
}

/// Disagreements sharing one peer ID, one side and one reason.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Dispute {
    id: String,
    /// Who reports the finding: `stowage` or the peer's name.
    reported_by: String,
    /// Whose answer is right: `stowage` or the peer's name.
    right: String,
    why: String,
    /// `file` or `file:where`, as printed by a failing run of this test.
    cases: Vec<String>,
}

#[derive(Default, Debug, Clone, Copy)]
struct Score {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Score {
    fn add(&mut self, other: &Score) {
        self.tp += other.tp;
        self.fp += other.fp;
        self.fn_ += other.fn_;
    }
    fn precision(self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }
    fn recall(self) -> f64 {
        if self.tp + self.fn_ == 0 { 1.0 } else { self.tp as f64 / (self.tp + self.fn_) as f64 }
    }
}

/// One line of a table: the raw counts and figures, the reviewed figures, and the findings beyond the peer's scope.
fn row(id: &str, r: &Score, v: &Score, beyond: usize) -> String {
    format!(
        "{id:<16} {:>5} {:>5} {:>5} {:>9} {:>9} | {:>9} {:>9} | {beyond:>6}\n",
        r.tp,
        r.fp,
        r.fn_,
        pct(r.tp, r.tp + r.fp),
        pct(r.tp, r.tp + r.fn_),
        pct(v.tp, v.tp + v.fp),
        pct(v.tp, v.tp + v.fn_),
    )
}

fn pct(n: usize, d: usize) -> String {
    if d == 0 { "   -  ".into() } else { format!("{:5.1}%", 100.0 * n as f64 / d as f64) }
}

/// One peer's comparison: both finding sets inside the peer's scope, and our findings beyond it per peer ID.
struct Comparison {
    peer: &'static str,
    title: &'static str,
    ours: BTreeSet<Key>,
    theirs: BTreeSet<Key>,
    beyond: BTreeMap<String, usize>,
}

/// Raw and reviewed scores per peer ID, the table, and the problems with the disputes file.
fn score(c: &Comparison, disputes: &[Dispute], used: &mut BTreeSet<(usize, String)>) -> (String, Vec<String>) {
    let mut raw: BTreeMap<&str, Score> = BTreeMap::new();
    let mut reviewed: BTreeMap<&str, Score> = BTreeMap::new();
    let mut problems = Vec::new();
    for k in c.ours.union(&c.theirs) {
        let (r, v) = (raw.entry(&k.1).or_default(), reviewed.entry(&k.1).or_default());
        let (in_ours, in_theirs) = (c.ours.contains(k), c.theirs.contains(k));
        if in_ours && in_theirs {
            r.tp += 1;
            v.tp += 1;
            continue;
        }
        if in_ours {
            r.fp += 1
        } else {
            r.fn_ += 1
        }
        let reporter = if in_ours { "stowage" } else { c.peer };
        let text = case(k);
        let found = disputes
            .iter()
            .enumerate()
            .find(|(_, d)| d.id == k.1 && d.reported_by == reporter && d.cases.contains(&text));
        let Some((i, d)) = found else {
            problems.push(format!(
                "{} case not in tests/agreement/disputes.toml: id {}, reported by {reporter}: \"{text}\"",
                c.title, k.1
            ));
            if in_ours {
                v.fp += 1
            } else {
                v.fn_ += 1
            }
            continue;
        };
        used.insert((i, text));
        match (d.right == "stowage", in_ours) {
            (true, true) => v.tp += 1, // ours is a real finding the peer missed
            (true, false) => {}        // the peer's finding is wrong: nothing to find
            (false, true) => v.fp += 1,
            (false, false) => v.fn_ += 1,
        }
    }
    let mut table = format!(
        "{}\n{:<16} {:>5} {:>5} {:>5} {:>9} {:>9} | {:>9} {:>9} | {:>6}\n",
        c.title, "peer id", "tp", "fp", "fn", "precision", "recall", "reviewed", "", "beyond"
    );
    let mut totals = (Score::default(), Score::default(), 0);
    for (id, r) in &raw {
        let v = reviewed[id];
        let beyond = c.beyond.get(*id).copied().unwrap_or(0);
        table.push_str(&row(id, r, &v, beyond));
        if v.precision() < 0.95 || v.recall() < 0.95 {
            problems.push(format!(
                "{} {id}: reviewed precision {:.3}, recall {:.3}, under the 95% bar",
                c.title,
                v.precision(),
                v.recall()
            ));
        }
        totals.0.add(r);
        totals.1.add(&v);
        totals.2 += beyond;
    }
    table.push_str(&row("all", &totals.0, &totals.1, totals.2));
    (table, problems)
}

#[test]
fn agreement_with_hadolint_and_checkov() {
    let corpus = corpus();
    let mut inputs = Vec::new();
    for (dir, kind) in [("dockerfiles", Kind::Dockerfile), ("k8s", Kind::Kubernetes)] {
        let mut names: Vec<_> = std::fs::read_dir(corpus.join(dir))
            .expect("corpus folder")
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        names.sort();
        for n in names {
            let name = n.to_string_lossy().to_string();
            inputs.push(Input { file: format!("{dir}/{name}"), path: corpus.join(dir).join(&name), kind });
        }
    }
    let result = lint(&inputs, &Policy::default());

    // hadolint: by instruction.
    let hadolint = read_tsv(&corpus.join("expected/hadolint-2.15.1.tsv"));
    let failed: BTreeSet<&str> =
        hadolint.iter().filter(|r| r["code"] == "DL1000").map(|r| r["file"].as_str()).collect();
    // DL3057 (HEALTHCHECK missing) is off in hadolint's default configuration, which produced the expected findings.
    let mapped: BTreeSet<&str> = registry::RULES
        .iter()
        .flat_map(|r| r.hadolint_ids())
        .filter(|id| !matches!(*id, "DL1000" | "DL3057"))
        .collect();
    let theirs: BTreeSet<Key> = hadolint
        .iter()
        .filter(|r| mapped.contains(r["code"].as_str()) && !failed.contains(r["file"].as_str()))
        .map(|r| (r["file"].clone(), r["code"].clone(), r["line"].clone()))
        .collect();
    let mut starts: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let mut ours = BTreeSet::new();
    // hadolint shows at most one ShellCheck finding per instruction, the last one in the RUN (they all get the
    // instruction's position and the later ones replace the earlier). Compare the ShellCheck subset the same way.
    let mut last_shellcheck: BTreeMap<(String, u32), ((u32, u32), String)> = BTreeMap::new();
    for f in &result.findings {
        if !f.file.starts_with("dockerfiles/") || failed.contains(f.file.as_str()) {
            continue;
        }
        let lines = starts.entry(f.file.clone()).or_insert_with(|| {
            dockerfile::instruction_lines(&std::fs::read_to_string(corpus.join(&f.file)).unwrap_or_default())
        });
        let line = f.line.unwrap_or(1);
        let start = lines.iter().rev().find(|&&s| s <= line).copied().unwrap_or(line);
        for id in registry::find(&f.rule).into_iter().flat_map(|r| r.hadolint_ids()) {
            if !mapped.contains(id) {
                continue;
            }
            if id.starts_with("SC") {
                let pos = (line, f.column.unwrap_or(1));
                let slot = last_shellcheck.entry((f.file.clone(), start)).or_insert((pos, id.to_string()));
                if pos >= slot.0 {
                    *slot = (pos, id.to_string());
                }
            } else {
                ours.insert((f.file.clone(), id.to_string(), start.to_string()));
            }
        }
    }
    for ((file, start), (_, id)) in last_shellcheck {
        ours.insert((file, id, start.to_string()));
    }
    let hadolint = Comparison {
        peer: "hadolint",
        title: "hadolint 2.15.1 (file, line, code)",
        ours,
        theirs,
        beyond: BTreeMap::new(),
    };

    // checkov Dockerfiles: by file and check.
    let mapped: BTreeSet<&str> = registry::RULES.iter().flat_map(|r| r.checkov_ids()).collect();
    let docker_ids: BTreeSet<&str> = mapped.iter().copied().filter(|id| id.contains("DOCKER")).collect();
    let k8s_ids: BTreeSet<&str> = mapped.iter().copied().filter(|id| id.contains("K8S")).collect();
    let rows = read_tsv(&corpus.join("expected/checkov-3.3.30-dockerfile.tsv"));
    let theirs: BTreeSet<Key> = rows
        .iter()
        .filter(|r| mapped.contains(r["check_id"].as_str()))
        .map(|r| (r["file"].clone(), r["check_id"].clone(), String::new()))
        .collect();
    let (judged, failed) = checkov_judged("dockerfile", "dockerfiles", &docker_ids);
    let strip =
        |set: BTreeSet<Key>| -> BTreeSet<Key> { set.into_iter().map(|(f, id, _)| (f, id, String::new())).collect() };
    let (judged, failed) = (strip(judged), strip(failed));
    assert_eq!(
        failed, theirs,
        "the installed checkov's Dockerfile failures differ from expected/checkov-3.3.30-dockerfile.tsv"
    );
    let ours_all: BTreeSet<Key> = result
        .findings
        .iter()
        .filter(|f| f.file.starts_with("dockerfiles/"))
        .flat_map(|f| {
            registry::find(&f.rule)
                .into_iter()
                .flat_map(|r| r.checkov_ids())
                .map(move |id| (f.file.clone(), id.to_string(), String::new()))
        })
        .collect();
    let checkov_docker = within_scope("checkov", "checkov 3.3.30 Dockerfiles (file, check)", ours_all, theirs, &judged);

    // checkov Kubernetes: by object, named as checkov names it (`Kind.namespace.name`).
    let rows = read_tsv(&corpus.join("expected/checkov-3.3.30-k8s.tsv"));
    let theirs: BTreeSet<Key> = rows
        .iter()
        .filter(|r| mapped.contains(r["check_id"].as_str()))
        .map(|r| (r["file"].clone(), r["check_id"].clone(), r["resource"].clone()))
        .collect();
    let (judged, failed) = checkov_judged("kubernetes", "k8s", &k8s_ids);
    assert_eq!(
        failed, theirs,
        "the installed checkov's Kubernetes failures differ from expected/checkov-3.3.30-k8s.tsv"
    );
    let mut objects: BTreeMap<String, Vec<(u32, String)>> = BTreeMap::new();
    let mut ours_all = BTreeSet::new();
    for f in result.findings.iter().filter(|f| f.file.starts_with("k8s/")) {
        let docs = objects.entry(f.file.clone()).or_insert_with(|| {
            let text = std::fs::read_to_string(corpus.join(&f.file)).unwrap_or_default();
            yaml::parse(&text)
                .0
                .iter()
                .filter_map(|d| {
                    let root = d.root.as_ref()?;
                    let s = |path: &[&str]| root.path(path).and_then(|n| n.str()).unwrap_or("").to_string();
                    let ns = root.path(&["metadata", "namespace"]).and_then(|n| n.str()).unwrap_or("default");
                    Some((root.line, format!("{}.{ns}.{}", s(&["kind"]), s(&["metadata", "name"]))))
                })
                .collect()
        });
        let line = f.line.unwrap_or(1);
        let Some((_, resource)) = docs.iter().rev().find(|(start, _)| *start <= line).or(docs.first()) else {
            continue;
        };
        for id in registry::find(&f.rule).into_iter().flat_map(|r| r.checkov_ids()) {
            ours_all.insert((f.file.clone(), id.to_string(), resource.clone()));
        }
    }
    let checkov_k8s =
        within_scope("checkov", "checkov 3.3.30 Kubernetes (file, check, object)", ours_all, theirs, &judged);

    let path = crate_dir().join("tests/agreement/disputes.toml");
    let text = std::fs::read_to_string(&path).expect("read tests/agreement/disputes.toml");
    let disputes: Disputes = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut used = BTreeSet::new();
    let mut problems = Vec::new();
    for c in [&hadolint, &checkov_docker, &checkov_k8s] {
        let (table, p) = score(c, &disputes.dispute, &mut used);
        println!("\n{table}");
        problems.extend(p);
    }
    for (i, d) in disputes.dispute.iter().enumerate() {
        for text in &d.cases {
            if !used.contains(&(i, text.clone())) {
                problems.push(format!(
                    "stale case in tests/agreement/disputes.toml: id {}, \"{text}\" is no longer a disagreement",
                    d.id
                ));
            }
        }
        if !["stowage", "hadolint", "checkov"].contains(&d.right.as_str()) || d.why.trim().is_empty() {
            problems
                .push(format!("dispute for {}: `right` must name stowage or the peer, and `why` must say why", d.id));
        }
        // The rule's doc page must carry the same explanation for its readers.
        let rules: Vec<&str> = registry::RULES
            .iter()
            .filter(|r| r.hadolint_ids().chain(r.checkov_ids()).any(|i| i == d.id))
            .map(|r| r.code)
            .collect();
        if !rules.iter().any(|code| !registry::peer_notes(code).is_empty()) {
            problems.push(format!(
                "{} ({rules:?}) is disputed but no mapped rule explains it in registry::peer_notes",
                d.id
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Splits our findings into those on what the peer judged and those beyond it (counted per peer ID).
fn within_scope(
    peer: &'static str,
    title: &'static str,
    ours_all: BTreeSet<Key>,
    theirs: BTreeSet<Key>,
    judged: &BTreeSet<Key>,
) -> Comparison {
    let mut beyond: BTreeMap<String, usize> = BTreeMap::new();
    let mut ours = BTreeSet::new();
    for k in ours_all {
        if judged.contains(&k) {
            ours.insert(k);
        } else {
            *beyond.entry(k.1.clone()).or_default() += 1;
        }
    }
    Comparison { peer, title, ours, theirs, beyond }
}
