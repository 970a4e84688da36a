//! The validation core of stowage: one rule engine for Dockerfiles, compose files, Kubernetes manifests and Helm
//! charts, used by the `validate` stage and by the `lint` command.
//!
//! Each front end turns a file into [`Diag`]s (rule code, 1-based line and column, message); the engine then drops
//! disabled rules and ignored lines, applies the policy's severities and returns sorted [`Finding`]s. The rules
//! themselves are declared once in [`registry`].

pub mod compliance;
pub mod compose;
pub mod discover;
pub mod dockerfile;
pub mod docs;
pub mod hadolint_config;
pub mod helm;
pub mod ignore;
pub mod k8s;
pub mod output;
pub mod policy;
pub mod registry;
pub mod rendered;
pub mod reporting;
pub mod shell;
pub mod source;
pub mod stage;
pub mod team;
pub mod yaml;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use stowage_kit::{Finding, Severity, secret};

pub use crate::policy::Policy;

/// What a front end reports before the policy is applied.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diag {
    pub line: u32,
    pub column: u32,
    pub rule: &'static str,
    pub message: String,
    /// The value a secret rule flagged: it is masked wherever the finding's file or message is shown.
    pub secret: Option<String>,
}

impl Diag {
    pub fn new(rule: &'static str, (line, column): (u32, u32), message: impl Into<String>) -> Diag {
        Diag { line, column, rule, message: message.into(), secret: None }
    }

    /// Records `value` as the secret this finding flags.
    pub fn flagging(mut self, value: &str) -> Diag {
        self.secret = Some(value.to_string());
        self
    }
}

/// What replaces a secret value in anything the linter shows.
pub const MASK: &str = "****";

/// A finding's message as it may be shown: secret forms masked, and the values flagged in its file.
fn shown_message(message: String, flagged: &[&str]) -> String {
    secret::mask_values(&secret::mask_text(&message, MASK), flagged, MASK)
}

/// The kinds of file the engine understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Dockerfile,
    Compose,
    Kubernetes,
    /// A chart's Chart.yaml; the chart directory around it is checked.
    HelmChart,
}

/// One file to check: `file` is how findings name it, `path` where its bytes are. A `file` ending in `/` is a
/// folder that could not be listed, reported as such.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Input {
    pub file: String,
    pub path: PathBuf,
    pub kind: Kind,
}

/// Findings of a run and the texts they point into (for rendering the source line).
#[derive(Debug, Default)]
pub struct LintResult {
    pub findings: Vec<Finding>,
    /// Findings an inline ignore comment silenced, with its reason; they never fail a run.
    pub suppressed: Vec<stowage_kit::Suppressed>,
    pub sources: BTreeMap<String, String>,
    /// Per file, the values secret rules flagged (whether or not the finding is reported): never shown.
    pub flagged: BTreeMap<String, Vec<String>>,
    pub files_checked: usize,
    /// What was checked, as compliance controls count it: each Dockerfile, compose file, object running pods
    /// and RBAC object.
    pub subjects: Vec<compliance::Subject>,
}

impl LintResult {
    /// The result of checking one text, as `lint` reports it: lets the findings of `lint_text` be rendered.
    pub fn of_text(file: &str, text: &str, findings: Vec<Finding>) -> LintResult {
        LintResult {
            findings,
            suppressed: Vec::new(),
            sources: BTreeMap::from([(file.to_string(), text.to_string())]),
            flagged: BTreeMap::new(),
            files_checked: 1,
            subjects: Vec::new(),
        }
    }
}

/// Checks every input, then the relations between Kubernetes objects across all of them.
/// What checking one file produced, before ignores and the policy are applied.
struct Checked {
    file: String,
    text: Option<String>,
    diags: Vec<Diag>,
    ignores: ignore::Ignores,
    objects: Vec<k8s::Object>,
    /// Findings about other files of a Helm chart, with their paths.
    elsewhere: Vec<(String, Diag)>,
}

/// The folder that bounds what checking `input` may read: the first of `roots` (canonical) where the input lies
/// (a link by where the link is, not where it leads), else the folder its target is in (a file named on its own,
/// which is followed, or a staged file).
fn boundary(input: &Input, roots: &[PathBuf]) -> PathBuf {
    let located = match (input.path.parent().and_then(|p| p.canonicalize().ok()), input.path.file_name()) {
        (Some(parent), Some(name)) => parent.join(name),
        _ => input.path.clone(),
    };
    if let Some(root) = roots.iter().find(|r| located.starts_with(r)) {
        return root.clone();
    }
    let real = input.path.canonicalize().unwrap_or(located);
    real.parent().map(Path::to_path_buf).unwrap_or_default()
}

fn check_input(input: &Input, policy: &Policy, roots: &[PathBuf]) -> Checked {
    let mut c = Checked {
        file: input.file.clone(),
        text: None,
        diags: Vec::new(),
        ignores: ignore::Ignores::default(),
        objects: Vec::new(),
        elsewhere: Vec::new(),
    };
    let within = boundary(input, roots);
    // A folder among the inputs is one that could not be listed (see `discover::walk`).
    if let Some(folder) = input.file.strip_suffix('/') {
        let why = std::fs::read_dir(&input.path).err().map_or("it cannot be listed".to_string(), |e| e.to_string());
        let message = format!("cannot list folder {folder}: {why}; its files are not checked");
        c.diags.push(Diag::new("GN002", (1, 1), message));
        return c;
    }
    let text = match read_text_within(&within, &input.path, &input.file) {
        Ok(text) => text,
        Err(message) => {
            c.diags.push(Diag::new("GN002", (1, 1), message));
            return c;
        }
    };
    c.ignores = match input.kind {
        Kind::Dockerfile => dockerfile::check(&text, policy, &mut c.diags),
        Kind::Compose => {
            compose::check(&text, policy, &mut c.diags);
            ignore::scan_yaml(&text)
        }
        Kind::Kubernetes => {
            k8s::check_file(&input.file, input.path.parent(), &text, policy, &mut c.diags, &mut c.objects);
            ignore::scan_yaml(&text)
        }
        Kind::HelmChart => {
            let mut elsewhere = Vec::new();
            helm::check(&within, &input.path, &text, &mut c.diags, &mut elsewhere);
            let dir = input.file.rsplit_once('/').map_or(String::new(), |(d, _)| format!("{d}/"));
            c.elsewhere = elsewhere.into_iter().map(|(rel, d)| (format!("{dir}{rel}"), d)).collect();
            ignore::scan_yaml(&text)
        }
    };
    team::check(input.kind, &text, &c.objects, &mut c.diags);
    c.text = Some(text);
    c
}

/// Checks every input (on all cores: files are independent), then the relations between Kubernetes objects
/// across all of them. Each input reads only regular files in its own folder (a Helm chart's files in the chart);
/// [`lint_within`] bounds reading by the app instead.
pub fn lint(inputs: &[Input], policy: &Policy) -> LintResult {
    lint_within(&[], inputs, policy)
}

/// [`lint`], where an input under one of `roots` may read any regular file inside that root (a chart's
/// `values.yaml` linked to a file elsewhere in the app) and nothing outside it.
pub fn lint_within(roots: &[PathBuf], inputs: &[Input], policy: &Policy) -> LintResult {
    let roots: Vec<PathBuf> = roots.iter().filter_map(|r| r.canonicalize().ok()).collect();
    let roots = roots.as_slice();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(inputs.len().max(1));
    let checked: Vec<Checked> = if threads <= 1 || inputs.len() < 16 {
        inputs.iter().map(|i| check_input(i, policy, roots)).collect()
    } else {
        // Files differ a lot in size, so threads take the next file as they go rather than fixed shares.
        let next = std::sync::atomic::AtomicUsize::new(0);
        let mut slots: Vec<Option<Checked>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let mut done = Vec::new();
                        loop {
                            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some(input) = inputs.get(i) else { break };
                            done.push((i, check_input(input, policy, roots)));
                        }
                        done
                    })
                })
                .collect();
            let mut slots: Vec<Option<Checked>> = (0..inputs.len()).map(|_| None).collect();
            for h in handles {
                // A panicking check is a bug; re-raise it rather than drop the files it was checking.
                for (i, c) in h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)) {
                    slots[i] = Some(c);
                }
            }
            slots
        });
        slots.iter_mut().filter_map(Option::take).collect()
    };
    let mut result = LintResult { files_checked: inputs.len(), ..LintResult::default() };
    let mut per_file: BTreeMap<String, Vec<Diag>> = BTreeMap::new();
    let mut ignores: BTreeMap<String, ignore::Ignores> = BTreeMap::new();
    let mut objects = Vec::new();
    for c in checked {
        per_file.entry(c.file.clone()).or_default().extend(c.diags);
        for (file, d) in c.elsewhere {
            per_file.entry(file).or_default().push(d);
        }
        objects.extend(c.objects);
        ignores.insert(c.file.clone(), c.ignores);
        if let Some(text) = c.text {
            result.sources.insert(c.file, text);
        }
    }
    for input in inputs {
        match input.kind {
            Kind::Dockerfile => result.subjects.push(compliance::Subject::Dockerfile(input.file.clone())),
            Kind::Compose => result.subjects.push(compliance::Subject::Compose(input.file.clone())),
            Kind::Kubernetes | Kind::HelmChart => {}
        }
    }
    for o in &objects {
        let name = format!("{} {}/{}", o.file, o.kind, o.name);
        if o.runs_pods() {
            result.subjects.push(compliance::Subject::Pods(name));
        } else if matches!(o.kind.as_str(), "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding") {
            result.subjects.push(compliance::Subject::Rbac(name));
        }
    }
    for (file, diag) in k8s::check_relations(&objects, policy) {
        per_file.entry(file).or_default().push(diag);
    }
    for (file, diags) in per_file {
        let mut flagged: Vec<String> = diags.iter().filter_map(|d| d.secret.clone()).collect();
        flagged.sort();
        flagged.dedup();
        let file_ignores = ignores.remove(&file).unwrap_or_default();
        let mut kept = Vec::new();
        let mut silenced = Vec::new();
        let values: Vec<&str> = flagged.iter().map(String::as_str).collect();
        for d in diags {
            match file_ignores.reason(&d) {
                Some(reason) => silenced.push((d, reason.to_string())),
                None => kept.push(d),
            }
        }
        kept.extend(file_ignores.diags.iter().cloned());
        kept.sort();
        kept.dedup();
        silenced.sort();
        silenced.dedup();
        let finding = |d: Diag| {
            let rule = registry::find(d.rule).filter(|r| policy.enabled(r))?;
            Some(Finding {
                file: file.clone(),
                line: Some(d.line),
                column: Some(d.column),
                rule: d.rule.to_string(),
                severity: policy.severity(rule),
                message: shown_message(d.message, &values),
                snippet: None,
            })
        };
        result.findings.extend(kept.into_iter().filter_map(finding));
        result.suppressed.extend(
            silenced
                .into_iter()
                .filter_map(|(d, reason)| finding(d).map(|finding| stowage_kit::Suppressed { finding, reason })),
        );
        if !flagged.is_empty() {
            result.flagged.insert(file, flagged);
        }
    }
    result.findings.sort_by(|a, b| (&a.file, a.line, a.column, &a.rule).cmp(&(&b.file, b.line, b.column, &b.rule)));
    result
}

/// Checks one text as `kind`, for tests and fuzzing; Helm charts need a directory and are not handled here.
pub fn lint_text(kind: Kind, file: &str, text: &str, policy: &Policy) -> Vec<Finding> {
    let mut diags = Vec::new();
    let mut objects = Vec::new();
    let ignores = match kind {
        Kind::Dockerfile => dockerfile::check(text, policy, &mut diags),
        Kind::Compose => {
            compose::check(text, policy, &mut diags);
            ignore::scan_yaml(text)
        }
        Kind::Kubernetes | Kind::HelmChart => {
            k8s::check_file(file, None, text, policy, &mut diags, &mut objects);
            ignore::scan_yaml(text)
        }
    };
    team::check(kind, text, &objects, &mut diags);
    diags.extend(k8s::check_relations(&objects, policy).into_iter().map(|(_, d)| d));
    let flagged: Vec<String> = diags.iter().filter_map(|d| d.secret.clone()).collect();
    let values: Vec<&str> = flagged.iter().map(String::as_str).collect();
    let mut diags: Vec<Diag> = diags.into_iter().filter(|d| !ignores.ignored(d)).collect();
    diags.extend(ignores.diags.iter().cloned());
    diags.sort();
    diags.dedup();
    diags
        .into_iter()
        .filter_map(|d| {
            let rule = registry::find(d.rule)?;
            policy.enabled(rule).then(|| Finding {
                file: file.to_string(),
                line: Some(d.line),
                column: Some(d.column),
                rule: d.rule.to_string(),
                severity: policy.severity(rule),
                message: shown_message(d.message, &values),
                snippet: None,
            })
        })
        .collect()
}

/// Reads a file as UTF-8 text; the error names the file as `shown` and says what to do. Only a regular file in
/// the folder the file is in is read (see [`read_text_within`]).
pub fn read_text(path: &Path, shown: &str) -> Result<String, String> {
    let real = path.canonicalize().map_err(|e| format!("cannot read {shown}: {e}"))?;
    read_text_within(real.parent().unwrap_or(&real), path, shown)
}

/// Reads a file as UTF-8 text through the kit's one file opener: a regular file inside `root`, at most
/// [`stowage_kit::files::MAX_FILE_BYTES`]. A pipe (it blocks until a writer comes), a device (`/dev/zero` never
/// ends) or a link leaving `root` is an error, reported as GN002.
pub fn read_text_within(root: &Path, path: &Path, shown: &str) -> Result<String, String> {
    let bytes = stowage_kit::files::read_app_file(root, path, stowage_kit::files::MAX_FILE_BYTES).map_err(|e| {
        let fix = match e {
            stowage_kit::files::Unread::Io(_) => "",
            stowage_kit::files::Unread::TooLarge(..) => "; exclude it, or split it",
            _ => "; only regular files inside the app are read",
        };
        format!("cannot read {shown}: {e}{fix}")
    })?;
    String::from_utf8(bytes).map_err(|e| {
        format!("{shown} is not UTF-8 (invalid byte at offset {}): re-encode it as UTF-8", e.utf8_error().valid_up_to())
    })
}
