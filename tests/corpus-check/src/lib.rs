//! The corpus-wide checks of the validate stage: real files people wrote, judged by stowage and by the real tools
//! (hadolint, checkov, kubernetes-validate, the compose-spec schema). They need a corpus folder and the judges venv,
//! so they run behind `cargo xtask corpus-check`, never in `cargo test`; this crate's own tests run the same
//! comparisons on the repository's rule fixtures, which is what `cargo test` needs.
//!
//! A corpus folder has the layout of the shared corpus: `dockerfiles/`, `k8s/`, `compose/` (file names
//! `owner__repo__path`) and `expected/` (the pinned peers' findings, written by `--write-expected`). Each check is
//! one module with one entry point, `run(&Corpus) -> Result<Problems>`, listed in [`CHECKS`]; a check prints what it
//! measured and returns the problems that fail it.
//!
//! Adding a peer: a [`agreement::Peer`] entry (how its findings are read and matched) and, for `--write-expected`,
//! an [`expected::Writer`]. Adding a corpus folder: nothing here; name it with `--corpus`, with its reviewed
//! disagreements in `DIR/disputes.toml` (or `--disputes FILE`).

pub mod agreement;
pub mod compose_config;
pub mod compose_schema;
pub mod expected;
pub mod hadolint_specs;
pub mod kubernetes_schema;
pub mod mutations;
pub mod mutations_check;
pub mod robustness;
pub mod secrets;
pub mod spans;
pub mod verdicts;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A failure that stops the run before a check could judge anything (a missing judge, an unreadable file): exit 2.
#[derive(Debug)]
pub struct Fatal(pub String);

impl std::fmt::Display for Fatal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub type Result<T, E = Fatal> = std::result::Result<T, E>;

/// What fails a check: one line each, saying what differs and what to do.
pub type Problems = Vec<String>;

/// One check: its name (for `--only`), whether it needs the snapshots made for a folder, and its entry point.
pub struct Check {
    pub name: &'static str,
    /// Runs only on a folder with snapshots (`Corpus::snapshots`): its expected results name that folder's files.
    pub needs_snapshots: bool,
    pub run: fn(&Corpus) -> Result<Problems>,
}

/// Every check, in the order they run on each folder.
pub const CHECKS: &[Check] = &[
    Check { name: "agreement", needs_snapshots: false, run: agreement::run },
    Check { name: "robustness", needs_snapshots: false, run: robustness::run },
    Check { name: "kubernetes-schema", needs_snapshots: false, run: kubernetes_schema::run },
    Check { name: "compose-schema", needs_snapshots: false, run: compose_schema::run },
    Check { name: "compose-config", needs_snapshots: false, run: compose_config::run },
    Check { name: "secrets", needs_snapshots: false, run: secrets::run },
    Check { name: "spans", needs_snapshots: true, run: spans::run },
    Check { name: "mutations", needs_snapshots: true, run: mutations_check::run },
];

/// The reviewed disagreements of one corpus folder, each with whose answer is right and why.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Disputes {
    #[serde(default)]
    pub agreement: Vec<agreement::Dispute>,
    #[serde(default)]
    pub kubernetes_schema: Vec<verdicts::Dispute>,
    #[serde(default)]
    pub compose_schema: Vec<verdicts::Dispute>,
    #[serde(default)]
    pub compose_config: Vec<verdicts::Dispute>,
}

impl Disputes {
    /// The disputes file at `path`; an absent file is a folder with nothing to review yet.
    pub fn read(path: &Path) -> Result<Disputes> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).map_err(|e| Fatal(format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Disputes::default()),
            Err(e) => Err(Fatal(format!("cannot read {}: {e}", path.display()))),
        }
    }
}

/// One corpus folder and what the checks need to know about it.
pub struct Corpus {
    /// The folder, as given.
    pub dir: PathBuf,
    /// Where its reviewed disagreements are (shown in messages).
    pub disputes_path: PathBuf,
    pub disputes: Disputes,
    /// The folder holding the snapshots made for this corpus (spans.txt, mutations.toml, malformed.txt), if any.
    pub snapshots: Option<PathBuf>,
}

impl Corpus {
    /// The corpus folder `dir`, with its disputes from `disputes` (default `DIR/disputes.toml`, or this crate's
    /// `shared/disputes.toml` for the shared corpus, which is read-only).
    pub fn open(dir: &Path, disputes: Option<&Path>) -> Result<Corpus> {
        if !dir.is_dir() {
            return Err(Fatal(format!("the corpus folder {} does not exist; name an existing one", dir.display())));
        }
        let layout = ["dockerfiles", "k8s", "compose"];
        if !layout.iter().any(|d| dir.join(d).is_dir()) {
            return Err(Fatal(format!(
                "{} has none of dockerfiles/, k8s/ or compose/: not a corpus folder (see docs/corpus-check.md)",
                dir.display()
            )));
        }
        let shared = is_shared(dir);
        let disputes_path = match disputes {
            Some(p) => p.to_path_buf(),
            None if shared => crate_dir().join("shared/disputes.toml"),
            None => dir.join("disputes.toml"),
        };
        let disputes = Disputes::read(&disputes_path)?;
        let snapshots = shared.then(|| crate_dir().join("shared"));
        Ok(Corpus { dir: dir.to_path_buf(), disputes_path, disputes, snapshots })
    }

    /// The files of one kind's folder (`dockerfiles`, `k8s`, `compose`), sorted; none when the folder is absent.
    pub fn files(&self, sub: &str) -> Result<Vec<PathBuf>> {
        let dir = self.dir.join(sub);
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        sorted_files(&dir)
    }

    /// `dir/name` as the corpus names it: `dockerfiles/owner__repo__Dockerfile`.
    pub fn name(&self, path: &Path) -> String {
        path.strip_prefix(&self.dir).unwrap_or(path).to_string_lossy().replace('\\', "/")
    }

    /// The lint inputs of every corpus file as `stowage lint` finds them in the folder (by name and content), named
    /// as the corpus names them.
    pub fn discovered(&self) -> Vec<stowage_validate::Input> {
        let mut inputs = Vec::new();
        let display = |p: &Path| self.name(p);
        for sub in ["dockerfiles", "k8s", "compose"] {
            stowage_validate::discover::walk(&self.dir.join(sub), &[], &display, &mut inputs);
        }
        inputs
    }

    /// The PROVENANCE.tsv of a corpus whose Kubernetes files form groups (one per `owner__repo__dir` prefix, recorded
    /// with a license column, as in tests/corpus): cross-object checks, ours and checkov's, then see one group at a
    /// time, as a user's run on one folder would. The shared corpus has no groups: its files are one folder.
    pub fn groups_file(&self) -> Option<PathBuf> {
        let path = self.dir.join("PROVENANCE.tsv");
        let header = std::fs::read_to_string(&path).ok()?.lines().next()?.to_string();
        header.split('\t').any(|c| c == "license").then_some(path)
    }

    /// The group of each Kubernetes file (see [`Corpus::groups_file`]), by corpus name; empty without groups.
    pub fn k8s_groups(&self) -> Result<std::collections::BTreeMap<String, String>> {
        let Some(path) = self.groups_file() else { return Ok(Default::default()) };
        Ok(read_tsv(&path)?
            .into_iter()
            .filter(|r| r.get("kind").map(String::as_str) == Some("k8s"))
            .map(|r| {
                let base = r["path"].rsplit('/').next().unwrap_or("").len();
                let group = r["file"][..r["file"].len().saturating_sub(base)].to_string();
                (r["file"].clone(), group)
            })
            .collect())
    }

    /// The lint inputs of every corpus file, of the kind its folder says, named as the corpus names them.
    pub fn inputs(&self) -> Result<Vec<stowage_validate::Input>> {
        use stowage_validate::Kind;
        let mut inputs = Vec::new();
        for (sub, kind) in [("dockerfiles", Kind::Dockerfile), ("k8s", Kind::Kubernetes), ("compose", Kind::Compose)] {
            for path in self.files(sub)? {
                inputs.push(stowage_validate::Input { file: self.name(&path), path, kind });
            }
        }
        Ok(inputs)
    }
}

/// Whether `dir` is the folder the snapshots under `shared/` were made for: the shared corpus beside the repository,
/// which `cargo xtask corpus-check` names in `STOWAGE_CORPUS_SNAPSHOTS_FOR` (this crate never looks outside the
/// repository by itself).
pub fn is_shared(dir: &Path) -> bool {
    let Some(shared) = std::env::var_os("STOWAGE_CORPUS_SNAPSHOTS_FOR") else { return false };
    matches!((dir.canonicalize(), Path::new(&shared).canonicalize()), (Ok(a), Ok(b)) if a == b)
}

/// This crate's folder, tests/corpus-check.
pub fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The validate stage's folder, whose rule fixtures and malformed files the in-repository halves read.
pub fn validate_dir() -> PathBuf {
    crate_dir().join("../../stages/stowage-validate")
}

/// The judges venv's `name` executable (`python`, `check-jsonschema`, ...), installed by `cargo xtask judges`;
/// `why` says what the check needs it for.
pub fn judge(name: &str, why: &str) -> Result<PathBuf> {
    let venv = crate_dir().join("../../target/judges/venv");
    let bin = venv.join("bin").join(name);
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(Fatal(format!("{} is not installed in the judges venv: run `cargo xtask judges` first; {why}", name)))
    }
}

/// The entries of `dir`, sorted, so that inputs and reports come in the same order on every machine.
pub fn sorted_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Fatal(format!("cannot list {}: {e}", dir.display())))?;
    let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    files.sort();
    Ok(files)
}

/// A TSV file with a header line, as rows keyed by column name.
pub fn read_tsv(path: &Path) -> Result<Vec<BTreeMap<String, String>>> {
    let bad = |e: csv::Error| Fatal(format!("cannot read {}: {e}", path.display()));
    let mut reader =
        csv::ReaderBuilder::new().delimiter(b'\t').quoting(true).flexible(true).from_path(path).map_err(bad)?;
    let headers = reader.headers().map_err(bad)?.clone();
    let mut rows = Vec::new();
    for r in reader.records() {
        let r = r.map_err(bad)?;
        rows.push(headers.iter().zip(r.iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect());
    }
    Ok(rows)
}
