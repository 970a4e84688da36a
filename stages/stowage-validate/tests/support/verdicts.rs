//! Comparing a real tool's verdicts with our rules' (tests/compose_schema.rs, tests/kubernetes_schema.rs): every
//! difference must be explained in a disputes file next to the test, with whose answer is right and why, and every
//! entry there must still be a difference.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// (file, rule, key); the key says what the verdict is about (an unknown key, a removed apiVersion), empty when
/// the rule has no key (GN001).
pub type Verdict = (String, String, String);

/// One file to judge: its name in the report, where it is on disk and its text.
pub struct Input {
    pub name: String,
    pub path: PathBuf,
    pub text: String,
}

pub fn read(name: String, path: PathBuf) -> Input {
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    Input { name, path, text }
}

/// The entries of `dir`, sorted, so that inputs and reports come in the same order on every machine.
pub fn sorted_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    files.sort();
    files
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Disputes {
    #[serde(default)]
    dispute: Vec<Dispute>,
}

/// A difference between the tool and our rules, with whose answer is right and why.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Dispute {
    file: String,
    rule: String,
    #[serde(default)]
    key: String,
    /// `stowage` or the tool's name: who reports the verdict the other does not.
    reported_by: String,
    right: String,
    why: String,
}

/// The outcome of a comparison.
pub struct Review {
    pub agreed: usize,
    pub explained: usize,
    pub unexplained: Vec<String>,
    pub stale: Vec<String>,
}

/// Compares `theirs` (from `tool`) with `ours`, against the disputes in `disputes` (a file under tests/, which may
/// be absent when nothing differs); prints each explained difference.
pub fn review(tool: &str, theirs: &BTreeSet<Verdict>, ours: &BTreeSet<Verdict>, disputes: &str) -> Review {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join(disputes);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let disputes: Disputes = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut explained = BTreeSet::new();
    let mut unexplained = Vec::new();
    let differences = theirs.difference(ours).map(|v| (v, tool)).chain(ours.difference(theirs).map(|v| (v, "stowage")));
    for ((file, rule, key), by) in differences {
        match disputes
            .dispute
            .iter()
            .position(|d| (&d.file, &d.rule, &d.key, d.reported_by.as_str()) == (file, rule, key, by))
        {
            Some(i) => {
                let d = &disputes.dispute[i];
                println!("explained: {by} reports {rule} `{key}` in {file}; {} is right: {}", d.right, d.why);
                explained.insert(i);
            }
            None => unexplained.push(format!("{by} alone reports {rule} `{key}` in {file}")),
        }
    }
    let stale = disputes
        .dispute
        .iter()
        .enumerate()
        .filter(|(i, _)| !explained.contains(i))
        .map(|(_, d)| format!("{} `{}` in {} (reported by {})", d.rule, d.key, d.file, d.reported_by))
        .collect();
    Review { agreed: theirs.intersection(ours).count(), explained: explained.len(), unexplained, stale }
}

/// Prints the tool's errors that no compared rule covers, and their count by kind.
pub fn print_other(other: &[(String, &'static str, String)]) {
    let mut by_keyword: BTreeMap<&str, usize> = BTreeMap::new();
    for (file, keyword, error) in other {
        println!("other schema error [{keyword}] {file}: {error}");
        *by_keyword.entry(keyword).or_default() += 1;
    }
    if by_keyword.is_empty() {
        println!("other schema errors: none");
    }
    for (keyword, n) in &by_keyword {
        println!("other schema errors, {keyword}: {n}");
    }
}

/// The summary table's header and row.
pub fn print_table(what: &str, files: usize, review: &Review, other: usize) {
    println!("\n| {what} | verdicts agreed | disagreements (explained) | other schema errors |");
    println!("|---|---|---|---|");
    let differences = review.explained + review.unexplained.len();
    println!("| {files} | {} | {differences} ({}) | {other} |", review.agreed, review.explained);
}

/// Fails on a difference not explained in `disputes`, or on a dispute that no longer occurs.
pub fn assert_explained(review: &Review, rules: &str, tool: &str, disputes: &str) {
    assert!(review.agreed > 0, "no verdict agreed: the bad fixtures of {rules} should at least");
    assert!(
        review.unexplained.is_empty(),
        "{rules} disagree with {tool} (fix the rule, or explain the case in tests/{disputes}):\n{}",
        review.unexplained.join("\n")
    );
    assert!(review.stale.is_empty(), "disputes that no longer occur (remove them):\n{}", review.stale.join("\n"));
}
