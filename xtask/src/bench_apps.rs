//! The real-app section of `cargo xtask bench --apps-dir DIR`: analyze's per-fact accuracy on the apps listed in
//! `tests/apps-expected/apps.tsv`, one table per set (issue 3's apps from ../shared/corpus/apps.tsv, issue 8's added
//! apps) and one over all, and its wall time on a generated 200-service monorepo (issue 3, "Measure").
//!
//! The apps are fetched, never committed: `DIR/<owner>__<name>/` holds each app's tree at the listed commit, and
//! `tests/apps-expected/<owner>__<name>.toml` holds the model written by reading that app before analyze was first
//! measured on it. Each expected service is matched to one of analyze's by name or root folder, then compared fact
//! by fact: language, framework (on its family name), ports (numbers plus the variable that overrides them), health
//! path and backing services. Every disagreement is listed, so the figure can be checked by reading the apps.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde::Deserialize;
use serde_json::Value;

use crate::failure::Failure;

/// Where the expected models live, relative to the workspace root.
const EXPECTED_DIR: &str = "tests/apps-expected";
/// The list of measured apps in that folder: `repo`, `commit`, `set`, `notes`, tab-separated, with a header line.
const APPS_LIST: &str = "apps.tsv";
/// Services in the generated monorepo, and how many timed runs its median is taken over.
const GENERATED_SERVICES: usize = 200;
const TIMING_RUNS: usize = 5;
/// Issue 3's target for the generated monorepo, in seconds.
const TIMING_TARGET_S: f64 = 1.0;
/// How much of a failed run's message the report quotes.
const MESSAGE_CHARS: usize = 400;

/// The compared facts, in table order, with issue 3's target for each (percent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fact {
    Language,
    Framework,
    Port,
    Health,
    Backing,
}

const FACTS: [Fact; 5] = [Fact::Language, Fact::Framework, Fact::Port, Fact::Health, Fact::Backing];

impl Fact {
    fn label(self) -> &'static str {
        match self {
            Fact::Language => "language",
            Fact::Framework => "framework",
            Fact::Port => "port",
            Fact::Health => "health path",
            Fact::Backing => "backing services",
        }
    }
    fn target(self) -> f64 {
        match self {
            Fact::Language | Fact::Framework | Fact::Port => 95.0,
            Fact::Health | Fact::Backing => 90.0,
        }
    }
}

/// One `tests/apps-expected/*.toml` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedApp {
    repo: String,
    commit: String,
    services: Vec<ExpectedService>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedService {
    name: String,
    root: String,
    /// Only used to tell apart two services of one root (a Procfile's web and worker).
    kind: Option<String>,
    language: String,
    framework: Option<String>,
    #[serde(default)]
    ports: Vec<Port>,
    health_path: Option<String>,
    /// The backing services the default configuration needs (compared).
    #[serde(default)]
    backing_services: Vec<String>,
    /// The ones only an optional profile, driver or setting uses (documented; analyze lists them as optional, and
    /// the comparison takes only the required ones).
    #[serde(default)]
    #[allow(dead_code)]
    optional_backing_services: Vec<String>,
}

/// One line of `apps.tsv`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ListedApp {
    repo: String,
    commit: String,
    set: String,
}

/// Reads `apps.tsv`: each line's repository, commit and set; a malformed line is a usage error naming it.
fn read_apps_list(path: &Path) -> Result<Vec<ListedApp>, Failure> {
    let text = crate::failure::read_to_string(path)?;
    let mut apps = Vec::new();
    for (index, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split('\t').collect();
        let (Some(repo), Some(commit), Some(set)) = (cells.first(), cells.get(1), cells.get(2)) else {
            return Err(Failure::usage(format!(
                "{}:{}: expected `repo<TAB>commit<TAB>set<TAB>notes`",
                path.display(),
                index + 1
            )));
        };
        if !repo.contains('/') || commit.len() != 40 || set.is_empty() {
            return Err(Failure::usage(format!(
                "{}:{}: `{repo}` needs an owner/name, a 40-digit commit and a set",
                path.display(),
                index + 1
            )));
        }
        apps.push(ListedApp { repo: repo.to_string(), commit: commit.to_string(), set: set.to_string() });
    }
    Ok(apps)
}

/// A listening port as compared: the number (absent when only a variable sets it) and the variable overriding it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
struct Port {
    number: Option<u64>,
    env: Option<String>,
}

/// analyze's model of one service, reduced to what is compared.
#[derive(Debug, Default)]
struct GotService {
    name: String,
    root: String,
    kind: Option<String>,
    language: Option<String>,
    framework: Option<String>,
    ports: Vec<Port>,
    health_path: Option<String>,
    backing_services: Vec<String>,
}

/// One line of the disagreement list.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Disagreement {
    app: String,
    service: String,
    fact: String,
    expected: String,
    got: String,
}

/// What one app contributed: (correct, total) per fact in `FACTS` order, whether analyze found exactly the expected
/// services, and each disagreement.
#[derive(Debug, Default)]
struct AppScore {
    facts: [(usize, usize); 5],
    services_exact: bool,
    disagreements: Vec<Disagreement>,
}

/// The figures of one set of apps (or of all): (correct, total) per fact, exactly found apps, disagreements.
#[derive(Debug, Default)]
struct SetScore {
    name: String,
    apps: usize,
    services: usize,
    facts: [(usize, usize); 5],
    exact: usize,
    disagreements: Vec<Disagreement>,
}

impl SetScore {
    fn add(&mut self, score: &AppScore, services: usize) {
        for (total, app) in self.facts.iter_mut().zip(score.facts) {
            total.0 += app.0;
            total.1 += app.1;
        }
        self.apps += 1;
        self.services += services;
        self.exact += usize::from(score.services_exact);
    }

    fn merge(&mut self, other: &SetScore) {
        for (total, part) in self.facts.iter_mut().zip(other.facts) {
            total.0 += part.0;
            total.1 += part.1;
        }
        self.apps += other.apps;
        self.services += other.services;
        self.exact += other.exact;
    }
}

/// The Markdown section: the accuracy table, every disagreement, and the 200-service timing.
pub fn section(root: &Path, apps_dir: &Path) -> Result<String, Failure> {
    let xtask = xtask_binary(root)?;
    let expected_dir = root.join(EXPECTED_DIR);
    let list_path = expected_dir.join(APPS_LIST);
    let listed = read_apps_list(&list_path)?;
    if listed.is_empty() {
        return Err(Failure::usage(format!("{} lists no app", list_path.display())));
    }
    // Every expected model is listed, and every listed app has one: a model left out would silently not count.
    let mut models: Vec<String> = std::fs::read_dir(&expected_dir)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", expected_dir.display())))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    models.sort();
    for stem in &models {
        if !listed.iter().any(|a| a.repo.replace('/', "__") == *stem) {
            return Err(Failure::usage(format!(
                "{}/{stem}.toml is not listed in {}: add its repo, commit and set",
                expected_dir.display(),
                list_path.display()
            )));
        }
    }

    let mut sets: Vec<SetScore> = Vec::new();
    let mut notes = Vec::new();
    for listed_app in &listed {
        let stem = listed_app.repo.replace('/', "__");
        let file = expected_dir.join(format!("{stem}.toml"));
        if !file.is_file() {
            return Err(Failure::usage(format!(
                "{}: `{}` has no expected model {}",
                list_path.display(),
                listed_app.repo,
                file.display()
            )));
        }
        let text = crate::failure::read_to_string(&file)?;
        let expected: ExpectedApp =
            toml::from_str(&text).map_err(|e| Failure::usage(format!("{}: {e}", file.display())))?;
        if expected.repo != listed_app.repo || expected.commit != listed_app.commit {
            return Err(Failure::usage(format!(
                "{}: repo and commit differ from {} (`{}` at {})",
                file.display(),
                list_path.display(),
                listed_app.repo,
                listed_app.commit
            )));
        }
        let app = apps_dir.join(&stem);
        if !app.is_dir() {
            return Err(Failure::usage(format!(
                "{} is missing: export {} at {} there (see {EXPECTED_DIR}/README.md)",
                app.display(),
                expected.repo,
                expected.commit
            )));
        }
        let score = match run_analyze(&xtask, &app) {
            Ok(model) => compare_app(&stem, &expected, &got_services(&model)),
            Err(failed) => {
                let why = failed.message.replace(&apps_dir.display().to_string(), "<apps-dir>");
                let mut score = compare_app(&stem, &expected, &[]);
                if failed.code == Some(2) && expected.services.is_empty() {
                    // analyze's "nothing deployable" (exit 2, issue 3's bad-input code) is the expected verdict for
                    // an app with no deployable service: noted, not a disagreement.
                    notes.push(format!("`{stem}`: analyze exits 2 with no service, as expected: {why}"));
                } else {
                    // A failed run still counts: every expected fact is then missed.
                    score.services_exact = false;
                    score.disagreements.insert(0, disagreement(&stem, "-", "analyze run", "a model", &why));
                }
                score
            }
        };
        let index = match sets.iter().position(|s| s.name == listed_app.set) {
            Some(i) => i,
            None => {
                sets.push(SetScore { name: listed_app.set.clone(), ..SetScore::default() });
                sets.len() - 1
            }
        };
        sets[index].add(&score, expected.services.len());
        sets[index].disagreements.extend(score.disagreements);
    }

    let mut out = String::from("## Real apps: analyze accuracy\n\n");
    let _ = writeln!(
        out,
        "Each app of `{EXPECTED_DIR}/{APPS_LIST}` exported at its listed commit into the apps folder, analysed with \
         `target/debug/xtask analyze --app <apps-dir>/<owner>__<name> --json`, and compared with its expected model \
         in `{EXPECTED_DIR}/`, which was written by reading each app before the first measured run. A service is \
         matched by name or root folder; a fact counts as correct when it agrees (names case-insensitive, frameworks \
         on their family name, ports as numbers plus the variable that overrides them, the required backing services \
         as a set). The facts of an expected service analyze did not find count as missed. One table per set of \
         apps (`issue-3`: ../shared/corpus/apps.tsv; `issue-8`: the apps added for issue 8), then all together.\n"
    );
    let mut all = SetScore { name: "all".into(), ..SetScore::default() };
    for set in &sets {
        all.merge(set);
        out.push_str(&render_accuracy(set));
        if BLIND_SETS.contains(&set.name.as_str()) {
            out.push_str(&first_run(&expected_dir, set)?);
        }
    }
    if sets.len() > 1 {
        all.disagreements.clear();
        out.push_str(&render_accuracy(&all));
    }
    for note in &notes {
        let _ = writeln!(out, "Note: {note}\n");
    }
    out.push_str(&monorepo_timing(&xtask)?);
    Ok(out)
}

/// The sets whose expected models were committed before analyze first ran on them: their first run is kept beside
/// every later one, as issue 8 asks ("measured blind first").
const BLIND_SETS: [&str; 1] = ["issue-8"];

/// A blind set's first-run figures: read from `first-run-<set>.md` beside the expected models, or, when that file
/// does not exist yet, this run's figures, written there so later runs show them unchanged.
fn first_run(expected_dir: &Path, set: &SetScore) -> Result<String, Failure> {
    let path = expected_dir.join(format!("first-run-{}.md", set.name));
    if path.is_file() {
        return crate::failure::read_to_string(&path);
    }
    let text = render_accuracy(set).replacen("### Set", "#### First run, blind: set", 1);
    std::fs::write(&path, &text).map_err(|e| Failure::crash(format!("cannot write {}: {e}", path.display())))?;
    Ok(text)
}

/// The headings this module writes, in order: BENCHMARKS.md's real-app sections run from the first to the heading
/// after the last.
const HEADINGS: [&str; 2] = ["## Real apps: analyze accuracy", "## Analyze on a generated"];

/// `benchmarks` with its real-app sections replaced by `section` (appended when it has none), the other sections
/// (cold build, linter speed, agreement) left as their own run wrote them.
pub fn splice(benchmarks: &str, section: &str) -> String {
    let Some(start) = benchmarks.find(HEADINGS[0]) else {
        let mut out = benchmarks.trim_end().to_string();
        out.push_str("\n\n");
        out.push_str(section);
        return out;
    };
    let last = benchmarks[start..].find(HEADINGS[1]).map_or(start, |i| start + i);
    let end = benchmarks[last + 3..].find("\n## ").map_or(benchmarks.len(), |i| last + 3 + i + 1);
    format!("{}{section}{}", &benchmarks[..start], &benchmarks[end..])
}

/// The runner binary that `cargo xtask` built: this process when it is xtask, else the workspace's debug build.
fn xtask_binary(root: &Path) -> Result<PathBuf, Failure> {
    if let Ok(exe) = std::env::current_exe()
        && exe.file_stem().is_some_and(|s| s == "xtask")
    {
        return Ok(exe);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"));
    let binary = target.join("debug/xtask");
    if !binary.is_file() {
        return Err(Failure::usage(format!("{} is missing: build it with `cargo build -p xtask`", binary.display())));
    }
    Ok(binary)
}

/// Why `xtask analyze` gave no model: its exit code (none when it did not run or was killed) and a message.
#[derive(Debug)]
struct AnalyzeFailed {
    code: Option<i32>,
    message: String,
}

/// `xtask analyze --app APP --json`, parsed.
fn run_analyze(xtask: &Path, app: &Path) -> Result<Value, AnalyzeFailed> {
    let output = Command::new(xtask)
        .args(["analyze", "--app"])
        .arg(app)
        .arg("--json")
        .output()
        .map_err(|e| AnalyzeFailed { code: None, message: format!("cannot run {}: {e}", xtask.display()) })?;
    if !output.status.success() {
        // The runner wraps the stage's error; its last line is the stage's own message, the informative one.
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("no message").trim();
        let mut message: String = last.chars().take(MESSAGE_CHARS).collect();
        if last.chars().count() > MESSAGE_CHARS {
            message.push('…');
        }
        let code = output.status.code();
        let shown = code.map_or_else(|| "killed".to_string(), |c| format!("exit {c}"));
        return Err(AnalyzeFailed { code, message: format!("{shown}: {message}") });
    }
    serde_json::from_slice(&output.stdout)
        .map_err(|e| AnalyzeFailed { code: Some(0), message: format!("unreadable model on stdout: {e}") })
}

/// analyze's `services[]`, each fact unwrapped from its `{value, evidence}` wrapper (a bare value is accepted too).
fn got_services(model: &Value) -> Vec<GotService> {
    let Some(list) = model.get("services").and_then(Value::as_array) else { return Vec::new() };
    list.iter()
        .map(|s| GotService {
            name: s.get("name").and_then(Value::as_str).unwrap_or_default().to_string(),
            root: s.get("root").and_then(Value::as_str).unwrap_or(".").to_string(),
            kind: fact_str(s.get("kind")),
            language: fact_str(s.get("language")),
            framework: fact_str(s.get("framework")),
            ports: s
                .get("ports")
                .and_then(Value::as_array)
                .map(|ports| {
                    ports
                        .iter()
                        .map(unwrap_fact)
                        .map(|p| Port {
                            number: p.get("number").and_then(Value::as_u64),
                            env: p.get("env").and_then(Value::as_str).map(str::to_string),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            health_path: fact_str(s.get("health_path")),
            backing_services: s
                .get("backing_services")
                .and_then(Value::as_array)
                .map(|list| list.iter().filter_map(required_backing).collect())
                .unwrap_or_default(),
        })
        .collect()
}

/// A backing service's name when the default configuration needs it: a bare name or `{value}` (model version 1,
/// where every listed service was taken as required), or `{name, required}` (version 2), skipped when not required.
fn required_backing(b: &Value) -> Option<String> {
    let inner = unwrap_fact(b);
    if let Some(name) = inner.as_str() {
        return Some(name.to_string());
    }
    if inner.get("required").and_then(Value::as_bool) == Some(false) {
        return None;
    }
    inner.get("name").and_then(Value::as_str).map(str::to_string)
}

fn unwrap_fact(v: &Value) -> &Value {
    v.get("value").unwrap_or(v)
}

fn fact_str(v: Option<&Value>) -> Option<String> {
    v.filter(|v| !v.is_null()).map(unwrap_fact).and_then(Value::as_str).map(str::to_string)
}

/// Scores one app: each expected service against its match, then the services nobody expected.
fn compare_app(app: &str, expected: &ExpectedApp, got: &[GotService]) -> AppScore {
    let mut score = AppScore::default();
    let matches = match_services(&expected.services, got);
    let mut exact = true;
    for (want, found) in expected.services.iter().zip(&matches) {
        let Some(found) = found.map(|i| &got[i]) else {
            // No service to compare with: every fact of it is missed, whatever it is.
            exact = false;
            for (slot, _) in score.facts.iter_mut().zip(FACTS) {
                slot.1 += 1;
            }
            score.disagreements.push(disagreement(
                app,
                &want.name,
                "service",
                &format!("root `{}`", want.root),
                "no such service",
            ));
            continue;
        };
        for (slot, fact) in score.facts.iter_mut().zip(FACTS) {
            let (ok, expected_text, got_text) = compare_fact(fact, want, found);
            slot.1 += 1;
            if ok {
                slot.0 += 1;
            } else {
                score.disagreements.push(disagreement(app, &want.name, fact.label(), &expected_text, &got_text));
            }
        }
    }
    for (i, extra) in got.iter().enumerate() {
        if !matches.contains(&Some(i)) {
            exact = false;
            let got_text = format!("`{}` at `{}`", extra.name, extra.root);
            score.disagreements.push(disagreement(app, &extra.name, "service", "no such service", &got_text));
        }
    }
    score.services_exact = exact;
    score
}

fn disagreement(app: &str, service: &str, fact: &str, expected: &str, got: &str) -> Disagreement {
    Disagreement {
        app: app.into(),
        service: service.into(),
        fact: fact.into(),
        expected: expected.into(),
        got: got.into(),
    }
}

/// For each expected service, the index of analyze's service it is compared with: same name first, then same root
/// (of the same kind when both say, so a Procfile's web and worker pair up), each of analyze's used once.
fn match_services(expected: &[ExpectedService], got: &[GotService]) -> Vec<Option<usize>> {
    let mut matches: Vec<Option<usize>> = vec![None; expected.len()];
    let mut used = vec![false; got.len()];
    type Rule = fn(&ExpectedService, &GotService) -> bool;
    let rules: [Rule; 3] = [
        |e, g| e.name.eq_ignore_ascii_case(&g.name),
        |e, g| {
            same_root(&e.root, &g.root)
                && match (&e.kind, &g.kind) {
                    (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                    _ => true,
                }
        },
        |e, g| same_root(&e.root, &g.root),
    ];
    for rule in rules {
        for (slot, want) in matches.iter_mut().zip(expected) {
            if slot.is_some() {
                continue;
            }
            if let Some(i) = (0..got.len()).find(|&i| !used[i] && rule(want, &got[i])) {
                used[i] = true;
                *slot = Some(i);
            }
        }
    }
    matches
}

fn same_root(a: &str, b: &str) -> bool {
    fn norm(r: &str) -> String {
        let r = r.trim().trim_start_matches("./").trim_end_matches('/');
        if r.is_empty() { ".".into() } else { r.to_ascii_lowercase() }
    }
    norm(a) == norm(b)
}

/// Whether one fact agrees, with both sides as printed in the disagreement list.
fn compare_fact(fact: Fact, want: &ExpectedService, got: &GotService) -> (bool, String, String) {
    match fact {
        Fact::Language => {
            let ok = got.language.as_deref().is_some_and(|l| language(l) == language(&want.language));
            (ok, want.language.clone(), show(got.language.as_deref()))
        }
        Fact::Framework => {
            let ok = want.framework.as_deref().map(family) == got.framework.as_deref().map(family);
            (ok, show(want.framework.as_deref()), show(got.framework.as_deref()))
        }
        Fact::Port => {
            let (w, g) = (ports(&want.ports), ports(&got.ports));
            (w == g, show_ports(&w), show_ports(&g))
        }
        Fact::Health => {
            let ok = want.health_path.as_deref().map(path) == got.health_path.as_deref().map(path);
            (ok, show(want.health_path.as_deref()), show(got.health_path.as_deref()))
        }
        Fact::Backing => {
            let (w, g) = (backing(&want.backing_services), backing(&got.backing_services));
            (w == g, show_set(&w), show_set(&g))
        }
    }
}

/// A language name in one spelling: case-insensitive, with the common aliases folded.
fn language(name: &str) -> String {
    let lower = name.trim().to_ascii_lowercase();
    match lower.as_str() {
        "c#" | "c-sharp" | "cs" => "csharp".into(),
        "f#" => "fsharp".into(),
        "js" | "node" | "node.js" | "nodejs" => "javascript".into(),
        "ts" => "typescript".into(),
        "golang" => "go".into(),
        _ => lower,
    }
}

/// A framework's family: "Express 4" and "express", "actix-web 4 + diesel" and "actix-web", "Next.js" and "nextjs"
/// are one family. Lowercase, up to any `(`, `+` or `,`, version words dropped, punctuation and the `web`/`js`
/// suffixes removed.
fn family(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let head = lower.split(['(', '+', ',']).next().unwrap_or_default();
    let is_version = |w: &str| {
        let w = w.strip_prefix('v').unwrap_or(w);
        w.chars().next().is_some_and(|c| c.is_ascii_digit())
    };
    let joined: String = head
        .split_whitespace()
        .filter(|w| !is_version(w))
        .flat_map(|w| w.chars())
        .filter(|c| c.is_alphanumeric())
        .collect();
    for suffix in ["web", "js"] {
        if let Some(stem) = joined.strip_suffix(suffix)
            && !stem.is_empty()
        {
            return stem.to_string();
        }
    }
    joined
}

/// Ports as a sorted set, variable names uppercased (environment names are compared case-insensitively too).
fn ports(list: &[Port]) -> BTreeSet<Port> {
    list.iter().map(|p| Port { number: p.number, env: p.env.as_ref().map(|e| e.trim().to_ascii_uppercase()) }).collect()
}

/// A route path without a trailing slash, so `/health/` and `/health` agree.
fn path(p: &str) -> String {
    let p = p.trim();
    if p.len() > 1 { p.trim_end_matches('/').to_string() } else { p.to_string() }
}

/// Backing services as a set of canonical names (postgresql is postgres, mariadb is mysql, opensearch is
/// elasticsearch, minio is s3).
fn backing(list: &[String]) -> BTreeSet<String> {
    list.iter()
        .map(|b| {
            let lower = b.trim().to_ascii_lowercase();
            match lower.as_str() {
                "postgresql" | "pg" => "postgres".into(),
                "mariadb" => "mysql".into(),
                "opensearch" => "elasticsearch".into(),
                "mongo" => "mongodb".into(),
                "minio" => "s3".into(),
                "mssql" | "sql-server" | "sql server" => "sqlserver".into(),
                _ => lower,
            }
        })
        .collect()
}

fn show(v: Option<&str>) -> String {
    v.map_or_else(|| "(none)".into(), |v| format!("`{v}`"))
}

fn show_ports(set: &BTreeSet<Port>) -> String {
    if set.is_empty() {
        return "(none)".into();
    }
    let one = |p: &Port| match (p.number, &p.env) {
        (Some(n), Some(e)) => format!("`{n}` (`{e}`)"),
        (Some(n), None) => format!("`{n}`"),
        (None, Some(e)) => format!("`${e}` (no default)"),
        (None, None) => "(unknown)".into(),
    };
    set.iter().map(one).collect::<Vec<_>>().join(", ")
}

fn show_set(set: &BTreeSet<String>) -> String {
    if set.is_empty() { "(none)".into() } else { set.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ") }
}

/// One set's accuracy table and its disagreement list (none for the `all` table, whose lines the sets list).
fn render_accuracy(set: &SetScore) -> String {
    let mut out = format!("### Set `{}` ({} apps, {} expected services)\n\n", set.name, set.apps, set.services);
    out.push_str("| fact | correct | total | accuracy | target | met |\n| --- | --- | --- | --- | --- | --- |\n");
    for (fact, (correct, total)) in FACTS.iter().zip(&set.facts) {
        let pct = percent(*correct, *total);
        let met = if pct >= fact.target() { "yes" } else { "no" };
        let _ =
            writeln!(out, "| {} | {correct} | {total} | {pct:.1}% | ≥ {:.0}% | {met} |", fact.label(), fact.target());
    }
    let _ = writeln!(
        out,
        "| services found exactly (per app, no target) | {} | {} | {:.1}% | - | - |\n",
        set.exact,
        set.apps,
        percent(set.exact, set.apps)
    );
    if set.name == "all" {
        return out;
    }
    if set.disagreements.is_empty() {
        out.push_str("Disagreements: none.\n\n");
    } else {
        let _ = writeln!(out, "Disagreements ({}):\n", set.disagreements.len());
        out.push_str("| app | service | fact | expected | got |\n| --- | --- | --- | --- | --- |\n");
        for d in &set.disagreements {
            let cells = [&d.app, &d.service, &d.fact, &d.expected, &d.got].map(|c| c.replace('|', "\\|"));
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
        out.push('\n');
    }
    out
}

fn percent(correct: usize, total: usize) -> f64 {
    if total == 0 { 100.0 } else { correct as f64 * 100.0 / total as f64 }
}

/// Wall time of `xtask analyze` on a generated monorepo of `GENERATED_SERVICES` small services, median of
/// `TIMING_RUNS` runs after one warm-up (the first run also builds the stage if it is stale).
fn monorepo_timing(xtask: &Path) -> Result<String, Failure> {
    let dir = std::env::temp_dir().join(format!("stowage-bench-monorepo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    generate_monorepo(&dir, GENERATED_SERVICES)?;
    let measured = time_analyze(xtask, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    let (median, min, max, found) = measured?;
    let met = if median < TIMING_TARGET_S { "yes" } else { "no" };
    Ok(format!(
        "## Analyze on a generated {GENERATED_SERVICES}-service monorepo\n\n\
         A temporary folder with {GENERATED_SERVICES} services under `services/`, {per} of each of {n} ecosystems \
         (Express, Flask, Gin, axum, Sinatra, Slim, Spring Boot, ASP.NET Core), each a manifest and an entry point \
         with a port and a health route. Wall time of the whole command (runner, pipeline and analyze stage), \
         median of {TIMING_RUNS} runs after a warm-up; analyze found {found} services.\n\n\
         | command | median | min | max | target | met |\n| --- | --- | --- | --- | --- | --- |\n\
         | `target/debug/xtask analyze --app <monorepo> --json` | {median:.3} s | {min:.3} s | {max:.3} s | < {TIMING_TARGET_S:.0} s | {met} |\n\n",
        per = GENERATED_SERVICES / ECOSYSTEMS.len(),
        n = ECOSYSTEMS.len(),
    ))
}

fn time_analyze(xtask: &Path, dir: &Path) -> Result<(f64, f64, f64, usize), Failure> {
    let mut found = 0;
    let mut times = Vec::with_capacity(TIMING_RUNS);
    for run in 0..=TIMING_RUNS {
        let started = Instant::now();
        let model = run_analyze(xtask, dir).map_err(|e| {
            Failure::failed(format!("analyze failed on the generated monorepo {}: {}", dir.display(), e.message))
        })?;
        let seconds = started.elapsed().as_secs_f64();
        found = got_services(&model).len();
        if run > 0 {
            times.push(seconds);
        }
    }
    times.sort_by(f64::total_cmp);
    Ok((times[times.len() / 2], times[0], times[times.len() - 1], found))
}

/// One generated service: its files (path in the service folder, text), given its name and port.
type Generator = fn(&str, u16) -> Vec<(&'static str, String)>;

/// The generated services' ecosystems, one generator each.
const ECOSYSTEMS: [Generator; 8] = [
    |name, port| {
        vec![
            (
                "package.json",
                format!(
                    "{{\n  \"name\": \"{name}\",\n  \"scripts\": {{ \"start\": \"node index.js\" }},\n  \"dependencies\": {{ \"express\": \"^4.19.2\", \"pg\": \"^8.11.0\" }}\n}}\n"
                ),
            ),
            (
                "index.js",
                format!(
                    "const express = require('express');\nconst app = express();\napp.get('/healthz', (req, res) => res.send('ok'));\napp.listen(process.env.PORT || {port});\n"
                ),
            ),
        ]
    },
    |_, port| {
        vec![
            ("requirements.txt", "flask==3.0.0\nredis==5.0.1\n".into()),
            (
                "app.py",
                format!(
                    "import os\nfrom flask import Flask\napp = Flask(__name__)\n\n@app.route('/health')\ndef health():\n    return 'ok'\n\nif __name__ == '__main__':\n    app.run(port=int(os.environ.get('PORT', {port})))\n"
                ),
            ),
        ]
    },
    |name, port| {
        vec![
            ("go.mod", format!("module example.com/{name}\n\ngo 1.22\n\nrequire github.com/gin-gonic/gin v1.10.0\n")),
            (
                "main.go",
                format!(
                    "package main\n\nimport \"github.com/gin-gonic/gin\"\n\nfunc main() {{\n\tr := gin.Default()\n\tr.GET(\"/healthz\", func(c *gin.Context) {{ c.String(200, \"ok\") }})\n\tr.Run(\":{port}\")\n}}\n"
                ),
            ),
        ]
    },
    |name, port| {
        vec![
            (
                "Cargo.toml",
                format!(
                    "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\naxum = \"0.7\"\ntokio = {{ version = \"1\", features = [\"full\"] }}\n"
                ),
            ),
            (
                "src/main.rs",
                format!(
                    "use axum::{{routing::get, Router}};\n\n#[tokio::main]\nasync fn main() {{\n    let app = Router::new().route(\"/health\", get(|| async {{ \"ok\" }}));\n    let listener = tokio::net::TcpListener::bind(\"0.0.0.0:{port}\").await.unwrap();\n    axum::serve(listener, app).await.unwrap();\n}}\n"
                ),
            ),
        ]
    },
    |_, port| {
        vec![
            ("Gemfile", "source \"https://rubygems.org\"\n\ngem \"sinatra\"\ngem \"puma\"\n".into()),
            ("config.ru", "require './app'\nrun Sinatra::Application\n".into()),
            (
                "app.rb",
                format!("require 'sinatra'\n\nset :port, ENV.fetch('PORT', {port})\n\nget '/health' do\n  'ok'\nend\n"),
            ),
        ]
    },
    |name, _| {
        vec![
            ("composer.json", format!("{{\n  \"name\": \"bench/{name}\",\n  \"require\": {{ \"slim/slim\": \"^4.0\" }}\n}}\n")),
            (
                "public/index.php",
                "<?php\nuse Slim\\Factory\\AppFactory;\nrequire __DIR__ . '/../vendor/autoload.php';\n$app = AppFactory::create();\n$app->get('/health', function ($request, $response) { return $response; });\n$app->run();\n".into(),
            ),
        ]
    },
    |name, port| {
        vec![
            (
                "pom.xml",
                format!(
                    "<project>\n  <modelVersion>4.0.0</modelVersion>\n  <parent>\n    <groupId>org.springframework.boot</groupId>\n    <artifactId>spring-boot-starter-parent</artifactId>\n    <version>3.3.0</version>\n  </parent>\n  <groupId>bench</groupId>\n  <artifactId>{name}</artifactId>\n  <version>1.0.0</version>\n  <properties><java.version>21</java.version></properties>\n  <dependencies>\n    <dependency>\n      <groupId>org.springframework.boot</groupId>\n      <artifactId>spring-boot-starter-web</artifactId>\n    </dependency>\n  </dependencies>\n</project>\n"
                ),
            ),
            ("src/main/resources/application.properties", format!("server.port=${{PORT:{port}}}\n")),
            (
                "src/main/java/bench/App.java",
                "package bench;\n\nimport org.springframework.boot.SpringApplication;\nimport org.springframework.boot.autoconfigure.SpringBootApplication;\n\n@SpringBootApplication\npublic class App {\n    public static void main(String[] args) { SpringApplication.run(App.class, args); }\n}\n".into(),
            ),
        ]
    },
    |name, _| {
        vec![
            (
                "App.csproj",
                "<Project Sdk=\"Microsoft.NET.Sdk.Web\">\n  <PropertyGroup>\n    <TargetFramework>net8.0</TargetFramework>\n  </PropertyGroup>\n</Project>\n".into(),
            ),
            (
                "Program.cs",
                format!(
                    "var builder = WebApplication.CreateBuilder(args);\nvar app = builder.Build();\napp.MapGet(\"/health\", () => \"{name}\");\napp.Run();\n"
                ),
            ),
        ]
    },
];

/// Writes `count` services under `dir/services/`, cycling through the ecosystems.
fn generate_monorepo(dir: &Path, count: usize) -> Result<(), Failure> {
    let write = |path: &Path, text: &str| -> Result<(), Failure> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Failure::usage(format!("cannot create {}: {e}", parent.display())))?;
        }
        std::fs::write(path, text).map_err(|e| Failure::usage(format!("cannot write {}: {e}", path.display())))
    };
    write(&dir.join("README.md"), &format!("A generated monorepo of {count} services for `cargo xtask bench`.\n"))?;
    for i in 0..count {
        let name = format!("svc-{i:03}");
        let port = 8000 + u16::try_from(i).expect("fewer than 57535 services");
        for (file, text) in ECOSYSTEMS[i % ECOSYSTEMS.len()](&name, port) {
            write(&dir.join("services").join(&name).join(file), &text)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPECTED: &str = r#"
repo = "example/shop"
commit = "0000000000000000000000000000000000000000"

[[services]]
name = "api"
root = "services/api"
language = "TypeScript"
framework = "Express 4"
ports = [{ number = 3000, env = "PORT" }]
health_path = "/healthz/"
backing_services = ["PostgreSQL", "redis"]

[[services]]
name = "web"
root = "."
kind = "web"
language = "python"
framework = "Flask"
ports = [{ number = 5000 }]
backing_services = []

[[services]]
name = "worker"
root = "."
kind = "worker"
language = "python"
framework = "Flask"
backing_services = ["redis"]

[[services]]
name = "billing"
root = "services/billing"
language = "go"
framework = "Gin"
ports = [{ env = "PORT" }]
"#;

    fn model() -> Value {
        serde_json::json!({
            "model_version": 1,
            "services": [
                {
                    "name": "shop-api", "root": "services/api/",
                    "kind": { "value": "web", "evidence": [] },
                    "language": { "value": "typescript", "confidence": "high", "evidence": [] },
                    "framework": { "value": "express", "evidence": [] },
                    "ports": [{ "value": { "number": 3000, "env": "port" }, "evidence": [] }],
                    "health_path": { "value": "/healthz", "evidence": [] },
                    "backing_services": [{ "value": "redis" }, { "value": "postgres" }]
                },
                {
                    "name": "shop-worker", "root": ".",
                    "kind": { "value": "worker" },
                    "language": { "value": "python" },
                    "framework": { "value": "Flask" },
                    "ports": [],
                    "health_path": null,
                    "backing_services": []
                },
                {
                    "name": "shop", "root": ".",
                    "kind": { "value": "web" },
                    "language": { "value": "Python" },
                    "framework": { "value": "Django" },
                    "ports": [{ "value": { "number": 8000, "env": "PORT" } }],
                    "health_path": { "value": "/" },
                    "backing_services": []
                },
                {
                    "name": "example", "root": "examples/demo",
                    "language": { "value": "javascript" },
                    "framework": null, "ports": [], "health_path": null, "backing_services": []
                }
            ]
        })
    }

    fn score() -> AppScore {
        let expected: ExpectedApp = toml::from_str(EXPECTED).unwrap();
        compare_app("example__shop", &expected, &got_services(&model()))
    }

    fn facts_of(score: &AppScore, service: &str) -> Vec<String> {
        score.disagreements.iter().filter(|d| d.service == service).map(|d| d.fact.clone()).collect()
    }

    #[test]
    fn a_service_matched_by_root_agrees_across_spellings() {
        // Root with a trailing slash, "express" for "Express 4", "port" for "PORT", "/healthz" for "/healthz/",
        // postgres for PostgreSQL: all the same facts.
        assert!(facts_of(&score(), "api").is_empty(), "{:?}", score().disagreements);
    }

    #[test]
    fn two_services_of_one_root_pair_up_by_kind_and_each_disagreement_is_listed() {
        let score = score();
        assert_eq!(facts_of(&score, "web"), ["framework", "port", "health path"]);
        // The worker's backing services differ (redis expected, none found); the rest agrees.
        assert_eq!(facts_of(&score, "worker"), ["backing services"]);
        let port = score.disagreements.iter().find(|d| d.service == "web" && d.fact == "port").unwrap();
        assert_eq!((port.expected.as_str(), port.got.as_str()), ("`5000`", "`8000` (`PORT`)"));
    }

    #[test]
    fn a_missing_service_misses_every_fact_and_an_extra_one_is_listed() {
        let score = score();
        assert_eq!(facts_of(&score, "billing"), ["service"]);
        assert_eq!(facts_of(&score, "example"), ["service"]);
        assert!(!score.services_exact);
        // 4 expected services, 5 facts each; web misses 3, worker 1, billing all 5.
        let correct: Vec<usize> = score.facts.iter().map(|f| f.0).collect();
        assert_eq!(correct, [3, 2, 2, 2, 2]);
        assert!(score.facts.iter().all(|f| f.1 == 4));
    }

    #[test]
    fn an_app_with_no_expected_service_is_exact_only_when_analyze_finds_none() {
        let expected: ExpectedApp = toml::from_str("repo = \"a/b\"\ncommit = \"c\"\nservices = []\n").unwrap();
        assert!(compare_app("a__b", &expected, &[]).services_exact);
        let extra = compare_app("a__b", &expected, &got_services(&model()));
        assert!(!extra.services_exact);
        assert_eq!(extra.disagreements.len(), 4);
    }

    #[test]
    fn framework_families_and_language_aliases() {
        assert_eq!(family("actix-web 4 + diesel (Postgres)"), family("actix-web"));
        assert_eq!(family("Next.js"), family("nextjs"));
        assert_eq!(family("ASP.NET Core (Blazor) net10.0"), family("ASP.NET Core"));
        assert_ne!(family("Flask"), family("FastAPI"));
        assert_eq!(language("C#"), language("csharp"));
        assert_ne!(language("TypeScript"), language("JavaScript"));
    }

    #[test]
    fn the_table_shows_each_fact_against_its_target() {
        let score = score();
        let mut set = SetScore { name: "issue-8".into(), ..SetScore::default() };
        set.add(&score, 4);
        set.disagreements = score.disagreements.clone();
        let text = render_accuracy(&set);
        assert!(text.contains("### Set `issue-8` (1 apps, 4 expected services)"), "{text}");
        assert!(text.contains("| language | 3 | 4 | 75.0% | ≥ 95% | no |"), "{text}");
        assert!(text.contains("| health path | 2 | 4 | 50.0% | ≥ 90% | no |"), "{text}");
        assert!(text.contains("| example__shop | web | port | `5000` | `8000` (`PORT`) |"), "{text}");
    }

    #[test]
    fn the_apps_sections_are_replaced_and_the_others_kept() {
        let file = "# Benchmarks\n\n## Cold build\n\nx\n\n## Real apps: analyze accuracy\n\nold\n\n### Set `a`\n\nold\n\n\
                    ## Analyze on a generated 200-service monorepo\n\nold\n\n## Later\n\nkept\n";
        let new = "## Real apps: analyze accuracy\n\nnew\n\n## Analyze on a generated 200-service monorepo\n\nnew\n\n";
        let spliced = splice(file, new);
        assert_eq!(spliced, format!("# Benchmarks\n\n## Cold build\n\nx\n\n{new}## Later\n\nkept\n"));
        assert_eq!(splice("# Benchmarks\n", new), format!("# Benchmarks\n\n{new}"));
    }

    #[test]
    fn only_required_backing_services_are_compared() {
        let list = serde_json::json!([
            "redis",
            { "value": "postgres" },
            { "name": "mysql", "required": true, "evidence": [] },
            { "name": "s3", "required": false, "evidence": [] }
        ]);
        let names: Vec<String> = list.as_array().unwrap().iter().filter_map(required_backing).collect();
        assert_eq!(names, ["redis", "postgres", "mysql"]);
    }

    #[test]
    fn every_listed_app_has_its_expected_model_at_the_listed_commit() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(EXPECTED_DIR);
        let listed = read_apps_list(&dir.join(APPS_LIST)).unwrap();
        assert!(listed.iter().filter(|a| a.set == "issue-8").count() >= 10, "issue 8 asks for at least 10 added apps");
        for app in &listed {
            let file = dir.join(format!("{}.toml", app.repo.replace('/', "__")));
            let expected: ExpectedApp = toml::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
            assert_eq!((expected.repo.as_str(), expected.commit.as_str()), (app.repo.as_str(), app.commit.as_str()));
        }
        let models = std::fs::read_dir(&dir)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "toml"));
        assert_eq!(models.count(), listed.len(), "every expected model is listed in {APPS_LIST}");
    }

    #[test]
    fn a_malformed_apps_list_line_is_a_usage_error_naming_it() {
        let dir = std::env::temp_dir().join(format!("stowage-bench-apps-list-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(APPS_LIST);
        std::fs::write(&path, "repo\tcommit\tset\tnotes\nowner/name\tabc\tissue-8\tshort commit\n").unwrap();
        let err = read_apps_list(&path).unwrap_err();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(err.to_string().contains("apps.tsv:2"), "{err}");
    }

    #[test]
    fn the_generated_monorepo_has_one_folder_per_service() {
        let dir = std::env::temp_dir().join(format!("stowage-bench-apps-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        generate_monorepo(&dir, 16).unwrap();
        let count = std::fs::read_dir(dir.join("services")).unwrap().count();
        assert!(dir.join("services/svc-003/src/main.rs").is_file());
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(count, 16);
    }
}
