//! The entries of a corpus folder's mutations.toml (shared/mutations.toml for the shared corpus) and their line
//! edits, shared by the checks that read them (mutations_check.rs checks each entry; compose_schema.rs judges the
//! compose ones by the compose-spec schema).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use stowage_validate::Policy;

use crate::{Fatal, Result};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Data {
    /// Chart-relative path to text, for the Helm entries.
    pub chart: BTreeMap<String, String>,
    pub mutation: Vec<Mutation>,
    /// Rules about a kind of file the corpus holds none of (a kustomization.yaml): no small edit of a corpus file
    /// can show them, so their rule fixtures do, and the check confirms the corpus still has no such file.
    #[serde(default)]
    pub absent_kind: Vec<AbsentKind>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AbsentKind {
    pub rule: String,
    /// A line that a file of that kind holds (`kind: Kustomization`); no corpus file may hold it.
    pub marker: String,
    pub why: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mutation {
    pub rule: String,
    pub file: String,
    pub after_line: Option<usize>,
    pub insert: Option<String>,
    pub replace_line: Option<usize>,
    pub with: Option<String>,
    /// The chart file the edit is made in (Helm rules only).
    #[serde(rename = "in")]
    pub in_chart: Option<String>,
    #[serde(default)]
    pub remove: bool,
    #[serde(default)]
    pub as_directory: bool,
    #[serde(default)]
    pub alongside: Vec<String>,
    pub policy: Option<Policy>,
    pub at: String,
    pub why: String,
}

/// The mutations.toml in the snapshots folder `snapshots`.
pub fn data(snapshots: &Path) -> Result<Data> {
    let path = snapshots.join("mutations.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| Fatal(format!("cannot read {}: {e}", path.display())))?;
    toml::from_str(&text).map_err(|e| Fatal(format!("{}: {e}", path.display())))
}

/// `text` with the entry's line edit made, keeping the file's line endings.
pub fn edit(text: &str, m: &Mutation) -> Result<String, String> {
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    match (m.after_line, &m.insert, m.replace_line, &m.with) {
        (Some(n), Some(insert), None, None) => {
            // A mutation is meant to be read at a glance; a bigger edit is a fixture, not a mutation.
            if insert.lines().count() > 2 {
                return Err("insert more than two lines".into());
            }
            if n > lines.len() {
                return Err(format!("after_line {n} is past the end ({} lines)", lines.len()));
            }
            if n > 0 && !lines[n - 1].ends_with('\n') {
                lines[n - 1].push_str(eol);
            }
            lines.insert(n, insert.lines().map(|l| format!("{l}{eol}")).collect());
        }
        (None, None, Some(n), Some(with)) => {
            if with.lines().count() != 1 {
                return Err("`with` must be one line".into());
            }
            let Some(old) = n.checked_sub(1).and_then(|i| lines.get_mut(i)) else {
                return Err(format!("replace_line {n} is not a line of the file"));
            };
            let content = old.trim_end_matches(['\r', '\n']);
            if content == with {
                return Err(format!("replace_line {n} already reads `{with}`"));
            }
            *old = format!("{with}{}", &old[content.len()..]);
        }
        _ => return Err("declare one edit: after_line + insert, or replace_line + with".into()),
    }
    Ok(lines.concat())
}
