//! Comparing a real tool's verdicts with our rules' (compose_schema.rs, kubernetes_schema.rs): every difference must
//! be explained in the folder's disputes file, with whose answer is right and why, and every entry there must still
//! be a difference.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde::Deserialize;

use crate::{Fatal, Problems, Result};

/// (file, rule, key); the key says what the verdict is about (an unknown key, a removed apiVersion), empty when
/// the rule has no key (GN001).
pub type Verdict = (String, String, String);

/// One file to judge: its name in the report, where it is on disk and its text.
pub struct Input {
    pub name: String,
    pub path: PathBuf,
    pub text: String,
}

pub fn read(name: String, path: PathBuf) -> Result<Input> {
    let text = std::fs::read_to_string(&path).map_err(|e| Fatal(format!("cannot read {}: {e}", path.display())))?;
    Ok(Input { name, path, text })
}

/// A difference between the tool and our rules, with whose answer is right and why.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dispute {
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

/// Compares `theirs` (from `tool`) with `ours`, against `disputes`; prints each explained difference.
pub fn review(tool: &str, theirs: &BTreeSet<Verdict>, ours: &BTreeSet<Verdict>, disputes: &[Dispute]) -> Review {
    let mut explained = BTreeSet::new();
    let mut unexplained = Vec::new();
    let differences = theirs.difference(ours).map(|v| (v, tool)).chain(ours.difference(theirs).map(|v| (v, "stowage")));
    for ((file, rule, key), by) in differences {
        match disputes.iter().position(|d| (&d.file, &d.rule, &d.key, d.reported_by.as_str()) == (file, rule, key, by))
        {
            Some(i) => {
                let d = &disputes[i];
                println!("explained: {by} reports {rule} `{key}` in {file}; {} is right: {}", d.right, d.why);
                explained.insert(i);
            }
            None => unexplained.push(format!("{by} alone reports {rule} `{key}` in {file}")),
        }
    }
    let stale = disputes
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
pub fn print_table(what: &str, files: usize, review: &Review, other: Option<usize>) {
    // The schema judges also report errors no compared rule covers; other comparisons have none to count.
    let (head, rule, cell) = match other {
        Some(n) => (" other schema errors |", "---|", format!(" {n} |")),
        None => ("", "", String::new()),
    };
    println!("\n| {what} | verdicts agreed | disagreements (explained) |{head}");
    println!("|---|---|---|{rule}");
    let differences = review.explained + review.unexplained.len();
    println!("| {files} | {} | {differences} ({}) |{cell}", review.agreed, review.explained);
}

/// The problems: a difference not explained in `disputes` (named for the message), or a dispute that no longer
/// occurs.
pub fn problems(review: &Review, rules: &str, tool: &str, disputes: &str) -> Problems {
    let mut problems = Vec::new();
    for u in &review.unexplained {
        problems.push(format!("{rules} disagree with {tool} (fix the rule, or explain the case in {disputes}): {u}"));
    }
    for s in &review.stale {
        problems.push(format!("dispute in {disputes} no longer occurs (remove it): {s}"));
    }
    problems
}
